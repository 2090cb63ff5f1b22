/**
 * The data model of `model-provenance diff`: two sides (signatures, attestations, ML-BOMs,
 * model folders, on disk or at a git revision) decoded into documents, and what changed
 * between them. The CLI renders it as text, JSON and Markdown; the editor renders the two
 * decoded documents side by side (`renderDecodedDocument`). Nothing here is computed from
 * payload bytes before the trust decision: every side says how much its facts are worth
 * (`trust.state`), and facts of a side that is not `verified` are labelled as unverified.
 */
import type { Dependency, Stage } from '../attest/types';
import type { BundleVersion } from '../sigstore/bundle';

/** What a side is, decided by content first and file name second (as `detectKind`). */
export type SideKind =
  /** An OMS model signature (`model.sig`). */
  | 'model-signature'
  /** An ML lifecycle attestation (SLSA Provenance v1 with our ML build type). */
  | 'ml-attestation'
  /** Any other in-toto attestation (generic predicate comparison). */
  | 'attestation'
  /** A CycloneDX ML-BOM, plain or signed (an in-toto statement with the CycloneDX predicate). */
  | 'manifest'
  /** A model: a folder, or a single file that is not one of our documents. */
  | 'model'
  /** The path does not exist on this side (only with `--base`: added or removed in the change). */
  | 'absent';

/** Where a side was read from. */
export interface SideOrigin {
  /** The side as the user gave it (`HEAD~1:models/m/model.sig`, `models/m`). */
  spec: string;
  source: 'disk' | 'git';
  /** The disk path, or the path inside the repository (POSIX, from its top level) at `rev`. */
  path: string;
  /** The revision as given, and the commit it resolved to (git sides). */
  rev?: string;
  commit?: string;
  /** 1-based line of a JSON Lines file (`FILE.intoto.jsonl#3`). */
  line?: number;
  object: 'file' | 'folder';
}

/**
 * How much a side's signed facts are worth:
 * - `verified`: the signature verifies under the trust given (`signer` is who verified);
 * - `failed`: trust was given and the signature does not verify under it (`code`, `message`);
 * - `not-checked`: no trust was given for this kind of side; `signer` is only who the bundle claims;
 * - `unsigned`: the side carries no signature at all (a bare statement, a plain ML-BOM, a model without `model.sig`).
 */
export type TrustState = 'verified' | 'failed' | 'not-checked' | 'unsigned';

/** A signer, by kind and identity; `verified` false means it is only what the bundle claims. */
export interface SignerIdentity {
  kind: 'key' | 'certificate' | 'sigstore' | 'unknown';
  /** hex(sha256(PEM public key)), the OMS key hint; for certificates, the leaf's key. */
  keyId?: string;
  /** Certificate subject and issuer, RFC 4514 (`formatDistinguishedName`). */
  subject?: string;
  issuer?: string;
  /** Sigstore keyless identity (certificate SAN) and its OIDC issuer. */
  identity?: string;
  identityProvider?: string;
  verified: boolean;
}

export interface TrustDecision {
  state: TrustState;
  /** Why it failed (`verify`'s reason codes: SIGNATURE_INVALID, KEY_UNTRUSTED, CERT_CHAIN_UNTRUSTED, IDENTITY_MISMATCH, …), or why it was not checked. */
  code?: string;
  message?: string;
  signer?: SignerIdentity;
  /** The trust that verified it: `--trusted-keys keys/`, `policy signer "vendor"`. */
  trustedBy?: string;
}

/**
 * One file of a model as a side records it. `digest` is `ALG:hex` for whole-file digests;
 * shard-mode signatures list `shards` instead. `size` is bytes when known (a folder on
 * disk or in git), `null` when the side cannot know it (a signature lists no sizes).
 */
export interface FileEntry {
  name: string;
  algorithm: string;
  digest?: string;
  shards?: { range: string; digest: string }[];
  size: number | null;
  /** The file is a Git LFS pointer at that revision: digest and size are the pointed-to content's (`oid`, `size`). */
  lfsPointer?: boolean;
}

/** What an OMS signature says besides its file list. */
export interface SignatureFacts {
  predicateType: string;
  bundleVersion?: BundleVersion;
  /** `bundle` (Sigstore bundle) or `envelope` (bare DSSE). */
  envelope: 'bundle' | 'envelope';
  method: 'files' | 'shards';
  hashType: string;
  allowSymlinks: boolean;
  ignorePaths?: string[];
  shardSize?: number;
  resourceCount: number;
}

/** A component of an ML-BOM, flattened (the model, its files, datasets, ancestors, others). */
export interface ManifestComponent {
  /** What identifies it across versions: `type:group/name` (plus `#bom-ref` when that is not unique). */
  key: string;
  type: string;
  name: string;
  version?: string;
  bomRef?: string;
  purl?: string;
  /** `ALG:hex` per CycloneDX hash, e.g. `SHA-256:ab…`. */
  hashes: string[];
  /** SPDX ids, names or expressions, as written. */
  licenses: string[];
}

export interface ManifestFacts {
  specVersion: string;
  serialNumber?: string;
  /** The model (metadata.component) name and its OMS root digest property. */
  model?: { name: string; rootDigest?: string };
  components: ManifestComponent[];
  /** Licences of the BOM as a whole (metadata.licenses). */
  licenses: string[];
  /** The model component's properties (`name` -> values), stage, hyperparameters and the like. */
  properties: Record<string, string[]>;
}

/** The ML fields of a lifecycle attestation, as the diff compares them. */
export interface AttestationFacts {
  stage: Stage;
  runId?: string;
  builderId: string;
  startedOn?: string;
  finishedOn?: string;
  hyperparameters: Record<string, unknown>;
  framework?: { name?: string; version?: string };
  accelerators: { model: string; count?: number; driver?: string }[];
  environment?: Record<string, unknown>;
  recipe?: { uri?: string; digest?: string };
  dependencies: Dependency[];
}

/** A problem with one side that needs no trust to see: its signature lists digests its own subject does not match, or its files are not the signed ones. */
export interface IntegrityProblem {
  code: string;
  message: string;
  file?: string;
}

/** One side, decoded. */
export interface DecodedSide {
  origin: SideOrigin;
  /** Short, readable: `models/m/model.sig @ 1a2b3c4` or `models/m (working tree)`. */
  label: string;
  kind: SideKind;
  /** How the document was wrapped: Sigstore bundle, bare DSSE envelope, bare in-toto statement, or none (plain JSON, a model). */
  envelope: 'bundle' | 'envelope' | 'statement' | 'none';
  trust: TrustDecision;
  subject?: { name: string; digest: string };
  /** in-toto predicateType, for statements. */
  predicateType?: string;
  files?: FileEntry[];
  signature?: SignatureFacts;
  attestation?: AttestationFacts;
  manifest?: ManifestFacts;
  /** The decoded statement's predicate, for the generic comparison of other attestations. */
  predicate?: unknown;
  /** A model's own signature (`MODEL/model.sig`), decoded as a side of its own. */
  ownSignature?: DecodedSide;
  /** Files present in the model that its signature's recorded `ignore_paths` leave out (named, never hidden). */
  excluded?: string[];
  integrity: IntegrityProblem[];
  notes: string[];
  /**
   * The decoded document for display: the in-toto statement of a bundle or envelope, the
   * ML-BOM, or for a model the listing. Read from the payload after the trust decision;
   * whether it may be believed is `trust.state`.
   */
  document?: unknown;
}

export type ChangeStatus = 'added' | 'removed' | 'modified' | 'unchanged' | 'incomparable';

export interface FileChange {
  name: string;
  status: ChangeStatus;
  old?: { digest?: string; shards?: number; size: number | null; algorithm: string };
  new?: { digest?: string; shards?: number; size: number | null; algorithm: string };
  /** Why `incomparable`: the two sides used different hash algorithms or serializations. */
  reason?: string;
}

export interface FilesDiff {
  added: number;
  removed: number;
  modified: number;
  unchanged: number;
  incomparable: number;
  /** Every file that is not unchanged, in resource order. */
  changes: FileChange[];
}

/** One changed value: a field of an attestation, a property, a serialization setting. */
export interface FieldChange {
  /** Dotted path: `hyperparameters.learning_rate`, `builder`, `serialization.ignore_paths`. */
  field: string;
  old?: unknown;
  new?: unknown;
}

export interface DependencyChange {
  role: Dependency['role'];
  status: 'added' | 'removed' | 'modified';
  name?: string;
  old?: Dependency;
  new?: Dependency;
}

export interface AttestationDiff {
  stage: { old?: Stage; new?: Stage };
  fields: FieldChange[];
  dependencies: DependencyChange[];
}

export interface ComponentChange {
  key: string;
  status: 'added' | 'removed' | 'modified';
  old?: ManifestComponent;
  new?: ManifestComponent;
  /** Which parts changed: `version`, `hashes`, `licenses`, `purl`. */
  changed?: string[];
}

export interface ManifestDiff {
  components: ComponentChange[];
  licenses: { added: string[]; removed: string[] };
  properties: FieldChange[];
  fields: FieldChange[];
}

export interface SignerDiff {
  old?: SignerIdentity;
  new?: SignerIdentity;
  /** Same signer by kind and identity (key id; certificate subject and issuer; Sigstore identity and issuer). */
  changed: boolean;
  /** What differs when the identity is the same (a certificate renewed with a new key). */
  details: string[];
}

export type AlertSeverity = 'security' | 'warning' | 'info';

/**
 * Something a reviewer must see first. `security` alerts decide the exit code (1):
 * a signature that does not verify, a signer change, integrity broken, a signature removed.
 */
export interface DiffAlert {
  severity: AlertSeverity;
  code: string;
  message: string;
  side?: 'old' | 'new';
}

/** One pair of sides and what changed between them. */
export interface DiffComparison {
  /** With `--base REV PATH…`: the PATH this comparison is about. */
  path?: string;
  old: DecodedSide;
  new: DecodedSide;
  alerts: DiffAlert[];
  subject?: { old?: { name: string; digest: string }; new?: { name: string; digest: string }; changed: boolean };
  files?: FilesDiff;
  signer?: SignerDiff;
  /** Serialization settings of the model signatures (method, hash type, ignore paths…). */
  serialization?: FieldChange[];
  attestation?: AttestationDiff;
  /** Other attestations: predicateType and a flat comparison of the predicates. */
  predicate?: { predicateType: { old?: string; new?: string }; changes: FieldChange[]; truncated: number };
  manifest?: ManifestDiff;
  notes: string[];
}

/** `security-change`: exit 1. `no-security-change`: signatures checked, nothing found. `not-checked`: nothing found among what needs no trust, but signatures were not checked (no trust given). */
export type DiffVerdict = 'security-change' | 'no-security-change' | 'not-checked';

export interface DiffReport {
  $schema: string;
  generator: string;
  verdict: DiffVerdict;
  /** What the signatures were checked against; empty when no trust was given. */
  trust: string[];
  /** With `--base`: the revision and the commit it resolved to. */
  base?: { rev: string; commit: string };
  comparisons: DiffComparison[];
}

export const DIFF_SCHEMA_ID = 'https://model-provenance.dev/schemas/diff-report/v1.json';
