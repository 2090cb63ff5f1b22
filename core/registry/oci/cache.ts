import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write';
import type { OciReference } from './reference';

/**
 * Where an OCI registry's local copies live: `$MODEL_PROVENANCE_CACHE`, else
 * `$XDG_CACHE_HOME/model-provenance`, else `~/.cache/model-provenance`, then
 * `oci/<host>/<repository>`. Everything in it is derived from the registry and may be
 * deleted at any time.
 */
export function cacheDirFor(ref: OciReference, env: NodeJS.ProcessEnv = process.env): string {
  const root = env.MODEL_PROVENANCE_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'model-provenance');
  return join(root, 'oci', ref.host.replace(/[:[\]]/g, '_'), ...ref.repository.split('/'));
}

/**
 * Bundles read from the registry, kept by digest so a chain walk or a second command does
 * not fetch them again. Only whole, digest-verified bytes are written (atomically), and a
 * cached file is re-hashed on every read: a damaged cache costs a fetch, never a wrong answer.
 */
export class BlobCache {
  constructor(readonly dir: string) {}

  private path(hex: string): string {
    return join(this.dir, 'sha256', `${hex}.json`);
  }

  get(id: string): string | undefined {
    const hex = id.slice(7);
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path(hex));
    } catch {
      return undefined;
    }
    return createHash('sha256').update(bytes).digest('hex') === hex ? bytes.toString('utf8') : undefined;
  }

  /** Forgets a bundle (after its entry was removed from the registry). */
  delete(id: string): void {
    rmSync(this.path(id.slice(7)), { force: true });
  }

  /** Best effort: a cache that cannot be written only costs a later fetch. */
  put(id: string, bytes: Buffer): void {
    try {
      writeFileAtomic(this.path(id.slice(7)), bytes, { durable: false });
    } catch {
      /* read-only or full cache: nothing is lost */
    }
  }
}
