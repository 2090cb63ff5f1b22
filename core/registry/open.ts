import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors';
import { LocalRegistry } from './local';
import type { Registry } from './registry';

export const DEFAULT_REGISTRY_DIR = '.provenance';

/**
 * How a caller uses the registry, which decides what a missing folder means:
 * - `read`: the registry must exist. A missing folder is an input error, never an empty registry.
 * - `write`: the default `.provenance/` is created on the first write; an explicitly named
 *   folder (flag or MODEL_PROVENANCE_REGISTRY) is created only when its parent exists, and
 *   `onCreate` is told, so a mistyped path is never created silently.
 */
export type RegistryAccess = 'read' | 'write';

export interface OpenRegistryOptions {
  access?: RegistryAccess;
  /** Called once when a write creates the registry folder (writers only). */
  onCreate?: (location: string) => void;
}

/** Where a registry spec points, and whether it was named explicitly. */
export interface RegistryLocation {
  path: string;
  explicit: boolean;
  /** `flag`, `MODEL_PROVENANCE_REGISTRY`, `workspace` (a `.provenance/` found above) or `default` (none found). */
  source: 'flag' | 'MODEL_PROVENANCE_REGISTRY' | 'workspace' | 'default';
}

/**
 * Resolves a registry spec without opening it: `file:PATH` or a plain path; without one,
 * MODEL_PROVENANCE_REGISTRY, else the nearest `.provenance/` above `cwd` (the workspace
 * root), else `cwd/.provenance`.
 *
 * @throws InputError `UNSUPPORTED` for `oci://` specs (no OCI backend yet)
 */
export function locateRegistry(spec?: string, cwd = process.cwd()): RegistryLocation {
  const env = process.env.MODEL_PROVENANCE_REGISTRY;
  const s = spec ?? (env ? env : undefined);
  if (s) {
    if (s.startsWith('oci://')) {
      throw new InputError('UNSUPPORTED', `OCI registries (${s}) are not supported yet; use a local registry (file:PATH)`);
    }
    return { path: resolve(cwd, s.startsWith('file:') ? s.slice(5) : s), explicit: true, source: spec ? 'flag' : 'MODEL_PROVENANCE_REGISTRY' };
  }
  const found = findWorkspaceRegistry(cwd);
  return found ? { path: found, explicit: false, source: 'workspace' } : { path: join(resolve(cwd), DEFAULT_REGISTRY_DIR), explicit: false, source: 'default' };
}

function named(loc: RegistryLocation): string {
  return loc.source === 'flag' ? '--registry' : loc.source === 'MODEL_PROVENANCE_REGISTRY' ? 'MODEL_PROVENANCE_REGISTRY' : 'the default registry';
}

/**
 * Opens the registry a spec names (see locateRegistry) for reading or writing.
 *
 * @throws InputError `REGISTRY_NOT_FOUND` (file: the path) when a reader's registry does not
 *   exist, is not a folder, or is a folder that holds something other than a registry; when a
 *   writer's explicit registry is missing and so is its parent folder
 */
export function openRegistry(spec?: string, cwd = process.cwd(), options: OpenRegistryOptions = {}): Registry {
  const loc = locateRegistry(spec, cwd);
  const access = options.access ?? 'read';
  const stat = statSync(loc.path, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) throw new InputError('REGISTRY_NOT_FOUND', `${named(loc)} names a file, not a registry folder`, { file: loc.path });
  const noneInReach = `no ${DEFAULT_REGISTRY_DIR}/ registry in ${resolve(cwd)} or any folder above it; give --registry or set MODEL_PROVENANCE_REGISTRY`;
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
export function openRegistryIfPresent(spec?: string, cwd = process.cwd()): Registry | undefined {
  const loc = locateRegistry(spec, cwd);
  if (!loc.explicit && loc.source === 'default') return undefined;
  return openRegistry(spec, cwd, { access: 'read' });
}
