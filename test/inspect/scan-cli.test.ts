import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';
import { assemble, op, safetensors, stateDictPickle, torchZip } from './builders';

test('verify --scan fails a correctly signed model that carries a dangerous pickle global, naming file and offset', async () => {
  const dir = tempDir();
  const { bytes, offsets } = assemble([op.PROTO(2), op.EMPTY_DICT, op.SHORT_BINUNICODE('a'), op.GLOBAL('os', 'system'), op.SHORT_BINUNICODE('id'), op.TUPLE1, op.REDUCE, op.SETITEM, op.STOP]);
  const model = makeModel(join(dir, 'model'), {
    'pytorch_model.bin': torchZip(bytes),
    'benign.pt': torchZip(stateDictPickle(4)),
    'model.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [2, 2] }]),
  });
  assert.equal((await runCli(['keygen', '--out', join(dir, 'k')])).code, 0);
  assert.equal((await runCli(['sign', 'key', model, '--private-key', join(dir, 'k.pem')])).code, 0);
  // The signature is fine: without --scan the model verifies.
  assert.equal((await runCli(['verify', 'key', model, '--public-key', join(dir, 'k.pub.pem')])).code, 0);
  const scanned = await runCli(['verify', 'key', model, '--public-key', join(dir, 'k.pub.pem'), '--scan', '--format', 'json']);
  assert.equal(scanned.code, 1, scanned.stdout);
  const result = JSON.parse(scanned.stdout);
  const p = result.problems.find((x: { code: string }) => x.code === 'PICKLE_DANGEROUS_GLOBAL');
  assert.equal(p.file, 'pytorch_model.bin');
  assert.match(p.message, /os\.system/);
  assert.match(p.message, new RegExp(`byte ${offsets[3]} of archive/data\\.pkl`));
  assert.equal(result.problems.length, 1, 'the benign checkpoint and the safetensors file are not flagged');

  const inspect = await runCli(['inspect', model]);
  assert.equal(inspect.code, 1);
  assert.match(inspect.stdout, /^DANGEROUS/);
  assert.match(inspect.stdout, /DANGER error PICKLE_DANGEROUS_GLOBAL pytorch_model\.bin!\/archive\/data\.pkl@\d+: /);
});

test('inspect takes the model-scope flags of sign: a symlink is refused with advice it can follow, followed with --allow-symlinks; --ignore-paths and the git paths as sign has them', async () => {
  const dir = tempDir();
  const { bytes } = assemble([op.PROTO(2), op.GLOBAL('os', 'system'), op.SHORT_BINUNICODE('id'), op.TUPLE1, op.REDUCE, op.STOP]);
  const model = makeModel(join(dir, 'model'), { 'model.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [2] }]), 'extra/evil.bin': bytes });
  symlinkSync('model.safetensors', join(model, 'alias.safetensors'));
  const refused = await runCli(['inspect', model]);
  assert.equal(refused.code, 2);
  assert.equal(refused.stderr, `model-provenance: ${join(model, 'alias.safetensors')}: is a symbolic link; symlinks are refused unless --allow-symlinks is given [SYMLINK_NOT_ALLOWED]\n`);
  const followed = await runCli(['inspect', model, '--allow-symlinks', '--format', 'json']);
  assert.equal(followed.code, 1, followed.stderr);
  const names = (JSON.parse(followed.stdout) as { files: { name: string }[] }).files.map((f) => f.name).sort();
  assert.deepEqual(names, ['alias.safetensors', 'extra/evil.bin', 'model.safetensors']);
  // Left out as sign would leave it out: resolved against the working directory, as model_signing does.
  const ignored = await runCli(['inspect', 'model', '--allow-symlinks', '--ignore-paths', 'model/extra'], { cwd: dir });
  assert.equal(ignored.code, 0, ignored.stdout + ignored.stderr);
  assert.match(ignored.stdout, /^OK model: 2 model file\(s\) inspected/);
  // .git is left out by default, in by --no-ignore-git-paths.
  makeModel(join(model, '.git'), { 'hook.bin': bytes });
  assert.equal((await runCli(['inspect', model, '--allow-symlinks', '--ignore-paths', join(model, 'extra')])).code, 0);
  assert.equal((await runCli(['inspect', model, '--allow-symlinks', '--ignore-paths', join(model, 'extra'), '--no-ignore-git-paths'])).code, 1);
});

test('manifest validate: a symlink the manifest did not allow names the manifest property that allows it, not a flag validate does not take', async () => {
  const dir = tempDir();
  const model = makeModel(join(dir, 'm'), { 'w.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [2] }]) });
  assert.equal((await runCli(['manifest', 'init', 'm'], { cwd: dir })).code, 0);
  symlinkSync('w.safetensors', join(model, 'l.bin'));
  const r = await runCli(['manifest', 'validate', 'm.cdx.json'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `model-provenance: ${join(model, 'l.bin')}: is a symbolic link; symlinks are refused unless a manifest whose model-provenance:oms_allow_symlinks property is "true" (made with symlinks allowed) is given [SYMLINK_NOT_ALLOWED]\n`);
});

test('manifest init --allow-symlinks inspects the model with the scope it hashes with (it refused the symlink it had just been allowed)', async () => {
  const dir = tempDir();
  const model = makeModel(join(dir, 'm'), { 'w.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [2] }]) });
  symlinkSync('w.safetensors', join(model, 'link.safetensors'));
  const made = await runCli(['manifest', 'init', 'm', '--allow-symlinks'], { cwd: dir });
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /wrote m\.cdx\.json: 2 file\(s\)/);
  const validated = await runCli(['manifest', 'validate', 'm.cdx.json'], { cwd: dir });
  assert.equal(validated.code, 0, validated.stdout + validated.stderr);
});

test('inspect leaves a folder\'s model.sig out, as sign does (it is the signature, not a file of the model)', async () => {
  const dir = tempDir();
  const model = makeModel(join(dir, 'm'), { 'w.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [2] }]), 'notes.txt': 'x' });
  assert.equal((await runCli(['keygen', '--out', join(dir, 'k')])).code, 0);
  assert.equal((await runCli(['sign', 'key', model, '--private-key', join(dir, 'k.pem')])).code, 0);
  const r = await runCli(['inspect', model, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { files: { name: string }[]; skipped: string[] };
  assert.deepEqual([j.files.map((f) => f.name), j.skipped], [['w.safetensors'], ['notes.txt']]);
});
