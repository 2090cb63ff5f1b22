import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  LocalRegistry,
  attest,
  cycloneDxValidator,
  exportSpdx3,
  generateKeyPair,
  generateManifest,
  keyHint,
  lineColumn,
  parseBundle,
  validateManifest,
  validateManifestStatic,
  verifySignature,
  writeKeyPair,
} from '../../core';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';

/** Line and column (1-based) where `needle` first occurs after `after`. */
function where(text: string, needle: string, after = ''): { line: number; column: number } {
  const start = after ? text.indexOf(after) : 0;
  assert.ok(start >= 0, `"${after}" not in the text`);
  const at = text.indexOf(needle, start);
  assert.ok(at >= 0, `"${needle}" not in the text`);
  return lineColumn(text, at);
}

/** A model whose chain has three stages and two datasets, attested into a fresh registry. */
async function threeStageWorld(): Promise<{ dir: string; registry: LocalRegistry; model: string; base: string; datasets: string[] }> {
  const dir = tempDir('mp-manifest-');
  writeKeyPair(join(dir, 'keys', 'k'), generateKeyPair('P-256'));
  const signer = { kind: 'key' as const, privateKey: createPrivateKey(readFileSync(join(dir, 'keys', 'k.pem'))) };
  const registry = new LocalRegistry(join(dir, '.provenance'));
  const m = (name: string, files: Record<string, string>): string => makeModel(join(dir, name), files);
  const base = m('base', { 'config.json': '{"architectures":["LlamaForCausalLM"],"model_type":"llama"}', 'model.safetensors': 'base' });
  const sft = m('sft', { 'config.json': '{"architectures":["LlamaForCausalLM"],"model_type":"llama"}', 'model.safetensors': 'sft' });
  const model = m('release', { 'config.json': '{"architectures":["LlamaForCausalLM"],"model_type":"llama"}', 'model.safetensors': 'quantized', 'tokenizer.json': '{}' });
  const web = m('data/web', { 'part-0.jsonl': 'web\n' });
  const chat = m('data/chat', { 'train.jsonl': 'chat\n' });
  await attest({ modelPath: base, stage: 'pre-training', datasets: [web], signer, registry, trainingRunId: 'pt-1' });
  await attest({ modelPath: sft, stage: 'fine-tuning', baseModels: [base], datasets: [chat], signer, registry, trainingRunId: 'sft-7', hyperparameters: { learning_rate: 0.0002, epochs: 3 }, framework: { name: 'pytorch', version: '2.6.0' }, hardware: { accelerators: [{ model: 'NVIDIA H100', count: 8 }] } });
  await attest({ modelPath: model, stage: 'quantization', baseModels: [sft], signer, registry, hyperparameters: { method: 'Q4_K_M' } });
  return { dir, registry, model, base, datasets: [web, chat] };
}

describe('ML-BOM manifests', () => {
  test('a manifest generated from a three-stage chain with two datasets validates and shows ancestors, datasets and attestations', async () => {
    const w = await threeStageWorld();
    const out = join(w.dir, 'release.cdx.json');
    const r = await runCli(['manifest', 'init', w.model, '--registry', join(w.dir, '.provenance'), '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 file\(s\), 2 dataset\(s\), 2 ancestor\(s\), 3 attested stage\(s\)/);
    const bom = JSON.parse(readFileSync(out, 'utf8'));
    const model = bom.metadata.component;
    assert.equal(model.type, 'machine-learning-model');
    assert.deepEqual(model.components.map((c: { name: string }) => c.name), ['config.json', 'model.safetensors', 'tokenizer.json']);
    assert.ok(model.components.every((c: { hashes: { alg: string; content: string }[] }) => c.hashes[0]!.alg === 'SHA-256' && /^[0-9a-f]{64}$/.test(c.hashes[0]!.content)));
    assert.deepEqual(model.pedigree.ancestors.map((a: { name: string; properties: { name: string; value: string }[] }) => [a.name, a.properties.find((p) => p.name === 'model-provenance:base_model_relation')!.value]), [['sft', 'quantized'], ['base', 'finetune']]);
    assert.equal(bom.components.filter((c: { type: string }) => c.type === 'data').length, 2);
    assert.equal(model.modelCard.modelParameters.datasets.length, 2);
    assert.equal(model.modelCard.modelParameters.task, 'text-generation');
    const refs: { type: string; url: string; hashes: { content: string }[] }[] = model.externalReferences.filter((e: { type: string }) => e.type === 'attestation');
    assert.equal(refs.length, 3);
    // Evidence is referenced relative to the BOM's folder (an iri-reference), never by this machine's
    // absolute path: each resolves from the BOM's folder to the stored attestation.
    for (const e of refs) {
      assert.match(e.url, /^\.provenance\/blobs\/sha256\/[0-9a-f]{64}\.json$/);
      assert.equal(createHash('sha256').update(readFileSync(join(w.dir, decodeURIComponent(e.url)))).digest('hex'), e.hashes[0]!.content);
    }
    assert.ok(!readFileSync(out, 'utf8').includes(w.dir), 'no absolute path of this machine in the BOM');
    // Local datasets, attested by path, are referenced the same way.
    assert.deepEqual(bom.components.filter((c: { type: string }) => c.type === 'data').map((c: { externalReferences: { url: string }[] }) => c.externalReferences[0]!.url).sort(), ['data/chat', 'data/web']);
    assert.ok(model.properties.some((p: { name: string; value: string }) => p.name === 'model-provenance:hyperparameter:method' && p.value === 'Q4_K_M'));
    // CycloneDX hashes are plain hex, never sha256:-prefixed; nothing that needs a person is invented.
    assert.doesNotMatch(readFileSync(out, 'utf8'), /"content": "sha256:/);
    assert.equal(model.licenses, undefined);

    const v = await runCli(['manifest', 'validate', out]);
    assert.equal(v.code, 0, v.stdout);
    assert.match(v.stdout, /warning MLBOM_NEEDS_PERSON release: licenses is missing/);
    assert.doesNotMatch(v.stdout, / error /);
  });

  test('manifest init --format json: the summary as one object; --stdout prints the manifest either way', async () => {
    const w = await threeStageWorld();
    const out = join(w.dir, 'release.cdx.json');
    const r = await runCli(['manifest', 'init', w.model, '--registry', join(w.dir, '.provenance'), '--output', out, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    // No policy: the chain is read as claimed, not verified.
    assert.deepEqual(JSON.parse(r.stdout), { output: out, files: 3, datasets: 2, ancestors: 2, attestedStages: 3, chain: { verdict: 'unverified', problems: [] } });
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).bomFormat, 'CycloneDX');
    const printed = await runCli(['manifest', 'init', w.model, '--registry', join(w.dir, '.provenance'), '--stdout', '--format', 'json']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(JSON.parse(printed.stdout).metadata.component.name, 'release');
    const bad = await runCli(['manifest', 'init', w.model, '--format', 'yaml']);
    assert.equal(bad.code, 2);
  });

  test('editing one model file makes validate report that file\'s digest mismatch at the right line', async () => {
    const w = await threeStageWorld();
    const out = join(w.dir, 'release.cdx.json');
    const { bom } = await generateManifest({ modelPath: w.model, outputPath: out, registry: w.registry });
    const text = `${JSON.stringify(bom, null, 2)}\n`;
    writeFileSync(out, text);
    const old = bom as { metadata: { component: { components: { name: string; hashes: { content: string }[] }[] } } };
    const weights = old.metadata.component.components.find((c) => c.name === 'model.safetensors')!.hashes[0]!.content;
    writeFileSync(join(w.model, 'model.safetensors'), 'swapped weights');
    const r = await runCli(['manifest', 'validate', out]);
    assert.equal(r.code, 1);
    const at = where(text, `"${weights}"`);
    assert.match(r.stdout, new RegExp(`release\\.cdx\\.json:${at.line}:${at.column}: error MLBOM_DIGEST_MISMATCH model\\.safetensors has changed`));
    const sarif = JSON.parse((await runCli(['manifest', 'validate', out, '--format', 'sarif'])).stdout);
    const hit = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'MLBOM_DIGEST_MISMATCH');
    assert.deepEqual([hit.locations[0].physicalLocation.region.startLine, hit.locations[0].physicalLocation.region.startColumn], [at.line, at.column]);
    assert.equal((await runCli(['manifest', 'validate', out, '--no-check-disk'])).code, 0);
  });

  test('a dangling ref, a sha256:-prefixed hash and a missing model-file hash are each reported at their line and column', async () => {
    const w = await threeStageWorld();
    const { bom } = await generateManifest({ modelPath: w.model, outputPath: join(w.dir, 'x.cdx.json'), registry: w.registry });
    const b = bom as any;
    b.metadata.component.modelCard.modelParameters.datasets[0].ref = 'dataset:nowhere';
    const first = b.metadata.component.components[0];
    first.hashes[0].content = `sha256:${first.hashes[0].content}`;
    delete b.metadata.component.components[1].hashes;
    const text = JSON.stringify(b, null, 2);
    const { findings } = validateManifestStatic(text, 'x.cdx.json');
    const at = (code: string): { line: number; column: number } => {
      const f = findings.find((x) => x.code === code);
      assert.ok(f, `${code} reported; got ${findings.map((x) => x.code).join(', ')}`);
      return lineColumn(text, f.offset);
    };
    assert.deepEqual(at('MLBOM_REF_DANGLING'), where(text, '"dataset:nowhere"'));
    assert.deepEqual(at('MLBOM_HASH_PREFIXED'), where(text, `"sha256:${first.hashes[0].content.slice(7)}"`));
    assert.equal(findings.find((x) => x.code === 'MLBOM_HASH_PREFIXED')!.data?.replacement, first.hashes[0].content.slice(7));
    // Missing key: underlined at the parent (the component's array element).
    const missing = findings.find((x) => x.code === 'MLBOM_FILE_HASH_MISSING');
    assert.ok(missing);
    const secondName = text.indexOf(`"name": "${b.metadata.component.components[1].name}"`, text.indexOf('"bom-ref": "model:release/file:'));
    assert.deepEqual(lineColumn(text, missing.offset), lineColumn(text, text.lastIndexOf('{', secondName)));
    // The schema's own pattern error for the prefixed hash is folded into the profile finding.
    assert.ok(!findings.some((x) => x.code === 'CDX_PATTERN' && x.offset === findings.find((y) => y.code === 'MLBOM_HASH_PREFIXED')!.offset));
  });

  test('malformed and hostile manifests give findings, not crashes', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.cdx.json');
    writeFileSync(bad, '{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.6",\n  "components": [,]\n}');
    const r = await runCli(['manifest', 'validate', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /bad\.cdx\.json:4:18: error JSON_MALFORMED/);
    const deep = validateManifestStatic('['.repeat(100000) + ']'.repeat(100000), 'deep.json');
    assert.equal(deep.findings[0]?.code, 'JSON_TOO_DEEP');
    assert.equal(validateManifestStatic('{"bomFormat":"CycloneDX","specVersion":"1.4"}', 'old.json').findings[0]?.code, 'CDX_SPEC_VERSION');
    assert.equal(validateManifestStatic('{"a":1}', 'x.json').findings[0]?.code, 'CDX_NOT_A_BOM');
    const dup = validateManifestStatic('{"bomFormat":"CycloneDX","bomFormat":"CycloneDX"}', 'dup.json');
    assert.equal(dup.findings[0]?.code, 'JSON_DUPLICATE_KEY');
    const missing = await runCli(['manifest', 'validate', join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json: no such file or directory \[FILE_NOT_FOUND\]/);
  });

  test('the findings list is capped and says so', () => {
    const bom = { bomFormat: 'CycloneDX', specVersion: '1.6', components: Array.from({ length: 50 }, (_, i) => ({ type: 'nonsense', name: `c${i}` })) };
    const { findings } = validateManifestStatic(JSON.stringify(bom), 'x', 10);
    assert.equal(findings.length, 11);
    assert.equal(findings[10]!.code, 'TOO_MANY_PROBLEMS');
  });

  test('manifest sign stores a CycloneDX attestation about the model\'s root digest', async () => {
    const w = await threeStageWorld();
    const out = join(w.dir, 'release.cdx.json');
    await runCli(['manifest', 'init', w.model, '--registry', join(w.dir, '.provenance'), '--output', out]);
    const r = await runCli(['manifest', 'sign', out, '--private-key', join(w.dir, 'keys', 'k.pem'), '--registry', join(w.dir, '.provenance'), '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const { id, subject } = JSON.parse(r.stdout);
    const hashed = JSON.parse((await runCli(['hash', w.model, '--format', 'json'])).stdout).digest;
    assert.equal(`sha256:${subject.digest.sha256}`, hashed);
    const entries = await w.registry.findBySubject(hashed);
    const entry = entries.find((e) => e.id === id)!;
    assert.equal(entry.predicateType, 'https://cyclonedx.org/bom');
    const pub = createPublicKey(readFileSync(join(w.dir, 'keys', 'k.pub.pem')));
    const bundle = parseBundle(await w.registry.read(id), 'x');
    assert.ok(verifySignature(bundle, { kind: 'key', keys: [{ source: 'k', key: pub, hint: keyHint(pub) }] }, 'x').ok);
    assert.equal(JSON.parse(bundle.envelope.payload.toString()).predicate.bomFormat, 'CycloneDX');
  });

  test('validateManifest against a model path given explicitly', async () => {
    const w = await threeStageWorld();
    const { bom } = await generateManifest({ modelPath: w.model, outputPath: join(w.dir, 'elsewhere', 'm.json'), registry: w.registry });
    const v = await validateManifest(JSON.stringify(bom), join(w.dir, 'm.json'), { modelPath: w.model });
    assert.equal(v.checkedAgainst, w.model);
    assert.deepEqual(v.findings.filter((f) => f.severity === 'error'), []);
  });
});

describe('CycloneDX and SPDX vectors', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  for (const version of ['1.6', '1.7'] as const) {
    test(`CycloneDX ${version} schema tests: valid pass, invalid fail, and the fast validator reports what plain ajv reports`, () => {
      const dir = join(VECTORS, 'cyclonedx', version);
      const fast = cycloneDxValidator(version, 'fast');
      const plain = cycloneDxValidator(version, 'plain');
      const key = (errors: typeof fast.errors): string => JSON.stringify((errors ?? []).map((e) => [e.instancePath, e.keyword, e.message]).sort());
      let n = 0;
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
        const doc = JSON.parse(readFileSync(join(dir, f), 'utf8'));
        const ok = fast(doc);
        assert.equal(ok, f.startsWith('valid-'), `${f}: ${key(fast.errors)}`);
        assert.equal(plain(doc), ok, f);
        assert.equal(key(fast.errors), key(plain.errors), `${f}: findings differ`);
        n++;
      }
      assert.ok(n > 50);
    });
  }

  test('the official CycloneDX 1.6 machine-learning examples pass manifest validate (only the documented profile warnings)', async () => {
    const files = ['valid-machine-learning-1.6.json', 'valid-machine-learning-considerations-env-1.6.json'].map((f) => join(VECTORS, 'cyclonedx', '1.6', f));
    const r = await runCli(['manifest', 'validate', '--format', 'json', ...files]);
    assert.equal(r.code, 0, r.stdout);
    const codes = new Set(JSON.parse(r.stdout).flatMap((x: { findings: { code: string; severity: string }[] }) => x.findings.map((f) => `${f.severity} ${f.code}`)));
    assert.deepEqual([...codes].sort(), ['warning MLBOM_DATASET_INLINE', 'warning MLBOM_NEEDS_PERSON']);
  });

  test('the SPDX 3.0.1 export validates against the published schema, with the AI and Dataset relationships', async () => {
    const w = await threeStageWorld();
    const { bom } = await generateManifest({ modelPath: w.model, outputPath: join(w.dir, 'r.cdx.json'), registry: w.registry });
    // A field SPDX has no place for, and one a person added.
    const b = bom as any;
    b.metadata.component.modelCard.considerations = { useCases: ['chat assistant'] };
    b.metadata.component.modelCard.modelParameters.inputs = [{ format: 'text' }];
    // One dataset used for evaluation, so testedOn appears.
    b.components[1].properties.push({ name: 'model-provenance:dataset_usage', value: 'evaluation' });
    const { document, unmapped } = exportSpdx3(b);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(VECTORS, 'spdx', 'spdx-json-schema-3.0.1.json'), 'utf8')));
    assert.ok(validate(document), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    const graph = (document as { '@graph': { type: string; relationshipType?: string; name?: string; extension?: unknown }[] })['@graph'];
    const types = graph.map((g) => g.type);
    assert.ok(types.includes('ai_AIPackage') && types.includes('dataset_DatasetPackage') && types.includes('software_File') && types.includes('SpdxDocument'));
    const rels = new Set(graph.filter((g) => g.type === 'Relationship').map((g) => g.relationshipType));
    for (const r of ['trainedOn', 'testedOn', 'ancestorOf', 'descendantOf', 'contains']) assert.ok(rels.has(r), `${r} relationship`);
    // The model's hashes and root digest, its files' hashes, the datasets' and ancestors' digests are all written.
    const g = graph as any[];
    const release = g.find((x) => x.type === 'ai_AIPackage' && x.name === 'release');
    const root = b.metadata.component.properties.find((p: any) => p.name === 'model-provenance:oms_root_digest').value;
    assert.deepEqual(release.verifiedUsing, [{ type: 'Hash', algorithm: 'sha256', hashValue: root, comment: 'OpenSSF Model Signing root digest' }]);
    for (const f of b.metadata.component.components) {
      assert.deepEqual(g.find((x) => x.type === 'software_File' && x.name === f.name).verifiedUsing, [{ type: 'Hash', algorithm: 'sha256', hashValue: f.hashes[0].content }]);
    }
    for (const a of b.metadata.component.pedigree.ancestors) {
      const el = g.find((x) => x.type === 'ai_AIPackage' && x.name === a.name);
      assert.deepEqual(el.verifiedUsing, [{ type: 'Hash', algorithm: 'sha256', hashValue: a.hashes[0].content, comment: 'OpenSSF Model Signing root digest' }]);
      assert.match(el.comment, /^base_model_relation: (quantized|finetune)$/);
    }
    assert.equal(release.ai_informationAboutApplication, 'Use cases: chat assistant');
    // What has no SPDX place: the hashes of external references (the attestation bundles), inputs and outputs.
    assert.deepEqual(unmapped.map((u) => u.pointer).sort(), [
      '/metadata/component/externalReferences/0/hashes',
      '/metadata/component/externalReferences/1/hashes',
      '/metadata/component/externalReferences/2/hashes',
      '/metadata/component/modelCard/modelParameters/inputs',
      '/metadata/component/modelCard/modelParameters/outputs',
    ]);
    assert.match(JSON.stringify(release.extension), /cdx:\/metadata\/component\/modelCard\/modelParameters\/inputs/);

    const cdx = join(w.dir, 'r.cdx.json');
    writeFileSync(cdx, JSON.stringify(b));
    const cli = await runCli(['manifest', 'export', cdx, '--to', 'spdx3']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.ok(validate(JSON.parse(cli.stdout)));
    assert.match(cli.stderr, /^note: 5 CycloneDX field\(s\) have no SPDX 3\.0\.1 counterpart/);
  });
});
