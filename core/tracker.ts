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
import type { OciRegistryOptions } from './registry/oci/oci-registry';
import type { SigningIdentity } from './sign/sign-model';
import { flag, readAdvisories, updateAdvisory, type WrittenAdvisory } from './incident/advisories';
import { recordDeployment, sha256Of } from './incident/deployment';
import { impact, type ImpactResult } from './incident/impact';
import type { AdvisoryTarget, Severity } from './incident/openvex';
import { buildIncidentReport, type IncidentReport } from './incident/report';
import { resolveTarget } from './incident/target';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { RegistryEntry } from './registry/registry';
import { createHash } from 'node:crypto';
import { buildReport } from './compliance/build';
import type { FrameworkId } from './compliance/frameworks';
import { checkInputs, type ReportInputs } from './compliance/inputs';
import type { ComplianceReport } from './compliance/model';
import type { ModelScope } from './model/enumerate';

export interface TrackerFlagParams {
  /** `sha256:…`, `key:<key id>`, `identity:<identity>` (with `issuer`), a path (hashed, or a PEM key/certificate), or a target object. */
  target: string | AdvisoryTarget;
  issuer?: string;
  reason: string;
  id?: string;
  severity?: Severity;
  atlas?: string[];
  since?: string;
  status?: 'affected' | 'under_investigation';
  now?: Date;
}

export interface TrackerImpactParams {
  /** A target (as for flag) or an advisory id (`MP-2026-0001`). */
  target?: string | AdvisoryTarget;
  advisoryId?: string;
  issuer?: string;
  since?: string;
  policy?: string | PolicyDocument | Policy;
  /** Also scan this folder for manifests, signatures and attestations naming an affected digest. */
  workspace?: string;
}

export interface TrackerOptions {
  /** A PEM private key path, or a loaded key. */
  signingKey?: string | KeyObject;
  passphrase?: string;
  /** With a certificate, attestations carry the certificate chain instead of a key hint. */
  certificate?: string | X509Certificate;
  chain?: (string | X509Certificate)[];
  /**
   * A registry: a folder (`.provenance`, `file:PATH`), an OCI registry
   * (`oci://HOST[:PORT]/REPOSITORY`, or the bare `HOST/REPOSITORY`), or an opened Registry;
   * default: the workspace's.
   */
  registry?: string | Registry;
  /**
   * How an OCI registry is reached (docs/registry.md, "Transport"): `caFile` (PEM, trusted
   * beside the system CAs), `timeoutSeconds` (silence bound per attempt, default 30),
   * `attempts` (default 3), `insecure` (plain HTTP to a host that is not loopback), the cache
   * folder. Refused (OPTION_NOT_APPLICABLE) with a folder registry, where they would be dropped.
   */
  oci?: OciRegistryOptions;
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
  /** Registry ids of attestations of this same model that this one corrects: removed once it is stored (see AttestOptions.replaces). */
  replaces?: string[];
  /** List the stored attestations of this model that say it came from other inputs (result `conflicts`; one read each). */
  checkConflicts?: boolean;
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
  /** After a verified chain, store a signed deployment record for this environment (needs signingKey). */
  recordDeployment?: string;
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
  /** By digest only: report on a digest the registry knows nothing of (every point missing) instead of refusing it (DIGEST_NOT_IN_REGISTRY). */
  allowUnattested?: boolean;
}

/** A later statement about an advisory (`fixed`, `withdraw`). */
export interface TrackerUpdateParams {
  reason?: string;
  /** Accept an advisory signed by the policy's advisorySigners, and refuse to write a statement none of them would verify. */
  policy?: string | PolicyDocument | Policy;
  /** Write the statement even when the policy's advisorySigners would not verify it (the gate then ignores it). */
  force?: boolean;
  now?: Date;
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
    // Settings for how a registry is reached mean nothing for one already opened: refused, not dropped.
    if (typeof options.registry === 'object' && options.oci) throw new InputError('OPTION_NOT_APPLICABLE', 'oci applies to a registry the tracker opens (a spec); this registry is already open: give its settings where it was opened');
    this.registry = typeof options.registry === 'object' ? options.registry : openRegistry(options.registry, undefined, { access: 'write', ...(options.oci ? { oci: options.oci } : {}) });
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
      ...(params.replaces ? { replaces: params.replaces } : {}),
      ...(params.checkConflicts ? { checkConflicts: true } : {}),
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
      allowUnattested: params.allowUnattested,
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
    if (params.recordDeployment && result.verdict === 'verified') {
      const deployment = await this.recordDeployment({ environment: params.recordDeployment, digest: result.model.digest, modelPath: params.modelPath, policy: params.policy, attestations: result.links.flatMap((l) => [l.attestation, ...l.annotations.map((a) => a.attestation)]), name: result.links.find((l) => l.depth === 0)?.name, now: params.now });
      (result as ChainResult & { deployment?: RegistryEntry }).deployment = deployment;
    }
    return result;
  }

  /**
   * Stores a signed deployment record (SLSA VSA v1, see core/incident/deployment.ts) saying that
   * the model passed the gate under `policy` for `environment`. Call it only after a verified
   * result; `verify({ recordDeployment })` does.
   */
  async recordDeployment(p: { environment: string; digest: string; modelPath?: string; name?: string; policy: string | PolicyDocument | Policy; attestations?: string[]; now?: Date }): Promise<RegistryEntry> {
    const policyRef =
      typeof p.policy === 'string'
        ? { uri: pathToFileURL(resolve(p.policy)).href, digest: sha256Of(readFileSync(p.policy)) }
        : isCompiled(p.policy)
          ? { uri: pathToFileURL(resolve(p.policy.source)).href, digest: safeFileDigest(p.policy.source) }
          : { uri: 'urn:model-provenance:inline-policy', digest: sha256Of(JSON.stringify(p.policy)) };
    const { entry } = await recordDeployment(this.registry, this.signer(), {
      model: { digest: p.digest, name: p.name ?? 'model', ...(p.modelPath ? { uri: pathToFileURL(resolve(p.modelPath)).href } : {}) },
      environment: p.environment,
      gate: 'policy',
      policy: policyRef,
      inputAttestations: (p.attestations ?? []).map((digest) => ({ digest })),
      timeVerified: (p.now ?? new Date()).toISOString(),
      verifierVersion: VERSION,
    });
    return entry;
  }

  /** Signs an advisory flagging an artifact, key or identity and stores it in the registry (`incident flag`). */
  async flag(p: TrackerFlagParams): Promise<WrittenAdvisory> {
    const target = typeof p.target === 'string' ? await resolveTarget(p.target, { issuer: p.issuer }) : p.target;
    return flag({ registry: this.registry, signer: this.signer(), target, id: p.id, reason: p.reason, severity: p.severity, atlas: p.atlas, since: p.since, status: p.status, now: p.now, tooling: `model-provenance ${VERSION}` });
  }

  /** A later statement: the advisory's target is fixed (`incident fixed`); the gate stops refusing it. */
  async fixed(id: string, p: TrackerUpdateParams = {}): Promise<WrittenAdvisory[]> {
    return this.update(id, 'fixed', p);
  }

  /** A later statement: the advisory was wrong (`incident withdraw`, OpenVEX not_affected). */
  async withdraw(id: string, p: TrackerUpdateParams = {}): Promise<WrittenAdvisory[]> {
    return this.update(id, 'not_affected', p);
  }

  private async update(id: string, status: 'fixed' | 'not_affected', p: TrackerUpdateParams): Promise<WrittenAdvisory[]> {
    const policy = p.policy === undefined ? undefined : this.policyOf(p.policy);
    const trust = policy ? policy.signers.filter((s) => policy.advisorySigners.includes(s.name)) : undefined;
    return updateAdvisory({ registry: this.registry, signer: this.signer(), id, status, reason: p.reason, trust, force: p.force, now: p.now, tooling: `model-provenance ${VERSION}` });
  }

  /** The blast radius of a target or an advisory (`incident impact`). */
  async impact(p: TrackerImpactParams): Promise<ImpactResult> {
    const policy = p.policy === undefined ? undefined : this.policyOf(p.policy);
    if (p.advisoryId) {
      const trust = policy && policy.advisorySigners.length > 0 ? policy.signers.filter((s) => policy.advisorySigners.includes(s.name)) : undefined;
      const docs = (await readAdvisories(this.registry, trust)).advisories.filter((a) => a.advisoryId === p.advisoryId);
      const newest = docs[docs.length - 1];
      if (!newest) throw new InputError('ADVISORY_NOT_FOUND', `no advisory ${p.advisoryId}${trust ? ' signed by a trusted advisory signer' : ''} in ${this.registry.location}`);
      return impact({ registry: this.registry, target: newest.targets[0]!, advisory: docs, since: p.since, policy, workspace: p.workspace });
    }
    if (!p.target) throw new InputError('USAGE', 'impact needs a target or an advisoryId');
    const target = typeof p.target === 'string' ? await resolveTarget(p.target, { issuer: p.issuer }) : p.target;
    return impact({ registry: this.registry, target, since: p.since, policy, workspace: p.workspace });
  }

  /** The incident report for one advisory (`incident report`); render it with renderIncidentReport. */
  async incidentReport(p: { advisoryId: string; policy?: string | PolicyDocument | Policy; workspace?: string; now?: Date }): Promise<IncidentReport> {
    return buildIncidentReport({ registry: this.registry, advisoryId: p.advisoryId, policy: p.policy === undefined ? undefined : this.policyOf(p.policy), workspace: p.workspace, now: p.now });
  }

  private policyOf(p: string | PolicyDocument | Policy): Policy {
    return typeof p === 'string' ? loadPolicy(p) : isCompiled(p) ? p : compilePolicy(p, 'policy');
  }
}

declare const PACKAGE_VERSION: string;
const VERSION = typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev';

function safeFileDigest(path: string): string {
  try {
    return sha256Of(readFileSync(path));
  } catch {
    return sha256Of(path);
  }
}

function toPolicy(p: string | PolicyDocument | Policy): Policy {
  return typeof p === 'string' ? loadPolicy(p) : isCompiled(p) ? p : compilePolicy(p, 'policy');
}

function isCompiled(p: PolicyDocument | Policy): p is Policy {
  return Array.isArray((p as Policy).signers);
}
