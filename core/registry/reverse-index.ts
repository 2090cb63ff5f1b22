import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, isProvenanceError } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';
import { isObject } from '../io/json';
import { entryFacts, type EntryFacts } from './facts';
import { PackFormatError, PackView, encodePack } from './pack';

const PACK = /^pack-(\d{12})\.bin$/;
const RECORD = /^([0-9a-f]{64})\.json$/;
const GONE = /^([0-9a-f]{64})\.gone$/;
const TEMP = /^\..*\.tmp$/;

/** Journal records a reader folds in before it writes a new pack for the next reader. */
export const PACK_THRESHOLD = 256;

/**
 * The local registry's reverse index: which entries consumed a digest, which a signer signed,
 * which have a predicate type. Derived data, rebuilt from the blobs at any time; never a
 * source of truth (every reader verifies what it uses).
 *
 *   reverse/journal/<blob hex>.json   one facts record per put since the last pack (atomic write)
 *   reverse/journal/<blob hex>.gone   a removal since the last pack
 *   reverse/packs/pack-<generation>.bin   immutable snapshots (see pack.ts); the highest wins
 *
 * Writers never lock: a put writes its own record (temporary name, fsync, rename), like the
 * subject markers. Packing is a compare-and-swap: the new pack is linked (link(2) fails if the
 * name exists) as generation g+1 of the pack it extends, so of two packers one wins and the
 * other deletes nothing. Journal files are deleted only after a pack holding them is in place.
 * A reader lists the journal between two looks at the pack generation and starts over if a
 * packer moved in between, so an entry is always in the pack it read or in the journal it read.
 */
export class ReverseIndex {
  readonly dir: string;
  private readonly journal: string;
  private readonly packs: string;
  /** The last pack read: packs never change once linked, so a warm process reads each once. */
  private cached: { generation: number; view: PackView } | undefined;

  constructor(
    registryDir: string,
    private readonly blobPath: (hex: string) => string,
    /** false: journal records without fsync (the mirror of an OCI registry: a cache). */
    private readonly options: { durable?: boolean } = {},
  ) {
    this.dir = join(registryDir, 'reverse');
    this.journal = join(this.dir, 'journal');
    this.packs = join(this.dir, 'packs');
  }

  /** Records one stored entry (called by put, after the blob is in place). */
  record(facts: EntryFacts): void {
    const hex = facts.id.slice(7);
    if (!existsSync(this.dir)) {
      // The first entry of a new registry: an empty pack says "complete from the start". In a
      // registry that predates the index (other blobs), the first reader builds it instead.
      const others = list(this.blobDir()).filter((n) => n.endsWith('.json') && n !== `${hex}.json`);
      if (others.length === 0) this.publish(0, encodePack([]), false);
    }
    const gone = join(this.journal, `${hex}.gone`);
    if (existsSync(gone)) unlinkSafe(gone);
    const path = join(this.journal, `${hex}.json`);
    if (!existsSync(path)) writeFileAtomic(path, JSON.stringify(facts), { durable: this.options.durable ?? true });
  }

  private blobDir(): string {
    return join(this.blobPath('0'.repeat(64)), '..');
  }

  /** Records a removal (for `Registry.remove`): readers stop returning the entry. */
  forget(id: string): void {
    const hex = id.slice(7);
    // The record goes before the removal mark is written, never after: a journal holding both
    // reads as present (a put's record wins), so a packer that listed both between a removal's
    // two steps would pack the entry as present and then delete the mark. In this order the
    // in-between journal holds neither (it reads as the last pack) and the mark decides.
    unlinkSafe(join(this.journal, `${hex}.json`));
    writeFileAtomic(join(this.journal, `${hex}.gone`), '', { durable: this.options.durable ?? true });
  }

  /**
   * A consistent view of every indexed entry. Builds the index from the blobs first when there
   * is no pack yet (a registry that predates the index), and folds a long journal into a new
   * pack for the next reader.
   */
  load(options: { pack?: boolean; build?: boolean } = {}): ReverseView {
    if (this.generation() < 0 && options.build !== false && list(this.blobDir()).some((n) => n.endsWith('.json'))) this.rebuild();
    for (let attempt = 0; ; attempt++) {
      const g1 = this.generation();
      let pack: PackView | undefined;
      try {
        if (g1 >= 0 && this.cached?.generation === g1) pack = this.cached.view;
        else {
          pack = g1 >= 0 ? new PackView(readFileSync(this.packPath(g1))) : undefined;
          this.cached = pack ? { generation: g1, view: pack } : undefined;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 20) continue; // replaced meanwhile
        if (!(err instanceof PackFormatError)) throw err;
        // A damaged or older-format pack must not leave readers with half an answer: rebuild.
        if (options.build === false) {
          pack = undefined;
        } else if (attempt < 20) {
          try {
            this.rebuild();
          } catch (e) {
            throw new InputError('REGISTRY_REVERSE_INDEX_DAMAGED', `the reverse index pack is unreadable (${(err as Error).message}) and could not be rebuilt: ${(e as Error).message}`, { file: this.dir });
          }
          continue;
        } else throw new InputError('REGISTRY_REVERSE_INDEX_DAMAGED', `the reverse index pack is unreadable: ${(err as Error).message}`, { file: this.dir });
      }
      const records = new Map<string, EntryFacts>();
      const gone = new Set<string>();
      // Which file each journal name was when read: a packer deletes only those files, never a
      // newer one a writer put under the same name since (a put and a removal of the same
      // bundle reuse the names `<hex>.json` and `<hex>.gone`).
      const seen = new Map<string, number>();
      let raced = false;
      for (const name of list(this.journal)) {
        const r = RECORD.exec(name);
        if (r) {
          try {
            const { text, ino } = readWithInode(join(this.journal, name));
            seen.set(name, ino);
            const f = parseRecord(text);
            if (f && f.id === `sha256:${r[1]}`) records.set(f.id, f);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
            raced = true; // packed and deleted under us: it is in a newer pack
          }
          continue;
        }
        const g = GONE.exec(name);
        if (g) {
          const ino = inodeOf(join(this.journal, name));
          if (ino === undefined) {
            raced = true;
            continue;
          }
          seen.set(name, ino);
          gone.add(`sha256:${g[1]}`);
        }
      }
      if ((raced || this.generation() !== g1) && attempt < 20) continue;
      const view = new ReverseView(pack, records, gone);
      if (options.pack !== false && records.size + gone.size >= PACK_THRESHOLD) {
        try {
          this.writePack(g1, view, seen);
        } catch (err) {
          // A read-only registry still answers; the next writable reader packs.
          if (!isProvenanceError(err) && !(err as NodeJS.ErrnoException).code) throw err;
        }
      }
      return view;
    }
  }

  /** Rebuilds the whole index from the blobs (cold), as one new pack; returns the entry count. */
  rebuild(): { entries: number; skipped: string[] } {
    // Journal names are listed first: their blobs were written before, so the blob scan below
    // includes them, and deleting exactly those names afterwards loses nothing.
    const before = new Map<string, number>();
    for (const n of list(this.journal)) {
      if (!RECORD.test(n) && !GONE.test(n)) continue;
      const ino = inodeOf(join(this.journal, n));
      if (ino !== undefined) before.set(n, ino);
    }
    const blobDir = this.blobDir();
    const skipped: string[] = [];
    let entries = 0;
    // A generator: each blob's facts are encoded as they are read, never all held at once.
    function* read(): Generator<EntryFacts> {
      for (const name of list(blobDir)) {
        const m = /^([0-9a-f]{64})\.json$/.exec(name);
        if (!m) continue;
        try {
          const f = entryFacts(readFileSync(join(blobDir, name), 'utf8'), `sha256:${m[1]}`, join(blobDir, name));
          entries++;
          yield f;
        } catch (err) {
          if (!isProvenanceError(err) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          skipped.push(join(blobDir, name));
        }
      }
    }
    const bytes = encodePack(read());
    const g = Math.max(this.generation(), -1);
    this.publish(g + 1, bytes, true);
    this.unlinkFolded(before);
    this.collect(g + 1);
    return { entries, skipped };
  }

  /** Highest pack generation, or -1. */
  generation(): number {
    let g = -1;
    for (const n of list(this.packs)) {
      const m = PACK.exec(n);
      if (m) g = Math.max(g, Number(m[1]));
    }
    return g;
  }

  private packPath(g: number): string {
    return join(this.packs, `pack-${String(g).padStart(12, '0')}.bin`);
  }

  private writePack(g: number, view: ReverseView, folded: Map<string, number>): void {
    if (!this.publish(g + 1, encodePack(view.all()), false)) return; // another reader packed first
    this.unlinkFolded(folded);
    this.collect(g + 1);
  }

  /** Deletes the journal files a new pack folded in, each only if it is still the file that was read. */
  private unlinkFolded(folded: Map<string, number>): void {
    for (const [name, ino] of folded) {
      const path = join(this.journal, name);
      if (inodeOf(path) === ino) unlinkSafe(path);
    }
  }

  /** Links a new pack into place as generation g; false if that generation exists (lost the race). */
  private publish(g: number, bytes: Buffer, mustWin: boolean): boolean {
    mkdirSync(this.packs, { recursive: true });
    mkdirSync(this.journal, { recursive: true });
    const tmp = join(this.packs, `.pack.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      for (let gen = g; ; gen++) {
        try {
          linkSync(tmp, this.packPath(gen));
          return true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          // A rebuild is complete on its own, so it may take the next free generation.
          if (!mustWin) return false;
        }
      }
    } finally {
      unlinkSafe(tmp);
    }
  }

  /** Removes packs older than the one before `g` (a reader may still be reading that one). */
  private collect(g: number): void {
    for (const n of list(this.packs)) {
      const m = PACK.exec(n);
      if (m && Number(m[1]) < g - 1) unlinkSafe(join(this.packs, n));
    }
  }

  /** Leftover temporary files of interrupted writes in the index folders. */
  strayTempFiles(): string[] {
    return [...list(this.journal).filter((n) => TEMP.test(n)).map((n) => join(this.journal, n)), ...list(this.packs).filter((n) => TEMP.test(n)).map((n) => join(this.packs, n))];
  }

  /** Whether the current pack is readable (verify reports a damaged one). */
  packProblem(): string | undefined {
    const g = this.generation();
    if (g < 0) return undefined;
    try {
      new PackView(readFileSync(this.packPath(g)));
      return undefined;
    } catch (err) {
      return `${this.packPath(g)}: ${(err as Error).message}`;
    }
  }
}

/** One artifact reached by `ReverseView.downstream`, with how it was reached. */
export interface DownstreamNode {
  digest: string;
  name?: string;
  /** Hops from the nearest start (1 = consumed a start directly). */
  depth: number;
  via: { from: string; role: string; attestation: string; stage?: string }[];
  /** Entries that produced it from a reached input. */
  attestations: string[];
  /** What the first producing entry says about it. */
  meta: Partial<Pick<EntryFacts, 'stage' | 'signer' | 'signerLabel' | 'time' | 'runId' | 'builderId'>>;
  /** With `about`: ids of the entries of that predicate type whose subject it is (deployment records). */
  about?: string[];
}

/** The index as one reader saw it: a pack plus the journal records written since. */
export class ReverseView {
  private readonly bySubjectJ = new Map<string, EntryFacts[]>();
  private readonly byInputJ = new Map<string, EntryFacts[]>();
  private readonly bySignerJ = new Map<string, EntryFacts[]>();
  private readonly byTypeJ = new Map<string, EntryFacts[]>();

  constructor(
    private readonly pack: PackView | undefined,
    private readonly records: Map<string, EntryFacts>,
    private readonly gone: Set<string>,
  ) {
    const add = (m: Map<string, EntryFacts[]>, k: string, f: EntryFacts): void => {
      const l = m.get(k);
      if (l) {
        if (!l.includes(f)) l.push(f);
      } else m.set(k, [f]);
    };
    for (const f of records.values()) {
      for (const s of f.subjects) add(this.bySubjectJ, s.digest, f);
      for (const i of f.inputs) add(this.byInputJ, i.digest, f);
      if (f.signer) add(this.bySignerJ, f.signer, f);
      add(this.byTypeJ, f.predicateType, f);
    }
  }

  /** Entries in the pack that the journal neither replaced nor removed. */
  private fromPack(indexes: number[]): EntryFacts[] {
    const out: EntryFacts[] = [];
    for (const e of indexes) {
      const id = this.pack!.idOf(e);
      if (this.records.has(id) || this.gone.has(id)) continue;
      out.push(this.pack!.facts(e));
    }
    return out;
  }

  private merged(fromPack: number[] | undefined, journal: EntryFacts[] | undefined): EntryFacts[] {
    const out = this.pack && fromPack ? this.fromPack(fromPack) : [];
    for (const f of journal ?? []) if (!this.gone.has(f.id) || this.records.has(f.id)) out.push(f);
    return out;
  }

  /**
   * Everything downstream of `starts` through entries of predicate `type` (any input role),
   * breadth first: each reached subject with its depth, the edges that reached it and what its
   * producing entry says. Walks the pack by integer index, decoding only what it returns.
   */
  downstream(starts: string[], type: string, about?: string): Map<string, DownstreamNode> {
    const pack = this.pack;
    const nodes = new Map<string, DownstreamNode>();
    const seen = new Set<string>(starts);
    const queue: { digest: string; depth: number; index: number }[] = starts.map((d) => ({ digest: d, depth: 0, index: pack ? pack.digestIndex(d) : -1 }));
    // Pack entries that the journal replaced or removed are skipped.
    const stale = new Set<number>();
    if (pack) {
      for (const id of [...this.records.keys(), ...this.gone]) {
        const i = pack.digestIndex(id);
        const e = i < 0 ? -1 : pack.entryOfIdIndex(i);
        if (e >= 0) stale.add(e);
      }
    }
    const typeIndex = pack ? pack.keyIndex(type) : -1;
    const reach = (from: string, depth: number, subject: string, index: number, name: string | undefined, roles: string[], attestation: string, stage: string | undefined, meta: () => DownstreamNode['meta']): void => {
      let n = nodes.get(subject);
      if (!n) {
        const m = meta();
        n = { digest: subject, ...(name !== undefined ? { name } : {}), depth: depth + 1, via: [], attestations: [], meta: m };
        nodes.set(subject, n);
      }
      for (const role of roles) if (!n.via.some((v) => v.from === from && v.role === role && v.attestation === attestation)) n.via.push({ from, role, attestation, ...(stage ? { stage } : {}) });
      if (!n.attestations.includes(attestation)) n.attestations.push(attestation);
      if (!seen.has(subject)) {
        seen.add(subject);
        if (pack && index >= 0) pack.remember(subject, index);
        queue.push({ digest: subject, depth: depth + 1, index: index >= 0 ? index : pack ? pack.digestIndex(subject) : -1 });
      }
    };
    for (let q = 0; q < queue.length; q++) {
      const { digest, depth, index } = queue[q]!;
      if (pack && index >= 0 && typeIndex >= 0) {
        for (const e of pack.byInputIndex(index)) {
          if (stale.has(e) || pack.field(e, 1) !== typeIndex) continue;
          const roles = pack.inputRoles(e, index);
          const attestation = pack.idOf(e);
          const meta = (): DownstreamNode['meta'] => {
            const m: DownstreamNode['meta'] = {};
            const put = (k: keyof DownstreamNode['meta'], f: number): void => {
              const v = pack.string(pack.field(e, f));
              if (v !== undefined) m[k] = v;
            };
            put('stage', 2);
            put('signer', 3);
            put('signerLabel', 4);
            put('time', 5);
            put('runId', 6);
            put('builderId', 7);
            return m;
          };
          const stage = pack.string(pack.field(e, 2));
          pack.eachSubject(e, (sd, sn) => {
            if (sd !== index) reach(digest, depth, pack.digestAt(sd), sd, pack.string(sn), roles, attestation, stage, meta); // sd === index: an evaluation about the same artifact
          });
        }
      }
      for (const f of this.byInputJ.get(digest) ?? []) {
        if (f.predicateType !== type) continue;
        const roles = f.inputs.filter((x) => x.digest === digest).map((x) => x.role);
        const meta = (): DownstreamNode['meta'] => ({ ...(f.stage ? { stage: f.stage } : {}), ...(f.signer ? { signer: f.signer } : {}), ...(f.signerLabel ? { signerLabel: f.signerLabel } : {}), ...(f.time ? { time: f.time } : {}), ...(f.runId ? { runId: f.runId } : {}), ...(f.builderId ? { builderId: f.builderId } : {}) });
        for (const s of f.subjects) if (s.digest !== digest) reach(digest, depth, s.digest, -1, s.name, roles, f.id, f.stage, meta);
      }
    }
    if (about) {
      const aboutIndex = pack ? pack.keyIndex(about) : -1;
      for (const n of nodes.values()) {
        const ids: string[] = [];
        const i = pack ? pack.digestIndex(n.digest) : -1;
        if (pack && i >= 0 && aboutIndex >= 0) for (const e of pack.bySubjectIndex(i)) if (!stale.has(e) && pack.field(e, 1) === aboutIndex) ids.push(pack.idOf(e));
        for (const f of this.bySubjectJ.get(n.digest) ?? []) if (f.predicateType === about && !ids.includes(f.id)) ids.push(f.id);
        n.about = ids;
      }
    }
    return nodes;
  }

  /** Entries whose statement names `digest` (sha256:<hex>) as an input. */
  consumersOf(digest: string): EntryFacts[] {
    return this.merged(this.pack?.byInput(digest), this.byInputJ.get(digest));
  }

  bySubject(digest: string): EntryFacts[] {
    return this.merged(this.pack?.bySubject(digest), this.bySubjectJ.get(digest));
  }

  /** Entries about `digest` of one predicate type; others are skipped without being decoded. */
  bySubjectOfType(digest: string, type: string): EntryFacts[] {
    const fromPack = this.pack?.bySubject(digest).filter((e) => this.pack!.typeOf(e) === type);
    return this.merged(fromPack, this.bySubjectJ.get(digest)?.filter((f) => f.predicateType === type));
  }

  bySigner(signer: string): EntryFacts[] {
    return this.merged(this.pack?.bySigner(signer), this.bySignerJ.get(signer));
  }

  byPredicateType(type: string): EntryFacts[] {
    return this.merged(this.pack?.byPredicateType(type), this.byTypeJ.get(type));
  }

  entry(id: string): EntryFacts | undefined {
    const r = this.records.get(id);
    if (r) return r;
    if (this.gone.has(id) || !this.pack) return undefined;
    const e = this.pack.entryIndex(id);
    return e < 0 ? undefined : this.pack.facts(e);
  }

  /** Every entry (for packing and checks). */
  *all(): Generator<EntryFacts> {
    if (this.pack) {
      for (let e = 0; e < this.pack.entryCount; e++) {
        const id = this.pack.idOf(e);
        if (!this.records.has(id) && !this.gone.has(id)) yield this.pack.facts(e);
      }
    }
    yield* this.records.values();
  }

  /** Ids of every entry. */
  ids(): Set<string> {
    const out = new Set<string>(this.records.keys());
    if (this.pack) {
      for (let e = 0; e < this.pack.entryCount; e++) {
        const id = this.pack.idOf(e);
        if (!this.gone.has(id)) out.add(id);
      }
    }
    return out;
  }
}

function parseRecord(text: string): EntryFacts | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (isObject(v) && typeof v.id === 'string' && typeof v.predicateType === 'string' && Array.isArray(v.subjects) && Array.isArray(v.inputs)) return v as unknown as EntryFacts;
  } catch {
    /* a damaged record: verify() reports the entry as unindexed; repair rewrites it */
  }
  return undefined;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** The inode of `path`, or undefined when there is none. */
function inodeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.ino;
}

/** A file's text and the inode it was read from (one open, so the two belong together). */
function readWithInode(path: string): { text: string; ino: number } {
  const fd = openSync(path, 'r');
  try {
    return { ino: fstatSync(fd).ino, text: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

function unlinkSafe(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

