// The main job on embedded defaults: a small model made here, a local key under
// .provenance/keys, sign it, verify it, then show what a tampered copy looks like.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const root = process.cwd();
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

const work = join(root, '.provenance-demo');
const model = join(work, 'models', 'classifier_v2');
rmSync(work, { recursive: true, force: true });
mkdirSync(join(model, 'tokenizer'), { recursive: true });
writeFileSync(join(model, 'config.json'), JSON.stringify({ architectures: ['BertForSequenceClassification'], num_labels: 3 }, null, 2));
writeFileSync(join(model, 'model.safetensors'), randomBytes(256 * 1024));
writeFileSync(join(model, 'tokenizer', 'vocab.txt'), 'hello\nworld\n');

const keyPrefix = join(root, '.provenance', 'keys', 'demo');
const step = (title, args, { allowFail = false } = {}) => {
  console.log(`\n$ model-provenance ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0 && !allowFail) {
    console.error(`demo step failed: ${title} (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
  return r.status;
};

if (!existsSync(`${keyPrefix}.pem`)) step('generate a local signing key', ['keygen', '--out', keyPrefix]);
step('sign the model', ['sign', 'key', model, '--private-key', `${keyPrefix}.pem`]);
step('hash it (the join key for attestations)', ['hash', model]);
step('verify it, as a deployment gate would', ['verify', '--model', model, '--attestation', join(model, 'model.sig'), '--trusted-keys', join(root, '.provenance', 'keys'), '--format', 'report']);

const tampered = join(work, 'models', 'classifier_v2-tampered');
cpSync(model, tampered, { recursive: true });
writeFileSync(join(tampered, 'model.safetensors'), randomBytes(256 * 1024));
const code = step('verify a tampered copy', ['verify', '--model', tampered, '--attestation', join(tampered, 'model.sig'), '--trusted-keys', join(root, '.provenance', 'keys'), '--format', 'report'], { allowFail: true });
if (code !== 1) {
  console.error('demo: the tampered copy should have failed verification with exit 1');
  process.exit(1);
}
console.log('\ndemo finished: the signed model verified (exit 0) and the tampered copy was refused (exit 1).');
