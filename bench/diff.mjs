#!/usr/bin/env node
// diff benchmark: `model-provenance diff HEAD:m m` (the model at a revision, read from git's
// object database, against the working tree) measured against a baseline from the same run:
// `model-provenance hash m` (the disk side alone) plus `git cat-file --batch` of the same
// blobs piped into `openssl dgst -sha256` (the git side's floor: the same bytes read and hashed
// once, with SHA-NI). Run: `npm run build && node bench/diff.mjs`
// (`--json` for JSON). Sizes (env): BENCH_DIFF_MIB=256 BENCH_DIFF_FILES=4 BENCH_RUNS=3.
//
// Exit 0 whatever the timings (a benchmark reports, it does not gate); exit 1 when the diff
// does not report exactly the one modified file, or on any error. Temp data is removed.
import { spawn, execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envInt, log, machine, scratch } from './lib/common.mjs';

const MiB = 1024 * 1024;
const json = process.argv.includes('--json');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'dist', 'cli.js');
const total = envInt('BENCH_DIFF_MIB', 256, 1);
const files = envInt('BENCH_DIFF_FILES', 4, 1);
const runs = envInt('BENCH_RUNS', 3, 1);
const work = scratch('model-provenance-bench-diff-');

function writeData(path, mib) {
  const block = Buffer.alloc(Math.min(16 * MiB, mib * MiB));
  const fd = openSync(path, 'w');
  try {
    for (let left = mib * MiB; left > 0; ) {
      randomFillSync(block);
      const n = Math.min(left, block.length);
      for (let off = 0; off < n; ) off += writeSync(fd, block, off, n - off);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}

function time(cmd, args, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: work.dir, stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    work.children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (options.discard ? undefined : (out += d)));
    child.stderr.on('data', (d) => (err += d));
    if (options.input) child.stdin.end(options.input);
    child.on('error', reject);
    child.on('close', (code) => {
      work.children.delete(child);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0 && !(options.ok ?? [0]).includes(code)) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.split('\n')[0]}`));
      resolvePromise({ ms, out, code });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const git = (...args) => execFileSync('git', args, { cwd: work.dir, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com' }, encoding: 'utf8' }).trim();
  log(`setting up a ${total} MiB model in ${files} file(s), committed, one file changed after…`);
  git('init', '-q');
  mkdirSync(join(work.dir, 'm'));
  const per = Math.max(1, Math.floor(total / files));
  for (let i = 0; i < files; i++) writeData(join(work.dir, 'm', `shard-${i}.bin`), per);
  git('add', '-A');
  git('commit', '-qm', 'model');
  writeData(join(work.dir, 'm', 'shard-0.bin'), per);
  const oids = git('ls-tree', '-r', '--object-only', 'HEAD:m').split('\n').join('\n') + '\n';

  const diff = [];
  const hash = [];
  const cat = [];
  await time('node', [cli, '--version']);
  for (let r = 0; r < runs; r++) {
    const d = await time('node', [cli, 'diff', 'HEAD:m', 'm', '--format', 'json', '--no-progress'], { ok: [0, 1] });
    const report = JSON.parse(d.out);
    const f = report.comparisons[0].files;
    if (f.modified !== 1 || f.changes[0].name !== 'shard-0.bin' || f.unchanged !== files - 1) throw new Error(`diff reported ${JSON.stringify({ modified: f.modified, unchanged: f.unchanged })}, expected the one changed file`);
    diff.push(d.ms);
    hash.push((await time('node', [cli, 'hash', 'm', '--no-progress'])).ms);
    cat.push((await time('bash', ['-c', 'git cat-file --batch | openssl dgst -sha256 >/dev/null'], { input: oids, discard: true })).ms);
  }
  const m = { diff: median(diff), hash: median(hash), catFile: median(cat) };
  const baseline = m.hash + m.catFile;
  const result = { sizeMiB: per * files, files, runs, medianMs: m, baselineMs: baseline, ratio: Number((m.diff / baseline).toFixed(2)), machine: machine(), load: (await import('node:os')).default.loadavg()[0] };
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(`diff HEAD:m m (${result.sizeMiB} MiB, ${files} files, median of ${runs})\n`);
    process.stdout.write(`  diff                       ${m.diff.toFixed(0)} ms\n`);
    process.stdout.write(`  baseline: hash m           ${m.hash.toFixed(0)} ms\n`);
    process.stdout.write(`          + git cat-file | openssl dgst  ${m.catFile.toFixed(0)} ms\n`);
    process.stdout.write(`  ratio diff / baseline      ${result.ratio}\n`);
    process.stdout.write(`  machine: ${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}, load ${result.load.toFixed(2)}\n`);
  }
} catch (err) {
  log(`bench/diff: ${err.message}`);
  process.exitCode = 1;
}
