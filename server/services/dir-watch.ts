import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { enumerateModel, relativeInside } from '../../core';

/** Folders of one model watched at most (and a lineage view's model). */
export const MAX_WATCHED_DIRS = 256;

/**
 * The folders whose changes concern a model: every folder of the model (capped), plus the
 * signature's folder when there is one; for a single-file model its folder, with only the
 * model file (and its signature) counting (`names`).
 */
export function modelDirs(model: string, signature?: string): { dirs: Set<string>; names?: Set<string> } {
  const dirs = new Set<string>(signature ? [dirname(signature)] : []);
  let single = false;
  try {
    const sig = signature ? relativeInside(model, signature) : undefined;
    const listing = enumerateModel(model, { allowEmpty: true, allowSymlinks: true, ...(sig ? { ignorePaths: [sig] } : {}) });
    single = listing.singleFile;
    if (single) dirs.add(dirname(model));
    else {
      dirs.add(model);
      for (const f of listing.files) {
        if (dirs.size >= MAX_WATCHED_DIRS) break;
        dirs.add(dirname(join(model, f.name)));
      }
    }
  } catch {
    dirs.add(model);
  }
  return single ? { dirs, names: new Set([basename(model), ...(signature ? [basename(signature)] : [])]) } : { dirs };
}

/** The inode each watcher was opened on (a folder replaced under the same name has a new one). */
const watchedInode = new WeakMap<FSWatcher, number>();

/** The folder itself when it exists, else its nearest existing ancestor, with the inode it has now. */
export function existingAncestor(dir: string): { dir: string; ino: number } | undefined {
  for (let d = dir; ; d = dirname(d)) {
    try {
      const st = statSync(d);
      if (st.isDirectory()) return { dir: d, ino: st.ino };
    } catch {
      /* gone: try the folder above */
    }
    if (dirname(d) === d) return undefined;
  }
}

/**
 * Watches a set of folders with `fs.watch`, replacing the previous set on each `set`: a folder
 * that is gone is watched through its nearest existing ancestor (where any change counts, so
 * that its return is seen), and a watcher whose folder was replaced (same name, new inode) is
 * opened again on the new one. `names`, when given for a folder, are the only entries of it
 * that count. The model states and the lineage view's freshness both use it.
 */
export class DirWatchSet {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(private readonly onChange: (dir: string, file: string | undefined) => void) {}

  set(wanted: Map<string, Set<string> | undefined>): void {
    const present = new Map<string, { ino: number; names: Set<string> | undefined }>();
    for (const [dir, names] of wanted) {
      const at = existingAncestor(dir);
      if (!at) continue;
      // An ancestor standing in for a missing folder: anything in it counts.
      const own = at.dir === dir ? names : undefined;
      const prev = present.get(at.dir);
      const merged = prev === undefined ? own : prev.names === undefined || own === undefined ? undefined : new Set([...prev.names, ...own]);
      present.set(at.dir, { ino: at.ino, names: merged });
    }
    for (const [dir, w] of this.watchers) {
      if (!present.has(dir) || watchedInode.get(w) !== present.get(dir)!.ino) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    this.filters = new Map([...present].map(([d, p]) => [d, p.names]));
    for (const [dir, p] of present) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, file) => {
          const names = this.filters.get(dir);
          if (names && file && !names.has(String(file))) return;
          this.onChange(dir, file ? String(file) : undefined);
        });
        watchedInode.set(w, p.ino);
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
          this.onChange(dir, undefined);
        });
        this.watchers.set(dir, w);
      } catch {
        /* a folder that vanished meanwhile: the next `set` watches its ancestor */
      }
    }
  }

  private filters = new Map<string, Set<string> | undefined>();

  /** The folders watched now. */
  dirs(): string[] {
    return [...this.watchers.keys()];
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
