import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, fsError, isProvenanceError } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';
import { isObject } from '../io/json';
import { summariseBundle } from './describe';
import { entryFacts, type EntryFacts } from './facts';
import { ReverseIndex, type ReverseView } from './reverse-index';
import type { Registry, RegistryCheck, RegistryEntry, RegistryProblem, RegistryRepair, RemovedEntry } from './registry';

const HEX64 = /^[0-9a-f]{64}$/;
const TEMP = /^\..*\.tmp$/;

/**
 * A content-addressed folder, safe for concurrent writers without locks:
 *
 *   blobs/sha256/<hex>.json          the bundle, named by the sha256 of its bytes
 *   index/<subject hex>/<blob hex>   one small JSON marker per (subject, bundle) pair
 *
 * Every file is written to a temporary name and renamed into place, blob before
 * marker, so a reader sees a whole entry or none, and two writers of the same bundle
 * write the same bytes to the same name. Nothing is ever rewritten in place. A writer
 * stopped between the two renames leaves a whole blob without its marker: invisible,
 * reported by verify() as unindexed, finished by repair().
 *
 * Removal runs the other way, blob before markers, so a remover stopped half-way leaves
 * markers without a blob: readers skip them, verify() reports them as dangling and
 * repair() finishes the removal. The reverse index (reverse-index.ts: who consumed a
 * digest, entries by predicate type) follows the blob both ways: recorded after a put's
 * blob, forgotten after a removal's blob, each settled against the blob as it is afterwards
 * (ReverseIndex.settle); verify() reports it damaged or stale and repair() rebuilds it. A writer
 * re-checks its blob after writing its markers, so a put that races a removal of the same
 * bundle ends with the whole entry present.
 */
export class LocalRegistry implements Registry {
  readonly location: string;
  private readonly onCreate: ((location: string) => void) | undefined;
  private readonly durable: boolean;
  /** The reverse index (consumers, signers, predicate types): see reverse-index.ts. */
  readonly reverse: ReverseIndex;

  /** `durable: false` skips fsyncs: for the mirror of an OCI registry, a cache (oci/oci-registry.ts). */
  constructor(dir: string, options: { onCreate?: (location: string) => void; durable?: boolean } = {}) {
    this.location = resolve(dir);
    this.onCreate = options.onCreate;
    this.durable = options.durable ?? true;
    this.reverse = new ReverseIndex(this.location, (hex) => this.blobPath(hex), { durable: this.durable });
  }

  private blobPath(hex: string): string {
    return join(this.location, 'blobs', 'sha256', `${hex}.json`);
  }

  private indexDir(subjectHex: string): string {
    return join(this.location, 'index', subjectHex);
  }

  async put(bundleText: string): Promise<RegistryEntry> {
    const summary = summariseBundle(bundleText, 'bundle');
    const hex = createHash('sha256').update(bundleText, 'utf8').digest('hex');
    const blob = this.blobPath(hex);
    const created = this.onCreate !== undefined && !existsSync(this.location);
    const facts = entryFacts(bundleText, `sha256:${hex}`, blob);
    const marker = JSON.stringify({ id: `sha256:${hex}`, predicateType: summary.predicateType, ...(summary.stage ? { stage: summary.stage } : {}) });
    // Blob, then its reverse-index record, then its subject markers: an entry a reader can find
    // by subject is always in the reverse index too, and a writer stopped early leaves an
    // unindexed blob that verify() reports and repair() finishes. A removal of the same bundle
    // may take the blob at any step: the put starts over until its blob outlives its markers,
    // so a put ends with the whole entry present, and settle leaves the index as the blob is.
    for (;;) {
      if (!existsSync(blob)) writeFileAtomic(blob, bundleText, { durable: this.durable });
      if (!this.reverse.settle(facts.id, facts)) continue;
      for (const s of summary.subjects) {
        const path = join(this.indexDir(s.slice(7)), hex);
        if (!existsSync(path)) writeFileAtomic(path, marker, { durable: this.durable });
      }
      if (existsSync(blob)) break;
    }
    if (created) this.onCreate!(this.location);
    return { id: `sha256:${hex}`, subjects: summary.subjects, predicateType: summary.predicateType, stage: summary.stage, location: blob };
  }

  async findBySubject(digest: string): Promise<RegistryEntry[]> {
    const hex = digest.startsWith('sha256:') ? digest.slice(7) : digest;
    if (!HEX64.test(hex)) throw new InputError('DIGEST_MALFORMED', `"${digest}" is not a sha256 digest`);
    const dir = this.indexDir(hex);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fsError(err, dir, 'read the registry index');
    }
    const out: RegistryEntry[] = [];
    for (const name of names.sort()) {
      if (!HEX64.test(name)) continue; // temporary files of writers in progress
      const marker = readMarker(join(dir, name));
      out.push({ id: `sha256:${name}`, subjects: [`sha256:${hex}`], predicateType: marker.predicateType, stage: marker.stage, location: this.blobPath(name) });
    }
    return out;
  }

  /** Every (subject, entry id) pair the index holds, for mirrors that reconcile with their source. */
  indexedPairs(): { subject: string; id: string }[] {
    const out: { subject: string; id: string }[] = [];
    const indexDir = join(this.location, 'index');
    for (const s of safeList(indexDir)) {
      if (!HEX64.test(s)) continue;
      for (const n of safeList(join(indexDir, s))) if (HEX64.test(n)) out.push({ subject: `sha256:${s}`, id: `sha256:${n}` });
    }
    return out;
  }

  /** Whether entry `id` is indexed under `subject` (both `sha256:<hex>`): one stat, for mirrors. */
  hasEntry(subject: string, id: string): boolean {
    return existsSync(join(this.indexDir(subject.slice(7)), id.slice(7)));
  }

  async findByInput(digest: string): Promise<RegistryEntry[]> {
    return this.entriesOf(this.reverseView().consumersOf(`sha256:${checkHex(digest)}`));
  }

  async findByPredicateType(predicateType: string): Promise<RegistryEntry[]> {
    return this.entriesOf(this.reverseView().byPredicateType(predicateType));
  }

  /** The reverse index as of now (one consistent read; cheap: one pack read plus the journal). */
  reverseView(): ReverseView {
    return this.reverse.load();
  }

  /** Index facts to entries, dropping any whose blob is gone (removed after the index saw it). */
  private entriesOf(facts: EntryFacts[]): RegistryEntry[] {
    return facts
      .filter((f) => existsSync(this.blobPath(f.id.slice(7))))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((f) => ({ id: f.id, subjects: f.subjects.map((s) => s.digest), predicateType: f.predicateType, ...(f.stage ? { stage: f.stage } : {}), location: this.blobPath(f.id.slice(7)) }));
  }

  async read(id: string): Promise<string> {
    const hex = id.startsWith('sha256:') ? id.slice(7) : id;
    if (!HEX64.test(hex)) throw new InputError('DIGEST_MALFORMED', `"${id}" is not a registry entry id (sha256:<64 hex>)`);
    const path = this.blobPath(hex);
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      const e = fsError(err, path, 'read the registry entry');
      if (e.code === 'FILE_NOT_FOUND') throw new InputError('REGISTRY_ENTRY_NOT_FOUND', `no entry ${id} in the registry`, { file: this.location });
      throw e;
    }
  }

  async list(): Promise<RegistryEntry[]> {
    const index = join(this.location, 'index');
    if (!existsSync(index)) return [];
    const bySubject = new Map<string, RegistryEntry>();
    for (const s of readdirSync(index).sort()) {
      if (!HEX64.test(s)) continue;
      for (const e of await this.findBySubject(s)) {
        const prev = bySubject.get(e.id);
        if (prev) prev.subjects.push(...e.subjects);
        else bySubject.set(e.id, e);
      }
    }
    return [...bySubject.values()];
  }

  /** Re-hashes every blob, checks every marker against its blob, and lists leftovers. */
  /** Files in `quarantine/`: blobs repair moved aside because they were altered or damaged. */
  quarantined(): string[] {
    return safeList(join(this.location, 'quarantine')).map((n) => join(this.location, 'quarantine', n));
  }

  async verify(): Promise<RegistryCheck> {
    const problems: RegistryProblem[] = [];
    const strayTempFiles: string[] = [];
    const blobDir = join(this.location, 'blobs', 'sha256');
    const blobs = new Map<string, string[]>(); // hex -> subjects it names
    const present = new Set<string>(); // hex of every blob file, damaged ones included
    for (const name of safeList(blobDir)) {
      const path = join(blobDir, name);
      if (TEMP.test(name)) {
        strayTempFiles.push(path);
        continue;
      }
      const m = /^([0-9a-f]{64})\.json$/.exec(name);
      if (!m) {
        problems.push({ code: 'REGISTRY_UNKNOWN_FILE', message: 'a file that is not a registry blob (left alone: not repairable)', location: path, repairable: false });
        continue;
      }
      present.add(m[1]!);
      const bytes = readFileSync(path);
      if (createHash('sha256').update(bytes).digest('hex') !== m[1]) {
        problems.push({ code: 'REGISTRY_BLOB_CORRUPT', message: 'content does not match its digest name (damaged or edited)', location: path, repairable: true });
        continue;
      }
      try {
        blobs.set(m[1]!, summariseBundle(bytes.toString('utf8'), path).subjects);
      } catch (err) {
        if (!isProvenanceError(err)) throw err;
        problems.push({ code: 'REGISTRY_BLOB_UNREADABLE', message: err.message, location: path, repairable: true });
      }
    }
    let entries = 0;
    const indexed = new Set<string>();
    const indexDir = join(this.location, 'index');
    const subjects = safeList(indexDir).filter((s) => HEX64.test(s));
    for (const s of subjects) {
      for (const name of safeList(join(indexDir, s))) {
        const path = join(indexDir, s, name);
        if (TEMP.test(name)) {
          strayTempFiles.push(path);
          continue;
        }
        entries++;
        const names = blobs.get(name);
        if (!names) {
          problems.push({ code: 'REGISTRY_DANGLING_INDEX', message: `index entry points to a missing or damaged blob sha256:${name}`, location: path, repairable: true });
        } else if (!names.includes(`sha256:${s}`)) {
          problems.push({ code: 'REGISTRY_INDEX_MISMATCH', message: `indexed under sha256:${s}, but the statement does not name that subject`, location: path, repairable: true });
        } else {
          indexed.add(`${s}/${name}`);
        }
      }
    }
    const unindexedBlobs: string[] = [];
    for (const [hex, names] of blobs) {
      if (names.some((s) => !indexed.has(`${s.slice(7)}/${hex}`))) unindexedBlobs.push(this.blobPath(hex));
    }
    // The reverse index: every blob in it, nothing in it without its blob. A damaged blob is
    // reported as such above (repair quarantines it and drops it from the index), not twice.
    strayTempFiles.push(...this.reverse.strayTempFiles());
    const packProblem = this.reverse.packProblem();
    if (packProblem) problems.push({ code: 'REGISTRY_REVERSE_INDEX_DAMAGED', message: `the reverse index pack is unreadable: ${packProblem}`, location: this.reverse.dir, repairable: true });
    if (blobs.size > 0 || existsSync(this.reverse.dir)) {
      const ids = this.reverse.load({ pack: false, build: false }).ids();
      for (const hex of blobs.keys()) {
        if (!ids.has(`sha256:${hex}`) && !unindexedBlobs.includes(this.blobPath(hex))) unindexedBlobs.push(this.blobPath(hex));
      }
      for (const id of ids) {
        if (!present.has(id.slice(7))) problems.push({ code: 'REGISTRY_REVERSE_INDEX_STALE', message: `the reverse index names ${id}, whose blob is not in the registry`, location: this.reverse.dir, repairable: true });
      }
    }
    // What repair moved aside is evidence of tampering or damage: said on every check, never forgotten.
    const quarantined = this.quarantined();
    return { ok: problems.length === 0, entries, subjects: subjects.length, problems, strayTempFiles, unindexedBlobs, ...(quarantined.length ? { quarantined } : {}) };
  }

  /**
   * Removes an entry: with `subject`, only its index marker for that subject (the blob stays
   * while another subject still indexes it); without, every marker and the blob. Blob first,
   * then markers (see the class comment).
   *
   * @throws InputError `REGISTRY_ENTRY_NOT_FOUND` when there is nothing to remove
   */
  async remove(id: string, options: { subject?: string } = {}): Promise<RemovedEntry> {
    const hex = id.startsWith('sha256:') ? id.slice(7) : id;
    if (!HEX64.test(hex)) throw new InputError('DIGEST_MALFORMED', `"${id}" is not a registry entry id (sha256:<64 hex>)`);
    let only: string | undefined;
    if (options.subject !== undefined) {
      only = options.subject.startsWith('sha256:') ? options.subject.slice(7) : options.subject;
      if (!HEX64.test(only)) throw new InputError('DIGEST_MALFORMED', `"${options.subject}" is not a sha256 digest`);
    }
    const indexDir = join(this.location, 'index');
    const markers = safeList(indexDir)
      .filter((s) => HEX64.test(s) && existsSync(join(indexDir, s, hex)))
      .map((s) => `sha256:${s}`);
    const blob = this.blobPath(hex);
    const targeted = only ? markers.filter((m) => m === `sha256:${only}`) : markers;
    if (targeted.length === 0 && (only !== undefined || !existsSync(blob))) {
      throw new InputError('REGISTRY_ENTRY_NOT_FOUND', `no entry sha256:${hex}${only ? ` indexed under sha256:${only}` : ''} in the registry`, { file: this.location });
    }
    const kept = markers.filter((m) => !targeted.includes(m));
    let blobRemoved = false;
    if (kept.length === 0) {
      if (existsSync(blob)) {
        rmSync(blob, { force: true });
        blobRemoved = true;
      }
      // After the blob, like the markers. Settling (not just forgetting) because a concurrent put
      // may write the blob back: the index then ends naming it, never naming a blob taken for
      // good. Also finishes a removal stopped between its blob and its index.
      this.reverse.settle(`sha256:${hex}`);
    }
    // Empty subject folders stay: removing one could pull it from under a writer that just made it.
    for (const m of targeted) rmSync(join(indexDir, m.slice(7), hex), { force: true });
    return { id: `sha256:${hex}`, unindexed: targeted, blobRemoved, keptFor: kept };
  }

  /**
   * Repairs what verify() reports that can be repaired, then verifies again: indexes whole
   * unindexed blobs, removes temporary files, dangling markers (a removal that stopped
   * half-way, or a blob that is gone) and markers under a subject their statement does not
   * name, moves damaged blobs to `quarantine/` (kept for a person to inspect, never read as
   * entries) and drops them from the reverse index, and rebuilds a reverse index that is
   * damaged or names blobs that are gone. Files that are not the registry's are left alone
   * and still reported.
   */
  async repair(): Promise<RegistryCheck> {
    const before = await this.verify();
    const repaired: RegistryRepair[] = [];
    for (const p of before.problems) {
      if (!p.location) continue;
      if (p.code === 'REGISTRY_BLOB_CORRUPT' || p.code === 'REGISTRY_BLOB_UNREADABLE') {
        // Evidence is never overwritten: a blob altered again after an earlier repair gets a name of its own.
        let dest = join(this.location, 'quarantine', basename(p.location));
        for (let n = 1; existsSync(dest); n++) dest = join(this.location, 'quarantine', `${basename(p.location)}.${n}`);
        mkdirSync(dirname(dest), { recursive: true });
        renameSync(p.location, dest);
        const m = /^([0-9a-f]{64})\.json$/.exec(basename(p.location));
        if (m) this.reverse.settle(`sha256:${m[1]}`);
        repaired.push({ code: p.code, location: p.location, action: `moved to ${dest}` });
      }
    }
    // Markers of the blobs just moved dangle now; find them with the rest.
    const middle = repaired.length > 0 ? await this.verify() : before;
    for (const p of middle.problems) {
      if (!p.location) continue;
      if (p.code === 'REGISTRY_DANGLING_INDEX' || p.code === 'REGISTRY_INDEX_MISMATCH') {
        rmSync(p.location, { force: true });
        repaired.push({ code: p.code, location: p.location, action: 'index entry removed' });
      }
    }
    // A damaged pack or an index naming blobs that are gone: rebuilt from the blobs as they are now.
    const reverseProblems = [...new Set(middle.problems.filter((p) => p.code.startsWith('REGISTRY_REVERSE_INDEX_')).map((p) => p.code))];
    if (reverseProblems.length > 0) {
      const built = this.reverse.rebuild();
      for (const code of reverseProblems) repaired.push({ code, location: this.reverse.dir, action: `rebuilt from ${built.entries} blob(s)` });
    }
    // Without its pack, the index looked empty above: what it still lacks is seen after the rebuild.
    const rest = reverseProblems.length > 0 ? await this.verify() : middle;
    // Re-putting a whole blob writes only the markers (and reverse-index record) it lacks; its bytes are unchanged.
    for (const path of rest.unindexedBlobs) {
      if (!existsSync(path)) continue;
      await this.put(readFileSync(path, 'utf8'));
      repaired.push({ code: 'REGISTRY_UNINDEXED_BLOB', location: path, action: 'indexed' });
    }
    for (const tmp of rest.strayTempFiles) {
      rmSync(tmp, { force: true });
      repaired.push({ code: 'REGISTRY_TEMP_FILE', location: tmp, action: 'removed' });
    }
    return { ...(await this.verify()), repaired };
  }

  /** Builds the reverse index from every blob, from scratch (`registry index --rebuild`). */
  rebuildIndex(): { entries: number; skipped: string[] } {
    return this.reverse.rebuild();
  }
}

function checkHex(digest: string): string {
  const hex = digest.startsWith('sha256:') ? digest.slice(7) : digest;
  if (!HEX64.test(hex)) throw new InputError('DIGEST_MALFORMED', `"${digest}" is not a sha256 digest`);
  return hex;
}

function readMarker(path: string): { predicateType: string; stage?: string } {
  try {
    const m: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (isObject(m) && typeof m.predicateType === 'string') return { predicateType: m.predicateType, ...(typeof m.stage === 'string' ? { stage: m.stage } : {}) };
  } catch {
    /* fall through */
  }
  return { predicateType: 'unknown' };
}

function safeList(dir: string): string[] {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir).sort() : [];
  } catch {
    return [];
  }
}
