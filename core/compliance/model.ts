import type { Stage } from '../attest/types';
import type { LineageGraph } from '../render/graph';
import type { EvidenceKind, Fill, FrameworkId } from './frameworks';

export const REPORT_SCHEMA_ID = 'https://model-provenance.dev/schemas/compliance-report/v1.json';
export const INPUTS_SCHEMA_ID = 'https://model-provenance.dev/schemas/report-inputs/v1.json';
/** predicateType of a signed report: an in-toto statement whose subject is the report file. */
export const REPORT_PREDICATE = 'https://model-provenance.dev/attestations/compliance-report/v1';

/**
 * evidence: filled, its facts from verified evidence (a person's text may complete it).
 * person: filled by a named person's text alone. partial: something is there, not all the
 * point needs (unverified or incomplete evidence, or only one of its two halves).
 * missing: no verified evidence and no person's text.
 */
export type PointStatus = 'evidence' | 'person' | 'partial' | 'missing';

export type EvidenceItemKind = 'attestation' | 'model-signature' | 'manifest' | 'inspection' | 'policy' | 'inputs';

/** One piece of evidence the report used, as the report cites it. */
export interface EvidenceItem {
  /** Citation key, unique in the report: the attestation id, or `kind:sha256:…`. */
  ref: string;
  kind: EvidenceItemKind;
  /** `sha256:` of the bytes that were read (for attestations, also their registry id). */
  digest: string;
  /** The artifact it is about (the model, an input), by root digest. */
  subject?: string;
  subjectName?: string;
  /** Lifecycle stage (attestations); for an unverified attestation, as it claims. */
  stage?: Stage | string;
  /** The signer as the policy names it; absent when no policy signer verified it. */
  signer?: string;
  /** When the attested stage finished (or started), as signed. */
  time?: string;
  verified: boolean;
  /** Why it is not verified, with the reason code. */
  reason?: string;
  /** Why it counts although nobody signed it (the policy, the inspection), or what it is when it is never verified (person inputs). */
  basis?: string;
  /** A file name or path as given, for people (never used for trust). */
  location?: string;
  /** Chain problems that concern it (core/compliance/concerns.ts): its own, or those of an input it names. */
  problems?: FactProblem[];
}

/** A chain problem as a fact or evidence item names it: the reason code and the chain walker's message. */
export interface FactProblem {
  code: string;
  message: string;
}

/** One sentence a point states, built mechanically from evidence, and the evidence it cites. */
export interface Fact {
  text: string;
  /** Refs into ComplianceReport.evidence. */
  evidence: string[];
  /**
   * True only when every cited piece verified and no chain check that concerns the fact
   * failed. Unverified facts are shown as claims, never as facts.
   */
  verified: boolean;
  /** Digests of the inputs (datasets, base models, adapters) the fact names, so that a problem with one reaches it. */
  inputs?: string[];
  /** The chain problems that make it a claim rather than a fact. */
  problems?: FactProblem[];
}

/** Text a person wrote for a point (report-inputs.json), with who and when. */
export interface PersonInput {
  text: string;
  author: string;
  date: string;
  role?: string;
  references?: string[];
}

export interface PointReport {
  id: string;
  parent?: string;
  title: string;
  description: string;
  /** As the reference marks it; absent on groups. */
  fill?: Fill;
  status: PointStatus;
  evidenceKinds?: EvidenceKind[];
  facts: Fact[];
  person?: PersonInput;
  /** What is still needed, when the point is not complete: which evidence, which text. */
  needs?: string[];
}

export interface Completeness {
  /** Percentage, one decimal: (evidence + person + partial/2) / points × 100. */
  score: number;
  evidence: number;
  person: number;
  partial: number;
  missing: number;
  points: number;
}

export interface FrameworkReport {
  id: FrameworkId;
  title: string;
  short: string;
  source: string;
  scope: string;
  completeness: Completeness;
  points: PointReport[];
}

export type MitigationStatus = 'in-place' | 'partial' | 'absent' | 'not-assessed';

export interface MitigationFinding {
  /** ATLAS id, `AML.M0013`. */
  id: string;
  name: string;
  status: MitigationStatus;
  statements: Fact[];
}

export interface ThreatFinding {
  /** ATLAS id, `AML.T0010.002`. */
  id: string;
  name: string;
  parent?: string;
  /** Mitigation ids ATLAS lists for it among those provenance evidences. */
  mitigations: string[];
  /** Set when the mapping is ours, because ATLAS lists none of those mitigations. */
  mappingNote?: string;
}

export interface ThreatModel {
  source: string;
  version: string;
  licence: string;
  techniques: ThreatFinding[];
  mitigations: MitigationFinding[];
}

export interface ChainStep {
  stage: Stage | string;
  name: string;
  digest: string;
  attestation: string;
  signer?: string;
  time?: string;
  verified: boolean;
  /** `producer` made the artifact; `annotation` (evaluation, release) is about it unchanged. */
  role: 'producer' | 'annotation' | 'unverified';
  reason?: string;
}

export interface VerificationSummary {
  chain: { verdict: 'verified' | 'failed' | 'unverified'; policy?: string; problems: { code: string; message: string; digest?: string; attestation?: string; input?: string }[] };
  signature: { status: 'verified' | 'failed' | 'absent' | 'not-checked'; signer?: string; file?: string; files?: number; problems: { code: string; message: string }[] };
  /** `changedAfterSigning`: the policy signer who signed an ML-BOM for this model whose bytes the file read no longer is. */
  manifest: { status: 'valid' | 'invalid' | 'absent'; file?: string; signed?: boolean; signer?: string; changedAfterSigning?: string; errors: { code: string; message: string }[] };
  inspection: { status: 'clean' | 'dangerous' | 'not-run'; files?: number; formats?: string[]; dangerous?: { code: string; message: string; file?: string }[] };
}

/** The report's data model: what every format renders and what the JSON format is. */
export interface ComplianceReport {
  $schema: typeof REPORT_SCHEMA_ID;
  reportVersion: 1;
  /** The report date (ISO 8601), from --date, SOURCE_DATE_EPOCH, or the clock. */
  date: string;
  generator: { name: 'model-provenance'; version: string };
  model: { name: string; digest: string; path?: string };
  verification: VerificationSummary;
  chain: ChainStep[];
  lineage: LineageGraph;
  evidence: EvidenceItem[];
  frameworks: FrameworkReport[];
  threatModel: ThreatModel;
  /** report-inputs.json: its file name, digest, the authors quoted, and the model it says it was written for. */
  inputs?: { file: string; digest: string; authors: string[]; subject?: { name?: string; digest?: string } };
}
