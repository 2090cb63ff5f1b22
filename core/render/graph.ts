import type Dagre from '@dagrejs/dagre';
import { escapeXml } from './escape';

/**
 * The lineage graph as every face draws it (regulatory report, incident report, the
 * editor's lineage view): nodes with a kind and a trust status, edges by role, laid out by
 * dagre (a layered, deterministic layout) and drawn as inline SVG with no script and no
 * external reference. Same graph in, same bytes out.
 */
export type GraphNodeKind = 'model' | 'base-model' | 'adapter' | 'dataset' | 'external' | 'deployment' | 'advisory' | 'evaluation' | 'other';

/**
 * verified: a trusted signature vouches for it; unverified: claimed, no trusted signature;
 * flagged: an advisory or the policy's `flagged` list marks it (and nothing else);
 * affected: not flagged itself, but derived from (or deployed from) something flagged;
 * missing: referenced, but no attestation produced it (a missing link in the chain);
 * changed: its bytes on disk are no longer the ones attested (swapped or edited after use);
 * failed: a check about it or its attestation failed (expired, signer not allowed, denied…).
 */
export type GraphNodeStatus = 'verified' | 'unverified' | 'flagged' | 'affected' | 'missing' | 'changed' | 'failed';

/** Every status, in legend order. */
export const GRAPH_NODE_STATUSES: readonly GraphNodeStatus[] = ['verified', 'unverified', 'missing', 'changed', 'failed', 'affected', 'flagged'];

export interface GraphNode {
  /** Unique within the graph (a digest, or `digest#role`). */
  id: string;
  kind: GraphNodeKind;
  status: GraphNodeStatus;
  /** First line, bold: a name. */
  label: string;
  /** Further lines: stage, short digest, signer, time. */
  details?: string[];
  /**
   * Orders the node among its rank before layout (default: `id`). A readable key (a name)
   * gives a stable left-to-right order that follows the names, not the digests.
   */
  sortKey?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** base-model, adapter, dataset, evaluation, deployed-as, affects… */
  role: string;
  /** Draw dashed (claimed or supporting, not a producing input). */
  dashed?: boolean;
}

export interface LineageGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** What the drawing leaves out and why (nothing beyond an unverified link is drawn), for the caption. */
  notes?: string[];
}

export interface PositionedNode extends GraphNode {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PositionedEdge extends GraphEdge {
  points: { x: number; y: number }[];
  labelX: number;
  labelY: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: PositionedNode[];
  edges: PositionedEdge[];
}

/** Text metrics are estimated, never measured, so that the layout is the same on every machine. */
const CHAR_W = 7.2; // 12px monospace
const LINE_H = 16;
const PAD_X = 10;
const PAD_Y = 8;
const MAX_CHARS = 44;
const EDGE_CHAR_W = 6;

const round = (n: number): number => Math.round(n * 10) / 10;

/** Shortens text to `max` characters with an ellipsis, so one long name cannot stretch the drawing. */
export function clip(text: string, max = MAX_CHARS): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function nodeLines(n: GraphNode): string[] {
  return [clip(n.label), ...(n.details ?? []).map((d) => clip(d)), STATUS_WORD[n.status]];
}

const STATUS_WORD: Record<GraphNodeStatus, string> = {
  verified: '✔ verified',
  unverified: '? not verified',
  flagged: '⚑ flagged',
  affected: '⚠ affected',
  missing: '∅ missing link',
  changed: '≠ changed since attested',
  failed: '✘ check failed',
};

/**
 * Lays the graph out top to bottom (inputs above what consumed them). Nodes and edges are
 * sorted by id before layout, so the insertion order of the caller does not matter.
 * Edges whose ends are not nodes are dropped.
 */
export function layoutGraph(graph: LineageGraph, options: { rankdir?: 'TB' | 'LR'; align?: 'UL' } = {}): GraphLayout {
  // dagre is required here, not imported: only a rendered graph needs it (start-up time).
  const dagre = require('@dagrejs/dagre') as typeof Dagre;
  const g = new dagre.graphlib.Graph({ multigraph: true, directed: true });
  g.setGraph({ rankdir: options.rankdir ?? 'TB', ...(options.align ? { align: options.align } : {}), nodesep: 28, ranksep: 46, edgesep: 14, marginx: 8, marginy: 8 });
  const nodes = [...graph.nodes].sort((a, b) => cmp(a.sortKey ?? a.id, b.sortKey ?? b.id) || cmp(a.id, b.id));
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) {
    const lines = nodeLines(n);
    const width = Math.ceil(Math.max(...lines.map((l) => [...l].length)) * CHAR_W + 2 * PAD_X);
    g.setNode(n.id, { width, height: lines.length * LINE_H + 2 * PAD_Y });
  }
  const edges = graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to)).sort((a, b) => cmp(`${a.from}\u0000${a.to}\u0000${a.role}`, `${b.from}\u0000${b.to}\u0000${b.role}`));
  edges.forEach((e, i) => g.setEdge(e.from, e.to, { width: e.role.length * EDGE_CHAR_W + 6, height: 14, labelpos: 'c' }, `e${i}`));
  dagre.layout(g);
  const laidNodes: PositionedNode[] = nodes.map((n) => {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    return { ...n, x: round(p.x), y: round(p.y), width: p.width, height: p.height };
  });
  const laidEdges: PositionedEdge[] = edges.map((e, i) => {
    const p = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points: { x: number; y: number }[]; x?: number; y?: number };
    const points = p.points.map((q) => ({ x: round(q.x), y: round(q.y) }));
    const mid = points[Math.floor(points.length / 2)] ?? { x: 0, y: 0 };
    return { ...e, points, labelX: round(p.x ?? mid.x), labelY: round(p.y ?? mid.y) };
  });
  const gg = g.graph() as { width?: number; height?: number };
  return { width: Math.ceil(gg.width ?? 0), height: Math.ceil(gg.height ?? 0), nodes: laidNodes, edges: laidEdges };
}

/**
 * The layout that fits a page `maxWidth` CSS px wide (an A4 page is ~680), trying in turn:
 * dagre's default (balanced, fewest crossings); the same ranks with every node aligned to its
 * upper-left neighbour (`align: UL`), which keeps a long chain one straight column with its
 * inputs beside it (dagre's default lets it drift sideways: the 50-stage, 20-dataset chain of
 * bench/report was 1,280 px wide, 611 px aligned); then left to right. The first that fits, else
 * the narrowest.
 */
export function layoutToFit(graph: LineageGraph, maxWidth: number): { layout: GraphLayout; rankdir: 'TB' | 'LR' } {
  const tried: { layout: GraphLayout; rankdir: 'TB' | 'LR' }[] = [];
  for (const o of [{ rankdir: 'TB' as const }, { rankdir: 'TB' as const, align: 'UL' as const }, { rankdir: 'LR' as const, align: 'UL' as const }]) {
    const layout = layoutGraph(graph, o);
    if (layout.width <= maxWidth) return { layout, rankdir: o.rankdir };
    tried.push({ layout, rankdir: o.rankdir });
  }
  return tried.reduce((a, b) => (b.layout.width < a.layout.width ? b : a));
}

const KIND_FILL: Record<GraphNodeKind, string> = {
  model: '#ffffff',
  'base-model': '#ffffff',
  adapter: '#fbf7ff',
  dataset: '#f6f8fa',
  external: '#ffffff',
  deployment: '#f0f7ff',
  advisory: '#fff5f5',
  evaluation: '#f7fff9',
  other: '#ffffff',
};

const STATUS_STROKE: Record<GraphNodeStatus, { color: string; width: number; dash?: string }> = {
  verified: { color: '#1a7f37', width: 1.5 },
  unverified: { color: '#9a6700', width: 1.5, dash: '6 3' },
  flagged: { color: '#cf222e', width: 3 },
  affected: { color: '#bc4c00', width: 2, dash: '8 3' },
  missing: { color: '#57606a', width: 1.5, dash: '2 3' },
  changed: { color: '#bc4c00', width: 3, dash: '10 3 2 3' },
  failed: { color: '#a40e26', width: 3, dash: '8 4' },
};

export interface SvgOptions {
  /** Prefix for element ids (markers), so that several graphs can share one page. */
  idPrefix?: string;
  /** Accessible title of the drawing. */
  title?: string;
  rankdir?: 'TB' | 'LR';
  /** Draw the legend of statuses under the graph (default true). */
  legend?: boolean;
  /** The graph already laid out by `layoutGraph` (with this rankdir), so a caller that measured it does not lay it out twice. */
  layout?: GraphLayout;
  /**
   * Draw only this horizontal band of the drawing (drawing units): the nodes whose centre
   * lies in it and the edges that cross it, with the viewBox set to the band. The legend is
   * drawn by the band that reaches the bottom. See {@link graphBands}.
   */
  band?: { y: number; height: number };
  /** Extra class on the `<svg>` element. */
  className?: string;
}

/**
 * Horizontal cuts of a laid-out drawing into bands at most `maxHeight` tall (drawing units),
 * each cut in a gap between rows of nodes, so that printing the bands on successive pages
 * never cuts a node in two. A row taller than `maxHeight` is a band of its own. One band
 * when the drawing fits.
 */
export function graphBands(layout: GraphLayout, maxHeight: number): { y: number; height: number }[] {
  const total = layout.height + 30; // with the legend
  if (total <= maxHeight) return [{ y: 0, height: total }];
  // Rows: the vertical extents of nodes, merged where they overlap.
  const spans = layout.nodes.map((n) => [n.y - n.height / 2, n.y + n.height / 2] as const).sort((a, b) => a[0] - b[0]);
  const rows: [number, number][] = [];
  for (const [a, b] of spans) {
    const last = rows[rows.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else rows.push([a, b]);
  }
  const cuts: number[] = [0];
  for (let i = 1; i < rows.length; i++) {
    const cut = round((rows[i - 1]![1] + rows[i]![0]) / 2);
    // Cut before row i when the band from the last cut to the end of row i would be too tall.
    if (rows[i]![1] - cuts[cuts.length - 1]! > maxHeight) cuts.push(cut);
  }
  return cuts.map((y, i) => ({ y, height: round((i + 1 < cuts.length ? cuts[i + 1]! : total) - y) }));
}

/**
 * The graph as one `<svg>` element: no script, no external reference, no font download
 * (generic font families only). Coordinates are rounded to 0.1 px, so the same graph always
 * gives the same text.
 */
export function renderGraphSvg(graph: LineageGraph, options: SvgOptions = {}): string {
  const full = options.layout ?? layoutGraph(graph, { rankdir: options.rankdir });
  const id = (options.idPrefix ?? 'lg').replace(/[^A-Za-z0-9_-]/g, '');
  const band = options.band;
  const legendBand = !band || band.y + band.height >= full.height;
  const legendH = options.legend === false || !legendBand ? 0 : 30;
  const width = Math.max(full.width, options.legend === false ? 0 : 560);
  // A band draws its nodes and every edge that crosses it; the viewBox clips the rest.
  const inBand = (y: number): boolean => !band || (y >= band.y && y < band.y + band.height);
  const layout: GraphLayout = band
    ? { ...full, nodes: full.nodes.filter((n) => inBand(n.y)), edges: full.edges.filter((e) => Math.min(...e.points.map((p) => p.y)) < band.y + band.height && Math.max(...e.points.map((p) => p.y)) > band.y) }
    : full;
  const y0 = band ? band.y : 0;
  const height = band ? band.height : full.height + legendH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg"${options.className ? ` class="${escapeXml(options.className)}"` : ''} viewBox="0 ${y0} ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title" font-family="ui-monospace, Menlo, Consolas, 'Liberation Mono', monospace" font-size="12">`,
  );
  out.push(`<title id="${id}-title">${escapeXml(options.title ?? 'Lineage graph')}</title>`);
  out.push(`<defs><marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>`);
  for (const e of layout.edges) {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
    out.push(`<g class="edge" data-role="${escapeXml(e.role)}"><path d="${d}" fill="none" stroke="#57606a" stroke-width="1.2"${e.dashed ? ' stroke-dasharray="5 4"' : ''} marker-end="url(#${id}-arrow)"/>`);
    const w = e.role.length * EDGE_CHAR_W + 6;
    out.push(`<rect x="${round(e.labelX - w / 2)}" y="${round(e.labelY - 8)}" width="${w}" height="14" fill="#ffffff" opacity="0.9"/><text x="${e.labelX}" y="${round(e.labelY + 3)}" text-anchor="middle" font-size="10" fill="#57606a">${escapeXml(e.role)}</text></g>`);
  }
  for (const n of layout.nodes) {
    const s = STATUS_STROKE[n.status];
    const x0 = round(n.x - n.width / 2);
    const y0 = round(n.y - n.height / 2);
    const shape =
      n.kind === 'dataset'
        ? `<rect x="${x0}" y="${y0}" width="${n.width}" height="${n.height}" rx="14" ry="14"`
        : n.kind === 'advisory'
          ? `<rect x="${x0}" y="${y0}" width="${n.width}" height="${n.height}" rx="0" ry="0"`
          : `<rect x="${x0}" y="${y0}" width="${n.width}" height="${n.height}" rx="4" ry="4"`;
    out.push(`<g class="node ${n.kind} ${n.status}" data-id="${escapeXml(n.id)}" data-status="${n.status}">${shape} fill="${KIND_FILL[n.kind]}" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    nodeLines(n).forEach((line, i) => {
      const y = round(y0 + PAD_Y + LINE_H * i + 12);
      const last = i === nodeLines(n).length - 1;
      const attrs = i === 0 ? ' font-weight="bold"' : last ? ` fill="${s.color}" font-weight="bold"` : ' fill="#3d444d"';
      out.push(`<text x="${round(x0 + PAD_X)}" y="${y}"${attrs}>${escapeXml(line)}</text>`);
    });
    out.push('</g>');
  }
  if (legendH) {
    const y = full.height + 10;
    out.push('<g class="legend" font-size="11">');
    // Named as a legend, so that its swatches are not read as unlabelled nodes of the graph.
    out.push(`<text x="8" y="${y + 10}" fill="#3d444d" font-weight="bold">Legend:</text>`);
    let x = 62;
    // Only the statuses the drawing uses: a legend for six states on a two-node graph is noise.
    const used = new Set(full.nodes.map((n) => n.status));
    for (const st of GRAPH_NODE_STATUSES.filter((x) => used.has(x))) {
      const s = STATUS_STROKE[st];
      out.push(`<rect x="${x}" y="${y}" width="22" height="12" rx="2" fill="#ffffff" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${x + 28}" y="${y + 10}" fill="#3d444d">${escapeXml(STATUS_WORD[st])}</text>`);
      x += 34 + STATUS_WORD[st].length * 6.6 + 16;
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
