/**
 * The fixture pipeline of issue 11, built for real through the library: a base model
 * (pre-training), a fine-tune, a LoRA adapter, the adapter merge, a quantization and an
 * evaluation with metrics byproducts; two datasets (training and evaluation); the final
 * model signed (OMS) with its CycloneDX ML-BOM signed into the registry; a trust policy;
 * and a partial report-inputs.json. Every stage is signed by its own key.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  INPUTS_SCHEMA_ID,
  LocalRegistry,
  attest,
  generateKeyPair,
  generateManifest,
  hashModel,
  signManifest,
  signModel,
  writeKeyPair,
  type InputRef,
  type PolicyDocument,
  type Stage,
} from '../../core';
import { makeModel } from './fixtures';

export const SIGNERS = ['vendor', 'trainer', 'merger', 'quantizer', 'evaluator', 'release'] as const;
export type SignerName = (typeof SIGNERS)[number];

/** A real safetensors file: 8-byte little-endian header length, JSON header, tensor bytes. */
export function safetensors(tensors: Record<string, { dtype: string; shape: number[] }>): Buffer {
  const size: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I8: 1, U8: 1, I32: 4 };
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1) * (size[t.dtype] ?? 1);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + n] };
    off += n;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const data = Buffer.alloc(off);
  for (let i = 0; i < off; i++) data[i] = (i * 7 + json.length) & 0xff;
  return Buffer.concat([len, Buffer.from(json), data]);
}

const CONFIG = JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 8 });
const weights = (dtype: string, salt: number): Buffer => safetensors({ 'model.embed_tokens.weight': { dtype, shape: [16, 8] }, 'model.layers.0.mlp.weight': { dtype, shape: [8, 8 + salt] }, 'lm_head.weight': { dtype, shape: [16, 8] } });

export const DIGEST = {
  sftData: `sha256:${'5f'.repeat(32)}`,
  evalData: `sha256:${'e7'.repeat(32)}`,
};

export interface StageSpec {
  model: 'base' | 'ft' | 'adapter' | 'merged' | 'quantized';
  stage: Stage;
  key: SignerName;
  base?: ('base' | 'ft' | 'merged' | 'quantized')[];
  adapters?: 'adapter'[];
  datasets?: InputRef[];
  hyperparameters?: Record<string, unknown>;
  accelerators?: { model: string; count?: number; driver?: string }[];
  framework?: { name: string; version: string };
  startedOn: string;
  finishedOn: string;
  byproducts?: { name?: string; content?: unknown }[];
}

export const PIPELINE: StageSpec[] = [
  { model: 'base', stage: 'pre-training', key: 'vendor', accelerators: [{ model: 'NVIDIA H100 80GB', count: 64, driver: '550.54.15' }], framework: { name: 'pytorch', version: '2.5.1' }, startedOn: '2026-09-01T00:00:00Z', finishedOn: '2026-09-15T00:00:00Z' },
  { model: 'ft', stage: 'fine-tuning', key: 'trainer', base: ['base'], datasets: [{ name: 'sft-data', digest: DIGEST.sftData, uri: 'hf://datasets/acme/sft-data', usage: 'training' }], hyperparameters: { learning_rate: 0.0002, epochs: 3 }, accelerators: [{ model: 'NVIDIA H100 80GB', count: 8, driver: '550.54.15' }], framework: { name: 'pytorch', version: '2.6.0' }, startedOn: '2026-10-01T08:00:00Z', finishedOn: '2026-10-01T20:00:00Z' },
  { model: 'adapter', stage: 'fine-tuning', key: 'trainer', base: ['base'], datasets: [{ name: 'sft-data', digest: DIGEST.sftData, uri: 'hf://datasets/acme/sft-data', usage: 'training' }], hyperparameters: { lora_r: 16, lora_alpha: 32 }, accelerators: [{ model: 'NVIDIA L4', count: 1 }], framework: { name: 'peft', version: '0.13.0' }, startedOn: '2026-10-02T08:00:00Z', finishedOn: '2026-10-02T10:30:00Z' },
  { model: 'merged', stage: 'adapter-merge', key: 'merger', base: ['ft'], adapters: ['adapter'], accelerators: [{ model: 'CPU', count: 1 }], framework: { name: 'peft', version: '0.13.0' }, startedOn: '2026-10-03T09:00:00Z', finishedOn: '2026-10-03T09:20:00Z' },
  { model: 'quantized', stage: 'quantization', key: 'quantizer', base: ['merged'], hyperparameters: { method: 'int8-rtn', bits: 8 }, accelerators: [{ model: 'NVIDIA L4', count: 1 }], framework: { name: 'llama.cpp', version: 'b4400' }, startedOn: '2026-10-04T09:00:00Z', finishedOn: '2026-10-04T09:40:00Z' },
  { model: 'quantized', stage: 'evaluation', key: 'evaluator', base: ['quantized'], datasets: [{ name: 'eval-data', digest: DIGEST.evalData, uri: 'hf://datasets/acme/eval-data', usage: 'evaluation' }], accelerators: [{ model: 'NVIDIA L4', count: 1 }], framework: { name: 'lm-eval', version: '0.4.5' }, startedOn: '2026-10-05T09:00:00Z', finishedOn: '2026-10-05T11:00:00Z', byproducts: [{ name: 'metrics.json', content: { accuracy: 0.91, f1: 0.88, toxicity_rate: 0.002 } }] },
  { model: 'quantized', stage: 'release', key: 'release', base: ['quantized'], startedOn: '2026-10-06T12:00:00Z', finishedOn: '2026-10-06T12:05:00Z' },
];

export interface ComplianceWorld {
  dir: string;
  models: Record<StageSpec['model'], string>;
  registryDir: string;
  policyPath: string;
  inputsPath: string;
  manifestPath: string;
  keys: Record<SignerName, string>;
  /** Registry ids by stage name (`evaluation`, `fine-tuning:ft`…). */
  attestations: Record<string, string>;
}

export const POLICY: PolicyDocument = {
  signers: Object.fromEntries(SIGNERS.map((k) => [k, { publicKey: `keys/${k}.pub.pem` }])),
  stages: {
    'pre-training': { signers: ['vendor'] },
    'fine-tuning': { signers: ['trainer'] },
    'adapter-merge': { signers: ['merger'] },
    quantization: { signers: ['quantizer'] },
    evaluation: { signers: ['evaluator'] },
    release: { signers: ['release'] },
  },
  requiredStages: ['pre-training', 'fine-tuning', 'quantization'],
  maxAttestationAgeDays: 400,
};

/** A partial report-inputs.json: some H and P points written, most left for later. */
export const PARTIAL_INPUTS = {
  $schema: INPUTS_SCHEMA_ID,
  'eu-ai-act-annex-iv': {
    '1(a)': { text: 'A customer-support assistant that drafts answers for human agents. Provider: Acme AI GmbH.', author: 'Jane Doe <jane.doe@acme.example>', date: '2026-11-20', role: 'Product owner' },
    '2(b)': { text: 'Fine-tuned for helpfulness on support tickets; quantized to int8 to run on a single L4; accuracy traded for latency.', author: 'Raj Patel', date: '2026-11-21' },
    '2(e)': { text: 'Every drafted answer is reviewed by a human agent before it is sent.', author: 'Jane Doe <jane.doe@acme.example>', date: '2026-11-20' },
    '7': { text: '', author: '', date: '' },
  },
};

export function keyOf(w: { dir: string }, k: SignerName) {
  return createPrivateKey(readFileSync(join(w.dir, 'keys', `${k}.pem`)));
}

/**
 * Builds the world and runs the pipeline; `edit` changes the stage list (drop the
 * evaluation, drop a dataset) before anything is signed.
 */
export async function buildComplianceWorld(dir: string, edit: (specs: StageSpec[]) => StageSpec[] = (s) => s): Promise<ComplianceWorld> {
  const keys = {} as Record<SignerName, string>;
  for (const k of SIGNERS) keys[k] = writeKeyPair(join(dir, 'keys', k), generateKeyPair('P-256')).privatePath;
  const models = {
    base: makeModel(join(dir, 'models', 'base'), { 'config.json': CONFIG, 'model.safetensors': weights('BF16', 0) }),
    ft: makeModel(join(dir, 'models', 'ft'), { 'config.json': CONFIG, 'model.safetensors': weights('BF16', 1) }),
    adapter: makeModel(join(dir, 'models', 'adapter'), { 'adapter_config.json': '{"r":16,"peft_type":"LORA"}', 'adapter_model.safetensors': safetensors({ 'lora_A.weight': { dtype: 'F32', shape: [16, 8] } }) }),
    merged: makeModel(join(dir, 'models', 'merged'), { 'config.json': CONFIG, 'model.safetensors': weights('BF16', 2) }),
    quantized: makeModel(join(dir, 'models', 'assistant-int8'), { 'config.json': CONFIG, 'model.safetensors': weights('I8', 3) }),
  };
  const registryDir = join(dir, '.provenance');
  const registry = new LocalRegistry(registryDir);
  const policyPath = join(dir, 'provenance-policy.json');
  writeFileSync(policyPath, JSON.stringify(POLICY, null, 2));
  const attestations: Record<string, string> = {};
  // Inputs by digest with their registry uri, so no local path reaches the report.
  const ref = async (m: keyof typeof models, name: string): Promise<InputRef> => ({ digest: (await hashModel(models[m])).digest, name, uri: `hf://acme/${name}` });
  for (const s of edit(PIPELINE.map((x) => ({ ...x })))) {
    const a = await attest({
      modelPath: models[s.model],
      stage: s.stage,
      trainingRunId: `run-${s.stage}-${s.model}`,
      baseModels: await Promise.all((s.base ?? []).map((b) => ref(b, b))),
      adapters: await Promise.all((s.adapters ?? []).map((b) => ref(b, b))),
      datasets: s.datasets,
      hyperparameters: s.hyperparameters,
      hardware: s.accelerators ? { accelerators: s.accelerators } : undefined,
      framework: s.framework,
      builderId: `https://ci.acme.example/pipelines/${s.stage}`,
      startedOn: s.startedOn,
      finishedOn: s.finishedOn,
      byproducts: s.byproducts,
      signer: { kind: 'key', privateKey: keyOf({ dir }, s.key) },
      registry,
    });
    attestations[`${s.stage}:${s.model}`] = a.id!;
  }
  await signModel({ modelPath: models.quantized, signer: { kind: 'key', privateKey: keyOf({ dir }, 'release') } });
  const manifestPath = join(dir, 'models', 'assistant-int8.cdx.json');
  const { bom } = await generateManifest({ modelPath: models.quantized, outputPath: manifestPath, registry, now: new Date('2026-10-06T00:00:00Z'), serialNumber: 'urn:uuid:7c6d2f0e-3a8b-4c1d-9e2f-0a1b2c3d4e5f' });
  const component = (bom.metadata as { component: Record<string, unknown> }).component;
  component.version = '1.2.0';
  component.supplier = { name: 'Acme AI GmbH' };
  component.licenses = [{ license: { id: 'Apache-2.0' } }];
  component.externalReferences = [...((component.externalReferences as unknown[]) ?? []), { type: 'distribution', url: 'https://models.acme.example/assistant-int8' }];
  (component.modelCard as Record<string, unknown>).considerations = { technicalLimitations: ['English only', 'Not for medical or legal advice'] };
  writeFileSync(manifestPath, `${JSON.stringify(bom, null, 2)}\n`);
  await signManifest(bom, manifestPath, { kind: 'key', privateKey: keyOf({ dir }, 'release') }, registry);
  const inputsPath = join(dir, 'report-inputs.json');
  writeFileSync(inputsPath, `${JSON.stringify(PARTIAL_INPUTS, null, 2)}\n`);
  return { dir, models, registryDir, policyPath, inputsPath, manifestPath, keys, attestations };
}
