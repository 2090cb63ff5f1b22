import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { InputError, fsError } from '../errors';
import { JsonError } from '../io/json';
import { FindingSink } from './codes';
import { CHECKPOINT_CLAIMS, CONTAINER_FORMATS, SAFE_FORMAT_CLAIMS, SNIFF_BYTES, sniff, type Claim } from './detect';
import { inspectGguf } from './gguf';
import { inspectOnnx } from './onnx';
import { inspectBarePickle, inspectZip } from './pytorch';
import { inspectSafetensors } from './safetensors';
import { inspectShardIndex } from './shards';
import { FileSource, Malformed, Truncated, type ByteSource } from './source';
import type { FileInspection, FormatDetails, InspectOptions, ModelFormat } from './types';

/** The limits docs/model-inspection.md documents. */
export const INSPECT_DEFAULTS: Required<InspectOptions> = {
  maxHeaderBytes: 100_000_000,
  maxPickleBytes: 64 * 1024 * 1024,
  maxListed: 256,
  maxFindings: 200,
};

/** Claims each detected format is at home under; anything else is a mismatch. */
const AT_HOME: Record<ModelFormat, readonly Claim[]> = {
  safetensors: ['safetensors'],
  gguf: ['gguf'],
  onnx: ['onnx'],
  pickle: ['pickle', 'checkpoint-bin'],
  'pytorch-zip': ['pickle', 'checkpoint-bin', 'archive'],
  zip: ['archive', 'other-model', 'pickle', 'checkpoint-bin'],
  'shard-index': ['shard-index'],
  'other-model': ['other-model', 'checkpoint-bin'],
  '7z': ['archive'],
  gzip: ['archive', 'other-model'],
  bzip2: ['archive'],
  xz: ['archive'],
  zstd: ['archive'],
  rar: ['archive'],
  tar: ['archive', 'other-model'],
  unknown: [],
};

/** Hugging Face and PyTorch names for checkpoints saved as .bin: these claim a pickle. */
const TORCH_BIN_NAME = /^(pytorch_model|adapter_model|training_args|optimizer|scheduler|rng_state|diffusion_pytorch_model)\b/;

/**
 * Inspects one file, header only: detects its format from magic bytes (the name second),
 * reads what the format's header says and checks it. Hostile content only ever produces
 * findings; an InputError is thrown only when the file cannot be opened or read.
 */
export async function inspectFile(path: string, options: InspectOptions = {}): Promise<FileInspection> {
  return inspectFileAs(path, basename(path), dirname(resolve(path)), options);
}

/** inspectFile for a model's file: `name` is what the model calls it, `dir` where its relative references resolve. */
export function inspectFileAs(path: string, name: string, dir: string, options: InspectOptions = {}): FileInspection {
  // Refuse FIFOs and devices before open(): opening a FIFO for reading blocks until a writer comes.
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new InputError('FILE_IS_DIRECTORY', 'is a directory, expected a file', { file: path });
    if (!st.isFile()) throw new InputError('SPECIAL_FILE', 'is not a regular file (device, socket or pipe)', { file: path });
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw fsError(err, path);
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fsError(err, path);
  }
  try {
    let size: number;
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new InputError('FILE_IS_DIRECTORY', 'is a directory, expected a file', { file: path });
      if (!st.isFile()) throw new InputError('SPECIAL_FILE', 'is not a regular file (device, socket or pipe)', { file: path });
      size = st.size;
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw fsError(err, path);
    }
    return inspectSource(new FileSource(fd, size, path), path, name, dir, { ...INSPECT_DEFAULTS, ...defined(options) });
  } finally {
    closeSync(fd);
  }
}

function defined(o: InspectOptions): InspectOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function inspectSource(src: ByteSource, path: string, name: string, dir: string, o: Required<InspectOptions>): FileInspection {
  const sink = new FindingSink(o.maxFindings);
  const head = src.read(0, Math.min(SNIFF_BYTES, src.size));
  const { format: detected, claim } = sniff(head, name);
  let format: ModelFormat = detected;
  let details: FormatDetails = { kind: 'opaque' };
  const limits = { maxHeaderBytes: o.maxHeaderBytes, maxPickleBytes: o.maxPickleBytes, maxListed: o.maxListed };
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.')) : '(no extension)';
  try {
    if ((detected === 'pickle' || detected === 'zip') && SAFE_FORMAT_CLAIMS.has(claim)) {
      sink.add('PICKLE_DISGUISED', `named ${ext} but holds ${detected === 'zip' ? 'a ZIP archive (a PyTorch checkpoint?)' : 'a pickle'}; loading it would run pickle code`, { offset: 0 });
    }
    switch (detected) {
      case 'safetensors':
        details = inspectSafetensors(src, sink, limits) ?? details;
        break;
      case 'gguf':
        details = inspectGguf(src, sink, limits) ?? details;
        break;
      case 'onnx':
        details = inspectOnnx(src, sink, dir);
        break;
      case 'shard-index':
        details = inspectShardIndex(src, sink, dir, o.maxListed) ?? details;
        break;
      case 'zip': {
        const z = inspectZip(src, sink, limits);
        details = z;
        if (z.kind === 'pytorch-zip') format = 'pytorch-zip';
        else if (CHECKPOINT_CLAIMS.has(claim) && !SAFE_FORMAT_CLAIMS.has(claim) && z.entries) {
          sink.add('CONTAINER_DISGUISED', `named ${ext} but is a ZIP archive with no data.pkl: not a PyTorch checkpoint`, { offset: 0 });
        }
        break;
      }
      case 'pickle':
        details = inspectPickleFile(src, sink, limits, name, claim);
        break;
      case 'other-model':
        sink.add('FORMAT_NOT_INSPECTED', `${ext} files are not parsed by this inspector; nothing in it was checked`);
        break;
      case 'unknown':
        if (claim === 'checkpoint-bin') unknownBin(sink, name);
        else if (claim === 'archive') sink.add('ARCHIVE_NOT_INSPECTED', `named ${ext} but in no archive format recognised`);
        break;
      default:
        if (CONTAINER_FORMATS.has(detected)) {
          if (CHECKPOINT_CLAIMS.has(claim)) {
            sink.add('CONTAINER_DISGUISED', `named ${ext} but is a ${detected} archive posing as a checkpoint`, { offset: 0 });
          } else sink.add('ARCHIVE_NOT_INSPECTED', `a ${detected} archive; its contents were not inspected`);
        }
    }
    const home = AT_HOME[format];
    const flagged = sink.has('PICKLE_DISGUISED') || sink.has('CONTAINER_DISGUISED');
    if (!flagged && claim !== 'none' && format !== 'unknown' && !home.includes(claim)) {
      sink.add('FORMAT_MISMATCH', `named ${ext} but the content is ${format}`, { offset: 0 });
    }
  } catch (err) {
    // Only fs failures leave as errors; anything else the content provoked is a finding.
    if (err instanceof InputError && !(err instanceof JsonError)) throw err;
    if (err instanceof Truncated) sink.add('MODEL_UNPARSEABLE', `the file ends early: ${err.message}`, { offset: err.offset });
    else if (err instanceof Malformed) sink.add(err.code, err.message, { offset: err.offset });
    else sink.add('MODEL_UNPARSEABLE', `the inspector could not read this file: ${(err as Error)?.message ?? String(err)}`);
  }
  return { path, format, size: src.size, details, findings: sink.finish() };
}

function unknownBin(sink: FindingSink, name: string): void {
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (TORCH_BIN_NAME.test(base)) sink.add('MODEL_UNPARSEABLE', `"${base}" is named as a PyTorch checkpoint but is neither a ZIP nor a pickle`, { offset: 0 });
  else sink.add('FORMAT_UNKNOWN', 'a .bin file in no recognised format (raw tensor data?); nothing in it could be checked', { offset: 0 });
}

/**
 * A pickle by magic, or by name. A .bin only guessed to be a protocol 0/1 pickle from its
 * first byte, which then does not parse, is most likely raw data: it is reported as
 * unknown, unless its name says PyTorch checkpoint. Imports seen before the failure stay.
 */
function inspectPickleFile(src: ByteSource, sink: FindingSink, limits: { maxPickleBytes: number; maxListed: number }, name: string, claim: Claim): FormatDetails {
  const guessed = claim === 'checkpoint-bin' && !(src.size >= 2 && src.read(0, 1)[0] === 0x80);
  if (!guessed) return inspectBarePickle(src, sink, limits);
  const trial = new FindingSink(Number.MAX_SAFE_INTEGER);
  const details = inspectBarePickle(src, trial, limits);
  const base = name.slice(name.lastIndexOf('/') + 1);
  const failed = trial.list.some((f) => f.code === 'MODEL_UNPARSEABLE');
  for (const f of trial.list) {
    if (failed && f.code === 'MODEL_UNPARSEABLE' && !TORCH_BIN_NAME.test(base)) {
      sink.add('FORMAT_UNKNOWN', `a .bin file in no recognised format (tried as a protocol 0/1 pickle: ${f.message})`, { offset: f.offset });
    } else sink.add(f.code as Parameters<FindingSink['add']>[0], f.message, { severity: f.severity, offset: f.offset, member: f.member, data: f.data });
  }
  return details;
}
