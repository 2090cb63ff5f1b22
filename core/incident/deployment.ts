import { createHash } from 'node:crypto';
import { InputError, isProvenanceError } from '../errors';
import { isObject, parseStrictJson } from '../io/json';
import { INTOTO_STATEMENT_V1, type Statement } from '../oms/types';
import type { PolicySigner } from '../policy/policy';
import { DEPLOYMENT_EXTENSION } from '../registry/facts';
import type { Registry, RegistryEntry } from '../registry/registry';
import { signStatement, type SigningIdentity } from '../sign/sign-model';
import { parseBundle } from '../sigstore/bundle';
import type { Signer } from '../verify/result';
import { verifyAttestationText } from '../chain/attestation-trust';

/** SLSA Verification Summary Attestation v1: what a deployment record is. */
export const SLSA_VSA_V1 = 'https://slsa.dev/verification_summary/v1';
/** Our verifier id in VSAs (an identifier; it need not resolve). */
export const VERIFIER_ID = 'https://model-provenance.dev/verifier/v1';
/** `verifiedLevels` values (custom values, which VSA allows when they do not start with SLSA_). */
export const VERIFIED_LEVELS = { policy: 'MODEL_PROVENANCE_CHAIN_VERIFIED', signature: 'MODEL_PROVENANCE_SIGNATURE_VERIFIED' } as const;
export { DEPLOYMENT_EXTENSION };

export interface DeploymentParams {
  model: { digest: string; name: string; uri?: string };
  /** The deployment environment (production, staging, eu-west-1…), recorded as given. */
  environment: string;
  /** Which gate passed: the chain against a policy, or the model signature against trusted keys. */
  gate: 'policy' | 'signature';
  /** The policy (or trust material) applied: where it is and the sha256 of its bytes. */
  policy: { uri: string; digest: string };
  /** The attestations the verdict rests on (chain links, or the model signature). */
  inputAttestations: { uri?: string; digest: string }[];
  timeVerified: string;
  verifierVersion: string;
}

/**
 * A deployment record as an SLSA VSA v1 in-toto statement: subject = the model, `resourceUri`
 * = where it was verified, `policy` = the policy file's digest, `verificationResult` PASSED
 * (records are only written after the gate passed), `verifiedLevels` one of ours. VSA has no
 * field for the environment, so it is recorded under an extension field named by a URI
 * (`https://model-provenance.dev/deployment/v1`), as SLSA's parsing rules allow; consumers
 * that do not know it ignore it.
 */
export function buildDeploymentStatement(p: DeploymentParams): Statement {
  checkEnvironment(p.environment);
  return {
    _type: INTOTO_STATEMENT_V1,
    subject: [{ name: p.model.name, digest: { sha256: p.model.digest.slice(7) } }],
    predicateType: SLSA_VSA_V1,
    predicate: {
      verifier: { id: VERIFIER_ID, version: { 'model-provenance': p.verifierVersion } },
      timeVerified: p.timeVerified,
      resourceUri: p.model.uri ?? `pkg:generic/${encodeURIComponent(p.model.name)}?checksum=sha256:${p.model.digest.slice(7)}`,
      policy: { uri: p.policy.uri, digest: { sha256: p.policy.digest.replace(/^sha256:/, '') } },
      inputAttestations: p.inputAttestations.map((a) => ({ ...(a.uri ? { uri: a.uri } : {}), digest: { sha256: a.digest.replace(/^sha256:/, '') } })),
      verificationResult: 'PASSED',
      verifiedLevels: [VERIFIED_LEVELS[p.gate]],
      [DEPLOYMENT_EXTENSION]: { environment: p.environment, gate: p.gate },
    },
  };
}

export function checkEnvironment(env: string): void {
  if (!/^[^\u0000-\u001f\u007f]{1,128}$/.test(env) || env.trim() !== env) {
    throw new InputError('USAGE', `deployment environment "${env}" must be 1-128 printable characters without leading or trailing spaces`);
  }
}

/** sha256 of bytes as `sha256:<hex>`. */
export function sha256Of(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Signs a deployment record and stores it in the registry. */
export async function recordDeployment(registry: Registry, signer: SigningIdentity, p: DeploymentParams): Promise<{ entry: RegistryEntry; bundle: string; statement: Statement }> {
  const statement = buildDeploymentStatement(p);
  const bundle = signStatement(statement, signer);
  return { entry: await registry.put(bundle), bundle, statement };
}

/** A deployment record read back from the registry. */
export interface DeploymentRecord {
  entryId: string;
  model: { digest: string; name: string };
  environment: string;
  gate?: string;
  timeVerified: string;
  result: string;
  policyDigest?: string;
  resourceUri?: string;
  signer?: Signer;
  /** Policy names whose trust verified it; empty with `verified` false when read as a claim. */
  signers: string[];
  verified: boolean;
}

/** Reads a VSA statement (from bytes that passed verification, or as a claim). */
export function parseDeployment(statement: unknown, entryId: string, file: string): DeploymentRecord {
  if (!isObject(statement) || statement.predicateType !== SLSA_VSA_V1 || !isObject(statement.predicate)) throw new InputError('DEPLOYMENT_INVALID', 'not an SLSA VSA v1 statement', { file });
  const p = statement.predicate;
  const sub = Array.isArray(statement.subject) ? statement.subject[0] : undefined;
  if (!isObject(sub) || !isObject(sub.digest) || typeof sub.digest.sha256 !== 'string') throw new InputError('DEPLOYMENT_INVALID', 'the record has no subject digest', { file });
  const ext = isObject(p[DEPLOYMENT_EXTENSION]) ? (p[DEPLOYMENT_EXTENSION] as Record<string, unknown>) : {};
  return {
    entryId,
    model: { digest: `sha256:${sub.digest.sha256}`, name: typeof sub.name === 'string' ? sub.name : 'model' },
    environment: typeof ext.environment === 'string' ? ext.environment : '(not recorded)',
    ...(typeof ext.gate === 'string' ? { gate: ext.gate } : {}),
    timeVerified: typeof p.timeVerified === 'string' ? p.timeVerified : '',
    result: typeof p.verificationResult === 'string' ? p.verificationResult : 'UNKNOWN',
    ...(isObject(p.policy) && isObject(p.policy.digest) && typeof p.policy.digest.sha256 === 'string' ? { policyDigest: `sha256:${p.policy.digest.sha256}` } : {}),
    ...(typeof p.resourceUri === 'string' ? { resourceUri: p.resourceUri } : {}),
    signers: [],
    verified: false,
  };
}

/**
 * Deployment records about a model digest. With `trust`, each must verify under one of those
 * signers (others are skipped and counted); without, they are returned as claims.
 */
export async function readDeployments(registry: Registry, digest: string, trust?: PolicySigner[]): Promise<{ records: DeploymentRecord[]; untrusted: number }> {
  const records: DeploymentRecord[] = [];
  let untrusted = 0;
  for (const e of await registry.findBySubject(digest)) {
    if (e.predicateType !== SLSA_VSA_V1) continue;
    try {
      const text = await registry.read(e.id);
      // The attestations' trust decision (one signer's misfit does not hide another's verdict).
      const v = trust ? verifyAttestationText(text, e.location, { signers: trust }) : undefined;
      if (v && v.signers.length === 0) {
        untrusted++;
        continue;
      }
      const signers = v?.signers ?? [];
      const signer: Signer | undefined = v?.signer;
      const payload = v ? v.payload : parseBundle(text, e.location).envelope.payload;
      const rec = parseDeployment(parseStrictJson(payload.toString('utf8'), e.location), e.id, e.location);
      if (rec.model.digest !== digest) continue;
      records.push({ ...rec, signers, ...(signer ? { signer } : {}), verified: trust !== undefined });
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
      untrusted++;
    }
  }
  return { records: records.sort((a, b) => a.timeVerified.localeCompare(b.timeVerified) || a.entryId.localeCompare(b.entryId)), untrusted };
}
