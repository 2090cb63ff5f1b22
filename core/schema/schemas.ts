import mlProvenanceSchema from '../../schemas/ml-provenance.schema.json';
import policySchema from '../../schemas/provenance-policy.schema.json';
import mlbomProfileSchema from '../../schemas/mlbom-profile.schema.json';
import attestParamsSchema from '../../schemas/attest-params.schema.json';
import reportInputsSchema from '../../schemas/report-inputs.schema.json';
import complianceReportSchema from '../../schemas/compliance-report.schema.json';
import diffReportSchema from '../../schemas/diff-report.schema.json';

/** The schemas this project owns, by short name; their `$id`s are stable. */
export const SCHEMAS = {
  'ml-provenance': mlProvenanceSchema,
  'provenance-policy': policySchema,
  'mlbom-profile': mlbomProfileSchema,
  'attest-params': attestParamsSchema,
  'report-inputs': reportInputsSchema,
  'compliance-report': complianceReportSchema,
  'diff-report': diffReportSchema,
} as const;
export type SchemaName = keyof typeof SCHEMAS;
