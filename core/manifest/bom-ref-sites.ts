/**
 * Where a CycloneDX BOM defines and where it uses `bom-ref` identifiers, as data.
 *
 * CycloneDX 1.6 and 1.7 type every identifier as `refType` and every reference as
 * `refLinkType` (or `refType` used as a reference, as the cryptography and patent
 * sections do), some of them also accepting a BOM-Link (`bomLinkElementType`,
 * `urn:cdx:…`) to another BOM. Which property holds which is written down here once, by
 * the last two property names of the value's JSON path (array indices skipped): for
 * every such site in both schemas, that pair names it without ambiguity.
 * test/manifest/bom-refs.test.ts walks both schemas and fails if this table and the
 * schemas ever disagree.
 */

/** What a reference site accepts. */
export type RefSiteKind = 'local' | 'local-or-bom-link';

/**
 * The property names whose objects carry a defining `bom-ref` (components at any depth,
 * services, metadata.component, organizational entities and contacts, licenses, model
 * cards, component data, formulation, vulnerabilities, annotations, declarations,
 * definitions…). A `bom-ref` anywhere else is not an identifier (for example inside
 * `vulnerabilities[].proofOfConcept`, which admits any property).
 */
export const BOM_REF_PARENTS: ReadonlySet<string> = new Set([
  'address', 'ancestors', 'annotations', 'assessors', 'asserter', 'author', 'authors', 'citations', 'claims',
  'component', 'components', 'compositions', 'contact', 'data', 'datasets', 'descendants', 'energyProviders',
  'evidence', 'expressionDetails', 'formulation', 'individual', 'individuals', 'levels', 'license', 'licenses',
  'manufacture', 'manufacturer', 'modelCard', 'occurrences', 'organization', 'organizations', 'patentAssertions',
  'patentAssignee', 'patents', 'provider', 'requirements', 'reviewer', 'service', 'services', 'standards',
  'supplier', 'tasks', 'trigger', 'variants', 'vulnerabilities', 'workflows', 'workspaces',
]);

/**
 * Reference sites, `parent/property` → what they accept. The last two entries are plain
 * strings in the schemas, but the schemas describe them as "the bom-ref identifiers of
 * the components or services (vulnerabilities) being described".
 */
export const REF_SITES: ReadonlyMap<string, RefSiteKind> = new Map<string, RefSiteKind>([
  // Dependency graphs: the BOM's own, formulation's runtime topology and task dependencies.
  ['dependencies/ref', 'local'],
  ['dependencies/dependsOn', 'local'],
  ['dependencies/provides', 'local'],
  ['runtimeTopology/ref', 'local'],
  ['runtimeTopology/dependsOn', 'local'],
  ['runtimeTopology/provides', 'local'],
  ['taskDependencies/ref', 'local'],
  ['taskDependencies/dependsOn', 'local'],
  ['taskDependencies/provides', 'local'],
  // Components, vulnerabilities, annotations, model cards, evidence, formulation.
  ['compositions/assemblies', 'local-or-bom-link'],
  ['affects/ref', 'local-or-bom-link'],
  ['annotations/subjects', 'local-or-bom-link'],
  ['datasets/ref', 'local-or-bom-link'],
  ['identity/tools', 'local-or-bom-link'],
  ['resourceReferences/ref', 'local-or-bom-link'],
  ['source/ref', 'local-or-bom-link'],
  ['target/ref', 'local-or-bom-link'],
  ['resource/ref', 'local-or-bom-link'],
  // Cryptographic assets (refType used as a reference).
  ['certificateProperties/signatureAlgorithmRef', 'local'],
  ['certificateProperties/subjectPublicKeyRef', 'local'],
  ['relatedCryptoMaterialProperties/algorithmRef', 'local'],
  ['securedBy/algorithmRef', 'local'],
  ['cipherSuites/algorithms', 'local'],
  ['protocolProperties/cryptoRefArray', 'local'],
  ['ikev2TransformTypes/encr', 'local'],
  ['ikev2TransformTypes/prf', 'local'],
  ['ikev2TransformTypes/integ', 'local'],
  ['ikev2TransformTypes/ke', 'local'],
  ['ikev2TransformTypes/auth', 'local'],
  ['encr/algorithm', 'local'],
  ['prf/algorithm', 'local'],
  ['integ/algorithm', 'local'],
  ['ke/algorithm', 'local'],
  ['auth/algorithm', 'local'],
  ['relatedCryptographicAssets/ref', 'local'],
  // Declarations (CDXA) and definitions (standards).
  ['attestations/assessor', 'local'],
  ['map/requirement', 'local'],
  ['map/claims', 'local'],
  ['map/counterClaims', 'local'],
  ['conformance/mitigationStrategies', 'local'],
  ['claims/target', 'local'],
  ['claims/mitigationStrategies', 'local'],
  ['claims/evidence', 'local'],
  ['claims/counterEvidence', 'local'],
  ['requirements/parent', 'local'],
  ['levels/requirements', 'local'],
  // Patents and citations (1.7).
  ['patentAssertions/patentRefs', 'local'],
  ['patentAssertions/asserter', 'local'],
  ['patents/members', 'local'],
  ['citations/attributedTo', 'local'],
  ['citations/process', 'local'],
  // Plain strings described as bom-refs.
  ['compositions/dependencies', 'local'],
  ['compositions/vulnerabilities', 'local'],
]);

/** Property names that can hold a reference, for a cheap first test per key. */
export const REF_PROPERTIES: ReadonlySet<string> = new Set([...REF_SITES.keys()].map((k) => k.slice(k.indexOf('/') + 1)));

const BOM_LINK = /^urn:cdx:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([1-9][0-9]*)#(.+)$/;

/**
 * A BOM-Link (`urn:cdx:SERIAL/VERSION#REF`, CycloneDX's bomLinkElementType), split; the
 * fragment is percent-decoded. undefined when the value is not one, or its fragment does
 * not decode.
 */
export function parseBomLink(value: string): { serial: string; version: number; ref: string } | undefined {
  const m = BOM_LINK.exec(value);
  if (!m) return undefined;
  try {
    return { serial: m[1]!, version: Number(m[2]), ref: decodeURIComponent(m[3]!) };
  } catch {
    return undefined;
  }
}
