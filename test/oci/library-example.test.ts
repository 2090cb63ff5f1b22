/**
 * The OCI example in docs/library.md runs as written against a real registry with TLS from a
 * private CA: only the host (registry.example.com:5000) and the CA file's path are replaced.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { REPO, tempDir } from '../helpers/fixtures';
import { makeTlsPki, startRegistry } from '../helpers/oci';

test('the OCI example in docs/library.md attests to and verifies from a TLS registry with a private CA', async (t) => {
  const doc = readFileSync(join(REPO, 'docs', 'library.md'), 'utf8');
  const code = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((c) => c.includes("registry: 'oci://"));
  assert.ok(code, 'docs/library.md has a ts example with an oci:// registry');
  const dir = tempDir('mp-oci-libex-');
  const pki = makeTlsPki(join(dir, 'pki'));
  const reg = await startRegistry(join(dir, 'registry'), { tls: { cert: pki.cert, key: pki.key } });
  t.after(() => reg.stop());
  const work = join(dir, 'work');
  mkdirSync(work);
  const out = join(REPO, 'test-output');
  mkdirSync(out, { recursive: true });
  const file = join(out, `oci-example-${process.pid}.mts`);
  // Written inside the package, so that `import … from 'model-provenance'` resolves to this build.
  const runnable = code
    .replace('registry.example.com:5000', reg.host)
    .replace('certs/team-ca.pem', pki.ca);
  assert.notEqual(runnable, code);
  writeFileSync(file, runnable);
  try {
    const tsx = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const env = { ...process.env, MODEL_PROVENANCE_CACHE: join(dir, 'cache'), DOCKER_CONFIG: join(dir, 'no-docker'), MODEL_PROVENANCE_REGISTRY: '' };
    const r = spawnSync(process.execPath, ['--import', tsx, file], { cwd: work, encoding: 'utf8', timeout: 120_000, env });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^stored at oci://${reg.host.replace(/\./g, '\\.')}/team/provenance:sha256-[0-9a-f]{64}\\.[a-z2-7]{52}\\nverified\\n$`));
    // Without the CA file the same registry is refused: the example's caFile is what made it work.
    writeFileSync(file, runnable.replace(`caFile: '${pki.ca}', `, ''));
    const refused = spawnSync(process.execPath, ['--import', tsx, file], { cwd: join(dir, 'pki'), encoding: 'utf8', timeout: 120_000, env });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /REGISTRY_TLS|a private CA needs caFile/);
  } finally {
    rmSync(file, { force: true });
  }
});
