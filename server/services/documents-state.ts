import type { DocumentAnalysis, Finding, VerificationResult } from '../../core';

/** What the server knows about one open document. */
export interface DocumentState {
  uri: string;
  version: number;
  analysis: DocumentAnalysis;
  /** Findings from the background pass (hashing, signatures), for this version only. */
  semantic: Finding[];
  /** Cancels the background pass of an older version. */
  abort?: AbortController;
}

/** The last verification run per document, for code lenses ("verified: prod, 3 min ago"). */
export interface LastVerification {
  at: number;
  verdict: 'verified' | 'failed';
  summary: string;
  result?: VerificationResult;
}

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h ago` : `${Math.round(h / 24)} days ago`;
}
