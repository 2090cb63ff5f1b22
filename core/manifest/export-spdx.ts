import { createHash } from 'node:crypto';
import { isObject } from '../io/json';
import { HYPERPARAMETER_PREFIX, OMS_ROOT_PROPERTY, RELATION_PROPERTY, DATASET_USAGE_PROPERTY } from './properties';

declare const PACKAGE_VERSION: string;

/** A CycloneDX field the SPDX 3.0.1 AI/Dataset profiles have no place for. */
export interface Unmapped {
  pointer: string;
  /** Where it went instead. */
  keptAs: 'cdx-property-extension' | 'comment';
}

export interface SpdxExport {
  document: Record<string, unknown>;
  unmapped: Unmapped[];
}

type Json = Record<string, unknown>;

const SPDX_CONTEXT = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';
const CREATION = '_:creationinfo';

/** Fields of a model component that have an SPDX home; everything else is kept as an extension. */
const MAPPED_MODEL_FIELDS = new Set(['type', 'bom-ref', 'name', 'version', 'description', 'hashes', 'components', 'pedigree', 'externalReferences', 'properties', 'licenses', 'modelCard']);
const MAPPED_MODEL_PARAMETERS = new Set(['task', 'architectureFamily', 'modelArchitecture', 'datasets']);
const MAPPED_DATA_FIELDS = new Set(['type', 'bom-ref', 'name', 'version', 'description', 'hashes', 'properties', 'data', 'externalReferences']);

/**
 * CycloneDX ML-BOM to SPDX 3.0.1 JSON-LD: the model as ai_AIPackage, its files as
 * software_File, datasets as dataset_DatasetPackage, ancestors as ai_AIPackage, and the
 * trainedOn / testedOn / ancestorOf / descendantOf / contains relationships. A field with
 * no SPDX counterpart is never dropped: it travels as a CycloneDX property extension
 * (extension_CdxPropertiesExtension) and is listed in `unmapped`.
 */
export function exportSpdx3(bom: Json, options: { now?: Date } = {}): SpdxExport {
  const unmapped: Unmapped[] = [];
  const serial = typeof bom.serialNumber === 'string' ? bom.serialNumber : `urn:uuid:${createHash('sha256').update(JSON.stringify(bom)).digest('hex').slice(0, 32)}`;
  const ns = `https://model-provenance.dev/spdx/${serial.replace(/^urn:uuid:/, '')}`;
  const id = (kind: string, key: string): string => `${ns}#${kind}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  const graph: Json[] = [];
  const elements: string[] = [];
  const add = (e: Json): string => {
    graph.push(e);
    elements.push(e.spdxId as string);
    return e.spdxId as string;
  };
  const metadata = isObject(bom.metadata) ? bom.metadata : {};
  const created = toSpdxTime(typeof metadata.timestamp === 'string' ? metadata.timestamp : (options.now ?? new Date()).toISOString());
  const agent = `${ns}#agent-model-provenance`;
  const tool = `${ns}#tool-model-provenance`;
  graph.push({ type: 'CreationInfo', '@id': CREATION, specVersion: '3.0.1', created, createdBy: [agent], createdUsing: [tool] });
  add({ type: 'SoftwareAgent', spdxId: agent, creationInfo: CREATION, name: 'model-provenance' });
  add({ type: 'Tool', spdxId: tool, creationInfo: CREATION, name: `model-provenance ${typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev'}` });

  const relationships: [string, string, string[]][] = [];
  const extension = (entries: [string, string][]): Json[] =>
    entries.length === 0 ? [] : [{ type: 'extension_CdxPropertiesExtension', extension_cdxProperty: entries.map(([n, v]) => ({ type: 'extension_CdxPropertyEntry', extension_cdxPropName: n, extension_cdxPropValue: v })) }];
  const hashes = (c: Json, comment?: string): Json[] =>
    (Array.isArray(c.hashes) ? c.hashes : [])
      .filter((h): h is Json => isObject(h) && typeof h.content === 'string')
      .map((h) => ({ type: 'Hash', algorithm: spdxAlgorithm(String(h.alg)), hashValue: String(h.content).toLowerCase(), ...(comment ? { comment } : {}) }));
  const keep = (c: Json, ptr: string, mapped: Set<string>, extra: [string, string][]): [string, string][] => {
    for (const [k, v] of Object.entries(c)) {
      if (mapped.has(k)) continue;
      extra.push([`cdx:${k}`, JSON.stringify(v)]);
      unmapped.push({ pointer: `${ptr}/${k}`, keptAs: 'cdx-property-extension' });
    }
    return extra;
  };
  const cdxProperties = (c: Json, skip: (name: string) => boolean): [string, string][] =>
    (Array.isArray(c.properties) ? c.properties : [])
      .filter((p): p is Json => isObject(p) && typeof p.name === 'string' && !skip(p.name as string))
      .map((p) => [String(p.name), String(p.value ?? '')]);

  // Datasets, by bom-ref.
  const datasetIds = new Map<string, { id: string; usage?: string }>();
  (Array.isArray(bom.components) ? bom.components : []).forEach((c, i) => {
    if (!isObject(c) || c.type !== 'data') {
      unmapped.push({ pointer: `/components/${i}`, keptAs: 'comment' });
      return;
    }
    const ref = String(c['bom-ref'] ?? `dataset-${i}`);
    const usage = cdxProperties(c, () => false).find(([n]) => n === DATASET_USAGE_PROPERTY)?.[1];
    const extra = keep(c, `/components/${i}`, MAPPED_DATA_FIELDS, cdxProperties(c, (n) => n === DATASET_USAGE_PROPERTY));
    const dsId = add({
      type: 'dataset_DatasetPackage',
      spdxId: id('dataset', ref),
      creationInfo: CREATION,
      name: String(c.name ?? ref),
      ...(typeof c.description === 'string' ? { description: c.description } : {}),
      software_primaryPurpose: 'data',
      dataset_datasetType: ['noAssertion'],
      verifiedUsing: hashes(c, 'OpenSSF Model Signing root digest of the dataset'),
      ...(extension(extra).length ? { extension: extension(extra) } : {}),
    });
    datasetIds.set(ref, { id: dsId, usage });
  });

  const model = isObject(metadata.component) ? metadata.component : undefined;
  const roots: string[] = [];
  if (model) {
    const ptr = '/metadata/component';
    const card = isObject(model.modelCard) ? model.modelCard : {};
    const mp = isObject(card.modelParameters) ? card.modelParameters : {};
    const extra = keep(model, ptr, MAPPED_MODEL_FIELDS, cdxProperties(model, (n) => n.startsWith(HYPERPARAMETER_PREFIX)));
    for (const [k, v] of Object.entries(card)) {
      if (k === 'modelParameters') continue;
      extra.push([`cdx:modelCard.${k}`, JSON.stringify(v)]);
      unmapped.push({ pointer: `${ptr}/modelCard/${k}`, keptAs: 'cdx-property-extension' });
    }
    for (const [k, v] of Object.entries(mp)) {
      if (MAPPED_MODEL_PARAMETERS.has(k)) continue;
      extra.push([`cdx:modelCard.modelParameters.${k}`, JSON.stringify(v)]);
      unmapped.push({ pointer: `${ptr}/modelCard/modelParameters/${k}`, keptAs: 'cdx-property-extension' });
    }
    const hyper = cdxProperties(model, (n) => !n.startsWith(HYPERPARAMETER_PREFIX)).map(([n, v]) => ({ type: 'DictionaryEntry', key: n.slice(HYPERPARAMETER_PREFIX.length), value: v }));
    const root = cdxProperties(model, (n) => n !== OMS_ROOT_PROPERTY)[0]?.[1];
    const modelId = add({
      type: 'ai_AIPackage',
      spdxId: id('model', String(model['bom-ref'] ?? model.name)),
      creationInfo: CREATION,
      name: String(model.name ?? 'model'),
      ...(typeof model.version === 'string' ? { software_packageVersion: model.version } : {}),
      ...(typeof model.description === 'string' ? { description: model.description } : {}),
      software_primaryPurpose: 'model',
      ...(root ? { verifiedUsing: [{ type: 'Hash', algorithm: 'sha256', hashValue: root.replace(/^sha256:/, ''), comment: 'OpenSSF Model Signing root digest' }] } : {}),
      ...(typeof mp.architectureFamily === 'string' || typeof mp.modelArchitecture === 'string'
        ? { ai_typeOfModel: [mp.architectureFamily, mp.modelArchitecture].filter((x): x is string => typeof x === 'string') }
        : {}),
      ...(typeof mp.task === 'string' ? { ai_domain: [mp.task] } : {}),
      ...(hyper.length ? { ai_hyperparameter: hyper } : {}),
      ...(externalRefs(model).length ? { externalRef: externalRefs(model) } : {}),
      ...(extension(extra).length ? { extension: extension(extra) } : {}),
    });
    roots.push(modelId);

    const files = (Array.isArray(model.components) ? model.components : []).filter(isObject).map((f) =>
      add({
        type: 'software_File',
        spdxId: id('file', `${String(model['bom-ref'])}/${String(f.name)}`),
        creationInfo: CREATION,
        name: String(f.name),
        software_primaryPurpose: 'model',
        verifiedUsing: hashes(f),
      }),
    );
    if (files.length) relationships.push([modelId, 'contains', files]);

    const used = (Array.isArray(mp.datasets) ? mp.datasets : []).filter(isObject).map((d) => datasetIds.get(String(d.ref))).filter((x): x is { id: string; usage?: string } => x !== undefined);
    const trained = used.filter((d) => d.usage !== 'evaluation').map((d) => d.id);
    const tested = used.filter((d) => d.usage === 'evaluation').map((d) => d.id);
    if (trained.length) relationships.push([modelId, 'trainedOn', trained]);
    if (tested.length) relationships.push([modelId, 'testedOn', tested]);

    const pedigree = isObject(model.pedigree) ? model.pedigree : {};
    (Array.isArray(pedigree.ancestors) ? pedigree.ancestors : []).forEach((a, i) => {
      if (!isObject(a)) return;
      const relation = cdxProperties(a, (n) => n !== RELATION_PROPERTY)[0]?.[1];
      const aid = add({
        type: 'ai_AIPackage',
        spdxId: id('ancestor', String(a['bom-ref'] ?? i)),
        creationInfo: CREATION,
        name: String(a.name ?? `ancestor ${i}`),
        software_primaryPurpose: 'model',
        verifiedUsing: hashes(a, 'OpenSSF Model Signing root digest'),
        ...(externalRefs(a).length ? { externalRef: externalRefs(a) } : {}),
        ...(extension(cdxProperties(a, () => false)).length ? { extension: extension(cdxProperties(a, () => false)) } : {}),
        ...(relation ? { comment: `base_model_relation: ${relation}` } : {}),
      });
      relationships.push([aid, 'ancestorOf', [modelId]]);
      relationships.push([modelId, 'descendantOf', [aid]]);
    });
  }

  relationships.forEach(([from, type, to], i) => {
    add({ type: 'Relationship', spdxId: `${ns}#relationship-${i}`, creationInfo: CREATION, from, relationshipType: type, to });
  });
  for (const k of Object.keys(bom)) {
    if (!['$schema', 'bomFormat', 'specVersion', 'serialNumber', 'version', 'metadata', 'components', 'dependencies'].includes(k)) unmapped.push({ pointer: `/${k}`, keptAs: 'comment' });
  }
  const docComment = unmapped.some((u) => u.keptAs === 'comment')
    ? `Exported from CycloneDX ${String(bom.specVersion)} ${serial}. Not mapped to SPDX elements: ${unmapped.filter((u) => u.keptAs === 'comment').map((u) => u.pointer).join(', ')}`
    : `Exported from CycloneDX ${String(bom.specVersion)} ${serial}.`;
  graph.push({
    type: 'SpdxDocument',
    spdxId: `${ns}#document`,
    creationInfo: CREATION,
    name: `ML-BOM of ${model ? String(model.name) : 'a model'}`,
    comment: docComment,
    profileConformance: ['core', 'software', 'ai', 'dataset', 'extension'],
    rootElement: roots,
    element: elements,
  });
  return { document: { '@context': SPDX_CONTEXT, '@graph': graph }, unmapped };
}

function externalRefs(c: Json): Json[] {
  return (Array.isArray(c.externalReferences) ? c.externalReferences : []).filter(isObject).map((r) => ({
    type: 'ExternalRef',
    externalRefType: ({ attestation: 'secureSoftwareAttestation', distribution: 'altDownloadLocation', vcs: 'vcs', documentation: 'documentation', 'model-card': 'documentation' } as Record<string, string>)[String(r.type)] ?? 'other',
    locator: [String(r.url)],
    ...(typeof r.comment === 'string' || r.type === 'digital-signature' ? { comment: [r.type === 'digital-signature' ? 'digital signature' : '', r.comment].filter(Boolean).join(': ') } : {}),
  }));
}

function spdxAlgorithm(alg: string): string {
  const a = alg.toLowerCase().replace(/-/g, '');
  const map: Record<string, string> = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', sha1: 'sha1', md5: 'md5', sha3256: 'sha3_256', sha3384: 'sha3_384', sha3512: 'sha3_512', blake2b256: 'blake2b256', blake2b384: 'blake2b384', blake2b512: 'blake2b512', blake3: 'blake3' };
  return map[a] ?? 'other';
}

/** SPDX wants whole seconds and a Z. */
function toSpdxTime(iso: string): string {
  const d = new Date(iso);
  return (Number.isNaN(d.getTime()) ? new Date() : d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
