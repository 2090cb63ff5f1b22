import { join } from 'node:path';
import { InputError, isProvenanceError } from '../../errors';
import { isObject } from '../../io/json';
import { parseBundle } from '../../sigstore/bundle';
import { summariseBundle } from '../describe';
import { LocalRegistry } from '../local';
import type { Registry, RegistryCheck, RegistryEntry, RegistryProblem, RemovedEntry } from '../registry';
import { BlobCache, cacheDirFor } from './cache';
import { OciClient, sha256, type ClientOptions } from './client';
import { RegistryError } from './errors';
import {
  ANNOTATION,
  BUNDLE_ARTIFACT_TYPES,
  EMPTY_BYTES,
  EMPTY_DIGEST,
  IMAGE_INDEX,
  IMAGE_MANIFEST,
  artifactManifest,
  bundleArtifactType,
  entryTag,
  indexBody,
  parseArtifact,
  parseEntryTag,
  parseIndex,
  parseSubjectTag,
  referrersTag,
  subjectManifest,
  type ArtifactFacts,
  type Descriptor,
} from './layout';
import type { OciReference } from './reference';

/** Largest bundle fetched (bytes): attestations with inline byproducts can be several MB. */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;

export interface OciRegistryOptions extends ClientOptions {
  /** Local cache folder (read cache and the synced mirror); default cacheDirFor(ref). */
  cacheDir?: string;
  /**
   * How long one listing of the repository's tags serves lookups by subject (ms; default
   * 5000). Lookups still read the referrers (or the tag-schema index) afresh each time; the tag
   * list only adds artifacts the index lost to a concurrent writer, and on a registry with
   * 30,000 tags one listing takes about a second. A mirror sync finished this recently
   * likewise serves the next list or reverse lookup of this process (its own put and remove
   * start a new one); 0 makes every one sync afresh. Verify and remove always list afresh.
   */
  tagsMaxAgeMs?: number;
  /**
   * `read` (default): a repository the registry does not have is REGISTRY_NOT_FOUND, never an
   * empty registry; `write`: it is created by the first push.
   */
  access?: 'read' | 'write';
}

export interface SyncResult {
  /** Entries the registry names (per-artifact tags): unchanged + added + those in `problems`. */
  entries: number;
  /** Entries that were already in the mirror. */
  unchanged: number;
  /** Entries this sync put into the mirror (their bundles fetched or found in the local cache). */
  added: number;
  /** Bundles downloaded by this sync (one bundle may serve several entries: one per subject). */
  fetched: number;
  /** Bundles taken from the local read cache (this machine wrote or read them before). */
  cached: number;
  /** Entries the mirror dropped because the registry no longer has them. */
  removed: number;
  /** Tags that name an entry whose bundle could not be stored (missing or unreadable blob). */
  problems: RegistryProblem[];
}

/**
 * The registry interface over an OCI Distribution v1.1 repository (docs/registry.md, "OCI").
 *
 * Each entry is an OCI artifact per (subject, bundle): an image manifest whose artifactType
 * is the Sigstore bundle media type, the bundle its one layer, a `subject` pointing at the
 * subject manifest of the digest it is about, and a per-artifact tag that no other writer
 * ever writes. Lookups by subject use the referrers API, or the OCI 1.1 referrers tag schema
 * where the registry lacks it, and merge the per-artifact tags, so an index entry lost to a
 * concurrent writer never loses an attestation. Lookups over every entry (list, and the
 * reverse lookups) answer from a local mirror synced from the tag list first.
 */
export class OciRegistry implements Registry {
  readonly location: string;
  readonly client: OciClient;
  /** The entries the registry's tags name, as of the last sync: a LocalRegistry in the cache. */
  readonly mirror: LocalRegistry;
  private readonly blobs: BlobCache;
  /** The mirror's own blobs, read with the same re-hash. */
  private readonly mirrorBlobs: BlobCache;
  /** true: the registry answers the referrers API; false: use the tag schema; undefined: not known yet. */
  private referrersApi: boolean | undefined;
  private readonly subjectsPushed = new Set<string>();
  /** The empty config blob, pushed once per process (concurrent pushes of one blob upset Distribution). */
  private emptyReady: Promise<void> | undefined;
  private tags: { at: number; list: string[] } | undefined;
  /** The last mirror sync of this process (see synced()). */
  private lastSync: { done?: number; result: Promise<SyncResult> } | undefined;
  private readonly tagsMaxAgeMs: number;
  private readonly access: 'read' | 'write';

  constructor(
    readonly ref: OciReference,
    options: OciRegistryOptions = {},
  ) {
    this.location = ref.display;
    this.client = new OciClient(ref, options);
    const cache = options.cacheDir ?? cacheDirFor(ref, options.env);
    this.blobs = new BlobCache(join(cache, 'blobs'));
    this.mirror = new LocalRegistry(join(cache, 'mirror'), { durable: false });
    this.mirrorBlobs = new BlobCache(join(cache, 'mirror', 'blobs'));
    this.tagsMaxAgeMs = options.tagsMaxAgeMs ?? 5_000;
    this.access = options.access ?? 'read';
  }

  /**
   * Pushes the bundle: its blob, the empty config, then per subject the subject manifest,
   * the artifact manifest under its per-artifact tag, and (without the referrers API) the
   * tag-schema index. The entry is visible once its tag is written; nothing is stored
   * locally until the registry has accepted all of it.
   */
  async put(bundleText: string): Promise<RegistryEntry> {
    const summary = summariseBundle(bundleText, 'bundle');
    const bytes = Buffer.from(bundleText, 'utf8');
    const id = sha256(bytes);
    const mediaType = bundleArtifactType(bundleMediaType(bundleText));
    const created = statementTime(bundleText);
    // The bundle uploads while the empty config blob and then the subject manifests (which
    // name it, so a registry refuses them before it exists) are stored.
    this.emptyReady ??= this.client.pushBlob(EMPTY_DIGEST, EMPTY_BYTES, { checkFirst: true }).catch((err: unknown) => {
      this.emptyReady = undefined;
      throw err;
    });
    const empty = this.emptyReady;
    const subjects = empty.then(() =>
      Promise.all(
        summary.subjects
          .filter((subject) => !this.subjectsPushed.has(subject))
          .map((subject) => {
            const subj = subjectManifest(subject);
            return this.client.putManifest(subj.tag, subj.body, IMAGE_MANIFEST).then(() => this.subjectsPushed.add(subject));
          }),
      ),
    );
    await settledInOrder<unknown>([this.client.pushBlob(id, bytes), subjects]);
    await settledInOrder(
      summary.subjects.map(async (subject) => {
        const subj = subjectManifest(subject);
        const art = artifactManifest({ id, size: bytes.length, subject, predicateType: summary.predicateType, ...(summary.stage ? { stage: summary.stage } : {}), ...(created ? { created } : {}), bundleMediaType: mediaType });
        const stored = await this.client.putManifest(art.tag, art.body, IMAGE_MANIFEST);
        if (stored.ociSubject) this.referrersApi = true;
        else await this.addReferrers(subject, subj.descriptor.digest, [art.descriptor]);
        if (this.tags) this.tags.list.push(art.tag, subj.tag);
      }),
    );
    // Only now, with the registry holding all of it, is anything kept locally.
    this.blobs.put(id, bytes);
    this.lastSync = undefined;
    return { id, subjects: summary.subjects, predicateType: summary.predicateType, ...(summary.stage ? { stage: summary.stage } : {}), location: this.entryLocation(summary.subjects[0]!, id) };
  }

  /** `oci://host/repo:sha256-<subject>.<entry>`: the per-artifact tag, for oras and crane. */
  entryLocation(subject: string, id: string): string {
    return `${this.location}:${entryTag(subject, id)}`;
  }

  /**
   * Adds descriptors to the tag-schema referrers index of a subject manifest: a
   * read-modify-write that re-reads after writing and merges again while any of ours is
   * missing (another writer's stale write replaced it). Under contention it also merges the
   * artifacts the tag list names for that subject, so the index heals. It cannot be made
   * atomic without conditional writes, which Distribution lacks; readers never depend on
   * it alone (they merge the per-artifact tags), and `registry verify --repair` completes it.
   */
  private async addReferrers(subject: string, subjectDigest: string, ours: Descriptor[]): Promise<void> {
    const tag = referrersTag(subjectDigest);
    for (let attempt = 1; attempt <= 6; attempt++) {
      const current = await this.readIndex(tag);
      const have = new Set(current.map((d) => d.digest));
      const missing = ours.filter((d) => !have.has(d.digest));
      if (missing.length === 0) return;
      const extra = attempt > 1 ? await this.tagged(subject, have) : [];
      await this.putIndex(tag, [...current, ...missing, ...extra]);
      // A moment for a concurrent writer's stale write to land before checking ours survived it.
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      const after = new Set((await this.readIndex(tag)).map((d) => d.digest));
      if (ours.every((d) => after.has(d.digest))) return;
    }
    // Still missing after six rounds: the per-artifact tag keeps the entry findable.
  }

  private async readIndex(tag: string): Promise<Descriptor[]> {
    const m = await this.client.getManifest(tag, [IMAGE_INDEX]);
    if (!m) return [];
    if (m.mediaType && m.mediaType !== IMAGE_INDEX) throw new RegistryError(this.location, 'REGISTRY_PROTOCOL', `tag ${tag} holds a ${m.mediaType}, not the image index the referrers tag schema puts there`);
    return parseIndex(m.body);
  }

  /** Descriptors of the per-artifact tags for `subject` whose digests are not in `have`. */
  private async tagged(subject: string, have: Set<string>): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    for (const tag of await this.tagList(true)) {
      const p = parseEntryTag(tag);
      if (!p || p.subject !== subject) continue;
      const m = await this.client.getManifest(tag, [IMAGE_MANIFEST]);
      if (!m || have.has(m.digest)) continue;
      const a = parseArtifact(m.body);
      out.push({ mediaType: IMAGE_MANIFEST, digest: m.digest, size: m.body.length, ...(a?.artifactType ? { artifactType: a.artifactType } : {}), ...(a && Object.keys(a.annotations).length ? { annotations: a.annotations } : {}) });
    }
    return out;
  }

  private async tagList(fresh = false): Promise<string[]> {
    const now = Date.now();
    if (!fresh && this.tags && now - this.tags.at <= this.tagsMaxAgeMs) return this.tags.list;
    const listed = await this.client.listTags();
    if (listed === undefined && this.access === 'read') {
      throw new InputError('REGISTRY_NOT_FOUND', `no registry here: ${this.ref.host} has no repository ${this.ref.repository} (nothing was ever pushed to it; check the name)`, { file: this.location });
    }
    const list = listed ?? [];
    this.tags = { at: now, list };
    return list;
  }

  /**
   * Entries about `digest`: the referrers of its subject manifest (referrers API, else the
   * tag-schema index), merged with the per-artifact tags the tag list names for it. Entries
   * from an index are read from its annotations (no manifest fetch); artifacts of other
   * tools (no entry annotation) are fetched to find their bundle layer.
   */
  async findBySubject(digest: string): Promise<RegistryEntry[]> {
    const hex = checkHex(digest);
    const subject = `sha256:${hex}`;
    const subjDigest = subjectManifest(subject).descriptor.digest;
    // The referrers API (until it is known to be missing), the tag-schema index and the tag
    // list, all at once: one round trip once the registry's kind is known. The referrers API is
    // kept by the registry itself, so it needs no tag list beside it.
    const [api, index, tags] = await Promise.all([
      this.referrersApi !== false ? this.client.referrers(subjDigest) : Promise.resolve(undefined),
      this.referrersApi !== true ? this.readIndex(referrersTag(subjDigest)) : Promise.resolve([]),
      this.referrersApi !== true ? this.tagList() : Promise.resolve([]),
    ]);
    if (this.referrersApi === undefined) this.referrersApi = api !== undefined;
    const referrers = api ? parseIndex(api) : index;
    const tagged = new Set(tags);
    const out = new Map<string, RegistryEntry>();
    for (const d of referrers) {
      if (d.artifactType && !BUNDLE_ARTIFACT_TYPES.includes(d.artifactType)) continue;
      // Our artifacts count while their per-artifact tag exists: a removed entry that a stale
      // tag-schema index still lists is not an entry. Other tools' artifacts have no such tag.
      const ours = d.annotations?.[ANNOTATION.entry];
      // (A tag newer than the listing this lookup used is confirmed with one HEAD.)
      if (!api && ours && !tagged.has(entryTag(subject, ours)) && (await this.client.headManifest(entryTag(subject, ours))) === false) continue;
      const e = await this.entryFromDescriptor(subject, d);
      if (e && !out.has(e.id)) out.set(e.id, e);
    }
    for (const tag of tags) {
      const p = parseEntryTag(tag);
      if (!p || p.subject !== subject || out.has(p.id)) continue;
      const m = await this.client.getManifest(tag, [IMAGE_MANIFEST]);
      const a = m ? parseArtifact(m.body) : undefined;
      if (!a?.bundleLayer || a.bundleLayer.digest !== p.id) continue;
      out.set(p.id, { id: p.id, subjects: [subject], predicateType: a.annotations[ANNOTATION.predicateType] ?? 'unknown', ...(a.annotations[ANNOTATION.stage] ? { stage: a.annotations[ANNOTATION.stage] } : {}), location: this.entryLocation(subject, p.id) });
    }
    return [...out.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private async entryFromDescriptor(subject: string, d: Descriptor): Promise<RegistryEntry | undefined> {
    const ann = d.annotations ?? {};
    let id = ann[ANNOTATION.entry];
    let annotations = ann;
    if (!id || !/^sha256:[0-9a-f]{64}$/.test(id)) {
      const m = await this.client.getManifest(d.digest, [IMAGE_MANIFEST]);
      const a = m ? parseArtifact(m.body) : undefined;
      if (!a?.bundleLayer || !/^sha256:[0-9a-f]{64}$/.test(a.bundleLayer.digest)) return undefined;
      id = a.bundleLayer.digest;
      annotations = { ...a.annotations, ...ann };
    }
    // Ours are named by their per-artifact tag, as list() names them; another tool's artifact has no tag of ours: its manifest digest.
    const location = ann[ANNOTATION.entry] === id ? this.entryLocation(subject, id) : `${this.location}@${d.digest}`;
    return { id, subjects: [subject], predicateType: annotations[ANNOTATION.predicateType] ?? 'unknown', ...(annotations[ANNOTATION.stage] ? { stage: annotations[ANNOTATION.stage] } : {}), location };
  }

  /** The bundle of entry `id`: from the local read cache if whole, else the registry (verified). */
  async read(id: string): Promise<string> {
    const hex = checkHex(id, 'is not a registry entry id (sha256:<64 hex>)');
    const digest = `sha256:${hex}`;
    const cached = this.blobs.get(digest) ?? this.mirrorBlobs.get(digest);
    if (cached !== undefined) return cached;
    const bytes = await this.client.getBlob(digest, MAX_BUNDLE_BYTES);
    if (!bytes) throw new InputError('REGISTRY_ENTRY_NOT_FOUND', `no entry ${id} in the registry`, { file: this.location });
    this.blobs.put(digest, bytes);
    return bytes.toString('utf8');
  }

  /**
   * Brings the local mirror up to the registry: one tag listing, then the bundles of the
   * entries the mirror lacks (8 at a time, each digest-verified). Every entry the tag list
   * names when the sync starts is in the mirror when it returns.
   */
  async sync(): Promise<SyncResult> {
    const pairs = (await this.tagList(true)).map(parseEntryTag).filter((p): p is { subject: string; id: string } => p !== undefined);
    const wanted = new Map<string, string[]>();
    let unchanged = 0;
    for (const p of pairs) {
      if (this.mirror.hasEntry(p.subject, p.id)) unchanged++;
      else wanted.set(p.id, [...(wanted.get(p.id) ?? []), p.subject]);
    }
    const problems: RegistryProblem[] = [];
    let fetched = 0;
    let cached = 0;
    let added = 0;
    const ids = [...wanted.keys()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++]!;
        let text = this.blobs.get(id);
        if (text === undefined) {
          const bytes = await this.client.getBlob(id, MAX_BUNDLE_BYTES);
          if (!bytes) {
            problems.push({ code: 'REGISTRY_DANGLING_INDEX', message: `a tag names entry ${id}, whose bundle is not in the registry`, location: this.entryLocation(wanted.get(id)![0]!, id) });
            continue;
          }
          fetched++;
          text = bytes.toString('utf8'); // the mirror keeps it; read() finds it there
        } else cached++;
        try {
          await this.mirror.put(text);
          added += wanted.get(id)!.length;
        } catch (err) {
          if (!isProvenanceError(err) || err instanceof RegistryError) throw err;
          problems.push({ code: 'REGISTRY_BLOB_UNREADABLE', message: err.message, location: this.entryLocation(wanted.get(id)![0]!, id) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, ids.length) }, worker));
    // Entries removed from the registry since the last sync leave the mirror too.
    const listed = new Set(pairs.map((p) => `${p.subject} ${p.id}`));
    let removed = 0;
    for (const p of this.mirror.indexedPairs()) {
      if (listed.has(`${p.subject} ${p.id}`)) continue;
      try {
        await this.mirror.remove(p.id, { subject: p.subject });
        removed++;
      } catch (err) {
        if (!isProvenanceError(err)) throw err; // removed meanwhile by another process
      }
    }
    return { entries: pairs.length, unchanged, added, fetched, cached, removed, problems };
  }

  /** Every entry, from the mirror after a sync; locations name the per-artifact tags. */
  async list(): Promise<RegistryEntry[]> {
    return (await (await this.synced()).list()).map((e) => this.relocated(e));
  }

  /**
   * The local mirror, synced now: a LocalRegistry holding exactly the entries the registry's
   * tags name, with the folder's reverse index. What the reverse lookups and a blast-radius
   * walk read (one sync serves a whole walk). Its locations are cache paths: use
   * `entryLocation` for people.
   */
  async synced(): Promise<LocalRegistry> {
    // A sync in flight, or one finished less than tagsMaxAgeMs ago, serves this query too (a
    // command's advisory lookup and its walk share one), as one tag listing serves lookups by
    // subject; this process's own put and remove start a new one.
    const last = this.lastSync;
    if (!last || (last.done !== undefined && Date.now() - last.done > this.tagsMaxAgeMs)) {
      const entry: { done?: number; result: Promise<SyncResult> } = { result: this.sync() };
      entry.result.then(
        () => (entry.done = Date.now()),
        () => {
          if (this.lastSync === entry) this.lastSync = undefined;
        },
      );
      this.lastSync = entry;
    }
    await this.lastSync!.result;
    return this.mirror;
  }

  /**
   * Entries whose statement names `digest` as an input (any SLSA resolvedDependencies role),
   * answered by the mirror's reverse index after a sync, so never older than the query
   * (docs/registry.md, "Reverse lookups").
   */
  async findByInput(digest: string): Promise<RegistryEntry[]> {
    const d = `sha256:${checkHex(digest)}`;
    return (await (await this.synced()).findByInput(d)).map((e) => this.relocated(e));
  }

  /** Entries of one predicate type (advisories, deployment records): a sync, then the mirror's index. */
  async findByPredicateType(predicateType: string): Promise<RegistryEntry[]> {
    return (await (await this.synced()).findByPredicateType(predicateType)).map((e) => this.relocated(e));
  }

  private relocated(e: RegistryEntry): RegistryEntry {
    return { ...e, location: this.entryLocation(e.subjects[0]!, e.id) };
  }

  /**
   * Checks every entry the tag list names: its artifact manifest (digest, shape, subject,
   * annotations against the bundle), its bundle (digest, statement names the subject), the
   * subject manifest; artifacts missing from the tag-schema referrers index are listed as
   * `unlistedReferrers` (readers still find them; `--repair` adds them for oras and crane).
   */
  async verify(): Promise<RegistryCheck> {
    const problems: RegistryProblem[] = [];
    const tags = await this.tagList(true);
    const pairs = tags.map((t) => ({ tag: t, p: parseEntryTag(t) })).filter((x): x is { tag: string; p: { subject: string; id: string } } => x.p !== undefined);
    const subjectTags = new Set(tags.map(parseSubjectTag).filter((s): s is string => s !== undefined));
    const bySubject = new Map<string, Descriptor[]>();
    const bundleChecked = new Map<string, { subjects: string[]; facts: Omit<ArtifactFacts, 'subject'> } | RegistryProblem>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < pairs.length) {
        const { tag, p } = pairs[next++]!;
        const where = `${this.location}:${tag}`;
        let m;
        try {
          m = await this.client.getManifest(tag, [IMAGE_MANIFEST]);
        } catch (err) {
          if (err instanceof RegistryError && err.code === 'REGISTRY_DIGEST_MISMATCH') {
            problems.push({ code: 'REGISTRY_MANIFEST_CORRUPT', message: err.message, location: where });
            continue;
          }
          throw err;
        }
        if (!m) continue; // deleted since the listing
        let b = bundleChecked.get(p.id);
        if (!b) {
          b = await this.checkBundle(p.id, where);
          bundleChecked.set(p.id, b);
        }
        if ('code' in b) {
          problems.push({ ...b, location: where });
          continue;
        }
        if (!b.subjects.includes(p.subject)) {
          problems.push({ code: 'REGISTRY_INDEX_MISMATCH', message: `tagged under ${p.subject}, but the statement does not name that subject`, location: where });
          continue;
        }
        const expected = artifactManifest({ ...b.facts, subject: p.subject });
        if (expected.descriptor.digest !== m.digest) {
          const a = parseArtifact(m.body);
          const why = !a?.bundleLayer || a.bundleLayer.digest !== p.id ? 'its layer is not the bundle its tag names' : a.subject?.digest !== subjectManifest(p.subject).descriptor.digest ? 'its subject is not the subject manifest of the digest its tag names' : 'its annotations do not describe its bundle';
          problems.push({ code: 'REGISTRY_INDEX_MISMATCH', message: `the artifact manifest does not match its bundle: ${why}`, location: where });
          continue;
        }
        bySubject.set(p.subject, [...(bySubject.get(p.subject) ?? []), expected.descriptor]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, pairs.length) }, worker));
    const unlistedReferrers: string[] = [];
    for (const [subject, descs] of [...bySubject].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const subj = subjectManifest(subject);
      const got = subjectTags.has(subject) ? await this.client.getManifest(subj.tag, [IMAGE_MANIFEST]).catch((e: unknown) => (e instanceof RegistryError && e.code === 'REGISTRY_DIGEST_MISMATCH' ? undefined : Promise.reject(e))) : undefined;
      if (!got || got.digest !== subj.descriptor.digest) {
        problems.push({ code: 'REGISTRY_SUBJECT_MISSING', message: `the subject manifest of ${subject} is missing or altered (--repair pushes it)`, location: `${this.location}:${subj.tag}` });
      }
      if (this.referrersApi === undefined) this.referrersApi = (await this.client.referrers(subj.descriptor.digest)) !== undefined;
      if (this.referrersApi) continue;
      const listed = new Set((await this.readIndex(referrersTag(subj.descriptor.digest))).map((d) => d.digest));
      for (const d of descs) if (!listed.has(d.digest)) unlistedReferrers.push(`${this.location}@${d.digest}`);
    }
    const subjects = bySubject.size;
    const entries = [...bySubject.values()].reduce((n, d) => n + d.length, 0);
    return { ok: problems.length === 0, entries, subjects, problems, strayTempFiles: [], unindexedBlobs: [], unlistedReferrers: unlistedReferrers.sort() };
  }

  private async checkBundle(id: string, where: string): Promise<{ subjects: string[]; facts: Omit<ArtifactFacts, 'subject'> } | RegistryProblem> {
    let bytes: Buffer | undefined;
    try {
      bytes = await this.client.getBlob(id, MAX_BUNDLE_BYTES);
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'REGISTRY_DIGEST_MISMATCH') return { code: 'REGISTRY_BLOB_CORRUPT', message: err.message, location: where };
      throw err;
    }
    if (!bytes) return { code: 'REGISTRY_DANGLING_INDEX', message: `the tag names bundle ${id}, which is not in the registry`, location: where };
    const text = bytes.toString('utf8');
    try {
      const s = summariseBundle(text, where);
      const created = statementTime(text);
      return { subjects: s.subjects, facts: { id, size: bytes.length, predicateType: s.predicateType, ...(s.stage ? { stage: s.stage } : {}), ...(created ? { created } : {}), bundleMediaType: bundleArtifactType(bundleMediaType(text)) } };
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
      return { code: 'REGISTRY_BLOB_UNREADABLE', message: err.message, location: where };
    }
  }

  /**
   * Removes entry `id`: under each of its subjects (or only `subject`), the artifact manifest
   * and its per-artifact tag (a manifest DELETE, which the registry must allow), then its
   * descriptor in the tag-schema index; the bundle blob when no subject keeps it; and the local
   * copies. Readers stop seeing it once its tag is gone, even if a concurrent index write
   * still lists it.
   *
   * @throws InputError REGISTRY_ENTRY_NOT_FOUND; RegistryError REGISTRY_DELETE_DISABLED
   */
  async remove(id: string, options: { subject?: string } = {}): Promise<RemovedEntry> {
    const digest = `sha256:${checkHex(id, 'is not a registry entry id (sha256:<64 hex>)')}`;
    const only = options.subject === undefined ? undefined : `sha256:${checkHex(options.subject)}`;
    const subjects = (await this.tagList(true))
      .map(parseEntryTag)
      .filter((p): p is { subject: string; id: string } => p !== undefined && p.id === digest)
      .map((p) => p.subject);
    const targeted = only ? subjects.filter((s) => s === only) : subjects;
    if (targeted.length === 0) throw new InputError('REGISTRY_ENTRY_NOT_FOUND', `no entry ${digest}${only ? ` indexed under ${only}` : ''} in the registry`, { file: this.location });
    const kept = subjects.filter((s) => !targeted.includes(s));
    for (const subject of targeted) {
      const tag = entryTag(subject, digest);
      const head = await this.client.headManifest(tag);
      const manifest = typeof head === 'string' ? head : head === false ? undefined : (await this.client.getManifest(tag, [IMAGE_MANIFEST]))?.digest;
      if (manifest) {
        await this.client.deleteManifest(manifest);
        await this.dropReferrer(subjectManifest(subject).descriptor.digest, manifest);
      }
      try {
        await this.mirror.remove(digest, { subject });
      } catch (err) {
        if (!isProvenanceError(err)) throw err; // the mirror never had it
      }
    }
    if (this.tags) this.tags.list = this.tags.list.filter((t) => !targeted.some((s) => t === entryTag(s, digest)));
    this.lastSync = undefined;
    let blobRemoved = false;
    if (kept.length === 0) {
      this.blobs.delete(digest);
      blobRemoved = await this.client.deleteBlob(digest);
    }
    return { id: digest, unindexed: targeted, blobRemoved, keptFor: kept };
  }

  /** Takes a descriptor out of a tag-schema referrers index (read-modify-write, re-read until gone). */
  private async dropReferrer(subjectDigest: string, manifest: string): Promise<void> {
    if (this.referrersApi === true) return; // the registry keeps its referrers itself
    const tag = referrersTag(subjectDigest);
    for (let attempt = 1; attempt <= 6; attempt++) {
      const current = await this.readIndex(tag);
      if (!current.some((d) => d.digest === manifest)) return;
      await this.putIndex(tag, current.filter((d) => d.digest !== manifest));
    }
  }

  /**
   * Writes a tag-schema index. Distribution refuses an index naming a manifest that is gone
   * (MANIFEST_BLOB_UNKNOWN), as one read before a removal would: then the descriptors whose
   * manifests are missing are dropped and it is written once more.
   */
  private async putIndex(tag: string, descriptors: Descriptor[]): Promise<void> {
    try {
      await this.client.putManifest(tag, indexBody(descriptors), IMAGE_INDEX);
    } catch (err) {
      if (!(err instanceof RegistryError) || !/MANIFEST_BLOB_UNKNOWN|MANIFEST_UNKNOWN/.test(err.message)) throw err;
      const present = await Promise.all(descriptors.map(async (d) => ((await this.client.headManifest(d.digest)) !== false ? d : undefined)));
      await this.client.putManifest(tag, indexBody(present.filter((d): d is Descriptor => d !== undefined)), IMAGE_INDEX);
    }
  }

  /** Pushes missing subject manifests and completes the tag-schema referrers indexes. */
  async repair(): Promise<RegistryCheck> {
    const before = await this.verify();
    for (const p of before.problems) {
      if (p.code !== 'REGISTRY_SUBJECT_MISSING' || !p.location) continue;
      const subject = parseSubjectTag(p.location.slice(this.location.length + 1));
      if (!subject) continue;
      const s = subjectManifest(subject);
      await this.client.putManifest(s.tag, s.body, IMAGE_MANIFEST);
    }
    const bySubject = new Map<string, Descriptor[]>();
    for (const loc of before.unlistedReferrers ?? []) {
      const digest = loc.slice(loc.lastIndexOf('@') + 1);
      const m = await this.client.getManifest(digest, [IMAGE_MANIFEST]);
      const a = m ? parseArtifact(m.body) : undefined;
      if (!m || !a?.subject) continue;
      bySubject.set(a.subject.digest, [...(bySubject.get(a.subject.digest) ?? []), { mediaType: IMAGE_MANIFEST, digest: m.digest, size: m.body.length, ...(a.artifactType ? { artifactType: a.artifactType } : {}), annotations: a.annotations }]);
    }
    for (const [subjDigest, descs] of bySubject) {
      const subject = descs[0]!.annotations?.[ANNOTATION.subject] ?? '';
      await this.addReferrers(subject, subjDigest, descs);
    }
    return this.verify();
  }
}

function checkHex(digest: string, why = 'is not a sha256 digest'): string {
  const hex = digest.startsWith('sha256:') ? digest.slice(7) : digest;
  if (!HEX64.test(hex)) throw new InputError('DIGEST_MALFORMED', `"${digest}" ${why}`);
  return hex;
}

function bundleMediaType(text: string): unknown {
  try {
    return parseBundle(text, 'bundle').json.mediaType;
  } catch {
    return undefined;
  }
}

/**
 * The time a statement claims for itself (SLSA finishedOn/startedOn, a VSA's timeVerified,
 * a VEX timestamp): the artifact's creation annotation. Taken from the bundle, never from
 * the clock, so the manifest is a function of the bundle and pushing it twice is a no-op.
 */
export function statementTime(text: string): string | undefined {
  try {
    const b = parseBundle(text, 'bundle');
    const st: unknown = JSON.parse(b.envelope.payload.toString('utf8'));
    if (!isObject(st) || !isObject(st.predicate)) return undefined;
    const p = st.predicate;
    const md = isObject(p.runDetails) && isObject(p.runDetails.metadata) ? p.runDetails.metadata : {};
    for (const t of [md.finishedOn, md.startedOn, p.timeVerified, p.timestamp]) if (typeof t === 'string' && !Number.isNaN(Date.parse(t))) return t;
  } catch {
    /* no time */
  }
  return undefined;
}

/**
 * Waits for every step, then throws the error of the first step in list order that failed.
 * Promise.all would throw whichever failure settled first: when a registry dies mid-upload,
 * a small request started after the fault runs out of retries before the upload does, and
 * the user was told "refused the connection" instead of the cause ("the connection was
 * dropped during PUT blob upload…"). The steps are listed cause first.
 */
async function settledInOrder<T>(steps: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(steps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
