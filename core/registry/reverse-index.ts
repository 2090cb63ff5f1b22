import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, isProvenanceError } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';
import { isObject } from '../io/json';
import { copyStatementFacts, entryFacts, type EntryFacts } from './facts';
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
 *
 * The index follows the blob, and one rule keeps the two together without locks: whoever
 * changes the blob or the index of an entry looks at the blob again afterwards and settles
 * (`settle`) until what it wrote agrees with what it sees. The index steps of a put and a
 * removal are several file operations each and interleave freely; the last actor to touch an
 * entry re-looks after every other actor's steps, so the index ends as the blob ends.
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

  /**
   * Makes the index agree with the blob of entry `id` as it is now (recorded if the blob is
   * there, removed if not), then looks at the blob again and repeats until the two agree.
   * Called by everyone who changes a blob (put, remove, repair's quarantine) after the change.
   * `facts`: the entry's facts when the caller has them (put); otherwise read from the blob.
   *
   * @returns whether the blob is there (as last seen)
   */
  settle(id: string, facts?: EntryFacts): boolean {
    const blob = this.blobPath(id.slice(7));
    for (;;) {
      const present = existsSync(blob);
      if (present) {
        const f = facts ?? readFacts(blob, id);
        if (f === 'missing') continue; // removed between the two looks: look again
        // A damaged blob is never indexed: verify reports it as damaged and repair moves it away.
        // Only writers of whole blobs settle, so nobody is waiting for it to change.
        if (f === 'damaged') {
          this.forget(id);
          return true;
        }
        this.record(f);
      } else this.forget(id);
      // Another writer may have put the blob back or taken it meanwhile, and its index steps may
      // have interleaved with ours: what we wrote stands only if the blob is as we saw it.
      if (existsSync(blob) === present) return present;
    }
  }

  /** Writes the record of a stored entry (use `settle`, which re-checks the blob afterwards). */
  private record(facts: EntryFacts): void {
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

  /**
   * Writes the removal of an entry without looking at its blob. Registry code uses `settle`,
   * which re-checks the blob afterwards; this is for tests that make the index disagree on purpose.
   */
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
      const seen = new Map<string, FileId>();
      let raced = false;
      for (const name of list(this.journal)) {
        const r = RECORD.exec(name);
        if (r) {
          try {
            const { text, file } = readWithId(join(this.journal, name));
            seen.set(name, file);
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
          const file = fileIdOf(join(this.journal, name));
          if (file === undefined) {
            raced = true;
            continue;
          }
          seen.set(name, file);
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
    const before = new Map<string, FileId>();
    for (const n of list(this.journal)) {
      if (!RECORD.test(n) && !GONE.test(n)) continue;
      const file = fileIdOf(join(this.journal, n));
      if (file !== undefined) before.set(n, file);
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

  private writePack(g: number, view: ReverseView, folded: Map<string, FileId>): void {
    if (!this.publish(g + 1, encodePack(view.all()), false)) return; // another reader packed first
    this.unlinkFolded(folded);
    this.collect(g + 1);
  }

  /**
   * Deletes the journal files a new pack folded in, each only if it is still the file that was
   * read, then settles every entry they named whose index no longer agrees with its blob.
   */
  private unlinkFolded(folded: Map<string, FileId>): void {
    // Removal marks before records: an entry with both reads as present, and so does the pack
    // made from them; dropping the mark first never shows a reader the entry as removed.
    const names = [...folded.keys()].sort((a, b) => Number(RECORD.test(a)) - Number(RECORD.test(b)));
    const hexes = new Set<string>();
    for (const name of names) {
      takeIfSame(join(this.journal, name), folded.get(name)!);
      hexes.add(name.slice(0, 64));
    }
    // Deleting is the one index change that is not a settle, and a put or a removal of the same
    // entry may have run between our read and our delete (a file recreated with a reused inode in
    // the same clock tick looks unchanged; a file put back was briefly missing). So the packer
    // follows the rule too: it looks at each blob it touched and settles those that disagree.
    let pack: PackView | undefined;
    const g = this.generation();
    try {
      pack = g >= 0 ? (this.cached?.generation === g ? this.cached.view : new PackView(readFileSync(this.packPath(g)))) : undefined;
    } catch {
      pack = undefined; // replaced or damaged meanwhile: settle each entry unconditionally
    }
    for (const hex of hexes) {
      const id = `sha256:${hex}`;
      const indexed = existsSync(join(this.journal, `${hex}.json`)) ? true : existsSync(join(this.journal, `${hex}.gone`)) ? false : pack ? pack.entryIndex(id) >= 0 : undefined;
      if (indexed !== existsSync(this.blobPath(hex))) this.settle(id);
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

/**
 * One artifact reached by `ReverseView.downstream`, with how it was reached and what its first
 * producing entry says about it. The keys are created in the order an impact report lists them
 * (digest, name, depth, via, attestations, then the producer's facts), so `impact` hands these
 * objects out as they are instead of copying 10,000 of them.
 */
export interface DownstreamNode {
  digest: string;
  name?: string;
  /** Hops from the nearest start (1 = consumed a start directly). */
  depth: number;
  via: { from: string; role: string; attestation: string; stage?: string }[];
  /** Entries that produced it from a reached input. */
  attestations: string[];
  stage?: string;
  signer?: string;
  signerLabel?: string;
  time?: string;
  runId?: string;
  builderId?: string;
}

/**
 * What `ReverseView.downstream` found: three lists, one item per reached artifact each, in the
 * order the walk reached them. Lists rather than maps keyed by digest: a blast radius has
 * 10,000 nodes, and every string-keyed map operation on them showed in the profile.
 */
export interface Downstream {
  nodes: DownstreamNode[];
  /**
   * Each node's digest index in the pack, or -1 when the pack does not name it. Indexes are in
   * digest order, so two nodes with indexes sort by them as by their digests.
   */
  index: number[];
  /** With `about`: the ids of the entries of that predicate type whose subject the node is (deployment records); else empty lists. */
  about: string[][];
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
   * producing entry says; with `about`, the entries of that type about each reached subject.
   *
   * Walks the pack by integer index and decodes only what it returns. It is the whole of a
   * blast-radius query (10,000 nodes for a popular dataset), so it allocates nothing per step
   * that it does not return: the queue is three parallel arrays, digests the pack names are
   * marked seen in a byte array by index, rows are read in place rather than copied out.
   */
  downstream(starts: string[], type: string, about?: string): Downstream {
    const pack = this.pack;
    const nodes: DownstreamNode[] = [];
    /** The pack digest index of each node (same order), -1 when the pack does not name it. */
    const nodeIndex: number[] = [];
    /** Per pack digest index: its node's position in `nodes` + 1, 0 for none yet. */
    const nodeAt = pack ? new Int32Array(pack.digestCount) : undefined;
    const nodeOther = new Map<string, number>(); // nodes the pack does not name: digest → position
    const findNode = (digest: string, index: number): DownstreamNode | undefined => (index >= 0 ? nodes[nodeAt![index]! - 1] : nodes[nodeOther.get(digest) ?? -1]);
    const addNode = (n: DownstreamNode, index: number): void => {
      nodes.push(n);
      nodeIndex.push(index);
      if (index >= 0) nodeAt![index] = nodes.length;
      else nodeOther.set(n.digest, nodes.length - 1);
    };
    /**
     * The pack's index of a digest string, or -1. Only an exact match counts: the digest search
     * also finds an upper-case spelling, which the walk must keep apart as the string it is.
     */
    const indexOf = (digest: string): number => {
      if (!pack) return -1;
      const i = pack.digestIndex(digest);
      return i >= 0 && pack.digestAt(i) === digest ? i : -1;
    };
    const seenIndex = pack ? new Uint8Array(pack.digestCount) : undefined;
    const seenOther = new Set<string>(); // digests only the journal names
    /** Marks a digest seen; false if it already was. `index`: its pack digest index, or -1. */
    const see = (digest: string, index: number): boolean => {
      if (index >= 0) {
        if (seenIndex![index]) return false;
        seenIndex![index] = 1;
        return true;
      }
      if (seenOther.has(digest)) return false;
      seenOther.add(digest);
      return true;
    };
    const qDigest: string[] = [];
    const qDepth: number[] = [];
    const qIndex: number[] = [];
    for (const d of starts) {
      const i = indexOf(d);
      see(d, i);
      qDigest.push(d);
      qDepth.push(0);
      qIndex.push(i);
    }
    // Pack entries that the journal replaced or removed are skipped.
    const stale = new Set<number>();
    if (pack) {
      for (const id of [...this.records.keys(), ...this.gone]) {
        const i = pack.digestIndex(id);
        const e = i < 0 ? -1 : pack.entryOfIdIndex(i);
        if (e >= 0) stale.add(e);
      }
    }
    const anyStale = stale.size > 0;
    /** Records that `from` reached `n` in each of `roles` through `attestation`, once each. */
    const link = (n: DownstreamNode, from: string, roles: string[], attestation: string, stage: string | undefined): void => {
      for (const role of roles) {
        if (n.via.some((v) => v.from === from && v.role === role && v.attestation === attestation)) continue;
        n.via.push(stage ? { from, role, attestation, stage } : { from, role, attestation });
      }
      if (!n.attestations.includes(attestation)) n.attestations.push(attestation);
    };
    const typeIndex = pack ? pack.keyIndex(type) : -1;
    for (let q = 0; q < qDigest.length; q++) {
      const digest = qDigest[q]!;
      const depth = qDepth[q]!;
      const index = qIndex[q]!;
      if (pack && index >= 0 && typeIndex >= 0) {
        for (let k = pack.rowStart('input', index), end = pack.rowEnd('input', index); k < end; k++) {
          const e = pack.rowEntry('input', k);
          if ((anyStale && stale.has(e)) || pack.field(e, 1) !== typeIndex) continue;
          const roles = pack.inputRoles(e, index);
          const attestation = pack.idOf(e);
          const stage = pack.string(pack.field(e, 2));
          for (let s = pack.subjectStart(e), send = pack.subjectStart(e + 1); s < send; s++) {
            const sd = pack.subjectDigest(s);
            if (sd === index) continue; // an evaluation about the same artifact
            const subject = pack.digestAt(sd);
            let n = findNode(subject, sd);
            if (!n) {
              const name = pack.string(pack.subjectName(s));
              n = name !== undefined ? { digest: subject, name, depth: depth + 1, via: [], attestations: [] } : { digest: subject, depth: depth + 1, via: [], attestations: [] };
              // What the first producing entry says (a field present but empty counts as said).
              let v: string | undefined;
              if (stage !== undefined) n.stage = stage;
              if ((v = pack.string(pack.field(e, 3))) !== undefined) n.signer = v;
              if ((v = pack.string(pack.field(e, 4))) !== undefined) n.signerLabel = v;
              if ((v = pack.string(pack.field(e, 5))) !== undefined) n.time = v;
              if ((v = pack.string(pack.field(e, 6))) !== undefined) n.runId = v;
              if ((v = pack.string(pack.field(e, 7))) !== undefined) n.builderId = v;
              addNode(n, sd);
            }
            link(n, digest, roles, attestation, stage);
            if (see(subject, sd)) {
              qDigest.push(subject);
              qDepth.push(depth + 1);
              qIndex.push(sd);
            }
          }
        }
      }
      for (const f of this.byInputJ.get(digest) ?? []) {
        if (f.predicateType !== type) continue;
        const roles = f.inputs.filter((x) => x.digest === digest).map((x) => x.role);
        for (const s of f.subjects) {
          if (s.digest === digest) continue;
          const sd = indexOf(s.digest);
          let n = findNode(s.digest, sd);
          if (!n) {
            n = s.name !== undefined ? { digest: s.digest, name: s.name, depth: depth + 1, via: [], attestations: [] } : { digest: s.digest, depth: depth + 1, via: [], attestations: [] };
            copyStatementFacts(n, f);
            addNode(n, sd);
          }
          link(n, digest, roles, f.id, f.stage);
          if (see(s.digest, sd)) {
            qDigest.push(s.digest);
            qDepth.push(depth + 1);
            qIndex.push(sd);
          }
        }
      }
    }
    const aboutIds: string[][] = [];
    const aboutIndex = pack && about ? pack.keyIndex(about) : -1;
    for (let j = 0; j < nodes.length; j++) {
      const n = nodes[j]!;
      const i = nodeIndex[j]!;
      const ids: string[] = [];
      if (about) {
        if (pack && i >= 0 && aboutIndex >= 0) {
          for (let k = pack.rowStart('subject', i), end = pack.rowEnd('subject', i); k < end; k++) {
            const e = pack.rowEntry('subject', k);
            if (!(anyStale && stale.has(e)) && pack.field(e, 1) === aboutIndex) ids.push(pack.idOf(e));
          }
        }
        for (const f of this.bySubjectJ.get(n.digest) ?? []) if (f.predicateType === about && !ids.includes(f.id)) ids.push(f.id);
      }
      aboutIds.push(ids);
    }
    return { nodes, index: nodeIndex, about: aboutIds };
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

/**
 * Which file a journal name held: its inode and its modification time in nanoseconds. The inode
 * alone is not enough, since a file deleted and written again may get the same inode back.
 */
interface FileId {
  ino: bigint;
  mtimeNs: bigint;
}

/** The identity of the file at `path`, or undefined when there is none. */
function fileIdOf(path: string): FileId | undefined {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  return st ? { ino: st.ino, mtimeNs: st.mtimeNs } : undefined;
}

/** A file's text and the identity of the file it was read from (one open, so the two belong together). */
function readWithId(path: string): { text: string; file: FileId } {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd, { bigint: true });
    return { file: { ino: st.ino, mtimeNs: st.mtimeNs }, text: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/**
 * Deletes the journal file at `path` only if it is still the file `was`. Checking and then
 * unlinking would delete a newer file written in between, so the file is first renamed out of
 * the way (atomic: whatever is there is ours alone), checked, and linked back if it is newer
 * (unless a still newer one has arrived meanwhile, which then stands).
 *
 * @returns `taken` (deleted), `changed` (a newer file was there) or `missing` (none)
 */
function takeIfSame(path: string, was: FileId): 'taken' | 'changed' | 'missing' {
  // A dot name ending in .tmp: readers skip it, and verify reports one left by a crash.
  const aside = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.take.tmp`);
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const now = fileIdOf(aside);
    if (now && now.ino === was.ino && now.mtimeNs === was.mtimeNs) return 'taken';
    try {
      linkSync(aside, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return 'changed';
  } finally {
    unlinkSafe(aside);
  }
}

/** The facts of the blob at `path`, `missing` when it is gone, `damaged` when it cannot be read as an entry. */
function readFacts(path: string, id: string): EntryFacts | 'missing' | 'damaged' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    return entryFacts(text, id, path);
  } catch (err) {
    if (isProvenanceError(err)) return 'damaged';
    throw err;
  }
}

function unlinkSafe(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

