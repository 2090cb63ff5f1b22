#!/usr/bin/env node
// Blast-radius benchmark: `incident impact` on a popular dataset in a registry of 100,000 signed
// attestations, through the reverse index, each figure against a naive full scan measured in
// the same run. Run: `npm run build && node bench/impact.mjs` (`--json` for JSON).
//
// The registry (cached under the OS temp dir, keyed by its parameters, so later runs reuse it):
// BENCH_BASES (1000) base models, each the root of a tree 4 deep: 1 pre-training, 3 fine-tunes,
// 3 adapter-merges each, 3 quantizations each, and conversions filling up to 100 attestations
// per base (100,000 in all); BENCH_DATASETS (200) datasets shared by the fine-tunes, two each;
// dataset 0 is the popular one, used by every 10th fine-tune (10% of them). One in 100 leaves
// has a deployment record. Five P-256 keys sign the stages; two worker threads sign and write.
// The fixture is written by a bulk loader (blobs and subject markers, no fsync, no reverse
// index): the index build from cold is one of the measurements.
//
// Measured (medians of BENCH_RUNS, 5, after a warm-up):
//   1. index build from cold (`rebuildIndex()` in a fresh process) vs reading and parsing every
//      blob (the floor any index build pays); target < 10 s;
//   2. `impact()` on the popular dataset in a warm process (each call loads the index afresh) vs
//      the naive answer: read and parse every blob, build the consumer map, walk it; target < 100 ms;
//   3. `model-provenance incident impact sha256:… --format json` as a whole process vs a whole
//      process doing the naive scan; target < 300 ms.
// Exit 0 whatever the timings; 1 if the indexed and naive answers differ, or on any error.
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { envInt, log, machine } from './lib/common.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const core = createRequire(import.meta.url)(join(repo, 'dist', 'core.js'));
const cliPath = join(repo, 'dist', 'cli.js');
const PER_BASE = 100;
const SLSA = 'https://slsa.dev/provenance/v1';

// ---------------------------------------------------------------- fixture shape (shared by workers)
function hex(seed) {
  return createHash('sha256').update(seed).digest('hex');
}

/** The attestations of one base model's tree, deterministic from the parameters. */
function tree(b, datasets, salt) {
  const out = [];
  const d = (kind, ...i) => hex(`${salt}/${kind}/${b}/${i.join('.')}`);
  const base = d('base');
  out.push({ subject: base, name: `base-${b}`, stage: 'pre-training', key: 0, inputs: [{ digest: hex(`${salt}/web/${b}`), role: 'dataset', name: `web-${b}` }] });
  let count = 1;
  const leaves = [];
  for (let f = 0; f < 3; f++) {
    const ft = d('ft', f);
    const ftIndex = b * 3 + f;
    const ds = [ftIndex % 10 === 0 ? 0 : 1 + (ftIndex % (datasets - 1)), 1 + ((ftIndex * 7 + 3) % (datasets - 1))];
    out.push({ subject: ft, name: `ft-${b}-${f}`, stage: 'fine-tuning', key: 1, inputs: [{ digest: base, role: 'base-model', name: `base-${b}` }, ...[...new Set(ds)].map((x) => ({ digest: hex(`${salt}/dataset/${x}`), role: 'dataset', name: `dataset-${x}` }))] });
    count++;
    for (let m = 0; m < 3; m++) {
      const merged = d('merge', f, m);
      out.push({ subject: merged, name: `merge-${b}-${f}-${m}`, stage: 'adapter-merge', key: 2, inputs: [{ digest: ft, role: 'base-model' }, { digest: d('adapter', f, m), role: 'adapter' }] });
      count++;
      for (let q = 0; q < 3; q++) {
        const quant = d('quant', f, m, q);
        out.push({ subject: quant, name: `q-${b}-${f}-${m}-${q}`, stage: 'quantization', key: 3, inputs: [{ digest: merged, role: 'base-model' }] });
        count++;
        leaves.push(quant);
      }
    }
  }
  for (let c = 0; count < PER_BASE; c++, count++) {
    const from = leaves[c % leaves.length];
    out.push({ subject: d('conv', c), name: `conv-${b}-${c}`, stage: 'conversion', key: 4, inputs: [{ digest: from, role: 'base-model' }, { digest: hex(`${salt}/tokenizer`), role: 'tokenizer' }] });
  }
  return out;
}

function statement(a, time) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: a.name, digest: { sha256: a.subject } }],
    predicateType: SLSA,
    predicate: {
      buildDefinition: {
        buildType: 'https://model-provenance.dev/ml-lifecycle/v1',
        externalParameters: { stage: a.stage, trainingRunId: `run-${a.name}` },
        resolvedDependencies: a.inputs.map((i) => ({ ...(i.name ? { name: i.name } : {}), digest: { sha256: i.digest }, annotations: { role: i.role } })),
      },
      runDetails: { builder: { id: 'https://ci.example.com/bench' }, metadata: { invocationId: `run-${a.name}`, finishedOn: time } },
    },
  };
}

// ---------------------------------------------------------------- worker: sign and write a range of bases
if (!isMainThread) {
  const { from, to, datasets, salt, keys, dir } = workerData;
  const signers = keys.map((pem) => ({ kind: 'key', privateKey: createPrivateKey(pem) }));
  const blobs = join(dir, 'blobs', 'sha256');
  let n = 0;
  for (let b = from; b < to; b++) {
    const t = tree(b, datasets, salt);
    t.forEach((a, i) => {
      const time = new Date(Date.UTC(2026, 0, 1) + (b * PER_BASE + i) * 60_000).toISOString();
      const text = core.signStatement(statement(a, time), signers[a.key]);
      const id = createHash('sha256').update(text).digest('hex');
      writeFileSync(join(blobs, `${id}.json`), text);
      mkdirSync(join(dir, 'index', a.subject), { recursive: true });
      writeFileSync(join(dir, 'index', a.subject, id), JSON.stringify({ id: `sha256:${id}`, predicateType: SLSA, stage: a.stage }));
      n++;
    });
    // One deployment record per 100 quantizations' worth: the base's first leaf.
    const leaf = t.find((a) => a.stage === 'quantization');
    const vsa = core.buildDeploymentStatement({ model: { digest: `sha256:${leaf.subject}`, name: leaf.name }, environment: b % 2 ? 'production' : 'staging', gate: 'policy', policy: { uri: 'file:///bench/policy.json', digest: `sha256:${'0'.repeat(64)}` }, inputAttestations: [], timeVerified: '2026-11-01T00:00:00.000Z', verifierVersion: 'bench' });
    const text = core.signStatement(vsa, signers[0]);
    const id = createHash('sha256').update(text).digest('hex');
    writeFileSync(join(blobs, `${id}.json`), text);
    mkdirSync(join(dir, 'index', leaf.subject), { recursive: true });
    writeFileSync(join(dir, 'index', leaf.subject, id), JSON.stringify({ id: `sha256:${id}`, predicateType: core.SLSA_VSA_V1 }));
    if ((b - from) % 50 === 49) parentPort.postMessage({ progress: b - from + 1 });
  }
  parentPort.postMessage({ done: n });
  process.exit(0);
}

// ---------------------------------------------------------------- main
const json = process.argv.includes('--json');
const BASES = envInt('BENCH_BASES', 1000, 1);
const DATASETS = envInt('BENCH_DATASETS', 200, 3);
const RUNS = envInt('BENCH_RUNS', 5, 1);
const salt = `v1/${BASES}/${DATASETS}`;
const cache = join(os.tmpdir(), `mp-bench-impact-${hex(salt).slice(0, 12)}`);
const registryDir = join(cache, 'registry');
const popular = `sha256:${hex(`${salt}/dataset/0`)}`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function generate() {
  if (existsSync(join(cache, 'complete'))) return { cached: true, ms: 0 };
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(join(registryDir, 'blobs', 'sha256'), { recursive: true });
  const keys = Array.from({ length: 5 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const workers = Math.max(1, Math.min(os.availableParallelism?.() ?? 2, 4));
  const t0 = process.hrtime.bigint();
  const per = Math.ceil(BASES / workers);
  let progress = 0;
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const from = w * per;
      const to = Math.min(BASES, from + per);
      return new Promise((res, rej) => {
        if (from >= to) return res();
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { from, to, datasets: DATASETS, salt, keys, dir: registryDir } });
        worker.on('message', (m) => {
          if (m.progress) {
            progress += 50;
            if (!json) log(`  generating: ~${progress}/${BASES} base trees`);
          }
        });
        worker.on('error', rej);
        worker.on('exit', (code) => (code === 0 ? res() : rej(new Error(`worker exited ${code}`))));
      });
    }),
  );
  writeFileSync(join(cache, 'complete'), JSON.stringify({ bases: BASES, datasets: DATASETS, attestations: BASES * PER_BASE, deployments: BASES }));
  return { cached: false, ms: ms(t0) };
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs node ARGS; with /usr/bin/time, also the child's CPU time (user + system). */
function run(args, env = {}) {
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const [cmd, argv] = TIME ? [TIME, ['-f', 'MP_CPU %U %S', process.execPath, ...args]] : [process.execPath, args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const m = /MP_CPU ([\d.]+) ([\d.]+)/.exec(err);
      if (code === 0) res({ ms: ms(t0), out, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : undefined });
      else rej(new Error(`${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

/** The naive answer: read and parse every blob, build the consumer map, walk it. */
const NAIVE = `
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
function naive(dir, start) {
  const blobs = join(dir, 'blobs', 'sha256');
  const consumers = new Map();
  for (const name of readdirSync(blobs)) {
    if (!name.endsWith('.json')) continue;
    const b = JSON.parse(readFileSync(join(blobs, name), 'utf8'));
    const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8'));
    if (st.predicateType !== 'https://slsa.dev/provenance/v1') continue;
    for (const dep of st.predicate.buildDefinition.resolvedDependencies) {
      const k = 'sha256:' + dep.digest.sha256;
      let l = consumers.get(k);
      if (!l) consumers.set(k, (l = []));
      l.push('sha256:' + st.subject[0].digest.sha256);
    }
  }
  const seen = new Set([start]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) for (const s of consumers.get(queue[i]) ?? []) if (!seen.has(s)) { seen.add(s); queue.push(s); }
  seen.delete(start);
  return [...seen].sort();
}
`;
const naive = new Function('require', `${NAIVE}; return naive;`)(createRequire(import.meta.url));

async function main() {
  if (!existsSync(cliPath)) throw new Error('dist/ is missing: run npm run build first');
  if (!json) log(`registry: ${BASES * PER_BASE} attestations + ${BASES} deployment records, cache ${cache}`);
  const gen = await generate();
  if (!json) log(gen.cached ? '  (cached fixture reused)' : `  generated in ${(gen.ms / 1000).toFixed(1)} s`);
  const registry = new core.LocalRegistry(registryDir);

  // 1. Index build from cold, each in a fresh process, vs the read-and-parse floor.
  const buildTimes = [];
  const floorTimes = [];
  const buildCpu = [];
  const floorCpu = [];
  const buildScript = `const core=require(${JSON.stringify(join(repo, 'dist', 'core.js'))});const {rmSync}=require('fs');rmSync(${JSON.stringify(join(registryDir, 'reverse'))},{recursive:true,force:true});const c=process.cpuUsage();const t=process.hrtime.bigint();const r=new core.LocalRegistry(${JSON.stringify(registryDir)}).rebuildIndex();const u=process.cpuUsage(c);process.stdout.write(JSON.stringify({ms:Number(process.hrtime.bigint()-t)/1e6,cpuMs:(u.user+u.system)/1000,entries:r.entries}))`;
  const floorScript = `const {readdirSync,readFileSync}=require('fs');const {join}=require('path');const d=${JSON.stringify(join(registryDir, 'blobs', 'sha256'))};const c=process.cpuUsage();const t=process.hrtime.bigint();let n=0;for(const f of readdirSync(d)){const b=JSON.parse(readFileSync(join(d,f),'utf8'));JSON.parse(Buffer.from(b.dsseEnvelope.payload,'base64').toString('utf8'));n++}const u=process.cpuUsage(c);process.stdout.write(JSON.stringify({ms:Number(process.hrtime.bigint()-t)/1e6,cpuMs:(u.user+u.system)/1000,entries:n}))`;
  const buildRuns = Math.min(RUNS, 3);
  let entries = 0;
  for (let i = 0; i < buildRuns; i++) {
    const f = JSON.parse((await run(['-e', floorScript])).out);
    floorTimes.push(f.ms);
    floorCpu.push(f.cpuMs);
    const b = JSON.parse((await run(['-e', buildScript])).out);
    buildTimes.push(b.ms);
    buildCpu.push(b.cpuMs);
    entries = b.entries;
    if (!json) log(`  cold build ${i + 1}/${buildRuns}: ${(b.ms / 1000).toFixed(2)} s (floor ${(f.ms / 1000).toFixed(2)} s)`);
  }

  // 2. In process, warm: the indexed impact (loading the index each call) vs the naive scan.
  const indexed = async () => (await core.impact({ registry, target: { kind: 'artifact', digest: popular } })).affected.map((n) => n.digest).sort();
  const answer = await indexed();
  const naiveAnswer = naive(registryDir, popular);
  if (JSON.stringify(answer) !== JSON.stringify(naiveAnswer)) throw new Error(`indexed and naive answers differ: ${answer.length} vs ${naiveAnswer.length}`);
  const inproc = [];
  const naiveIn = [];
  const inprocCpu = [];
  const naiveInCpu = [];
  const cpu = (c) => {
    const u = process.cpuUsage(c);
    return (u.user + u.system) / 1000;
  };
  for (let i = 0; i < RUNS; i++) {
    let c0 = process.cpuUsage();
    let t0 = process.hrtime.bigint();
    await indexed();
    inproc.push(ms(t0));
    inprocCpu.push(cpu(c0));
    c0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    naive(registryDir, popular);
    naiveIn.push(ms(t0));
    naiveInCpu.push(cpu(c0));
  }
  const deployments = (await core.impact({ registry, target: { kind: 'artifact', digest: popular } })).deployments.length;

  // 3. Whole process: the CLI vs a process doing the naive scan.
  const cli = [];
  const naiveProc = [];
  const cliCpu = [];
  const naiveProcCpu = [];
  const cliArgs = [cliPath, 'incident', 'impact', popular, '--registry', registryDir, '--no-workspace', '--format', 'json'];
  await run(cliArgs);
  const startup = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await run(cliArgs);
    cli.push(r.ms);
    cliCpu.push(r.cpuMs);
    if (JSON.parse(r.out).affected.length !== answer.length) throw new Error('the CLI answer differs');
    const nv = await run(['-e', `${NAIVE}; naive(${JSON.stringify(registryDir)}, ${JSON.stringify(popular)}).length`]);
    naiveProc.push(nv.ms);
    naiveProcCpu.push(nv.cpuMs);
    startup.push((await run([cliPath, '--version'])).ms);
  }

  const result = {
    machine: machine(),
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    registry: { attestations: BASES * PER_BASE, deploymentRecords: BASES, indexedEntries: entries, popularDataset: popular, affected: answer.length, deploymentsFound: deployments, generatedMs: gen.cached ? 'cached' : Math.round(gen.ms) },
    coldBuild: { medianMs: median(buildTimes), floorMedianMs: median(floorTimes), ratio: median(buildTimes) / median(floorTimes), cpuMedianMs: median(buildCpu), floorCpuMedianMs: median(floorCpu), targetMs: 10_000, runs: buildTimes },
    inProcess: { medianMs: median(inproc), naiveMedianMs: median(naiveIn), speedup: median(naiveIn) / median(inproc), cpuMedianMs: median(inprocCpu), naiveCpuMedianMs: median(naiveInCpu), targetMs: 100, runs: inproc },
    wholeProcess: { medianMs: median(cli), naiveMedianMs: median(naiveProc), speedup: median(naiveProc) / median(cli), cpuMedianMs: cliCpu[0] === undefined ? undefined : median(cliCpu), naiveCpuMedianMs: naiveProcCpu[0] === undefined ? undefined : median(naiveProcCpu), cliStartupMs: median(startup), targetMs: 300, runs: cli },
  };
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const f = (x) => `${x.toFixed(1)} ms`;
    const pass = (v, t) => (v < t ? 'PASS' : 'MISS');
    log('');
    log(`popular dataset: ${answer.length} affected artifacts (of ${BASES * PER_BASE}), ${deployments} deployment records; indexed answer == naive answer`);
    const c = (x) => (x === undefined ? '?' : f(x));
    log(`index build from cold:   ${f(result.coldBuild.medianMs)} (cpu ${c(result.coldBuild.cpuMedianMs)})   floor (read+parse every blob) ${f(result.coldBuild.floorMedianMs)} (cpu ${c(result.coldBuild.floorCpuMedianMs)})   ratio ${result.coldBuild.ratio.toFixed(2)}   < 10 s: ${pass(result.coldBuild.medianMs, 10_000)}`);
    log(`impact, in process warm: ${f(result.inProcess.medianMs)} (cpu ${c(result.inProcess.cpuMedianMs)})   naive scan ${f(result.inProcess.naiveMedianMs)} (cpu ${c(result.inProcess.naiveCpuMedianMs)})   ${result.inProcess.speedup.toFixed(0)}× faster   < 100 ms: ${pass(result.inProcess.medianMs, 100)}`);
    log(`impact, whole process:   ${f(result.wholeProcess.medianMs)} (cpu ${c(result.wholeProcess.cpuMedianMs)})   naive process ${f(result.wholeProcess.naiveMedianMs)} (cpu ${c(result.wholeProcess.naiveCpuMedianMs)})   ${result.wholeProcess.speedup.toFixed(0)}× faster   (CLI start-up ${f(result.wholeProcess.cliStartupMs)})   < 300 ms: ${pass(result.wholeProcess.medianMs, 300)}`);
    log(`load average: ${result.loadAverage.join(' ')}`);
  }
}

main().catch((err) => {
  log(`bench/impact: ${err.stack ?? err}`);
  process.exit(1);
});
