/**
 * The demo teaches what a release engineer should do: private keys apart from the registry,
 * a verifier given only public keys, and commands printed so that they can be pasted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { shellQuote } from '../../scripts/lib/shell-quote.mjs';
import { REPO, tempDir } from '../helpers/fixtures';

const bash = (script: string, cwd?: string): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]));

test('shellQuote: every word, however hostile, reaches the command unchanged through bash', () => {
  const words = ['plain', 'NVIDIA L4 x1', "it's", 'a"b', '$HOME', '`id`', '$(id)', 'a\\b', 'tab\there', 'new\nline', '', '*', '~', '-', '--x=y z', 'é ü', '!event', ';', '&&', '#', 'key=value'];
  const r = bash(`printf '%s\\0' ${words.map(shellQuote).join(' ')}`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\0').slice(0, -1), words);
  assert.equal(shellQuote('models/classifier_v2'), 'models/classifier_v2', 'plain words stay readable');
});

test('npm run demo: private keys only in signing-keys/, public keys trusted, commands pasteable', () => {
  const work = join(tempDir('mp-demo-'), 'demo');
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'demo.mjs')], { cwd: REPO, encoding: 'utf8', env: { ...process.env, MODEL_PROVENANCE_DEMO_DIR: work } });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /demo finished/);

  // Private keys: in signing-keys/ (0600 files in a 0700 folder), nowhere else.
  for (const f of files(work)) {
    const isKey = /PRIVATE KEY/.test(readFileSync(f, 'latin1'));
    assert.equal(isKey, f.startsWith(join(work, 'signing-keys')), `${f}: private key outside signing-keys/, or a non-key inside it`);
    if (isKey) assert.equal(statSync(f).mode & 0o777, 0o600, f);
  }
  assert.equal(statSync(join(work, 'signing-keys')).mode & 0o777, 0o700);
  assert.deepEqual(readdirSync(join(work, 'trusted-keys')).sort(), ['trainer.pub.pem', 'vendor.pub.pem']);
  assert.ok(files(join(work, '.provenance')).length > 0, 'the workspace registry holds the attestations');
  // The gate trusts the folder of public keys.
  assert.match(r.stdout, /\n\$ model-provenance verify --model models\/classifier_v2 --attestation models\/classifier_v2\/model\.sig --trusted-keys trusted-keys --policy provenance-policy\.json --format report\n✔ Deployment gate passed/);

  // Pasted as printed, from the workspace, with the alias the demo prints.
  const alias = /^To paste the commands below: cd .* && (alias model-provenance=.*)$/m.exec(r.stdout)![1]!;
  const attest = r.stdout.split('\n').find((l) => l.startsWith('$ model-provenance attest ') && l.includes('--accelerator'))!;
  assert.match(attest, / --accelerator 'NVIDIA L4 x1'/);
  const pasted = bash(`shopt -s expand_aliases\n${alias}\n${attest.slice(2)} --no-store --format json`, work);
  assert.equal(pasted.status, 0, pasted.stderr);
  const hw = JSON.parse(pasted.stdout).statement.predicate.buildDefinition.internalParameters.hardware;
  assert.deepEqual(hw, { accelerators: [{ model: 'NVIDIA L4', count: 1 }] });
  const mv = r.stdout.split('\n').filter((l) => l.startsWith('$ mv '));
  assert.deepEqual(mv, ['$ mv signing-keys/vendor.pub.pem trusted-keys/', '$ mv signing-keys/trainer.pub.pem trusted-keys/']);
});
