import type { KeyObject, X509Certificate } from 'node:crypto';
import { attest, type Attestation, type InputRef } from './attest/attest';
import type { Stage } from './attest/types';
import { verifyChain, type ChainResult } from './chain/verify-chain';
import { InputError } from './errors';
import { loadCertificates } from './keys/certificates';
import { loadPrivateKey } from './keys/keys';
import { compilePolicy, loadPolicy, type Policy, type PolicyDocument } from './policy/policy';
import { openRegistry } from './registry/open';
import type { Registry } from './registry/registry';
import type { SigningIdentity } from './sign/sign-model';
import { createHash } from 'node:crypto';
import { buildReport } from './compliance/build';
import type { FrameworkId } from './compliance/frameworks';
import { checkInputs, type ReportInputs } from './compliance/inputs';
import type { ComplianceReport } from './compliance/model';
import type { ModelScope } from './model/enumerate';

export interface TrackerOptions {
  /** A PEM private key path, or a loaded key. */
  signingKey?: string | KeyObject;
  passphrase?: string;
  /** With a certificate, attestations carry the certificate chain instead of a key hint. */
  certificate?: string | X509Certificate;
  chain?: (string | X509Certificate)[];
  /** A registry folder (`.provenance`, `file:PATH`) or an opened Registry; default: the workspace's. */
  registry?: string | Registry;
  builderId?: string;
}

export interface TrackerAttestParams extends ModelScope {
  /** Hashed with the model scope (ignorePaths, ignoreGitPaths, allowSymlinks, signaturePath) as signModel hashes it. */
  modelPath?: string;
  subjectDigest?: string;
  stage: Stage;
  trainingRunId?: string;
  baseModel?: InputRef | InputRef[];
  adapters?: InputRef[];
  datasets?: InputRef[];
  tokenizer?: InputRef;
  code?: InputRef[];
  hyperparameters?: Record<string, unknown>;
  hardware?: { accelerators?: { model: string; count?: number; driver?: string }[] };
  /** `framework` and `version` describe the framework; anything else is kept as environment. */
  metadata?: Record<string, unknown>;
  startedOn?: string;
  finishedOn?: string;
}

export interface TrackerVerifyParams {
  modelPath?: string;
  /** Which files of modelPath make up the model, as it was signed and attested. */
  scope?: ModelScope;
  digest?: string;
  /** A policy file, a policy document, or a compiled policy. */
  policy: string | PolicyDocument | Policy;
  /** Also require that this attestation is part of the verified chain. */
  expectedAttestation?: Attestation;
  /** Fail when any attestation found for the chain does not verify (default: report and ignore it). */
  strict?: boolean;
  now?: Date;
}

export interface TrackerReportParams {
  modelPath?: string;
  digest?: string;
  /** Default: all four (EU AI Act Annex IV, XI, XII, NIST AI RMF). */
  frameworks?: FrameworkId[];
  /** report-inputs.json: a path, or the document itself (validated against its schema). */
  inputs?: string | ReportInputs;
  /** A policy file, a policy document, or a compiled policy; without one nothing verifies. */
  policy?: string | PolicyDocument | Policy;
  /** The report date (ISO 8601); default SOURCE_DATE_EPOCH, else now. */
  date?: string;
  manifestPath?: string;
  signaturePath?: string;
}

/**
 * The library face for pipelines: attest each stage as it finishes, verify the chain
 * before deployment. Thin over attest() and verifyChain().
 */
export class ProvenanceTracker {
  private readonly options: TrackerOptions;
  readonly registry: Registry;

  constructor(options: TrackerOptions = {}) {
    this.options = options;
    this.registry = typeof options.registry === 'object' ? options.registry : openRegistry(options.registry, undefined, { access: 'write' });
  }

  private signer(): SigningIdentity {
    const k = this.options.signingKey;
    if (!k) throw new InputError('USAGE', 'this tracker has no signingKey, so it cannot attest');
    const privateKey = typeof k === 'string' ? loadPrivateKey(k, this.options.passphrase) : k;
    const cert = this.options.certificate;
    if (!cert) return { kind: 'key', privateKey };
    const load = (c: string | X509Certificate): X509Certificate[] => (typeof c === 'string' ? loadCertificates(c) : [c]);
    const [leaf, ...rest] = load(cert);
    return { kind: 'certificate', privateKey, signingCertificate: leaf!, chain: [...rest, ...(this.options.chain ?? []).flatMap(load)] };
  }

  async attest(params: TrackerAttestParams): Promise<Attestation> {
    const { framework, version, ...environment } = params.metadata ?? {};
    const base = params.baseModel === undefined ? [] : Array.isArray(params.baseModel) ? params.baseModel : [params.baseModel];
    return attest({
      modelPath: params.modelPath,
      ignorePaths: params.ignorePaths,
      ignoreGitPaths: params.ignoreGitPaths,
      allowSymlinks: params.allowSymlinks,
      signaturePath: params.signaturePath,
      subjectDigest: params.subjectDigest,
      stage: params.stage,
      trainingRunId: params.trainingRunId,
      baseModels: base,
      adapters: params.adapters,
      datasets: params.datasets,
      tokenizer: params.tokenizer,
      code: params.code,
      hyperparameters: params.hyperparameters,
      hardware: params.hardware,
      framework: framework || version ? { ...(framework ? { name: String(framework) } : {}), ...(version ? { version: String(version) } : {}) } : undefined,
      environment: Object.keys(environment).length > 0 ? environment : undefined,
      builderId: this.options.builderId,
      startedOn: params.startedOn,
      finishedOn: params.finishedOn,
      signer: this.signer(),
      registry: this.registry,
    });
  }

  /**
   * A regulatory report for a model from the evidence in this tracker's registry (see
   * buildReport): per framework point, facts from verified evidence and text people wrote.
   * Render it with renderReport(report, 'html' | 'md' | 'json' | 'cdxa').
   */
  async report(params: TrackerReportParams): Promise<ComplianceReport> {
    const policy = params.policy === undefined ? undefined : toPolicy(params.policy);
    const inputs =
      params.inputs === undefined || typeof params.inputs === 'string'
        ? params.inputs
        : { file: 'report-inputs.json', doc: checkInputs(params.inputs, 'report-inputs.json'), digest: `sha256:${createHash('sha256').update(JSON.stringify(params.inputs)).digest('hex')}` };
    return buildReport({
      registry: this.registry,
      policy,
      modelPath: params.modelPath,
      digest: params.digest,
      frameworks: params.frameworks ?? ['eu-ai-act-annex-iv', 'eu-ai-act-annex-xi', 'eu-ai-act-annex-xii', 'nist-ai-rmf'],
      inputs,
      date: params.date,
      manifestPath: params.manifestPath,
      signaturePath: params.signaturePath,
    });
  }

  async verify(params: TrackerVerifyParams): Promise<ChainResult> {
    const policy = toPolicy(params.policy);
    const result = await verifyChain({ registry: this.registry, policy, modelPath: params.modelPath, scope: params.scope, digest: params.digest, now: params.now, strict: params.strict });
    const expected = params.expectedAttestation;
    if (expected?.id && !result.links.some((l) => l.attestation === expected.id || l.annotations.some((a) => a.attestation === expected.id))) {
      result.problems.push({ code: 'EXPECTED_ATTESTATION_MISSING', message: `the expected ${expected.stage} attestation ${expected.id} is not part of the verified chain`, digest: expected.subject.digest });
      result.verdict = 'failed';
    }
    return result;
  }
}

function toPolicy(p: string | PolicyDocument | Policy): Policy {
  return typeof p === 'string' ? loadPolicy(p) : isCompiled(p) ? p : compilePolicy(p, 'policy');
}

function isCompiled(p: PolicyDocument | Policy): p is Policy {
  return Array.isArray((p as Policy).signers);
}
