import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { inspectFile, type FileInspection, type OnnxDetails } from '../../core/inspect';
import { tempDir } from '../helpers/fixtures';
import { onnxExternalTensor, onnxInlineTensor, onnxModel, pbBytes, pbVarint } from './builders';

const root = tempDir('mp-inspect-onnx-');
let n = 0;
/** Writes the model into its own folder with the side files given; returns the inspection. */
async function inspectModelFile(model: Buffer, side: Record<string, Buffer> = {}): Promise<FileInspection> {
  const dir = join(root, `m${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(side)) writeFileSync(join(dir, name), data);
  writeFileSync(join(dir, 'model.onnx'), model);
  return inspectFile(join(dir, 'model.onnx'));
}
const codes = (r: FileInspection): string[] => r.findings.map((f) => f.code);

describe('ONNX', () => {
  test('producer, opsets, initializers and a benign external-data file', async () => {
    const model = onnxModel([onnxInlineTensor('w', [2, 3]), onnxExternalTensor('v', [4, 4], 'weights.bin')], { producer: 'pytorch', version: '2.6.0' });
    const r = await inspectModelFile(model, { 'weights.bin': Buffer.alloc(64) });
    assert.equal(r.format, 'onnx');
    assert.deepEqual(r.findings, []);
    const d = r.details as OnnxDetails;
    assert.equal(d.irVersion, 8);
    assert.equal(d.producerName, 'pytorch');
    assert.equal(d.producerVersion, '2.6.0');
    assert.deepEqual(d.opsets, [{ domain: 'ai.onnx', version: 17 }, { domain: 'com.microsoft', version: 1 }]);
    assert.equal(d.graphName, 'main');
    assert.equal(d.nodes, 1);
    assert.equal(d.initializers, 2);
    assert.equal(d.parameterCount, 6 + 16);
    assert.deepEqual(d.dataTypes, { FLOAT: 2 });
    assert.deepEqual(d.externalData, [{ location: 'weights.bin', tensors: 1, exists: true }]);
  });

  test('an external-data location of ../../etc/passwd is traversal', async () => {
    const r = await inspectModelFile(onnxModel([onnxExternalTensor('w', [4], '../../etc/passwd')]));
    assert.deepEqual(codes(r), ['ONNX_EXTERNAL_DATA_TRAVERSAL']);
    assert.equal(r.findings[0]!.data?.location, '../../etc/passwd');
  });

  for (const bad of ['/etc/passwd', '..\\..\\windows\\win.ini', 'C:\\x.bin', 'sub/../../x.bin', 'a\\b.bin']) {
    test(`location ${JSON.stringify(bad)} is traversal`, async () => {
      assert.deepEqual(codes(await inspectModelFile(onnxModel([onnxExternalTensor('w', [4], bad)]))), ['ONNX_EXTERNAL_DATA_TRAVERSAL']);
    });
  }

  test('a symlinked data file that leaves the folder is traversal', async () => {
    const dir = join(root, 'sym');
    mkdirSync(dir);
    symlinkSync('/etc/hostname', join(dir, 'weights.bin'));
    writeFileSync(join(dir, 'model.onnx'), onnxModel([onnxExternalTensor('w', [1], 'weights.bin')]));
    assert.deepEqual(codes(await inspectFile(join(dir, 'model.onnx'))), ['ONNX_EXTERNAL_DATA_TRAVERSAL']);
  });

  test('a missing or short external-data file is reported', async () => {
    assert.deepEqual(codes(await inspectModelFile(onnxModel([onnxExternalTensor('w', [4], 'weights.bin')]))), ['ONNX_EXTERNAL_DATA_MISSING']);
    const short = await inspectModelFile(onnxModel([onnxExternalTensor('w', [4], 'weights.bin')]), { 'weights.bin': Buffer.alloc(8) });
    assert.deepEqual(codes(short), ['ONNX_EXTERNAL_DATA_OUT_OF_BOUNDS']);
  });

  test('tensors in Constant nodes and subgraphs are checked too', async () => {
    const constTensor = onnxExternalTensor('c', [1], '../secret.bin');
    const attribute = Buffer.concat([pbBytes(1, 'value'), pbBytes(5, constTensor)]);
    const node = Buffer.concat([pbBytes(2, 'y'), pbBytes(4, 'Constant'), pbBytes(5, attribute)]);
    const subgraph = Buffer.concat([pbBytes(1, node)]);
    const ifNode = Buffer.concat([pbBytes(4, 'If'), pbBytes(5, Buffer.concat([pbBytes(1, 'then_branch'), pbBytes(6, subgraph)]))]);
    const model = Buffer.concat([pbVarint(1, 9), pbBytes(7, pbBytes(1, ifNode)), pbBytes(8, pbVarint(2, 18))]);
    const r = await inspectModelFile(model);
    assert.deepEqual(codes(r), ['ONNX_EXTERNAL_DATA_TRAVERSAL']);
    assert.equal((r.details as OnnxDetails).nodes, 2);
  });

  test('truncated and non-protobuf files are unparseable', async () => {
    const model = onnxModel([onnxInlineTensor('w', [8, 8])]);
    for (const cut of [1, 10, 40, model.length - 3]) {
      assert.deepEqual(codes(await inspectModelFile(model.subarray(0, cut))), ['MODEL_UNPARSEABLE'], `cut ${cut}`);
    }
    assert.deepEqual(codes(await inspectModelFile(Buffer.from('this is not an onnx model\n'))), ['MODEL_UNPARSEABLE']);
    assert.deepEqual(codes(await inspectModelFile(Buffer.alloc(0))), ['MODEL_UNPARSEABLE']);
  });

  test('a length of 2^60 in a tiny file is a finding, not an allocation', async () => {
    const bytes = Buffer.concat([pbVarint(1, 8), Buffer.from([0x3a]), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])]);
    const before = process.memoryUsage().arrayBuffers;
    assert.deepEqual(codes(await inspectModelFile(bytes)), ['MODEL_UNPARSEABLE']);
    assert.ok(process.memoryUsage().arrayBuffers - before < 50_000_000);
  });

  test('deeply nested subgraphs stop at the depth limit', async () => {
    let g: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 60; i++) {
      const node = Buffer.concat([pbBytes(4, 'If'), pbBytes(5, Buffer.concat([pbBytes(1, 'b'), pbBytes(6, g)]))]);
      g = pbBytes(1, node);
    }
    const r = await inspectModelFile(Buffer.concat([pbVarint(1, 8), pbBytes(7, g)]));
    assert.deepEqual(codes(r), ['MODEL_UNPARSEABLE']);
    assert.match(r.findings[0]!.message, /nested deeper/);
  });
});
