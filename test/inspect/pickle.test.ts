import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { inspectFile, PICKLE_ALLOWED_GLOBALS, type FileInspection, type PickleDetails } from '../../core/inspect';
import { tempDir } from '../helpers/fixtures';
import { assemble, op, stateDictPickle, torchZip, u32, zip } from './builders';

const dir = tempDir('mp-inspect-pkl-');
let n = 0;
async function inspectBytes(bytes: Buffer, name = 'model.pkl'): Promise<FileInspection> {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, bytes);
  return inspectFile(p);
}
const codes = (r: FileInspection): string[] => r.findings.map((f) => f.code);
const globals = (r: FileInspection): string[] => (r.details as PickleDetails).globals.map((g) => `${g.module}.${g.name}`);

/** `{'a': os.system('id')}` via GLOBAL (protocol 2); returns the bytes and the GLOBAL's offset. */
function evilGlobal(): { bytes: Buffer; at: number } {
  const { bytes, offsets } = assemble([op.PROTO(2), op.EMPTY_DICT, op.SHORT_BINUNICODE('a'), op.GLOBAL('os', 'system'), op.SHORT_BINUNICODE('id'), op.TUPLE1, op.REDUCE, op.SETITEM, op.STOP]);
  return { bytes, at: offsets[3]! };
}

/**
 * The same through STACK_GLOBAL at protocol 4, with both strings memoised early and fetched
 * back with BINGET, so only memo tracking can resolve the name.
 */
function evilStackGlobal(): { bytes: Buffer; at: number } {
  // Each string is memoised then popped, so the STACK_GLOBAL operands exist only in the memo.
  const fixed = assemble([
    op.PROTO(4),
    op.FRAME(0),
    op.SHORT_BINUNICODE('os'),
    op.MEMOIZE,
    Buffer.from('0'), // POP
    op.SHORT_BINUNICODE('system'),
    op.MEMOIZE,
    Buffer.from('0'), // POP
    op.EMPTY_DICT,
    op.SHORT_BINUNICODE('x'),
    op.BINGET(0),
    op.BINGET(1),
    op.STACK_GLOBAL,
    op.SHORT_BINUNICODE('id'),
    op.TUPLE1,
    op.REDUCE,
    op.SETITEM,
    op.STOP,
  ]);
  const frameLen = fixed.bytes.length - 11;
  fixed.bytes.writeBigUInt64LE(BigInt(frameLen), 3);
  return { bytes: fixed.bytes, at: fixed.offsets[12]! };
}

describe('pickle walk', () => {
  for (const protocol of [2, 4] as const) {
    test(`a benign state dict at protocol ${protocol} passes with only allow-listed globals`, async () => {
      const r = await inspectBytes(stateDictPickle(protocol), 'model.pt');
      assert.equal(r.format, 'pickle');
      assert.deepEqual(r.findings, []);
      const d = r.details as PickleDetails;
      assert.equal(d.protocol, protocol);
      assert.ok(d.globals.every((g) => g.allowed));
      assert.deepEqual(globals(r).sort(), ['collections.OrderedDict', 'torch.FloatStorage', 'torch._utils._rebuild_tensor_v2']);
      assert.deepEqual(d.storages, { count: 2, elements: 15 });
    });
  }

  test('os.system via GLOBAL is flagged at the exact offset', async () => {
    const { bytes, at } = evilGlobal();
    const r = await inspectBytes(bytes);
    assert.deepEqual(codes(r), ['PICKLE_DANGEROUS_GLOBAL']);
    assert.equal(r.findings[0]!.offset, at);
    assert.equal(r.findings[0]!.severity, 'error');
    assert.deepEqual(r.findings[0]!.data, { global: 'os.system', opcode: 'GLOBAL' });
    assert.match(r.findings[0]!.message, /known code-execution primitive/);
  });

  test('os.system via STACK_GLOBAL with strings fetched from the memo is flagged at the exact offset', async () => {
    const { bytes, at } = evilStackGlobal();
    const r = await inspectBytes(bytes);
    assert.deepEqual(codes(r), ['PICKLE_DANGEROUS_GLOBAL']);
    assert.equal(r.findings[0]!.offset, at);
    assert.equal(bytes[at], 0x93);
    assert.deepEqual(r.findings[0]!.data, { global: 'os.system', opcode: 'STACK_GLOBAL' });
  });

  test('LONG_BINGET, BINPUT and BINUNICODE8 resolve too; INST imports are caught', async () => {
    const { bytes, offsets } = assemble([
      op.PROTO(4),
      op.BINUNICODE8('builtins'),
      Buffer.concat([Buffer.from('r'), u32(70000)]), // LONG_BINPUT 70000
      Buffer.from('0'),
      op.BINUNICODE('eval'),
      op.BINPUT(3),
      Buffer.from('0'),
      op.LONG_BINGET(70000),
      op.BINGET(3),
      op.STACK_GLOBAL,
      Buffer.from('0'),
      op.MARK,
      op.SHORT_BINUNICODE('id'),
      op.INST('subprocess', 'getoutput'),
      op.STOP,
    ]);
    const r = await inspectBytes(bytes);
    assert.deepEqual(r.findings.map((f) => [f.code, f.offset, f.data?.global]), [
      ['PICKLE_DANGEROUS_GLOBAL', offsets[9], 'builtins.eval'],
      ['PICKLE_DANGEROUS_GLOBAL', offsets[13], 'subprocess.getoutput'],
    ]);
  });

  test('STACK_GLOBAL on values that cannot be traced is flagged, not trusted', async () => {
    const bytes = Buffer.concat([op.PROTO(4), op.SHORT_BINUNICODE('os'), op.SHORT_BINBYTES(Buffer.from('system')), op.STACK_GLOBAL, op.STOP]);
    assert.deepEqual(codes(await inspectBytes(bytes)), ['PICKLE_UNRESOLVED_GLOBAL']);
    const ext = Buffer.concat([op.PROTO(2), Buffer.from([0x82, 7]), op.STOP]);
    assert.deepEqual(codes(await inspectBytes(ext)), ['PICKLE_UNRESOLVED_GLOBAL']);
  });

  test('a global not on the allow-list is flagged even when it looks harmless', async () => {
    const r = await inspectBytes(Buffer.concat([op.PROTO(2), op.GLOBAL('collections', 'Counter'), op.STOP]));
    assert.deepEqual(codes(r), ['PICKLE_DANGEROUS_GLOBAL']);
    assert.match(r.findings[0]!.message, /not on the tensor-rebuilding allow-list/);
  });

  test('Python 2 names map as the unpickler maps them (__builtin__.set is builtins.set)', async () => {
    const r = await inspectBytes(Buffer.concat([op.PROTO(2), op.GLOBAL('__builtin__', 'set'), op.STOP]));
    assert.deepEqual(codes(r), []);
    assert.deepEqual(globals(r), ['builtins.set']);
    const r3 = await inspectBytes(Buffer.concat([op.PROTO(3), op.GLOBAL('__builtin__', 'set'), op.STOP]));
    assert.deepEqual(codes(r3), ['PICKLE_DANGEROUS_GLOBAL']);
  });

  test('arguments with 8-byte and signed 4-byte lengths are skipped exactly', async () => {
    const bytes = Buffer.concat([
      op.PROTO(5),
      op.MARK,
      op.BYTEARRAY8(Buffer.from('GLOBAL inside data is data')),
      op.LONG4(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])),
      op.BINUNICODE8('cos\nsystem\n'),
      Buffer.from('t'),
      op.STOP,
    ]);
    assert.deepEqual(codes(await inspectBytes(bytes)), []);
  });

  test('protocol 0 text opcodes walk, including quoted STRING escapes', async () => {
    const bytes = Buffer.from("(dp0\nS'a\\'b'\np1\nI42\nsVx\\u00e9\np2\nL5L\nsF1.5\n0.", 'latin1');
    assert.deepEqual(codes(await inspectBytes(bytes)), []);
  });

  test('a truncated pickle, an unknown opcode, and a pickle without STOP are unparseable', async () => {
    const good = stateDictPickle(2);
    for (const cut of [1, 5, 40, good.length - 1]) {
      assert.deepEqual(codes(await inspectBytes(good.subarray(0, cut))), ['MODEL_UNPARSEABLE'], `cut at ${cut}`);
    }
    const unknown = Buffer.concat([op.PROTO(2), Buffer.from([0xff]), op.STOP]);
    const r = await inspectBytes(unknown);
    assert.deepEqual(codes(r), ['MODEL_UNPARSEABLE']);
    assert.equal(r.findings[0]!.offset, 2);
    assert.match(r.findings[0]!.message, /unknown opcode 0xff/);
    assert.deepEqual(codes(await inspectBytes(Buffer.concat([op.PROTO(2), op.NONE]))), ['MODEL_UNPARSEABLE']);
    assert.deepEqual(codes(await inspectBytes(Buffer.concat([op.PROTO(2), op.STOP]))), ['MODEL_UNPARSEABLE'], 'STOP on an empty stack');
    assert.deepEqual(codes(await inspectBytes(Buffer.concat([op.PROTO(2), op.BINGET(9), op.STOP]))), ['MODEL_UNPARSEABLE'], 'memo miss');
    assert.deepEqual(codes(await inspectBytes(Buffer.concat([op.PROTO(6), op.NONE, op.STOP]))), ['MODEL_UNPARSEABLE'], 'protocol 6');
    // Python's own unpickler runs the opcodes of a short frame (C's stops): walked either way.
    assert.deepEqual(codes(await inspectBytes(Buffer.concat([op.PROTO(4), op.FRAME(1e6), op.NONE, op.STOP]))), [], 'frame past the end');
    assert.deepEqual(codes(await inspectBytes(Buffer.concat([op.PROTO(4), op.FRAME(1e6), op.GLOBAL('os', 'system'), op.STOP]))), ['PICKLE_DANGEROUS_GLOBAL'], 'frame past the end, then an import');
  });

  test('imports before a failure are still reported (the unpickler would have run them)', async () => {
    const { bytes } = evilGlobal();
    const r = await inspectBytes(bytes.subarray(0, bytes.length - 3));
    assert.deepEqual(codes(r).sort(), ['MODEL_UNPARSEABLE', 'PICKLE_DANGEROUS_GLOBAL']);
  });

  test('a second pickle after the first is walked; non-pickle bytes after STOP are a warning', async () => {
    const two = Buffer.concat([stateDictPickle(2), evilGlobal().bytes]);
    const r = await inspectBytes(two);
    assert.deepEqual(codes(r), ['PICKLE_DANGEROUS_GLOBAL']);
    assert.equal(r.findings[0]!.offset, stateDictPickle(2).length + evilGlobal().at);
    assert.equal((r.details as PickleDetails).pickles, 2);
    const tail = await inspectBytes(Buffer.concat([stateDictPickle(2), Buffer.from('junk')]));
    assert.deepEqual(tail.findings.map((f) => [f.code, f.severity]), [['PICKLE_TRAILING_DATA', 'warning']]);
  });

  test('the walk is capped: a huge pickle stops with INSPECTION_LIMIT', async () => {
    const many = Buffer.concat([op.PROTO(2), op.MARK, Buffer.alloc(900_000, 'N'), Buffer.from('l'), op.STOP]);
    const p = join(dir, 'big.pkl');
    writeFileSync(p, many);
    const r = await inspectFile(p, { maxPickleBytes: 500_000 });
    assert.deepEqual(codes(r), ['INSPECTION_LIMIT']);
    const full = await inspectFile(p);
    assert.deepEqual(codes(full), []);
  });

  test('the allow-list holds tensor rebuilding, not loaders', () => {
    assert.ok(PICKLE_ALLOWED_GLOBALS.has('torch._utils._rebuild_tensor_v2'));
    assert.ok(PICKLE_ALLOWED_GLOBALS.has('collections.OrderedDict'));
    assert.ok(PICKLE_ALLOWED_GLOBALS.has('torch.bfloat16'));
    for (const bad of ['torch.storage._load_from_bytes', 'builtins.eval', 'builtins.getattr', 'os.system', 'torch.load', 'numpy.load']) {
      assert.ok(!PICKLE_ALLOWED_GLOBALS.has(bad), bad);
    }
  });
});

describe('PyTorch ZIP checkpoints', () => {
  for (const deflate of [false, true]) {
    test(`a ${deflate ? 'deflated' : 'stored'} archive/data.pkl is walked like a bare pickle`, async () => {
      const r = await inspectBytes(torchZip(stateDictPickle(2), deflate), 'pytorch_model.bin');
      assert.equal(r.format, 'pytorch-zip');
      assert.deepEqual(r.findings, []);
      const d = r.details as PickleDetails;
      assert.equal(d.kind, 'pytorch-zip');
      assert.deepEqual(d.pickleMembers, ['archive/data.pkl']);
      assert.equal(d.serializationVersion, '3');
      assert.equal(d.entries, 4);
      assert.deepEqual(d.storages, { count: 2, elements: 15 });
    });

    test(`a dangerous global in a ${deflate ? 'deflated' : 'stored'} data.pkl names the member and the offset`, async () => {
      const { bytes, at } = evilStackGlobal();
      const r = await inspectBytes(torchZip(bytes, deflate), 'model.pt');
      assert.deepEqual(codes(r), ['PICKLE_DANGEROUS_GLOBAL']);
      assert.equal(r.findings[0]!.offset, at);
      assert.equal(r.findings[0]!.member, 'archive/data.pkl');
    });
  }

  test('ZIP64 end records are read', async () => {
    const r = await inspectBytes(torchZip(evilGlobal().bytes, false, { zip64: true }), 'model.pt');
    assert.deepEqual(codes(r), ['PICKLE_DANGEROUS_GLOBAL']);
  });

  test('every .pkl member is walked, not only the first data.pkl', async () => {
    const z = zip([
      { name: 'archive/data.pkl', data: stateDictPickle(2) },
      { name: 'other/data.pkl', data: evilGlobal().bytes, deflate: true },
    ]);
    const r = await inspectBytes(z, 'model.pt');
    assert.deepEqual(r.findings.map((f) => [f.code, f.member]), [['PICKLE_DANGEROUS_GLOBAL', 'other/data.pkl']]);
  });

  test('a truncated data.pkl inside the ZIP is unparseable', async () => {
    const r = await inspectBytes(torchZip(stateDictPickle(4).subarray(0, 50), true), 'model.pt');
    assert.deepEqual(r.findings.map((f) => [f.code, f.member]), [['MODEL_UNPARSEABLE', 'archive/data.pkl']]);
  });

  test('bytes prepended to the archive are refused rather than guessed at', async () => {
    const junk = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(26)]);
    const shifted = Buffer.concat([junk, torchZip(stateDictPickle(2))]);
    const r = await inspectBytes(shifted, 'model.pt');
    assert.deepEqual(codes(r), ['ZIP_UNSUPPORTED']);
    assert.match(r.findings[0]!.message, /prepended|polyglot/);
    // Without a ZIP signature up front, torch.load would take it for a legacy pickle: which it is not.
    const mz = Buffer.concat([Buffer.from('MZ-prefix'), torchZip(stateDictPickle(2))]);
    assert.deepEqual(codes(await inspectBytes(mz, 'model.pt')), ['MODEL_UNPARSEABLE']);
  });

  test('a CRC mismatch between directory and data is inconsistent', async () => {
    const z = torchZip(stateDictPickle(2));
    const at = z.indexOf(Buffer.from('layer.weight'));
    z[at] = 'L'.charCodeAt(0);
    assert.deepEqual(codes(await inspectBytes(z, 'model.pt')), ['ZIP_INCONSISTENT']);
  });

  test('a deflated member that inflates past the cap is an inspection limit', async () => {
    const bomb = zip([{ name: 'archive/data.pkl', data: Buffer.concat([op.PROTO(2), op.MARK, Buffer.alloc(5_000_000, 'N'), Buffer.from('l.')]), deflate: true }]);
    const p = join(dir, 'bomb.pt');
    writeFileSync(p, bomb);
    const r = await inspectFile(p, { maxPickleBytes: 1_000_000 });
    assert.deepEqual(r.findings.map((f) => [f.code, f.member]), [['INSPECTION_LIMIT', 'archive/data.pkl']]);
  });

  test('a ZIP without data.pkl named as a checkpoint is a disguised container', async () => {
    const r = await inspectBytes(zip([{ name: 'payload.sh', data: Buffer.from('echo hi') }]), 'pytorch_model.bin');
    assert.deepEqual(codes(r), ['CONTAINER_DISGUISED']);
  });
});
