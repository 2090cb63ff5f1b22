/**
 * Byte-by-byte builders for the formats the inspectors read, so every test file is
 * made in the test: no downloads, no Python, no torch.
 */
import { crc32, deflateRawSync } from 'node:zlib';

// ---------------------------------------------------------------- safetensors

export interface StTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** Element size in bytes, to size the data (default from the dtype). */
  bytes?: number;
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, I8: 1, BOOL: 1, F64: 8 };

/** A valid safetensors file: tensors laid out back to back in the order given. */
export function safetensors(tensors: StTensor[], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let at = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((p, d) => p * d, 1) * (t.bytes ?? DTYPE_BYTES[t.dtype]!);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + n] };
    at += n;
  }
  return safetensorsRaw(JSON.stringify(header), at);
}

/** A safetensors file from header text as given and `dataBytes` bytes of data. */
export function safetensorsRaw(headerText: string, dataBytes: number, lengthOverride?: bigint): Buffer {
  const h = Buffer.from(headerText, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthOverride ?? BigInt(h.length));
  return Buffer.concat([len, h, Buffer.alloc(dataBytes, 0x11)]);
}

// ---------------------------------------------------------------- GGUF

export type GgufKv =
  | [key: string, type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'u64' | 'i64' | 'f64', value: number | bigint | boolean]
  | [key: string, type: 'string', value: string]
  | [key: string, type: 'array-string', value: string[]]
  | [key: string, type: 'array-u32', value: number[]];

export const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};
export const u64 = (v: number | bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
};
export const ggufString = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([u64(b.length), b]);
};

const SCALAR: Record<string, [type: number, write: (v: number | bigint | boolean) => Buffer]> = {
  u8: [0, (v) => Buffer.from([Number(v)])],
  i8: [1, (v) => Buffer.from([Number(v) & 0xff])],
  u16: [2, (v) => { const b = Buffer.alloc(2); b.writeUInt16LE(Number(v)); return b; }],
  i16: [3, (v) => { const b = Buffer.alloc(2); b.writeInt16LE(Number(v)); return b; }],
  u32: [4, (v) => u32(Number(v))],
  i32: [5, (v) => { const b = Buffer.alloc(4); b.writeInt32LE(Number(v)); return b; }],
  f32: [6, (v) => { const b = Buffer.alloc(4); b.writeFloatLE(Number(v)); return b; }],
  bool: [7, (v) => Buffer.from([v ? 1 : 0])],
  u64: [10, (v) => u64(BigInt(v as number))],
  i64: [11, (v) => { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(v as number)); return b; }],
  f64: [12, (v) => { const b = Buffer.alloc(8); b.writeDoubleLE(Number(v)); return b; }],
};

export function ggufKv(kv: GgufKv): Buffer {
  const [key, type, value] = kv;
  const k = ggufString(key);
  if (type === 'string') return Buffer.concat([k, u32(8), ggufString(value as string)]);
  if (type === 'array-string') {
    const v = value as string[];
    return Buffer.concat([k, u32(9), u32(8), u64(v.length), ...v.map(ggufString)]);
  }
  if (type === 'array-u32') {
    const v = value as number[];
    return Buffer.concat([k, u32(9), u32(4), u64(v.length), ...v.map(u32)]);
  }
  const [code, write] = SCALAR[type]!;
  return Buffer.concat([k, u32(code), write(value as number)]);
}

export interface GgufTensor {
  name: string;
  dims: number[];
  /** ggml type (0 F32, 1 F16, 12 Q4_K…). */
  type: number;
  offset: number;
}

/** A GGUF v3 file: header, metadata, tensor infos, padding to 32, then `dataBytes` of data. */
export function gguf(kvs: GgufKv[], tensors: GgufTensor[], dataBytes: number, version = 3): Buffer {
  const head = Buffer.concat([Buffer.from('GGUF'), u32(version), u64(tensors.length), u64(kvs.length), ...kvs.map(ggufKv)]);
  const infos = tensors.map((t) => Buffer.concat([ggufString(t.name), u32(t.dims.length), ...t.dims.map(u64), u32(t.type), u64(t.offset)]));
  const body = Buffer.concat([head, ...infos]);
  const pad = (32 - (body.length % 32)) % 32;
  return Buffer.concat([body, Buffer.alloc(pad), Buffer.alloc(dataBytes, 0x22)]);
}

// ---------------------------------------------------------------- pickle

/** Pickle opcodes as byte builders; concatenate them with Buffer.concat. */
export const op = {
  PROTO: (v: number) => Buffer.from([0x80, v]),
  FRAME: (n: number) => Buffer.concat([Buffer.from([0x95]), u64(n)]),
  MARK: Buffer.from('('),
  STOP: Buffer.from('.'),
  EMPTY_DICT: Buffer.from('}'),
  EMPTY_TUPLE: Buffer.from(')'),
  NONE: Buffer.from('N'),
  NEWFALSE: Buffer.from([0x89]),
  TUPLE: Buffer.from('t'),
  TUPLE1: Buffer.from([0x85]),
  TUPLE2: Buffer.from([0x86]),
  TUPLE3: Buffer.from([0x87]),
  REDUCE: Buffer.from('R'),
  BUILD: Buffer.from('b'),
  SETITEM: Buffer.from('s'),
  SETITEMS: Buffer.from('u'),
  BINPERSID: Buffer.from('Q'),
  MEMOIZE: Buffer.from([0x94]),
  STACK_GLOBAL: Buffer.from([0x93]),
  GLOBAL: (module: string, name: string) => Buffer.from(`c${module}\n${name}\n`, 'utf8'),
  INST: (module: string, name: string) => Buffer.from(`i${module}\n${name}\n`, 'utf8'),
  BINPUT: (i: number) => Buffer.from([0x71, i]),
  BINGET: (i: number) => Buffer.from([0x68, i]),
  LONG_BINGET: (i: number) => Buffer.concat([Buffer.from('j'), u32(i)]),
  BININT1: (v: number) => Buffer.from([0x4b, v]),
  BININT: (v: number) => {
    const b = Buffer.alloc(5);
    b[0] = 0x4a;
    b.writeInt32LE(v, 1);
    return b;
  },
  SHORT_BINUNICODE: (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([0x8c, b.length]), b]);
  },
  BINUNICODE: (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from('X'), u32(b.length), b]);
  },
  BINUNICODE8: (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([0x8d]), u64(b.length), b]);
  },
  BYTEARRAY8: (b: Buffer) => Buffer.concat([Buffer.from([0x96]), u64(b.length), b]),
  LONG4: (b: Buffer) => {
    const h = Buffer.alloc(5);
    h[0] = 0x8b;
    h.writeInt32LE(b.length, 1);
    return Buffer.concat([h, b]);
  },
  SHORT_BINBYTES: (b: Buffer) => Buffer.concat([Buffer.from([0x43, b.length]), b]),
};

/** Parts joined, with the offset where each part starts, so tests can name exact opcode offsets. */
export function assemble(parts: Buffer[]): { bytes: Buffer; offsets: number[] } {
  const offsets: number[] = [];
  let at = 0;
  for (const p of parts) {
    offsets.push(at);
    at += p.length;
  }
  return { bytes: Buffer.concat(parts), offsets };
}

/**
 * A state-dict-like pickle as torch.save writes it: OrderedDict of tensors rebuilt by
 * _rebuild_tensor_v2 over persistent-id storages ('storage', FloatStorage, key, 'cpu', numel).
 */
export function stateDictPickle(protocol: 2 | 4): Buffer {
  const tensor = (key: string, numel: number, shape: number[], memoBase: number): Buffer[] => [
    protocol === 4 ? Buffer.concat([op.SHORT_BINUNICODE('torch._utils'), op.MEMOIZE, op.SHORT_BINUNICODE('_rebuild_tensor_v2'), op.MEMOIZE, op.STACK_GLOBAL]) : op.GLOBAL('torch._utils', '_rebuild_tensor_v2'),
    op.MARK,
    op.MARK,
    op.SHORT_BINUNICODE('storage'),
    protocol === 4 ? Buffer.concat([op.SHORT_BINUNICODE('torch'), op.MEMOIZE, op.SHORT_BINUNICODE('FloatStorage'), op.MEMOIZE, op.STACK_GLOBAL]) : op.GLOBAL('torch', 'FloatStorage'),
    op.SHORT_BINUNICODE(key),
    op.SHORT_BINUNICODE('cpu'),
    op.BININT1(numel),
    op.TUPLE,
    op.BINPERSID,
    op.BININT1(0),
    Buffer.concat(shape.map(op.BININT1)),
    shape.length === 1 ? op.TUPLE1 : op.TUPLE2,
    op.BININT1(1),
    op.TUPLE1,
    op.NEWFALSE,
    protocol === 4 ? Buffer.concat([op.SHORT_BINUNICODE('collections'), op.MEMOIZE, op.SHORT_BINUNICODE('OrderedDict'), op.MEMOIZE, op.STACK_GLOBAL]) : op.GLOBAL('collections', 'OrderedDict'),
    op.EMPTY_TUPLE,
    op.REDUCE,
    op.TUPLE,
    op.REDUCE,
    ...(memoBase >= 0 ? [op.BINPUT(memoBase)] : []),
  ];
  const body = Buffer.concat([
    protocol === 4 ? Buffer.concat([op.SHORT_BINUNICODE('collections'), op.MEMOIZE, op.SHORT_BINUNICODE('OrderedDict'), op.MEMOIZE, op.STACK_GLOBAL, op.MEMOIZE]) : Buffer.concat([op.GLOBAL('collections', 'OrderedDict'), op.BINPUT(0)]),
    op.EMPTY_TUPLE,
    op.REDUCE,
    op.MARK,
    op.SHORT_BINUNICODE('layer.weight'),
    ...tensor('0', 12, [3, 4], protocol === 2 ? 1 : -1),
    op.SHORT_BINUNICODE('layer.bias'),
    ...tensor('1', 3, [3], protocol === 2 ? 2 : -1),
    op.SETITEMS,
    op.STOP,
  ]);
  if (protocol === 2) return Buffer.concat([op.PROTO(2), body]);
  return Buffer.concat([op.PROTO(4), op.FRAME(body.length), body]);
}

// ---------------------------------------------------------------- ZIP

export interface ZipMember {
  name: string;
  data: Buffer;
  deflate?: boolean;
}

/** A ZIP as PyTorch and Python write it: local headers, data, central directory, end record. */
export function zip(members: ZipMember[], options: { zip64?: boolean; prepend?: Buffer } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let at = options.prepend?.length ?? 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const body = m.deflate ? deflateRawSync(m.data) : m.data;
    const crc = crc32(m.data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x800, 6);
    lh.writeUInt16LE(m.deflate ? 8 : 0, 8);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(m.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x800, 8);
    ch.writeUInt16LE(m.deflate ? 8 : 0, 10);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(m.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(at, 42);
    locals.push(lh, name, body);
    centrals.push(ch, name);
    at += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const cdOffset = at;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  const tail: Buffer[] = [];
  if (options.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(members.length), 24);
    rec.writeBigUInt64LE(BigInt(members.length), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(cdOffset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
    eocd.writeUInt16LE(0xffff, 8);
    eocd.writeUInt16LE(0xffff, 10);
    eocd.writeUInt32LE(0xffffffff, 12);
    eocd.writeUInt32LE(0xffffffff, 16);
  } else {
    eocd.writeUInt16LE(members.length, 8);
    eocd.writeUInt16LE(members.length, 10);
    eocd.writeUInt32LE(cd.length, 12);
    eocd.writeUInt32LE(cdOffset, 16);
  }
  return Buffer.concat([options.prepend ?? Buffer.alloc(0), ...locals, cd, ...tail, eocd]);
}

/** A PyTorch-style checkpoint: archive/data.pkl, archive/data/0, archive/version. */
export function torchZip(pickle: Buffer, deflate = false, options: { zip64?: boolean } = {}): Buffer {
  return zip(
    [
      { name: 'archive/data.pkl', data: pickle, deflate },
      { name: 'archive/data/0', data: Buffer.alloc(60) },
      { name: 'archive/data/1', data: Buffer.alloc(12) },
      { name: 'archive/version', data: Buffer.from('3\n') },
    ],
    options,
  );
}

// ---------------------------------------------------------------- protobuf (ONNX)

export function varint(v: number | bigint): Buffer {
  let n = BigInt(v);
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return Buffer.from(out);
}
export const pbVarint = (field: number, v: number | bigint): Buffer => Buffer.concat([varint(field * 8), varint(v)]);
export const pbBytes = (field: number, b: Buffer | string): Buffer => {
  const body = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return Buffer.concat([varint(field * 8 + 2), varint(body.length), body]);
};

/** TensorProto with external data: dims, FLOAT, name, external_data entries, data_location EXTERNAL. */
export function onnxExternalTensor(name: string, dims: number[], location: string, offset = 0, length?: number): Buffer {
  const kv = (k: string, v: string): Buffer => pbBytes(13, Buffer.concat([pbBytes(1, k), pbBytes(2, v)]));
  const n = dims.reduce((p, d) => p * d, 1) * 4;
  return Buffer.concat([
    ...dims.map((d) => pbVarint(1, d)),
    pbVarint(2, 1),
    pbBytes(8, name),
    kv('location', location),
    kv('offset', String(offset)),
    kv('length', String(length ?? n)),
    pbVarint(14, 1),
  ]);
}

/** TensorProto with inline raw_data, dims packed. */
export function onnxInlineTensor(name: string, dims: number[]): Buffer {
  const n = dims.reduce((p, d) => p * d, 1) * 4;
  return Buffer.concat([pbBytes(1, Buffer.concat(dims.map(varint))), pbVarint(2, 1), pbBytes(8, name), pbBytes(9, Buffer.alloc(n, 0x33))]);
}

/** ModelProto: ir_version 8, producer, opset 17, a graph with one node and the initializers given. */
export function onnxModel(initializers: Buffer[], options: { producer?: string; version?: string } = {}): Buffer {
  const node = Buffer.concat([pbBytes(1, 'x'), pbBytes(1, 'w'), pbBytes(2, 'y'), pbBytes(4, 'MatMul')]);
  const graph = Buffer.concat([pbBytes(1, node), pbBytes(2, 'main'), ...initializers.map((t) => pbBytes(5, t))]);
  return Buffer.concat([
    pbVarint(1, 8),
    pbBytes(2, options.producer ?? 'pytorch'),
    pbBytes(3, options.version ?? '2.6.0'),
    pbBytes(7, graph),
    pbBytes(8, Buffer.concat([pbBytes(1, ''), pbVarint(2, 17)])),
    pbBytes(8, Buffer.concat([pbBytes(1, 'com.microsoft'), pbVarint(2, 1)])),
  ]);
}
