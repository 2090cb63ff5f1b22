/**
 * The presentation layer every human-facing document shares: regulatory reports, incident
 * reports and the editor's lineage view. HTML shell and print stylesheet, Markdown helpers,
 * escaping, and the lineage graph (dagre layout, inline SVG). Deterministic: same input,
 * same bytes.
 */
export { escapeHtml, escapeMarkdown, escapeXml, markdownCode, html, raw, htmlValue, SafeHtml, type HtmlValue } from './escape';
export { htmlDocument, htmlTable, badge, code, meter, SHARED_CSS, CONTENT_SECURITY_POLICY, type HtmlDocumentOptions, type HtmlSection } from './html';
export { mdTable, mdHeading, mdList, mdQuote, type MdCell } from './markdown';
export { layoutGraph, layoutToFit, renderGraphSvg, clip, GRAPH_NODE_STATUSES, type LineageGraph, type GraphNode, type GraphEdge, type GraphNodeKind, type GraphNodeStatus, type GraphLayout, type PositionedNode, type PositionedEdge, type SvgOptions } from './graph';
export { graphFromChain, lineageNotes, markAffected, shortDigest, DATASET_GROUP_THRESHOLD, type ChainGraphOptions, type LineageNote } from './lineage-graph';
export { graphToMermaid } from './mermaid';
