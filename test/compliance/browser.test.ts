/**
 * The HTML report as an auditor opens it: in headless Chromium (Debian's chromium driven by
 * playwright-core), with every request recorded and all but the file itself refused; a
 * screenshot kept under test-output/compliance/ (the CI artifact); then Chromium's own
 * --print-to-pdf, whose text (pdftotext, poppler-utils) must hold every section heading,
 * one section per page.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { FRAMEWORK_IDS, LocalRegistry, buildReport, loadPolicy, renderReport, type ComplianceReport } from '../../core';
import { buildComplianceWorld } from '../helpers/compliance-pipeline';
import { REPO, tempDir } from '../helpers/fixtures';

const CHROMIUM = process.env.MP_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const OUT = join(REPO, 'test-output', 'compliance');
const required = (Boolean(process.env.CI) && process.env.CI !== 'false') || process.env.MP_REQUIRE_E2E === '1';
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = !existsSync(CHROMIUM) ? `chromium (${CHROMIUM})` : !has('pdftotext') ? 'pdftotext (poppler-utils)' : undefined;
if (missing && required) throw new Error(`the browser tier needs ${missing}; .ci/run installs it`);

const HEADINGS = ['Contents', 'Summary', 'Lineage', 'EU AI Act Annex IV', 'EU AI Act Annex XI', 'EU AI Act Annex XII', 'NIST AI RMF', 'Threat model', 'Evidence'];

describe('the HTML report in a real browser', { skip: missing ? `needs ${missing}` : false }, () => {
  let file: string;
  let report: ComplianceReport;
  before(async () => {
    const dir = tempDir('mp-report-browser-', { untilExit: true });
    const w = await buildComplianceWorld(dir);
    report = await buildReport({ registry: new LocalRegistry(w.registryDir), policy: loadPolicy(w.policyPath), modelPath: w.models.quantized, frameworks: [...FRAMEWORK_IDS], inputs: w.inputsPath, date: '2026-11-30' });
    file = join(dir, 'report.html');
    writeFileSync(file, renderReport(report, 'html'));
    mkdirSync(OUT, { recursive: true });
  });

  test('opens with no network request, draws the lineage graph, and is kept as a screenshot', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
      const url = pathToFileURL(file).href;
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
      await page.goto(url, { waitUntil: 'load' });
      assert.deepEqual(requests, [url], 'the document itself is the only request');
      assert.deepEqual(errors, []);
      assert.equal(await page.locator('script').count(), 0);
      // The graph: one node per lineage node, laid out inside the drawing, with its status.
      assert.equal(await page.locator('figure.graph svg g.node').count(), report.lineage.nodes.length);
      const box = await page.locator('figure.graph svg').boundingBox();
      assert.ok(box && box.width > 300 && box.height > 300, `graph drawn at ${JSON.stringify(box)}`);
      assert.equal(await page.locator('figure.graph svg g.node[data-status="verified"]').count(), report.lineage.nodes.length);
      assert.deepEqual(await page.locator('section > h2').allTextContents(), HEADINGS.slice(1));
      assert.equal(await page.title(), 'Regulatory report: assistant-int8 (2026-11-30)');
      await page.screenshot({ path: join(OUT, 'report.png'), fullPage: false });
      await page.locator('#lineage').screenshot({ path: join(OUT, 'report-lineage.png') });
    } finally {
      await browser.close();
    }
  });

  test('Chromium --print-to-pdf: every section heading in the text, each section on its own page', () => {
    const pdf = join(OUT, 'report.pdf');
    const profile = tempDir('mp-chromium-profile-');
    execFileSync(CHROMIUM, ['--headless', ...FLAGS, `--user-data-dir=${profile}`, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, pathToFileURL(file).href], { stdio: 'pipe', timeout: 120_000, env: { ...process.env, HOME: profile } });
    assert.ok(existsSync(pdf));
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    for (const h of HEADINGS) assert.ok(text.includes(h), `the PDF text has "${h}"`);
    assert.ok(text.includes('Completeness 45.7%'), 'figures survive printing');
    // Page breaks: each section heading starts a page (pdftotext separates pages with a form feed).
    const pages = text.split('\f');
    for (const h of ['Lineage', 'Threat model', 'Evidence']) {
      const first = pages.findIndex((p) => new RegExp(`^\\s*${h}\\s*$`, 'm').test(p));
      assert.ok(first > 0, `${h} heads a page`);
      assert.match(pages[first]!.trimStart(), new RegExp(`^${h}`), `${h} is at the top of page ${first + 1}`);
    }
    assert.ok(pages.length >= HEADINGS.length, `${pages.length} pages`);
  });

  test('print of a 31-stage chain: the heading with the drawing\'s start, no scrollbar, the drawing in bands cut between nodes (newcomer re-check 2, item 3)', () => {
    const D = (i: number): string => `sha256:${i.toString(16).padStart(64, '0')}`;
    const nodes = Array.from({ length: 31 }, (_, i) => ({ id: D(i + 1), kind: (i === 30 ? 'model' : 'base-model') as 'model' | 'base-model', status: 'verified' as const, label: `m${i}`, details: [`${i ? 'fine-tuning' : 'pre-training'}  ${D(i + 1).slice(0, 19)}…`, 'signed by trainer', `stage ${i} of 31`] }));
    const edges = nodes.slice(1).map((n, i) => ({ from: nodes[i]!.id, to: n.id, role: 'base-model', dashed: false }));
    const long: ComplianceReport = { ...report, lineage: { nodes, edges } };
    const html = renderReport(long, 'html');
    const bands = html.match(/<svg [^>]*class="band"/g) ?? [];
    assert.ok(bands.length >= 3, `${bands.length} bands`);
    const longFile = join(tempDir('mp-report-long-'), 'long.html');
    writeFileSync(longFile, html);
    const pdf = join(OUT, 'report-long.pdf');
    const profile = tempDir('mp-chromium-profile-');
    execFileSync(CHROMIUM, ['--headless', ...FLAGS, `--user-data-dir=${profile}`, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, pathToFileURL(longFile).href], { stdio: 'pipe', timeout: 120_000, env: { ...process.env, HOME: profile } });
    const pages = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).split('\f');
    // The Lineage heading heads a page that also holds the start of the drawing (never a page with the heading alone).
    const first = pages.findIndex((p) => /^\s*Lineage\s*$/m.test(p));
    assert.ok(first > 0);
    assert.match(pages[first]!, /\bm0\b[\s\S]*signed by trainer/);
    // Every node whole on one page: its label, its digest and its last line together, and drawn once.
    for (const n of nodes) {
      const label = new RegExp(`^\\s*${n.label}\\s*$`, 'm');
      const on = pages.map((p, i) => (label.test(p) ? i : -1)).filter((i) => i >= 0);
      assert.equal(on.length, 1, `${n.label} on pages ${on.join(', ')}`);
      const page = pages[on[0]!]!;
      assert.ok(page.includes(n.id.slice(0, 19)) && page.includes(n.details[2]!), `${n.label} whole on page ${on[0]! + 1}`);
    }
    // The drawing is not one image the page cuts: the screen copy does not print, the bands do.
    assert.ok(html.includes('@media print { figure.graph.banded svg.whole { display: none; }'));
    assert.ok(html.includes('figure.graph { overflow: visible; break-inside: auto; }'));
  });
});
