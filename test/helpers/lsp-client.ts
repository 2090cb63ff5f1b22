import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  ShutdownRequest,
  ExitNotification,
  CodeLensRequest,
  CodeLensResolveRequest,
  type CodeLens,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type InitializeResult,
} from 'vscode-languageserver-protocol/node';
import { createConnection } from 'vscode-languageserver/node';
import { startServer } from '../../server/server';
import { nodeRuntime } from '../../server/runtime';
import { CLI } from './fixtures';

/** A language client for tests: real JSON-RPC, either over the bundled server's stdio or in process. */
export class LspClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly progress: { token: unknown; value: { kind: string; message?: string; percentage?: number; title?: string } }[] = [];
  private waiters: { uri: string; pred: (d: PublishDiagnosticsParams) => boolean; resolve: (d: PublishDiagnosticsParams) => void }[] = [];
  private versions = new Map<string, number>();
  stderr = '';
  readonly logs: string[] = [];

  private constructor(readonly connection: ProtocolConnection, readonly child?: ChildProcess) {
    connection.onNotification(PublishDiagnosticsNotification.type, (d) => {
      this.diagnostics.set(d.uri, d);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri === d.uri && w.pred(d)) {
          w.resolve(d);
          return false;
        }
        return true;
      });
    });
    connection.onNotification('$/progress', (p: { token: unknown; value: never }) => {
      this.progress.push(p);
    });
    connection.onNotification('window/logMessage', (m: { message: string }) => {
      this.logs.push(m.message);
    });
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('workspace/codeLens/refresh', () => null);
    connection.onRequest('workspace/configuration', () => []);
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
  }

  /** The bundled server (dist/server.js), as an editor would start it; `nodeArgs` go to node before the script (an inspector, for memory tests). */
  static stdio(nodeArgs: string[] = []): LspClient {
    const server = CLI.replace(/cli\.js$/, 'server.js');
    const child = spawn(process.execPath, [...nodeArgs, server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const c = new LspClient(createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!)), child);
    child.stderr!.on('data', (d: Buffer) => (c.stderr += d.toString()));
    return c;
  }

  /** The server in this process over in-memory streams: for service tests. */
  static inMemory(): LspClient {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    startServer(createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient)), nodeRuntime());
    return new LspClient(createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer)));
  }

  async initialize(rootUri: string | null, settings: unknown): Promise<InitializeResult> {
    const r = await this.connection.sendRequest(InitializeRequest.type, {
      // In process, the server must not watch our pid (its timer would keep the test alive).
      processId: this.child ? process.pid : null,
      rootUri,
      capabilities: { window: { workDoneProgress: true }, workspace: { codeLens: { refreshSupport: true } } },
      initializationOptions: { settings },
    });
    await this.connection.sendNotification(InitializedNotification.type, {});
    return r;
  }

  open(uri: string, text: string, languageId = 'json'): void {
    this.versions.set(uri, 1);
    void this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
  }

  change(uri: string, text: string): number {
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    void this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ text }] });
    return v;
  }

  /** Resolves with the next diagnostics for `uri` that satisfy `pred` (or the current ones, if they already do). */
  diagnosticsFor(uri: string, pred: (d: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 20_000): Promise<PublishDiagnosticsParams> {
    const now = this.diagnostics.get(uri);
    if (now && pred(now)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri}; last: ${JSON.stringify(this.diagnostics.get(uri)?.diagnostics.map((d) => d.code))}\n${this.stderr}`)), timeoutMs);
      this.waiters.push({ uri, pred, resolve: (d) => { clearTimeout(t); resolve(d); } });
    });
  }

  /**
   * The lenses of `uri` as an editor shows them: requested, then each one sent without a
   * command resolved (the state lenses get their title at resolve time).
   */
  async lenses(uri: string): Promise<CodeLens[]> {
    const raw = (await this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
    return Promise.all(raw.map((l) => (l.command ? l : this.connection.sendRequest(CodeLensResolveRequest.type, l))));
  }

  async shutdown(): Promise<void> {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    this.connection.dispose();
    if (this.child) await new Promise((r) => (this.child!.exitCode !== null ? r(null) : this.child!.once('exit', r)));
  }
}

/** Splits caret-marker text (`{ "a": | }`) into the text and the marker's position. */
export function caret(marked: string): { text: string; position: { line: number; character: number }; offset: number } {
  const offset = marked.indexOf('|');
  if (offset < 0) throw new Error('no | marker');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { text, offset, position: { line, character: offset - (before.lastIndexOf('\n') + 1) } };
}
