import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { detectKind } from '../documents/kind';
import { isObject } from '../io/json';
import { MODEL_PATH_PROPERTY } from '../manifest/properties';
import { defaultSignaturePath } from './signature-path';

/** How far up from a file a covering `model.sig` is looked for. */
const MAX_ANCESTORS = 8;
/** Files larger than this are not read to tell their kind (a JSON document of ours is far smaller). */
const MAX_SNIFF_BYTES = 16 * 1024 * 1024;

const isFile = (p: string): boolean => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};
const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The nearest folder, `path` itself or an ancestor, that holds a `model.sig` and so is a
 * signed model folder containing `path`. Undefined when none does.
 */
export function signedFolderContaining(path: string): string | undefined {
  let dir = resolve(path);
  if (!isDir(dir)) dir = dirname(dir);
  for (let i = 0; i <= MAX_ANCESTORS; i++) {
    if (isFile(join(dir, 'model.sig'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/**
 * The signature that covers a model file or folder: MODEL/model.sig or MODEL.sig; for a
 * file inside a signed folder (at any depth), that folder's model.sig (the folder is the model).
 */
export function findSignatureFor(path: string): { modelPath: string; signaturePath: string } | undefined {
  const p = resolve(path);
  const own = defaultSignaturePath(p);
  if (isFile(own)) return { modelPath: p, signaturePath: own };
  const folder = signedFolderContaining(isDir(p) ? dirname(p) : p);
  if (folder) return { modelPath: folder, signaturePath: join(folder, 'model.sig') };
  return undefined;
}

export type ModelTarget =
  | { ok: true; modelPath: string; signaturePath?: string; /** Why this is the model, for messages. */ reason: string }
  | { ok: false; code: string; /** Why nothing can be done with this file. */ message: string; /** What to open instead. */ hint: string };

export const OPEN_A_MODEL_HINT = 'Open a model folder\'s model.sig, a model file (.safetensors, .gguf, …) or its manifest (.cdx.json), or right-click a model folder in the Explorer.';

/**
 * What a model command acts on, given the file or folder a person pointed at: always the
 * model (a folder or a single file), never the signature, manifest or attestation that
 * describes it.
 *   - a folder: itself;
 *   - `model.sig` (or any OMS signature `X.sig`): the folder it signs (or X);
 *   - a manifest: the model its model-path property names (or the file name without `.cdx.json`);
 *   - a file inside a signed folder: that folder;
 *   - any other file: the file itself, as a single-file model;
 *   - an attestation or a policy: nothing; they name models by digest (the reason says so).
 */
export function resolveModelTarget(path: string): ModelTarget {
  const p = resolve(path);
  let st;
  try {
    st = statSync(p);
  } catch {
    return { ok: false, code: 'FILE_NOT_FOUND', message: `${p} does not exist`, hint: OPEN_A_MODEL_HINT };
  }
  if (st.isDirectory()) {
    const sig = join(p, 'model.sig');
    return { ok: true, modelPath: p, ...(isFile(sig) ? { signaturePath: sig } : {}), reason: `the model folder ${basename(p)}` };
  }
  const name = basename(p);
  const kind = /\.(json|jsonl|sig)$/i.test(name) && st.size <= MAX_SNIFF_BYTES ? sniff(p) : undefined;
  if (name === 'model.sig' || kind?.kind === 'model-signature') {
    const model = modelForSignature(p);
    return { ok: true, modelPath: model, signaturePath: p, reason: `the model ${basename(model)} that ${name} signs` };
  }
  if (kind?.kind === 'manifest') {
    const model = manifestModelPath(p, kind.value);
    if (model && (isFile(model) || isDir(model))) return { ok: true, modelPath: model, ...sigOf(model), reason: `the model ${basename(model)} that ${name} describes` };
    return {
      ok: false,
      code: 'MODEL_NOT_FOUND',
      message: model ? `${name} describes the model at ${model}, which does not exist` : `${name} does not say where its model is (no ${MODEL_PATH_PROPERTY} property)`,
      hint: OPEN_A_MODEL_HINT,
    };
  }
  if (kind && (kind.kind === 'ml-attestation' || kind.kind === 'intoto' || kind.kind === 'intoto-jsonl')) {
    return { ok: false, code: 'NOT_A_MODEL', message: `${name} is an attestation: it names its model by digest, not by a path on disk`, hint: OPEN_A_MODEL_HINT };
  }
  if (kind?.kind === 'policy') {
    return { ok: false, code: 'NOT_A_MODEL', message: `${name} is a trust policy, not a model`, hint: OPEN_A_MODEL_HINT };
  }
  const folder = signedFolderContaining(p);
  if (folder) return { ok: true, modelPath: folder, signaturePath: join(folder, 'model.sig'), reason: `the signed model folder ${basename(folder)} that holds ${name}` };
  return { ok: true, modelPath: p, ...sigOf(p), reason: `the single-file model ${name}` };
}

/** The model an OMS signature file signs: the folder of `model.sig`, or X for `X.sig` when X exists, else the folder. */
export function modelForSignature(signaturePath: string): string {
  const p = resolve(signaturePath);
  const name = basename(p);
  if (name !== 'model.sig' && name.endsWith('.sig')) {
    const single = p.slice(0, -'.sig'.length);
    if (isFile(single) || isDir(single)) return single;
  }
  return dirname(p);
}

function sigOf(model: string): { signaturePath?: string } {
  const s = findSignatureFor(model);
  return s && s.modelPath === resolve(model) ? { signaturePath: s.signaturePath } : {};
}

function sniff(file: string): { kind: string; value: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    value = undefined;
  }
  const d = detectKind(file, value);
  return d ? { kind: d.kind, value } : undefined;
}

/** The model a manifest describes: its model-path property, relative to the manifest, or its name without `.cdx.json`. */
export function manifestModelPath(manifest: string, value: unknown): string | undefined {
  const meta = isObject(value) && isObject(value.metadata) ? value.metadata : undefined;
  const component = meta && isObject(meta.component) ? meta.component : undefined;
  const prop = component && Array.isArray(component.properties) ? component.properties.find((x) => isObject(x) && x.name === MODEL_PATH_PROPERTY) : undefined;
  if (isObject(prop) && typeof prop.value === 'string' && prop.value) return resolve(dirname(manifest), prop.value);
  const name = basename(manifest);
  if (/\.cdx\.json$/.test(name)) return join(dirname(manifest), name.replace(/\.cdx\.json$/, ''));
  return undefined;
}

/** Whether `path` lies inside `folder` (or is it). */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Where a generated manifest goes: beside the model (MODEL.cdx.json), never inside a signed
 * model folder, where it would be an unexpected file and fail verification. Undefined when
 * the natural place is inside one (then the caller asks where).
 */
export function manifestPathFor(modelPath: string): string | undefined {
  const model = resolve(modelPath);
  const out = join(dirname(model), `${basename(model)}.cdx.json`);
  return signedFolderContaining(dirname(out)) ? undefined : out;
}
