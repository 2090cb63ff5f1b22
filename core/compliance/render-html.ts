import { html, raw, type SafeHtml } from '../render/escape';
import { graphBands, layoutToFit, renderGraphSvg } from '../render/graph';
import { badge, code, htmlDocument, htmlTable, meter } from '../render/html';
import type { ComplianceReport, Fact, FrameworkReport } from './model';
import { FILL_MEANING, KIND_LABEL, MITIGATION_LABEL, READING_NOTE, STATUS_LABEL, SUPPORTING_NOTE, CHECK_WORDS, chainCauses, evidenceLabels, evidenceState, factSentence, inputsLine, manifestSigning, reportTitle, stepState, supportsOnly } from './render-common';

/** Widest lineage drawing (CSS px) that prints on A4 with its 12 px text at 8 px or more. */
const PRINT_MAX_PX = 1000;
/** An A4 page inside the shared print margins (16/18 mm top/bottom, 14 mm sides), in CSS px, less room for a heading. */
const PRINT_PAGE_PX = { width: 688, height: 900 };

/** A stage name, time or file name kept on one line: "pre-" / "training" and "2026-12-" / "01T03:…" read as two words. */
const nobr = (text: string): SafeHtml => html`<span class="nobr">${text}</span>`;

/** In every HTML report's head: how `--output` knows a file it may replace. */
export const HTML_GENERATOR = 'model-provenance report';

const EXTRA_CSS = `
.point { border: 1px solid var(--line); border-radius: .4rem; padding: .6rem .8rem; margin: .75rem 0; }
.point h3 { margin: 0 0 .25rem; display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; }
.point .desc { color: var(--muted); font-size: .9rem; }
ul.facts { margin: .4rem 0; padding-left: 1.2rem; }
ul.facts li.unverified { color: var(--warn); }
.cite { font-size: .8rem; color: var(--muted); white-space: nowrap; }
.cite a { color: var(--info); text-decoration: none; }
.needs { font-size: .9rem; }
.needs li { color: var(--muted); }
.status-evidence { border-left: 4px solid var(--ok); }
.status-person { border-left: 4px solid var(--info); }
.status-partial { border-left: 4px dashed var(--warn); }
.status-missing { border-left: 4px dotted var(--none); }
table.points td:first-child { white-space: nowrap; }
.nobr { white-space: nowrap; }
table.evidence td { border-bottom: none; padding-bottom: .1rem; }
table.evidence tr.note td, table.evidence tr.digest td { padding-top: 0; overflow-wrap: anywhere; }
table.evidence tr.digest td { border-bottom: 1px solid var(--line); padding-bottom: .35rem; }
td ul.facts li { overflow-wrap: anywhere; }
tr.group td { font-weight: 600; background: var(--soft); }
@media print { .doc-header p.callout { font-size: 8.5pt; } .doc-header > p.muted { font-size: 9pt; } nav.contents ol { columns: 3; } }
figure.graph .print-bands { display: none; }
@media print { figure.graph.banded svg.whole { display: none; } figure.graph.banded .print-bands { display: block; } figure.graph svg.band { display: block; break-inside: avoid; page-break-inside: avoid; } }
@media print { .point h3 { break-after: avoid; page-break-after: avoid; } ul.facts li, .needs li { break-inside: avoid; page-break-inside: avoid; } }
`;

/**
 * The report as one self-contained HTML file (the shared shell in core/render): header
 * with the headline figures, a summary, the lineage drawn as an SVG graph, one section per
 * framework with every point, the ATLAS threat model and the evidence list. No script,
 * no network, a print stylesheet with a page per section.
 */
export function renderReportHtml(r: ComplianceReport): string {
  const labels = evidenceLabels(r);
  const cite = (f: Fact): SafeHtml =>
    f.evidence.length ? html` <span class="cite">(${f.evidence.map((e, i) => html`${i ? ', ' : ''}<a href="#ev-${labels.get(e)!}">${labels.get(e)!}</a>`)})</span>` : raw('');
  const factList = (facts: Fact[]): SafeHtml =>
    facts.length
      ? html`<ul class="facts">${facts.map((f) => (f.verified ? html`<li>${f.text}${cite(f)}</li>` : html`<li class="unverified">${badge('unverified', 'NOT VERIFIED')} ${factSentence(f)}${cite(f)}</li>`))}</ul>`
      : raw('');
  const v = r.verification;
  const causes = chainCauses(r);

  const header = html`<header class="doc-header">
<h1>${reportTitle(r)}</h1>
<p class="muted">${r.frameworks.map((f) => f.title).join(' · ')}</p>
<dl>
<dt>Model</dt><dd>${r.model.name} ${code(r.model.digest)}</dd>
<dt>Report date</dt><dd>${r.date}</dd>
<dt>Completeness</dt><dd>${r.frameworks.map((f) => html`<div>${f.short}: <strong>${String(f.completeness.score)}%</strong></div>`)}</dd>
<dt>Chain of custody</dt><dd>${badge(v.chain.verdict === 'verified' ? 'verified' : v.chain.verdict === 'failed' ? 'failed' : 'unverified', CHECK_WORDS.chain[v.chain.verdict])} ${v.chain.policy ? html`against trust policy ${code(v.chain.policy)}` : v.chain.verdict === 'failed' ? 'no trust policy given, so no signer was checked; it fails even so, on what is there (or missing) whoever signed it' : 'no trust policy given: no signer was checked'}${causes.length ? html`<div class="small"><strong>Cause:</strong> ${causes.join('; ')}</div>` : ''}</dd>
${r.inputs ? html`<dt>Person inputs</dt><dd>${code(r.inputs.file)} ${inputsLine(r.inputs)}</dd>` : ''}
<dt>Generated by</dt><dd>${r.generator.name} ${r.generator.version}</dd>
</dl>
<p class="callout small">${READING_NOTE}</p>
</header>`;

  const summary = html`<table><thead><tr><th>Framework</th><th>Completeness</th><th class="num">evidence</th><th class="num">person</th><th class="num">partial</th><th class="num">missing</th><th class="num">points</th></tr></thead><tbody>${r.frameworks.map(
    (f) =>
      html`<tr><td><a href="#fw-${f.id}">${f.short}</a></td><td>${meter(f.completeness.score / 100, `${f.completeness.score}%`)}</td><td class="num">${String(f.completeness.evidence)}</td><td class="num">${String(f.completeness.person)}</td><td class="num">${String(f.completeness.partial)}</td><td class="num">${String(f.completeness.missing)}</td><td class="num">${String(f.completeness.points)}</td></tr>`,
  )}</tbody></table>
<p class="small muted">Completeness = (evidence + person + partial ÷ 2) ÷ points, the same in every format.</p>
<h3>Verification</h3>
${htmlTable(
  ['Check', 'Result', 'Detail'],
  [
    ['Chain of custody', badge(v.chain.verdict === 'verified' ? 'verified' : v.chain.verdict === 'failed' ? 'failed' : 'unverified', CHECK_WORDS.chain[v.chain.verdict]), causes.length ? causes.join('; ') : 'no problem'],
    ['Model signature', badge(v.signature.status === 'verified' ? 'verified' : v.signature.status === 'failed' ? 'failed' : 'unverified', CHECK_WORDS.signature[v.signature.status]), `${v.signature.signer ? `signed by ${v.signature.signer}` : ''}${v.signature.files !== undefined ? `, ${v.signature.files} file(s) compared` : ''}${v.signature.problems.length ? ` ${v.signature.problems.map((p) => p.code).join(', ')}` : ''}`],
    ['ML-BOM', badge(v.manifest.status === 'valid' && v.manifest.signed ? 'verified' : v.manifest.status === 'invalid' ? 'failed' : 'unverified', CHECK_WORDS.manifest[v.manifest.status]), v.manifest.status === 'absent' ? '' : `${v.manifest.file ?? ''}, ${manifestSigning(v.manifest)}`],
    ['File inspection', badge(v.inspection.status === 'clean' ? 'ok' : v.inspection.status === 'dangerous' ? 'bad' : 'none', CHECK_WORDS.inspection[v.inspection.status]), v.inspection.files !== undefined ? `${v.inspection.files} file(s): ${(v.inspection.formats ?? []).join(', ')}` : ''],
  ],
)}
${v.chain.problems.length ? html`<h4>Chain problems</h4>${htmlTable(['Code', 'Problem'], v.chain.problems.map((p) => [code(p.code), p.message]))}` : ''}`;

  // An A4 page is ~680 CSS px wide: a drawing up to PRINT_MAX_PX prints at ≥ 8 px text.
  const { layout, rankdir } = layoutToFit(r.lineage, PRINT_MAX_PX);
  const width = layout.width;
  // Print: a drawing taller than a page is printed as bands cut between rows of nodes, each
  // on a page (scaled to the page width), instead of one image that a page cuts through.
  const scale = Math.min(1, PRINT_PAGE_PX.width / Math.max(width, 560));
  const bands = graphBands(layout, PRINT_PAGE_PX.height / scale);
  const printBands =
    bands.length > 1
      ? html`<div class="print-bands" aria-hidden="true">${bands.map((b, i) => raw(renderGraphSvg(r.lineage, { idPrefix: `lineage-p${i + 1}`, title: `Lineage of ${r.model.name}, part ${i + 1} of ${bands.length}`, rankdir, layout, band: b, className: 'band' })))}</div>`
      : '';
  const lineage = html`<figure class="graph${bands.length > 1 ? ' banded' : ''}">${raw(renderGraphSvg(r.lineage, { idPrefix: 'lineage', title: `Lineage of ${r.model.name}`, rankdir, layout, className: 'whole' }))}${printBands}<figcaption>Lineage of ${r.model.name}: ${rankdir === 'TB' ? 'inputs above what consumed them' : 'inputs left of what consumed them'}; solid edges are base models and adapters, dashed edges datasets. Laid out with dagre.${r.lineage.notes?.length ? ` ${r.lineage.notes.join(' ')}` : ''}${width > PRINT_MAX_PX ? ` The drawing is ${String(width)} px wide, so print shrinks its text below 8 px: the table below lists every link.` : ''}</figcaption></figure>
${
  r.chain.length
    ? htmlTable(
        ['Stage', 'Artifact', 'Attestation', 'Signer', 'Time', 'Verified'],
        r.chain.map((s) => [nobr(s.stage), html`${s.name} ${code(`${s.digest.slice(0, 19)}…`)}`, html`<a href="#ev-${labels.get(s.attestation) ?? ''}">${labels.get(s.attestation) ?? ''}</a> ${code(`${s.attestation.slice(0, 19)}…`)}`, s.signer ?? '—', nobr(s.time ?? '—'), html`${badge(s.verified ? 'verified' : 'unverified', stepState(s).word)}${stepState(s).detail ? html` <span class="small">${stepState(s).detail}</span>` : ''}`]),
      )
    : html`<p class="callout warn">No attestation was found for this model.</p>`
}`;

  const framework = (f: FrameworkReport): SafeHtml => html`<p>${f.title}. ${f.scope} <span class="muted">Source: ${f.source}.</span></p>
${meter(f.completeness.score / 100, `Completeness ${f.completeness.score}%: ${f.completeness.evidence} evidence, ${f.completeness.person} person, ${f.completeness.partial} partial, ${f.completeness.missing} missing of ${f.completeness.points}`)}
<table class="points"><thead><tr><th>Point</th><th>Title</th><th>Fill</th><th>Status</th></tr></thead><tbody>${f.points.map((p) =>
    p.fill
      ? html`<tr><td><a href="#${anchor(f.id, p.id)}">${p.id}</a></td><td>${p.title}</td><td>${p.fill}</td><td>${badge(p.status, STATUS_LABEL[p.status])}</td></tr>`
      : html`<tr class="group"><td>${p.id}</td><td>${p.title}</td><td></td><td>${badge(p.status, STATUS_LABEL[p.status])}</td></tr>`,
  )}</tbody></table>
${f.points.map((p) =>
  p.fill
    ? html`<div class="point status-${p.status}" id="${anchor(f.id, p.id)}"><h3>${p.id} ${p.title} ${badge(p.status, STATUS_LABEL[p.status])}</h3>
<p class="desc">${p.description} <em>Fill ${p.fill}: ${FILL_MEANING[p.fill] ?? ''}.</em></p>
${p.facts.length && supportsOnly(p.fill) ? html`<p class="small muted">${SUPPORTING_NOTE}</p>` : ''}${factList(p.facts)}
${p.person ? html`<p class="small">Written by <strong>${p.person.author}</strong>${p.person.role ? ` (${p.person.role})` : ''}, ${p.person.date}:</p><blockquote class="person">${p.person.text}</blockquote>${p.person.references?.length ? html`<p class="small">References: ${p.person.references.join('; ')}</p>` : ''}` : ''}
${p.needs?.length ? html`<div class="needs">${p.status === 'missing' ? html`<strong>Missing.</strong> ` : ''}Still needed:<ul>${p.needs.map((n) => html`<li>${n}</li>`)}</ul></div>` : ''}
</div>`
    : html`<h3>${p.id} ${p.title} ${badge(p.status, STATUS_LABEL[p.status])}</h3><p class="desc">${p.description}</p>`,
)}`;

  const t = r.threatModel;
  const threat = html`<p>For the MITRE ATLAS ${t.version} supply-chain techniques, the mitigations ATLAS lists among those provenance can evidence, and what this model's evidence says about each.</p>
${htmlTable(['Mitigation', 'Status', 'What the evidence says'], t.mitigations.map((m) => [html`${code(m.id)} ${m.name}`, badge(m.status === 'in-place' ? 'ok' : m.status === 'partial' ? 'partial' : m.status === 'absent' ? 'bad' : 'none', MITIGATION_LABEL[m.status]), factList(m.statements)]))}
<h3>Techniques</h3>
${htmlTable(['Technique', 'Name', 'Mitigations'], t.techniques.map((x) => [code(x.id), x.name, html`${x.mitigations.length ? x.mitigations.map((m) => html`${code(m)} `) : html`<span class="muted">none among those provenance evidences: assess in the risk-management system</span>`}${x.mappingNote ? html`<div class="small muted">${x.mappingNote}</div>` : ''}`]))}`;

  // The digest gets a row of its own, whole and unbroken: a digest column squeezed to nine characters made every row three lines and the list three pages.
  const evidence = html`<table class="evidence"><thead><tr><th></th><th>Kind</th><th>Stage</th><th>Subject</th><th>Signer</th><th>Time</th><th>Verified</th></tr></thead>${r.evidence.map((e) => {
    const st = evidenceState(e);
    const label = labels.get(e.ref)!;
    return html`<tbody class="keep"><tr><td id="ev-${label}"><strong>${label}</strong></td><td>${KIND_LABEL[e.kind]}${e.location ? html`<div class="small muted nobr">${e.location}</div>` : ''}</td><td>${nobr(e.stage ?? '—')}</td><td>${e.subject ? html`${e.subjectName ?? ''} ${code(`${e.subject.slice(0, 19)}…`)}` : '—'}</td><td>${e.signer ?? (e.kind === 'inspection' || e.kind === 'policy' ? html`<span class="muted">not signed</span>` : '—')}</td><td>${nobr(e.time ?? '—')}</td><td>${badge(st.kind, st.word)}</td></tr>${st.detail ? html`<tr class="note"><td></td><td colspan="6" class="small">${st.detail}</td></tr>` : ''}<tr class="digest"><td></td><td colspan="6"><code class="digest">${e.digest}</code></td></tr></tbody>`;
  })}</table>`;

  return htmlDocument({
    title: `${reportTitle(r)} (${r.date.slice(0, 10)})`,
    header,
    extraCss: EXTRA_CSS,
    head: raw(`<meta name="generator" content="${HTML_GENERATOR} ${r.generator.version}">`),
    sections: [
      { id: 'summary', heading: 'Summary', body: summary, pageBreak: false },
      { id: 'lineage', heading: 'Lineage', body: lineage },
      ...r.frameworks.map((f) => ({ id: `fw-${f.id}`, heading: f.short, body: framework(f) })),
      { id: 'threat-model', heading: 'Threat model', body: threat },
      { id: 'evidence', heading: 'Evidence', body: evidence },
    ],
    footer: html`Generated by ${r.generator.name} ${r.generator.version} on ${r.date} from signed evidence. Threat-model data: ${t.source} ${t.version} (${t.licence}). Framework points as described by the project's condensed reference of Regulation (EU) 2024/1689 and NIST AI 100-1.`,
  });
}

function anchor(framework: string, point: string): string {
  return `${framework}-${point.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '')}`;
}
