#!/usr/bin/env node
// Two builds of core on the validation fast path, interleaved in one process, so that the
// load of a shared machine falls on both alike: `validateManifestStatic(text)` and, given
// the parsed document, its schema + profile part, on the bench's ML-BOM (bench/lib/bom.mjs).
// Times are CPU time (user + system) per call, medians; the ratio is B / A.
// Use it to check that a change to the static pass keeps it as fast as before:
//   git archive BASE | tar -x -C /tmp/base && (cd /tmp/base && ln -s "$OLDPWD/node_modules" . && node scripts/build.mjs)
//   CORE_A=/tmp/base/dist/core.js node bench/validate-ab.mjs
// Env: CORE_A (required), CORE_B (default: this checkout's dist/core.js), BENCH_COMPONENTS
// (10000), BENCH_ROUNDS (40). Exits 1 if either build reports a finding on the BOM.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBom } from './lib/bom.mjs';
import { log, machine } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
if (!process.env.CORE_A) {
  log('set CORE_A to the core.js bundle to compare against (see the comment at the top)');
  process.exit(2);
}
const builds = [['A', require(resolve(process.env.CORE_A))], ['B', require(resolve(process.env.CORE_B ?? join(repo, 'dist', 'core.js')))]];
const n = Number(process.env.BENCH_COMPONENTS ?? 10000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const text = JSON.stringify(buildBom(n));
const cpu = (fn) => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

for (const [name, core] of builds) {
  const f = core.validateManifestStatic(text, 'bench.cdx.json').findings;
  if (f.length) {
    log(`build ${name} reports ${f.length} finding(s) on the bench BOM: ${JSON.stringify(f.slice(0, 3))}`);
    process.exit(1);
  }
  for (let i = 0; i < 3; i++) core.validateManifestStatic(text, 'bench.cdx.json');
}
const t = { A: { full: [], given: [] }, B: { full: [], given: [] } };
for (let i = 0; i < rounds; i++) {
  for (const [name, core] of i % 2 ? builds : [...builds].reverse()) {
    t[name].full.push(cpu(() => core.validateManifestStatic(text, 'bench.cdx.json')));
    const doc = core.parseJsonDocument(text, 'bench.cdx.json');
    t[name].given.push(cpu(() => core.validateManifestStatic(text, 'bench.cdx.json', undefined, doc)));
  }
}
const m = machine();
const ms = (x) => `${x.toFixed(1)} ms`;
log(`validate A/B: ${n} components (${(text.length / 1e6).toFixed(2)} MB), ${rounds} interleaved rounds; ${m.cpu}, ${m.cores} cores, node ${m.node}`);
for (const [k, label] of [['full', 'validateManifestStatic(text)'], ['given', 'schema + profile, parsed document']]) {
  const a = median(t.A[k]);
  const b = median(t.B[k]);
  process.stdout.write(`${label}: A ${ms(a)}, B ${ms(b)}, B/A ${(b / a).toFixed(3)} (CPU time, medians)\n`);
}
