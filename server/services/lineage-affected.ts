import type { GraphNode, GraphNodeStatus, LineageGraph } from '../../core';

/** Statuses that taint what is made from them: a flagged input, one that failed its checks, one whose digest changed. */
const TAINTING = new Set<GraphNodeStatus>(['flagged', 'failed', 'changed', 'affected']);

/**
 * The lineage as the editor draws it: a node that would be drawn `verified` but is made
 * (directly or through other stages) from a flagged, failed or changed input is `affected`
 * (core/render's status for "not flagged itself, but derived from something flagged"), with a
 * detail line naming the nearest such input. Nothing downstream of a bad input is ever green:
 * Show Impact and the chain verdict already say so, and the picture must agree.
 * Edges run from input to consumer (core/render `graphFromChain`). Pure; returns a new graph.
 */
export function markAffected(graph: LineageGraph): LineageGraph {
  const byId = new Map(graph.nodes.map((n) => [n.id, { ...n, details: [...(n.details ?? [])] } as GraphNode]));
  const out = new Map<string, string[]>();
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const queue: { id: string; cause: GraphNode }[] = graph.nodes.filter((n) => TAINTING.has(n.status)).map((n) => ({ id: n.id, cause: byId.get(n.id)! }));
  const seen = new Set(queue.map((q) => q.id));
  while (queue.length > 0) {
    const { id, cause } = queue.shift()!;
    for (const to of out.get(id) ?? []) {
      const n = byId.get(to);
      if (!n || seen.has(to)) continue;
      seen.add(to);
      if (n.status === 'verified') {
        n.status = 'affected';
        n.details = [...(n.details ?? []), `derives from ${cause.label} (${cause.status})`];
      }
      queue.push({ id: to, cause });
    }
  }
  return { ...graph, nodes: graph.nodes.map((n) => byId.get(n.id)!) };
}
