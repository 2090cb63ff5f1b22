/**
 * The four-stage pipeline of the chain tests (pre-training, fine-tuning and a LoRA adapter,
 * adapter merge, quantization), as CLI steps that take a registry, with its models, keys
 * and policy (whose `security` key signs advisories). Shared by the OCI tier's tests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, writeKeyPair, type PolicyDocument } from '../../core';
import { makeModel } from '../helpers/fixtures';

export const KEYS = ['vendor', 'trainer', 'merger', 'quantizer', 'security'] as const;
export type KeyName = (typeof KEYS)[number];

export interface World {
  dir: string;
  policyPath: string;
  models: Record<'base' | 'ft' | 'adapter' | 'merged' | 'quantized' | 'pretrainData' | 'sftData' | 'loraData', string>;
  key: (k: KeyName) => string;
}

export function makeWorld(dir: string): World {
  for (const k of KEYS) writeKeyPair(join(dir, 'keys', k), generateKeyPair('P-256'));
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
    advisorySigners: ['security'],
    maxAttestationAgeDays: 30,
  };
  const policyPath = join(dir, 'provenance-policy.json');
  writeFileSync(policyPath, JSON.stringify(policy, null, 2));
  return { dir, policyPath, models, key: (k) => join(dir, 'keys', `${k}.pem`) };
}

/** The five `attest` invocations of the pipeline (append `--registry SPEC`). */
export function pipelineSteps(w: World): string[][] {
  const k = w.key;
  return [
    ['attest', w.models.base, '--stage', 'pre-training', '--private-key', k('vendor'), '--dataset', w.models.pretrainData, '--run-id', 'run-pt', '--framework', 'pytorch@2.6.0', '--accelerator', 'NVIDIA H100 x8,driver=550.54', '--hyperparameter', 'lr=0.0003'],
    ['attest', w.models.ft, '--stage', 'fine-tuning', '--private-key', k('trainer'), '--base-model', w.models.base, '--dataset', w.models.sftData, '--run-id', 'run-sft'],
    ['attest', w.models.adapter, '--stage', 'fine-tuning', '--private-key', k('trainer'), '--base-model', w.models.base, '--dataset', w.models.loraData, '--run-id', 'run-lora'],
    ['attest', w.models.merged, '--stage', 'adapter-merge', '--private-key', k('merger'), '--base-model', w.models.ft, '--adapter', w.models.adapter],
    ['attest', w.models.quantized, '--stage', 'quantization', '--private-key', k('quantizer'), '--base-model', w.models.merged, '--hyperparameter', 'method=Q4_K_M'],
  ];
}
