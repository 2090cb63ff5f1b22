import { isObject, JsonError, parseStrictJson } from '../io/json';
import type { FindingSink } from './codes';
import { parameterCount, tally } from './counts';
import type { ByteSource } from './source';
import type { SafetensorsDetails, TensorSummary } from './types';

/** Bits per element of every dtype the safetensors format defines (sub-byte floats included). */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

export interface SafetensorsLimits {
  maxHeaderBytes: number;
  maxListed: number;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
  elements: bigint;
}

/**
 * Reads a safetensors header and checks the layout the reference loader enforces: every
 * byte after the header belongs to exactly one tensor, in order, with the size its shape
 * and dtype imply. Anything else leaves room for a second payload (a pickle, a ZIP) that
 * a different reader would find.
 */
export function inspectSafetensors(src: ByteSource, sink: FindingSink, limits: SafetensorsLimits): SafetensorsDetails | undefined {
  if (src.size < 8) {
    sink.add('SAFETENSORS_HEADER_MALFORMED', `the file is ${src.size} byte(s), shorter than the 8-byte header length`, { offset: 0 });
    return undefined;
  }
  const n = src.read(0, 8).readBigUInt64LE(0);
  if (n > BigInt(limits.maxHeaderBytes)) {
    sink.add('SAFETENSORS_HEADER_TOO_LARGE', `the header claims ${n} bytes, over the ${limits.maxHeaderBytes}-byte limit; not read`, { offset: 0 });
    return undefined;
  }
  const headerLength = Number(n);
  if (8 + headerLength > src.size) {
    sink.add('SAFETENSORS_HEADER_OUT_OF_BOUNDS', `the header claims ${headerLength} bytes but only ${src.size - 8} follow the length`, { offset: 0 });
    return undefined;
  }
  if (headerLength < 2) {
    sink.add('SAFETENSORS_HEADER_MALFORMED', `a ${headerLength}-byte header cannot hold a JSON object`, { offset: 8 });
    return undefined;
  }
  const raw = src.read(8, headerLength);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    sink.add('SAFETENSORS_HEADER_MALFORMED', 'the header is not valid UTF-8', { offset: 8 });
    return undefined;
  }
  if (!text.startsWith('{')) {
    sink.add('SAFETENSORS_HEADER_MALFORMED', 'the header does not start with "{"', { offset: 8 });
    return undefined;
  }
  let header: unknown;
  try {
    header = parseStrictJson(text, 'safetensors header');
  } catch (err) {
    if (!(err instanceof JsonError)) throw err;
    const offset = 8 + Buffer.byteLength(text.slice(0, err.offset), 'utf8');
    if (err.code === 'JSON_DUPLICATE_KEY') sink.add('SAFETENSORS_DUPLICATE_KEY', `the header ${err.message}`, { offset });
    else sink.add('SAFETENSORS_HEADER_MALFORMED', `the header is not JSON: ${err.message}`, { offset });
    return undefined;
  }
  if (!isObject(header)) {
    sink.add('SAFETENSORS_HEADER_MALFORMED', 'the header is not a JSON object', { offset: 8 });
    return undefined;
  }

  const dataStart = 8 + headerLength;
  const dataSize = src.size - dataStart;
  const entries: Entry[] = [];
  let metadata: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = readMetadata(value, sink, limits.maxListed);
      continue;
    }
    const entry = readEntry(name, value, sink);
    if (entry) entries.push(entry);
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let total = 0n;
  const dtypes: Record<string, number> = {};
  for (const e of entries) {
    const at = dataStart + e.begin;
    if (e.begin > expected) {
      sink.add('SAFETENSORS_OFFSETS_GAP', `${e.begin - expected} byte(s) before tensor "${e.name}" belong to no tensor`, { offset: dataStart + expected, data: { tensor: e.name } });
    } else if (e.begin < expected) {
      sink.add('SAFETENSORS_OFFSETS_OVERLAP', `tensor "${e.name}" starts inside the previous tensor (${e.begin} < ${expected})`, { offset: at, data: { tensor: e.name } });
    }
    if (e.end > dataSize) {
      sink.add('SAFETENSORS_OFFSETS_OUT_OF_BOUNDS', `tensor "${e.name}" ends at data byte ${e.end}, past the ${dataSize} byte(s) of data`, { offset: at, data: { tensor: e.name } });
    }
    const bits = BigInt(SAFETENSORS_DTYPE_BITS[e.dtype]!);
    const totalBits = e.elements * bits;
    if (totalBits % 8n !== 0n || totalBits / 8n !== BigInt(e.end - e.begin)) {
      sink.add('SAFETENSORS_SIZE_MISMATCH', `tensor "${e.name}" is ${e.dtype}${JSON.stringify(e.shape)}, ${formatBits(totalBits)}, but its offsets span ${e.end - e.begin} byte(s)`, { offset: at, data: { tensor: e.name } });
    }
    if (e.end > expected) expected = e.end;
    total += e.elements;
    tally(dtypes, e.dtype);
  }
  if (expected < dataSize) {
    sink.add('SAFETENSORS_TRAILING_BYTES', `${dataSize - expected} byte(s) after the last tensor belong to no tensor`, { offset: dataStart + expected });
  }

  const tensors: TensorSummary[] = entries.slice(0, limits.maxListed).map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape }));
  const details: SafetensorsDetails = { kind: 'safetensors', headerLength, tensorCount: entries.length, dtypes, tensors, ...parameterCount(total) };
  if (metadata) details.metadata = metadata;
  return details;
}

function formatBits(bits: bigint): string {
  return bits % 8n === 0n ? `${bits / 8n} byte(s)` : `${bits} bits (not a whole number of bytes)`;
}

const isOffset = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function readEntry(name: string, value: unknown, sink: FindingSink): Entry | undefined {
  const bad = (why: string): undefined => {
    sink.add('SAFETENSORS_INVALID_TENSOR', `tensor "${name}" ${why}`, { data: { tensor: name } });
    return undefined;
  };
  if (!isObject(value)) return bad('is not an object');
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || SAFETENSORS_DTYPE_BITS[dtype] === undefined) return bad(`has unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isOffset)) return bad('has a shape that is not a list of non-negative integers');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isOffset(offsets[0]) || !isOffset(offsets[1])) {
    return bad('has data_offsets that are not two non-negative integers');
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) return bad(`has data_offsets [${begin}, ${end}] that end before they begin`);
  const elements = (shape as number[]).reduce((p, d) => p * BigInt(d), 1n);
  return { name, dtype, shape: shape as number[], begin, end, elements };
}

const MAX_METADATA_VALUE = 4096;

function readMetadata(value: unknown, sink: FindingSink, maxListed: number): Record<string, string> | undefined {
  if (!isObject(value)) {
    sink.add('SAFETENSORS_INVALID_METADATA', '__metadata__ is not an object');
    return undefined;
  }
  const out: Record<string, string> = {};
  let kept = 0;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      sink.add('SAFETENSORS_INVALID_METADATA', `__metadata__ value "${k}" is not a string`, { data: { key: k } });
      continue;
    }
    if (kept++ < maxListed) out[k] = v.length > MAX_METADATA_VALUE ? `${v.slice(0, MAX_METADATA_VALUE)}…` : v;
  }
  return out;
}
