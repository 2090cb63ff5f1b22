// Fresh workspaces for each run, made with the CLI the way a user makes them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, HAVE_MT_VECTORS, KEYLESS, MT_VECTORS } from './env.mjs';

const cli = (cwd, ...args) => execFileSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const temporary = new Set();
process.once('exit', () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder, removed when the process exits (kept with MP_E2E_KEEP=1, to debug). */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  if (process.env.MP_E2E_KEEP === '1') console.log(`  (kept: ${dir})`);
  else temporary.add(dir);
  return dir;
}

/** A small but real safetensors file: an 8-byte header length, the JSON header, then F32 data. */
export function safetensors(values = [1, 2, 3, 4]) {
  const data = Buffer.from(new Float32Array(values).buffer);
  let header = JSON.stringify({ __metadata__: { format: 'pt' }, weight: { dtype: 'F32', shape: [values.length], data_offsets: [0, data.length] } });
  header += ' '.repeat((8 - (header.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, Buffer.from(header), data]);
}

/** A model folder with a config and safetensors weights, signed with `key`. */
export function signedModel(root, rel, key, values) {
  const dir = join(root, rel);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify({ architectures: ['BertForSequenceClassification'], model_type: 'bert' })}\n`);
  writeFileSync(join(dir, 'model.safetensors'), safetensors(values));
  cli(root, 'sign', 'key', rel, '--private-key', key);
  return dir;
}

/**
 * The workspace of the extension tests and the UI walk:
 *   keys/prod.pem, keys/prod.pub.pem             (the user's trusted key, named in user settings)
 *   models/classifier/{config.json, model.safetensors, model.sig}
 *   models/second/{config.json, model.safetensors, model.sig}   (signed, no manifest yet; its
 *                                                                 pre-training attestation in .provenance/)
 *   models/classifier.cdx.json                   (manifest init: a valid ML-BOM)
 *   models/broken.cdx.json                       (the same ML-BOM with "version": "one": CDX_TYPE)
 */
export function makeMainWorkspace() {
  const root = tempDir('mp-e2e-ws-');
  cli(root, 'keygen', '--out', 'keys/prod');
  const model = signedModel(root, 'models/classifier', 'keys/prod.pem');
  const second = signedModel(root, 'models/second', 'keys/prod.pem', [5, 6, 7, 8]);
  // One attestation in the registry (.provenance/), so pickers show a name and a stage beside a digest.
  cli(root, 'attest', 'models/second', '--stage', 'pre-training', '--private-key', 'keys/prod.pem');
  cli(root, 'manifest', 'init', 'models/classifier');
  const manifest = join(root, 'models', 'classifier.cdx.json');
  const broken = join(root, 'models', 'broken.cdx.json');
  const text = readFileSync(manifest, 'utf8');
  if (!/\n {2}"version": 1,\n/.test(text)) throw new Error('manifest init: no "version": 1 line');
  writeFileSync(broken, text.replace(/\n {2}"version": 1,\n/, '\n  "version": "one",\n'));
  return { root, model, second, manifest, broken, sig: join(model, 'model.sig'), pub: join(root, 'keys', 'prod.pub.pem') };
}

/**
 * A hostile repository: its .vscode/settings.json names the attacker's own public key (kept in
 * the repository) as trusted, and its model is signed with the attacker's key. The user's own
 * key is outside the folder and is the only one the user settings name; models/mine is signed
 * with it.
 */
export function makeHostileWorkspace() {
  const root = tempDir('mp-e2e-hostile-');
  const userKeys = tempDir('mp-e2e-userkey-');
  cli(userKeys, 'keygen', '--out', 'me');
  cli(root, 'keygen', '--out', 'keys/attacker');
  const model = signedModel(root, 'models/backdoored', 'keys/attacker.pem', [6, 6, 6, 6]);
  rmSync(join(root, 'keys', 'attacker.pem'));
  // The user's own model, signed with the user's key (trusted in USER settings only): it must stay
  // verified once the folder is trusted, the workspace's lists being added to the user's (finding 1).
  signedModel(root, 'models/mine', join(userKeys, 'me.pem'), [1, 1, 2, 3]);
  const settings = { 'modelProvenance.trustedKeys': ['keys/attacker.pub.pem'] };
  // The same repository also ships a keyless-signed and a certificate-signed model, with the
  // identity and the CA that would make them verify (copies of the model-transparency vectors).
  const extra = {};
  if (HAVE_MT_VECTORS) {
    cpSync(join(MT_VECTORS, 'v1.1.0-sigstore'), join(root, 'models', 'keyless'), { recursive: true });
    cpSync(join(MT_VECTORS, 'v1.1.0-certificate'), join(root, 'models', 'certified'), { recursive: true });
    cpSync(join(MT_VECTORS, 'keys', 'certificate', 'ca-cert.pem'), join(root, 'keys', 'ca-cert.pem'));
    settings['modelProvenance.trustedIdentities'] = [KEYLESS];
    settings['modelProvenance.certificateAnchors'] = ['keys/ca-cert.pem'];
    extra.keylessSig = join(root, 'models', 'keyless', 'model.sig');
    extra.certSig = join(root, 'models', 'certified', 'model.sig');
  }
  mkdirSync(join(root, '.vscode'));
  writeFileSync(join(root, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  return { root, model, sig: join(model, 'model.sig'), attackerPub: join(root, 'keys', 'attacker.pub.pem'), userPub: join(userKeys, 'me.pub.pem'), ...extra };
}

/**
 * A CA certificate that did not issue anything of the vectors (a self-signed root made with the
 * openssl CLI, as the unit tests' PKI is), to put in certificateAnchors as the wrong anchor.
 */
export function makeOtherCa() {
  const dir = tempDir('mp-e2e-other-ca-');
  const o = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  o('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'other-ca.key');
  o('req', '-new', '-x509', '-key', 'other-ca.key', '-subj', '/CN=Someone Else Root CA', '-days', '3650', '-out', 'other-ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  return join(dir, 'other-ca.pem');
}

/** Flips one bit of one byte of a file (returns the original bytes, to restore). */
export function flipByte(file, offset = 20) {
  const original = readFileSync(file);
  const changed = Buffer.from(original);
  changed[offset] ^= 0x01;
  writeFileSync(file, changed);
  return original;
}

/** User settings (`$DATA/user/User/settings.json`): quiet, no AI, no welcome page, plus `extra`. */
export function writeUserSettings(userDataDir, extra) {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  const settings = {
    'chat.disableAIFeatures': true,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'git.enabled': false,
    'window.restoreWindows': 'none',
    ...extra,
  };
  writeFileSync(join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

const git = (cwd, ...args) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_AUTHOR_NAME: 'Reviewer', GIT_AUTHOR_EMAIL: 'r@example.com', GIT_COMMITTER_NAME: 'Reviewer', GIT_COMMITTER_EMAIL: 'r@example.com' } }).trim();

/** A folder of real safetensors weights (and a config), written as a pipeline stage would. */
function stageModel(root, rel, values, extra = {}) {
  const dir = join(root, rel);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify({ architectures: ['BertForSequenceClassification'], model_type: 'bert' })}\n`);
  writeFileSync(join(dir, 'model.safetensors'), safetensors(values));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
}

/**
 * The review workspace (issue 14), a git repository made with the CLI:
 *   a four-stage pipeline, each stage attested with keys/prod into .provenance/:
 *     data/pretrain -> models/base (pre-training) -> models/ft (fine-tuning, + data/sft)
 *     -> models/quantized (quantization) -> models/classifier (conversion, signed: model.sig)
 *   provenance-policy.json naming keys/prod.pub.pem for the four stages;
 *   commit 1 "first release"; then one weight of the classifier changed and tokenizer.json
 *   added, re-signed and re-attested: commit 2 "re-export after the tokenizer fix".
 */
export function makeReviewWorkspace() {
  const root = tempDir('mp-e2e-review-');
  cli(root, 'keygen', '--out', 'keys/prod');
  const key = 'keys/prod.pem';
  for (const [rel, text] of [['data/pretrain/part-0.jsonl', '{"text":"a"}\n'], ['data/sft/train.jsonl', '{"prompt":"p","answer":"a"}\n']]) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  stageModel(root, 'models/base', [1, 1, 1, 1]);
  stageModel(root, 'models/ft', [2, 2, 2, 2]);
  stageModel(root, 'models/quantized', [3, 3, 3, 3]);
  const model = stageModel(root, 'models/classifier', [4, 4, 4, 4]);
  cli(root, 'attest', 'models/base', '--stage', 'pre-training', '--private-key', key, '--dataset', 'data/pretrain', '--run-id', 'run-pt');
  cli(root, 'attest', 'models/ft', '--stage', 'fine-tuning', '--private-key', key, '--base-model', 'models/base', '--dataset', 'data/sft', '--hyperparameter', 'learning_rate=0.0002', '--run-id', 'run-sft');
  cli(root, 'attest', 'models/quantized', '--stage', 'quantization', '--private-key', key, '--base-model', 'models/ft');
  cli(root, 'sign', 'key', 'models/classifier', '--private-key', key);
  cli(root, 'attest', 'models/classifier', '--stage', 'conversion', '--private-key', key, '--base-model', 'models/quantized');
  const policy = { signers: { prod: { publicKey: 'keys/prod.pub.pem' } }, stages: Object.fromEntries(['pre-training', 'fine-tuning', 'quantization', 'conversion'].map((s) => [s, { signers: ['prod'] }])) };
  writeFileSync(join(root, 'provenance-policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'first release');
  const first = git(root, 'rev-parse', 'HEAD');
  const oldDigest = createHash('sha256').update(readFileSync(join(model, 'model.safetensors'))).digest('hex');
  writeFileSync(join(model, 'model.safetensors'), safetensors([4, 4, 4, 5]));
  writeFileSync(join(model, 'tokenizer.json'), '{"version":"1.0","model":{"type":"WordPiece"}}\n');
  cli(root, 'sign', 'key', 'models/classifier', '--private-key', key);
  cli(root, 'attest', 'models/classifier', '--stage', 'conversion', '--private-key', key, '--base-model', 'models/quantized');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 're-export after the tokenizer fix');
  const newDigest = createHash('sha256').update(readFileSync(join(model, 'model.safetensors'))).digest('hex');
  return { root, model, sig: join(model, 'model.sig'), pub: join(root, 'keys', 'prod.pub.pem'), key: join(root, key), policy: join(root, 'provenance-policy.json'), first, oldDigest, newDigest, resign: () => cli(root, 'sign', 'key', 'models/classifier', '--private-key', key) };
}

/**
 * The incident workspace (issue 14 Build 3): the same four-stage pipeline attested with keys/prod
 * into .provenance/ (the fine-tuning attestation also written to attestations/), the classifier
 * signed, its ML-BOM generated with the chain (it lists both datasets), and a policy naming
 * keys/security.pub.pem as its advisorySigners. Nothing is flagged yet: the walk flags the sft
 * dataset with the CLI while the editor is open.
 */
export function makeIncidentWorkspace() {
  const root = tempDir('mp-e2e-incident-');
  cli(root, 'keygen', '--out', 'keys/prod');
  cli(root, 'keygen', '--out', 'keys/security');
  const key = 'keys/prod.pem';
  for (const [rel, text] of [['data/pretrain/part-0.jsonl', '{"text":"a"}\n'], ['data/sft/train.jsonl', '{"prompt":"p","answer":"a"}\n']]) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  stageModel(root, 'models/base', [1, 1, 1, 1]);
  stageModel(root, 'models/ft', [2, 2, 2, 2]);
  stageModel(root, 'models/quantized', [3, 3, 3, 3]);
  const model = stageModel(root, 'models/classifier', [4, 4, 4, 4]);
  cli(root, 'attest', 'models/base', '--stage', 'pre-training', '--private-key', key, '--dataset', 'data/pretrain', '--run-id', 'run-pt');
  mkdirSync(join(root, 'attestations'), { recursive: true });
  cli(root, 'attest', 'models/ft', '--stage', 'fine-tuning', '--private-key', key, '--base-model', 'models/base', '--dataset', 'data/sft', '--hyperparameter', 'learning_rate=0.0002', '--run-id', 'run-sft', '--output', 'attestations/fine-tuning.sigstore.json');
  cli(root, 'attest', 'models/quantized', '--stage', 'quantization', '--private-key', key, '--base-model', 'models/ft');
  cli(root, 'sign', 'key', 'models/classifier', '--private-key', key);
  cli(root, 'attest', 'models/classifier', '--stage', 'conversion', '--private-key', key, '--base-model', 'models/quantized');
  mkdirSync(join(root, 'manifests'), { recursive: true });
  cli(root, 'manifest', 'init', 'models/classifier', '--output', 'manifests/classifier.cdx.json');
  const policy = {
    signers: { prod: { publicKey: 'keys/prod.pub.pem' }, security: { publicKey: 'keys/security.pub.pem' } },
    stages: Object.fromEntries(['pre-training', 'fine-tuning', 'quantization', 'conversion'].map((s) => [s, { signers: ['prod'] }])),
    advisorySigners: ['security'],
  };
  writeFileSync(join(root, 'provenance-policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
  return {
    root,
    model,
    sig: join(model, 'model.sig'),
    pub: join(root, 'keys', 'prod.pub.pem'),
    policy: join(root, 'provenance-policy.json'),
    sftHex: JSON.parse(cli(root, 'hash', 'data/sft', '--format', 'json')).digest.slice(7),
    flagDataset: () => cli(root, 'incident', 'flag', 'data/sft', '--reason', 'poisoned upstream: trigger phrase', '--severity', 'high', '--atlas', 'AML.T0020', '--private-key', 'keys/security.pem'),
  };
}
