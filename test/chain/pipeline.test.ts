/**
 * A model pipeline, end to end: a base model is pre-trained, fine-tuned, merged with an
 * adapter and quantized, each stage attested with a different key. The final model's
 * chain verifies against a policy; then each kind of breach fails with its own code.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import {
  LocalRegistry,
  attest,
  compilePolicy,
  generateKeyPair,
  hashModel,
  parseBundle,
  validateAgainst,
  verifyChain,
  writeKeyPair,
  type InputRef,
  type PolicyDocument,
  type Stage,
} from '../../core';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';

const DAY = 86_400_000;
const KEYS = ['vendor', 'trainer', 'merger', 'quantizer'] as const;
type KeyName = (typeof KEYS)[number];

interface World {
  dir: string;
  models: Record<'base' | 'ft' | 'adapter' | 'merged' | 'quantized' | 'pretrainData' | 'sftData' | 'loraData', string>;
  policy: PolicyDocument;
}

function world(): World {
  const dir = tempDir('mp-pipeline-');
  for (const k of KEYS) writeKeyPair(join(dir, 'keys', k), generateKeyPair(k === 'vendor' ? 'P-384' : 'P-256'));
  const m = (name: string, files: Record<string, string>): string => makeModel(join(dir, name), files);
  const models = {
    base: m('base', { 'config.json': '{"arch":"llama"}', 'model.safetensors': 'base weights' }),
    ft: m('ft', { 'config.json': '{"arch":"llama"}', 'model.safetensors': 'fine-tuned weights' }),
    adapter: m('adapter', { 'adapter_config.json': '{"r":16}', 'adapter_model.safetensors': 'lora' }),
    merged: m('merged', { 'config.json': '{"arch":"llama"}', 'model.safetensors': 'merged weights' }),
    quantized: m('quantized', { 'model.gguf': 'GGUF q4' }),
    pretrainData: m('data/pretrain', { 'part-0.jsonl': '{"text":"a"}\n' }),
    sftData: m('data/sft', { 'train.jsonl': '{"prompt":"p","answer":"a"}\n' }),
    loraData: m('data/lora', { 'train.jsonl': '{"prompt":"q","answer":"b"}\n' }),
  };
  const policy: PolicyDocument = {
    signers: Object.fromEntries(KEYS.map((k) => [k, { publicKey: `keys/${k}.pub.pem` }])),
    stages: {
      'pre-training': { signers: ['vendor'] },
      'fine-tuning': { signers: ['trainer'] },
      'adapter-merge': { signers: ['merger'] },
      quantization: { signers: ['quantizer'] },
    },
    requiredStages: ['pre-training', 'fine-tuning', 'quantization'],
    maxAttestationAgeDays: 30,
  };
  writeFileSync(join(dir, 'provenance-policy.json'), JSON.stringify(policy, null, 2));
  return { dir, models, policy };
}

interface StageSpec {
  model: keyof World['models'];
  stage: Stage;
  key: KeyName;
  base?: (keyof World['models'])[];
  adapters?: (keyof World['models'])[];
  datasets?: (keyof World['models'])[];
  finishedOn?: string;
}

const PIPELINE: StageSpec[] = [
  { model: 'base', stage: 'pre-training', key: 'vendor', datasets: ['pretrainData'] },
  { model: 'ft', stage: 'fine-tuning', key: 'trainer', base: ['base'], datasets: ['sftData'] },
  { model: 'adapter', stage: 'fine-tuning', key: 'trainer', base: ['base'], datasets: ['loraData'] },
  { model: 'merged', stage: 'adapter-merge', key: 'merger', base: ['ft'], adapters: ['adapter'] },
  { model: 'quantized', stage: 'quantization', key: 'quantizer', base: ['merged'] },
];

/** Runs the pipeline through the library into a fresh registry, with per-test edits. */
async function runPipeline(w: World, edit: (specs: StageSpec[]) => StageSpec[] = (s) => s): Promise<LocalRegistry> {
  const registry = new LocalRegistry(join(tempDir('mp-reg-'), '.provenance'));
  for (const s of edit(PIPELINE.map((x) => ({ ...x })))) {
    const refs = (names?: (keyof World['models'])[]): InputRef[] => (names ?? []).map((n) => w.models[n]);
    await attest({
      modelPath: w.models[s.model],
      stage: s.stage,
      trainingRunId: `run-${s.model}`,
      baseModels: refs(s.base),
      adapters: refs(s.adapters),
      datasets: refs(s.datasets),
      framework: { name: 'pytorch', version: '2.6.0' },
      finishedOn: s.finishedOn,
      signer: { kind: 'key', privateKey: createPrivateKey(readFileSync(join(w.dir, 'keys', `${s.key}.pem`))) },
      registry,
    });
  }
  return registry;
}

async function codes(w: World, registry: LocalRegistry, policy: PolicyDocument = w.policy): Promise<string[]> {
  const result = await verifyChain({ registry, policy: compilePolicy(policy, join(w.dir, 'provenance-policy.json')), modelPath: w.models.quantized });
  assert.equal(result.verdict, result.problems.length === 0 ? 'verified' : 'failed');
  return [...new Set(result.problems.map((p) => p.code))];
}

describe('chain of custody for a four-stage pipeline', () => {
  const w = world();

  test('the pipeline, run through the CLI, verifies with verify --policy and prints the whole chain', async () => {
    const reg = join(w.dir, '.provenance');
    const k = (n: KeyName): string => join(w.dir, 'keys', `${n}.pem`);
    const steps: string[][] = [
      ['attest', w.models.base, '--stage', 'pre-training', '--private-key', k('vendor'), '--dataset', w.models.pretrainData, '--run-id', 'run-pt', '--framework', 'pytorch@2.6.0', '--accelerator', 'NVIDIA H100 x8,driver=550.54', '--hyperparameter', 'lr=0.0003'],
      ['attest', w.models.ft, '--stage', 'fine-tuning', '--private-key', k('trainer'), '--base-model', w.models.base, '--dataset', w.models.sftData, '--run-id', 'run-sft'],
      ['attest', w.models.adapter, '--stage', 'fine-tuning', '--private-key', k('trainer'), '--base-model', w.models.base, '--dataset', w.models.loraData, '--run-id', 'run-lora'],
      ['attest', w.models.merged, '--stage', 'adapter-merge', '--private-key', k('merger'), '--base-model', w.models.ft, '--adapter', w.models.adapter],
      ['attest', w.models.quantized, '--stage', 'quantization', '--private-key', k('quantizer'), '--base-model', w.models.merged, '--hyperparameter', 'method=Q4_K_M'],
    ];
    // The released model is also signed; its model.sig is not part of what is attested.
    assert.equal((await runCli(['sign', 'key', w.models.quantized, '--private-key', k('quantizer')])).code, 0);
    for (const s of steps) {
      const r = await runCli([...s, '--registry', reg]);
      assert.equal(r.code, 0, `${s.join(' ')}\n${r.stderr}`);
    }
    const v = await runCli(['verify', w.models.quantized, '--policy', join(w.dir, 'provenance-policy.json'), '--registry', reg]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^VERIFIED lineage/);
    for (const stage of ['quantization', 'adapter-merge', 'fine-tuning', 'pre-training']) assert.match(v.stdout, new RegExp(`${stage} +"`));
    for (const signer of KEYS) assert.match(v.stdout, new RegExp(`signed by ${signer}`));
    assert.match(v.stdout, /adapter: fine-tuning +"adapter"/);
    assert.match(v.stdout, /5 stage\(s\), 3 dataset\(s\)/);

    const json = JSON.parse((await runCli(['verify', '--model', w.models.quantized, '--policy', join(w.dir, 'provenance-policy.json'), '--registry', reg, '--format', 'json'])).stdout);
    assert.equal(json.verdict, 'verified');
    assert.deepEqual(json.links.map((l: { stage: string }) => l.stage), ['quantization', 'adapter-merge', 'fine-tuning', 'pre-training', 'fine-tuning']);
    const sigSubject = JSON.parse((await runCli(['validate', '--format', 'json', join(w.models.quantized, 'model.sig')])).stdout)[0].subject;
    assert.equal(sigSubject.split(' ')[1], json.links[0].digest, 'the OMS signature and the attestation join on the same root digest');

    const mermaid = await runCli(['lineage', w.models.quantized, '--policy', join(w.dir, 'provenance-policy.json'), '--registry', reg, '--format', 'mermaid']);
    assert.equal(mermaid.code, 0);
    assert.match(mermaid.stdout, /^graph TD/);
    assert.match(mermaid.stdout, /-->\|adapter\|/);
    assert.match(mermaid.stdout, /-.->\|dataset\|/);

    const ls = await runCli(['registry', 'ls', '--registry', reg, '--format', 'json']);
    assert.equal(JSON.parse(ls.stdout).entries.length, 5);
    const check = await runCli(['registry', 'verify', '--registry', reg]);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /^OK .*5 index entries/);
  });

  test('the same chain through the library verifies', async () => {
    assert.deepEqual(await codes(w, await runPipeline(w)), []);
  });

  test('a stage signed by a key the policy does not allow for it: SIGNER_NOT_ALLOWED_FOR_STAGE', async () => {
    const reg = await runPipeline(w, (s) => s.map((x) => (x.stage === 'quantization' ? { ...x, key: 'trainer' as const } : x)));
    assert.deepEqual(await codes(w, reg), ['SIGNER_NOT_ALLOWED_FOR_STAGE']);
  });

  test('a missing middle attestation: MISSING_LINK', async () => {
    const reg = await runPipeline(w, (s) => s.filter((x) => x.model !== 'merged'));
    assert.deepEqual(await codes(w, reg), ['MISSING_LINK']);
  });

  test('a base model swapped after it was attested: DIGEST_MISMATCH', async () => {
    const reg = await runPipeline(w);
    const saved = join(tempDir(), 'base-backup');
    cpSync(w.models.base, saved, { recursive: true });
    try {
      writeFileSync(join(w.models.base, 'model.safetensors'), 'poisoned base weights');
      assert.deepEqual(await codes(w, reg), ['DIGEST_MISMATCH']);
    } finally {
      cpSync(saved, w.models.base, { recursive: true });
    }
    assert.deepEqual(await codes(w, reg), []);
  });

  test('a flagged dataset digest: FLAGGED_ARTIFACT', async () => {
    const reg = await runPipeline(w);
    const sft = (await hashModel(w.models.sftData)).digest;
    assert.deepEqual(await codes(w, reg, { ...w.policy, flagged: [{ digest: sft, reason: 'poisoned upstream (advisory 2026-11)' }] }), ['FLAGGED_ARTIFACT']);
  });

  test('stages out of order: STAGE_OUT_OF_ORDER', async () => {
    // The fine-tuned model is attested as a quantization, then merged: a quantized model fed a merge.
    const reg = await runPipeline(w, (s) => s.map((x) => (x.model === 'ft' ? { ...x, stage: 'quantization' as const, key: 'quantizer' as const } : x)));
    assert.deepEqual(await codes(w, reg), ['STAGE_OUT_OF_ORDER']);
  });

  test('an expired attestation: ATTESTATION_EXPIRED', async () => {
    const old = new Date(Date.now() - 45 * DAY).toISOString();
    const reg = await runPipeline(w, (s) => s.map((x) => (x.model === 'base' ? { ...x, finishedOn: old } : x)));
    assert.deepEqual(await codes(w, reg), ['ATTESTATION_EXPIRED']);
  });

  test('a required stage that never happened: REQUIRED_STAGE_MISSING', async () => {
    const reg = await runPipeline(w);
    assert.deepEqual(await codes(w, reg, { ...w.policy, requiredStages: ['pre-training', 'release'] }), ['REQUIRED_STAGE_MISSING']);
  });

  test('a flagged signing key and an untrusted key', async () => {
    const reg = await runPipeline(w);
    const merger = createPublicKey(readFileSync(join(w.dir, 'keys', 'merger.pub.pem')));
    const { keyHint } = await import('../../core');
    assert.deepEqual(await codes(w, reg, { ...w.policy, flagged: [{ keyId: keyHint(merger), reason: 'key leaked' }] }), ['FLAGGED_SIGNER']);
    // An attestation no policy signer verifies is ignored; the gap it leaves is the failure.
    const { merger: _m, ...others } = w.policy.signers;
    const untrusted = { ...w.policy, signers: others, stages: { ...w.policy.stages, 'adapter-merge': { signers: ['trainer'] } } };
    assert.deepEqual(await codes(w, reg, untrusted), ['MISSING_LINK']);
    const result = await verifyChain({ registry: reg, policy: compilePolicy(untrusted, join(w.dir, 'provenance-policy.json')), modelPath: w.models.quantized });
    const merged = (await hashModel(w.models.merged)).digest;
    assert.equal(result.ignored.length, 1);
    assert.equal(result.ignored[0]!.code, 'UNTRUSTED_SIGNER');
    assert.equal(result.ignored[0]!.digest, merged);
    assert.equal(result.ignored[0]!.signer, `key ${keyHint(merger).slice(0, 16)}…`);
    assert.match(result.problems[0]!.message, /^no trusted attestation produced base-model "merged" sha256:[0-9a-f]{64} of the quantization stage: 1 attestation\(s\) about it were ignored because they do not verify under the policy \(UNTRUSTED_SIGNER sha256:/);
    const strict = await verifyChain({ registry: reg, policy: compilePolicy(untrusted, join(w.dir, 'provenance-policy.json')), modelPath: w.models.quantized, strict: true });
    assert.deepEqual([...new Set(strict.problems.map((p) => p.code))].sort(), ['MISSING_LINK', 'UNTRUSTED_SIGNER']);
  });

  test('a third-party base model allowed by digest may start the chain', async () => {
    const reg = await runPipeline(w, (s) => s.filter((x) => x.model !== 'base'));
    assert.deepEqual(await codes(w, reg, { ...w.policy, requiredStages: ['fine-tuning'] }), ['MISSING_LINK']);
    const base = (await hashModel(w.models.base)).digest;
    assert.deepEqual(await codes(w, reg, { ...w.policy, requiredStages: ['fine-tuning'], baseModels: { allow: [base] } }), []);
    assert.deepEqual(await codes(w, reg, { ...w.policy, requiredStages: ['fine-tuning'], baseModels: { allow: [base], deny: [base] } }), ['BASE_MODEL_DENIED']);
  });

  test('the attestation matches our schema and the in-toto/SLSA v1 structure, and @sigstore/verify verifies its bundle with the P-256 key', async () => {
    const reg = await runPipeline(w);
    const entry = (await reg.findBySubject((await hashModel(w.models.quantized)).digest))[0]!;
    const text = await reg.read(entry.id);
    const statement: { subject: { digest: { sha256: string } }[]; predicate: { buildDefinition: { buildType: string } } } = JSON.parse(parseBundle(text, 'x').envelope.payload.toString('utf8'));
    assert.deepEqual(validateAgainst('ml-provenance', statement), []);
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const slsa = ajv.compile(JSON.parse(readFileSync(join(__dirname, '..', 'helpers', 'slsa-v1.schema.json'), 'utf8')));
    assert.ok(slsa(structuredClone(statement)), JSON.stringify(slsa.errors));
    assert.equal(statement.predicate.buildDefinition.buildType, 'https://model-provenance.dev/ml-lifecycle/v1');
    assert.equal(statement.subject[0]!.digest.sha256, entry.subjects[0]!.slice(7));

    const pub = createPublicKey(readFileSync(join(w.dir, 'keys', 'quantizer.pub.pem')));
    const emptyRoot = TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] });
    const tm = toTrustMaterial(emptyRoot, () => ({ publicKey: pub, validFor: () => true }));
    const verifier = new Verifier(tm, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    assert.ok(verifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(text)))).key);
    // …and rejects it once a payload byte changes.
    const tampered = JSON.parse(text);
    const payload = Buffer.from(tampered.dsseEnvelope.payload, 'base64');
    payload.writeUInt8(payload.readUInt8(payload.length - 3) ^ 1, payload.length - 3);
    tampered.dsseEnvelope.payload = payload.toString('base64');
    assert.throws(() => verifier.verify(toSignedEntity(bundleFromJSON(tampered))));
  });

  test('a signed attestation that breaks the schema is reported, not trusted: ATTESTATION_INVALID', async () => {
    const reg = await runPipeline(w, (x) => x.filter((s) => s.model !== 'quantized'));
    const digest = (await hashModel(w.models.quantized)).digest;
    const merged = (await hashModel(w.models.merged)).digest;
    // A well-signed statement whose stage is not a lifecycle stage.
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'quantized', digest: { sha256: digest.slice(7) } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: {
        buildDefinition: { buildType: 'https://model-provenance.dev/ml-lifecycle/v1', externalParameters: { stage: 'vibes' }, resolvedDependencies: [{ digest: { sha256: merged.slice(7) }, annotations: { role: 'base-model' } }] },
        runDetails: { builder: { id: 'x' }, metadata: { finishedOn: new Date().toISOString() } },
      },
    };
    assert.ok(validateAgainst('ml-provenance', statement).some((e) => e.pointer === '/predicate/buildDefinition/externalParameters/stage'));
    const { signStatement } = await import('../../core');
    await reg.put(signStatement(statement as never, { kind: 'key', privateKey: createPrivateKey(readFileSync(join(w.dir, 'keys', 'quantizer.pem'))) }));
    assert.deepEqual(await codes(w, reg), ['ATTESTATION_INVALID']);
    assert.throws(() => attestStageCheck(), { code: 'USAGE' });
  });
});

function attestStageCheck(): void {
  const { buildAttestation } = require('../../core') as typeof import('../../core');
  buildAttestation({ subject: { name: 'm', digest: `sha256:${'a'.repeat(64)}` }, stage: 'vibes' as Stage });
}
