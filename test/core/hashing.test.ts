import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { hashFiles, hashModel, type HashProgress } from '../../core';
import { makeModel, tempDir } from '../helpers/fixtures';

const MiB = 1024 * 1024;

function bigFiles(dir: string, n: number, mib: number): { name: string; path: string; size: number; expected: string }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const data = Buffer.alloc(mib * MiB, i + 1);
    data.write(`file ${i}`);
    const path = join(dir, `shard-${i}.bin`);
    writeFileSync(path, data);
    out.push({ name: `shard-${i}.bin`, path, size: data.length, expected: createHash('sha256').update(data).digest('hex') });
  }
  return out;
}

describe('hashing', () => {
  test('worker threads give the same digests as a plain hash, in job order, with progress', async () => {
    const dir = tempDir();
    const files = bigFiles(dir, 4, 9); // 36 MiB: above the inline limit, so workers run
    const seen: HashProgress[] = [];
    const out = await hashFiles(files, { onProgress: (p) => seen.push({ ...p }), concurrency: 2 });
    assert.deepEqual(out.map((r) => r.digest), files.map((f) => f.expected));
    assert.deepEqual(out.map((r) => r.name), files.map((f) => f.name));
    const last = seen[seen.length - 1]!;
    assert.equal(last.bytesDone, 36 * MiB);
    assert.equal(last.filesDone, 4);
    assert.ok(seen.every((p, i) => i === 0 || p.bytesDone >= seen[i - 1]!.bytesDone), 'progress never goes backwards');
  });

  test('the calling thread hashes beside the workers: every thread count gives the same digests, and five files complete five times', async () => {
    const dir = tempDir();
    const files = bigFiles(dir, 5, 5); // 25 MiB over 5 files: above the inline limit
    for (const concurrency of [1, 2, 3, 5]) {
      const seen: HashProgress[] = [];
      const out = await hashFiles(files, { onProgress: (p) => seen.push({ ...p }), concurrency });
      assert.deepEqual(out, files.map((f) => ({ name: f.name, digest: f.expected, size: f.size })), `concurrency ${concurrency}`);
      assert.deepEqual(seen[seen.length - 1], { bytesDone: 25 * MiB, bytesTotal: 25 * MiB, filesDone: 5, filesTotal: 5 }, `concurrency ${concurrency}`);
      const doneCounts = seen.map((p) => p.filesDone);
      assert.equal(seen.filter((p, i) => i > 0 && p.filesDone > seen[i - 1]!.filesDone).length + (seen[0]!.filesDone > 0 ? 1 : 0), 5, `five completions (concurrency ${concurrency})`);
      assert.ok(doneCounts.every((n, i) => i === 0 || n >= doneCounts[i - 1]!), `files done never goes backwards (concurrency ${concurrency})`);
    }
  });

  test('an AbortSignal cancels hashing with CANCELLED', async () => {
    const dir = tempDir();
    const files = bigFiles(dir, 2, 24);
    const ac = new AbortController();
    const p = hashFiles(files, { signal: ac.signal, onProgress: () => ac.abort() });
    await assert.rejects(p, { code: 'CANCELLED' });
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(hashFiles(files, { signal: pre.signal }), { code: 'CANCELLED' });
  });

  test('a file that disappears mid-run is a coded error naming it', async () => {
    const dir = tempDir();
    const files = bigFiles(dir, 2, 10);
    await assert.rejects(hashFiles([...files, { name: 'gone', path: join(dir, 'gone.bin'), size: 10 * MiB }]), (e: Error & { code?: string; file?: string }) => e.code === 'FILE_NOT_FOUND' && e.file === join(dir, 'gone.bin'));
  });

  test('one file above the inline limit (hashed on the calling thread, in slices): same digest, progress, and the event loop keeps running', async () => {
    const dir = tempDir();
    const [file] = bigFiles(dir, 1, 37.5); // not a multiple of the 1 MiB slice
    const seen: HashProgress[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const out = await hashFiles([file!], { onProgress: (p) => seen.push({ ...p }) }).finally(() => clearInterval(timer));
    assert.deepEqual(out, [{ name: file!.name, digest: file!.expected, size: 37.5 * MiB }]);
    assert.ok(seen.length >= 3, `progress while hashing (${seen.length} reports)`);
    assert.deepEqual(seen[seen.length - 1], { bytesDone: 37.5 * MiB, bytesTotal: 37.5 * MiB, filesDone: 1, filesTotal: 1 });
    assert.ok(seen.every((p, i) => i === 0 || p.bytesDone >= seen[i - 1]!.bytesDone), 'progress never goes backwards');
    assert.ok(ticks > 0, 'timers ran while the file was hashed');
  });

  test('a byte range of one large file (a shard) is hashed exactly, and a file shorter than its range is FILE_TRUNCATED', async () => {
    const dir = tempDir();
    const data = Buffer.alloc(40 * MiB);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i, i);
    const path = join(dir, 'w.bin');
    writeFileSync(path, data);
    const [start, end] = [3 * MiB + 17, 33 * MiB + 5];
    const out = await hashFiles([{ name: 'w.bin:1', path, size: end - start, range: [start, end] }]);
    assert.deepEqual(out, [{ name: 'w.bin:1', digest: createHash('sha256').update(data.subarray(start, end)).digest('hex'), size: end - start }]);
    await assert.rejects(hashFiles([{ name: 'w.bin:2', path, size: 20 * MiB, range: [30 * MiB, 50 * MiB] }]), { code: 'FILE_TRUNCATED' });
  });

  test('an AbortSignal cancels hashing one large file with CANCELLED', async () => {
    const dir = tempDir();
    const [file] = bigFiles(dir, 1, 40);
    const ac = new AbortController();
    await assert.rejects(hashFiles([file!], { signal: ac.signal, onProgress: () => ac.abort() }), { code: 'CANCELLED' });
  });

  test('hashModel gives the OMS root digest that sign writes as the subject', async () => {
    const dir = tempDir();
    const m = makeModel(join(dir, 'm'), { 'a.bin': 'a', 'b/c.bin': 'c' });
    const d = await hashModel(m);
    const a = createHash('sha256').update('a').digest();
    const c = createHash('sha256').update('c').digest();
    assert.equal(d.digest, `sha256:${createHash('sha256').update(Buffer.concat([a, c])).digest('hex')}`);
    assert.equal(d.totalBytes, 2);
  });
});

describe('digest cache', () => {
  test('a file is not read again while its device, inode, size and mtime are unchanged', async () => {
    const { DigestCache } = await import('../../core');
    const { utimesSync } = await import('node:fs');
    const dir = tempDir();
    const path = join(dir, 'w.bin');
    writeFileSync(path, 'aaaa');
    // Whole seconds, so that restoring the time below restores it exactly.
    const mtime = new Date(1_700_000_000_000);
    const atime = mtime;
    utimesSync(path, atime, mtime);
    const cache = new DigestCache();
    const job = [{ name: 'w.bin', path, size: 4 }];
    const first = (await hashFiles(job, { cache }))[0]!.digest;
    assert.equal(cache.size, 1);
    // Same size, same mtime, other bytes: the cache answers (it never opened the file).
    writeFileSync(path, 'bbbb');
    utimesSync(path, atime, mtime);
    assert.equal((await hashFiles(job, { cache }))[0]!.digest, first);
    // A changed mtime is a changed file.
    utimesSync(path, atime, new Date(mtime.getTime() + 5000));
    assert.equal((await hashFiles(job, { cache }))[0]!.digest, createHash('sha256').update('bbbb').digest('hex'));
  });
});
