#!/usr/bin/env node
// Inspection benchmark: `inspectModel` over a model folder in which every file gets a
// pickle trial walk (no file is cleared by its name or first byte) and every chat template
// is lexed and parsed as Jinja, against the I/O floor of any content-based check: open
// every file, read its first 4 KiB, close it.
// Run: `npm run build && node bench/inspect.mjs` (add `--json` for JSON).
//
// The folder (clean: the bench exits 1 unless the verdict is ok):
//   BENCH_TEXT_FILES small text and JSON files (tokenizer, configs, docs, no extension),
//   BENCH_RAW_FILES raw float32 .bin files of 1 MiB (ONNX/OpenVINO-style data),
//   a PyTorch ZIP with BENCH_STORAGES stored storages of 256 KiB each and its data.pkl,
//   two safetensors shards of 16 MiB, a GGUF file and a tokenizer_config.json, both with a
//   Llama-3.1-style chat template, and a chat_template.jinja.
// Env: BENCH_RUNS=5 (timed runs after one warm-up). Exit 0 whatever the timings.
import { closeSync, mkdirSync, openSync, readSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { envInt, log, machine, scratch } from './lib/common.mjs';

const json = process.argv.includes('--json');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const core = createRequire(import.meta.url)(join(repo, 'dist', 'core.js'));
const RUNS = envInt('BENCH_RUNS', 5, 1);
const TEXT = envInt('BENCH_TEXT_FILES', 500, 0);
const RAW = envInt('BENCH_RAW_FILES', 50, 0);
const STORAGES = envInt('BENCH_STORAGES', 100, 1);

const work = scratch('mp-bench-inspect-');
const model = join(work.dir, 'model');
mkdirSync(model);

// ---------------------------------------------------------------- the folder
const floats = (n, seed) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37 + seed) * 0.02;
  return Buffer.from(a.buffer);
};
const u64 = (v) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
};
const u32 = (v) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};
const str = (s) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);

function safetensors(mib, seed) {
  const n = (mib * 1024 * 1024) / 4;
  const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt' }, w: { dtype: 'F32', shape: [n], data_offsets: [0, n * 4] } }));
  return Buffer.concat([u64(header.length), header, floats(n, seed)]);
}

function zip(members) {
  const locals = [];
  const centrals = [];
  let at = 0;
  for (const m of members) {
    const name = Buffer.from(m.name);
    const crc = crc32(m.data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(m.data.length, 18);
    lh.writeUInt32LE(m.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(m.data.length, 20);
    ch.writeUInt32LE(m.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(at, 42);
    locals.push(lh, name, m.data);
    centrals.push(ch, name);
    at += 30 + name.length + m.data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(at, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** data.pkl of a state dict with `n` tensors over persistent-id storages, as torch.save writes it (protocol 2). */
function statePickle(n, numel) {
  const su = (s) => Buffer.concat([Buffer.from([0x58]), u32(Buffer.byteLength(s)), Buffer.from(s)]);
  const parts = [Buffer.from([0x80, 0x02]), Buffer.from('ccollections\nOrderedDict\nq\x00)R(', 'latin1')];
  for (let i = 0; i < n; i++) {
    parts.push(su(`layer${i}.weight`), Buffer.from('ctorch._utils\n_rebuild_tensor_v2\n((', 'latin1'), su('storage'), Buffer.from('ctorch\nFloatStorage\n', 'latin1'), su(String(i)), su('cpu'), Buffer.from([0x4a]), u32(numel), Buffer.from('tQK\x00', 'latin1'), Buffer.from([0x4a]), u32(numel), Buffer.from([0x85, 0x4b, 0x01, 0x85, 0x89]), Buffer.from('ccollections\nOrderedDict\n)RtR', 'latin1'));
  }
  parts.push(Buffer.from('u.', 'latin1'));
  return Buffer.concat(parts);
}

const TEMPLATE = `{{- bos_token }}{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- else %}{%- set system_message = "" %}{%- endif %}{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" + system_message + "<|eot_id|>" }}{%- for message in messages %}{%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}{%- elif 'tool_calls' in message %}{%- set tool_call = message.tool_calls[0].function %}{{- '{"name": "' + tool_call.name + '", "parameters": ' + tool_call.arguments | tojson + "}<|eot_id|>" }}{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}`;

function gguf() {
  const kv = (k, type, v) => Buffer.concat([str(k), u32(type), v]);
  const kvs = [kv('general.architecture', 8, str('llama')), kv('general.file_type', 4, u32(1)), kv('tokenizer.chat_template', 8, str(TEMPLATE))];
  const head = Buffer.concat([Buffer.from('GGUF'), u32(3), u64(1), u64(kvs.length), ...kvs, str('t'), u32(1), u64(1024), u32(0), u64(0)]);
  const pad = (32 - (head.length % 32)) % 32;
  return Buffer.concat([head, Buffer.alloc(pad), floats(1024, 9)]);
}

log('building the model folder…');
for (let i = 0; i < TEXT; i++) {
  const kind = i % 5;
  const name = ['docs/note' + i + '.md', 'cfg/c' + i + '.json', 'vocab/v' + i + '.txt', 'meta/m' + i, 'src/s' + i + '.py'][kind];
  mkdirSync(dirname(join(model, name)), { recursive: true });
  const body = kind === 1 ? JSON.stringify({ id: i, labels: ['cat', 'dog'], hidden_size: 4096 }) : kind === 2 ? 'cat\ndog\nbird\n'.repeat(50) : kind === 4 ? `def f${i}(x):\n    return x * ${i}\n` : `Notes for file ${i}.\nGenerally. N.B. Mrs. Smith.\n`.repeat(20);
  writeFileSync(join(model, name), body);
}
mkdirSync(join(model, 'raw'));
for (let i = 0; i < RAW; i++) writeFileSync(join(model, 'raw', `w${i}.bin`), floats(256 * 1024, i));
const storageNumel = 64 * 1024;
writeFileSync(join(model, 'pytorch_model.bin'), zip([
  { name: 'archive/data.pkl', data: statePickle(STORAGES, storageNumel) },
  ...Array.from({ length: STORAGES }, (_, i) => ({ name: `archive/data/${i}`, data: floats(storageNumel, i) })),
  { name: 'archive/version', data: Buffer.from('3\n') },
]));
writeFileSync(join(model, 'model-00001-of-00002.safetensors'), safetensors(16, 1));
writeFileSync(join(model, 'model-00002-of-00002.safetensors'), safetensors(16, 2));
writeFileSync(join(model, 'model.Q8_0.gguf'), gguf());
writeFileSync(join(model, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<|begin_of_text|>', chat_template: TEMPLATE }));
writeFileSync(join(model, 'chat_template.jinja'), TEMPLATE);

// ---------------------------------------------------------------- measure
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) walk(p);
    else files.push(p);
  }
};
walk(model);
const bytes = files.reduce((s, f) => s + statSync(f).size, 0);

const floor = () => {
  const buf = Buffer.alloc(4096);
  for (const f of files) {
    const fd = openSync(f, 'r');
    readSync(fd, buf, 0, 4096, 0);
    closeSync(fd);
  }
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const time = async (fn) => {
  await fn();
  const out = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return median(out);
};

let inspection;
const floorMs = await time(floor);
const inspectMs = await time(async () => {
  inspection = await core.inspectModel(model);
});
const result = {
  machine: machine(),
  folder: { files: files.length, bytes, inspected: inspection.files.length, skipped: inspection.skipped.length, zipMembers: STORAGES + 2 },
  runs: RUNS,
  floorMs: Number(floorMs.toFixed(1)),
  inspectMs: Number(inspectMs.toFixed(1)),
  ratio: Number((inspectMs / floorMs).toFixed(2)),
  perFileMs: Number((inspectMs / files.length).toFixed(3)),
  verdict: inspection.summary.verdict,
};
if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  log(`machine: ${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}`);
  log(`folder: ${files.length} files, ${(bytes / 2 ** 20).toFixed(0)} MiB; ${result.folder.inspected} listed as model files, ${result.folder.skipped} skipped (all were read)`);
  log(`I/O floor (open + 4 KiB read + close, every file): ${result.floorMs} ms`);
  log(`inspectModel (every file trial-walked, templates parsed): ${result.inspectMs} ms = ${result.ratio}× the floor, ${result.perFileMs} ms per file`);
}
if (inspection.summary.verdict !== 'ok') {
  log(`FAIL: the clean folder came out ${inspection.summary.verdict}: ${JSON.stringify(inspection.files.filter((f) => f.verdict !== 'ok').map((f) => [f.name, f.findings.map((x) => x.code)]))}`);
  process.exit(1);
}
