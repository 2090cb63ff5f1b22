/// <reference lib="dom" />
/**
 * The lineage webview's document (client/lineage-html.ts) in a real headless Chromium, on a
 * 50-stage chain with 20 datasets drawn by core/render: nothing is fetched, the Content
 * Security Policy lets only its own nonce'd script and style run, it opens readable (on the
 * model, at 100%), Fit shows the whole graph, the toolbar zooms, a click on a stage posts its
 * id, and a hostile node label stays text. Screenshots go to test-output/lineage-view/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { renderGraphSvg, type GraphEdge, type GraphNode } from '../../core';
import type { LineageView } from '../../core/editor/protocol';
import { lineageHtml } from '../../client/lineage-html';
import { REPO, tempDir } from '../helpers/fixtures';

const CHROMIUM = process.env.MP_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const OUT = join(REPO, 'test-output', 'lineage-view');
const required = (Boolean(process.env.CI) && process.env.CI !== 'false') || process.env.MP_REQUIRE_E2E === '1';
if (!existsSync(CHROMIUM) && required) throw new Error(`the lineage view test needs chromium (${CHROMIUM})`);

const HOSTILE = '</script><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

/** A 50-stage chain, 20 datasets (one named with markup), as the server would send it. */
function bigView(): LineageView {
  const digest = (i: number, salt: string): string => `sha256:${(salt + i.toString(16)).padStart(64, '0')}`;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (let i = 0; i < 50; i++) {
    nodes.push({ id: digest(i, 'a'), kind: i === 49 ? 'model' : 'base-model', status: 'verified', label: `model-${i}`, details: [`${i === 0 ? 'pre-training' : 'fine-tuning'}  ${digest(i, 'a').slice(0, 19)}…`, 'signed by prod'] });
    if (i > 0) edges.push({ from: digest(i - 1, 'a'), to: digest(i, 'a'), role: 'base-model' });
  }
  for (let j = 0; j < 20; j++) {
    const to = digest(j * 2 + 1, 'a');
    nodes.push({ id: digest(j, 'b'), kind: 'dataset', status: j === 3 ? 'flagged' : 'verified', label: j === 0 ? HOSTILE : `dataset-${j}`, details: ['dataset (training)'] });
    edges.push({ from: digest(j, 'b'), to, role: 'training data', dashed: true });
  }
  return {
    verdict: 'failed',
    title: `model-49 (${digest(49, 'a').slice(0, 19)}…)`,
    basis: 'checked against the policy provenance-policy.json',
    svg: renderGraphSvg({ nodes, edges }, { idPrefix: 'lineage', title: 'Lineage of model-49' }),
    nodes: nodes.map((n) => ({ id: n.id, kind: n.kind, status: n.status, label: n.label, ...(n.kind === 'dataset' ? {} : { action: { kind: 'attestation' as const, id: `sha256:${'c'.repeat(64)}`, stage: 'fine-tuning' } }) })),
    problems: ['DATASET_FLAGGED: dataset-3 is flagged by the policy'],
    focus: digest(49, 'a'),
  };
}

describe('the lineage webview document in a real browser', { skip: existsSync(CHROMIUM) ? false : `needs chromium (${CHROMIUM})` }, () => {
  test('50 stages and 20 datasets: no request, CSP-clean, opens on the model at 100%, Fit and zoom work, a click posts the node', async () => {
    const view = bigView();
    const html = lineageHtml({ ...view, checkedAt: Date.now() }, { refresh: true });
    // The policy: nothing but a nonce'd script and style; the nonce is fresh and shared by both.
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1] ?? '';
    assert.match(csp, /^default-src 'none'; img-src data:; style-src 'nonce-[^']+'; script-src 'nonce-[^']+'; form-action 'none'; base-uri 'none'$/);
    assert.ok(nonce.length >= 24 && html.includes(`<style nonce="${nonce}">`) && html.includes(`<script nonce="${nonce}">`));
    assert.notEqual(/nonce-([^']+)/.exec(lineageHtml(view))?.[1], nonce, 'a new nonce per document');
    assert.ok(!html.includes('<img'), 'the hostile label is escaped in the SVG and in the node table');

    const dir = tempDir('mp-lineage-view-');
    const file = join(dir, 'lineage.html');
    writeFileSync(file, html);
    mkdirSync(OUT, { recursive: true });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const url = pathToFileURL(file).href;
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
      await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
      // What VS Code gives a webview script: acquireVsCodeApi().postMessage.
      // (A string, not a function: tsx would wrap a function's inner arrows in its __name helper.)
      await page.addInitScript({ content: 'window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m) });' });
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 }).catch((e: Error) => assert.fail(`${e.message}\n${errors.join('\n')}`));
      assert.deepEqual(requests, [url], 'the document itself is the only request');
      assert.deepEqual(errors, [], 'no script error and no CSP violation');
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, 'a node label is never markup');
      assert.equal(await page.locator('img').count(), 0);
      assert.equal(await page.locator('svg g.node').count(), 70);
      assert.equal(await page.locator('svg g.node.actionable').count(), 50, 'stages are clickable, datasets without a path are not');

      // Too tall to read whole: it opens on the model at 100%, the model's node in view.
      assert.equal(await page.evaluate(() => document.body.dataset.zoom), '100');
      const model = page.locator(`svg g.node[data-id="${view.focus}"]`);
      const port = (await page.locator('#viewport').boundingBox())!;
      const box = (await model.boundingBox())!;
      assert.ok(box.y >= port.y && box.y + box.height <= port.y + port.height && box.x >= port.x && box.x + box.width <= port.x + port.width, `model node at ${JSON.stringify(box)} in ${JSON.stringify(port)}`);
      await page.screenshot({ path: join(OUT, 'lineage-50-initial.png') });

      // Fit: the whole drawing in view (at a small zoom); the toolbar zooms in by 25%.
      await page.locator('#fit').click();
      const fitZoom = Number(await page.evaluate(() => document.body.dataset.zoom));
      assert.ok(fitZoom > 0 && fitZoom < 60, `fit at ${fitZoom}%`);
      const svgBox = (await page.locator('#viewport svg').boundingBox())!;
      for (const id of [view.nodes[0]!.id, view.focus!]) {
        const b = (await page.locator(`svg g.node[data-id="${id}"]`).boundingBox())!;
        assert.ok(b.y >= svgBox.y - 1 && b.y + b.height <= svgBox.y + svgBox.height + 1, `${id} visible after Fit`);
      }
      await page.screenshot({ path: join(OUT, 'lineage-50-fit.png') });
      await page.locator('#in').click();
      assert.ok(Number(await page.evaluate(() => document.body.dataset.zoom)) > fitZoom);
      await page.keyboard.press('0');
      assert.equal(await page.evaluate(() => document.body.dataset.zoom), '100');

      // Drag pans without opening anything; a click on a stage posts its id.
      const before = await page.locator('#viewport svg').getAttribute('viewBox');
      await page.mouse.move(port.x + 300, port.y + 300);
      await page.mouse.down();
      await page.mouse.move(port.x + 380, port.y + 360, { steps: 5 });
      await page.mouse.up();
      assert.notEqual(await page.locator('#viewport svg').getAttribute('viewBox'), before);
      // The document says once that it is ready (the extension then tells it whether it is being re-checked); a drag posts nothing.
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted), [{ type: 'ready' }]);
      await page.keyboard.press('f');
      await model.click();
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted), [{ type: 'ready' }, { type: 'open', id: view.focus }]);
      await page.locator('#reveal').click();
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted.at(-1)), { type: 'reveal' });
      // Being re-checked: the verdict is never the old one meanwhile, and the graph is dimmed; fresh again: the verdict and the new time.
      const verdict = await page.locator('.verdict').textContent();
      await page.evaluate(() => window.postMessage({ type: 'stale', text: 're-checking (the registry changed)…' }, '*'));
      await page.waitForFunction(() => document.body.dataset.fresh === 'stale');
      assert.equal(await page.locator('.verdict').textContent(), '⟳ re-checking (the registry changed)…');
      assert.equal(await page.locator('.verdict').getAttribute('class'), 'verdict checking');
      assert.ok(await page.evaluate(() => document.body.classList.contains('rechecking')));
      await page.evaluate(() => window.postMessage({ type: 'failed', message: 'REGISTRY_UNAVAILABLE: gone' }, '*'));
      await page.waitForFunction(() => document.body.dataset.fresh === 'failed');
      assert.equal(await page.locator('.verdict').textContent(), '✘ not checked: REGISTRY_UNAVAILABLE: gone');
      await page.evaluate(() => window.postMessage({ type: 'fresh', checked: 'checked 10:11:12' }, '*'));
      await page.waitForFunction(() => document.body.dataset.fresh === 'fresh');
      assert.equal(await page.locator('.verdict').textContent(), verdict);
      assert.equal(await page.locator('#checked').textContent(), 'checked 10:11:12');
      await page.locator('#refresh').click();
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted.at(-1)), { type: 'refresh' });
      await page.screenshot({ path: join(OUT, 'lineage-rechecked.png') });
    } finally {
      await browser.close();
    }
  });

  test('a failed chain: its problems are open and come before the notes under the graph (a conflict is not hidden below a side note)', async () => {
    const graph = { nodes: [{ id: 'sha256:aa', kind: 'model' as const, status: 'failed' as const, label: 'ft', details: ['fine-tuning'] }], edges: [] };
    const conflict = 'ATTESTATION_CONFLICT: 2 trusted attestations say they produced "ft" from different inputs';
    const view: LineageView = { verdict: 'failed', title: 'ft', basis: 'checked against the policy provenance-policy.json', svg: renderGraphSvg(graph, { idPrefix: 'lineage', title: 'Lineage' }), nodes: [{ id: 'sha256:aa', kind: 'model', status: 'failed', label: 'ft' }], problems: [conflict], sections: [{ title: 'Not checked', lines: ['a side note'] }] };
    const file = join(tempDir('mp-lineage-failed-'), 'lineage.html');
    writeFileSync(file, lineageHtml(view));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
      await page.addInitScript({ content: 'window.acquireVsCodeApi = () => ({ postMessage: () => undefined });' });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30_000 });
      assert.equal(await page.locator('#problems li').first().isVisible(), true, 'the problem is shown, not collapsed');
      assert.equal(await page.locator('#problems li').first().innerText(), conflict);
      const order = await page.evaluate(() => [...document.querySelectorAll('footer > details, footer > section')].map((e) => e.tagName));
      assert.deepEqual(order, ['DETAILS', 'SECTION']);
    } finally {
      await browser.close();
    }
    // A verified chain with a problem list would be a contradiction; an unverified one keeps them folded.
    assert.doesNotMatch(lineageHtml({ ...view, verdict: 'unverified' }), /<details id="problems" open>/);
  });

  test('nothing to draw (a model no attestation covers): the cause is the page, the zoom is never Infinity%, no script error', async () => {
    const cause = 'MISSING_LINK: no trusted attestation has subject sha256:6141ff54… (models/chat/model.safetensors)';
    const view: LineageView = { verdict: 'failed', title: 'model.safetensors (sha256:6141ff5427df…)', basis: 'checked against the policy provenance-policy.json', svg: renderGraphSvg({ nodes: [], edges: [] }, { idPrefix: 'lineage', title: 'Lineage' }), nodes: [], problems: [cause] };
    const file = join(tempDir('mp-lineage-empty-'), 'lineage.html');
    writeFileSync(file, lineageHtml(view));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
      await page.addInitScript({ content: 'window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m) });' });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 30_000 });
      assert.deepEqual(errors, []);
      assert.equal(await page.locator('#empty').isVisible(), true);
      assert.match(await page.locator('#empty').innerText(), /^Nothing to draw\nMISSING_LINK: no trusted attestation has subject sha256:6141ff54… \(models\/chat\/model\.safetensors\)\n+Show Lineage draws what attestations say about a model folder/);
      assert.equal(await page.locator('#zoom').innerText(), '–');
      assert.equal(await page.locator('#fit').isDisabled(), true);
      assert.equal(await page.locator('footer').isVisible(), false, 'the cause is not hidden in a collapsed section');
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, 'lineage-empty.png') });
    } finally {
      await browser.close();
    }
  });
});
