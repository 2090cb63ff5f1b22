import { FindingSink } from './codes';
import { PickleScanner, type WalkEvidence } from './pickle';
import { Cursor, Malformed, Truncated, type ByteSource } from './source';
import type { PickleDetails } from './types';

export interface PickleStreamLimits {
  /** Bytes examined per stream (opcodes, arguments read, line bytes). */
  maxPickleBytes: number;
  /** Opcodes walked per stream. */
  maxPickleOpcodes: number;
  maxListed: number;
  /** See PickleLimits.isLocalModule. */
  isLocalModule?: (top: string) => boolean;
}

/**
 * How the bytes came to be walked. `declared`: they say pickle (PROTO first, a pickle
 * extension, a `.pkl` member, an object array's payload), so every failure is a finding.
 * `trial`: nothing says pickle; the walk is an attempt, and its findings count only when
 * the bytes are a pickle or pickle-like (docs/model-inspection.md defines both).
 */
export type PickleMode = 'declared' | 'trial';

export interface PickleStreamOptions {
  mode: PickleMode;
  /** The archive member the bytes are (offsets are then within it). */
  member?: string;
  /** Where the stream starts in `src` (an .npy object array's payload follows its header). */
  start?: number;
  /** A scanner shared by every stream of one file, so its budget and its list of globals span them all. */
  scanner?: PickleScanner;
}

export type PickleStreamResult =
  | { kind: 'pickle'; details: PickleDetails; complete: boolean }
  /** Not a pickle: nothing was reported. `ranOut` says the walk stopped only because the data ended (a prefix was too short to tell). */
  | { kind: 'none'; ranOut: boolean };

/** torch.save's legacy (pre-1.6) files open with this number as a LONG1. */
const LEGACY_MAGIC = Buffer.from('8a0a6cfc9c46f9206aa85019', 'hex');
/** The legacy format is five pickles in a row (magic, protocol, sys info, object, storage keys), then raw storage bytes. */
const LEGACY_PICKLES = 5;
const MAX_FOLLOWING_PICKLES = 16;
/** Opcodes after PROTO that make a failed trial pickle-like on that ground alone. */
export const PROTO_FOLLOWERS = 4;
/** First read of a walk; it doubles up to READ_MAX as the walk goes on. */
const READ_MIN = 4 * 1024;
const READ_MAX = 1024 * 1024;

type WalkStatus =
  /** Reached STOP after importing or calling something, or after opening with PROTO: a pickle. Findings committed. */
  | { s: 'pickle'; end: number }
  /** Reached STOP without importing or calling anything: only plain values; nothing committed yet. */
  | { s: 'plain'; end: number }
  /** Failed, and the failure is a finding (declared, or pickle-like). Findings committed. */
  | { s: 'failed' }
  /** Failed without being pickle-like: not a pickle. Nothing committed. */
  | { s: 'none'; ranOut: boolean };

/**
 * Walks the pickle stream(s) in `src` without executing anything and reports what an
 * unpickler would import and call. Declared streams always yield a pickle result; a trial
 * yields one only when the bytes are a pickle (they reach STOP after an import or a call)
 * or are pickle-like (see `pickleLike`), and otherwise reports nothing.
 */
export function scanPickleStream(src: ByteSource, sink: FindingSink, limits: PickleStreamLimits, options: PickleStreamOptions): PickleStreamResult {
  const { member } = options;
  const start = options.start ?? 0;
  const scanner = options.scanner ?? newScanner(sink, limits);
  const cur = new Cursor(src, start, src.size, READ_MIN, READ_MAX);
  // A legacy torch.save file says so in its first bytes: its five pickles are declared.
  const legacy = src.read(start, Math.min(16, src.size - start)).includes(LEGACY_MAGIC);
  const mode: PickleMode = legacy ? 'declared' : options.mode;
  const details = (): PickleDetails => ({ ...pickleDetails('pickle', scanner), ...(legacy ? { legacyTorch: true } : {}) });

  const first = walkOne(scanner, cur, sink, mode, member);
  if (first.s === 'none') return { kind: 'none', ranOut: first.ranOut };
  if (first.s === 'failed') return { kind: 'pickle', details: details(), complete: false };
  let reported = first.s === 'pickle' || mode === 'declared';
  let end = first.end;
  if (legacy) {
    for (let k = 1; k < LEGACY_PICKLES; k++) {
      const r = walkOne(scanner, cur, sink, 'declared', member, `legacy torch.save pickle ${k + 1} of ${LEGACY_PICKLES}`);
      if (r.s === 'failed') return { kind: 'pickle', details: details(), complete: false };
      if (r.s !== 'none') end = r.end;
    }
    return { kind: 'pickle', details: details(), complete: true };
  }
  // A loader may call pickle.load again on what follows: every following stream gets the
  // same trial, whatever its first byte.
  for (let k = 0; end < src.size && k < MAX_FOLLOWING_PICKLES; k++) {
    const r = walkOne(scanner, cur, sink, 'trial', member);
    if (r.s === 'failed') return { kind: 'pickle', details: details(), complete: false };
    if (r.s === 'none') {
      if (reported) sink.add('PICKLE_TRAILING_DATA', `${src.size - end} byte(s) after the pickle's STOP are not a pickle`, { offset: end, member });
      break;
    }
    if (r.s === 'pickle') reported = true;
    end = r.end;
  }
  return reported ? { kind: 'pickle', details: details(), complete: true } : { kind: 'none', ranOut: false };
}

function walkOne(scanner: PickleScanner, cur: Cursor, sink: FindingSink, mode: PickleMode, member: string | undefined, what = 'the pickle'): WalkStatus {
  const trial = new FindingSink(Number.MAX_SAFE_INTEGER);
  const rollback = scanner.checkpoint();
  const at = cur.pos;
  scanner.sink = trial;
  let failure: Truncated | Malformed | undefined;
  let end = at;
  try {
    end = scanner.walk(cur, member);
  } catch (err) {
    if (!(err instanceof Truncated) && !(err instanceof Malformed)) throw err;
    failure = err;
  } finally {
    scanner.sink = sink;
  }
  const ev = scanner.evidence;
  const commit = (): void => {
    for (const f of trial.list) sink.add(f.code as Parameters<FindingSink['add']>[0], f.message, { severity: f.severity, offset: f.offset, member: f.member, data: f.data });
  };
  if (!failure) {
    // PROTO first and STOP reached: the stream declares itself and is whole (text never starts with 0x80).
    if (mode === 'declared' || ev.imports > 0 || ev.calls > 0 || ev.protoFirst) {
      commit();
      return { s: 'pickle', end };
    }
    return { s: 'plain', end };
  }
  const where = member ? ` in ${member}` : '';
  if (mode === 'declared') {
    commit();
    if (failure instanceof Truncated) sink.add('MODEL_UNPARSEABLE', `${what}${where} ends before its STOP opcode (at byte ${failure.offset})`, { offset: failure.offset, member });
    else sink.add(failure.code, failure.message, { offset: failure.offset, member });
    return { s: 'failed' };
  }
  // A work limit is reached only by bytes that walked a long way as opcodes.
  const limit = failure instanceof Malformed && failure.code === 'INSPECTION_LIMIT';
  const reasons = pickleLike(ev);
  if (!limit && reasons.length === 0) {
    rollback();
    return { s: 'none', ranOut: failure instanceof Truncated };
  }
  commit();
  if (limit) sink.add('INSPECTION_LIMIT', `bytes from ${ev.start}${where} walk as a pickle stream until ${failure.message}`, { offset: failure.offset, member });
  else {
    const why = failure instanceof Truncated ? `the data ends at byte ${failure.offset}` : failure.message;
    sink.add('PICKLE_SUSPICIOUS', `bytes from ${ev.start}${where} walk as a pickle stream (${reasons.join('; ')}) but do not parse to STOP: ${why}. An unpickler runs every opcode before the failure`, {
      offset: ev.start,
      member,
      data: { reasons, failedAt: failure.offset },
    });
  }
  return { s: 'failed' };
}

/**
 * Why a failed trial walk is still pickle-like; empty when it is not. Any one of: the
 * stream opens with PROTO 0–5 and walks at least PROTO_FOLLOWERS more opcodes, or opens
 * with a FRAME whose length fits; it called something it
 * imported (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST); or it imported a known code-execution
 * global, a module shipped beside the file, or any name through STACK_GLOBAL.
 */
export function pickleLike(ev: WalkEvidence): string[] {
  const out: string[] = [];
  // Two bytes (80 00–05) also open raw tensor data now and then: PROTO counts once the
  // stream goes on as opcodes.
  if (ev.protoFirst && ev.opcodes >= 1 + PROTO_FOLLOWERS) out.push(`opens with PROTO and walks ${ev.opcodes - 1} opcodes`);
  if (ev.frameFirst) out.push('opens with a FRAME whose length fits');
  if (ev.calls > 0) out.push(`${ev.calls} call(s) on imported objects`);
  out.push(...ev.strong.slice(0, 4));
  return out;
}

/** A scanner for every stream of one file (a bare pickle, or all the members of an archive). */
export function newScanner(sink: FindingSink, limits: PickleStreamLimits): PickleScanner {
  return new PickleScanner(sink, { budget: limits.maxPickleBytes, maxOpcodes: limits.maxPickleOpcodes, maxListed: limits.maxListed, isLocalModule: limits.isLocalModule });
}

export function pickleDetails(kind: PickleDetails['kind'], s: PickleScanner): PickleDetails {
  const d: PickleDetails = { kind, pickles: s.pickles, globals: s.globals, globalCount: s.globalCount };
  if (s.protocol !== undefined) d.protocol = s.protocol;
  if (s.storages.size > 0) d.storages = { count: s.storages.size, elements: s.storageElements() };
  return d;
}

