import { createHash } from 'node:crypto';
import { reportChatTemplate } from './chat-template';
import type { FindingSink } from './codes';
import { parameterCount, safeNumber, tally } from './counts';
import { GGML_TYPES, GGUF_FILE_TYPES, GGUF_VALUE_SIZES, GGUF_VALUE_TYPES } from './gguf-tables';
import { Cursor, Malformed, Truncated, type ByteSource } from './source';
import type { BaseModelRef, GgufDetails, GgufScalar, GgufValue, TensorSummary } from './types';

export interface GgufLimits {
  maxHeaderBytes: number;
  maxListed: number;
  /** Chat templates up to this many bytes are checked as Jinja (CVE-2024-34359's class); longer ones are an INSPECTION_LIMIT. */
  maxTemplateBytes: number;
}

/** Metadata strings longer than this are summarised (length and a preview), never kept whole. */
const STRING_KEEP = 1024;
const PREVIEW = 256;
const KEY_MAX = 65535;
const TENSOR_NAME_MAX = 1024;
const ARRAY_VALUES_KEPT = 16;
const MAX_ARRAY_DEPTH = 2;
const MAX_DIMS = 4;
const MAX_BASE_MODELS = 64;
const HASH_CHUNK = 1024 * 1024;

const TEMPLATE_KEY = /^tokenizer\.chat_template(\.|$)/;

const BASE_MODEL_FIELDS: Record<string, keyof BaseModelRef> = {
  name: 'name',
  organization: 'organization',
  version: 'version',
  repo_url: 'repoUrl',
  url: 'url',
  doi: 'doi',
  uuid: 'uuid',
};

/**
 * Reads a GGUF (v2/v3, little-endian) header: metadata and tensor infos, never tensor data.
 * Every length and count is checked against the bytes left before anything is read, so
 * a 2^40-byte string in a 1 KB file is a finding, not an allocation.
 */
export function inspectGguf(src: ByteSource, sink: FindingSink, limits: GgufLimits): GgufDetails | undefined {
  const cur = new Cursor(src);
  const state: { details?: GgufDetails } = {};
  try {
    parse(cur, sink, limits, state);
  } catch (err) {
    if (err instanceof Truncated) sink.add('MODEL_UNPARSEABLE', `the GGUF header ends early: ${err.message}`, { offset: err.offset });
    else if (err instanceof Malformed) sink.add(err.code, err.message, { offset: err.offset });
    else throw err;
  }
  return state.details;
}

function parse(cur: Cursor, sink: FindingSink, limits: GgufLimits, state: { details?: GgufDetails }): void {
  if (cur.bytes(4).toString('latin1') !== 'GGUF') throw new Malformed('MODEL_UNPARSEABLE', 'no GGUF magic', 0);
  const version = cur.u32();
  if (version === 0x02000000 || version === 0x03000000) throw new Malformed('MODEL_UNPARSEABLE', 'big-endian GGUF is not supported', 4);
  if (version === 1) throw new Malformed('MODEL_UNPARSEABLE', 'GGUF version 1 (32-bit counts) is not supported', 4);
  if (version !== 2 && version !== 3) throw new Malformed('MODEL_UNPARSEABLE', `unknown GGUF version ${version}`, 4);
  const tensorCount = cur.u64();
  const kvCount = cur.u64();
  // The smallest key-value is 13 bytes (empty key, type, one-byte value), the smallest tensor info 24.
  if (kvCount * 13n + tensorCount * 24n > BigInt(cur.remaining())) {
    throw new Malformed('GGUF_LENGTH_OUT_OF_BOUNDS', `${kvCount} key-value(s) and ${tensorCount} tensor info(s) cannot fit in the ${cur.remaining()} byte(s) left`, 8);
  }
  const details: GgufDetails = {
    kind: 'gguf',
    version,
    tensorCount: Number(tensorCount),
    metadataCount: Number(kvCount),
    alignment: 32,
    baseModels: [],
    chatTemplates: [],
    metadata: {},
    tensors: [],
    tensorTypes: {},
  };
  state.details = details;
  const r = new Reader(cur, limits.maxHeaderBytes);

  const keys = new Set<string>();
  const general = new Map<string, GgufValue>();
  let listed = 0;
  for (let i = 0n; i < kvCount; i++) {
    const keyAt = cur.pos;
    const key = r.key();
    if (keys.has(key)) sink.add('GGUF_METADATA_INVALID', `duplicate metadata key "${key}"`, { offset: keyAt });
    keys.add(key);
    const type = cur.u32();
    if (TEMPLATE_KEY.test(key) && type === 8) {
      const t = r.hashString(limits.maxTemplateBytes);
      details.chatTemplates.push({ key, sha256: t.sha256, length: t.length });
      if (t.text === undefined) sink.add('INSPECTION_LIMIT', `"${key}" is ${t.length} bytes, over the ${limits.maxTemplateBytes}-byte limit for checking a chat template`, { offset: keyAt, data: { key } });
      else reportChatTemplate(t.text, `"${key}"`, (code, message, reasons) => sink.add(code, message, { offset: keyAt, data: { key, reasons } }));
      continue;
    }
    const value = r.value(type, 0);
    if (key.startsWith('general.') || key.startsWith('split.')) general.set(key, value);
    if (listed < limits.maxListed) {
      details.metadata[key] = value;
      listed++;
    }
  }

  const str = (k: string): string | undefined => {
    const v = general.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const num = (k: string): number | undefined => {
    const v = general.get(k);
    return typeof v === 'number' ? v : undefined;
  };
  details.architecture = str('general.architecture');
  details.name = str('general.name');
  details.fileType = num('general.file_type');
  if (details.fileType !== undefined) details.quantization = GGUF_FILE_TYPES[details.fileType] ?? `file_type ${details.fileType}`;
  const alignment = general.get('general.alignment');
  if (alignment !== undefined) {
    if (typeof alignment === 'number' && alignment > 0 && Number.isInteger(alignment) && (alignment & (alignment - 1)) === 0) details.alignment = alignment;
    else sink.add('GGUF_METADATA_INVALID', `general.alignment ${JSON.stringify(alignment)} is not a power of two`);
  }
  const baseCount = Math.min(num('general.base_model.count') ?? 0, MAX_BASE_MODELS);
  for (let i = 0; i < baseCount; i++) {
    const ref: BaseModelRef = { source: 'gguf' };
    for (const [field, prop] of Object.entries(BASE_MODEL_FIELDS)) {
      const v = str(`general.base_model.${i}.${field}`);
      if (v !== undefined) (ref as unknown as Record<string, string>)[prop] = v;
    }
    details.baseModels.push(ref);
  }

  readTensorInfos(cur, r, sink, limits, details, tensorCount);
}

function readTensorInfos(cur: Cursor, r: Reader, sink: FindingSink, limits: GgufLimits, details: GgufDetails, count: bigint): void {
  const names = new Set<string>();
  const offsets: number[] = [];
  const sizes: number[] = [];
  const infoAt: number[] = [];
  const nonF32: Record<string, number> = {};
  let total = 0n;
  const align = BigInt(details.alignment);
  for (let i = 0n; i < count; i++) {
    const at = cur.pos;
    const name = r.tensorName();
    if (names.has(name)) sink.add('GGUF_TENSOR_INVALID', `duplicate tensor name "${name}"`, { offset: at });
    names.add(name);
    const nDims = cur.u32();
    if (nDims > MAX_DIMS) throw new Malformed('GGUF_TENSOR_INVALID', `tensor "${name}" has ${nDims} dimensions (at most ${MAX_DIMS})`, at);
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) dims.push(cur.u64());
    const type = cur.u32();
    const offset = cur.u64();
    const info = GGML_TYPES[type];
    const typeName = info?.[0] ?? `type ${type}`;
    const elements = dims.reduce((p, d) => p * d, 1n);
    total += elements;
    tally(details.tensorTypes, typeName);
    if (typeName !== 'F32') tally(nonF32, typeName);
    if (details.tensors.length < limits.maxListed) {
      details.tensors.push({ name, dtype: typeName, shape: dims.map((d) => safeNumber(d) ?? d.toString()) } satisfies TensorSummary);
    }
    if (offset % align !== 0n) sink.add('GGUF_TENSOR_INVALID', `tensor "${name}" data offset ${offset} is not a multiple of the alignment ${align}`, { offset: at });
    if (!info) {
      sink.add('GGUF_TENSOR_INVALID', `tensor "${name}" has unknown ggml type ${type}`, { offset: at });
      continue;
    }
    const [, block, bytesPerBlock] = info;
    if ((dims[0] ?? 1n) % BigInt(block) !== 0n) {
      sink.add('GGUF_TENSOR_INVALID', `tensor "${name}" row of ${dims[0]} is not a multiple of the ${typeName} block (${block})`, { offset: at });
      continue;
    }
    const bytes = (elements / BigInt(block)) * BigInt(bytesPerBlock);
    const o = safeNumber(offset);
    const b = safeNumber(bytes);
    if (o === undefined || b === undefined) {
      sink.add('GGUF_TENSOR_OUT_OF_BOUNDS', `tensor "${name}" (${bytes} bytes at data offset ${offset}) lies beyond any file`, { offset: at });
      continue;
    }
    offsets.push(o);
    sizes.push(b);
    infoAt.push(at);
  }
  Object.assign(details, parameterCount(total));
  if (!details.quantization) {
    const top = Object.entries(nonF32).sort((a, b) => b[1] - a[1])[0];
    if (top) details.quantization = top[0];
  }

  const alignment = details.alignment;
  const dataStart = Math.ceil(cur.pos / alignment) * alignment;
  const dataSize = Math.max(0, cur.src.size - dataStart);
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  let prevEnd = 0;
  for (const i of order) {
    const o = offsets[i]!;
    const end = o + sizes[i]!;
    if (end > dataSize) sink.add('GGUF_TENSOR_OUT_OF_BOUNDS', `a tensor's data [${o}, ${end}) runs past the ${dataSize} byte(s) of tensor data`, { offset: infoAt[i] });
    else if (o < prevEnd) sink.add('GGUF_TENSOR_INVALID', `a tensor's data at ${o} overlaps the previous tensor (ending at ${prevEnd})`, { offset: infoAt[i] });
    prevEnd = Math.max(prevEnd, end);
  }
}

/** Bounded value reads over the cursor, with the header-size work limit. */
class Reader {
  constructor(
    private readonly cur: Cursor,
    private readonly maxHeaderBytes: number,
  ) {}

  private budget(): void {
    if (this.cur.pos > this.maxHeaderBytes) {
      throw new Malformed('INSPECTION_LIMIT', `the GGUF header runs past the ${this.maxHeaderBytes}-byte limit`, this.cur.pos);
    }
  }

  private length(what: string): bigint {
    const at = this.cur.pos;
    const len = this.cur.u64();
    if (len > BigInt(this.cur.remaining())) {
      throw new Malformed('GGUF_LENGTH_OUT_OF_BOUNDS', `${what} length ${len} at byte ${at} runs past the end of the file`, at);
    }
    return len;
  }

  key(): string {
    const at = this.cur.pos;
    const len = this.length('key');
    if (len > BigInt(KEY_MAX)) throw new Malformed('GGUF_METADATA_INVALID', `a ${len}-byte metadata key is over the ${KEY_MAX}-byte limit`, at);
    this.budget();
    return this.cur.bytes(Number(len)).toString('utf8');
  }

  tensorName(): string {
    const at = this.cur.pos;
    const len = this.length('tensor name');
    if (len > BigInt(TENSOR_NAME_MAX)) throw new Malformed('GGUF_TENSOR_INVALID', `a ${len}-byte tensor name is over the ${TENSOR_NAME_MAX}-byte limit`, at);
    this.budget();
    return this.cur.bytes(Number(len)).toString('utf8');
  }

  string(): GgufValue {
    const len = this.length('string');
    this.budget();
    if (len <= BigInt(STRING_KEEP)) return this.cur.bytes(Number(len)).toString('utf8');
    const preview = this.cur.bytes(PREVIEW).toString('utf8');
    this.cur.skip(len - BigInt(PREVIEW));
    return { type: 'string', length: Number(len), preview };
  }

  /** A string hashed in chunks; its text is kept only up to `keep` bytes (chat templates). */
  hashString(keep: number): { sha256: string; length: number; text?: string } {
    let left = this.length('string');
    const length = Number(left);
    const h = createHash('sha256');
    const parts: Buffer[] = [];
    while (left > 0n) {
      const n = left > BigInt(HASH_CHUNK) ? HASH_CHUNK : Number(left);
      const chunk = this.cur.bytes(n);
      h.update(chunk);
      if (length <= keep) parts.push(Buffer.from(chunk));
      left -= BigInt(n);
    }
    this.budget();
    return { sha256: h.digest('hex'), length, ...(length <= keep ? { text: Buffer.concat(parts).toString('utf8') } : {}) };
  }

  value(type: number, depth: number): GgufValue {
    const at = this.cur.pos;
    switch (type) {
      case 0:
        return this.cur.u8();
      case 1:
        return (this.cur.u8() << 24) >> 24;
      case 2:
        return this.cur.u16();
      case 3:
        return (this.cur.u16() << 16) >> 16;
      case 4:
        return this.cur.u32();
      case 5:
        return this.cur.i32();
      case 6:
        return this.cur.f32();
      case 7:
        return this.cur.u8() !== 0;
      case 8:
        return this.string();
      case 9:
        return this.array(depth);
      case 10: {
        const v = this.cur.u64();
        return safeNumber(v) ?? v.toString();
      }
      case 11: {
        const v = this.cur.i64();
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      }
      case 12:
        return this.cur.f64();
      default:
        throw new Malformed('GGUF_METADATA_INVALID', `unknown metadata value type ${type}`, at - 4);
    }
  }

  private array(depth: number): GgufValue {
    const at = this.cur.pos;
    const elementType = this.cur.u32();
    const count = this.cur.u64();
    const typeName = GGUF_VALUE_TYPES[elementType];
    if (typeName === undefined) throw new Malformed('GGUF_METADATA_INVALID', `unknown array element type ${elementType}`, at);
    const fixed = GGUF_VALUE_SIZES[elementType];
    // Check the whole array fits before reading any of it: the minimum per element is its
    // fixed size, 8 for a string's length, 12 for a nested array's header.
    const minEach = BigInt(fixed ?? (elementType === 8 ? 8 : 12));
    if (count * minEach > BigInt(this.cur.remaining())) {
      throw new Malformed('GGUF_LENGTH_OUT_OF_BOUNDS', `array of ${count} ${typeName} at byte ${at} runs past the end of the file`, at);
    }
    const n = Number(count);
    const values: GgufScalar[] = [];
    if (elementType === 9 && depth + 1 >= MAX_ARRAY_DEPTH) {
      throw new Malformed('GGUF_METADATA_INVALID', `arrays nested more than ${MAX_ARRAY_DEPTH} deep`, at);
    }
    if (fixed !== undefined) {
      const keep = Math.min(n, ARRAY_VALUES_KEPT);
      for (let i = 0; i < keep; i++) values.push(this.value(elementType, depth + 1) as GgufScalar);
      this.cur.skip((count - BigInt(keep)) * BigInt(fixed));
    } else {
      for (let i = 0; i < n; i++) {
        // A vocabulary is a few hundred thousand strings: keep the first few, skip the rest.
        if (elementType === 8 && i >= ARRAY_VALUES_KEPT) this.cur.skip(this.length('string'));
        else {
          const v = this.value(elementType, depth + 1);
          if (i < ARRAY_VALUES_KEPT && (typeof v !== 'object')) values.push(v);
        }
        if ((i & 0xfff) === 0) this.budget();
      }
    }
    this.budget();
    const out: GgufValue = { type: 'array', elementType: typeName, count: n };
    if (values.length > 0) out.values = values;
    return out;
  }
}
