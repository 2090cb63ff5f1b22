import { SLSA_PROVENANCE_V1 } from '../attest/types';
import { verifyAttestationText, verifyChain } from '../chain/verify-chain';
import { atlasTechnique } from '../data/atlas';
import { InputError, isProvenanceError } from '../errors';
import type { Policy } from '../policy/policy';
import type { EntryFacts } from '../registry/facts';
import { LocalRegistry } from '../registry/local';
import type { Registry } from '../registry/registry';
import { loadEffectiveFlags, readAdvisories, type EffectiveFlags, type ReadAdvisory } from './advisories';
import type { DeploymentRecord } from './deployment';
import { graphOf, impact, type GraphSource, type ImpactResult } from './impact';
import { targetLabel, type AdvisoryTarget, type VexStatus } from './openvex';

/** One stage of custody, as its attestation says (and, with a policy, as verified). */
export interface CustodyStage {
  attestation: string;
  stage?: string;
  subject: { digest: string; name?: string };
  time?: string;
  runId?: string;
  builderId?: string;
  /** Policy signer names when verified; else the signer the bundle names. */
  signer: string;
  verified: boolean;
  inputs: { digest: string; role: string; name?: string }[];
  /** Produces an affected artifact. */
  affected: boolean;
}

export interface RollbackCandidate {
  digest: string;
  name?: string;
  stage?: string;
  /** `ancestor`: on the model's own chain; `earlier-version`: same name, produced earlier. */
  kind: 'ancestor' | 'earlier-version';
  /** Hops up the chain (ancestors) or 0 (earlier versions). */
  distance: number;
  time?: string;
  /** verified: its chain verifies under the policy with every flag in force; unchecked: no policy. */
  check: 'verified' | 'failed' | 'unchecked';
  problems: string[];
}

export interface IncidentReport {
  generatedAt: string;
  advisory: {
    id: string;
    status: VexStatus;
    reason?: string;
    severity?: string;
    since?: string;
    atlas: { id: string; name: string }[];
    verified: boolean;
    history: { timestamp: string; status: VexStatus; author: string; entryId: string; signers: string[]; verified: boolean }[];
  };
  target: AdvisoryTarget & { label: string };
  /** Where the flagged artifact entered the chain: the stages that consumed it directly (or, for a key, its first revoked signature). */
  entryPoints: CustodyStage[];
  /** Every stage on the custody of the affected artifacts, oldest first. */
  timeline: CustodyStage[];
  signers: { signer: string; stages: number; rotate: boolean; why: string }[];
  deployments: DeploymentRecord[];
  rollback: { model: { digest: string; name?: string; stage?: string }; deployed: string[]; candidates: RollbackCandidate[] }[];
  impact: { affected: number; deployments: number; workspaceFiles: number };
  /** The full blast radius the report was built from. */
  radius: ImpactResult;
  notes: string[];
}

export interface IncidentReportOptions {
  registry: Registry;
  advisoryId: string;
  /** Verifies advisories (advisorySigners), custody and candidates; without one, everything is a claim. */
  policy?: Policy;
  workspace?: string;
  /** The report's date (deterministic output): default SOURCE_DATE_EPOCH, else now. */
  now?: Date;
  /** Most rollback candidates listed per model. */
  maxCandidates?: number;
}

/**
 * The responder's starting point for one advisory: its history and ATLAS techniques, where the
 * flagged artifact entered the chain, the custody timeline of everything affected, the
 * signers involved and which to rotate, the affected deployments, and rollback candidates
 * (nearest ancestor or earlier version that does not descend from the flagged artifact,
 * verified under the policy with every flag in force). Facts come from the registry's
 * statements, verified when a policy is given; nothing is filled in that they do not say.
 */
export async function buildIncidentReport(o: IncidentReportOptions): Promise<IncidentReport> {
  const trust = o.policy && o.policy.advisorySigners.length > 0 ? o.policy.signers.filter((s) => o.policy!.advisorySigners.includes(s.name)) : undefined;
  const set = await readAdvisories(o.registry, trust);
  const docs = set.advisories.filter((a) => a.advisoryId === o.advisoryId);
  if (docs.length === 0) {
    const ignored = set.ignored.find((i) => i.advisoryId === o.advisoryId);
    throw new InputError('ADVISORY_NOT_FOUND', ignored ? `advisory ${o.advisoryId} does not count: ${ignored.message}` : `no advisory ${o.advisoryId} in ${o.registry.location}`);
  }
  const newest = docs[docs.length - 1]!;
  const flagDoc = [...docs].reverse().find((d) => d.status === 'affected' || d.status === 'under_investigation') ?? newest;
  const target = newest.targets[0]!;
  const notes: string[] = [];
  if (newest.targets.length > 1) notes.push(`the advisory names ${newest.targets.length} targets; this report follows the first`);
  const graph = graphOf(o.registry);
  const advisoryForImpact: ReadAdvisory = { ...newest, reason: newest.reason ?? flagDoc.reason, severity: newest.severity ?? flagDoc.severity };
  const radius = await impact({ registry: o.registry, target, advisory: advisoryForImpact, policy: o.policy, workspace: o.workspace, graph });
  const flags: EffectiveFlags | undefined = o.policy ? await loadEffectiveFlags(o.registry, o.policy) : undefined;

  const affected = new Set(radius.affected.map((n) => n.digest));
  const flaggedRoot = target.kind === 'artifact' ? target.digest : undefined;
  const verifyCache = new Map<string, { signer: string; verified: boolean }>();
  const signerOf = async (f: EntryFacts): Promise<{ signer: string; verified: boolean }> => {
    let v = verifyCache.get(f.id);
    if (!v) {
      const claimed = f.signerLabel ?? (f.signer?.startsWith('key:') ? `key ${f.signer.slice(4, 20)}…` : (f.signer ?? 'unknown signer'));
      v = { signer: claimed, verified: false };
      if (o.policy) {
        try {
          const r = verifyAttestationText(await o.registry.read(f.id), f.id, o.policy);
          if (r.signers.length > 0) v = { signer: r.signers.join(', '), verified: true };
        } catch (err) {
          if (!isProvenanceError(err)) throw err;
        }
      }
      verifyCache.set(f.id, v);
    }
    return v;
  };
  const stageOf = async (f: EntryFacts, subject: { digest: string; name?: string }): Promise<CustodyStage> => {
    const s = await signerOf(f);
    return {
      attestation: f.id,
      ...(f.stage ? { stage: f.stage } : {}),
      subject,
      ...(f.time ? { time: f.time } : {}),
      ...(f.runId ? { runId: f.runId } : {}),
      ...(f.builderId ? { builderId: f.builderId } : {}),
      signer: s.signer,
      verified: s.verified,
      inputs: f.inputs,
      affected: affected.has(subject.digest),
    };
  };

  // Producers of a digest (attestations whose subject it is and whose inputs do not include it).
  const producers = async (digest: string): Promise<EntryFacts[]> =>
    (await graph.bySubject(digest)).filter((f) => f.predicateType === SLSA_PROVENANCE_V1 && !f.inputs.some((i) => i.digest === digest && i.role === 'base-model'));

  // Entry points.
  const entryPoints: CustodyStage[] = [];
  if (flaggedRoot) {
    for (const n of radius.affected.filter((x) => x.depth === 1)) {
      for (const v of n.via.filter((x) => x.from === flaggedRoot)) {
        const f = (await graph.bySubject(n.digest)).find((x) => x.id === v.attestation);
        if (f) entryPoints.push(await stageOf(f, { digest: n.digest, ...(n.name ? { name: n.name } : {}) }));
      }
    }
  } else {
    const first = radius.signed.find((s) => s.inWindow && s.predicateType === SLSA_PROVENANCE_V1);
    if (first) {
      const f = (await graph.bySubject(first.subjects[0]!.digest)).find((x) => x.id === first.attestation);
      if (f) entryPoints.push(await stageOf(f, first.subjects[0]!));
    }
  }

  // Custody timeline: every stage on the chains of the affected artifacts, up to their first stage.
  const timeline = new Map<string, CustodyStage>();
  const climbed = new Set<string>();
  const climb = async (digest: string): Promise<void> => {
    if (climbed.has(digest)) return;
    climbed.add(digest);
    for (const f of await producers(digest)) {
      const subject = f.subjects.find((s) => s.digest === digest) ?? { digest };
      if (!timeline.has(f.id)) timeline.set(f.id, await stageOf(f, subject));
      for (const i of f.inputs) if (i.role === 'base-model' || i.role === 'adapter') await climb(i.digest);
    }
  };
  for (const n of radius.affected) await climb(n.digest);
  if (flaggedRoot) await climb(flaggedRoot);

  // Signers and rotation.
  const bySigner = new Map<string, number>();
  for (const s of timeline.values()) if (s.affected) bySigner.set(s.signer, (bySigner.get(s.signer) ?? 0) + 1);
  const signers: IncidentReport['signers'] = [];
  if (target.kind !== 'artifact') {
    signers.push({ signer: targetLabel(target), stages: radius.signed.filter((s) => s.inWindow).length, rotate: true, why: `flagged by advisory ${o.advisoryId}${newest.since ? ` since ${newest.since}` : ''}: rotate it, then re-attest the stages it signed in the window` });
  }
  for (const [signer, stages] of [...bySigner].sort(([a], [b]) => a.localeCompare(b))) {
    signers.push({
      signer,
      stages,
      rotate: false,
      why: target.kind === 'artifact' ? 'signed stages that consumed the flagged artifact; no key compromise is indicated: re-attest after retraining from clean inputs' : 'signed affected stages',
    });
  }

  // Rollback candidates.
  const nameIndex = await namesOf(o.registry);
  const rollback: IncidentReport['rollback'] = [];
  const deployedAt = new Map<string, string[]>();
  for (const d of radius.deployments) deployedAt.set(d.model.digest, [...new Set([...(deployedAt.get(d.model.digest) ?? []), d.environment])].sort());
  const tainted = (d: string): boolean => affected.has(d) || d === flaggedRoot;
  const candidateCheck = async (digest: string): Promise<Pick<RollbackCandidate, 'check' | 'problems'>> => {
    if (!o.policy) return { check: 'unchecked', problems: [] };
    const r = await verifyChain({ registry: o.registry, policy: o.policy, digest, flags, checkArtifacts: false, now: o.now });
    return { check: r.verdict === 'verified' ? 'verified' : 'failed', problems: r.problems.map((p) => p.code) };
  };
  const max = o.maxCandidates ?? 3;
  const models = radius.affected.filter((n) => deployedAt.has(n.digest) || !radius.affected.some((m) => m.via.some((v) => v.from === n.digest)));
  for (const m of models) {
    const candidates: RollbackCandidate[] = [];
    // Nearest ancestors first (breadth first up the base-model and adapter inputs).
    const seen = new Set<string>([m.digest]);
    let frontier = [m.digest];
    for (let dist = 1; frontier.length > 0 && candidates.length < max; dist++) {
      const next: string[] = [];
      for (const d of frontier) {
        for (const f of await producers(d)) {
          for (const i of f.inputs.filter((x) => x.role === 'base-model' || x.role === 'adapter')) {
            if (seen.has(i.digest)) continue;
            seen.add(i.digest);
            if (tainted(i.digest)) {
              next.push(i.digest);
              continue;
            }
            const prod = (await producers(i.digest))[0];
            const c = await candidateCheck(i.digest);
            if (c.check !== 'failed') candidates.push({ digest: i.digest, ...(i.name ? { name: i.name } : prod?.subjects[0]?.name ? { name: prod.subjects[0].name } : {}), ...(prod?.stage ? { stage: prod.stage } : {}), kind: 'ancestor', distance: dist, ...(prod?.time ? { time: prod.time } : {}), ...c });
            else next.push(i.digest);
          }
        }
      }
      frontier = next;
    }
    // Earlier versions: the same name, produced before, not derived from anything flagged.
    for (const f of (m.name ? (nameIndex.get(m.name) ?? []) : []).sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''))) {
      if (candidates.filter((c) => c.kind === 'earlier-version').length >= max) break;
      const s = f.subjects.find((x) => x.name === m.name)!;
      if (tainted(s.digest) || seen.has(s.digest) || (m.time && f.time && f.time >= m.time)) continue;
      seen.add(s.digest);
      const c = await candidateCheck(s.digest);
      if (c.check === 'failed') continue;
      candidates.push({ digest: s.digest, name: m.name, ...(f.stage ? { stage: f.stage } : {}), kind: 'earlier-version', distance: 0, ...(f.time ? { time: f.time } : {}), ...c });
    }
    rollback.push({ model: { digest: m.digest, ...(m.name ? { name: m.name } : {}), ...(m.stage ? { stage: m.stage } : {}) }, deployed: deployedAt.get(m.digest) ?? [], candidates });
  }
  if (!o.policy) notes.push('no policy: signers are as the statements name them and nothing was verified; rollback candidates are unchecked');

  const now = o.now ?? (process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date());
  return {
    generatedAt: now.toISOString(),
    advisory: {
      id: o.advisoryId,
      status: newest.status,
      ...(flagDoc.reason ? { reason: flagDoc.reason } : {}),
      ...((newest.severity ?? flagDoc.severity) ? { severity: newest.severity ?? flagDoc.severity } : {}),
      ...(newest.since ? { since: newest.since } : {}),
      atlas: [...new Set([...flagDoc.atlas, ...newest.atlas])].map((id) => ({ id, name: atlasTechnique(id)?.name ?? '(not in ATLAS 5.6.0)' })),
      verified: newest.verified,
      history: docs.map((d) => ({ timestamp: d.timestamp, status: d.status, author: d.author, entryId: d.entryId, signers: d.signers, verified: d.verified })),
    },
    target: { ...target, label: targetLabel(target) },
    entryPoints: entryPoints.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '') || a.attestation.localeCompare(b.attestation)),
    timeline: [...timeline.values()].sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '') || a.attestation.localeCompare(b.attestation)),
    signers,
    deployments: radius.deployments,
    rollback: rollback.sort((a, b) => a.model.digest.localeCompare(b.model.digest)),
    impact: { affected: radius.affected.length, deployments: radius.deployments.length, workspaceFiles: radius.workspace.length },
    radius,
    notes: [...notes, ...radius.notes.filter((n) => !n.startsWith('no policy'))],
  };
}

/** Provenance entries by subject name (for earlier versions); local registries only. */
async function namesOf(registry: Registry): Promise<Map<string, EntryFacts[]>> {
  const out = new Map<string, EntryFacts[]>();
  if (!(registry instanceof LocalRegistry)) return out;
  for (const f of registry.reverseView().byPredicateType(SLSA_PROVENANCE_V1)) {
    for (const s of f.subjects) if (s.name) out.set(s.name, [...(out.get(s.name) ?? []), f]);
  }
  return out;
}

export type { GraphSource };
