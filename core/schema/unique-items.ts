/**
 * JSON Schema `uniqueItems` in linear time, for the validators generated at build time
 * (`core/schema/generated/`, see `scripts/gen-validators.ts`). It reports exactly the pair
 * ajv's own quadratic loops report, so the findings are identical to stock ajv's:
 *  - items of a scalar declared type (`items.type` all of string, number, integer, boolean,
 *    null): ajv scans down from the end, skips items of another type, and reports the first
 *    repeat it meets (i) with the nearest later index of that value (j);
 *  - otherwise: the largest i equal to some earlier item, with the largest such j < i, where
 *    equal is fast-deep-equal's (object key order does not matter).
 * This module is required by generated code: keep it free of imports.
 */

const SCALAR = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/** Key-order-insensitive identity of a JSON value: equal keys iff fast-deep-equal says equal. */
function canonical(v: unknown): string {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

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

/** True when the schema's declared item types put ajv's uniqueItems in its scalar mode. */
export function isScalarMode(types: readonly string[]): boolean {
  return types.length > 0 && types.every((x) => SCALAR.has(x));
}

/**
 * The duplicate pair ajv would report for `data` under `uniqueItems: true`, as [i, j]
 * (array indices, j the earlier one for objects, the later one for scalars as ajv has it),
 * or undefined when the items are unique. `types` are the declared `items.type`s.
 */
export function duplicatePair(data: readonly unknown[], types: readonly string[]): [number, number] | undefined {
  let pair: [number, number] | undefined;
  if (isScalarMode(types)) {
    const typeOk = (x: unknown): boolean =>
      types.some((ty) => (ty === 'integer' ? Number.isInteger(x) : ty === 'null' ? x === null : typeof x === ty));
    const seen = new Map<string, number>();
    for (let i = data.length - 1; i >= 0; i--) {
      const item = data[i];
      if (!typeOk(item)) continue;
      const key = `${typeof item}:${String(item)}`;
      const j = seen.get(key);
      if (j !== undefined) return [i, j];
      seen.set(key, i);
    }
    return undefined;
  }
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
  return pair;
}
