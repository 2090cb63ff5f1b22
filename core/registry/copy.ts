import type { Registry } from './registry';

export interface CopyResult {
  /** Entries written to the destination. */
  copied: number;
  /** Entries the destination already held under every subject the source has them. */
  present: number;
  /** Ids copied, in order. */
  ids: string[];
}

/**
 * Copies every entry of `src` into `dst` (either backend, both ways): the bundle bytes are
 * read from the source (digest-verified) and put into the destination, which indexes them
 * as its own writes do. Idempotent: an entry the destination holds under all of its
 * subjects is skipped, and a second copy copies nothing. `onEntry` reports progress.
 */
export async function copyRegistry(src: Registry, dst: Registry, onEntry?: (id: string, copied: boolean) => void): Promise<CopyResult> {
  const have = new Map<string, Set<string>>();
  for (const e of await dst.list()) have.set(e.id, new Set([...(have.get(e.id) ?? []), ...e.subjects]));
  const result: CopyResult = { copied: 0, present: 0, ids: [] };
  for (const e of await src.list()) {
    const there = have.get(e.id);
    if (there && e.subjects.every((s) => there.has(s))) {
      result.present++;
      onEntry?.(e.id, false);
      continue;
    }
    await dst.put(await src.read(e.id));
    result.copied++;
    result.ids.push(e.id);
    onEntry?.(e.id, true);
  }
  return result;
}
