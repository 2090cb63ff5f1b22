import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InputError } from '../../core';
import { inspectFile, type FileInspection } from '../../core/inspect';
import { tempDir } from '../helpers/fixtures';
import { gguf, onnxExternalTensor, onnxInlineTensor, onnxModel, safetensors, stateDictPickle, torchZip } from './builders';

const dir = tempDir('mp-inspect-prop-');

const VALID: [name: string, bytes: Buffer][] = [
  ['model.safetensors', safetensors([{ name: 'a', dtype: 'F32', shape: [2, 3] }, { name: 'b', dtype: 'BF16', shape: [4] }], { format: 'pt' })],
  ['model.gguf', gguf([['general.architecture', 'string', 'llama'], ['general.file_type', 'u32', 15], ['tokenizer.ggml.tokens', 'array-string', ['a', 'b', 'c']], ['tokenizer.chat_template', 'string', '{{ x }}']], [{ name: 't', dims: [32, 2], type: 8, offset: 0 }], 96)],
  ['data.pkl', stateDictPickle(4)],
  ['model.pt', stateDictPickle(2)],
  ['pytorch_model.bin', torchZip(stateDictPickle(2), true)],
  ['model.ckpt', torchZip(stateDictPickle(4), false, { zip64: true })],
  ['model.onnx', onnxModel([onnxInlineTensor('w', [2, 2]), onnxExternalTensor('v', [2], 'weights.bin')])],
  ['model.safetensors.index.json', Buffer.from(JSON.stringify({ weight_map: { a: 'model.safetensors', b: '../x' } }))],
];
const NAMES = [...VALID.map(([n]) => n), 'weights.bin', 'model.pkl', 'x.onnx', 'notes.txt', 'archive.zip', 'noext'];

let k = 0;
/** Inspects bytes under a name; the only acceptable outcomes are a FileInspection or a coded InputError. */
async function check(name: string, bytes: Uint8Array): Promise<void> {
  const p = join(dir, `${k++}-${name}`);
  writeFileSync(p, bytes);
  let r: FileInspection;
  try {
    r = await inspectFile(p);
  } catch (err) {
    assert.ok(err instanceof InputError && typeof err.code === 'string', `threw ${String(err)}`);
    return;
  }
  assert.equal(r.size, bytes.length);
  assert.equal(typeof r.format, 'string');
  assert.ok(Array.isArray(r.findings));
  for (const f of r.findings) {
    assert.equal(typeof f.code, 'string');
    assert.ok(['error', 'warning', 'info'].includes(f.severity));
  }
  JSON.stringify(r); // no BigInt or cycles
}

describe('inspection never throws on hostile content', () => {
  test('the valid fixtures are valid', async () => {
    for (const [name, bytes] of VALID) {
      const p = join(dir, `valid-${name}`);
      writeFileSync(p, bytes);
      const r = await inspectFile(p);
      const errors = r.findings.filter((f) => f.severity === 'error' && !f.code.startsWith('ONNX_EXTERNAL') && f.code !== 'SHARD_PATH_TRAVERSAL' && f.code !== 'SHARD_MISSING');
      assert.deepEqual(errors, [], name);
    }
  });

  test('random bytes under every name', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...NAMES), fc.uint8Array({ maxLength: 600 }), async (name, bytes) => check(name, bytes)),
      { numRuns: 300 },
    );
  });

  test('random truncations of valid files', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VALID), fc.nat(), async ([name, bytes], cut) => check(name, bytes.subarray(0, cut % (bytes.length + 1)))),
      { numRuns: 300 },
    );
  });

  test('random byte flips in valid files', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...VALID),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        async ([name, bytes], flips) => {
          const b = Buffer.from(bytes);
          for (const [at, v] of flips) b[at % b.length] = v;
          await check(name, b);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('hostile 64-bit lengths spliced into headers', async () => {
    const big = [2n ** 32n, 2n ** 40n, 2n ** 62n, 2n ** 64n - 1n];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VALID), fc.nat(), fc.constantFrom(...big), async ([name, bytes], at, v) => {
        const b = Buffer.from(bytes);
        if (b.length < 8) return;
        b.writeBigUInt64LE(v, at % (b.length - 7));
        await check(name, b);
      }),
      { numRuns: 200 },
    );
  });
});
