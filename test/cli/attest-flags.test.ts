/** attest flags that take one value refuse a second one instead of keeping only the last (newcomer report, item 10). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/fixtures';

test('attest --framework given twice: exit 2 with [OPTION_REPEATED], naming both values and where other libraries go', async () => {
  const r = await runCli(['attest', '--stage', 'fine-tuning', '--framework', 'pytorch@2.5.1', '--framework', 'transformers@4.46.0', '--subject-digest', `sha256:${'ab'.repeat(32)}`, '--private-key', 'none.pem'], { cwd: tempDir() });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /--framework is given twice \("pytorch@2\.5\.1", "transformers@4\.46\.0"\): a stage records one framework; record other libraries and their versions with --env NAME=VERSION\. \[OPTION_REPEATED\]\n$/);
});

test('attest --dataset NAME=PATH: a named local dataset, hashed and recorded with that name (newcomer re-check 2, item 9)', async () => {
  const { mkdirSync, writeFileSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { hashModel } = await import('../../core');
  const dir = tempDir();
  mkdirSync(join(dir, 'data', 'sft'), { recursive: true });
  writeFileSync(join(dir, 'data', 'sft', 'part-0.jsonl'), '{"q":"a"}\n');
  const key = await runCli(['keygen', '--out', 'k'], { cwd: dir });
  assert.equal(key.code, 0, key.stderr);
  const r = await runCli(['attest', '--stage', 'fine-tuning', '--subject-digest', `sha256:${'ab'.repeat(32)}`, '--subject-name', 'ft', '--base-model', `base=sha256:${'cd'.repeat(32)}`, '--dataset', 'sft=data/sft', '--private-key', 'k.pem', '--no-store', '--output', 'ft.json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const bundle = JSON.parse(readFileSync(join(dir, 'ft.json'), 'utf8'));
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
  const deps = statement.predicate.buildDefinition.resolvedDependencies as { name?: string; digest: { sha256: string }; uri?: string }[];
  const sft = deps.find((d) => d.name === 'sft')!;
  assert.equal(`sha256:${sft.digest.sha256}`, (await hashModel(join(dir, 'data', 'sft'))).digest);
  assert.match(sft.uri!, /^file:\/\/.*\/data\/sft$/);
  // A name with a path that does not exist: the path is named, not "NAME=PATH" as one path.
  const gone = await runCli(['attest', '--stage', 'fine-tuning', '--subject-digest', `sha256:${'ab'.repeat(32)}`, '--dataset', 'sft=data/nope', '--private-key', 'k.pem', '--no-store'], { cwd: dir });
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /^model-provenance: data\/nope: dataset not found .*\[FILE_NOT_FOUND\]\n$/);
});
