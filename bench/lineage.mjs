#!/usr/bin/env node
// Lineage benchmark: the chain of custody of a 50-stage model with 20 datasets, through
// the library (verifyChain + renderLineage) and the CLI (`model-provenance lineage`),
// against the I/O floor (read and JSON.parse every blob of the registry) and, for context,
// a crypto floor (the same plus one ECDSA verification per blob with the right key).
// Run: `npm run build && node bench/lineage.mjs` (add `--json` for JSON).
//
// The chain: stage 0 pre-training, stages 1..48 alternating fine-tuning / adapter-merge
// (both rank 1 in DEFAULT_STAGE_RANK, so either may feed the other), stage 49 quantization
// (rank 2, last). Each stage is attested by digest (no model files, nothing to hash),
// signed by one of five P-256 keys, under a policy that trusts them per stage.
//
// Env: BENCH_RUNS=5 (timed runs after one warm-up). Target: the CLI answers in under 1 s.
// Exit 0 whatever the timings; exit 1 if the chain does not verify with 50 links, or on
// any error; 130/143 on SIGINT/SIGTERM. The temp registry is removed in every case.
import { spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes, verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, machine, scratch } from './lib/common.mjs';

const STAGE_COUNT = 50;
const DATASET_COUNT = 20;
const TARGET_CLI_MS = 1000;

const json = process.argv.includes('--json');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliPath = join(repo, 'dist', 'cli.js');
const core = createRequire(import.meta.url)(join(repo, 'dist', 'core.js'));

const runsRaw = process.env.BENCH_RUNS ?? '5';
const RUNS = Number(runsRaw);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  log(`BENCH_RUNS must be an integer >= 1, got ${JSON.stringify(runsRaw)}`);
  process.exit(1);
}

// ---------------------------------------------------------------- temp data and cleanup
const work = scratch('mp-bench-lineage-');
const tmp = work.dir;
const children = work.children;

// ---------------------------------------------------------------- helpers
const digest = () => `sha256:${randomBytes(32).toString('hex')}`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (x) => `${x.toFixed(1)} ms`;

function run(cmd, args) {
  return new Promise((resolvePromise, rejectPromise) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rejectPromise);
    child.on('close', (code) => {
      children.delete(child);
      resolvePromise({ code, stdout, stderr, ms: ms(t0) });
    });
  });
}


// ---------------------------------------------------------------- the chain
const KEYS = ['vendor', 'trainer-a', 'trainer-b', 'merger', 'quantizer'];
const publicKeys = new Map(); // key hint -> public KeyObject, for the crypto floor

function stageOf(i) {
  if (i === 0) return 'pre-training';
  if (i === STAGE_COUNT - 1) return 'quantization';
  return i % 2 === 1 ? 'fine-tuning' : 'adapter-merge';
}

function keyOf(stage, i) {
  return { 'pre-training': 'vendor', 'fine-tuning': i % 4 === 1 ? 'trainer-a' : 'trainer-b', 'adapter-merge': 'merger', quantization: 'quantizer' }[stage];
}

async function buildChain() {
  const keyDir = join(tmp, 'keys');
  const privateKeys = {};
  for (const k of KEYS) {
    const pair = core.generateKeyPair('P-256');
    core.writeKeyPair(join(keyDir, k), pair);
    privateKeys[k] = createPrivateKey(pair.privateKeyPem);
    publicKeys.set(pair.hint, createPublicKey(pair.publicKeyPem));
  }
  const policyPath = join(tmp, 'provenance-policy.json');
  const policyDoc = {
    signers: Object.fromEntries(KEYS.map((k) => [k, { publicKey: `keys/${k}.pub.pem` }])),
    stages: {
      'pre-training': { signers: ['vendor'] },
      'fine-tuning': { signers: ['trainer-a', 'trainer-b'] },
      'adapter-merge': { signers: ['merger'] },
      quantization: { signers: ['quantizer'] },
    },
    requiredStages: ['pre-training', 'fine-tuning', 'adapter-merge', 'quantization'],
    maxAttestationAgeDays: 30,
  };
  writeFileSync(policyPath, `${JSON.stringify(policyDoc, null, 2)}\n`);

  // 20 datasets spread evenly over the 50 stages (dataset j feeds stage round(j * 49 / 19)).
  const datasets = Array.from({ length: DATASET_COUNT }, (_, j) => ({ digest: digest(), name: `dataset-${String(j).padStart(2, '0')}`, stage: Math.round((j * (STAGE_COUNT - 1)) / (DATASET_COUNT - 1)) }));
  const registryDir = join(tmp, 'registry');
  const registry = new core.LocalRegistry(registryDir);
  const now = Date.now();
  let previous;
  for (let i = 0; i < STAGE_COUNT; i++) {
    const stage = stageOf(i);
    const subjectDigest = digest();
    await core.attest({
      subjectDigest,
      subjectName: `model-${String(i).padStart(2, '0')}-${stage}`,
      stage,
      trainingRunId: `run-${i}`,
      baseModels: previous ? [{ digest: previous, name: `model-${String(i - 1).padStart(2, '0')}` }] : [],
      datasets: datasets.filter((d) => d.stage === i).map((d) => ({ digest: d.digest, name: d.name, usage: 'training' })),
      framework: { name: 'pytorch', version: '2.6.0' },
      hyperparameters: { lr: 0.0001, epochs: 1 + (i % 3) },
      // An hour apart, the last one a minute ago: all within maxAttestationAgeDays.
      finishedOn: new Date(now - (STAGE_COUNT - i) * 3_600_000).toISOString(),
      signer: { kind: 'key', privateKey: privateKeys[keyOf(stage, i)] },
      registry,
    });
    previous = subjectDigest;
  }
  return { registryDir, registry, policyPath, finalDigest: previous };
}

/** The I/O floor: every blob of the registry read and JSON.parse'd, nothing verified. */
function readAllBlobs(registryDir) {
  const blobDir = join(registryDir, 'blobs', 'sha256');
  let n = 0;
  for (const name of readdirSync(blobDir)) {
    JSON.parse(readFileSync(join(blobDir, name), 'utf8'));
    n++;
  }
  return n;
}

/** The crypto floor: the I/O floor plus one DSSE signature check per blob, with the key its hint names. */
function verifyAllBlobs(registryDir) {
  const blobDir = join(registryDir, 'blobs', 'sha256');
  for (const name of readdirSync(blobDir)) {
    const b = JSON.parse(readFileSync(join(blobDir, name), 'utf8'));
    const env = b.dsseEnvelope;
    const key = publicKeys.get(b.verificationMaterial.publicKey.hint);
    const pae = core.preAuthEncoding(env.payloadType, Buffer.from(env.payload, 'base64'));
    if (!key || !cryptoVerify('sha256', pae, key, Buffer.from(env.signatures[0].sig, 'base64'))) throw new Error(`crypto floor: ${name} does not verify`);
  }
}

function checkResult(result, where) {
  const datasets = new Set(result.links.flatMap((l) => l.inputs.filter((x) => x.role === 'dataset').map((x) => x.digest)));
  if (result.verdict !== 'verified' || result.links.length !== STAGE_COUNT || datasets.size !== DATASET_COUNT) {
    log(`${where}: expected a verified chain of ${STAGE_COUNT} links and ${DATASET_COUNT} datasets, got ${result.verdict} with ${result.links.length} links, ${datasets.size} datasets`);
    for (const p of result.problems) log(`  ${p.code}: ${p.message}`);
    process.exit(1);
  }
}

// ---------------------------------------------------------------- main
async function main() {
  const m = machine();
  log(`lineage bench: ${STAGE_COUNT} stages, ${DATASET_COUNT} datasets, ${RUNS} timed run(s) after one warm-up; ${m.cpu}, ${m.cores} cores, node ${m.node}`);
  const t0 = process.hrtime.bigint();
  const { registryDir, registry, policyPath, finalDigest } = await buildChain();
  const buildMs = ms(t0);
  const blobs = readdirSync(join(registryDir, 'blobs', 'sha256')).length;
  log(`built the chain: ${blobs} attestations in ${fmt(buildMs)}`);

  // (a) in process: verifyChain + renderLineage (text), policy loaded once.
  const policy = core.loadPolicy(policyPath);
  const once = async () => {
    const result = await core.verifyChain({ registry, policy, digest: finalDigest });
    const text = core.renderLineage(result, 'text');
    return { result, text };
  };
  const warm = await once();
  checkResult(warm.result, 'library');
  if (!warm.text.startsWith('VERIFIED lineage') || !warm.text.includes(`${STAGE_COUNT} stage(s), ${DATASET_COUNT} dataset(s)`)) {
    log(`library: unexpected lineage text:\n${warm.text.slice(0, 500)}`);
    process.exit(1);
  }
  const lib = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const { result } = await once();
    lib.push(ms(t));
    checkResult(result, 'library');
  }

  // (b) the CLI end to end, as a child process: start, load policy, walk, verify, print.
  const args = [cliPath, 'lineage', finalDigest, '--policy', policyPath, '--registry', registryDir];
  const cliCheck = (r) => {
    if (r.code !== 0 || !r.stdout.startsWith('VERIFIED lineage') || !r.stdout.includes(`${STAGE_COUNT} stage(s), ${DATASET_COUNT} dataset(s)`)) {
      log(`CLI: exit ${r.code}, unexpected output:\n${r.stdout.slice(0, 800)}${r.stderr}`);
      process.exit(1);
    }
  };
  cliCheck(await run(process.execPath, args)); // warm-up (page cache)
  const cli = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await run(process.execPath, args);
    cliCheck(r);
    cli.push(r.ms);
  }
  const json1 = await run(process.execPath, [...args, '--format', 'json']);
  checkResult(JSON.parse(json1.stdout), 'CLI --format json');

  // Context for the CLI figure: starting node and loading the CLI bundle, doing nothing.
  const startup = [];
  for (let i = 0; i < RUNS; i++) startup.push((await run(process.execPath, [cliPath, '--version'])).ms);

  // (c) the I/O floor.
  readAllBlobs(registryDir);
  const floor = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    readAllBlobs(registryDir);
    floor.push(ms(t));
  }

  verifyAllBlobs(registryDir);
  const cryptoFloor = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    verifyAllBlobs(registryDir);
    cryptoFloor.push(ms(t));
  }

  const r = {
    date: new Date().toISOString(),
    machine: m,
    chain: { stages: STAGE_COUNT, datasets: DATASET_COUNT, attestations: blobs, buildMs },
    runs: RUNS,
    libraryMs: median(lib),
    cliMs: median(cli),
    cliStartupMs: median(startup),
    floorMs: median(floor),
    cryptoFloorMs: median(cryptoFloor),
  };
  r.libraryRatio = r.libraryMs / r.floorMs;
  r.cliRatio = r.cliMs / r.floorMs;
  r.target = { cliUnderMs: TARGET_CLI_MS, pass: r.cliMs < TARGET_CLI_MS };

  if (json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  const rows = [
    ['verifyChain + renderLineage (in process)', r.libraryMs, `${r.libraryRatio.toFixed(1)}x`],
    ['model-provenance lineage (CLI, end to end)', r.cliMs, `${r.cliRatio.toFixed(1)}x`],
    ['  of which: CLI start-up (--version)', r.cliStartupMs, ''],
    ['baseline: read + JSON.parse every blob', r.floorMs, '1.0x'],
    ['context: baseline + 1 ECDSA verify per blob', r.cryptoFloorMs, `${(r.cryptoFloorMs / r.floorMs).toFixed(1)}x`],
  ];
  const out = [
    `Lineage of a ${STAGE_COUNT}-stage chain with ${DATASET_COUNT} datasets (${blobs} attestations), median of ${RUNS}`,
    `machine: ${m.cpu}, ${m.cores} cores, node ${m.node}, ${m.platform}`,
    '',
    `${'measure'.padEnd(46)}${'median'.padStart(12)}${'vs floor'.padStart(10)}`,
    ...rows.map(([name, v, ratio]) => `${name.padEnd(46)}${fmt(v).padStart(12)}${ratio.padStart(10)}`),
    '',
    `runs (ms): library ${lib.map((x) => x.toFixed(1)).join(' ')}; CLI ${cli.map((x) => x.toFixed(0)).join(' ')}; floor ${floor.map((x) => x.toFixed(2)).join(' ')}; crypto floor ${cryptoFloor.map((x) => x.toFixed(1)).join(' ')}`,
    `result: verified, ${STAGE_COUNT} links, ${DATASET_COUNT} datasets (library, CLI text and CLI JSON)`,
    `target: lineage of a ${STAGE_COUNT}-stage chain with ${DATASET_COUNT} datasets answers in under ${TARGET_CLI_MS / 1000} s (CLI end to end): ${r.target.pass ? 'PASS' : 'MISS'} (${fmt(r.cliMs)})`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err) => {
  log(`bench/lineage: ${err?.stack ?? err}`);
  cleanup();
  process.exit(1);
});
