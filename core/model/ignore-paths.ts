import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';

/**
 * Where a path lies relative to a model root: inside it (`rel` is the model-relative
 * POSIX path), the root itself, or outside it.
 */
export type Placement = { kind: 'inside'; rel: string } | { kind: 'root' } | { kind: 'outside' };

/**
 * Lexical model-relative form of a path that is already relative to the model root:
 * `\` read as `/`, `.` and empty components dropped, `..` folded (OMS §6.1.2). Returns
 * `''` for the root itself and undefined for a path that climbs out of the model.
 */
export function normaliseIgnorePath(p: string): string | undefined {
  const n = posix.normalize(p.replace(/\\/g, '/'));
  if (n.startsWith('/')) return undefined;
  const t = n.replace(/\/+$/, '');
  if (t === '' || t === '.') return '';
  if (t === '..' || t.startsWith('../')) return undefined;
  return t;
}

/**
 * Places an absolute path relative to a model root. First lexically (the path as typed
 * against the model as given), then physically: symlinks resolved in the longest
 * existing ancestor of each, as Python's `Path.resolve()` does. The last component is
 * kept as named, so a symlink inside the model is ignored by its own name, not its
 * target's. A symlinked working directory or model path therefore changes nothing.
 */
export function placeUnder(modelRoot: string, absPath: string): Placement {
  const lexical = classify(relative(resolve(modelRoot), resolve(absPath)));
  if (lexical.kind !== 'outside') return lexical;
  return classify(relative(physical(modelRoot, true), physical(absPath, false)));
}

function classify(rel: string): Placement {
  if (rel === '') return { kind: 'root' };
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) return { kind: 'outside' };
  return { kind: 'inside', rel: rel.split(sep).join('/') };
}

/** realpath of the longest existing ancestor, the rest appended; the last component kept as named unless `whole`. */
function physical(p: string, whole: boolean): string {
  const abs = resolve(p);
  const head = whole ? abs : dirname(abs);
  const tail = whole ? '' : basename(abs);
  let dir = head;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = realpathSync(dir);
      return join(real, ...rest.reverse(), tail);
    } catch {
      const up = dirname(dir);
      if (up === dir) return abs;
      rest.push(basename(dir));
      dir = up;
    }
  }
}

/** What the CLI made of its `--ignore-paths`: model-relative paths, and the ones it dropped. */
export interface ResolvedIgnorePaths {
  /** Model-relative POSIX paths, for the library's `ignorePaths`. */
  paths: string[];
  /** Paths as given that lie outside the model: dropped, as model_signing drops them. */
  outside: string[];
}

/**
 * `model_signing`'s CLI meaning of `--ignore-paths` (v1.0.1 to v1.1.1, measured in its
 * `_resolve_ignore_paths` and its own test scripts): each path is resolved against the
 * current directory (or taken as is when absolute), then made relative to the model
 * root; a path outside the model is dropped. So `--ignore-paths ./m/ignore-me` from the
 * parent folder and `--ignore-paths ignore-me` from inside `m` name the same file.
 * A path naming the model root itself is refused by the caller (it would leave nothing).
 *
 * @param modelPath the model folder (or file) as given on the command line
 * @param given     the `--ignore-paths` values, in order
 * @param cwd       the directory relative paths are resolved against (default: process.cwd())
 */
export function resolveIgnorePathsFromCwd(modelPath: string, given: readonly string[], cwd = process.cwd()): ResolvedIgnorePaths & { root: string[] } {
  const out: ResolvedIgnorePaths & { root: string[] } = { paths: [], outside: [], root: [] };
  const root = pythonResolve(modelPath, cwd);
  for (const p of given) {
    // model_signing 1.1: `(cwd / p).resolve().relative_to(model_path.resolve())`: every
    // symlink resolved, the last component too. So `--ignore-paths m/link` leaves out
    // the link's target, not the link (which stays in the model, and fails without
    // --allow-symlinks), exactly as there: the root digest is the join key.
    const placed = classify(relative(root, pythonResolve(p, cwd)));
    if (placed.kind === 'inside') out.paths.push(placed.rel);
    else if (placed.kind === 'root') out.root.push(p);
    else out.outside.push(p);
  }
  return out;
}

/**
 * Python's `Path.resolve()` (os.path.realpath, not strict) of `p` against `cwd`: components
 * taken in order, each symlink resolved where it stands, so `link/..` is the link target's
 * parent, not `.` (Node's path.resolve folds `..` first); past the first component that
 * does not exist, the rest is applied lexically.
 */
export function pythonResolve(p: string, cwd: string): string {
  const abs = isAbsolute(p) ? p : `${cwd}${sep}${p}`; // not join(): it would fold `..` before the links
  if (sep !== '/') return physical(resolve(abs), true);
  let current: string = sep;
  let missing = false;
  for (const c of abs.split(sep)) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      current = dirname(current);
      continue;
    }
    current = join(current, c);
    if (missing) continue;
    try {
      lstatSync(current);
    } catch {
      missing = true;
      continue;
    }
    try {
      current = realpathSync(current);
    } catch {
      missing = true; // a dangling link or a loop: kept as named, as Python does
    }
  }
  return current;
}
