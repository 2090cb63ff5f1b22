import type { ModelFormat } from './types';

/** Enough for every magic number, including tar's "ustar" at 257. */
export const SNIFF_BYTES = 512;

/** What the file name says it is. 'checkpoint-bin' is the weak claim of a bare .bin. */
export type Claim = 'safetensors' | 'gguf' | 'onnx' | 'pickle' | 'checkpoint-bin' | 'shard-index' | 'other-model' | 'archive' | 'text' | 'none';

const CLAIM_BY_EXT: Record<string, Claim> = {
  safetensors: 'safetensors',
  gguf: 'gguf',
  onnx: 'onnx',
  pt: 'pickle',
  pth: 'pickle',
  ckpt: 'pickle',
  pkl: 'pickle',
  pickle: 'pickle',
  joblib: 'pickle',
  dill: 'pickle',
  bin: 'checkpoint-bin',
  h5: 'other-model',
  hdf5: 'other-model',
  keras: 'other-model',
  tflite: 'other-model',
  pb: 'other-model',
  npy: 'other-model',
  npz: 'other-model',
  msgpack: 'other-model',
  mlmodel: 'other-model',
  pte: 'other-model',
  nemo: 'other-model',
  mar: 'other-model',
  engine: 'other-model',
  plan: 'other-model',
  llamafile: 'other-model',
  zip: 'archive',
  tar: 'archive',
  gz: 'archive',
  tgz: 'archive',
  bz2: 'archive',
  xz: 'archive',
  zst: 'archive',
  '7z': 'archive',
  rar: 'archive',
  json: 'text',
  jsonl: 'text',
  txt: 'text',
  md: 'text',
  yaml: 'text',
  yml: 'text',
  toml: 'text',
  cfg: 'text',
  ini: 'text',
  csv: 'text',
  py: 'text',
  jinja: 'text',
  j2: 'text',
  jinja2: 'text',
  tiktoken: 'text',
  vocab: 'text',
  license: 'text',
};

/** Claims under which an archive or a pickle is out of place. */
export const CHECKPOINT_CLAIMS: ReadonlySet<Claim> = new Set(['safetensors', 'gguf', 'onnx', 'pickle', 'checkpoint-bin']);
/** Formats whose loaders never run code: a pickle posing as one of these is an attack, not a mix-up. */
export const SAFE_FORMAT_CLAIMS: ReadonlySet<Claim> = new Set(['safetensors', 'gguf', 'onnx']);
export const CONTAINER_FORMATS: ReadonlySet<ModelFormat> = new Set(['7z', 'gzip', 'bzip2', 'xz', 'zstd', 'rar', 'tar']);

export function claimFromName(name: string): Claim {
  const base = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  if (base.endsWith('.index.json')) return 'shard-index';
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return base === 'license' ? 'text' : 'none';
  return CLAIM_BY_EXT[base.slice(dot + 1)] ?? 'none';
}

const startsWith = (head: Buffer, bytes: number[], at = 0): boolean =>
  head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b);

const GGML_MAGICS = ['lmgg', 'fmgg', 'tjgg'].map((m) => [...Buffer.from(m, 'latin1')]);

/** The format the first bytes prove, whatever the name says. */
export function formatFromMagic(head: Buffer): ModelFormat | undefined {
  if (startsWith(head, [0x47, 0x47, 0x55, 0x46])) return 'gguf';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, [0x42, 0x5a, 0x68]) && head.length > 3 && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (startsWith(head, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return 'rar';
  if (startsWith(head, [0x75, 0x73, 0x74, 0x61, 0x72], 257)) return 'tar';
  // safetensors has no magic, but its 8-byte length (under 2^40: the top three bytes are
  // zero, which rules out JSON text) is followed by the JSON object's opening. Check it
  // before the pickle marker, since a length like 0x0280 starts 80 02.
  if (head.length >= 10 && head[5] === 0 && head[6] === 0 && head[7] === 0 && head[8] === 0x7b && [0x22, 0x7d, 0x20, 0x09, 0x0a, 0x0d].includes(head[9]!)) return 'safetensors';
  if (head.length >= 2 && head[0] === 0x80 && head[1]! <= 5) return 'pickle';
  if (startsWith(head, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) return 'other-model'; // HDF5
  if (startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return 'npy';
  // llama.cpp's pre-GGUF formats (GGML, GGMF, GGJT), usually named .bin.
  if (GGML_MAGICS.some((m) => startsWith(head, m))) return 'other-model';
  return undefined;
}
