// The main job on embedded defaults, in a workspace of its own (.provenance-demo/, or
// MODEL_PROVENANCE_DEMO_DIR): a small model pipeline made here, one signing key per stage kept
// in signing-keys/ (mode 0600, never inside the registry), a folder of their public keys that
// is all a verifier trusts (trusted-keys/), and the workspace's default registry .provenance/.
// It attests each stage, signs the model, verifies signature and chain the way a deployment
// gate would, and shows what tampering looks like. Every command is printed shell-quoted, so
// it can be pasted from inside the workspace.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from './lib/shell-quote.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });

const work = resolve(process.env.MODEL_PROVENANCE_DEMO_DIR ?? join(process.cwd(), '.provenance-demo'));
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

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
  return relative(work, dir);
};
const base = model('models/base', { 'config.json': '{"architectures":["BertModel"]}\n', 'model.safetensors': safetensors('base', 32 * 1024) });
const data = model('data/reviews', { 'train.jsonl': '{"text":"great","label":2}\n{"text":"awful","label":0}\n' });
const tuned = model('models/classifier_v2', {
  'config.json': '{"architectures":["BertForSequenceClassification"],"num_labels":3}\n',
  'model.safetensors': safetensors('classifier_v2', 64 * 1024),
  'tokenizer/vocab.txt': 'hello\nworld\n',
});

console.log(`Demo workspace: ${work}`);
console.log(`To paste the commands below: cd ${shellQuote(work)} && alias model-provenance=${shellQuote(`${shellQuote(process.execPath)} ${shellQuote(cli)}`)}`);

// The workspace's own registry and policy, whatever the caller's environment names.
const env = { ...process.env };
delete env.MODEL_PROVENANCE_REGISTRY;

/** Runs the CLI in the workspace, printing the command exactly as it can be pasted there. */
const step = (args, { allowFail = false, quiet = 0 } = {}) => {
  console.log(`\n$ ${['model-provenance', ...args].map(shellQuote).join(' ')}`);
  // quiet: N prints only the first N lines of stdout (a long report), and says how many were left out.
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: quiet ? ['inherit', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', cwd: work, env });
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

/** A shell step, printed as it can be pasted, done here with Node. */
const shell = (words, run) => {
  console.log(`\n$ ${words.map(shellQuote).join(' ')}`);
  run();
};

// Private keys stay in signing-keys/ (a 0700 folder, 0600 files); only the public halves go
// to trusted-keys/, the one folder a verifier is given.
shell(['mkdir', '-m', '700', 'signing-keys', 'trusted-keys'], () => {
  mkdirSync(join(work, 'signing-keys'), { mode: 0o700 });
  mkdirSync(join(work, 'trusted-keys'), { mode: 0o700 });
});
for (const k of ['vendor', 'trainer']) {
  step(['keygen', '--out', `signing-keys/${k}`]);
  shell(['mv', `signing-keys/${k}.pub.pem`, 'trusted-keys/'], () => renameSync(join(work, 'signing-keys', `${k}.pub.pem`), join(work, 'trusted-keys', `${k}.pub.pem`)));
}
// The first attestation creates the workspace registry; later commands find .provenance/ by default.
mkdirSync(join(work, '.provenance'), { recursive: true });
step(['attest', base, '--stage', 'pre-training', '--private-key', 'signing-keys/vendor.pem', '--run-id', 'pretrain-001', '--framework', 'pytorch@2.6.0', '--registry', '.provenance']);
step(['attest', tuned, '--stage', 'fine-tuning', '--private-key', 'signing-keys/trainer.pem', '--base-model', base, '--dataset', data,
  '--run-id', 'run-abc123', '--hyperparameter', 'learning_rate=0.0002', '--hyperparameter', 'epochs=3', '--accelerator', 'NVIDIA L4 x1']);
step(['sign', 'key', tuned, '--private-key', 'signing-keys/trainer.pem']);

writeFileSync(join(work, 'provenance-policy.json'), JSON.stringify({
  $schema: 'https://model-provenance.dev/schemas/provenance-policy/v1.json',
  signers: { vendor: { publicKey: 'trusted-keys/vendor.pub.pem' }, trainer: { publicKey: 'trusted-keys/trainer.pub.pem' } },
  stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] } },
  requiredStages: ['pre-training', 'fine-tuning'],
  maxAttestationAgeDays: 365,
}, null, 2));
// The deployment gate: the signature against the trusted public keys, and the chain against the policy.
step(['verify', '--model', tuned, '--attestation', `${tuned}/model.sig`, '--trusted-keys', 'trusted-keys', '--policy', 'provenance-policy.json', '--format', 'report']);
step(['lineage', tuned, '--format', 'mermaid']);
step(['registry', 'verify']);
step(['manifest', 'init', tuned, '--policy', 'provenance-policy.json']);
step(['manifest', 'validate', `${tuned}.cdx.json`]);
step(['inspect', tuned]);
// The regulatory report from that signed evidence: every fact cites a verified attestation;
// what only a person can write is asked for, never invented.
step(['manifest', 'sign', `${tuned}.cdx.json`, '--private-key', 'signing-keys/trainer.pem']);
step(['report', 'init', tuned, '--framework', 'eu-ai-act-annex-iv', '--output', 'report-inputs.json']);
step(['report', tuned, '--policy', 'provenance-policy.json', '--framework', 'eu-ai-act-annex-iv', '--inputs', 'report-inputs.json',
  '--format', 'html', '--output', 'annex-iv-report.html', '--sign', '--private-key', 'signing-keys/trainer.pem']);
step(['report', 'verify', 'annex-iv-report.html', '--policy', 'provenance-policy.json']);
step(['report', tuned, '--policy', 'provenance-policy.json', '--framework', 'eu-ai-act-annex-iv', '--inputs', 'report-inputs.json', '--format', 'md'], { quiet: 40 });

// Tampering: a changed weight file, then a base model swapped after it was used.
const tampered = 'models/classifier_v2-tampered';
cpSync(join(work, tuned), join(work, tampered), { recursive: true });
writeFileSync(join(work, tampered, 'model.safetensors'), safetensors('evil', 64 * 1024));
const a = step(['verify', '--model', tampered, '--attestation', `${tampered}/model.sig`, '--trusted-keys', 'trusted-keys', '--format', 'report'], { allowFail: true });
writeFileSync(join(work, base, 'model.safetensors'), safetensors('swapped base', 32 * 1024));
const b = step(['verify', tuned, '--policy', 'provenance-policy.json'], { allowFail: true });
// Put the base model back, so the workspace is left as it was made: later reports and
// verifications of the demo see the chain that was signed, not the swap.
writeFileSync(join(work, base, 'model.safetensors'), safetensors('base', 32 * 1024));
rmSync(join(work, tampered), { recursive: true, force: true });
const c = step(['verify', tuned, '--policy', 'provenance-policy.json'], { allowFail: true });
if (a !== 1 || b !== 1 || c !== 0) {
  console.error('demo: tampering should have failed verification with exit 1, and the restored chain verify with exit 0');
  process.exit(1);
}

// What a verifier was given is public: no private key outside signing-keys/.
for (const dir of ['trusted-keys', '.provenance']) {
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const f of walk(join(work, dir))) {
    if (readFileSync(f, 'utf8').includes('PRIVATE KEY')) {
      console.error(`demo: a private key is in ${relative(work, f)}`);
      process.exit(1);
    }
  }
}
if (existsSync(join(process.cwd(), '.provenance', 'keys'))) {
  console.log(`\nnote: ${join(process.cwd(), '.provenance', 'keys')} holds private keys from an older demo, inside a registry folder; delete it.`);
}
console.log('\ndemo finished: the signed model and its chain verified (exit 0); the tampered copy and the swapped base model were refused (exit 1); the base model was put back and the chain verifies again (exit 0).');
