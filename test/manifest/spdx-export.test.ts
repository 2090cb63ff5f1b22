/**
 * CycloneDX → SPDX 3.0.1: what the export claims to map is written, what it cannot map
 * is kept and listed, the result validates against the published SPDX schema and its
 * references hold (checkSpdxGraph).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { SPDX_MAPPING, SPDX_RULES, checkSpdxGraph, exportSpdx3, isProvenanceError, lineColumn, normaliseLicenseExpression, type SpdxExport } from '../../core';
import { REPO, runCli, tempDir } from '../helpers/fixtures';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const SHA = (c: string): string => c.repeat(64).slice(0, 64);

/** The usual shape of an AI BOM from a generator (OWASP's AIBOM generator writes this shape): an application as metadata.component, the model in components[]. */
function generatorShapedBom(): Json {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: 'urn:uuid:0b5bcb05-9c57-4a5e-9e54-2a44e1a5b7f0',
    version: 1,
    metadata: {
      timestamp: '2026-11-20T09:30:00Z',
      tools: { components: [{ type: 'application', 'bom-ref': 'tool:aibom', name: 'aibom-generator', version: '2.3.0', manufacturer: { name: 'Generator Project' } }] },
      component: { type: 'application', 'bom-ref': 'pkg:generic/acme/chat-service@1.0', name: 'chat-service', version: '1.0', purl: 'pkg:generic/acme/chat-service@1.0', copyright: 'NOASSERTION' },
    },
    components: [
      {
        type: 'machine-learning-model',
        'bom-ref': 'pkg:huggingface/acme/tiny-llm@4f1c2e0',
        group: 'acme',
        name: 'tiny-llm',
        version: '4f1c2e0',
        purl: 'pkg:huggingface/acme/tiny-llm@4f1c2e0',
        description: 'A small chat model',
        licenses: [{ license: { id: 'apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' } }],
        hashes: [{ alg: 'SHA-256', content: SHA('ab') }, { alg: 'SHA3-512', content: 'C'.repeat(128) }],
        authors: [{ name: 'Ada Lovelace', email: 'ada@example.com' }],
        publisher: 'acme',
        supplier: { name: 'acme', url: ['https://huggingface.co/acme'] },
        externalReferences: [{ type: 'website', url: 'https://huggingface.co/acme/tiny-llm' }, { type: 'log', url: 'https://example.com/train.log', comment: 'training log' }],
        modelCard: {
          modelParameters: { task: 'text-generation', architectureFamily: 'llama', modelArchitecture: 'LlamaForCausalLM', datasets: [{ ref: 'dataset:chat' }], inputs: [{ format: 'text' }], outputs: [{ format: 'text' }] },
          quantitativeAnalysis: { performanceMetrics: [{ type: 'accuracy', value: '0.71', slice: 'en' }] },
          considerations: { useCases: ['customer chat'], technicalLimitations: ['English only'], environmentalConsiderations: { energyConsumptions: [{ activity: 'fine-tuning', energyProviders: [], activityEnergyCost: { value: 12.5, unit: 'kWh' }, co2CostEquivalent: { value: 4.1, unit: 'tCO2eq' } }] } },
          properties: [{ name: 'typeOfModel', value: 'transformer' }],
        },
        properties: [{ name: 'model-provenance:hyperparameter:learning_rate', value: '0.0002' }, { name: 'quantization', value: 'none' }],
      },
      {
        type: 'data',
        'bom-ref': 'dataset:chat',
        name: 'chat-corpus',
        hashes: [{ alg: 'SHA-256', content: SHA('cd') }],
        licenses: [{ expression: 'cc-by-4.0 or mit', acknowledgement: 'concluded' }],
        data: [{ type: 'dataset', name: 'chat-corpus', contents: { url: 'https://example.com/chat.jsonl' }, classification: 'public' }],
        properties: [{ name: 'model-provenance:dataset_usage', value: 'training' }],
      },
    ],
    dependencies: [{ ref: 'pkg:generic/acme/chat-service@1.0', dependsOn: ['pkg:huggingface/acme/tiny-llm@4f1c2e0'] }, { ref: 'dataset:chat', dependsOn: [] }],
  };
}

/** Every form a CycloneDX licence takes. */
function licencesBom(): Json {
  const text = Buffer.from('Permission is granted to use these weights responsibly.').toString('base64');
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    components: [
      {
        type: 'machine-learning-model',
        name: 'm',
        licenses: [
          { license: { id: 'MIT', acknowledgement: 'declared' } },
          { license: { id: 'Apache-2.0', acknowledgement: 'concluded' } },
          { license: { name: 'CreativeML OpenRAIL-M', url: 'https://huggingface.co/spaces/CompVis/stable-diffusion-license', text: { content: text, contentType: 'text/plain', encoding: 'base64' } } },
          { license: { name: 'Acme Model Licence v2' } },
        ],
      },
      { type: 'library', name: 'bad-expression', licenses: [{ expression: 'MIT AND OR Apache-2.0' }] },
      { type: 'library', name: 'with-exception', licenses: [{ expression: 'gpl-2.0-or-later with classpath-exception-2.0 and (mit or bsd-3-clause)' }] },
    ],
  };
}

/** Our own ML-BOM shape, with what a person may add: files with media types, ancestors, an inline dataset, named authors, BOM properties. */
function provenanceShapedBom(): Json {
  const root = SHA('9f');
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: 'urn:uuid:6d1f4b34-0c43-4a4e-8b5e-7c9a1f3e2d10',
    version: 1,
    metadata: {
      timestamp: '2026-11-26T08:00:00Z',
      authors: [{ 'bom-ref': 'person:ada', name: 'Ada Lovelace' }],
      tools: { components: [{ type: 'application', name: 'model-provenance', version: '0.1.0', description: 'chain of custody for ML models' }] },
      component: {
        type: 'machine-learning-model',
        'bom-ref': 'model:release',
        name: 'release',
        hashes: [{ alg: 'SHA-256', content: root }],
        properties: [{ name: 'model-provenance:oms_root_digest', value: root }, { name: 'model-provenance:stage', value: 'quantization' }],
        components: [{ type: 'file', 'bom-ref': 'model:release/file:model.safetensors', name: 'model.safetensors', 'mime-type': 'application/octet-stream', hashes: [{ alg: 'SHA-256', content: SHA('01') }] }],
        modelCard: { modelParameters: { datasets: [{ type: 'dataset', 'bom-ref': 'dataset:inline', name: 'eval-set', description: 'held-out prompts', contents: { url: 'https://example.com/eval.jsonl' } }] } },
        pedigree: { ancestors: [{ type: 'machine-learning-model', 'bom-ref': 'ancestor:sft', name: 'sft', hashes: [{ alg: 'SHA-256', content: SHA('02') }], properties: [{ name: 'model-provenance:base_model_relation', value: 'quantized' }, { name: 'model-provenance:oms_root_digest', value: SHA('02') }] }] },
      },
    },
    properties: [{ name: 'model-provenance:exported_by', value: 'ci' }],
  };
}

let validateSpdx: ((doc: unknown) => boolean) & { errors?: unknown };
function spdxSchemaValid(doc: unknown): void {
  if (!validateSpdx) {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    validateSpdx = ajv.compile(JSON.parse(readFileSync(join(VECTORS, 'spdx', 'spdx-json-schema-3.0.1.json'), 'utf8')));
  }
  assert.ok(validateSpdx(doc), JSON.stringify((validateSpdx.errors as unknown[] | undefined)?.slice(0, 5), null, 2));
}

const graphOf = (r: SpdxExport): Json[] => r.document['@graph'] as Json[];
const byId = (r: SpdxExport): Map<string, Json> => new Map(graphOf(r).filter((e) => e.spdxId).map((e) => [e.spdxId, e]));
const rels = (r: SpdxExport, type?: string): Json[] => graphOf(r).filter((e) => e.type === 'Relationship' && (!type || e.relationshipType === type));

/** Every scalar leaf of a JSON value, with its pointer. */
function leaves(v: unknown, p = ''): [string, unknown][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, `${p}/${i}`));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  return [[p, v]];
}
const covers = (prefix: string, p: string): boolean => p === prefix || p.startsWith(`${prefix}/`);

/**
 * The accounting is sound: every leaf of the input is either written by a rule or kept
 * as an unmapped field (never both, never neither); what a verbatim rule wrote is in the
 * output; every unmapped field is in an extension entry of the element it names, with
 * its exact JSON.
 */
function assertAccounted(bom: Json, r: SpdxExport, name: string): void {
  const out = JSON.stringify(r.document).toLowerCase();
  const ids = byId(r);
  for (const [p, value] of leaves(bom)) {
    const mapped = r.mapped.filter((m) => covers(m.pointer, p));
    const kept = r.unmapped.filter((u) => covers(u.pointer, p));
    assert.equal(mapped.length + kept.length, 1, `${name} ${p}: written by ${JSON.stringify(mapped)}, kept as ${JSON.stringify(kept)}`);
    for (const m of mapped) {
      const rule = SPDX_RULES.get(m.rule);
      assert.ok(rule && !rule.structural, `${name} ${p}: rule ${m.rule}`);
      if (rule.verbatim && (typeof value === 'string' || typeof value === 'number')) {
        const needle = JSON.stringify(String(value)).slice(1, -1).toLowerCase();
        assert.ok(out.includes(needle) || out.includes(String(value).toLowerCase()), `${name} ${p}: ${JSON.stringify(value)} (rule ${m.rule}) is not in the output`);
      }
    }
  }
  for (const u of r.unmapped) {
    const holder = ids.get(u.element);
    assert.ok(holder, `${name} ${u.pointer}: kept on ${u.element}, which is not in the graph`);
    const entries = (holder.extension ?? []).flatMap((x: Json) => x.extension_cdxProperty ?? []);
    const entry = entries.find((x: Json) => x.extension_cdxPropName === `cdx:${u.pointer}`);
    const original = u.pointer.split('/').slice(1).reduce((o: Json, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], bom);
    assert.equal(entry?.extension_cdxPropValue, JSON.stringify(original), `${name} ${u.pointer}`);
  }
}

describe('SPDX 3.0.1 export', () => {
  test('a model under components[] (the generator shape) is an ai_AIPackage with its licence, hashes, supplier and relationships', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
    const bom = generatorShapedBom();
    const r = exportSpdx3(bom);
    spdxSchemaValid(r.document);
    assert.deepEqual(checkSpdxGraph(r.document), []);
    assertAccounted(bom, r, 'generator');
    const ids = byId(r);
    const models = graphOf(r).filter((e) => e.type === 'ai_AIPackage');
    assert.equal(models.length, 1);
    const m = models[0];
    assert.equal(m.name, 'tiny-llm');
    assert.equal(m.software_packageVersion, '4f1c2e0');
    assert.equal(m.software_packageUrl, 'pkg:huggingface/acme/tiny-llm@4f1c2e0');
    assert.equal(m.software_primaryPurpose, 'model');
    assert.deepEqual(m.verifiedUsing, [{ type: 'Hash', algorithm: 'sha256', hashValue: SHA('ab') }, { type: 'Hash', algorithm: 'sha3_512', hashValue: 'c'.repeat(128) }]);
    assert.deepEqual(m.ai_domain, ['text-generation']);
    assert.deepEqual(m.ai_typeOfModel, ['llama', 'LlamaForCausalLM']);
    assert.deepEqual(m.ai_hyperparameter, [{ type: 'DictionaryEntry', key: 'learning_rate', value: '0.0002' }]);
    assert.deepEqual(m.ai_metric, [{ type: 'DictionaryEntry', key: 'accuracy', value: '0.71' }]);
    assert.equal(m.ai_informationAboutApplication, 'Use cases: customer chat');
    assert.equal(m.ai_limitation, 'English only');
    assert.deepEqual(m.ai_energyConsumption, { type: 'ai_EnergyConsumption', ai_finetuningEnergyConsumption: [{ type: 'ai_EnergyConsumptionDescription', ai_energyQuantity: 12.5, ai_energyUnit: 'kilowattHour' }] });
    assert.equal(ids.get(m.suppliedBy).type, 'Organization');
    assert.equal(ids.get(m.suppliedBy).name, 'acme');
    assert.deepEqual(m.originatedBy.map((a: string) => [ids.get(a).type, ids.get(a).name]), [['Person', 'Ada Lovelace'], ['Agent', 'acme']]);
    assert.deepEqual(ids.get(m.originatedBy[0]).externalIdentifier, [{ type: 'ExternalIdentifier', externalIdentifierType: 'email', identifier: 'ada@example.com' }]);
    assert.deepEqual(m.externalRef, [
      { type: 'ExternalRef', externalRefType: 'altWebPage', locator: ['https://huggingface.co/acme/tiny-llm'] },
      { type: 'ExternalRef', externalRefType: 'other', locator: ['https://example.com/train.log'], comment: 'CycloneDX log: training log' },
    ]);
    // The licence: a declared, listed licence, its id in SPDX's capitalisation.
    const declared = rels(r, 'hasDeclaredLicense').filter((x) => x.from === m.spdxId);
    assert.equal(declared.length, 1);
    const lic = ids.get(declared[0].to[0]);
    assert.deepEqual([lic.type, lic.simplelicensing_licenseExpression], ['simplelicensing_LicenseExpression', 'Apache-2.0']);
    assert.deepEqual(lic.externalRef, [{ type: 'ExternalRef', externalRefType: 'license', locator: ['https://www.apache.org/licenses/LICENSE-2.0'] }]);
    // The dataset: concluded licence expression, normalised; trainedOn from the model.
    const ds = graphOf(r).find((e) => e.type === 'dataset_DatasetPackage');
    assert.equal(ds.software_downloadLocation, 'https://example.com/chat.jsonl');
    const concluded = rels(r, 'hasConcludedLicense');
    assert.deepEqual(concluded.map((x) => [x.from, ids.get(x.to[0]).simplelicensing_licenseExpression]), [[ds.spdxId, 'CC-BY-4.0 OR MIT']]);
    assert.deepEqual(rels(r, 'trainedOn').map((x) => [x.from, x.to]), [[m.spdxId, [ds.spdxId]]]);
    // The dependency graph, including "has none".
    const app = graphOf(r).find((e) => e.name === 'chat-service');
    assert.equal(app.software_primaryPurpose, 'application');
    assert.deepEqual(rels(r, 'dependsOn').map((x) => [x.from, x.to, x.completeness]), [[app.spdxId, [m.spdxId], undefined], [ds.spdxId, ['NoneElement'], 'complete']]);
    const doc = graphOf(r).find((e) => e.type === 'SpdxDocument');
    assert.deepEqual(doc.rootElement, [app.spdxId]);
    assert.deepEqual(doc.profileConformance.sort(), ['ai', 'core', 'dataset', 'extension', 'simpleLicensing', 'software']);
    const creation = graphOf(r)[0];
    assert.equal(creation.created, '2026-11-20T09:30:00Z');
    assert.deepEqual(creation.createdUsing.map((t: string) => ids.get(t).name), ['model-provenance dev', 'aibom-generator 2.3.0']);
    // What SPDX has no place for, field by field.
    assert.deepEqual(r.unmapped.map((u) => u.pointer), [
      '/metadata/tools/components/0/manufacturer',
      '/components/0/group',
      '/components/0/supplier/url',
      '/components/0/modelCard/modelParameters/inputs',
      '/components/0/modelCard/modelParameters/outputs',
      '/components/0/modelCard/quantitativeAnalysis/performanceMetrics/0/slice',
      '/components/0/modelCard/considerations/environmentalConsiderations/energyConsumptions/0/co2CostEquivalent',
      '/components/0/modelCard/properties',
      '/components/1/data/0/classification',
    ]);
  });

  test('licences: declared and concluded, listed ids, expressions, named licences with and without text', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
    const bom = licencesBom();
    const r = exportSpdx3(bom);
    spdxSchemaValid(r.document);
    assert.deepEqual(checkSpdxGraph(r.document), []);
    assertAccounted(bom, r, 'licences');
    const ids = byId(r);
    const model = graphOf(r).find((e) => e.type === 'ai_AIPackage');
    const of = (type: string): Json[] => rels(r, type).filter((x) => x.from === model.spdxId).map((x) => ids.get(x.to[0]));
    assert.deepEqual(of('hasDeclaredLicense').map((l) => [l.simplelicensing_licenseExpression, l.name]), [['MIT', undefined], ['LicenseRef-CreativeML-OpenRAIL-M', 'CreativeML OpenRAIL-M'], ['LicenseRef-Acme-Model-Licence-v2', 'Acme Model Licence v2']]);
    assert.deepEqual(of('hasConcludedLicense').map((l) => l.simplelicensing_licenseExpression), ['Apache-2.0']);
    const custom = of('hasDeclaredLicense')[1];
    const textEl = ids.get(custom.simplelicensing_customIdToUri[0].value);
    assert.deepEqual([custom.simplelicensing_customIdToUri[0].key, textEl.type, textEl.simplelicensing_licenseText], ['LicenseRef-CreativeML-OpenRAIL-M', 'simplelicensing_SimpleLicensingText', 'Permission is granted to use these weights responsibly.']);
    // An expression that is not one: not related, kept, and said why.
    const bad = r.unmapped.find((u) => u.pointer === '/components/1/licenses/0/expression')!;
    assert.match(bad.reason!, /^not a valid SPDX license expression/);
    const lib = graphOf(r).find((e) => e.name === 'with-exception');
    assert.deepEqual(rels(r, 'hasDeclaredLicense').filter((x) => x.from === lib.spdxId).map((x) => ids.get(x.to[0]).simplelicensing_licenseExpression), ['GPL-2.0-or-later WITH Classpath-exception-2.0 AND (MIT OR BSD-3-Clause)']);
    // /components/1/licenses/0/expression is the one unmapped licence field (contentType has no SPDX home either).
    assert.deepEqual(r.unmapped.map((u) => u.pointer), ['/components/0/licenses/2/license/text/contentType', '/components/1/licenses/0/expression']);
  });

  test('license expressions: case-insensitive ids, AND over OR precedence kept, garbage refused', () => {
    assert.deepEqual(normaliseLicenseExpression('apache-2.0'), { expression: 'Apache-2.0' });
    assert.deepEqual(normaliseLicenseExpression('(MIT or Apache-2.0) and BSD-2-Clause'), { expression: '(MIT OR Apache-2.0) AND BSD-2-Clause' });
    assert.deepEqual(normaliseLicenseExpression('MIT OR Apache-2.0 AND BSD-2-Clause'), { expression: 'MIT OR Apache-2.0 AND BSD-2-Clause' });
    assert.deepEqual(normaliseLicenseExpression('LicenseRef-acme-1 OR GPL-2.0+'), { expression: 'LicenseRef-acme-1 OR GPL-2.0+' });
    for (const bad of ['', 'MIT OR', 'Not-A-Licence', 'MIT AND (Apache-2.0']) assert.ok('error' in normaliseLicenseExpression(bad), bad);
  });

  test('every component gets its own spdxId: no bom-refs, the same names, nested files', () => {
    const file = (n: string): Json => ({ type: 'file', name: n, hashes: [{ alg: 'SHA-256', content: SHA(n.slice(0, 1)) }] });
    const bom: Json = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      version: 1,
      components: [
        { type: 'machine-learning-model', name: 'twin', components: [file('model.safetensors'), file('config.json')] },
        { type: 'machine-learning-model', name: 'twin', components: [file('model.safetensors')] },
        { type: 'library', 'bom-ref': 'a b#c%d', name: 'odd-ref' },
      ],
    };
    const r = exportSpdx3(bom);
    assert.deepEqual(checkSpdxGraph(r.document), []);
    const ids = graphOf(r).filter((e) => e.spdxId).map((e) => e.spdxId);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(graphOf(r).filter((e) => e.type === 'ai_AIPackage').length, 2);
    assert.equal(graphOf(r).filter((e) => e.type === 'software_File').length, 3);
    assert.deepEqual(rels(r, 'contains').map((x) => x.to.length), [2, 1]);
    assert.ok(ids.some((id) => id.endsWith('#ref-a%20b%23c%25d')));
  });

  test('two objects with the same bom-ref: the export refuses (core and CLI), naming both places', async () => {
    const bom = generatorShapedBom();
    bom.components[1]['bom-ref'] = bom.components[0]['bom-ref'];
    assert.throws(() => exportSpdx3(bom), (e: unknown) => isProvenanceError(e) && e.code === 'CDX_BOM_REF_DUPLICATE' && e.pointer === '/components/1/bom-ref' && /already used at \/components\/0\/bom-ref/.test(e.message));
    const dir = tempDir();
    const file = join(dir, 'dup.cdx.json');
    const text = JSON.stringify(bom, null, 2);
    writeFileSync(file, text);
    const key = `"bom-ref": ${JSON.stringify(bom.components[0]['bom-ref'])}`;
    const first = lineColumn(text, text.indexOf(key) + '"bom-ref": '.length);
    const second = lineColumn(text, text.indexOf(key, text.indexOf(key) + 1) + '"bom-ref": '.length);
    const r = await runCli(['manifest', 'export', 'dup.cdx.json'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `model-provenance: dup.cdx.json: bom-ref "pkg:huggingface/acme/tiny-llm@4f1c2e0" at line ${second.line} column ${second.column} is already used at line ${first.line}: the SPDX ids and relationships would be ambiguous; make every bom-ref unique (manifest validate shows each) [CDX_BOM_REF_DUPLICATE]\n`,
    );
  });

  test('manifest export --format: text puts the document on stdout and each unmapped field on stderr; json gives one object', async () => {
    const dir = tempDir();
    const bom = generatorShapedBom();
    writeFileSync(join(dir, 'bom.cdx.json'), JSON.stringify(bom, null, 2));
    const expected = exportSpdx3(bom);
    const text = await runCli(['manifest', 'export', 'bom.cdx.json'], { cwd: dir });
    assert.equal(text.code, 0, text.stderr);
    const doc = JSON.parse(text.stdout);
    assert.equal(doc['@graph'].filter((e: Json) => e.type === 'ai_AIPackage').length, 1);
    const lines = text.stderr.trim().split('\n');
    assert.equal(lines[0], `note: ${expected.unmapped.length} CycloneDX field(s) have no SPDX 3.0.1 counterpart; each is kept as an extension_CdxPropertyEntry "cdx:<pointer>":`);
    assert.deepEqual(lines.slice(1).map((l) => l.trim().split(' ')[0]), expected.unmapped.map((u) => u.pointer));
    assert.ok(lines.includes('  /components/0/group -> on ai_AIPackage "tiny-llm"'), text.stderr);

    const json = await runCli(['manifest', 'export', 'bom.cdx.json', '--format', 'json'], { cwd: dir });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, '');
    const out = JSON.parse(json.stdout);
    assert.deepEqual(out.document, doc);
    assert.deepEqual(out.unmapped.map((u: Json) => u.pointer), expected.unmapped.map((u) => u.pointer));
    assert.equal(out.unmapped.find((u: Json) => u.pointer === '/components/0/group').elementName, 'ai_AIPackage "tiny-llm"');

    const written = await runCli(['manifest', 'export', 'bom.cdx.json', '--output', 'bom.spdx.json', '--format', 'json'], { cwd: dir });
    assert.equal(written.code, 0, written.stderr);
    assert.deepEqual(Object.keys(JSON.parse(written.stdout)), ['output', 'unmapped']);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'bom.spdx.json'), 'utf8')), doc);
  });

  test('every rule of the mapping table is in docs/manifests.md', () => {
    const docs = readFileSync(join(REPO, 'docs', 'manifests.md'), 'utf8');
    for (const r of SPDX_MAPPING) assert.ok(docs.includes(`\`${r.cdx}\``), `docs/manifests.md does not list ${r.cdx}`);
  });
});

describe('SPDX 3.0.1 export of the CycloneDX examples', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  const inputs: [string, Json][] = [];
  for (const v of ['1.6', '1.7']) {
    const dir = join(VECTORS, 'cyclonedx', v);
    for (const f of readdirSync(dir).filter((x) => x.startsWith('valid-') && x !== 'valid-citations-1.7.json')) inputs.push([`${v}/${f}`, JSON.parse(readFileSync(join(dir, f), 'utf8'))]);
  }

  test('every valid example exports to a schema-valid, consistent SPDX document with every field accounted for', () => {
    assert.ok(inputs.length > 100, String(inputs.length));
    const used = new Set<string>();
    const ours: [string, Json][] = [['generator shape', generatorShapedBom()], ['licences', licencesBom()], ['provenance shape', provenanceShapedBom()]];
    for (const [name, bom] of [...inputs, ...ours]) {
      const r = exportSpdx3(bom);
      spdxSchemaValid(r.document);
      assert.deepEqual(checkSpdxGraph(r.document), [], name);
      assertAccounted(bom, r, name);
      for (const m of r.mapped) used.add(m.rule);
      // One ai_AIPackage per machine-learning-model component, wherever it sits.
      const models = leaves(bom).filter(([p, v]) => p.endsWith('/type') && v === 'machine-learning-model' && !p.includes('/metadata/tools/')).length;
      assert.equal(graphOf(r).filter((e) => e.type === 'ai_AIPackage').length, models, name);
    }
    // No rule of the table is dead: each one wrote something for one of these inputs.
    const unused = SPDX_MAPPING.filter((rule) => !rule.structural && !used.has(rule.cdx)).map((rule) => rule.cdx);
    assert.deepEqual(unused, []);
  });

  test('the machine-learning examples, given a licence and hashes: one ai_AIPackage each, with hasDeclaredLicense and verifiedUsing', () => {
    for (const [name, original] of inputs.filter(([n]) => n.includes('machine-learning'))) {
      const bom = structuredClone(original);
      const model = bom.components[0];
      model.licenses = [{ license: { id: 'Apache-2.0' } }, { license: { name: 'CreativeML OpenRAIL-M', acknowledgement: 'concluded' } }];
      model.hashes = [{ alg: 'SHA-256', content: SHA('e3') }];
      const r = exportSpdx3(bom);
      spdxSchemaValid(r.document);
      assert.deepEqual(checkSpdxGraph(r.document), [], name);
      assertAccounted(bom, r, name);
      const ids = byId(r);
      const [m, ...more] = graphOf(r).filter((e) => e.type === 'ai_AIPackage');
      assert.equal(more.length, 0, name);
      assert.equal(m.name, model.name);
      assert.deepEqual(m.verifiedUsing, [{ type: 'Hash', algorithm: 'sha256', hashValue: SHA('e3') }], name);
      const lic = (type: string): string[] => rels(r, type).filter((x) => x.from === m.spdxId).map((x) => ids.get(x.to[0]).simplelicensing_licenseExpression);
      assert.deepEqual(lic('hasDeclaredLicense'), ['Apache-2.0'], name);
      assert.deepEqual(lic('hasConcludedLicense'), ['LicenseRef-CreativeML-OpenRAIL-M'], name);
    }
  });

  test('the 1.7 example with a duplicated bom-ref is refused, not exported with colliding ids', () => {
    const bom = JSON.parse(readFileSync(join(VECTORS, 'cyclonedx', '1.7', 'valid-citations-1.7.json'), 'utf8'));
    assert.throws(() => exportSpdx3(bom), (e: unknown) => isProvenanceError(e) && e.code === 'CDX_BOM_REF_DUPLICATE' && e.pointer === '/formulation/0/workflows/0/bom-ref');
  });
});
