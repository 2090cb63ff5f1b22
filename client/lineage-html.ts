import { randomBytes } from 'node:crypto';
import type { LineageView } from '../core/editor/protocol';

// The lineage webview's document, kept free of `vscode` so that it can be tested in Node and in
// a real browser.

const VERDICT_WORDS: Record<LineageView['verdict'], string> = { verified: '✔ chain verified', failed: '✘ chain NOT verified', unverified: '? not checked' };

/** `12:03:05`, local time: when a view was checked. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** What the view says while a re-check runs, by what changed (never the old verdict). */
export function recheckingText(reason: string | undefined): string {
  const what: Record<string, string> = { registry: 'the registry changed', model: 'the model changed', policy: 'the trust policy changed', settings: 'the settings changed', refresh: 'refresh asked' };
  return `re-checking (${what[reason ?? ''] ?? 'something it was built from changed'})…`;
}

/** The words of the verdict badge. */
export function verdictWords(view: LineageView): string {
  return view.verdictText ?? VERDICT_WORDS[view.verdict];
}

/**
 * The webview document: CSP first, the server's SVG as it is, the node table as inert JSON.
 * `refresh`: a watched lineage view, with "checked HH:MM:SS" and a Refresh button (Show Impact has neither).
 */
export function lineageHtml(view: LineageView, options: { refresh?: boolean } = {}): string {
  const nonce = randomBytes(18).toString('base64');
  const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const data = JSON.stringify({ nodes: view.nodes.map((n) => ({ id: n.id, label: n.label, status: n.status, action: n.action?.kind })), focus: view.focus ?? null, checked: view.checkedAt !== undefined ? `checked ${clockTime(view.checkedAt)}` : null }).replace(/</g, '\\u003c');
  // A failed chain's problems are why it failed: open, and first under the graph (notes follow).
  const problems = view.problems.length ? `<details id="problems"${view.verdict === 'failed' ? ' open' : ''}><summary>${view.problems.length} chain problem(s)</summary><ul>${view.problems.map((x) => `<li>${esc(x)}</li>`).join('')}</ul></details>` : '';
  const sections = (view.sections ?? [])
    .map((x, i) => `<section class="extra"><h2>${esc(x.title)}</h2>${x.lines.length ? `<ul>${x.lines.map((l, j) => `<li>${x.files?.[j] ? `<a href="#" class="file" data-file="${i}-${j}" title="Open ${esc(l)}">${esc(l)}</a>` : esc(l)}</li>`).join('')}</ul>` : '<p>none</p>'}</section>`)
    .join('');
  const heading = esc(view.heading ?? `Lineage of ${view.title}`);
  // No node: the cause (usually MISSING_LINK: no attestation covers this digest) is the page, not a collapsed footnote.
  const empty = view.nodes.length === 0;
  const emptyCause = view.problems[0] ?? 'no attestation in the registry covers this model';
  const verdict = esc(verdictWords(view));
  const refresh = options.refresh === true;
  const checked = refresh && view.checkedAt !== undefined ? `<span id="checked" title="When this view was computed; it is checked again when the registry, the model, the policy or the trust settings change">checked ${clockTime(view.checkedAt)}</span>` : '';
  // Which registry was read, or that none was found and how to set one (the editor's setting).
  const registry = view.registry
    ? `<p id="registry" class="${view.registry.found ? 'found' : 'missing'}">${esc(view.registry.text)}${view.registry.setting ? ` <button id="set-registry" data-setting="${esc(view.registry.setting)}" title="Open the setting ${esc(view.registry.setting)}">Set the registry…</button>` : ''}</p>`
    : '';
  // No policy: what was checked (the model's own signature) and what was not (the chain), on the view itself.
  const notice = view.notice
    ? `<aside id="notice" role="note"><strong>${esc(view.notice.title)}</strong><ul>${view.notice.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>${view.notice.setting ? `<button id="set-policy" data-setting="${esc(view.notice.setting)}" title="Open the setting ${esc(view.notice.setting)}">Set a trust policy…</button>` : ''}</aside>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; form-action 'none'; base-uri 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${heading}</title>
<style nonce="${nonce}">
html, body { height: 100%; margin: 0; padding: 0; overflow: hidden; font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground); background: var(--vscode-editor-background); }
body { display: flex; flex-direction: column; }
header { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border, #8884); }
header h1 { font-size: 1.1em; margin: 0; }
.verdict { font-weight: bold; padding: 1px 8px; border-radius: 10px; border: 1px solid currentColor; }
.verdict.verified { color: #1a7f37; } .verdict.failed { color: #cf222e; } .verdict.unverified { color: #9a6700; } .verdict.checking { color: var(--vscode-descriptionForeground, #6e7781); }
#checked { opacity: .8; font-variant-numeric: tabular-nums; }
#registry { margin: 0; padding: 4px 10px; border-bottom: 1px solid var(--vscode-panel-border, #8884); } #registry.missing { background: var(--vscode-inputValidation-warningBackground, #9a670020); }
body.rechecking #viewport svg { opacity: .3; }
.basis { opacity: .8; }
.tools { margin-left: auto; display: flex; gap: 4px; align-items: center; }
button { font: inherit; color: var(--vscode-button-secondaryForeground, inherit); background: var(--vscode-button-secondaryBackground, #8882); border: 1px solid var(--vscode-button-border, #8886); border-radius: 3px; padding: 2px 8px; cursor: pointer; }
#zoom { min-width: 4em; text-align: right; font-variant-numeric: tabular-nums; }
#empty { flex: 1; padding: 16px 24px; overflow: auto; } #empty h2 { margin-top: 0; }
#viewport { flex: 1; min-height: 0; background: #ffffff; cursor: grab; touch-action: none; }
#viewport.panning { cursor: grabbing; }
#viewport svg { width: 100%; height: 100%; display: block; user-select: none; }
#viewport g.node.actionable { cursor: pointer; }
#viewport g.node.actionable:hover rect, #viewport g.node:focus rect { filter: drop-shadow(0 0 3px #0969da); }
#viewport g.node:focus { outline: none; }
#notice { padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border, #8884); background: var(--vscode-editorInfo-background, #0969da14); max-height: 35%; overflow: auto; }
#notice ul { margin: 4px 0; padding-left: 18px; }
footer { padding: 4px 10px; border-top: 1px solid var(--vscode-panel-border, #8884); max-height: 30%; overflow: auto; }
footer ul { margin: 4px 0; padding-left: 18px; }
footer section.extra h2 { font-size: 1em; margin: 6px 0 2px; }
footer section.extra p { margin: 2px 0; opacity: .8; }
</style></head>
<body data-node-count="${view.nodes.length}">
<header><h1>${heading}</h1><span id="verdict" class="verdict ${view.verdict}" data-verdict="${view.verdict}" data-text="${verdict}">${verdict}</span>${checked}<span class="basis">${esc(view.basis)}</span>
<span class="tools">${refresh ? '<button id="refresh" title="Check the lineage again now (R)">Refresh</button>' : ''}<button id="fit" title="Fit the whole graph in view (F)">Fit</button><button id="out" title="Zoom out (-)">−</button><span id="zoom">100%</span><button id="in" title="Zoom in (+)">+</button><button id="actual" title="Actual size (0)">1:1</button>${view.canReveal === false ? '' : '<button id="reveal" title="Reveal the model folder in the Explorer">Reveal model folder</button>'}</span></header>
${registry}
${notice}
${empty ? `<main id="empty" role="alert"><h2>Nothing to draw</h2>${view.registry && !view.registry.found ? `<p><strong>${esc(view.registry.text)}</strong></p>` : ''}${view.problems.length ? `<ul>${view.problems.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : `<p>${esc(emptyCause)}</p>`}<p>${esc(EMPTY_HINT)}</p></main>` : `<main id="viewport">${view.svg}</main>`}
<footer${empty ? ' hidden' : ''}><span id="hint">${esc(view.hint ?? "Click a stage to open its attestation's decoded payload (a failed one: the attestation as stored); a dataset or model on this disk is revealed in the Explorer.")} Drag to pan, wheel or +/− to zoom, F to fit.</span>${problems}${sections}</footer>
<script type="application/json" id="lineage-data">${data}</script>
<script nonce="${nonce}">${VIEW_SCRIPT}</script>
</body></html>`;
}

const EMPTY_HINT = 'Show Lineage draws what attestations say about a model folder (the unit that is signed and attested): pick the model folder, or attest this model first (Attest Model…).';

/** Pan, zoom, fit and node clicks, by rewriting the SVG's viewBox (no style attribute, nothing fetched). */
const VIEW_SCRIPT = `
(() => {
  const vscode = acquireVsCodeApi();
  const data = JSON.parse(document.getElementById('lineage-data').textContent);
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const port = document.getElementById('viewport');
  document.getElementById('set-policy')?.addEventListener('click', (e) => vscode.postMessage({ type: 'setting', id: e.currentTarget.getAttribute('data-setting') }));
  document.getElementById('set-registry')?.addEventListener('click', (e) => vscode.postMessage({ type: 'setting', id: e.currentTarget.getAttribute('data-setting') }));
  // Freshness: the extension says when the view is being re-checked (never the old verdict), could not be, or was checked again unchanged.
  const verdictEl = document.getElementById('verdict');
  const checkedEl = document.getElementById('checked');
  const setState = (m) => {
    if (!verdictEl) return;
    if (m.type === 'stale' || m.type === 'failed') {
      document.body.classList.add('rechecking');
      document.body.dataset.fresh = m.type;
      verdictEl.className = 'verdict ' + (m.type === 'failed' ? 'failed' : 'checking');
      verdictEl.textContent = m.type === 'failed' ? '✘ not checked: ' + m.message : '⟳ ' + m.text;
    } else if (m.type === 'fresh') {
      document.body.classList.remove('rechecking');
      document.body.dataset.fresh = 'fresh';
      verdictEl.className = 'verdict ' + verdictEl.getAttribute('data-verdict');
      verdictEl.textContent = verdictEl.getAttribute('data-text');
      if (checkedEl && m.checked) checkedEl.textContent = m.checked;
    }
  };
  window.addEventListener('message', (e) => { if (e.data && typeof e.data.type === 'string') setState(e.data); });
  document.getElementById('refresh')?.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  window.addEventListener('keydown', (e) => { if ((e.key === 'r' || e.key === 'R') && !e.ctrlKey && !e.metaKey && !e.altKey && document.getElementById('refresh')) vscode.postMessage({ type: 'refresh' }); });
  document.body.dataset.fresh = 'fresh';
  vscode.postMessage({ type: 'ready' });
  // A workspace file named under the graph opens at its line (the extension finds it by section and index).
  for (const a of document.querySelectorAll('a.file')) a.addEventListener('click', (e) => { e.preventDefault(); const [section, index] = a.getAttribute('data-file').split('-').map(Number); vscode.postMessage({ type: 'openFile', section, index }); });
  const svg = port && port.querySelector('svg');
  const full = svg && svg.viewBox.baseVal;
  // Nothing drawn (or nothing with a size): no zoom to compute, never "Infinity%".
  if (!svg || !full || !(full.width > 0) || !(full.height > 0)) {
    for (const id of ['fit', 'out', 'in', 'actual']) { const b = document.getElementById(id); if (b) b.disabled = true; }
    const z = document.getElementById('zoom'); if (z) z.textContent = '–';
    document.getElementById('reveal')?.addEventListener('click', () => vscode.postMessage({ type: 'reveal' }));
    document.body.dataset.ready = 'true';
    return;
  }
  const W = full.width, H = full.height;
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  let vb = { x: 0, y: 0, w: W, h: H };
  // Fitted views stay fitted when the panel is resized; a zoomed one keeps its zoom.
  let fitted = false;
  const size = () => { const r = port.getBoundingClientRect(); return { w: Math.max(1, r.width), h: Math.max(1, r.height), left: r.left, top: r.top }; };
  const scale = () => size().w / vb.w;
  const apply = (fit = false) => {
    fitted = fit;
    svg.setAttribute('viewBox', vb.x + ' ' + vb.y + ' ' + vb.w + ' ' + vb.h);
    const z = Math.round(scale() * 100);
    document.getElementById('zoom').textContent = z + '%';
    document.body.dataset.zoom = String(z);
  };
  const zoomTo = (z, cx, cy) => {
    const s = size();
    z = Math.min(4, Math.max(0.02, z));
    const px = cx === undefined ? vb.x + vb.w / 2 : cx;
    const py = cy === undefined ? vb.y + vb.h / 2 : cy;
    const fx = (px - vb.x) / vb.w, fy = (py - vb.y) / vb.h;
    vb.w = s.w / z; vb.h = s.h / z;
    vb.x = px - fx * vb.w; vb.y = py - fy * vb.h;
    apply();
  };
  const fit = () => {
    const s = size();
    const z = Math.min(s.w / W, s.h / H);
    vb.w = s.w / z; vb.h = s.h / z;
    vb.x = (W - vb.w) / 2; vb.y = (H - vb.h) / 2;
    apply(true);
  };
  const centreOn = (id, z) => {
    const g = [...svg.querySelectorAll('g.node')].find((e) => e.getAttribute('data-id') === id);
    const r = g && g.querySelector('rect');
    if (!r) return fit();
    const s = size();
    vb.w = s.w / z; vb.h = s.h / z;
    const cx = +r.getAttribute('x') + +r.getAttribute('width') / 2;
    const cy = +r.getAttribute('y') + +r.getAttribute('height') / 2;
    vb.x = cx - vb.w / 2; vb.y = Math.min(cy - vb.h / 2, H - vb.h * 0.75);
    apply();
  };
  const toSvg = (clientX, clientY) => { const s = size(); return { x: vb.x + ((clientX - s.left) / s.w) * vb.w, y: vb.y + ((clientY - s.top) / s.h) * vb.h }; };
  // Readable first: the whole graph when it fits at 60% or more, else the model itself at 100%.
  const initial = () => { const s = size(); if (Math.min(s.w / W, s.h / H) >= 0.6 || !data.focus) fit(); else centreOn(data.focus, 1); };
  for (const g of svg.querySelectorAll('g.node')) {
    const n = byId.get(g.getAttribute('data-id'));
    if (!n || !n.action) continue;
    g.classList.add('actionable');
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    g.setAttribute('aria-label', n.label + ' (' + n.status + '): ' + (n.action === 'attestation' ? 'open the attestation payload' : n.action === 'stored' ? 'open the stored attestation that failed' : 'reveal in the Explorer'));
  }
  const open = (g) => { const id = g && g.getAttribute('data-id'); if (id && byId.get(id) && byId.get(id).action) vscode.postMessage({ type: 'open', id }); };
  let drag = null;
  port.addEventListener('pointerdown', (e) => { drag = { x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y, moved: false }; port.setPointerCapture(e.pointerId); });
  port.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    drag.moved = true;
    port.classList.add('panning');
    const z = scale();
    vb.x = drag.vx - dx / z; vb.y = drag.vy - dy / z;
    apply();
  });
  port.addEventListener('pointerup', (e) => {
    const d = drag; drag = null;
    port.classList.remove('panning');
    if (d && !d.moved) {
      const hit = document.elementFromPoint(e.clientX, e.clientY);
      open(hit && hit.closest && hit.closest('g.node'));
    }
  });
  port.addEventListener('wheel', (e) => { e.preventDefault(); const p = toSvg(e.clientX, e.clientY); zoomTo(scale() * Math.pow(1.0015, -e.deltaY), p.x, p.y); }, { passive: false });
  svg.addEventListener('keydown', (e) => { if ((e.key === 'Enter' || e.key === ' ') && e.target.closest) { e.preventDefault(); open(e.target.closest('g.node')); } });
  window.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '+' || e.key === '=') zoomTo(scale() * 1.25);
    else if (e.key === '-') zoomTo(scale() / 1.25);
    else if (e.key === '0') zoomTo(1);
    else if (e.key === 'f' || e.key === 'F') fit();
  });
  document.getElementById('fit').addEventListener('click', fit);
  document.getElementById('in').addEventListener('click', () => zoomTo(scale() * 1.25));
  document.getElementById('out').addEventListener('click', () => zoomTo(scale() / 1.25));
  document.getElementById('actual').addEventListener('click', () => zoomTo(1));
  document.getElementById('reveal')?.addEventListener('click', () => vscode.postMessage({ type: 'reveal' }));
  let last = size();
  new ResizeObserver(() => { const s = size(); if (s.w !== last.w || s.h !== last.h) { const z = last.w / vb.w; last = s; if (fitted) fit(); else zoomTo(z); } }).observe(port);
  initial();
  document.body.dataset.ready = 'true';
})();
`;
