import { badge, code, escapeMarkdown, markdownCode, html, htmlDocument, htmlTable, mdHeading, mdList, mdTable, raw, renderGraphSvg, type LineageGraph, type SafeHtml } from '../render';
import type { CustodyStage, IncidentReport, RollbackCandidate } from './report';
import { uncheckedWarning } from './render-impact';
import type { OptionNames } from '../option-names';

export type IncidentReportFormat = 'md' | 'html' | 'json';
export const INCIDENT_REPORT_FORMATS: readonly IncidentReportFormat[] = ['md', 'html', 'json'];

const short = (d: string): string => `${d.slice(0, 19)}…`;

/** Renders an incident report; the same report gives the same bytes in every format. */
export function renderIncidentReport(r: IncidentReport, format: IncidentReportFormat, options: { optionNames?: OptionNames } = {}): string {
  if (format === 'json') return `${JSON.stringify(r, null, 2)}\n`;
  if (format === 'html') return renderHtml(r, options.optionNames);
  return renderMarkdown(r, options.optionNames);
}

/**
 * The incident as a lineage graph: the flagged target (red), what derives from it or was signed
 * by it (orange, "affected"), their custody (green when verified), deployments of affected
 * models (affected) and rollback candidates. Nodes are ordered by name, so the drawing reads
 * left to right in the same order every time.
 */
export function incidentGraph(r: IncidentReport): LineageGraph {
  const nodes = new Map<string, LineageGraph['nodes'][number]>();
  const edges: LineageGraph['edges'] = [];
  const edge = (e: LineageGraph['edges'][number]): void => {
    if (!edges.some((x) => x.from === e.from && x.to === e.to && x.role === e.role)) edges.push(e);
  };
  const affected = new Set(r.radius.affected.map((n) => n.digest));
  const root = r.radius.root.digest;
  const sortKey = (label: string, id: string): string => `${label}\u0000${id}`;
  const rootLabel = r.target.kind === 'artifact' ? (r.radius.root.name ?? 'flagged artifact') : r.target.label;
  // The flagged node sorts first, so it sits at the left of its rank.
  nodes.set(root, { id: root, kind: r.target.kind === 'artifact' ? 'dataset' : 'advisory', status: 'flagged', label: rootLabel, details: [`FLAGGED ${r.advisory.id}`, short(root)], sortKey: `\u0000${root}` });
  const stageOf = new Map<string, CustodyStage>();
  for (const s of r.timeline) if (!stageOf.has(s.subject.digest)) stageOf.set(s.subject.digest, s);
  const modelNode = (digest: string, name: string | undefined, fallback: { stage?: string; signer?: string }): LineageGraph['nodes'][number] => {
    const s = stageOf.get(digest);
    const details = [s?.stage ?? fallback.stage ?? '', short(digest), s?.signer ?? fallback.signer ?? ''].filter(Boolean);
    const status = affected.has(digest) ? 'affected' : s?.verified ? 'verified' : 'unverified';
    return { id: digest, kind: 'model', status, label: s?.subject.name ?? name ?? 'model', details, sortKey: sortKey(s?.subject.name ?? name ?? 'model', digest) };
  };
  for (const s of r.timeline) {
    const id = s.subject.digest;
    if (!nodes.has(id)) nodes.set(id, modelNode(id, s.subject.name, {}));
    for (const i of s.inputs) {
      if (i.role !== 'base-model' && i.role !== 'adapter' && i.digest !== root) continue;
      if (!nodes.has(i.digest)) {
        const produced = stageOf.has(i.digest);
        nodes.set(i.digest, produced ? modelNode(i.digest, i.name, {}) : { id: i.digest, kind: i.role === 'dataset' ? 'dataset' : 'model', status: i.digest === root ? 'flagged' : affected.has(i.digest) ? 'affected' : 'missing', label: i.name ?? i.role, details: [short(i.digest)], sortKey: sortKey(i.name ?? i.role, i.digest) });
      }
      edge({ from: i.digest, to: id, role: i.role });
    }
  }
  for (const n of r.radius.affected) {
    if (!nodes.has(n.digest)) nodes.set(n.digest, modelNode(n.digest, n.name, { ...(n.stage ? { stage: n.stage } : {}), ...(n.verifiedBy ? { signer: n.verifiedBy.join(', ') } : {}) }));
    for (const v of n.via) if (nodes.has(v.from)) edge({ from: v.from, to: n.digest, role: v.role });
    // A flagged key or identity: what it signed in the window hangs from it.
    if (n.depth === 0 && r.target.kind !== 'artifact') edge({ from: root, to: n.digest, role: n.stage === 'model signature' ? 'signed model.sig' : 'signed', dashed: true });
  }
  r.deployments.forEach((d, i) => {
    const id = `deployment-${String(i).padStart(4, '0')}`;
    nodes.set(id, { id, kind: 'deployment', status: affected.has(d.model.digest) || d.model.digest === root ? 'affected' : 'unverified', label: d.environment, details: [d.model.name ?? short(d.model.digest), d.timeVerified], sortKey: sortKey(`${d.model.name ?? ''} ${d.environment}`, id) });
    if (nodes.has(d.model.digest)) edge({ from: d.model.digest, to: id, role: 'deployed', dashed: true });
  });
  for (const rb of r.rollback) {
    for (const c of rb.candidates) {
      if (!nodes.has(c.digest)) nodes.set(c.digest, { id: c.digest, kind: 'model', status: c.check === 'verified' ? 'verified' : 'unverified', label: c.name ?? 'model', details: [c.stage ?? '', short(c.digest), c.action === 'rollback' ? 'roll back to' : 'retrain from'], sortKey: sortKey(c.name ?? 'model', c.digest) });
      else if (c.check === 'verified' && nodes.get(c.digest)!.status !== 'affected') nodes.get(c.digest)!.status = 'verified';
    }
  }
  const sortedEdges = edges.sort((a, b) => (a.from + a.to + a.role).localeCompare(b.from + b.to + b.role));
  const byKey = (a: { id: string; sortKey?: string }, b: { id: string; sortKey?: string }): number => {
    const x = a.sortKey ?? a.id;
    const y = b.sortKey ?? b.id;
    return x < y ? -1 : x > y ? 1 : 0; // code units, not locale: the same order everywhere
  };
  return { nodes: [...nodes.values()].sort(byKey), edges: sortedEdges };
}

const INCIDENT_CSS = `
.incident-warning { border: 2px solid #cf222e; background: #ffebe9; color: #82071e; padding: .6rem .9rem; border-radius: 6px; margin: .5rem 0 1rem; }
.incident-first { border-left: 4px solid #cf222e; padding: .1rem 0 .1rem 1rem; margin-bottom: 1rem; }
h2.what-to-do { font-size: 1.05rem; border: 0; margin: .8rem 0 .2rem; }
p.meta { color: #57606a; font-size: .85rem; }
table { table-layout: auto; }
td { overflow-wrap: anywhere; }
section#graph svg { max-width: 100%; height: auto; }
`;

/** Long hex (a key id in an author) shortened, so a table cell cannot stretch the page. */
function shortHex(text: string): string {
  return text.replace(/[0-9a-f]{64}/g, (h) => `${h.slice(0, 16)}…`);
}

function candidateAction(c: RollbackCandidate): string {
  return c.action === 'rollback' ? 'roll back to (earlier version of this model)' : `retrain from (ancestor, ${c.distance} up: the stages below it must be redone)`;
}

/**
 * The responder's next steps, in order, from what the report found: what the gate does, what
 * runs in production and what replaces it, which key to rotate.
 */
export function whatToDo(r: IncidentReport): string[] {
  const a = r.advisory;
  const out: string[] = [];
  if (a.status === 'fixed' || a.status === 'not_affected') {
    out.push(`Nothing is blocked: the advisory was ${a.status === 'fixed' ? 'marked fixed' : 'withdrawn'}${a.statusTime ? ` at ${a.statusTime}` : ''}${a.statusNote ? ` (${a.statusNote})` : ''}; the gate no longer refuses its target. The sections below are the record.`);
    return out;
  }
  out.push(`The gate (verify --policy) refuses the ${r.impact.affected} affected artifact(s) while the advisory is in force; do not deploy them.`);
  const seen = new Set<string>();
  for (const rb of r.rollback.filter((x) => x.deployed.length > 0)) {
    if (seen.has(rb.model.digest)) continue;
    seen.add(rb.model.digest);
    const best = rb.candidates[0];
    const name = rb.model.name ?? short(rb.model.digest);
    out.push(
      best
        ? `Replace ${name} in ${rb.deployed.join(', ')}: ${best.action === 'rollback' ? `roll back to ${best.name ?? ''} ${short(best.digest)} (earlier version, ${best.check})` : `no clean earlier version; retrain from ${best.name ?? ''} ${short(best.digest)} (${best.check})`}.`
        : `Take ${name} out of ${rb.deployed.join(', ')}: no candidate that descends from nothing flagged is recorded.`,
    );
  }
  for (const s of r.signers.filter((x) => x.rotate)) out.push(`Rotate ${s.signer}: ${s.why}.`);
  if (r.impact.workspaceFiles > 0) out.push(`Review the ${r.impact.workspaceFiles} workspace file(s) that name an affected digest.`);
  return out;
}

function stageRow(s: CustodyStage): string[] {
  return [s.time ?? '(undated)', s.stage ?? '?', `${s.subject.name ?? ''} ${short(s.subject.digest)}`.trim(), `${s.signer}${s.verified ? '' : ' (not verified)'}`, s.runId ?? '', s.builderId ?? '', short(s.attestation)];
}

function renderMarkdown(r: IncidentReport, optionNames: OptionNames | undefined): string {
  const a = r.advisory;
  const out: string[] = [];
  out.push(mdHeading(1, `Incident ${a.id}`));
  const warning = uncheckedWarning(r.radius, optionNames);
  if (warning) out.push(`> **⚠ ${escapeMarkdown(warning)}**\n`);
  out.push('**What to do**\n');
  out.push(mdList(whatToDo(r).map(escapeMarkdown)));
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
  out.push(mdTable(['time', 'status', 'author', 'signed by', 'entry'], a.history.map((h) => [h.timestamp, h.status, shortHex(h.author), h.verified ? h.signers.join(', ') : '(not verified)', { code: short(h.entryId) }])));
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
        ? mdTable(['candidate', 'what to do', 'stage', 'time', 'check'], rb.candidates.map((c) => [`${c.name ?? ''} ${short(c.digest)}`.trim(), candidateAction(c), c.stage ?? '', c.time ?? '', c.check]))
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

function renderHtml(r: IncidentReport, optionNames: OptionNames | undefined): string {
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
      body: html`<p>${badge(a.status === 'affected' || a.status === 'under_investigation' ? 'flagged' : 'verified', a.status)} ${a.severity ? badge('partial', `severity ${a.severity}`) : ''} ${a.verified ? badge('verified', 'advisory signature verified') : badge('unverified', 'advisory signature not verified')}</p>
<p>Target: ${code(r.target.label)}${a.since ? html` since ${a.since}` : ''}</p>${a.reason ? html`<p>${a.reason}</p>` : ''}
<p>${r.impact.affected} affected artifact(s), ${r.impact.deployments} deployment record(s), ${r.impact.workspaceFiles} workspace file(s).</p>`,
    },
    { id: 'graph', heading: 'Lineage of the incident', body: raw(renderGraphSvg(incidentGraph(r))) },
    { id: 'atlas', heading: 'ATLAS techniques', body: a.atlas.length > 0 ? htmlTable(['id', 'technique'], a.atlas.map((t) => [code(t.id), t.name])) : html`<p>None recorded in the advisory.</p>` },
    { id: 'history', heading: 'Advisory history', body: htmlTable(['time', 'status', 'author', 'signed by', 'entry'], a.history.map((h) => [h.timestamp, h.status, shortHex(h.author), h.verified ? h.signers.join(', ') : badge('unverified', 'not verified'), code(short(h.entryId))])) },
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
            ? htmlTable(['candidate', 'what to do', 'stage', 'time', 'check'], rb.candidates.map((c) => [html`${c.name ?? ''} ${code(short(c.digest))}`, candidateAction(c), c.stage ?? '', c.time ?? '', c.check === 'verified' ? badge('verified') : badge('unverified', c.check)]))
            : html`<p>No candidate that does not descend from the flagged artifact.</p>`
        }`,
      )}`,
    },
    ...(r.notes.length > 0 ? [{ id: 'notes', heading: 'Notes', body: html`<ul>${r.notes.map((n) => html`<li>${n}</li>`)}</ul>` }] : []),
  ];
  const warning = uncheckedWarning(r.radius, optionNames);
  const production = r.deployments.filter((d) => d.environment === 'production' || d.environment === 'prod');
  const header = html`<h1>Incident ${a.id}${a.reason ? html`: ${a.reason}` : ''}</h1>
${warning ? html`<div class="incident-warning" role="alert"><strong>⚠ ${warning}</strong></div>` : ''}
<div class="incident-first">
<p>${badge(a.status === 'affected' || a.status === 'under_investigation' ? 'flagged' : 'verified', a.status === 'not_affected' ? 'withdrawn' : a.status)} ${a.severity ? badge('partial', `severity ${a.severity}`) : ''} Flagged: ${code(r.target.label)}</p>
<p><strong>${r.impact.affected} affected artifact(s)</strong>${production.length > 0 ? html`; <strong>in production: ${[...new Set(production.map((d) => d.model.name ?? short(d.model.digest)))].join(', ')}</strong>` : '; none recorded in production'}${r.deployments.length > production.length ? html`; also deployed: ${[...new Set(r.deployments.filter((d) => !production.includes(d)).map((d) => `${d.model.name ?? short(d.model.digest)} (${d.environment})`))].join(', ')}` : ''}.</p>
<h2 class="what-to-do">What to do</h2>
<ol>${whatToDo(r).map((t) => html`<li>${t}</li>`)}</ol>
</div>
<p class="meta">Generated ${r.generatedAt} by model-provenance from ${warning ? 'the statements stored in the registry (their signatures were not checked)' : "the registry's signed statements, verified under the policy"}.</p>`;
  return htmlDocument({ title: `Incident ${a.id}`, header, sections, extraCss: INCIDENT_CSS });
}
