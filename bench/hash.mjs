#!/usr/bin/env node
// Hashing benchmark: model-provenance (dist/core.js hashModel) against `openssl dgst -sha256`,
// the one-core SHA-NI baseline. Run: `npm run build && npm run bench:hash` (add `-- --json`).
//
// Sizes (MiB, env): BENCH_SINGLE_MIB=2048 BENCH_DIR_FILES=8 BENCH_DIR_FILE_MIB=256 BENCH_RUNS=3
// A quick smoke run: BENCH_SINGLE_MIB=64 BENCH_DIR_FILES=4 BENCH_DIR_FILE_MIB=16 node bench/hash.mjs
//
// Exit 0 whatever the timings (a benchmark reports, it does not gate); exit 1 on a digest
// mismatch or any error; 130/143 on SIGINT/SIGTERM. The temp data is removed in every case.
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envInt, log, machine, scratch } from './lib/common.mjs';

const TARGET_SINGLE_RATIO = 1.1; // ours / openssl, single file
const TARGET_DIR_RATIO = 0.65; // ours / openssl run per file in sequence
const TARGET_RSS_MB = 150; // peak RSS of the hashing process, MB = 10^6 bytes
const NOISY_CORES = 0.15; // other processes' load above which timings are flagged

const MiB = 1024 * 1024;
const json = process.argv.includes('--json');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corePath = join(repo, 'dist', 'core.js');



// ---------------------------------------------------------------- temp data and cleanup
let tmp;
const work = scratch('model-provenance-bench-', { lazy: true });
const children = work.children;
const cleanup = work.cleanup;

/** Writes `mib` MiB of random-looking data: one 16 MiB random block, its head re-randomised per write. */
function writeDataFile(path, mib, block) {
  const fd = openSync(path, 'w');
  try {
    let left = mib * MiB;
    while (left > 0) {
      randomFillSync(block, 0, 64); // every block differs, so no two files or chunks repeat
      const n = Math.min(left, block.length);
      let off = 0;
      while (off < n) off += writeSync(fd, block, off, n - off);
      left -= n;
    }
    // Flush now so background write-back does not compete with the timed runs.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------- processes
function run(cmd, args, env) {
  return new Promise((resolvePromise, rejectPromise) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : process.env });
    children.add(child);
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => {
      children.delete(child);
      rejectPromise(e);
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        rejectPromise(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr || stdout}`));
      } else {
        resolvePromise({ ms, stdout, stderr });
      }
    });
  });
}

async function opensslDigest(file) {
  const { ms, stdout } = await run('openssl', ['dgst', '-sha256', '-r', file]);
  const m = /^([0-9a-f]{64})\b/.exec(stdout.trim());
  if (!m) throw new Error(`cannot read openssl output: ${stdout}`);
  return { ms, digest: m[1] };
}

async function opensslDir(files) {
  let ms = 0;
  const digests = {};
  for (const f of files) {
    const r = await opensslDigest(f.path); // one process per file, one after another
    ms += r.ms;
    digests[f.name] = r.digest;
  }
  return { ms, digests };
}

// The child requires the bundle before the clock starts: node start-up and module load are excluded.
const CHILD = `
const core = require(process.env.BENCH_CORE);
const t0 = process.hrtime.bigint();
core.hashModel(process.env.BENCH_TARGET).then((r) => {
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, digest: r.digest, resources: r.resources, totalBytes: r.totalBytes }));
}, (err) => { console.error(err && err.stack || err); process.exit(1); });
`;
const IDLE_CHILD = `
require(process.env.BENCH_CORE);
process.stdout.write(JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
`;

async function ours(target) {
  const { ms: wallMs, stdout } = await run(process.execPath, ['-e', CHILD], { BENCH_CORE: corePath, BENCH_TARGET: target });
  const r = JSON.parse(stdout);
  return { ...r, wallMs };
}

// ---------------------------------------------------------------- foreign load
// Other processes on the machine (a test suite, say) skew timings. CPU time used machine-wide
// (/proc/stat) minus that of this process and its finished children (/proc/self/stat) gives
// how many cores something else kept busy during a measurement.
function cpuSample() {
  try {
    const all = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = all.reduce((a, b) => a + b, 0);
    const busy = total - all[3] - (all[4] ?? 0); // minus idle and iowait
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    const mine = f[11] + f[12] + f[13] + f[14]; // utime stime cutime cstime
    return { t: process.hrtime.bigint(), busy, mine };
  } catch {
    return undefined; // not Linux: no load figure
  }
}
const hz = 100; // USER_HZ, the unit of /proc/stat and /proc/self/stat on Linux
const foreignLoads = [];
async function measured(fn) {
  const a = cpuSample();
  const r = await fn();
  const b = cpuSample();
  if (a && b) {
    const secs = Number(b.t - a.t) / 1e9;
    foreignLoads.push(Math.max(0, (b.busy - a.busy - (b.mine - a.mine)) / hz / secs));
  }
  return r;
}

// ---------------------------------------------------------------- checks
const failures = [];
function rootOf(resources) {
  const h = createHash('sha256');
  for (const r of resources) h.update(Buffer.from(r.digest, 'hex'));
  return h.digest('hex');
}
function checkSingle(o, ref, label) {
  const got = o.resources?.[0]?.digest;
  if (o.resources?.length !== 1 || got !== ref) failures.push(`${label}: single-file digest ${got} != openssl ${ref}`);
  if (o.digest !== `sha256:${rootOf(o.resources ?? [])}`) failures.push(`${label}: root digest ${o.digest} does not match its resources`);
}
function checkDir(o, ref, label) {
  const names = Object.keys(ref);
  if (o.resources?.length !== names.length) failures.push(`${label}: ${o.resources?.length} resources, expected ${names.length}`);
  for (const r of o.resources ?? []) {
    if (ref[r.name] !== r.digest) failures.push(`${label}: ${r.name} digest ${r.digest} != openssl ${ref[r.name]}`);
  }
  if (o.digest !== `sha256:${rootOf(o.resources ?? [])}`) failures.push(`${label}: root digest ${o.digest} does not match its resources`);
}

// ---------------------------------------------------------------- machine facts

// ---------------------------------------------------------------- main
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mb = (kib) => (kib * 1024) / 1e6;
const fmt = (x, d = 0) => x.toFixed(d);

async function main() {
  const singleMiB = envInt('BENCH_SINGLE_MIB', 2048, 1);
  const dirFiles = envInt('BENCH_DIR_FILES', 8, 1);
  const dirFileMiB = envInt('BENCH_DIR_FILE_MIB', 256, 1);
  const runs = envInt('BENCH_RUNS', 3, 1);

  if (!existsSync(corePath)) throw new Error(`${corePath} not found: run \`npm run build\` first`);
  const facts = machine();
  const totalMiB = singleMiB + dirFiles * dirFileMiB;
  if (totalMiB * MiB > os.freemem() * 0.8) {
    log(`warning: ${totalMiB} MiB of test data may not stay in the page cache (${fmt(os.freemem() / MiB)} MiB free); timings would include disk reads`);
  }

  tmp = work.make();
  log(`writing ${totalMiB} MiB of test data under ${tmp} ...`);
  const block = randomBytes(16 * MiB);
  const single = join(tmp, 'single.bin');
  writeDataFile(single, singleMiB, block);
  const dir = join(tmp, 'model');
  mkdirSync(dir);
  const files = [];
  for (let i = 0; i < dirFiles; i++) {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(dirFiles).padStart(5, '0')}.safetensors`;
    const path = join(dir, name);
    writeDataFile(path, dirFileMiB, block);
    files.push({ name, path });
  }

  const idle = JSON.parse((await run(process.execPath, ['-e', IDLE_CHILD], { BENCH_CORE: corePath })).stdout);
  const t = { osslSingle: [], oursSingle: [], osslDir: [], oursDir: [] };
  const rss = { single: [], dir: [] };
  const wall = { single: [], dir: [] };
  // Round 0 warms the page cache (and checks digests); rounds 1..runs are timed. Interleaved so
  // that a burst of load from elsewhere hits both sides rather than one.
  for (let round = 0; round <= runs; round++) {
    const label = round === 0 ? 'warm-up' : `run ${round}/${runs}`;
    log(`${label}: openssl single ...`);
    const os1 = await measured(() => opensslDigest(single));
    log(`${label}: ours single ...`);
    const o1 = await measured(() => ours(single));
    checkSingle(o1, os1.digest, label);
    log(`${label}: openssl directory (${dirFiles} files in sequence) ...`);
    const os2 = await measured(() => opensslDir(files));
    log(`${label}: ours directory ...`);
    const o2 = await measured(() => ours(dir));
    checkDir(o2, os2.digests, label);
    if (failures.length) break;
    if (round === 0) {
      foreignLoads.length = 0; // count the timed runs only
      continue;
    }
    t.osslSingle.push(os1.ms);
    t.oursSingle.push(o1.ms);
    t.osslDir.push(os2.ms);
    t.oursDir.push(o2.ms);
    rss.single.push(o1.maxRssKiB);
    rss.dir.push(o2.maxRssKiB);
    wall.single.push(o1.wallMs);
    wall.dir.push(o2.wallMs);
  }
  if (failures.length) {
    for (const f of failures) log(`DIGEST MISMATCH ${f}`);
    process.exitCode = 1;
    return;
  }

  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
  const singleRatio = m.oursSingle / m.osslSingle;
  const dirRatio = m.oursDir / m.osslDir;
  const peakRssMB = mb(Math.max(...rss.single, ...rss.dir));
  const results = {
    date: new Date().toISOString(),
    machine: facts,
    // Cores kept busy by other processes during the timed measurements (Linux only).
    otherLoadCores: foreignLoads.length ? { mean: +(foreignLoads.reduce((a, b) => a + b, 0) / foreignLoads.length).toFixed(2), max: +Math.max(...foreignLoads).toFixed(2) } : null,
    sizes: { singleMiB, dirFiles, dirFileMiB, runs },
    medianMs: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, +v.toFixed(1)])),
    runsMs: t,
    oursChildWallMs: { single: median(wall.single), dir: median(wall.dir) },
    throughputMiBs: {
      osslSingle: +(singleMiB / (m.osslSingle / 1000)).toFixed(0),
      oursSingle: +(singleMiB / (m.oursSingle / 1000)).toFixed(0),
      osslDir: +((dirFiles * dirFileMiB) / (m.osslDir / 1000)).toFixed(0),
      oursDir: +((dirFiles * dirFileMiB) / (m.oursDir / 1000)).toFixed(0),
    },
    peakRssMB: { single: +mb(Math.max(...rss.single)).toFixed(1), dir: +mb(Math.max(...rss.dir)).toFixed(1), idleNodePlusCore: +mb(idle.maxRssKiB).toFixed(1) },
    targets: {
      singleRatio: { value: +singleRatio.toFixed(3), target: `<= ${TARGET_SINGLE_RATIO}`, pass: singleRatio <= TARGET_SINGLE_RATIO },
      dirRatio: { value: +dirRatio.toFixed(3), target: `<= ${TARGET_DIR_RATIO}`, pass: dirRatio <= TARGET_DIR_RATIO },
      peakRssMB: { value: +peakRssMB.toFixed(1), target: `< ${TARGET_RSS_MB}`, pass: peakRssMB < TARGET_RSS_MB },
    },
  };

  if (json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  const p = (ok) => (ok ? 'PASS' : 'MISS');
  const lines = [
    `machine: ${facts.cpu}${facts.shaNi ? ' (sha_ni)' : ''}, ${facts.cores} cores, ${facts.ramGiB} GiB RAM`,
    `         node ${facts.node} (OpenSSL ${facts.nodeOpenssl}), ${facts.openssl}, ${facts.kernel}`,
    results.otherLoadCores
      ? `other processes kept ${results.otherLoadCores.mean} cores busy on average (max ${results.otherLoadCores.max}) during the timed runs${results.otherLoadCores.max > NOISY_CORES ? ' -- NOISY: re-run on a quiet machine' : ''}`
      : 'other load: unknown (no /proc)',
    `data: 1 x ${singleMiB} MiB file; ${dirFiles} x ${dirFileMiB} MiB directory; median of ${runs} warm runs`,
    '',
    'case                     openssl ms   ours ms   ours/openssl   ours MiB/s   ours peak RSS',
    `single file              ${fmt(m.osslSingle).padStart(10)}  ${fmt(m.oursSingle).padStart(8)}  ${fmt(singleRatio, 3).padStart(13)}  ${String(results.throughputMiBs.oursSingle).padStart(11)}  ${fmt(results.peakRssMB.single, 1).padStart(11)} MB`,
    `directory (seq openssl)  ${fmt(m.osslDir).padStart(10)}  ${fmt(m.oursDir).padStart(8)}  ${fmt(dirRatio, 3).padStart(13)}  ${String(results.throughputMiBs.oursDir).padStart(11)}  ${fmt(results.peakRssMB.dir, 1).padStart(11)} MB`,
    '',
    `(ours = hashModel() inside a fresh node process, start-up excluded; with start-up: ${fmt(results.oursChildWallMs.single)} / ${fmt(results.oursChildWallMs.dir)} ms.`,
    ` node + dist/core.js loaded, idle: ${fmt(results.peakRssMB.idleNodePlusCore, 1)} MB RSS)`,
    '',
    `${p(results.targets.singleRatio.pass)}  single file ours/openssl ${fmt(singleRatio, 3)} (target <= ${TARGET_SINGLE_RATIO})`,
    `${p(results.targets.dirRatio.pass)}  directory ours/openssl-sequential ${fmt(dirRatio, 3)} (target <= ${TARGET_DIR_RATIO})`,
    `${p(results.targets.peakRssMB.pass)}  peak RSS ${fmt(peakRssMB, 1)} MB (target < ${TARGET_RSS_MB} MB)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

try {
  await main();
} catch (err) {
  log(`error: ${err?.stack ?? err}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
