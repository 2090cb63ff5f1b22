/**
 * Claims already in a registry that a new attestation would contradict: other attestations
 * that say they produced the same model from other inputs. Read unverified (attest has no
 * policy): a warning before the chain, which decides with the policy (ATTESTATION_CONFLICT).
 */
import { DESCRIPTIVE_STAGES, SLSA_PROVENANCE_V1, type Dependency, type Stage } from '../attest/types';
import { isProvenanceError } from '../errors';
import type { Registry, RegistryEntry } from '../registry/registry';
import { inputsBesides, producesSubject, sameInputs } from './producer';
import { attestationsFor } from './verify-chain';

/** One stored attestation that says it produced the subject from other inputs. */
export interface ConflictingClaim {
  /** Registry id (`sha256:` of the bundle). */
  id: string;
  stage: Stage;
  /** finishedOn (else startedOn), as its attester wrote it. */
  time?: string;
  runId?: string;
  inputs: Dependency[];
  /**
   * What it records that the new attestation does not, for people: `base-model "name"
   * sha256:…`, each base model or adapter with no attestation in the registry marked so.
   */
  records: string;
  /** What the new attestation records that this one does not, in the same form. */
  ours: string;
}

/**
 * The attestations in `registry` about `subject` (`sha256:<hex>`) that produced it (by the
 * chain's rule, `producesSubject`) from inputs other than `inputs`, leaving out the ids in
 * `except`. Unreadable entries are skipped: `registry verify` is where they are reported.
 */
export async function conflictingClaims(registry: Registry, subject: string, stage: Stage, inputs: readonly Pick<Dependency, 'role' | 'digest' | 'name'>[], except: readonly string[] = []): Promise<ConflictingClaim[]> {
  // An evaluation or a release produces nothing, so it contradicts nothing.
  if (!producesSubject({ stage, subject: { digest: subject }, dependencies: inputs })) return [];
  // Only entries the index says are lifecycle statements of a producing stage are read.
  const entries = (await findOrNone(registry, subject)).filter((e) => e.predicateType === SLSA_PROVENANCE_V1 && !except.includes(e.id) && !(DESCRIPTIVE_STAGES as readonly string[]).includes(e.stage ?? ''));
  if (entries.length === 0) return [];
  const found = await attestationsFor(registry, undefined, subject, entries);
  const claims = found.verified.filter((a) => producesSubject(a.provenance) && !sameInputs(a.provenance.dependencies, inputs));
  // Which side's models the registry knows is what a person weighs first (a typo in a digest has no attestation).
  const attested = new Map<string, boolean>();
  const models = [...inputs, ...claims.flatMap((a) => a.provenance.dependencies)].filter((d) => d.role === 'base-model' || d.role === 'adapter');
  for (const d of models) {
    if (!attested.has(d.digest)) attested.set(d.digest, (await findOrNone(registry, d.digest)).some((e) => e.predicateType === SLSA_PROVENANCE_V1));
  }
  const note = (d: Pick<Dependency, 'role' | 'digest'>): string | undefined => (attested.get(d.digest) === false ? 'no attestation in this registry' : undefined);
  return claims.map((a) => ({
    id: a.id,
    stage: a.provenance.stage,
    ...(a.provenance.finishedOn ?? a.provenance.startedOn ? { time: a.provenance.finishedOn ?? a.provenance.startedOn } : {}),
    ...(a.provenance.trainingRunId ? { runId: a.provenance.trainingRunId } : {}),
    inputs: a.provenance.dependencies,
    records: inputsBesides(a.provenance.dependencies, inputs, note),
    ours: inputsBesides(inputs, a.provenance.dependencies, note),
  }));
}

/**
 * The registry's entries about `subject`; none when the registry does not exist yet (an OCI
 * repository nothing was pushed to: the first put creates it).
 */
export async function findOrNone(registry: Registry, subject: string): Promise<RegistryEntry[]> {
  try {
    return await registry.findBySubject(subject);
  } catch (err) {
    if (isProvenanceError(err) && err.code === 'REGISTRY_NOT_FOUND') return [];
    throw err;
  }
}
