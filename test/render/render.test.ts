/**
 * The shared presentation layer: escaping that no caller can forget, a self-contained HTML
 * shell (CSP, print page breaks), Markdown that a payload cannot break, and a lineage graph
 * laid out by dagre that gives the same SVG bytes for the same graph.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CONTENT_SECURITY_POLICY,
  escapeMarkdown,
  graphFromChain,
  graphToMermaid,
  html,
  htmlDocument,
  layoutGraph,
  markdownCode,
  mdTable,
  renderGraphSvg,
  type ChainResult,
  type LineageGraph,
} from '../../core';

const D = (c: string): string => `sha256:${c.repeat(64)}`;

const GRAPH: LineageGraph = {
  nodes: [
    { id: D('a'), kind: 'base-model', status: 'verified', label: 'base', details: ['pre-training'] },
    { id: D('b'), kind: 'model', status: 'flagged', label: 'tuned <script>alert(1)</script>', details: ['fine-tuning'] },
    { id: D('c'), kind: 'dataset', status: 'unverified', label: 'data & "quotes"' },
    { id: D('d'), kind: 'adapter', status: 'missing', label: 'lora' },
  ],
  edges: [
    { from: D('a'), to: D('b'), role: 'base-model' },
    { from: D('c'), to: D('b'), role: 'dataset', dashed: true },
    { from: D('d'), to: D('b'), role: 'adapter' },
    { from: D('e'), to: D('b'), role: 'dangling' },
  ],
};

describe('escaping', () => {
  test('html`` escapes every interpolation, joins lists, keeps SafeHtml', () => {
    const name = '<img src=x onerror=alert(1)>';
    assert.equal(html`<td>${name}</td>`.value, '<td>&lt;img src=x onerror=alert(1)&gt;</td>');
    assert.equal(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.value, '<ul><li>a&lt;</li><li>b</li></ul>');
    assert.equal(html`<a title="${`" onmouseover="x`}">`.value, '<a title="&quot; onmouseover=&quot;x">');
    assert.equal(html`${undefined}${null}${false}${0}`.value, '0');
  });

  test('Markdown: inline markup and leading block markers are escaped, prose stays readable', () => {
    assert.equal(escapeMarkdown('[click](http://evil) *x* `y` | <b>'), '\\[click\\](http://evil) \\*x\\* \\`y\\` \\| \\<b\\>');
    assert.equal(escapeMarkdown('# heading'), '\\# heading');
    assert.equal(escapeMarkdown('1. item'), '1\\. item');
    assert.equal(escapeMarkdown('fine-tuning v1.2, done.'), 'fine-tuning v1.2, done.');
    assert.equal(escapeMarkdown('two\nlines'), 'two lines');
    assert.equal(escapeMarkdown('classifier_v2 and _emphasis_'), 'classifier_v2 and \\_emphasis\\_');
    assert.equal(markdownCode('a`b'), '``a`b``');
    assert.equal(mdTable(['a', 'b'], [['x|y', { code: 'sha256:00' }]]), '| a | b |\n| --- | --- |\n| x\\|y | `sha256:00` |\n');
    assert.equal(mdTable(['a'], []), '');
  });
});

describe('HTML shell', () => {
  const doc = htmlDocument({
    title: 'T <1>',
    sections: [
      { id: 'one', heading: 'First', body: html`<p>${'x'}</p>` },
      { id: 'two', heading: 'Second & last', body: html`<p>y</p>` },
    ],
    footer: html`generated`,
  });

  test('one self-contained file: CSP forbids every fetch, no script, inline CSS, print page breaks', () => {
    assert.ok(doc.startsWith('<!DOCTYPE html>\n<html lang="en">'));
    assert.ok(doc.includes(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`));
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
    assert.ok(!/<script|<link|src="http|url\(http/i.test(doc));
    assert.ok(doc.includes('section.page-break { break-before: page; page-break-before: always; }'));
    assert.ok(doc.includes('<title>T &lt;1&gt;</title>'));
    // The first section starts on the first page; later ones on a new page.
    assert.ok(doc.includes('<section id="one"><h2>First</h2>'));
    assert.ok(doc.includes('<section id="two" class="page-break"><h2>Second &amp; last</h2>'));
    assert.ok(doc.includes('<li><a href="#two">Second &amp; last</a></li>'));
  });
});

describe('lineage graph', () => {
  test('dagre layout: every node placed, inputs above their consumer, dangling edges dropped', () => {
    const l = layoutGraph(GRAPH);
    assert.equal(l.nodes.length, 4);
    assert.equal(l.edges.length, 3);
    const y = (id: string): number => l.nodes.find((n) => n.id === id)!.y;
    assert.ok(y(D('a')) < y(D('b')));
    assert.ok(y(D('c')) < y(D('b')));
    for (const n of l.nodes) assert.ok(n.x - n.width / 2 >= 0 && n.x + n.width / 2 <= l.width + 0.01, `${n.id} inside the drawing`);
  });

  test('deterministic: the same graph in any insertion order gives the same SVG bytes', () => {
    const a = renderGraphSvg(GRAPH, { idPrefix: 'g1' });
    const b = renderGraphSvg({ nodes: [...GRAPH.nodes].reverse(), edges: [...GRAPH.edges].reverse() }, { idPrefix: 'g1' });
    assert.equal(a, b);
  });

  test('SVG: escaped text, a status word per node (survives black-and-white print), no script or external reference', () => {
    const svg = renderGraphSvg(GRAPH, { idPrefix: 'g1', title: 'Lineage of <x>' });
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(!svg.includes('<script'));
    assert.ok(svg.includes('tuned &lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(svg.includes('data &amp; &quot;quotes&quot;'));
    assert.ok(svg.includes('<title id="g1-title">Lineage of &lt;x&gt;</title>'));
    for (const word of ['✔ verified', '? not verified', '✘ flagged', '∅ missing link']) assert.ok(svg.includes(word), word);
    assert.equal((svg.match(/data-status="flagged"/g) ?? []).length, 1);
    assert.ok(!/href="http|xlink:href/.test(svg));
  });

  test('from a chain: links, inputs with no attestation as missing, datasets, flagged digests', () => {
    const chain: ChainResult = {
      verdict: 'failed',
      model: { digest: D('1') },
      registry: '/r/.provenance',
      strict: false,
      ignored: [],
      ignoredAdvisories: [],
      links: [
        { digest: D('1'), name: 'q', stage: 'quantization', attestation: D('9'), signer: 'quantizer', builderId: 'b', inputs: [{ role: 'base-model', digest: D('2'), name: 'ft' }], annotations: [{ stage: 'evaluation', attestation: D('8'), signer: 'evaluator', inputs: [] }], depth: 0 },
        { digest: D('2'), name: 'ft', stage: 'fine-tuning', attestation: D('7'), signer: 'trainer', builderId: 'b', inputs: [{ role: 'base-model', digest: D('3'), name: 'base' }, { role: 'dataset', digest: D('4'), name: 'sft', usage: 'training' }], annotations: [], depth: 1, consumer: { digest: D('1'), role: 'base-model' } },
      ],
      externalRoots: [],
      problems: [{ code: 'MISSING_LINK', message: 'no trusted attestation produced base-model', digest: D('3') }],
    };
    const g = graphFromChain(chain, { flagged: [D('4')] });
    const by = new Map(g.nodes.map((n) => [n.id, n]));
    assert.equal(by.get(D('1'))!.kind, 'model');
    assert.equal(by.get(D('1'))!.status, 'verified');
    assert.ok(by.get(D('1'))!.details!.includes('+ evaluation by evaluator'));
    assert.equal(by.get(D('3'))!.status, 'missing');
    assert.equal(by.get(D('4'))!.status, 'flagged');
    assert.deepEqual(g.edges.map((e) => e.role).sort(), ['base-model', 'base-model', 'training data']);
  });

  test('Mermaid: the same graph for Markdown, deterministic, labels cannot break out', () => {
    const m = graphToMermaid(GRAPH);
    assert.equal(m, graphToMermaid({ nodes: [...GRAPH.nodes].reverse(), edges: [...GRAPH.edges].reverse() }));
    assert.ok(m.startsWith('flowchart TD\n'));
    assert.ok(m.includes('tuned #60;script#62;alert(1)#60;/script#62;'));
    assert.ok(m.includes('data & #34;quotes#34;'));
    assert.match(m, /n2\[\("data & #34;quotes#34;<br\/>unverified|n\d\[\("data/);
    assert.match(m, /class n\d flagged/);
    assert.equal((m.match(/-->|-\.->/g) ?? []).length, 3, 'the dangling edge is dropped');
  });
});
