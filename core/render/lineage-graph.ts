import type { ChainResult } from '../chain/verify-chain';
import type { GraphEdge, GraphNode, GraphNodeKind, GraphNodeStatus, LineageGraph } from './graph';

/** Problems that mean "no trusted attestation here", drawn as a missing or unverified node, not as flagged. */
const GAP_CODES = new Set(['MISSING_LINK', 'UNTRUSTED_SIGNER', 'ATTESTATION_INVALID', 'REGISTRY_INDEX_MISMATCH', 'REQUIRED_STAGE_MISSING', 'EXPECTED_ATTESTATION_MISSING']);
/** Gap codes that say an attestation exists but did not verify. */
const UNVERIFIED_CODES = new Set(['UNTRUSTED_SIGNER', 'ATTESTATION_INVALID', 'REGISTRY_INDEX_MISMATCH']);

export interface ChainGraphOptions {
  /** Digests an advisory or the policy flags (datasets included), drawn as flagged. */
  flagged?: Iterable<string>;
  /** Nodes and edges another view adds: deployments, advisories, evaluations. */
  extraNodes?: GraphNode[];
  extraEdges?: GraphEdge[];
}

/** `sha256:abcdef0123…` for node text. */
export function shortDigest(d: string): string {
  return `${d.slice(0, 19)}…`;
}

/**
 * The chain of custody as a lineage graph: every attested link, every input it names
 * (base models, adapters, datasets), the policy-allowed external roots; statuses from
 * the verification result (a chain drawn without a policy is all "not verified").
 */
export function graphFromChain(result: ChainResult, options: ChainGraphOptions = {}): LineageGraph {
  const flagged = new Set(options.flagged ?? []);
  const problemAt = new Map<string, string[]>();
  for (const p of result.problems) if (p.digest) problemAt.set(p.digest, [...(problemAt.get(p.digest) ?? []), p.code]);
  const checked = result.verdict !== 'unverified';
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];

  const linkStatus = (digest: string): GraphNodeStatus => {
    if (flagged.has(digest)) return 'flagged';
    if (!checked) return 'unverified';
    return (problemAt.get(digest) ?? []).some((c) => !GAP_CODES.has(c)) ? 'flagged' : 'verified';
  };

  for (const l of result.links) {
    const kind: GraphNodeKind = l.depth === 0 ? 'model' : l.consumer?.role === 'adapter' ? 'adapter' : 'base-model';
    const details = [`${l.stage}  ${shortDigest(l.digest)}`, `signed by ${l.signer}`];
    if (l.time) details.push(l.time);
    for (const a of l.annotations) details.push(`+ ${a.stage} by ${a.signer}`);
    nodes.set(l.digest, { id: l.digest, kind, status: linkStatus(l.digest), label: l.name, details });
  }
  for (const r of result.externalRoots) {
    if (nodes.has(r.digest)) continue;
    nodes.set(r.digest, { id: r.digest, kind: 'external', status: flagged.has(r.digest) ? 'flagged' : checked ? 'verified' : 'unverified', label: r.name ?? 'external model', details: [shortDigest(r.digest), 'allowed by policy (no attestation)'] });
  }
  for (const l of result.links) {
    for (const i of l.inputs) {
      if (i.role === 'base-model' && i.digest === l.digest) continue;
      if (!nodes.has(i.digest)) {
        if (i.role === 'base-model' || i.role === 'adapter') {
          const codes = problemAt.get(i.digest) ?? [];
          const status: GraphNodeStatus = flagged.has(i.digest) ? 'flagged' : codes.some((c) => UNVERIFIED_CODES.has(c)) || !checked ? 'unverified' : 'missing';
          nodes.set(i.digest, { id: i.digest, kind: i.role, status, label: i.name ?? i.role, details: [shortDigest(i.digest), status === 'missing' ? 'no trusted attestation' : 'attestation not verified'] });
        } else {
          const status: GraphNodeStatus = flagged.has(i.digest) ? 'flagged' : nodes.get(l.digest)?.status === 'verified' ? 'verified' : 'unverified';
          nodes.set(i.digest, { id: i.digest, kind: i.role === 'dataset' ? 'dataset' : 'other', status, label: i.name ?? i.role, details: [`${i.role}${i.usage ? ` (${i.usage})` : ''}`, shortDigest(i.digest)] });
        }
      }
      edges.push({ from: i.digest, to: l.digest, role: i.role === 'dataset' && i.usage ? `${i.usage} data` : i.role, dashed: i.role !== 'base-model' && i.role !== 'adapter' });
    }
  }
  for (const n of options.extraNodes ?? []) nodes.set(n.id, n);
  return { nodes: [...nodes.values()], edges: [...edges, ...(options.extraEdges ?? [])] };
}
