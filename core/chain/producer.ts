/**
 * The one rule for "which attestation produced this model", used by the chain walker and so
 * by everything drawn from its result (lineage, manifests, reports, the editor).
 */
import { DESCRIPTIVE_STAGES, type Dependency, type MlProvenance } from '../attest/types';

/**
 * True when the attestation says its stage made the subject: not an evaluation or a
 * release (they describe a model), and not a stage that names the subject as its own
 * base model (it did not change it).
 */
export function producesSubject(p: Pick<MlProvenance, 'stage'> & { subject: { digest: string }; dependencies: readonly Pick<Dependency, 'role' | 'digest'>[] }): boolean {
  if (DESCRIPTIVE_STAGES.includes(p.stage)) return false;
  return !p.dependencies.some((d) => d.role === 'base-model' && d.digest === p.subject.digest);
}

const timeOf = (p: MlProvenance): string => p.finishedOn ?? p.startedOn ?? '';

/**
 * Splits the verified attestations about one subject into its producer (the newest that
 * produced it; re-attestations of the same stage supersede older ones), the annotations
 * (attestations that describe it), and the older producers it superseded.
 */
export function pickProducer<T extends { id: string; provenance: MlProvenance }>(attestations: T[]): { producer?: T; annotations: T[]; superseded: T[] } {
  const producers = attestations
    .filter((a) => producesSubject(a.provenance))
    .sort((a, b) => timeOf(b.provenance).localeCompare(timeOf(a.provenance)) || a.id.localeCompare(b.id));
  return {
    producer: producers[0],
    annotations: attestations.filter((a) => !producesSubject(a.provenance)),
    superseded: producers.slice(1),
  };
}

/**
 * Whether two stages record the same inputs: the same set of (role, digest); names, URIs and
 * order may differ. Two producers of one digest with other inputs are conflicting claims.
 */
export function sameInputs(a: readonly Pick<Dependency, 'role' | 'digest'>[], b: readonly Pick<Dependency, 'role' | 'digest'>[]): boolean {
  const key = (ds: readonly Pick<Dependency, 'role' | 'digest'>[]): string => [...new Set(ds.map((d) => `${d.role} ${d.digest}`))].sort().join('\n');
  return key(a) === key(b);
}

/** What `mine` records that `theirs` does not, for a message: `base-model "name" sha256:…` items (with `note`'s words in brackets), or "fewer inputs". */
export function inputsBesides(mine: readonly Pick<Dependency, 'role' | 'digest' | 'name'>[], theirs: readonly Pick<Dependency, 'role' | 'digest'>[], note: (d: Pick<Dependency, 'role' | 'digest'>) => string | undefined = () => undefined): string {
  const has = new Set(theirs.map((d) => `${d.role} ${d.digest}`));
  const seen = new Set<string>();
  const only = mine.filter((d) => !has.has(`${d.role} ${d.digest}`) && !seen.has(`${d.role} ${d.digest}`) && !!seen.add(`${d.role} ${d.digest}`));
  return only.length ? only.map((d) => describeInput(d, note(d))).join(', ') : 'fewer inputs';
}

/** One input for a message: `base-model "name" sha256:<12 hex>…`, and a note in brackets. */
export function describeInput(d: Pick<Dependency, 'role' | 'digest' | 'name'>, note?: string): string {
  return `${d.role} ${d.name ? `"${d.name}" ` : ''}${d.digest.slice(0, 19)}…${note ? ` (${note})` : ''}`;
}

/** One attestation of a stage for a message: `ID (stage, run R, time)`. */
export function describeClaim(id: string, c: { stage: string; runId?: string; time?: string }): string {
  return `${id} (${c.stage}${c.runId ? `, run ${c.runId}` : ''}${c.time ? `, ${c.time}` : ''})`;
}
