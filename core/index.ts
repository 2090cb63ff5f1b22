/** The library a pipeline calls; the CLI and the language server sit on top of it. */
export * from './errors';
export { writeFileAtomic } from './io/atomic-write';
export { parseStrictJson, lineColumn, isObject } from './io/json';
export { enumerateModel, relativeInside, type EnumerateOptions, type ModelListing, type ModelFile, type ModelScope, type ScopeWarning } from './model/enumerate';
export { resolveIgnorePathsFromCwd, type ResolvedIgnorePaths } from './model/ignore-paths';
export { DEFAULT_GIT_IGNORES, canonicalResourceName, comparePaths, compareResourceNames } from './model/paths';
export { DigestCache } from './hash/digest-cache';
export { hashFiles, type HashJob, type HashOptions, type HashProgress, type HashResult } from './hash/hash-files';
export { computeResources, serializationRecord, type SerializeOptions } from './oms/serialize';
export { buildStatement, parseOmsPayload, rootDigest } from './oms/manifest';
export { inspectSignatureFile, inspectSignatureText, type InspectedSignature } from './oms/inspect';
export * from './oms/types';
export { preAuthEncoding, legacyPreAuthEncodingV020, type DsseEnvelope } from './sigstore/dsse';
export { parseBundle, serializeBundle, BUNDLE_MEDIA_TYPES, type BundleVersion, type ParsedBundle, type VerificationMaterial } from './sigstore/bundle';
export { verifyKeyless, publicGoodTrustMaterial, type KeylessTrust } from './sigstore/keyless';
export * from './keys/keys';
export { loadCertificates, validateChain, parseCertificate, checkSigningUsage, EKU_CODE_SIGNING, type UsageCheck } from './keys/certificates';
export { signModel, signStatement, signEnvelope, type SignModelOptions, type SignedModel, type SigningIdentity } from './sign/sign-model';
export { verifyModel, type VerifyModelOptions } from './verify/verify-model';
export { defaultSignaturePath } from './model/signature-path';
export { verifySignature, type Trust, type SignatureOutcome } from './verify/signature';
export { describeSigner, claimedSigner, signerKindNoun } from './verify/signer';
export { loadTrustSet, evaluateSignatureTrust, nothingConfigured, isMisplaced, EMPTY_TRUST, type TrustSet, type TrustConfig, type TrustProblem, type TrustSetting, type TrustedAnchor, type TrustedIdentity, type TrustState, type TrustOutcome } from './verify/trust-set';
export { checkIntegrity, integrityOf, describeIntegrity, type IntegrityReport, type IntegrityOptions } from './verify/integrity';
export { evaluateModel, modelSize, formatSize, placeIgnorePaths, ignorePathsReport, type ModelEvaluation, type ModelTrustState, type EvaluateModelOptions, type IgnorePathsReport } from './verify/evaluate-model';
export { resolveModelTarget, modelForSignature, findSignatureFor, signedFolderContaining, manifestModelPath, manifestPathFor, isInside, OPEN_A_MODEL_HINT, type ModelTarget } from './model/target';
export { mergeManifest, type ManifestMerge } from './manifest/merge';
export { closestName, unknownProperty } from './schema/suggest';
export * from './verify/result';
export { hashModel, type ModelDigest, type HashModelOptions } from './model/hash-model';
export { renderResult, renderEvaluation, type ReportFormat } from './report/render';
export { gateSarif, verificationSarif, chainSarif, gateResultSarif } from './report/sarif';
export { validateAgainst, validator, pointerToPath, type SchemaName, type SchemaError, type CompiledValidator } from './schema/validator';
export { SCHEMAS } from './schema/schemas';
export * from './attest/types';
export { buildAttestation, parseMlProvenance, mlProvenanceFromStatement, digestHex, DEFAULT_BUILDER_ID, type AttestationParams, type DependencyInput } from './attest/statement';
export { attest, resolveInput, type Attestation, type AttestOptions, type InputRef } from './attest/attest';
export { checkInputSignature, type InputWarning } from './attest/input-signature';
export { readAttestParams, parseAttestParams, attestOptionsFromParams, parseFramework, suggestKey, PARAM_FLAGS, ATTEST_PARAMS_SCHEMA_ID, type AttestParamsFile } from './attest/params';
export { loadPolicy, compilePolicy, registrySpecFor, registryOrigin, DEFAULT_STAGE_RANK, type Policy, type PolicyDocument, type PolicySigner } from './policy/policy';
export type { Registry, RegistryEntry, RegistryCheck, RegistryProblem, RegistryRepair, RemovedEntry } from './registry/registry';
export { LocalRegistry } from './registry/local';
export { openRegistry, openRegistryIfPresent, locateRegistry, classifyRegistrySpec, refuseTransportForFolder, DEFAULT_REGISTRY_DIR, type RegistryAccess, type RegistryLocation, type OpenRegistryOptions, type RegistrySpec } from './registry/open';
export { OciRegistry, type OciRegistryOptions, type SyncResult } from './registry/oci/oci-registry';
export { parseOciSpec, looksLikeOciSpec, type OciReference } from './registry/oci/reference';
export { setOciDefaults, ociOptions } from './registry/oci/settings';
export { RegistryError } from './registry/oci/errors';
export { copyRegistry, type CopyResult, type CopyOptions } from './registry/copy';
export { summariseBundle } from './registry/describe';
export { verifyChain, attestationsFor, verifyAttestationText, UNCHECKED, type ChainResult, type ChainLink, type ChainProblem, type ChainRoot, type IgnoredAttestation, type VerifyChainOptions, type AttestationTrust, type RejectionCode } from './chain/verify-chain';
export { producesSubject, pickProducer } from './chain/producer';
export { parseDistinguishedName, formatDistinguishedName, distinguishedNameFromDer, distinguishedNamesMatch, sameDistinguishedName, certificateSubject, certificateIssuer, certificateSubjectText, certificateIssuerText, attributeTypeOid, type DistinguishedName, type DnAttribute } from './keys/distinguished-name';
export { renderLineage, describeSources, type LineageFormat } from './chain/lineage';
export { verifyGate, type GateOptions, type GateResult, type GateProblem, type GateCheckName } from './gate/verify-gate';
export { renderGate, gateJson, type GateFormat } from './gate/render';
export { signatureFlagProblems } from './gate/advisories';
export { recordGateDeployment, type GateRecordOptions } from './gate/deployment';
export { ProvenanceTracker, type TrackerOptions, type TrackerAttestParams, type TrackerVerifyParams, type TrackerReportParams, type TrackerFlagParams, type TrackerImpactParams, type TrackerUpdateParams } from './tracker';
export { LIBRARY_OPTION_NAMES, optionName, type OptionNames } from './option-names';
export { parseJsonDocument, rangeFor, nodeAt, pointerSegments, type JsonDocument, type Located } from './json/document';
export { cycloneDxValidator, cycloneDxSchema, CYCLONEDX_VERSIONS, type CycloneDxVersion } from './manifest/cyclonedx-schemas';
export { validateManifest, validateManifestStatic, checkManifestDisk, type ManifestValidation, type ManifestValidationOptions } from './manifest/validate-manifest';
export { capFindings, type Finding, type RelatedLocation, type Severity } from './manifest/findings';
export { BOM_REF_PARENTS, REF_SITES, parseBomLink, type RefSiteKind } from './manifest/bom-ref-sites';
export { renderFindingsText, renderFindingsJson, renderFindingsSarif, type FileFindings } from './manifest/render-findings';
export { generateManifest, factsFromConfig, type GenerateManifestOptions, type ModelFacts } from './manifest/generate';
export * from './manifest/properties';
export { exportSpdx3, firstDuplicateBomRef, type SpdxExport, type Unmapped } from './manifest/export-spdx';
export { SPDX_MAPPING, SPDX_RULES, type SpdxMappingRule } from './manifest/spdx-mapping';
export { checkSpdxGraph } from './manifest/spdx-graph';
export { canonicalLicenseId, normaliseLicenseExpression, licenseRefFor } from './manifest/spdx-licenses';
export { signManifest, manifestSubject, CYCLONEDX_PREDICATE } from './manifest/sign-manifest';
export { detectKind, decodePayload, type DocumentKind, type KindDetection, type Envelope } from './documents/kind';
export { analyzeDocument, type AnalysisOptions, type DocumentAnalysis } from './documents/analyze';
export { inspectFile, inspectModel, factsFromInspection, INSPECT_DEFAULTS, FINDING_CODES, isDangerous, findingVerdict, worstVerdict, checkChatTemplate, type Verdict, PICKLE_ALLOWED_GLOBALS, GGUF_FILE_TYPES, unsafeRelativePath, type InspectModelOptions, type FindingCode, type BaseModelRef, type FileInspection, type FormatDetails, type GgufDetails, type InspectionFinding, type InspectOptions, type ModelFormat, type ModelInspection, type ModelSummary, type OnnxDetails, type PickleDetails, type PickleGlobal, type SafetensorsDetails, type ShardIndexDetails } from './inspect';
export { scanModel, scanProblems } from './inspect/scan';
export { ATLAS, atlasTechnique, atlasMitigation, mitigationsFor, type AtlasData, type AtlasTechnique, type AtlasMitigation } from './data/atlas';
export * from './render';
export type { EntryFacts, InputFact } from './registry/facts';
export { entryFacts, identityDigest, DEPLOYMENT_EXTENSION } from './registry/facts';
export { ReverseIndex, ReverseView, PACK_THRESHOLD } from './registry/reverse-index';
export { encodePack, PackView } from './registry/pack';
export { OPENVEX_CONTEXT, OPENVEX_PREDICATE, VEX_STATUSES, BLOCKING_STATUSES, SEVERITIES, buildAdvisoryStatement, parseAdvisory, validateOpenVex, targetDigest, targetLabel, targetProduct, type AdvisoryTarget, type AdvisoryDocument, type AdvisoryParams, type Severity as AdvisorySeverity, type VexStatus } from './incident/openvex';
export { readAdvisories, resolveFlags, withPolicyFlags, loadEffectiveFlags, revocationsFor, signedInWindow, describeFlag, emptyFlags, flag, updateAdvisory, advisoryState, describeStatus, advisoriesNotRead, type AdvisoryState, nextAdvisoryId, type ReadAdvisory, type IgnoredAdvisory, type AdvisorySet, type EffectiveFlag, type EffectiveFlags, type FlagOptions, type UpdateOptions, type WrittenAdvisory } from './incident/advisories';
export { SLSA_VSA_V1, VERIFIER_ID, VERIFIED_LEVELS, buildDeploymentStatement, recordDeployment, parseDeployment, readDeployments, sha256Of, type DeploymentParams, type DeploymentRecord } from './incident/deployment';
export {
  documentReferences,
  documentHits,
  ignoredHits,
  flagFindings,
  flagHoverLines,
  flagSource,
  bundleStatement,
  statementReferences,
  manifestReferences,
  signatureHits,
  signerHits,
  artifactHits,
  summarizeFlag,
  type DigestReference,
  type DocumentReferences,
  type FlagHit,
  type FlagSummary,
  type IgnoredHit,
  type SignedReferences,
} from './incident/references';
export { impactView, radiusGraph, type ImpactViewData, type ImpactViewOptions } from './incident/impact-view';
export { loadFlagIndex, advisoryEntryIds, flagEvaluation, modelSignatureHits, type FlagIndex, type DerivedFlag } from './incident/flag-index';
export { impact, graphOf, scanWorkspace, type ImpactOptions, type ImpactResult, type ImpactNode, type ImpactEdge, type SignedByFlagged, type WorkspaceHit, type GraphSource } from './incident/impact';
export { renderImpact, impactSarif, impactOpenVex, impactOsv, uncheckedWarning, IMPACT_FORMATS, type ImpactFormat, type RenderImpactOptions } from './incident/render-impact';
export { buildIncidentReport, type IncidentReport, type IncidentReportOptions, type CustodyStage, type RollbackCandidate } from './incident/report';
export { renderIncidentReport, incidentGraph, INCIDENT_REPORT_FORMATS, type IncidentReportFormat } from './incident/render-report';
export { resolveTarget } from './incident/target';
export * from './compliance';
export {
  diffSides,
  diffAgainstRevision,
  decodeSide,
  decodeResolved,
  decodeDocument,
  decodeModel,
  compareSides,
  buildDiffReport,
  diffVerdict,
  renderDiff,
  renderDecodedDocument,
  resolveSide,
  resolveCommit,
  sideLabel,
  fileHistory,
  describeIdentity,
  DIFF_FORMATS,
  DIFF_MARKDOWN_MARKER,
  DIFF_SCHEMA_ID,
  NO_TRUST,
  type DiffOptions,
  type DiffTrust,
  type NamedTrust,
  type DiffScope,
  type DiffFormat,
  type DiffReport,
  type DiffComparison,
  type DiffAlert,
  type DiffVerdict,
  type DecodedSide,
  type SideOrigin,
  type SideKind,
  type TrustDecision,
  type SignerIdentity,
  type FileEntry,
  type FilesDiff,
  type FileChange,
  type FieldChange,
  type FileHistory,
} from './diff';
