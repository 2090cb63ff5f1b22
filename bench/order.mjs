#!/usr/bin/env node
// Resource-order benchmark: sorting a model's or dataset's file list into model_signing's order
// (path components, code points), which every root digest needs. Ours: `comparePaths` from
// dist/core.js, what enumerateModel and computeResources sort with. Baseline, measured in the
// same run: the whole-string code-point sort model-provenance 0.1 used (`Buffer.compare` of the
// UTF-8 bytes; another order, same work). A third, naive component sort (split + Buffer.compare
// per component) checks that our order is right.
//
// Run: `npm run build && node bench/order.mjs` (`--json` for JSON; BENCH_FILES=200000 BENCH_RUNS=5).
// Exit 0 whatever the timings; exit 1 if comparePaths and the naive component sort disagree.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envInt, log, machine } from './lib/common.mjs';

const json = process.argv.includes('--json');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { comparePaths } = createRequire(import.meta.url)(join(repo, 'dist', 'core.js'));
const FILES = envInt('BENCH_FILES', 200_000, 10);
const RUNS = envInt('BENCH_RUNS', 5, 1);

/** A dataset-like tree: shards in numbered folders, siblings that extend a folder's name, some non-ASCII. */
function names(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const shard = `train-${String(i % 512).padStart(5, '0')}`;
    const kind = i % 10;
    if (kind === 0) out.push(`${shard}.json`);
    else if (kind === 1) out.push(`données/${shard}/échantillon-${i}.parquet`);
    else if (kind === 2) out.push(`images/${shard}/${i}\u{1F600}.png`);
    else out.push(`images/${shard}/${i}.jpg`);
  }
  // A fixed shuffle, so every method sorts the same input.
  let seed = 42;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(compare, input) {
  const ms = [];
  let result;
  for (let r = 0; r < RUNS; r++) {
    const copy = [...input];
    const t = performance.now();
    result = copy.sort(compare);
    ms.push(performance.now() - t);
  }
  return { ms: median(ms), result };
}

const utf8 = (s) => Buffer.from(s, 'utf8');
const codePoint = (x, y) => Buffer.compare(utf8(x), utf8(y));
const naiveComponents = (x, y) => {
  const xs = x.split('/');
  const ys = y.split('/');
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const c = Buffer.compare(utf8(xs[i]), utf8(ys[i]));
    if (c !== 0) return c;
  }
  return xs.length - ys.length;
};

const input = names(FILES);
log(`sorting ${FILES} paths, median of ${RUNS}`);
const baseline = time(codePoint, input);
const ours = time(comparePaths, input);
const naive = time(naiveComponents, input);
const same = ours.result.every((x, i) => x === naive.result[i]);
const report = {
  machine: machine(),
  loadAverage1m: Number((await import('node:os')).loadavg()[0].toFixed(1)),
  files: FILES,
  runs: RUNS,
  baselineCodePointMs: Math.round(baseline.ms),
  comparePathsMs: Math.round(ours.ms),
  naiveComponentsMs: Math.round(naive.ms),
  ratio: Number((ours.ms / baseline.ms).toFixed(2)),
  sameOrderAsNaive: same,
};
if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  process.stdout.write(
    `${FILES} paths (load ${report.loadAverage1m}): 0.1 code-point sort ${report.baselineCodePointMs} ms; comparePaths ${report.comparePathsMs} ms ` +
      `(${report.ratio}x the baseline); naive component sort ${report.naiveComponentsMs} ms; same order as the naive sort: ${same}\n`,
  );
}
process.exit(same ? 0 : 1);
