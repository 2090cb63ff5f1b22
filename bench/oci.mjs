#!/usr/bin/env node
// OCI registry benchmark, on loopback against Debian's docker-registry (CNCF Distribution 2.8,
// started here), each figure beside the same operation on the local folder in the same run:
//
//  1. attest-and-push latency: one attestation signed and stored (library, sequential);
//  2. `verify --policy` of a 4-stage chain: the CLI end to end, with a cold cache (a fresh
//     process and an empty cache folder each run: what a deployment gate on a new machine
//     does) and a warm one (bundles already cached);
//  3. with BENCH_ATTESTATIONS (default 10,000) attestations in the registry, a DAG of models
//     sharing 50 datasets (kept as a fixture, see below): the push itself (8 in flight), a
//     lookup by subject from a new reader (the tag list of 30,000 tags read) and a warm one, the
//     first `registry sync` into an empty cache (every bundle fetched), a sync with nothing new,
//     `list()`, `findByInput` of a dataset (a sync, then the mirror's reverse index), and
//     `incident impact` of that dataset as a whole CLI process over the synced mirror.
//
// Run: `npm run build && node bench/oci.mjs` (`--json` for JSON). Smoke: BENCH_ATTESTATIONS=500
// BENCH_PUSHES=10 BENCH_RUNS=3. Exit 1 if a chain does not verify, if the backends disagree,
// or on any error.
import { spawn } from 'node:child_process';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envInt, log, machine, scratch } from './lib/common.mjs';
import { startRegistry } from './lib/oci-registry.mjs';

const json = process.argv.includes('--json');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliPath = join(repo, 'dist', 'cli.js');
const core = createRequire(import.meta.url)(join(repo, 'dist', 'core.js'));
const RUNS = envInt('BENCH_RUNS', 5, 1);
const PUSHES = envInt('BENCH_PUSHES', 40, 1);
const ATTESTATIONS = envInt('BENCH_ATTESTATIONS', 10_000, 10);
/** BENCH_SECTIONS=3 runs only the 10,000-attestation part (default: 1,2,3). */
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? '1,2,3').split(',').map(Number));

const work = scratch('mp-bench-oci-');
const tmp = work.dir;
const digest = () => `sha256:${randomBytes(32).toString('hex')}`;
const now = () => process.hrtime.bigint();
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (xs) => quantile(xs, 0.5);

function cli(args, env) {
  return new Promise((resolvePromise, reject) => {
    const t0 = now();
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MODEL_PROVENANCE_REGISTRY: '', ...env } });
    work.children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      work.children.delete(child);
      resolvePromise({ code, out, err, ms: ms(t0) });
    });
  });
}

const keys = Object.fromEntries(['vendor', 'trainer', 'merger', 'quantizer'].map((k) => [k, core.generateKeyPair('P-256')]));
const signer = (k) => ({ kind: 'key', privateKey: createPrivateKey(keys[k].privateKeyPem) });
mkdirSync(join(tmp, 'keys'));
for (const [k, pair] of Object.entries(keys)) writeFileSync(join(tmp, 'keys', `${k}.pub.pem`), pair.publicKeyPem);
const policyPath = join(tmp, 'provenance-policy.json');
writeFileSync(
  policyPath,
  JSON.stringify({
    signers: Object.fromEntries(Object.keys(keys).map((k) => [k, { publicKey: `keys/${k}.pub.pem` }])),
    stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] }, 'adapter-merge': { signers: ['merger'] }, quantization: { signers: ['quantizer'] } },
    requiredStages: ['pre-training', 'fine-tuning', 'quantization'],
  }),
);

const reg = await startRegistry(join(tmp, 'registry'), work.children);
const ociOpts = (name) => ({ oci: { cacheDir: join(tmp, 'caches', name) } });
const results = { machine: machine(), load: os.loadavg().map((x) => Number(x.toFixed(1))), registry: 'docker-registry 2.8.2 (CNCF Distribution), loopback, filesystem storage', runs: RUNS };
log(`registry ${reg.spec}; load ${results.load.join(' ')}`);

// ---------------------------------------------------------------- 1. attest-and-push latency
if (SECTIONS.has(1)) {
  const oci = core.openRegistry(`${reg.spec.replace('/team/provenance', '/bench/push')}`, tmp, ociOpts('push'));
  const local = new core.LocalRegistry(join(tmp, 'push-local'));
  const one = async (registry) => {
    const t0 = now();
    await core.attest({ subjectDigest: digest(), subjectName: 'm', stage: 'fine-tuning', baseModels: [digest()], datasets: [digest()], finishedOn: new Date().toISOString(), signer: signer('trainer'), registry });
    return ms(t0);
  };
  await one(oci); // first request: TLS probe, empty config blob
  await one(local);
  const times = { oci: [], local: [], none: [] };
  for (let i = 0; i < PUSHES; i++) {
    times.oci.push(await one(oci));
    times.local.push(await one(local));
    times.none.push(await one(undefined));
  }
  results.attestAndPush = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { medianMs: median(v), p90Ms: quantile(v, 0.9) }]));
  results.attestAndPush.ratio = results.attestAndPush.oci.medianMs / results.attestAndPush.local.medianMs;
  log(`attest-and-push (${PUSHES}): OCI median ${median(times.oci).toFixed(1)} ms, p90 ${quantile(times.oci, 0.9).toFixed(1)}; folder ${median(times.local).toFixed(1)} ms; signing alone ${median(times.none).toFixed(1)} ms`);
}

// ---------------------------------------------------------------- 2. verify --policy, 4 stages
if (SECTIONS.has(2)) {
  const oci = core.openRegistry(reg.spec, tmp, ociOpts('chain-writer'));
  const localDir = join(tmp, 'chain-local');
  const local = new core.LocalRegistry(localDir);
  const d = { pt: digest(), ft: digest(), merged: digest(), q: digest(), adapter: digest(), data: digest() };
  const stages = [
    { subject: d.pt, stage: 'pre-training', key: 'vendor', datasets: [d.data] },
    { subject: d.ft, stage: 'fine-tuning', key: 'trainer', baseModels: [d.pt], datasets: [digest()] },
    { subject: d.adapter, stage: 'fine-tuning', key: 'trainer', baseModels: [d.pt] },
    { subject: d.merged, stage: 'adapter-merge', key: 'merger', baseModels: [d.ft], adapters: [d.adapter] },
    { subject: d.q, stage: 'quantization', key: 'quantizer', baseModels: [d.merged] },
  ];
  for (const s of stages) {
    const a = await core.attest({ subjectDigest: s.subject, subjectName: s.stage, stage: s.stage, baseModels: s.baseModels ?? [], adapters: s.adapters ?? [], datasets: s.datasets ?? [], finishedOn: new Date().toISOString(), signer: signer(s.key) });
    await oci.put(a.bundle);
    await local.put(a.bundle);
  }
  const args = (r) => ['verify', '--digest', d.q, '--policy', policyPath, '--registry', r, '--format', 'json'];
  const times = { ociCold: [], ociWarm: [], local: [] };
  const warmCache = join(tmp, 'caches', 'verify-warm');
  for (let i = 0; i <= RUNS; i++) {
    const runs = [
      ['ociCold', reg.spec, { MODEL_PROVENANCE_CACHE: join(tmp, 'caches', `verify-cold-${i}`) }],
      ['ociWarm', reg.spec, { MODEL_PROVENANCE_CACHE: warmCache }],
      ['local', localDir, {}],
    ];
    for (const [name, r, env] of runs) {
      const res = await cli(args(r), env);
      const verdict = res.code === 0 ? JSON.parse(res.out).verdict : undefined;
      if (verdict !== 'verified') {
        log(`verify --policy on ${r} did not verify (exit ${res.code}): ${res.err}`);
        process.exit(1);
      }
      if (i > 0) times[name].push(res.ms); // run 0 warms the OS caches and the warm cache folder
    }
  }
  results.verifyPolicy4 = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { medianMs: median(v) }]));
  results.verifyPolicy4.ratioCold = results.verifyPolicy4.ociCold.medianMs / results.verifyPolicy4.local.medianMs;
  results.verifyPolicy4.ratioWarm = results.verifyPolicy4.ociWarm.medianMs / results.verifyPolicy4.local.medianMs;
  log(`verify --policy, 4-stage chain (CLI, ${RUNS} runs): OCI cold cache ${median(times.ociCold).toFixed(0)} ms, warm ${median(times.ociWarm).toFixed(0)} ms; folder ${median(times.local).toFixed(0)} ms`);
}

// ---------------------------------------------------------------- 3. many attestations
// The 10,000-attestation registry takes a quarter of an hour to push on a loaded machine, so it
// is kept as a fixture (its storage, the folder with the same entries, and the digests) under
// BENCH_OCI_FIXTURE (default: the OS temp dir, keyed by the count); a later run reuses it and
// reports the push figures of the run that built it. BENCH_FRESH=1 builds it again.
if (SECTIONS.has(3)) {
  const fixture = process.env.BENCH_OCI_FIXTURE ?? join(os.tmpdir(), `mp-bench-oci-many-${ATTESTATIONS}`);
  const recordPath = join(fixture, 'fixture.json');
  if (process.env.BENCH_FRESH === '1' || !existsSync(recordPath)) rmSync(fixture, { recursive: true, force: true });
  const built = existsSync(recordPath) ? JSON.parse(readFileSync(recordPath, 'utf8')) : undefined;
  const many = await startRegistry(join(fixture, 'registry'), work.children);
  const spec = `oci://${many.host}/bench/many`;
  const writer = core.openRegistry(spec, tmp, ociOpts('many-writer'));
  const localDir = join(fixture, 'local');
  let datasets;
  let models;
  let pushMs;
  let pushedOn;
  if (built) {
    ({ datasets, models, pushMs, pushedOn } = built);
    log(`fixture ${fixture}: ${ATTESTATIONS} attestations pushed on ${pushedOn} in ${(pushMs / 1000).toFixed(1)} s (reused)`);
  } else {
    datasets = Array.from({ length: 50 }, digest);
    models = [];
    const bundles = [];
    const t0 = now();
    for (let i = 0; i < ATTESTATIONS; i++) {
      const subject = digest();
      const base = models.length && i % 10 !== 0 ? [models[Math.floor(Math.random() * models.length)]] : [];
      const a = await core.attest({ subjectDigest: subject, subjectName: `m${i}`, stage: base.length ? 'fine-tuning' : 'pre-training', baseModels: base, datasets: [datasets[i % datasets.length]], finishedOn: new Date().toISOString(), signer: signer(base.length ? 'trainer' : 'vendor') });
      models.push(subject);
      bundles.push(a.bundle);
    }
    const signMs = ms(t0);
    let next = 0;
    const t1 = now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < bundles.length) await writer.put(bundles[next++]);
      }),
    );
    pushMs = ms(t1);
    pushedOn = new Date().toISOString();
    log(`${ATTESTATIONS} attestations signed in ${(signMs / 1000).toFixed(1)} s, pushed in ${(pushMs / 1000).toFixed(1)} s (8 in flight)`);
    const folder = new core.LocalRegistry(localDir);
    for (const b of bundles) await folder.put(b);
    writeFileSync(recordPath, JSON.stringify({ datasets, models, pushMs, pushedOn, load: os.loadavg() }));
  }

  const local = new core.LocalRegistry(localDir);
  const probe = models[Math.floor(models.length / 2)];
  // A new reader each time reads the tag list (what a gate's first lookup pays); the same
  // reader within 5 s (tagsMaxAgeMs) reuses its listing, as a chain walk does.
  const lookup = { ociFresh: [], ociWarm: [], local: [] };
  const reader = core.openRegistry(spec, tmp, ociOpts('many-lookup'));
  for (let i = 0; i <= RUNS; i++) {
    let t = now();
    const a = await core.openRegistry(spec, tmp, ociOpts(`many-lookup-${i}`)).findBySubject(probe);
    if (i > 0) lookup.ociFresh.push(ms(t));
    t = now();
    const w = await reader.findBySubject(probe);
    if (i > 0) lookup.ociWarm.push(ms(t));
    t = now();
    const b = await local.findBySubject(probe);
    if (i > 0) lookup.local.push(ms(t));
    if (a.length !== 1 || b.length !== 1 || w.length !== 1 || a[0].id !== b[0].id || w[0].id !== b[0].id) {
      log('findBySubject disagrees between the OCI registry and the folder');
      process.exit(1);
    }
  }
  // The cache where the CLI looks for this registry (MODEL_PROVENANCE_CACHE layout), so the
  // `incident impact` processes below find the mirror this sync fills.
  const cliCache = join(tmp, 'caches', 'many-cli');
  const cold = core.openRegistry(spec, tmp, { oci: { cacheDir: join(cliCache, 'oci', many.host.replace(':', '_'), 'bench', 'many') } });
  let t = now();
  const first = await cold.sync();
  const coldSyncMs = ms(t);
  t = now();
  const again = await cold.sync();
  const warmSyncMs = ms(t);
  t = now();
  const listed = await cold.list();
  const listMs = ms(t);
  t = now();
  const localListed = await local.list();
  const localListMs = ms(t);
  if (first.entries !== ATTESTATIONS || first.fetched !== ATTESTATIONS || again.fetched !== 0 || listed.length !== ATTESTATIONS || localListed.length !== ATTESTATIONS) {
    log(`sync/list counts are wrong: ${JSON.stringify({ first, again, listed: listed.length, local: localListed.length })}`);
    process.exit(1);
  }
  results.many = {
    attestations: ATTESTATIONS,
    fixture: built ? `reused: pushed on ${pushedOn}` : 'built by this run',
    pushSeconds: pushMs / 1000,
    pushPerSecond: ATTESTATIONS / (pushMs / 1000),
    findBySubject: { ociFreshReaderMedianMs: median(lookup.ociFresh), ociWarmReaderMedianMs: median(lookup.ociWarm), localMedianMs: median(lookup.local) },
    coldSyncSeconds: coldSyncMs / 1000,
    warmSyncMs,
    list: { ociMs: listMs, localMs: localListMs },
  };
  log(`findBySubject among ${ATTESTATIONS}: OCI ${median(lookup.ociFresh).toFixed(1)} ms from a new reader (tag list read), ${median(lookup.ociWarm).toFixed(1)} ms from a warm one; folder ${median(lookup.local).toFixed(2)} ms`);
  log(`registry sync: first into an empty cache ${(coldSyncMs / 1000).toFixed(1)} s (${first.fetched} bundles), nothing new ${warmSyncMs.toFixed(0)} ms; list() ${listMs.toFixed(0)} ms (folder ${localListMs.toFixed(0)} ms)`);
  // The reverse lookups: findByInput in the library (a sync, then the mirror's index), and
  // `incident impact` of one dataset as a whole CLI process, with the mirror already synced
  // (the cache of the sync above: what a responder's machine has after its first query).
  const impact = { oci: [], local: [], ociCli: [], localCli: [] };
  const affected = { oci: undefined, local: undefined };
  const impactArgs = (r) => ['incident', 'impact', datasets[0], '--registry', r, '--no-workspace', '--format', 'json'];
  for (let i = 0; i <= RUNS; i++) {
    t = now();
    const a = await cold.findByInput(datasets[0]);
    if (i > 0) impact.oci.push(ms(t));
    t = now();
    const b = await local.findByInput(datasets[0]);
    if (i > 0) impact.local.push(ms(t));
    if (a.length !== b.length || a.length === 0) {
      log(`findByInput disagrees: OCI ${a.length}, folder ${b.length}`);
      process.exit(1);
    }
    const ociRun = await cli(impactArgs(spec), { MODEL_PROVENANCE_CACHE: cliCache });
    const localRun = await cli(impactArgs(localDir), {});
    if (ociRun.code !== 0 || localRun.code !== 0) {
      log(`incident impact failed: ${ociRun.err} ${localRun.err}`);
      process.exit(1);
    }
    affected.oci = JSON.parse(ociRun.out).affected.length;
    affected.local = JSON.parse(localRun.out).affected.length;
    if (affected.oci !== affected.local) {
      log(`incident impact disagrees: OCI ${affected.oci} affected, folder ${affected.local}`);
      process.exit(1);
    }
    if (i > 0) {
      impact.ociCli.push(ociRun.ms);
      impact.localCli.push(localRun.ms);
    }
  }
  results.many.findByInput = { ociMedianMs: median(impact.oci), localMedianMs: median(impact.local) };
  results.many.incidentImpact = { affected: affected.oci, ociMedianMs: median(impact.ociCli), localMedianMs: median(impact.localCli), ratio: median(impact.ociCli) / median(impact.localCli) };
  log(`findByInput(dataset) over ${ATTESTATIONS}: OCI (sync + mirror) ${median(impact.oci).toFixed(0)} ms, folder ${median(impact.local).toFixed(1)} ms`);
  log(`incident impact of a dataset (${affected.oci} affected), CLI: OCI ${median(impact.ociCli).toFixed(0)} ms, folder ${median(impact.localCli).toFixed(0)} ms`);
}

results.loadEnd = os.loadavg().map((x) => Number(x.toFixed(1)));
log(`load average at the end: ${results.loadEnd.join(' ')}`);
if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else log('done');
process.exit(0);
