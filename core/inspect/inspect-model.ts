import { readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { CancelledError } from '../errors';
import { isObject, parseStrictJson } from '../io/json';
import { enumerateModel, type EnumerateOptions, type ModelFile } from '../model/enumerate';
import { comparePaths } from '../model/paths';
import { FindingSink } from './codes';
import { claimFromName } from './detect';
import { inspectFileAs } from './inspect-file';
import { unsafeRelativePath } from './relative-path';
import { summarise, type ModelConfig } from './summary';
import type { InspectOptions, ModelInspection } from './types';

export interface InspectModelOptions extends InspectOptions, Pick<EnumerateOptions, 'ignorePaths' | 'ignoreGitPaths' | 'signedIgnorePaths' | 'signaturePath' | 'allowSymlinks' | 'optionNames'> {
  signal?: AbortSignal;
}

/** config.json and adapter_config.json are small; anything bigger is not a config. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/**
 * Inspects every file of a model (a folder or a single file), lists those that are a
 * model, checkpoint, pickle, index, archive or chat template by their bytes or their name
 * (the rest go to `skipped`), and derives what the manifest
 * generator needs: architecture, task, parameter count, quantization, base models, and
 * whether anything fails closed.
 */
export async function inspectModel(pathOrDir: string, options: InspectModelOptions = {}): Promise<ModelInspection> {
  const listing = enumerateModel(pathOrDir, { allowEmpty: true, ignorePaths: options.ignorePaths, ignoreGitPaths: options.ignoreGitPaths, signedIgnorePaths: options.signedIgnorePaths, signaturePath: options.signaturePath, allowSymlinks: options.allowSymlinks, optionNames: options.optionNames });
  const findings = new FindingSink(options.maxFindings ?? 200);
  const where = (f: ModelFile): string => (listing.singleFile ? dirname(listing.root) : dirname(join(listing.root, f.name)));

  // ONNX external data and OpenVINO weights are raw bytes by design: the model that names
  // them is inspected (and its references checked); the bytes themselves get the pickle
  // attempt every file gets, and are listed only if that finds something.
  const order = [...listing.files].sort((a, b) => Number(claimFromName(b.name) === 'onnx') - Number(claimFromName(a.name) === 'onnx'));
  const names = new Set(listing.files.map((f) => f.name));
  const raw = new Set<string>();
  for (const f of listing.files) {
    if (/\.bin$/i.test(f.name) && names.has(f.name.replace(/\.bin$/i, '.xml'))) raw.add(f.name);
  }

  const canonical = sameBytes(listing.files, listing.root);
  const files: ModelInspection['files'] = [];
  const skipped: string[] = [];
  for (const file of order) {
    if (options.signal?.aborted) throw new CancelledError();
    // Every file is inspected: a pickle needs neither a pickle's name nor PROTO first.
    const r = inspectFileAs(file.path, file.name, where(file), options);
    const claim = claimFromName(file.name);
    const nothing = r.format === 'unknown' && (claim === 'text' || claim === 'none' || raw.has(file.name)) && r.findings.every((x) => x.code === 'FORMAT_UNKNOWN');
    if (nothing) {
      skipped.push(file.name);
    } else {
      const first = canonical.get(file.name);
      files.push({ ...r, name: file.name, ...(first !== undefined ? { sameAs: first } : {}) });
    }
    if (r.details.kind === 'onnx') {
      for (const x of r.details.externalData) {
        if (!unsafeRelativePath(x.location)) raw.add(posix.normalize(posix.join(posix.dirname(file.name), x.location)));
      }
    }
    // Yield between files so a big folder does not hold the event loop.
    await new Promise((done) => setImmediate(done));
  }
  skipped.sort(comparePaths);
  files.sort((a, b) => comparePaths(a.name, b.name));

  const config = listing.singleFile ? {} : readConfigs(listing.root, names, findings);
  const modelFindings = findings.finish();
  return {
    root: listing.root,
    files,
    skipped,
    findings: modelFindings,
    summary: summarise(files, config, modelFindings),
  };
}

/**
 * Names that reach the same bytes (one device and inode: a followed symlink or a hard link),
 * each mapped to the one that stands for them: a name that is not a symlink, first in path
 * order. That one is not in the map.
 */
function sameBytes(files: readonly ModelFile[], root: string): Map<string, string> {
  const byInode = new Map<string, { name: string; link: boolean }[]>();
  for (const f of files) {
    let id: string;
    try {
      const st = statSync(f.path, { bigint: true });
      id = `${st.dev}:${st.ino}`;
    } catch {
      continue; // unreadable now: inspecting it says so
    }
    // A followed symlink is read through its resolved target, so its path is not root/name.
    const names = byInode.get(id) ?? [];
    names.push({ name: f.name, link: f.path !== join(root, f.name) });
    byInode.set(id, names);
  }
  const out = new Map<string, string>();
  for (const names of byInode.values()) {
    if (names.length < 2) continue;
    names.sort((a, b) => Number(a.link) - Number(b.link) || comparePaths(a.name, b.name));
    for (const n of names.slice(1)) out.set(n.name, names[0]!.name);
  }
  return out;
}

function readConfigs(root: string, names: Set<string>, findings: FindingSink): ModelConfig {
  const read = (name: string): Record<string, unknown> | undefined => {
    if (!names.has(name)) return undefined;
    const p = join(root, name);
    try {
      if (statSync(p).size > MAX_CONFIG_BYTES) throw new Error(`over ${MAX_CONFIG_BYTES} bytes`);
      const doc = parseStrictJson(readFileSync(p, 'utf8'), name);
      if (isObject(doc)) return doc;
      throw new Error('not a JSON object');
    } catch (err) {
      findings.add('CONFIG_INVALID', `${name} could not be read: ${(err as Error).message}`, { data: { file: name } });
      return undefined;
    }
  };
  return { config: read('config.json'), adapterConfig: read('adapter_config.json') };
}
