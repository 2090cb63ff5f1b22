export const INTOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const OMS_PREDICATE_V1 = 'https://model_signing/signature/v1.0';
/** The v0.2.0 layout: file digests in `subject`, no predicate body. Verify only. */
export const OMS_PREDICATE_LEGACY_V01 = 'https://model_signing/Digests/v0.1';

export interface Resource {
  name: string;
  algorithm: string;
  digest: string;
}

export interface Serialization {
  method: 'files' | 'shards';
  hash_type: string;
  allow_symlinks: boolean;
  ignore_paths?: string[];
  shard_size?: number;
}

/** What a signature says about a model, read from verified payload bytes. */
export interface OmsManifest {
  predicateType: string;
  subjectName: string;
  /** sha256 over the concatenated raw resource digests; absent for the v0.1 layout. */
  rootDigest?: string;
  resources: Resource[];
  serialization: Serialization;
}

export interface Statement {
  _type: string;
  subject: { name: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate: Record<string, unknown>;
}
