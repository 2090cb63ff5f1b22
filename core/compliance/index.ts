/**
 * Regulatory reports from signed evidence: EU AI Act Annex IV, XI, XII and NIST AI RMF.
 * Framework points as data, the evidence gatherer (through core's verifiers), the report
 * model with per-point status and completeness, the ATLAS threat model, renderers (HTML,
 * Markdown, JSON, CycloneDX 1.6 attestation), human inputs, and signed reports.
 */
export { FRAMEWORKS, FRAMEWORK_IDS, leafPoints, needsEvidence, needsPerson, type FrameworkId, type FrameworkDefinition, type PointDefinition, type Fill, type EvidenceKind } from './frameworks';
export * from './model';
export { gatherEvidence, manifestBeside, type Gathered, type GatherOptions, type StageRecord } from './gather';
export { evidenceFor, type EvidenceAnswer } from './evidence';
export { buildReport, reportFromEvidence, reportDate, completeness, type ReportOptions } from './build';
export { buildThreatModel, SUPPLY_CHAIN_TECHNIQUES, PROVENANCE_MITIGATIONS } from './threat-model';
export { reportInputsSchema, readInputs, checkInputs, initInputs, inputFor, type ReportInputs, type InputEntry } from './inputs';
export { renderReportHtml, HTML_GENERATOR } from './render-html';
export { renderReportMarkdown, MARKDOWN_MARKER } from './render-markdown';
export { renderReportCdxa, CDXA_REPORT_PROPERTY } from './render-cdxa';
export { chainCauses, CHECK_WORDS, manifestSigning } from './render-common';
export { renderReport, writeReport, isGeneratedReport, REPORT_FORMATS } from './output';
export { signReport, verifyReport, policySignerForKey, reportStatement, type ComplianceFormat, type ReportPredicate, type ReportCheck } from './sign-report';
