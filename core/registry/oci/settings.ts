import { InputError } from '../../errors';
import type { OciRegistryOptions } from './oci-registry';
import { attemptsProblem, timeoutProblem, type TransportOption } from './limits';

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
 * @throws InputError `USAGE` for an environment value that is not a number or out of range
 *   (a timeout more than 0 and at most 3600 seconds; attempts a whole number from 1 to 10),
 *   never clamped silently
 */
export function ociOptions(explicit: OciRegistryOptions = {}, env: NodeJS.ProcessEnv = process.env): OciRegistryOptions {
  const fromEnv: OciRegistryOptions = {};
  const num = (name: string, problem: (n: number) => string | undefined): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    const why = v.trim() === '' || !Number.isFinite(n) ? 'must be a number' : problem(n);
    if (why) throw new InputError('USAGE', `${name}=${JSON.stringify(v)}: it ${why}`);
    return n;
  };
  const timeout = num('MODEL_PROVENANCE_REGISTRY_TIMEOUT', timeoutProblem);
  if (timeout !== undefined) fromEnv.timeoutSeconds = timeout;
  const attempts = num('MODEL_PROVENANCE_REGISTRY_ATTEMPTS', attemptsProblem);
  if (attempts !== undefined) fromEnv.attempts = attempts;
  if (env.MODEL_PROVENANCE_CA_FILE) fromEnv.caFile = env.MODEL_PROVENANCE_CA_FILE;
  if (env.MODEL_PROVENANCE_INSECURE === '1' || env.MODEL_PROVENANCE_INSECURE === 'true') fromEnv.insecure = true;
  const pick = <T>(o: OciRegistryOptions): OciRegistryOptions => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T & OciRegistryOptions;
  return { ...fromEnv, ...pick(defaults), ...pick(explicit) };
}

const TRANSPORT_SETTINGS: TransportOption[] = ['caFile', 'insecure', 'timeoutSeconds'];

/**
 * The transport settings given explicitly (`explicit`, then setOciDefaults: the CLI's flags),
 * not from the environment, each named as the caller names it (optionName: `--ca-file` in the
 * CLI, `caFile` in the library). Empty when none was given.
 */
export function givenTransportOptions(explicit: OciRegistryOptions = {}): string[] {
  const name = explicit.optionName ?? defaults.optionName ?? ((o: TransportOption) => o);
  return TRANSPORT_SETTINGS.filter((o) => (explicit[o] !== undefined && explicit[o] !== false) || (defaults[o] !== undefined && defaults[o] !== false)).map(name);
}

/**
 * How a message names one transport setting when the caller has said how it names them
 * (`explicit.optionName`, then setOciDefaults: the CLI's flags); undefined when nobody has,
 * so that the message can name it as the library takes it.
 */
export function transportOptionName(option: TransportOption, explicit: OciRegistryOptions = {}): string | undefined {
  const name = explicit.optionName ?? defaults.optionName;
  return name ? name(option) : undefined;
}
