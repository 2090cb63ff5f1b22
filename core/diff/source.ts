/**
 * Where a side of a diff lives: a path on disk, or `GIT_REV:PATH` read from the repository
 * of the working directory. A spec that exists on disk is always the disk path (a file
 * name may contain a colon); otherwise the text before the first colon must name a commit.
 * `FILE.intoto.jsonl#N` picks line N of a JSON Lines file.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError, fsError } from '../errors';
import { entryAt, objectType, readBlob, repositoryRoot, resolveCommit } from './git';
import type { SideOrigin } from './types';

export type ResolvedSide =
  | { origin: SideOrigin; object: 'file'; size: number; read(): Promise<Buffer> }
  | { origin: SideOrigin; object: 'folder' }
  | { origin: SideOrigin; object: 'absent' };

export interface ResolveOptions {
  /** The working directory: relative disk paths and `REV:./PATH` resolve against it, git runs in it. */
  cwd: string;
  /** Report a path that does not exist as an `absent` side instead of an input error (`--base` mode). */
  allowAbsent?: boolean;
}

const JSONL_LINE = /^(.*\.jsonl)#([1-9][0-9]*)$/i;

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Resolves one side as the user typed it (see the module comment). */
export async function resolveSide(spec: string, options: ResolveOptions): Promise<ResolvedSide> {
  if (spec === '') throw new InputError('USAGE', 'an empty side: give a file, a folder or REV:PATH');
  let path = spec;
  let line: number | undefined;
  const m = JSONL_LINE.exec(spec);
  if (m && !exists(resolve(options.cwd, spec))) {
    path = m[1]!;
    line = Number(m[2]);
  }
  const abs = resolve(options.cwd, path);
  if (exists(abs)) return diskSide(spec, path, abs, line);
  const colon = path.indexOf(':');
  if (colon > 0) {
    const rev = path.slice(0, colon);
    const commit = await resolveCommit(rev, options.cwd);
    if (commit) return gitSide(spec, rev, commit, path.slice(colon + 1), line, options);
    const root = await repositoryRoot(options.cwd);
    throw new InputError(
      'FILE_NOT_FOUND',
      root ? `no such file or directory, and "${rev}" is not a revision of the git repository ${root}` : `no such file or directory (and ${options.cwd} is not in a git repository, so "${rev}:" is not a revision)`,
      { file: spec },
    );
  }
  if (options.allowAbsent) return { origin: { spec, source: 'disk', path, object: 'file', ...(line ? { line } : {}) }, object: 'absent' };
  throw new InputError('FILE_NOT_FOUND', 'no such file or directory', { file: spec });
}

function diskSide(spec: string, path: string, abs: string, line: number | undefined): ResolvedSide {
  let st;
  try {
    st = statSync(abs);
  } catch (err) {
    throw fsError(err, path, 'open');
  }
  if (st.isDirectory()) {
    if (line) throw new InputError('USAGE', '#LINE selects a line of a JSON Lines file, not of a folder', { file: spec });
    return { origin: { spec, source: 'disk', path, object: 'folder' }, object: 'folder' };
  }
  if (!st.isFile()) throw new InputError('SPECIAL_FILE', 'is neither a regular file nor a directory', { file: path });
  return {
    origin: { spec, source: 'disk', path, object: 'file', ...(line ? { line } : {}) },
    object: 'file',
    size: st.size,
    read: async () => {
      try {
        return readFileSync(abs);
      } catch (err) {
        throw fsError(err, path);
      }
    },
  };
}

/**
 * The repository-relative POSIX path git should read: `./x` and `../x` are relative to the
 * working directory (as git reads them), anything else to the repository's top level.
 */
async function repositoryPath(given: string, cwd: string): Promise<string> {
  if (!/^\.\.?(\/|$)/.test(given)) return given.replace(/^\/+/, '').replace(/\/+$/, '');
  const root = await repositoryRoot(cwd);
  if (!root) throw new InputError('GIT_NOT_A_REPOSITORY', `${cwd} is not in a git repository`);
  const rel = relative(realpathSync(root), resolve(realpathSync(cwd), given));
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new InputError('GIT_PATH_OUTSIDE', `"${given}" is outside the repository ${root}`);
  return rel.split(sep).join('/');
}

async function gitSide(spec: string, rev: string, commit: string, given: string, line: number | undefined, options: ResolveOptions): Promise<ResolvedSide> {
  const path = await repositoryPath(given, options.cwd);
  return atRevision(spec, rev, commit, path, line, options);
}

/**
 * A side at a revision, from a repository-relative path: what `--base REV PATH…` reads for
 * each PATH (absent when the path is not in that commit and `allowAbsent`).
 */
export async function atRevision(spec: string, rev: string, commit: string, path: string, line: number | undefined, options: ResolveOptions): Promise<ResolvedSide> {
  const type = await objectType(commit, path, options.cwd);
  const origin = (object: 'file' | 'folder'): SideOrigin => ({ spec, source: 'git', path, rev, commit, object, ...(line ? { line } : {}) });
  if (type === undefined) {
    if (options.allowAbsent) return { origin: origin('file'), object: 'absent' };
    throw new InputError('GIT_PATH_NOT_FOUND', `"${path || '.'}" is not in ${rev} (${commit.slice(0, 12)})`, { file: spec });
  }
  if (type === 'commit') throw new InputError('GIT_SUBMODULE_UNSUPPORTED', `"${path}" is a submodule at ${rev}: compare it inside the submodule's own repository`, { file: spec });
  if (type === 'tree') {
    if (line) throw new InputError('USAGE', '#LINE selects a line of a JSON Lines file, not of a folder', { file: spec });
    return { origin: origin('folder'), object: 'folder' };
  }
  const entry = await entryAt(commit, path, options.cwd);
  if (entry?.mode === '120000') throw new InputError('GIT_SYMLINK_UNSUPPORTED', `is a symbolic link at ${rev}: a side at a revision is read from regular files only`, { file: spec });
  let bytes: Buffer | undefined;
  const read = async (): Promise<Buffer> => (bytes ??= await readBlob(commit, path, options.cwd));
  return { origin: origin('file'), object: 'file', size: entry?.size ?? 0, read };
}

/** Short, readable name of a side: `models/m/model.sig @ 1a2b3c4 (HEAD~1)`, `models/m`. */
export function sideLabel(o: SideOrigin): string {
  const base = `${o.path || '.'}${o.line ? `#${o.line}` : ''}`;
  if (o.source === 'disk') return base;
  const short = o.commit?.slice(0, 7) ?? '?';
  return `${base} @ ${short}${o.rev && !o.commit?.startsWith(o.rev) ? ` (${o.rev})` : ''}`;
}
