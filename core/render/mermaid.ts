import type { GraphNodeStatus, LineageGraph } from './graph';

const CLASS: Record<GraphNodeStatus, string> = {
  verified: 'stroke:#1a7f37,stroke-width:2px',
  unverified: 'stroke:#9a6700,stroke-width:2px,stroke-dasharray:6 3',
  flagged: 'stroke:#cf222e,stroke-width:4px',
  affected: 'stroke:#bc4c00,stroke-width:3px,stroke-dasharray:8 3',
  missing: 'stroke:#57606a,stroke-width:2px,stroke-dasharray:2 3',
  changed: 'stroke:#bc4c00,stroke-width:4px,stroke-dasharray:10 3 2 3',
  failed: 'stroke:#a40e26,stroke-width:4px,stroke-dasharray:8 4',
};

const WORD: Record<GraphNodeStatus, string> = { verified: 'verified', unverified: 'not verified', flagged: 'flagged', affected: 'affected', missing: 'missing link', changed: 'changed since attested', failed: 'check failed' };

/** Text inside a Mermaid label: quotes, brackets and markup characters as entity codes, one line. */
function label(text: string): string {
  return text.replace(/\r\n?|\n/g, ' ').replace(/["#<>[\]{}|`]/g, (c) => `#${c.charCodeAt(0)};`);
}

/**
 * The lineage graph as a Mermaid flowchart (GitHub renders it in Markdown): inputs above what
 * consumed them, a status word in every node and a class per status, so the same graph reads
 * the same in the HTML's SVG and in a pull request. Nodes are numbered in id order:
 * deterministic.
 */
export function graphToMermaid(graph: LineageGraph): string {
  const nodes = [...graph.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids = new Map(nodes.map((n, i) => [n.id, `n${i}`]));
  const out = ['flowchart TD'];
  for (const n of nodes) {
    const text = [n.label, ...(n.details ?? []).slice(0, 2), WORD[n.status]].map(label).join('<br/>');
    out.push(n.kind === 'dataset' ? `  ${ids.get(n.id)}[("${text}")]` : `  ${ids.get(n.id)}["${text}"]`);
  }
  const edges = graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to)).sort((a, b) => `${a.from} ${a.to} ${a.role}`.localeCompare(`${b.from} ${b.to} ${b.role}`));
  for (const e of edges) out.push(`  ${ids.get(e.from)} ${e.dashed ? '-.->' : '-->'}|${label(e.role)}| ${ids.get(e.to)}`);
  for (const st of Object.keys(CLASS) as GraphNodeStatus[]) {
    const members = nodes.filter((n) => n.status === st).map((n) => ids.get(n.id));
    if (members.length) out.push(`  classDef ${st} ${CLASS[st]}`, `  class ${members.join(',')} ${st}`);
  }
  return `${out.join('\n')}\n`;
}
