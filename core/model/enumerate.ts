import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, isAbsolute, join, resolve, sep } from 'node:path';
import { InputError, fsError } from '../errors';
import { optionName, type OptionNames } from '../option-names';
import { normaliseIgnorePath, placeUnder } from './ignore-paths';
import { DEFAULT_GIT_IGNORES, comparePaths, isIgnored } from './paths';

/**
 * Which files make up a model: the model-scope options `sign`, `hash`, `attest` and
 * `verify` share (`model_signing`'s `--ignore-paths`, `--ignore-git-paths`,
 * `--allow-symlinks`, and the signature file it leaves out).
 */
export interface ModelScope {
  /**
   * Paths to leave out, **relative to the model root** (`/`-separated; `.` and `..`
   * folded), or absolute. A path naming a directory leaves out everything below it.
   * Absolute paths are made relative to the model root; a path outside the model is
   * dropped with an `IGNORE_PATH_OUTSIDE` warning. A path that names nothing in the model
   * has no effect, is not recorded in `ignorePaths`, and gets an `IGNORE_PATH_UNMATCHED`
   * warning. (The CLI resolves `--ignore-paths` against the working directory first,
   * as `model_signing` does: see `resolveIgnorePathsFromCwd`.)
   */
  ignorePaths?: readonly string[];
  /** Leave out .git, .gitattributes, .github, .gitignore at the top level (default true). */
  ignoreGitPaths?: boolean;
  /** Follow symlinks that stay inside the model root (default false: a symlink is an error). */
  allowSymlinks?: boolean;
  /**
   * The model's signature file (a filesystem path): left out of the model and recorded
   * when it lies inside, whether or not it exists yet; never warned about.
   */
  signaturePath?: string;
}

/** Whether any model-scope option differs from the default (then it needs a model on disk). */
export function hasScope(s: ModelScope): boolean {
  return (s.ignorePaths?.length ?? 0) > 0 || s.signaturePath !== undefined || s.allowSymlinks === true || s.ignoreGitPaths === false;
}

export interface EnumerateOptions extends ModelScope {
  /** How messages name the options (`allowSymlinks`): the CLI passes its flags; default the library's names. */
  optionNames?: OptionNames;
  /**
   * Ignore paths a verified signature recorded (`serialization.ignore_paths`): applied
   * like `ignorePaths`, never warned about. Entries that climb out of the model, or name
   * its root, are dropped: a payload cannot ignore the whole model.
   */
  signedIgnorePaths?: readonly string[];
  /** Return an empty listing instead of MODEL_EMPTY (a verifier reports missing files instead). */
  allowEmpty?: boolean;
}

export interface ModelFile {
  /** Model-relative POSIX path; "." is never used here, see singleFile. */
  name: string;
  /** Absolute path to read (the resolved target when a symlink was followed). */
  path: string;
  size: number;
}

/** Something about the model scope a person should hear about; never changes a verdict. */
export interface ScopeWarning {
  code: 'IGNORE_PATH_UNMATCHED' | 'IGNORE_PATH_OUTSIDE' | 'IGNORE_PATH_SINGLE_FILE' | 'SYMLINK_DIR_NOT_FOLLOWED';
  /** The ignore path as it was given; for SYMLINK_DIR_NOT_FOLLOWED, the link's model-relative name. */
  path: string;
  message: string;
}

export interface ModelListing {
  /** Absolute model path as given (file or directory). */
  root: string;
  singleFile: boolean;
  /** In resource order (comparePaths). */
  files: ModelFile[];
  /**
   * What `serialization.ignore_paths` records, model-relative: the git paths (when
   * ignored), the signature file, and each given ignore path that names something here.
   */
  ignorePaths: string[];
  /** The given `ignorePaths` that named something here, model-relative: what the request changed. */
  appliedIgnorePaths: string[];
  warnings: ScopeWarning[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Lists the regular files of a model per OMS §6.1: relative POSIX names, hidden files
 * included, default and user ignores applied, symlinks refused or followed within the
 * root, special files and non-UTF-8 names rejected, in `model_signing`'s resource order.
 * Throws InputError (MODEL_EMPTY, SYMLINK_*, SPECIAL_FILE, PATH_NOT_UTF8,
 * IGNORE_PATH_IS_MODEL, FILE_*); ignore paths that do nothing come back as warnings.
 */
export function enumerateModel(modelPath: string, options: EnumerateOptions = {}): ModelListing {
  const root = resolve(modelPath);
  let st: Stats;
  try {
    st = lstatSync(root);
  } catch (err) {
    throw fsError(err, modelPath, 'open the model');
  }
  const allowSymlinks = options.allowSymlinks ?? false;
  if (st.isSymbolicLink()) {
    if (!allowSymlinks) {
      throw new InputError('SYMLINK_NOT_ALLOWED', `the model path is a symbolic link (pass ${optionName(options.optionNames, 'allowSymlinks')} to follow it)`, {
        file: modelPath,
      });
    }
    try {
      st = statSync(root);
    } catch (err) {
      throw fsError(err, modelPath, 'follow the symlink');
    }
  }
  const warnings: ScopeWarning[] = [];
  if (st.isFile()) {
    for (const p of options.ignorePaths ?? []) {
      warnings.push({ code: 'IGNORE_PATH_SINGLE_FILE', path: p, message: `ignore path "${p}" does not apply to a single-file model; dropped` });
    }
    return { root, singleFile: true, files: [{ name: basename(root), path: root, size: st.size }], ignorePaths: [], appliedIgnorePaths: [], warnings };
  }
  if (!st.isDirectory()) {
    throw new InputError('SPECIAL_FILE', 'is neither a regular file nor a directory', { file: modelPath });
  }

  // Recorded whatever the folder holds: the defaults, the signature file, the signer's list.
  const ignores = new Set<string>();
  if (options.ignoreGitPaths ?? true) for (const g of DEFAULT_GIT_IGNORES) ignores.add(g);
  if (options.signaturePath !== undefined) {
    const sig = placeUnder(root, resolve(options.signaturePath));
    if (sig.kind === 'inside') ignores.add(sig.rel);
  }
  for (const p of options.signedIgnorePaths ?? []) {
    const rel = normaliseIgnorePath(p);
    if (rel) ignores.add(rel);
  }
  // Recorded only when they name something: a no-op path in a signature would let a
  // file added there later pass verification unseen.
  const applied = new Set<string>();
  for (const p of options.ignorePaths ?? []) {
    const placed = isAbsolute(p) ? placeUnder(root, p) : toPlacement(normaliseIgnorePath(p));
    if (placed.kind === 'root') {
      throw new InputError('IGNORE_PATH_IS_MODEL', `ignore path "${p}" names the model itself, which would leave nothing to sign or verify`, { file: modelPath });
    }
    if (placed.kind === 'outside') {
      warnings.push({ code: 'IGNORE_PATH_OUTSIDE', path: p, message: `ignore path "${p}" is outside the model; dropped` });
      continue;
    }
    if (!ignores.has(placed.rel) && !exists(join(root, placed.rel))) {
      // Typed as from another folder (`m/logs` from inside m): the tail that is in the model is likely what was meant.
      const parts = placed.rel.split('/');
      const tail = parts.map((_, i) => parts.slice(i).join('/')).slice(1).find((t) => exists(join(root, t)));
      const hint = tail ? ` (did you mean "${tail}", which is in the model?)` : '';
      warnings.push({ code: 'IGNORE_PATH_UNMATCHED', path: p, message: `ignore path "${p}" matches nothing in the model; it has no effect and is not recorded${hint}` });
      continue;
    }
    ignores.add(placed.rel);
    applied.add(placed.rel);
  }

  const realRoot = realpathSync(root);
  const files: ModelFile[] = [];
  const walk = (dirAbs: string, dirRel: string): void => {
    let entries: Buffer[];
    try {
      entries = readdirSync(dirAbs, { encoding: 'buffer' });
    } catch (err) {
      throw fsError(err, displayPath(modelPath, dirRel), 'list the directory');
    }
    for (const raw of entries) {
      let name: string;
      try {
        name = utf8.decode(raw);
      } catch {
        throw new InputError('PATH_NOT_UTF8', `a file name in "${dirRel || '.'}" is not valid UTF-8 and cannot be signed`, {
          file: modelPath,
        });
      }
      const rel = dirRel ? `${dirRel}/${name}` : name;
      if (isIgnored(rel, ignores)) continue;
      const abs = join(dirAbs, name);
      let est: Stats;
      try {
        est = lstatSync(abs);
      } catch (err) {
        throw fsError(err, displayPath(modelPath, rel), 'stat');
      }
      let target = abs;
      if (est.isSymbolicLink()) {
        if (!allowSymlinks) {
          throw new InputError('SYMLINK_NOT_ALLOWED', `is a symbolic link; symlinks are refused unless ${optionName(options.optionNames, 'allowSymlinks')} is given`, {
            file: displayPath(modelPath, rel),
          });
        }
        try {
          target = realpathSync(abs);
          est = statSync(target);
        } catch (err) {
          throw fsError(err, displayPath(modelPath, rel), 'follow the symlink');
        }
        if (target !== realRoot && !target.startsWith(realRoot + sep)) {
          throw new InputError('SYMLINK_ESCAPES_ROOT', `is a symbolic link to ${target}, outside the model root`, {
            file: displayPath(modelPath, rel),
          });
        }
      }
      if (est.isDirectory() && target !== abs) {
        // model_signing lists the model with Path.glob('**/*'), which never descends into a
        // linked folder, and keeps only what is_file(): a link to a folder contributes
        // nothing, with or without --allow-symlinks. So do we (the root digest is the join
        // key), and say so. Its target lies inside the model, so its files are hashed there.
        warnings.push({
          code: 'SYMLINK_DIR_NOT_FOLLOWED',
          path: rel,
          message: `"${rel}" is a symbolic link to a folder; not followed (as model_signing does not), so its files count only under their own path, ${target === realRoot ? 'the model root' : `"${relativeInside(realRoot, target) ?? target}"`}`,
        });
      } else if (est.isDirectory()) {
        walk(target, rel);
      } else if (est.isFile()) {
        files.push({ name: rel, path: target, size: est.size });
      } else {
        throw new InputError('SPECIAL_FILE', 'is not a regular file (device, socket or pipe)', { file: displayPath(modelPath, rel) });
      }
    }
  };
  walk(root, '');
  files.sort((a, b) => comparePaths(a.name, b.name));
  if (files.length === 0 && !options.allowEmpty) {
    throw new InputError('MODEL_EMPTY', 'the model has no files to sign after exclusions', { file: modelPath });
  }
  return { root, singleFile: false, files, ignorePaths: [...ignores].sort(comparePaths), appliedIgnorePaths: [...applied].sort(comparePaths), warnings };
}

function toPlacement(rel: string | undefined): ReturnType<typeof placeUnder> {
  return rel === undefined ? { kind: 'outside' } : rel === '' ? { kind: 'root' } : { kind: 'inside', rel };
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function displayPath(modelPath: string, rel: string): string {
  return rel ? join(modelPath, rel) : modelPath;
}

/**
 * The model-relative POSIX path of `p` when it lies inside directory `dir` (lexically or
 * through symlinks, see placeUnder), else undefined. Used for a signature stored in the model.
 */
export function relativeInside(dir: string, p: string): string | undefined {
  const placed = placeUnder(dir, resolve(p));
  return placed.kind === 'inside' ? placed.rel : undefined;
}
