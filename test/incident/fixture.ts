/**
 * The incident fixture tree of issue 12, built through the library into a real registry:
 *
 *   base A (pre-training, vendor) ─┬─ ftA1 (fine-tuning, trainer, 2026-10-01, datasets: shared, a1)
 *                                  │    ├─ qA1a, qA1b (quantization, quantizer)
 *                                  ├─ ftA2 (fine-tuning, trainer, 2026-10-10, datasets: shared, a2)
 *                                  │    ├─ qA2a, qA2b
 *                                  └─ ftA3 (fine-tuning, trainer, 2026-10-20, dataset: a3)
 *                                       ├─ qA3a, qA3b
 *   base B (pre-training, vendor) ─── ftB1 (fine-tuning, trainer, 2026-10-05, dataset: b1)
 *
 * Deployment records (SLSA VSA, signed by the deployer key) for qA1a (production), qA2b
 * (staging), qA3a (production) and ftB1 (production). Every model is named by digest (no
 * files); the policy trusts vendor, trainer, quantizer and deployer, and `security` for
 * advisories.
 */
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalRegistry, attest, generateKeyPair, keyHint, recordDeployment, writeKeyPair, type PolicyDocument, type Stage } from '../../core';

export const KEY_NAMES = ['vendor', 'trainer', 'quantizer', 'deployer', 'security', 'attacker'] as const;
export type KeyName = (typeof KEY_NAMES)[number];

export interface Fixture {
  dir: string;
  registryDir: string;
  policyPath: string;
  keys: Record<KeyName, { pem: string; pub: string; key: KeyObject; hint: string }>;
  /** Digest by model name (baseA, ftA1, qA1a, …) and dataset name (shared, a1, …). */
  d: Record<string, string>;
  /** Model name by digest. */
  name: Record<string, string>;
  /** The attestation id that produced each model. */
  attestation: Record<string, string>;
  deployed: Record<string, string>;
}

interface Spec {
  name: string;
  stage: Stage;
  key: KeyName;
  base?: string;
  datasets?: string[];
  time: string;
}

const SPECS: Spec[] = [
  { name: 'baseA', stage: 'pre-training', key: 'vendor', datasets: ['webA'], time: '2026-09-01T00:00:00.000Z' },
  { name: 'baseB', stage: 'pre-training', key: 'vendor', datasets: ['webB'], time: '2026-09-02T00:00:00.000Z' },
  { name: 'ftA1', stage: 'fine-tuning', key: 'trainer', base: 'baseA', datasets: ['shared', 'a1'], time: '2026-10-01T00:00:00.000Z' },
  { name: 'ftB1', stage: 'fine-tuning', key: 'trainer', base: 'baseB', datasets: ['b1'], time: '2026-10-05T00:00:00.000Z' },
  { name: 'ftA2', stage: 'fine-tuning', key: 'trainer', base: 'baseA', datasets: ['shared', 'a2'], time: '2026-10-10T00:00:00.000Z' },
  { name: 'ftA3', stage: 'fine-tuning', key: 'trainer', base: 'baseA', datasets: ['a3'], time: '2026-10-20T00:00:00.000Z' },
  ...['1', '2', '3'].flatMap((i) =>
    ['a', 'b'].map((v) => ({ name: `qA${i}${v}`, stage: 'quantization' as Stage, key: 'quantizer' as KeyName, base: `ftA${i}`, time: `2026-10-2${i}T0${v === 'a' ? 1 : 2}:00:00.000Z` })),
  ),
];
export const DEPLOYMENTS: [string, string][] = [
  ['qA1a', 'production'],
  ['qA2b', 'staging'],
  ['qA3a', 'production'],
  ['ftB1', 'production'],
];

export async function buildFixture(dir: string): Promise<Fixture> {
  const keys = {} as Fixture['keys'];
  for (const k of KEY_NAMES) {
    const pair = generateKeyPair('P-256');
    const { privatePath, publicPath } = writeKeyPair(join(dir, 'keys', k), pair);
    const key = createPrivateKey(pair.privateKeyPem);
    keys[k] = { pem: privatePath, pub: publicPath, key, hint: keyHint(key) };
  }
  const policy: PolicyDocument = {
    signers: Object.fromEntries(KEY_NAMES.filter((k) => k !== 'attacker').map((k) => [k, { publicKey: `keys/${k}.pub.pem` }])),
    stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] }, quantization: { signers: ['quantizer'] } },
    advisorySigners: ['security'],
    requiredStages: ['pre-training'],
  };
  const policyPath = join(dir, 'provenance-policy.json');
  writeFileSync(policyPath, JSON.stringify(policy, null, 2));
  const registryDir = join(dir, '.provenance');
  const registry = new LocalRegistry(registryDir);
  const d: Record<string, string> = {};
  const digest = (n: string): string => (d[n] ??= `sha256:${randomBytes(32).toString('hex')}`);
  const attestation: Record<string, string> = {};
  for (const s of SPECS) {
    const a = await attest({
      subjectDigest: digest(s.name),
      subjectName: s.name,
      stage: s.stage,
      trainingRunId: `run-${s.name}`,
      baseModels: s.base ? [{ digest: digest(s.base), name: s.base }] : [],
      datasets: (s.datasets ?? []).map((n) => ({ digest: digest(n), name: n })),
      builderId: 'https://ci.example.com/pipelines/train',
      finishedOn: s.time,
      signer: { kind: 'key', privateKey: keys[s.key].key },
      registry,
    });
    attestation[s.name] = a.id!;
  }
  const deployed: Record<string, string> = {};
  for (const [m, env] of DEPLOYMENTS) {
    const { entry } = await recordDeployment(registry, { kind: 'key', privateKey: keys.deployer.key }, {
      model: { digest: d[m]!, name: m },
      environment: env,
      gate: 'policy',
      policy: { uri: `file://${policyPath}`, digest: 'sha256:' + '0'.repeat(64) },
      inputAttestations: [{ digest: attestation[m]! }],
      timeVerified: '2026-11-01T00:00:00.000Z',
      verifierVersion: 'test',
    });
    deployed[m] = entry.id;
  }
  const name = Object.fromEntries(Object.entries(d).map(([k, v]) => [v, k]));
  return { dir, registryDir, policyPath, keys, d, name, attestation, deployed };
}
