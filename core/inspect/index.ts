/** Header-only model file inspection: formats, structure checks, pickle imports, a model summary. */
export { inspectFile, INSPECT_DEFAULTS } from './inspect-file';
export { inspectModel, type InspectModelOptions } from './inspect-model';
export { factsFromInspection } from './summary';
export { FINDING_CODES, isDangerous, type FindingCode } from './codes';
export { PICKLE_ALLOWED_GLOBALS } from './pickle-allowlist';
export { GGUF_FILE_TYPES } from './gguf-tables';
export { unsafeRelativePath } from './relative-path';
export type {
  BaseModelRef,
  FileInspection,
  FormatDetails,
  GgufDetails,
  InspectionFinding,
  InspectOptions,
  ModelFormat,
  ModelInspection,
  ModelSummary,
  OnnxDetails,
  PickleDetails,
  PickleGlobal,
  SafetensorsDetails,
  ShardIndexDetails,
} from './types';
