/**
 * What the language server and the VS Code extension say to each other beyond LSP: request
 * and notification names and their shapes. Types only (and constants), so the extension can
 * import this without pulling the library into its bundle.
 */
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
  manifest: 'modelProvenance/generateManifest',
  lineage: 'modelProvenance/lineage',
  registryDigests: 'modelProvenance/registryDigests',
} as const;

export const NOTIFICATIONS = {
  /** Server → client: a model's state changed (the explorer badges and the status follow). */
  modelState: 'modelProvenance/modelStateChanged',
} as const;

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
  trust?: { state: TrustState; code?: string; message?: string };
  /** When the state was computed (ms since the epoch). */
  at?: number;
  /** "Trust this signer…" applies: nobody trusted judged it, or its signer is not trusted. */
  canTrust?: boolean;
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
}

export interface AttestResult {
  id?: string;
  digest: string;
  stage: string;
  subjectName: string;
  signer: string;
  /** The registry folder and the stored bundle's path. */
  registry?: string;
  location?: string;
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
  merged?: { updated: string[]; added: string[]; removed: string[] };
}

export interface KeygenRequest {
  /** Path without extension: `<prefix>.pem` and `<prefix>.pub.pem` are written, never over existing files. */
  prefix: string;
  curve?: string;
  passphrase?: string;
}
