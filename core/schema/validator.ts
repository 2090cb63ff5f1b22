import type { ErrorObject } from 'ajv';
import type { CompiledValidator } from './compiled';
import type { SchemaName } from './schemas';
import { collapseAlternatives } from './collapse';
import { declaredProperties } from './suggest';

// SCHEMAS (the schema objects) is exported by core/index.ts from ./schemas, not from here: a
// module that validates needs only the compiled validators, not ~100 KB of schema objects.
export type { SchemaName } from './schemas';
export type { CompiledValidator } from './compiled';

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

/** What each generated validator module exports. */
type Generated = { validate: CompiledValidator };

/**
 * Each schema's validator module (`core/schema/generated/own-NAME.js`, `dist/schema/own-NAME.js`
 * in the bundles), required on first use, not imported: a command that validates nothing never
 * evaluates one, and `manifest validate` evaluates only the profile's. The require strings are
 * literal so that the bundler can see and externalise them.
 */
const OWN: Record<SchemaName, () => Generated> = {
  'ml-provenance': () => require('./generated/own-ml-provenance') as Generated,
  'provenance-policy': () => require('./generated/own-provenance-policy') as Generated,
  'mlbom-profile': () => require('./generated/own-mlbom-profile') as Generated,
  'attest-params': () => require('./generated/own-attest-params') as Generated,
  'report-inputs': () => require('./generated/own-report-inputs') as Generated,
  'compliance-report': () => require('./generated/own-compliance-report') as Generated,
  'diff-report': () => require('./generated/own-diff-report') as Generated,
};

/**
 * The validator of one of our schemas. Compiled at build time (ajv standalone code, see
 * scripts/gen-validators.ts), so nothing is compiled at start-up; the CLI, the language server
 * and library users share this one. Errors carry `parentSchema` (ajv's `verbose`).
 */
export function validator(name: SchemaName): CompiledValidator {
  const load = Object.hasOwn(OWN, name) ? OWN[name] : undefined;
  if (!load) throw new Error(`no compiled validator for schema ${String(name)} (${Object.keys(OWN).join(', ')})`);
  return load().validate;
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
