export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const ML_BUILD_TYPE = 'https://model-provenance.dev/ml-lifecycle/v1';

export const STAGES = ['pre-training', 'fine-tuning', 'adapter-merge', 'quantization', 'distillation', 'conversion', 'evaluation', 'release'] as const;
export type Stage = (typeof STAGES)[number];

export const ROLES = ['base-model', 'adapter', 'dataset', 'tokenizer', 'code'] as const;
export type Role = (typeof ROLES)[number];

/** An input of a stage: an in-toto ResourceDescriptor with a role. */
export interface Dependency {
  role: Role;
  /** `sha256:<hex>` */
  digest: string;
  name?: string;
  uri?: string;
  usage?: 'training' | 'validation' | 'evaluation';
}

/** The ML fields of an attestation, read from a statement that passed the schema. */
export interface MlProvenance {
  subject: { name: string; digest: string };
  stage: Stage;
  trainingRunId?: string;
  hyperparameters?: Record<string, unknown>;
  framework?: { name?: string; version?: string };
  hardware?: { accelerators?: { model: string; count?: number; driver?: string }[] };
  dependencies: Dependency[];
  builderId: string;
  startedOn?: string;
  finishedOn?: string;
  /** Metrics, logs and other outputs of the run (SLSA runDetails.byproducts), as signed. */
  byproducts?: { name?: string; uri?: string; digest?: string; content?: unknown }[];
  recipe?: { uri?: string; digest?: string };
  environment?: Record<string, unknown>;
}

/**
 * Stages that describe a model without producing it: their attestations annotate the
 * link of the model they are about and never stand for its producer.
 */
export const DESCRIPTIVE_STAGES: readonly Stage[] = ['evaluation', 'release'];
