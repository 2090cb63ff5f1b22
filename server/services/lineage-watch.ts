import { basename, dirname, join, relative, isAbsolute, sep } from 'node:path';
import type { LineageChanged } from '../../core/editor/protocol';
import type { RegistryLocation } from '../../core';
import { DirWatchSet, modelDirs } from './dir-watch';
import { FLAGS_POLL_MS, FLAGS_POLL_REMOTE_MS } from './flags';
import { defaultSignaturePath } from '../../core/model/signature-path';

/** Changes settle this long before a watched lineage view is checked again (a registry write is a few renames). */
export const LINEAGE_DEBOUNCE_MS = 300;

/** What a lineage view was built from, and so what makes it stale. */
export interface LineageSources {
  /** A folder registry (its files are watched) or a remote one (`probe` is polled as the flags poll it). */
  registry?: { kind: 'local'; path: string } | { kind: 'oci'; probe: () => Promise<string> };
  /** The model folder or file. */
  model?: string;
  /** The trust policy file, resolved. */
  policy?: string;
}

/** Which folders (and, within a folder, which names only) invalidate a view, by reason. Pure but for the model's listing. */
export function lineageWatchPlan(sources: LineageSources): { reason: 'registry' | 'model' | 'policy'; dirs: Map<string, Set<string> | undefined> }[] {
  const plan: { reason: 'registry' | 'model' | 'policy'; dirs: Map<string, Set<string> | undefined> }[] = [];
  if (sources.registry?.kind === 'local') {
    // blobs/sha256 holds every bundle (an entry written, removed, or altered in place); index/ gets a
    // folder per new subject. The reverse index (reverse/) is not watched: readers may compact it.
    // A registry not there yet is watched through its nearest existing folder (dir-watch), so its creation counts.
    const r = sources.registry.path;
    plan.push({ reason: 'registry', dirs: new Map([[join(r, 'blobs', 'sha256'), undefined], [join(r, 'index'), undefined]]) });
  }
  if (sources.model) {
    // The model's signature too (beside a single-file model): the view without a policy shows its state.
    const m = modelDirs(sources.model, defaultSignaturePath(sources.model));
    plan.push({ reason: 'model', dirs: new Map([...m.dirs].map((d) => [d, m.names])) });
  }
  if (sources.policy) plan.push({ reason: 'policy', dirs: new Map([[dirname(sources.policy), new Set([basename(sources.policy)])]]) });
  return plan;
}

export interface LineageWatchHost {
  setTimeout(fn: () => void, ms: number): { cancel(): void };
  notify(change: LineageChanged): void;
  now(): number;
  /** A set of folder watchers calling `onChange` (tests inject their own). */
  watchSet?(onChange: () => void): { set(dirs: Map<string, Set<string> | undefined>): void; close(): void };
  log?(message: string): void;
}

interface Watched {
  sets: { close(): void }[];
  stale: boolean;
  debounce?: { cancel(): void };
  reason?: string;
  probe?: { fn: () => Promise<string>; last?: string; at: number };
}

/**
 * Keeps open lineage views honest: each is watched on what it was built from (the folder
 * registry's files, the model, the policy file; a remote registry by the flags' poll; the trust
 * settings through `changedAll`). A change marks the view stale at once (`stale`: the client
 * shows "re-checking", never the old verdict) and asks for a re-check once changes have
 * settled for {@link LINEAGE_DEBOUNCE_MS} (`recheck`).
 */
export class LineageWatch {
  private readonly views = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly host: LineageWatchHost) {}

  /** (Re)starts watching `key` on `sources`: called as its view is computed, so a change during the computation counts. */
  watch(key: string, sources: LineageSources): void {
    const old = this.views.get(key);
    old?.debounce?.cancel();
    for (const s of old?.sets ?? []) s.close();
    const w: Watched = { sets: [], stale: false };
    this.views.set(key, w);
    for (const { reason, dirs } of lineageWatchPlan(sources)) {
      const set = this.host.watchSet ? this.host.watchSet(() => this.changed(key, reason)) : new DirWatchSet(() => this.changed(key, reason));
      set.set(dirs);
      w.sets.push(set);
    }
    if (sources.registry?.kind === 'oci') {
      const probe = { fn: sources.registry.probe, at: this.host.now() } as NonNullable<Watched['probe']>;
      w.probe = probe;
      void probe.fn().then((p) => (probe.last = p), () => undefined);
      this.start();
    }
  }

  unwatch(key: string): void {
    const w = this.views.get(key);
    if (!w) return;
    w.debounce?.cancel();
    for (const s of w.sets) s.close();
    this.views.delete(key);
  }

  /** Something `key` was built from changed: stale now (once per burst), re-check once it settles. */
  changed(key: string, reason: string): void {
    const w = this.views.get(key);
    if (!w) return;
    if (!w.stale) {
      w.stale = true;
      this.host.notify({ watch: key, phase: 'stale', reason });
    }
    w.reason = reason;
    w.debounce?.cancel();
    w.debounce = this.host.setTimeout(() => {
      w.debounce = undefined;
      if (this.views.get(key) !== w) return;
      this.host.notify({ watch: key, phase: 'recheck', reason: w.reason ?? reason });
    }, LINEAGE_DEBOUNCE_MS);
  }

  /** The trust settings (or the policy or registry setting) changed: every view. */
  changedAll(reason: string): void {
    for (const key of this.views.keys()) this.changed(key, reason);
  }

  /** One look at each remote registry, no more often than the flags look at one ({@link FLAGS_POLL_REMOTE_MS}). */
  async poll(): Promise<void> {
    for (const [key, w] of this.views) {
      const p = w.probe;
      if (!p || this.host.now() - p.at < FLAGS_POLL_REMOTE_MS) continue;
      p.at = this.host.now();
      let next: string;
      try {
        next = await p.fn();
      } catch (err) {
        this.host.log?.(`lineage: the registry could not be polled: ${(err as Error).message}`);
        continue;
      }
      if (p.last !== undefined && next !== p.last) this.changed(key, 'registry');
      p.last = next;
    }
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), FLAGS_POLL_MS);
    this.timer.unref();
  }

  /** The keys watched now. */
  keys(): string[] {
    return [...this.views.keys()];
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const key of [...this.views.keys()]) this.unwatch(key);
  }
}

/**
 * Which registry a lineage view read, or that none was found and how to set one, in the
 * editor's words (its setting, never the CLI's flags).
 */
export function registryLine(loc: RegistryLocation, exists: boolean, root: string | undefined): { text: string; found: boolean; setting?: string } {
  const setting = 'modelProvenance.registry';
  if (loc.kind === 'oci') return { text: `Registry: ${loc.spec} (${loc.source === 'flag' ? setting : loc.source})`, found: true };
  const shown = displayPath(root, loc.path);
  if (loc.source === 'default' || (loc.source === 'workspace' && !exists)) {
    return {
      text: `No registry found: there is no .provenance/ folder in ${root ?? dirname(loc.path)} or any folder above it, and ${setting} is not set. Set ${setting} to your registry folder (or oci://HOST/REPOSITORY), or attest a model (Attest Model…) to create .provenance/ in the workspace.`,
      found: false,
      setting,
    };
  }
  const by = loc.source === 'flag' ? setting : loc.source === 'MODEL_PROVENANCE_REGISTRY' ? 'MODEL_PROVENANCE_REGISTRY' : 'found in the workspace';
  if (!exists) return { text: `No registry found: ${by === setting ? setting : by} names ${shown}, which does not exist. Check ${setting}.`, found: false, setting };
  return { text: `Registry: ${shown} (${by})`, found: true };
}

function displayPath(root: string | undefined, p: string): string {
  if (!root) return p;
  const r = relative(root, p);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : `${r.split(sep).join('/')}/`;
}
