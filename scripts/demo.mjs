// The main job on embedded defaults: a small model pipeline made here, a local key per
// stage under .provenance/keys, the local .provenance/ registry. It signs the model,
// attests each stage, verifies the chain against a policy, and shows what tampering
// looks like.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const root = process.cwd();
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

const work = join(root, '.provenance-demo');
rmSync(work, { recursive: true, force: true });
/** Deterministic pseudo-weights, so reruns give the same digests. */
const weights = (seed, size) => {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < size; i += 32) {
    block.copy(out, i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
};
/** A real (tiny) safetensors file, so that inspection has something truthful to read. */
const safetensors = (seed, floats) => {
  const data = weights(seed, floats * 4);
  const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt' }, 'classifier.weight': { dtype: 'F32', shape: [floats / 64, 64], data_offsets: [0, data.length] } }));
  const padded = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(padded.length));
  return Buffer.concat([len, padded, data]);
};
const model = (name, files) => {
  const dir = join(work, name);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
};
const base = model('models/base', { 'config.json': '{"architectures":["BertModel"]}\n', 'model.safetensors': safetensors('base', 32 * 1024) });
const data = model('data/reviews', { 'train.jsonl': '{"text":"great","label":2}\n{"text":"awful","label":0}\n' });
const tuned = model('models/classifier_v2', {
  'config.json': '{"architectures":["BertForSequenceClassification"],"num_labels":3}\n',
  'model.safetensors': safetensors('classifier_v2', 64 * 1024),
  'tokenizer/vocab.txt': 'hello\nworld\n',
});

const keys = join(root, '.provenance', 'keys');
const step = (args, { allowFail = false, quiet = 0 } = {}) => {
  console.log(`\n$ model-provenance ${args.join(' ')}`);
  // quiet: N prints only the first N lines of stdout (a long report), and says how many were left out.
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: quiet ? ['inherit', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
  if (quiet && r.stdout) {
    const lines = r.stdout.split('\n');
    console.log(lines.slice(0, quiet).join('\n'));
    if (lines.length > quiet) console.log(`… (${lines.length - quiet} more lines)`);
  }
  if (r.status !== 0 && !allowFail) {
    console.error(`demo step failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
  return r.status;
};

for (const k of ['vendor', 'trainer']) if (!existsSync(join(keys, `${k}.pem`))) step(['keygen', '--out', join(keys, k)]);
step(['attest', base, '--stage', 'pre-training', '--private-key', join(keys, 'vendor.pem'), '--run-id', 'pretrain-001', '--framework', 'pytorch@2.6.0']);
step(['attest', tuned, '--stage', 'fine-tuning', '--private-key', join(keys, 'trainer.pem'), '--base-model', base, '--dataset', data,
  '--run-id', 'run-abc123', '--hyperparameter', 'learning_rate=0.0002', '--hyperparameter', 'epochs=3', '--accelerator', 'NVIDIA L4 x1']);
step(['sign', 'key', tuned, '--private-key', join(keys, 'trainer.pem')]);
step(['verify', '--model', tuned, '--attestation', join(tuned, 'model.sig'), '--trusted-keys', keys, '--format', 'report']);

const policy = join(work, 'provenance-policy.json');
writeFileSync(policy, JSON.stringify({
  $schema: 'https://model-provenance.dev/schemas/provenance-policy/v1.json',
  signers: { vendor: { publicKey: join(keys, 'vendor.pub.pem') }, trainer: { publicKey: join(keys, 'trainer.pub.pem') } },
  stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] } },
  requiredStages: ['pre-training', 'fine-tuning'],
  maxAttestationAgeDays: 365,
}, null, 2));
step(['verify', tuned, '--policy', policy]);
step(['lineage', tuned, '--policy', policy, '--format', 'mermaid']);
step(['registry', 'verify']);
step(['manifest', 'init', tuned, '--policy', policy]);
step(['manifest', 'validate', `${tuned}.cdx.json`]);
step(['inspect', tuned]);
// The regulatory report from that signed evidence: every fact cites a verified attestation;
// what only a person can write is asked for, never invented.
step(['manifest', 'sign', `${tuned}.cdx.json`, '--private-key', join(keys, 'trainer.pem')]);
step(['report', 'init', '--framework', 'eu-ai-act-annex-iv', '--output', join(work, 'report-inputs.json')]);
step(['report', tuned, '--policy', policy, '--framework', 'eu-ai-act-annex-iv', '--inputs', join(work, 'report-inputs.json'),
  '--format', 'html', '--output', join(work, 'annex-iv-report.html'), '--sign', '--private-key', join(keys, 'trainer.pem')]);
step(['report', 'verify', join(work, 'annex-iv-report.html'), '--policy', policy]);
step(['report', tuned, '--policy', policy, '--framework', 'eu-ai-act-annex-iv', '--inputs', join(work, 'report-inputs.json'), '--format', 'md'], { quiet: 40 });

// Tampering: a changed weight file, then a base model swapped after it was used.
const tampered = join(work, 'models', 'classifier_v2-tampered');
cpSync(tuned, tampered, { recursive: true });
writeFileSync(join(tampered, 'model.safetensors'), safetensors('evil', 64 * 1024));
const a = step(['verify', '--model', tampered, '--attestation', join(tampered, 'model.sig'), '--trusted-keys', keys, '--format', 'report'], { allowFail: true });
writeFileSync(join(base, 'model.safetensors'), safetensors('swapped base', 32 * 1024));
const b = step(['verify', tuned, '--policy', policy], { allowFail: true });
if (a !== 1 || b !== 1) {
  console.error('demo: tampering should have failed verification with exit 1');
  process.exit(1);
}
console.log('\ndemo finished: the signed model and its chain verified (exit 0); the tampered copy and the swapped base model were refused (exit 1).');
