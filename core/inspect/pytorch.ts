import type { FindingSink } from './codes';
import { PickleScanner } from './pickle';
import { Cursor, Malformed, Truncated, type ByteSource } from './source';
import type { PickleDetails } from './types';
import { openMember, readZipDirectory, type ZipDirectory } from './zip';

export interface PickleFileLimits {
  maxPickleBytes: number;
  maxListed: number;
}

/** torch.save's legacy (pre-1.6) files open with this number as a LONG1. */
const LEGACY_MAGIC = Buffer.from('8a0a6cfc9c46f9206aa85019', 'hex');
/** The legacy format is five pickles in a row (magic, protocol, sys info, object, storage keys), then raw storage bytes. */
const LEGACY_PICKLES = 5;
const MAX_TRAILING_PICKLES = 16;

function details(kind: PickleDetails['kind'], s: PickleScanner): PickleDetails {
  const d: PickleDetails = { kind, pickles: s.pickles, globals: s.globals, globalCount: s.globalCount };
  if (s.protocol !== undefined) d.protocol = s.protocol;
  if (s.storages.size > 0) d.storages = { count: s.storages.size, elements: s.storageElements() };
  return d;
}

function report(err: unknown, sink: FindingSink, member: string | undefined, what: string): void {
  const where = member ? ` in ${member}` : '';
  if (err instanceof Truncated) sink.add('MODEL_UNPARSEABLE', `${what}${where} ends before its STOP opcode (at byte ${err.offset})`, { offset: err.offset, member });
  else if (err instanceof Malformed) sink.add(err.code, err.message, { offset: err.offset, member });
  else throw err;
}

/**
 * A bare pickle file: the first pickle must walk to STOP. A legacy torch.save file is
 * five pickles then raw storage bytes, and all five are walked. Otherwise further
 * pickles that follow directly are walked too (a loader may call pickle.load again);
 * bytes that are not a pickle are reported and left alone.
 */
export function inspectBarePickle(src: ByteSource, sink: FindingSink, limits: PickleFileLimits): PickleDetails {
  const scanner = new PickleScanner(sink, { budget: limits.maxPickleBytes, maxListed: limits.maxListed });
  const cur = new Cursor(src, 0, src.size, 1024 * 1024);
  const legacy = src.read(0, Math.min(16, src.size)).includes(LEGACY_MAGIC);
  const d = (): PickleDetails => ({ ...details('pickle', scanner), ...(legacy ? { legacyTorch: true } : {}) });
  let end: number;
  try {
    end = scanner.walk(cur);
  } catch (err) {
    report(err, sink, undefined, 'the pickle');
    return d();
  }
  if (legacy) {
    for (let k = 1; k < LEGACY_PICKLES; k++) {
      try {
        end = scanner.walk(cur);
      } catch (err) {
        report(err, sink, undefined, `legacy torch.save pickle ${k + 1} of ${LEGACY_PICKLES}`);
        return d();
      }
    }
    return d();
  }
  for (let k = 0; end < src.size && k < MAX_TRAILING_PICKLES; k++) {
    const next = src.read(end, Math.min(2, src.size - end));
    if (!(next.length === 2 && next[0] === 0x80 && next[1]! <= 5)) {
      sink.add('PICKLE_TRAILING_DATA', `${src.size - end} byte(s) after the pickle's STOP are not a pickle`, { offset: end });
      break;
    }
    try {
      end = scanner.walk(cur);
    } catch (err) {
      if (err instanceof Malformed && err.code !== 'MODEL_UNPARSEABLE') throw err;
      sink.add('PICKLE_TRAILING_DATA', `bytes at ${end} start like a pickle but do not parse to a STOP`, { offset: end });
      break;
    }
  }
  return d();
}

const PKL = /\.pkl$/i;
const DATA_PKL = /(^|\/)data\.pkl$/;
const MEMBERS_LISTED = 64;

/**
 * A ZIP: a PyTorch checkpoint when it holds a data.pkl. Every .pkl member (data.pkl,
 * TorchScript's constants.pkl, duplicates under other folders) is walked, since which
 * one a reader picks is exactly what a hostile archive plays on.
 */
export function inspectZip(src: ByteSource, sink: FindingSink, limits: PickleFileLimits): PickleDetails {
  const scanner = new PickleScanner(sink, { budget: limits.maxPickleBytes, maxListed: limits.maxListed });
  let dir: ZipDirectory;
  try {
    dir = readZipDirectory(src);
  } catch (err) {
    report(err, sink, undefined, 'the ZIP');
    return { ...details('zip', scanner), entries: 0 };
  }
  const entries = dir.entries;
  const torch = entries.some((e) => DATA_PKL.test(e.name));
  const out: PickleDetails = {
    ...details(torch ? 'pytorch-zip' : 'zip', scanner),
    entries: entries.length,
    members: entries.slice(0, MEMBERS_LISTED).map((e) => e.name),
    pickleMembers: [],
    torchscript: entries.some((e) => /(^|\/)code\//.test(e.name) || /(^|\/)constants\.pkl$/.test(e.name)),
  };
  const version = entries.find((e) => /^[^/]+\/(\.data\/)?version$/.test(e.name) && e.uncompressedSize <= 64);
  if (version) {
    try {
      const { data } = openMember(src, dir, version, 64);
      out.serializationVersion = data.read(0, data.size).toString('latin1').trim();
    } catch {
      // A version record is informational; the pickle members carry the findings.
    }
  }
  for (const e of entries.filter((x) => PKL.test(x.name))) {
    out.pickleMembers!.push(e.name);
    try {
      const { data, problems } = openMember(src, dir, e, limits.maxPickleBytes);
      for (const p of problems) sink.add(p.code, p.message, { member: e.name });
      const cur = new Cursor(data, 0, data.size, 1024 * 1024);
      const end = scanner.walk(cur, e.name);
      if (end < data.size) sink.add('PICKLE_TRAILING_DATA', `${data.size - end} byte(s) after the STOP of ${e.name}`, { offset: end, member: e.name });
    } catch (err) {
      report(err, sink, e.name, 'the pickle');
    }
  }
  return { ...out, ...details(torch ? 'pytorch-zip' : 'zip', scanner) };
}
