import { lstatSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { isObject, JsonError, parseStrictJson } from '../io/json';
import type { FindingSink } from './codes';
import { unsafeRelativePath } from './relative-path';
import { Malformed, type ByteSource } from './source';
import type { ShardIndexDetails } from './types';

/** An index lists tensor names; 64 MiB is far beyond any real one. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/**
 * A sharded checkpoint's index (model.safetensors.index.json, pytorch_model.bin.index.json):
 * weight_map maps every tensor to a shard file, which must be a plain name inside the
 * folder and must exist there.
 */
export function inspectShardIndex(src: ByteSource, sink: FindingSink, dir: string, maxListed: number): ShardIndexDetails | undefined {
  if (src.size > MAX_INDEX_BYTES) throw new Malformed('INSPECTION_LIMIT', `a ${src.size}-byte index is over the ${MAX_INDEX_BYTES}-byte limit`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(src.read(0, src.size));
  } catch {
    sink.add('MODEL_UNPARSEABLE', 'the index is not valid UTF-8');
    return undefined;
  }
  let doc: unknown;
  try {
    doc = parseStrictJson(text, 'index');
  } catch (err) {
    if (!(err instanceof JsonError)) throw err;
    sink.add('MODEL_UNPARSEABLE', `the index is not JSON: ${err.message}`, { offset: Buffer.byteLength(text.slice(0, err.offset), 'utf8') });
    return undefined;
  }
  if (!isObject(doc) || !isObject(doc.weight_map)) {
    sink.add('SHARD_INDEX_INVALID', 'the index has no "weight_map" object');
    return undefined;
  }
  const shards = new Map<string, number>();
  let tensors = 0;
  for (const [tensor, shard] of Object.entries(doc.weight_map)) {
    tensors++;
    if (typeof shard !== 'string') {
      sink.add('SHARD_INDEX_INVALID', `weight_map["${tensor}"] is not a file name`, { data: { tensor } });
      continue;
    }
    shards.set(shard, (shards.get(shard) ?? 0) + 1);
  }
  let realDir: string | undefined;
  try {
    realDir = realpathSync(dir);
  } catch {
    realDir = undefined;
  }
  for (const shard of shards.keys()) {
    const why = unsafeRelativePath(shard);
    if (why) {
      sink.add('SHARD_PATH_TRAVERSAL', `shard "${shard}" ${why}`, { data: { shard } });
      continue;
    }
    const p = join(dir, shard);
    try {
      if (lstatSync(p).isSymbolicLink()) {
        const real = realpathSync(p);
        if (realDir === undefined || !real.startsWith(realDir + sep)) {
          sink.add('SHARD_PATH_TRAVERSAL', `shard "${shard}" is a symbolic link to ${real}, outside the model's folder`, { data: { shard } });
          continue;
        }
      }
      if (!statSync(p).isFile()) sink.add('SHARD_MISSING', `shard "${shard}" is not a regular file`, { data: { shard } });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      sink.add('SHARD_MISSING', code === 'ENOENT' || code === 'ENOTDIR' ? `shard "${shard}" is not in the folder` : `shard "${shard}" cannot be read (${code})`, { data: { shard } });
    }
  }
  const out: ShardIndexDetails = { kind: 'shard-index', tensors, shards: [...shards.keys()].slice(0, Math.max(maxListed, 1024)) };
  const meta = doc.metadata;
  if (isObject(meta) && typeof meta.total_size === 'number' && Number.isSafeInteger(meta.total_size)) out.totalSize = meta.total_size;
  return out;
}
