import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import mlProvenanceSchema from '../../schemas/ml-provenance.schema.json';
import policySchema from '../../schemas/provenance-policy.schema.json';
import mlbomProfileSchema from '../../schemas/mlbom-profile.schema.json';
import reportInputsSchema from '../../schemas/report-inputs.schema.json';
import complianceReportSchema from '../../schemas/compliance-report.schema.json';
import diffReportSchema from '../../schemas/diff-report.schema.json';
import { collapseAlternatives } from './collapse';
import { declaredProperties } from './suggest';

/** The schemas this project owns, by short name; their `$id`s are stable. */
export const SCHEMAS = {
  'ml-provenance': mlProvenanceSchema,
  'provenance-policy': policySchema,
  'mlbom-profile': mlbomProfileSchema,
  'report-inputs': reportInputsSchema,
  'compliance-report': complianceReportSchema,
  'diff-report': diffReportSchema,
} as const;
export type SchemaName = keyof typeof SCHEMAS;

export interface SchemaError {
  /** JSON Pointer to the offending value (RFC 6901). */
  pointer: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
  /** Where in the schema the rule sits (ajv's schemaPath). */
  schemaPath: string;
  /** For an unknown property: the names the schema declares there (for "did you mean"). */
  allowedProperties?: string[];
  /** The finding code and message a profile rule declares (x-code / x-message beside the failing keyword). */
  ruleCode?: string;
  ruleMessage?: string;
}

let ajv: Ajv | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

function instance(): Ajv {
  if (!ajv) {
    // strictRequired is off because oneOf branches name properties declared beside them.
    ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(ajv);
    // Editor-facing annotation (one description per enum value); no validation meaning.
    ajv.addKeyword({ keyword: 'enumDescriptions', schemaType: 'array' });
    // Profile rules name the finding code and message they produce.
    ajv.addKeyword({ keyword: 'x-code', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
  }
  return ajv;
}

/** Compiled once per process: the CLI and the language server share this validator. */
export function validator(name: SchemaName): ValidateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    fn = instance().compile(SCHEMAS[name]);
    compiled.set(name, fn);
  }
  return fn;
}

export function validateAgainst(name: SchemaName, value: unknown): SchemaError[] {
  const fn = validator(name);
  if (fn(value)) return [];
  return collapse(fn.errors ?? []);
}

function collapse(errors: ErrorObject[]): SchemaError[] {
  return collapseAlternatives(errors).map((e) => ({
    pointer: e.instancePath,
    keyword: e.keyword,
    message: describe(e),
    params: e.params as Record<string, unknown>,
    schemaPath: e.schemaPath,
    ...(e.keyword === 'additionalProperties' ? { allowedProperties: declaredProperties(e.parentSchema) } : {}),
    ...ruleOf(e.parentSchema),
  }));
}

function ruleOf(parent: unknown): { ruleCode?: string; ruleMessage?: string } {
  if (typeof parent !== 'object' || parent === null) return {};
  const p = parent as Record<string, unknown>;
  return typeof p['x-code'] === 'string' ? { ruleCode: p['x-code'], ruleMessage: typeof p['x-message'] === 'string' ? p['x-message'] : undefined } : {};
}

export function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required property "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown property "${String(p.additionalProperty)}"`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    default:
      return e.message ?? e.keyword;
  }
}

/** "/a/b/0" -> "a.b[0]" for one-line messages. */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}
