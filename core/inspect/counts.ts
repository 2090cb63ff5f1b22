import type { ParameterCount } from './types';

/** A count as JSON-safe fields: the exact decimal always, the number only while it is exact. */
export function parameterCount(n: bigint): ParameterCount {
  const out: ParameterCount = { parameterCountExact: n.toString() };
  if (n <= BigInt(Number.MAX_SAFE_INTEGER)) out.parameterCount = Number(n);
  return out;
}

/** A u64 from a file as a number when it is exact, else undefined. */
export function safeNumber(n: bigint): number | undefined {
  return n >= 0n && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
}

/** Increments a histogram entry. */
export function tally(h: Record<string, number>, key: string, by = 1): void {
  h[key] = (h[key] ?? 0) + by;
}
