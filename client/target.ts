import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type ResolvedTarget } from '../core/editor/protocol';

export type Target = Extract<ResolvedTarget, { ok: true }>;

export const MODEL_EXTENSIONS = /\.(safetensors|gguf|bin|pt|pth|ckpt|onnx|keras|h5|pkl|msgpack|tflite|mlmodel)$/i;

const OPEN_A_MODEL = "Open a model folder's model.sig, a model file (.safetensors, .gguf, …) or its manifest (.cdx.json), or right-click a model folder in the Explorer.";

/** The URI a command was aimed at: the clicked explorer item or SCM resource, a lens argument, or the active editor. */
export function aimedAt(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  // A Source Control resource (the SCM view's context menu passes a SourceControlResourceState).
  const scm = (arg as { resourceUri?: unknown } | undefined)?.resourceUri;
  if (scm instanceof vscode.Uri) return scm;
  const uri = vscode.window.activeTextEditor?.document.uri ?? activeTabUri();
  if (uri?.scheme === 'model-provenance-payload') {
    const source = new URLSearchParams(uri.query).get('source');
    return source ? vscode.Uri.parse(source) : undefined;
  }
  return uri;
}

/**
 * The active tab's document when no text editor is active: a model file VS Code shows as
 * binary (.safetensors, .gguf) or opens in a custom editor has a tab but no text editor.
 */
function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputNotebook) return input.uri;
  if (input instanceof vscode.TabInputTextDiff) return input.modified;
  return undefined;
}

/**
 * The model a command acts on: the server resolves the file or folder aimed at to the model
 * (never the model.sig, manifest or attestation itself). With nothing aimed at, or something
 * that is not a model, the person is told why and may pick one of the workspace's models.
 * Undefined means the person cancelled or there is nothing to act on (they were told).
 */
export async function modelTarget(client: LanguageClient, arg: unknown, action: string): Promise<Target | undefined> {
  const uri = aimedAt(arg);
  let why: string;
  if (!uri) why = 'no model is open or selected';
  else if (uri.scheme !== 'file') why = `${uri.scheme}: documents are not models on disk`;
  else {
    const r = await client.sendRequest<ResolvedTarget>(REQUESTS.resolveTarget, { path: uri.fsPath });
    if (r.ok) return r;
    why = r.message;
  }
  return pickModel(client, action, why);
}

/** Offers the signed models and model files of the workspace; says why a pick is needed. */
async function pickModel(client: LanguageClient, action: string, why: string): Promise<Target | undefined> {
  const [sigs, files] = await Promise.all([
    vscode.workspace.findFiles('**/model.sig', '**/{node_modules,.git,.provenance}/**', 200),
    vscode.workspace.findFiles('**/*.{safetensors,gguf,onnx,pt,pth,ckpt,bin,h5,keras,tflite,pkl,msgpack,mlmodel}', '**/{node_modules,.git,.provenance}/**', 200),
  ]);
  const seen = new Set<string>();
  const items: (vscode.QuickPickItem & { path: string })[] = [];
  const roots = new Set((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath));
  for (const u of [...sigs, ...files]) {
    let r = await client.sendRequest<ResolvedTarget>(REQUESTS.resolveTarget, { path: u.fsPath });
    // A weight file in a folder is a file of that model, not a model of its own: signatures and
    // attestations cover the folder (the unit people sign and attest), so the folder is offered.
    const folder = dirname(u.fsPath);
    if (r.ok && !r.signaturePath && r.modelPath === u.fsPath && !roots.has(folder)) r = await client.sendRequest<ResolvedTarget>(REQUESTS.resolveTarget, { path: folder });
    if (!r.ok || seen.has(r.modelPath)) continue;
    seen.add(r.modelPath);
    items.push({ label: vscode.workspace.asRelativePath(r.modelPath), description: r.signaturePath ? 'signed' : 'unsigned', path: r.modelPath });
  }
  if (items.length === 0) {
    void vscode.window.showWarningMessage(`${action}: ${why}, and this workspace has no model. ${OPEN_A_MODEL}`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(items, { title: `${action}: which model?`, placeHolder: `${capital(why)}. Pick a model of this workspace (Escape to cancel).` });
  if (!pick) return undefined;
  const r = await client.sendRequest<ResolvedTarget>(REQUESTS.resolveTarget, { path: pick.path });
  return r.ok ? r : undefined;
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** What a document command reads: a signature; or also an attestation; or also an ML-BOM (Compare Signed Contents). */
export type SignedKind = 'signature' | 'payload' | 'compare';

const SIGNED_GLOBS: Record<SignedKind, string[]> = {
  signature: ['**/*.sig'],
  payload: ['**/*.sig', '**/*.intoto.{json,jsonl}', '**/*.sigstore.json'],
  compare: ['**/*.sig', '**/*.intoto.{json,jsonl}', '**/*.sigstore.json', '**/*.cdx.json', '**/bom.json'],
};
const SIGNED_DOC = /\.(sig|json|jsonl)$/i;

/**
 * The signed document a command reads (Open Decoded Payload, Compare Signed Contents, Trust
 * this signer): the one aimed at; for a model file or folder, its signature; with nothing
 * open (the README promises these commands work then, like the model commands), the
 * workspace's signatures (and attestations, manifests) are offered by model folder.
 * Undefined: cancelled, or nothing to offer (said, with what to open).
 */
export async function signedDocumentTarget(client: LanguageClient, arg: unknown, action: string, kind: SignedKind): Promise<vscode.Uri | undefined> {
  const uri = aimedAt(arg);
  let why = 'nothing is open or selected';
  if (uri && SIGNED_DOC.test(uri.path)) return uri;
  if (uri?.scheme === 'file') {
    const r = await client.sendRequest<ResolvedTarget>(REQUESTS.resolveTarget, { path: uri.fsPath });
    if (r.ok && r.signaturePath) return vscode.Uri.file(r.signaturePath);
    why = `${vscode.workspace.asRelativePath(uri)} is ${r.ok ? 'a model with no signature' : 'not a signature or a model'}`;
  } else if (uri) why = `the active ${uri.scheme}: document is not a signature`;
  const exclude = '**/{node_modules,.git,.provenance}/**';
  const found = (await Promise.all(SIGNED_GLOBS[kind].map((g) => vscode.workspace.findFiles(g, exclude, 200)))).flat();
  const seen = new Set<string>();
  const items = found
    .filter((u) => !seen.has(u.fsPath) && !!seen.add(u.fsPath))
    .map((u) => ({ label: vscode.workspace.asRelativePath(u), description: describeSigned(u.path), uri: u }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const what = kind === 'signature' ? 'a model signature (model.sig)' : kind === 'payload' ? 'a signature (model.sig) or an attestation' : 'a signature (model.sig), an attestation or an ML-BOM manifest';
  if (items.length === 0) {
    void vscode.window.showWarningMessage(`${action}: ${why}, and this workspace has no ${kind === 'signature' ? 'signature' : 'signature or attestation'}. Open ${what}, or sign or attest a model first.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(items, { title: `${action}: which model?`, placeHolder: `${capital(why)}. Pick ${what} of this workspace (Escape to cancel).`, matchOnDescription: true });
  return pick?.uri;
}

function describeSigned(path: string): string {
  if (/\.sig$/i.test(path)) return 'model signature';
  if (/\.cdx\.json$|\/bom\.json$/i.test(path)) return 'ML-BOM manifest';
  return 'attestation';
}

/** A JSON-RPC error's reason code (the server puts the core's code in `data.code`). */
export function errorCode(err: unknown): string | undefined {
  const data = (err as { data?: { code?: unknown } } | undefined)?.data;
  return typeof data?.code === 'string' ? data.code : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
