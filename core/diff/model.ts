/**
 * A model side of a diff: a folder or a single file, on disk or at a git revision, hashed
 * as `hash` hashes it (sha256 per file, the model-scope options, `model.sig` left out),
 * with sizes, together with its own signature (`MODEL/model.sig`, `MODEL.sig`) decoded as
 * a side of its own. The files are then checked against that signature (integrity needs
 * no trust), hashed the way the signature says (hash type, shards).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { InputError, fsError } from '../errors';
import { optionName, type OptionNames } from '../option-names';
import type { HashProgress } from '../hash/hash-files';
import { enumerateModel, type ModelListing, type ScopeWarning } from '../model/enumerate';
import { normaliseIgnorePath } from '../model/ignore-paths';
import { DEFAULT_GIT_IGNORES, comparePaths, isIgnored } from '../model/paths';
import { rootDigest } from '../oms/manifest';
import { computeResources } from '../oms/serialize';
import { decodeDocument } from './decode';
import { entryAt, hashBlobs, listTree, parseLfsPointer, readBlob, objectType, type BlobDigest } from './git';
import type { ResolvedSide } from './source';
import { sideLabel } from './source';
import type { DiffTrust } from './trust';
import type { DecodedSide, FileEntry, IntegrityProblem, SideOrigin } from './types';

/** Which files make up a model, model-relative (the CLI resolves `--ignore-paths` first). */
export interface DiffScope {
  ignorePaths?: readonly string[];
  ignoreGitPaths?: boolean;
  allowSymlinks?: boolean;
}

export interface DecodeModelOptions {
  trust: DiffTrust;
  scope?: DiffScope;
  cwd: string;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  /** Ignore paths that did nothing on this side (the CLI prints them on stderr). */
  warnings?: ScopeWarning[];
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

const SIGNATURE_NAME = 'model.sig';

/** Decodes a model side (a folder, or a file that is not one of our documents). */
export async function decodeModel(side: Extract<ResolvedSide, { object: 'file' | 'folder' }>, options: DecodeModelOptions): Promise<DecodedSide> {
  return side.origin.source === 'disk' ? decodeDiskModel(side.origin, options) : decodeGitModel(side.origin, options);
}

function modelSide(origin: SideOrigin): DecodedSide {
  return { origin, label: sideLabel(origin), kind: 'model', envelope: 'none', trust: { state: 'unsigned' }, integrity: [], notes: [] };
}

/** Decodes the model's own signature; a file of that name that is not an OMS signature is bad input. */
function ownSignature(bytes: Buffer, origin: SideOrigin, trust: DiffTrust): DecodedSide {
  const sig = decodeDocument(bytes, origin, trust);
  if (!sig || sig.kind !== 'model-signature') {
    throw new InputError('SIGNATURE_NOT_OMS', `is not an OMS model signature${sig ? ` (it holds ${sig.kind === 'manifest' ? 'an ML-BOM' : `an attestation with predicateType ${sig.predicateType ?? '?'}`})` : ''}`, { file: sideLabel(origin) });
  }
  return sig;
}

function attachSignature(side: DecodedSide, sig: DecodedSide | undefined): void {
  if (!sig) {
    side.trust = { state: 'unsigned' };
    side.notes.push(`no ${side.origin.object === 'folder' ? SIGNATURE_NAME : 'signature'} beside the model: it is not signed on this side`);
    return;
  }
  side.ownSignature = sig;
  side.trust = sig.trust;
}

/** Whether the signature names a single-file model's resource "." (model_signing) or by its file name (the spec). */
function singleName(sig: DecodedSide | undefined): 'dot' | 'basename' {
  return sig?.files?.some((f) => f.name === '.') || !sig ? 'dot' : 'basename';
}

async function decodeDiskModel(origin: SideOrigin, o: DecodeModelOptions): Promise<DecodedSide> {
  const abs = resolve(o.cwd, origin.path);
  const side = modelSide(origin);
  const sigPath = origin.object === 'folder' ? resolve(abs, SIGNATURE_NAME) : `${abs}.sig`;
  let sig: DecodedSide | undefined;
  if (existsSync(sigPath)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(sigPath);
    } catch (err) {
      throw fsError(err, sigPath, 'read the signature');
    }
    sig = ownSignature(bytes, { spec: sigPath, source: 'disk', path: origin.object === 'folder' ? `${origin.path.replace(/\/+$/, '')}/${SIGNATURE_NAME}` : `${origin.path}.sig`, object: 'file' }, o.trust);
  }
  attachSignature(side, sig);
  const signed = sig?.signature;
  const scope = o.scope ?? {};
  const listing = enumerateModel(abs, {
    ignorePaths: scope.ignorePaths,
    // A signature that records its ignore list is the authority on what the signer left out.
    ignoreGitPaths: signed?.ignorePaths ? false : (scope.ignoreGitPaths ?? true),
    signedIgnorePaths: signed?.ignorePaths,
    allowSymlinks: scope.allowSymlinks || signed?.allowSymlinks,
    signaturePath: sigPath,
    allowEmpty: true,
    optionNames: o.optionNames,
  });
  o.warnings?.push(...listing.warnings);
  if (signed?.ignorePaths) {
    const plain = enumerateModel(abs, { ignorePaths: scope.ignorePaths, ignoreGitPaths: scope.ignoreGitPaths ?? true, allowSymlinks: scope.allowSymlinks || signed.allowSymlinks, signaturePath: sigPath, allowEmpty: true, optionNames: o.optionNames });
    const kept = new Set(listing.files.map((f) => f.name));
    const excluded = plain.files.map((f) => f.name).filter((n) => !kept.has(n));
    if (excluded.length > 0) side.excluded = excluded;
  }
  const resources = await computeResources(listing, { hashType: 'sha256', method: 'files', singleFileName: 'dot', signal: o.signal, onProgress: o.onProgress });
  const display = (name: string): string => (name === '.' ? basename(abs) : name);
  const sizes = new Map(listing.files.map((f) => [listing.singleFile ? '.' : f.name, f.size]));
  side.files = resources.map((r) => ({ name: display(r.name), algorithm: 'sha256', digest: `sha256:${r.digest}`, size: sizes.get(r.name) ?? null }));
  side.subject = { name: basename(abs), digest: `sha256:${rootDigest(resources)}` };
  noteLfsPointersOnDisk(side, listing);
  if (sig && signed) {
    let actual: FileEntry[];
    if (signed.method === 'files' && signed.hashType === 'sha256' && singleName(sig) === 'dot') {
      actual = resources.map((r) => ({ name: r.name, algorithm: 'sha256', digest: `sha256:${r.digest}`, size: null }));
    } else {
      const again = await computeResources(listing, { hashType: signed.hashType, method: signed.method, shardSize: signed.shardSize, singleFileName: singleName(sig), signal: o.signal });
      actual = groupResources(again, signed.method, signed.hashType);
    }
    side.integrity.push(...selfCheck(sig.files ?? [], actual, listing.singleFile ? basename(abs) : undefined));
  }
  return side;
}

function groupResources(resources: { name: string; digest: string }[], method: 'files' | 'shards', alg: string): FileEntry[] {
  if (method === 'files') return resources.map((r) => ({ name: r.name, algorithm: alg, digest: `${alg}:${r.digest}`, size: null }));
  const by = new Map<string, FileEntry>();
  for (const r of resources) {
    const m = /^(.*):(\d+):(\d+)$/.exec(r.name);
    const name = m ? m[1]! : r.name;
    let e = by.get(name);
    if (!e) by.set(name, (e = { name, algorithm: alg, shards: [], size: null }));
    e.shards!.push({ range: m ? `${m[2]}:${m[3]}` : '', digest: `${alg}:${r.digest}` });
  }
  return [...by.values()];
}

function sameContent(a: FileEntry, b: FileEntry): boolean {
  if (a.digest !== undefined || b.digest !== undefined) return a.digest === b.digest;
  const sa = a.shards ?? [];
  const sb = b.shards ?? [];
  return sa.length === sb.length && sa.every((s, i) => s.range === sb[i]!.range && s.digest === sb[i]!.digest);
}

/**
 * The model's files against its own signature: each signed file missing or modified, each
 * file the signature does not list. `singleFile` names a single-file model for messages.
 */
function selfCheck(signed: readonly FileEntry[], actual: readonly FileEntry[], singleFile?: string): IntegrityProblem[] {
  const problems: IntegrityProblem[] = [];
  const have = new Map(actual.map((f) => [f.name, f]));
  const name = (n: string): string => (n === '.' && singleFile ? singleFile : n);
  for (const s of signed) {
    const a = have.get(s.name);
    if (!a) problems.push({ code: 'FILE_MISSING', message: 'signed file is missing from the model', file: name(s.name) });
    else if (!sameContent(s, a)) problems.push({ code: 'FILE_MODIFIED', message: 'content differs from the digest its signature lists', file: name(s.name) });
    have.delete(s.name);
  }
  for (const a of have.values()) problems.push({ code: 'FILE_UNEXPECTED', message: 'file is not covered by the model\'s signature', file: name(a.name) });
  return problems;
}

/** Files on disk that are Git LFS pointers (the content was never checked out) get a note: their digest is the pointer's. */
function noteLfsPointersOnDisk(side: DecodedSide, listing: ModelListing): void {
  const pointers: string[] = [];
  for (const f of listing.files) {
    if (f.size > 1024 || f.size < 40) continue;
    try {
      if (parseLfsPointer(readFileSync(f.path))) pointers.push(listing.singleFile ? basename(f.path) : f.name);
    } catch {
      /* unreadable files were already hashed (or reported) above */
    }
  }
  if (pointers.length > 0) {
    side.notes.push(`${pointers.length} file(s) on disk are Git LFS pointers, not content (${pointers.slice(0, 5).join(', ')}${pointers.length > 5 ? ', …' : ''}): run "git lfs pull", or check out with LFS (actions/checkout: lfs: true); their digests are the pointers'`);
  }
}

// ---- at a git revision -------------------------------------------------------------------

async function decodeGitModel(origin: SideOrigin, o: DecodeModelOptions): Promise<DecodedSide> {
  const commit = origin.commit!;
  const side = modelSide(origin);
  const scope = o.scope ?? {};
  const sigRepoPath = origin.object === 'folder' ? (origin.path ? `${origin.path}/${SIGNATURE_NAME}` : SIGNATURE_NAME) : `${origin.path}.sig`;
  let sig: DecodedSide | undefined;
  if ((await objectType(commit, sigRepoPath, o.cwd)) === 'blob') {
    sig = ownSignature(await readBlob(commit, sigRepoPath, o.cwd), { spec: `${origin.rev}:${sigRepoPath}`, source: 'git', path: sigRepoPath, rev: origin.rev, commit, object: 'file' }, o.trust);
  }
  attachSignature(side, sig);
  const signed = sig?.signature;

  let entries: { name: string; oid: string; size: number }[];
  const modelName = basename(origin.path) || '.';
  if (origin.object === 'file') {
    const oid = await entryAt(commit, origin.path, o.cwd);
    if (!oid) throw new InputError('GIT_READ_FAILED', `cannot find ${origin.path} at ${commit.slice(0, 12)}`);
    if (oid.mode === '120000') throw new InputError('GIT_SYMLINK_UNSUPPORTED', `is a symbolic link at ${origin.rev}: a model at a revision is read from regular files only`, { file: sideLabel(origin) });
    entries = [{ name: '.', oid: oid.oid, size: oid.size }];
    for (const p of scope.ignorePaths ?? []) o.warnings?.push({ code: 'IGNORE_PATH_SINGLE_FILE', path: p, message: `ignore path "${p}" does not apply to a single-file model; dropped` });
  } else {
    const tree = await listTree(commit, origin.path, o.cwd);
    const ignores = new Set<string>([SIGNATURE_NAME]);
    if (signed?.ignorePaths ? false : (scope.ignoreGitPaths ?? true)) for (const g of DEFAULT_GIT_IGNORES) ignores.add(g);
    const signedIgnores = new Set<string>();
    for (const p of signed?.ignorePaths ?? []) {
      const rel = normaliseIgnorePath(p);
      if (rel) signedIgnores.add(rel);
    }
    const given = new Set<string>();
    for (const p of scope.ignorePaths ?? []) {
      const rel = normaliseIgnorePath(p);
      if (rel === undefined) {
        o.warnings?.push({ code: 'IGNORE_PATH_OUTSIDE', path: p, message: `ignore path "${p}" is outside the model; dropped` });
        continue;
      }
      if (rel === '') throw new InputError('IGNORE_PATH_IS_MODEL', `ignore path "${p}" names the model itself, which would leave nothing to compare`, { file: sideLabel(origin) });
      if (!tree.some((e) => e.path === rel || e.path.startsWith(`${rel}/`))) {
        o.warnings?.push({ code: 'IGNORE_PATH_UNMATCHED', path: p, message: `ignore path "${p}" matches nothing in the model at ${origin.rev}; it has no effect` });
        continue;
      }
      given.add(rel);
    }
    const all = new Set([...ignores, ...signedIgnores, ...given]);
    const plainIgnores = new Set([...given, SIGNATURE_NAME, ...((scope.ignoreGitPaths ?? true) ? DEFAULT_GIT_IGNORES : [])]);
    entries = [];
    const excluded: string[] = [];
    for (const e of tree) {
      if (isIgnored(e.path, all)) {
        if (!isIgnored(e.path, plainIgnores)) excluded.push(e.path);
        continue;
      }
      if (e.mode === '160000') throw new InputError('GIT_SUBMODULE_UNSUPPORTED', `"${e.path}" is a submodule at ${origin.rev}: a model at a revision is read from regular files only`, { file: sideLabel(origin) });
      if (e.mode === '120000') {
        throw scope.allowSymlinks || signed?.allowSymlinks
          ? new InputError('GIT_SYMLINK_UNSUPPORTED', `"${e.path}" is a symbolic link at ${origin.rev}: following symlinks is supported for models on disk only`, { file: sideLabel(origin) })
          : new InputError('SYMLINK_NOT_ALLOWED', `"${e.path}" is a symbolic link at ${origin.rev}; symlinks are refused unless ${optionName(o.optionNames, 'allowSymlinks')} is given`, { file: sideLabel(origin) });
      }
      entries.push({ name: e.path, oid: e.oid, size: e.size });
    }
    entries.sort((a, b) => comparePaths(a.name, b.name));
    if (excluded.length > 0) side.excluded = excluded.sort(comparePaths);
  }

  const algorithms = signed && signed.hashType !== 'sha256' ? [signed.hashType] : [];
  const shards = signed?.method === 'shards';
  const hashed = await hashBlobs(entries.map((e) => e.oid), o.cwd, { algorithms, ...(shards ? { shardSize: signed!.shardSize ?? 1_000_000_000, shardAlgorithms: [signed!.hashType] } : {}), signal: o.signal });
  const lfs: string[] = [];
  const display = (n: string): string => (n === '.' ? modelName : n);
  side.files = entries.map((e) => {
    const h = hashed.get(e.oid)!;
    if (h.lfs) {
      lfs.push(display(e.name));
      return { name: display(e.name), algorithm: 'sha256', digest: `sha256:${h.lfs.oid}`, size: h.lfs.size, lfsPointer: true };
    }
    return { name: display(e.name), algorithm: 'sha256', digest: `sha256:${h.digests.sha256}`, size: h.size };
  });
  const rootEntries = entries.map((e) => {
    const h = hashed.get(e.oid)!;
    return { name: e.name, algorithm: 'sha256', digest: h.lfs ? h.lfs.oid : h.digests.sha256! };
  });
  side.subject = { name: modelName, digest: `sha256:${rootDigest(rootEntries)}` };
  if (lfs.length > 0) side.notes.push(`${lfs.length} file(s) are Git LFS pointers at ${origin.rev} (${lfs.slice(0, 5).join(', ')}${lfs.length > 5 ? ', …' : ''}): their digest and size are the content's, as the pointer records them (oid, size)`);

  if (sig && signed) {
    const single = origin.object === 'file';
    const name = (n: string): string => (single ? (singleName(sig) === 'dot' ? '.' : modelName) : n);
    const unknown: string[] = [];
    const actual: FileEntry[] = [];
    for (const e of entries) {
      const h: BlobDigest = hashed.get(e.oid)!;
      if (signed.method === 'files' && signed.hashType === 'sha256') {
        actual.push({ name: name(e.name), algorithm: 'sha256', digest: `sha256:${h.lfs ? h.lfs.oid : h.digests.sha256}`, size: null });
      } else if (h.lfs) {
        unknown.push(display(e.name));
        // The signed entry is taken as is: the content is not here to check it against.
        const s = sig.files?.find((f) => f.name === name(e.name));
        if (s) actual.push(s);
      } else if (signed.method === 'files') {
        actual.push({ name: name(e.name), algorithm: signed.hashType, digest: `${signed.hashType}:${h.digests[signed.hashType]}`, size: null });
      } else {
        actual.push({ name: name(e.name), algorithm: signed.hashType, shards: (h.shards?.[signed.hashType] ?? []).map((s) => ({ range: s.range, digest: `${signed.hashType}:${s.digest}` })), size: null });
      }
    }
    side.integrity.push(...selfCheck(sig.files ?? [], actual, single ? modelName : undefined));
    if (unknown.length > 0) side.notes.push(`not checked against the signature (${signed.method}, ${signed.hashType}): ${unknown.join(', ')} are Git LFS pointers, and a pointer only records the content's sha256`);
  }
  return side;
}
