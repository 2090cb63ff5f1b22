import { basename, resolve } from 'node:path';
import type { HashProgress } from '../hash/hash-files';
import type { DigestCache } from '../hash/digest-cache';
import { rootDigest } from '../oms/manifest';
import { computeResources } from '../oms/serialize';
import type { Resource } from '../oms/types';
import { enumerateModel, type ModelScope, type ScopeWarning } from './enumerate';
import { defaultSignaturePath } from './signature-path';
import type { OptionNames } from '../option-names';

export interface ModelDigest {
  name: string;
  /** `sha256:<root>`: the OMS subject digest, the join key for attestations and datasets. */
  digest: string;
  /** In resource order: the order the root digest is computed in. */
  resources: Resource[];
  totalBytes: number;
  /** The requested `ignorePaths` that named something, model-relative (see ModelListing). */
  appliedIgnorePaths: string[];
  /** Ignore paths that did nothing (outside the model, or matching nothing). */
  warnings: ScopeWarning[];
}

export interface HashModelOptions extends ModelScope {
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  cache?: DigestCache;
}

/**
 * Hashes a model or dataset (file or folder) to the root digest its OMS signature
 * carries when signed with the same scope (`files` method, sha256): resources in
 * `model_signing`'s order, the signature file left out (default MODEL/model.sig).
 */
export async function hashModel(path: string, options: HashModelOptions = {}): Promise<ModelDigest> {
  const listing = enumerateModel(path, { ...options, signaturePath: options.signaturePath ?? defaultSignaturePath(path) });
  const resources = await computeResources(listing, { singleFileName: 'dot', signal: options.signal, onProgress: options.onProgress, cache: options.cache });
  return {
    name: basename(resolve(path)),
    digest: `sha256:${rootDigest(resources)}`,
    resources,
    totalBytes: listing.files.reduce((s, f) => s + f.size, 0),
    appliedIgnorePaths: listing.appliedIgnorePaths,
    warnings: listing.warnings,
  };
}
