import { basename, resolve } from 'node:path';
import type { HashProgress } from '../hash/hash-files';
import type { DigestCache } from '../hash/digest-cache';
import { rootDigest } from '../oms/manifest';
import { computeResources } from '../oms/serialize';
import type { Resource } from '../oms/types';
import { enumerateModel, relativeInside, type EnumerateOptions } from './enumerate';
import { defaultSignaturePath } from './signature-path';

export interface ModelDigest {
  name: string;
  /** `sha256:<root>`: the OMS subject digest, the join key for attestations and datasets. */
  digest: string;
  resources: Resource[];
  totalBytes: number;
}

/** Hashes a model or dataset (file or folder) to the same root digest its OMS signature carries. */
export async function hashModel(
  path: string,
  options: EnumerateOptions & { signaturePath?: string; signal?: AbortSignal; onProgress?: (p: HashProgress) => void; cache?: DigestCache } = {},
): Promise<ModelDigest> {
  // The model's own signature is not part of it, exactly as `sign` leaves it out.
  const sig = relativeInside(path, options.signaturePath ?? defaultSignaturePath(path));
  const listing = enumerateModel(path, { ...options, ignorePaths: [...(options.ignorePaths ?? []), ...(sig ? [sig] : [])] });
  const resources = await computeResources(listing, { singleFileName: 'dot', signal: options.signal, onProgress: options.onProgress, cache: options.cache });
  return {
    name: basename(resolve(path)),
    digest: `sha256:${rootDigest(resources)}`,
    resources,
    totalBytes: listing.files.reduce((s, f) => s + f.size, 0),
  };
}
