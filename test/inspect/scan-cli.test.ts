import assert from 'node:assert/strict';
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
