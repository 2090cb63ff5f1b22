import { Malformed, type ByteSource } from './source';
import type { NpyDetails } from './types';

/** `\x93NUMPY`: the NumPy array file magic. */
export const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
/** numpy refuses headers over 10,000 bytes by default; this reader reads up to 1 MiB. */
const MAX_HEADER = 1024 * 1024;

export interface NpyHeader extends NpyDetails {
  /** Where the array data (or, for an object array, the pickle) starts. */
  dataOffset: number;
}

/**
 * Reads a NumPy `.npy` header (format versions 1.0, 2.0, 3.0): magic, version, a length,
 * then a Python dict literal with `descr`, `fortran_order` and `shape`. An object dtype
 * (`|O`, alone or as a field of a structured dtype) means the data is a pickle, which
 * `numpy.load(allow_pickle=True)` unpickles. Throws Malformed on anything else.
 */
export function readNpyHeader(src: ByteSource): NpyHeader {
  const bad = (why: string, at = 0): Malformed => new Malformed('MODEL_UNPARSEABLE', `.npy ${why}`, at);
  if (src.size < 10 || !src.read(0, 6).equals(NPY_MAGIC)) throw bad('has no \\x93NUMPY magic');
  const [major, minor] = src.read(6, 2);
  let len: number;
  let at: number;
  if (major === 1) {
    len = src.read(8, 2).readUInt16LE(0);
    at = 10;
  } else if (major === 2 || major === 3) {
    if (src.size < 12) throw bad('ends inside its header length', 8);
    len = src.read(8, 4).readUInt32LE(0);
    at = 12;
  } else throw bad(`format version ${major}.${minor} is unknown`, 6);
  if (len > MAX_HEADER) throw new Malformed('INSPECTION_LIMIT', `.npy header of ${len} bytes is over the ${MAX_HEADER}-byte limit`, 8);
  if (at + len > src.size) throw bad(`header of ${len} bytes runs past the end of the data`, 8);
  const text = src.read(at, len).toString(major === 3 ? 'utf8' : 'latin1');
  let dict: unknown;
  try {
    dict = new PyLiteral(text).value();
  } catch (err) {
    throw bad(`header is not a Python dict literal: ${(err as Error).message}`, at);
  }
  if (!(dict instanceof Map) || !dict.has('descr') || !dict.has('shape')) throw bad('header has no descr or shape', at);
  const descr = dict.get('descr');
  const shape = dict.get('shape');
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) throw bad('shape is not a tuple of integers', at);
  return {
    kind: 'npy',
    version: `${major}.${minor}`,
    descr: JSON.stringify(descr instanceof Map ? Object.fromEntries(descr) : descr),
    shape: shape as number[],
    fortranOrder: dict.get('fortran_order') === true,
    objectArray: hasObjectType(descr),
    dataOffset: at + len,
  };
}

/** Whether a dtype descr holds Python objects: 'O' itself, or a structured field of it. */
function hasObjectType(descr: unknown): boolean {
  if (typeof descr === 'string') return /^[<>|=]?O\d*$/.test(descr);
  if (Array.isArray(descr)) {
    // A structured dtype: [(name, type[, shape]), …]; the type may itself be structured.
    return descr.some((field) => Array.isArray(field) && field.length >= 2 && hasObjectType(field[1]));
  }
  if (descr instanceof Map) return [...descr.values()].some(hasObjectType);
  return false;
}

/** The Python literals an .npy header uses: dicts, tuples, lists, strings, ints, booleans, None. */
class PyLiteral {
  private i = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  value(): unknown {
    const v = this.parse();
    this.ws();
    if (this.i < this.s.length) throw new Error(`unexpected "${this.s[this.i]}" at ${this.i}`);
    return v;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private parse(): unknown {
    if (++this.depth > 64) throw new Error('nested too deep');
    try {
      this.ws();
      const c = this.s[this.i];
      if (c === '{') return this.seq('}', true);
      if (c === '(') return this.seq(')', false);
      if (c === '[') return this.seq(']', false);
      if (c === "'" || c === '"') return this.str(c);
      const word = /^(True|False|None|[+-]?\d+)/.exec(this.s.slice(this.i, this.i + 32));
      if (!word) throw new Error(`unexpected "${c ?? 'end'}" at ${this.i}`);
      this.i += word[0].length;
      return word[0] === 'True' ? true : word[0] === 'False' ? false : word[0] === 'None' ? null : Number(word[0]);
    } finally {
      this.depth--;
    }
  }

  private seq(close: string, dict: boolean): unknown {
    this.i++;
    const items: unknown[] = [];
    const map = new Map<unknown, unknown>();
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return dict ? map : items;
      }
      const v = this.parse();
      if (dict) {
        this.ws();
        if (this.s[this.i++] !== ':') throw new Error('dict key without ":"');
        map.set(v, this.parse());
      } else items.push(v);
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new Error(`expected "," or "${close}" at ${this.i}`);
    }
  }

  private str(q: string): string {
    const end = this.s.indexOf(q, this.i + 1);
    if (end < 0) throw new Error('unterminated string');
    const v = this.s.slice(this.i + 1, end);
    if (v.includes('\\')) throw new Error('escapes in a dtype string');
    this.i = end + 1;
    return v;
  }
}
