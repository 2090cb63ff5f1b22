import type { Command } from 'commander';
import { InputError } from '../core/errors';
import { setOciDefaults } from '../core/registry/oci/settings';

export const REGISTRY_HELP = 'registry: a folder, file:PATH, or an OCI registry oci://HOST[:PORT]/REPOSITORY (bare HOST/REPOSITORY too) (default: the workspace .provenance/)';

/** How CLI messages name the OCI transport settings: by the flag (or variable) a person changes. */
export const TRANSPORT_FLAGS: Record<string, string> = {
  timeoutSeconds: '--registry-timeout',
  caFile: '--ca-file',
  insecure: '--insecure',
  attempts: 'MODEL_PROVENANCE_REGISTRY_ATTEMPTS',
};

/** A transport setting as CLI messages name it. */
const transportFlag = (option: string): string => TRANSPORT_FLAGS[option] ?? option;

/**
 * Gives every command that takes `--registry` the OCI transport flags (`--ca-file`,
 * `--insecure`, `--registry-timeout`) and applies them before the command runs, so the
 * commands themselves keep calling openRegistry(spec) unchanged. Every command, with
 * `--registry` or not, names the transport settings by these flags in core's messages
 * (a policy's plain-HTTP `registry` read by `diff --policy` says `--insecure` too).
 */
export function addRegistryTransportOptions(program: Command): void {
  setOciDefaults({ optionName: transportFlag });
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

/**
 * The three transport flags and the hook that applies them (also used by `registry copy`).
 * Given with a folder registry they are refused (OPTION_NOT_APPLICABLE) when it is opened.
 */
export function transportOptions(cmd: Command): Command {
  return cmd
    .option('--ca-file <pem>', 'OCI registries: also trust the CA certificates in this PEM file (beside the system CAs)')
    .option('--insecure', 'OCI registries: allow plain HTTP to a host that is not loopback; certificates of HTTPS registries are still checked (unlike crane/oras --insecure; a private CA needs --ca-file)')
    .option('--registry-timeout <seconds>', 'OCI registries: give up on an attempt silent this long, connect and TLS included (default 30; more than 0, at most 3600; 3 attempts)')
    .hook('preAction', (c) => {
      const o = c.opts<{ caFile?: string; insecure?: boolean; registryTimeout?: string }>();
      let timeoutSeconds: number | undefined;
      if (o.registryTimeout !== undefined) {
        timeoutSeconds = Number(o.registryTimeout);
        if (o.registryTimeout.trim() === '' || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600) {
          throw new InputError('USAGE', `--registry-timeout must be a number of seconds more than 0 and at most 3600 (got ${JSON.stringify(o.registryTimeout)})`);
        }
      }
      setOciDefaults({
        ...(o.caFile ? { caFile: o.caFile } : {}),
        ...(o.insecure ? { insecure: true } : {}),
        ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
        optionName: transportFlag,
        // A person facing a silent registry hears about it once, at the first retry, not minutes later.
        onRetry: (note) => process.stderr.write(`model-provenance: note: ${note.message}\n`),
      });
    });
}
