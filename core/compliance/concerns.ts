import type { ChainProblem } from '../chain/verify-chain';
import type { EvidenceKind } from './frameworks';
import type { Gathered } from './gather';
import type { EvidenceItem, Fact, FactProblem } from './model';

/**
 * Where each chain problem lands in a report: the one place that maps what the chain
 * walker found (by attestation, input and artifact digest) onto the evidence items and
 * facts it concerns, so that a report never states as verified a fact whose chain checks
 * failed.
 *
 * - **attestation**: the problem names one attestation on the chain (ATTESTATION_EXPIRED,
 *   ATTESTATION_FROM_FUTURE, ATTESTATION_UNDATED, SIGNER_NOT_ALLOWED_FOR_STAGE,
 *   FLAGGED_SIGNER, STAGE_OUT_OF_ORDER, MISSING_LINK "names no base model"): that evidence
 *   item is not verified, and every fact citing it is a claim with the problem named.
 * - **input**: the problem names one input of one attestation (DIGEST_MISMATCH of an input
 *   on disk, ARTIFACT_UNREADABLE, FLAGGED_ARTIFACT, DATASET_DENIED, DATASET_NOT_ALLOWED,
 *   BASE_MODEL_DENIED): the facts that name that input (by digest) and cite that attestation
 *   are claims; the attestation's other facts (its hardware, its framework) stand.
 * - **artifact**: a flagged artifact on the chain (FLAGGED_ARTIFACT without an input): every
 *   attestation about it, and every fact naming it as an input.
 * - **chain**: the rest (MISSING_LINK of an artifact nobody attested, REQUIRED_STAGE_MISSING,
 *   ATTESTATION_INVALID, the model on disk not matching the digest asked for, and strict
 *   failures of ignored attestations): no single fact, the chain as a whole.
 *
 * Every problem, whatever its scope, is also a gap of the points whose evidence is the chain
 * as a whole ({@link CHAIN_KINDS}): they say "this is the verified chain", which a failed
 * chain is not.
 */
export interface ChainConcern {
  code: string;
  message: string;
  scope: 'attestation' | 'input' | 'artifact' | 'chain';
  /** The attestation (registry id) it concerns, for attestation and input scope. */
  attestation?: string;
  /** The input digest it concerns (input scope), or the artifact (artifact scope). */
  digest?: string;
}

/**
 * Kinds of evidence whose claim is the chain as a whole (the development steps, the
 * lifecycle, the inventory, the security measures, the policy it was verified against):
 * any chain problem keeps their points from being complete.
 */
export const CHAIN_KINDS: ReadonlySet<EvidenceKind> = new Set<EvidenceKind>(['development', 'lifecycle', 'inventory', 'security', 'policy']);

/** Every chain problem with the scope it concerns (see {@link ChainConcern}). */
export function chainConcerns(problems: readonly ChainProblem[], stageRefs: ReadonlySet<string>): ChainConcern[] {
  return problems.map((p): ChainConcern => {
    const base = { code: p.code, message: p.message };
    if (p.attestation && stageRefs.has(p.attestation)) {
      return p.input ? { ...base, scope: 'input', attestation: p.attestation, digest: p.input } : { ...base, scope: 'attestation', attestation: p.attestation };
    }
    if (!p.attestation && p.code === 'FLAGGED_ARTIFACT' && p.digest) return { ...base, scope: 'artifact', digest: p.digest };
    return { ...base, scope: 'chain' };
  });
}

/**
 * Applies the chain's problems to the gathered evidence: attestation items that a problem
 * concerns become unverified with the problem as their reason (so every fact built from
 * them is a claim), and every item records the problems that concern it. Called once, by
 * the gatherer, before any fact is built.
 */
export function applyChainConcerns(g: Gathered): ChainConcern[] {
  const stageRefs = new Set(g.stages.map((s) => s.item.ref));
  const concerns = chainConcerns(g.chain.problems, stageRefs);
  for (const s of g.stages) {
    const own = concerns.filter((c) => (c.scope === 'attestation' && c.attestation === s.item.ref) || (c.scope === 'artifact' && c.digest === s.provenance.subject.digest));
    const onInputs = concerns.filter((c) => c.scope === 'input' && c.attestation === s.item.ref);
    if (own.length) {
      s.item.verified = false;
      s.item.reason = own.map((c) => `${c.message} [${c.code}]`).join('; ');
    }
    if (own.length || onInputs.length) s.item.problems = [...own, ...onInputs].map((c) => ({ code: c.code, message: c.message }));
  }
  return concerns;
}

/**
 * The chain problems that concern one fact: those of the attestations it cites (already
 * unverified items), and those of the inputs it names under the attestation it cites.
 * The fact comes back unverified with the problems named, or unchanged.
 */
export function concernFact(f: Fact, concerns: readonly ChainConcern[], items: ReadonlyMap<string, EvidenceItem>): Fact {
  const hits: FactProblem[] = [];
  for (const c of concerns) {
    const hit =
      (c.scope === 'attestation' && f.evidence.includes(c.attestation!)) ||
      (c.scope === 'input' && f.evidence.includes(c.attestation!) && (f.inputs ?? []).includes(c.digest!)) ||
      (c.scope === 'artifact' && ((f.inputs ?? []).includes(c.digest!) || f.evidence.some((r) => items.get(r)?.subject === c.digest && items.get(r)?.kind === 'attestation')));
    if (hit && !hits.some((h) => h.code === c.code && h.message === c.message)) hits.push({ code: c.code, message: c.message });
  }
  return hits.length ? { ...f, verified: false, problems: hits } : f;
}

/** The gaps chain problems open in a point: its concerned facts' problems, and every problem when it rests on the chain as a whole. */
export function concernGaps(facts: readonly Fact[], kinds: readonly EvidenceKind[], concerns: readonly ChainConcern[]): string[] {
  const out = facts.flatMap((f) => (f.problems ?? []).map((p) => `${p.code}: ${p.message}`));
  if (kinds.some((k) => CHAIN_KINDS.has(k))) for (const c of concerns) out.push(`${c.code}: ${c.message}`);
  return [...new Set(out)];
}
