#!/usr/bin/env node
// Start-up benchmark (issue 10, section 5): the CLI as a deployment gate or a pre-commit hook
// runs it, one whole process per file, against `node -e 0` (and `openssl dgst -sha256` for the
// hashing cases) measured in the same run, interleaved.
//
//   node bench/startup.mjs [--json]
//
// Goals, whole process, median of BENCH_RUNS (5) after one warm-up round:
//   --version < 100 ms; manifest validate of a small (~2 KB) ML-BOM < 150 ms; verify key of a
//   3-file model < 200 ms; hash of one 1 GiB file <= 1.10x openssl on it; hash of a folder of
//   4 x 256 MiB files <= 0.65x openssl over the same files in sequence.
// The millisecond goals were set "against `node -e 0`" on a machine where node alone took 70 ms
// (issue 10). Node's own start-up differs between machines by more than 2x, so each is judged as
// a ratio to the baseline measured in the same run: goal / 70 ms x `node -e 0` here (100 ms ->
// 1.43x, 150 ms -> 2.14x, 200 ms -> 2.86x). Both are printed; PASS/MISS is the scaled one
// (docs/performance.md).
// Env: BENCH_RUNS (5), BENCH_SINGLE_MIB (1024), BENCH_DIR_FILES (4), BENCH_DIR_FILE_MIB (256),
// BENCH_CLI=PATH to time another build's dist/cli.js, BENCH_HASH=0 to leave the hashing cases out (a quick run of the three start-up cases).
// Only public tools: node, process.hrtime, openssl, /proc for the load figures. The run exits 0
// whatever the timings; it exits 1 when a command fails or prints a wrong result.
import { spawnSync } from 'node:child_process';
import { randomBytes, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envInt, log, machine, scratch } from './lib/common.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = resolve(process.env.BENCH_CLI ?? join(repo, 'dist', 'cli.js')); // BENCH_CLI: another build, for a before/after
const JSON_OUT = process.argv.includes('--json');
const RUNS = envInt('BENCH_RUNS', 5, 1);
const SINGLE_MIB = envInt('BENCH_SINGLE_MIB', 1024, 1);
const DIR_FILES = envInt('BENCH_DIR_FILES', 4, 1);
const DIR_FILE_MIB = envInt('BENCH_DIR_FILE_MIB', 256, 1);
const HASH = process.env.BENCH_HASH !== '0';
const NOISY_CORES = 0.15;
/** What `node -e 0` took on the machine where the issue set the millisecond goals. */
const ISSUE_NODE_MS = 70;

if (!existsSync(cli)) {
  log(`no ${cli}: run npm run build first`);
  process.exit(1);
}

// ---------------------------------------------------------------- fixtures
const tmp = scratch('mp-bench-startup-').dir;
const failures = [];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: tmp, maxBuffer: 64 << 20, ...opts });
  if (r.error) throw r.error;
  return r;
}
function setup(args) {
  const r = run(process.execPath, [cli, ...args]);
  if (r.status !== 0) throw new Error(`setup: model-provenance ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

// A 3-file model (config, weights, tokenizer), a P-256 key pair, its OMS signature, and the
// ML-BOM `manifest init` writes for it (~2.4 KB), as a pre-commit hook would meet them.
const model = join(tmp, 'model');
mkdirSync(model);
writeFileSync(join(model, 'config.json'), JSON.stringify({ architectures: ['BertModel'], hidden_size: 64, num_hidden_layers: 2 }, null, 2));
writeFileSync(join(model, 'model.safetensors'), randomBytes(64 << 10));
writeFileSync(join(model, 'tokenizer.json'), JSON.stringify({ version: '1.0', model: { type: 'WordPiece', vocab: { '[PAD]': 0, '[UNK]': 1 } } }));
setup(['keygen', '--out', join(tmp, 'key')]);
setup(['sign', 'key', model, '--private-key', join(tmp, 'key.pem')]);
const bom = join(tmp, 'model.cdx.json');
setup(['manifest', 'init', model, '--output', bom]);
const bomBytes = readFileSync(bom).length;

// Hashing data: 16 MiB random blocks with the first 64 bytes made random again per write (no
// two chunks alike), fsync'd so that write-back does not overlap the timings.
function writeData(path, mib) {
  const block = randomBytes(16 << 20);
  const fd = openSync(path, 'w');
  try {
    for (let left = mib << 20; left > 0; ) {
      randomFillSync(block, 0, 64);
      const n = Math.min(left, block.length);
      writeSync(fd, block, 0, n);
      left -= n;
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
const single = join(tmp, 'single.bin');
const folder = join(tmp, 'folder');
const folderFiles = [];
if (HASH) {
  log(`writing ${SINGLE_MIB} MiB + ${DIR_FILES} x ${DIR_FILE_MIB} MiB of test data in ${tmp}`);
  writeData(single, SINGLE_MIB);
  mkdirSync(folder);
  for (let i = 0; i < DIR_FILES; i++) {
    const f = join(folder, `model-${String(i + 1).padStart(5, '0')}-of-${String(DIR_FILES).padStart(5, '0')}.safetensors`);
    writeData(f, DIR_FILE_MIB);
    folderFiles.push(f);
  }
}

// ---------------------------------------------------------------- measuring
// CPU time used machine-wide (/proc/stat) minus this process and its reaped children
// (/proc/self/stat): how many cores something else kept busy during a measurement.
function cpuSample() {
  try {
    const all = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const busy = all.reduce((a, b) => a + b, 0) - all[3] - (all[4] ?? 0);
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    return { t: process.hrtime.bigint(), busy, mine: f[11] + f[12], children: f[13] + f[14] };
  } catch {
    return undefined;
  }
}
const HZ = 100; // USER_HZ on Linux

/** One whole process, timed by the wall clock around it; checks its exit code and output. */
function timed(cmd, args, check) {
  const a = cpuSample();
  const t0 = process.hrtime.bigint();
  const r = run(cmd, args);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const b = cpuSample();
  const problem = check(r);
  if (problem) failures.push(`${[cmd, ...args].join(' ')}: ${problem}`);
  const secs = Number(b && a ? b.t - a.t : 1n) / 1e9;
  return {
    ms,
    cpuMs: a && b ? ((b.children - a.children) * 1000) / HZ : undefined,
    otherCores: a && b ? Math.max(0, (b.busy - a.busy - (b.mine - a.mine) - (b.children - a.children)) / HZ / secs) : undefined,
  };
}

const ok = (r) => (r.status === 0 ? undefined : `exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
const opensslHex = (r) => /^([0-9a-f]{64})/.exec(r.stdout)?.[1];

/** Every resource digest the CLI printed equals openssl's digest of that file. */
function hashCheck(files) {
  return (r) => {
    const bad = ok(r);
    if (bad) return bad;
    const out = JSON.parse(r.stdout);
    if (out.resources?.length !== files.length) return `expected ${files.length} resources, got ${out.resources?.length}`;
    for (const [i, f] of files.entries()) {
      const ref = expected.get(f);
      if (out.resources[i].digest !== ref) return `digest of ${f}: ${out.resources[i].digest} != openssl ${ref}`;
    }
    return undefined;
  };
}
const expected = new Map();

const node = process.execPath;
const cases = [
  { id: 'node', label: 'baseline: `node -e 0`', run: () => timed(node, ['-e', '0'], ok) },
  { id: 'version', label: '`model-provenance --version`', goalMs: 100, run: () => timed(node, [cli, '--version'], (r) => ok(r) ?? (/^\d+\.\d+\.\d+/.test(r.stdout) ? undefined : `prints ${r.stdout}`)) },
  {
    id: 'validate',
    label: `\`manifest validate\` of a ${(bomBytes / 1024).toFixed(1)} KB ML-BOM`,
    goalMs: 150,
    run: () => timed(node, [cli, 'manifest', 'validate', bom], (r) => ok(r) ?? (/ error /.test(r.stdout + r.stderr) ? `reports an error: ${r.stdout}` : undefined)),
  },
  {
    id: 'verify',
    label: '`verify key` of a 3-file model',
    goalMs: 200,
    run: () => timed(node, [cli, 'verify', 'key', model, '--public-key', join(tmp, 'key.pub.pem')], (r) => ok(r) ?? (r.stdout.startsWith('VERIFIED') ? undefined : `prints ${r.stdout}`)),
  },
];
if (HASH) {
  const openssl = (f) => timed('openssl', ['dgst', '-sha256', '-r', f], (r) => ok(r) ?? (opensslHex(r) === expected.get(f) ? undefined : `digest ${opensslHex(r)} != ${expected.get(f)}`));
  cases.push(
    { id: 'opensslSingle', label: `baseline: \`openssl dgst -sha256\` of one ${SINGLE_MIB} MiB file`, run: () => openssl(single) },
    { id: 'hashSingle', label: `\`model-provenance hash\` of one ${SINGLE_MIB} MiB file`, goalRatio: 1.1, baseline: 'opensslSingle', run: () => timed(node, [cli, 'hash', single, '--format', 'json'], hashCheck([single])) },
    {
      id: 'opensslFolder',
      label: `baseline: \`openssl dgst -sha256\` of ${DIR_FILES} x ${DIR_FILE_MIB} MiB files, one process per file in sequence`,
      run: () => folderFiles.map(openssl).reduce((a, b) => ({ ms: a.ms + b.ms, cpuMs: (a.cpuMs ?? 0) + (b.cpuMs ?? 0), otherCores: Math.max(a.otherCores ?? 0, b.otherCores ?? 0) })),
    },
    { id: 'hashFolder', label: `\`model-provenance hash\` of a folder of ${DIR_FILES} x ${DIR_FILE_MIB} MiB files`, goalRatio: 0.65, baseline: 'opensslFolder', run: () => timed(node, [cli, 'hash', folder, '--format', 'json'], hashCheck(folderFiles)) },
  );
  // The reference digests, and the warm page cache, from one untimed openssl pass.
  for (const f of [single, ...folderFiles]) expected.set(f, opensslHex(run('openssl', ['dgst', '-sha256', '-r', f])));
}

const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const loadBefore = load();
log(`load average ${loadBefore.join(', ')}; warm-up round, then ${RUNS} timed rounds`);
for (const c of cases) c.run(); // warm-up: page cache, node's own caches
const samples = Object.fromEntries(cases.map((c) => [c.id, []]));
for (let i = 0; i < RUNS; i++) for (const c of cases) samples[c.id].push(c.run());
const loadAfter = load();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 1) => (x === undefined ? undefined : Number(x.toFixed(d)));
const results = cases.map((c) => {
  const s = samples[c.id];
  const ms = median(s.map((x) => x.ms));
  const base = median(samples[c.baseline ?? 'node'].map((x) => x.ms));
  const r = {
    id: c.id,
    label: c.label,
    medianMs: round(ms),
    runsMs: s.map((x) => round(x.ms)),
    cpuMs: round(median(s.map((x) => x.cpuMs ?? 0)), 0),
    cpuVsBaseline: c.id === 'node' || c.id.startsWith('openssl') ? undefined : round(median(s.map((x) => x.cpuMs ?? 0)) / Math.max(1, median(samples[c.baseline ?? 'node'].map((x) => x.cpuMs ?? 0))), 2),
    otherCores: round(median(s.map((x) => x.otherCores ?? 0)), 2),
  };
  if (c.id !== 'node' && !c.id.startsWith('openssl')) r.vsBaseline = round(ms / base, 2);
  if (c.goalMs !== undefined) {
    // Scaled to this machine: the issue's goal as a ratio to its node (70 ms), times node here.
    const goalRatio = c.goalMs / ISSUE_NODE_MS;
    const scaledMs = goalRatio * base;
    Object.assign(r, {
      goal: `< ${c.goalMs} ms`,
      absolutePass: ms < c.goalMs,
      scaledGoal: `<= ${goalRatio.toFixed(2)}x node -e 0 = ${scaledMs.toFixed(1)} ms here`,
      scaledGoalMs: round(scaledMs),
      goalRatio: round(goalRatio, 2),
      pass: ms <= scaledMs,
    });
  }
  if (c.goalRatio !== undefined) Object.assign(r, { goal: `<= ${c.goalRatio.toFixed(2)}x openssl`, ratio: round(ms / base, 3), pass: ms / base <= c.goalRatio });
  return r;
});
const otherCores = round(median(Object.values(samples).flat().map((x) => x.otherCores ?? 0)), 2);
const report = { machine: machine(), date: new Date().toISOString(), runs: RUNS, loadAverage: { before: loadBefore, after: loadAfter }, otherCores, noisy: otherCores > NOISY_CORES, bomBytes, results, failures };

if (JSON_OUT) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  const m = report.machine;
  const lines = [
    `start-up benchmark: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.openssl}`,
    `load average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after; other processes kept ${otherCores} cores busy (median)${report.noisy ? ' -- NOISY: re-run on a quiet machine' : ''}`,
    `median of ${RUNS} whole-process runs after one warm-up, interleaved; ms goals scaled by node -e 0 here / ${ISSUE_NODE_MS} ms (node in the issue)`,
    '',
  ];
  for (const r of results) {
    const vs = r.ratio !== undefined ? `  ${r.ratio.toFixed(3)}x openssl` : r.vsBaseline !== undefined ? `  ${r.vsBaseline.toFixed(2)}x node -e 0` : '';
    const goal = r.scaledGoal
      ? `  goal ${r.goal} (${r.absolutePass ? 'met' : 'not met'} as such), scaled ${r.scaledGoal}: ${r.pass ? 'PASS' : 'MISS'}`
      : r.goal
        ? `  goal ${r.goal}: ${r.pass ? 'PASS' : 'MISS'}`
        : '';
    const cpuVs = r.cpuVsBaseline !== undefined ? ` = ${r.cpuVsBaseline.toFixed(2)}x` : '';
    lines.push(`${r.label.padEnd(92)} ${String(r.medianMs.toFixed(1)).padStart(8)} ms  (cpu ${r.cpuMs} ms${cpuVs})${vs}${goal}`);
    lines.push(`${''.padEnd(92)} runs ${r.runsMs.join(' / ')}`);
  }
  if (failures.length) lines.push('', 'FAILURES:', ...failures);
  process.stdout.write(`${lines.join('\n')}\n`);
}
process.exitCode = failures.length ? 1 : 0;
