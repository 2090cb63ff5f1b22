import { closeSync, existsSync, fstatSync, openSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, fsError } from '../errors';
import { JsonError } from '../io/json';
import { FindingSink, worstVerdict, type FindingCode } from './codes';
import { CHECKPOINT_CLAIMS, CONTAINER_FORMATS, SAFE_FORMAT_CLAIMS, SNIFF_BYTES, claimFromName, formatFromMagic, type Claim } from './detect';
import { inspectGguf } from './gguf';
import { inspectOnnx } from './onnx';
import { readNpyHeader } from './npy';
import { scanPickleStream, type PickleStreamLimits } from './pickle-stream';
import { inspectBarePickle, inspectZip } from './pytorch';
import { inspectTemplateFile, templateFile } from './template-files';
import { inspectSafetensors } from './safetensors';
import { inspectShardIndex } from './shards';
import { FileSource, Malformed, Truncated, type ByteSource } from './source';
import { compressedPickle, isZlibStream } from './compressed';
import type { FileInspection, FormatDetails, InspectOptions, ModelFormat } from './types';

/** The limits docs/model-inspection.md documents. */
export const INSPECT_DEFAULTS: Required<InspectOptions> = {
  maxHeaderBytes: 100_000_000,
  maxPickleBytes: 64 * 1024 * 1024,
  maxPickleOpcodes: 16 * 1024 * 1024,
  maxArchiveBytes: 256 * 1024 * 1024,
  maxTemplateBytes: 256 * 1024,
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
  npy: ['other-model'],
  'chat-template': ['text'],
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
  const claim = claimFromName(name);
  const magic = formatFromMagic(head);
  let format: ModelFormat = magic ?? 'unknown';
  let details: FormatDetails = { kind: 'opaque' };
  const limits = {
    maxHeaderBytes: o.maxHeaderBytes,
    maxPickleBytes: o.maxPickleBytes,
    maxPickleOpcodes: o.maxPickleOpcodes,
    maxArchiveBytes: o.maxArchiveBytes,
    maxTemplateBytes: o.maxTemplateBytes,
    maxListed: o.maxListed,
    isLocalModule: localModules(dir),
  };
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.')) : '(no extension)';
  try {
    // A pickle's extension over bytes in no other format: a declared pickle. PROTO first is
    // not enough on its own (raw tensor data can start 80 02): it is evidence in the trial.
    const declared = claim === 'pickle' && (magic === undefined || magic === 'pickle');
    // Anything else that is not a ZIP (which an unpickler cannot read: its first opcode,
    // PERSID, needs a persistent_load) gets a bounded attempt to walk as a pickle, whatever
    // its name and first bytes: PROTO is optional, and a safetensors or GGUF start is only
    // a few bytes that a pickle can also begin with.
    const walked = new FindingSink(Number.MAX_SAFE_INTEGER);
    const trial = declared || magic === 'zip' ? undefined : scanPickleStream(src, walked, limits, { mode: 'trial' });
    if ((magic === 'gzip' || (magic === undefined && isZlibStream(head))) && compressedPickle(src, sink, limits, magic ?? 'zlib')) {
      // joblib.load and pandas.read_pickle decompress gzip and zlib (joblib's default
      // compress=True) before they unpickle: the content is what runs.
      format = magic === 'gzip' ? 'gzip' : 'pickle';
      if (magic === 'gzip' && CHECKPOINT_CLAIMS.has(claim)) sink.add('CONTAINER_DISGUISED', `named ${ext} but is a gzip archive posing as a checkpoint`, { offset: 0 });
    } else if (declared || trial?.kind === 'pickle') {
      format = 'pickle';
      const poses = magic === 'safetensors' || magic === 'gguf' ? `begins like ${magic}` : SAFE_FORMAT_CLAIMS.has(claim) ? `is named ${ext}` : undefined;
      if (poses) sink.add('PICKLE_DISGUISED', `${poses} but holds a pickle; loading it with torch.load or pickle.load would run pickle code`, { offset: 0 });
      for (const f of walked.list) sink.add(f.code as FindingCode, f.message, f);
      details = trial?.kind === 'pickle' ? trial.details : inspectBarePickle(src, sink, limits);
    } else if (magic === 'zip') {
      if (SAFE_FORMAT_CLAIMS.has(claim)) sink.add('PICKLE_DISGUISED', `named ${ext} but holds a ZIP archive (a PyTorch checkpoint?); loading it would run pickle code`, { offset: 0 });
      const z = inspectZip(src, sink, limits);
      details = z;
      if (z.kind === 'pytorch-zip') format = 'pytorch-zip';
      else if (CHECKPOINT_CLAIMS.has(claim) && !SAFE_FORMAT_CLAIMS.has(claim) && z.entries) {
        sink.add('CONTAINER_DISGUISED', `named ${ext} but is a ZIP archive with no data.pkl: not a PyTorch checkpoint`, { offset: 0 });
      }
    } else {
      const as: ModelFormat = magic && magic !== 'pickle' ? magic : (claim === 'safetensors' || claim === 'gguf' || claim === 'onnx' || claim === 'shard-index' ? claim : claim === 'other-model' ? 'other-model' : 'unknown');
      format = as;
      switch (as) {
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
        case 'npy':
          details = inspectNpy(src, sink, limits);
          break;
        case 'other-model':
          sink.add('FORMAT_NOT_INSPECTED', `${ext} files are not parsed by this inspector; nothing in it was checked`);
          break;
        case 'unknown': {
          const templates = templateFile(name) ? inspectTemplateFile(src, sink, name, o.maxTemplateBytes) : undefined;
          if (templates) {
            format = 'chat-template';
            details = templates;
          } else if (claim === 'checkpoint-bin') unknownBin(sink, name);
          else if (claim === 'archive') sink.add('ARCHIVE_NOT_INSPECTED', `named ${ext} but in no archive format recognised`);
          break;
        }
        default:
          if (CONTAINER_FORMATS.has(as)) {
            if (CHECKPOINT_CLAIMS.has(claim)) {
              sink.add('CONTAINER_DISGUISED', `named ${ext} but is a ${as} archive posing as a checkpoint`, { offset: 0 });
            } else if (COMPRESSORS[as] && claimFromName(name.slice(0, -ext.length)) === 'pickle') {
              // model.pkl.xz: pandas.read_pickle and joblib.load decompress it and unpickle what is inside.
              sink.add('MODEL_UNPARSEABLE', `a pickle (${name.slice(0, -ext.length).split('/').pop()}) compressed with ${as}, which this inspector cannot decompress; pandas.read_pickle and joblib.load would decompress and unpickle it, so it could not be cleared`, { offset: 0 });
            } else sink.add('ARCHIVE_NOT_INSPECTED', `a ${as} archive; its contents were not inspected`);
          }
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
  const findings = sink.finish();
  return { path, format, size: src.size, details, findings, verdict: worstVerdict(findings) };
}

function unknownBin(sink: FindingSink, name: string): void {
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (TORCH_BIN_NAME.test(base)) sink.add('MODEL_UNPARSEABLE', `"${base}" is named as a PyTorch checkpoint but is neither a ZIP nor a pickle`, { offset: 0 });
  else sink.add('FORMAT_UNKNOWN', 'a .bin file in no recognised format and not a pickle (raw tensor data?); nothing else in it could be checked', { offset: 0 });
}

/**
 * Top-level module names that resolve to Python code beside the file (NAME.py, or a package
 * NAME/__init__.py), where `python` run from that folder would import them: a pickle that
 * imports one runs that file even without a call.
 */
function localModules(dir: string): (top: string) => boolean {
  const seen = new Map<string, boolean>();
  return (top) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(top)) return false;
    let v = seen.get(top);
    if (v === undefined) {
      v = existsSync(join(dir, `${top}.py`)) || existsSync(join(dir, top, '__init__.py'));
      seen.set(top, v);
    }
    return v;
  };
}

/** A bare .npy: its header, and an object array's pickle walked. */
function inspectNpy(src: ByteSource, sink: FindingSink, limits: PickleStreamLimits): FormatDetails {
  const { dataOffset, ...npy } = readNpyHeader(src);
  if (npy.objectArray) {
    const r = scanPickleStream(src, sink, limits, { mode: 'declared', start: dataOffset });
    if (r.kind === 'pickle') npy.pickle = r.details;
  }
  return npy;
}

/** Compressions joblib.load and pandas.read_pickle undo before unpickling, and Node cannot (gzip and zlib are decompressed: compressedPickle). */
const COMPRESSORS: Partial<Record<ModelFormat, true>> = { bzip2: true, xz: true, zstd: true };
