/** Header-only model file inspection: formats, structure checks, pickle imports, a model summary. */
export { inspectFile, INSPECT_DEFAULTS } from './inspect-file';
export { inspectModel, type InspectModelOptions } from './inspect-model';
export { factsFromInspection } from './summary';
export { FINDING_CODES, findingVerdict, isDangerous, worstVerdict, type FindingCode } from './codes';
export { checkChatTemplate, type TemplateFinding, type TemplateFindingCode } from './chat-template';
export { decodeJinjaString } from './jinja-string';
export { PICKLE_ALLOWED_GLOBALS } from './pickle-allowlist';
export { GGUF_FILE_TYPES } from './gguf-tables';
export { unsafeRelativePath } from './relative-path';
export type {
  BaseModelRef,
  ChatTemplateDetails,
  ChatTemplateSummary,
  NpyDetails,
  Verdict,
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
