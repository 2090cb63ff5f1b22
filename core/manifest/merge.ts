import { isObject } from '../io/json';
import { MODEL_PATH_PROPERTY, OMS_ROOT_PROPERTY } from './properties';

type Obj = Record<string, unknown>;

/** What a merge changed, for the message a person reads. */
export interface ManifestMerge {
  bom: Obj;
  /** File components whose digest changed. */
  updated: string[];
  added: string[];
  removed: string[];
  /** Values only the generator could know that it filled in because the manifest lacked them. */
  filled: string[];
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * Re-running the generator over a manifest a person has edited, without losing a word of
 * theirs. The generator owns the facts it measures: the file components and their digests,
 * the model's root digest and model path properties, and the metadata timestamp and tools;
 * those are refreshed. Every other value in the existing manifest is kept as written; a
 * value the generator produced that the manifest lacks is added. The BOM `version` goes up
 * by one and the `serialNumber` stays (CycloneDX: same BOM, new version).
 */
export function mergeManifest(existing: unknown, generated: Obj): ManifestMerge {
  if (!isObject(existing)) return { bom: clone(generated), updated: [], added: [], removed: [], filled: ['(the whole manifest: the existing one was not a JSON object)'] };
  const out = clone(existing) as Obj;
  const gen = clone(generated);
  const report: ManifestMerge = { bom: out, updated: [], added: [], removed: [], filled: [] };

  const meta = (isObject(out.metadata) ? out.metadata : (out.metadata = {})) as Obj;
  const genMeta = (isObject(gen.metadata) ? gen.metadata : {}) as Obj;
  if (genMeta.timestamp) meta.timestamp = genMeta.timestamp;
  if (genMeta.tools) meta.tools = genMeta.tools;
  const genModel = isObject(genMeta.component) ? genMeta.component : undefined;
  if (genModel) {
    if (!isObject(meta.component)) {
      meta.component = genModel;
      report.filled.push('metadata.component');
    } else {
      const model = meta.component as Obj;
      mergeFiles(model, genModel, report);
      mergeProperties(model, genModel);
      mergeReferences(model, genModel);
      fill(model, genModel, 'metadata.component', report, new Set(['components', 'properties', 'externalReferences']));
    }
  }
  // Datasets and other top-level components: new ones are added, the person's are kept.
  if (Array.isArray(gen.components)) {
    const list = Array.isArray(out.components) ? (out.components as unknown[]) : (out.components = []) as unknown[];
    const refs = new Set(list.map((c) => (isObject(c) ? c['bom-ref'] : undefined)).filter(Boolean));
    for (const c of gen.components) {
      if (isObject(c) && !refs.has(c['bom-ref'])) {
        list.push(c);
        report.filled.push(`components: ${String(c.name ?? c['bom-ref'])}`);
      }
    }
  }
  if (!out.dependencies && gen.dependencies) out.dependencies = gen.dependencies;
  for (const k of ['$schema', 'bomFormat', 'specVersion', 'serialNumber']) if (out[k] === undefined && gen[k] !== undefined) out[k] = gen[k];
  out.version = typeof out.version === 'number' && Number.isInteger(out.version) ? out.version + 1 : 1;
  return report;
}

/** File sub-components: the generator's list by name, each keeping what a person added to it. */
function mergeFiles(model: Obj, gen: Obj, report: ManifestMerge): void {
  const genFiles = Array.isArray(gen.components) ? gen.components.filter(isObject) : [];
  const current = Array.isArray(model.components) ? (model.components as unknown[]) : [];
  const oldFiles = new Map<string, Obj>();
  const others: unknown[] = [];
  for (const c of current) {
    if (isObject(c) && c.type === 'file' && typeof c.name === 'string') oldFiles.set(c.name, c);
    else others.push(c);
  }
  const files = genFiles.map((g) => {
    const old = oldFiles.get(String(g.name));
    if (!old) {
      report.added.push(String(g.name));
      return g;
    }
    if (JSON.stringify(old.hashes) !== JSON.stringify(g.hashes)) report.updated.push(String(g.name));
    return { ...old, hashes: g.hashes, ...(old['bom-ref'] === undefined ? { 'bom-ref': g['bom-ref'] } : {}) };
  });
  const kept = new Set(genFiles.map((g) => String(g.name)));
  for (const name of oldFiles.keys()) if (!kept.has(name)) report.removed.push(name);
  model.components = [...files, ...others];
}

/** The measured properties are refreshed by name; every other property stays. */
function mergeProperties(model: Obj, gen: Obj): void {
  const measured = new Set([OMS_ROOT_PROPERTY, MODEL_PATH_PROPERTY]);
  const genProps = Array.isArray(gen.properties) ? gen.properties.filter(isObject) : [];
  const current = Array.isArray(model.properties) ? (model.properties as unknown[]).filter(isObject) : [];
  const names = new Set(current.map((p) => p.name));
  const out = current.map((p) => {
    if (!measured.has(String(p.name))) return p;
    const g = genProps.find((x) => x.name === p.name);
    return g ? { ...p, value: g.value } : p;
  });
  for (const g of genProps) if (!names.has(g.name)) out.push(g);
  model.properties = out;
}

/** External references by type and URL: the digests of signatures and attestations are refreshed, new ones added. */
function mergeReferences(model: Obj, gen: Obj): void {
  const genRefs = Array.isArray(gen.externalReferences) ? gen.externalReferences.filter(isObject) : [];
  if (genRefs.length === 0) return;
  const current = Array.isArray(model.externalReferences) ? (model.externalReferences as unknown[]) : [];
  const key = (r: Obj): string => `${String(r.type)} ${String(r.url)}`;
  const byKey = new Map(genRefs.map((r) => [key(r), r]));
  const seen = new Set<string>();
  const out = current.map((r) => {
    if (!isObject(r)) return r;
    const g = byKey.get(key(r));
    if (!g) return r;
    seen.add(key(r));
    return g.hashes ? { ...r, hashes: g.hashes } : r;
  });
  for (const g of genRefs) if (!seen.has(key(g))) out.push(g);
  model.externalReferences = out;
}

/** Adds what `gen` has and `target` lacks, recursively into objects; never replaces a value. */
function fill(target: Obj, gen: Obj, path: string, report: ManifestMerge, skip = new Set<string>()): void {
  for (const [k, v] of Object.entries(gen)) {
    if (skip.has(k)) continue;
    if (target[k] === undefined) {
      target[k] = v;
      report.filled.push(`${path}.${k}`);
    } else if (isObject(target[k]) && isObject(v)) {
      fill(target[k] as Obj, v, `${path}.${k}`, report);
    }
  }
}
