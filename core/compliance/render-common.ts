import type { ChainStep, ComplianceReport, EvidenceItem, Fact, MitigationStatus, PointStatus } from './model';

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
  if (e.verified) return { kind: 'verified', word: 'verified', detail: [e.basis, problems.length ? `but a chain check on an input it names failed: ${problems.join('; ')}` : undefined].filter(Boolean).join('; ') };
  return { kind: 'unverified', word: 'NOT VERIFIED', detail: e.reason ?? problems.join('; ') };
}

/** The person inputs' line in every header: the file, its authors, and whether it names this model (report-inputs.json "subject"). */
export function inputsLine(inputs: NonNullable<ComplianceReport['inputs']>): string {
  const who = inputs.authors.length ? `by ${inputs.authors.join(', ')}` : '(no entry filled yet)';
  // A file written for another model is refused before any report is made, so a subject here is this model's.
  const bound = inputs.subject ? 'written for this model' : 'names no model (no "subject"): nothing ties its text to this one';
  return `${who}; ${bound}`;
}

const KIND_WORD: Record<string, string> = { 'base-model': 'base model', adapter: 'adapter', dataset: 'dataset', model: 'model', external: 'external model', other: 'input' };

/**
 * The causes of a failed chain, each as `CODE on what` ("DIGEST_MISMATCH on dataset "sft"",
 * "ATTESTATION_SIGNATURE_INVALID on the attestation of base model "ft""), the named cause
 * first: a link missing because its attestation was altered (or signed by someone the
 * policy does not trust) names that attestation's code before MISSING_LINK. One entry per
 * code and object, in the chain walk's order. Every format's header and summary print
 * these, and so does the CLI, so that the first screen of a failed report says why.
 */
export function chainCauses(r: ComplianceReport): string[] {
  const nodes = new Map(r.lineage.nodes.map((n) => [n.id, n]));
  const what = (digest: string | undefined): string => {
    const n = digest ? nodes.get(digest) : undefined;
    if (n) return `${KIND_WORD[n.kind] ?? n.kind} "${n.label}"`;
    return digest ? `${digest.slice(0, 19)}…` : '';
  };
  const out: string[] = [];
  const add = (s: string): void => void (out.includes(s) ? undefined : out.push(s));
  for (const p of r.verification.chain.problems) {
    if (p.code === 'MISSING_LINK' && p.digest) {
      for (const s of r.chain.filter((x) => x.role === 'unverified' && x.digest === p.digest)) {
        const code = /\[([A-Z_]+)\]$/.exec(s.reason ?? '')?.[1];
        if (code) add(`${code} on the ${s.stage !== 'unknown' ? `${s.stage} ` : ''}attestation of ${what(p.digest)}`);
      }
    }
    const step = p.attestation ? r.chain.find((x) => x.attestation === p.attestation) : undefined;
    const target = p.input ? what(p.input) : step ? `the ${step.stage} attestation of "${step.name}"` : p.digest ? what(p.digest) : '';
    add(target ? `${p.code} on ${target}` : p.code);
  }
  return out;
}

/**
 * The lineage table's Verified column, the same words in every format: "verified", or
 * "NOT VERIFIED" with the reason. An evaluation or release (an annotation: about the
 * artifact, not producing it) says so in words rather than in a bare "(annotation)".
 */
export function stepState(s: ChainStep): { word: string; detail: string } {
  if (s.verified) return { word: 'verified', detail: s.role === 'annotation' ? `describes "${s.name}" without producing it` : '' };
  return { word: 'NOT VERIFIED', detail: s.reason ?? '' };
}

/** The verification summary's states in words, the same in every format and on the CLI (never a raw enum such as `not-run`). */
export const CHECK_WORDS = {
  chain: { verified: 'verified', failed: 'failed', unverified: 'not verified (no trust policy)' },
  signature: { verified: 'verified', failed: 'failed', absent: 'no model signature found', 'not-checked': 'not checked (no trust policy)' },
  manifest: { valid: 'valid', invalid: 'invalid', absent: 'no ML-BOM found' },
  inspection: { clean: 'clean', dangerous: 'dangerous content found', 'not-run': 'not run: the model files were not at hand (report by digest)' },
} as const;

/** Whether the ML-BOM is signed, in words: signed by whom, changed after a signer signed it, or not signed by a trusted signer. */
export function manifestSigning(m: ComplianceReport['verification']['manifest']): string {
  if (m.signed) return `signed by ${m.signer}`;
  if (m.changedAfterSigning) return `signed by ${m.changedAfterSigning}, then changed after signing (SIGNATURE_INVALID)`;
  return 'not signed by a trusted signer';
}
