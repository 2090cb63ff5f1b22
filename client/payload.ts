import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export const PAYLOAD_SCHEME = 'model-provenance-payload';

/** Read-only virtual documents holding the decoded DSSE payload of an envelope; the server validates them like any statement. */
export class PayloadProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly client: LanguageClient) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const source = new URLSearchParams(uri.query).get('source');
    if (!source) return '';
    const r = await this.client.sendRequest<{ text: string }>('modelProvenance/decodedPayload', { uri: source });
    return r.text;
  }

  static uriFor(source: vscode.Uri): vscode.Uri {
    const name = source.path.split('/').pop() ?? 'payload';
    return vscode.Uri.from({ scheme: PAYLOAD_SCHEME, path: `/${name}.payload.json`, query: new URLSearchParams({ source: source.toString() }).toString() });
  }
}
