import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors';
import { LocalRegistry } from './local';
import { OciRegistry, type OciRegistryOptions } from './oci/oci-registry';
import { looksLikeOciSpec, parseOciSpec, redactSpec } from './oci/reference';
import { ociOptions } from './oci/settings';
import type { Registry } from './registry';

export const DEFAULT_REGISTRY_DIR = '.provenance';

export interface OpenRegistryOptions {
  /** Transport settings for an OCI registry (timeouts, CA file, --insecure, cache folder). */
  oci?: OciRegistryOptions;
}

/** What a registry spec names, before anything is opened. */
export type RegistrySpec = { kind: 'oci'; spec: string } | { kind: 'local'; path: string };

/**
 * Classifies a registry spec: `oci://HOST[:PORT]/REPOSITORY`, `file:PATH`, or a bare form.
 * A bare spec is an OCI registry when its first component is a host by docker's rule (it
 * has a `.` or a `:`, or is `localhost`: `ghcr.io/team/provenance`, `localhost:5000/x`,
 * `registry.example.com`), else a folder. When a bare spec could be both, because a folder
 * of that name exists, it is refused: write `oci://` or `file:` (docs/registry.md).
 *
 * @throws InputError `REGISTRY_SPEC_AMBIGUOUS`; `REGISTRY_SPEC_INVALID` for a malformed OCI reference
 */
export function classifyRegistrySpec(spec: string, cwd = process.cwd()): RegistrySpec {
  if (spec.startsWith('oci://')) return { kind: 'oci', spec };
  if (spec.startsWith('file:')) return { kind: 'local', path: resolve(cwd, spec.slice(5)) };
  if (looksLikeOciSpec(spec)) {
    if (existsSync(resolve(cwd, spec))) {
      throw new InputError('REGISTRY_SPEC_AMBIGUOUS', `"${redactSpec(spec)}" names both an OCI registry and the existing folder ${resolve(cwd, spec)}; write oci://${redactSpec(spec)} or file:${redactSpec(spec)}`);
    }
    return { kind: 'oci', spec: `oci://${spec}` };
  }
  return { kind: 'local', path: resolve(cwd, spec) };
}

/**
 * Opens a registry: `oci://HOST[:PORT]/REPOSITORY` or a bare `HOST/REPOSITORY` (an OCI
 * registry, see classifyRegistrySpec), `file:PATH` or a plain path (a local folder).
 * Without a spec: the environment variable MODEL_PROVENANCE_REGISTRY, else the nearest
 * `.provenance/` above the working directory (the workspace root), else `./.provenance`.
 * Opening does not touch the network; the first request does.
 */
export function openRegistry(spec?: string, cwd = process.cwd(), options: OpenRegistryOptions = {}): Registry {
  const s = spec ?? process.env.MODEL_PROVENANCE_REGISTRY;
  if (s) {
    const c = classifyRegistrySpec(s, cwd);
    if (c.kind === 'oci') return new OciRegistry(parseOciSpec(c.spec), ociOptions(options.oci));
    return new LocalRegistry(c.path);
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
