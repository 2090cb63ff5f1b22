import * as path from 'node:path';
import * as vscode from 'vscode';
import { CodeLensRefreshRequest, CodeLensRequest, LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { NOTIFICATIONS, REQUESTS, type ModelStateView, type PolicyProblem } from '../core/editor/protocol';
import { registerCommands } from './commands';
import { ModelDecorations } from './decorations';
import { PayloadProvider, PAYLOAD_SCHEME } from './payload';
import { effectiveSettings } from './settings';
import { StatusItem } from './status';

let client: LanguageClient | undefined;

/**
 * Makes VS Code fetch a shown document's lenses, and keeps asking until it has. Back on a tab,
 * VS Code paints the lens titles it cached when the tab was hidden (without commands: a state
 * that may have changed since) and schedules a fetch; but it cancels that fetch when the editor
 * loses focus before it runs (a click in the explorer or the Problems panel right after
 * switching tabs), and the old titles then stay until the editor is focused again: a stale
 * "verified" for as long as the person looks elsewhere (seen in the e2e hostile walk). So after
 * a document is shown, fire the lens change event at once and again 0.6, 1.8 and 4.2 s later,
 * until the client's middleware has seen VS Code ask for its lenses.
 */
class LensRefresher implements vscode.Disposable {
  private readonly lastFetch = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();

  /**
   * VS Code asks for the lenses of `uri`. Once asked, it renders an answer: the blur only cancels
   * a fetch still waiting for its timer, and a running one is only cancelled by the next fetch.
   * (Asking again meanwhile would only restart VS Code's debounce timer and delay the answer.)
   */
  fetching(uri: vscode.Uri): void {
    this.lastFetch.set(uri.toString(), Date.now());
  }

  /** `doc` came into view: ask for its lenses until VS Code has fetched them. */
  shown(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file') return;
    const key = doc.uri.toString();
    const since = Date.now();
    const old = this.pending.get(key);
    if (old) clearTimeout(old);
    const attempt = (wait: number): void => {
      refreshLenses(doc);
      if (wait > 4_000) {
        this.pending.delete(key);
        return;
      }
      const timer = setTimeout(() => {
        if ((this.lastFetch.get(key) ?? 0) >= since) this.pending.delete(key);
        else attempt(wait * 2);
      }, wait);
      this.pending.set(key, timer);
    };
    // The first retry waits out VS Code's own debounce (250 ms at least): asking again before its
    // fetch starts only restarts that timer, which delayed every lens by 250 ms.
    attempt(600);
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}

const lensRefresher = new LensRefresher();

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
    middleware: {
      // Seen here: VS Code is fetching a document's lenses (LensRefresher stops asking then).
      provideCodeLenses: (document, token, next) => {
        lensRefresher.fetching(document.uri);
        return next(document, token);
      },
    },
  };
  client = new LanguageClient('modelProvenance', 'Model Provenance', serverOptions, clientOptions);
  await client.start();
  // The server asks for fresh lenses when a model's state changes (a verify, a changed file).
  // VS Code then repaints its cached titles and schedules a fetch that a blur cancels (a click
  // in the explorer right after the verify): the old titles stayed, without commands, for as
  // long as the person looked elsewhere (CI's hostile walk, 60 s). So a refresh is asked for
  // until VS Code has fetched, as when a tab is shown again. (This replaces the language
  // client's own handler, which fires each provider's change event once.)
  const lensRefreshAsked = client.onRequest(CodeLensRefreshRequest.type, () => {
    for (const { document } of vscode.window.visibleTextEditors) {
      if (document.uri.scheme === 'file') lensRefresher.shown(document);
      else refreshLenses(document, true);
    }
  });

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
      for (const e of editors) lensRefresher.shown(e.document);
    }),
    // Back on a tab: VS Code paints the lens titles it cached when the tab was hidden; ask the
    // server again, until VS Code has fetched them, so the lens shows the one current state as
    // the other surfaces do.
    vscode.window.onDidChangeActiveTextEditor((e) => e && lensRefresher.shown(e.document)),
    lensRefresher,
    lensRefreshAsked,
  );
  guide.shown(vscode.window.visibleTextEditors);
  restricted.check();
  registerCommands(context, client, output, status);
  void problems.check();
  return { client, activationMs: Date.now() - started };
}

/**
 * Asks VS Code to fetch the lenses of a document again now (the language client's own change
 * event); `anyScheme` also for the decoded payloads the extension serves.
 */
function refreshLenses(doc: vscode.TextDocument, anyScheme = false): void {
  if (!client || (doc.uri.scheme !== 'file' && !anyScheme)) return;
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
 * Restricted Mode: the workspace's .vscode/settings.json may not choose whom to trust, nor which
 * files verification leaves out (ignorePaths). When it tries, say so once per change (what it
 * tried, that it was ignored, and how to use it on purpose).
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
      .showWarningMessage(`Model Provenance: Restricted Mode — this folder's .vscode/settings.json tried to add ${key}; they were ignored (a repository cannot choose whom you trust, or which files verification skips). Trust the folder, or add them to your user settings, to use them.`, 'Manage Workspace Trust')
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
      .showInformationMessage(
        `${view.integrity?.summary ?? 'The files match'}, but the signature was not checked: ${view.trust?.nothingConfigured || !view.trust?.unchecked ? 'no trusted signer is configured' : view.trust.unchecked}. Signed by ${view.signer}.`,
        'Trust this signer…',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('modelProvenance.trustSigner', vscode.Uri.file(view.signature));
      });
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
