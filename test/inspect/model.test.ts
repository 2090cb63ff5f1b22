import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { factsFromInspection, FINDING_CODES, inspectFile, inspectModel, type ShardIndexDetails } from '../../core/inspect';
import { tempDir, makeModel } from '../helpers/fixtures';
import { gguf, onnxExternalTensor, onnxModel, op, safetensors, stateDictPickle, torchZip } from './builders';

const root = tempDir('mp-inspect-model-');
let n = 0;
const fresh = (): string => {
  const d = join(root, `m${n++}`);
  mkdirSync(d);
  return d;
};
const codes = (r: { findings: { code: string }[] }): string[] => r.findings.map((f) => f.code);

const SEVEN_Z = Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04]), Buffer.alloc(64, 1)]);
const CONTAINERS: Record<string, Buffer> = {
  '7z': SEVEN_Z,
  gzip: gzipSync(Buffer.from('payload')),
  bzip2: Buffer.from('BZh91AY&SY\0\0\0\0'),
  xz: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0, 0, 0]),
  zstd: Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]),
  rar: Buffer.from('Rar!\x1a\x07\x01\x00payload', 'latin1'),
  tar: Buffer.concat([Buffer.alloc(257), Buffer.from('ustar\x0000'), Buffer.alloc(254)]),
};

describe('containers posing as checkpoints', () => {
  test('a 7z file named pytorch_model.bin is CONTAINER_DISGUISED', async () => {
    const d = fresh();
    writeFileSync(join(d, 'pytorch_model.bin'), SEVEN_Z);
    const r = await inspectFile(join(d, 'pytorch_model.bin'));
    assert.equal(r.format, '7z');
    assert.deepEqual(r.findings.map((f) => [f.code, f.severity]), [['CONTAINER_DISGUISED', 'error']]);
  });

  for (const [format, bytes] of Object.entries(CONTAINERS)) {
    for (const name of ['model.pt', 'model.safetensors', 'model.ckpt']) {
      test(`${format} named ${name}`, async () => {
        const d = fresh();
        writeFileSync(join(d, name), bytes);
        const r = await inspectFile(join(d, name));
        assert.equal(r.format, format);
        assert.deepEqual(codes(r), ['CONTAINER_DISGUISED']);
      });
    }
  }

  test('an archive named as an archive is only a warning that it was not opened', async () => {
    const d = fresh();
    writeFileSync(join(d, 'weights.tar.gz'), CONTAINERS.gzip!);
    assert.deepEqual((await inspectFile(join(d, 'weights.tar.gz'))).findings.map((f) => [f.code, f.severity]), [['ARCHIVE_NOT_INSPECTED', 'warning']]);
  });

  test('a .pt file that is no known format is unparseable; a raw .bin is unknown', async () => {
    const d = fresh();
    writeFileSync(join(d, 'model.pt'), Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    writeFileSync(join(d, 'weights.bin'), Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    writeFileSync(join(d, 'pytorch_model.bin'), Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    writeFileSync(join(d, 'raw.bin'), Buffer.from('NNNN garbage'));
    assert.deepEqual(codes(await inspectFile(join(d, 'model.pt'))), ['MODEL_UNPARSEABLE']);
    assert.deepEqual(codes(await inspectFile(join(d, 'weights.bin'))), ['FORMAT_UNKNOWN']);
    assert.deepEqual(codes(await inspectFile(join(d, 'pytorch_model.bin'))), ['MODEL_UNPARSEABLE']);
    assert.deepEqual(codes(await inspectFile(join(d, 'raw.bin'))), ['FORMAT_UNKNOWN']);
  });

  test('fs problems throw coded InputErrors', async () => {
    await assert.rejects(inspectFile(join(root, 'nope.safetensors')), { code: 'FILE_NOT_FOUND' });
    await assert.rejects(inspectFile(root), { code: 'FILE_IS_DIRECTORY' });
    if (process.platform !== 'win32') {
      const fifo = join(fresh(), 'model.bin');
      execFileSync('mkfifo', [fifo]);
      await assert.rejects(inspectFile(fifo), { code: 'SPECIAL_FILE' }, 'a FIFO is refused before open() can block');
    }
  });
});

describe('sharded checkpoints', () => {
  const index = (map: Record<string, string>): string => JSON.stringify({ metadata: { total_size: 100 }, weight_map: map });

  test('an index whose shards are all present passes', async () => {
    const d = makeModel(fresh(), {
      'model.safetensors.index.json': index({ a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' }),
      'model-00001-of-00002.safetensors': safetensors([{ name: 'a', dtype: 'F32', shape: [2] }]),
      'model-00002-of-00002.safetensors': safetensors([{ name: 'b', dtype: 'F32', shape: [2] }, { name: 'c', dtype: 'F32', shape: [1] }]),
    });
    const r = await inspectFile(join(d, 'model.safetensors.index.json'));
    assert.equal(r.format, 'shard-index');
    assert.deepEqual(r.findings, []);
    const det = r.details as ShardIndexDetails;
    assert.equal(det.tensors, 3);
    assert.deepEqual(det.shards, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    assert.equal(det.totalSize, 100);
    const m = await inspectModel(d);
    assert.equal(m.summary.parameterCount, 5);
    assert.equal(m.summary.dangerous, false);
  });

  test('a missing shard', async () => {
    const d = makeModel(fresh(), { 'pytorch_model.bin.index.json': index({ a: 'pytorch_model-00001-of-00002.bin' }) });
    const r = await inspectFile(join(d, 'pytorch_model.bin.index.json'));
    assert.deepEqual(r.findings.map((f) => [f.code, f.data?.shard]), [['SHARD_MISSING', 'pytorch_model-00001-of-00002.bin']]);
  });

  test('a ../ shard name is traversal, checked before the file system', async () => {
    const d = makeModel(fresh(), { 'model.safetensors.index.json': index({ a: '../../../etc/passwd', b: '/etc/shadow', c: 'sub\\..\\x' }) });
    const r = await inspectFile(join(d, 'model.safetensors.index.json'));
    assert.deepEqual(codes(r), ['SHARD_PATH_TRAVERSAL', 'SHARD_PATH_TRAVERSAL', 'SHARD_PATH_TRAVERSAL']);
    const m = await inspectModel(d);
    assert.equal(m.summary.dangerous, true);
  });

  test('an index that is not JSON, or has no weight_map', async () => {
    const d = makeModel(fresh(), { 'a.index.json': '{"weight_map": ', 'b.index.json': '{"weight_map": []}', 'c.index.json': '{"weight_map": {"a": "x"}, "weight_map": {}}' });
    assert.deepEqual(codes(await inspectFile(join(d, 'a.index.json'))), ['MODEL_UNPARSEABLE']);
    assert.deepEqual(codes(await inspectFile(join(d, 'b.index.json'))), ['SHARD_INDEX_INVALID']);
    assert.deepEqual(codes(await inspectFile(join(d, 'c.index.json'))), ['MODEL_UNPARSEABLE'], 'duplicate keys');
  });
});

describe('inspectModel', () => {
  test('a Hugging Face folder: architecture, task, parameters from config.json and the weights', async () => {
    const d = makeModel(fresh(), {
      'config.json': JSON.stringify({ architectures: ['BertForSequenceClassification'], model_type: 'bert' }),
      'model.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [3, 3] }, { name: 'b', dtype: 'F32', shape: [3] }]),
      'pytorch_model.bin': torchZip(stateDictPickle(2)),
      'tokenizer.json': '{"version": "1.0"}',
      'README.md': '# model',
    });
    const m = await inspectModel(d);
    assert.deepEqual(m.files.map((f) => [f.name, f.format]), [['model.safetensors', 'safetensors'], ['pytorch_model.bin', 'pytorch-zip']]);
    assert.deepEqual(m.skipped, ['README.md', 'config.json', 'tokenizer.json']);
    assert.equal(m.summary.architecture, 'BertForSequenceClassification');
    assert.equal(m.summary.architectureFamily, 'bert');
    assert.equal(m.summary.task, 'text-classification');
    assert.equal(m.summary.parameterCount, 12, 'counted once, from safetensors');
    assert.deepEqual(m.summary.formats, ['pytorch-zip', 'safetensors']);
    assert.equal(m.summary.dangerous, false);
    const facts = factsFromInspection(m);
    assert.equal(facts.task, 'text-classification');
    assert.equal(facts.parameterCount, 12);
    assert.equal(facts.architectureFamily, 'transformer (bert)');
  });

  test('two names for one file (a symlink followed with allowSymlinks, a hard link): each inspected, its parameters counted once', async () => {
    const d = makeModel(fresh(), { 'model.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [3, 3] }, { name: 'b', dtype: 'F32', shape: [3] }]) });
    // The Hugging Face cache names weights through symlinks; a second name for the same weights is not a second model.
    symlinkSync('model.safetensors', join(d, 'alias.safetensors'));
    linkSync(join(d, 'model.safetensors'), join(d, 'hard.safetensors'));
    const m = await inspectModel(d, { allowSymlinks: true });
    assert.deepEqual(
      m.files.map((f) => [f.name, f.sameAs]),
      [
        ['alias.safetensors', 'hard.safetensors'],
        ['hard.safetensors', undefined],
        ['model.safetensors', 'hard.safetensors'],
      ],
    );
    assert.equal(m.summary.parameterCount, 12, 'not 36');
    // Two separate copies are two files: each counts (a folder holding both is what it says).
    const c = makeModel(fresh(), { 'a.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [4] }]), 'b.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [4] }]) });
    const two = await inspectModel(c);
    assert.deepEqual(two.files.map((f) => f.sameAs), [undefined, undefined]);
    assert.equal(two.summary.parameterCount, 8);
  });

  test('a GGUF file alone: family, quantization and base model from its metadata', async () => {
    const d = makeModel(fresh(), {
      'tiny.Q4_K_M.gguf': gguf(
        [
          ['general.architecture', 'string', 'llama'],
          ['general.file_type', 'u32', 15],
          ['general.base_model.count', 'u32', 1],
          ['general.base_model.0.name', 'string', 'Llama 3.2 1B'],
          ['general.base_model.0.organization', 'string', 'Meta Llama'],
        ],
        [{ name: 't', dims: [256, 2], type: 12, offset: 0 }],
        288,
      ),
    });
    const m = await inspectModel(join(d, 'tiny.Q4_K_M.gguf'));
    assert.equal(m.summary.architectureFamily, 'llama');
    assert.equal(m.summary.task, 'text-generation');
    assert.equal(m.summary.quantization, 'Q4_K_M');
    assert.equal(m.summary.parameterCount, 512);
    assert.deepEqual(m.summary.baseModels, [{ source: 'gguf', name: 'Llama 3.2 1B', organization: 'Meta Llama' }]);
  });

  test('one dangerous pickle makes the model dangerous; ONNX data files are not parsed as models', async () => {
    const evil = Buffer.concat([op.PROTO(2), op.GLOBAL('posix', 'system'), op.SHORT_BINUNICODE('id'), op.TUPLE1, op.REDUCE, op.STOP]);
    const d = makeModel(fresh(), {
      'model.onnx': onnxModel([onnxExternalTensor('w', [4], 'weights.bin')]),
      'weights.bin': Buffer.from(Array.from({ length: 16 }, (_, i) => (i * 37) % 256)),
      'extra/optimizer.pt': evil,
      'notes.txt': 'hello',
      'hidden.txt': torchZip(evil),
    });
    const m = await inspectModel(d);
    assert.deepEqual(m.files.map((f) => f.name), ['extra/optimizer.pt', 'hidden.txt', 'model.onnx']);
    assert.deepEqual(m.skipped, ['notes.txt', 'weights.bin']);
    assert.equal(m.summary.dangerous, true);
    assert.equal(m.summary.dangerousFindings, 2);
    assert.ok(codes(m.files[1]!).includes('FORMAT_MISMATCH'));
    const ext = m.files[2]!;
    assert.deepEqual(codes(ext), []);
  });

  test('adapter_config.json names the base model; a quantization_config names the quantization', async () => {
    const d = makeModel(fresh(), {
      'adapter_config.json': JSON.stringify({ base_model_name_or_path: 'meta-llama/Llama-3.2-1B', peft_type: 'LORA' }),
      'config.json': JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', quantization_config: { quant_method: 'gptq', bits: 4 } }),
      'adapter_model.safetensors': safetensors([{ name: 'lora_A', dtype: 'F16', shape: [8, 2] }]),
    });
    const m = await inspectModel(d);
    assert.deepEqual(m.summary.baseModels, [{ name: 'meta-llama/Llama-3.2-1B', source: 'adapter_config.json' }]);
    assert.equal(m.summary.quantization, 'gptq (4-bit)');
    assert.equal(m.summary.task, 'text-generation');
  });

  test('a broken config.json is a warning, not a throw', async () => {
    const d = makeModel(fresh(), { 'config.json': '{"architectures": [', 'model.safetensors': safetensors([{ name: 'w', dtype: 'U8', shape: [1] }]) });
    const m = await inspectModel(d);
    assert.deepEqual(m.findings.map((f) => [f.code, f.severity]), [['CONFIG_INVALID', 'warning']]);
    assert.equal(m.summary.dangerous, false);
  });

  test('every finding code is documented in docs/model-inspection.md, with its severity and verdict', async () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'model-inspection.md'), 'utf8');
    for (const [code, info] of Object.entries(FINDING_CODES)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      assert.ok(row, code);
      const [, , severity, verdict] = row.split('|').map((c) => c.trim());
      assert.deepEqual([severity, verdict], [info.severity, info.verdict ?? '—'], code);
    }
  });
});
