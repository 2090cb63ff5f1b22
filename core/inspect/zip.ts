import { crc32, inflateRawSync } from 'node:zlib';
import { BufferSource, Malformed, SubSource, type ByteSource } from './source';

export interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  zip64: boolean;
  /** Start of the central directory: member data must end before it. */
  directoryOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
/** Caps on what an untrusted directory can make us hold: entries and the directory's bytes. */
export const MAX_ZIP_ENTRIES = 500_000;
export const MAX_ZIP_DIRECTORY_BYTES = 64 * 1024 * 1024;

const unsupported = (why: string, offset?: number): Malformed => new Malformed('ZIP_UNSUPPORTED', why, offset);
const unparseable = (why: string, offset?: number): Malformed => new Malformed('MODEL_UNPARSEABLE', `ZIP ${why}`, offset);

/**
 * Reads a ZIP central directory the way PyTorch's reader (miniz) does: end record found
 * from the back, ZIP64 records when the 32-bit fields are saturated. Everything is
 * bounded, and features that readers disagree on (several disks, bytes before the
 * archive, a ZIP64 record that contradicts the end record) are refused, not guessed.
 */
export function readZipDirectory(src: ByteSource): ZipDirectory {
  const tailLen = Math.min(src.size, 22 + MAX_COMMENT);
  if (tailLen < 22) throw unparseable('is shorter than an end-of-central-directory record');
  const tailStart = src.size - tailLen;
  const tail = src.read(tailStart, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw unparseable('has no end-of-central-directory record');
  const eocdAt = tailStart + eocd;
  const disk = tail.readUInt16LE(eocd + 4);
  const cdDisk = tail.readUInt16LE(eocd + 6);
  const entriesOnDisk = tail.readUInt16LE(eocd + 8);
  let total = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  let zip64 = false;
  let cdEnd = eocdAt;

  const locAt = eocdAt - 20;
  if (locAt >= 0 && src.read(locAt, 4).readUInt32LE(0) === ZIP64_LOCATOR) {
    zip64 = true;
    const loc = src.read(locAt, 20);
    const recordDisk = loc.readUInt32LE(4);
    const recordAt = loc.readBigUInt64LE(8);
    const disks = loc.readUInt32LE(16);
    if (recordDisk !== 0 || disks > 1) throw unsupported('ZIP64 archive spans several disks', locAt);
    if (recordAt > BigInt(locAt - 56)) throw unsupported('ZIP64 end record offset points past its locator', locAt);
    const at = Number(recordAt);
    const rec = src.read(at, 56);
    if (rec.readUInt32LE(0) !== ZIP64_EOCD) throw unsupported('ZIP64 locator does not point at a ZIP64 end record', at);
    if (rec.readUInt32LE(16) !== 0 || rec.readUInt32LE(20) !== 0) throw unsupported('ZIP64 archive spans several disks', at);
    const onDisk = rec.readBigUInt64LE(24);
    const total64 = rec.readBigUInt64LE(32);
    const size64 = rec.readBigUInt64LE(40);
    const offset64 = rec.readBigUInt64LE(48);
    if (onDisk !== total64) throw unsupported('ZIP64 archive spans several disks', at);
    // The 32-bit fields must either agree or be saturated; anything else is two answers.
    const agree = (v32: number, sat: number, v64: bigint): boolean => v32 === sat || BigInt(v32) === v64;
    if (!agree(total, 0xffff, total64) || !agree(cdSize, 0xffffffff, size64) || !agree(cdOffset, 0xffffffff, offset64)) {
      throw unsupported('ZIP64 end record contradicts the end-of-central-directory record', at);
    }
    if (total64 > BigInt(MAX_ZIP_ENTRIES) || size64 > BigInt(src.size) || offset64 > BigInt(src.size)) {
      throw total64 > BigInt(MAX_ZIP_ENTRIES) ? new Malformed('INSPECTION_LIMIT', `ZIP has ${total64} entries, over the ${MAX_ZIP_ENTRIES} limit`) : unparseable('directory lies past the end of the file', at);
    }
    total = Number(total64);
    cdSize = Number(size64);
    cdOffset = Number(offset64);
    cdEnd = at;
  } else {
    if (disk !== 0 || cdDisk !== 0 || entriesOnDisk !== total) throw unsupported('archive spans several disks', eocdAt);
    if (total === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw unsupported('saturated end-record fields without a ZIP64 locator', eocdAt);
  }
  if (cdOffset + cdSize !== cdEnd) {
    throw unsupported('the central directory is not where the end record says (bytes prepended to the archive, or a polyglot file)', eocdAt);
  }
  if (cdSize > MAX_ZIP_DIRECTORY_BYTES) throw new Malformed('INSPECTION_LIMIT', `ZIP central directory of ${cdSize} bytes is over the ${MAX_ZIP_DIRECTORY_BYTES}-byte limit`, cdOffset);
  if (total > MAX_ZIP_ENTRIES) throw new Malformed('INSPECTION_LIMIT', `ZIP has ${total} entries, over the ${MAX_ZIP_ENTRIES} limit`, eocdAt);

  const cd = src.read(cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < total; i++) {
    const at = cdOffset + p;
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw unparseable(`central directory entry ${i} is malformed`, at);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let csize = cd.readUInt32LE(p + 20);
    let usize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const startDisk = cd.readUInt16LE(p + 34);
    let local = cd.readUInt32LE(p + 42);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cd.length) throw unparseable(`central directory entry ${i} runs past the directory`, at);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    const name = flags & 0x800 ? nameBytes.toString('utf8') : nameBytes.toString('latin1');
    if (csize === 0xffffffff || usize === 0xffffffff || local === 0xffffffff || startDisk === 0xffff) {
      const z = zip64Extra(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
      if (!z) throw unsupported(`entry "${name}" has saturated sizes but no ZIP64 extra field`, at);
      let k = 0;
      const take = (): bigint | undefined => (k + 8 <= z.length ? z.readBigUInt64LE((k += 8) - 8) : undefined);
      const field = (v: number, what: string): number => {
        if (v !== 0xffffffff) return v;
        const b = take();
        if (b === undefined || b > BigInt(src.size) * 1100n) throw unsupported(`entry "${name}" has a missing or impossible ZIP64 ${what}`, at);
        return Number(b);
      };
      usize = field(usize, 'size');
      csize = field(csize, 'compressed size');
      local = field(local, 'offset');
      if (startDisk === 0xffff) throw unsupported(`entry "${name}" starts on another disk`, at);
    } else if (startDisk !== 0) throw unsupported(`entry "${name}" starts on another disk`, at);
    entries.push({ name, flags, method, crc32: crc, compressedSize: csize, uncompressedSize: usize, localHeaderOffset: local });
    p = next;
  }
  return { entries, zip64, directoryOffset: cdOffset };
}

function zip64Extra(extra: Buffer): Buffer | undefined {
  let q = 0;
  while (q + 4 <= extra.length) {
    const id = extra.readUInt16LE(q);
    const len = extra.readUInt16LE(q + 2);
    if (q + 4 + len > extra.length) return undefined;
    if (id === 0x0001) return extra.subarray(q + 4, q + 4 + len);
    q += 4 + len;
  }
  return undefined;
}

export interface MemberProblem {
  code: 'ZIP_INCONSISTENT';
  message: string;
}

/**
 * A member's bytes as a source: a window of the file when stored, inflated with a cap
 * when deflated. Local-header disagreements with the directory come back as problems.
 */
export function openMember(src: ByteSource, dir: ZipDirectory, e: ZipEntry, maxBytes: number): { data: ByteSource; problems: MemberProblem[] } {
  const { dataAt, problems } = locateMember(src, dir, e);
  const read = readMember(src, e, dataAt, maxBytes, true);
  return { data: read.data, problems: [...problems, ...read.problems] };
}

/**
 * A located member's bytes: a window of the file when stored, inflated with a cap when
 * deflated (`maxBytes` caps both). With `crc`, the CRC-32 is checked, which reads it all.
 */
export function readMember(src: ByteSource, e: ZipEntry, dataAt: number, maxBytes: number, crc: boolean): { data: ByteSource; problems: MemberProblem[] } {
  const problems: MemberProblem[] = [];
  let data: ByteSource;
  if (e.method === 0) {
    if (e.uncompressedSize > maxBytes) throw new Malformed('INSPECTION_LIMIT', `member "${e.name}" is ${e.uncompressedSize} bytes, over the ${maxBytes}-byte limit`);
    data = new SubSource(src, dataAt, e.compressedSize);
  } else {
    if (e.uncompressedSize > maxBytes || e.compressedSize > maxBytes) throw new Malformed('INSPECTION_LIMIT', `member "${e.name}" inflates to ${e.uncompressedSize} bytes, over the ${maxBytes}-byte limit`);
    let out: Buffer;
    try {
      out = inflateRawSync(src.read(dataAt, e.compressedSize), { maxOutputLength: Math.max(1, maxBytes) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new Malformed('INSPECTION_LIMIT', `member "${e.name}" inflates past the ${maxBytes}-byte limit`);
      }
      throw unparseable(`member "${e.name}" does not inflate: ${(err as Error).message}`, dataAt);
    }
    if (out.length !== e.uncompressedSize) problems.push({ code: 'ZIP_INCONSISTENT', message: `member "${e.name}" inflates to ${out.length} bytes, the directory says ${e.uncompressedSize}` });
    data = new BufferSource(out);
  }
  if (crc && crcOf(data) !== e.crc32) problems.push({ code: 'ZIP_INCONSISTENT', message: `member "${e.name}" fails its CRC-32` });
  return { data, problems };
}

/**
 * Where a member's data starts, after the checks every reader of it needs: not encrypted,
 * a local header that agrees with the directory, data that ends before the directory, and
 * a method this reader knows (stored or deflate).
 */
export function locateMember(src: ByteSource, dir: ZipDirectory, e: ZipEntry): { dataAt: number; problems: MemberProblem[] } {
  const problems: MemberProblem[] = [];
  if (e.flags & 0x1) throw unsupported(`member "${e.name}" is encrypted`);
  if (e.localHeaderOffset + 30 > dir.directoryOffset) throw unparseable(`member "${e.name}" local header lies past the member data`, e.localHeaderOffset);
  const lh = src.read(e.localHeaderOffset, 30);
  if (lh.readUInt32LE(0) !== LOCAL) throw unparseable(`member "${e.name}" has no local header`, e.localHeaderOffset);
  const nameLen = lh.readUInt16LE(26);
  const extraLen = lh.readUInt16LE(28);
  const dataAt = e.localHeaderOffset + 30 + nameLen + extraLen;
  if (dataAt + e.compressedSize > dir.directoryOffset) throw unparseable(`member "${e.name}" data runs into the central directory`, e.localHeaderOffset);
  const localName = src.read(e.localHeaderOffset + 30, nameLen);
  if (!localName.equals(Buffer.from(e.name, e.flags & 0x800 ? 'utf8' : 'latin1'))) {
    problems.push({ code: 'ZIP_INCONSISTENT', message: `member "${e.name}" is named "${localName.toString('latin1')}" in its local header` });
  }
  if (lh.readUInt16LE(8) !== e.method) problems.push({ code: 'ZIP_INCONSISTENT', message: `member "${e.name}" has a different method in its local header` });
  if (e.method === 0) {
    if (e.compressedSize !== e.uncompressedSize) throw unparseable(`stored member "${e.name}" has different compressed and uncompressed sizes`, e.localHeaderOffset);
  } else if (e.method !== 8) {
    throw unsupported(`member "${e.name}" uses compression method ${e.method} (only stored and deflate are read)`);
  }
  return { dataAt, problems };
}

function crcOf(data: ByteSource): number {
  let c = 0;
  const chunk = 4 * 1024 * 1024;
  for (let at = 0; at < data.size; at += chunk) c = crc32(data.read(at, Math.min(chunk, data.size - at)), c);
  return c;
}
