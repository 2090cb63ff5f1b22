/**
 * The hashing worker's body. It is shipped as a string and started with
 * `new Worker(src, { eval: true })`, so the same code runs from the CLI bundle, the
 * language server bundle and the TypeScript sources without a path to resolve.
 * Plain JavaScript on purpose: it is not transpiled.
 */
export const HASH_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const abortFlag = new Int32Array(workerData.abort);
const buf = Buffer.allocUnsafe(workerData.chunkSize);
parentPort.on('message', (job) => {
  let fd;
  try {
    fd = openSync(job.path, 'r');
    const h = createHash(job.algorithm);
    let pos = job.start;
    const end = job.end;
    let sinceReport = 0;
    while (end === -1 || pos < end) {
      if (Atomics.load(abortFlag, 0) !== 0) { parentPort.postMessage({ id: job.id, type: 'cancelled' }); return; }
      const want = end === -1 ? buf.length : Math.min(buf.length, end - pos);
      const n = readSync(fd, buf, 0, want, pos);
      if (n === 0) break;
      h.update(n === buf.length ? buf : buf.subarray(0, n));
      pos += n;
      sinceReport += n;
      if (sinceReport >= workerData.reportEvery) { parentPort.postMessage({ id: job.id, type: 'progress', bytes: sinceReport }); sinceReport = 0; }
    }
    if (end !== -1 && pos < end) throw Object.assign(new Error('file is shorter than the signed range'), { code: 'ESHORT' });
    parentPort.postMessage({ id: job.id, type: 'done', digest: h.digest('hex'), bytes: sinceReport, size: pos - job.start });
  } catch (err) {
    parentPort.postMessage({ id: job.id, type: 'error', code: err && err.code, message: String(err && err.message || err) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;
