import { basename } from 'node:path';
import { LocalRegistry, SLSA_PROVENANCE_V1, advisoriesNotRead, advisoryEntryIds, isProvenanceError, loadFlagIndex, loadPolicy, type FlagIndex, type Policy, type Registry } from '../../core';
import type { PolicyProblem } from '../../core/editor/protocol';

/**
 * Why a configured policy cannot be used, as the editor says it. A file that is not there is
 * POLICY_NOT_FOUND; anything else (not JSON, a misspelt key, a signer key file it names that
 * cannot be read) is POLICY_INVALID, naming the file and the problem. Never "no policy".
 */
export function policyProblem(path: string, err: unknown): PolicyProblem {
  const e = isProvenanceError(err) ? err : undefined;
  const own = !e?.file || e.file === path;
  if (e?.code === 'FILE_NOT_FOUND' && own) return { code: 'POLICY_NOT_FOUND', file: path, message: `the trust policy ${basename(path)} (modelProvenance.policy) does not exist: ${path}` };
  const what = e ? (own ? `${e.message} [${e.code}]` : `${e.oneLine()}`) : String((err as Error)?.message ?? err);
  return { code: 'POLICY_INVALID', file: path, message: `the trust policy ${basename(path)} (modelProvenance.policy) cannot be loaded: ${what}` };
}

/** What the flags need from the server. */
export interface FlagsHost {
  /** The policy setting, resolved; undefined when none is set. */
  policyPath(): string | undefined;
  registry(): Registry | undefined;
  /** The flags in force changed: every surface re-renders. */
  changed(): void;
  log(message: string): void;
}

/** How often a folder registry's advisories are looked at (one read of its reverse index). */
export const FLAGS_POLL_MS = 2_000;
/** How often a remote (OCI) registry's are: each look may sync its tag listing over the network. */
export const FLAGS_POLL_REMOTE_MS = 30_000;

/**
 * The flags in force in the editor, read exactly as the gate reads them: only with a trust
 * policy (`modelProvenance.policy`), only advisories signed by its `advisorySigners`, plus its
 * own `flagged` list (core/incident/flag-index.ts). Kept current by a cheap poll of the
 * registry's advisory and attestation ids (another process, the CLI, flags a dataset: every
 * surface follows within a few seconds), and reloaded when the settings change. Consulted
 * synchronously by diagnostics, hovers, lenses and the model states.
 */
export class FlagsService {
  private index: FlagIndex | undefined;
  private probe: string | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private lastProbe = 0;
  /** Bumps whenever the index changes. */
  version = 0;
  /** Why no flags are read (no policy, a policy that cannot be loaded, no registry), for hovers and docs. */
  why: string | undefined = 'no trust policy is set (modelProvenance.policy): advisories are not read';
  /**
   * A policy is configured and cannot be loaded: fail closed. Every model state is "not
   * verified" with this code, attestations and manifests say their flags were not checked,
   * and the client points at the file. Undefined when the policy loads or none is set.
   */
  problem: PolicyProblem | undefined;
  /** The CLI's ADVISORIES_NOT_READ warning (core `advisoriesNotRead`): advisories in the registry that nothing reads. */
  notRead: string | undefined;

  constructor(private readonly host: FlagsHost) {}

  current(): FlagIndex | undefined {
    return this.index;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const remote = !(this.host.registry() instanceof LocalRegistry);
      if (remote && Date.now() - this.lastProbe < FLAGS_POLL_REMOTE_MS) return;
      void this.refresh();
    }, FLAGS_POLL_MS);
    // Never keeps a process alive on its own.
    this.timer.unref();
    void this.refresh(true);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Settings changed: read everything again. */
  reset(): void {
    this.probe = undefined;
    void this.refresh(true);
  }

  /** Re-reads the flags when the registry's advisories or attestations changed (or `force`); resolves when done. */
  refresh(force = false): Promise<void> {
    if (this.running) {
      if (force) this.again = true;
      return this.running;
    }
    this.running = this.load(force).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh(true);
      }
    });
    return this.running;
  }

  private async load(force: boolean): Promise<void> {
    const path = this.host.policyPath();
    const registry = this.host.registry();
    let policy: Policy | undefined;
    let next: FlagIndex | undefined;
    let why: string | undefined;
    let problem: PolicyProblem | undefined;
    let notRead: string | undefined;
    // A configured policy is read first, registry or not: one that cannot be loaded is never "no policy".
    if (path) {
      try {
        policy = loadPolicy(path);
      } catch (err) {
        problem = policyProblem(path, err);
        why = `advisories not read: ${problem.message}`;
      }
    }
    try {
      if (problem) {
        this.probe = undefined;
      } else if (!path) {
        why = 'no trust policy is set (modelProvenance.policy): advisories are not read';
        notRead = registry ? await advisoriesNotRead(registry, undefined, { withoutPolicy: 'set modelProvenance.policy to a policy with "advisorySigners"' }) : undefined;
      } else if (!registry) why = 'no attestation registry: advisories cannot be read';
      else if (policy) {
        this.lastProbe = Date.now();
        notRead = await advisoriesNotRead(registry, policy);
        // The policy's own flags and advisory signers count too: editing the policy file changes what is in force.
        const probe = `${path}\n${JSON.stringify([policy.flagged, policy.advisorySigners])}\n${(await advisoryEntryIds(registry)).join(',')}\n${(await registry.findByPredicateType(SLSA_PROVENANCE_V1)).length}`;
        if (!force && probe === this.probe && !this.problem && notRead === this.notRead) return;
        this.probe = probe;
        next = await loadFlagIndex(registry, policy);
        if (policy.advisorySigners.length === 0) why = `the policy ${path} names no advisorySigners: only its own flagged list applies, advisories are not read`;
      }
    } catch (err) {
      why = `advisories not read: ${isProvenanceError(err) ? err.oneLine() : (err as Error).message}`;
      this.host.log(why);
      next = undefined;
      this.probe = undefined;
    }
    if (problem && problem.message !== this.problem?.message) this.host.log(problem.message);
    this.why = why;
    const stateChanged = problem?.message !== this.problem?.message || notRead !== this.notRead;
    this.problem = problem;
    this.notRead = notRead;
    if (!stateChanged && (next?.fingerprint ?? '') === (this.index?.fingerprint ?? '') && !!next === !!this.index) return;
    this.index = next;
    this.version++;
    this.host.changed();
  }
}
