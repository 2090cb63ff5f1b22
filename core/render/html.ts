import { html, raw, type HtmlValue, type SafeHtml } from './escape';

/**
 * The self-contained HTML shell shared by regulatory reports, incident reports and the
 * lineage view: one file, inline CSS, no script, no external resource (a Content Security
 * Policy forbids any), and a print stylesheet so that a browser's "print to PDF" gives a
 * clean document with each section on a new page.
 */
export interface HtmlSection {
  /** Fragment id (`#threat-model`); ASCII letters, digits and dashes. */
  id: string;
  heading: string;
  body: SafeHtml;
  /** Start this section on a new printed page (default true). */
  pageBreak?: boolean;
}

export interface HtmlDocumentOptions {
  title: string;
  /** BCP 47 language tag of the text (default `en`). */
  lang?: string;
  /** Shown above the table of contents: who, what, when, the headline figures. */
  header?: SafeHtml;
  sections: HtmlSection[];
  /** Printed after the last section (generator, licence notices). */
  footer?: SafeHtml;
  /** Omit the table of contents (one-section documents). */
  noContents?: boolean;
  /** Extra CSS rules for one kind of document, appended after the shared ones. */
  extraCss?: string;
  /** Extra `<head>` markup: `<meta name="generator">` and the like (never a script or a link). */
  head?: SafeHtml;
}

/**
 * Nothing may be fetched: no default source, styles only inline, images only as data: URIs.
 * A browser that opens the file makes no request, even if a payload smuggled markup in.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** Status colours; every status also has a word and a border style, so it survives black-and-white print. */
export const SHARED_CSS = `
:root { --ink:#1b1f24; --muted:#5b6470; --line:#d0d7de; --bg:#ffffff; --soft:#f6f8fa;
  --ok:#1a7f37; --ok-bg:#dafbe1; --warn:#9a6700; --warn-bg:#fff8c5; --bad:#cf222e; --bad-bg:#ffebe9; --info:#0550ae; --info-bg:#ddf4ff; --none:#57606a; --none-bg:#eaeef2; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 60rem; padding: 2rem 1.5rem 4rem; color: var(--ink); background: var(--bg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .25rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .75rem; padding-bottom: .3rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
h4 { font-size: .95rem; margin: 1rem 0 .35rem; }
p { margin: .4rem 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .85em; overflow-wrap: normal; word-break: keep-all; }
code.digest { overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.doc-header { border-bottom: 3px solid var(--ink); padding-bottom: 1rem; margin-bottom: 1rem; }
.doc-header dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .75rem 0 0; }
.doc-header dt { color: var(--muted); }
.doc-header dd { margin: 0; }
nav.contents ol { margin: .25rem 0; padding-left: 1.5rem; columns: 2; }
nav.contents a { color: var(--info); text-decoration: none; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .75rem; font-weight: 600; letter-spacing: .02em;
  white-space: nowrap; border: 1px solid currentColor; vertical-align: baseline; }
.badge.ok, .badge.evidence, .badge.verified { color: var(--ok); background: var(--ok-bg); }
.badge.person { color: var(--info); background: var(--info-bg); }
.badge.partial, .badge.unverified, .badge.warn { color: var(--warn); background: var(--warn-bg); border-style: dashed; }
.badge.missing, .badge.none { color: var(--none); background: var(--none-bg); border-style: dotted; }
.badge.bad, .badge.flagged, .badge.failed { color: var(--bad); background: var(--bad-bg); border-width: 2px; }
.callout { border-left: 4px solid var(--line); background: var(--soft); padding: .5rem .75rem; margin: .5rem 0; }
.callout.bad { border-color: var(--bad); background: var(--bad-bg); }
.callout.warn { border-color: var(--warn); background: var(--warn-bg); }
.callout.ok { border-color: var(--ok); background: var(--ok-bg); }
.meter { height: .6rem; background: var(--none-bg); border-radius: .3rem; overflow: hidden; min-width: 6rem; }
.meter > span { display: block; height: 100%; background: var(--ok); }
figure.graph { margin: .5rem 0 1rem; overflow-x: auto; }
figure.graph svg { max-width: 100%; height: auto; }
figure.graph figcaption { font-size: .85rem; color: var(--muted); }
blockquote.person { margin: .4rem 0; padding: .4rem .75rem; border-left: 4px solid var(--info); background: var(--info-bg); white-space: pre-wrap; }
footer.doc-footer { margin-top: 3rem; padding-top: .75rem; border-top: 1px solid var(--line); font-size: .8rem; color: var(--muted); }
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  section.page-break { break-before: page; page-break-before: always; }
  h2 { margin-top: 0; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  tr, .keep, blockquote.person { break-inside: avoid; page-break-inside: avoid; }
  /* No scrollbar on paper; a drawing taller than a page may continue on the next (never a blank page before it). */
  figure.graph { overflow: visible; break-inside: auto; }
  figure.graph svg { break-inside: avoid; }
  nav.contents a { color: var(--ink); }
  a[href^="#"] { text-decoration: none; color: inherit; }
}
`;

/** A complete HTML5 document: UTF-8, CSP, inline CSS, header, contents, sections, footer. */
export function htmlDocument(o: HtmlDocumentOptions): string {
  const contents =
    o.noContents || o.sections.length < 2
      ? ''
      : html`<nav class="contents" aria-label="Contents"><h2>Contents</h2><ol>${o.sections.map((s) => html`<li><a href="#${s.id}">${s.heading}</a></li>`)}</ol></nav>`;
  const sections = o.sections.map(
    (s, i) => html`<section id="${s.id}"${i > 0 && s.pageBreak !== false ? raw(' class="page-break"') : ''}><h2>${s.heading}</h2>
${s.body}
</section>
`,
  );
  return `<!DOCTYPE html>
<html lang="${o.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
${html`<title>${o.title}</title>`}
${o.head ? `${o.head.value}\n` : ''}<style>${SHARED_CSS}${o.extraCss ?? ''}</style>
</head>
<body>
${o.header ?? ''}
${contents}
${sections.map((s) => s.value).join('')}${o.footer ? html`<footer class="doc-footer">${o.footer}</footer>\n` : ''}</body>
</html>
`;
}

/** A table with escaped cells; a cell may be SafeHtml for badges and code. */
export function htmlTable(headers: HtmlValue[], rows: HtmlValue[][], options: { className?: string; numeric?: number[] } = {}): SafeHtml {
  const num = new Set(options.numeric ?? []);
  const cls = (i: number): SafeHtml | string => (num.has(i) ? raw(' class="num"') : '');
  return html`<table${options.className ? html` class="${options.className}"` : ''}><thead><tr>${headers.map((h, i) => html`<th${cls(i)}>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((c, i) => html`<td${cls(i)}>${c}</td>`)}</tr>`,
  )}</tbody></table>`;
}

/** A status word in a coloured pill; `kind` picks the style (evidence, person, partial, missing, verified, unverified, flagged…). */
export function badge(kind: string, label: string = kind): SafeHtml {
  return html`<span class="badge ${kind.replace(/[^a-z-]/g, '')}">${label}</span>`;
}

/** Inline monospace text (digests, ids, file names). */
export function code(text: string): SafeHtml {
  return html`<code>${text}</code>`;
}

/** A horizontal bar for a fraction between 0 and 1, with its percentage as text beside it. */
export function meter(fraction: number, label: string): SafeHtml {
  const pct = Math.max(0, Math.min(100, Math.round(fraction * 1000) / 10));
  return html`<div class="keep" style="display:flex;gap:.5rem;align-items:center"><div class="meter" role="img" aria-label="${label}"><span style="width:${String(pct)}%"></span></div><strong>${label}</strong></div>`;
}
