import { lstatSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { FindingSink } from './codes';
import { parameterCount, tally } from './counts';
import { unsafeRelativePath } from './relative-path';
import { Cursor, Malformed, Truncated, type ByteSource } from './source';
import type { OnnxDetails } from './types';

/** TensorProto.DataType names. */
const ONNX_DATA_TYPES: Readonly<Record<number, string>> = {
  1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING', 9: 'BOOL', 10: 'FLOAT16',
  11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64', 15: 'COMPLEX128', 16: 'BFLOAT16', 17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ', 19: 'FLOAT8E5M2', 20: 'FLOAT8E5M2FNUZ', 21: 'UINT4', 22: 'INT4', 23: 'FLOAT4E2M1', 24: 'FLOAT8E8M0',
  25: 'UINT2', 26: 'INT2',
};

const MAX_DEPTH = 64;
const NAME_KEEP = 1024;
const VALUE_KEEP = 4096;
const MAX_LOCATIONS = 10_000;
const MAX_METADATA = 256;

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

interface External {
  tensors: number;
  /** Largest offset + length any tensor asks of the file. */
  maxEnd: bigint;
  firstAt: number;
}

/**
 * Reads an ONNX ModelProto with a bounded protobuf walk over the file: header fields,
 * opsets, and every TensorProto (initializers, Constant attributes, subgraphs, training
 * graphs, functions), skipping raw_data without reading it. External-data locations are
 * checked for escaping the model's folder and for existing next to it.
 */
export function inspectOnnx(src: ByteSource, sink: FindingSink, dir: string): OnnxDetails {
  const d: OnnxDetails = { kind: 'onnx', opsets: [], nodes: 0, initializers: 0, dataTypes: {}, externalData: [], metadata: {}, parameterCountExact: '0' };
  const w = new Walker(new Cursor(src, 0, src.size, 256 * 1024), d);
  try {
    if (src.size === 0) throw new Malformed('MODEL_UNPARSEABLE', 'an empty file is not an ONNX model', 0);
    w.model(src.size);
    if (d.irVersion === undefined && d.opsets.length === 0 && d.graphName === undefined && d.nodes === 0) {
      throw new Malformed('MODEL_UNPARSEABLE', 'no ir_version, opset or graph: not an ONNX ModelProto', 0);
    }
  } catch (err) {
    if (err instanceof Truncated) sink.add('MODEL_UNPARSEABLE', `the protobuf ends early: ${err.message}`, { offset: err.offset });
    else if (err instanceof Malformed) sink.add(err.code, err.message, { offset: err.offset });
    else throw err;
  }
  Object.assign(d, parameterCount(w.params));
  checkExternal(w.external, sink, dir, d);
  return d;
}

class Walker {
  readonly external = new Map<string, External>();
  params = 0n;

  constructor(
    private readonly cur: Cursor,
    private readonly d: OnnxDetails,
  ) {}

  private varint(): number {
    const at = this.cur.pos;
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.cur.u8();
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return value;
      mul *= 128;
    }
    throw new Malformed('MODEL_UNPARSEABLE', 'a protobuf varint is longer than 10 bytes', at);
  }

  private len(end: number): number {
    const at = this.cur.pos;
    const n = this.varint();
    if (n > end - this.cur.pos) throw new Malformed('MODEL_UNPARSEABLE', `a protobuf field of ${n} bytes runs past its message`, at);
    return n;
  }

  private string(end: number, keep: number): string {
    const n = this.len(end);
    if (n <= keep) return this.cur.bytes(n).toString('utf8');
    const s = this.cur.bytes(keep).toString('utf8');
    this.cur.skip(n - keep);
    return `${s}…`;
  }

  private skip(wire: number, end: number, at: number): void {
    switch (wire) {
      case VARINT:
        this.varint();
        return;
      case I64:
        this.cur.skip(8);
        return;
      case LEN:
        this.cur.skip(this.len(end));
        return;
      case I32:
        this.cur.skip(4);
        return;
      default:
        throw new Malformed('MODEL_UNPARSEABLE', `protobuf wire type ${wire} (groups or invalid) at byte ${at}`, at);
    }
  }

  /** Iterates the fields of a message ending at `end`; `on` returns false for fields it did not consume. */
  private fields(end: number, depth: number, on: (field: number, wire: number, end: number) => boolean): void {
    if (depth > MAX_DEPTH) throw new Malformed('MODEL_UNPARSEABLE', `messages nested deeper than ${MAX_DEPTH}`, this.cur.pos);
    while (this.cur.pos < end) {
      const at = this.cur.pos;
      const tag = this.varint();
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (field === 0) throw new Malformed('MODEL_UNPARSEABLE', `protobuf field number 0 at byte ${at}`, at);
      if (!on(field, wire, end)) this.skip(wire, end, at);
      if (this.cur.pos > end) throw new Malformed('MODEL_UNPARSEABLE', `a protobuf field at byte ${at} runs past its message`, at);
    }
  }

  private sub(end: number, depth: number, walk: (end: number, depth: number) => void): void {
    const n = this.len(end);
    walk.call(this, this.cur.pos + n, depth + 1);
  }

  model(end: number): void {
    this.fields(end, 0, (f, wire, e) => {
      if (wire === VARINT && f === 1) this.d.irVersion = this.varint();
      else if (wire === VARINT && f === 5) this.d.modelVersion = this.varint();
      else if (wire !== LEN) return false;
      else if (f === 2) this.d.producerName = this.string(e, NAME_KEEP);
      else if (f === 3) this.d.producerVersion = this.string(e, NAME_KEEP);
      else if (f === 4) this.d.domain = this.string(e, NAME_KEEP);
      else if (f === 7) this.sub(e, 0, (ge, depth) => this.graph(ge, depth, true));
      else if (f === 8) this.sub(e, 0, this.opset);
      else if (f === 14) this.sub(e, 0, this.metadataProp);
      else if (f === 20) this.sub(e, 0, this.trainingInfo);
      else if (f === 25) this.sub(e, 0, this.func);
      else return false;
      return true;
    });
  }

  private opset(end: number, depth: number): void {
    let domain = '';
    let version = 0;
    this.fields(end, depth, (f, wire, e) => {
      if (f === 1 && wire === LEN) domain = this.string(e, NAME_KEEP);
      else if (f === 2 && wire === VARINT) version = this.varint();
      else return false;
      return true;
    });
    this.d.opsets.push({ domain: domain || 'ai.onnx', version });
  }

  private metadataProp(end: number, depth: number): void {
    const [k, v] = this.keyValue(end, depth);
    if (k !== undefined && Object.keys(this.d.metadata).length < MAX_METADATA) this.d.metadata[k] = v ?? '';
  }

  private keyValue(end: number, depth: number): [string | undefined, string | undefined] {
    let key: string | undefined;
    let value: string | undefined;
    this.fields(end, depth, (f, wire, e) => {
      if (f === 1 && wire === LEN) key = this.string(e, NAME_KEEP);
      else if (f === 2 && wire === LEN) value = this.string(e, VALUE_KEEP);
      else return false;
      return true;
    });
    return [key, value];
  }

  private trainingInfo(end: number, depth: number): void {
    this.fields(end, depth, (f, wire, e) => {
      if ((f === 1 || f === 2) && wire === LEN) this.sub(e, depth, (ge, dd) => this.graph(ge, dd, false));
      else return false;
      return true;
    });
  }

  private func(end: number, depth: number): void {
    this.fields(end, depth, (f, wire, e) => {
      if (f === 7 && wire === LEN) this.sub(e, depth, this.node);
      else if (f === 11 && wire === LEN) this.sub(e, depth, this.attribute);
      else return false;
      return true;
    });
  }

  private graph(end: number, depth: number, main: boolean): void {
    this.fields(end, depth, (f, wire, e) => {
      if (wire !== LEN) return false;
      if (f === 1) this.sub(e, depth, this.node);
      else if (f === 2 && main && depth === 1) this.d.graphName = this.string(e, NAME_KEEP);
      else if (f === 5) this.sub(e, depth, (te, dd) => this.tensor(te, dd, main));
      else if (f === 15) this.sub(e, depth, (se, dd) => this.sparse(se, dd, main));
      else return false;
      return true;
    });
  }

  private node(end: number, depth: number): void {
    this.d.nodes++;
    this.fields(end, depth, (f, wire, e) => {
      if (f === 5 && wire === LEN) this.sub(e, depth, this.attribute);
      else return false;
      return true;
    });
  }

  private attribute(end: number, depth: number): void {
    this.fields(end, depth, (f, wire, e) => {
      if (wire !== LEN) return false;
      if (f === 5 || f === 10) this.sub(e, depth, (te, dd) => this.tensor(te, dd, false));
      else if (f === 6 || f === 11) this.sub(e, depth, (ge, dd) => this.graph(ge, dd, false));
      else if (f === 22 || f === 23) this.sub(e, depth, (se, dd) => this.sparse(se, dd, false));
      else return false;
      return true;
    });
  }

  private sparse(end: number, depth: number, initializer: boolean): void {
    this.fields(end, depth, (f, wire, e) => {
      if (f === 1 && wire === LEN) this.sub(e, depth, (te, dd) => this.tensor(te, dd, initializer));
      else if (f === 2 && wire === LEN) this.sub(e, depth, (te, dd) => this.tensor(te, dd, false));
      else return false;
      return true;
    });
  }

  private tensor(end: number, depth: number, initializer: boolean): void {
    const at = this.cur.pos;
    const dims: number[] = [];
    let dataType = 0;
    let location: string | undefined;
    let offset = '0';
    let length: string | undefined;
    let external = false;
    let hasExternalEntries = false;
    this.fields(end, depth, (f, wire, e) => {
      if (f === 1 && wire === VARINT) dims.push(this.varint());
      else if (f === 1 && wire === LEN) {
        const size = this.len(e);
        const stop = this.cur.pos + size;
        while (this.cur.pos < stop) dims.push(this.varint());
      } else if (f === 2 && wire === VARINT) dataType = this.varint();
      else if (f === 14 && wire === VARINT) external = this.varint() === 1;
      else if (f === 13 && wire === LEN) {
        hasExternalEntries = true;
        this.sub(e, depth, (ke, dd) => {
          const [k, v] = this.keyValue(ke, dd);
          if (k === 'location') location = v;
          else if (k === 'offset' && v !== undefined) offset = v;
          else if (k === 'length' && v !== undefined) length = v;
        });
      } else return false;
      return true;
    });
    if (initializer) {
      this.d.initializers++;
      tally(this.d.dataTypes, ONNX_DATA_TYPES[dataType] ?? `type ${dataType}`);
      // A negative dim arrives as a 10-byte varint near 2^64: not a safe integer, not counted.
      if (dims.every((x) => Number.isSafeInteger(x))) this.params += dims.reduce((p, x) => p * BigInt(x), 1n);
    }
    // onnx and onnxruntime only follow external_data when data_location is EXTERNAL, but
    // a location is checked for traversal whenever it is present.
    if (!external && !hasExternalEntries) return;
    const key = location ?? '';
    let entry = this.external.get(key);
    if (!entry) {
      if (this.external.size >= MAX_LOCATIONS) throw new Malformed('INSPECTION_LIMIT', `more than ${MAX_LOCATIONS} distinct external-data locations`, at);
      entry = { tensors: 0, maxEnd: 0n, firstAt: at };
      this.external.set(key, entry);
    }
    entry.tensors++;
    if (!/^\d+$/.test(offset) || (length !== undefined && !/^\d+$/.test(length))) {
      entry.maxEnd = -1n;
    } else if (entry.maxEnd >= 0n) {
      // Without a length the tensor runs to the end of the file: the offset must still be in it.
      const endAt = BigInt(offset) + BigInt(length ?? '0');
      if (endAt > entry.maxEnd) entry.maxEnd = endAt;
    }
  }
}

function checkExternal(external: Map<string, External>, sink: FindingSink, dir: string, d: OnnxDetails): void {
  let realDir: string | undefined;
  try {
    realDir = realpathSync(dir);
  } catch {
    realDir = undefined;
  }
  for (const [location, e] of external) {
    const item: OnnxDetails['externalData'][number] = { location, tensors: e.tensors };
    d.externalData.push(item);
    if (location === '') {
      sink.add('ONNX_EXTERNAL_DATA_INVALID', `${e.tensors} tensor(s) keep their data externally but name no location`, { offset: e.firstAt });
      continue;
    }
    const why = unsafeRelativePath(location);
    if (why) {
      sink.add('ONNX_EXTERNAL_DATA_TRAVERSAL', `external-data location "${location}" ${why}`, { offset: e.firstAt, data: { location } });
      continue;
    }
    if (e.maxEnd < 0n) sink.add('ONNX_EXTERNAL_DATA_INVALID', `external data in "${location}" has an offset or length that is not a decimal integer`, { offset: e.firstAt });
    const target = join(dir, location);
    let size: number;
    try {
      const st = lstatSync(target);
      if (st.isSymbolicLink()) {
        const real = realpathSync(target);
        if (realDir === undefined || !real.startsWith(realDir + sep)) {
          item.exists = true;
          sink.add('ONNX_EXTERNAL_DATA_TRAVERSAL', `external-data location "${location}" is a symbolic link to ${real}, outside the model's folder`, { offset: e.firstAt, data: { location } });
          continue;
        }
      }
      const real = statSync(target);
      if (!real.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      size = real.size;
      item.exists = true;
    } catch (err) {
      item.exists = false;
      const code = (err as NodeJS.ErrnoException).code;
      const why2 = code === 'ENOENT' || code === 'ENOTDIR' ? 'is not next to the model' : `cannot be read (${code ?? (err as Error).message})`;
      sink.add('ONNX_EXTERNAL_DATA_MISSING', `external-data file "${location}" ${why2}`, { offset: e.firstAt, data: { location } });
      continue;
    }
    if (e.maxEnd > BigInt(size)) {
      sink.add('ONNX_EXTERNAL_DATA_OUT_OF_BOUNDS', `tensors read up to byte ${e.maxEnd} of "${location}", which has ${size}`, { offset: e.firstAt, data: { location } });
    }
  }
}
