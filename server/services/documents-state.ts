import type { DocumentAnalysis, Finding, TrustOutcome } from '../../core';

/** What the server knows about one open document. */
export interface DocumentState {
  uri: string;
  version: number;
  analysis: DocumentAnalysis;
  /** Findings from the background pass (hashing, signatures), for this version only. */
  semantic: Finding[];
  /** Cancels the background pass of an older version. */
  abort?: AbortController;
  /** For a model signature on disk: the model it signs (its state lives in ctx.models). */
  signs?: { model: string; signature: string };
  /** For an attestation bundle: how its signature stands against the trust settings. */
  trust?: TrustOutcome;
  /** Flagged references of this version under the flags of `flagsVersion` (attestations, ML-BOMs). */
  flagged?: { flagsVersion: number; findings: Finding[] };
}

/** The last "Verify" of a manifest, for its code lens. */
export interface LastVerification {
  at: number;
  verdict: 'verified' | 'failed';
  summary: string;
}
