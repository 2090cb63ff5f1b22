import { basename } from 'node:path';
import { hashFiles, type HashJob, type HashOptions } from '../hash/hash-files';
import { nodeHashName } from '../hash/algorithms';
import type { ModelListing } from '../model/enumerate';
import { compareResourceNames } from '../model/paths';
import type { Resource, Serialization } from './types';

export interface SerializeOptions extends Pick<HashOptions, 'signal' | 'onProgress' | 'concurrency' | 'cache'> {
  hashType?: string;
  method?: 'files' | 'shards';
  shardSize?: number;
  /**
   * Name of a single-file model's resource. model_signing (≤ 1.1) writes and rebuilds
   * it as "."; the OMS spec and the Go port use the file name. We emit "." so the
   * deployed Python verifier accepts our signatures, and verify both.
   */
  singleFileName?: 'dot' | 'basename';
}

export const DEFAULT_SHARD_SIZE = 1_000_000_000;

/**
 * Hashes a listed model into OMS resource descriptors, in `model_signing`'s resource
 * order (compareResourceNames): the order our root digests are computed in.
 *
 * `shards` follows `model_signing` (every release, `if size > 0`) and OMS v1.0 §6.3.2:
 * a file of zero bytes has no shard, so it appears in no resource at all. Signing is
 * refused (MODEL_EMPTY) when that leaves nothing, see signModel.
 */
export async function computeResources(listing: ModelListing, options: SerializeOptions = {}): Promise<Resource[]> {
  const hashType = options.hashType ?? 'sha256';
  const algorithm = nodeHashName(hashType);
  const method = options.method ?? 'files';
  const jobs: HashJob[] = [];
  for (const f of listing.files) {
    const name = listing.singleFile ? (options.singleFileName === 'basename' ? basename(f.name) : '.') : f.name;
    if (method === 'files') {
      jobs.push({ name, path: f.path, size: f.size });
    } else {
      const shard = options.shardSize ?? DEFAULT_SHARD_SIZE;
      for (let start = 0; start < f.size; start += shard) {
        const end = Math.min(f.size, start + shard);
        jobs.push({ name: `${name}:${start}:${end}`, path: f.path, size: end - start, range: [start, end] });
      }
    }
  }
  const hashed = await hashFiles(jobs, { ...options, algorithm });
  return hashed
    .map((h) => ({ name: h.name, algorithm: hashType, digest: h.digest }))
    .sort((a, b) => compareResourceNames(a.name, b.name, method));
}

export function serializationRecord(listing: ModelListing, options: SerializeOptions & { allowSymlinks?: boolean }): Serialization {
  const s: Serialization = {
    method: options.method ?? 'files',
    hash_type: options.hashType ?? 'sha256',
    allow_symlinks: options.allowSymlinks ?? false,
    ignore_paths: listing.ignorePaths,
  };
  if (s.method === 'shards') s.shard_size = options.shardSize ?? DEFAULT_SHARD_SIZE;
  return s;
}
