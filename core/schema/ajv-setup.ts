import Ajv, { _, str, stringify, type CodeKeywordDefinition, type KeywordCxt } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { duplicatePair } from './unique-items';
import { IRI_FORMAT } from './formats';
import openVexSchema from '../data/openvex-0.2.0.schema.json';
// Loaded from the package that ships them (not copied): esbuild inlines them where needed.
import bom16 from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/bom-1.6.SNAPSHOT.schema.json';
import bom17 from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/bom-1.7.SNAPSHOT.schema.json';
import spdx from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/spdx.SNAPSHOT.schema.json';
import jsf from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/jsf-0.82.SNAPSHOT.schema.json';
import cryptoDefs from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/cryptography-defs.SNAPSHOT.schema.json';

/**
 * How every ajv instance of the project is set up. Used at build time by
 * `scripts/gen-validators.ts`, which compiles the validators the CLI, the language server and
 * library users run (ajv standalone code in `core/schema/generated/`), and at run time only for
 * stock-ajv comparisons (`cycloneDxValidator(v, 'plain')`, tests and benchmarks). Never load
 * this module on a command's start-up path: it pulls in the ajv compiler.
 */

/** Ajv options of our own schemas (`schemas/*.schema.json`). */
export function newOwnAjv(standalone: boolean): Ajv {
  // strictRequired is off because oneOf branches name properties declared beside them.
  // verbose: findings read the rule's x-code / x-message from the error's parentSchema.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true, code: { source: standalone } });
  addFormats(ajv);
  // Editor-facing annotation (one description per enum value); no validation meaning.
  ajv.addKeyword({ keyword: 'enumDescriptions', schemaType: 'array' });
  // Profile rules name the finding code and message they produce.
  ajv.addKeyword({ keyword: 'x-code', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
  return ajv;
}

export const CYCLONEDX_BOMS = { '1.6': bom16, '1.7': bom17 } as const;
const REFERENCED: Record<string, object> = {
  'spdx.SNAPSHOT.schema.json': spdx,
  'jsf-0.82.SNAPSHOT.schema.json': jsf,
  'cryptography-defs.SNAPSHOT.schema.json': cryptoDefs,
};

/**
 * Ajv for the CycloneDX schemas (draft-07; see FACTS.md). 'fast' replaces ajv's quadratic
 * `uniqueItems` with the linear one of `unique-items.ts` (identical findings); 'plain' is stock
 * ajv, kept for the benchmark and for the test that the two report the same.
 */
export function newCycloneDxAjv(strategy: 'fast' | 'plain', standalone: boolean, verbose = true): Ajv {
  // verbose: an unknown key's error carries the schema it broke, for "did you mean". It costs
  // ~150 KB of generated code per version, so the build also writes a lean (not verbose) one.
  const ajv = new Ajv({ allErrors: true, verbose, strict: true, strictRequired: false, allowUnionTypes: true, code: { source: standalone } });
  addFormats(ajv);
  ajv.addKeyword('meta:enum');
  // CycloneDX names model sources like hf://org/model: lenient IRI and IDN checks, as the
  // CycloneDX tooling itself is lenient there.
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', true);
  for (const [file, schema] of Object.entries(REFERENCED)) {
    // The BOM schemas $ref the SNAPSHOT file names relative to their own $id.
    ajv.addSchema({ ...(verbose ? schema : withoutAnnotations(schema)), $id: `http://cyclonedx.org/schema/${file}` });
  }
  if (strategy === 'fast') {
    ajv.removeKeyword('uniqueItems');
    ajv.addKeyword(linearUniqueItems);
  }
  return ajv;
}

/** JSON Schema (draft-07) keywords that hold schemas: by name, in a list, or in a map of names. */
const SUBSCHEMA = new Set(['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else']);
const SUBSCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf', 'items']);
const SUBSCHEMA_MAP = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);
/** Annotation keywords: no validation meaning (JSON Schema draft-07 section 10, and CycloneDX's own `meta:enum`). */
const ANNOTATIONS = new Set(['title', 'description', 'examples', '$comment', 'meta:enum', 'default']);

/**
 * A copy of a JSON schema (draft-07) without its annotations (title, description, examples,
 * $comment, default, CycloneDX's meta:enum), at schema positions only: a property that is
 * *named* `description` stays. It validates exactly as the original does. Ajv's standalone code
 * embeds a schema object wherever it reads an enum from it, so the lean CycloneDX validator
 * (errors without schemas) is built from this: the BOM schema's prose was about half of its code.
 */
export function withoutAnnotations<T>(schema: T): T {
  if (Array.isArray(schema) || schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (ANNOTATIONS.has(k)) continue;
    if (SUBSCHEMA_LIST.has(k) && Array.isArray(v)) out[k] = v.map((x) => withoutAnnotations(x));
    else if (SUBSCHEMA.has(k)) out[k] = withoutAnnotations(v);
    else if (SUBSCHEMA_MAP.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      // dependencies values may be lists of names (kept as they are) or schemas.
      out[k] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([name, sub]) => [name, withoutAnnotations(sub)]));
    } else out[k] = v;
  }
  return out as T;
}

export const OPENVEX_SCHEMA = openVexSchema;

/**
 * Ajv for the published OpenVEX 0.2.0 schema (draft 2020-12, not strict: it is not ours), with
 * an `iri` format. Standalone code looks every format up in `core/schema/formats.ts`.
 */
export function newOpenVexAjv(standalone: boolean): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, code: { source: standalone, formats: _`require("../formats").formats` } });
  addFormats(ajv);
  ajv.addFormat('iri', IRI_FORMAT);
  return ajv;
}

/** Module the generated code requires for `duplicatePair`, relative to `core/schema/generated/`. */
export const UNIQUE_ITEMS_RUNTIME = '../unique-items';

/**
 * `uniqueItems` as ajv code that calls `duplicatePair` (linear), with ajv's own error
 * (keyword, params {i, j}, message and schemaPath as stock ajv reports them).
 */
const linearUniqueItems: CodeKeywordDefinition = {
  keyword: 'uniqueItems',
  type: 'array',
  schemaType: 'boolean',
  error: {
    message: ({ params: { i, j } }) => str`must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
    params: ({ params: { i, j } }) => _`{i: ${i}, j: ${j}}`,
  },
  code(cxt: KeywordCxt) {
    const { gen, data, schema, parentSchema } = cxt;
    if (schema !== true) return;
    const t = (parentSchema.items as Record<string, unknown> | undefined)?.type;
    const types = Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
    const find = gen.scopeValue('func', { ref: duplicatePair, code: _`require(${UNIQUE_ITEMS_RUNTIME}).duplicatePair` });
    const pair = gen.const('pair', _`${find}(${data}, ${stringify(types)})`);
    cxt.setParams({ i: _`${pair}[0]`, j: _`${pair}[1]` });
    cxt.fail(_`${pair} !== undefined`);
  },
};
