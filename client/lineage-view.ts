import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type ImpactRequest, type LineageView } from '../core/editor/protocol';
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
    this.open(target.modelPath, view, `Lineage: ${view.title.replace(/ \(.*$/, '')}`, target.modelPath);
    return view;
  }

  /**
   * Show Impact: the blast radius of a flagged artifact or signer, computed by the server with
   * core/incident and drawn by core/render like the lineage, in the same locked-down view.
   * Without an argument, the flagged references of the active document are offered.
   */
  async showImpact(arg: unknown): Promise<LineageView | undefined> {
    const req = await impactTarget(arg);
    if (!req) return undefined;
    let view: LineageView;
    try {
      view = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Model Provenance: computing the blast radius' }, () => this.client.sendRequest<LineageView>(REQUESTS.impact, req));
    } catch (err) {
      void vscode.window.showErrorMessage(`Show Impact: ${errorMessage(err)}`);
      return undefined;
    }
    this.open(`impact:${req.digest}`, view, `Impact: ${view.title.replace(/ \(.*$/, '')}`);
    return view;
  }

  private open(key: string, view: LineageView, title: string, revealPath?: string): void {
    let open = this.panels.get(key);
    if (open) open.panel.reveal(undefined, false);
    else {
      const panel = vscode.window.createWebviewPanel('modelProvenance.lineage', title, vscode.ViewColumn.Active, {
        enableScripts: true,
        // Nothing is loaded from disk or the network: the SVG and the script are inline.
        localResourceRoots: [],
        enableFindWidget: true,
      });
      const entry = { panel, view };
      open = entry;
      this.panels.set(key, entry);
      panel.onDidDispose(() => this.panels.delete(key));
      panel.webview.onDidReceiveMessage((m: { type?: string; id?: string; section?: number; index?: number }) => void this.onMessage(key, revealPath, entry.view, m));
    }
    open.view = view;
    open.panel.webview.html = lineageHtml(view);
  }

  /** A click in the view: the server said what each node opens. */
  private async onMessage(key: string, revealPath: string | undefined, view: LineageView, m: { type?: string; id?: string; section?: number; index?: number }): Promise<void> {
    try {
      if (m.type === 'reveal' && revealPath) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(revealPath));
      if (m.type === 'openFile' && typeof m.section === 'number' && typeof m.index === 'number') {
        const f = (this.panels.get(key)?.view ?? view).sections?.[m.section]?.files?.[m.index];
        if (!f) return;
        const at = new vscode.Position(Math.max(0, f.line - 1), Math.max(0, f.column - 1));
        await vscode.window.showTextDocument(vscode.Uri.file(f.path), { selection: new vscode.Range(at, at), viewColumn: vscode.ViewColumn.Beside, preview: true });
        return;
      }
      if (m.type !== 'open' || typeof m.id !== 'string') return;
      const action = (this.panels.get(key)?.view ?? view).nodes.find((n) => n.id === m.id)?.action;
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

/** What Show Impact starts from: the argument (a lens, a hover link), else a flagged reference of the active document, else a digest typed in. */
async function impactTarget(arg: unknown): Promise<ImpactRequest | undefined> {
  const a = (Array.isArray(arg) ? arg[0] : arg) as Partial<ImpactRequest> | undefined;
  if (a && typeof a === 'object' && typeof a.digest === 'string') return { digest: a.digest, kind: a.kind === 'signer' ? 'signer' : 'artifact' };
  const editor = vscode.window.activeTextEditor;
  const flagged = editor
    ? vscode.languages
        .getDiagnostics(editor.document.uri)
        .map((d) => ({ d, data: (d as unknown as { data?: { flagged?: string; kind?: string } }).data }))
        .filter((x) => typeof x.data?.flagged === 'string')
    : [];
  const unique = [...new Map(flagged.map((x) => [x.data!.flagged!, x])).values()];
  if (unique.length === 1) return { digest: unique[0]!.data!.flagged!, kind: unique[0]!.data!.kind === 'signer' ? 'signer' : 'artifact' };
  if (unique.length > 1) {
    const pick = await vscode.window.showQuickPick(
      unique.map((x) => ({ label: x.data!.flagged!, description: String(x.d.code ?? ''), detail: x.d.message, req: { digest: x.data!.flagged!, kind: x.data!.kind === 'signer' ? ('signer' as const) : ('artifact' as const) } })),
      { title: 'Show Impact of which flagged reference?' },
    );
    return pick?.req;
  }
  const typed = await vscode.window.showInputBox({ title: 'Show Impact', prompt: 'The flagged digest (sha256:…): nothing flagged is referenced in the active editor', validateInput: (v) => (/^sha256:[0-9a-f]{64}$/.test(v.trim()) ? undefined : 'sha256: and 64 lowercase hex digits') });
  return typed ? { digest: typed.trim(), kind: 'artifact' } : undefined;
}
