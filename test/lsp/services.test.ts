/** Language server services on in-memory documents (the server in process, real JSON-RPC). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CodeActionRequest, CompletionRequest, DocumentSymbolRequest, HoverRequest, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument, generateManifest, validateManifestStatic } from '../../core';
import { makeModel } from '../helpers/fixtures';
import { LspClient, caret } from '../helpers/lsp-client';
import { makeWorkspace, type Workspace } from '../helpers/workspace';

const codes = (d: { diagnostics: Diagnostic[] }): string[] => d.diagnostics.map((x) => String(x.code));

describe('language server services', () => {
  let ws: Workspace;
  let client: LspClient;
  before(async () => {
    ws = await makeWorkspace();
    client = LspClient.inMemory();
    await client.initialize(ws.rootUri, { modelProvenance: { trustedKeys: ['keys/prod.pub.pem'] }, trustSource: 'test settings' });
  });
  after(() => client.connection.dispose());

  test('other JSON files are left alone', async () => {
    const uri = ws.uri(join(ws.root, 'package.json'));
    client.open(uri, '{"name": "x", "version": 1');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(client.diagnostics.get(uri)?.diagnostics.length ?? 0, 0);
  });

  test('a manifest: schema and profile problems at tight ranges', async () => {
    const uri = ws.uri(join(ws.root, 'edited.cdx.json'));
    const text = readFileSync(ws.manifest, 'utf8').replace('"type": "file"', '"type": "fiel"');
    client.open(uri, text);
    const d = await client.diagnosticsFor(uri, (x) => codes(x).includes('CDX_ENUM'));
    const doc = TextDocument.create(uri, 'json', 1, text);
    const e = d.diagnostics.find((x) => x.code === 'CDX_ENUM')!;
    assert.equal(doc.getText(e.range), '"fiel"');
    assert.equal(e.codeDescription?.href, 'https://model-provenance.dev/docs/findings#CDX_ENUM');
    assert.equal(e.source, 'model-provenance');
  });

  test('a manifest with a duplicated bom-ref: the diagnostic is on the second, its related information on the first', async () => {
    const uri = ws.uri(join(ws.root, 'duplicated.cdx.json'));
    const bom = JSON.parse(readFileSync(ws.manifest, 'utf8'));
    const files = bom.metadata.component.components;
    files[1]['bom-ref'] = files[0]['bom-ref'];
    const text = JSON.stringify(bom, null, 2);
    client.open(uri, text);
    const d = await client.diagnosticsFor(uri, (x) => codes(x).includes('CDX_BOM_REF_DUPLICATE'));
    const doc = TextDocument.create(uri, 'json', 1, text);
    const dup = d.diagnostics.find((x) => x.code === 'CDX_BOM_REF_DUPLICATE')!;
    const ref = JSON.stringify(files[0]['bom-ref']);
    const first = text.indexOf(ref);
    assert.equal(doc.offsetAt(dup.range.start), text.indexOf(ref, first + 1));
    assert.equal(doc.getText(dup.range), ref);
    assert.equal(dup.severity, 1);
    assert.match(String(dup.message), new RegExp(`is already used at line ${doc.positionAt(first).line + 1} `));
    assert.equal(dup.relatedInformation?.length, 1);
    assert.equal(dup.relatedInformation![0]!.location.uri, uri);
    assert.equal(doc.offsetAt(dup.relatedInformation![0]!.location.range.start), first);
  });

  test('a policy: an unknown key is underlined at the key; a missing key file is reported', async () => {
    const uri = ws.uri(join(ws.root, 'provenance-policy.json'));
    const text = JSON.stringify({ signers: { prod: { publicKey: 'keys/missing.pub.pem' } }, stagez: {} }, null, 2);
    client.open(uri, text);
    const d = await client.diagnosticsFor(uri, (x) => x.diagnostics.length >= 2);
    const doc = TextDocument.create(uri, 'json', 1, text);
    const unknown = d.diagnostics.find((x) => x.code === 'SCHEMA_ADDITIONAL_PROPERTIES')!;
    assert.equal(doc.getText(unknown.range), '"stagez"');
    const missing = d.diagnostics.find((x) => x.code === 'POLICY_FILE_NOT_FOUND')!;
    assert.equal(doc.getText(missing.range), '"keys/missing.pub.pem"');
  });

  test('a policy: a certificate subject that is not a distinguished name is marked at its value, with the loader\'s message', async () => {
    const uri = ws.uri(join(ws.root, 'dn-policy.json'));
    const text = JSON.stringify({ $schema: 'https://model-provenance.dev/schemas/provenance-policy/v1.json', signers: { ca: { certificate: { anchors: [], subject: 'Release Signer' } }, ok: { certificate: { anchors: [], subject: 'CN=Release Signer, OU=ML, O=Example Corp, C=DE' } } } }, null, 2);
    client.open(uri, text);
    const d = await client.diagnosticsFor(uri, (x) => codes(x).includes('DN_MALFORMED'));
    const doc = TextDocument.create(uri, 'json', 1, text);
    const dn = d.diagnostics.filter((x) => x.code === 'DN_MALFORMED');
    assert.equal(dn.length, 1);
    assert.equal(doc.getText(dn[0]!.range), '"Release Signer"');
    assert.equal(dn[0]!.message, 'signer "ca": "Release Signer" is not a distinguished name: expected "type=value" at "Release Signer"');
  });

  test('hover shows the schema description (caret marker)', async () => {
    const uri = ws.uri(join(ws.root, 'hover-policy.json'));
    const { text, position } = caret('{\n  "$schema": "https://model-provenance.dev/schemas/provenance-policy/v1.json",\n  "maxAttestat|ionAgeDays": 30,\n  "signers": {}\n}');
    client.open(uri, text);
    await client.diagnosticsFor(uri);
    const h = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
    assert.match(JSON.stringify(h?.contents), /finished longer ago than this many days/);
  });

  test('hover on a DSSE payload decodes it; on a key hint it names the trusted key', async () => {
    const uri = ws.uri(ws.attestation);
    const text = readFileSync(ws.attestation, 'utf8');
    client.open(uri, text);
    await client.diagnosticsFor(uri);
    const at = (needle: string): { line: number; character: number } => TextDocument.create(uri, 'json', 1, text).positionAt(text.indexOf(needle) + needle.length + 2);
    const payload = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at('"payload": "') });
    assert.match(JSON.stringify(payload?.contents), /stage: \*\*fine-tuning\*\*/);
    const hint = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at('"hint": "') });
    assert.match(JSON.stringify(hint?.contents), /matches the trusted key/);
  });

  test('hover on a manifest digest names the file, its size and its status', async () => {
    const uri = ws.uri(ws.manifest);
    const text = readFileSync(ws.manifest, 'utf8');
    client.open(uri, text);
    await client.diagnosticsFor(uri);
    const bom = JSON.parse(text);
    const h = bom.metadata.component.components.find((c: { name: string }) => c.name === 'model.safetensors').hashes[0].content;
    const pos = TextDocument.create(uri, 'json', 1, text).positionAt(text.indexOf(h) + 5);
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: pos });
    const md = JSON.stringify(hover?.contents);
    assert.match(md, /file `model.safetensors`/);
    assert.match(md, /4,096 bytes/);
  });

  test('completion offers property names, stage values and registry digests (caret markers)', async () => {
    const uri = ws.uri(join(ws.root, 'complete-policy.json'));
    const a = caret('{\n  "$schema": "https://model-provenance.dev/schemas/provenance-policy/v1.json",\n  "signers": {},\n  "stages": { "|" }\n}');
    client.open(uri, a.text);
    await client.diagnosticsFor(uri);
    const stages = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: a.position });
    const items = (s: typeof stages): { label: string; detail?: string }[] => (Array.isArray(s) ? s : (s?.items ?? []));
    const labels = items(stages).map((i) => i.label);
    for (const s of ['pre-training', 'fine-tuning', 'quantization']) assert.ok(labels.some((l) => String(l).includes(s)), `${s} in ${labels.join(',')}\n${client.logs.join('\n')}`);

    const uri2 = ws.uri(join(ws.root, 'complete-policy-2.json'));
    const b = caret('{\n  "$schema": "https://model-provenance.dev/schemas/provenance-policy/v1.json",\n  "signers": {},\n  "baseModels": { "allow": ["|"] }\n}');
    client.open(uri2, b.text);
    await client.diagnosticsFor(uri2);
    const digests = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: uri2 }, position: b.position });
    assert.ok(items(digests).some((i) => /^sha256:[0-9a-f]{64}$/.test(String(i.label)) && /pre-training|fine-tuning/.test(String(i.detail))), 'registry digests offered');

    const uri3 = ws.uri(join(ws.root, 'complete-policy-3.json'));
    const c = caret('{\n  "$schema": "https://model-provenance.dev/schemas/provenance-policy/v1.json",\n  "signers": {},\n  |\n}');
    client.open(uri3, c.text);
    await client.diagnosticsFor(uri3);
    const props = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: uri3 }, position: c.position });
    assert.ok(items(props).some((i) => i.label === 'requiredStages'));
  });

  test('code lenses: verify and decoded payload on a signature; verify and attest on a manifest', async () => {
    const sigUri = ws.uri(ws.sig);
    client.open(sigUri, readFileSync(ws.sig, 'utf8'));
    await client.diagnosticsFor(sigUri);
    const l1 = await client.lenses(sigUri);
    assert.deepEqual(l1?.map((l) => l.command?.command).sort(), ['modelProvenance.showDecodedPayload', 'modelProvenance.verifyModel']);
    const l2 = await client.lenses(ws.uri(ws.manifest));
    assert.deepEqual(l2?.map((l) => l.command?.title).sort(), ['Attest…', 'Verify this model']);
  });

  test('quick fix: a sha256:-prefixed hash is fixed by the offered edit', async () => {
    const uri = ws.uri(join(ws.root, 'prefixed.cdx.json'));
    const original = readFileSync(ws.manifest, 'utf8');
    const bom = JSON.parse(original);
    const h = bom.metadata.component.components[0].hashes[0].content;
    const text = original.replace(`"${h}"`, `"sha256:${h}"`);
    client.open(uri, text);
    const d = await client.diagnosticsFor(uri, (x) => codes(x).includes('MLBOM_HASH_PREFIXED'));
    const diag = d.diagnostics.find((x) => x.code === 'MLBOM_HASH_PREFIXED')!;
    const actions = await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } });
    const fix = actions?.find((a) => 'edit' in a && a.edit) as { edit: { changes: Record<string, { range: Diagnostic['range']; newText: string }[]> } };
    const doc = TextDocument.create(uri, 'json', 1, text);
    const fixed = TextDocument.applyEdits(doc, fix.edit.changes[uri]!);
    assert.equal(fixed, original.replace(/\n$/, '\n'));
    assert.deepEqual(validateManifestStatic(fixed, ws.manifest).findings.filter((f) => f.severity === 'error').map((f) => f.code), []);
    client.change(uri, fixed);
    await client.diagnosticsFor(uri, (x) => !codes(x).includes('MLBOM_HASH_PREFIXED'));
  });

  /** Opens `text`, waits for a diagnostic with `code`, applies the quick fix whose title matches, returns the edited text. */
  async function fix(name: string, text: string, code: string, title: RegExp): Promise<{ fixed: string; titles: string[] }> {
    const uri = ws.uri(join(ws.root, name));
    client.open(uri, text);
    const d = await client.diagnosticsFor(uri, (x) => codes(x).includes(code));
    const diag = d.diagnostics.find((x) => x.code === code)!;
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } })) ?? [];
    const titles = actions.map((a) => a.title);
    const action = actions.find((a) => title.test(a.title)) as { edit?: { changes: Record<string, { range: Diagnostic['range']; newText: string }[]> } } | undefined;
    assert.ok(action?.edit, `a fix matching ${title} for ${code}; offered: ${JSON.stringify(titles)}`);
    return { fixed: TextDocument.applyEdits(TextDocument.create(uri, 'json', 1, text), action.edit.changes[uri]!), titles };
  }
  const POLICY_ID = 'https://model-provenance.dev/schemas/provenance-policy/v1.json';
  /** The findings of the one validator's schema checks (syntax and schema codes), nothing else. */
  const schemaCodes = (file: string, text: string): string[] => analyzeDocument(file, text).findings.map((f) => f.code).filter((c) => /^(SCHEMA_|CDX_|JSON_)/.test(c));

  test('quick fix: a missing required property gets a value of its type, at the document\'s indentation, and the result is valid', async () => {
    const signers = { prod: { publicKey: '../keys/prod.pub.pem' } };
    const policy = { $schema: POLICY_ID, signers, stages: { 'fine-tuning': {} } };
    const fixedPolicy = { ...policy, stages: { 'fine-tuning': { signers: [''] } } };
    const { fixed } = await fix('fix-required-policy.json', JSON.stringify(policy, null, 2), 'SCHEMA_REQUIRED', /^Add missing property "signers"$/);
    assert.equal(fixed, JSON.stringify(fixedPolicy, null, 2));
    assert.deepEqual(schemaCodes('provenance-policy.json', fixed), []);
    // Four-space documents stay four-space; a one-line document stays on one line.
    const four = await fix('fix-required-policy-4.json', JSON.stringify(policy, null, 4), 'SCHEMA_REQUIRED', /signers/);
    assert.equal(four.fixed, JSON.stringify(fixedPolicy, null, 4));
    const withOne = { $schema: POLICY_ID, signers, stages: { 'fine-tuning': { note: 1 } } };
    const flatText = JSON.stringify(withOne).replace('{"note":1}', '{"note": 1}');
    const flat = await fix('fix-required-policy-1.json', flatText, 'SCHEMA_REQUIRED', /signers/);
    assert.equal(flat.fixed, flatText.replace('{"note": 1}', '{"signers": [""], "note": 1}'));
    // No schema-valid value can be made for a map that needs one named entry: no fix rather than a new error.
    const none = { $schema: POLICY_ID, stages: {} };
    const uri = ws.uri(join(ws.root, 'fix-none-policy.json'));
    client.open(uri, JSON.stringify(none, null, 2));
    const d = await client.diagnosticsFor(uri, (x) => codes(x).includes('SCHEMA_REQUIRED'));
    const diag = d.diagnostics.find((x) => x.code === 'SCHEMA_REQUIRED')!;
    const offered = await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } });
    assert.deepEqual(offered, []);

    // An array in an attestation: [] at the statement's own depth and indentation.
    const st = JSON.parse(Buffer.from(JSON.parse(readFileSync(ws.attestation, 'utf8')).dsseEnvelope.payload, 'base64').toString());
    const deps = st.predicate.buildDefinition.resolvedDependencies;
    delete st.predicate.buildDefinition.resolvedDependencies;
    const s = await fix('fix-required.intoto.json', JSON.stringify(st, null, 2), 'SCHEMA_REQUIRED', /^Add missing property "resolvedDependencies"$/);
    // Inserted first in its object, right below the key the diagnostic marks.
    st.predicate.buildDefinition = { resolvedDependencies: [], ...st.predicate.buildDefinition };
    assert.equal(s.fixed, JSON.stringify(st, null, 2));
    assert.deepEqual(schemaCodes('fix.intoto.json', s.fixed), []);
    assert.ok(deps.length > 0);
  });

  test('quick fix: "Add missing property modelCard" inserts an object (not ""), valid against CycloneDX, next to the finding; a missing file name gets a string', async () => {
    const model = makeModel(join(ws.root, 'bare-model'), { 'weights.bin': 'abc' });
    const out = join(ws.root, 'bare-model.cdx.json');
    const { bom } = await generateManifest({ modelPath: model, outputPath: out });
    const text = JSON.stringify(bom, null, 2);
    const { fixed } = await fix('bare-model.cdx.json', text, 'MLBOM_MODEL_CARD_MISSING', /^Add missing property "modelCard"$/);
    const card = JSON.parse(fixed).metadata.component.modelCard;
    assert.deepEqual(card, {});
    assert.match(fixed, /"component": \{\n {6}"modelCard": \{\},\n {6}"/);
    // In view where the person clicked: the new line is within a few lines of the diagnostic (the component's name), not at the end of the object.
    const diag = client.diagnostics.get(ws.uri(join(ws.root, 'bare-model.cdx.json')))!.diagnostics.find((x) => x.code === 'MLBOM_MODEL_CARD_MISSING')!;
    const cardLine = fixed.split('\n').findIndex((l) => l.includes('"modelCard"'));
    assert.ok(Math.abs(cardLine - diag.range.start.line) <= 3, `modelCard at line ${cardLine}, the finding at ${diag.range.start.line}`);
    assert.ok(text.split('\n').length > cardLine + 20, 'the component has more than a screen of lines below the insertion');
    const after = validateManifestStatic(fixed, out).findings;
    assert.deepEqual(after.filter((f) => f.code.startsWith('CDX_')).map((f) => f.code), [], 'valid against the CycloneDX schema');
    assert.ok(!after.some((f) => f.code === 'MLBOM_MODEL_CARD_MISSING'));

    const noName = JSON.parse(text);
    delete noName.metadata.component.components[0].name;
    const n = await fix('no-name.cdx.json', JSON.stringify(noName, null, 2), 'CDX_REQUIRED', /^Add missing property "name"$/);
    assert.equal(JSON.parse(n.fixed).metadata.component.components[0].name, '');
    assert.deepEqual(validateManifestStatic(n.fixed, out).findings.filter((f) => f.code.startsWith('CDX_')).map((f) => f.code), []);
  });

  test('quick fix: a misspelt key gets "did you mean" at the typo, and the rename validates', async () => {
    const bom = JSON.parse(readFileSync(ws.manifest, 'utf8'));
    const c = bom.metadata.component;
    bom.metadata.component = Object.fromEntries(Object.entries(c).map(([k, v]) => [k === 'modelCard' ? 'modelCrad' : k, v]));
    const text = JSON.stringify(bom, null, 2);
    const uri = ws.uri(join(ws.root, 'typo.cdx.json'));
    const { fixed, titles } = await fix('typo.cdx.json', text, 'CDX_ADDITIONAL_PROPERTIES', /^Change "modelCrad" to "modelCard"$/);
    const d = client.diagnostics.get(uri)!.diagnostics.find((x) => x.code === 'CDX_ADDITIONAL_PROPERTIES')!;
    assert.equal(d.message, 'unknown property "modelCrad": did you mean "modelCard"?');
    assert.equal(TextDocument.create(uri, 'json', 1, text).getText(d.range), '"modelCrad"');
    assert.deepEqual(titles, ['Change "modelCrad" to "modelCard"']);
    assert.equal(fixed, JSON.stringify(JSON.parse(readFileSync(ws.manifest, 'utf8')), null, 2));
    assert.deepEqual(validateManifestStatic(fixed, ws.manifest).findings.filter((f) => f.code.startsWith('CDX_')).map((f) => f.code), []);

    const policy = JSON.stringify({ $schema: POLICY_ID, signers: { prod: { publicKey: '../keys/prod.pub.pem' } }, requiredStagez: ['fine-tuning'] }, null, 2);
    const p = await fix('typo-policy.json', policy, 'SCHEMA_ADDITIONAL_PROPERTIES', /^Change "requiredStagez" to "requiredStages"$/);
    assert.deepEqual(schemaCodes('provenance-policy.json', p.fixed), []);
  });

  test('outline: components of a manifest, subject and stage of an attestation', async () => {
    const m = await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: ws.uri(ws.manifest) } });
    const names = JSON.stringify(m);
    assert.match(names, /"name":"classifier"/);
    assert.match(names, /"name":"model.safetensors"/);
    const a = await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: ws.uri(ws.attestation) } });
    assert.match(JSON.stringify(a), /"name":"fine-tuning"/);
  });
});
