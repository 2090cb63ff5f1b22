import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS } from '../core/editor/protocol';

export const PAYLOAD_SCHEME = 'model-provenance-payload';

/**
 * Read-only virtual documents holding the decoded DSSE payload of an envelope; the server
 * validates them like any statement. The source is a document (`?source=URI`) or a registry
 * entry (`?registry=sha256:…`, a node of the lineage graph). A source that is not a file on
 * disk (the `git:` side of a diff, an SCM resource) is read through VS Code, never by its
 * address: only VS Code knows what a `git:` URI holds.
 */
export class PayloadProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly client: LanguageClient) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const registry = q.get('registry');
    if (registry) return (await this.client.sendRequest<{ text: string }>(REQUESTS.registryPayload, { id: registry, ...(q.get('stored') === '1' ? { stored: true } : {}) })).text;
    const source = q.get('source');
    if (!source) return '';
    const src = vscode.Uri.parse(source);
    const text = src.scheme === 'file' ? undefined : (await vscode.workspace.openTextDocument(src)).getText();
    const r = await this.client.sendRequest<{ text: string }>(REQUESTS.decodedPayload, { uri: source, ...(text !== undefined ? { text } : {}) });
    return r.text;
  }

  static uriFor(source: vscode.Uri): vscode.Uri {
    const name = source.path.split('/').pop() ?? 'payload';
    const at = revisionOf(source);
    return vscode.Uri.from({ scheme: PAYLOAD_SCHEME, path: `/${name}${at ? `@${at}` : ''}.payload.json`, query: new URLSearchParams({ source: source.toString() }).toString() });
  }

  /** A registry entry as stored (a lineage node whose attestation failed): `fine-tuning-ab12cd34ef56.stored.json`. */
  static uriForStored(id: string, stage: string): vscode.Uri {
    return vscode.Uri.from({ scheme: PAYLOAD_SCHEME, path: `/${stage}-${id.replace(/^sha256:/, '').slice(0, 12)}.stored.json`, query: new URLSearchParams({ registry: id, stored: '1' }).toString() });
  }

  /** The payload of a registry entry: `pre-training.payload.json`. */
  static uriForRegistry(id: string, stage: string): vscode.Uri {
    return vscode.Uri.from({ scheme: PAYLOAD_SCHEME, path: `/${stage}-${id.replace(/^sha256:/, '').slice(0, 12)}.payload.json`, query: new URLSearchParams({ registry: id }).toString() });
  }
}

/** The revision a `git:` URI names (VS Code's git extension puts `{ path, ref }` in the query), for titles. */
export function revisionOf(uri: vscode.Uri): string | undefined {
  if (uri.scheme === 'file') return undefined;
  try {
    const q = JSON.parse(uri.query) as { ref?: unknown };
    if (typeof q.ref === 'string') return q.ref === '' || q.ref === '~' ? 'index' : q.ref;
  } catch {
    /* not the git extension's query */
  }
  return uri.scheme;
}
