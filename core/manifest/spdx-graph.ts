import { isObject } from '../io/json';

/**
 * What the SPDX 3.0.1 JSON schema cannot see and the model's SHACL shapes would: every
 * reference in an SPDX JSON-LD graph names an element of the graph (or an SPDX
 * individual), spdxIds are unique, the document lists every element, and each
 * relationship and agent property points at an element of the right class. Returns the
 * problems, one line each; [] for a sound graph.
 */
export function checkSpdxGraph(document: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(document) || !Array.isArray(document['@graph'])) return ['no @graph'];
  const graph = document['@graph'].filter(isObject);
  const byId = new Map<string, Record<string, unknown>>();
  const blank = new Set<string>();
  for (const e of graph) {
    if (typeof e['@id'] === 'string') blank.add(e['@id']);
    if (typeof e.spdxId !== 'string') continue;
    if (byId.has(e.spdxId)) problems.push(`spdxId ${e.spdxId} is used twice`);
    byId.set(e.spdxId, e);
  }
  const classOf = (id: string): string | undefined => (INDIVIDUALS[id] ? INDIVIDUALS[id] : (byId.get(id)?.type as string | undefined));
  /** `classes` undefined: any element will do. */
  const expect = (where: string, id: unknown, classes?: readonly string[]): void => {
    if (typeof id !== 'string') return void problems.push(`${where}: not an IRI`);
    const c = classOf(id);
    if (!c) problems.push(`${where}: ${id} names no element of the document`);
    else if (classes && !classes.includes(c)) problems.push(`${where}: ${id} is a ${c}, expected ${classes.join(' or ')}`);
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

  const doc = graph.find((e) => e.type === 'SpdxDocument');
  if (!doc) problems.push('no SpdxDocument');
  const listed = new Set(list(doc?.element).filter((x): x is string => typeof x === 'string'));
  for (const [id, e] of byId) {
    if (e !== doc && !listed.has(id)) problems.push(`${id} (${String(e.type)}) is not in the SpdxDocument's element list`);
    if (typeof e.creationInfo !== 'string' || !blank.has(e.creationInfo)) problems.push(`${id}: creationInfo ${String(e.creationInfo)} is not a CreationInfo of the document`);
    for (const a of list(e.suppliedBy)) expect(`${id} suppliedBy`, a, AGENTS);
    for (const a of list(e.originatedBy)) expect(`${id} originatedBy`, a, AGENTS);
    for (const d of list(e.simplelicensing_customIdToUri)) if (isObject(d)) expect(`${id} customIdToUri ${String(d.key)}`, d.value, LICENSE_TEXTS);
    if (e.type === 'Relationship') {
      const rule = RELATIONSHIPS[String(e.relationshipType)];
      expect(`${id} from`, e.from, rule?.from);
      if (list(e.to).length === 0) problems.push(`${id}: no "to"`);
      for (const t of list(e.to)) expect(`${id} ${String(e.relationshipType)} to`, t, rule?.to);
    }
  }
  for (const x of listed) if (!byId.has(x)) problems.push(`element list names ${x}, which is not in the graph`);
  for (const r of list(doc?.rootElement)) expect('rootElement', r);
  if (doc?.dataLicense !== undefined) expect('dataLicense', doc.dataLicense, LICENSES);
  for (const c of graph.filter((e) => e.type === 'CreationInfo')) {
    for (const a of list(c.createdBy)) expect('createdBy', a, AGENTS);
    for (const t of list(c.createdUsing)) expect('createdUsing', t, ['Tool']);
  }
  return problems;
}

const INDIVIDUALS: Record<string, string> = {
  NoneElement: 'IndividualElement',
  NoAssertionElement: 'IndividualElement',
  SpdxOrganization: 'Organization',
  expandedlicensing_NoneLicense: 'simplelicensing_AnyLicenseInfo',
  expandedlicensing_NoAssertionLicense: 'simplelicensing_AnyLicenseInfo',
};
const AGENTS = ['Agent', 'Organization', 'Person', 'SoftwareAgent'] as const;
const ARTIFACTS = ['software_Package', 'software_File', 'software_Snippet', 'ai_AIPackage', 'dataset_DatasetPackage'] as const;
const LICENSES = [
  'simplelicensing_LicenseExpression',
  'simplelicensing_AnyLicenseInfo',
  'expandedlicensing_ListedLicense',
  'expandedlicensing_CustomLicense',
  'expandedlicensing_ConjunctiveLicenseSet',
  'expandedlicensing_DisjunctiveLicenseSet',
  'expandedlicensing_OrLaterOperator',
  'expandedlicensing_WithAdditionOperator',
] as const;
const LICENSE_TEXTS = ['simplelicensing_SimpleLicensingText', 'expandedlicensing_CustomLicense', 'expandedlicensing_CustomLicenseAddition'] as const;

/** The from/to classes SPDX 3.0.1 names for the relationship types we write. */
const RELATIONSHIPS: Record<string, { from: readonly string[]; to: readonly string[] }> = {
  hasDeclaredLicense: { from: ARTIFACTS, to: LICENSES },
  hasConcludedLicense: { from: ARTIFACTS, to: LICENSES },
  trainedOn: { from: ['ai_AIPackage'], to: ['dataset_DatasetPackage'] },
  testedOn: { from: ['ai_AIPackage'], to: ['dataset_DatasetPackage'] },
  contains: { from: ARTIFACTS, to: ARTIFACTS },
  ancestorOf: { from: ARTIFACTS, to: ARTIFACTS },
  descendantOf: { from: ARTIFACTS, to: ARTIFACTS },
  hasVariant: { from: ARTIFACTS, to: ARTIFACTS },
  dependsOn: { from: ARTIFACTS, to: [...ARTIFACTS, 'IndividualElement'] },
};
