import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { InputError, fsError } from '../errors';
import { DEFAULT_GIT_IGNORES, compareCodePoints, isIgnored, normaliseIgnorePath } from './paths';

export interface EnumerateOptions {
  /** Extra model-relative (or absolute, under the model) paths to leave out. */
  ignorePaths?: readonly string[];
  /** Leave out .git, .gitattributes, .github, .gitignore at the top level (default true). */
  ignoreGitPaths?: boolean;
  /** Follow symlinks that stay inside the model root (default false: a symlink is an error). */
  allowSymlinks?: boolean;
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

export interface ModelListing {
  /** Absolute model path as given (file or directory). */
  root: string;
  singleFile: boolean;
  files: ModelFile[];
  /** The ignore paths that applied, model-relative, for the serialization record. */
  ignorePaths: string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Lists the regular files of a model per OMS §6.1: relative POSIX names, hidden files
 * included, default and user ignores applied, symlinks refused or followed within the
 * root, special files and non-UTF-8 names rejected, code-point order.
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
      throw new InputError('SYMLINK_NOT_ALLOWED', 'the model path is a symbolic link (pass --allow-symlinks to follow it)', {
        file: modelPath,
      });
    }
    try {
      st = statSync(root);
    } catch (err) {
      throw fsError(err, modelPath, 'follow the symlink');
    }
  }
  if (st.isFile()) {
    return { root, singleFile: true, files: [{ name: basename(root), path: root, size: st.size }], ignorePaths: [] };
  }
  if (!st.isDirectory()) {
    throw new InputError('SPECIAL_FILE', 'is neither a regular file nor a directory', { file: modelPath });
  }

  const ignores = new Set<string>();
  if (options.ignoreGitPaths ?? true) for (const g of DEFAULT_GIT_IGNORES) ignores.add(g);
  for (const p of options.ignorePaths ?? []) {
    const rel = normaliseIgnorePath(p.startsWith('/') ? relative(root, p) : p);
    if (rel !== undefined) ignores.add(rel);
  }

  const realRoot = realpathSync(root);
  const files: ModelFile[] = [];
  const walk = (dirAbs: string, dirRel: string, realAncestors: Set<string>): void => {
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
          throw new InputError('SYMLINK_NOT_ALLOWED', 'is a symbolic link; symlinks are refused unless --allow-symlinks is given', {
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
      if (est.isDirectory()) {
        const real = realpathSync(target);
        if (realAncestors.has(real)) {
          throw new InputError('SYMLINK_LOOP', 'symbolic links form a cycle back to an enclosing directory', {
            file: displayPath(modelPath, rel),
          });
        }
        walk(target, rel, new Set(realAncestors).add(real));
      } else if (est.isFile()) {
        files.push({ name: rel, path: target, size: est.size });
      } else {
        throw new InputError('SPECIAL_FILE', 'is not a regular file (device, socket or pipe)', { file: displayPath(modelPath, rel) });
      }
    }
  };
  walk(root, '', new Set([realRoot]));
  files.sort((a, b) => compareCodePoints(a.name, b.name));
  if (files.length === 0 && !options.allowEmpty) {
    throw new InputError('MODEL_EMPTY', 'the model has no files to sign after exclusions', { file: modelPath });
  }
  return { root, singleFile: false, files, ignorePaths: [...ignores].sort(compareCodePoints) };
}

function displayPath(modelPath: string, rel: string): string {
  return rel ? join(modelPath, rel) : modelPath;
}

/** Whether `p` lies inside directory `dir` (used to ignore a signature stored in the model). */
export function relativeInside(dir: string, p: string): string | undefined {
  const rel = relative(resolve(dir), resolve(p));
  if (rel === '' || rel.startsWith('..') || resolve(rel) === rel) return undefined;
  return rel.split(sep).join('/');
}

