import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import mlProvenanceSchema from '../../schemas/ml-provenance.schema.json';
import policySchema from '../../schemas/provenance-policy.schema.json';

/** The schemas this project owns, by short name; their `$id`s are stable. */
export const SCHEMAS = {
  'ml-provenance': mlProvenanceSchema,
  'provenance-policy': policySchema,
} as const;
export type SchemaName = keyof typeof SCHEMAS;

export interface SchemaError {
  /** JSON Pointer to the offending value (RFC 6901). */
  pointer: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

let ajv: Ajv | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

function instance(): Ajv {
  if (!ajv) {
    // strictRequired is off because oneOf branches name properties declared beside them.
    ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(ajv);
    // Editor-facing annotation (one description per enum value); no validation meaning.
    ajv.addKeyword({ keyword: 'enumDescriptions', schemaType: 'array' });
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

/** Drops the noise of oneOf/anyOf branches when a more specific error sits at the same place. */
function collapse(errors: ErrorObject[]): SchemaError[] {
  const out: SchemaError[] = [];
  const seen = new Set<string>();
  const specific = new Set(errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if').map((e) => e.instancePath));
  for (const e of errors) {
    if ((e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') && specific.has(e.instancePath)) continue;
    const message = describe(e);
    const key = `${e.instancePath}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer: e.instancePath, keyword: e.keyword, message, params: e.params as Record<string, unknown> });
  }
  return out;
}

function describe(e: ErrorObject): string {
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
