import { createHash } from 'node:crypto';
import { InputError } from '../errors';
import { isObject } from '../io/json';
import { BOM_REF_PARENTS } from './bom-ref-sites';
import { DATASET_USAGE_PROPERTY, HYPERPARAMETER_PREFIX, OMS_ROOT_PROPERTY, RELATION_PROPERTY } from './properties';
import { canonicalLicenseId, licenseRefFor, normaliseLicenseExpression } from './spdx-licenses';
import { checkSpdxGraph } from './spdx-graph';
import { SPDX_RULES } from './spdx-mapping';

declare const PACKAGE_VERSION: string;

/** A CycloneDX field SPDX 3.0.1 has no place for, and where it went instead. */
export interface Unmapped {
  /** JSON Pointer into the CycloneDX BOM. */
  pointer: string;
  /** Always kept: an extension_CdxPropertyEntry named `cdx:<pointer>` holding the field's JSON. */
  keptAs: 'cdx-property-extension';
  /** The spdxId of the element that carries it (the nearest enclosing one, else the SpdxDocument). */
  element: string;
  /** Why, when it is more than "no SPDX counterpart". */
  reason?: string;
}

export interface SpdxExport {
  document: Record<string, unknown>;
  /** Every field written, with the mapping rule (spdx-mapping.ts) that wrote it. */
  mapped: { pointer: string; rule: string }[];
  unmapped: Unmapped[];
}

type Json = Record<string, unknown>;

const SPDX_CONTEXT = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';
const CREATION = '_:creationinfo';

/** CycloneDX component type → SPDX class and software_primaryPurpose. */
const CLASS_BY_TYPE: Record<string, { type: string; purpose?: string }> = {
  'machine-learning-model': { type: 'ai_AIPackage', purpose: 'model' },
  data: { type: 'dataset_DatasetPackage', purpose: 'data' },
  file: { type: 'software_File' },
  library: { type: 'software_Package', purpose: 'library' },
  framework: { type: 'software_Package', purpose: 'framework' },
  application: { type: 'software_Package', purpose: 'application' },
  container: { type: 'software_Package', purpose: 'container' },
  platform: { type: 'software_Package', purpose: 'platform' },
  'operating-system': { type: 'software_Package', purpose: 'operatingSystem' },
  device: { type: 'software_Package', purpose: 'device' },
  'device-driver': { type: 'software_Package', purpose: 'deviceDriver' },
  firmware: { type: 'software_Package', purpose: 'firmware' },
  'cryptographic-asset': { type: 'software_Package', purpose: 'other' },
};

const HASH_ALGORITHMS: Record<string, string> = {
  MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512',
  'SHA3-256': 'sha3_256', 'SHA3-384': 'sha3_384', 'SHA3-512': 'sha3_512',
  'BLAKE2b-256': 'blake2b256', 'BLAKE2b-384': 'blake2b384', 'BLAKE2b-512': 'blake2b512', BLAKE3: 'blake3',
  'Streebog-256': 'other', 'Streebog-512': 'other',
};

const EXTERNAL_REF_TYPES: Record<string, string> = {
  vcs: 'vcs', 'issue-tracker': 'issueTracker', website: 'altWebPage', advisories: 'securityAdvisory',
  'mailing-list': 'mailingList', social: 'socialMedia', chat: 'chat', documentation: 'documentation', support: 'support',
  'source-distribution': 'sourceArtifact', distribution: 'altDownloadLocation', 'distribution-intake': 'altDownloadLocation',
  license: 'license', 'build-meta': 'buildMeta', 'build-system': 'buildSystem', 'release-notes': 'releaseNotes',
  'security-contact': 'securityOther', 'model-card': 'documentation', attestation: 'secureSoftwareAttestation',
  'threat-model': 'securityThreatModel', 'adversary-model': 'securityAdversaryModel', 'risk-assessment': 'riskAssessment',
  'vulnerability-assertion': 'vulnerabilityExploitabilityAssessment', 'exploitability-statement': 'vulnerabilityExploitabilityAssessment',
  'pentest-report': 'securityPenTestReport', 'static-analysis-report': 'staticAnalysisReport', 'dynamic-analysis-report': 'dynamicAnalysisReport',
  'runtime-analysis-report': 'runtimeAnalysisReport', 'component-analysis-report': 'componentAnalysisReport',
  'certification-report': 'certificationReport', 'quality-metrics': 'metrics', 'rfc-9116': 'securityPolicy',
};

const ENERGY_BY_ACTIVITY: Record<string, string> = { training: 'ai_trainingEnergyConsumption', 'fine-tuning': 'ai_finetuningEnergyConsumption', inference: 'ai_inferenceEnergyConsumption' };

/** RFC 6901 escaping of one segment. */
const seg = (s: string | number): string => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
/** Characters an IRI fragment cannot hold as they are (RFC 3987), percent-encoded. */
const fragment = (s: string): string => s.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/?]/gu, (c) => encodeURIComponent(c));

/**
 * CycloneDX 1.6/1.7 to SPDX 3.0.1 JSON-LD (Core, Software, AI, Dataset, SimpleLicensing
 * and Extension profiles). Every component at any depth becomes an element of its class
 * (machine-learning-model → ai_AIPackage, data → dataset_DatasetPackage, file →
 * software_File, the rest software_Package); licences become
 * simplelicensing_LicenseExpression elements related by hasDeclaredLicense /
 * hasConcludedLicense; hashes become verifiedUsing; nesting, pedigree, datasets and the
 * dependency graph become relationships. The field-by-field table is spdx-mapping.ts.
 * A field with no SPDX counterpart is kept as an extension_CdxPropertyEntry
 * (`cdx:<JSON Pointer>` = its JSON) on the nearest element and listed in `unmapped`.
 *
 * @throws InputError CDX_BOM_REF_DUPLICATE when two objects share a bom-ref: the spdxIds
 *   and every relationship built from references would be ambiguous.
 */
export function exportSpdx3(bom: Json, options: { now?: Date } = {}): SpdxExport {
  // A BOM without a timestamp still exports reproducibly under SOURCE_DATE_EPOCH.
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  const now = options.now ?? (process.env.SOURCE_DATE_EPOCH && Number.isInteger(epoch) ? new Date(epoch * 1000) : undefined);
  const dup = firstDuplicateBomRef(bom);
  if (dup) {
    throw new InputError('CDX_BOM_REF_DUPLICATE', `bom-ref ${JSON.stringify(dup.ref)} at ${dup.pointer} is already used at ${dup.firstPointer}: the SPDX ids and relationships would be ambiguous (manifest validate shows both)`, {
      pointer: dup.pointer,
    });
  }
  return new Exporter(bom, now).run();
}

/** The first later occurrence of a bom-ref, in document order, with where it was first used. */
export function firstDuplicateBomRef(bom: unknown): { ref: string; pointer: string; firstPointer: string } | undefined {
  // Pointers are built only for the answer: a linked path per node, as the validator walks.
  type Place = { seg: string | number; parent?: Place };
  const pointerOf = (place: Place | undefined): string => {
    const segs: string[] = [];
    for (let q = place; q; q = q.parent) segs.push(seg(q.seg));
    return segs.length ? `/${segs.reverse().join('/')}` : '';
  };
  const seen = new Map<string, Place | undefined>();
  const stack: [unknown, Place | undefined, string][] = [[bom, undefined, '']];
  while (stack.length) {
    const [node, place, parent] = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], { seg: i, parent: place }, parent]);
      continue;
    }
    if (!isObject(node)) continue;
    const r = node['bom-ref'];
    if (typeof r === 'string' && r !== '' && BOM_REF_PARENTS.has(parent)) {
      if (seen.has(r)) return { ref: r, pointer: `${pointerOf(place)}/bom-ref`, firstPointer: `${pointerOf(seen.get(r))}/bom-ref` };
      seen.set(r, place);
    }
    const keys = Object.keys(node);
    for (let i = keys.length - 1; i >= 0; i--) {
      const v = node[keys[i]!];
      if (typeof v === 'object' && v !== null) stack.push([v, { seg: keys[i]!, parent: place }, keys[i]!]);
    }
  }
  return undefined;
}

interface Rel {
  from: string;
  type: string;
  to: string[];
  comment?: string;
  completeness?: string;
}

class Exporter {
  private readonly graph: Json[] = [];
  private readonly elements: string[] = [];
  private readonly taken = new Map<string, string>();
  private readonly reasons = new Map<string, string>();
  /** CycloneDX object pointer → the element written for it (unmapped fields go there). */
  private readonly elementAt = new Map<string, Json>();
  /** bom-ref → spdxId. */
  private readonly byRef = new Map<string, string>();
  /** Component pointer → spdxId (assigned before anything is written). */
  private readonly idAt = new Map<string, string>();
  private readonly rels: Rel[] = [];
  /** Dataset spdxId → its stated use (our dataset_usage property), read before anything is written. */
  private readonly usageOf = new Map<string, string>();
  private readonly profiles = new Set(['core']);
  private readonly ns: string;
  private readonly serial: string;
  private readonly doc: Json;

  constructor(
    private readonly bom: Json,
    private readonly now: Date | undefined,
  ) {
    this.serial = typeof bom.serialNumber === 'string' ? bom.serialNumber : `urn:uuid:${createHash('sha256').update(JSON.stringify(bom)).digest('hex').slice(0, 32)}`;
    this.ns = `https://model-provenance.dev/spdx/${this.serial.replace(/^urn:uuid:/, '')}`;
    this.doc = { type: 'SpdxDocument', spdxId: `${this.ns}#document`, creationInfo: CREATION };
  }

  private take(pointer: string, rule: string): void {
    // A rule the table does not have is a bug here, never a silent mapping.
    const r = SPDX_RULES.get(rule);
    if (!r || r.structural) throw new Error(`internal: no SPDX mapping rule "${rule}" for a field`);
    this.taken.set(pointer, rule);
  }

  private idFor(obj: Json, pointer: string): string {
    const r = obj['bom-ref'];
    return typeof r === 'string' && r !== '' ? `${this.ns}#ref-${fragment(r)}` : `${this.ns}#at${fragment(pointer)}`;
  }

  private add(e: Json, at?: string): Json {
    this.graph.push(e);
    this.elements.push(e.spdxId as string);
    if (at !== undefined) this.elementAt.set(at, e);
    return e;
  }

  run(): SpdxExport {
    const bom = this.bom;
    const metadata = isObject(bom.metadata) ? bom.metadata : undefined;
    for (const k of ['$schema', 'bomFormat', 'specVersion', 'serialNumber', 'version'] as const) if (bom[k] !== undefined && (k === 'version' ? typeof bom[k] === 'number' : typeof bom[k] === 'string')) this.take(`/${k}`, `bom.${k}`);

    // Ids first: references may point forward.
    const roots: [Json, string][] = [];
    if (metadata && isObject(metadata.component)) roots.push([metadata.component, '/metadata/component']);
    (Array.isArray(bom.components) ? bom.components : []).forEach((c, i) => isObject(c) && roots.push([c, `/components/${i}`]));
    const all: [Json, string][] = [];
    const collect = (c: Json, ptr: string): void => {
      if (!CLASS_BY_TYPE[String(c.type)]) return;
      all.push([c, ptr]);
      const id = this.idFor(c, ptr);
      this.idAt.set(ptr, id);
      if (typeof c['bom-ref'] === 'string') this.byRef.set(c['bom-ref'], id);
      if (c.type === 'data' && Array.isArray(c.properties)) {
        const u = c.properties.find((p) => isObject(p) && p.name === DATASET_USAGE_PROPERTY && typeof p.value === 'string');
        if (isObject(u)) this.usageOf.set(id, u.value as string);
      }
      (Array.isArray(c.components) ? c.components : []).forEach((s, i) => isObject(s) && collect(s, `${ptr}/components/${i}`));
      const pedigree = isObject(c.pedigree) ? c.pedigree : {};
      for (const k of ['ancestors', 'descendants', 'variants']) (Array.isArray(pedigree[k]) ? (pedigree[k] as unknown[]) : []).forEach((s, i) => isObject(s) && collect(s, `${ptr}/pedigree/${k}/${i}`));
    };
    for (const [c, ptr] of roots) collect(c, ptr);

    const creation = this.creationInfo(metadata);
    for (const [c, ptr] of all) this.component(c, ptr);
    const rootIds = roots.map(([, p]) => this.idAt.get(p)).filter((x): x is string => x !== undefined);
    const documentRoots = metadata && isObject(metadata.component) ? rootIds.slice(0, 1) : rootIds;
    this.metadataRest(metadata, rootIds[0]);
    this.dependencies();
    (Array.isArray(bom.externalReferences) ? bom.externalReferences : []).forEach((r, i) => this.externalRef(this.doc, r, `/externalReferences/${i}`));
    this.properties(this.doc, bom.properties, '/properties', 'bom.properties[]');

    this.rels.forEach((r, i) => {
      this.add({
        type: 'Relationship',
        spdxId: `${this.ns}#relationship-${i + 1}`,
        creationInfo: CREATION,
        from: r.from,
        relationshipType: r.type,
        to: r.to,
        ...(r.completeness ? { completeness: r.completeness } : {}),
        ...(r.comment ? { comment: r.comment } : {}),
      });
    });

    const unmapped = this.leftovers();
    this.doc.comment = `Exported from ${String(bom.bomFormat)} ${String(bom.specVersion)} BOM ${this.serial} version ${String(bom.version)} by model-provenance.${
      unmapped.length ? ` ${unmapped.length} CycloneDX field(s) have no SPDX 3.0.1 counterpart and are kept as extension_CdxPropertyEntry "cdx:<JSON Pointer>".` : ''
    }`;
    Object.assign(this.doc, {
      name: `SPDX 3.0.1 export of ${this.docName()}`,
      profileConformance: [...this.profiles],
      rootElement: documentRoots,
      element: this.elements,
    });
    const graph = [creation, ...this.graph, this.doc];
    const document = { '@context': SPDX_CONTEXT, '@graph': graph };
    // Never hand out a graph with a dangling or ill-typed reference.
    const problems = checkSpdxGraph(document);
    if (problems.length) throw new Error(`internal: the SPDX export is inconsistent: ${problems.slice(0, 5).join('; ')}`);
    return { document, mapped: [...this.taken].map(([pointer, rule]) => ({ pointer, rule })), unmapped };
  }

  private docName(): string {
    const m = isObject(this.bom.metadata) && isObject(this.bom.metadata.component) ? this.bom.metadata.component : undefined;
    if (m && typeof m.name === 'string') return m.name;
    const first = (Array.isArray(this.bom.components) ? this.bom.components : []).find((c) => isObject(c) && c.type === 'machine-learning-model');
    return isObject(first) && typeof first.name === 'string' ? first.name : 'a CycloneDX BOM';
  }

  // ------------------------------------------------------------------ creation info

  private creationInfo(metadata: Json | undefined): Json {
    const ts = metadata && typeof metadata.timestamp === 'string' ? toSpdxTime(metadata.timestamp) : undefined;
    if (ts) this.take('/metadata/timestamp', 'metadata.timestamp');
    const agent = `${this.ns}#creator-model-provenance`;
    const tool = `${this.ns}#tool-model-provenance`;
    this.add({ type: 'SoftwareAgent', spdxId: agent, creationInfo: CREATION, name: 'model-provenance', comment: 'wrote this SPDX document from the CycloneDX BOM' });
    this.add({ type: 'Tool', spdxId: tool, creationInfo: CREATION, name: `model-provenance ${typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev'}` });
    const createdBy = [agent];
    const createdUsing = [tool];
    if (metadata) {
      (Array.isArray(metadata.authors) ? metadata.authors : []).forEach((a, i) => {
        const id = this.contact(a, `/metadata/authors/${i}`, 'author of the CycloneDX BOM');
        if (id) createdBy.push(id);
      });
      if (isObject(metadata.manufacturer)) {
        const id = this.entity(metadata.manufacturer, '/metadata/manufacturer', 'manufacturer of the CycloneDX BOM');
        if (id) createdBy.push(id);
      }
      const tools = metadata.tools;
      const toolList: [unknown, string][] = Array.isArray(tools)
        ? tools.map((t, i) => [t, `/metadata/tools/${i}`])
        : isObject(tools) && Array.isArray(tools.components)
          ? tools.components.map((t, i) => [t, `/metadata/tools/components/${i}`])
          : [];
      for (const [t, ptr] of toolList) {
        const id = this.tool(t, ptr);
        if (id) createdUsing.push(id);
      }
    }
    return { type: 'CreationInfo', '@id': CREATION, specVersion: '3.0.1', created: ts ?? toSpdxTime((this.now ?? new Date()).toISOString())!, createdBy, createdUsing };
  }

  private tool(t: unknown, ptr: string): string | undefined {
    if (!isObject(t) || typeof t.name !== 'string') return undefined;
    const parts = [t.vendor, t.name, t.version].filter((x): x is string => typeof x === 'string');
    for (const k of ['vendor', 'name', 'version'] as const) if (typeof t[k] === 'string') this.take(`${ptr}/${k}`, `tool.${k}`);
    if (t.type !== undefined) this.take(`${ptr}/type`, 'tool.type');
    const e: Json = { type: 'Tool', spdxId: this.idFor(t, ptr), creationInfo: CREATION, name: parts.join(' ') };
    if (typeof t['bom-ref'] === 'string') this.take(`${ptr}/bom-ref`, 'tool.bom-ref');
    if (typeof t.description === 'string') {
      e.description = t.description;
      this.take(`${ptr}/description`, 'tool.description');
    }
    const h = this.hashes(t.hashes, `${ptr}/hashes`);
    if (h.length) e.verifiedUsing = h;
    (Array.isArray(t.externalReferences) ? t.externalReferences : []).forEach((r, i) => this.externalRef(e, r, `${ptr}/externalReferences/${i}`));
    this.add(e, ptr);
    return e.spdxId as string;
  }

  // ------------------------------------------------------------------ parties

  private entity(o: unknown, ptr: string, role: string): string | undefined {
    if (!isObject(o) || typeof o.name !== 'string') return undefined;
    this.take(`${ptr}/name`, 'entity.name');
    if (typeof o['bom-ref'] === 'string') this.take(`${ptr}/bom-ref`, 'entity.bom-ref');
    return this.add({ type: 'Organization', spdxId: this.idFor(o, ptr), creationInfo: CREATION, name: o.name, comment: `CycloneDX ${role}` }, ptr).spdxId as string;
  }

  private contact(o: unknown, ptr: string, role: string): string | undefined {
    if (!isObject(o) || typeof o.name !== 'string') return undefined;
    this.take(`${ptr}/name`, 'contact.name');
    if (typeof o['bom-ref'] === 'string') this.take(`${ptr}/bom-ref`, 'contact.bom-ref');
    const e: Json = { type: 'Person', spdxId: this.idFor(o, ptr), creationInfo: CREATION, name: o.name, comment: `CycloneDX ${role}` };
    if (typeof o.email === 'string') {
      e.externalIdentifier = [{ type: 'ExternalIdentifier', externalIdentifierType: 'email', identifier: o.email }];
      this.take(`${ptr}/email`, 'contact.email');
    }
    return this.add(e, ptr).spdxId as string;
  }

  private agent(name: string, ptr: string, role: string): string {
    return this.add({ type: 'Agent', spdxId: `${this.ns}#at${fragment(ptr)}`, creationInfo: CREATION, name, comment: `CycloneDX ${role}` }, ptr).spdxId as string;
  }

  // ------------------------------------------------------------------ components

  private component(c: Json, ptr: string): void {
    const cls = CLASS_BY_TYPE[String(c.type)]!;
    const id = this.idAt.get(ptr)!;
    const e: Json = { type: cls.type, spdxId: id, creationInfo: CREATION };
    this.take(`${ptr}/type`, 'component.type');
    if (typeof c['bom-ref'] === 'string') this.take(`${ptr}/bom-ref`, 'component.bom-ref');
    const isPackage = cls.type !== 'software_File';
    this.profiles.add('software');
    if (cls.type === 'ai_AIPackage') this.profiles.add('ai');
    if (cls.type === 'dataset_DatasetPackage') this.profiles.add('dataset');

    const str = (key: string, prop: string, rule: string): void => {
      if (typeof c[key] !== 'string') return;
      e[prop] = c[key];
      this.take(`${ptr}/${seg(key)}`, rule);
    };
    str('name', 'name', 'component.name');
    if (isPackage) str('version', 'software_packageVersion', 'component.version');
    str('description', 'description', 'component.description');
    if (cls.purpose) e.software_primaryPurpose = cls.purpose;
    str('copyright', 'software_copyrightText', 'component.copyright');
    if (isPackage) str('purl', 'software_packageUrl', 'component.purl');
    else str('mime-type', 'contentType', 'component.mime-type');

    const verified = this.hashes(c.hashes, `${ptr}/hashes`);
    const ids: Json[] = [];
    const ident = (type: string, value: unknown, at: string, rule: string): void => {
      if (typeof value !== 'string') return;
      ids.push({ type: 'ExternalIdentifier', externalIdentifierType: type, identifier: value });
      this.take(at, rule);
    };
    if (!isPackage) ident('packageUrl', c.purl, `${ptr}/purl`, 'component.purl');
    if (typeof c.cpe === 'string') ident(c.cpe.startsWith('cpe:2.3:') ? 'cpe23' : c.cpe.startsWith('cpe:/') ? 'cpe22' : 'other', c.cpe, `${ptr}/cpe`, 'component.cpe');
    (Array.isArray(c.omniborId) ? c.omniborId : []).forEach((v, i) => ident('gitoid', v, `${ptr}/omniborId/${i}`, 'component.omniborId[]'));
    (Array.isArray(c.swhid) ? c.swhid : []).forEach((v, i) => ident('swhid', v, `${ptr}/swhid/${i}`, 'component.swhid[]'));
    if (isObject(c.swid)) ident('swid', c.swid.tagId, `${ptr}/swid/tagId`, 'component.swid.tagId');

    const supplier = isObject(c.supplier) ? this.entity(c.supplier, `${ptr}/supplier`, 'supplier') : undefined;
    if (supplier) e.suppliedBy = supplier;
    const originators: string[] = [];
    if (isObject(c.manufacturer)) {
      const o = this.entity(c.manufacturer, `${ptr}/manufacturer`, 'manufacturer');
      if (o) originators.push(o);
    }
    (Array.isArray(c.authors) ? c.authors : []).forEach((a, i) => {
      const o = this.contact(a, `${ptr}/authors/${i}`, 'author');
      if (o) originators.push(o);
    });
    for (const [k, role] of [['author', 'author'], ['publisher', 'publisher']] as const) {
      if (typeof c[k] !== 'string') continue;
      originators.push(this.agent(c[k] as string, `${ptr}/${k}`, role));
      this.take(`${ptr}/${k}`, `component.${k}`);
    }
    if (originators.length) e.originatedBy = originators;

    // Properties: ours become SPDX fields, the rest extension entries with their names.
    const extra: [string, string][] = [];
    const hyper: Json[] = [];
    const props = Array.isArray(c.properties) ? c.properties : [];
    let relation: string | undefined;
    props.forEach((p, i) => {
      if (!isObject(p) || typeof p.name !== 'string') return;
      const pp = `${ptr}/properties/${i}`;
      const value = typeof p.value === 'string' ? p.value : undefined;
      if (p.name === OMS_ROOT_PROPERTY && value && /^(sha256:)?[0-9a-fA-F]{64}$/.test(value)) {
        const hashValue = value.replace(/^sha256:/, '').toLowerCase();
        const same = verified.find((h) => h.algorithm === 'sha256' && h.hashValue === hashValue);
        if (same) same.comment = 'OpenSSF Model Signing root digest';
        else verified.push({ type: 'Hash', algorithm: 'sha256', hashValue, comment: 'OpenSSF Model Signing root digest' });
        this.takeProperty(pp, `component.properties[{${OMS_ROOT_PROPERTY}}]`);
      } else if (cls.type === 'ai_AIPackage' && p.name.startsWith(HYPERPARAMETER_PREFIX) && value !== undefined) {
        hyper.push({ type: 'DictionaryEntry', key: p.name.slice(HYPERPARAMETER_PREFIX.length), value });
        this.takeProperty(pp, `component.properties[{${HYPERPARAMETER_PREFIX}*}]`);
      } else if (p.name === DATASET_USAGE_PROPERTY && cls.type === 'dataset_DatasetPackage' && value !== undefined) {
        this.takeProperty(pp, `component.properties[{${DATASET_USAGE_PROPERTY}}]`);
      } else if (p.name === RELATION_PROPERTY && value !== undefined && ptr.includes('/pedigree/ancestors/')) {
        relation = value;
        this.takeProperty(pp, `component.properties[{${RELATION_PROPERTY}}]`);
      } else {
        extra.push([p.name, value ?? '']);
        this.take(`${pp}/name`, 'component.properties[]');
        if (value !== undefined) this.take(`${pp}/value`, 'component.properties[]');
      }
    });
    if (relation !== undefined) e.comment = `base_model_relation: ${relation}`;
    if (verified.length) e.verifiedUsing = verified;
    if (ids.length) e.externalIdentifier = ids;
    (Array.isArray(c.externalReferences) ? c.externalReferences : []).forEach((r, i) => this.externalRef(e, r, `${ptr}/externalReferences/${i}`));
    if (hyper.length) e.ai_hyperparameter = hyper;
    if (extra.length) this.extend(e, extra);

    if (cls.type === 'ai_AIPackage' && isObject(c.modelCard)) this.modelCard(e, c.modelCard, `${ptr}/modelCard`);
    if (cls.type === 'dataset_DatasetPackage') {
      e.dataset_datasetType = ['noAssertion'];
      if (Array.isArray(c.data) && c.data.length === 1 && isObject(c.data[0])) this.componentData(e, c.data[0], `${ptr}/data/0`);
    }
    this.licenses(id, c.licenses, `${ptr}/licenses`);

    // Structure: nesting and pedigree.
    const children = (Array.isArray(c.components) ? c.components : []).map((_, i) => this.idAt.get(`${ptr}/components/${i}`)).filter((x): x is string => x !== undefined);
    if (children.length) this.rels.push({ from: id, type: 'contains', to: children });
    const pedigree = isObject(c.pedigree) ? c.pedigree : {};
    const related = (k: string): string[] => (Array.isArray(pedigree[k]) ? (pedigree[k] as unknown[]) : []).map((_, i) => this.idAt.get(`${ptr}/pedigree/${k}/${i}`)).filter((x): x is string => x !== undefined);
    for (const a of related('ancestors')) this.rels.push({ from: a, type: 'ancestorOf', to: [id] }, { from: id, type: 'descendantOf', to: [a] });
    for (const d of related('descendants')) this.rels.push({ from: d, type: 'descendantOf', to: [id] }, { from: id, type: 'ancestorOf', to: [d] });
    const variants = related('variants');
    if (variants.length) this.rels.push({ from: id, type: 'hasVariant', to: variants });
    this.add(e, ptr);
  }

  private takeProperty(pp: string, rule: string): void {
    this.take(`${pp}/name`, rule);
    this.take(`${pp}/value`, rule);
  }

  private extend(e: Json, entries: [string, string][]): void {
    const ext = (Array.isArray(e.extension) ? e.extension : []) as Json[];
    let box = ext.find((x) => x.type === 'extension_CdxPropertiesExtension');
    if (!box) {
      box = { type: 'extension_CdxPropertiesExtension', extension_cdxProperty: [] };
      ext.push(box);
    }
    (box.extension_cdxProperty as Json[]).push(...entries.map(([n, v]) => ({ type: 'extension_CdxPropertyEntry', extension_cdxPropName: n, extension_cdxPropValue: v })));
    e.extension = ext;
    this.profiles.add('extension');
  }

  private hashes(list: unknown, ptr: string): Json[] {
    const out: Json[] = [];
    (Array.isArray(list) ? list : []).forEach((h, i) => {
      if (!isObject(h) || typeof h.content !== 'string' || typeof h.alg !== 'string' || !HASH_ALGORITHMS[h.alg]) return;
      const algorithm = HASH_ALGORITHMS[h.alg]!;
      out.push({ type: 'Hash', algorithm, hashValue: h.content.toLowerCase(), ...(algorithm === 'other' ? { comment: `CycloneDX hash algorithm ${h.alg}` } : {}) });
      this.take(`${ptr}/${i}/alg`, 'hash.alg');
      this.take(`${ptr}/${i}/content`, 'hash.content');
    });
    return out;
  }

  private externalRef(e: Json, r: unknown, ptr: string): void {
    if (!isObject(r) || typeof r.url !== 'string' || typeof r.type !== 'string') return;
    const mapped = EXTERNAL_REF_TYPES[r.type];
    const comment = [mapped ? '' : `CycloneDX ${r.type}`, typeof r.comment === 'string' ? r.comment : ''].filter(Boolean).join(': ');
    const list = (Array.isArray(e.externalRef) ? e.externalRef : []) as Json[];
    list.push({ type: 'ExternalRef', externalRefType: mapped ?? 'other', locator: [r.url], ...(comment ? { comment } : {}) });
    e.externalRef = list;
    this.take(`${ptr}/url`, 'externalReference.url');
    this.take(`${ptr}/type`, 'externalReference.type');
    if (typeof r.comment === 'string') this.take(`${ptr}/comment`, 'externalReference.comment');
  }

  private properties(e: Json, list: unknown, ptr: string, rule: string): void {
    const entries: [string, string][] = [];
    (Array.isArray(list) ? list : []).forEach((p, i) => {
      if (!isObject(p) || typeof p.name !== 'string') return;
      entries.push([p.name, typeof p.value === 'string' ? p.value : '']);
      this.take(`${ptr}/${i}/name`, rule);
      if (typeof p.value === 'string') this.take(`${ptr}/${i}/value`, rule);
    });
    if (entries.length) this.extend(e, entries);
  }

  // ------------------------------------------------------------------ model card and data

  private modelCard(e: Json, card: Json, ptr: string): void {
    const mp = isObject(card.modelParameters) ? card.modelParameters : {};
    const mpp = `${ptr}/modelParameters`;
    const typeOfModel: string[] = [];
    if (isObject(mp.approach) && typeof mp.approach.type === 'string') {
      typeOfModel.push(mp.approach.type);
      this.take(`${mpp}/approach/type`, 'modelCard.modelParameters.approach.type');
    }
    for (const k of ['architectureFamily', 'modelArchitecture'] as const) {
      if (typeof mp[k] !== 'string') continue;
      typeOfModel.push(mp[k] as string);
      this.take(`${mpp}/${k}`, `modelCard.modelParameters.${k}`);
    }
    if (typeOfModel.length) e.ai_typeOfModel = typeOfModel;
    if (typeof mp.task === 'string') {
      e.ai_domain = [mp.task];
      this.take(`${mpp}/task`, 'modelCard.modelParameters.task');
    }
    (Array.isArray(mp.datasets) ? mp.datasets : []).forEach((d, i) => {
      if (!isObject(d)) return;
      const dp = `${mpp}/datasets/${i}`;
      if (typeof d.ref === 'string') {
        const target = this.byRef.get(d.ref);
        if (!target) {
          this.reasons.set(`${dp}/ref`, d.ref.startsWith('urn:cdx:') ? 'a BOM-Link to another BOM' : `"${d.ref}" names no component of this BOM`);
          return;
        }
        const usage = this.usageOf.get(target);
        this.rels.push({ from: e.spdxId as string, type: usage === 'evaluation' ? 'testedOn' : 'trainedOn', to: [target], ...(usage === undefined ? { comment: 'CycloneDX lists it among the datasets the model was trained and evaluated on; its use is not stated' } : {}) });
        this.take(`${dp}/ref`, 'modelCard.modelParameters.datasets[].ref');
        return;
      }
      // An inline dataset: an element of its own.
      if (d.type !== 'dataset') return;
      const ds: Json = { type: 'dataset_DatasetPackage', spdxId: this.idFor(d, dp), creationInfo: CREATION, software_primaryPurpose: 'data', dataset_datasetType: ['noAssertion'] };
      this.profiles.add('dataset');
      this.componentData(ds, d, dp);
      if (typeof d['bom-ref'] === 'string') this.take(`${dp}/bom-ref`, 'data.bom-ref');
      this.add(ds, dp);
      this.rels.push({ from: e.spdxId as string, type: 'trainedOn', to: [ds.spdxId as string], comment: 'CycloneDX lists it among the datasets the model was trained and evaluated on; its use is not stated' });
    });

    const qa = isObject(card.quantitativeAnalysis) ? card.quantitativeAnalysis : {};
    const metrics: Json[] = [];
    (Array.isArray(qa.performanceMetrics) ? qa.performanceMetrics : []).forEach((m, i) => {
      if (!isObject(m) || typeof m.type !== 'string') return;
      const p = `${ptr}/quantitativeAnalysis/performanceMetrics/${i}`;
      metrics.push({ type: 'DictionaryEntry', key: m.type, ...(typeof m.value === 'string' ? { value: m.value } : {}) });
      this.take(`${p}/type`, 'modelCard.quantitativeAnalysis.performanceMetrics[].type');
      if (typeof m.value === 'string') this.take(`${p}/value`, 'modelCard.quantitativeAnalysis.performanceMetrics[].value');
    });
    if (metrics.length) e.ai_metric = metrics;

    const cons = isObject(card.considerations) ? card.considerations : {};
    const cp = `${ptr}/considerations`;
    const lines = (k: string, rule: string): string[] =>
      (Array.isArray(cons[k]) ? (cons[k] as unknown[]) : []).flatMap((v, i) => {
        if (typeof v !== 'string') return [];
        this.take(`${cp}/${k}/${i}`, rule);
        return [v];
      });
    const users = lines('users', 'modelCard.considerations.users[]');
    const useCases = lines('useCases', 'modelCard.considerations.useCases[]');
    const application = [users.length ? `Users: ${users.join('; ')}` : '', useCases.length ? `Use cases: ${useCases.join('; ')}` : ''].filter(Boolean).join('\n');
    if (application) e.ai_informationAboutApplication = application;
    const limits = lines('technicalLimitations', 'modelCard.considerations.technicalLimitations[]');
    if (limits.length) e.ai_limitation = limits.join('\n');

    const env = isObject(cons.environmentalConsiderations) ? cons.environmentalConsiderations : {};
    const energy: Json = { type: 'ai_EnergyConsumption' };
    (Array.isArray(env.energyConsumptions) ? env.energyConsumptions : []).forEach((x, i) => {
      if (!isObject(x) || typeof x.activity !== 'string' || !isObject(x.activityEnergyCost)) return;
      const prop = ENERGY_BY_ACTIVITY[x.activity];
      const cost = x.activityEnergyCost;
      if (!prop || typeof cost.value !== 'number' || cost.unit !== 'kWh') return;
      const p = `${cp}/environmentalConsiderations/energyConsumptions/${i}`;
      const list = (energy[prop] ?? []) as Json[];
      list.push({ type: 'ai_EnergyConsumptionDescription', ai_energyQuantity: cost.value, ai_energyUnit: 'kilowattHour' });
      energy[prop] = list;
      const base = 'modelCard.considerations.environmentalConsiderations.energyConsumptions[]';
      this.take(`${p}/activity`, `${base}.activity`);
      this.take(`${p}/activityEnergyCost/value`, `${base}.activityEnergyCost.value`);
      this.take(`${p}/activityEnergyCost/unit`, `${base}.activityEnergyCost.unit`);
    });
    if (Object.keys(energy).length > 1) e.ai_energyConsumption = energy;
  }

  private componentData(e: Json, d: Json, ptr: string): void {
    if (d.type === 'dataset') this.take(`${ptr}/type`, 'data.type');
    if (typeof d.name === 'string' && (e.name === undefined || e.name === d.name)) {
      e.name = d.name;
      this.take(`${ptr}/name`, 'data.name');
    }
    if (typeof d.description === 'string' && (e.description === undefined || e.description === d.description)) {
      e.description = d.description;
      this.take(`${ptr}/description`, 'data.description');
    }
    if (isObject(d.contents) && typeof d.contents.url === 'string') {
      e.software_downloadLocation = d.contents.url;
      this.take(`${ptr}/contents/url`, 'data.contents.url');
    }
  }

  // ------------------------------------------------------------------ licences

  private licenses(from: string, list: unknown, ptr: string): void {
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      const written = this.license(item, `${ptr}/${i}`);
      if (written) this.rels.push({ from, type: written.concluded ? 'hasConcludedLicense' : 'hasDeclaredLicense', to: [written.id] });
    });
  }

  /** One item of a CycloneDX licenses array as an SPDX licence element; undefined if it cannot be one. */
  private license(item: unknown, ptr: string): { id: string; concluded: boolean } | undefined {
    if (!isObject(item)) return undefined;
    this.profiles.add('simpleLicensing');
    if (typeof item.expression === 'string') {
      const n = normaliseLicenseExpression(item.expression);
      if ('error' in n) {
        this.reasons.set(`${ptr}/expression`, n.error);
        return undefined;
      }
      const e = this.add({ type: 'simplelicensing_LicenseExpression', spdxId: this.idFor(item, ptr), creationInfo: CREATION, simplelicensing_licenseExpression: n.expression }, ptr);
      this.take(`${ptr}/expression`, 'license.expression');
      if (typeof item['bom-ref'] === 'string') this.take(`${ptr}/bom-ref`, 'license.bom-ref');
      const concluded = item.acknowledgement === 'concluded';
      if (typeof item.acknowledgement === 'string') this.take(`${ptr}/acknowledgement`, 'license.acknowledgement');
      return { id: e.spdxId as string, concluded };
    }
    const l = item.license;
    if (!isObject(l)) return undefined;
    const lp = `${ptr}/license`;
    let e: Json;
    if (typeof l.id === 'string') {
      const id = canonicalLicenseId(l.id);
      if (!id) {
        this.reasons.set(`${lp}/id`, `"${l.id}" is not on the SPDX license list`);
        return undefined;
      }
      e = { type: 'simplelicensing_LicenseExpression', spdxId: this.idFor(l, lp), creationInfo: CREATION, simplelicensing_licenseExpression: id };
      this.take(`${lp}/id`, 'license.license.id');
    } else if (typeof l.name === 'string') {
      const ref = licenseRefFor(l.name);
      e = { type: 'simplelicensing_LicenseExpression', spdxId: this.idFor(l, lp), creationInfo: CREATION, name: l.name, simplelicensing_licenseExpression: ref };
      this.take(`${lp}/name`, 'license.license.name');
      const text = licenseText(l.text);
      if (text !== undefined) {
        const t = this.add({ type: 'simplelicensing_SimpleLicensingText', spdxId: `${this.ns}#at${fragment(`${lp}/text`)}`, creationInfo: CREATION, name: l.name, simplelicensing_licenseText: text });
        e.simplelicensing_customIdToUri = [{ type: 'DictionaryEntry', key: ref, value: t.spdxId }];
        this.take(`${lp}/text/content`, 'license.license.text.content');
        if (isObject(l.text) && typeof l.text.encoding === 'string') this.take(`${lp}/text/encoding`, 'license.license.text.encoding');
      }
    } else {
      return undefined;
    }
    if (typeof l.url === 'string') {
      e.externalRef = [{ type: 'ExternalRef', externalRefType: 'license', locator: [l.url] }];
      this.take(`${lp}/url`, 'license.license.url');
    }
    if (typeof l['bom-ref'] === 'string') this.take(`${lp}/bom-ref`, 'license.license.bom-ref');
    if (typeof l.acknowledgement === 'string') this.take(`${lp}/acknowledgement`, 'license.license.acknowledgement');
    this.add(e, lp);
    return { id: e.spdxId as string, concluded: l.acknowledgement === 'concluded' };
  }

  // ------------------------------------------------------------------ metadata, dependencies

  private metadataRest(metadata: Json | undefined, root: string | undefined): void {
    if (!metadata) return;
    if (root && isObject(metadata.supplier)) {
      const rootEl = this.graph.find((x) => x.spdxId === root);
      if (rootEl && rootEl.suppliedBy === undefined) {
        const id = this.entity(metadata.supplier, '/metadata/supplier', 'supplier of the component the BOM describes');
        if (id) rootEl.suppliedBy = id;
      }
    }
    if (Array.isArray(metadata.licenses) && metadata.licenses.length === 1) {
      const l = this.license(metadata.licenses[0], '/metadata/licenses/0');
      if (l) this.doc.dataLicense = l.id;
    }
    this.properties(this.doc, metadata.properties, '/metadata/properties', 'metadata.properties[]');
  }

  private dependencies(): void {
    (Array.isArray(this.bom.dependencies) ? this.bom.dependencies : []).forEach((d, i) => {
      if (!isObject(d) || typeof d.ref !== 'string') return;
      const p = `/dependencies/${i}`;
      const from = this.byRef.get(d.ref);
      if (!from) {
        this.reasons.set(`${p}/ref`, `"${d.ref}" names no component of this BOM`);
        return;
      }
      const on = Array.isArray(d.dependsOn) ? d.dependsOn : [];
      const to: string[] = [];
      on.forEach((r, j) => {
        const t = typeof r === 'string' ? this.byRef.get(r) : undefined;
        if (!t) {
          this.reasons.set(`${p}/dependsOn/${j}`, `${JSON.stringify(r)} names no component of this BOM`);
          return;
        }
        to.push(t);
        this.take(`${p}/dependsOn/${j}`, 'dependency.dependsOn[]');
      });
      if (on.length === 0) {
        // CycloneDX: a component with no dependencies is listed with none. SPDX says the same with NoneElement.
        this.rels.push({ from, type: 'dependsOn', to: ['NoneElement'], completeness: 'complete' });
        if (Array.isArray(d.dependsOn)) this.take(`${p}/dependsOn`, 'dependency.dependsOn[]');
      } else if (to.length) {
        this.rels.push({ from, type: 'dependsOn', to });
      }
      if (on.length === 0 || to.length) this.take(`${p}/ref`, 'dependency.ref');
    });
  }

  // ------------------------------------------------------------------ what is left

  /**
   * Every field no rule wrote: the top-most unwritten subtrees, in document order, each
   * kept as an extension entry on the nearest enclosing element (else the document).
   */
  private leftovers(): Unmapped[] {
    const touched = new Set<string>();
    // A field refused for a reason is reported itself, with the reason, not inside its parent.
    for (const p of [...this.taken.keys(), ...this.reasons.keys()]) {
      for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) touched.add(p.slice(0, i));
      touched.add('');
    }
    const out: Unmapped[] = [];
    const visit = (v: unknown, p: string): void => {
      if (this.taken.has(p)) return;
      const empty = (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
      if (empty) return;
      if (!touched.has(p)) {
        const holder = this.holderOf(p);
        this.extend(holder, [[`cdx:${p}`, JSON.stringify(v)]]);
        const reason = this.reasons.get(p);
        out.push({ pointer: p, keptAs: 'cdx-property-extension', element: holder.spdxId as string, ...(reason ? { reason } : {}) });
        return;
      }
      if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${p}/${i}`));
      else if (isObject(v)) for (const [k, x] of Object.entries(v)) visit(x, `${p}/${seg(k)}`);
    };
    visit(this.bom, '');
    return out;
  }

  private holderOf(pointer: string): Json {
    for (let p = pointer; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) {
      const e = this.elementAt.get(p);
      if (e) return e;
    }
    return this.doc;
  }
}

function licenseText(text: unknown): string | undefined {
  if (!isObject(text) || typeof text.content !== 'string') return undefined;
  if (text.encoding === 'base64') {
    const b = Buffer.from(text.content, 'base64');
    return b.toString('utf8');
  }
  return text.encoding === undefined ? text.content : undefined;
}

/** SPDX DateTime: whole seconds, UTC, a Z. undefined for what is not a date. */
function toSpdxTime(iso: string): string | undefined {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
