/**
 * "Did you mean …" for an unknown property: the closest allowed name by
 * Damerau-Levenshtein distance (a swap of two neighbours costs 1: modelCrad → modelCard),
 * compared case-insensitively, within a third of the word's length.
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    if (c === word) continue;
    const d = distance(w, c.toLowerCase());
    if (d <= limit && (!best || d < best.d)) best = { name: c, d };
  }
  return best?.name;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Number.POSITIVE_INFINITY;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The property names a schema object declares (ajv's `parentSchema` of an additionalProperties error). */
export function declaredProperties(parentSchema: unknown): string[] {
  const props = typeof parentSchema === 'object' && parentSchema !== null ? (parentSchema as Record<string, unknown>).properties : undefined;
  return typeof props === 'object' && props !== null ? Object.keys(props) : [];
}

/** The message and quick-fix data of an unknown property, with a suggestion when one is close. */
export function unknownProperty(property: string, allowed: string[]): { message: string; data: { property: string; suggestion?: string } } {
  const suggestion = closestName(property, allowed);
  return {
    message: suggestion ? `unknown property "${property}": did you mean "${suggestion}"?` : `unknown property "${property}"`,
    data: { property, ...(suggestion ? { suggestion } : {}) },
  };
}
