import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { fsError } from '../errors';
import { checkEnvironment, recordDeployment, sha256Of, type DeploymentParams } from '../incident/deployment';
import type { Registry, RegistryEntry } from '../registry/registry';
import type { SigningIdentity } from '../sign/sign-model';
import type { GateResult } from './verify-gate';

/** What the deployment gate needs to store a deployment record after a passed verdict. */
export interface GateRecordOptions {
  /** The deployment environment (production, eu-west-1…), recorded as given: 1-128 printable characters. */
  environment: string;
  /** Signs the record (an SLSA VSA v1 in a Sigstore bundle, like every attestation). */
  signer: SigningIdentity;
  /**
   * Where the record is stored. A function is called only once the verdict passed, so a
   * failed gate opens (and creates) nothing: the CLI opens the registry for write there.
   */
  registry: Registry | (() => Registry);
  /**
   * The trust the verdict was reached under, as the VSA's `policy`: the policy file's uri and
   * the sha256 of its bytes; for a signature-only gate, the trusted keys (see docs/incidents.md).
   */
  policy: { uri: string; digest: string };
  verifierVersion: string;
  /** `timeVerified` (default now). */
  now?: Date;
}

/** Refuses a record that could not be written (a bad environment name) before anything is hashed. */
export function checkDeploymentRecord(r: GateRecordOptions): void {
  checkEnvironment(r.environment);
}

/**
 * Stores the deployment record of a passed gate: subject the model (the digest the chain was
 * looked up by, else the signed digest), `verifiedLevels` one per check that passed,
 * `inputAttestations` the model signature file and every link and annotation of the chain.
 * Throws when the verdict did not pass: a record says PASSED and nothing else.
 */
export async function recordGateDeployment(result: Pick<GateResult, 'verdict' | 'model' | 'checks' | 'signature' | 'chain'>, r: GateRecordOptions): Promise<RegistryEntry> {
  if (result.verdict !== 'verified') throw new Error('a deployment record is only written after the gate passed');
  const digest = result.model.digest ?? result.signature?.subject?.digest;
  if (!digest) throw new Error('a passed gate names the model digest');
  const top = result.chain?.links.find((l) => l.depth === 0);
  const path = result.model.path ?? result.chain?.model.path;
  const name = top?.name ?? result.signature?.subject?.name ?? (path ? basename(resolve(path)) : 'model');
  const inputs: DeploymentParams['inputAttestations'] = [];
  if (result.signature) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(result.signature.signature);
    } catch (err) {
      throw fsError(err, result.signature.signature, 'read the model signature for the deployment record');
    }
    inputs.push({ uri: pathToFileURL(resolve(result.signature.signature)).href, digest: sha256Of(bytes) });
  }
  for (const l of result.chain?.links ?? []) for (const a of [l.attestation, ...l.annotations.map((x) => x.attestation)]) inputs.push({ digest: a });
  const levels: NonNullable<DeploymentParams['levels']> = result.checks.map((c) => (c.check === 'chain' ? 'policy' : c.check));
  const registry = typeof r.registry === 'function' ? r.registry() : r.registry;
  const { entry } = await recordDeployment(registry, r.signer, {
    model: { digest, name, ...(path ? { uri: pathToFileURL(resolve(path)).href } : {}) },
    environment: r.environment,
    gate: result.chain ? 'policy' : 'signature',
    levels,
    policy: r.policy,
    inputAttestations: inputs,
    timeVerified: (r.now ?? new Date()).toISOString(),
    verifierVersion: r.verifierVersion,
  });
  return entry;
}
