import { isObject } from '../io/json';
import { MODEL_PATH_PROPERTY, OMS_ALLOW_SYMLINKS_PROPERTY, OMS_IGNORE_GIT_PATHS_PROPERTY, OMS_IGNORE_PATH_PROPERTY, OMS_ROOT_PROPERTY } from './properties';

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
  /**
   * The evidence references of the model (`attestation` and `digital-signature` external
   * references, which the generator owns): those of the old model digest removed, those of the
   * new one added, by type ("attestation", "digital-signature").
   */
  references: { removed: { type: string; url: string }[]; added: { type: string; url: string }[] };
}

/** External reference types that are evidence the generator measures from the registry and the signature, never a person's text. */
export const EVIDENCE_REFERENCE_TYPES: ReadonlySet<string> = new Set(['attestation', 'digital-signature']);

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * Re-running the generator over a manifest a person has edited, without losing a word of
 * theirs. The generator owns the facts it measures: the file components and their digests,
 * the model's root digest and model path properties, the evidence references (attestations,
 * signature) and the pedigree's ancestors, and the metadata timestamp and tools; those are
 * refreshed, and evidence of an old model digest is removed. Every other value in the existing manifest is kept as written; a
 * value the generator produced that the manifest lacks is added. The BOM `version` goes up
 * by one and the `serialNumber` stays (CycloneDX: same BOM, new version).
 */
export function mergeManifest(existing: unknown, generated: Obj): ManifestMerge {
  if (!isObject(existing)) return { bom: clone(generated), updated: [], added: [], removed: [], filled: ['(the whole manifest: the existing one was not a JSON object)'], references: { removed: [], added: [] } };
  const out = clone(existing) as Obj;
  const gen = clone(generated);
  const report: ManifestMerge = { bom: out, updated: [], added: [], removed: [], filled: [], references: { removed: [], added: [] } };

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
      mergeReferences(model, genModel, report);
      mergePedigree(model, genModel);
      fill(model, genModel, 'metadata.component', report, new Set(['components', 'properties', 'externalReferences', 'pedigree']));
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

/**
 * The measured properties are refreshed by name; the model scope the root digest was computed
 * with (oms_ignore_path, oms_ignore_git_paths, oms_allow_symlinks) is replaced as a whole by the
 * generator's, since validate re-hashes with it (a scope left over from before would make the new
 * root digest fail); every other property stays.
 */
function mergeProperties(model: Obj, gen: Obj): void {
  const measured = new Set([OMS_ROOT_PROPERTY, MODEL_PATH_PROPERTY]);
  const scope = new Set([OMS_IGNORE_PATH_PROPERTY, OMS_IGNORE_GIT_PATHS_PROPERTY, OMS_ALLOW_SYMLINKS_PROPERTY]);
  const genProps = Array.isArray(gen.properties) ? gen.properties.filter(isObject) : [];
  const current = Array.isArray(model.properties) ? (model.properties as unknown[]).filter(isObject).filter((p) => !scope.has(String(p.name))) : [];
  const names = new Set(current.map((p) => p.name));
  const out = current.map((p) => {
    if (!measured.has(String(p.name))) return p;
    const g = genProps.find((x) => x.name === p.name);
    return g ? { ...p, value: g.value } : p;
  });
  for (const g of genProps) if (!names.has(g.name)) out.push(g);
  model.properties = out;
}

/**
 * External references: the evidence (attestations and the signature, EVIDENCE_REFERENCE_TYPES)
 * is the generator's and is replaced by what it found for the model as it is now: a reference
 * of the old digest's attestations would vouch for bytes this manifest no longer describes.
 * References of any other type (a paper, a website, a licence URL) are a person's and stay.
 */
function mergeReferences(model: Obj, gen: Obj, report: ManifestMerge): void {
  const genRefs = Array.isArray(gen.externalReferences) ? gen.externalReferences.filter(isObject) : [];
  const current = Array.isArray(model.externalReferences) ? (model.externalReferences as unknown[]) : [];
  const key = (r: Obj): string => `${String(r.type)} ${String(r.url)}`;
  const evidence = (r: unknown): r is Obj => isObject(r) && EVIDENCE_REFERENCE_TYPES.has(String(r.type));
  const old = new Map(current.filter(evidence).map((r) => [key(r), r]));
  const fresh = new Set(genRefs.map(key));
  for (const [k, r] of old) if (!fresh.has(k)) report.references.removed.push({ type: String(r.type), url: String(r.url) });
  const out: unknown[] = current.filter((r) => !evidence(r));
  for (const g of genRefs) {
    const was = old.get(key(g));
    if (!was) report.references.added.push({ type: String(g.type), url: String(g.url) });
    // A reference that stays keeps a comment a person edited; its hashes are the generator's.
    out.push(was ? { ...was, ...(g.hashes ? { hashes: g.hashes } : {}) } : g);
  }
  if (out.length > 0) model.externalReferences = out;
  else delete model.externalReferences;
}

/** `pedigree.ancestors` is measured from the attestation chain: replaced; other pedigree fields (notes, patches) stay. */
function mergePedigree(model: Obj, gen: Obj): void {
  const genAncestors = isObject(gen.pedigree) ? gen.pedigree.ancestors : undefined;
  if (!isObject(model.pedigree)) {
    if (genAncestors !== undefined) model.pedigree = { ancestors: genAncestors };
    return;
  }
  const p = model.pedigree as Obj;
  if (genAncestors !== undefined) p.ancestors = genAncestors;
  else delete p.ancestors;
  if (Object.keys(p).length === 0) delete model.pedigree;
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
