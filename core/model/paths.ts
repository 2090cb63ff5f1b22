import { InputError } from '../errors';

/** Paths excluded from every model by default, at the model root only (OMS §6.2). */
export const DEFAULT_GIT_IGNORES = ['.git', '.gitattributes', '.github', '.gitignore'] as const;

/**
 * Canonicalises a relative POSIX path per OMS §6.1.2 (collapse `.` and `//`, drop a
 * trailing `/`) and rejects anything that could leave the model root.
 */
export function canonicalResourceName(name: unknown, file?: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InputError('PATH_UNSAFE', 'resource name is empty or not a string', { file });
  }
  if (name.includes('\0')) throw new InputError('PATH_UNSAFE', 'resource name contains a NUL byte', { file });
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name) || name.startsWith('\\')) {
    throw new InputError('PATH_UNSAFE', `resource "${name}" is an absolute path`, { file });
  }
  if (name.includes('\\')) {
    throw new InputError('PATH_UNSAFE', `resource "${name}" uses a backslash, not a POSIX separator`, { file });
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) {
    throw new InputError('PATH_UNSAFE', `resource "${name}" climbs out of the model root with ".."`, { file });
  }
  // "." alone is the Python tool's name for a single-file model; keep it as is.
  return parts.length === 0 ? '.' : parts.join('/');
}

/**
 * The order `model_signing` gives resources, and so the order of the root digest we emit:
 * paths compared as path objects, component by component (Python's `PurePosixPath`
 * ordering), each component by Unicode code point. So `tokenizer/vocab.txt` sorts before
 * `tokenizer.json` and `unet/x` before `unet-fp16.bin`, where whole-string code-point
 * order (OMS v1.0 §5.2.1's text) puts `.` (0x2e) and `-` (0x2d) before `/` (0x2f).
 * Code points, not UTF-16 units: an astral character sorts after U+FFFF, as in Python.
 *
 * This is the one ordering for every root digest we compute (hash, sign, attest
 * subjects, dataset digests, ML-BOM roots, the editor). Verification never re-sorts a
 * signed list: it checks the root in payload order. See docs/oms-compatibility.md.
 *
 * @param a, b  model-relative POSIX paths (canonical: no `.`, `..` or empty components)
 * @returns negative, zero or positive, for Array.prototype.sort
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // The side whose component ends here has a component that is a prefix of the other's.
    if (ca === SLASH) return -1;
    if (cb === SLASH) return 1;
    return codePointRank(ca) - codePointRank(cb);
  }
  // One path is a prefix of the other (by whole components or within the last one): shorter first.
  return a.length - b.length;
}

/**
 * Orders UTF-16 code units as their code points order: surrogates (astral characters)
 * after U+E000..U+FFFF. Both strings agree before this unit, so a differing low
 * surrogate follows the same high surrogate and compares as is.
 */
function codePointRank(c: number): number {
  return c < 0xd800 ? c : c < 0xe000 ? c + 0x2000 : c - 0x800;
}

const SLASH = 0x2f;
const SHARD_NAME = /^(.*):(\d+):(\d+)$/;

/**
 * The order of resource names for a serialization method: for `files`, {@link comparePaths};
 * for `shards` (`path:start:end`), the path, then the start and end offsets as numbers,
 * as `model_signing` orders its shard keys (so `w:2:3` < `w:10:11`).
 */
export function compareResourceNames(a: string, b: string, method: 'files' | 'shards'): number {
  if (method === 'files') return comparePaths(a, b);
  const ma = SHARD_NAME.exec(a);
  const mb = SHARD_NAME.exec(b);
  if (!ma || !mb) return comparePaths(a, b);
  return comparePaths(ma[1]!, mb[1]!) || Number(ma[2]) - Number(mb[2]) || Number(ma[3]) - Number(mb[3]);
}

/** True when `rel` is an ignored path or lies below one (whole components: `logs` covers `logs/x`, not `logsx`). */
export function isIgnored(rel: string, ignores: ReadonlySet<string>): boolean {
  if (ignores.has(rel)) return true;
  let i = rel.indexOf('/');
  while (i !== -1) {
    if (ignores.has(rel.slice(0, i))) return true;
    i = rel.indexOf('/', i + 1);
  }
  return false;
}
