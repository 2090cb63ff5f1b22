import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type LineageView } from '../core/editor/protocol';
import { lineageHtml } from './lineage-html';
import { PayloadProvider } from './payload';
import { errorMessage, modelTarget } from './target';

/**
 * Show Lineage: a webview showing the graph the server drew with core/render (the reports'
 * own drawing code). The extension adds only the frame: a strict Content Security Policy
 * (nothing may load from anywhere; one nonce'd script, one nonce'd style), pan, zoom and
 * fit-to-view, and what a click on a node does (the server says what each node opens).
 */
export class LineagePanels {
  private readonly panels = new Map<string, { panel: vscode.WebviewPanel; view: LineageView }>();

  constructor(private readonly client: LanguageClient) {}

  async show(arg: unknown): Promise<LineageView | undefined> {
    const target = await modelTarget(this.client, arg, 'Show Lineage');
    if (!target) return undefined;
    let view: LineageView;
    try {
      view = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Model Provenance: computing the lineage' }, () =>
        this.client.sendRequest<LineageView>(REQUESTS.lineageGraph, { modelPath: target.modelPath }),
      );
    } catch (err) {
      void vscode.window.showErrorMessage(`Show Lineage: ${errorMessage(err)}`);
      return undefined;
    }
    const modelPath = target.modelPath;
    let open = this.panels.get(modelPath);
    if (open) open.panel.reveal(undefined, false);
    else {
      const panel = vscode.window.createWebviewPanel('modelProvenance.lineage', `Lineage: ${view.title.replace(/ \(.*$/, '')}`, vscode.ViewColumn.Active, {
        enableScripts: true,
        // Nothing is loaded from disk or the network: the SVG and the script are inline.
        localResourceRoots: [],
        enableFindWidget: true,
      });
      const entry = { panel, view };
      open = entry;
      this.panels.set(modelPath, entry);
      panel.onDidDispose(() => this.panels.delete(modelPath));
      panel.webview.onDidReceiveMessage((m: { type?: string; id?: string }) => void this.onMessage(modelPath, entry.view, m));
    }
    open.view = view;
    const p = open.panel;
    p.webview.html = lineageHtml(view);
    return view;
  }

  /** A click in the view: the server said what each node opens. */
  private async onMessage(modelPath: string, view: LineageView, m: { type?: string; id?: string }): Promise<void> {
    try {
      if (m.type === 'reveal') await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(modelPath));
      if (m.type !== 'open' || typeof m.id !== 'string') return;
      const action = (this.panels.get(modelPath)?.view ?? view).nodes.find((n) => n.id === m.id)?.action;
      if (action?.kind === 'attestation') {
        const doc = await vscode.workspace.openTextDocument(PayloadProvider.uriForRegistry(action.id, action.stage));
        await vscode.languages.setTextDocumentLanguage(doc, 'json');
        await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
      } else if (action?.kind === 'reveal') {
        await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(action.path));
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`Lineage: ${errorMessage(err)}`);
    }
  }

  dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
  }
}
