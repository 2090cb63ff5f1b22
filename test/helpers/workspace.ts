import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalRegistry, attest, generateKeyPair, generateManifest, signModel, writeKeyPair } from '../../core';
import { makeModel, tempDir } from './fixtures';

export interface Workspace {
  root: string;
  rootUri: string;
  model: string;
  sig: string;
  manifest: string;
  policy: string;
  attestation: string;
  pub: string;
  key: string;
  uri(path: string): string;
}

/** A workspace with every file kind: a signed model, its manifest, a policy and an attestation. */
export async function makeWorkspace(): Promise<Workspace> {
  const root = tempDir('mp-ws-', { untilExit: true });
  writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair('P-256'));
  const key = join(root, 'keys', 'prod.pem');
  const privateKey = createPrivateKey(readFileSync(key));
  const model = makeModel(join(root, 'models', 'classifier'), {
    'config.json': '{"architectures":["BertForSequenceClassification"],"model_type":"bert"}',
    'model.safetensors': Buffer.alloc(4096, 3),
  });
  const base = makeModel(join(root, 'models', 'base'), { 'model.safetensors': 'base' });
  const registry = new LocalRegistry(join(root, '.provenance'));
  await attest({ modelPath: base, stage: 'pre-training', signer: { kind: 'key', privateKey }, registry });
  const att = await attest({ modelPath: model, stage: 'fine-tuning', baseModels: [base], trainingRunId: 'run-1', signer: { kind: 'key', privateKey }, registry });
  const attestation = join(root, 'classifier.intoto.json');
  writeFileSync(attestation, att.bundle);
  await signModel({ modelPath: model, signer: { kind: 'key', privateKey } });
  const manifest = join(root, 'classifier.cdx.json');
  const { bom } = await generateManifest({ modelPath: model, outputPath: manifest, registry });
  writeFileSync(manifest, `${JSON.stringify(bom, null, 2)}\n`);
  const policy = join(root, 'provenance-policy.json');
  writeFileSync(policy, `${JSON.stringify({ $schema: 'https://model-provenance.dev/schemas/provenance-policy/v1.json', signers: { prod: { publicKey: 'keys/prod.pub.pem' } }, stages: { 'fine-tuning': { signers: ['prod'] } } }, null, 2)}\n`);
  return {
    root,
    rootUri: pathToFileURL(root).href,
    model,
    sig: join(model, 'model.sig'),
    manifest,
    policy,
    attestation,
    pub: join(root, 'keys', 'prod.pub.pem'),
    key,
    uri: (p) => pathToFileURL(p).href,
  };
}
