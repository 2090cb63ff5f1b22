import type { InspectionFinding, Severity } from './types';

interface CodeInfo {
  severity: Severity;
  /**
   * Fail closed: a file with this finding must not be loaded, either because it can run
   * code, or because it could not be read far enough to show that it cannot.
   */
  dangerous: boolean;
  summary: string;
}

/**
 * Every finding code the inspectors emit, with its default severity. Codes are stable:
 * callers (CLI exit codes, manifest properties, tests) branch on them, never on messages.
 * docs/model-inspection.md lists the same table.
 */
export const FINDING_CODES = {
  // Format detection
  MODEL_UNPARSEABLE: { severity: 'error', dangerous: true, summary: 'claims a model format but cannot be parsed (truncated, malformed, unknown opcode, no STOP)' },
  CONTAINER_DISGUISED: { severity: 'error', dangerous: true, summary: 'an archive (7z, gzip, bzip2, xz, zstd, RAR, tar, or a ZIP that is not a checkpoint) named like a checkpoint' },
  PICKLE_DISGUISED: { severity: 'error', dangerous: true, summary: 'pickle or PyTorch ZIP content under a safe format\'s extension (.safetensors, .gguf, .onnx)' },
  FORMAT_MISMATCH: { severity: 'warning', dangerous: false, summary: 'the content is a different known format than the extension says' },
  FORMAT_UNKNOWN: { severity: 'warning', dangerous: false, summary: 'a .bin file in no recognised format (raw weights?); nothing could be checked' },
  FORMAT_NOT_INSPECTED: { severity: 'info', dangerous: false, summary: 'a model format this inspector does not parse (HDF5, TFLite, NumPy…)' },
  ARCHIVE_NOT_INSPECTED: { severity: 'warning', dangerous: false, summary: 'an archive; its contents were not inspected' },
  INSPECTION_LIMIT: { severity: 'error', dangerous: true, summary: 'a size or work limit stopped the inspection; the file could not be cleared' },
  FINDINGS_TRUNCATED: { severity: 'info', dangerous: false, summary: 'more findings than the per-file cap; the rest are not listed' },
  // safetensors
  SAFETENSORS_HEADER_TOO_LARGE: { severity: 'error', dangerous: true, summary: 'the header length is over the 100 MB limit (not read)' },
  SAFETENSORS_HEADER_OUT_OF_BOUNDS: { severity: 'error', dangerous: true, summary: 'the header length runs past the end of the file' },
  SAFETENSORS_HEADER_MALFORMED: { severity: 'error', dangerous: true, summary: 'the header is not a UTF-8 JSON object starting with "{"' },
  SAFETENSORS_DUPLICATE_KEY: { severity: 'error', dangerous: true, summary: 'the header JSON repeats a key' },
  SAFETENSORS_INVALID_TENSOR: { severity: 'error', dangerous: true, summary: 'a tensor entry has an unknown dtype, a bad shape or bad data_offsets' },
  SAFETENSORS_INVALID_METADATA: { severity: 'error', dangerous: true, summary: '__metadata__ is not an object of strings' },
  SAFETENSORS_OFFSETS_OVERLAP: { severity: 'error', dangerous: true, summary: 'two tensors share bytes' },
  SAFETENSORS_OFFSETS_GAP: { severity: 'error', dangerous: true, summary: 'bytes between tensors belong to no tensor' },
  SAFETENSORS_OFFSETS_OUT_OF_BOUNDS: { severity: 'error', dangerous: true, summary: 'a tensor ends past the end of the file' },
  SAFETENSORS_TRAILING_BYTES: { severity: 'error', dangerous: true, summary: 'bytes after the last tensor belong to no tensor' },
  SAFETENSORS_SIZE_MISMATCH: { severity: 'error', dangerous: true, summary: 'shape × dtype size differs from the data_offsets span' },
  // GGUF
  GGUF_LENGTH_OUT_OF_BOUNDS: { severity: 'error', dangerous: true, summary: 'a string length, array count or table count runs past the end of the file' },
  GGUF_METADATA_INVALID: { severity: 'error', dangerous: true, summary: 'unknown value type, duplicate key, over-long key, arrays nested more than two deep, or an alignment that is not a power of two' },
  GGUF_TENSOR_INVALID: { severity: 'error', dangerous: true, summary: 'a tensor info has too many dimensions, an unknown type, a misaligned offset, a duplicate name or overlaps another' },
  GGUF_TENSOR_OUT_OF_BOUNDS: { severity: 'error', dangerous: true, summary: 'a tensor\'s data runs past the end of the file' },
  GGUF_CHAT_TEMPLATE_SUSPICIOUS: { severity: 'error', dangerous: true, summary: 'the chat template reaches for Python internals (__class__, __globals__, os.…): template injection' },
  // Pickle and PyTorch
  PICKLE_DANGEROUS_GLOBAL: { severity: 'error', dangerous: true, summary: 'the pickle imports a global outside the tensor-rebuilding allow-list' },
  PICKLE_UNRESOLVED_GLOBAL: { severity: 'error', dangerous: true, summary: 'the pickle imports a global whose name cannot be traced (STACK_GLOBAL on untracked values, EXT opcodes)' },
  PICKLE_TRAILING_DATA: { severity: 'warning', dangerous: false, summary: 'bytes after the last pickle that are not a pickle (pickle.load ignores them)' },
  ZIP_UNSUPPORTED: { severity: 'error', dangerous: true, summary: 'a ZIP feature this reader refuses to guess at (multi-disk, encryption, inconsistent ZIP64, prepended data, unknown method)' },
  ZIP_INCONSISTENT: { severity: 'error', dangerous: true, summary: 'central directory and local header disagree (name, sizes, CRC): readers may see different files' },
  // ONNX
  ONNX_EXTERNAL_DATA_TRAVERSAL: { severity: 'error', dangerous: true, summary: 'an external-data location is absolute, climbs with "..", uses a backslash or resolves outside the folder' },
  ONNX_EXTERNAL_DATA_MISSING: { severity: 'error', dangerous: false, summary: 'an external-data file is not next to the model' },
  ONNX_EXTERNAL_DATA_OUT_OF_BOUNDS: { severity: 'error', dangerous: false, summary: 'an external-data offset/length runs past the end of its file' },
  ONNX_EXTERNAL_DATA_INVALID: { severity: 'error', dangerous: false, summary: 'data_location is EXTERNAL but there is no usable location, or offset/length are not numbers' },
  // Sharded checkpoints
  SHARD_PATH_TRAVERSAL: { severity: 'error', dangerous: true, summary: 'a weight_map shard name is absolute, climbs with "..", or uses a backslash' },
  SHARD_MISSING: { severity: 'error', dangerous: false, summary: 'a shard named by the index is not in the folder' },
  SHARD_INDEX_INVALID: { severity: 'error', dangerous: false, summary: 'the index has no weight_map object of tensor → shard-file strings' },
  // Model level
  CONFIG_INVALID: { severity: 'warning', dangerous: false, summary: 'config.json or adapter_config.json could not be read as JSON' },
} as const satisfies Record<string, CodeInfo>;

export type FindingCode = keyof typeof FINDING_CODES;

/** Whether a finding makes the model fail closed. */
export function isDangerous(f: Pick<InspectionFinding, 'code' | 'severity'>): boolean {
  const info = (FINDING_CODES as Record<string, CodeInfo>)[f.code];
  return info !== undefined && info.dangerous && f.severity === 'error';
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
