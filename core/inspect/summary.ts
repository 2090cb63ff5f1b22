import type { ModelFacts } from '../manifest/generate';
import { isDangerous, worstVerdict } from './codes';
import { parameterCount } from './counts';
import type { BaseModelRef, GgufDetails, InspectionFinding, ModelFormat, ModelInspection, ModelSummary } from './types';

export interface ModelConfig {
  config?: Record<string, unknown>;
  adapterConfig?: Record<string, unknown>;
}

/** Hugging Face head suffix → pipeline task. */
const TASK_BY_SUFFIX: [RegExp, string][] = [
  [/ForSequenceClassification$/, 'text-classification'],
  [/ForTokenClassification$/, 'token-classification'],
  [/ForQuestionAnswering$/, 'question-answering'],
  [/ForCausalLM$/, 'text-generation'],
  [/LMHeadModel$/, 'text-generation'],
  [/ForMaskedLM$/, 'fill-mask'],
  [/ForConditionalGeneration$/, 'text2text-generation'],
  [/ForSeq2SeqLM$/, 'text2text-generation'],
  [/ForImageClassification$/, 'image-classification'],
  [/ForObjectDetection$/, 'object-detection'],
  [/ForSemanticSegmentation$/, 'image-segmentation'],
  [/ForSpeechSeq2Seq$/, 'automatic-speech-recognition'],
  [/ForCTC$/, 'automatic-speech-recognition'],
  [/ForAudioClassification$/, 'audio-classification'],
  [/ForMultipleChoice$/, 'multiple-choice'],
];

/** GGUF architectures that embed rather than generate. */
const GGUF_ENCODERS = new Set(['bert', 'nomic-bert', 'nomic-bert-moe', 'jina-bert-v2', 'jina-bert-v3', 'modern-bert', 'neo-bert', 'clip', 't5encoder']);

type Inspected = ModelInspection['files'][number];

/** Parameters, counted once: one weight format, the shards an index names, one of several GGUF variants. */
function countParameters(files: Inspected[]): bigint | undefined {
  // A second name for the same bytes (sameAs) holds no parameters of its own.
  const clean = files.filter((f) => !f.findings.some(isDangerous) && f.sameAs === undefined);
  const indexed = new Set<string>();
  for (const f of clean) {
    if (f.details.kind !== 'shard-index') continue;
    const dir = f.name.includes('/') ? f.name.slice(0, f.name.lastIndexOf('/') + 1) : '';
    for (const s of f.details.shards) indexed.add(dir + s);
  }
  const pick = (fs: Inspected[]): Inspected[] => (fs.some((f) => indexed.has(f.name)) ? fs.filter((f) => indexed.has(f.name)) : fs);

  const st = pick(clean.filter((f) => f.details.kind === 'safetensors'));
  if (st.length > 0) return st.reduce((s, f) => s + BigInt(f.details.kind === 'safetensors' ? f.details.parameterCountExact : 0), 0n);

  const gguf = clean.filter((f): f is Inspected & { details: GgufDetails } => f.details.kind === 'gguf' && f.details.parameterCountExact !== undefined);
  if (gguf.length > 0) {
    // Split files (split.count > 1) add up; otherwise several GGUFs are alternative quantizations.
    const split = gguf.filter((f) => typeof f.details.metadata['split.count'] === 'number' && (f.details.metadata['split.count'] as number) > 1);
    if (split.length > 0) return split.reduce((s, f) => s + BigInt(f.details.parameterCountExact!), 0n);
    return gguf.reduce((m, f) => (BigInt(f.details.parameterCountExact!) > m ? BigInt(f.details.parameterCountExact!) : m), 0n);
  }

  const torch = pick(clean.filter((f) => (f.details.kind === 'pytorch-zip' || f.details.kind === 'pickle') && f.details.storages));
  if (torch.length > 0) return torch.reduce((s, f) => s + BigInt(f.details.kind === 'pytorch-zip' || f.details.kind === 'pickle' ? f.details.storages!.elements : 0), 0n);

  const onnx = clean.filter((f) => f.details.kind === 'onnx');
  if (onnx.length > 0) return onnx.reduce((s, f) => s + BigInt(f.details.kind === 'onnx' ? f.details.parameterCountExact : 0), 0n);
  return undefined;
}

function quantizationFromConfig(config: Record<string, unknown> | undefined): string | undefined {
  const q = config?.quantization_config;
  if (typeof q !== 'object' || q === null || Array.isArray(q)) return undefined;
  const qc = q as Record<string, unknown>;
  const method = typeof qc.quant_method === 'string' ? qc.quant_method : undefined;
  const bits = typeof qc.bits === 'number' ? qc.bits : qc.load_in_4bit === true ? 4 : qc.load_in_8bit === true ? 8 : undefined;
  if (!method) return bits ? `${bits}-bit` : undefined;
  return bits ? `${method} (${bits}-bit)` : method;
}

export function summarise(files: Inspected[], cfg: ModelConfig, modelFindings: InspectionFinding[]): ModelSummary {
  const all = [...modelFindings, ...files.flatMap((f) => f.findings)];
  const dangerousFindings = all.filter(isDangerous).length;
  const formats = [...new Set(files.map((f) => f.format))].sort() as ModelFormat[];
  const summary: ModelSummary = { baseModels: [], formats, verdict: worstVerdict(all), dangerous: dangerousFindings > 0, dangerousFindings };

  const c = cfg.config;
  const arch = Array.isArray(c?.architectures) && typeof c.architectures[0] === 'string' ? c.architectures[0] : undefined;
  if (arch) {
    summary.architecture = arch;
    summary.task = TASK_BY_SUFFIX.find(([re]) => re.test(arch))?.[1];
  }
  if (typeof c?.model_type === 'string') summary.architectureFamily = c.model_type;
  summary.quantization = quantizationFromConfig(c);

  const gguf = files.map((f) => f.details).filter((d): d is GgufDetails => d.kind === 'gguf');
  const g = gguf.find((d) => d.architecture);
  if (g) {
    summary.architectureFamily ??= g.architecture;
    summary.task ??= GGUF_ENCODERS.has(g.architecture!) ? 'feature-extraction' : 'text-generation';
  }
  summary.quantization ??= gguf.find((d) => d.quantization)?.quantization;

  const bases: BaseModelRef[] = gguf.flatMap((d) => d.baseModels);
  const a = cfg.adapterConfig;
  if (typeof a?.base_model_name_or_path === 'string') bases.push({ name: a.base_model_name_or_path, source: 'adapter_config.json' });
  const seen = new Set<string>();
  for (const b of bases) {
    const key = `${b.organization ?? ''}/${b.name ?? ''}/${b.repoUrl ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    summary.baseModels.push(b);
  }

  const params = countParameters(files);
  if (params !== undefined) Object.assign(summary, parameterCount(params));
  for (const k of Object.keys(summary) as (keyof ModelSummary)[]) if (summary[k] === undefined) delete summary[k];
  return summary;
}

/** The inspection as the manifest generator's ModelFacts. */
export function factsFromInspection(inspection: ModelInspection): ModelFacts {
  const s = inspection.summary;
  const facts: ModelFacts = {};
  if (s.task) facts.task = s.task;
  if (s.architectureFamily) facts.architectureFamily = `transformer (${s.architectureFamily})`;
  if (s.architecture) facts.modelArchitecture = s.architecture;
  if (s.parameterCount !== undefined) facts.parameterCount = s.parameterCount;
  if (s.quantization) facts.quantization = s.quantization;
  if (s.task && /text|token|question|fill|generation/.test(s.task)) {
    facts.inputs = ['text'];
    facts.outputs = [s.task === 'text-generation' || s.task === 'text2text-generation' ? 'text' : 'label'];
  }
  const properties: Record<string, string> = { 'model-provenance:formats': s.formats.join(',') };
  if (s.parameterCount === undefined && s.parameterCountExact) properties['model-provenance:parameter_count'] = s.parameterCountExact;
  if (s.baseModels.length > 0) properties['model-provenance:base_models'] = s.baseModels.map((b) => [b.organization, b.name].filter(Boolean).join('/')).join(',');
  if (s.dangerous) properties['model-provenance:inspection'] = `${s.verdict} (${s.dangerousFindings} finding(s))`;
  facts.properties = properties;
  return facts;
}
