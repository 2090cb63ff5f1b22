import { CancelledError, InputError, isProvenanceError } from '../errors';
import type { Registry } from './registry';

export interface CopyResult {
  /** Entries written to the destination. */
  copied: number;
  /** Entries the destination already held under every subject the source has them. */
  present: number;
  /** Ids copied, in order. */
  ids: string[];
}

export interface CopyOptions {
  /** Told of each entry as it is copied (`copied` true) or found already there (false). */
  onEntry?: (id: string, copied: boolean) => void;
  /** Stops between entries; what was stored stays stored (a second copy finishes the job). */
  signal?: AbortSignal;
}

/**
 * Copies every entry of `src` into `dst` (either backend, both ways): the bundle bytes are
 * read from the source (digest-verified) and put into the destination, which indexes them
 * as its own writes do. Idempotent: an entry the destination holds under all of its
 * subjects is skipped, and a second copy copies nothing. Each entry is stored whole or not
 * at all, so a copy cut off part-way leaves a destination a second copy completes.
 *
 * @throws the error that stopped it (InputError, RegistryError; CancelledError on `signal`),
 *   its message ending with how far it got: `(stored 6 of 56 entries to copy before it
 *   stopped; run it again to finish)`
 */
export async function copyRegistry(src: Registry, dst: Registry, options: CopyOptions | ((id: string, copied: boolean) => void) = {}): Promise<CopyResult> {
  const o: CopyOptions = typeof options === 'function' ? { onEntry: options } : options;
  const have = new Map<string, Set<string>>();
  for (const e of await dst.list()) have.set(e.id, new Set([...(have.get(e.id) ?? []), ...e.subjects]));
  const result: CopyResult = { copied: 0, present: 0, ids: [] };
  const todo: string[] = [];
  for (const e of await src.list()) {
    const there = have.get(e.id);
    if (there && e.subjects.every((s) => there.has(s))) {
      result.present++;
      o.onEntry?.(e.id, false);
    } else todo.push(e.id);
  }
  const howFar = (): string => `stored ${result.copied} of ${todo.length} entr${todo.length === 1 ? 'y' : 'ies'} to copy before it stopped; run it again to finish`;
  for (const id of todo) {
    try {
      if (o.signal?.aborted) throw new CancelledError(`copy cancelled (${howFar()})`);
      await dst.put(await src.read(id));
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      if (isProvenanceError(err)) throw new InputError(err.code, `${err.message} (${howFar()})`, { file: err.file, cause: err });
      throw err;
    }
    result.copied++;
    result.ids.push(id);
    o.onEntry?.(id, true);
  }
  return result;
}
