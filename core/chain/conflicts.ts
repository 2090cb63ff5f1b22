/**
 * Claims already in a registry that a new attestation would contradict: other attestations
 * that say they produced the same model from other inputs. Read unverified (attest has no
 * policy): a warning before the chain, which decides with the policy (ATTESTATION_CONFLICT).
 */
import type { Dependency, Stage } from '../attest/types';
import type { Registry } from '../registry/registry';
import { producesSubject, sameInputs } from './producer';
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
}

/**
 * The attestations in `registry` about `subject` (`sha256:<hex>`) that produced it (by the
 * chain's rule, `producesSubject`) from inputs other than `inputs`, leaving out the ids in
 * `except`. Unreadable entries are skipped: `registry verify` is where they are reported.
 */
export async function conflictingClaims(registry: Registry, subject: string, stage: Stage, inputs: readonly Pick<Dependency, 'role' | 'digest'>[], except: readonly string[] = []): Promise<ConflictingClaim[]> {
  // An evaluation or a release produces nothing, so it contradicts nothing.
  if (!producesSubject({ stage, subject: { digest: subject }, dependencies: inputs })) return [];
  const found = await attestationsFor(registry, undefined, subject);
  return found.verified
    .filter((a) => !except.includes(a.id) && producesSubject(a.provenance) && !sameInputs(a.provenance.dependencies, inputs))
    .map((a) => ({
      id: a.id,
      stage: a.provenance.stage,
      ...(a.provenance.finishedOn ?? a.provenance.startedOn ? { time: a.provenance.finishedOn ?? a.provenance.startedOn } : {}),
      ...(a.provenance.trainingRunId ? { runId: a.provenance.trainingRunId } : {}),
      inputs: a.provenance.dependencies,
    }));
}
