// The one test command (npm test): build the bundles, then run every tier with node's test runner.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, ['scripts/build.mjs']);
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);

const tiers = process.argv.slice(2);
const roots = tiers.length > 0 ? tiers.map((t) => join('test', t)) : ['test'];
const files = [];
const walk = (p) => {
  if (statSync(p).isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n));
  else if (/\.test\.ts$/.test(p)) files.push(p);
};
roots.forEach(walk);
run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files]);
