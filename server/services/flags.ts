import { LocalRegistry, SLSA_PROVENANCE_V1, advisoryEntryIds, isProvenanceError, loadFlagIndex, loadPolicy, type FlagIndex, type Policy, type Registry } from '../../core';

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
    try {
      if (!path) why = 'no trust policy is set (modelProvenance.policy): advisories are not read';
      else if (!registry) why = 'no attestation registry: advisories cannot be read';
      else {
        policy = loadPolicy(path);
        this.lastProbe = Date.now();
        // The policy's own flags and advisory signers count too: editing the policy file changes what is in force.
        const probe = `${path}\n${JSON.stringify([policy.flagged, policy.advisorySigners])}\n${(await advisoryEntryIds(registry)).join(',')}\n${(await registry.findByPredicateType(SLSA_PROVENANCE_V1)).length}`;
        if (!force && probe === this.probe) return;
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
    this.why = why;
    if ((next?.fingerprint ?? '') === (this.index?.fingerprint ?? '') && !!next === !!this.index) return;
    this.index = next;
    this.version++;
    this.host.changed();
  }
}
