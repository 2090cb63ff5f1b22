/**
 * What the language server and the VS Code extension say to each other beyond LSP: request
 * and notification names and their shapes. Types only (and constants), so the extension can
 * import this without pulling the library into its bundle.
 */
import type { GraphNodeStatus } from '../render/graph';
import type { ModelTrustState } from '../verify/evaluate-model';
import type { FileState } from '../verify/result';
import type { TrustState } from '../verify/trust-set';

export const REQUESTS = {
  decodedPayload: 'modelProvenance/decodedPayload',
  status: 'modelProvenance/status',
  modelState: 'modelProvenance/modelState',
  resolveTarget: 'modelProvenance/resolveTarget',
  trustCandidates: 'modelProvenance/trustCandidates',
  pinTrust: 'modelProvenance/pinTrust',
  attest: 'modelProvenance/attest',
  keygen: 'modelProvenance/keygen',
  /** Whether Generate Key Pair may write into a folder (KeyFolderCheck), asked at the folder step. */
  keyFolder: 'modelProvenance/keyFolder',
  manifest: 'modelProvenance/generateManifest',
  lineage: 'modelProvenance/lineage',
  registryDigests: 'modelProvenance/registryDigests',
  /** The lineage as a drawn graph (core/render SVG) and what each node opens. */
  lineageGraph: 'modelProvenance/lineageGraph',
  /** The decoded payload of a registry entry (a node of the lineage graph); `{ id, stored: true }`: the entry's bytes as stored (a failed node). */
  registryPayload: 'modelProvenance/registryPayload',
  /** A lineage view is closed: the server stops watching what it was built from (`{ watch }`). */
  lineageUnwatch: 'modelProvenance/lineageUnwatch',
  /** The revisions a signed document can be compared with (git), newest first. */
  compareTargets: 'modelProvenance/compareTargets',
  /** One side of Compare Signed Contents, decoded by core/diff (trust before payload). */
  decodedSide: 'modelProvenance/decodedSide',
  /** A regulatory report of a model (core/compliance), for the preview webview. */
  report: 'modelProvenance/report',
  /** Writes the last previewed report of a model as HTML or Markdown (never over a file a person wrote). */
  saveReport: 'modelProvenance/saveReport',
  /** Show Impact: the blast radius of a flagged artifact or signer, drawn like the lineage (ImpactRequest → LineageView). */
  impact: 'modelProvenance/impact',
  /** Removes an attestation from under one model in the editor's registry (`{ id, subject }` → core RemovedEntry): the editor's `registry rm ID`, after an attest that left a conflicting or wrong claim. */
  removeAttestation: 'modelProvenance/removeAttestation',
} as const;

export const NOTIFICATIONS = {
  /** Server → client: a model's state changed (the explorer badges and the status follow). */
  modelState: 'modelProvenance/modelStateChanged',
  /**
   * Server → client: something a watched lineage view was built from changed (LineageChanged):
   * `stale` at once (the verdict may no longer hold), `recheck` once the changes settled.
   */
  lineageChanged: 'modelProvenance/lineageChanged',
  /** Server → client: the configured trust policy cannot be loaded (PolicyProblem), or loads again (`{}`). */
  policyProblem: 'modelProvenance/policyProblem',
} as const;

/**
 * A configured trust policy (modelProvenance.policy) that cannot be loaded. It is not "no
 * policy": every model state is not verified with this code (fail closed).
 */
export interface PolicyProblem {
  code: 'POLICY_NOT_FOUND' | 'POLICY_INVALID';
  /** The policy file, resolved. */
  file: string;
  /** One line naming the file and the problem. */
  message: string;
}

/** The server's own command (work-done progress, cancellable). */
export const SERVER_VERIFY = 'modelProvenance.server.verify';

/** The one state of one signed model, as every surface renders it. */
export interface ModelStateView {
  model: string;
  signature: string;
  /** unknown: never evaluated; checking: evaluation running (or queued after a change); done. */
  phase: 'unknown' | 'checking' | 'done';
  state?: ModelTrustState;
  /** "verified: key 91aaa9a2… (prod.pub.pem)", "modified: model.safetensors differs from the signed digest", "checking…". */
  headline: string;
  detail?: string;
  /** Who signed, by kind. */
  signer?: string;
  integrity?: { state: 'ok' | 'modified'; summary: string; matched: number; total: number; files: { name: string; status: FileState }[] };
  trust?: {
    state: TrustState;
    code?: string;
    message?: string;
    /** With state not-configured: what is missing ("no trusted signer configured", "no trusted identity configured for keyless signatures (…)"). */
    unchecked?: string;
    /** Nothing at all is configured (a first run): the one "not trusted" case shown as information, not an error. */
    nothingConfigured?: boolean;
  };
  /** When the state was computed (ms since the epoch). */
  at?: number;
  /** "Trust this signer…" applies: nobody trusted judged it, or its signer is not trusted. */
  canTrust?: boolean;
  /** With state `flagged`: why (the gate's codes), and the digest Show Impact starts from. */
  flags?: { code: string; digest: string; message: string; kind: 'artifact' | 'signer' }[];
  /** The configured policy cannot be loaded: the state is `error`, its headline names the code (fail closed). */
  policy?: PolicyProblem;
  /** No advisory is read for this model (no policy, or one without advisorySigners) while the registry holds some: the CLI's ADVISORIES_NOT_READ. */
  advisoriesNotRead?: string;
  /** modelProvenance.ignorePaths is set and this model folder was compared: what it left out (model-relative), and the sentence saying so. */
  ignorePaths?: { applied: string[]; text: string };
}

/** A model file or folder with no signature covering it. */
export interface UnsignedView {
  unsigned: true;
  model: string;
}

/** Result of the verify command, for notifications and "Show details". */
export interface VerifyOutcome {
  verdict: 'verified' | 'failed';
  summary: string;
  /** The one-screen report, for "Show details". */
  report: string;
  problems: { code: string; message: string; file?: string }[];
  /** Who signed, by kind ("key 91aaa9a2… (prod.pub.pem)"). */
  signer?: string;
  /** The model state after the run, when a signature was verified. */
  state?: ModelStateView;
}

export type ResolvedTarget =
  | { ok: true; modelPath: string; signaturePath?: string; reason: string; /** The manifest goes here; absent when it would land inside a signed folder. */ manifestPath?: string }
  | { ok: false; code: string; message: string; hint: string };

/** A way to trust the signer of a signature, offered to a person to confirm. */
export type TrustCandidate =
  | { kind: 'key'; file: string; keyId: string; inWorkspace: boolean }
  | { kind: 'anchor'; file: string; subject: string; inWorkspace: boolean }
  | { kind: 'identity'; identity: string; issuer: string };

export interface TrustCandidates {
  signature: string;
  method: 'key' | 'certificate' | 'sigstore';
  /** Who signed, by kind, exactly as the bundle says. */
  signer: string;
  candidates: TrustCandidate[];
  /** Why nothing can be offered, and what the person can do. */
  reason?: string;
}

export interface AttestRequest {
  modelPath: string;
  stage: string;
  runId?: string;
  baseModels?: string[];
  datasets?: string[];
  privateKey: string;
  passphrase?: string;
  /**
   * The registry id of an attestation this one replaces (Attest Again with the Signed Base
   * Digest): its index entry under the same subject is removed once this one is stored, so
   * the two do not stand as conflicting claims (ATTESTATION_CONFLICT).
   */
  replaces?: string;
}

export interface AttestResult {
  id?: string;
  /** The id of the attestation it replaced, when `replaces` was given and it was removed. */
  replaced?: string;
  /** Attestations already stored that say they produced the model from other inputs (core ConflictingClaim): the chain fails until the wrong ones are removed. */
  conflicts?: { id: string; stage: string; time?: string; runId?: string; /** What it records that this one does not (`base-model "name" sha256:…`, "(no attestation in this registry)" where so). */ records: string; /** What this one records that it does not. */ ours: string }[];
  digest: string;
  stage: string;
  subjectName: string;
  signer: string;
  /** The registry folder and the stored bundle's path. */
  registry?: string;
  location?: string;
  /** The model and inputs whose recorded digest is not the one their own signature names (core InputWarning). */
  inputWarnings?: { code: string; role: string; message: string; signedDigest?: string }[];
}

export interface RegistryArtifact {
  digest: string;
  stage?: string;
  /** The subject name the attestation gives (unverified, for display). */
  name?: string;
}

export interface ManifestRequest {
  modelPath: string;
  outputPath: string;
  /** create: refuse if the file exists (MANIFEST_EXISTS); merge: keep a person's text, refresh the facts; replace: overwrite. */
  mode: 'create' | 'merge' | 'replace';
}

export interface ManifestResult {
  outputPath: string;
  merged?: {
    updated: string[];
    added: string[];
    removed: string[];
    /** Evidence references (attestation, digital-signature) of the old model digest removed, and of the new one added. */
    references?: { removed: { type: string; url: string }[]; added: { type: string; url: string }[] };
  };
}

export interface KeygenRequest {
  /** Path without extension: `<prefix>.pem` and `<prefix>.pub.pem` are written, never over existing files. */
  prefix: string;
  curve?: string;
  passphrase?: string;
}

/** A folder keys may be written to, or why not (the same rule the keygen request enforces). */
export type KeyFolderCheck = { ok: true } | { ok: false; code: string; message: string };

/** What clicking a node of the lineage graph does. */
export type LineageNodeAction =
  | { kind: 'attestation'; /** Registry entry id (`sha256:` of the bundle). */ id: string; stage: string }
  /** A node whose attestation did not verify: the stored entry itself (its bytes as stored), so the altered bytes can be looked at. */
  | { kind: 'stored'; id: string; stage: string; /** Its code (ATTESTATION_SIGNATURE_INVALID, …). */ code: string }
  | { kind: 'reveal'; /** A model folder or file on disk. */ path: string };

export interface LineageNodeInfo {
  id: string;
  kind: string;
  /** As core/render draws it: verified, unverified, flagged, affected, missing, changed, failed. */
  status: GraphNodeStatus;
  label: string;
  /** Absent: nothing to open (an input known only by its digest). */
  action?: LineageNodeAction;
}

/** The lineage of one model, laid out and drawn by the server with core/render (the reports' code). */
export interface LineageView {
  /** The chain verdict: `unverified` when no policy is set (nothing was checked). */
  verdict: 'verified' | 'failed' | 'unverified';
  /** `classifier (sha256:ab12…)`. */
  title: string;
  /** What the statuses mean here: the policy checked against, or that none is set. */
  basis: string;
  /** One `<svg>` element: no script, no external reference. */
  svg: string;
  nodes: LineageNodeInfo[];
  /** Chain problems, one line each (`CODE: message`). */
  problems: string[];
  /** The model node's id, where the view starts when the whole graph is too small to read. */
  focus?: string;
  /** The view's heading instead of "Lineage of …" (Show Impact: "Impact of …"). */
  heading?: string;
  /** The verdict badge's words instead of the chain's (Show Impact: "⚑ flagged: MP-2026-0001"). */
  verdictText?: string;
  /** What a click does, said under the graph (default: the lineage view's words). */
  hint?: string;
  /** False: no "Reveal model folder" button (Show Impact is about several models). */
  canReveal?: boolean;
  /** Further lists under the graph: the advisory, rollback candidates, deployments, workspace files. */
  sections?: { title: string; lines: string[]; /** Per line, the file it names (absolute path, 1-based line and column): the line opens it. */ files?: ({ path: string; line: number; column: number } | null)[] }[];
  /** Said above the graph: with no trust policy, what was and was not checked (the model's signature vs the chain) and how to set one; `setting` is the button's. */
  notice?: { title: string; lines: string[]; setting?: string };
  /** Which registry was read (`found`), or that none was found and how to set one (`setting`: the editor's setting). */
  registry?: { text: string; found: boolean; setting?: string };
  /** When the view was computed (ms since the epoch): the view says "checked 12:03:05". */
  checkedAt?: number;
}

/** The lineage request: `watch` keys a view the server keeps watching (the registry, the model, the policy, the trust settings). */
export interface LineageGraphRequest {
  modelPath?: string;
  digest?: string;
  watch?: string;
}

/** A watched lineage view's sources changed (NOTIFICATIONS.lineageChanged). */
export interface LineageChanged {
  watch: string;
  /** `stale`: mark the verdict as being re-checked now; `recheck`: the changes settled, ask again. */
  phase: 'stale' | 'recheck';
  /** What changed: `registry`, `model`, `policy`, `settings`. */
  reason: string;
}

/** Show Impact of a flagged artifact (`sha256:` digest) or signer (key id / identity digest as `sha256:`). */
export interface ImpactRequest {
  digest: string;
  kind?: 'artifact' | 'signer';
}

/** A side of Compare Signed Contents: a path on disk, the same path at a git revision, or text the editor read (a git: document). */
export type DecodedSideRequest =
  | { path: string; rev?: string }
  | { path: string; text: string; /** The revision the editor's document is at (`HEAD`, a sha), when it knows. */ rev?: string };

export interface DecodedSideResult {
  /** The decoded document (core/diff renderDecodedDocument): source, kind, trust decision, subject, statement. */
  text: string;
  /** `model.sig @ 1a2b3c4d` for titles. */
  label: string;
  /** The trust state of the side (`verified`, `failed`, `not-checked`, `unsigned`). */
  trust: string;
}

/** A revision a signed document can be compared with. */
export interface CompareTarget {
  rev: string;
  /** `HEAD (uncommitted changes)`, `1a2b3c4 (before "re-sign after fine-tuning")`. */
  label: string;
  detail?: string;
}

export interface CompareTargets {
  /** Newest first; the first is the default. Empty outside a git repository. */
  targets: CompareTarget[];
  /** Why there is no revision to offer (not in git, never committed). */
  reason?: string;
}

/** A regulatory report, rendered by core/compliance for the preview. */
export interface ReportPreview {
  /** The self-contained HTML report (its own CSP: nothing is fetched, no script). */
  html: string;
  title: string;
  /** "EU AI Act Annex IV 62% (…); chain verified". */
  summary: string;
  /** The report-inputs.json used, when there was one. */
  inputs?: string;
  /** Entries of report-inputs.json the preview left out (invalid on their own, or the file is for another model); Save refuses while there are any. */
  skipped?: { where: string; reason: string }[];
}
