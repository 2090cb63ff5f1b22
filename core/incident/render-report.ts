import { badge, code, escapeMarkdown, markdownCode, html, htmlDocument, htmlTable, mdHeading, mdList, mdTable, raw, renderGraphSvg, type LineageGraph, type SafeHtml } from '../render';
import type { CustodyStage, IncidentReport } from './report';

export type IncidentReportFormat = 'md' | 'html' | 'json';
export const INCIDENT_REPORT_FORMATS: readonly IncidentReportFormat[] = ['md', 'html', 'json'];

const short = (d: string): string => `${d.slice(0, 19)}…`;

/** Renders an incident report; the same report gives the same bytes in every format. */
export function renderIncidentReport(r: IncidentReport, format: IncidentReportFormat): string {
  if (format === 'json') return `${JSON.stringify(r, null, 2)}\n`;
  if (format === 'html') return renderHtml(r);
  return renderMarkdown(r);
}

/** The incident as a lineage graph: the flagged target, what it affected, their custody, deployments and rollback candidates. */
export function incidentGraph(r: IncidentReport): LineageGraph {
  const nodes = new Map<string, LineageGraph['nodes'][number]>();
  const edges: LineageGraph['edges'] = [];
  const affected = new Set(r.radius.affected.map((n) => n.digest));
  const root = r.radius.root.digest;
  nodes.set(root, { id: root, kind: r.target.kind === 'artifact' ? 'dataset' : 'advisory', status: 'flagged', label: r.target.kind === 'artifact' ? (r.radius.root.name ?? 'flagged artifact') : r.target.label, details: [`FLAGGED ${r.advisory.id}`, short(root)] });
  for (const s of r.timeline) {
    const id = s.subject.digest;
    if (!nodes.has(id)) nodes.set(id, { id, kind: 'model', status: affected.has(id) ? 'flagged' : s.verified ? 'verified' : 'unverified', label: s.subject.name ?? 'model', details: [s.stage ?? '', short(id), s.signer] });
    for (const i of s.inputs) {
      if (i.role !== 'base-model' && i.role !== 'adapter' && i.digest !== root) continue;
      if (!nodes.has(i.digest)) nodes.set(i.digest, { id: i.digest, kind: i.role === 'dataset' ? 'dataset' : 'model', status: affected.has(i.digest) || i.digest === root ? 'flagged' : 'missing', label: i.name ?? i.role, details: [short(i.digest)] });
      edges.push({ from: i.digest, to: id, role: i.role });
    }
  }
  for (const n of r.radius.affected) {
    if (!nodes.has(n.digest)) nodes.set(n.digest, { id: n.digest, kind: 'model', status: 'flagged', label: n.name ?? 'model', details: [n.stage ?? '', short(n.digest)] });
    for (const v of n.via) if (nodes.has(v.from) && !edges.some((e) => e.from === v.from && e.to === n.digest && e.role === v.role)) edges.push({ from: v.from, to: n.digest, role: v.role });
  }
  r.deployments.forEach((d, i) => {
    const id = `deployment-${i}`;
    nodes.set(id, { id, kind: 'deployment', status: 'flagged', label: d.environment, details: [d.timeVerified] });
    if (nodes.has(d.model.digest)) edges.push({ from: d.model.digest, to: id, role: 'deployed', dashed: true });
  });
  for (const rb of r.rollback) {
    for (const c of rb.candidates) {
      if (!nodes.has(c.digest)) nodes.set(c.digest, { id: c.digest, kind: 'model', status: c.check === 'verified' ? 'verified' : 'unverified', label: c.name ?? 'model', details: [c.stage ?? '', short(c.digest), 'rollback candidate'] });
      else if (c.check === 'verified') nodes.get(c.digest)!.status = 'verified';
    }
  }
  const sortedEdges = edges.sort((a, b) => (a.from + a.to + a.role).localeCompare(b.from + b.to + b.role));
  return { nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)), edges: sortedEdges };
}

function stageRow(s: CustodyStage): string[] {
  return [s.time ?? '(undated)', s.stage ?? '?', `${s.subject.name ?? ''} ${short(s.subject.digest)}`.trim(), `${s.signer}${s.verified ? '' : ' (not verified)'}`, s.runId ?? '', s.builderId ?? '', short(s.attestation)];
}

function renderMarkdown(r: IncidentReport): string {
  const a = r.advisory;
  const out: string[] = [];
  out.push(mdHeading(1, `Incident ${a.id}`));
  out.push(
    mdList([
      `Status: **${a.status}**${a.severity ? `, severity **${a.severity}**` : ''}${a.verified ? ' (advisory verified under the policy)' : ' (advisory not verified: no policy or no advisory signers)'}`,
      `Target: ${markdownCode(r.target.label)}${a.since ? `, since ${escapeMarkdown(a.since)}` : ''}`,
      ...(a.reason ? [`Reason: ${escapeMarkdown(a.reason)}`] : []),
      `Blast radius: ${r.impact.affected} affected artifact(s), ${r.impact.deployments} deployment record(s), ${r.impact.workspaceFiles} workspace file(s)`,
      `Generated: ${r.generatedAt}`,
    ]),
  );
  out.push(mdHeading(2, 'ATLAS techniques'));
  out.push(a.atlas.length > 0 ? mdTable(['id', 'technique'], a.atlas.map((t) => [{ code: t.id }, t.name])) : 'None recorded in the advisory.\n');
  out.push(mdHeading(2, 'Advisory history'));
  out.push(mdTable(['time', 'status', 'author', 'signed by', 'entry'], a.history.map((h) => [h.timestamp, h.status, h.author, h.verified ? h.signers.join(', ') : '(not verified)', { code: short(h.entryId) }])));
  out.push(mdHeading(2, 'Where the flagged artifact entered'));
  out.push(r.entryPoints.length > 0 ? mdTable(['time', 'stage', 'produced', 'signer', 'run', 'builder', 'attestation'], r.entryPoints.map(stageRow)) : 'No stage in the registry consumed it.\n');
  out.push(mdHeading(2, 'Timeline of custody'));
  out.push(r.timeline.length > 0 ? mdTable(['time', 'stage', 'produced', 'signer', 'run', 'builder', 'attestation'], r.timeline.map((s) => stageRow(s).map((c, i) => (i === 2 && s.affected ? `${c} ⚠ affected` : c)))) : 'No stage recorded.\n');
  out.push(mdHeading(2, 'Keys and identities'));
  out.push(r.signers.length > 0 ? mdTable(['signer', 'stages', 'rotate', 'why'], r.signers.map((s) => [s.signer, s.stages, s.rotate ? { md: '**rotate**' } : 'no', s.why])) : 'None.\n');
  out.push(mdHeading(2, 'Affected deployments'));
  out.push(r.deployments.length > 0 ? mdTable(['environment', 'model', 'verified at', 'record'], r.deployments.map((d) => [d.environment, `${d.model.name} ${short(d.model.digest)}`, d.timeVerified, { code: short(d.entryId) }])) : 'No deployment record names an affected model.\n');
  out.push(mdHeading(2, 'Rollback candidates'));
  if (r.rollback.length === 0) out.push('No affected model.\n');
  for (const rb of r.rollback) {
    out.push(`**${escapeMarkdown(rb.model.name ?? 'model')}** ${escapeMarkdown(rb.model.stage ?? '')} ${markdownCode(short(rb.model.digest))}${rb.deployed.length ? ` (deployed: ${escapeMarkdown(rb.deployed.join(', '))})` : ''}\n`);
    out.push(
      rb.candidates.length > 0
        ? mdTable(['candidate', 'kind', 'stage', 'time', 'check'], rb.candidates.map((c) => [`${c.name ?? ''} ${short(c.digest)}`.trim(), c.kind === 'ancestor' ? `ancestor (${c.distance} up)` : 'earlier version', c.stage ?? '', c.time ?? '', c.check]))
        : 'No candidate that does not descend from the flagged artifact.\n',
    );
  }
  if (r.radius.workspace.length > 0) {
    out.push(mdHeading(2, 'Workspace files naming an affected digest'));
    out.push(mdList(r.radius.workspace.map((w) => `${markdownCode(`${w.file}:${w.line}`)} (${w.kind})`)));
  }
  if (r.notes.length > 0) {
    out.push(mdHeading(2, 'Notes'));
    out.push(mdList(r.notes.map(escapeMarkdown)));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function renderHtml(r: IncidentReport): string {
  const a = r.advisory;
  const status = (v: boolean): SafeHtml => (v ? badge('verified') : badge('unverified', 'not verified'));
  const stageRows = (list: CustodyStage[]): SafeHtml =>
    htmlTable(
      ['time', 'stage', 'produced', 'signer', 'run', 'builder', 'attestation'],
      list.map((s) => [s.time ?? '(undated)', s.stage ?? '?', html`${s.subject.name ?? ''} ${code(short(s.subject.digest))}${s.affected ? html` ${badge('flagged', 'affected')}` : ''}`, html`${s.signer} ${status(s.verified)}`, s.runId ?? '', s.builderId ?? '', code(short(s.attestation))]),
    );
  const sections = [
    {
      id: 'summary',
      heading: 'Summary',
      body: html`<p>${badge(a.status === 'affected' || a.status === 'under_investigation' ? 'flagged' : 'verified', a.status)} ${a.severity ? badge('partial', a.severity) : ''} ${status(a.verified)}</p>
<p>Target: ${code(r.target.label)}${a.since ? html` since ${a.since}` : ''}</p>${a.reason ? html`<p>${a.reason}</p>` : ''}
<p>${r.impact.affected} affected artifact(s), ${r.impact.deployments} deployment record(s), ${r.impact.workspaceFiles} workspace file(s).</p>`,
    },
    { id: 'graph', heading: 'Lineage of the incident', body: raw(renderGraphSvg(incidentGraph(r))) },
    { id: 'atlas', heading: 'ATLAS techniques', body: a.atlas.length > 0 ? htmlTable(['id', 'technique'], a.atlas.map((t) => [code(t.id), t.name])) : html`<p>None recorded in the advisory.</p>` },
    { id: 'history', heading: 'Advisory history', body: htmlTable(['time', 'status', 'author', 'signed by', 'entry'], a.history.map((h) => [h.timestamp, h.status, h.author, h.verified ? h.signers.join(', ') : badge('unverified', 'not verified'), code(short(h.entryId))])) },
    { id: 'entry', heading: 'Where the flagged artifact entered', body: r.entryPoints.length > 0 ? stageRows(r.entryPoints) : html`<p>No stage in the registry consumed it.</p>` },
    { id: 'timeline', heading: 'Timeline of custody', body: r.timeline.length > 0 ? stageRows(r.timeline) : html`<p>No stage recorded.</p>`, pageBreak: true },
    { id: 'signers', heading: 'Keys and identities', body: htmlTable(['signer', 'stages', 'rotate', 'why'], r.signers.map((s) => [s.signer, s.stages, s.rotate ? badge('flagged', 'rotate') : 'no', s.why])) },
    {
      id: 'deployments',
      heading: 'Affected deployments',
      body: r.deployments.length > 0 ? htmlTable(['environment', 'model', 'verified at', 'record'], r.deployments.map((d) => [d.environment, html`${d.model.name} ${code(short(d.model.digest))}`, d.timeVerified, code(short(d.entryId))])) : html`<p>No deployment record names an affected model.</p>`,
    },
    {
      id: 'rollback',
      heading: 'Rollback candidates',
      body: html`${r.rollback.map(
        (rb) => html`<h3>${rb.model.name ?? 'model'} ${code(short(rb.model.digest))}${rb.deployed.length ? html` (deployed: ${rb.deployed.join(', ')})` : ''}</h3>${
          rb.candidates.length > 0
            ? htmlTable(['candidate', 'kind', 'stage', 'time', 'check'], rb.candidates.map((c) => [html`${c.name ?? ''} ${code(short(c.digest))}`, c.kind === 'ancestor' ? `ancestor (${c.distance} up)` : 'earlier version', c.stage ?? '', c.time ?? '', c.check === 'verified' ? badge('verified') : badge('unverified', c.check)]))
            : html`<p>No candidate that does not descend from the flagged artifact.</p>`
        }`,
      )}`,
    },
    ...(r.notes.length > 0 ? [{ id: 'notes', heading: 'Notes', body: html`<ul>${r.notes.map((n) => html`<li>${n}</li>`)}</ul>` }] : []),
  ];
  return htmlDocument({ title: `Incident ${a.id}`, header: html`<p>Incident report for advisory ${code(a.id)}, generated ${r.generatedAt} by model-provenance from the registry's signed statements.</p>`, sections });
}
