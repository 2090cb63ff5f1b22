import * as path from 'node:path';
import * as vscode from 'vscode';
import { CodeLensRequest, LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { NOTIFICATIONS, REQUESTS, type ModelStateView, type PolicyProblem } from '../core/editor/protocol';
import { registerCommands } from './commands';
import { ModelDecorations } from './decorations';
import { PayloadProvider, PAYLOAD_SCHEME } from './payload';
import { effectiveSettings } from './settings';
import { StatusItem } from './status';

let client: LanguageClient | undefined;

/** The extension: starts the language server over IPC and adds what only VS Code can do. */
export async function activate(context: vscode.ExtensionContext): Promise<{ client: LanguageClient; activationMs: number }> {
  const started = Date.now();
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'model-provenance-json' },
      { scheme: 'file', language: 'json' },
      { scheme: 'file', language: 'jsonc' },
      { scheme: 'file', language: 'jsonl' },
      { scheme: PAYLOAD_SCHEME },
    ],
    initializationOptions: { settings: effectiveSettings() },
    // The hover on a flagged reference links to Show Impact; no other command runs from a hover.
    markdown: { isTrusted: { enabledCommands: ['modelProvenance.showImpact'] } },
    outputChannelName: 'Model Provenance Language Server',
  };
  client = new LanguageClient('modelProvenance', 'Model Provenance', serverOptions, clientOptions);
  await client.start();

  const output = vscode.window.createOutputChannel('Model Provenance');
  const decorations = new ModelDecorations(client);
  const status = new StatusItem(client);
  const guide = new FirstRunGuide(client);
  const problems = new TrustProblems(client);
  const policyAlert = new PolicyAlert();
  const restricted = new RestrictedNotice();
  context.subscriptions.push(
    output,
    vscode.workspace.registerTextDocumentContentProvider(PAYLOAD_SCHEME, new PayloadProvider(client)),
    vscode.window.registerFileDecorationProvider(decorations),
    status,
    client.onNotification(NOTIFICATIONS.policyProblem, (p: Partial<PolicyProblem>) => policyAlert.changed(p)),
    client.onNotification(NOTIFICATIONS.modelState, (view: ModelStateView) => {
      decorations.changed(view);
      status.changed(view);
      guide.changed(view);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('modelProvenance')) {
        void pushSettings(decorations, status, problems);
        restricted.check();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void pushSettings(decorations, status, problems)),
    vscode.window.onDidChangeVisibleTextEditors((editors) => {
      guide.shown(editors);
      for (const e of editors) refreshLenses(e.document);
    }),
    // Back on a tab: VS Code paints the lens titles it cached when the tab was hidden; ask the
    // server again at once, so the lens shows the one current state as the other surfaces do.
    vscode.window.onDidChangeActiveTextEditor((e) => e && refreshLenses(e.document)),
  );
  guide.shown(vscode.window.visibleTextEditors);
  restricted.check();
  registerCommands(context, client, output, status);
  void problems.check();
  return { client, activationMs: Date.now() - started };
}

/** Asks VS Code to fetch the lenses of a document again now (the language client's own change event). */
function refreshLenses(doc: vscode.TextDocument): void {
  if (!client || doc.uri.scheme !== 'file') return;
  try {
    client.getFeature(CodeLensRequest.method)?.getProvider(doc)?.onDidChangeCodeLensEmitter.fire();
  } catch {
    /* not a document the server serves */
  }
}

async function pushSettings(decorations: ModelDecorations, status: StatusItem, problems: TrustProblems): Promise<void> {
  if (!client) return;
  await client.sendNotification('workspace/didChangeConfiguration', { settings: effectiveSettings() });
  decorations.reset();
  void status.refresh();
  void problems.check();
}

/**
 * Trust settings that cannot be used (a CA certificate among the keys, a missing file, an
 * identity without an issuer) are said once per change, with where each belongs.
 */
class TrustProblems {
  private last = '';
  constructor(private readonly lc: LanguageClient) {}

  async check(): Promise<void> {
    const s = await this.lc.sendRequest<{ trustProblems?: string[] }>(REQUESTS.status, { uri: '' }).catch(() => undefined);
    const list = s?.trustProblems ?? [];
    const key = list.join('\n');
    if (key === this.last) return;
    this.last = key;
    if (list.length === 0) return;
    const choice = await vscode.window.showWarningMessage(`Model Provenance: ${list[0]}${list.length > 1 ? ` (and ${list.length - 1} more trust setting problem(s))` : ''}`, 'Open Settings');
    if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'modelProvenance.');
  }
}

/**
 * A configured trust policy that cannot be loaded is said once per distinct problem, as an
 * error that opens the file (or the setting, when the file is not there): every model shows
 * "not verified" until it loads, and the person needs to know why.
 */
/**
 * Restricted Mode: the workspace's .vscode/settings.json may not choose whom to trust. When it
 * tries, say so once per change (what it tried, that it was ignored, and how to use it on purpose).
 */
class RestrictedNotice {
  private last = '';

  check(): void {
    if (vscode.workspace.isTrusted) return;
    const { ignored } = effectiveSettings();
    const key = ignored.join(', ');
    if (key === this.last) return;
    this.last = key;
    if (ignored.length === 0) return;
    void vscode.window
      .showWarningMessage(`Model Provenance: Restricted Mode — this folder's .vscode/settings.json tried to add ${key}; they were ignored (a repository cannot choose whom you trust). Trust the folder, or add them to your user settings, to use them.`, 'Manage Workspace Trust')
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      });
  }
}

class PolicyAlert {
  private last = '';

  changed(p: Partial<PolicyProblem>): void {
    const key = p.message ?? '';
    if (key === this.last) return;
    this.last = key;
    if (!p.message || !p.file) return;
    const file = p.file;
    const open = p.code === 'POLICY_NOT_FOUND' ? 'Open Settings' : 'Open Policy';
    void vscode.window.showErrorMessage(`Model Provenance: ${p.message} [${p.code}]. Every model is shown as not verified until it loads.`, open).then(async (choice) => {
      if (choice === 'Open Policy') await vscode.window.showTextDocument(vscode.Uri.file(file));
      else if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'modelProvenance.policy');
    });
  }
}

/**
 * The first time a signature you are looking at is "files match, signature not checked", say
 * what that means and offer to trust its signer, once per signature per session.
 */
class FirstRunGuide {
  private readonly told = new Set<string>();

  constructor(private readonly lc: LanguageClient) {}

  /** A signature came into view: its state may have been computed before (for an explorer badge). */
  shown(editors: readonly vscode.TextEditor[]): void {
    for (const e of editors) {
      const uri = e.document.uri;
      if (uri.scheme !== 'file' || !/\.sig$/.test(uri.path) || this.told.has(uri.fsPath)) continue;
      void this.lc.sendRequest<ModelStateView | { unsigned: true }>(REQUESTS.modelState, { path: uri.fsPath }).then(
        (view) => {
          if (!('unsigned' in view) && view.signature === uri.fsPath) this.changed(view);
        },
        () => undefined,
      );
    }
  }

  changed(view: ModelStateView): void {
    if (view.phase !== 'done' || view.state !== 'not-configured' || this.told.has(view.signature)) return;
    const visible = vscode.window.visibleTextEditors.some((e) => e.document.uri.scheme === 'file' && e.document.uri.fsPath === view.signature);
    if (!visible) return;
    this.told.add(view.signature);
    void vscode.window
      .showInformationMessage(`${view.integrity?.summary ?? 'The files match'}, but the signature was not checked: no trusted signer is configured. Signed by ${view.signer}.`, 'Trust this signer…')
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('modelProvenance.trustSigner', vscode.Uri.file(view.signature));
      });
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
