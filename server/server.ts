import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodeActionKind, TextDocumentSyncKind, TextDocuments, type Connection, type InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DigestCache, EMPTY_TRUST, isProvenanceError, openRegistry, type Registry } from '../core';
import type { ServerContext } from './context';
import { CodeActionHandler } from './handlers/code-actions';
import { COMMANDS, CodeLensHandler } from './handlers/code-lens';
import { CommandHandler } from './handlers/commands';
import { CompletionHandler } from './handlers/completion';
import { DiagnosticsHandler } from './handlers/diagnostics';
import { HoverHandler } from './handlers/hover';
import { ReviewHandler } from './handlers/review';
import { SymbolHandler } from './handlers/symbols';
import type { Runtime } from './runtime';
import { NOTIFICATIONS } from '../core/editor/protocol';
import { SchemaService } from './services/schema-service';
import { FlagsService } from './services/flags';
import { LineageWatch } from './services/lineage-watch';
import { ModelStates } from './services/model-states';
import { loadTrust } from './services/trust';
import { normaliseIgnored } from '../core/editor/trust-settings';
import { DEFAULT_SETTINGS, normaliseSettings } from './settings';

declare const PACKAGE_VERSION: string;

/**
 * The language server. Settings arrive from the client (initializationOptions and
 * didChangeConfiguration): the client decides which are trustworthy (workspace trust),
 * so the server never reads workspace settings on its own.
 */
export function startServer(connection: Connection, runtime: Runtime): void {
  const documents = new TextDocuments(TextDocument);
  let root: string | undefined;
  let registry: Registry | undefined;
  let registryError = false;
  const resolvePath = (p: string): string => (isAbsolute(p) || !root ? p : resolve(root, p));

  const cache = new DigestCache();
  const flags = new FlagsService({
    policyPath: () => (ctx.settings.policy ? resolvePath(ctx.settings.policy) : undefined),
    registry: () => ctx.registry(),
    changed: () => {
      // Flagged references, the model states and the lenses all follow the new flags.
      models.reflag();
      for (const doc of documents.all()) diagnostics.publish(doc);
      void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
      // A configured policy that cannot be loaded (or loads again): the client points at it.
      void connection.sendNotification(NOTIFICATIONS.policyProblem, flags.problem ?? {});
    },
    log: (m) => connection.console.warn(m),
  });
  const models = new ModelStates({
    trust: () => ctx.trust,
    flags: () => flags.current(),
    policyProblem: () => flags.problem,
    advisoriesNotRead: () => flags.notRead,
    sizeLimitBytes: () => ctx.settings.autoVerifySizeLimitMB * 1024 * 1024,
    ignorePaths: () => ctx.settings.ignorePaths,
    cache,
    now: () => runtime.now(),
    setTimeout: (fn, ms) => runtime.setTimeout(fn, ms),
    changed: (view) => {
      // Every surface follows the one state: the signature's diagnostics, its lenses, the client's badges and status.
      for (const st of ctx.states.values()) {
        if (st.signs?.signature !== view.signature) continue;
        const doc = documents.get(st.uri);
        if (doc) diagnostics.publish(doc);
      }
      void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
      commands.notify(view);
    },
    progress: async (title) => {
      const r = await connection.window.createWorkDoneProgress().catch(() => undefined);
      if (!r) return undefined;
      r.begin(title, 0, undefined, false);
      return { report: (pct, msg) => r.report(pct, msg), done: () => r.done() };
    },
    log: (m) => connection.console.warn(m),
  });
  const lineage = new LineageWatch({
    setTimeout: (fn, ms) => runtime.setTimeout(fn, ms),
    now: () => runtime.now(),
    notify: (c) => void connection.sendNotification(NOTIFICATIONS.lineageChanged, c),
    log: (m) => connection.console.warn(m),
  });
  const ctx: ServerContext = {
    connection,
    documents,
    runtime,
    settings: DEFAULT_SETTINGS,
    trust: { set: EMPTY_TRUST, problems: [], ignored: {}, version: 0 },
    trustSource: 'defaults',
    root: () => root,
    states: new Map(),
    models,
    flags,
    lineage,
    lastVerification: new Map(),
    schemas: new SchemaService(),
    cache,
    registry: () => {
      if (!registry && !registryError) {
        try {
          // The editor both reads and attests: a missing default registry is created by its first attestation.
          // Relative folders resolve against the workspace root inside openRegistry; an
          // oci:// or bare HOST/REPOSITORY setting is not a path and must not be resolved.
          registry = openRegistry(ctx.settings.registry || undefined, root ?? process.cwd(), { access: 'write', oci: { tagsMaxAgeMs: 5_000 } });
        } catch (err) {
          registryError = true;
          connection.console.warn(`registry unavailable: ${isProvenanceError(err) ? err.oneLine() : String(err)}`);
        }
      }
      return registry;
    },
    refreshAll: () => {
      for (const doc of documents.all()) diagnostics.schedule(doc, 0);
    },
    publish: (doc) => diagnostics.publish(doc),
    flagged: (uri) => {
      const st = ctx.states.get(uri);
      return st ? diagnostics.flagged(st) : [];
    },
    analyze: (doc) => diagnostics.analyze(doc),
    resolvePath: (p) => resolvePath(p),
  };
  const applySettings = (raw: unknown): void => {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as { modelProvenance?: unknown; trustSource?: unknown; ignoredTrust?: unknown };
    ctx.settings = normaliseSettings(r.modelProvenance ?? raw);
    ctx.trustSource = typeof r.trustSource === 'string' ? r.trustSource : 'settings';
    ctx.trust = loadTrust(ctx.settings, resolvePath, normaliseIgnored(r.ignoredTrust));
    registry = undefined;
    registryError = false;
  };

  const diagnostics = new DiagnosticsHandler(ctx);
  const hover = new HoverHandler(ctx);
  const completion = new CompletionHandler(ctx);
  const lenses = new CodeLensHandler(ctx);
  const actions = new CodeActionHandler(ctx);
  const symbols = new SymbolHandler(ctx);
  const commands = new CommandHandler(ctx);

  connection.onInitialize((params): InitializeResult => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    if (folder?.startsWith('file:')) root = fileURLToPath(folder);
    applySettings(params.initializationOptions?.settings ?? params.initializationOptions);
    flags.start();
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['"', ':'] },
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentSymbolProvider: true,
        executeCommandProvider: { commands: [COMMANDS.serverVerify], workDoneProgress: true },
      },
      serverInfo: { name: 'model-provenance', version: typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev' },
    };
  });
  connection.onDidChangeConfiguration((p) => {
    applySettings(p.settings);
    ctx.refreshAll();
    flags.reset();
    // New trust, ignore paths or size limit: every model is judged again (unchanged files come from the digest cache).
    models.invalidateAll();
    // An open lineage view was judged under the old trust, policy and registry settings.
    lineage.changedAll('settings');
  });
  connection.onShutdown(() => {
    models.dispose();
    flags.dispose();
    lineage.dispose();
  });

  // One failing document must never take the server down: every handler answers.
  const guard = <A extends unknown[], R>(name: string, fn: (...a: A) => R | Promise<R>, fallback: R) => async (...a: A): Promise<R> => {
    try {
      return await fn(...a);
    } catch (err) {
      connection.console.error(`${name} failed: ${(err as Error)?.message ?? String(err)}`);
      return fallback;
    }
  };
  documents.onDidOpen((e) => diagnostics.schedule(e.document, 0));
  documents.onDidChangeContent((e) => diagnostics.schedule(e.document));
  documents.onDidClose((e) => diagnostics.close(e.document.uri));
  connection.onHover(guard('hover', (p) => hover.onHover(p), null));
  connection.onCompletion(guard('completion', (p) => completion.onCompletion(p), null));
  connection.onCodeLens(guard('codeLens', (p) => lenses.onCodeLens(p), []));
  connection.onCodeAction(guard('codeAction', (p) => actions.onCodeAction(p), []));
  connection.onDocumentSymbol(guard('documentSymbol', (p) => symbols.onDocumentSymbol(p), []));
  commands.register(connection);
  new ReviewHandler(ctx).register(connection);
  documents.listen(connection);
  connection.listen();
}
