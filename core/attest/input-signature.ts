import { existsSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { ProvenanceError } from '../errors';
import { enumerateModel } from '../model/enumerate';
import type { ModelDigest } from '../model/hash-model';
import { defaultSignaturePath } from '../model/signature-path';
import { inspectSignatureFile } from '../oms/inspect';
import { rootDigest } from '../oms/manifest';
import type { OmsManifest } from '../oms/types';
import type { Role } from './types';

/**
 * What an attestation records of a path (the model it attests, or an input: a base model, an
 * adapter, a dataset…) that is not the digest the path's own OMS signature names: a chain
 * joins on that digest, so the record would never meet the signature, or the attestation made
 * with it.
 */
export interface InputWarning {
  /**
   * `*_NOT_AS_SIGNED`: every file the signature lists is there, unchanged, but the recorded
   * files are not those (the folder holds more that the signature left out: its ignore paths,
   * or, for a signature that records no ignore list, files it does not list; or, for the model,
   * the attestation left out files the signature covers). `*_FILES_DIFFER`: a listed file is
   * modified or missing, or a file was added since (not listed, not ignored).
   * `*_SIGNATURE_UNREADABLE`: the signature cannot be read. `INPUT_*` for an input,
   * `SUBJECT_*` for the model attested.
   */
  code: `${'INPUT' | 'SUBJECT'}_${'NOT_AS_SIGNED' | 'FILES_DIFFER' | 'SIGNATURE_UNREADABLE'}`;
  /** The input's role, or `model` for the subject. */
  role: Role | 'model';
  /** The path as given. */
  path: string;
  /** The signature file read. */
  signature: string;
  /** `sha256:…` recorded in the attestation. */
  digest: string;
  /** `sha256:…` the signature names, when it could be read and its files match. */
  signedDigest?: string;
  message: string;
}

const ROLE_WORDS: Record<Role | 'model', string> = { 'base-model': 'base model', adapter: 'adapter', dataset: 'dataset', tokenizer: 'tokenizer', code: 'code', model: 'model' };

export interface SignatureCheckOptions {
  /** The name the input was given (`NAME=PATH`): shown, and used in the advice. */
  name?: string;
  /** The signature file (default: `PATH/model.sig`, `PATH.sig`). */
  signaturePath?: string;
}

/**
 * Compares a hashed path (`hashed`: an input hashed whole, or the model hashed with its scope)
 * with its own OMS signature and says when the recorded digest will not join it. The signature
 * is read WITHOUT verification (attest has no trust configuration), so it never changes what is
 * hashed or recorded: a forged `ignore_paths` could otherwise hide a file that the stage read.
 * For an input the person hears the signed digest and gives it (`sha256:…`) after verifying
 * the input; for the model, the ignore paths it was signed with.
 *
 * Only signatures of the `files` method over sha256 name a digest comparable with ours (the
 * attestation subject convention); others, and paths without a signature, give `undefined`.
 */
export function checkInputSignature(path: string, role: Role | 'model', hashed: ModelDigest, options: SignatureCheckOptions = {}): InputWarning | undefined {
  const own = readOwnSignature(path, options.signaturePath);
  if (!own) return undefined;
  const found = own.file;
  const name = options.name;
  // Named as the person gave the path (`base/model.sig`, not an absolute path).
  const signature = options.signaturePath ?? (found.startsWith(`${resolve(path)}${sep}`) ? join(path, relative(resolve(path), found)) : found);
  const words = ROLE_WORDS[role];
  const what = `${words} ${name && name !== basename(resolve(path)) ? `"${name}" (${path})` : path}`;
  const prefix = role === 'model' ? 'SUBJECT' : 'INPUT';
  const base = { role, path, signature, digest: hashed.digest };
  if ('unreadable' in own) {
    return { ...base, code: `${prefix}_SIGNATURE_UNREADABLE`, message: `${what}: its signature ${signature} cannot be read [${own.unreadable}]; the digest recorded (${hashed.digest}) is of the files on disk, not checked against any signature` };
  }
  const manifest = own.manifest;
  if (!comparable(manifest)) return undefined;
  const s = manifest.serialization;

  const have = new Map(hashed.resources.map((r) => [r.name, r]));
  const single = hashed.resources.length === 1 && hashed.resources[0]!.name === '.';
  // The files the signature's own scope takes (its ignore paths; the git paths only when it
  // records no list, as the verifier reads it).
  const names = single
    ? ['.']
    : enumerateModel(path, { signedIgnorePaths: s.ignore_paths, ignoreGitPaths: !s.ignore_paths, signaturePath: found, allowSymlinks: s.allow_symlinks === true, allowEmpty: true }).files.map((f) => f.name);
  const list = (ns: string[]): string => `${ns.slice(0, 3).join(', ')}${ns.length > 3 ? ', …' : ''}`;
  // Files the signature's scope takes that were not hashed: an input's signed git path (not
  // comparable), or files the model's attestation leaves out (its ignore paths are wider).
  const notHashed = names.filter((n) => !have.has(n));
  if (notHashed.length > 0) {
    if (role !== 'model') return undefined;
    return { ...base, code: 'SUBJECT_NOT_AS_SIGNED', message: `${what}: attested as ${hashed.digest}, which leaves out ${list(notHashed)}; its signature ${signature} covers them, so the two never join: attest it with the ignore paths it was signed with (${(s.ignore_paths ?? []).join(', ') || 'none'})` };
  }
  const signed = new Map(manifest.resources.map((r) => [single ? '.' : r.name, r.digest]));
  const modified = names.filter((n) => signed.has(n) && signed.get(n) !== have.get(n)!.digest);
  const missing = [...signed.keys()].filter((n) => !names.includes(n));
  // Not listed and not in its ignore list. A signature that records its ignore list (model_signing
  // 1.1 and later, and ours) says what it left out, so such a file was added since; one that
  // records none (model_signing before 1.1) cannot tell a file left out at signing from one added.
  const unlisted = names.filter((n) => !signed.has(n));
  const added = s.ignore_paths ? unlisted : [];
  if (modified.length + missing.length + added.length > 0) {
    const parts = [
      modified.length && `${modified.length} modified (${list(modified)})`,
      added.length && `${added.length} added since, not signed (${list(added)})`,
      missing.length && `${missing.length} missing (${list(missing)})`,
    ].filter(Boolean);
    return { ...base, code: `${prefix}_FILES_DIFFER`, message: `${what}: its files differ from what its signature ${signature} lists (${parts.join('; ')}); the digest recorded (${hashed.digest}) is of the files on disk: verify the ${words} before building on it` };
  }
  // Every signed file is there, unchanged: the signature names the digest of those files.
  const signedDigest = `sha256:${rootDigest(hashed.resources.filter((r) => signed.has(r.name)))}`;
  if (signedDigest === hashed.digest) return undefined;
  const byScope = hashed.resources.map((r) => r.name).filter((n) => !names.includes(n));
  const leaves = [byScope.length && `leaves out ${list(byScope)} (its ignore paths)`, unlisted.length && `does not list ${list(unlisted)} (it records no ignore list: left out when it was signed, or added since)`].filter(Boolean).join(' and ');
  const advice =
    role === 'model'
      ? `attest it with the ignore paths it was signed with${byScope.length ? ` (${(s.ignore_paths ?? []).join(', ')})` : ''}`
      : `if this is the ${words} you mean, verify it and give its digest (${name ? `${name}=` : ''}${signedDigest}) instead of the path`;
  return {
    ...base,
    code: `${prefix}_NOT_AS_SIGNED`,
    signedDigest,
    message: `${what}: recorded as ${hashed.digest}, its files on disk; its signature ${signature} names ${signedDigest}, which ${leaves}, and a chain joins the ${words} only on that digest: ${advice}`,
  };
}

/**
 * The digest an input's own OMS signature names (`PATH/model.sig`, `PATH.sig`; `files` method,
 * sha256), read WITHOUT verification and without hashing: a hint for a chain that cannot find
 * the input's recorded digest, never a basis for trust. `undefined` when there is none.
 */
export function signedDigestBeside(path: string): string | undefined {
  const own = readOwnSignature(path);
  return own && 'manifest' in own && comparable(own.manifest) && own.manifest.rootDigest ? `sha256:${own.manifest.rootDigest}` : undefined;
}

/** A path's own signature (`signaturePath`, default PATH/model.sig or PATH.sig), parsed unverified; undefined when absent. */
function readOwnSignature(path: string, signaturePath?: string): { file: string; manifest: OmsManifest } | { file: string; unreadable: string } | undefined {
  const file = resolve(signaturePath ?? defaultSignaturePath(path));
  if (!existsSync(file)) return undefined;
  try {
    return { file, manifest: inspectSignatureFile(file).unverifiedManifest };
  } catch (err) {
    return { file, unreadable: err instanceof ProvenanceError ? err.code : 'SIGNATURE_UNREADABLE' };
  }
}

/** Only a `files` signature over sha256 names a root digest of the attestation subject convention. */
function comparable(m: OmsManifest): boolean {
  return m.serialization.method === 'files' && m.serialization.hash_type === 'sha256';
}
