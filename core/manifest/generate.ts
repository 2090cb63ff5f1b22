import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dependency, Stage } from '../attest/types';
import type { ChainLink, ChainResult } from '../chain/verify-chain';
import { verifyChain } from '../chain/verify-chain';
import { isObject } from '../io/json';
import { hashModel } from '../model/hash-model';
import type { ModelScope, ScopeWarning } from '../model/enumerate';
import { defaultSignaturePath } from '../model/signature-path';
import type { Policy } from '../policy/policy';
import type { Registry } from '../registry/registry';
import type { CycloneDxVersion } from './cyclonedx-schemas';
import type { DigestCache } from '../hash/digest-cache';
import type { HashProgress } from '../hash/hash-files';
import { inspectModel } from '../inspect/inspect-model';
import { factsFromInspection } from '../inspect/summary';
import {
  FRAMEWORK_PROPERTY,
  HARDWARE_PROPERTY,
  HYPERPARAMETER_PREFIX,
  MODEL_PATH_PROPERTY,
  OMS_ALLOW_SYMLINKS_PROPERTY,
  OMS_IGNORE_GIT_PATHS_PROPERTY,
  OMS_IGNORE_PATH_PROPERTY,
  OMS_ROOT_PROPERTY,
  RELATION_PROPERTY,
  RUN_ID_PROPERTY,
  STAGE_PROPERTY,
  DATASET_USAGE_PROPERTY,
} from './properties';
import type { OptionNames } from '../option-names';

declare const PACKAGE_VERSION: string;

/** What the files reveal about the model, from a header-only inspection. */
export interface ModelFacts {
  task?: string;
  architectureFamily?: string;
  modelArchitecture?: string;
  parameterCount?: number;
  quantization?: string;
  inputs?: string[];
  outputs?: string[];
  /** Extra facts worth keeping as properties (dtype, GGUF version…). */
  properties?: Record<string, string>;
}

export interface GenerateManifestOptions {
  modelPath: string;
  /** Where the manifest will be written: paths in it are relative to this. */
  outputPath: string;
  registry?: Registry;
  /** With a policy the chain is verified; without one it is read as claimed. */
  policy?: Policy;
  specVersion?: CycloneDxVersion;
  /** Facts from model inspection; default: what config.json says. */
  facts?: ModelFacts;
  /** Which files make up the model (ignore paths etc.), as it is signed: the root digest joins the signature. Recorded in the BOM when not the default. */
  scope?: ModelScope;
  signal?: AbortSignal;
  cache?: DigestCache;
  /** Progress of hashing the model. */
  onProgress?: (p: HashProgress) => void;
  /** Fixed values for reproducible output in tests. */
  now?: Date;
  serialNumber?: string;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

export interface GeneratedManifest {
  bom: Record<string, unknown>;
  chain?: ChainResult;
  /** Ignore paths in `scope` that did nothing (outside the model, or matching nothing). */
  warnings: ScopeWarning[];
}

/** Hugging Face's base_model_relation vocabulary, from the stage that consumed the input. */
const RELATION_BY_STAGE: Record<Stage, string> = {
  'pre-training': 'finetune',
  'fine-tuning': 'finetune',
  distillation: 'distilled',
  'adapter-merge': 'merge',
  quantization: 'quantized',
  conversion: 'converted',
  evaluation: 'finetune',
  release: 'finetune',
};

const TASK_BY_SUFFIX: [RegExp, string][] = [
  [/ForSequenceClassification$/, 'text-classification'],
  [/ForTokenClassification$/, 'token-classification'],
  [/ForQuestionAnswering$/, 'question-answering'],
  [/ForCausalLM$/, 'text-generation'],
  [/ForMaskedLM$/, 'fill-mask'],
  [/ForConditionalGeneration$/, 'text2text-generation'],
  [/ForImageClassification$/, 'image-classification'],
  [/ForObjectDetection$/, 'object-detection'],
  [/ForSpeechSeq2Seq$/, 'automatic-speech-recognition'],
];

/** Facts from a Hugging Face config.json, when the model has one. */
export function factsFromConfig(modelPath: string): ModelFacts {
  const cfg = resolve(modelPath, 'config.json');
  if (!existsSync(cfg)) return {};
  let c: unknown;
  try {
    c = JSON.parse(readFileSync(cfg, 'utf8'));
  } catch {
    return {};
  }
  if (!isObject(c)) return {};
  const arch = Array.isArray(c.architectures) && typeof c.architectures[0] === 'string' ? c.architectures[0] : undefined;
  const facts: ModelFacts = {};
  if (arch) {
    facts.modelArchitecture = arch;
    facts.task = TASK_BY_SUFFIX.find(([re]) => re.test(arch))?.[1];
  }
  if (typeof c.model_type === 'string') facts.architectureFamily = `transformer (${c.model_type})`;
  if (facts.task && /text|token|question|fill|generation/.test(facts.task)) {
    facts.inputs = ['text'];
    facts.outputs = [facts.task === 'text-generation' || facts.task === 'text2text-generation' ? 'text' : 'label'];
  }
  return facts;
}

const hex = (d: string): string => d.replace(/^sha256:/, '');
const prop = (name: string, value: string): { name: string; value: string } => ({ name, value });

/**
 * Generates a CycloneDX ML-BOM for a model: the model as a machine-learning-model
 * component with every file as a hashed sub-component, its OMS root digest, the model
 * card parameters the files reveal, datasets as data components, base models and
 * adapters as pedigree ancestors, and the attestations and signature as external
 * references. Nothing that needs a person (license, considerations) is invented.
 */
export async function generateManifest(options: GenerateManifestOptions): Promise<GeneratedManifest> {
  const modelPath = resolve(options.modelPath);
  const outDir = dirname(resolve(options.outputPath));
  const digest = await hashModel(modelPath, { ...options.scope, signal: options.signal, cache: options.cache, onProgress: options.onProgress, optionNames: options.optionNames });
  const name = digest.name;
  const modelRef = `model:${name}`;
  const facts = options.facts ?? { ...factsFromConfig(modelPath), ...factsFromInspection(await inspectModel(modelPath, { ...options.scope, signal: options.signal, optionNames: options.optionNames })) };

  let chain: ChainResult | undefined;
  if (options.registry) {
    chain = await verifyChain({ registry: options.registry, policy: options.policy, digest: digest.digest, checkArtifacts: false, signal: options.signal });
  }
  const top: ChainLink | undefined = chain?.links.find((l) => l.depth === 0);

  const files = digest.resources.map((r) => {
    const fileName = r.name === '.' ? basename(modelPath) : r.name;
    return { type: 'file', 'bom-ref': `${modelRef}/file:${fileName}`, name: fileName, hashes: [{ alg: 'SHA-256', content: r.digest }] };
  });

  // Datasets of the producing stage, and of every earlier stage, each once.
  const datasets = new Map<string, Dependency & { refs: string[] }>();
  for (const l of chain?.links ?? []) {
    for (const d of l.inputs.filter((i) => i.role === 'dataset')) {
      const prev = datasets.get(d.digest);
      if (prev) prev.refs.push(l.digest);
      else datasets.set(d.digest, { ...d, refs: [l.digest] });
    }
  }
  const datasetRef = (d: string): string => `dataset:${hex(d).slice(0, 16)}`;
  const dataComponents = [...datasets.values()].map((d) => ({
    type: 'data',
    'bom-ref': datasetRef(d.digest),
    name: d.name ?? `dataset ${hex(d.digest).slice(0, 12)}`,
    hashes: [{ alg: 'SHA-256', content: hex(d.digest) }],
    data: [{ type: 'dataset', name: d.name ?? hex(d.digest).slice(0, 12) }],
    properties: [prop(OMS_ROOT_PROPERTY, hex(d.digest)), ...(d.usage ? [prop(DATASET_USAGE_PROPERTY, d.usage)] : [])],
    ...(d.uri ? { externalReferences: [{ type: 'distribution', url: distributionUrl(d.uri, outDir) }] } : {}),
  }));

  // Every model upstream of this one, with how its consumer relates to it.
  const ancestors: Record<string, unknown>[] = [];
  const seen = new Set<string>([digest.digest]);
  for (const l of chain?.links ?? []) {
    for (const i of l.inputs.filter((x) => x.role === 'base-model' || x.role === 'adapter')) {
      if (seen.has(i.digest)) continue;
      seen.add(i.digest);
      const produced = chain?.links.find((x) => x.digest === i.digest);
      ancestors.push({
        type: 'machine-learning-model',
        'bom-ref': `ancestor:${hex(i.digest).slice(0, 16)}`,
        name: produced?.name ?? i.name ?? `model ${hex(i.digest).slice(0, 12)}`,
        hashes: [{ alg: 'SHA-256', content: hex(i.digest) }],
        properties: [
          prop(RELATION_PROPERTY, i.role === 'adapter' ? 'adapter' : RELATION_BY_STAGE[l.stage]),
          prop(OMS_ROOT_PROPERTY, hex(i.digest)),
          ...(produced ? [prop(STAGE_PROPERTY, produced.stage)] : []),
        ],
        ...(i.uri ? { externalReferences: [{ type: 'distribution', url: distributionUrl(i.uri, outDir) }] } : {}),
      });
    }
  }

  const properties = [prop(OMS_ROOT_PROPERTY, hex(digest.digest)), prop(MODEL_PATH_PROPERTY, posix(relative(outDir, modelPath)) || '.')];
  for (const p of digest.appliedIgnorePaths) properties.push(prop(OMS_IGNORE_PATH_PROPERTY, p));
  if (options.scope?.ignoreGitPaths === false) properties.push(prop(OMS_IGNORE_GIT_PATHS_PROPERTY, 'false'));
  if (options.scope?.allowSymlinks) properties.push(prop(OMS_ALLOW_SYMLINKS_PROPERTY, 'true'));
  if (top) {
    properties.push(prop(STAGE_PROPERTY, top.stage));
    if (top.runId) properties.push(prop(RUN_ID_PROPERTY, top.runId));
  }
  // From the verified producing attestation, as the chain walker read it: never re-read from the registry.
  const params = { hyperparameters: top?.hyperparameters, framework: top?.framework, hardware: top?.hardware };
  for (const [k, v] of Object.entries(params.hyperparameters ?? {})) properties.push(prop(`${HYPERPARAMETER_PREFIX}${k}`, typeof v === 'string' ? v : JSON.stringify(v)));
  if (params.framework) properties.push(prop(FRAMEWORK_PROPERTY, [params.framework.name, params.framework.version].filter(Boolean).join('@')));
  for (const a of params.hardware?.accelerators ?? []) properties.push(prop(HARDWARE_PROPERTY, `${a.model}${a.count ? ` x${a.count}` : ''}${a.driver ? `, driver ${a.driver}` : ''}`));
  for (const [k, v] of Object.entries(facts.properties ?? {})) properties.push(prop(k.includes(':') ? k : `model-provenance:${k}`, v));
  if (facts.parameterCount !== undefined && !properties.some((p) => p.name === 'model-provenance:parameter_count')) properties.push(prop('model-provenance:parameter_count', String(facts.parameterCount)));
  if (facts.quantization) properties.push(prop('model-provenance:quantization', facts.quantization));

  const modelParameters: Record<string, unknown> = {};
  if (facts.task) modelParameters.task = facts.task;
  if (facts.architectureFamily) modelParameters.architectureFamily = facts.architectureFamily;
  if (facts.modelArchitecture) modelParameters.modelArchitecture = facts.modelArchitecture;
  if (dataComponents.length > 0) modelParameters.datasets = dataComponents.map((d) => ({ ref: d['bom-ref'] }));
  if (facts.inputs) modelParameters.inputs = facts.inputs.map((format) => ({ format }));
  if (facts.outputs) modelParameters.outputs = facts.outputs.map((format) => ({ format }));

  const externalReferences: Record<string, unknown>[] = [];
  for (const l of chain?.links ?? []) {
    for (const a of [{ attestation: l.attestation, stage: l.stage }, ...l.annotations]) {
      const location = options.registry ? await locationOf(options.registry, a.attestation) : undefined;
      externalReferences.push({
        type: 'attestation',
        url: location ? evidenceUrl(location, outDir) : `urn:model-provenance:attestation:${a.attestation}`,
        comment: `${a.stage} attestation of ${l.name} (${l.digest})`,
        hashes: [{ alg: 'SHA-256', content: hex(a.attestation) }],
      });
    }
  }
  const sig = defaultSignaturePath(modelPath);
  if (existsSync(sig)) {
    externalReferences.push({
      type: 'digital-signature',
      url: evidenceUrl(sig, outDir),
      comment: 'OpenSSF Model Signing (OMS) signature',
      hashes: [{ alg: 'SHA-256', content: createHash('sha256').update(readFileSync(sig)).digest('hex') }],
    });
  }

  const model: Record<string, unknown> = {
    type: 'machine-learning-model',
    'bom-ref': modelRef,
    name,
    ...(Object.keys(modelParameters).length > 0 ? { modelCard: { modelParameters } } : {}),
    ...(ancestors.length > 0 ? { pedigree: { ancestors } } : {}),
    ...(externalReferences.length > 0 ? { externalReferences } : {}),
    properties,
    components: files,
  };
  const version = options.specVersion ?? '1.6';
  const bom: Record<string, unknown> = {
    $schema: `http://cyclonedx.org/schema/bom-${version}.schema.json`,
    bomFormat: 'CycloneDX',
    specVersion: version,
    serialNumber: options.serialNumber ?? `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      tools: { components: [{ type: 'application', name: 'model-provenance', version: typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev' }] },
      component: model,
    },
    ...(dataComponents.length > 0 ? { components: dataComponents } : {}),
    dependencies: [{ ref: modelRef, dependsOn: dataComponents.map((d) => d['bom-ref']) }, ...dataComponents.map((d) => ({ ref: d['bom-ref'] }))],
  };
  return { bom, chain, warnings: digest.warnings };
}

/**
 * Where a piece of evidence is, as an external reference's `url` (CycloneDX `iri-reference`): a
 * registry reference (`oci://…`) as it is, and a local file as a relative reference (RFC 3986 4.2)
 * from the folder the ML-BOM is written to, so that the BOM stays right when the folder is
 * committed or copied and names no one's home directory.
 */
function evidenceUrl(location: string, bomDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return location;
  return relative(bomDir, resolve(location)).split(sep).map(encodeURIComponent).join('/');
}

/**
 * An attested input's URI as a distribution reference: `hf://`, `https://` and other URIs as the
 * attestation has them; a local `file:` URI (what `attest` records for a local path, used by the
 * chain to re-hash it) as a relative reference from the ML-BOM's folder, like `evidenceUrl`.
 */
function distributionUrl(uri: string, bomDir: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return evidenceUrl(fileURLToPath(uri), bomDir);
  } catch {
    return uri; // a file: URI of another host: not ours to rewrite
  }
}

async function locationOf(registry: Registry, id: string): Promise<string | undefined> {
  const all = await registry.list();
  return all.find((e) => e.id === id)?.location;
}

/** The producing stage's hyperparameters, framework and hardware, read from its attestation. */
function posix(p: string): string {
  return p.split(sep).join('/');
}
