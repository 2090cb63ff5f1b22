import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors';
import { optionName, type OptionNames } from '../option-names';
import { LocalRegistry } from './local';
import { OciRegistry, type OciRegistryOptions } from './oci/oci-registry';
import { looksLikeOciSpec, parseOciSpec, redactSpec } from './oci/reference';
import { givenTransportOptions, ociOptions, transportOptionName } from './oci/settings';
import type { Registry } from './registry';

export const DEFAULT_REGISTRY_DIR = '.provenance';

/**
 * How a caller uses the registry, which decides what a missing folder means:
 * - `read`: the registry must exist. A missing folder is an input error, never an empty registry;
 *   so is an OCI repository the registry does not have (found out on the first lookup).
 * - `write`: the default `.provenance/` is created on the first write; an explicitly named
 *   folder (flag or MODEL_PROVENANCE_REGISTRY) is created only when its parent exists, and
 *   `onCreate` is told, so a mistyped path is never created silently. An OCI repository is
 *   created by the registry on the first push.
 */
export type RegistryAccess = 'read' | 'write';

export interface OpenRegistryOptions {
  access?: RegistryAccess;
  /** Called once when a write creates the registry folder (writers only). */
  onCreate?: (location: string) => void;
  /** Transport settings for an OCI registry (timeouts, CA file, --insecure, cache folder). */
  oci?: OciRegistryOptions;
  /**
   * Who named the spec, for messages: for a spec given, by default how `optionNames` names the
   * registry (the CLI: `--registry`; the library: `the registry option`), else e.g.
   * `the "registry" of policy.json` (registryOrigin) or `the DST argument`.
   */
  origin?: string;
  /** How messages name the ways to give a registry: the CLI passes its flags; default the library's option names. */
  optionNames?: OptionNames;
  /**
   * Whether transport settings (caFile, insecure, timeoutSeconds) given explicitly (options.oci
   * or setOciDefaults, i.e. the CLI's flags) are refused for a folder registry, where they
   * would be dropped. Default true; `registry copy` checks its two sides itself.
   */
  refuseTransportForFolder?: boolean;
}

/** Where a registry spec points, and whether it was named explicitly. */
export type RegistryLocation =
  | {
      kind: 'local';
      path: string;
      explicit: boolean;
      /** `flag`, `MODEL_PROVENANCE_REGISTRY`, `workspace` (a `.provenance/` found above) or `default` (none found). */
      source: 'flag' | 'MODEL_PROVENANCE_REGISTRY' | 'workspace' | 'default';
    }
  | { kind: 'oci'; spec: string; explicit: true; source: 'flag' | 'MODEL_PROVENANCE_REGISTRY' };

/** A URL scheme at the start of a spec (`https://`, `http://`, `oci:/`…): never a folder name anyone meant. */
const SCHEME = /^([a-z][a-z0-9+.-]*):(\/*)/i;

/** What a registry spec names, before anything is opened. */
export type RegistrySpec = { kind: 'oci'; spec: string } | { kind: 'local'; path: string };

/**
 * Classifies a registry spec: `oci://HOST[:PORT]/REPOSITORY`, `file:PATH`, or a bare form.
 * A bare spec is an OCI registry when its first component is a host by docker's rule (it
 * has a `.` or a `:`, or is `localhost`: `ghcr.io/team/provenance`, `localhost:5000/x`,
 * `registry.example.com`), else a folder. When a bare spec could be both, because a folder
 * of that name exists, it is refused: write `oci://` or `file:` (docs/registry.md). A URL
 * (`https://HOST/REPO`, `http://…`) or a misspelt `oci:/…` is refused, never taken as a
 * folder path: a registry is named `oci://HOST[:PORT]/REPOSITORY`.
 *
 * @param origin who named the spec, for messages (`--registry`, `MODEL_PROVENANCE_REGISTRY`, `the SRC argument`)
 * @throws InputError `REGISTRY_SPEC_AMBIGUOUS`, `REGISTRY_SPEC_INVALID` (a plain-HTTP URL's
 *   message names the insecure transport setting as the caller names it: TransportOptions.optionName,
 *   which the CLI sets to its flags; the library's `oci: { insecure: true }`)
 */
export function classifyRegistrySpec(spec: string, cwd = process.cwd(), origin?: string): RegistrySpec {
  if (spec.startsWith('oci://')) return { kind: 'oci', spec };
  if (spec.startsWith('file:')) return { kind: 'local', path: resolve(cwd, spec.slice(5)) };
  const scheme = SCHEME.exec(spec);
  // A Windows drive (`C:\x`, `C:/x`) is a path; any other scheme is a URL or a typo of oci://.
  if (scheme && !/^[a-z]:[\\/]/i.test(spec)) {
    const name = scheme[1]!.toLowerCase();
    const rest = redactSpec(spec.slice(scheme[0].length));
    const advice = `write oci://${rest.replace(/^\/+/, '') || 'HOST[:PORT]/REPOSITORY'} (oci://HOST[:PORT]/REPOSITORY)`;
    const why =
      name === 'oci' ? 'is not an OCI registry reference' : name === 'http' || name === 'https' ? `is a URL, not a registry reference` : `has a scheme (${name}:) that names no registry`;
    const insecure = name === 'http' ? `; a plain-HTTP registry on a host that is not loopback also needs ${transportOptionName('insecure') ?? 'oci: { insecure: true }'} (the insecure option)` : '';
    throw new InputError('REGISTRY_SPEC_INVALID', `${origin ? `${origin} ` : ''}"${redactSpec(spec)}" ${why}: ${advice}${insecure}`);
  }
  if (looksLikeOciSpec(spec)) {
    if (existsSync(resolve(cwd, spec))) {
      throw new InputError('REGISTRY_SPEC_AMBIGUOUS', `"${redactSpec(spec)}" names both an OCI registry and the existing folder ${resolve(cwd, spec)}; write oci://${redactSpec(spec)} or file:${redactSpec(spec)}`);
    }
    return { kind: 'oci', spec: `oci://${spec}` };
  }
  return { kind: 'local', path: resolve(cwd, spec) };
}

/**
 * Resolves a registry spec without opening it: `oci://HOST[:PORT]/REPOSITORY` or a bare
 * `HOST/REPOSITORY` (classifyRegistrySpec), `file:PATH` or a plain path; without one,
 * MODEL_PROVENANCE_REGISTRY, else the nearest `.provenance/` above `cwd` (the workspace
 * root), else `cwd/.provenance`.
 *
 * @throws InputError `REGISTRY_SPEC_AMBIGUOUS`
 */
export function locateRegistry(spec?: string, cwd = process.cwd(), origin?: string, optionNames?: OptionNames): RegistryLocation {
  const env = process.env.MODEL_PROVENANCE_REGISTRY;
  const s = spec ?? (env ? env : undefined);
  if (s) {
    const source = spec ? 'flag' : 'MODEL_PROVENANCE_REGISTRY';
    const c = classifyRegistrySpec(s, cwd, spec ? (origin ?? optionName(optionNames, 'registry')) : 'MODEL_PROVENANCE_REGISTRY');
    return c.kind === 'oci' ? { kind: 'oci', spec: c.spec, explicit: true, source } : { kind: 'local', path: c.path, explicit: true, source };
  }
  const found = findWorkspaceRegistry(cwd);
  return found ? { kind: 'local', path: found, explicit: false, source: 'workspace' } : { kind: 'local', path: join(resolve(cwd), DEFAULT_REGISTRY_DIR), explicit: false, source: 'default' };
}

function namedBy(loc: RegistryLocation, origin: string | undefined, optionNames: OptionNames | undefined): string {
  return loc.source === 'flag' ? (origin ?? optionName(optionNames, 'registry')) : loc.source === 'MODEL_PROVENANCE_REGISTRY' ? 'MODEL_PROVENANCE_REGISTRY' : 'the default registry';
}

/**
 * Opens the registry a spec names (see locateRegistry) for reading or writing. An OCI
 * registry is opened without touching the network; the first request does.
 *
 * @throws InputError `REGISTRY_NOT_FOUND` (file: the path) when a reader's registry does not
 *   exist, is not a folder, or is a folder that holds something other than a registry; when a
 *   writer's explicit registry is missing and so is its parent folder; `REGISTRY_SPEC_INVALID`
 *   for a malformed OCI reference
 */
export function openRegistry(spec?: string, cwd = process.cwd(), options: OpenRegistryOptions = {}): Registry {
  const loc = locateRegistry(spec, cwd, options.origin, options.optionNames);
  const access = options.access ?? 'read';
  const named = (l: RegistryLocation): string => namedBy(l, options.origin, options.optionNames);
  if (loc.kind === 'oci') {
    let ref;
    try {
      ref = parseOciSpec(loc.spec);
    } catch (err) {
      if (err instanceof InputError) throw new InputError(err.code, `${named(loc)}: ${err.message}`, { cause: err });
      throw err;
    }
    return new OciRegistry(ref, { ...ociOptions(options.oci), access });
  }
  if (options.refuseTransportForFolder !== false) refuseTransportForFolder(loc.path, options.oci);
  const stat = statSync(loc.path, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) throw new InputError('REGISTRY_NOT_FOUND', `${named(loc)} names a file, not a registry folder`, { file: loc.path });
  const noneInReach = `no ${DEFAULT_REGISTRY_DIR}/ registry in ${resolve(cwd)} or any folder above it; give ${optionName(options.optionNames, 'registry')} or set MODEL_PROVENANCE_REGISTRY`;
  if (stat) {
    const names = readdirSync(loc.path);
    if (names.length > 0 && !names.includes('blobs') && !names.includes('index')) {
      // The default folder may hold other things (keys) before its first entry: a writer makes it a registry.
      if (!loc.explicit && access === 'write') return new LocalRegistry(loc.path, { onCreate: options.onCreate });
      if (!loc.explicit) throw new InputError('REGISTRY_NOT_FOUND', `no registry here (${named(loc)}): ${noneInReach}`, { file: loc.path });
      throw new InputError('REGISTRY_NOT_FOUND', `${named(loc)} names a folder that is not a registry (it has no blobs/ or index/)`, { file: loc.path });
    }
    return new LocalRegistry(loc.path);
  }
  if (access === 'read') {
    throw new InputError('REGISTRY_NOT_FOUND', `no registry here (${named(loc)}): ${loc.explicit ? 'check the path' : noneInReach}`, { file: loc.path });
  }
  if (loc.explicit && !existsSync(dirname(loc.path))) {
    throw new InputError('REGISTRY_NOT_FOUND', `${named(loc)} names a folder whose parent does not exist either; create the registry folder first if the path is right`, { file: loc.path });
  }
  return new LocalRegistry(loc.path, { onCreate: options.onCreate });
}

/**
 * Refuses transport settings given explicitly (the CLI's --ca-file, --insecure,
 * --registry-timeout, or a library caller's options) for a folder registry, where they would
 * be dropped. Settings from the environment (MODEL_PROVENANCE_CA_FILE…) are ambient and stay
 * quiet, as proxies' variables do.
 *
 * @throws InputError `OPTION_NOT_APPLICABLE` naming the first such setting as the caller names it
 */
export function refuseTransportForFolder(path: string, explicit?: OciRegistryOptions): void {
  const given = givenTransportOptions(explicit);
  if (given.length === 0) return;
  throw new InputError('OPTION_NOT_APPLICABLE', `${given[0]} applies only to an oci:// registry; this registry is a folder`, { file: path });
}

function findWorkspaceRegistry(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, DEFAULT_REGISTRY_DIR);
    if (existsSync(join(candidate, 'index')) || existsSync(join(candidate, 'blobs'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The registry for a command that can do without one (e.g. a manifest drawn without
 * lineage): an explicitly named registry must exist; without a name, the workspace
 * registry if there is one, else undefined.
 *
 * @throws InputError `REGISTRY_NOT_FOUND` for an explicit registry that does not exist
 */
export function openRegistryIfPresent(spec?: string, cwd = process.cwd(), options: Pick<OpenRegistryOptions, 'origin' | 'oci' | 'optionNames'> = {}): Registry | undefined {
  const loc = locateRegistry(spec, cwd, options.origin, options.optionNames);
  if (!loc.explicit && loc.source === 'default') {
    refuseTransportForFolder(loc.path, options.oci);
    return undefined;
  }
  return openRegistry(spec, cwd, { ...options, access: 'read' });
}
