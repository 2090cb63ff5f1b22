import { InputError } from '../../errors';
import type { OciRegistryOptions } from './oci-registry';

let defaults: OciRegistryOptions = {};

/**
 * Process-wide transport settings for OCI registries, below explicit options and above the
 * environment. The CLI sets them from `--ca-file`, `--insecure` and `--registry-timeout`, so
 * every command that opens a registry gets them without threading them through.
 */
export function setOciDefaults(options: OciRegistryOptions): void {
  defaults = { ...options };
}

/**
 * The options an OCI registry opens with: explicit ones, then setOciDefaults, then the
 * environment (MODEL_PROVENANCE_REGISTRY_TIMEOUT seconds, MODEL_PROVENANCE_CA_FILE,
 * MODEL_PROVENANCE_INSECURE=1, MODEL_PROVENANCE_REGISTRY_ATTEMPTS).
 *
 * @throws InputError `USAGE` for an environment value that is not a number
 */
export function ociOptions(explicit: OciRegistryOptions = {}, env: NodeJS.ProcessEnv = process.env): OciRegistryOptions {
  const fromEnv: OciRegistryOptions = {};
  const num = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InputError('USAGE', `${name}=${JSON.stringify(v)} is not a positive number`);
    return n;
  };
  const timeout = num('MODEL_PROVENANCE_REGISTRY_TIMEOUT');
  if (timeout !== undefined) fromEnv.timeoutSeconds = timeout;
  const attempts = num('MODEL_PROVENANCE_REGISTRY_ATTEMPTS');
  if (attempts !== undefined) fromEnv.attempts = Math.floor(attempts);
  if (env.MODEL_PROVENANCE_CA_FILE) fromEnv.caFile = env.MODEL_PROVENANCE_CA_FILE;
  if (env.MODEL_PROVENANCE_INSECURE === '1' || env.MODEL_PROVENANCE_INSECURE === 'true') fromEnv.insecure = true;
  const pick = <T>(o: OciRegistryOptions): OciRegistryOptions => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T & OciRegistryOptions;
  return { ...fromEnv, ...pick(defaults), ...pick(explicit) };
}
