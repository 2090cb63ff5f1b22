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
/**
 * The model scope the OMS root digest was computed with, when it is not the default:
 * one `oms_ignore_path` per ignored model-relative path, `oms_ignore_git_paths` = "false"
 * when the git paths are part of the model, `oms_allow_symlinks` = "true" when symlinks
 * were followed. validate re-hashes the model with the same scope.
 */
export const OMS_IGNORE_PATH_PROPERTY = `${NS}:oms_ignore_path`;
export const OMS_IGNORE_GIT_PATHS_PROPERTY = `${NS}:oms_ignore_git_paths`;
export const OMS_ALLOW_SYMLINKS_PROPERTY = `${NS}:oms_allow_symlinks`;
