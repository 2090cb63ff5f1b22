export type Severity = 'error' | 'warning' | 'info';

/**
 * What a file or a model amounts to. `dangerous`: it runs code, or is disguised to (a pickle
 * importing os.system, a template reaching for __globals__). `suspicious`: it could not be
 * cleared (unparseable but pickle-like, malformed, over a limit). Both fail closed.
 */
export type Verdict = 'ok' | 'suspicious' | 'dangerous';

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
  | 'npy'
  | 'chat-template'
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
  chatTemplates: ChatTemplateSummary[];
  /** Key → value; big strings and arrays are summarised, chat templates hashed instead. */
  metadata: Record<string, GgufValue>;
  tensors: TensorSummary[];
  tensorTypes: Record<string, number>;
}

/** A chat template as found (never stored whole): where, its digest and size. */
export interface ChatTemplateSummary {
  /** The GGUF key, `chat_template` or `chat_template.NAME` in a JSON config, or the file's own name. */
  key: string;
  sha256: string;
  /** Bytes (UTF-8). */
  length: number;
}

export interface ChatTemplateDetails {
  kind: 'chat-template';
  templates: ChatTemplateSummary[];
}

export interface NpyDetails {
  kind: 'npy';
  /** Format version, e.g. "1.0". */
  version: string;
  /** The dtype descr as JSON. */
  descr: string;
  shape: number[];
  fortranOrder: boolean;
  /** dtype object: the data is a pickle that numpy.load(allow_pickle=True) runs. */
  objectArray: boolean;
  /** The pickle of an object array, walked. */
  pickle?: PickleDetails;
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
  /** `.npy` members holding object arrays (pickles), walked. */
  objectArrays?: string[];
  /** Members that are archives themselves, opened in turn (names inside use `outer!/inner`). */
  nestedArchives?: string[];
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

export type FormatDetails = SafetensorsDetails | GgufDetails | PickleDetails | OnnxDetails | ShardIndexDetails | NpyDetails | ChatTemplateDetails | OpaqueDetails;

export interface FileInspection {
  path: string;
  format: ModelFormat;
  size: number;
  details: FormatDetails;
  findings: InspectionFinding[];
  /** The worst of the findings' verdicts. */
  verdict: Verdict;
}

export interface InspectOptions {
  /** safetensors JSON header and GGUF header (metadata + tensor infos) cap; default 100 MB. */
  maxHeaderBytes?: number;
  /** Pickle bytes examined per file (opcodes and the arguments actually read), and the inflate cap for a ZIP member read whole; default 64 MiB. */
  maxPickleBytes?: number;
  /** Pickle opcodes walked per file; default 16 Mi. */
  maxPickleOpcodes?: number;
  /** Bytes inflated or walked across the members of one archive (nested ones included); default 256 MiB. */
  maxArchiveBytes?: number;
  /** Chat templates longer than this are hashed but not checked (INSPECTION_LIMIT); default 256 KiB. */
  maxTemplateBytes?: number;
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
  /** The worst verdict of any file or model-level finding. */
  verdict: Verdict;
  /** Any finding that fails closed: the verdict is suspicious or dangerous (see FINDING_CODES[code].verdict). */
  dangerous: boolean;
  /** Findings that fail closed. */
  dangerousFindings: number;
}

export interface ModelInspection {
  root: string;
  /**
   * `sameAs` names the one that stands for several names of one file's bytes (a symlink
   * followed with allowSymlinks, or a hard link): a name that is not a symlink, first in path
   * order. Each name is inspected (each is loaded by
   * that name), but its parameters are counted once.
   */
  files: (FileInspection & { name: string; sameAs?: string })[];
  /** Model-relative names not inspected (text, configs, tokenizers, and data referenced by ONNX or OpenVINO models). */
  skipped: string[];
  /** Model-level findings (config.json unreadable…). */
  findings: InspectionFinding[];
  summary: ModelSummary;
}
