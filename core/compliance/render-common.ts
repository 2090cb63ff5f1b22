import type { ComplianceReport, EvidenceItem, MitigationStatus, PointStatus } from './model';

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
  'Every fact below is stated from evidence and cites it (E1, E2… in the Evidence section): an attestation, signature, ML-BOM or inspection, with its digest, signer and whether it verified. Claims that did not verify are marked NOT VERIFIED and never count. Text a person wrote is quoted with its author and date. Nothing else is written: a point with neither is marked missing and says what would fill it.';
