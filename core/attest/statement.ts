import { InputError } from '../errors';
import { describeValue, isObject, parseStrictJson } from '../io/json';
import { INTOTO_STATEMENT_V1, type Statement } from '../oms/types';
import { pointerToPath, validateAgainst } from '../schema/validator';
import { ML_BUILD_TYPE, SLSA_PROVENANCE_V1, STAGES, type Dependency, type MlProvenance, type Role, type Stage } from './types';

const HEX64 = /^[0-9a-f]{64}$/;

/** `sha256:<hex>` or bare hex to bare hex; anything else is refused. */
export function digestHex(value: string, what: string): string {
  const hex = value.startsWith('sha256:') ? value.slice(7) : value;
  if (!HEX64.test(hex)) throw new InputError('DIGEST_MALFORMED', `${what} "${value}" is not a sha256 digest (sha256:<64 hex>)`);
  return hex;
}

export interface DependencyInput {
  digest: string;
  name?: string;
  uri?: string;
  usage?: Dependency['usage'];
}

export interface AttestationParams {
  subject: { name: string; digest: string };
  stage: Stage;
  trainingRunId?: string;
  hyperparameters?: Record<string, unknown>;
  recipe?: { uri?: string; digest?: string };
  framework?: { name?: string; version?: string };
  hardware?: { accelerators?: { model: string; count?: number; driver?: string }[] };
  environment?: Record<string, unknown>;
  dependencies?: (DependencyInput & { role: Role })[];
  builderId?: string;
  startedOn?: string;
  finishedOn?: string;
  byproducts?: { name?: string; uri?: string; digest?: string; content?: unknown }[];
}

export const DEFAULT_BUILDER_ID = 'https://model-provenance.dev/builders/local';

/** Builds the in-toto Statement (SLSA Provenance v1, ML build type) for one lifecycle stage. */
export function buildAttestation(p: AttestationParams): Statement {
  if (!STAGES.includes(p.stage)) throw new InputError('USAGE', `unknown stage "${p.stage}" (one of ${STAGES.join(', ')})`);
  const external: Record<string, unknown> = { stage: p.stage };
  if (p.trainingRunId) external.trainingRunId = p.trainingRunId;
  if (p.hyperparameters && Object.keys(p.hyperparameters).length > 0) external.hyperparameters = p.hyperparameters;
  if (p.recipe) external.recipe = { ...(p.recipe.uri ? { uri: p.recipe.uri } : {}), ...(p.recipe.digest ? { digest: { sha256: digestHex(p.recipe.digest, 'recipe digest') } } : {}) };
  const internal: Record<string, unknown> = {};
  if (p.framework) internal.framework = p.framework;
  if (p.hardware) internal.hardware = p.hardware;
  if (p.environment && Object.keys(p.environment).length > 0) internal.environment = p.environment;
  const buildDefinition: Record<string, unknown> = {
    buildType: ML_BUILD_TYPE,
    externalParameters: external,
    ...(Object.keys(internal).length > 0 ? { internalParameters: internal } : {}),
    resolvedDependencies: (p.dependencies ?? []).map((d) => ({
      ...(d.name ? { name: d.name } : {}),
      ...(d.uri ? { uri: d.uri } : {}),
      digest: { sha256: digestHex(d.digest, `${d.role} digest`) },
      annotations: { role: d.role, ...(d.usage ? { usage: d.usage } : {}) },
    })),
  };
  const metadata: Record<string, unknown> = {};
  if (p.trainingRunId) metadata.invocationId = p.trainingRunId;
  if (p.startedOn) metadata.startedOn = p.startedOn;
  metadata.finishedOn = p.finishedOn ?? new Date().toISOString();
  const runDetails: Record<string, unknown> = { builder: { id: p.builderId ?? DEFAULT_BUILDER_ID }, metadata };
  if (p.byproducts && p.byproducts.length > 0) {
    runDetails.byproducts = p.byproducts.map((b) => ({ ...b, ...(b.digest ? { digest: { sha256: digestHex(b.digest, 'byproduct digest') } } : {}) }));
  }
  const statement: Statement = {
    _type: INTOTO_STATEMENT_V1,
    subject: [{ name: p.subject.name, digest: { sha256: digestHex(p.subject.digest, 'subject digest') } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: { buildDefinition, runDetails },
  };
  const errors = validateAgainst('ml-provenance', statement);
  if (errors.length > 0) {
    throw new InputError('ATTESTATION_INVALID', `the attestation does not match its schema: ${pointerToPath(errors[0]!.pointer)}: ${errors[0]!.message}`);
  }
  return statement;
}

/** Reads the ML fields of a verified SLSA provenance payload, after schema validation. */
export function parseMlProvenance(payload: Buffer | string, file: string): MlProvenance {
  const doc = parseStrictJson(typeof payload === 'string' ? payload : payload.toString('utf8'), `${file} (signed payload)`);
  return mlProvenanceFromStatement(doc, file);
}

export function mlProvenanceFromStatement(doc: unknown, file: string): MlProvenance {
  if (!isObject(doc) || doc.predicateType !== SLSA_PROVENANCE_V1) {
    throw new InputError('PREDICATE_UNSUPPORTED', `not an SLSA provenance v1 statement (predicateType ${describeValue(isObject(doc) ? doc.predicateType : undefined)})`, { file });
  }
  const errors = validateAgainst('ml-provenance', doc);
  if (errors.length > 0) {
    throw new InputError('ATTESTATION_INVALID', `${pointerToPath(errors[0]!.pointer)}: ${errors[0]!.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, { file });
  }
  // The schema guarantees the shape below.
  const s = doc as unknown as Statement & { predicate: { buildDefinition: any; runDetails: any } };
  const bd = s.predicate.buildDefinition;
  const rd = s.predicate.runDetails;
  return {
    subject: { name: s.subject[0]!.name, digest: `sha256:${s.subject[0]!.digest.sha256}` },
    stage: bd.externalParameters.stage,
    trainingRunId: bd.externalParameters.trainingRunId ?? rd.metadata?.invocationId,
    hyperparameters: bd.externalParameters.hyperparameters,
    framework: bd.internalParameters?.framework,
    hardware: bd.internalParameters?.hardware,
    dependencies: (bd.resolvedDependencies as any[]).map((d) => ({
      role: d.annotations.role,
      digest: `sha256:${d.digest.sha256}`,
      ...(d.name ? { name: d.name } : {}),
      ...(d.uri ? { uri: d.uri } : {}),
      ...(d.annotations.usage ? { usage: d.annotations.usage } : {}),
    })),
    builderId: rd.builder.id,
    startedOn: rd.metadata?.startedOn,
    finishedOn: rd.metadata?.finishedOn,
    ...(Array.isArray(rd.byproducts) && rd.byproducts.length > 0
      ? { byproducts: (rd.byproducts as any[]).map((b) => ({ ...b, ...(b.digest?.sha256 ? { digest: `sha256:${b.digest.sha256}` } : {}) })) }
      : {}),
    ...(bd.externalParameters.recipe ? { recipe: { ...(bd.externalParameters.recipe.uri ? { uri: bd.externalParameters.recipe.uri } : {}), ...(bd.externalParameters.recipe.digest?.sha256 ? { digest: `sha256:${bd.externalParameters.recipe.digest.sha256}` } : {}) } } : {}),
    ...(bd.internalParameters?.environment ? { environment: bd.internalParameters.environment } : {}),
  };
}
