import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { inspectFile, type FileInspection, type SafetensorsDetails } from '../../core/inspect';
import { tempDir } from '../helpers/fixtures';
import { safetensors, safetensorsRaw } from './builders';

const dir = tempDir('mp-inspect-st-');
let n = 0;
async function inspectBytes(bytes: Buffer, name = 'model.safetensors'): Promise<FileInspection> {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, bytes);
  return inspectFile(p);
}
const codes = (r: FileInspection): string[] => r.findings.map((f) => f.code);

describe('safetensors', () => {
  test('a benign file passes with its parameter count, dtypes and metadata', async () => {
    const r = await inspectBytes(
      safetensors(
        [
          { name: 'embed.weight', dtype: 'BF16', shape: [10, 4] },
          { name: 'layer.weight', dtype: 'F32', shape: [4, 4] },
          { name: 'layer.bias', dtype: 'F32', shape: [4] },
        ],
        { format: 'pt' },
      ),
    );
    assert.equal(r.format, 'safetensors');
    assert.deepEqual(r.findings, []);
    const d = r.details as SafetensorsDetails;
    assert.equal(d.kind, 'safetensors');
    assert.equal(d.tensorCount, 3);
    assert.equal(d.parameterCount, 40 + 16 + 4);
    assert.equal(d.parameterCountExact, '60');
    assert.deepEqual(d.dtypes, { BF16: 1, F32: 2 });
    assert.deepEqual(d.metadata, { format: 'pt' });
    assert.deepEqual(d.tensors[0], { name: 'embed.weight', dtype: 'BF16', shape: [10, 4] });
  });

  test('a scalar (shape []) and an empty tensor are valid', async () => {
    const r = await inspectBytes(safetensors([{ name: 's', dtype: 'F32', shape: [] }, { name: 'e', dtype: 'F32', shape: [0, 3] }]));
    assert.deepEqual(codes(r), []);
    assert.equal((r.details as SafetensorsDetails).parameterCount, 1);
  });

  test('overlapping offsets', async () => {
    const h = JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } });
    const r = await inspectBytes(safetensorsRaw(h, 12));
    assert.ok(codes(r).includes('SAFETENSORS_OFFSETS_OVERLAP'), codes(r).join());
  });

  test('gapped offsets', async () => {
    const h = JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } });
    const r = await inspectBytes(safetensorsRaw(h, 24));
    assert.deepEqual(codes(r), ['SAFETENSORS_OFFSETS_GAP']);
    assert.equal(r.findings[0]!.offset, 8 + Buffer.byteLength(h) + 8);
  });

  test('trailing bytes after the last tensor', async () => {
    const h = JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    const r = await inspectBytes(safetensorsRaw(h, 8 + 100));
    assert.deepEqual(codes(r), ['SAFETENSORS_TRAILING_BYTES']);
    assert.match(r.findings[0]!.message, /^100 byte/);
  });

  test('offsets beyond the file', async () => {
    const h = JSON.stringify({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } });
    const r = await inspectBytes(safetensorsRaw(h, 8));
    assert.deepEqual(codes(r), ['SAFETENSORS_OFFSETS_OUT_OF_BOUNDS']);
  });

  test('shape × dtype that does not match the offsets', async () => {
    const h = JSON.stringify({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } });
    const r = await inspectBytes(safetensorsRaw(h, 8));
    assert.deepEqual(codes(r), ['SAFETENSORS_SIZE_MISMATCH']);
  });

  test('unknown dtype and bad shapes', async () => {
    const h = JSON.stringify({
      a: { dtype: 'F33', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [-1], data_offsets: [4, 8] },
      c: { dtype: 'F32', shape: [1], data_offsets: [12, 8] },
    });
    const r = await inspectBytes(safetensorsRaw(h, 12));
    assert.equal(codes(r).filter((c) => c === 'SAFETENSORS_INVALID_TENSOR').length, 3);
  });

  test('header length beyond the file size', async () => {
    const r = await inspectBytes(safetensorsRaw('{"a":{}}', 0, 1000n));
    assert.deepEqual(codes(r), ['SAFETENSORS_HEADER_OUT_OF_BOUNDS']);
  });

  test('a header length claiming 200 MB is refused before reading', async () => {
    const r = await inspectBytes(safetensorsRaw('{}', 0, 200_000_000n));
    assert.deepEqual(codes(r), ['SAFETENSORS_HEADER_TOO_LARGE']);
  });

  test('a hostile 2^62 length is a finding, not an allocation', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const r = await inspectBytes(safetensorsRaw('{"x":1}', 0, 2n ** 62n));
    assert.ok(process.memoryUsage().arrayBuffers - before < 50_000_000);
    assert.deepEqual(codes(r), ['SAFETENSORS_HEADER_TOO_LARGE']);
  });

  test('a truncated header', async () => {
    const full = safetensors([{ name: 'a', dtype: 'F32', shape: [2] }]);
    const r = await inspectBytes(full.subarray(0, 20));
    assert.deepEqual(codes(r), ['SAFETENSORS_HEADER_OUT_OF_BOUNDS']);
    const r2 = await inspectBytes(full.subarray(0, 5));
    assert.deepEqual(codes(r2), ['SAFETENSORS_HEADER_MALFORMED']);
  });

  test('a header that is not JSON, not an object, or not UTF-8', async () => {
    assert.deepEqual(codes(await inspectBytes(safetensorsRaw('{"a": nope}', 0))), ['SAFETENSORS_HEADER_MALFORMED']);
    assert.deepEqual(codes(await inspectBytes(safetensorsRaw('[1,2]', 0))), ['SAFETENSORS_HEADER_MALFORMED']);
    const bad = safetensorsRaw('{"a":1}', 0);
    bad[10] = 0xff;
    assert.deepEqual(codes(await inspectBytes(bad)), ['SAFETENSORS_HEADER_MALFORMED']);
  });

  test('duplicate keys are refused with their offset', async () => {
    const h = '{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}';
    const r = await inspectBytes(safetensorsRaw(h, 4));
    assert.deepEqual(codes(r), ['SAFETENSORS_DUPLICATE_KEY']);
    assert.equal(r.findings[0]!.offset, 8 + h.lastIndexOf('"a"'));
  });

  test('__metadata__ must be an object of strings', async () => {
    const h = JSON.stringify({ __metadata__: { n: 1 }, a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } });
    assert.deepEqual(codes(await inspectBytes(safetensorsRaw(h, 1))), ['SAFETENSORS_INVALID_METADATA']);
  });

  test('trailing spaces after the JSON (header padding) are fine', async () => {
    const h = `${JSON.stringify({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } })}     `;
    assert.deepEqual(codes(await inspectBytes(safetensorsRaw(h, 2))), []);
  });

  test('a huge shape stays exact (BigInt) and mismatches its offsets', async () => {
    const h = JSON.stringify({ a: { dtype: 'F32', shape: [2 ** 40, 2 ** 20], data_offsets: [0, 4] } });
    const r = await inspectBytes(safetensorsRaw(h, 4));
    assert.deepEqual(codes(r), ['SAFETENSORS_SIZE_MISMATCH']);
    const d = r.details as SafetensorsDetails;
    assert.equal(d.parameterCountExact, (2n ** 60n).toString());
    assert.equal(d.parameterCount, undefined);
  });

  test('a pickle named .safetensors is a disguise', async () => {
    const r = await inspectBytes(Buffer.from('\x80\x02}q\x00.', 'latin1'));
    assert.equal(r.format, 'pickle');
    assert.ok(codes(r).includes('PICKLE_DISGUISED'));
  });
});
