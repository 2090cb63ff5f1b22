import type { Command } from 'commander';
import { InputError } from '../core/errors';
import { setOciDefaults } from '../core/registry/oci/settings';

export const REGISTRY_HELP = 'registry: a folder, file:PATH, or an OCI registry oci://HOST[:PORT]/REPOSITORY (bare HOST/REPOSITORY too) (default: the workspace .provenance/)';

/**
 * Gives every command that takes `--registry` the OCI transport flags (`--ca-file`,
 * `--insecure`, `--registry-timeout`) and applies them before the command runs, so the
 * commands themselves keep calling openRegistry(spec) unchanged.
 */
export function addRegistryTransportOptions(program: Command): void {
  const visit = (cmd: Command): void => {
    const reg = cmd.options.find((o) => o.long === '--registry');
    if (reg) {
      reg.description = REGISTRY_HELP;
      transportOptions(cmd);
    }
    for (const c of cmd.commands) visit(c);
  };
  visit(program);
}

/** The three transport flags and the hook that applies them (also used by `registry copy`). */
export function transportOptions(cmd: Command): Command {
  return cmd
    .option('--ca-file <pem>', 'OCI registries: also trust the CA certificates in this PEM file (beside the system CAs)')
    .option('--insecure', 'OCI registries: allow plain HTTP to a host that is not loopback (never for credentials you care about)')
    .option('--registry-timeout <seconds>', 'OCI registries: give up on a request silent this long (default 30; retries are bounded)')
    .hook('preAction', (c) => {
      const o = c.opts<{ caFile?: string; insecure?: boolean; registryTimeout?: string }>();
      let timeoutSeconds: number | undefined;
      if (o.registryTimeout !== undefined) {
        timeoutSeconds = Number(o.registryTimeout);
        if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600) throw new InputError('USAGE', `--registry-timeout must be a number of seconds between 0 and 3600 (got ${JSON.stringify(o.registryTimeout)})`);
      }
      setOciDefaults({ ...(o.caFile ? { caFile: o.caFile } : {}), ...(o.insecure ? { insecure: true } : {}), ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) });
    });
}
