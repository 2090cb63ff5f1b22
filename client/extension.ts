import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
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
    outputChannelName: 'Model Provenance Language Server',
  };
  client = new LanguageClient('modelProvenance', 'Model Provenance', serverOptions, clientOptions);
  await client.start();

  const output = vscode.window.createOutputChannel('Model Provenance');
  const decorations = new ModelDecorations(client);
  const status = new StatusItem(client);
  context.subscriptions.push(
    output,
    vscode.workspace.registerTextDocumentContentProvider(PAYLOAD_SCHEME, new PayloadProvider(client)),
    vscode.window.registerFileDecorationProvider(decorations),
    status,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('modelProvenance')) void pushSettings(decorations, status);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void pushSettings(decorations, status)),
  );
  registerCommands(context, client, output, decorations, status);
  return { client, activationMs: Date.now() - started };
}

async function pushSettings(decorations: ModelDecorations, status: StatusItem): Promise<void> {
  if (!client) return;
  await client.sendNotification('workspace/didChangeConfiguration', { settings: effectiveSettings() });
  decorations.reset();
  void status.refresh();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
