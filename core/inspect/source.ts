import { readSync } from 'node:fs';
import { fsError } from '../errors';
import type { FindingCode } from './codes';

// The readers' errors are control flow (a trial pickle walk over a file that is not a
// pickle ends in one): they capture no stack, which cost more than the walk.
/** A read past the end of the bytes a reader was given: the file is shorter than its own structure says. */
export class Truncated extends Error {
  readonly offset: number;
  readonly wanted: number | bigint;
  constructor(offset: number, wanted: number | bigint) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`needs ${wanted} byte(s) at offset ${offset}, past the end of the data`);
    Error.stackTraceLimit = limit;
    this.offset = offset;
    this.wanted = wanted;
  }
}

/** A content problem found deep inside a reader; its caller turns it into a finding. */
export class Malformed extends Error {
  readonly code: FindingCode;
  readonly offset?: number;
  constructor(code: FindingCode, message: string, offset?: number) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.code = code;
    if (offset !== undefined) this.offset = offset;
  }
}

/**
 * The largest single read any reader may ask for. Readers cap untrusted lengths themselves;
 * this is the backstop that keeps a missed cap from becoming a multi-GB allocation.
 */
export const MAX_SINGLE_READ = 128 * 1024 * 1024;

export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`, or Truncated. */
  read(offset: number, length: number): Buffer;
}

/** Random access to an open file with positioned reads: no readFileSync of a multi-GB checkpoint. */
export class FileSource implements ByteSource {
  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly file: string,
  ) {}

  read(offset: number, length: number): Buffer {
    checkRange(offset, length, this.size);
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      let n: number;
      try {
        n = readSync(this.fd, buf, done, length - done, offset + done);
      } catch (err) {
        throw fsError(err, this.file);
      }
      // The file shrank while we read it: treat as truncation, not as an fs error.
      if (n === 0) throw new Truncated(offset + done, length - done);
      done += n;
    }
    return buf;
  }
}

export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(private readonly buf: Buffer) {
    this.size = buf.length;
  }
  read(offset: number, length: number): Buffer {
    checkRange(offset, length, this.size);
    return this.buf.subarray(offset, offset + length);
  }
}

/** A window [base, base+size) of another source, addressed from 0 (a stored ZIP member). */
export class SubSource implements ByteSource {
  constructor(
    private readonly inner: ByteSource,
    private readonly base: number,
    readonly size: number,
  ) {}
  read(offset: number, length: number): Buffer {
    checkRange(offset, length, this.size);
    return this.inner.read(this.base + offset, length);
  }
}

function checkRange(offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new Truncated(offset, length);
  }
  if (length > MAX_SINGLE_READ) throw new Malformed('INSPECTION_LIMIT', `a single read of ${length} bytes is over the ${MAX_SINGLE_READ}-byte limit`, offset);
  if (offset + length > size) throw new Truncated(offset, length);
}

const EMPTY = Buffer.alloc(0);

/**
 * Sequential little-endian reads through a window of the source, for formats that are a
 * stream of length-prefixed fields (GGUF, pickle, protobuf). Skips never read.
 */
export class Cursor {
  pos: number;
  private buf: Buffer = EMPTY;
  private bufStart = 0;

  /**
   * `window` is the size of each read; with `maxWindow`, reads start at `window` and double
   * up to it, so a walk that stops after a few bytes (a trial walk over a file that is not a
   * pickle) reads a few KiB, and one that goes on reads in large blocks.
   */
  constructor(
    readonly src: ByteSource,
    start = 0,
    readonly end = src.size,
    private window = 64 * 1024,
    private readonly maxWindow = window,
  ) {
    this.pos = start;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    if (n > this.end - this.pos) throw new Truncated(this.pos, n);
    let i = this.pos - this.bufStart;
    if (i < 0 || i + n > this.buf.length) {
      const len = Math.min(Math.max(n, this.window), this.end - this.pos);
      if (this.window < this.maxWindow) this.window = Math.min(this.window * 2, this.maxWindow);
      this.buf = this.src.read(this.pos, len);
      this.bufStart = this.pos;
      i = 0;
    }
    return i;
  }

  u8(): number {
    const i = this.need(1);
    this.pos += 1;
    return this.buf[i]!;
  }
  u16(): number {
    const i = this.need(2);
    this.pos += 2;
    return this.buf.readUInt16LE(i);
  }
  u32(): number {
    const i = this.need(4);
    this.pos += 4;
    return this.buf.readUInt32LE(i);
  }
  i32(): number {
    const i = this.need(4);
    this.pos += 4;
    return this.buf.readInt32LE(i);
  }
  u64(): bigint {
    const i = this.need(8);
    this.pos += 8;
    return this.buf.readBigUInt64LE(i);
  }
  i64(): bigint {
    const i = this.need(8);
    this.pos += 8;
    return this.buf.readBigInt64LE(i);
  }
  f32(): number {
    const i = this.need(4);
    this.pos += 4;
    return this.buf.readFloatLE(i);
  }
  f64(): number {
    const i = this.need(8);
    this.pos += 8;
    return this.buf.readDoubleLE(i);
  }
  /** `n` bytes (the caller has capped n); a view valid until the caller drops it. */
  bytes(n: number): Buffer {
    const i = this.need(n);
    this.pos += n;
    return this.buf.subarray(i, i + n);
  }
  skip(n: number | bigint): void {
    const rem = this.end - this.pos;
    const fits = typeof n === 'bigint' ? n >= 0n && n <= BigInt(rem) : n >= 0 && n <= rem;
    if (!fits) throw new Truncated(this.pos, n);
    this.pos += Number(n);
  }
}
