import { constants as zlibConstants, gunzipSync, inflateSync } from 'node:zlib';
import { FindingSink, type FindingCode } from './codes';
import { scanPickleStream, type PickleStreamLimits } from './pickle-stream';
import { BufferSource, type ByteSource } from './source';

/**
 * Compressed pickles: joblib.load and pandas.read_pickle decompress gzip and zlib (joblib's
 * compress=True) before they unpickle, so the content is what runs. Used for bare files
 * (inspect-file) and for ZIP members (pytorch).
 */

/** A zlib stream header (RFC 1950): deflate, a 32 KiB window or less, the check bits right. joblib's compress=True writes one. */
export function isZlibStream(head: Buffer): boolean {
  return head.length >= 2 && (head[0]! & 0x0f) === 8 && head[0]! >> 4 <= 7 && ((head[0]! << 8) | head[1]!) % 31 === 0;
}

/**
 * Decompresses a gzip file or zlib stream (a bounded prefix, as much as maxPickleBytes of
 * output) and gives the content the trial pickle walk a bare file gets. Returns true when
 * the content is a pickle: its findings are then in `sink`, labelled as the decompressed
 * content. False (nothing added) when it does not inflate or holds no pickle.
 */
export function compressedPickle(src: ByteSource, sink: FindingSink, limits: PickleStreamLimits, kind: 'gzip' | 'zlib', within?: string): boolean {
  const member = `${within ? `${within}!/` : ''}(${kind}-decompressed content)`;
  const inflate = (input: Buffer, maxOutputLength: number): Buffer => {
    const options = { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength };
    return kind === 'gzip' ? gunzipSync(input, options) : inflateSync(input, options);
  };
  // A cheap look first: the first KiB must inflate (deflate expands at most ~1032:1, so its
  // output fits in 2 MiB) and what it gives must not rule a pickle out (a .tar.gz, a zlib-like
  // header on raw data are rejected without reading more). No output yet (a long gzip
  // header) rules nothing out.
  let probe: Buffer;
  try {
    probe = inflate(src.read(0, Math.min(src.size, 1024)), 2 * 1024 * 1024);
  } catch {
    return false; // not deflate data
  }
  if (probe.length > 0) {
    let ruledOut = false;
    try {
      const r = scanPickleStream(new BufferSource(probe), new FindingSink(1), limits, { mode: 'trial', member });
      ruledOut = r.kind === 'none' && !r.ranOut;
    } catch {
      // The walk ran off the probe's end: nothing ruled out.
    }
    if (ruledOut) return false;
  }
  let take = Math.min(src.size, limits.maxPickleBytes);
  let out: Buffer | undefined;
  let cut = take < src.size;
  while (out === undefined && take > 0) {
    try {
      out = inflate(src.read(0, take), limits.maxPickleBytes);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE' && !(err instanceof RangeError)) return false;
      // Inflates past the limit: a shorter prefix, whose output fits, is what is walked.
      take = take > 4096 ? Math.floor(take / 4) : 0;
      cut = true;
    }
  }
  if (out === undefined || out.length === 0) return false;
  const walked = new FindingSink(Number.MAX_SAFE_INTEGER);
  const r = scanPickleStream(new BufferSource(out), walked, limits, { mode: 'trial', member });
  if (r.kind !== 'pickle') return false;
  for (const f of walked.list) sink.add(f.code as FindingCode, f.message, f);
  if (cut && !r.complete) {
    sink.add('INSPECTION_LIMIT', `the ${kind} content is a pickle that was inspected only up to ${out.length} decompressed bytes; the rest could not be cleared`, { member });
  }
  return true;
}
