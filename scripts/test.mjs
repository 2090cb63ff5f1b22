// The one test command (npm test): build the bundles, then run every tier with node's test runner.
// The end-to-end tier (test/e2e: real VS Code in code-server, driven by chromium) runs last, when
// scripts/setup-e2e.sh has installed its prerequisites. Without them it is skipped with a note on
// a developer's machine, and fails under CI or MP_REQUIRE_E2E=1, so CI cannot skip it silently.
// `npm test -- core cli` runs only those tiers; `npm test -- e2e` only the end-to-end tier.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { prerequisites, E2E_DIR } from '../test/e2e/lib/env.mjs';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, ['scripts/build.mjs']);
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);

const args = process.argv.slice(2);
const e2e = args.length === 0 || args.includes('e2e');
const tiers = args.filter((t) => t !== 'e2e');
const roots = args.length === 0 ? ['test'] : tiers.map((t) => join('test', t));
const files = [];
const walk = (p) => {
  if (p === join('test', 'e2e')) return;
  if (statSync(p).isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n));
  else if (/\.test\.ts$/.test(p)) files.push(p);
};
roots.forEach(walk);
// Two test files at a time (node's default is cores - 1, one file at a time on CI's 2 cores):
// most files wait on child processes and disk, and the whole tier passed this way.
if (files.length > 0) run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files]);

if (e2e) {
  const pre = prerequisites();
  const required = (Boolean(process.env.CI) && process.env.CI !== 'false') || process.env.MP_REQUIRE_E2E === '1';
  if ('missing' in pre) {
    if (required) {
      console.error(`e2e tier FAILED: its prerequisites are missing (${pre.missing}) and ${process.env.MP_REQUIRE_E2E === '1' ? 'MP_REQUIRE_E2E=1' : 'CI'} requires it. Run scripts/setup-e2e.sh (MP_E2E_DIR=${E2E_DIR}).`);
      process.exit(1);
    }
    console.log(`e2e tier skipped: run scripts/setup-e2e.sh (code-server, Node 24 and chromium into ${E2E_DIR}; missing: ${pre.missing})`);
  } else {
    console.log(`\ne2e tier: code-server + headless chromium (${E2E_DIR})`);
    run(process.execPath, ['--test', '--test-reporter=spec', 'test/e2e/e2e.test.mjs']);
  }
}
