import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors';
import { LocalRegistry } from './local';
import type { Registry } from './registry';

export const DEFAULT_REGISTRY_DIR = '.provenance';

/**
 * `file:PATH` or a plain path opens a local registry. Without a spec: the environment
 * variable MODEL_PROVENANCE_REGISTRY, else the nearest `.provenance/` above the working
 * directory (the workspace root), else `./.provenance`.
 */
export function openRegistry(spec?: string, cwd = process.cwd()): Registry {
  const s = spec ?? process.env.MODEL_PROVENANCE_REGISTRY;
  if (s) {
    if (s.startsWith('oci://')) {
      throw new InputError('UNSUPPORTED', `OCI registries (${s}) are not supported yet; use a local registry (file:PATH)`);
    }
    return new LocalRegistry(resolve(cwd, s.startsWith('file:') ? s.slice(5) : s));
  }
  return new LocalRegistry(findWorkspaceRegistry(cwd) ?? join(resolve(cwd), DEFAULT_REGISTRY_DIR));
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
