import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type CompareTargets, type DecodedSideRequest, type DecodedSideResult } from '../core/editor/protocol';
import { revisionOf } from './payload';
import { errorMessage, signedDocumentTarget } from './target';
import { said } from './flow-steps';

export const DECODED_SCHEME = 'model-provenance-decoded';

/** What the two sides of a comparison are, as the diff editor was opened on them. */
export interface CompareResult {
  left: vscode.Uri;
  right: vscode.Uri;
  title: string;
  leftLabel: string;
  rightLabel: string;
}

/**
 * Read-only decoded documents for VS Code's diff editor: a signature, an attestation or an
 * ML-BOM decoded by core/diff on the server (trust decided before any payload fact is read,
 * unverified facts labelled as `diff` labels them). The URI's query says which side:
 * `{ path, rev? }` is read by the server (disk or `git cat-file`), `{ source }` is a
 * document only VS Code can read (a `git:` side of a diff), sent as text.
 */
export class DecodedProvider implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly client: LanguageClient) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    return this.texts.get(uri.toString()) ?? (await this.decode(uri)).text;
  }

  /** Decodes a side now (errors reach the caller, who says them once in a notification). */
  async decode(uri: vscode.Uri): Promise<DecodedSideResult> {
    const q = new URLSearchParams(uri.query);
    const path = q.get('path') ?? '';
    const source = q.get('source');
    let req: DecodedSideRequest;
    if (source) {
      const src = vscode.Uri.parse(source);
      const text = (await vscode.workspace.openTextDocument(src)).getText();
      const rev = revisionOf(src);
      req = { path: src.fsPath, text, ...(rev ? { rev } : {}) };
    } else req = { path, ...(q.get('rev') ? { rev: q.get('rev')! } : {}) };
    const r = await this.client.sendRequest<DecodedSideResult>(REQUESTS.decodedSide, req);
    this.texts.set(uri.toString(), r.text);
    return r;
  }

  /** A side on disk (`rev` absent) or at a git revision. */
  static uriFor(path: string, rev?: string): vscode.Uri {
    const rel = vscode.workspace.asRelativePath(path, false);
    return vscode.Uri.from({ scheme: DECODED_SCHEME, path: `/${rel}${rev ? `@${rev.slice(0, 8)}` : ''}.decoded.json`, query: new URLSearchParams({ path, ...(rev ? { rev } : {}) }).toString() });
  }

  /** A side only VS Code can read (a `git:` URI). */
  static uriForSource(source: vscode.Uri): vscode.Uri {
    const rel = vscode.workspace.asRelativePath(source.fsPath, false);
    return vscode.Uri.from({ scheme: DECODED_SCHEME, path: `/${rel}@${revisionOf(source) ?? source.scheme}.decoded.json`, query: new URLSearchParams({ source: source.toString(), path: source.fsPath }).toString() });
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const SIGNED = /(\.sig|\.json|\.jsonl)$/i;

/**
 * Compare Signed Contents…: the decoded documents of a signature, attestation or ML-BOM, side
 * by side in VS Code's diff editor, against an earlier git revision (the default: HEAD when
 * the file has uncommitted changes, else the revision before the last commit that changed it)
 * or a file the person chooses. From the `git:` side of a diff, that side against the file on disk.
 */
export async function compareSignedContents(client: LanguageClient, provider: DecodedProvider, arg?: unknown): Promise<CompareResult | undefined> {
  // With nothing open (or a model file), the person is asked which document to compare.
  const uri = await signedDocumentTarget(client, arg, 'Compare Signed Contents', 'compare');
  if (!uri) return undefined;
  if (!SIGNED.test(uri.path)) return undefined;
  const name = uri.path.split('/').pop() ?? 'document';
  let left: vscode.Uri;
  let right: vscode.Uri;
  if (uri.scheme !== 'file') {
    left = DecodedProvider.uriForSource(uri);
    right = DecodedProvider.uriFor(uri.fsPath);
  } else {
    const t = await client.sendRequest<CompareTargets>(REQUESTS.compareTargets, { path: uri.fsPath });
    type Item = vscode.QuickPickItem & { rev?: string; choose?: true };
    const items: Item[] = [
      ...t.targets.map((x): Item => ({ label: `$(git-commit) ${x.label}`, description: x.detail, rev: x.rev })),
      { label: '$(file) Choose a file…', description: 'compare with another signature, attestation or manifest', choose: true },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `Compare Signed Contents: compare ${name} with…`, placeHolder: t.reason ?? 'the decoded documents open side by side, the earlier one on the left' });
    if (!pick) return undefined;
    if (pick.choose) {
      const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Compare', title: `Compare ${name} with`, defaultUri: vscode.Uri.joinPath(uri, '..') });
      if (!chosen?.[0]) return undefined;
      left = DecodedProvider.uriFor(chosen[0].fsPath);
    } else left = DecodedProvider.uriFor(uri.fsPath, pick.rev);
    right = DecodedProvider.uriFor(uri.fsPath);
  }
  let l: DecodedSideResult;
  let r: DecodedSideResult;
  try {
    [l, r] = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Decoding ${name}` }, () => Promise.all([provider.decode(left), provider.decode(right)]));
  } catch (err) {
    void vscode.window.showErrorMessage(said('Compare Signed Contents', errorMessage(err)));
    return undefined;
  }
  const title = `${l.label} ↔ ${r.label} (decoded)`;
  await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
  return { left, right, title, leftLabel: l.label, rightLabel: r.label };
}
