import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { REPO, tempDir } from '../helpers/fixtures';

test('the ProvenanceTracker example in docs/library.md runs exactly as written', () => {
  const doc = readFileSync(join(REPO, 'docs', 'library.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(code, 'docs/library.md has a ts example');
  assert.match(code, /new ProvenanceTracker\(/);
  // Inside the package, so that `import … from 'model-provenance'` resolves to this build.
  const dir = join(REPO, 'test-output');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `docs-example-${process.pid}.mts`);
  writeFileSync(file, code);
  const work = tempDir();
  try {
    const tsx = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const r = spawnSync(process.execPath, ['--import', tsx, file], { cwd: work, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^verified \[ 'fine-tuning by prod' \]/);
  } finally {
    rmSync(file, { force: true });
  }
});
