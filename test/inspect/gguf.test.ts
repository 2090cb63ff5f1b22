import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GGUF_FILE_TYPES, inspectFile, type FileInspection, type GgufDetails } from '../../core/inspect';
import { tempDir } from '../helpers/fixtures';
import { gguf, ggufKv, ggufString, u32, u64, type GgufKv } from './builders';

const dir = tempDir('mp-inspect-gguf-');
let n = 0;
async function inspectBytes(bytes: Buffer, name = 'model.gguf'): Promise<FileInspection> {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, bytes);
  return inspectFile(p);
}
const codes = (r: FileInspection): string[] => r.findings.map((f) => f.code);

const TEMPLATE = "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}";
const KVS: GgufKv[] = [
  ['general.architecture', 'string', 'llama'],
  ['general.name', 'string', 'Tiny Llama'],
  ['general.file_type', 'u32', 15],
  ['general.quantization_version', 'u32', 2],
  ['general.base_model.count', 'u32', 1],
  ['general.base_model.0.name', 'string', 'Llama 3.2 1B'],
  ['general.base_model.0.organization', 'string', 'Meta Llama'],
  ['general.base_model.0.repo_url', 'string', 'https://huggingface.co/meta-llama/Llama-3.2-1B'],
  ['llama.context_length', 'u32', 2048],
  ['llama.rope.freq_base', 'f32', 10000],
  ['llama.big', 'u64', 2n ** 60n],
  ['llama.neg', 'i64', -5n],
  ['llama.flag', 'bool', true],
  ['tokenizer.ggml.model', 'string', 'gpt2'],
  ['tokenizer.ggml.tokens', 'array-string', Array.from({ length: 40 }, (_, i) => `tok${i}`)],
  ['tokenizer.ggml.token_type', 'array-u32', Array.from({ length: 40 }, () => 1)],
  ['tokenizer.chat_template', 'string', TEMPLATE],
];
// Q4_K: 256 elements per 144-byte block; F32 norm after it.
const TENSORS = [
  { name: 'blk.0.attn_q.weight', dims: [256, 4], type: 12, offset: 0 },
  { name: 'blk.0.attn_norm.weight', dims: [256], type: 0, offset: 576 },
];
const DATA = 576 + 1024;

describe('GGUF', () => {
  test('a v3 file with metadata and two tensor infos parses right', async () => {
    const r = await inspectBytes(gguf(KVS, TENSORS, DATA));
    assert.equal(r.format, 'gguf');
    assert.deepEqual(r.findings, []);
    const d = r.details as GgufDetails;
    assert.equal(d.version, 3);
    assert.equal(d.tensorCount, 2);
    assert.equal(d.metadataCount, KVS.length);
    assert.equal(d.architecture, 'llama');
    assert.equal(d.name, 'Tiny Llama');
    assert.equal(d.fileType, 15);
    assert.equal(d.quantization, 'Q4_K_M');
    assert.deepEqual(d.baseModels, [{ source: 'gguf', name: 'Llama 3.2 1B', organization: 'Meta Llama', repoUrl: 'https://huggingface.co/meta-llama/Llama-3.2-1B' }]);
    assert.deepEqual(d.chatTemplates, [{ key: 'tokenizer.chat_template', sha256: createHash('sha256').update(TEMPLATE).digest('hex'), length: TEMPLATE.length }]);
    assert.equal(d.metadata['tokenizer.chat_template'], undefined, 'the template is hashed, not stored');
    assert.deepEqual(d.metadata['tokenizer.ggml.tokens'], { type: 'array', elementType: 'STRING', count: 40, values: Array.from({ length: 16 }, (_, i) => `tok${i}`) });
    assert.equal(d.metadata['llama.big'], (2n ** 60n).toString());
    assert.equal(d.metadata['llama.neg'], -5);
    assert.equal(d.metadata['llama.flag'], true);
    assert.deepEqual(d.tensors, [
      { name: 'blk.0.attn_q.weight', dtype: 'Q4_K', shape: [256, 4] },
      { name: 'blk.0.attn_norm.weight', dtype: 'F32', shape: [256] },
    ]);
    assert.deepEqual(d.tensorTypes, { Q4_K: 1, F32: 1 });
    assert.equal(d.parameterCount, 1024 + 256);
  });

  test('the file_type table covers the standard llama.cpp values', () => {
    assert.equal(GGUF_FILE_TYPES[0], 'F32');
    assert.equal(GGUF_FILE_TYPES[1], 'F16');
    assert.equal(GGUF_FILE_TYPES[7], 'Q8_0');
    assert.equal(GGUF_FILE_TYPES[15], 'Q4_K_M');
    assert.equal(GGUF_FILE_TYPES[18], 'Q6_K');
    assert.equal(GGUF_FILE_TYPES[32], 'BF16');
  });

  test('a truncated file is unparseable at every cut, never a crash', async () => {
    const full = gguf(KVS, TENSORS, DATA);
    const headerEnd = full.length - DATA;
    for (const cut of [3, 10, 30, 100, 400, headerEnd - 5]) {
      const r = await inspectBytes(full.subarray(0, cut));
      assert.ok(codes(r).some((c) => c === 'MODEL_UNPARSEABLE' || c === 'GGUF_LENGTH_OUT_OF_BOUNDS'), `cut ${cut}: ${codes(r).join()}`);
    }
    // Header intact, tensor data cut: the tensors run past the end.
    const r = await inspectBytes(full.subarray(0, headerEnd + 100));
    assert.deepEqual(codes(r), ['GGUF_TENSOR_OUT_OF_BOUNDS', 'GGUF_TENSOR_OUT_OF_BOUNDS']);
  });

  test('a string length of 2^40 is a finding, not an allocation', async () => {
    const bytes = Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0), u64(1), ggufString('general.name'), u32(8), u64(2n ** 40n), Buffer.from('short')]);
    const before = process.memoryUsage().arrayBuffers;
    const r = await inspectBytes(bytes);
    assert.ok(process.memoryUsage().arrayBuffers - before < 50_000_000);
    assert.deepEqual(codes(r), ['GGUF_LENGTH_OUT_OF_BOUNDS']);
    assert.equal(r.findings[0]!.offset, 4 + 4 + 8 + 8 + 8 + 12 + 4);
  });

  test('array and table counts beyond the file are findings', async () => {
    const arr = Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0), u64(1), ggufString('tokenizer.ggml.tokens'), u32(9), u32(8), u64(2n ** 50n)]);
    assert.deepEqual(codes(await inspectBytes(arr)), ['GGUF_LENGTH_OUT_OF_BOUNDS']);
    const counts = Buffer.concat([Buffer.from('GGUF'), u32(3), u64(2n ** 62n), u64(2n ** 62n)]);
    assert.deepEqual(codes(await inspectBytes(counts)), ['GGUF_LENGTH_OUT_OF_BOUNDS']);
  });

  test('unsupported versions and bad magic are unparseable', async () => {
    const v1 = gguf(KVS, TENSORS, DATA, 1);
    assert.deepEqual(codes(await inspectBytes(v1)), ['MODEL_UNPARSEABLE']);
    const be = Buffer.concat([Buffer.from('GGUF'), Buffer.from([0, 0, 0, 3]), u64(0), u64(0)]);
    assert.match((await inspectBytes(be)).findings[0]!.message, /big-endian/);
    const r = await inspectBytes(Buffer.from('not a gguf file at all'));
    assert.equal(r.format, 'gguf');
    assert.deepEqual(codes(r), ['MODEL_UNPARSEABLE']);
  });

  test('structural problems: unknown value type, duplicate key, too many dims, misaligned offset', async () => {
    const badType = Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0), u64(1), ggufString('k'), u32(99), u32(0)]);
    assert.deepEqual(codes(await inspectBytes(badType)), ['GGUF_METADATA_INVALID']);
    const dup = gguf([['a', 'u32', 1], ['a', 'u32', 2]], [], 0);
    assert.deepEqual(codes(await inspectBytes(dup)), ['GGUF_METADATA_INVALID']);
    const dims = gguf([], [{ name: 't', dims: [1, 1, 1, 1, 1], type: 0, offset: 0 }], 4);
    assert.deepEqual(codes(await inspectBytes(dims)), ['GGUF_TENSOR_INVALID']);
    const misaligned = gguf([], [{ name: 't', dims: [4], type: 0, offset: 4 }], 64);
    assert.deepEqual(codes(await inspectBytes(misaligned)), ['GGUF_TENSOR_INVALID']);
    const overlap = gguf([], [{ name: 'a', dims: [16], type: 0, offset: 0 }, { name: 'b', dims: [16], type: 0, offset: 32 }], 128);
    assert.deepEqual(codes(await inspectBytes(overlap)), ['GGUF_TENSOR_INVALID']);
  });

  test('a chat template reaching for Python internals is flagged at its key, with every reason', async () => {
    const evil = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
    const bytes = gguf([['general.name', 'string', 'x'], ['tokenizer.chat_template', 'string', evil]], [], 0);
    const r = await inspectBytes(bytes);
    assert.deepEqual(codes(r), ['CHAT_TEMPLATE_DANGEROUS', 'CHAT_TEMPLATE_SUSPICIOUS']);
    assert.equal(r.verdict, 'dangerous');
    assert.equal(r.findings[0]!.offset, bytes.indexOf(Buffer.from('tokenizer.chat_template')) - 8);
    assert.equal(r.findings[0]!.data?.key, 'tokenizer.chat_template');
    assert.deepEqual(r.findings[0]!.data?.reasons, [
      'the name __init__ is a Python internal',
      'the name __globals__ is a Python internal',
      'the attribute .popen is a Python internal',
      'the attribute .__globals__ is a Python internal',
      'the attribute .__init__ is a Python internal',
    ]);
    assert.match(r.findings[1]!.message, /uses cycler/);
  });

  test('named templates (tokenizer.chat_template.NAME) are checked too; a template over the limit is not cleared', async () => {
    const r = await inspectBytes(gguf([['tokenizer.chat_template', 'string', TEMPLATE], ['tokenizer.chat_template.tool_use', 'string', "{{ x|attr('\\x5f\\x5fclass\\x5f\\x5f') }}"]], [], 0));
    assert.deepEqual(r.findings.map((f) => [f.code, f.data?.key]), [['CHAT_TEMPLATE_DANGEROUS', 'tokenizer.chat_template.tool_use']]);
    const p = join(dir, 'big.gguf');
    writeFileSync(p, gguf([['tokenizer.chat_template', 'string', TEMPLATE]], [], 0));
    const small = await inspectFile(p, { maxTemplateBytes: 10 });
    assert.deepEqual(codes(small), ['INSPECTION_LIMIT']);
    assert.equal(small.verdict, 'suspicious');
  });

  test('a long string value is summarised, not kept', async () => {
    const long = 'x'.repeat(5000);
    const r = await inspectBytes(gguf([['general.description', 'string', long]], [], 0));
    const v = (r.details as GgufDetails).metadata['general.description'] as { type: string; length: number; preview: string };
    assert.equal(v.type, 'string');
    assert.equal(v.length, 5000);
    assert.equal(v.preview.length, 256);
  });

  test('every scalar value type round-trips', async () => {
    const kvs: GgufKv[] = [['u8', 'u8', 200], ['i8', 'i8', -3], ['u16', 'u16', 60000], ['i16', 'i16', -300], ['i32', 'i32', -70000], ['f64', 'f64', 0.25]];
    const r = await inspectBytes(Buffer.concat([Buffer.from('GGUF'), u32(2), u64(0), u64(kvs.length), ...kvs.map(ggufKv)]));
    assert.deepEqual(codes(r), []);
    assert.deepEqual((r.details as GgufDetails).metadata, { u8: 200, i8: -3, u16: 60000, i16: -300, i32: -70000, f64: 0.25 });
  });
});
