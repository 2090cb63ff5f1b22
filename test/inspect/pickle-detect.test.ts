/**
 * Pickle detection that depends on neither the first byte nor the name (CVE-2025-10155's
 * class): every file not identified as another format gets a bounded pickle walk, and
 * clean files of other kinds must not come out suspicious.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { inspectFile, inspectModel, type FileInspection, type PickleDetails } from '../../core/inspect';
import { FindingSink } from '../../core/inspect/codes';
import { PickleScanner } from '../../core/inspect/pickle';
import { BufferSource, Cursor } from '../../core/inspect/source';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';
import { assemble, gguf, op, safetensors, stateDictPickle, u32, zip } from './builders';

const dir = tempDir('mp-inspect-detect-');
let n = 0;
async function inspectAs(bytes: Buffer, name: string): Promise<FileInspection> {
  const d = join(dir, `f${n++}`);
  mkdirSync(d);
  writeFileSync(join(d, name), bytes);
  return inspectFile(join(d, name));
}
const codes = (r: { findings: { code: string }[] }): string[] => r.findings.map((f) => f.code);
const dangerous = (r: FileInspection): string[] => r.findings.filter((f) => f.code === 'PICKLE_DANGEROUS_GLOBAL').map((f) => `${f.data?.global}@${f.offset}`);

/** `posix.system('id')` with protocol 4 opcodes and no PROTO: the first byte is 0x8c (SHORT_BINUNICODE). */
function p4NoProto(module = 'posix', name = 'system'): { bytes: Buffer; at: number } {
  const { bytes, offsets } = assemble([op.SHORT_BINUNICODE(module), op.MEMOIZE, op.SHORT_BINUNICODE(name), op.MEMOIZE, op.STACK_GLOBAL, op.MEMOIZE, op.SHORT_BINUNICODE('id'), op.MEMOIZE, op.TUPLE1, op.MEMOIZE, op.REDUCE, op.MEMOIZE, op.STOP]);
  return { bytes, at: offsets[4]! };
}

/** The same behind a FRAME (0x95 first), as protocol 4 and 5 writers frame their opcodes. */
function p4FrameFirst(module = 'posix', name = 'system'): { bytes: Buffer; at: number } {
  const body = p4NoProto(module, name);
  return { bytes: Buffer.concat([op.FRAME(body.bytes.length), body.bytes]), at: body.at + 9 };
}

const VARIANTS: Record<string, () => { bytes: Buffer; at: number }> = {
  'protocol 0 (GLOBAL, STRING, TUPLE, REDUCE)': () => {
    const { bytes, offsets } = assemble([op.GLOBAL('posix', 'system'), Buffer.from('p0\n'), op.MARK, Buffer.from("S'id'\n"), Buffer.from('p1\n'), op.TUPLE, Buffer.from('p2\n'), op.REDUCE, Buffer.from('p3\n'), op.STOP]);
    return { bytes, at: offsets[0]! };
  },
  'protocol 1 (GLOBAL, SHORT_BINSTRING, BINPUT)': () => {
    const { bytes, offsets } = assemble([op.GLOBAL('posix', 'system'), op.BINPUT(0), op.MARK, Buffer.from([0x55, 2]), Buffer.from('id'), op.BINPUT(1), op.TUPLE, op.BINPUT(2), op.REDUCE, op.BINPUT(3), op.STOP]);
    return { bytes, at: offsets[0]! };
  },
  'protocol 2 without PROTO (GLOBAL, TUPLE1)': () => {
    const { bytes, offsets } = assemble([op.GLOBAL('posix', 'system'), op.BINPUT(0), op.BINUNICODE('id'), op.TUPLE1, op.REDUCE, op.STOP]);
    return { bytes, at: offsets[0]! };
  },
  'protocol 3 without PROTO (GLOBAL, BINBYTES arg)': () => {
    const { bytes, offsets } = assemble([op.GLOBAL('builtins', 'eval'), op.BINUNICODE('__import__("os").system("id")'), op.TUPLE1, op.REDUCE, op.STOP]);
    return { bytes, at: offsets[0]! };
  },
  'protocol 4 without PROTO (0x8c first)': () => p4NoProto(),
  'protocol 4 without PROTO, FRAME first (0x95)': () => p4FrameFirst(),
  'protocol 5 without PROTO (FRAME, BYTEARRAY8, subprocess.Popen)': () => {
    const inner = assemble([op.BYTEARRAY8(Buffer.from('pad')), Buffer.from('0'), op.SHORT_BINUNICODE('subprocess'), op.SHORT_BINUNICODE('Popen'), op.STACK_GLOBAL, op.SHORT_BINUNICODE('id'), op.TUPLE1, op.REDUCE, op.STOP]);
    return { bytes: Buffer.concat([op.FRAME(inner.bytes.length), inner.bytes]), at: 9 + inner.offsets[4]! };
  },
};

describe('pickles without PROTO, under any name', () => {
  for (const [label, make] of Object.entries(VARIANTS)) {
    for (const name of ['model.bin', 'weights.dat', 'weights', 'pytorch_model.bin']) {
      test(`${label} saved as ${name} is walked and flagged at the import`, async () => {
        const { bytes, at } = make();
        const r = await inspectAs(bytes, name);
        assert.equal(r.format, 'pickle');
        assert.equal(r.verdict, 'dangerous');
        assert.equal(dangerous(r).length, 1, JSON.stringify(r.findings));
        assert.match(dangerous(r)[0]!, new RegExp(`@${at}$`));
        assert.deepEqual(codes(r), ['PICKLE_DANGEROUS_GLOBAL']);
      });
    }
  }

  test('the import names what runs: posix.system, nt.system, os.system, builtins.exec, runpy._run_code', async () => {
    for (const [m, g] of [['posix', 'system'], ['nt', 'system'], ['os', 'system'], ['builtins', 'exec'], ['runpy', '_run_code']] as const) {
      const r = await inspectAs(p4FrameFirst(m, g).bytes, 'model.bin');
      assert.deepEqual(r.findings.map((f) => f.data?.global), [`${m}.${g}`]);
      assert.match(r.findings[0]!.message, /known code-execution primitive/);
    }
  });

  test('a pickle under a safe format name or start is a disguise, whatever its first byte', async () => {
    for (const name of ['model.safetensors', 'model.gguf', 'model.onnx']) {
      const r = await inspectAs(p4NoProto().bytes, name);
      assert.deepEqual(codes(r), ['PICKLE_DISGUISED', 'PICKLE_DANGEROUS_GLOBAL'], name);
    }
    // "GGUF" is BINFLOAT's opcode and 3 of its 8 argument bytes: a pickle may begin with the GGUF magic.
    const polyglot = Buffer.concat([Buffer.from('GGUF'), u32(3), Buffer.from([0x30]), p4NoProto().bytes]);
    const r = await inspectAs(polyglot, 'model.bin');
    assert.equal(r.format, 'pickle');
    assert.deepEqual(codes(r), ['PICKLE_DISGUISED', 'PICKLE_DANGEROUS_GLOBAL']);
    assert.match(r.findings[0]!.message, /begins like gguf/);
  });

  test('a second stream after the first is walked whatever its first byte', async () => {
    const first = stateDictPickle(2);
    const second = VARIANTS['protocol 0 (GLOBAL, STRING, TUPLE, REDUCE)']!();
    const r = await inspectAs(Buffer.concat([first, second.bytes]), 'model.pt');
    assert.deepEqual(dangerous(r), [`posix.system@${first.length + second.at}`]);
    assert.equal((r.details as PickleDetails).pickles, 2);
  });

  test('a legacy torch.save file (five pickles, then raw storages) walks all five and stops there, under any name', async () => {
    const magic = Buffer.concat([op.PROTO(2), Buffer.from('8a0a6cfc9c46f9206aa85019', 'hex'), op.STOP]);
    const proto = Buffer.concat([op.PROTO(2), Buffer.from([0x4d, 0xe9, 0x03]), op.STOP]);
    const info = Buffer.concat([op.PROTO(2), op.EMPTY_DICT, op.STOP]);
    const keys = Buffer.concat([op.PROTO(2), Buffer.from(']'), op.SHORT_BINUNICODE('0'), Buffer.from('a'), op.STOP]);
    const raw = Buffer.concat([Buffer.from([12, 0, 0, 0, 0, 0, 0, 0]), Buffer.from(new Float32Array(12).fill(0.25).buffer)]);
    const clean = Buffer.concat([magic, proto, info, stateDictPickle(2), keys, raw]);
    for (const name of ['pytorch_model.bin', 'model.pt', 'checkpoint']) {
      const r = await inspectAs(clean, name);
      assert.deepEqual([r.format, r.verdict, codes(r)], ['pickle', 'ok', []], name);
      const d = r.details as PickleDetails;
      assert.deepEqual([d.legacyTorch, d.pickles, d.storages], [true, 5, { count: 2, elements: 15 }], name);
    }
    const evil = Buffer.concat([magic, proto, info, VARIANTS['protocol 0 (GLOBAL, STRING, TUPLE, REDUCE)']!().bytes, keys, raw]);
    assert.deepEqual(codes(await inspectAs(evil, 'pytorch_model.bin')), ['PICKLE_DANGEROUS_GLOBAL']);
  });

  test('the walk is at least as lenient as CPython: SETITEM and APPENDS reach a container below a MARK', async () => {
    // CPython 3.11 refuses these; a walk that goes on where an unpickler stops only sees more.
    const setitem = Buffer.concat([op.EMPTY_DICT, op.MARK, op.BININT1(1), op.BININT1(2), Buffer.from('s'), Buffer.from('0'), Buffer.from('0'), p4NoProto().bytes]);
    assert.deepEqual(codes(await inspectAs(setitem, 'model.bin')), ['PICKLE_DANGEROUS_GLOBAL']);
    const appends = Buffer.concat([Buffer.from(']'), op.MARK, op.MARK, Buffer.from('e'), Buffer.from('1'), Buffer.from('0'), p4NoProto().bytes]);
    assert.deepEqual(codes(await inspectAs(appends, 'model.bin')), ['PICKLE_DANGEROUS_GLOBAL']);
    const memo = Buffer.concat([op.NONE, Buffer.from('p +1_0 \n'), Buffer.from('0'), Buffer.from('g10\n'), Buffer.from('0'), p4NoProto().bytes]);
    assert.deepEqual(codes(await inspectAs(memo, 'model.bin')), ['PICKLE_DANGEROUS_GLOBAL'], 'PUT/GET lines read as int(line)');
  });
});

describe('unparseable but pickle-like is suspicious, never ok', () => {
  test('a FRAME-first stream cut before STOP', async () => {
    const { bytes, at } = p4FrameFirst();
    // Cut after REDUCE: the frame no longer fits, and Python's own unpickler still runs the call.
    const r = await inspectAs(bytes.subarray(0, bytes.length - 2), 'model.bin');
    assert.equal(r.verdict, 'dangerous');
    assert.deepEqual(codes(r).sort(), ['PICKLE_DANGEROUS_GLOBAL', 'PICKLE_SUSPICIOUS']);
    const s = r.findings.find((f) => f.code === 'PICKLE_SUSPICIOUS')!;
    assert.equal(s.offset, 0);
    assert.deepEqual(s.data?.reasons, ['1 call(s) on imported objects', 'imports posix.system']);
    assert.equal(s.data?.failedAt, bytes.length - 2);
    // A frame that fits, around a stream that breaks: pickle-like from its first opcode.
    const framed = Buffer.concat([op.FRAME(3), op.NONE, op.NONE, Buffer.from([0xff])]);
    const f = await inspectAs(framed, 'model.bin');
    assert.deepEqual(codes(f), ['PICKLE_SUSPICIOUS']);
    assert.deepEqual(f.findings[0]!.data?.reasons, ['opens with a FRAME whose length fits']);
    assert.equal(dangerous(r)[0], `posix.system@${at}`);
  });

  test('a stream that calls an allow-listed import and then breaks', async () => {
    const { bytes } = assemble([op.GLOBAL('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, Buffer.from([0xff])]);
    const r = await inspectAs(bytes, 'weights.dat');
    assert.deepEqual(codes(r), ['PICKLE_SUSPICIOUS']);
    assert.equal(r.verdict, 'suspicious');
    assert.match(r.findings[0]!.message, /unknown opcode 0xff/);
  });

  test('an import of a module shipped beside the file runs that module, even with no call', async () => {
    const d = makeModel(join(dir, `local${n++}`), { 'evil.py': 'import os; os.system("id")\n', data: 'cevil\nrun\n' });
    const r = await inspectFile(join(d, 'data'));
    assert.deepEqual(codes(r).sort(), ['PICKLE_DANGEROUS_GLOBAL', 'PICKLE_SUSPICIOUS']);
    assert.deepEqual(r.findings.find((f) => f.code === 'PICKLE_SUSPICIOUS')!.data?.reasons, ['imports evil.run from a module beside the file']);
    // The same two lines with no such module are a labels file, not a pickle.
    const plain = await inspectAs(Buffer.from('cevil\nrun\n'), 'data');
    assert.deepEqual(codes(plain), []);
    assert.equal(plain.format, 'unknown');
  });

  test('a work limit reached by a trial walk is not cleared', async () => {
    const many = Buffer.concat([op.FRAME(900_002), op.MARK, Buffer.alloc(900_000, 'N'), Buffer.from('l.')]);
    const d = join(dir, `lim${n++}`);
    mkdirSync(d);
    writeFileSync(join(d, 'blob'), many);
    const r = await inspectFile(join(d, 'blob'), { maxPickleOpcodes: 1000 });
    assert.deepEqual(codes(r), ['INSPECTION_LIMIT']);
    assert.equal(r.verdict, 'suspicious');
    assert.deepEqual(codes(await inspectFile(join(d, 'blob'))), [], 'within the default caps it is a harmless list of None');
  });
});

describe('clean files of other kinds stay clean', () => {
  const clean: [string, Buffer][] = [
    ['config.json', Buffer.from(JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', torch_dtype: 'bfloat16' }, null, 2))],
    ['tokenizer.json', Buffer.from(JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab: { a: 0, b: 1 }, merges: ['a b'] } }))],
    ['vocab.txt', Buffer.from('[PAD]\n[unused0]\n[CLS]\n[SEP]\nthe\nof\n')],
    ['merges.txt', Buffer.from('#version: 0.2\nĠ t\nĠ a\nh e\n')],
    ['tokenizer.model', Buffer.from([0x0a, 0x0b, 0x0a, 0x05, 0x3c, 0x75, 0x6e, 0x6b, 0x3e, 0x15, 0x00, 0x00, 0x00, 0x00, 0x18, 0x02])],
    ['cl100k_base.tiktoken', Buffer.from('IQ== 0\nIg== 1\nIw== 2\nJA== 3\n')],
    ['labels.txt', Buffer.from('cat\ndog\nbird\nfish\n')],
    ['README.md', Buffer.from('N.B. this model is for research.\nGenerally. Mrs. Jones.\n')],
    ['LICENSE', Buffer.from('Copyright (c) 2024 Example Corp.\n\nPermission is hereby granted, free of charge...\n')],
    ['notes', Buffer.from('Ünïcödé tëxt — “quoted” ✓ 日本語\n')],
    // "c" opens a GLOBAL whose module would be "opyright notice": not a name, no import, no code.
    ['COPYING', Buffer.from('copyright notice\nsee below\n.\n')],
    ['model.safetensors', safetensors([{ name: 'w', dtype: 'F32', shape: [40, 4] }])],
    ['model.gguf', gguf([['general.architecture', 'string', 'llama']], [{ name: 't', dims: [32], type: 0, offset: 0 }], 128)],
    ['weights.bin', Buffer.from(new Float32Array(Array.from({ length: 256 }, (_, i) => Math.sin(i) * 0.02)).buffer)],
  ];
  for (const [name, bytes] of clean) {
    test(`${name}`, async () => {
      const r = await inspectAs(bytes, name);
      assert.equal(r.verdict, 'ok', JSON.stringify(r.findings));
      assert.ok(!codes(r).some((c) => c.startsWith('PICKLE')), codes(r).join());
      assert.notEqual(r.format, 'pickle');
    });
  }

  test('raw tensor data that happens to start with PROTO (80 02) is not a pickle unless opcodes follow', async () => {
    const raw = Buffer.concat([Buffer.from([0x80, 0x02, 0x00, 0x3c]), Buffer.from(new Float32Array(64).fill(0.5).buffer)]);
    const r = await inspectAs(raw, 'weights.bin');
    assert.deepEqual([r.format, r.verdict, codes(r)], ['unknown', 'ok', ['FORMAT_UNKNOWN']]);
    const member = await inspectAs(zip([{ name: 'archive/data.pkl', data: stateDictPickle(2) }, { name: 'archive/data/0', data: raw }]), 'model.pt');
    assert.deepEqual([member.verdict, codes(member)], ['ok', []]);
    // With opcodes after it, PROTO is a pickle that breaks: suspicious.
    const broken = Buffer.concat([op.PROTO(2), op.NONE, op.NONE, op.NONE, Buffer.from('0'), Buffer.from([0x00])]);
    assert.deepEqual(codes(await inspectAs(broken, 'weights.bin')), ['PICKLE_SUSPICIOUS']);
  });

  test('random bytes and random UTF-8 text are never pickle-like (PROTO-first bytes excepted: they declare a pickle)', async () => {
    const d = join(dir, `rnd${n++}`);
    mkdirSync(d);
    let k = 0;
    const check = async (bytes: Buffer): Promise<void> => {
      if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) return;
      const p = join(d, `x${k++}`);
      writeFileSync(p, bytes);
      const r = await inspectFile(p);
      assert.ok(!r.findings.some((f) => f.code === 'PICKLE_SUSPICIOUS' || f.code === 'PICKLE_DANGEROUS_GLOBAL'), `${bytes.toString('hex')}: ${codes(r).join()}`);
    };
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), (b) => check(Buffer.from(b))), { numRuns: 400 });
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => check(Buffer.from(s, 'utf8'))), { numRuns: 400 });
  });
});

describe('a model folder: nothing is left out by its name', () => {
  test('a protocol 0 pickle saved as weights.dat and one with no extension are inspected; the CLI says so', async () => {
    const p0 = VARIANTS['protocol 0 (GLOBAL, STRING, TUPLE, REDUCE)']!().bytes;
    const d = makeModel(join(dir, `m${n++}`), {
      'weights.dat': p0,
      weights: p4FrameFirst().bytes,
      'config.json': JSON.stringify({ model_type: 'llama' }),
      'README.md': '# a model',
    });
    const m = await inspectModel(d);
    assert.deepEqual(m.files.map((f) => [f.name, f.format, f.verdict]), [['weights', 'pickle', 'dangerous'], ['weights.dat', 'pickle', 'dangerous']]);
    assert.deepEqual(m.skipped, ['README.md', 'config.json']);
    assert.equal(m.summary.verdict, 'dangerous');
    const cli = await runCli(['inspect', d]);
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, /^DANGEROUS .*: 2 model file\(s\) inspected \(pickle\), 2 other file\(s\) not a model format\n/);
    assert.match(cli.stdout, /DANGER error PICKLE_DANGEROUS_GLOBAL weights\.dat@0: GLOBAL imports posix\.system/);
  });
});

describe('archive members, whatever their names', () => {
  const npy = (descr: string, payload: Buffer): Buffer => {
    let header = `{'descr': ${descr}, 'fortran_order': False, 'shape': (1,), }`;
    header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
    const len = Buffer.alloc(2);
    len.writeUInt16LE(header.length);
    return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), len, Buffer.from(header, 'latin1'), payload]);
  };

  test('a member with no pickle name, stored or deflated, is walked', async () => {
    for (const deflate of [false, true]) {
      const { bytes, at } = p4NoProto();
      const r = await inspectAs(zip([{ name: 'archive/data.pkl', data: stateDictPickle(2) }, { name: 'archive/extra/blob', data: bytes, deflate }]), 'model.pt');
      assert.deepEqual(r.findings.map((f) => [f.code, f.member, f.offset]), [['PICKLE_DANGEROUS_GLOBAL', 'archive/extra/blob', at]], `deflate ${deflate}`);
      assert.deepEqual((r.details as PickleDetails).pickleMembers, ['archive/data.pkl', 'archive/extra/blob']);
    }
  });

  test('a big deflated member is tried on a prefix and walked whole when it is a pickle', async () => {
    const pad = Buffer.concat([op.FRAME(0), op.MARK, op.BYTEARRAY8(Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251))), Buffer.from('1')]);
    pad.writeBigUInt64LE(BigInt(pad.length - 9 + p4NoProto().bytes.length), 1);
    const big = Buffer.concat([pad, p4NoProto().bytes]);
    const r = await inspectAs(zip([{ name: 'payload', data: big, deflate: true }]), 'bundle.zip');
    assert.deepEqual(dangerous(r), [`posix.system@${pad.length + p4NoProto().at}`]);
  });

  test('a prefix that ends inside a long argument is read on, not cleared: PROTO, then a big BINBYTES8, then the import (deflated member and gzip)', async () => {
    // The prefix walk ran off the end inside the BINBYTES8: that is the data ending (Truncated), not
    // bytes that are no pickle; it once returned "not a pickle" and the member was never walked whole.
    const blob = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(blob.length));
    const head = Buffer.concat([op.PROTO(4), Buffer.from([0x8e]), len, blob, Buffer.from('0')]);
    const big = Buffer.concat([head, p4NoProto().bytes]);
    const member = await inspectAs(zip([{ name: 'archive/weights.bin', data: big, deflate: true }]), 'bundle.zip');
    assert.deepEqual(dangerous(member), [`posix.system@${head.length + p4NoProto().at}`]);
    const gz = await inspectAs(gzipSync(big), 'weights.pkl.gz');
    assert.deepEqual(dangerous(gz), [`posix.system@${head.length + p4NoProto().at}`]);
  });

  test('a gzip\'d or zlib-compressed pickle inside a ZIP is decompressed and walked; another gzip member is reported, not passed silently', async () => {
    const bad = p4FrameFirst('posix', 'system');
    const r = await inspectAs(
      zip([
        { name: 'a/model.pkl.gz', data: gzipSync(bad.bytes) },
        { name: 'b/notes.txt.gz', data: gzipSync(Buffer.from('hello\n'.repeat(50))), deflate: true },
        { name: 'c/model.joblib', data: deflateSync(bad.bytes) },
      ]),
      'bundle.zip',
    );
    assert.deepEqual(r.findings.filter((f) => f.code === 'PICKLE_DANGEROUS_GLOBAL').map((f) => f.member), ['a/model.pkl.gz!/(gzip-decompressed content)', 'c/model.joblib!/(zlib-decompressed content)']);
    assert.deepEqual(r.findings.filter((f) => f.code === 'ARCHIVE_NOT_INSPECTED').map((f) => f.member), ['b/notes.txt.gz']);
    assert.equal(r.verdict, 'dangerous');
  });

  test('.npz: an object array holds a pickle, which is walked; a float array is not', async () => {
    const evil = Buffer.concat([op.PROTO(2), op.GLOBAL('posix', 'system'), op.SHORT_BINUNICODE('id'), op.TUPLE1, op.REDUCE, op.STOP]);
    const obj = npy("'|O'", evil);
    const floats = npy("'<f4'", Buffer.alloc(4));
    const r = await inspectAs(zip([{ name: 'w.npy', data: floats, deflate: true }, { name: 'meta.npy', data: obj }]), 'arrays.npz');
    assert.deepEqual(r.findings.map((f) => [f.code, f.member, f.offset]), [['PICKLE_DANGEROUS_GLOBAL', 'meta.npy', obj.length - evil.length + 2]]);
    assert.deepEqual((r.details as PickleDetails).objectArrays, ['meta.npy']);
    const structured = await inspectAs(npy("[('a', '<f4'), ('b', '|O')]", evil), 'table.npy');
    assert.equal(structured.format, 'npy');
    assert.deepEqual(codes(structured), ['PICKLE_DANGEROUS_GLOBAL']);
    const plain = await inspectAs(floats, 'w.npy');
    assert.deepEqual([plain.format, plain.verdict, codes(plain)], ['npy', 'ok', []]);
  });

  test('a ZIP inside a ZIP is opened; deeper ones are reported, not opened', async () => {
    const inner = zip([{ name: 'archive/data.pkl', data: stateDictPickle(2) }, { name: 'archive/x', data: p4FrameFirst().bytes }]);
    const r = await inspectAs(zip([{ name: 'inner.pt', data: inner, deflate: true }]), 'bundle.zip');
    assert.deepEqual(r.findings.map((f) => [f.code, f.member]), [['PICKLE_DANGEROUS_GLOBAL', 'inner.pt!/archive/x']]);
    assert.deepEqual((r.details as PickleDetails).nestedArchives, ['inner.pt']);
    const deeper = await inspectAs(zip([{ name: 'a.zip', data: zip([{ name: 'b.zip', data: inner }]) }]), 'bundle.zip');
    assert.deepEqual(deeper.findings.map((f) => [f.code, f.member]), [['ARCHIVE_NOT_INSPECTED', 'a.zip!/b.zip']]);
  });

  test('a .keras archive (config.json, weights, metadata) is clean; a pickle hidden in its assets is not', async () => {
    const keras = [
      { name: 'metadata.json', data: Buffer.from('{"keras_version": "3.6.0"}') },
      { name: 'config.json', data: Buffer.from('{"class_name": "Sequential", "config": {"layers": []}}'), deflate: true },
      { name: 'model.weights.h5', data: Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]) },
    ];
    const ok = await inspectAs(zip(keras), 'model.keras');
    assert.deepEqual([ok.verdict, codes(ok)], ['ok', []]);
    const bad = await inspectAs(zip([...keras, { name: 'assets/tokenizer', data: p4NoProto().bytes }]), 'model.keras');
    assert.deepEqual(bad.findings.map((f) => [f.code, f.member]), [['PICKLE_DANGEROUS_GLOBAL', 'assets/tokenizer']]);
  });

  test('the members examined are bounded by maxArchiveBytes', async () => {
    const members = Array.from({ length: 8 }, (_, i) => ({ name: `m${i}`, data: Buffer.concat([op.FRAME(100_001), op.MARK, Buffer.alloc(100_000, 'N'), Buffer.from('l.')]), deflate: true }));
    const d = join(dir, `cap${n++}`);
    mkdirSync(d);
    writeFileSync(join(d, 'many.zip'), zip(members));
    const r = await inspectFile(join(d, 'many.zip'), { maxArchiveBytes: 300_000 });
    assert.deepEqual(codes(r), ['INSPECTION_LIMIT']);
    assert.equal(r.verdict, 'suspicious');
  });
});

describe('compressed pickles: joblib.load and pandas.read_pickle decompress before they unpickle', () => {
  const bad = (): Buffer => p4FrameFirst('posix', 'system').bytes;
  const clean = (): Buffer => stateDictPickle(4);
  test('a gzip\'d pickle is decompressed and walked, under an archive name, no extension or a checkpoint name', async () => {
    for (const name of ['model.pkl.gz', 'weights.dat', 'model', 'model.joblib']) {
      const r = await inspectAs(gzipSync(bad()), name);
      assert.equal(r.verdict, 'dangerous', `${name}: ${JSON.stringify(r.findings)}`);
      assert.ok(dangerous(r).some((g) => g.startsWith('posix.system@')), `${name}: ${JSON.stringify(r.findings)}`);
      assert.equal(r.findings.find((f) => f.code === 'PICKLE_DANGEROUS_GLOBAL')?.member, '(gzip-decompressed content)');
    }
  });
  test('a zlib stream (joblib\'s compress=True) holding a pickle is decompressed and walked, whatever its name', async () => {
    for (const name of ['model.joblib', 'model.pkl', 'weights.dat']) {
      const r = await inspectAs(deflateSync(bad()), name);
      assert.equal(r.verdict, 'dangerous', `${name}: ${JSON.stringify(r.findings)}`);
      assert.ok(dangerous(r).some((g) => g.startsWith('posix.system@')), `${name}: ${JSON.stringify(r.findings)}`);
    }
  });
  test('a gzip\'d clean state dict is clean; a gzip\'d non-pickle is an archive not inspected, as before', async () => {
    const ok = await inspectAs(gzipSync(clean()), 'state.pkl.gz');
    assert.equal(ok.verdict, 'ok', JSON.stringify(ok.findings));
    const text = await inspectAs(gzipSync(Buffer.from('hello world\n'.repeat(100))), 'notes.txt.gz');
    assert.deepEqual(codes(text), ['ARCHIVE_NOT_INSPECTED']);
  });
  test('a pickle compressed with what Node cannot decompress (bzip2, xz) is not cleared when its name says pickle', async () => {
    const bz2 = Buffer.concat([Buffer.from('BZh9'), Buffer.alloc(32, 7)]);
    const xz = Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(32, 7)]);
    for (const [bytes, name] of [[bz2, 'model.pkl.bz2'], [xz, 'model.joblib.xz']] as const) {
      const r = await inspectAs(bytes, name);
      assert.equal(r.verdict, 'suspicious', `${name}: ${JSON.stringify(r.findings)}`);
      assert.deepEqual(codes(r), ['MODEL_UNPARSEABLE']);
    }
    assert.deepEqual(codes(await inspectAs(bz2, 'corpus.txt.bz2')), ['ARCHIVE_NOT_INSPECTED']);
  });
  test('the CLI names a suspicious verdict as such, not as dangerous content', async () => {
    const d = tempDir('mp-inspect-susp-');
    writeFileSync(join(d, 'model.pkl.bz2'), Buffer.concat([Buffer.from('BZh9'), Buffer.alloc(32, 7)]));
    const r = await runCli(['inspect', join(d, 'model.pkl.bz2')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /suspicious content \(could not be cleared\)/);
    assert.doesNotMatch(r.stderr, /dangerous content/);
    // verify --scan's note counts by verdict too.
    const m = makeModel(join(d, 'm'), { 'w.bin': 'x' });
    writeFileSync(join(m, 'model.pkl.bz2'), Buffer.concat([Buffer.from('BZh9'), Buffer.alloc(32, 7)]));
    writeFileSync(join(m, 'optimizer.pt'), p4NoProto().bytes);
    await runCli(['keygen', '--out', join(d, 'k')]);
    assert.equal((await runCli(['sign', 'key', m, '--private-key', join(d, 'k.pem')])).code, 0);
    const v = await runCli(['verify', 'key', m, '--public-key', join(d, 'k.pub.pem'), '--scan']);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /note: scan: 1 dangerous finding\(s\) and 1 finding\(s\) that could not be cleared \(suspicious\)/);
  });
});

describe('measured against CPython', () => {
  // Python's own unpickler is the reference for what runs: a recording find_class hands
  // back a harmless stand-in, so each stream shows which globals it imports and calls.
  const py = spawnSync('python3', ['-c', 'import pickle'], { encoding: 'utf8' });
  const skip = py.status !== 0 ? 'python3 is not installed' : false;
  const script = `import sys, json, pickle, io, base64, importlib.util
class Rec(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            exists = importlib.util.find_spec(module.split('.')[0]) is not None
        except Exception:
            exists = False
        seen.append(module + '.' + name + ('' if exists else ' (no such module)'))
        return lambda *a, **k: ('called', module + '.' + name)
    def persistent_load(self, pid):
        return None
out = {}
for name, b64 in json.load(sys.stdin).items():
    seen = []
    try:
        Rec(io.BytesIO(base64.b64decode(b64))).load()
        out[name] = ['ok', seen]
    except Exception as e:
        out[name] = ['error', seen]
print(json.dumps(out))`;
  const run = (streams: Record<string, Buffer>): Record<string, [string, string[]]> => {
    const input = JSON.stringify(Object.fromEntries(Object.entries(streams).map(([k, v]) => [k, v.toString('base64')])));
    const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, [string, string[]]>;
  };

  test('every PROTO-less variant is one CPython loads, importing what the walk reports', { skip }, async () => {
    const streams = Object.fromEntries(Object.entries(VARIANTS).map(([k, make]) => [k, make().bytes]));
    const outcomes = run(streams);
    for (const [name, bytes] of Object.entries(streams)) {
      const r = await inspectAs(bytes, 'model.bin');
      assert.deepEqual(outcomes[name], ['ok', r.findings.map((f) => f.data?.global)], name);
    }
  });

  test('never stricter than CPython on text arguments: every INT, LONG, FLOAT, PUT and GET line it accepts, the walk accepts', { skip }, () => {
    // Python makes random lines from the characters these parsers care about and keeps the
    // streams it loads; the walk must walk every one of them to STOP.
    const gen = `import pickle, random, json
random.seed(7)
chars = "0123456789xXoObB_+- \\t.eEinfaNL\\x00"
out = []
for _ in range(6000):
    s = ''.join(random.choice(chars) for _ in range(random.randint(1, 7)))
    for b in [op + s + '\\n.' for op in 'ILF'] + ['Np' + s + '\\n0g' + s + '\\n.']:
        try:
            pickle.loads(b.encode('latin1'))
            out.append(b)
        except Exception:
            pass
print(json.dumps(out))`;
    const r = spawnSync('python3', ['-c', gen], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.status, 0, r.stderr);
    const accepted = JSON.parse(r.stdout) as string[];
    assert.ok(accepted.length > 2000, `${accepted.length} streams`);
    const refused = accepted.filter((text) => {
      const scanner = new PickleScanner(new FindingSink(10), { budget: 1 << 20, maxOpcodes: 1 << 20, maxListed: 8 });
      try {
        scanner.walk(new Cursor(new BufferSource(Buffer.from(text, 'latin1'))));
        return false;
      } catch {
        return true;
      }
    });
    assert.deepEqual(refused.slice(0, 10).map((x) => JSON.stringify(x)), []);
  });

  test('never stricter than CPython on structure: random opcode streams CPython loads walk to STOP with the same imports', { skip }, () => {
    const gen = `import pickle, random, json, io
random.seed(3)
snips = ['N', ')', ']', '}', '(', '0', '1', '2', 't', 'l', 'd', 's', 'u', 'a', 'e', 'b', 'R', '\\x81', '\\x85', '\\x86', '\\x87',
         '\\x94', 'q\\x00', 'h\\x00', 'p0\\n', 'g0\\n', 'K\\x01', 'I5\\n', '\\x8c\\x05posix', '\\x8c\\x06system', '\\x93',
         'cposix\\nsystem\\n', 'ibuiltins\\nset\\n', 'o', '\\x88', '\\x89', '\\x8f', '\\x90', '\\x91', 'U\\x02id', 'X\\x02\\x00\\x00\\x00id', '\\x80\\x04']
class Rec(pickle.Unpickler):
    def find_class(self, m, n):
        seen.append(m + '.' + n)
        return lambda *a, **k: []
out = []
for _ in range(40000):
    b = ''.join(random.choice(snips) for _ in range(random.randint(1, 12))) + '.'
    seen = []
    try:
        Rec(io.BytesIO(b.encode('latin1'))).load()
    except Exception:
        continue
    out.append([b, sorted(set(seen))])
print(json.dumps(out))`;
    const r = spawnSync('python3', ['-c', gen], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.status, 0, r.stderr);
    const loaded = JSON.parse(r.stdout) as [string, string[]][];
    assert.ok(loaded.length > 500, `${loaded.length} streams`);
    const diverged = loaded.filter(([text, seen]) => {
      const scanner = new PickleScanner(new FindingSink(100), { budget: 1 << 20, maxOpcodes: 1 << 20, maxListed: 64 });
      try {
        scanner.walk(new Cursor(new BufferSource(Buffer.from(text, 'latin1'))));
      } catch {
        return true;
      }
      return JSON.stringify([...new Set(scanner.globals.map((g) => `${g.module}.${g.name}`))].sort()) !== JSON.stringify(seen);
    });
    assert.deepEqual(diverged.slice(0, 10).map(([t]) => JSON.stringify(t)), []);
  });

  test('the runtime pickle.load and torch.load use: the C unpickler', { skip }, () => {
    const r = spawnSync('python3', ['-c', 'import pickle, _pickle; print(pickle.Unpickler is _pickle.Unpickler)'], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'True');
  });

  test('where the walk is more lenient than CPython, and where it is as lenient', { skip }, () => {
    const outcomes = run({
      setitem: Buffer.concat([op.EMPTY_DICT, op.MARK, op.BININT1(1), op.BININT1(2), Buffer.from('s'), Buffer.from('0'), Buffer.from('0'), p4NoProto().bytes]),
      appends: Buffer.concat([Buffer.from(']'), op.MARK, op.MARK, Buffer.from('e'), Buffer.from('1'), Buffer.from('0'), p4NoProto().bytes]),
      memo: Buffer.concat([op.NONE, Buffer.from('p +1_0 \n'), Buffer.from('0'), Buffer.from('g10\n'), Buffer.from('0'), p4NoProto().bytes]),
      cut: p4FrameFirst().bytes.subarray(0, p4FrameFirst().bytes.length - 2),
    });
    // CPython 3.11 stops at a container below a MARK (the walk goes on: it can only see more) …
    assert.deepEqual(outcomes.setitem, ['error', []]);
    assert.deepEqual(outcomes.appends, ['error', []]);
    // … and reads PUT/GET lines as int(line), as the walk does.
    assert.deepEqual(outcomes.memo, ['ok', ['posix.system']]);
    // C's unpickler refuses the short FRAME at once; Python's own _Unframer (joblib's) runs it.
    assert.equal(outcomes.cut![0], 'error');
  });

  test('the clean files run nothing in CPython: any import they attempt names no module', { skip }, () => {
    const outcomes = run({
      labels: Buffer.from('cat\ndog\nbird\nfish\n'),
      copying: Buffer.from('copyright notice\nsee below\n.\n'),
      readme: Buffer.from('N.B. this model is for research.\n'),
      tiktoken: Buffer.from('IQ== 0\nIg== 1\n'),
      json: Buffer.from('{"a": 1}'),
    });
    for (const [name, [, seen]] of Object.entries(outcomes)) {
      // "cat\ndog" asks for module "at", "copyright notice" for "opyright notice": neither exists.
      assert.ok(seen.every((g) => g.endsWith(' (no such module)')), `${name}: ${JSON.stringify(seen)}`);
    }
    assert.deepEqual(outcomes.readme, ['ok', []], 'N. is None: a plain value, no import');
  });
});

describe('the CLI on the issue\'s own input', () => {
  test('a posix.system pickle with protocol 4 opcodes and no PROTO, saved as model.bin, fails inspect and verify --scan', async () => {
    const d = tempDir('mp-inspect-cve-');
    const model = makeModel(join(d, 'model'), { 'model.bin': p4NoProto().bytes, 'config.json': '{"model_type": "bert"}' });
    assert.equal((await runCli(['keygen', '--out', join(d, 'k')])).code, 0);
    assert.equal((await runCli(['sign', 'key', model, '--private-key', join(d, 'k.pem')])).code, 0);
    assert.equal((await runCli(['verify', 'key', model, '--public-key', join(d, 'k.pub.pem')])).code, 0, 'the signature itself is fine');
    const scanned = await runCli(['verify', 'key', model, '--public-key', join(d, 'k.pub.pem'), '--scan', '--format', 'json']);
    assert.equal(scanned.code, 1);
    assert.deepEqual(JSON.parse(scanned.stdout).problems.map((p: { code: string; file?: string }) => [p.code, p.file]), [['PICKLE_DANGEROUS_GLOBAL', 'model.bin']]);
    const json = await runCli(['inspect', model, '--format', 'json']);
    assert.equal(json.code, 1);
    const inspection = JSON.parse(json.stdout);
    assert.deepEqual([inspection.files[0].name, inspection.files[0].format, inspection.summary.verdict, inspection.summary.dangerous], ['model.bin', 'pickle', 'dangerous', true]);
  });
});
