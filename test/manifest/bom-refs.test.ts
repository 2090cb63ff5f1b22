/**
 * bom-ref identifiers: unique within a BOM wherever CycloneDX defines them, and every
 * reference names one. The table of sites (core/manifest/bom-ref-sites.ts) is checked
 * against the CycloneDX 1.6 and 1.7 JSON schemas themselves.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BOM_REF_PARENTS, REF_SITES, cycloneDxSchema, lineColumn, validateManifestStatic, type Finding } from '../../core';
import { REPO, runCli, tempDir } from '../helpers/fixtures';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const SCHEMA_DIR = join(REPO, 'node_modules', '@cyclonedx', 'cyclonedx-library', 'res', 'schema');

/**
 * Every string site of a CycloneDX schema, keyed `parent/property` (the last two
 * property names of an instance path, array indices skipped), with what the schema
 * types it as: 'def' (refType under bom-ref), 'use' (refType elsewhere), 'link'
 * (refLinkType), 'bomlink' (bomLinkElementType), 'string'.
 */
function schemaSites(version: '1.6' | '1.7'): Map<string, Set<string>> {
  const root = cycloneDxSchema(version);
  const external: Record<string, Json> = {};
  for (const f of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json', 'cryptography-defs.SNAPSHOT.schema.json']) external[f] = JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8'));
  const resolveRef = (ref: string, doc: Json): [Json, Json] => {
    const [file, fragment] = ref.split('#');
    const d = file ? external[file] : doc;
    assert.ok(d, `unresolved $ref ${ref}`);
    let n = d;
    for (const s of (fragment ?? '').split('/').filter(Boolean)) n = n[s];
    return [n, d];
  };
  const sites = new Map<string, Set<string>>();
  const seen = new Map<Json, Set<string>>();
  const visit = (n: Json, doc: Json, k1: string, k0: string, kind: string | undefined): void => {
    if (!n || typeof n !== 'object') return;
    const key = `${k1}\u0000${k0}\u0000${kind}`;
    const s = seen.get(n) ?? new Set<string>();
    if (s.has(key)) return;
    s.add(key);
    seen.set(n, s);
    if (typeof n.$ref === 'string') {
      let k = kind;
      if (/\/definitions\/refType$/.test(n.$ref)) k = k0 === 'bom-ref' ? 'def' : k === 'link' ? 'link' : 'use';
      if (/\/definitions\/refLinkType$/.test(n.$ref)) k = 'link';
      if (/\/definitions\/bomLinkElementType$/.test(n.$ref)) k = 'bomlink';
      const [target, d] = resolveRef(n.$ref, doc);
      visit(target, d, k1, k0, k);
    }
    for (const c of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(n[c])) for (const x of n[c]) visit(x, doc, k1, k0, kind);
    const types = Array.isArray(n.type) ? n.type : [n.type];
    if (types.includes('string')) {
      const set = sites.get(`${k1}/${k0}`) ?? new Set<string>();
      set.add(kind ?? 'string');
      sites.set(`${k1}/${k0}`, set);
    }
    if (n.properties) for (const [k, v] of Object.entries(n.properties)) visit(v, doc, k0, k, undefined);
    if (Array.isArray(n.items)) for (const x of n.items) visit(x, doc, k1, k0, kind);
    else if (n.items) visit(n.items, doc, k1, k0, kind);
    if (n.additionalItems && typeof n.additionalItems === 'object') visit(n.additionalItems, doc, k1, k0, kind);
    if (n.additionalProperties && typeof n.additionalProperties === 'object') visit(n.additionalProperties, doc, k0, '*', undefined);
    if (n.patternProperties) for (const v of Object.values(n.patternProperties)) visit(v, doc, k0, '*', undefined);
  };
  visit(root, root, '', '', undefined);
  return sites;
}

/** A BOM text with the given extra top-level sections; `x` is a component's bom-ref. */
function bomText(extra: Record<string, unknown>, version = '1.6'): string {
  return `${JSON.stringify(
    {
      bomFormat: 'CycloneDX',
      specVersion: version,
      serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
      version: 1,
      components: [{ type: 'library', 'bom-ref': 'x', name: 'x' }],
      ...extra,
    },
    null,
    2,
  )}\n`;
}

const of = (findings: Finding[], code: string): Finding[] => findings.filter((f) => f.code === code);
const schemaErrors = (findings: Finding[]): Finding[] => findings.filter((f) => f.code.startsWith('CDX_') && f.code !== 'CDX_BOM_REF_DUPLICATE');

describe('bom-ref sites', () => {
  test('the table of bom-ref definitions and references is exactly what the CycloneDX 1.6 and 1.7 schemas say', () => {
    const all = new Map<string, Set<string>>();
    for (const v of ['1.6', '1.7'] as const) {
      for (const [k, kinds] of schemaSites(v)) all.set(k, new Set([...(all.get(k) ?? []), ...kinds]));
    }
    const parents = [...all].filter(([k, kinds]) => k.endsWith('/bom-ref') && kinds.has('def')).map(([k]) => k.slice(0, -'/bom-ref'.length));
    assert.deepEqual([...BOM_REF_PARENTS].sort(), parents.sort());
    // Every bom-ref in the schemas is an identifier (refType), never anything else.
    for (const [k, kinds] of all) if (k.endsWith('/bom-ref')) assert.deepEqual([...kinds], ['def'], k);
    const uses = [...all]
      .filter(([k, kinds]) => !k.endsWith('/bom-ref') && (kinds.has('link') || kinds.has('use')))
      .map(([k, kinds]) => [k, kinds.has('bomlink') ? 'local-or-bom-link' : 'local']);
    // The two plain-string sites the schemas describe as bom-refs, and nothing else, come on top.
    const described = [['compositions/dependencies', 'local'], ['compositions/vulnerabilities', 'local']];
    assert.deepEqual([...REF_SITES].sort(), [...uses, ...described].sort());
    for (const [k] of described) assert.deepEqual([...all.get(k!)!], ['string'], k);
    // No site is a reference in one place and a plain value in another under the same pair,
    // except where the schema types the anyOf itself as a string (datasets/ref).
    for (const [k, kinds] of all) {
      if (!REF_SITES.has(k) || k === 'datasets/ref' || described.some(([d]) => d === k)) continue;
      assert.ok(!kinds.has('string'), `${k} is also a plain string somewhere: ${[...kinds].join(', ')}`);
    }
  });
});

describe('bom-ref uniqueness', () => {
  test('two components with the same bom-ref: an error at the second, naming the first one\'s line', () => {
    const text = bomText({ components: [{ type: 'library', 'bom-ref': 'pkg:pypi/torch@2.6.0', name: 'torch' }, { type: 'library', 'bom-ref': 'pkg:pypi/torch@2.6.0', name: 'torch-cpu' }] });
    const { findings } = validateManifestStatic(text, 'dup.cdx.json');
    const dups = of(findings, 'CDX_BOM_REF_DUPLICATE');
    assert.equal(dups.length, 1);
    const first = text.indexOf('"pkg:pypi/torch@2.6.0"');
    const second = text.indexOf('"pkg:pypi/torch@2.6.0"', first + 1);
    const d = dups[0]!;
    assert.equal(d.severity, 'error');
    assert.deepEqual([d.offset, d.length], [second, '"pkg:pypi/torch@2.6.0"'.length]);
    assert.equal(d.pointer, '/components/1/bom-ref');
    const firstLine = lineColumn(text, first).line;
    assert.equal(d.message, `bom-ref "pkg:pypi/torch@2.6.0" is already used at line ${firstLine} (/components/0/bom-ref): every bom-ref must be unique within the BOM`);
    assert.deepEqual(d.data, { bomRef: 'pkg:pypi/torch@2.6.0', firstPointer: '/components/0/bom-ref', firstLine, firstColumn: lineColumn(text, first).column, ambiguousReferences: 0 });
    assert.deepEqual(d.related, [{ message: 'first use of bom-ref "pkg:pypi/torch@2.6.0"', pointer: '/components/0/bom-ref', offset: first, length: '"pkg:pypi/torch@2.6.0"'.length }]);
    assert.deepEqual(schemaErrors(findings), []);
  });

  test('a third occurrence is reported too, each naming the first; distinct values are not', () => {
    const text = bomText({ components: ['a', 'b', 'a', 'a', 'c'].map((r, i) => ({ type: 'library', 'bom-ref': r, name: `n${i}` })) });
    const dups = of(validateManifestStatic(text, 'x').findings, 'CDX_BOM_REF_DUPLICATE');
    assert.deepEqual(dups.map((d) => [d.pointer, d.data?.firstPointer]), [['/components/2/bom-ref', '/components/0/bom-ref'], ['/components/3/bom-ref', '/components/0/bom-ref']]);
  });

  // Each place the schema defines a bom-ref, clashing with the component "x": a valid BOM
  // apart from the duplicate, so the site is a real one.
  const clashes: [string, Record<string, unknown>, string, string?][] = [
    ['metadata.component', { metadata: { component: { type: 'application', 'bom-ref': 'x', name: 'app' } } }, '/metadata/component/bom-ref'],
    ['a nested component', { components: [{ type: 'library', 'bom-ref': 'x', name: 'x' }, { type: 'library', 'bom-ref': 'y', name: 'y', components: [{ type: 'file', 'bom-ref': 'x', name: 'f' }] }] }, '/components/1/components/0/bom-ref'],
    ['a pedigree ancestor', { components: [{ type: 'library', 'bom-ref': 'x', name: 'x', pedigree: { ancestors: [{ type: 'library', 'bom-ref': 'x', name: 'up' }] } }] }, '/components/0/pedigree/ancestors/0/bom-ref'],
    ['a service', { services: [{ 'bom-ref': 'x', name: 'svc' }] }, '/services/0/bom-ref'],
    ['a license', { components: [{ type: 'library', 'bom-ref': 'x', name: 'x', licenses: [{ license: { id: 'MIT', 'bom-ref': 'x' } }] }] }, '/components/0/licenses/0/license/bom-ref'],
    ['a license expression', { components: [{ type: 'library', 'bom-ref': 'x', name: 'x', licenses: [{ expression: 'MIT OR Apache-2.0', 'bom-ref': 'x' }] }] }, '/components/0/licenses/0/bom-ref'],
    ['a supplier (organizational entity)', { components: [{ type: 'library', 'bom-ref': 'x', name: 'x', supplier: { name: 'Acme', 'bom-ref': 'x' } }] }, '/components/0/supplier/bom-ref'],
    ['an author (organizational contact)', { components: [{ type: 'library', 'bom-ref': 'x', name: 'x', authors: [{ name: 'Ada', 'bom-ref': 'x' }] }] }, '/components/0/authors/0/bom-ref'],
    ['a model card', { components: [{ type: 'machine-learning-model', 'bom-ref': 'x', name: 'm', modelCard: { 'bom-ref': 'x' } }] }, '/components/0/modelCard/bom-ref'],
    ['component data', { components: [{ type: 'data', 'bom-ref': 'x', name: 'd', data: [{ type: 'dataset', 'bom-ref': 'x' }] }] }, '/components/0/data/0/bom-ref'],
    ['an inline model-card dataset', { components: [{ type: 'machine-learning-model', 'bom-ref': 'x', name: 'm', modelCard: { modelParameters: { datasets: [{ type: 'dataset', 'bom-ref': 'x' }] } } }] }, '/components/0/modelCard/modelParameters/datasets/0/bom-ref'],
    ['a vulnerability', { vulnerabilities: [{ 'bom-ref': 'x', id: 'CVE-2025-10155' }] }, '/vulnerabilities/0/bom-ref'],
    ['an annotation', { annotations: [{ 'bom-ref': 'x', subjects: ['x'], annotator: { organization: { name: 'Acme' } }, timestamp: '2026-11-26T08:00:00Z', text: 'reviewed' }] }, '/annotations/0/bom-ref', 'ambiguous'],
    ['a composition', { compositions: [{ 'bom-ref': 'x', aggregate: 'complete' }] }, '/compositions/0/bom-ref'],
    ['a formulation workflow', { formulation: [{ 'bom-ref': 'f', workflows: [{ 'bom-ref': 'x', uid: 'w1', taskTypes: ['build'] }] }] }, '/formulation/0/workflows/0/bom-ref'],
  ];
  for (const [where, extra, pointer, ambiguous] of clashes) {
    test(`a bom-ref is unique across the whole BOM: component and ${where}`, () => {
      const { findings } = validateManifestStatic(bomText(extra), 'x.cdx.json');
      assert.deepEqual(schemaErrors(findings), [], `the test BOM is valid apart from the duplicate: ${JSON.stringify(schemaErrors(findings))}`);
      const dups = of(findings, 'CDX_BOM_REF_DUPLICATE');
      assert.deepEqual(dups.map((d) => d.pointer), [pointer]);
      // References to a duplicated value are counted as ambiguous, not reported one by one.
      assert.deepEqual(of(findings, 'MLBOM_REF_DANGLING'), []);
      assert.equal(dups[0]!.data?.ambiguousReferences, ambiguous ? 1 : 0);
    });
  }

  test('a "bom-ref" key where CycloneDX defines none (proofOfConcept admits any property) is not an identifier', () => {
    const text = bomText({ vulnerabilities: [{ id: 'CVE-1', proofOfConcept: { reproductionSteps: 'run it', 'bom-ref': 'x' } }] });
    assert.deepEqual(of(validateManifestStatic(text, 'x').findings, 'CDX_BOM_REF_DUPLICATE'), []);
  });

  test('references to a duplicated bom-ref are counted in the one finding, and named ambiguous', () => {
    const text = bomText({
      components: [{ type: 'library', 'bom-ref': 'a', name: 'a' }, { type: 'library', 'bom-ref': 'a', name: 'a2' }, { type: 'application', 'bom-ref': 'app', name: 'app' }],
      dependencies: [{ ref: 'app', dependsOn: ['a'] }, { ref: 'a' }],
    });
    const { findings } = validateManifestStatic(text, 'x');
    const [d] = of(findings, 'CDX_BOM_REF_DUPLICATE');
    assert.match(d!.message, /; 2 reference\(s\) to it are ambiguous$/);
    assert.deepEqual(of(findings, 'MLBOM_REF_DANGLING'), []);
  });
});

describe('bom-ref references', () => {
  test('every reference site is checked, BOM-Links to other BOMs are not', () => {
    const serial = '3e671687-395b-41f5-a30f-a58921a69b79';
    const text = bomText({
      components: [
        { type: 'library', 'bom-ref': 'x', name: 'x', evidence: { identity: [{ field: 'purl', tools: ['no-such-tool'] }] } },
        { type: 'cryptographic-asset', 'bom-ref': 'cert', name: 'cert', cryptoProperties: { assetType: 'certificate', certificateProperties: { signatureAlgorithmRef: 'no-such-algorithm' } } },
      ],
      annotations: [{ subjects: ['no-such-subject', `urn:cdx:${serial}/1#x`, `urn:cdx:${serial}/1#nowhere`, 'urn:cdx:00000000-0000-4000-8000-000000000000/1#elsewhere'], annotator: { organization: { name: 'Acme' } }, timestamp: '2026-11-26T08:00:00Z', text: 'reviewed' }],
      compositions: [{ aggregate: 'complete', assemblies: ['x'], dependencies: ['no-such-dependency'], vulnerabilities: ['no-such-vulnerability'] }],
      vulnerabilities: [{ id: 'CVE-1', affects: [{ ref: 'urn:cdx:00000000-0000-4000-8000-000000000000/1#elsewhere' }, { ref: 'no-such-component' }] }],
    });
    const { findings } = validateManifestStatic(text, 'x');
    assert.deepEqual(schemaErrors(findings), []);
    assert.deepEqual(of(findings, 'MLBOM_REF_DANGLING').map((f) => f.pointer).sort(), [
      '/annotations/0/subjects/0',
      // A BOM-Link into this very BOM (same serial number and version) is checked.
      '/annotations/0/subjects/2',
      '/components/0/evidence/identity/0/tools/0',
      '/components/1/cryptoProperties/certificateProperties/signatureAlgorithmRef',
      '/compositions/0/dependencies/0',
      '/compositions/0/vulnerabilities/0',
      '/vulnerabilities/0/affects/1/ref',
    ]);
  });

  test('an external reference\'s url and a plain "ref" key elsewhere are not bom-ref uses', () => {
    const text = bomText({ externalReferences: [{ type: 'bom', url: 'urn:cdx:00000000-0000-4000-8000-000000000000/1' }], properties: [{ name: 'ref', value: 'nowhere' }] });
    assert.deepEqual(of(validateManifestStatic(text, 'x').findings, 'MLBOM_REF_DANGLING'), []);
  });
});

describe('bom-ref uniqueness through every face', () => {
  test('manifest validate and validate: exit 1, the line and column of the second, the first one\'s line in the message; SARIF relates the two', async () => {
    const dir = tempDir();
    const file = join(dir, 'bom.cdx.json');
    const text = bomText({ components: [{ type: 'library', 'bom-ref': 'dup', name: 'a' }, { type: 'library', 'bom-ref': 'dup', name: 'b' }] });
    writeFileSync(file, text);
    const first = lineColumn(text, text.indexOf('"dup"'));
    const second = lineColumn(text, text.lastIndexOf('"dup"'));
    const message = `bom-ref "dup" is already used at line ${first.line} (/components/0/bom-ref): every bom-ref must be unique within the BOM`;
    const expected: [string[], string][] = [
      [['manifest', 'validate', 'bom.cdx.json'], `bom.cdx.json:${second.line}:${second.column}: error CDX_BOM_REF_DUPLICATE ${message}`],
      [['validate', 'bom.cdx.json'], `invalid bom.cdx.json:${second.line}:${second.column}: ${message} [CDX_BOM_REF_DUPLICATE]`],
    ];
    for (const [args, line] of expected) {
      const r = await runCli(args, { cwd: dir });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, `${line}\n`, args.join(' '));
    }
    const sarif = JSON.parse((await runCli(['manifest', 'validate', 'bom.cdx.json', '--format', 'sarif'], { cwd: dir })).stdout);
    const hit = sarif.runs[0].results.find((x: Json) => x.ruleId === 'CDX_BOM_REF_DUPLICATE');
    assert.equal(hit.locations[0].physicalLocation.region.startLine, second.line);
    assert.equal(hit.relatedLocations[0].physicalLocation.region.startLine, first.line);
    const json = JSON.parse((await runCli(['manifest', 'validate', 'bom.cdx.json', '--format', 'json'], { cwd: dir })).stdout);
    const f = json[0].findings.find((x: Json) => x.code === 'CDX_BOM_REF_DUPLICATE');
    assert.deepEqual([f.line, f.related[0].line], [second.line, first.line]);
  });
});

describe('validate on manifests', () => {
  test('a valid manifest is valid; a broken one named *.cdx.json gets the manifest validator\'s located finding, not a bundle error', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ok.cdx.json'), bomText({}));
    writeFileSync(join(dir, 'broken.cdx.json'), '{\n  "bomFormat": "CycloneDX",\n  "components": [,]\n}\n');
    const ok = await runCli(['validate', 'ok.cdx.json'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(ok.stdout, 'valid   ok.cdx.json: CycloneDX 1.6 manifest, 0 warning(s)\n');
    const broken = await runCli(['validate', 'broken.cdx.json', '--format', 'json'], { cwd: dir });
    assert.equal(broken.code, 1);
    const [r] = JSON.parse(broken.stdout);
    assert.deepEqual([r.valid, r.code, r.findings[0].line, r.findings[0].column], [false, 'JSON_MALFORMED', 3, 18]);
  });
});

describe('bom-refs in the CycloneDX project\'s own examples', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  test('valid-citations-1.7.json (valid by the JSON schema) uses bom-ref "workflow-1" twice: reported at the workflow, naming the formulation\'s line', () => {
    const text = readFileSync(join(VECTORS, 'cyclonedx', '1.7', 'valid-citations-1.7.json'), 'utf8');
    const { findings } = validateManifestStatic(text, 'valid-citations-1.7.json');
    const dups = of(findings, 'CDX_BOM_REF_DUPLICATE');
    assert.equal(dups.length, 1);
    const firstAt = text.indexOf('"workflow-1"');
    assert.equal(dups[0]!.pointer, '/formulation/0/workflows/0/bom-ref');
    assert.equal(dups[0]!.offset, text.indexOf('"workflow-1"', firstAt + 1));
    assert.match(dups[0]!.message, new RegExp(`^bom-ref "workflow-1" is already used at line ${lineColumn(text, firstAt).line} \\(/formulation/0/bom-ref\\)`));
  });

  test('no other valid example of either version has a duplicate bom-ref; exactly these have dangling references', () => {
    const dangling: string[] = [];
    for (const v of ['1.6', '1.7']) {
      const dir = join(VECTORS, 'cyclonedx', v);
      for (const f of readdirSync(dir).filter((x) => x.startsWith('valid-'))) {
        const { findings } = validateManifestStatic(readFileSync(join(dir, f), 'utf8'), f, 10_000);
        if (f !== 'valid-citations-1.7.json') assert.deepEqual(of(findings, 'CDX_BOM_REF_DUPLICATE'), [], f);
        if (of(findings, 'MLBOM_REF_DANGLING').length) dangling.push(`${v}/${f}`);
      }
    }
    // The schema examples reference algorithms, requirements, tools and formulation
    // resources they do not define (the JSON schema cannot see it).
    assert.deepEqual(dangling.sort(), [
      '1.6/valid-attestation-1.6.json',
      '1.6/valid-cryptography-full-1.6.json',
      '1.6/valid-evidence-1.6.json',
      '1.6/valid-formulation-1.6.json',
      '1.7/valid-attestation-1.7.json',
      '1.7/valid-cryptography-certificate-1.7.json',
      '1.7/valid-cryptography-certificate-advanced-1.7.json',
      '1.7/valid-cryptography-full-1.7.json',
      '1.7/valid-cryptography-full-deprecated-1.7.json',
      '1.7/valid-evidence-1.7.json',
      '1.7/valid-formulation-1.7.json',
    ]);
  });
});
