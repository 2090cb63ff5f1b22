/**
 * The flags in force for an editor session, and what they reach: the gate's flags
 * (`loadEffectiveFlags`: the policy's `flagged` list and the advisories its `advisorySigners`
 * signed) plus, for each flagged artifact, key or identity, the blast radius `incident impact`
 * computes (`impact`), so that a model derived from a flagged dataset is known as such without
 * walking its chain again on every keystroke. Read once per change of the registry's
 * advisories; everything here is a plain value that can be consulted synchronously.
 */
import { isProvenanceError } from '../errors';
import type { Policy } from '../policy/policy';
import type { Registry } from '../registry/registry';
import type { ModelEvaluation } from '../verify/evaluate-model';
import { loadEffectiveFlags, type EffectiveFlag, type EffectiveFlags } from './advisories';
import { graphOf, impact } from './impact';
import { OPENVEX_PREDICATE, targetDigest, type AdvisoryTarget } from './openvex';
import { flagSource, signatureHits, type FlagHit, type SignedReferences } from './references';

/** A digest downstream of a flagged artifact or of something a revoked signer signed. */
export interface DerivedFlag {
  /** The flagged artifact's digest, or the key id / identity digest (`sha256:`). */
  root: string;
  rootName?: string;
  target: AdvisoryTarget;
  /** Hops from the flagged artifact (0: signed by a revoked signer). */
  depth: number;
  /** The stage that produced this digest from an affected input, when known. */
  stage?: string;
  flags: EffectiveFlag[];
  /** Whether the attestation that links it verified under the policy (false: a claim). */
  verified: boolean;
}

export interface FlagIndex {
  flags: EffectiveFlags;
  /** By `sha256:` digest: what makes it affected. */
  derived: Map<string, DerivedFlag[]>;
  /** Changes whenever the advisories or the policy's flags change (entry ids, statuses). */
  fingerprint: string;
}

/**
 * The flag index under a policy: the gate's flags, then the blast radius of each one.
 * `impact` failures for one target (a policy-flagged digest the registry has never seen) are
 * skipped: that target is still flagged wherever it is referenced.
 */
export async function loadFlagIndex(registry: Registry, policy: Policy, options: { signal?: AbortSignal } = {}): Promise<FlagIndex> {
  const flags = await loadEffectiveFlags(registry, policy);
  const derived = new Map<string, DerivedFlag[]>();
  const graph = graphOf(registry);
  const targets: { target: AdvisoryTarget; flags: EffectiveFlag[]; since?: string }[] = [];
  for (const fs of flags.digests.values()) targets.push({ target: fs[0]!.target, flags: fs });
  for (const fs of [...flags.keys.values(), ...flags.identities.values()]) {
    // One radius per window: a flag without `since` covers everything the signer signed.
    const since = fs.some((f) => !f.since) ? undefined : fs.map((f) => f.since!).sort()[0];
    targets.push({ target: fs[0]!.target, flags: fs, ...(since ? { since } : {}) });
  }
  for (const t of targets) {
    if (options.signal?.aborted) break;
    let r;
    try {
      r = await impact({ registry, target: t.target, ...(t.since ? { since: t.since } : {}), policy, graph });
    } catch (err) {
      if (isProvenanceError(err)) continue;
      throw err;
    }
    for (const n of r.affected) {
      const list = derived.get(n.digest) ?? [];
      list.push({ root: r.root.digest, ...(r.root.name ? { rootName: r.root.name } : {}), target: t.target, depth: n.depth, ...(n.stage ? { stage: n.stage } : {}), flags: t.flags, verified: n.verification === 'verified' });
      derived.set(n.digest, list);
    }
  }
  const parts: string[] = [];
  for (const [k, fs] of [...flags.digests, ...flags.keys, ...flags.identities].sort(([a], [b]) => a.localeCompare(b))) parts.push(`${k}:${fs.map((f) => `${f.source}/${f.entryId ?? f.reason}/${f.status}/${f.since ?? ''}`).join(',')}`);
  parts.push(`ignored:${flags.ignored.map((i) => i.entryId).sort().join(',')}`);
  parts.push(`derived:${[...derived.keys()].sort().join(',')}`);
  return { flags, derived, fingerprint: parts.join('\n') };
}

/** How many advisory statements the registry holds (a cheap probe: the predicate-type index only). */
export async function advisoryEntryIds(registry: Registry): Promise<string[]> {
  return (await registry.findByPredicateType(OPENVEX_PREDICATE)).map((e) => e.id).sort();
}

/** The hits of a model signature, derived ones included: the model itself descends from something flagged. */
export function modelSignatureHits(signed: SignedReferences, signer: ModelEvaluation['trust']['signer'] | undefined, signedAt: string | undefined, index: FlagIndex): FlagHit[] {
  const hits = signatureHits(signed, signer, signedAt, index.flags);
  const subject = signed.subject;
  if (subject && !hits.some((h) => h.code === 'FLAGGED_ARTIFACT' && h.digest === subject.digest)) {
    for (const d of index.derived.get(subject.digest) ?? []) {
      const revoked = d.target.kind !== 'artifact';
      const from = revoked ? `something signed by a revoked signer (${targetDigest(d.target).slice(0, 23)}…)` : `${d.rootName ? `${d.rootName} ` : ''}${d.root}`;
      hits.push({
        code: revoked ? 'SIGNER_REVOKED' : 'FLAGGED_ARTIFACT',
        digest: d.root,
        what: `the signed model ${subject.name}`,
        role: 'derived',
        pointer: '/dsseEnvelope/payload',
        flags: d.flags,
        message: `the signed model ${subject.name} ${subject.digest} derives from ${from}${d.depth > 1 ? ` (${d.depth} stages down)` : ''}${d.verified ? '' : ' by an attestation not verified under the policy'}, flagged by ${d.flags.map(flagSource).join('; ')}`,
      });
    }
  }
  return hits;
}

/**
 * A model's one state with the flags in force applied: a model whose digest is flagged, that
 * derives from a flagged artifact, or whose signer is revoked is not verified, whatever its
 * files and signature say. The state becomes `flagged`, the headline names the code. An
 * evaluation whose signature could not be read (error, invalid) is returned as it is: it is
 * already not verified, and its payload cannot be relied on to name anything.
 */
export function flagEvaluation(ev: ModelEvaluation, index: FlagIndex | undefined): ModelEvaluation {
  if (!index || !ev.signed || ev.state === 'error' || ev.state === 'invalid') return ev;
  const hits = modelSignatureHits(ev.signed, ev.trust.signer, ev.result?.signedAt, index);
  if (hits.length === 0) return ev;
  const first = hits[0]!;
  const advisory = first.flags.find((f) => f.source === 'advisory')?.advisoryId;
  const why = first.code === 'FLAGGED_ARTIFACT' ? (first.role === 'derived' ? 'derived from a flagged artifact' : `${first.what} is flagged`) : 'its signer is revoked';
  const headline = `not verified [${first.code}]: ${why}${advisory ? ` (advisory ${advisory})` : ' (trust policy)'}`;
  const detail = `${hits.map((h) => `${h.code}: ${h.message}.`).join(' ')} ${ev.detail}`;
  return { ...ev, state: 'flagged', flags: hits, headline, detail };
}
