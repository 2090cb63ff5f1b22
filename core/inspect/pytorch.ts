import { constants, inflateRawSync } from 'node:zlib';
import { compressedPickle, isZlibStream } from './compressed';
import { FindingSink } from './codes';
import { NPY_MAGIC, readNpyHeader } from './npy';
import type { PickleScanner } from './pickle';
import { newScanner, pickleDetails, scanPickleStream, type PickleStreamLimits } from './pickle-stream';
import { BufferSource, Malformed, SubSource, Truncated, type ByteSource } from './source';
import type { PickleDetails } from './types';
import { locateMember, openMember, readMember, readZipDirectory, type ZipDirectory, type ZipEntry } from './zip';

export interface PickleFileLimits extends PickleStreamLimits {
  /** Bytes inflated or walked across all the members of one archive, nested ones included. */
  maxArchiveBytes: number;
}

/** Archives inside archives are opened this deep (a ZIP in a ZIP), no deeper. */
const MAX_NESTING = 2;
/** Deflated members up to this size are inflated whole; bigger ones are first tried on a prefix. */
const WHOLE_INFLATE = 64 * 1024;
/** Compressed bytes inflated for the first try of a big deflated member. */
const PREFIX_COMPRESSED = 16 * 1024;

function report(err: unknown, sink: FindingSink, member: string | undefined, what: string): void {
  const where = member ? ` in ${member}` : '';
  if (err instanceof Truncated) sink.add('MODEL_UNPARSEABLE', `${what}${where} ends early (at byte ${err.offset})`, { offset: err.offset, member });
  else if (err instanceof Malformed) sink.add(err.code, err.message, { offset: err.offset, member });
  else throw err;
}

/**
 * A bare pickle file (PROTO first, or a pickle extension): the first pickle must walk to
 * STOP. A legacy torch.save file is five pickles then raw storage bytes, and all five are
 * walked. Otherwise every stream that follows gets a trial walk, since a loader may call
 * pickle.load again; bytes that are not a pickle are reported and left alone.
 */
export function inspectBarePickle(src: ByteSource, sink: FindingSink, limits: PickleStreamLimits): PickleDetails {
  const r = scanPickleStream(src, sink, limits, { mode: 'declared' });
  if (r.kind !== 'pickle') throw new Error('a declared pickle stream always reports');
  return r.details;
}

const PKL = /\.pkl$/i;
const DATA_PKL = /(^|\/)data\.pkl$/;
const MEMBERS_LISTED = 64;
const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');

interface ArchiveWalk {
  sink: FindingSink;
  limits: PickleFileLimits;
  scanner: PickleScanner;
  /** Bytes left to inflate or walk in this file's archives. */
  left: number;
  pickleMembers: string[];
  objectArrays: string[];
  nested: string[];
  stopped: boolean;
}

/**
 * A ZIP: a PyTorch checkpoint when it holds a data.pkl. Every member is examined, whatever
 * its name: `.pkl` members are walked as pickles; `.npy` members (an `.npz`) have their
 * header read and an object array's pickle walked; ZIP members are opened in turn (two
 * levels deep); every other member gets the same bounded trial walk as a bare file. All of
 * it is bounded by `maxArchiveBytes`.
 */
export function inspectZip(src: ByteSource, sink: FindingSink, limits: PickleFileLimits): PickleDetails {
  const walk: ArchiveWalk = { sink, limits, scanner: newScanner(sink, limits), left: limits.maxArchiveBytes, pickleMembers: [], objectArrays: [], nested: [], stopped: false };
  let dir: ZipDirectory;
  try {
    dir = readZipDirectory(src);
  } catch (err) {
    report(err, sink, undefined, 'the ZIP');
    return { ...pickleDetails('zip', walk.scanner), entries: 0 };
  }
  const entries = dir.entries;
  const torch = entries.some((e) => DATA_PKL.test(e.name));
  const out: PickleDetails = {
    ...pickleDetails(torch ? 'pytorch-zip' : 'zip', walk.scanner),
    entries: entries.length,
    members: entries.slice(0, MEMBERS_LISTED).map((e) => e.name),
    pickleMembers: walk.pickleMembers,
    torchscript: entries.some((e) => /(^|\/)code\//.test(e.name) || /(^|\/)constants\.pkl$/.test(e.name)),
  };
  const version = entries.find((e) => /^[^/]+\/(\.data\/)?version$/.test(e.name) && e.uncompressedSize <= 64);
  if (version) {
    try {
      const { data } = openMember(src, dir, version, 64);
      out.serializationVersion = data.read(0, data.size).toString('latin1').trim();
    } catch {
      // A version record is informational; the members carry the findings.
    }
  }
  walkMembers(src, dir, '', 0, walk);
  if (walk.objectArrays.length > 0) out.objectArrays = walk.objectArrays;
  if (walk.nested.length > 0) out.nestedArchives = walk.nested;
  return { ...out, ...pickleDetails(torch ? 'pytorch-zip' : 'zip', walk.scanner) };
}

function walkMembers(src: ByteSource, dir: ZipDirectory, prefix: string, depth: number, walk: ArchiveWalk): void {
  for (const e of dir.entries) {
    if (walk.stopped) return;
    if (e.name.endsWith('/') || (e.uncompressedSize === 0 && e.compressedSize === 0)) continue;
    const member = prefix + e.name;
    try {
      walkMember(src, dir, e, member, depth, walk);
    } catch (err) {
      report(err, walk.sink, member, 'the member');
    }
  }
}

function spend(walk: ArchiveWalk, n: number, member: string): void {
  walk.left -= n;
  if (walk.left < 0 && !walk.stopped) {
    walk.stopped = true;
    throw new Malformed('INSPECTION_LIMIT', `archive members were examined up to the ${walk.limits.maxArchiveBytes}-byte limit; ${member} and the members after it were not`);
  }
}

function walkMember(src: ByteSource, dir: ZipDirectory, e: ZipEntry, member: string, depth: number, walk: ArchiveWalk): void {
  const { sink, limits, scanner } = walk;
  const walkStream = (data: ByteSource, mode: 'declared' | 'trial', start?: number): boolean => {
    const before = scanner.bytesExamined;
    const r = scanPickleStream(data, sink, limits, { mode, member, start, scanner });
    spend(walk, scanner.bytesExamined - before, member);
    return r.kind === 'pickle';
  };
  const { dataAt, problems } = locateMember(src, dir, e);
  for (const p of problems) sink.add(p.code, p.message, { member });
  // A stored member is read in place (walks read only what they need); a deflated one is
  // inflated whole up to maxPickleBytes (the CRC is checked whenever the bytes are all in hand).
  const whole = (crc: boolean): ByteSource => {
    const r = readMember(src, e, dataAt, e.method === 0 && !crc ? Number.MAX_SAFE_INTEGER : limits.maxPickleBytes, crc || e.method !== 0);
    for (const p of r.problems) sink.add(p.code, p.message, { member });
    if (e.method !== 0) spend(walk, r.data.size, member);
    return r.data;
  };
  const prefix = (compressed: number): ByteSource => (e.method === 0 ? whole(false) : inflatePrefix(src, dataAt, e, member, walk, compressed));

  if (PKL.test(e.name)) {
    // A pickle member is read whole and its CRC checked, as torch.load's reader does.
    walk.pickleMembers.push(member);
    walkStream(whole(true), 'declared');
    return;
  }
  const first = prefix(4096);
  const magic = first.read(0, Math.min(8, first.size));
  if (magic.subarray(0, 4).equals(ZIP_MAGIC)) {
    walk.nested.push(member);
    if (depth + 1 >= MAX_NESTING) {
      sink.add('ARCHIVE_NOT_INSPECTED', `${member} is an archive nested more than ${MAX_NESTING} deep; its members were not examined`, { member });
      return;
    }
    const inner = whole(false);
    walkMembers(inner, readZipDirectory(inner), `${member}!/`, depth + 1, walk);
    return;
  }
  if (magic.subarray(0, 6).equals(NPY_MAGIC)) {
    // The header comes from the first bytes; only an object array's pickle is read whole.
    const npy = readNpyHeader(prefix(PREFIX_COMPRESSED));
    if (!npy.objectArray) return;
    walk.objectArrays.push(member);
    walk.pickleMembers.push(member);
    walkStream(whole(false), 'declared', npy.dataOffset);
    return;
  }
  // A gzip'd or zlib-compressed member (model.pkl.gz): its content gets the pickle trial, as a bare file's does.
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    const data = whole(false);
    if (compressedPickle(data, sink, limits, 'gzip', member)) walk.pickleMembers.push(member);
    else sink.add('ARCHIVE_NOT_INSPECTED', `${member} is a gzip archive; its contents were not inspected`, { member });
    return;
  }
  if (isZlibStream(magic) && compressedPickle(whole(false), sink, limits, 'zlib', member)) {
    walk.pickleMembers.push(member);
    return;
  }
  // Any other member gets the trial walk a bare file gets. A big deflated member is tried
  // on an inflated prefix first, and inflated whole only if the walk runs off its end.
  if (e.method === 8 && e.compressedSize > WHOLE_INFLATE) {
    const r = scanPickleStream(prefix(PREFIX_COMPRESSED), new FindingSink(1), limits, { mode: 'trial', member });
    if (r.kind === 'none' && !r.ranOut) return;
  }
  if (walkStream(whole(false), 'trial')) walk.pickleMembers.push(member);
}

function inflatePrefix(src: ByteSource, dataAt: number, e: ZipEntry, member: string, walk: ArchiveWalk, compressed: number): ByteSource {
  const n = Math.min(compressed, e.compressedSize);
  let out: Buffer;
  try {
    // A prefix of a deflate stream inflates to the bytes it holds with a sync flush.
    out = inflateRawSync(src.read(dataAt, n), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 64 * 1024 * 1024 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw new Malformed('INSPECTION_LIMIT', `member "${member}" inflates past 64 MiB from ${n} bytes`);
    throw new Malformed('MODEL_UNPARSEABLE', `member "${member}" does not inflate: ${(err as Error).message}`, dataAt);
  }
  spend(walk, out.length, member);
  return new BufferSource(out);
}
