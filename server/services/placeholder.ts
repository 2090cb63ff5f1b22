import type { JSONSchema } from 'vscode-json-languageservice';

export type SchemaLike = JSONSchema;

/** Values a person must still fill in, for properties whose schema does not settle one. */
const KNOWN: Record<string, unknown> = { alg: 'SHA-256', signers: {}, hashes: [], components: [] };

/**
 * A value of the schema's type for a property a quick fix adds: its default, const or first
 * enum value when it has one; otherwise an empty value of its type ({} / [] / "" / 0 /
 * false), with the required members of an object filled in the same way. Never a value of
 * another type (`"modelCard": ""` for an object would be a new error). Depth-bounded.
 */
export function placeholderFor(schema: SchemaLike | undefined, property: string, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 4) return property in KNOWN ? KNOWN[property] : '';
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const alternatives = schema.anyOf ?? schema.oneOf;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (!type && Array.isArray(alternatives) && alternatives.length > 0) {
    const first = alternatives.find((a) => typeof a === 'object') as SchemaLike | undefined;
    return placeholderFor(first, property, depth + 1);
  }
  switch (type ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const r of schema.required ?? []) {
        const sub = schema.properties?.[r];
        out[r] = placeholderFor(typeof sub === 'object' ? sub : undefined, r, depth + 1);
      }
      return out;
    }
    case 'array': {
      const items = Array.isArray(schema.items) ? schema.items[0] : schema.items;
      const n = schema.minItems ?? 0;
      return n > 0 && typeof items === 'object' ? Array.from({ length: n }, () => placeholderFor(items, property, depth + 1)) : [];
    }
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'string':
      return '';
    default:
      return property in KNOWN ? KNOWN[property] : '';
  }
}
