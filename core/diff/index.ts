/**
 * `diff`: the one place that decodes and compares signatures, attestations, ML-BOMs and
 * models, on disk or at a git revision. The CLI prints its report; the editor renders the
 * two decoded documents of a comparison side by side (`renderDecodedDocument`).
 */
import type { HashProgress } from '../hash/hash-files';
import type { ScopeWarning } from '../model/enumerate';
import { compareSides } from './compare';
import { decodeDocument } from './decode';
import { resolveCommit } from './git';
import { decodeModel, type DiffScope } from './model';
import { atRevision, resolveSide, sideLabel, type ResolvedSide } from './source';
import { describeTrust, NO_TRUST, type DiffTrust } from './trust';
import { DIFF_SCHEMA_ID, type DecodedSide, type DiffComparison, type DiffReport, type DiffVerdict } from './types';
import { InputError } from '../errors';
import { relative, resolve, sep, isAbsolute } from 'node:path';
import { realpathSync } from 'node:fs';
import { repositoryRoot } from './git';
import type { OptionNames } from '../option-names';

export * from './types';
export { compareSides, filesDiff, flatten, valueChanges } from './compare';
export { decodeDocument, filesFromResources } from './decode';
export { decodeModel, type DiffScope, type DecodeModelOptions } from './model';
export { resolveSide, atRevision, sideLabel, type ResolvedSide, type ResolveOptions } from './source';
export { decideTrust, claimedIdentity, describeIdentity, describeTrust, sameSigner, trustFor, NO_TRUST, type DiffTrust, type NamedTrust } from './trust';
export { parseLfsPointer, resolveCommit, repositoryRoot, fileHistory, type LfsPointer, type FileHistory } from './git';
export { renderDiff, renderDecodedDocument, DIFF_FORMATS, DIFF_MARKDOWN_MARKER, type DiffFormat } from './render';

declare const PACKAGE_VERSION: string;

export interface DiffOptions {
  /** What signatures are checked against (default: nothing; every signed side is `not-checked`). */
  trust?: DiffTrust;
  /** Which files make up a model side (model-relative ignore paths, git paths, symlinks). */
  scope?: DiffScope;
  /** Relative paths and `REV:./PATH` resolve here, and git runs here (default: process.cwd()). */
  cwd?: string;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  /** Receives the ignore paths that did nothing on a model side. */
  warnings?: ScopeWarning[];
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

/** Documents larger than this are not read whole to be sniffed: such a file is a model. */
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

/** Decodes a side that was resolved already (see resolveSide). */
export async function decodeResolved(side: ResolvedSide, options: DiffOptions = {}): Promise<DecodedSide> {
  const trust = options.trust ?? NO_TRUST;
  const cwd = options.cwd ?? process.cwd();
  if (side.object === 'absent') {
    return { origin: side.origin, label: sideLabel(side.origin), kind: 'absent', envelope: 'none', trust: { state: 'unsigned' }, integrity: [], notes: [] };
  }
  if (side.object === 'file' && side.size <= MAX_DOCUMENT_BYTES) {
    const doc = decodeDocument(await side.read(), side.origin, trust);
    if (doc) return doc;
  }
  if (side.origin.line !== undefined) throw new InputError('USAGE', '#LINE selects a line of a JSON Lines file', { file: side.origin.spec });
  return decodeModel(side, { trust, scope: options.scope, cwd, signal: options.signal, onProgress: options.onProgress, warnings: options.warnings, optionNames: options.optionNames });
}

/**
 * Decodes one side as the user typed it: a file or folder on disk, `GIT_REV:PATH`, or
 * `FILE.intoto.jsonl#LINE`. Throws InputError for anything that cannot be read.
 */
export async function decodeSide(spec: string, options: DiffOptions = {}): Promise<DecodedSide> {
  return decodeResolved(await resolveSide(spec, { cwd: options.cwd ?? process.cwd() }), options);
}

/** The verdict of a set of comparisons: any security alert wins; then any signature not checked. */
export function diffVerdict(comparisons: readonly DiffComparison[]): DiffVerdict {
  if (comparisons.some((c) => c.alerts.some((a) => a.severity === 'security'))) return 'security-change';
  if (comparisons.some((c) => c.alerts.some((a) => a.code === 'SIGNATURE_NOT_CHECKED'))) return 'not-checked';
  return 'no-security-change';
}

export function buildDiffReport(comparisons: DiffComparison[], trust: DiffTrust, base?: { rev: string; commit: string }): DiffReport {
  return {
    $schema: DIFF_SCHEMA_ID,
    generator: `model-provenance diff ${typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev'}`,
    verdict: diffVerdict(comparisons),
    trust: describeTrust(trust),
    ...(base ? { base } : {}),
    comparisons,
  };
}

/**
 * Compares two sides: `diff OLD NEW`.
 *
 * @returns the report; `verdict` is `security-change` when a signature does not verify,
 *   the signer changed, a side's files are not the ones its signature lists, or a
 *   signature was removed (the CLI exits 1)
 * @throws InputError for a side that cannot be read, or two sides that cannot be compared
 */
export async function diffSides(oldSpec: string, newSpec: string, options: DiffOptions = {}): Promise<DiffReport> {
  // Both sides at once: a side at a revision hashes in git and the main thread while a side on disk hashes on worker threads.
  const [old, neu] = await Promise.all([decodeSide(oldSpec, options), decodeSide(newSpec, options)]);
  return buildDiffReport([compareSides(old, neu)], options.trust ?? NO_TRUST);
}

/**
 * Compares each path on disk with its version at a revision: `diff --base REV PATH…`, the
 * pull-request form. A path that exists on one side only is compared with nothing (added
 * or removed).
 */
export async function diffAgainstRevision(rev: string, paths: readonly string[], options: DiffOptions = {}): Promise<DiffReport> {
  const cwd = options.cwd ?? process.cwd();
  const commit = await resolveCommit(rev, cwd);
  if (!commit) {
    const root = await repositoryRoot(cwd);
    throw new InputError('GIT_REVISION_NOT_FOUND', root ? `"${rev}" is not a revision of the git repository ${root}` : `${cwd} is not in a git repository`);
  }
  const root = realpathSync((await repositoryRoot(cwd))!);
  const comparisons: DiffComparison[] = [];
  for (const p of paths) {
    const m = /^(.*\.jsonl)#([1-9][0-9]*)$/i.exec(p);
    const path = m ? m[1]! : p;
    const line = m ? Number(m[2]) : undefined;
    const abs = resolve(cwd, path);
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      real = resolve(realpathSync(cwd), path);
    }
    const rel = relative(root, real);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new InputError('GIT_PATH_OUTSIDE', `is outside the repository ${root}`, { file: p });
    const repoPath = rel.split(sep).join('/');
    const oldSide = await atRevision(`${rev}:${repoPath}${line ? `#${line}` : ''}`, rev, commit, repoPath, line, { cwd, allowAbsent: true });
    const newSide = await resolveSide(p, { cwd, allowAbsent: true });
    const [o, n] = await Promise.all([decodeResolved(oldSide, options), decodeResolved(newSide, options)]);
    comparisons.push(compareSides(o, n, p));
  }
  return buildDiffReport(comparisons, options.trust ?? NO_TRUST, { rev, commit });
}
