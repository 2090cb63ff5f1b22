import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { REPO, tempDir } from '../helpers/fixtures';

test('the incident-response example in docs/library.md runs exactly as written', () => {
  const doc = readFileSync(join(REPO, 'docs', 'library.md'), 'utf8');
  const code = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((c) => c.includes('.flag('));
  assert.ok(code, 'docs/library.md has a ts example that calls flag()');
  const dir = join(REPO, 'test-output');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `incident-example-${process.pid}.mts`);
  writeFileSync(file, code);
  const work = tempDir();
  try {
    const tsx = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const r = spawnSync(process.execPath, ['--import', tsx, file], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^MP-\d{4}-0001 \[ 'fine-tuning verified', 'quantization verified' \]\nfailed \[ 'FLAGGED_ARTIFACT' \]\n$/);
  } finally {
    rmSync(file, { force: true });
  }
});
