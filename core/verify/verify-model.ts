import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { InputError, fsError } from '../errors';
import type { HashProgress } from '../hash/hash-files';
import type { DigestCache } from '../hash/digest-cache';
import { nodeHashName } from '../hash/algorithms';
import { enumerateModel, type ModelListing } from '../model/enumerate';
import { defaultSignaturePath } from '../model/signature-path';
import { DEFAULT_GIT_IGNORES } from '../model/paths';
import { scanModel, describeScan } from '../inspect/scan';
import { parseOmsPayload, rootDigest } from '../oms/manifest';
import { computeResources } from '../oms/serialize';
import { INTOTO_PAYLOAD_TYPE, OMS_PREDICATE_LEGACY_V01, type OmsManifest } from '../oms/types';
import { parseBundle } from '../sigstore/bundle';
import type { FileStatus, Problem, VerificationResult } from './result';
import { verifySignature, type Trust } from './signature';
import { optionName, type OptionNames } from '../option-names';

export interface VerifyModelOptions {
  modelPath: string;
  /** Default: MODEL/model.sig for a directory, MODEL.sig for a file. */
  signaturePath?: string;
  trust: Trust;
  /**
   * Paths to leave out in addition to the signed ignore list and the signature itself:
   * model-relative or absolute, as in ModelScope (the CLI resolves them from the cwd).
   */
  ignorePaths?: readonly string[];
  /**
   * Leave out `.git`, `.gitattributes`, `.github`, `.gitignore`. Undefined: as the signature
   * says when it records its ignore list (model_signing ≥ 1.1 and us), else true. Given
   * explicitly, it is honoured either way.
   */
  ignoreGitPaths?: boolean;
  /** Follow symlinks that stay inside the model, even when the signature did not (model_signing's --allow_symlinks). */
  allowSymlinks?: boolean;
  /** Accept files on disk that the signature does not list (they are still reported). */
  ignoreUnsignedFiles?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  cache?: DigestCache;
  /** Also inspect the model files (headers only): a dangerous pickle global fails verification. */
  scan?: boolean;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

/**
 * Verifies a model against an OMS signature: bundle shape, signature under the trust
 * given, then the signed manifest against the files on disk. Verification failures are
 * data in the result; only input that cannot be evaluated throws (InputError).
 */
export async function verifyModel(options: VerifyModelOptions): Promise<VerificationResult> {
  const modelPath = options.modelPath;
  const sigPath = options.signaturePath ?? defaultSignaturePath(modelPath);
  let text: string;
  try {
    text = readFileSync(sigPath, 'utf8');
  } catch (err) {
    const e = fsError(err, sigPath, 'read the signature');
    if (e.code !== 'FILE_NOT_FOUND') throw e;
    // A model without its signature fails verification; a model that is not there is bad input.
    try {
      statSync(modelPath);
    } catch (modelErr) {
      throw fsError(modelErr, modelPath, 'read the model');
    }
    return { verdict: 'failed', model: modelPath, signature: sigPath, files: [], problems: [{ code: 'SIGNATURE_NOT_FOUND', message: 'the model has no signature here: it cannot be verified', file: sigPath }], notes: [] };
  }
  const bundle = parseBundle(text, sigPath);
  if (bundle.envelope.payloadType !== INTOTO_PAYLOAD_TYPE) {
    throw new InputError('PAYLOAD_TYPE_UNSUPPORTED', `payloadType ${JSON.stringify(bundle.envelope.payloadType)} is not ${INTOTO_PAYLOAD_TYPE}`, { file: sigPath });
  }
  const result: VerificationResult = { verdict: 'failed', model: modelPath, signature: sigPath, bundleVersion: bundle.version, files: [], problems: [], notes: [] };

  const sig = verifySignature(bundle, options.trust, sigPath);
  result.signer = sig.signer;
  if (sig.signedAt) result.signedAt = sig.signedAt.toISOString();
  if (!sig.ok) {
    result.problems.push({ code: sig.code ?? 'SIGNATURE_INVALID', message: sig.message ?? 'signature verification failed' });
    return result;
  }

  // Only bytes that passed signature verification are ever parsed.
  const manifest = parseOmsPayload(bundle.envelope.payload, sigPath, { allowEmpty: true });
  result.predicateType = manifest.predicateType;
  result.hashType = manifest.serialization.hash_type;
  if (sig.legacyEncoding) {
    if (manifest.predicateType !== OMS_PREDICATE_LEGACY_V01) {
      throw new InputError('PAYLOAD_MALFORMED', 'the v0.2.0 signature encoding is only accepted for v0.2.0 (Digests/v0.1) payloads', { file: sigPath });
    }
    result.notes.push('signed by model_signing v0.2.0 (legacy DSSE encoding and Digests/v0.1 predicate)');
  }
  if (manifest.resources.length === 0) {
    // model_signing signs an empty list for a folder of only empty files in shard mode
    // (or an empty folder); OMS §5.2.1 requires one resource. It vouches for nothing.
    result.problems.push({ code: 'MANIFEST_EMPTY', message: 'the signature lists no files: it vouches for no content (model_signing signs an empty list for a model whose files are all empty in shard mode)' });
  }
  if (manifest.rootDigest) {
    result.subject = { name: manifest.subjectName, digest: `sha256:${manifest.rootDigest}` };
    if (rootDigest(manifest.resources) !== manifest.rootDigest) {
      result.problems.push({ code: 'ROOT_DIGEST_MISMATCH', message: 'the signed subject digest is not the digest of the signed resource list' });
    }
  }

  await compareWithDisk(manifest, options, sigPath, result);
  const otherModel = signedForAnotherModel(result, modelPath);
  if (otherModel) result.problems.unshift(otherModel);
  if (options.scan) {
    const { inspection, problems } = await scanModel(modelPath, { ignorePaths: options.ignorePaths, signedIgnorePaths: manifest.serialization.ignore_paths, signaturePath: sigPath, allowSymlinks: manifest.serialization.allow_symlinks, optionNames: options.optionNames });
    result.problems.push(...problems);
    result.notes.push(`scan: ${describeScan(inspection).text}`);
  }
  result.verdict = result.problems.length === 0 ? 'verified' : 'failed';
  return result;
}

/** Compares the signed resource list with the files on disk; fills `result.files` and adds FILE_* problems. */
export async function compareWithDisk(manifest: OmsManifest, options: Omit<VerifyModelOptions, 'trust'>, sigPath: string, result: Pick<VerificationResult, 'files' | 'problems' | 'notes' | 'warnings' | 'appliedIgnorePaths'>): Promise<void> {
  const s = manifest.serialization;
  nodeHashName(s.hash_type, sigPath);
  for (const r of manifest.resources) {
    if (r.algorithm !== s.hash_type && !(s.method === 'shards' && r.algorithm.startsWith(`${s.hash_type}-sharded`))) {
      throw new InputError('HASH_ALGORITHM_UNSUPPORTED', `resource "${r.name}" uses ${r.algorithm}, but serialization.hash_type is ${s.hash_type}`, { file: sigPath });
    }
  }
  // Told to include the git paths, the verifier takes them out of the signer's list too (their files are then unsigned).
  const signedIgnores = s.ignore_paths?.filter((p) => options.ignoreGitPaths !== false || !(DEFAULT_GIT_IGNORES as readonly string[]).includes(p));
  const listing = enumerateModel(options.modelPath, {
    // A symlink the signer did not follow: the advice says the signature is why, not only the option.
    optionNames: s.allow_symlinks === true ? options.optionNames : { ...options.optionNames, allowSymlinks: `${optionName(options.optionNames, 'allowSymlinks')} (this signature was made without following symlinks)` },
    ignorePaths: options.ignorePaths,
    signedIgnorePaths: signedIgnores,
    signaturePath: sigPath,
    // A payload that records its ignore list (model_signing ≥ 1.1, and us) is the
    // authority on what the signer left out, git paths included, unless told otherwise.
    ignoreGitPaths: options.ignoreGitPaths ?? !s.ignore_paths,
    allowSymlinks: s.allow_symlinks === true || options.allowSymlinks === true,
    // Every signed file gone is a verification failure (FILE_MISSING each), not bad input.
    allowEmpty: true,
  });
  if (listing.warnings.length > 0) result.warnings = [...(result.warnings ?? []), ...listing.warnings];
  if (options.ignorePaths?.length) result.appliedIgnorePaths = listing.appliedIgnorePaths;
  const singleName = manifest.resources.some((r) => fileOf(r.name, s.method) === '.') ? 'dot' : 'basename';
  const actual = await computeResources(listing, {
    hashType: s.hash_type,
    method: s.method,
    shardSize: s.shard_size,
    singleFileName: singleName,
    signal: options.signal,
    onProgress: options.onProgress,
    cache: options.cache,
  });
  if (s.method === 'shards') actual.push(...legacyEmptyShards(manifest, listing, s.hash_type));

  // Group by file so shard manifests report per file, like file manifests.
  const expectedByFile = groupByFile(manifest.resources, s.method);
  const actualByFile = groupByFile(actual, s.method);
  const display = (name: string): string => (name === '.' ? basename(listing.root) : name);
  const files: FileStatus[] = [];
  const problems: Problem[] = [];
  for (const [name, exp] of expectedByFile) {
    const act = actualByFile.get(name);
    if (!act) {
      files.push({ name: display(name), status: 'missing', expected: single(exp) });
      // A file signed through a linked folder (by a tool that followed it) is there, but not part of the model as listed.
      const link = listing.warnings.find((w) => w.code === 'SYMLINK_DIR_NOT_FOLLOWED' && name.startsWith(`${w.path}/`));
      // A signed file the caller's ignore paths left out is not compared, not gone: say which path did it.
      const left = (options.ignorePaths ?? []).find((p) => name === p || name.startsWith(`${p.replace(/\/$/, '')}/`));
      const message = link
        ? `signed file is under "${link.path}", a symbolic link to a folder, which is not followed (as in model_signing); the signer followed it, so this signature cannot verify here`
        : left !== undefined
          ? `signed file left out by the ignore path "${left}" (${optionName(options.optionNames, 'ignorePaths')}), so it was not compared: a signed file cannot be ignored; remove it from the ignore paths`
          : 'signed file is missing';
      problems.push({ code: 'FILE_MISSING', message, file: display(name) });
    } else if (sameDigests(exp, act)) {
      files.push({ name: display(name), status: 'ok', expected: single(exp), actual: single(act) });
    } else {
      files.push({ name: display(name), status: 'modified', expected: single(exp), actual: single(act) });
      problems.push({ code: 'FILE_MODIFIED', message: 'content differs from the signed digest', file: display(name) });
    }
  }
  for (const [name, act] of actualByFile) {
    if (expectedByFile.has(name)) continue;
    files.push({ name: display(name), status: 'unexpected', actual: single(act) });
    if (options.ignoreUnsignedFiles) result.notes.push(`unsigned file accepted (${optionName(options.optionNames, 'ignoreUnsignedFiles')}): ${display(name)}`);
    else problems.push({ code: 'FILE_UNEXPECTED', message: 'file is not covered by the signature', file: display(name) });
  }
  result.files = files;
  result.problems.push(...problems);
}

/**
 * A signature about another model: its subject names another model and not one signed
 * file matches. Said first, because "restore the weights" would be the wrong advice.
 */
function signedForAnotherModel(result: VerificationResult, modelPath: string): Problem | undefined {
  const subject = result.subject;
  if (!subject || result.files.length === 0 || result.files.some((f) => f.status === 'ok')) return undefined;
  const name = basename(resolve(modelPath));
  if (subject.name === name) return undefined;
  return { code: 'SUBJECT_MISMATCH', message: `the signature is for another model: signed subject is ${subject.name} (${subject.digest}), not ${name}`, file: result.signature };
}

/**
 * Signatures from model-provenance before 0.2 gave an empty file one `path:0:0` shard;
 * model_signing and OMS §6.3.2 give it none. Such a signed shard still verifies when the
 * file is there and empty (its digest is compared like any other).
 */
function legacyEmptyShards(manifest: OmsManifest, listing: ModelListing, hashType: string): { name: string; algorithm: string; digest: string }[] {
  const zero = new Set(manifest.resources.filter((r) => r.name.endsWith(':0:0')).map((r) => r.name.slice(0, -4)));
  if (zero.size === 0) return [];
  const empty = createHash(nodeHashName(hashType)).digest('hex');
  return listing.files
    .filter((f) => f.size === 0)
    .map((f) => (listing.singleFile ? (zero.has('.') ? '.' : f.name) : f.name))
    .filter((name) => zero.has(name))
    .map((name) => ({ name: `${name}:0:0`, algorithm: hashType, digest: empty }));
}

function fileOf(name: string, method: string): string {
  return method === 'shards' ? name.replace(/:\d+:\d+$/, '') : name;
}

function groupByFile(resources: readonly { name: string; digest: string }[], method: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const r of resources) {
    const f = fileOf(r.name, method);
    let m = out.get(f);
    if (!m) out.set(f, (m = new Map()));
    m.set(r.name, r.digest);
  }
  return out;
}

function sameDigests(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function single(m: Map<string, string>): string | undefined {
  return m.size === 1 ? [...m.values()][0] : undefined;
}
