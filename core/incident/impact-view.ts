/**
 * What the editor's Show Impact draws for a flagged artifact, key or identity: the responder's
 * report (`buildIncidentReport`, which computes the blast radius with `impact`, the function
 * `incident impact` uses) when an advisory in force flags it, drawn with `incidentGraph` (the
 * incident report's own graph) and with its rollback candidates; for a flag of the policy's own
 * `flagged` list (no advisory, so no report), the blast radius from `impact` drawn the same way.
 */
import { InputError } from '../errors';
import type { Policy } from '../policy/policy';
import type { Registry } from '../registry/registry';
import type { LineageGraph } from '../render/graph';
import type { EffectiveFlag } from './advisories';
import type { FlagIndex } from './flag-index';
import { impact, type ImpactResult } from './impact';
import { incidentGraph } from './render-report';
import { buildIncidentReport, type IncidentReport } from './report';
import type { AdvisoryTarget } from './openvex';

export interface ImpactViewOptions {
  registry: Registry;
  policy?: Policy;
  /** The flags in force (the editor's index): says which advisory flags the digest. */
  index?: FlagIndex;
  /** `sha256:<hex>`: an artifact's digest, or for a signer the key id / identity digest. */
  digest: string;
  kind: 'artifact' | 'signer';
  /** Scanned for files naming an affected digest. */
  workspace?: string;
}

export interface ImpactViewData {
  target: AdvisoryTarget;
  flags: EffectiveFlag[];
  /** The responder's report, when an advisory in force flags the target. */
  report?: IncidentReport;
  radius: ImpactResult;
  graph: LineageGraph;
}

const short = (d: string): string => `${d.slice(0, 19)}…`;

/**
 * The data of Show Impact. Throws InputError `NOT_FLAGGED` when no flag in force names the
 * digest (the view is for flagged things; `incident impact` answers for anything else).
 */
export async function impactView(o: ImpactViewOptions): Promise<ImpactViewData> {
  const flags = o.index?.flags;
  let list: EffectiveFlag[] | undefined;
  if (o.kind === 'artifact') list = flags?.digests.get(o.digest);
  else list = flags?.keys.get(o.digest.replace(/^sha256:/, '')) ?? flags?.identities.get(o.digest);
  if (!list?.length) throw new InputError('NOT_FLAGGED', `${o.digest} is not flagged by any advisory or policy flag in force${o.index ? '' : ' (no trust policy is set: advisories are not read)'}; \`model-provenance incident impact ${o.digest}\` gives the blast radius of anything`);
  const target = list[0]!.target;
  const advisory = list.find((f) => f.source === 'advisory' && f.advisoryId);
  if (advisory) {
    const report = await buildIncidentReport({ registry: o.registry, advisoryId: advisory.advisoryId!, policy: o.policy, ...(o.workspace ? { workspace: o.workspace } : {}) });
    return { target, flags: list, report, radius: report.radius, graph: incidentGraph(report) };
  }
  const since = list.some((f) => !f.since) ? undefined : list.map((f) => f.since!).sort()[0];
  const radius = await impact({ registry: o.registry, target, ...(since ? { since } : {}), policy: o.policy, ...(o.workspace ? { workspace: o.workspace } : {}) });
  return { target, flags: list, radius, graph: radiusGraph(radius) };
}

/** A blast radius without a report (a policy flag): the flagged root, what derives from it, deployments. */
export function radiusGraph(r: ImpactResult): LineageGraph {
  const nodes: LineageGraph['nodes'] = [];
  const edges: LineageGraph['edges'] = [];
  const root = r.root.digest;
  nodes.push({ id: root, kind: r.target.kind === 'artifact' ? 'dataset' : 'advisory', status: 'flagged', label: r.root.name ?? (r.target.kind === 'artifact' ? 'flagged artifact' : 'flagged signer'), details: ['FLAGGED (trust policy)', short(root)], sortKey: `\u0000${root}` });
  const ids = new Set([root]);
  for (const n of r.affected) {
    if (ids.has(n.digest)) continue;
    ids.add(n.digest);
    nodes.push({ id: n.digest, kind: 'model', status: 'affected', label: n.name ?? 'model', details: [n.stage ?? '', short(n.digest), n.verifiedBy?.join(', ') ?? n.signerLabel ?? ''].filter(Boolean), sortKey: `${n.name ?? 'model'}\u0000${n.digest}` });
  }
  for (const n of r.affected) {
    for (const v of n.via) if (ids.has(v.from) && !edges.some((e) => e.from === v.from && e.to === n.digest && e.role === v.role)) edges.push({ from: v.from, to: n.digest, role: v.role });
    if (n.depth === 0 && r.target.kind !== 'artifact') edges.push({ from: root, to: n.digest, role: 'signed', dashed: true });
  }
  r.deployments.forEach((d, i) => {
    const id = `deployment-${String(i).padStart(4, '0')}`;
    nodes.push({ id, kind: 'deployment', status: 'affected', label: d.environment, details: [d.model.name ?? short(d.model.digest), d.timeVerified], sortKey: `${d.model.name ?? ''} ${d.environment}\u0000${id}` });
    if (ids.has(d.model.digest)) edges.push({ from: d.model.digest, to: id, role: 'deployed', dashed: true });
  });
  const key = (n: { id: string; sortKey?: string }): string => n.sortKey ?? n.id;
  nodes.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  edges.sort((a, b) => (a.from + a.to + a.role).localeCompare(b.from + b.to + b.role));
  return { nodes, edges };
}
