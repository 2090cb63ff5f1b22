import { watch, type FSWatcher } from 'node:fs';
import { basename, resolve } from 'node:path';
import {
  CancelledError,
  evaluateModel,
  findSignatureFor,
  flagEvaluation,
  type FlagIndex,
  type DigestCache,
  type HashProgress,
  type ModelEvaluation,
} from '../../core';
import type { ModelStateView, PolicyProblem, UnsignedView } from '../../core/editor/protocol';
import { restrictedIgnorePathsNote, restrictedNote, type IgnoredTrust } from '../../core/editor/trust-settings';
import { withRestrictedNote } from './state-findings';
import { existingAncestor, modelDirs } from './dir-watch';
import type { LoadedTrust } from './trust';

/** What the states need from the server. */
export interface ModelStatesHost {
  trust(): LoadedTrust;
  /** The flags in force (advisories under the policy, its flagged list), applied to every state. */
  flags?(): FlagIndex | undefined;
  /** The configured policy cannot be loaded: every state is not verified with its code. */
  policyProblem?(): PolicyProblem | undefined;
  /** Advisories in the registry that nothing reads (no policy, or none of its advisorySigners). */
  advisoriesNotRead?(): string | undefined;
  sizeLimitBytes(): number;
  /** `modelProvenance.ignorePaths` in force (relative to each model folder, or absolute): left out of every model. */
  ignorePaths?(): readonly string[];
  cache: DigestCache;
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
  /** Called after every change of a model's state (phase or result). */
  changed(view: ModelStateView): void;
  /** Work-done progress for long hashing; returns a reporter or nothing. */
  progress?(title: string): Promise<{ report(pct: number, msg: string): void; done(): void } | undefined>;
  log(message: string): void;
}

interface Entry {
  model: string;
  signature: string;
  phase: ModelStateView['phase'];
  evaluation?: ModelEvaluation;
  at?: number;
  /** A person asked for this model above the size limit: hash it whatever its size until a file changes. */
  forced: boolean;
  /** Bumps on every invalidation: a run started before it is stale. */
  generation: number;
  trustVersion?: number;
  abort?: AbortController;
  debounce?: { cancel(): void };
  watchers: Map<string, FSWatcher>;
  /** Resolve when the next run of this generation finishes. */
  waiters: ((e: Entry) => void)[];
  lastUsed: number;
  /** Open documents that show this model (never evicted while > 0). */
  pins: number;
}

/**
 * A model evaluation as the editor shows it: with the flags in force, the policy problem that
 * fails it closed, and (Restricted Mode) that the workspace's own ignore paths were not applied.
 */
export type EditorEvaluation = ModelEvaluation & { policy?: PolicyProblem; advisoriesNotRead?: string; ignorePathsNote?: string };

/**
 * A configured policy that cannot be loaded fails every model closed: its flags and
 * advisories cannot be checked, so nothing is "verified". The state becomes `error` (the most
 * serious word; an unreadable signature stays what it was), the headline names the code, and
 * the integrity and trust facts are kept for the diagnostics beside it.
 */
export function policyFailure(ev: ModelEvaluation, problem: PolicyProblem | undefined): EditorEvaluation {
  if (!problem) return ev;
  const keep = ev.state === 'error' || ev.state === 'invalid';
  const headline = `not verified [${problem.code}]: the trust policy ${basename(problem.file)} ${problem.code === 'POLICY_NOT_FOUND' ? 'does not exist' : 'cannot be loaded'}`;
  const detail = `${problem.message}. Its flags and advisories cannot be checked, so the model is not verified whatever its files and signature say; fix the policy or clear modelProvenance.policy. ${ev.detail}`;
  return keep ? { ...ev, policy: problem, detail } : { ...ev, state: 'error', policy: problem, headline, detail };
}

/**
 * Restricted Mode ignored what the workspace named for this kind of signer: a signer not trusted
 * or not checked says so on every surface (lens and status read the headline, Problems the trust
 * message, hover and notifications the detail), not only in the language status hover (finding 10).
 */
export function restrictedEvaluation(ev: EditorEvaluation, ignored: IgnoredTrust | undefined): EditorEvaluation {
  ev = restrictedIgnorePaths(ev, ignored);
  if (ev.state !== 'untrusted' && ev.state !== 'not-configured') return ev;
  const note = restrictedNote(ev.trust.signer.method, ignored);
  if (!note) return ev;
  return { ...ev, trust: withRestrictedNote(ev.trust, ignored), headline: `${ev.headline}; ${note}`, detail: `${ev.detail} ${note.charAt(0).toUpperCase()}${note.slice(1)}.` };
}

/**
 * Restricted Mode ignored the workspace's own `ignorePaths`: a file not covered by the
 * signature may be one the repository meant to leave out, so it says so there (the FILE_UNEXPECTED
 * diagnostics, the detail), and nowhere a file it names could not matter.
 */
function restrictedIgnorePaths(ev: EditorEvaluation, ignored: IgnoredTrust | undefined): EditorEvaluation {
  const note = restrictedIgnorePathsNote(ignored);
  if (!note || !ev.integrity?.files.some((f) => f.status === 'unexpected')) return ev;
  return { ...ev, ignorePathsNote: note, detail: `${ev.detail} ${note.charAt(0).toUpperCase()}${note.slice(1)}: nothing it names is left out.` };
}

/** A change burst (an editor saving, a copy in progress) settles before re-verifying. */
export const DEBOUNCE_MS = 100;
const MAX_ENTRIES = 256;
const MAX_CONCURRENT = 2;
const PROGRESS_BYTES = 64 * 1024 * 1024;

/**
 * One verification state per signed model, owned by the server: unknown → checking →
 * done (integrity ok/modified × trust verified/untrusted/not-configured/invalid/too-large/error).
 * Every surface (diagnostics, lens, hover, status, explorer badges) renders these states and
 * nothing else. A file-system watcher on each model's folders invalidates a state the moment
 * a file changes; the model is re-verified after a short debounce, off the request path,
 * through the digest cache (only changed files are hashed again).
 */
export class ModelStates {
  private readonly entries = new Map<string, Entry>();
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly host: ModelStatesHost) {}

  /** The state of the model a path belongs to, starting its evaluation when none is known. */
  forPath(path: string): ModelStateView | UnsignedView {
    const found = findSignatureFor(path);
    if (!found) return { unsigned: true, model: resolve(path) };
    return this.view(this.ensure(found.modelPath, found.signaturePath));
  }

  /** The state of a signature's model; `pin` keeps it (and its watcher) while a document shows it. */
  forSignature(model: string, signature: string): ModelStateView {
    return this.view(this.ensure(model, signature));
  }

  get(signature: string): ModelStateView | undefined {
    const e = this.entries.get(resolve(signature));
    return e ? this.view(e) : undefined;
  }

  /** The full evaluation behind a state, with the flags in force applied, for hovers and reports. */
  evaluation(signature: string): EditorEvaluation | undefined {
    return this.flagged(this.entries.get(resolve(signature))?.evaluation);
  }

  /** The flags in force changed: every known state is shown again with them (nothing is hashed). */
  reflag(): void {
    for (const e of this.entries.values()) if (e.phase === 'done') this.host.changed(this.view(e));
  }

  private flagged(ev: ModelEvaluation | undefined): EditorEvaluation | undefined {
    if (!ev) return undefined;
    const out: EditorEvaluation = restrictedEvaluation(policyFailure(flagEvaluation(ev, this.host.flags?.()), this.host.policyProblem?.()), this.host.trust().ignored);
    const notRead = this.host.advisoriesNotRead?.();
    return notRead ? { ...out, advisoriesNotRead: notRead } : out;
  }

  pin(model: string, signature: string): void {
    this.ensure(model, signature).pins++;
  }

  unpin(signature: string): void {
    const e = this.entries.get(resolve(signature));
    if (e && e.pins > 0) e.pins--;
  }

  /** A person asked: verify now, whatever the size, and resolve with the result. */
  async verifyNow(model: string, signature: string, options: { signal?: AbortSignal; onProgress?: (p: HashProgress) => void } = {}): Promise<EditorEvaluation> {
    const e = this.ensure(model, signature, false);
    e.forced = true;
    e.generation++;
    e.debounce?.cancel();
    e.debounce = undefined;
    const r = await this.run(e, options);
    if (!r) throw new CancelledError('verification cancelled');
    return this.flagged(r)!;
  }

  /** Trust or settings changed: every state is recomputed (unchanged files come from the digest cache). */
  invalidateAll(): void {
    for (const e of this.entries.values()) this.invalidate(e, 0);
  }

  dispose(): void {
    for (const e of this.entries.values()) this.close(e);
    this.entries.clear();
  }

  private ensure(model: string, signature: string, evaluate = true): Entry {
    const key = resolve(signature);
    let e = this.entries.get(key);
    if (!e) {
      e = { model: resolve(model), signature: key, phase: 'unknown', forced: false, generation: 0, watchers: new Map(), waiters: [], lastUsed: this.host.now(), pins: 0 };
      this.entries.set(key, e);
      this.evict();
      if (evaluate) this.invalidate(e, 0);
    }
    e.lastUsed = this.host.now();
    if (evaluate && e.phase === 'done' && e.trustVersion !== this.host.trust().version) this.invalidate(e, 0);
    return e;
  }

  private invalidate(e: Entry, delay: number): void {
    e.generation++;
    e.abort?.abort();
    e.debounce?.cancel();
    const wasChecking = e.phase === 'checking';
    e.phase = 'checking';
    // Stale results are not shown while the new ones are computed: a "verified" that may no longer hold is a lie.
    if (!wasChecking) this.host.changed(this.view(e));
    const generation = e.generation;
    e.debounce = this.host.setTimeout(() => {
      e.debounce = undefined;
      if (e.generation === generation) void this.run(e, {});
    }, delay);
  }

  /** Runs (or queues) an evaluation; resolves with it, or undefined when a newer change superseded it. */
  private run(e: Entry, options: { signal?: AbortSignal; onProgress?: (p: HashProgress) => void }): Promise<ModelEvaluation | undefined> {
    const generation = e.generation;
    return new Promise((resolveRun) => {
      const start = async (): Promise<void> => {
        if (e.generation !== generation || !this.entries.has(e.signature)) {
          resolveRun(undefined);
          this.next();
          return;
        }
        e.abort?.abort();
        const abort = new AbortController();
        e.abort = abort;
        options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
        if (e.phase !== 'checking') {
          e.phase = 'checking';
          this.host.changed(this.view(e));
        }
        const trust = this.host.trust();
        let reporter: { report(pct: number, msg: string): void; done(): void } | undefined;
        let asked = false;
        const onProgress = (p: HashProgress): void => {
          options.onProgress?.(p);
          if (!options.onProgress && !asked && p.bytesTotal > PROGRESS_BYTES && this.host.progress) {
            asked = true;
            void this.host.progress(`Verifying ${basename(e.model)}`).then((r) => (reporter = r));
          }
          reporter?.report(Math.floor((p.bytesDone / Math.max(1, p.bytesTotal)) * 100), `${p.filesDone}/${p.filesTotal} files`);
        };
        let evaluation: ModelEvaluation | undefined;
        try {
          evaluation = await evaluateModel({
            modelPath: e.model,
            signaturePath: e.signature,
            trust: trust.set,
            sizeLimitBytes: e.forced ? undefined : this.host.sizeLimitBytes(),
            ignorePaths: this.host.ignorePaths?.() ?? [],
            signal: abort.signal,
            onProgress,
            cache: this.host.cache,
          });
        } catch (err) {
          if (!(err instanceof CancelledError)) this.host.log(`verification of ${e.model} failed: ${(err as Error).message}`);
        } finally {
          reporter?.done();
        }
        if (evaluation && e.generation === generation && !abort.signal.aborted) {
          e.evaluation = evaluation;
          e.at = this.host.now();
          e.phase = 'done';
          e.trustVersion = trust.version;
          this.watch(e);
          this.host.changed(this.view(e));
          resolveRun(evaluation);
        } else {
          resolveRun(undefined);
        }
        this.next();
      };
      if (this.running < MAX_CONCURRENT) {
        this.running++;
        void start();
      } else {
        this.queue.push(() => void start());
      }
    });
  }

  private next(): void {
    const job = this.queue.shift();
    if (job) job();
    else this.running--;
  }

  /** Watches every folder of the model (and the signature's), replacing the previous watchers. */
  private watch(e: Entry): void {
    // The same folders a lineage view of this model watches (dir-watch.ts).
    const { dirs, names } = modelDirs(e.model, e.signature);
    // A folder that is gone (deleted, or replaced by a re-download or a branch switch) cannot be
    // watched: its nearest existing ancestor is, so that its return is seen. A watcher whose
    // folder was replaced watches the old, deleted inode: it is made again on the new one.
    const present = new Map<string, number>();
    for (const dir of dirs) {
      const at = existingAncestor(dir);
      if (at) present.set(at.dir, at.ino);
    }
    const anywhere = new Set([...present.keys()].filter((d) => !dirs.has(d)));
    for (const [dir, w] of e.watchers) {
      if (!present.has(dir) || watchedInode.get(w) !== present.get(dir)) {
        w.close();
        e.watchers.delete(dir);
      }
    }
    for (const [dir, ino] of present) {
      if (e.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, file) => {
          // Only the model's own file counts beside a single-file model; anything in a model folder
          // does, and anything at all in the ancestor that stands in for a missing folder.
          if (names && !anywhere.has(dir) && file && !names.has(String(file))) return;
          this.onChange(e);
        });
        watchedInode.set(w, ino);
        w.on('error', () => {
          w.close();
          e.watchers.delete(dir);
          this.onChange(e);
        });
        e.watchers.set(dir, w);
      } catch {
        /* a folder that vanished: the next evaluation reports the missing files */
      }
    }
  }

  private onChange(e: Entry): void {
    if (!this.entries.has(e.signature)) return;
    // A file changed: an explicit verification above the size limit no longer holds for the new bytes.
    e.forced = false;
    this.invalidate(e, DEBOUNCE_MS);
  }

  private close(e: Entry): void {
    e.abort?.abort();
    e.debounce?.cancel();
    for (const w of e.watchers.values()) w.close();
    e.watchers.clear();
  }

  private evict(): void {
    if (this.entries.size <= MAX_ENTRIES) return;
    const victims = [...this.entries.values()].filter((x) => x.pins === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const v of victims.slice(0, this.entries.size - MAX_ENTRIES)) {
      this.close(v);
      this.entries.delete(v.signature);
    }
  }

  view(e: Entry): ModelStateView {
    const base = { model: e.model, signature: e.signature, phase: e.phase };
    const ev = this.flagged(e.evaluation);
    if (e.phase !== 'done' || !ev) return { ...base, headline: 'checking…' };
    return {
      ...base,
      state: ev.state,
      headline: ev.headline,
      detail: ev.detail,
      signer: ev.signerText,
      ...(ev.integrity
        ? { integrity: { state: ev.integrity.state, summary: ev.integrity.summary, matched: ev.integrity.matched, total: ev.integrity.total, files: ev.integrity.files.map((f) => ({ name: f.name, status: f.status })) } }
        : {}),
      trust: {
        state: ev.trust.state,
        ...(ev.trust.code ? { code: ev.trust.code } : {}),
        ...(ev.trust.message ? { message: ev.trust.message } : {}),
        ...(ev.trust.unchecked ? { unchecked: ev.trust.unchecked } : {}),
        ...(ev.trust.nothingConfigured ? { nothingConfigured: true } : {}),
      },
      ...(e.at !== undefined ? { at: e.at } : {}),
      // The model's state, not the signature's: with a file modified (or a flag, a policy error)
      // trusting the signer changes nothing that matters, so it is not offered (finding 13).
      canTrust: ev.state === 'not-configured' || ev.state === 'untrusted',
      ...(ev.flags?.length ? { flags: ev.flags.map((h) => ({ code: h.code, digest: h.digest, message: h.message, kind: h.role === 'signer' ? ('signer' as const) : ('artifact' as const) })) } : {}),
      ...(ev.policy ? { policy: ev.policy } : {}),
      ...(ev.advisoriesNotRead ? { advisoriesNotRead: ev.advisoriesNotRead } : {}),
      ...(ev.ignorePaths ? { ignorePaths: { applied: ev.ignorePaths.applied, text: ev.ignorePaths.text } } : {}),
    };
  }
}

/** The inode each watcher was opened on (a folder replaced under the same name has a new one). */
const watchedInode = new WeakMap<FSWatcher, number>();
