import { statSync, type Stats } from 'node:fs';

/**
 * Remembers file digests by what identifies a file's content without reading it:
 * device, inode, size and modification time. An editor re-checks on every keystroke;
 * only files that changed are hashed again.
 */
export class DigestCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly maxEntries = 50_000) {}

  /** The identity of a file now, or undefined when it cannot be stat'ed. */
  static identity(path: string): string | undefined {
    let st: Stats;
    try {
      st = statSync(path);
    } catch {
      return undefined;
    }
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  }

  private static key(identity: string, algorithm: string, range?: [number, number]): string {
    return `${identity}|${algorithm}|${range ? range.join('-') : '*'}`;
  }

  get(identity: string | undefined, algorithm: string, range?: [number, number]): string | undefined {
    if (!identity) return undefined;
    const key = DigestCache.key(identity, algorithm, range);
    const v = this.entries.get(key);
    if (v !== undefined) {
      // Refresh recency: Map keeps insertion order, so the oldest entries go first.
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  set(identity: string, algorithm: string, digest: string, range?: [number, number]): void {
    this.entries.set(DigestCache.key(identity, algorithm, range), digest);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
