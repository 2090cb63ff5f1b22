import type { InspectionFinding, Severity, Verdict } from './types';

interface CodeInfo {
  severity: Severity;
  /**
   * What the finding makes of the file: `dangerous` (it runs code, or is disguised to) or
   * `suspicious` (it could not be cleared). Either fails closed; codes without one do not.
   */
  verdict?: Exclude<Verdict, 'ok'>;
  /** Fail closed: the finding has a verdict. */
  dangerous: boolean;
  summary: string;
}

const D = 'dangerous' as const;
const S = 'suspicious' as const;
function code<V extends 'dangerous' | 'suspicious' | undefined>(severity: Severity, verdict: V, summary: string): { severity: Severity; verdict: V; dangerous: V extends undefined ? false : true; summary: string } {
  return { severity, verdict, dangerous: (verdict !== undefined) as V extends undefined ? false : true, summary };
}

/**
 * Every finding code the inspectors emit, with its default severity and verdict. Codes are
 * stable: callers (CLI exit codes, manifest properties, tests) branch on them, never on
 * messages. docs/model-inspection.md lists the same table.
 */
export const FINDING_CODES = {
  // Format detection
  MODEL_UNPARSEABLE: code('error', S, 'claims a model format but cannot be parsed (truncated, malformed, unknown opcode, no STOP)'),
  CONTAINER_DISGUISED: code('error', D, 'an archive (7z, gzip, bzip2, xz, zstd, RAR, tar, or a ZIP that is not a checkpoint) named like a checkpoint'),
  PICKLE_DISGUISED: code('error', D, 'pickle or PyTorch ZIP content posing as a safe format, by extension (.safetensors, .gguf, .onnx) or by its first bytes'),
  FORMAT_MISMATCH: code('warning', undefined, 'the content is a different known format than the extension says'),
  FORMAT_UNKNOWN: code('warning', undefined, 'a .bin file in no recognised format and not a pickle (raw weights?); nothing else could be checked'),
  FORMAT_NOT_INSPECTED: code('info', undefined, 'a model format this inspector does not parse (HDF5, TFLite…)'),
  ARCHIVE_NOT_INSPECTED: code('warning', undefined, 'an archive whose contents were not inspected (not a ZIP, or nested too deep)'),
  INSPECTION_LIMIT: code('error', S, 'a size or work limit stopped the inspection; the file could not be cleared'),
  FINDINGS_TRUNCATED: code('info', undefined, 'more findings than the per-file cap; the rest are not listed'),
  // safetensors
  SAFETENSORS_HEADER_TOO_LARGE: code('error', S, 'the header length is over the 100 MB limit (not read)'),
  SAFETENSORS_HEADER_OUT_OF_BOUNDS: code('error', S, 'the header length runs past the end of the file'),
  SAFETENSORS_HEADER_MALFORMED: code('error', S, 'the header is not a UTF-8 JSON object starting with "{"'),
  SAFETENSORS_DUPLICATE_KEY: code('error', S, 'the header JSON repeats a key'),
  SAFETENSORS_INVALID_TENSOR: code('error', S, 'a tensor entry has an unknown dtype, a bad shape or bad data_offsets'),
  SAFETENSORS_INVALID_METADATA: code('error', S, '__metadata__ is not an object of strings'),
  SAFETENSORS_OFFSETS_OVERLAP: code('error', S, 'two tensors share bytes'),
  SAFETENSORS_OFFSETS_GAP: code('error', S, 'bytes between tensors belong to no tensor'),
  SAFETENSORS_OFFSETS_OUT_OF_BOUNDS: code('error', S, 'a tensor ends past the end of the file'),
  SAFETENSORS_TRAILING_BYTES: code('error', S, 'bytes after the last tensor belong to no tensor'),
  SAFETENSORS_SIZE_MISMATCH: code('error', S, 'shape × dtype size differs from the data_offsets span'),
  // GGUF
  GGUF_LENGTH_OUT_OF_BOUNDS: code('error', S, 'a string length, array count or table count runs past the end of the file'),
  GGUF_METADATA_INVALID: code('error', S, 'unknown value type, duplicate key, over-long key, arrays nested more than two deep, or an alignment that is not a power of two'),
  GGUF_TENSOR_INVALID: code('error', S, 'a tensor info has too many dimensions, an unknown type, a misaligned offset, a duplicate name, or overlaps another'),
  GGUF_TENSOR_OUT_OF_BOUNDS: code('error', S, "a tensor's data runs past the end of the file"),
  // Chat templates (GGUF metadata, tokenizer_config.json, chat_template.json, *.jinja)
  CHAT_TEMPLATE_DANGEROUS: code('error', D, 'the chat template, read as Jinja reads it, reaches for Python internals (__class__, __globals__, mro…): template injection'),
  CHAT_TEMPLATE_SUSPICIOUS: code('error', S, 'the chat template builds attribute names at render time (|attr, subscripts), names template-injection entry points (cycler, lipsum, self, request, config…), or has non-ASCII names'),
  CHAT_TEMPLATE_UNPARSEABLE: code('error', S, 'the chat template cannot be tokenized or parsed as Jinja; it could not be cleared'),
  // Pickle and PyTorch
  PICKLE_DANGEROUS_GLOBAL: code('error', D, 'the pickle imports a global outside the tensor-rebuilding allow-list'),
  PICKLE_UNRESOLVED_GLOBAL: code('error', D, 'the pickle imports a global whose name cannot be traced (STACK_GLOBAL on untracked values, EXT opcodes)'),
  PICKLE_SUSPICIOUS: code('error', S, 'bytes not named or marked as a pickle walk as pickle opcodes (FRAME first, calls on imports, STACK_GLOBAL, code-execution imports) but do not parse to STOP'),
  PICKLE_TRAILING_DATA: code('warning', undefined, 'bytes after the last pickle that are not a pickle (pickle.load ignores them)'),
  ZIP_UNSUPPORTED: code('error', S, 'a ZIP feature this reader refuses to guess at (multi-disk, encryption, inconsistent ZIP64, prepended data, unknown method)'),
  ZIP_INCONSISTENT: code('error', D, 'central directory and local header disagree (name, sizes, CRC): readers may see different files'),
  // ONNX
  ONNX_EXTERNAL_DATA_TRAVERSAL: code('error', D, 'an external-data location is absolute, climbs with "..", uses a backslash or resolves outside the folder'),
  ONNX_EXTERNAL_DATA_MISSING: code('error', undefined, 'an external-data file is not next to the model'),
  ONNX_EXTERNAL_DATA_OUT_OF_BOUNDS: code('error', undefined, 'an external-data offset/length runs past the end of its file'),
  ONNX_EXTERNAL_DATA_INVALID: code('error', undefined, 'data_location is EXTERNAL but there is no usable location, or offset/length are not numbers'),
  // Sharded checkpoints
  SHARD_PATH_TRAVERSAL: code('error', D, 'a weight_map shard name is absolute, climbs with "..", or uses a backslash'),
  SHARD_MISSING: code('error', undefined, 'a shard named by the index is not in the folder'),
  SHARD_INDEX_INVALID: code('error', undefined, 'the index has no weight_map object of tensor → shard-file strings'),
  // Model level
  CONFIG_INVALID: code('warning', undefined, 'config.json or adapter_config.json could not be read as JSON'),
} as const satisfies Record<string, CodeInfo>;

export type FindingCode = keyof typeof FINDING_CODES;

/** A finding's verdict: `dangerous`, `suspicious`, or undefined for one that does not fail closed. */
export function findingVerdict(f: Pick<InspectionFinding, 'code' | 'severity'>): Exclude<Verdict, 'ok'> | undefined {
  const info = (FINDING_CODES as Record<string, CodeInfo>)[f.code];
  return info !== undefined && f.severity === 'error' ? info.verdict : undefined;
}

/** Whether a finding makes the model fail closed: its verdict is suspicious or dangerous. */
export function isDangerous(f: Pick<InspectionFinding, 'code' | 'severity'>): boolean {
  return findingVerdict(f) !== undefined;
}

/** The worst verdict among findings: dangerous over suspicious over ok. */
export function worstVerdict(findings: readonly Pick<InspectionFinding, 'code' | 'severity'>[]): Verdict {
  let v: Verdict = 'ok';
  for (const f of findings) {
    const x = findingVerdict(f);
    if (x === 'dangerous') return 'dangerous';
    if (x === 'suspicious') v = 'suspicious';
  }
  return v;
}

/**
 * Collects a file's findings with a cap, so a hostile file with a million bad entries
 * yields a bounded report ending in FINDINGS_TRUNCATED.
 */
export class FindingSink {
  readonly list: InspectionFinding[] = [];
  private dropped = 0;

  constructor(private readonly max: number) {}

  add(code: FindingCode, message: string, extra: Omit<Partial<InspectionFinding>, 'code' | 'message'> = {}): void {
    const f: InspectionFinding = { code, severity: extra.severity ?? FINDING_CODES[code].severity, message };
    if (extra.offset !== undefined) f.offset = extra.offset;
    if (extra.member !== undefined) f.member = extra.member;
    if (extra.data !== undefined) f.data = extra.data;
    if (this.list.length < this.max) this.list.push(f);
    else this.dropped++;
  }

  has(code: FindingCode): boolean {
    return this.list.some((f) => f.code === code);
  }

  finish(): InspectionFinding[] {
    if (this.dropped > 0) {
      this.list.push({ code: 'FINDINGS_TRUNCATED', severity: 'info', message: `${this.dropped} more finding(s) not listed (limit ${this.max})` });
      this.dropped = 0;
    }
    return this.list;
  }
}
