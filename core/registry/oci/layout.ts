import { isObject } from '../../io/json';
import { sha256 } from './client';

/**
 * How our entries are laid out in an OCI repository (docs/registry.md, "OCI layout"). Every
 * manifest here is a pure function of its inputs, serialised with a fixed key order, so any
 * two writers (or a later `registry copy`) produce byte-identical manifests and digests.
 */
export const IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
export const EMPTY_BYTES = Buffer.from('{}');
export const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
/** The Sigstore bundle media type, the artifactType of every entry (and its one layer's type). */
export const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const BUNDLE_ARTIFACT_TYPES = [BUNDLE_V03, 'application/vnd.dev.sigstore.bundle.v0.2+json', 'application/vnd.dev.sigstore.bundle.v0.1+json', 'application/vnd.dev.sigstore.bundle+json'];
/** The artifactType of a subject manifest: the stand-in for a digest that is not an OCI manifest. */
export const SUBJECT_ARTIFACT_TYPE = 'application/vnd.dev.model-provenance.subject.v1';

export const ANNOTATION = {
  /** `sha256:<hex>` the entry (or the subject manifest) is about: a model's OMS root digest, a dataset's, a file's. */
  subject: 'dev.model-provenance.subject',
  /** `sha256:<hex>` of the bundle: the entry id (and its layer digest), so an index alone answers a lookup. */
  entry: 'dev.model-provenance.entry',
  stage: 'dev.model-provenance.stage',
  /** cosign's annotations for bundles stored as OCI 1.1 referrers. */
  predicateType: 'dev.sigstore.bundle.predicateType',
  content: 'dev.sigstore.bundle.content',
  created: 'org.opencontainers.image.created',
} as const;

const HEX64 = /^[0-9a-f]{64}$/;
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

const emptyDescriptor = (): Descriptor => ({ mediaType: EMPTY_MEDIA_TYPE, digest: EMPTY_DIGEST, size: 2 });

/** The subject manifest for a digest: tiny, deterministic, tagged `sha256-<hex>.subject`. */
export function subjectManifest(subject: string): { body: Buffer; descriptor: Descriptor; tag: string } {
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: IMAGE_MANIFEST,
      artifactType: SUBJECT_ARTIFACT_TYPE,
      config: emptyDescriptor(),
      layers: [emptyDescriptor()],
      annotations: { [ANNOTATION.subject]: subject },
    }),
  );
  return { body, descriptor: { mediaType: IMAGE_MANIFEST, digest: sha256(body), size: body.length }, tag: subjectTag(subject) };
}

export interface ArtifactFacts {
  /** The entry id: sha256 of the bundle bytes. */
  id: string;
  size: number;
  subject: string;
  predicateType: string;
  stage?: string;
  created?: string;
  bundleMediaType: string;
}

/** The entry's artifact manifest for one of its subjects, and its per-artifact tag. */
export function artifactManifest(f: ArtifactFacts): { body: Buffer; descriptor: Descriptor; tag: string } {
  const subject = subjectManifest(f.subject).descriptor;
  const annotations = artifactAnnotations(f);
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: IMAGE_MANIFEST,
      artifactType: f.bundleMediaType,
      config: emptyDescriptor(),
      layers: [{ mediaType: f.bundleMediaType, digest: f.id, size: f.size }],
      subject,
      annotations,
    }),
  );
  return { body, descriptor: { mediaType: IMAGE_MANIFEST, digest: sha256(body), size: body.length, artifactType: f.bundleMediaType, annotations }, tag: entryTag(f.subject, f.id) };
}

function artifactAnnotations(f: ArtifactFacts): Record<string, string> {
  const a: Record<string, string> = {};
  if (f.created) a[ANNOTATION.created] = f.created;
  a[ANNOTATION.content] = 'dsse-envelope';
  a[ANNOTATION.predicateType] = f.predicateType;
  a[ANNOTATION.entry] = f.id;
  if (f.stage) a[ANNOTATION.stage] = f.stage;
  a[ANNOTATION.subject] = f.subject;
  return a;
}

/** `sha256:<hex>` → `sha256-<hex>.subject`. */
export function subjectTag(subject: string): string {
  return `sha256-${subject.slice(7)}.subject`;
}

/**
 * The per-artifact tag `sha256-<subject hex>.<entry id in base32>` (124 characters, inside
 * the 128 a tag may have): one tag per (subject, entry), written once and never moved, so
 * concurrent writers never contend for it, and the tag list alone names every entry.
 */
export function entryTag(subject: string, id: string): string {
  return `sha256-${subject.slice(7)}.${base32(Buffer.from(id.slice(7), 'hex'))}`;
}

/** The OCI 1.1 referrers tag schema: `sha256-<hex>` of the subject manifest's digest. */
export function referrersTag(manifestDigest: string): string {
  return `sha256-${manifestDigest.slice(7)}`;
}

/** Reads a per-artifact tag back into its subject and entry id; undefined for any other tag. */
export function parseEntryTag(tag: string): { subject: string; id: string } | undefined {
  const m = /^sha256-([0-9a-f]{64})\.([a-z2-7]{52})$/.exec(tag);
  if (!m) return undefined;
  const id = unbase32(m[2]!);
  return id && id.length === 32 ? { subject: `sha256:${m[1]}`, id: `sha256:${id.toString('hex')}` } : undefined;
}

export function parseSubjectTag(tag: string): string | undefined {
  const m = /^sha256-([0-9a-f]{64})\.subject$/.exec(tag);
  return m ? `sha256:${m[1]}` : undefined;
}

/** An image index (the tag-schema referrers list) with descriptors sorted by digest. */
export function indexBody(manifests: Descriptor[]): Buffer {
  const sorted = [...new Map(manifests.map((d) => [d.digest, d])).values()].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: IMAGE_INDEX, manifests: sorted.map(canonicalDescriptor) }));
}

function canonicalDescriptor(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size, ...(d.artifactType ? { artifactType: d.artifactType } : {}), ...(d.annotations ? { annotations: d.annotations } : {}) };
}

/** The descriptors of an image index (referrers answer or tag-schema index); [] if malformed. */
export function parseIndex(body: Buffer): Descriptor[] {
  let j: unknown;
  try {
    j = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  if (!isObject(j) || !Array.isArray(j.manifests)) return [];
  const out: Descriptor[] = [];
  for (const d of j.manifests) {
    if (!isObject(d) || typeof d.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d.digest) || typeof d.size !== 'number' || typeof d.mediaType !== 'string') continue;
    const annotations: Record<string, string> = {};
    if (isObject(d.annotations)) for (const [k, v] of Object.entries(d.annotations)) if (typeof v === 'string') annotations[k] = v;
    out.push({ mediaType: d.mediaType, digest: d.digest, size: d.size, ...(typeof d.artifactType === 'string' ? { artifactType: d.artifactType } : {}), ...(Object.keys(annotations).length ? { annotations } : {}) });
  }
  return out;
}

export interface ParsedArtifact {
  artifactType?: string;
  /** The layer holding a Sigstore bundle, if the manifest has one. */
  bundleLayer?: Descriptor;
  subject?: Descriptor;
  annotations: Record<string, string>;
}

/** An artifact manifest's parts we use (any tool's: oras attach, cosign, ours). */
export function parseArtifact(body: Buffer): ParsedArtifact | undefined {
  let j: unknown;
  try {
    j = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(j) || j.schemaVersion !== 2) return undefined;
  const annotations: Record<string, string> = {};
  if (isObject(j.annotations)) for (const [k, v] of Object.entries(j.annotations)) if (typeof v === 'string') annotations[k] = v;
  const layers = Array.isArray(j.layers) ? j.layers : [];
  const bundle = layers.find((l): l is Record<string, unknown> => isObject(l) && typeof l.mediaType === 'string' && BUNDLE_ARTIFACT_TYPES.includes(l.mediaType.split(';')[0]!) && typeof l.digest === 'string' && typeof l.size === 'number');
  const subj = isObject(j.subject) && typeof j.subject.digest === 'string' ? j.subject : undefined;
  return {
    ...(typeof j.artifactType === 'string' ? { artifactType: j.artifactType } : {}),
    ...(bundle ? { bundleLayer: { mediaType: bundle.mediaType as string, digest: bundle.digest as string, size: bundle.size as number } } : {}),
    ...(subj ? { subject: { mediaType: String(subj.mediaType), digest: subj.digest as string, size: Number(subj.size) } } : {}),
    annotations,
  };
}

/** The artifactType for a bundle of media type `mediaType` (v0.1–v0.3). */
export function bundleArtifactType(mediaType: unknown): string {
  const m = typeof mediaType === 'string' ? /version=(0\.[123])|bundle\.v(0\.[123])\+json/.exec(mediaType) : null;
  const v = m ? (m[1] ?? m[2]) : '0.3';
  return `application/vnd.dev.sigstore.bundle.v${v}+json`;
}

export function isHex64(s: string): boolean {
  return HEX64.test(s);
}

function base32(buf: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(s: string): Buffer | undefined {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of s) {
    const v = B32.indexOf(ch);
    if (v < 0) return undefined;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  // The padding bits of the last character must be zero, so each id has exactly one tag.
  if ((value & ((1 << bits) - 1)) !== 0) return undefined;
  return Buffer.from(bytes);
}
