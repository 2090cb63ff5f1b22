import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { hashFiles, type HashProgress } from '../hash/hash-files';
import { DigestCache } from '../hash/digest-cache';
import { isObject, lineColumn } from '../io/json';
import { hashModel } from '../model/hash-model';
import { parseJsonDocument, rangeFor, type JsonDocument } from '../json/document';
import { collapseAlternatives } from '../schema/collapse';
import { describe, validateAgainst } from '../schema/validator';
import { CYCLONEDX_VERSIONS, cycloneDxValidator, type CycloneDxVersion } from './cyclonedx-schemas';
import { declaredProperties, unknownProperty } from '../schema/suggest';
import { BOM_REF_PARENTS, REF_PROPERTIES, REF_SITES, parseBomLink, type RefSiteKind } from './bom-ref-sites';
import { capFindings, type Finding } from './findings';
import { MODEL_PATH_PROPERTY, OMS_ALLOW_SYMLINKS_PROPERTY, OMS_IGNORE_GIT_PATHS_PROPERTY, OMS_IGNORE_PATH_PROPERTY, OMS_ROOT_PROPERTY, RELATION_PROPERTY } from './properties';
import type { OptionNames } from '../option-names';

export interface ManifestValidationOptions {
  /** The model folder or file the manifest describes; default: the manifest's model-path property. */
  modelPath?: string;
  /** Compare file digests with the files on disk (default true when the model is at hand). */
  checkDisk?: boolean;
  maxFindings?: number;
  signal?: AbortSignal;
  cache?: DigestCache;
  /** Progress of re-hashing the files on disk. */
  onProgress?: (p: HashProgress) => void;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

export interface ManifestValidation {
  file: string;
  specVersion?: string;
  findings: Finding[];
  /** The model folder the digests were checked against, when they were. */
  checkedAgainst?: string;
}

interface Context {
  doc: JsonDocument;
  findings: Finding[];
}

/**
 * The one ML-BOM validator, for the CLI and the editor: JSON syntax, the official
 * CycloneDX schema (with linear-time uniqueItems), our profile, references, and the
 * digests against the files on disk.
 */
export async function validateManifest(text: string, file: string, options: ManifestValidationOptions = {}): Promise<ManifestValidation> {
  const { validation: v, ctx } = staticPass(text, file);
  if (options.checkDisk !== false && ctx.doc.value !== undefined && v.specVersion) {
    const at = await checkDisk(ctx, file, options);
    if (at) v.checkedAgainst = at;
  }
  v.findings = capFindings(ctx.findings, options.maxFindings);
  return v;
}

/**
 * Only the checks against the files on disk, for a document already parsed (the editor
 * ran the static pass on this very version a moment ago and must not pay for it twice).
 */
export async function checkManifestDisk(doc: JsonDocument, file: string, options: ManifestValidationOptions = {}): Promise<{ findings: Finding[]; checkedAgainst?: string }> {
  if (!isObject(doc.value) || doc.value.bomFormat !== 'CycloneDX') return { findings: [] };
  const ctx: Context = { doc, findings: [] };
  const checkedAgainst = await checkDisk(ctx, file, options);
  return { findings: ctx.findings, ...(checkedAgainst ? { checkedAgainst } : {}) };
}

/** Everything that needs no file system: fast enough to run on every keystroke. */
export function validateManifestStatic(text: string, file: string, maxFindings?: number, parsed?: JsonDocument): ManifestValidation {
  const { validation, ctx } = staticPass(text, file, parsed);
  return { ...validation, findings: capFindings(ctx.findings, maxFindings) };
}

function staticPass(text: string, file: string, parsed?: JsonDocument): { validation: ManifestValidation; ctx: Context } {
  const doc = parsed ?? parseJsonDocument(text, file);
  const ctx: Context = { doc, findings: [] };
  const done = (specVersion?: string): { validation: ManifestValidation; ctx: Context } => ({ validation: { file, ...(specVersion ? { specVersion } : {}), findings: ctx.findings }, ctx });
  for (const e of doc.errors) ctx.findings.push({ code: e.code, severity: 'error', message: e.message, offset: e.offset, length: e.length });
  if (doc.value === undefined) return done();
  const bom = doc.value;
  if (!isObject(bom) || bom.bomFormat !== 'CycloneDX') {
    ctx.findings.push({ code: 'CDX_NOT_A_BOM', severity: 'error', message: 'not a CycloneDX BOM (bomFormat must be "CycloneDX")', ...rangeFor(doc, '', 'value') });
    return done();
  }
  const version = bom.specVersion;
  if (!CYCLONEDX_VERSIONS.includes(version as CycloneDxVersion)) {
    ctx.findings.push({
      code: 'CDX_SPEC_VERSION',
      severity: 'error',
      message: `specVersion ${JSON.stringify(version)} is not supported for ML-BOMs (use ${CYCLONEDX_VERSIONS.join(' or ')})`,
      ...rangeFor(doc, '/specVersion', 'value'),
    });
    return done();
  }
  const profile = profileFindings(ctx, bom);
  schemaFindings(ctx, bom, version as CycloneDxVersion, profile);
  ctx.findings.push(...profile);
  return done(version as string);
}

function schemaFindings(ctx: Context, bom: unknown, version: CycloneDxVersion, profile: Finding[]): void {
  const validate = cycloneDxValidator(version);
  if (validate(bom)) return;
  // A profile finding that explains the same value is more specific than the schema's. It
  // never explains an unknown key there: a typo beside a missing property is its own problem.
  const explained = new Set(profile.map((f) => f.pointer));
  for (const e of collapseAlternatives(validate.errors ?? [])) {
    if (explained.has(e.instancePath) && e.keyword !== 'additionalProperties') continue;
    ctx.findings.push(schemaFinding(ctx, e));
  }
}

function schemaFinding(ctx: Context, e: ErrorObject): Finding {
  const p = e.params as Record<string, unknown>;
  const code = `CDX_${e.keyword.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
  const base = { code, severity: 'error' as const, message: describe(e), pointer: e.instancePath };
  switch (e.keyword) {
    case 'required':
      return { ...base, ...rangeFor(ctx.doc, e.instancePath, 'parent-key'), data: { missingProperty: p.missingProperty } };
    case 'additionalProperties': {
      const unknown = unknownProperty(String(p.additionalProperty), declaredProperties(e.parentSchema));
      return { ...base, message: unknown.message, ...rangeFor(ctx.doc, e.instancePath, 'key', String(p.additionalProperty)), data: unknown.data };
    }
    case 'uniqueItems':
      return { ...base, ...rangeFor(ctx.doc, `${e.instancePath}/${String(p.i)}`, 'value') };
    default:
      return { ...base, ...rangeFor(ctx.doc, e.instancePath, 'value'), ...(e.keyword === 'enum' ? { data: { allowedValues: p.allowedValues } } : {}) };
  }
}

/** Where a value sits: a linked path, turned into a JSON Pointer only when a finding needs one. */
interface Place {
  seg: string | number;
  parent?: Place;
}

function pointerOf(place: Place | undefined): string {
  const segs: string[] = [];
  for (let p = place; p; p = p.parent) segs.push(String(p.seg).replace(/~/g, '~0').replace(/\//g, '~1'));
  return segs.length ? `/${segs.reverse().join('/')}` : '';
}

function under(place: Place | undefined, seg: string): boolean {
  for (let p = place; p; p = p.parent) if (p.seg === seg) return true;
  return false;
}

/**
 * Every object of the BOM with its place, without recursion and without building a
 * pointer string per node: a 10,000-component BOM has some 100,000 objects and this
 * runs on every keystroke.
 */
function* objects(root: unknown): Generator<[Record<string, unknown>, Place | undefined]> {
  const stack: [unknown, Place | undefined][] = [[root, undefined]];
  while (stack.length > 0) {
    const [node, place] = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], { seg: i, parent: place }]);
    } else if (isObject(node)) {
      yield [node, place];
      for (const k in node) {
        const v = node[k];
        if (typeof v === 'object' && v !== null) stack.push([v, { seg: k, parent: place }]);
      }
    }
  }
}

/** The property name an object or value sits under, array indices skipped ('' at the top). */
function parentKey(place: Place | undefined): string {
  for (let p = place; p; p = p.parent) if (typeof p.seg === 'string') return p.seg;
  return '';
}

interface RefUse {
  value: string;
  /** The referenced bom-ref: the value, or the fragment of a BOM-Link to this very BOM. */
  ref: string;
  pointer: () => string;
}

function profileFindings(ctx: Context, bom: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const at = (pointer: string, kind: 'value' | 'parent-key' = 'value'): { offset: number; length: number } => rangeFor(ctx.doc, pointer, kind);

  // Rules a schema can say: our profile schema, each rule with its own code.
  for (const e of validateAgainst('mlbom-profile', bom)) {
    if (!e.ruleCode) continue;
    out.push({ code: e.ruleCode, severity: 'error', message: e.ruleMessage ?? e.message, pointer: e.pointer, ...at(e.pointer, e.keyword === 'required' ? 'parent-key' : 'value') });
  }

  // bom-refs: where CycloneDX defines them and where it uses them (bom-ref-sites.ts).
  const defined = new Map<string, Place | undefined>();
  /** Values defined more than once, with every place (in walk order, sorted by offset later). */
  const repeated = new Map<string, (Place | undefined)[]>();
  const uses: RefUse[] = [];
  const serial = typeof bom.serialNumber === 'string' ? bom.serialNumber.replace(/^urn:uuid:/, '') : undefined;
  const use = (value: unknown, kind: RefSiteKind, pointer: () => string): void => {
    if (typeof value !== 'string') return;
    if (kind === 'local-or-bom-link' && value.startsWith('urn:cdx:')) {
      // A BOM-Link names an element of some BOM: only one into this very BOM can be checked here.
      const link = parseBomLink(value);
      if (link && link.serial === serial && link.version === bom.version) uses.push({ value, ref: link.ref, pointer });
      return;
    }
    uses.push({ value, ref: value, pointer });
  };
  // One pass over every object, without recursion and without a pointer string per node:
  // a 10,000-component BOM has some 100,000 objects and this runs on every keystroke.
  const stack: [unknown, Place | undefined][] = [[bom, undefined]];
  while (stack.length > 0) {
    const [node, place] = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], { seg: i, parent: place }]);
      continue;
    }
    if (!isObject(node)) continue;
    const obj = node;
    let k1: string | undefined;
    for (const k in obj) {
      const v = obj[k];
      if (typeof v === 'object' && v !== null) stack.push([v, { seg: k, parent: place }]);
      if (k === 'bom-ref') {
        k1 ??= parentKey(place);
        if (typeof v !== 'string' || v === '' || !BOM_REF_PARENTS.has(k1)) continue;
        const seen = repeated.get(v);
        if (seen) seen.push(place);
        else if (defined.has(v)) repeated.set(v, [defined.get(v), place]);
        else defined.set(v, place);
        continue;
      }
      if (!REF_PROPERTIES.has(k)) continue;
      k1 ??= parentKey(place);
      const kind = REF_SITES.get(`${k1}/${k}`);
      if (!kind) continue;
      if (Array.isArray(v)) v.forEach((r, i) => use(r, kind, () => `${pointerOf(place)}/${k}/${i}`));
      else use(v, kind, () => `${pointerOf(place)}/${k}`);
    }
    if (Array.isArray(obj.hashes)) {
      obj.hashes.forEach((h, i) => {
        if (isObject(h) && typeof h.content === 'string' && /^[a-z0-9-]+:/i.test(h.content)) {
          const replacement = h.content.slice(h.content.indexOf(':') + 1);
          const pointer = `${pointerOf(place)}/hashes/${i}/content`;
          out.push({
            code: 'MLBOM_HASH_PREFIXED',
            severity: 'error',
            message: `CycloneDX hash values are plain hex: drop the "${h.content.slice(0, h.content.indexOf(':') + 1)}" prefix`,
            pointer,
            data: { replacement },
            ...at(pointer),
          });
        }
      });
    }
    // Ancestors describe other models: what a person must state about them belongs in their own BOMs.
    if (obj.type === 'machine-learning-model' && !under(place, 'pedigree')) out.push(...modelComponentFindings(obj, pointerOf(place), at));
  }
  out.push(...duplicateFindings(ctx, repeated, uses));
  for (const u of uses) {
    if (defined.has(u.ref)) continue;
    const pointer = u.pointer();
    out.push({ code: 'MLBOM_REF_DANGLING', severity: 'error', message: `"${u.value}" does not name any bom-ref in this BOM`, pointer, ...at(pointer) });
  }
  return out;
}

/**
 * CycloneDX: "Every bom-ref must be unique within the BOM" (the 1.6 XML schema enforces
 * it with xs:unique over every element). Reported at each later occurrence, naming the
 * first. References to a duplicated value are not reported one by one: they are
 * ambiguous because of the duplicate, and fixing it fixes them; the finding counts them.
 */
function duplicateFindings(ctx: Context, repeated: Map<string, (Place | undefined)[]>, uses: RefUse[]): Finding[] {
  if (repeated.size === 0) return [];
  const ambiguous = new Map<string, number>();
  for (const r of repeated.keys()) ambiguous.set(r, 0);
  for (const u of uses) if (ambiguous.has(u.ref)) ambiguous.set(u.ref, ambiguous.get(u.ref)! + 1);
  const out: Finding[] = [];
  for (const [r, places] of repeated) {
    // The walk's order is not the text's: the first is the one highest up in the file.
    const located = places.map((p) => {
      const pointer = `${pointerOf(p)}/bom-ref`;
      return { pointer, ...rangeFor(ctx.doc, pointer, 'value') };
    });
    located.sort((a, b) => a.offset - b.offset);
    const [first, ...later] = located;
    const { line, column } = lineColumn(ctx.doc.text, first!.offset);
    const refs = ambiguous.get(r)!;
    for (const d of later) {
      out.push({
        code: 'CDX_BOM_REF_DUPLICATE',
        severity: 'error',
        message: `bom-ref ${JSON.stringify(r)} is already used at line ${line} (${first!.pointer}): every bom-ref must be unique within the BOM${refs ? `; ${refs} reference(s) to it are ambiguous` : ''}`,
        pointer: d.pointer,
        data: { bomRef: r, firstPointer: first!.pointer, firstLine: line, firstColumn: column, ambiguousReferences: refs },
        related: [{ message: `first use of bom-ref ${JSON.stringify(r)}`, pointer: first!.pointer, offset: first!.offset, length: first!.length }],
        offset: d.offset,
        length: d.length,
      });
    }
  }
  return out;
}

const RELATIONS = ['finetune', 'adapter', 'merge', 'quantized', 'distilled', 'converted'];

function modelComponentFindings(c: Record<string, unknown>, ptr: string, at: (p: string, k?: 'value' | 'parent-key') => { offset: number; length: number }): Finding[] {
  const out: Finding[] = [];
  const name = typeof c.name === 'string' ? c.name : 'the model';
  // Ranges need the offset tree: only build it when there is something to report.
  const where = (): { offset: number; length: number } => at(typeof c.name === 'string' ? `${ptr}/name` : ptr);
  const person = (what: string, why: string): Finding => ({ code: 'MLBOM_NEEDS_PERSON', severity: 'warning', message: `${name}: ${what} is missing; ${why}`, pointer: ptr, data: { missingProperty: what }, ...where() });
  if (!c.licenses) out.push(person('licenses', 'a person must state the model license'));
  const card = c.modelCard;
  if (!isObject(card)) {
    out.push({ code: 'MLBOM_MODEL_CARD_MISSING', severity: 'warning', message: `${name} has no modelCard`, pointer: ptr, data: { missingProperty: 'modelCard' }, ...where() });
  } else if (!isObject(card.considerations)) {
    out.push(person('modelCard.considerations', 'a person must describe intended use, limitations and ethical considerations'));
  }
  if (isObject(card) && isObject(card.modelParameters) && Array.isArray(card.modelParameters.datasets)) {
    card.modelParameters.datasets.forEach((d, i) => {
      if (isObject(d) && d.ref === undefined) {
        const p = `${ptr}/modelCard/modelParameters/datasets/${i}`;
        out.push({ code: 'MLBOM_DATASET_INLINE', severity: 'warning', message: 'inline dataset entries carry no digest: reference a data component with a SHA-256 hash instead', pointer: p, ...at(p) });
      }
    });
  }
  const pedigree = c.pedigree;
  if (isObject(pedigree) && Array.isArray(pedigree.ancestors)) {
    pedigree.ancestors.forEach((a, i) => {
      if (!isObject(a) || !Array.isArray(a.properties)) return;
      a.properties.forEach((p, j) => {
        if (isObject(p) && p.name === RELATION_PROPERTY && !RELATIONS.includes(String(p.value))) {
          const pp = `${ptr}/pedigree/ancestors/${i}/properties/${j}/value`;
          out.push({ code: 'MLBOM_RELATION_UNKNOWN', severity: 'error', message: `relation ${JSON.stringify(p.value)} is not one of ${RELATIONS.join(', ')}`, pointer: pp, data: { allowedValues: RELATIONS }, ...at(pp) });
        }
      });
    });
  }
  return out;
}

/** Every value of a (repeatable) property. */
function properties(c: Record<string, unknown>, name: string): string[] {
  if (!Array.isArray(c.properties)) return [];
  return c.properties.filter((x) => isObject(x) && x.name === name && typeof x.value === 'string').map((x) => (x as { value: string }).value);
}

function property(c: Record<string, unknown>, name: string): string | undefined {
  if (!Array.isArray(c.properties)) return undefined;
  const p = c.properties.find((x) => isObject(x) && x.name === name);
  return isObject(p) && typeof p.value === 'string' ? p.value : undefined;
}

/** Re-hashes the model's files and compares them with the manifest, per file and at the root. */
async function checkDisk(ctx: Context, file: string, options: ManifestValidationOptions): Promise<string | undefined> {
  const bom = ctx.doc.value as Record<string, unknown>;
  // Ancestors are other models, described by their own BOMs: only the BOM's own models are on disk here.
  const models = [...objects(bom)].filter(([o, p]) => o.type === 'machine-learning-model' && !under(p, 'pedigree'));
  // The root digest re-reads the files just hashed one by one: a cache makes that second pass free.
  const cache = options.cache ?? new DigestCache();
  let checked: string | undefined;
  for (const [model, place] of models) {
    const ptr = pointerOf(place);
    const rel = options.modelPath ?? property(model, MODEL_PATH_PROPERTY);
    if (!rel) continue;
    const root = options.modelPath ? resolve(options.modelPath) : resolve(dirname(resolve(file)), rel);
    if (!existsSync(root)) {
      ctx.findings.push({ code: 'MLBOM_MODEL_NOT_FOUND', severity: 'warning', message: `the model at ${root} is not here: digests not checked`, pointer: ptr, ...rangeFor(ctx.doc, ptr, 'value') });
      continue;
    }
    checked = root;
    const isDir = statSync(root).isDirectory();
    const files = Array.isArray(model.components) ? model.components : [];
    const jobs: { name: string; path: string; size: number; pointer: string; expected: string }[] = [];
    files.forEach((f, i) => {
      if (!isObject(f) || f.type !== 'file' || typeof f.name !== 'string' || !Array.isArray(f.hashes)) return;
      const hi = f.hashes.findIndex((h) => isObject(h) && h.alg === 'SHA-256' && typeof h.content === 'string');
      if (hi === -1) return;
      const expected = String((f.hashes[hi] as Record<string, unknown>).content).toLowerCase().replace(/^sha256:/, '');
      const path = isDir ? join(root, f.name) : root;
      const fp = `${ptr}/components/${i}`;
      if (!existsSync(path)) {
        ctx.findings.push({ code: 'MLBOM_FILE_MISSING', severity: 'error', message: `${f.name} is listed but not in ${root}`, pointer: `${fp}/name`, ...rangeFor(ctx.doc, `${fp}/name`, 'value') });
        return;
      }
      jobs.push({ name: f.name, path, size: statSync(path).size, pointer: `${fp}/hashes/${hi}/content`, expected });
    });
    const hashed = await hashFiles(jobs, { signal: options.signal, cache, onProgress: options.onProgress });
    hashed.forEach((h, i) => {
      const j = jobs[i]!;
      if (h.digest !== j.expected) {
        ctx.findings.push({
          code: 'MLBOM_DIGEST_MISMATCH',
          severity: 'error',
          message: `${j.name} has changed: the file's SHA-256 is ${h.digest}, the manifest says ${j.expected}`,
          pointer: j.pointer,
          data: { replacement: h.digest, expected: j.expected, file: j.path },
          ...rangeFor(ctx.doc, j.pointer, 'value'),
        });
      }
    });
    const root256 = property(model, OMS_ROOT_PROPERTY);
    if (root256) {
      // The scope the root was computed with (manifest init records it when not the default).
      const scope = {
        ignorePaths: properties(model, OMS_IGNORE_PATH_PROPERTY),
        ignoreGitPaths: property(model, OMS_IGNORE_GIT_PATHS_PROPERTY) !== 'false',
        allowSymlinks: property(model, OMS_ALLOW_SYMLINKS_PROPERTY) === 'true',
      };
      // The scope is the manifest's, not an option of validation: a symlink it did not allow is
      // answered by the property that allows it, never by a flag this command does not take.
      const optionNames = { ...options.optionNames, allowSymlinks: `a manifest whose ${OMS_ALLOW_SYMLINKS_PROPERTY} property is "true" (made with symlinks allowed)` };
      const actual = (await hashModel(root, { ...scope, signal: options.signal, cache, optionNames })).digest.slice('sha256:'.length);
      if (actual !== root256.replace(/^sha256:/, '')) {
        const i = (model.properties as unknown[]).findIndex((p) => isObject(p) && p.name === OMS_ROOT_PROPERTY);
        const pointer = `${ptr}/properties/${i}/value`;
        ctx.findings.push({ code: 'MLBOM_ROOT_DIGEST_MISMATCH', severity: 'error', message: `the model's root digest is now ${actual}, the manifest says ${root256}`, pointer, data: { replacement: actual }, ...rangeFor(ctx.doc, pointer, 'value') });
      }
    }
  }
  return checked;
}
