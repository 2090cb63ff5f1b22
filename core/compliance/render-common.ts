import type { ComplianceReport, EvidenceItem, Fact, MitigationStatus, PointStatus } from './model';

/** Words for statuses, the same in every format. */
export const STATUS_LABEL: Record<PointStatus, string> = {
  evidence: 'evidence',
  person: 'person',
  partial: 'partial',
  missing: 'missing',
};

export const MITIGATION_LABEL: Record<MitigationStatus, string> = {
  'in-place': 'in place',
  partial: 'partial',
  absent: 'absent',
  'not-assessed': 'not assessed',
};

export const FILL_MEANING: Record<string, string> = {
  A: 'from evidence',
  'A/P': 'from evidence; a person may add',
  P: 'facts from evidence, the rest from a person',
  H: 'only a person',
  D: 'the record itself',
  'D/S': 'the record, or supporting evidence',
  S: 'a person, with supporting evidence',
};

/** `E1`, `E2`…: each evidence item's short label, in the report's evidence order. */
export function evidenceLabels(r: ComplianceReport): Map<string, string> {
  return new Map(r.evidence.map((e, i) => [e.ref, `E${i + 1}`]));
}

export const KIND_LABEL: Record<EvidenceItem['kind'], string> = {
  attestation: 'attestation',
  'model-signature': 'model signature',
  manifest: 'ML-BOM',
  inspection: 'file inspection',
  policy: 'trust policy',
  inputs: 'report inputs',
};

export function shortRef(ref: string): string {
  const i = ref.indexOf('sha256:');
  return i < 0 ? ref : `${ref.slice(0, i)}${ref.slice(i, i + 19)}…`;
}

/** The document's headline: the model and the date. */
export function reportTitle(r: ComplianceReport): string {
  return `Regulatory report: ${r.model.name}`;
}

export const READING_NOTE =
  'Every fact below is stated from evidence and cites it (E1, E2… in the Evidence section): an attestation, signature, ML-BOM or inspection, with its digest, signer and whether it verified. A fact counts only when its evidence verified and every chain check about it passed; otherwise it is marked NOT VERIFIED, names the problem, and never counts. Text a person wrote is quoted with its author and date. Nothing else is written: a point with neither is marked missing and says what would fill it.';

/**
 * A fact's sentence as every format prints it. A verified fact is its text. A claim (its
 * evidence did not verify, or a chain check about it failed) is marked by the caller as
 * NOT VERIFIED; when chain problems made it a claim, they come first, by code, and the
 * text follows as what the signed evidence claims.
 */
export function factSentence(f: Fact): string {
  const text = f.text.replace(/^NOT VERIFIED: /, '');
  if (f.verified || !f.problems?.length) return text;
  return `${f.problems.map((p) => `${p.message} [${p.code}]`).join('; ')}. Claimed by the signed evidence, not stated as a fact: ${text}`;
}

/** Points only a person completes (H, S): facts beside them support a person's account and count for nothing alone. */
export function supportsOnly(fill: string | undefined): boolean {
  return fill === 'H' || fill === 'S';
}

export const SUPPORTING_NOTE = "Supporting evidence (only a person's text completes this point):";

/** The evidence list's Verified column in words: verified, a person's text, or not verified with the reason. */
export function evidenceState(e: EvidenceItem): { kind: 'verified' | 'person' | 'unverified'; word: string; detail: string } {
  const problems = (e.problems ?? []).map((p) => `${p.message} [${p.code}]`);
  if (e.kind === 'inputs') return { kind: 'person', word: 'person, not verifiable', detail: e.basis ?? '' };
  if (e.verified) return { kind: 'verified', word: 'verified', detail: [e.basis, ...problems.map((p) => `but: ${p}`)].filter(Boolean).join('; ') };
  return { kind: 'unverified', word: 'NOT VERIFIED', detail: e.reason ?? problems.join('; ') };
}

/** The person inputs' line in every header: the file, its authors, and whether it names this model (report-inputs.json "subject"). */
export function inputsLine(inputs: NonNullable<ComplianceReport['inputs']>): string {
  const who = inputs.authors.length ? `by ${inputs.authors.join(', ')}` : '(no entry filled yet)';
  // A file written for another model is refused before any report is made, so a subject here is this model's.
  const bound = inputs.subject ? 'written for this model' : 'names no model (no "subject"): nothing ties its text to this one';
  return `${who}; ${bound}`;
}
