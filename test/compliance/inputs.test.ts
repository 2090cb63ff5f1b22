/**
 * report-inputs.json: its schema is generated from the framework definitions (and the
 * committed file is that, byte for byte); init never changes a person's text; the language
 * server recognises the file by its $schema and gives completion (the points, with titles),
 * hover (what a point asks) and diagnostics (a text without author, an unknown point).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CompletionRequest, HoverRequest, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { FRAMEWORKS, INPUTS_SCHEMA_ID, analyzeDocument, checkInputs, detectKind, initInputs, leafPoints, needsPerson, reportInputsSchema } from '../../core';
import { LspClient, caret } from '../helpers/lsp-client';
import { REPO } from '../helpers/fixtures';
import { makeWorkspace, type Workspace } from '../helpers/workspace';

describe('report-inputs.json', () => {
  test('init keeps a person\'s formatting byte for byte: a one-line entry stays one line, new keys take the file\'s indent (4 spaces, tabs) and line ends (newcomer re-check 2, item 4)', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const before = `{\n    "$schema": "${INPUTS_SCHEMA_ID}",\n    "eu-ai-act-annex-iv": {\n        "9": {"text": "PMS plan v2", "author": "Ops <o@a.example>", "date": "2026-11-10"}\n    }\n}\n`;
    const { text, added } = initInputs(before, ['eu-ai-act-annex-iv'], 'report-inputs.json', { name: 'q4', digest });
    assert.equal(added.length, 19);
    assert.equal(
      text.slice(0, text.indexOf('"1(b)"')),
      `{\n    "$schema": "${INPUTS_SCHEMA_ID}",\n    "subject": {\n        "name": "q4",\n        "digest": "${digest}"\n    },\n    "eu-ai-act-annex-iv": {\n        "9": {"text": "PMS plan v2", "author": "Ops <o@a.example>", "date": "2026-11-10"},\n        "1(a)": {\n            "text": "",\n            "author": "",\n            "date": "",\n            "question": "State the intended purpose of the system and name the provider."\n        },\n        `,
    );
    assert.ok(text.endsWith('        }\n    }\n}\n'), JSON.stringify(text.slice(-40)));
    // Every line of the person's file is still there, in order; only insertions (and the comma JSON needs after the entry that was last).
    const kept = before.split('\n');
    let i = 0;
    for (const line of text.split('\n')) if (line === kept[i] || line === `${kept[i]},`) i++;
    assert.equal(i, kept.length);
    // Tabs and CRLF stay tabs and CRLF.
    const tabs = initInputs(`{\r\n\t"$schema": "${INPUTS_SCHEMA_ID}",\r\n\t"eu-ai-act-annex-iv": {}\r\n}\r\n`, ['eu-ai-act-annex-iv']).text;
    assert.ok(tabs.startsWith(`{\r\n\t"$schema": "${INPUTS_SCHEMA_ID}",\r\n\t"eu-ai-act-annex-iv": {\r\n\t\t"1(a)": {\r\n\t\t\t"text": "",\r\n`), JSON.stringify(tabs.slice(0, 160)));
    assert.ok(!/[^\r]\n/.test(tabs), 'no bare LF in a CRLF file');
  });

  test('init refuses a file written for another model, naming the line (REPORT_INPUTS_OTHER_MODEL, as the report does)', () => {
    const text = `{\n  "$schema": "${INPUTS_SCHEMA_ID}",\n  "subject": { "name": "q4", "digest": "sha256:${'ab'.repeat(32)}" }\n}\n`;
    assert.throws(
      () => initInputs(text, ['eu-ai-act-annex-iv'], 'report-inputs.json', { name: 'ft', digest: `sha256:${'cd'.repeat(32)}` }),
      (e: Error & { code?: string }) => e.code === 'REPORT_INPUTS_OTHER_MODEL' && e.message === `subject (line 3 column 3): written for "q4" sha256:${'ab'.repeat(32)}, not for the model given to init "ft" sha256:${'cd'.repeat(32)}; each model has its own inputs file: give another with --output`,
    );
    // The same model: extended as usual.
    assert.equal(initInputs(text, ['eu-ai-act-annex-iv'], 'report-inputs.json', { name: 'q4', digest: `sha256:${'ab'.repeat(32)}` }).added.length, 19);
  });

  test('each bad entry is its own problem, worded alike whether the author is missing or empty', () => {
    const text = `{ "$schema": "${INPUTS_SCHEMA_ID}",\n "eu-ai-act-annex-iv": {\n  "1(a)": { "text": "x", "date": "2026-11-01" },\n  "1(b)": { "text": "x", "author": "", "date": "2026-11-01" },\n  "99": { "text": "x", "author": "a", "date": "2026-11-01" } }\n}\n`;
    assert.throws(
      () => checkInputs(JSON.parse(text), 'report-inputs.json', text),
      (e: Error & { code?: string; also?: { message: string }[] }) => {
        assert.equal(e.code, 'REPORT_INPUTS_INVALID');
        assert.deepEqual([e.message, ...e.also!.map((a) => a.message)], [
          'eu-ai-act-annex-iv.1(a).author (line 3 column 3): missing; a text needs its author',
          'eu-ai-act-annex-iv.1(b).author (line 4 column 26): empty; a text needs its author',
          'eu-ai-act-annex-iv.99 (line 5 column 3): not a point of EU AI Act Annex IV',
        ]);
        return true;
      },
    );
  });
  test('schemas/report-inputs.schema.json is the schema generated from the framework definitions', () => {
    assert.equal(readFileSync(join(REPO, 'schemas', 'report-inputs.schema.json'), 'utf8'), `${JSON.stringify(reportInputsSchema(), null, 2)}\n`);
    const s = reportInputsSchema() as { properties: Record<string, { properties: Record<string, { title: string }> }> };
    for (const [id, f] of Object.entries(FRAMEWORKS)) assert.deepEqual(Object.keys(s.properties[id]!.properties).sort(), leafPoints(f).map((p) => p.id).sort(), id);
    assert.equal(s.properties['eu-ai-act-annex-iv']!.properties['2(g)']!.title, 'EU AI Act Annex IV 2(g): Validation and testing');
  });

  test('kind detection by $schema; the one validator gives stable codes at the right places', () => {
    const text = JSON.stringify({ $schema: INPUTS_SCHEMA_ID, 'eu-ai-act-annex-iv': { '2(e)': { text: 'Reviewed by people.', author: '', date: '20 Nov' }, '10': { text: '', author: '', date: '' } } }, null, 2);
    assert.equal(detectKind('anything.json', JSON.parse(text))?.kind, 'report-inputs');
    const a = analyzeDocument('anything.json', text);
    const at = (code: string): string => {
      const f = a.findings.find((x) => x.code === code)!;
      return text.slice(f.offset, f.offset + f.length);
    };
    assert.deepEqual(a.findings.map((f) => f.code).sort(), ['REPORT_INPUT_NO_AUTHOR', 'REPORT_INPUT_NO_DATE', 'SCHEMA_ADDITIONAL_PROPERTIES']);
    assert.equal(at('REPORT_INPUT_NO_AUTHOR'), '""');
    assert.equal(at('REPORT_INPUT_NO_DATE'), '"20 Nov"');
    assert.equal(at('SCHEMA_ADDITIONAL_PROPERTIES'), '"10"');
    assert.equal(a.findings.find((f) => f.code === 'REPORT_INPUT_NO_AUTHOR')!.message, 'a text needs its author');
  });

  test('init: every P/H/S point of the frameworks asked for, nothing else; a second init adds nothing', () => {
    const first = initInputs(undefined, ['nist-ai-rmf']);
    const doc = JSON.parse(first.text);
    assert.deepEqual(Object.keys(doc['nist-ai-rmf']).sort(), leafPoints(FRAMEWORKS['nist-ai-rmf']).filter((p) => needsPerson(p.fill!)).map((p) => p.id).sort());
    assert.ok(!('GOVERN 1.6' in doc['nist-ai-rmf']), 'a D point is filled by the record itself');
    const second = initInputs(first.text, ['nist-ai-rmf']);
    assert.deepEqual(second.added, []);
    assert.equal(second.text, first.text);
  });

  describe('in the language server', () => {
    let ws: Workspace;
    let client: LspClient;
    before(async () => {
      ws = await makeWorkspace();
      client = LspClient.inMemory();
      await client.initialize(ws.rootUri, { modelProvenance: {}, trustSource: 'test settings' });
    });
    after(() => client.connection.dispose());
    const items = (s: unknown): { label: string; documentation?: unknown; detail?: string }[] => (Array.isArray(s) ? s : ((s as { items?: [] })?.items ?? []));

    test('completion offers the points with their titles; inside an entry, text, author and date', async () => {
      const uri = ws.uri(join(ws.root, 'report-inputs.json'));
      const a = caret(`{\n  "$schema": "${INPUTS_SCHEMA_ID}",\n  "eu-ai-act-annex-iv": {\n    |\n  }\n}`);
      client.open(uri, a.text);
      await client.diagnosticsFor(uri);
      const list = items(await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: a.position }));
      const g = list.find((i) => i.label === '2(g)');
      assert.ok(g, `2(g) offered among ${list.map((i) => i.label).join(', ')}`);
      assert.match(JSON.stringify(g), /Validation and testing/);
      assert.equal(list.filter((i) => /^\d|^[1-9]/.test(i.label)).length, 25 - 2);

      const uri2 = ws.uri(join(ws.root, 'report-inputs-2.json'));
      const b = caret(`{\n  "$schema": "${INPUTS_SCHEMA_ID}",\n  "eu-ai-act-annex-iv": {\n    "2(g)": { | }\n  }\n}`);
      client.open(uri2, b.text);
      await client.diagnosticsFor(uri2);
      const inner = items(await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: uri2 }, position: b.position })).map((i) => i.label);
      for (const k of ['text', 'author', 'date']) assert.ok(inner.includes(k), `${k} in ${inner.join(',')}`);
    });

    test('hover on a point says what it asks for', async () => {
      const uri = ws.uri(join(ws.root, 'hover-inputs.json'));
      const { text, position } = caret(`{\n  "$schema": "${INPUTS_SCHEMA_ID}",\n  "eu-ai-act-annex-iv": {\n    "2(|e)": { "text": "", "author": "", "date": "" }\n  }\n}`);
      client.open(uri, text);
      await client.diagnosticsFor(uri);
      const h = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
      assert.match(JSON.stringify(h?.contents), /Human oversight measures/);
      assert.match(JSON.stringify(h?.contents), /Article 14/);
    });

    test('diagnostics: a text without its author is underlined at the author', async () => {
      const uri = ws.uri(join(ws.root, 'diag-inputs.json'));
      const text = `{\n  "$schema": "${INPUTS_SCHEMA_ID}",\n  "eu-ai-act-annex-iv": {\n    "2(e)": { "text": "Reviewed by people.", "author": "", "date": "2026-11-20" }\n  }\n}`;
      client.open(uri, text);
      const d = await client.diagnosticsFor(uri, (x) => x.diagnostics.length > 0);
      const doc = TextDocument.create(uri, 'json', 1, text);
      const e = d.diagnostics.find((x: Diagnostic) => x.code === 'REPORT_INPUT_NO_AUTHOR')!;
      assert.ok(e, JSON.stringify(d.diagnostics));
      assert.equal(doc.getText(e.range), '""');
      assert.equal(e.message, 'a text needs its author');
    });
  });
});
