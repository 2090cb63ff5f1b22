import { createHash } from 'node:crypto';
import { closeSync, openSync, read, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { CancelledError, InputError, fsError } from '../errors';
import { HASH_WORKER_SOURCE } from './worker-source';
import { DigestCache } from './digest-cache';

/** One unit of hashing: a whole file or a byte range of it (OMS shard serialization). */
export interface HashJob {
  /** Name reported back (resource name). */
  name: string;
  /** Absolute path to read. */
  path: string;
  /** Expected bytes to hash, for progress totals and scheduling. */
  size: number;
  /** Byte range [start, end) for shards; whole file when absent. */
  range?: [number, number];
}

export interface HashProgress {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

export interface HashOptions {
  /** Node digest name, from nodeHashName(); default sha256. */
  algorithm?: string;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  /** Threads hashing at once, the calling thread included; default: the machine's parallelism, at most one per job. */
  concurrency?: number;
  /** Reuse digests of files whose device, inode, size and mtime have not changed. */
  cache?: DigestCache;
}

export interface HashResult {
  name: string;
  digest: string;
  /** Bytes actually hashed (detects files that changed size under us). */
  size: number;
}

/**
 * Read size. 1 MiB stays in the core's cache between read() and SHA-256; 4 MiB does not: hashing
 * 512 MiB took ~7% less CPU with 1 MiB blocking reads, and ~20% less in the overlapped slice
 * loop (docs/performance.md). Far fewer system calls than openssl's 8 KiB.
 */
const CHUNK = 1024 * 1024;
/** Below this much data, thread start-up costs more than it saves. */
const INLINE_LIMIT = 16 * 1024 * 1024;
/** Progress is reported about this often (bytes) by the slice loop and the workers. */
const REPORT_EVERY = 16 * 1024 * 1024;

/**
 * Streams every job through SHA-256 (or the algorithm given): in parallel across files
 * on worker threads, a fixed 1 MiB buffer per thread so memory does not grow with file
 * size, with progress and AbortSignal cancellation. Results come back in job order.
 */
export async function hashFiles(jobs: readonly HashJob[], options: HashOptions = {}): Promise<HashResult[]> {
  const algorithm = options.algorithm ?? 'sha256';
  if (options.signal?.aborted) throw new CancelledError();
  const cache = options.cache;
  if (!cache) return hashUncached(jobs, algorithm, options);
  // Hash only what the cache does not know; a file that changes while it is hashed is not cached.
  const identities = jobs.map((j) => DigestCache.identity(j.path));
  const results: (HashResult | undefined)[] = jobs.map((j, i) => {
    const d = cache.get(identities[i], algorithm, j.range);
    return d === undefined ? undefined : { name: j.name, digest: d, size: j.range ? j.range[1] - j.range[0] : j.size };
  });
  const missing = jobs.map((j, i) => ({ j, i })).filter(({ i }) => results[i] === undefined);
  const hashed = await hashUncached(missing.map(({ j }) => j), algorithm, options);
  hashed.forEach((h, k) => {
    const { j, i } = missing[k]!;
    results[i] = h;
    const before = identities[i];
    if (before && before === DigestCache.identity(j.path)) cache.set(before, algorithm, h.digest, j.range);
  });
  return results as HashResult[];
}

function hashUncached(jobs: readonly HashJob[], algorithm: string, options: HashOptions): Promise<HashResult[]> | HashResult[] {
  const total = jobs.reduce((s, j) => s + j.size, 0);
  if (total <= INLINE_LIMIT) return hashInline(jobs, algorithm, total, options);
  // One file (or shard) cannot be spread over threads: a worker would only add its start-up
  // (~20-25 ms, a tenth of hashing 1 GiB as a whole CLI process) to the same serial work.
  if (jobs.length === 1) return hashInSlices(jobs[0]!, algorithm, total, options);
  return hashOnWorkers(jobs, algorithm, total, options);
}

function hashInline(jobs: readonly HashJob[], algorithm: string, total: number, options: HashOptions): HashResult[] {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, total)));
  const out: HashResult[] = [];
  let done = 0;
  for (const job of jobs) {
    if (options.signal?.aborted) throw new CancelledError();
    let fd: number;
    try {
      fd = openSync(job.path, 'r');
    } catch (err) {
      throw fsError(err, job.path);
    }
    try {
      const h = createHash(algorithm);
      const [start, end] = job.range ?? [0, -1];
      let pos = start;
      while (end === -1 || pos < end) {
        const want = end === -1 ? buf.length : Math.min(buf.length, end - pos);
        const n = readSync(fd, buf, 0, want, pos);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        pos += n;
      }
      if (end !== -1 && pos < end) throw shortRange(job);
      out.push({ name: job.name, digest: h.digest('hex'), size: pos - start });
      done += pos - start;
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw fsError(err, job.path);
    } finally {
      closeSync(fd);
    }
    options.onProgress?.({ bytesDone: done, bytesTotal: total, filesDone: out.length, filesTotal: jobs.length });
  }
  return out;
}

const readAt = (fd: number, buf: Buffer, length: number, position: number): Promise<number> =>
  new Promise((resolveRead, rejectRead) => read(fd, buf, 0, length, position, (err, n) => (err ? rejectRead(err) : resolveRead(n))));

/**
 * One job on the calling thread, without blocking it: 1 MiB slices, the next one read (on
 * libuv's pool) while this one is hashed, so reading overlaps hashing as in a worker. The
 * event loop runs between slices (~0.6 ms of SHA-256 each at 1.7 GB/s), so Ctrl-C, progress
 * and a language server's requests are served while a large file hashes.
 */
async function hashInSlices(job: HashJob, algorithm: string, total: number, options: HashOptions): Promise<HashResult[]> {
  let done = 0;
  const result = await sliceHash(job, algorithm, options.signal, undefined, (bytes) => {
    done += bytes;
    options.onProgress?.({ bytesDone: done, bytesTotal: total, filesDone: 0, filesTotal: 1 });
  });
  options.onProgress?.({ bytesDone: result.size, bytesTotal: total, filesDone: 1, filesTotal: 1 });
  return [result];
}

/**
 * The slice loop of `hashInSlices`: hashes one job on the calling thread. `onBytes` gets the bytes
 * hashed since its last call, about every REPORT_EVERY bytes (and the rest at the end); `stop`
 * ends the loop early (the caller has settled) with a CancelledError. `overlap` false reads
 * with blocking reads instead, and lets the event loop run once per REPORT_EVERY bytes: for
 * when every core already hashes (beside the worker threads), where a read on libuv's pool is
 * one more thread competing for the cores, not work done in parallel.
 */
async function sliceHash(job: HashJob, algorithm: string, signal: AbortSignal | undefined, stop: (() => boolean) | undefined, onBytes: (bytes: number) => void, overlap = true): Promise<HashResult> {
  const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)] as const;
  let fd: number;
  try {
    fd = openSync(job.path, 'r');
  } catch (err) {
    throw fsError(err, job.path);
  }
  const [start, end] = job.range ?? [0, -1];
  const want = (at: number): number => (end === -1 ? CHUNK : Math.min(CHUNK, end - at));
  const readInto = (buf: Buffer, at: number): Promise<number> => (want(at) <= 0 ? Promise.resolve(0) : overlap ? readAt(fd, buf, want(at), at) : Promise.resolve(readSync(fd, buf, 0, want(at), at)));
  let pending: Promise<number> = Promise.resolve(0);
  try {
    pending = readInto(bufs[0], start);
    const h = createHash(algorithm);
    let pos = start;
    let k = 0;
    let sinceReport = 0;
    for (;;) {
      const n = await pending;
      if (n === 0) break;
      if (signal?.aborted || stop?.()) throw new CancelledError();
      const current = bufs[k]!;
      pos += n;
      k ^= 1;
      pending = readInto(bufs[k]!, pos);
      h.update(n === current.length ? current : current.subarray(0, n));
      sinceReport += n;
      if (sinceReport >= REPORT_EVERY) {
        onBytes(sinceReport);
        sinceReport = 0;
        if (!overlap) await new Promise<void>((resolveTurn) => setImmediate(resolveTurn));
      }
    }
    if (end !== -1 && pos < end) throw shortRange(job);
    if (sinceReport > 0) onBytes(sinceReport);
    return { name: job.name, digest: h.digest('hex'), size: pos - start };
  } catch (err) {
    if (err instanceof InputError || err instanceof CancelledError) throw err;
    throw fsError(err, job.path);
  } finally {
    // Never close the descriptor under a read still in flight (it could be reused meanwhile).
    await pending.catch(() => 0);
    closeSync(fd);
  }
}

function shortRange(job: HashJob): InputError {
  return new InputError('FILE_TRUNCATED', 'file is shorter than the byte range that was signed', { file: job.path });
}

/**
 * Several jobs over `concurrency` threads, the calling thread being one of them: it starts
 * hashing at once (sliced, so its event loop keeps running) while the others start up, so a
 * machine with N cores pays for N - 1 worker start-ups (~20-25 ms each), not N, and no core
 * waits for a worker that is still starting.
 */
function hashOnWorkers(jobs: readonly HashJob[], algorithm: string, total: number, options: HashOptions): Promise<HashResult[]> {
  const threads = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), jobs.length));
  // Required here, not imported: node:worker_threads brings node:net and the stream stack, which
  // a command that hashes a few small files (manifest validate, verify) would load for nothing.
  const { Worker: HashThread } = require('node:worker_threads') as typeof import('node:worker_threads');
  const abort = new SharedArrayBuffer(4);
  const abortFlag = new Int32Array(abort);
  // Largest first, so one big file does not start last and leave a core idle.
  const queue = jobs.map((job, index) => ({ job, index })).sort((a, b) => b.job.size - a.job.size);
  const results: HashResult[] = new Array(jobs.length);
  const workers: Worker[] = [];
  let bytesDone = 0;
  let filesDone = 0;
  let settled = false;

  return new Promise<HashResult[]>((resolvePromise, rejectPromise) => {
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      Atomics.store(abortFlag, 0, 1);
      options.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (err) rejectPromise(err);
      else resolvePromise(results);
    };
    const onAbort = (): void => finish(new CancelledError());
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const startNext = (worker: Worker): void => {
      const next = queue.shift();
      if (!next) {
        void worker.terminate();
        return;
      }
      const [start, end] = next.job.range ?? [0, -1];
      (worker as Worker & { current?: typeof next }).current = next;
      worker.postMessage({ id: next.index, path: next.job.path, algorithm, start, end });
    };

    const finishJob = (): void => {
      filesDone++;
      options.onProgress?.({ bytesDone, bytesTotal: total, filesDone, filesTotal: jobs.length });
      if (filesDone === jobs.length) finish();
    };

    // The calling thread: takes the next job from the same queue until it is empty.
    const onThisThread = async (): Promise<void> => {
      for (let next = queue.shift(); next && !settled; next = queue.shift()) {
        const result = await sliceHash(next.job, algorithm, options.signal, () => settled, (bytes) => {
          bytesDone += bytes;
          if (!settled) options.onProgress?.({ bytesDone, bytesTotal: total, filesDone, filesTotal: jobs.length });
        }, threads < availableParallelism());
        if (settled) return;
        results[next.index] = result;
        finishJob();
      }
    };

    for (let i = 0; i < threads - 1; i++) {
      const worker = new HashThread(HASH_WORKER_SOURCE, {
        eval: true,
        workerData: { abort, chunkSize: CHUNK, reportEvery: REPORT_EVERY },
        // The worker needs little heap: it holds one 1 MiB buffer.
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
      });
      workers.push(worker);
      worker.on('message', (msg: { id: number; type: string; bytes?: number; digest?: string; size?: number; code?: string; message?: string }) => {
        if (settled) return;
        const job = jobs[msg.id]!;
        if (msg.bytes) bytesDone += msg.bytes;
        if (msg.type === 'progress') {
          options.onProgress?.({ bytesDone, bytesTotal: total, filesDone, filesTotal: jobs.length });
        } else if (msg.type === 'done') {
          results[msg.id] = { name: job.name, digest: msg.digest!, size: msg.size! };
          finishJob();
          if (!settled) startNext(worker);
        } else if (msg.type === 'error') {
          const err = msg.code === 'ESHORT' ? shortRange(job) : fsError(Object.assign(new Error(msg.message), { code: msg.code }), job.path);
          finish(err);
        }
      });
      worker.on('error', (err) => finish(new InputError('HASH_FAILED', `hashing thread failed: ${err.message}`, { cause: err })));
      startNext(worker);
    }
    // After the workers are started (their start-up runs on other cores meanwhile); the first
    // job of the queue goes to this thread, as the workers' first messages wait for their start.
    onThisThread().catch((err: unknown) => finish(err));
  });
}
