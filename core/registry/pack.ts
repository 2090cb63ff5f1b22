import type { EntryFacts } from './facts';

/**
 * The reverse index's snapshot file: every entry's facts in one immutable binary file that a
 * reader maps in one read and queries without parsing it (no JSON, no map building), so a fresh
 * process answers "who consumed digest X" in microseconds per hop.
 *
 * Layout (all integers little-endian uint32; NONE = 0xFFFFFFFF):
 *
 *   header   magic "MPRX", format 2, then the length (in uint32 words) of each section below
 *   digests  every digest named (entry ids, subjects, inputs), 32 raw bytes each, ascending
 *   bucket   65,537 words: the first digest index for each 16-bit prefix (then binary search)
 *   strings  offsets (n + 1 words) and UTF-8 bytes (padded to a word)
 *   entries  10 words each: id digest, predicateType, stage, signer, signerLabel, time, runId,
 *            builderId, detail (string indexes), reserved
 *   subjects per entry: start offsets (n + 1), then (digest, name) pairs
 *   inputs   per entry: start offsets (n + 1), then (digest, role, name) triples
 *   bySubject, byInput      CSR over digests: offsets (digests + 1) and entry indexes
 *   keys                    the string indexes of every signer and predicate type, ascending
 *   bySigner, byType        CSR over those keys: offsets (keys + 1) and entry indexes
 */
const MAGIC = 0x5852504d; // "MPRX"
const FORMAT = 2;
const NONE = 0xffffffff;
const FIELDS = 10;
const SECTIONS = 18;
const HEADER_WORDS = 2 + SECTIONS;

export class PackFormatError extends Error {}

/**
 * Encodes facts (in any order; sorted here by id so equal sets give equal bytes). Streams: each
 * fact is reduced to a row of numbers as it arrives (digests and strings interned), so a caller
 * that passes a generator (the cold build) never holds every entry's facts at once.
 */
export function encodePack(all: Iterable<EntryFacts>): Buffer {
  const digestIds = new Map<string, number>();
  const digestList: string[] = [];
  const dig = (d: string): number => {
    let i = digestIds.get(d);
    if (i === undefined) {
      i = digestList.length;
      digestList.push(d);
      digestIds.set(d, i);
    }
    return i;
  };
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const str = (x: string | undefined): number => {
    if (x === undefined) return NONE;
    let i = stringIndex.get(x);
    if (i === undefined) {
      i = strings.length;
      strings.push(x);
      stringIndex.set(x, i);
    }
    return i;
  };
  // One row per entry: [id, 8 string fields, subject count, (digest, name)…, (digest, role, name)…]
  const rows: number[][] = [];
  let nSubj = 0;
  let nInp = 0;
  for (const f of all) {
    const row = [dig(f.id), str(f.predicateType), str(f.stage), str(f.signer), str(f.signerLabel), str(f.time), str(f.runId), str(f.builderId), str(f.detail), f.subjects.length];
    for (const x of f.subjects) row.push(dig(x.digest), str(x.name));
    for (const x of f.inputs) row.push(dig(x.digest), str(x.role), str(x.name));
    nSubj += f.subjects.length;
    nInp += f.inputs.length;
    rows.push(row);
  }
  // `sha256:` + lowercase hex sorts like the raw bytes.
  const order = digestList.map((_, i) => i).sort((a, b) => (digestList[a]! < digestList[b]! ? -1 : digestList[a]! > digestList[b]! ? 1 : 0));
  const rank = new Uint32Array(digestList.length);
  order.forEach((d, r) => (rank[d] = r));
  const digests = order.map((i) => digestList[i]!);
  rows.sort((a, b) => rank[a[0]!]! - rank[b[0]!]!);

  // Strings are renumbered in order of first use over the sorted rows, so equal sets of entries
  // give equal bytes whatever order they arrived in.
  const strRank = new Int32Array(strings.length).fill(-1);
  const ranked: string[] = [];
  const re = (i: number): number => {
    if (i === NONE) return NONE;
    if (strRank[i]! < 0) {
      strRank[i] = ranked.length;
      ranked.push(strings[i]!);
    }
    return strRank[i]!;
  };
  const n = rows.length;
  const entries = new Uint32Array(n * FIELDS);
  const subjStart = new Uint32Array(n + 1);
  const inpStart = new Uint32Array(n + 1);
  const subj = new Uint32Array(nSubj * 2);
  const inp = new Uint32Array(nInp * 3);
  let si = 0;
  let ii = 0;
  for (let e = 0; e < n; e++) {
    const row = rows[e]!;
    const o = e * FIELDS;
    entries[o] = rank[row[0]!]!;
    for (let k = 1; k <= 8; k++) entries[o + k] = re(row[k]!);
    entries[o + 9] = NONE;
    const subjects = row[9]!;
    subjStart[e] = si;
    let k = 10;
    for (let j = 0; j < subjects; j++, k += 2) {
      subj[2 * si] = rank[row[k]!]!;
      subj[2 * si + 1] = re(row[k + 1]!);
      si++;
    }
    inpStart[e] = ii;
    for (; k < row.length; k += 3) {
      inp[3 * ii] = rank[row[k]!]!;
      inp[3 * ii + 1] = re(row[k + 1]!);
      inp[3 * ii + 2] = re(row[k + 2]!);
      ii++;
    }
  }
  subjStart[n] = si;
  inpStart[n] = ii;
  rows.length = 0;
  strings.length = 0;
  for (const x of ranked) strings.push(x);

  /** Compressed rows: for each key, the entries naming it (once each, in entry order). */
  const csr = (keys: number, rows: Uint32Array, stride: number, start: Uint32Array): [Uint32Array, Uint32Array] => {
    const off = new Uint32Array(keys + 1);
    const each = (fn: (key: number, e: number) => void): void => {
      for (let e = 0; e < n; e++) {
        for (let k = start[e]!; k < start[e + 1]!; k++) {
          const key = rows[k * stride]!;
          let dup = false;
          for (let j = start[e]!; j < k; j++) if (rows[j * stride] === key) dup = true;
          if (!dup) fn(key, e);
        }
      }
    };
    each((key) => off[key + 1]!++);
    for (let i = 0; i < keys; i++) off[i + 1]! += off[i]!;
    const out = new Uint32Array(off[keys]!);
    const fill = off.slice(0, keys);
    each((key, e) => (out[fill[key]!++] = e));
    return [off, out];
  };
  const nDigests = digests.length;
  const [bySubjOff, bySubj] = csr(nDigests, subj, 2, subjStart);
  const [byInpOff, byInp] = csr(nDigests, inp, 3, inpStart);
  const nStrings = strings.length;
  const one = new Uint32Array(n + 1);
  for (let e = 0; e <= n; e++) one[e] = e;
  const signerCol = new Uint32Array(n);
  const typeCol = new Uint32Array(n);
  for (let e = 0; e < n; e++) {
    signerCol[e] = entries[e * FIELDS + 3]!;
    typeCol[e] = entries[e * FIELDS + 1]!;
  }
  const signedOnly = (col: Uint32Array): Uint32Array => {
    // Entries without a signer name no key: give them an empty row.
    const start = new Uint32Array(n + 1);
    let k = 0;
    for (let e = 0; e < n; e++) {
      start[e] = k;
      if (col[e] !== NONE) k++;
    }
    start[n] = k;
    return start;
  };
  // Signers and predicate types are few: their rows are keyed by a compact list of them.
  const keyList = [...new Set([...signerCol, ...typeCol].filter((x) => x !== NONE))].sort((a, b) => a - b);
  const keyOf = new Map(keyList.map((k, i) => [k, i]));
  const signerStart = signedOnly(signerCol);
  const signerRows = new Uint32Array(signerStart[n]!);
  for (let e = 0; e < n; e++) if (signerCol[e] !== NONE) signerRows[signerStart[e]!] = keyOf.get(signerCol[e]!)!;
  const typeRows = typeCol.map((x) => keyOf.get(x)!);
  const [bySignOff, bySign] = csr(keyList.length, signerRows, 1, signerStart);
  const [byTypeOff, byType] = csr(keyList.length, typeRows, 1, one);

  const digestBytes = Buffer.alloc(nDigests * 32);
  const bucket = new Uint32Array(65537);
  for (let i = 0; i < nDigests; i++) {
    const d = digests[i]!;
    bucket[Number.parseInt(d.slice(7, 11), 16) + 1]!++;
  }
  Buffer.from(digests.map((d) => d.slice(7)).join(''), 'hex').copy(digestBytes);
  for (let p = 0; p < 65536; p++) bucket[p + 1]! += bucket[p]!;
  // Written straight into one buffer: no intermediate Buffer per string.
  const strOff = new Uint32Array(nStrings + 1);
  for (let i = 0; i < nStrings; i++) strOff[i + 1] = strOff[i]! + Buffer.byteLength(strings[i]!, 'utf8');
  const strBytes = Buffer.alloc(Math.ceil(strOff[nStrings]! / 4) * 4);
  for (let i = 0; i < nStrings; i++) strBytes.write(strings[i]!, strOff[i]!, 'utf8');

  const sections: Uint8Array[] = [digestBytes, u8(bucket), u8(strOff), strBytes, u8(entries), u8(subjStart), u8(subj), u8(inpStart), u8(inp), u8(bySubjOff), u8(bySubj), u8(byInpOff), u8(byInp), u8(bySignOff), u8(bySign), u8(byTypeOff), u8(byType), u8(Uint32Array.from(keyList))];
  const header = new Uint32Array(HEADER_WORDS);
  header[0] = MAGIC;
  header[1] = FORMAT;
  sections.forEach((x, i) => (header[2 + i] = x.byteLength / 4));
  return Buffer.concat([u8(header), ...sections]);
}

function u8(a: Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A read-only view over one pack file's bytes; every query reads only what it returns. */
export class PackView {
  readonly entryCount: number;
  private readonly digests: Buffer;
  private readonly w: Uint32Array[];
  private readonly strBytes: Buffer;
  private readonly decoded: (string | undefined)[];
  private readonly digestHex: (string | undefined)[];
  private readonly factsCache = new Map<number, EntryFacts>();
  private readonly lookups = new Map<string, number>();
  private readonly typeIndex = new Map<string, number>();
  private readonly ids = new Map<string, number>();

  constructor(bytes: Buffer) {
    // Typed-array views need word alignment; a pooled Buffer may start anywhere.
    const buf = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
    if (buf.length < HEADER_WORDS * 4) throw new PackFormatError('too short');
    const header = new Uint32Array(buf.buffer, buf.byteOffset, HEADER_WORDS);
    if (header[0] !== MAGIC || header[1] !== FORMAT) throw new PackFormatError(`not a reverse-index pack (format ${FORMAT})`);
    let off = buf.byteOffset + HEADER_WORDS * 4;
    const sections: Uint32Array[] = [];
    for (let i = 0; i < SECTIONS; i++) {
      const words = header[2 + i]!;
      if (off + words * 4 > buf.byteOffset + buf.length) throw new PackFormatError('truncated');
      sections.push(new Uint32Array(buf.buffer, off, words));
      off += words * 4;
    }
    this.w = sections;
    const d = sections[0]!;
    this.digests = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    const sb = sections[3]!;
    this.strBytes = Buffer.from(sb.buffer, sb.byteOffset, sb.byteLength);
    this.entryCount = sections[4]!.length / FIELDS;
    this.decoded = new Array(sections[2]!.length - 1);
    this.digestHex = new Array(this.digests.length / 32);
    if (sections[1]!.length !== 65537 || !Number.isInteger(this.entryCount)) throw new PackFormatError('inconsistent section sizes');
  }

  private str(i: number): string | undefined {
    if (i === NONE) return undefined;
    let s = this.decoded[i];
    if (s === undefined) {
      const off = this.w[2]!;
      s = this.strBytes.toString('utf8', off[i]!, off[i + 1]!);
      this.decoded[i] = s;
    }
    return s;
  }

  /** `sha256:<hex>` of digest `i` (cached: each string is built once). */
  private hex(i: number): string {
    let h = this.digestHex[i];
    if (h === undefined) {
      this.digestHex[i] = h = `sha256:${this.digests.toString('hex', i * 32, i * 32 + 32)}`;
    }
    return h;
  }

  /** Index of a `sha256:<hex>` digest in the table, or -1. */
  digestIndex(digest: string): number {
    const cached = this.lookups.get(digest);
    if (cached !== undefined) return cached;
    const i = this.search(digest);
    this.lookups.set(digest, i);
    return i;
  }

  private search(digest: string): number {
    const hex = digest.startsWith('sha256:') ? digest.slice(7) : digest;
    if (hex.length !== 64) return -1;
    const target = Buffer.from(hex, 'hex');
    if (target.length !== 32) return -1;
    const bucket = this.w[1]!;
    const p = target.readUInt16BE(0);
    let lo = bucket[p]!;
    let hi = bucket[p + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.digests.compare(target, 0, 32, mid * 32, mid * 32 + 32);
      if (c === 0) return mid;
      if (c > 0) hi = mid;
      else lo = mid + 1;
    }
    return -1;
  }

  /** The id (`sha256:<hex>`) of entry `e`. */
  idOf(e: number): string {
    return this.hex(this.w[4]![e * FIELDS]!);
  }

  /** The predicate type of entry `e`, without decoding the rest. */
  typeOf(e: number): string {
    return this.str(this.w[4]![e * FIELDS + 1]!)!;
  }

  /** Entry index of a registry id, or -1. */
  entryIndex(id: string): number {
    if (this.ids.size === 0 && this.entryCount > 0) for (let e = 0; e < this.entryCount; e++) this.ids.set(this.idOf(e), e);
    return this.ids.get(id) ?? -1;
  }

  facts(e: number): EntryFacts {
    let cached = this.factsCache.get(e);
    if (!cached) this.factsCache.set(e, (cached = this.decode(e)));
    return cached;
  }

  private decode(e: number): EntryFacts {
    const o = e * FIELDS;
    const en = this.w[4]!;
    const f: EntryFacts = { id: this.idOf(e), predicateType: this.str(en[o + 1]!)!, subjects: [], inputs: [] };
    const opt = (k: 'stage' | 'signer' | 'signerLabel' | 'time' | 'runId' | 'builderId' | 'detail', i: number): void => {
      const s = this.str(en[o + i]!);
      if (s !== undefined) f[k] = s;
    };
    opt('stage', 2);
    opt('signer', 3);
    opt('signerLabel', 4);
    opt('time', 5);
    opt('runId', 6);
    opt('builderId', 7);
    opt('detail', 8);
    const ss = this.w[5]!;
    const subj = this.w[6]!;
    for (let k = ss[e]!; k < ss[e + 1]!; k++) {
      const name = this.str(subj[2 * k + 1]!);
      f.subjects.push({ digest: this.hex(subj[2 * k]!), ...(name !== undefined ? { name } : {}) });
    }
    const is = this.w[7]!;
    const inp = this.w[8]!;
    for (let k = is[e]!; k < is[e + 1]!; k++) {
      const name = this.str(inp[3 * k + 2]!);
      f.inputs.push({ digest: this.hex(inp[3 * k]!), role: this.str(inp[3 * k + 1]!)!, ...(name !== undefined ? { name } : {}) });
    }
    return f;
  }

  // ---- integer access for walks that should not decode what they do not return

  /** `sha256:<hex>` of digest index `i`. */
  digestAt(i: number): string {
    return this.hex(i);
  }

  /** Records that `digest` has index `i` (found by a walk), sparing a later search. */
  remember(digest: string, i: number): void {
    this.lookups.set(digest, i);
  }

  /** How many digests the pack names (digest indexes are 0 … digestCount - 1, in digest order). */
  get digestCount(): number {
    return this.digestHex.length;
  }

  /**
   * Where digest index `i`'s row of the by-input (`input`) or by-subject lists starts and ends:
   * the entries are `rowEntry(k)` for start <= k < end. For walks that visit thousands of rows,
   * where an array per row (`byInputIndex`) would be garbage to collect.
   */
  rowStart(kind: 'input' | 'subject', i: number): number {
    return this.w[kind === 'input' ? 11 : 9]![i]!;
  }

  /** See `rowStart`. */
  rowEnd(kind: 'input' | 'subject', i: number): number {
    return this.w[kind === 'input' ? 11 : 9]![i + 1]!;
  }

  /** The entry at position `k` of a by-input (`input`) or by-subject row (see `rowStart`). */
  rowEntry(kind: 'input' | 'subject', k: number): number {
    return this.w[kind === 'input' ? 12 : 10]![k]!;
  }

  /** Entry `e`'s subjects are positions `subjectStart(e)` to `subjectStart(e + 1)` - 1 (see `subjectDigest`). */
  subjectStart(e: number): number {
    return this.w[5]![e]!;
  }

  /** The digest index of subject position `k`. */
  subjectDigest(k: number): number {
    return this.w[6]![2 * k]!;
  }

  /** The name (string index, NONE when absent) of subject position `k`. */
  subjectName(k: number): number {
    return this.w[6]![2 * k + 1]!;
  }

  /** Entries naming digest index `i` as a subject. */
  bySubjectIndex(i: number): number[] {
    return this.csr(9, 10, i);
  }

  /** Entries naming digest index `i` as an input. */
  byInputIndex(i: number): number[] {
    return this.csr(11, 12, i);
  }

  /** The string index of entry `e`'s field (1 type … 8 detail), NONE when absent. */
  field(e: number, k: number): number {
    return this.w[4]![e * FIELDS + k]!;
  }

  /** Decoded string `i` (undefined for NONE). */
  string(i: number): string | undefined {
    return this.str(i);
  }

  /** Entry `e`'s subjects as [digest index, name string index] pairs. */
  subjectRows(e: number): [number, number][] {
    const ss = this.w[5]!;
    const subj = this.w[6]!;
    const out: [number, number][] = [];
    for (let k = ss[e]!; k < ss[e + 1]!; k++) out.push([subj[2 * k]!, subj[2 * k + 1]!]);
    return out;
  }

  /** Calls `fn(digest index, name string index)` for each subject of entry `e`. */
  eachSubject(e: number, fn: (digest: number, name: number) => void): void {
    const ss = this.w[5]!;
    const subj = this.w[6]!;
    for (let k = ss[e]!; k < ss[e + 1]!; k++) fn(subj[2 * k]!, subj[2 * k + 1]!);
  }

  /** The roles in which entry `e` names digest index `i` as an input. */
  inputRoles(e: number, i: number): string[] {
    const is = this.w[7]!;
    const inp = this.w[8]!;
    const out: string[] = [];
    for (let k = is[e]!; k < is[e + 1]!; k++) if (inp[3 * k] === i) out.push(this.str(inp[3 * k + 1]!)!);
    return out;
  }

  /** The entry whose id is digest index `i` (entries are sorted by id), or -1. */
  entryOfIdIndex(i: number): number {
    const en = this.w[4]!;
    let lo = 0;
    let hi = this.entryCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = en[mid * FIELDS]!;
      if (v === i) return mid;
      if (v < i) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  private csr(offSection: number, section: number, key: number): number[] {
    if (key < 0) return [];
    const off = this.w[offSection]!;
    const out: number[] = [];
    const list = this.w[section]!;
    for (let k = off[key]!; k < off[key + 1]!; k++) out.push(list[k]!);
    return out;
  }

  /** Entries naming `digest` as a subject. */
  bySubject(digest: string): number[] {
    return this.csr(9, 10, this.digestIndex(digest));
  }

  /** Entries naming `digest` as an input. */
  byInput(digest: string): number[] {
    return this.csr(11, 12, this.digestIndex(digest));
  }

  /** The key index (into the compact signer/type key list) of a signer or predicate type, or -1. */
  private stringKey(s: string): number {
    if (this.typeIndex.size === 0) {
      const keys = this.w[17]!;
      for (let k = 0; k < keys.length; k++) this.typeIndex.set(this.str(keys[k]!)!, k);
    }
    return this.typeIndex.get(s) ?? -1;
  }

  /** The string index of a signer or predicate type, or -1 (compare with `field`). */
  keyIndex(s: string): number {
    const k = this.stringKey(s);
    return k < 0 ? -1 : this.w[17]![k]!;
  }

  bySigner(signer: string): number[] {
    return this.csr(13, 14, this.stringKey(signer));
  }

  byPredicateType(type: string): number[] {
    return this.csr(15, 16, this.stringKey(type));
  }
}
