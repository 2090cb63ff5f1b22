import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { REPO, tempDir } from '../helpers/fixtures';

test('the tracker.report example in docs/library.md runs exactly as written', () => {
  const doc = readFileSync(join(REPO, 'docs', 'library.md'), 'utf8');
  const code = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((c) => c.includes('tracker.report('));
  assert.ok(code, 'docs/library.md has a tracker.report example');
  // Inside the package, so that `import … from 'model-provenance'` resolves to this build.
  const dir = join(REPO, 'test-output');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `docs-report-example-${process.pid}.mts`);
  writeFileSync(file, code);
  const work = tempDir();
  try {
    const tsx = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const r = spawnSync(process.execPath, ['--import', tsx, file], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    // 2(c) compute resources: hardware and times from the signed pre-training attestation.
    assert.match(r.stdout, /^\d+(\.\d)? evidence\n$/);
    const html = readFileSync(join(work, 'annex-iv.html'), 'utf8');
    assert.ok(html.includes('A person reviews every output.') && html.includes('Jane Doe'));
  } finally {
    rmSync(file, { force: true });
  }
});
