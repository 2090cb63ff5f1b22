import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { NOTIFICATIONS, REQUESTS, type ImpactRequest, type LineageChanged, type LineageGraphRequest, type LineageView } from '../core/editor/protocol';
import { clockTime, lineageHtml, recheckingText } from './lineage-html';
import { PayloadProvider } from './payload';
import { effectiveSettings } from './settings';
import { errorMessage, modelTarget } from './target';
import { said } from './flow-steps';

/**
 * Show Lineage: a webview showing the graph the server drew with core/render (the reports'
 * own drawing code). The extension adds only the frame: a strict Content Security Policy
 * (nothing may load from anywhere; one nonce'd script, one nonce'd style), pan, zoom and
 * fit-to-view, and what a click on a node does (the server says what each node opens).
 */
interface OpenPanel {
  panel: vscode.WebviewPanel;
  view: LineageView;
  /** A lineage view the server watches (its model path); Show Impact has none. */
  watch?: string;
  /** Bumps on every re-check: an older answer is dropped. */
  generation: number;
  /** What the webview shows besides the view: being re-checked (and why), or a re-check that failed. */
  fresh: { type: 'fresh' } | { type: 'stale'; reason: string } | { type: 'failed'; message: string };
}

/** The view without its time: two answers that differ only in when they were computed draw the same. */
function sameDrawing(a: LineageView, b: LineageView): boolean {
  return JSON.stringify({ ...a, checkedAt: 0 }) === JSON.stringify({ ...b, checkedAt: 0 });
}

export class LineagePanels {
  private readonly panels = new Map<string, OpenPanel>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly client: LanguageClient) {
    // The server watches what each lineage view was built from: stale at once, re-check once settled.
    this.subscription = client.onNotification(NOTIFICATIONS.lineageChanged, (c: LineageChanged) => {
      const open = [...this.panels.values()].find((p) => p.watch === c.watch);
      if (!open) return;
      if (c.phase === 'stale') {
        // An answer still in flight was computed before this change: it must not be drawn as fresh.
        open.generation++;
        this.mark(open, { type: 'stale', reason: c.reason });
      } else void this.recheck(open, c.reason);
    });
  }

  async show(arg: unknown): Promise<LineageView | undefined> {
    const target = await modelTarget(this.client, arg, 'Show Lineage');
    if (!target) return undefined;
    let view: LineageView;
    try {
      view = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Model Provenance: computing the lineage' }, () =>
        this.client.sendRequest<LineageView>(REQUESTS.lineageGraph, { modelPath: target.modelPath, watch: target.modelPath } satisfies LineageGraphRequest),
      );
    } catch (err) {
      void vscode.window.showErrorMessage(said('Show Lineage', errorMessage(err)));
      return undefined;
    }
    this.open(target.modelPath, view, `Lineage: ${view.title.replace(/ \(.*$/, '')}`, target.modelPath, target.modelPath);
    return view;
  }

  /** Shows the view as being re-checked (or a failed re-check): never its old verdict. */
  private mark(open: OpenPanel, fresh: OpenPanel['fresh']): void {
    open.fresh = fresh;
    this.post(open);
  }

  private post(open: OpenPanel): void {
    const f = open.fresh;
    const m =
      f.type === 'stale'
        ? { type: 'stale', text: recheckingText(f.reason) }
        : f.type === 'failed'
          ? { type: 'failed', message: f.message }
          : { type: 'fresh', ...(open.view.checkedAt !== undefined ? { checked: `checked ${clockTime(open.view.checkedAt)}` } : {}) };
    void open.panel.webview.postMessage(m);
  }

  /** Computes a watched view again (a change settled, or Refresh): the old verdict is marked as being re-checked meanwhile. */
  private async recheck(open: OpenPanel, reason: string): Promise<void> {
    if (!open.watch) return;
    const generation = ++open.generation;
    this.mark(open, { type: 'stale', reason });
    let view: LineageView;
    try {
      view = await this.client.sendRequest<LineageView>(REQUESTS.lineageGraph, { modelPath: open.watch, watch: open.watch } satisfies LineageGraphRequest);
    } catch (err) {
      if (generation === open.generation) this.mark(open, { type: 'failed', message: errorMessage(err) });
      return;
    }
    if (generation !== open.generation || !this.panels.has(open.watch)) return;
    const same = sameDrawing(open.view, view);
    open.view = view;
    open.fresh = { type: 'fresh' };
    // Unchanged: only the time moves (the person's zoom and pan stay); changed: drawn again.
    if (same) this.post(open);
    else open.panel.webview.html = lineageHtml(view, { refresh: true });
  }

  /**
   * Show Impact: the blast radius of a flagged artifact or signer, computed by the server with
   * core/incident and drawn by core/render like the lineage, in the same locked-down view.
   * Without an argument, the flagged references of the active document are offered.
   */
  async showImpact(arg: unknown): Promise<LineageView | undefined> {
    // The blast radius is read under a trust policy; without one, say so (and how to set it)
    // before asking anything, rather than after a digest was typed.
    if (!effectiveSettings().modelProvenance.policy) {
      await needsPolicy();
      return undefined;
    }
    const req = await impactTarget(arg);
    if (!req) return undefined;
    let view: LineageView;
    try {
      view = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Model Provenance: computing the blast radius' }, () => this.client.sendRequest<LineageView>(REQUESTS.impact, req));
    } catch (err) {
      void vscode.window.showErrorMessage(said('Show Impact', errorMessage(err)));
      return undefined;
    }
    this.open(`impact:${req.digest}`, view, `Impact: ${view.title.replace(/ \(.*$/, '')}`);
    return view;
  }

  private open(key: string, view: LineageView, title: string, revealPath?: string, watch?: string): void {
    let open = this.panels.get(key);
    if (open) open.panel.reveal(undefined, false);
    else {
      const panel = vscode.window.createWebviewPanel('modelProvenance.lineage', title, vscode.ViewColumn.Active, {
        enableScripts: true,
        // Nothing is loaded from disk or the network: the SVG and the script are inline.
        localResourceRoots: [],
        enableFindWidget: true,
      });
      const entry: OpenPanel = { panel, view, generation: 0, fresh: { type: 'fresh' }, ...(watch ? { watch } : {}) };
      open = entry;
      this.panels.set(key, entry);
      panel.onDidDispose(() => {
        this.panels.delete(key);
        if (entry.watch) void this.client.sendRequest(REQUESTS.lineageUnwatch, { watch: entry.watch }).catch(() => undefined);
      });
      panel.webview.onDidReceiveMessage((m: { type?: string; id?: string; section?: number; index?: number }) => void this.onMessage(key, revealPath, entry.view, m));
    }
    open.view = view;
    open.fresh = { type: 'fresh' };
    open.generation++;
    open.panel.webview.html = lineageHtml(view, { refresh: !!open.watch });
  }

  /** A click in the view: the server said what each node opens. */
  private async onMessage(key: string, revealPath: string | undefined, view: LineageView, m: { type?: string; id?: string; section?: number; index?: number }): Promise<void> {
    try {
      const open = this.panels.get(key);
      // The document (re)loaded (first shown, or shown again after being hidden): tell it what holds now.
      if (m.type === 'ready' && open) return this.post(open);
      if (m.type === 'refresh' && open) return void (await this.recheck(open, 'refresh'));
      if (m.type === 'reveal' && revealPath) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(revealPath));
      // "Set a trust policy…" of the no-policy notice: only the setting the server named.
      const shown = this.panels.get(key)?.view ?? view;
      if (m.type === 'setting' && m.id && (m.id === shown.notice?.setting || m.id === shown.registry?.setting)) await vscode.commands.executeCommand('workbench.action.openSettings', m.id);
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
      } else if (action?.kind === 'stored') {
        // A stage whose attestation failed: the entry as stored, read-only, so the altered bytes can be looked at.
        const doc = await vscode.workspace.openTextDocument(PayloadProvider.uriForStored(action.id, action.stage));
        await vscode.languages.setTextDocumentLanguage(doc, 'json');
        await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
      } else if (action?.kind === 'reveal') {
        await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(action.path));
      }
    } catch (err) {
      void vscode.window.showErrorMessage(said('Show Lineage', errorMessage(err)));
    }
  }

  dispose(): void {
    this.subscription.dispose();
    for (const p of this.panels.values()) p.panel.dispose();
  }
}

/**
 * Show Impact with no trust policy: what it needs, why (advisories count only when signed by
 * the policy's advisorySigners, as at the deployment gate), and how to set it; a policy file
 * found in the workspace is named.
 */
async function needsPolicy(): Promise<void> {
  const found = await vscode.workspace.findFiles('**/provenance-policy.json', '**/{node_modules,.git,.provenance}/**', 5);
  const hint = found[0] ? ` This workspace has ${vscode.workspace.asRelativePath(found[0])}: set modelProvenance.policy to it.` : ' Set modelProvenance.policy to your provenance-policy.json (docs/provenance.md, "The trust policy", describes one).';
  const choice = await vscode.window.showWarningMessage(
    `Show Impact needs a trust policy (modelProvenance.policy), and none is set: the blast radius is read from advisories as the deployment gate reads them, only those signed by the policy's advisorySigners.${hint}`,
    'Open Settings',
  );
  if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'modelProvenance.policy');
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
  const typed = await vscode.window.showInputBox({ title: 'Show Impact', prompt: `The flagged digest (sha256:…): ${editor ? 'nothing flagged is referenced in the active editor' : 'no editor is open to take one from'}`, validateInput: (v) => (/^sha256:[0-9a-f]{64}$/.test(v.trim()) ? undefined : 'sha256: and 64 lowercase hex digits') });
  return typed ? { digest: typed.trim(), kind: 'artifact' } : undefined;
}
