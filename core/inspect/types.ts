export type Severity = 'error' | 'warning' | 'info';

/** One problem or observation about a file. Offsets are bytes; inside a ZIP they are within `member`. */
export interface InspectionFinding {
  /** Stable code from FINDING_CODES. */
  code: string;
  severity: Severity;
  message: string;
  offset?: number;
  /** The archive member the offset is in (a PyTorch ZIP's data.pkl). */
  member?: string;
  /** Machine-readable particulars (the global's name, the shard name…). */
  data?: Record<string, unknown>;
}

export type ModelFormat =
  | 'safetensors'
  | 'gguf'
  | 'pytorch-zip'
  | 'zip'
  | 'pickle'
  | 'onnx'
  | 'shard-index'
  | '7z'
  | 'gzip'
  | 'bzip2'
  | 'xz'
  | 'zstd'
  | 'rar'
  | 'tar'
  | 'other-model'
  | 'unknown';

/** A parameter count that stays exact past 2^53: the number only when it is a safe integer. */
export interface ParameterCount {
  parameterCount?: number;
  /** Decimal, exact. */
  parameterCountExact: string;
}

export interface TensorSummary {
  name: string;
  dtype: string;
  shape: (number | string)[];
}

export interface SafetensorsDetails extends ParameterCount {
  kind: 'safetensors';
  headerLength: number;
  tensorCount: number;
  /** Tensor count per dtype. */
  dtypes: Record<string, number>;
  /** The first tensors in offset order, up to the listing cap. */
  tensors: TensorSummary[];
  metadata?: Record<string, string>;
}

export type GgufScalar = number | string | boolean;
export type GgufValue = GgufScalar | { type: 'string'; length: number; preview: string } | { type: 'array'; elementType: string; count: number; values?: GgufScalar[] };

export interface BaseModelRef {
  name?: string;
  organization?: string;
  version?: string;
  repoUrl?: string;
  url?: string;
  doi?: string;
  uuid?: string;
  /** Where the reference came from (GGUF metadata, adapter_config.json). */
  source: string;
}

export interface GgufDetails extends Partial<ParameterCount> {
  kind: 'gguf';
  version: number;
  tensorCount: number;
  metadataCount: number;
  alignment: number;
  architecture?: string;
  name?: string;
  fileType?: number;
  quantization?: string;
  baseModels: BaseModelRef[];
  chatTemplates: { key: string; sha256: string; length: number }[];
  /** Key → value; big strings and arrays are summarised, chat templates hashed instead. */
  metadata: Record<string, GgufValue>;
  tensors: TensorSummary[];
  tensorTypes: Record<string, number>;
}

export interface PickleGlobal {
  /** As imported, after Python 2 name fixes for protocols < 3 (`__builtin__` → `builtins`). */
  module: string;
  name: string;
  opcode: 'GLOBAL' | 'STACK_GLOBAL' | 'INST';
  /** Byte offset of the opcode in the pickle stream (the file, or the ZIP member). */
  offset: number;
  member?: string;
  allowed: boolean;
}

export interface PickleDetails {
  kind: 'pickle' | 'pytorch-zip' | 'zip';
  /** Highest PROTO seen; absent for protocol 0/1 streams that do not declare one. */
  protocol?: number;
  /** Pickles walked (a legacy torch.save file holds five in a row). */
  pickles: number;
  legacyTorch?: boolean;
  /** Distinct globals, first occurrence each, up to the listing cap. */
  globals: PickleGlobal[];
  /** Import opcodes seen in total. */
  globalCount: number;
  /** Tensor storages named by persistent ids ('storage', type, key, location, numel), and their elements. */
  storages?: { count: number; elements: number };
  /** ZIP only. */
  entries?: number;
  members?: string[];
  pickleMembers?: string[];
  torchscript?: boolean;
  serializationVersion?: string;
}

export interface OnnxDetails extends ParameterCount {
  kind: 'onnx';
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  opsets: { domain: string; version: number }[];
  graphName?: string;
  nodes: number;
  initializers: number;
  dataTypes: Record<string, number>;
  externalData: { location: string; tensors: number; exists?: boolean }[];
  metadata: Record<string, string>;
}

export interface ShardIndexDetails {
  kind: 'shard-index';
  tensors: number;
  shards: string[];
  totalSize?: number;
}

export interface OpaqueDetails {
  kind: 'opaque';
}

export type FormatDetails = SafetensorsDetails | GgufDetails | PickleDetails | OnnxDetails | ShardIndexDetails | OpaqueDetails;

export interface FileInspection {
  path: string;
  format: ModelFormat;
  size: number;
  details: FormatDetails;
  findings: InspectionFinding[];
}

export interface InspectOptions {
  /** safetensors JSON header and GGUF header (metadata + tensor infos) cap; default 100 MB. */
  maxHeaderBytes?: number;
  /** Pickle bytes examined per file (opcodes and the arguments actually read), and the inflate cap for a ZIP's .pkl member; default 64 MiB. */
  maxPickleBytes?: number;
  /** Tensors, globals and members listed in details; default 256. */
  maxListed?: number;
  /** Findings kept per file; default 200. */
  maxFindings?: number;
}

export interface ModelSummary extends Partial<ParameterCount> {
  /** The class name from config.json `architectures[0]` (e.g. LlamaForCausalLM). */
  architecture?: string;
  /** config.json `model_type`, else GGUF `general.architecture` (e.g. llama). */
  architectureFamily?: string;
  task?: string;
  quantization?: string;
  baseModels: BaseModelRef[];
  formats: ModelFormat[];
  /** Any finding that fails closed (see FINDING_CODES[code].dangerous). */
  dangerous: boolean;
  dangerousFindings: number;
}

export interface ModelInspection {
  root: string;
  files: (FileInspection & { name: string })[];
  /** Model-relative names not inspected (text, configs, tokenizers, and data referenced by ONNX or OpenVINO models). */
  skipped: string[];
  /** Model-level findings (config.json unreadable…). */
  findings: InspectionFinding[];
  summary: ModelSummary;
}
