import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
// Loaded from the package that ships them (not copied): esbuild inlines them into the bundles.
import bom16 from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/bom-1.6.SNAPSHOT.schema.json';
import bom17 from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/bom-1.7.SNAPSHOT.schema.json';
import spdx from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/spdx.SNAPSHOT.schema.json';
import jsf from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/jsf-0.82.SNAPSHOT.schema.json';
import cryptoDefs from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/cryptography-defs.SNAPSHOT.schema.json';

export const CYCLONEDX_VERSIONS = ['1.6', '1.7'] as const;
export type CycloneDxVersion = (typeof CYCLONEDX_VERSIONS)[number];

const BOMS: Record<CycloneDxVersion, object> = { '1.6': bom16, '1.7': bom17 };
const REFERENCED: Record<string, object> = {
  'spdx.SNAPSHOT.schema.json': spdx,
  'jsf-0.82.SNAPSHOT.schema.json': jsf,
  'cryptography-defs.SNAPSHOT.schema.json': cryptoDefs,
};

export type Strategy = 'fast' | 'plain';

export function cycloneDxSchema(version: CycloneDxVersion): Record<string, unknown> {
  return BOMS[version] as Record<string, unknown>;
}

function newAjv(): Ajv {
  // verbose: an unknown key's error carries the schema it broke, for "did you mean".
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword('meta:enum');
  // CycloneDX names model sources like hf://org/model: lenient IRI and IDN checks, as the
  // CycloneDX tooling itself is lenient there.
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', true);
  for (const [file, schema] of Object.entries(REFERENCED)) {
    // The BOM schemas $ref the SNAPSHOT file names relative to their own $id.
    ajv.addSchema({ ...schema, $id: `http://cyclonedx.org/schema/${file}` });
  }
  return ajv;
}

/** Deep copy with every `uniqueItems: true` replaced by the linear-time keyword. */
function withFastUniqueItems(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withFastUniqueItems);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'uniqueItems' && v === true) out.fastUniqueItems = true;
    else out[k] = withFastUniqueItems(v);
  }
  return out;
}

/** Key-order-insensitive identity of a JSON value: equal keys iff fast-deep-equal says equal. */
function canonical(v: unknown): string {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

const SCALAR = new Set(['string', 'number', 'integer', 'boolean', 'null']);

function fnv(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A 32-bit hash equal for values equal up to object key order (entries are combined by
 * addition, which does not care about order; arrays in order). Collisions only cost a
 * canonical comparison.
 */
function orderFreeHash(v: unknown): number {
  if (typeof v !== 'object' || v === null) return fnv(JSON.stringify(v) ?? 'undefined');
  if (Array.isArray(v)) {
    let h = 0x9e3779b9;
    for (const x of v) h = Math.imul(h ^ orderFreeHash(x), 0x01000193) >>> 0;
    return (h ^ v.length) >>> 0;
  }
  let sum = 0x2545f491;
  for (const k in v) sum = (sum + Math.imul(fnv(k) ^ orderFreeHash((v as Record<string, unknown>)[k]), 0x9e3779b1)) >>> 0;
  return sum;
}

/**
 * `uniqueItems` in linear time, reporting exactly the pair ajv's quadratic loops report,
 * so the fast validator's findings are identical to plain ajv's:
 *  - items of scalar declared type: ajv scans down from the end and reports the first
 *    repeat it meets (i) with the nearest later index of that value (j);
 *  - otherwise: the largest i equal to some earlier item, with the largest such j < i.
 */
function addFastUniqueItems(ajv: Ajv): void {
  ajv.addKeyword({
    keyword: 'fastUniqueItems',
    type: 'array',
    schemaType: 'boolean',
    errors: true,
    compile(_value: boolean, parent: Record<string, unknown>) {
      const items = parent.items as Record<string, unknown> | undefined;
      const t = items?.type;
      const types = Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
      const scalarMode = types.length > 0 && types.every((x) => SCALAR.has(x));
      const typeOk = (x: unknown): boolean =>
        types.some((ty) => (ty === 'integer' ? Number.isInteger(x) : ty === 'null' ? x === null : typeof x === ty));
      const fn = (data: unknown[]): boolean => {
        let pair: [number, number] | undefined;
        if (scalarMode) {
          const seen = new Map<string, number>();
          for (let i = data.length - 1; i >= 0; i--) {
            const item = data[i];
            if (!typeOk(item)) continue;
            const key = `${typeof item}:${String(item)}`;
            const j = seen.get(key);
            if (j !== undefined) {
              pair = [i, j];
              break;
            }
            seen.set(key, i);
          }
        } else {
          // Bucket by a key-order-insensitive hash first; canonicalise only within a bucket.
          const buckets = new Map<number, number[]>();
          for (let i = 0; i < data.length; i++) {
            const key = orderFreeHash(data[i]);
            const b = buckets.get(key);
            if (b) b.push(i);
            else buckets.set(key, [i]);
          }
          for (const members of buckets.values()) {
            if (members.length < 2) continue;
            const last = new Map<string, number>();
            for (const i of members) {
              const key = canonical(data[i]);
              const j = last.get(key);
              if (j !== undefined && (!pair || i > pair[0] || (i === pair[0] && j > pair[1]))) pair = [i, j];
              last.set(key, i);
            }
          }
        }
        if (!pair) return true;
        const [i, j] = pair;
        (fn as unknown as { errors: Partial<ErrorObject>[] }).errors = [
          { keyword: 'uniqueItems', message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`, params: { i, j } },
        ];
        return false;
      };
      return fn as never;
    },
  });
}

const cache = new Map<string, ValidateFunction>();

/**
 * The CycloneDX JSON schema validator, compiled once per version and strategy. 'fast' is
 * the one we use (linear uniqueItems); 'plain' is stock ajv, kept for the benchmark and
 * for the test that the two report identical findings.
 */
export function cycloneDxValidator(version: CycloneDxVersion, strategy: Strategy = 'fast'): ValidateFunction {
  const key = `${version}/${strategy}`;
  let fn = cache.get(key);
  if (!fn) {
    const ajv = newAjv();
    if (strategy === 'fast') addFastUniqueItems(ajv);
    fn = ajv.compile(strategy === 'fast' ? (withFastUniqueItems(BOMS[version]) as object) : BOMS[version]);
    cache.set(key, fn);
  }
  return fn;
}
