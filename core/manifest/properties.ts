/** Property names under our own `model-provenance:` namespace in CycloneDX documents. */
export const NS = 'model-provenance';
export const OMS_ROOT_PROPERTY = `${NS}:oms_root_digest`;
/** Where the model is, relative to the manifest, so validate can re-hash it. */
export const MODEL_PATH_PROPERTY = `${NS}:model_path`;
/** Named after Hugging Face's `base_model_relation` model card field. */
export const RELATION_PROPERTY = `${NS}:base_model_relation`;
export const STAGE_PROPERTY = `${NS}:stage`;
export const RUN_ID_PROPERTY = `${NS}:training_run_id`;
export const HYPERPARAMETER_PREFIX = `${NS}:hyperparameter:`;
export const HARDWARE_PROPERTY = `${NS}:hardware`;
export const FRAMEWORK_PROPERTY = `${NS}:framework`;
export const DATASET_USAGE_PROPERTY = `${NS}:dataset_usage`;
