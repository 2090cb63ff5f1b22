import type { ErrorObject } from 'ajv';

/**
 * Keeps what a person can act on from ajv's allErrors output. For every failed
 * oneOf/anyOf, only the errors of its closest branch (fewest errors) are kept and the
 * combinator's own "must match a schema" error goes; an `if` error goes when its `then`
 * explains it. Then exact duplicates are dropped.
 */
export function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  let kept = errors.filter((e) => e.keyword !== 'if');
  for (const alt of alternatives) {
    const prefix = `${alt.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of kept) {
      if (!e.schemaPath.startsWith(prefix)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      const list = branches.get(branch) ?? [];
      list.push(e);
      branches.set(branch, list);
    }
    if (branches.size === 0) continue;
    const best = [...branches.values()].sort((a, b) => a.length - b.length)[0]!;
    kept = kept.filter((e) => e === alt ? false : !e.schemaPath.startsWith(prefix) || best.includes(e));
  }
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}\u0000${e.keyword}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
