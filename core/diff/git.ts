/**
 * Reading a repository at a revision for `diff GIT_REV:PATH`: git runs as a child process
 * with an argument array (never a shell), objects are named by the resolved commit, and
 * a revision that could be read as an option is refused before git sees it.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { InputError } from '../errors';
import { nodeHashName } from '../hash/algorithms';

const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

function git(args: string[], cwd: string, maxBuffer = MAX_DOCUMENT_BYTES): Promise<{ ok: boolean; stdout: Buffer; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile('git', args, { cwd, encoding: 'buffer', maxBuffer, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
      if (e && e.code === 'ENOENT') return reject(new InputError('GIT_NOT_FOUND', 'git is not installed or not on PATH (needed for REV:PATH sides)'));
      if (e && e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(new InputError('GIT_OBJECT_TOO_LARGE', `git ${args[0]} printed more than ${maxBuffer} bytes`));
      resolvePromise({ ok: !e, stdout: stdout ?? Buffer.alloc(0), stderr: (stderr ?? Buffer.alloc(0)).toString('utf8') });
    });
  });
}

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.replace(/^(fatal|error): /, '') ?? 'git failed';

/** The repository's top-level folder, or undefined when `cwd` is not inside a work tree. */
export async function repositoryRoot(cwd: string): Promise<string | undefined> {
  const r = await git(['rev-parse', '--show-toplevel'], cwd);
  return r.ok ? r.stdout.toString('utf8').trim() : undefined;
}

/**
 * The commit a revision names (`HEAD~1`, a branch, a tag, a sha), or undefined when it
 * names none. A revision starting with `-` is refused: git would read it as an option.
 */
export async function resolveCommit(rev: string, cwd: string): Promise<string | undefined> {
  if (rev.startsWith('-')) throw new InputError('GIT_REVISION_INVALID', `"${rev}" is not a revision (it starts with "-")`);
  if (rev === '' || /[\0\n]/.test(rev)) return undefined;
  const r = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], cwd);
  return r.ok ? r.stdout.toString('utf8').trim() : undefined;
}

export type GitObjectType = 'blob' | 'tree' | 'commit';

/** What `COMMIT:PATH` names, or undefined when the path is not in that commit. */
export async function objectType(commit: string, path: string, cwd: string): Promise<GitObjectType | undefined> {
  const r = await git(['cat-file', '-t', `${commit}:${path}`], cwd);
  if (!r.ok) return undefined;
  const t = r.stdout.toString('utf8').trim();
  return t === 'blob' || t === 'tree' || t === 'commit' ? t : undefined;
}

/** The bytes of the blob at `COMMIT:PATH`. */
export async function readBlob(commit: string, path: string, cwd: string): Promise<Buffer> {
  const r = await git(['cat-file', 'blob', `${commit}:${path}`], cwd);
  if (!r.ok) throw new InputError('GIT_READ_FAILED', firstLine(r.stderr), { file: `${commit.slice(0, 12)}:${path}` });
  return r.stdout;
}

export interface TreeEntry {
  /** Octal mode: 100644/100755 file, 120000 symlink, 160000 submodule. */
  mode: string;
  type: string;
  oid: string;
  /** Bytes of a blob (from the object database, not a checkout). */
  size: number;
  /** Relative to the listed tree, POSIX. */
  path: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every entry below the tree at `COMMIT:PATH`, recursively (`git ls-tree -r -l -z --full-tree`). */
export async function listTree(commit: string, path: string, cwd: string): Promise<TreeEntry[]> {
  const oid = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${commit}:${path}`], cwd);
  if (!oid.ok) throw new InputError('GIT_READ_FAILED', `no tree at ${commit.slice(0, 12)}:${path}`);
  const r = await git(['ls-tree', '-r', '-l', '-z', '--full-tree', oid.stdout.toString('utf8').trim()], cwd);
  if (!r.ok) throw new InputError('GIT_READ_FAILED', firstLine(r.stderr), { file: `${commit.slice(0, 12)}:${path}` });
  const out: TreeEntry[] = [];
  let start = 0;
  const buf = r.stdout;
  while (start < buf.length) {
    let end = buf.indexOf(0, start);
    if (end === -1) end = buf.length;
    const rec = buf.subarray(start, end);
    start = end + 1;
    const tab = rec.indexOf(9);
    if (tab === -1) continue;
    const [mode, type, oidText, size] = rec.subarray(0, tab).toString('latin1').split(/ +/);
    let name: string;
    try {
      name = utf8.decode(rec.subarray(tab + 1));
    } catch {
      throw new InputError('PATH_NOT_UTF8', `a file name under ${path || '.'} at ${commit.slice(0, 12)} is not valid UTF-8 and cannot be signed`);
    }
    out.push({ mode: mode!, type: type!, oid: oidText!, size: size === '-' ? 0 : Number(size), path: name });
  }
  return out;
}

/** The one entry at `COMMIT:PATH` (a file), as `git ls-tree -l` lists it; undefined when there is none. */
export async function entryAt(commit: string, path: string, cwd: string): Promise<TreeEntry | undefined> {
  const r = await git(['ls-tree', '-l', '-z', '--full-tree', commit, '--', path], cwd);
  if (!r.ok) throw new InputError('GIT_READ_FAILED', firstLine(r.stderr), { file: `${commit.slice(0, 12)}:${path}` });
  const rec = r.stdout.subarray(0, Math.max(0, r.stdout.indexOf(0)));
  const tab = rec.indexOf(9);
  if (tab === -1) return undefined;
  const [mode, type, oid, size] = rec.subarray(0, tab).toString('latin1').split(/ +/);
  return { mode: mode!, type: type!, oid: oid!, size: size === '-' ? 0 : Number(size), path };
}

/** A Git LFS pointer (spec v1): the oid and size of the content it stands for. */
export interface LfsPointer {
  oid: string;
  size: number;
}

const LFS_VERSION = 'version https://git-lfs.github.com/spec/v1\n';

/**
 * Reads a Git LFS pointer file strictly (git-lfs spec v1: at most 1024 bytes, the version
 * line first, `oid sha256:<64 hex>` and `size <decimal>` lines, keys sorted), or
 * undefined when the bytes are not one.
 */
export function parseLfsPointer(bytes: Buffer): LfsPointer | undefined {
  if (bytes.length > 1024 || !bytes.subarray(0, LFS_VERSION.length).equals(Buffer.from(LFS_VERSION))) return undefined;
  const text = bytes.toString('utf8');
  if (!text.endsWith('\n')) return undefined;
  const lines = text.slice(0, -1).split('\n');
  let oid: string | undefined;
  let size: number | undefined;
  let previous = '';
  for (const line of lines) {
    const m = /^([a-z0-9.-]+) (.*)$/.exec(line);
    if (!m) return undefined;
    const [, key, value] = m as unknown as [string, string, string];
    if (key !== 'version' && key <= previous) return undefined;
    if (key !== 'version') previous = key;
    if (key === 'oid') {
      const o = /^sha256:([0-9a-f]{64})$/.exec(value);
      if (!o) return undefined;
      oid = o[1];
    } else if (key === 'size') {
      if (!/^(0|[1-9][0-9]*)$/.test(value)) return undefined;
      size = Number(value);
    }
  }
  return oid !== undefined && size !== undefined && Number.isSafeInteger(size) ? { oid, size } : undefined;
}

export interface BlobDigest {
  /** Hex digest of the whole blob per algorithm requested (`sha256`, `blake2b`). */
  digests: Record<string, string>;
  /** Per-shard hex digests when shards were requested: `start:end` -> digest, per algorithm. */
  shards?: Record<string, { range: string; digest: string }[]>;
  size: number;
  lfs?: LfsPointer;
}

export interface HashBlobsOptions {
  /** Hash types as OMS names them (`sha256`, `blake2b`); sha256 is always computed. */
  algorithms?: string[];
  /** Shard size in bytes, for algorithms listed in `shardAlgorithms`. */
  shardSize?: number;
  shardAlgorithms?: string[];
  signal?: AbortSignal;
}

/**
 * Hashes blobs straight from the object database with one `git cat-file --batch`, streamed
 * (no blob is held in memory, whatever its size). A blob that is a Git LFS pointer is
 * reported with the pointer's oid and size too: the caller decides which to use.
 */
export function hashBlobs(oids: readonly string[], cwd: string, options: HashBlobsOptions = {}): Promise<Map<string, BlobDigest>> {
  const algorithms = [...new Set(['sha256', ...(options.algorithms ?? [])])];
  const shardAlgorithms = options.shardAlgorithms ?? [];
  const unique = [...new Set(oids)];
  const result = new Map<string, BlobDigest>();
  if (unique.length === 0) return Promise.resolve(result);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } });
    let stderr = '';
    let failed: Error | undefined;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = e;
      child.kill('SIGKILL');
    };
    const onAbort = (): void => fail(new InputError('CANCELLED', 'operation cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ENOENT' ? new InputError('GIT_NOT_FOUND', 'git is not installed or not on PATH (needed for REV:PATH sides)') : err));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.stdin.on('error', () => undefined);

    let pending: Buffer = Buffer.alloc(0);
    let index = 0;
    // The blob being read: its hashes, what is left, the first bytes (for LFS pointers).
    let current: { oid: string; size: number; left: number; whole: Map<string, Hash>; shardHashes: Map<string, Hash>; shards: Record<string, { range: string; digest: string }[]>; shardStart: number; head: Buffer[]; headBytes: number } | undefined;
    const shardSize = options.shardSize ?? 0;
    const startShard = (c: NonNullable<typeof current>, at: number): void => {
      c.shardStart = at;
      for (const a of shardAlgorithms) c.shardHashes.set(a, createHash(nodeHashName(a)));
    };
    const endShard = (c: NonNullable<typeof current>, at: number): void => {
      for (const a of shardAlgorithms) (c.shards[a] ??= []).push({ range: `${c.shardStart}:${at}`, digest: c.shardHashes.get(a)!.digest('hex') });
    };
    const feed = (chunk: Buffer): void => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        if (!current) {
          const nl = pending.indexOf(10);
          if (nl === -1) return;
          const header = pending.subarray(0, nl).toString('utf8');
          pending = pending.subarray(nl + 1);
          const m = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
          if (!m) return fail(new InputError('GIT_READ_FAILED', `git cat-file: ${header || 'no answer'} for ${unique[index] ?? '?'}`));
          if (m[2] !== 'blob') return fail(new InputError('GIT_READ_FAILED', `${unique[index]} is a ${m[2]}, not a file`));
          const size = Number(m[3]);
          current = { oid: unique[index]!, size, left: size, whole: new Map(algorithms.map((a) => [a, createHash(nodeHashName(a))])), shardHashes: new Map(), shards: {}, shardStart: 0, head: [], headBytes: 0 };
          if (shardAlgorithms.length > 0 && size > 0) startShard(current, 0);
        }
        const c = current;
        if (c.left > 0) {
          if (pending.length === 0) return;
          let take = pending.subarray(0, Math.min(c.left, pending.length));
          pending = pending.subarray(take.length);
          const offset = c.size - c.left;
          c.left -= take.length;
          for (const h of c.whole.values()) h.update(take);
          if (c.headBytes <= 1024) {
            c.head.push(take.subarray(0, 1025 - c.headBytes));
            c.headBytes += Math.min(take.length, 1025 - c.headBytes);
          }
          if (shardAlgorithms.length > 0 && shardSize > 0) {
            let at = offset;
            while (take.length > 0) {
              const room = c.shardStart + shardSize - at;
              const part = take.subarray(0, room);
              for (const h of c.shardHashes.values()) h.update(part);
              at += part.length;
              take = take.subarray(part.length);
              if (at === c.shardStart + shardSize && at < c.size) {
                endShard(c, at);
                startShard(c, at);
              }
            }
          }
          if (c.left > 0) continue;
        }
        // The blob is followed by one newline.
        if (pending.length === 0) return;
        pending = pending.subarray(1);
        if (shardAlgorithms.length > 0 && c.size > 0) endShard(c, c.size);
        const digests = Object.fromEntries([...c.whole].map(([a, h]) => [a, h.digest('hex')]));
        const lfs = c.size <= 1024 ? parseLfsPointer(Buffer.concat(c.head).subarray(0, c.size)) : undefined;
        result.set(c.oid, { digests, size: c.size, ...(shardAlgorithms.length > 0 ? { shards: c.shards } : {}), ...(lfs ? { lfs } : {}) });
        current = undefined;
        index++;
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      if (!failed) feed(d);
    });
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (failed) return reject(failed);
      if (code !== 0) return reject(new InputError('GIT_READ_FAILED', firstLine(stderr)));
      if (result.size !== unique.length) return reject(new InputError('GIT_READ_FAILED', `git cat-file answered for ${result.size} of ${unique.length} objects`));
      resolvePromise(result);
    });
    child.stdin.end(`${unique.join('\n')}\n`);
  });
}

/** Where a file on disk stands in its repository, for choosing what to compare it with. */
export interface FileHistory {
  /** The repository's top level and the file's path in it (POSIX). */
  root: string;
  path: string;
  /** The working tree differs from HEAD at this path (or HEAD does not have it). */
  changedSinceHead: boolean;
  /** HEAD has the path. */
  inHead: boolean;
  /** The newest commit that changed the path, and its first parent (absent for a root commit). */
  lastChange?: { commit: string; parent?: string; subject: string };
}

/**
 * The git history of one file or folder on disk, or undefined when it is not in a work
 * tree. `git status --porcelain` says whether the working tree differs from HEAD;
 * `git log -1` names the newest commit that touched the path.
 */
export async function fileHistory(absPath: string, cwd: string): Promise<FileHistory | undefined> {
  const root = await repositoryRoot(cwd);
  if (!root) return undefined;
  let real = absPath;
  try {
    real = realpathSync(absPath);
  } catch {
    /* deleted on disk: compared with what the repository had */
  }
  const path = relative(realpathSync(root), real).split(sep).join('/');
  if (path === '' || path.startsWith('..')) return undefined;
  const status = await git(['status', '--porcelain', '--untracked-files=all', '--', path], root);
  const inHead = (await git(['cat-file', '-e', `HEAD:${path}`], root)).ok;
  const log = await git(['log', '-1', '--format=%H%x00%P%x00%s', '--', path], root);
  let lastChange: FileHistory['lastChange'];
  if (log.ok && log.stdout.length > 0) {
    const [commit, parents, subject] = log.stdout.toString('utf8').trim().split('\0');
    if (commit) lastChange = { commit, ...(parents ? { parent: parents.split(' ')[0] } : {}), subject: subject ?? '' };
  }
  return { root, path, changedSinceHead: status.ok && status.stdout.toString('utf8').trim() !== '', inHead, ...(lastChange ? { lastChange } : {}) };
}
