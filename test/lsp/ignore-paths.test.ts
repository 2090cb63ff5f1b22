/**
 * `modelProvenance.ignorePaths` over the bundled server's stdio: the editor's `--ignore-paths`.
 * The v1.0.1 elliptic-key vector (its signer left `ignore-me` out without recording it) is
 * FILE_UNEXPECTED without the setting and verified with it, read in place; the hover and the
 * Verify report name what was left out; a settings change re-verifies; Restricted Mode does
 * not apply the workspace's own paths (the client's merge, core/editor/trust-settings.ts, then
 * the server). The v1.1.0 vector records its ignore_paths and verifies with no setting. On a
 * model signed here: a path shared by two models is no error where it names nothing, paths
 * outside the model or naming it are dropped, absolute paths work, a bad value is a warning
 * naming the setting.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { DidChangeConfigurationNotification, ExecuteCommandRequest, HoverRequest, type Diagnostic, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { generateKeyPair, signModel, writeKeyPair } from '../../core';
import { mergeIgnorePaths } from '../../core/editor/trust-settings';
import type { ModelStateView, VerifyOutcome } from '../../core/editor/protocol';
import { makeModel, tempDir } from '../helpers/fixtures';
import { LspClient } from '../helpers/lsp-client';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';

const MT = join(VECTORS, 'model-transparency');
const KEY = join(MT, 'keys', 'certificate', 'signing-key-pub.pem');

const codes = (d: PublishDiagnosticsParams): string[] => d.diagnostics.map((x) => String(x.code)).sort();
const find = (d: PublishDiagnosticsParams, code: string): Diagnostic => {
  const x = d.diagnostics.find((y) => y.code === code);
  assert.ok(x, `${code} in ${JSON.stringify(codes(d))}`);
  return x;
};
const withMessage = (code: string, re: RegExp) => (d: PublishDiagnosticsParams): boolean => d.diagnostics.some((x) => x.code === code && re.test(String(x.message)));

async function configure(client: LspClient, settings: Record<string, unknown>, ignoredTrust?: Record<string, number>): Promise<void> {
  await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { modelProvenance: settings, trustSource: 'test settings', ...(ignoredTrust ? { ignoredTrust } : {}) } });
}

async function payloadHover(client: LspClient, sig: string): Promise<string> {
  const text = readFileSync(sig, 'utf8');
  const doc = TextDocument.create(pathToFileURL(sig).href, 'json', 1, text);
  const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: doc.uri }, position: doc.positionAt(text.indexOf('"payload"') + 14) });
  return JSON.stringify(hover?.contents);
}

const state = async (client: LspClient, sig: string): Promise<ModelStateView> => (await client.connection.sendRequest('modelProvenance/modelState', { path: sig })) as ModelStateView;

/** The model's state once it is done and satisfies `pred` (asked again while it is being computed). */
async function until(client: LspClient, sig: string, pred: (v: ModelStateView) => boolean, timeoutMs = 60_000): Promise<ModelStateView> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await state(client, sig);
    if (v.phase === 'done' && pred(v)) return v;
    if (Date.now() > end) assert.fail(`state of ${sig} never matched; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('modelProvenance.ignorePaths over stdio: the model-transparency vectors, read in place', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  const v101 = join(MT, 'v1.0.1-elliptic-key');
  const sig = join(v101, 'model.sig');
  const uri = pathToFileURL(sig).href;
  let client: LspClient;
  before(async () => {
    client = LspClient.stdio();
    await client.initialize(pathToFileURL(MT).href, { modelProvenance: { trustedKeys: [KEY] }, trustSource: 'test settings' });
    client.open(uri, readFileSync(sig, 'utf8'));
  });
  after(() => client.shutdown());

  test('v1.0.1 elliptic-key: FILE_UNEXPECTED for ignore-me without the setting; ignorePaths ["ignore-me"] re-verifies it, and every surface says verified and what was left out', async () => {
    const before = await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'FILE_UNEXPECTED'), 60_000);
    assert.deepEqual(codes(before), ['FILE_UNEXPECTED']);
    assert.equal(String(find(before, 'FILE_UNEXPECTED').message), 'ignore-me is not covered by the signature');
    const unset = await state(client, sig);
    assert.equal(unset.state, 'modified');
    assert.equal(unset.ignorePaths, undefined, 'nothing configured: nothing said about ignore paths');
    // Only an added file: the advice is not "restore the files", and it names the way to leave it out.
    const unsetReport = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'modelProvenance.server.verify', arguments: [uri] })) as VerifyOutcome;
    assert.match(unsetReport.report, /^ {2}Next: files were added after signing: do not deploy until you know what they are; remove them, or re-sign if they belong to the model\. If the signer left them out on purpose \(model_signing before v1\.1 does not record that in the signature\), leave them out the same way: modelProvenance\.ignorePaths in the editor, --ignore-paths on the CLI\.$/m);

    await configure(client, { trustedKeys: [KEY], ignorePaths: ['ignore-me'] });
    const d = await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'), 60_000);
    assert.deepEqual(codes(d), ['MODEL_VERIFIED']);
    assert.match(String(find(d, 'MODEL_VERIFIED').message), /^verified: signed by key [0-9a-f]{8}… \(signing-key-pub\.pem\), whom you trust; 2 of 2 files match the signed digests; left out by modelProvenance\.ignorePaths: ignore-me$/);
    const view = await state(client, sig);
    assert.equal(view.state, 'verified');
    assert.deepEqual(view.ignorePaths?.applied, ['ignore-me']);
    assert.equal(view.ignorePaths?.text, 'Left out by modelProvenance.ignorePaths: "ignore-me" (not compared with the signature).');
    assert.ok(view.detail?.endsWith(view.ignorePaths!.text), view.detail);
    const lens = (await client.lenses(uri)).find((l) => l.command?.command === 'modelProvenance.verifyModel')?.command?.title;
    assert.match(String(lens), /^verified: key [0-9a-f]{8}… \(signing-key-pub\.pem\) — verify again$/);

    const md = await payloadHover(client, sig);
    assert.match(md, /verified: key/);
    assert.ok(md.includes('Left out by modelProvenance.ignorePaths: \\"ignore-me\\" (not compared with the signature).'), md);

    const r = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'modelProvenance.server.verify', arguments: [uri] })) as VerifyOutcome;
    assert.equal(r.verdict, 'verified');
    assert.match(r.summary, /^verified: key [0-9a-f]{8}… \(signing-key-pub\.pem\); left out by modelProvenance\.ignorePaths: ignore-me$/);
    assert.match(r.report, /^ {2}Ignored {5}Left out by modelProvenance\.ignorePaths: "ignore-me" \(not compared with the signature\)\.$/m);
  });

  test('the same path as model_signing\'s own script gives it, absolute: verified; removing the setting brings FILE_UNEXPECTED back', async () => {
    const before = (await state(client, sig)).at ?? 0;
    await configure(client, { trustedKeys: [KEY], ignorePaths: [join(v101, 'ignore-me')] });
    const v = await until(client, sig, (x) => (x.at ?? 0) > before);
    assert.equal(v.state, 'verified');
    assert.deepEqual(v.ignorePaths?.applied, ['ignore-me']);
    await configure(client, { trustedKeys: [KEY] });
    const d = await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'FILE_UNEXPECTED'), 60_000);
    assert.deepEqual(codes(d), ['FILE_UNEXPECTED']);
  });

  test('Restricted Mode: ignore-me named only by the workspace is not applied, and the unexpected file says so; trusted, it is', async () => {
    // What the client sends for a .vscode/settings.json naming ignore-me: in an untrusted workspace, none of it.
    const untrusted = mergeIgnorePaths({ workspaceValue: ['ignore-me'], workspaceFolderValues: [['ignore-me']] }, false);
    assert.deepEqual(untrusted, { value: [], ignored: 1 });
    await configure(client, { trustedKeys: [KEY], ignorePaths: untrusted.value }, { ignorePaths: untrusted.ignored });
    const d = await client.diagnosticsFor(uri, withMessage('FILE_UNEXPECTED', /Restricted Mode/), 60_000);
    assert.deepEqual(codes(d), ['FILE_UNEXPECTED']);
    assert.equal(String(find(d, 'FILE_UNEXPECTED').message), "ignore-me is not covered by the signature; the workspace's own modelProvenance.ignorePaths is ignored in Restricted Mode (it names 1 path)");
    const view = await state(client, sig);
    assert.equal(view.state, 'modified');
    assert.match(String(view.detail), /The workspace's own modelProvenance\.ignorePaths is ignored in Restricted Mode \(it names 1 path\): nothing it names is left out\.$/);

    const trusted = mergeIgnorePaths({ workspaceValue: ['ignore-me'], workspaceFolderValues: [['ignore-me']] }, true);
    await configure(client, { trustedKeys: [KEY], ignorePaths: trusted.value });
    await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'), 60_000);
  });

  test('v1.1.0 elliptic-key records ignore_paths: verified with no setting, and a path it already leaves out is named as applied', async () => {
    const sig110 = join(MT, 'v1.1.0-elliptic-key', 'model.sig');
    const uri110 = pathToFileURL(sig110).href;
    await configure(client, { trustedKeys: [KEY] });
    client.open(uri110, readFileSync(sig110, 'utf8'));
    const d = await client.diagnosticsFor(uri110, (x) => x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'), 60_000);
    assert.deepEqual(codes(d), ['MODEL_VERIFIED']);
    assert.equal((await state(client, sig110)).ignorePaths, undefined);
    await configure(client, { trustedKeys: [KEY], ignorePaths: ['ignore-me', 'not-here'] });
    await client.diagnosticsFor(uri110, withMessage('MODEL_VERIFIED', /left out by modelProvenance\.ignorePaths: ignore-me$/), 60_000);
    assert.equal((await state(client, sig110)).ignorePaths?.text, 'Left out by modelProvenance.ignorePaths: "ignore-me" (not compared with the signature); not in this model: "not-here".');
  });
});

describe('modelProvenance.ignorePaths over stdio: models signed here', () => {
  let root: string;
  let a: string;
  let b: string;
  let pub: string;
  let client: LspClient;
  const sigOf = (m: string): string => join(m, 'model.sig');
  const uriOf = (m: string): string => pathToFileURL(sigOf(m)).href;

  before(async () => {
    root = tempDir('mp-lsp-ignore-', { untilExit: true });
    writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair('P-256'));
    pub = join(root, 'keys', 'prod.pub.pem');
    const signer = { kind: 'key' as const, privateKey: createPrivateKey(readFileSync(join(root, 'keys', 'prod.pem'))) };
    a = makeModel(join(root, 'models', 'a'), { 'model.safetensors': Buffer.alloc(2048, 1), 'config.json': '{}' });
    b = makeModel(join(root, 'models', 'b'), { 'model.safetensors': Buffer.alloc(1024, 2) });
    await signModel({ modelPath: a, signer });
    await signModel({ modelPath: b, signer });
    // Added after signing: a scratch file and a cache folder the signer did not mean to cover.
    makeModel(a, { 'notes.txt': 'scratch', 'cache/x.bin': 'x' });
    client = LspClient.stdio();
    await client.initialize(pathToFileURL(root).href, { modelProvenance: { trustedKeys: [pub] }, trustSource: 'test settings' });
    client.open(uriOf(a), readFileSync(sigOf(a), 'utf8'));
    client.open(uriOf(b), readFileSync(sigOf(b), 'utf8'));
  });
  after(() => client.shutdown());

  test('one setting for both models: the files added to a are unexpected without it; with it, a file and a folder are left out of a; in b, where they name nothing, no error, and the report says so', async () => {
    const unset = await client.diagnosticsFor(uriOf(a), (x) => x.diagnostics.filter((y) => y.code === 'FILE_UNEXPECTED').length === 2, 60_000);
    assert.deepEqual(unset.diagnostics.map((x) => String(x.message)).sort(), ['cache/x.bin is not covered by the signature', 'notes.txt is not covered by the signature']);
    await client.diagnosticsFor(uriOf(b), (x) => x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'), 60_000);

    await configure(client, { trustedKeys: [pub], ignorePaths: ['notes.txt', 'cache/'] });
    const d = await client.diagnosticsFor(uriOf(a), withMessage('MODEL_VERIFIED', /left out/), 60_000);
    assert.deepEqual(codes(d), ['MODEL_VERIFIED']);
    assert.match(String(find(d, 'MODEL_VERIFIED').message), /; 2 of 2 files match the signed digests; left out by modelProvenance\.ignorePaths: notes\.txt, cache$/);
    const va = await state(client, sigOf(a));
    assert.deepEqual(va.ignorePaths?.applied, ['notes.txt', 'cache']);

    const vb = await until(client, sigOf(b), (x) => x.ignorePaths !== undefined);
    assert.equal(vb.state, 'verified');
    const db = await client.diagnosticsFor(uriOf(b), (x) => x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'), 60_000);
    assert.deepEqual(codes(db), ['MODEL_VERIFIED']);
    assert.equal(String(find(db, 'MODEL_VERIFIED').message).includes('left out'), false);
    assert.deepEqual(vb.ignorePaths?.applied, []);
    assert.equal(vb.ignorePaths?.text, 'Nothing in this model is left out by modelProvenance.ignorePaths; not in this model: "notes.txt", "cache".');
    const r = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'modelProvenance.server.verify', arguments: [uriOf(b)] })) as VerifyOutcome;
    assert.equal(r.verdict, 'verified');
    assert.match(r.report, /Ignored {5}Nothing in this model is left out by modelProvenance\.ignorePaths/);
  });

  test('absolute paths, a path outside the model and one naming the model itself: applied, dropped, dropped (never a crash)', async () => {
    const outside = join(root, 'elsewhere.txt');
    writeFileSync(outside, 'x');
    await configure(client, { trustedKeys: [pub], ignorePaths: [join(a, 'notes.txt'), join(a, 'cache'), outside, '.'] });
    const v = await until(client, sigOf(a), (x) => x.ignorePaths?.text.includes('outside this model') === true);
    assert.equal(v.state, 'verified');
    assert.deepEqual(v.ignorePaths?.applied, ['notes.txt', 'cache']);
    assert.equal(v.ignorePaths?.text, `Left out by modelProvenance.ignorePaths: "notes.txt", "cache" (not compared with the signature); outside this model (dropped): ${JSON.stringify(outside)}, ".".`);
  });

  test('a bad value is a warning naming the setting on every signature and in the status; nothing is left out', async () => {
    await configure(client, { trustedKeys: [pub], ignorePaths: 'notes.txt' });
    const d = await client.diagnosticsFor(uriOf(a), (x) => x.diagnostics.some((y) => y.code === 'SETTING_INVALID') && x.diagnostics.some((y) => y.code === 'FILE_UNEXPECTED'), 60_000);
    const w = find(d, 'SETTING_INVALID');
    assert.equal(w.severity, 2);
    assert.equal(String(w.message), 'modelProvenance.ignorePaths must be a list of paths (strings, relative to the model folder or absolute), but it is a string ("notes.txt"), not a list: none of it is applied, so no file is left out', 'Problems shows the code beside it: not repeated in the message');
    const db = await client.diagnosticsFor(uriOf(b), (x) => x.diagnostics.some((y) => y.code === 'SETTING_INVALID'), 60_000);
    assert.deepEqual(codes(db), ['MODEL_VERIFIED', 'SETTING_INVALID']);
    const s = (await client.connection.sendRequest('modelProvenance/status', { uri: uriOf(a) })) as { trustProblems: string[] };
    assert.deepEqual(s.trustProblems, [`${String(w.message)} [SETTING_INVALID]`]);

    await configure(client, { trustedKeys: [pub], ignorePaths: ['notes.txt', 3] });
    const d2 = await client.diagnosticsFor(uriOf(a), withMessage('SETTING_INVALID', /entry 2 is a number/), 60_000);
    assert.equal(d2.diagnostics.filter((x) => x.code === 'FILE_UNEXPECTED').length, 2);
    // The server still answers, and a good value clears the warning.
    await configure(client, { trustedKeys: [pub], ignorePaths: ['notes.txt', 'cache'] });
    const ok = await client.diagnosticsFor(uriOf(a), (x) => x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'), 60_000);
    assert.deepEqual(codes(ok), ['MODEL_VERIFIED']);
  });

  test('Restricted Mode: the workspace\'s own paths are not applied; the user\'s are, and the two add up in a trusted workspace', async () => {
    const inspected = { globalValue: ['notes.txt'], workspaceValue: ['cache'] };
    const untrusted = mergeIgnorePaths(inspected, false);
    assert.deepEqual(untrusted, { value: ['notes.txt'], ignored: 1 });
    await configure(client, { trustedKeys: [pub], ignorePaths: untrusted.value }, { ignorePaths: untrusted.ignored });
    const d = await client.diagnosticsFor(uriOf(a), withMessage('FILE_UNEXPECTED', /Restricted Mode/), 60_000);
    assert.deepEqual(d.diagnostics.map((x) => String(x.message)), ["cache/x.bin is not covered by the signature; the workspace's own modelProvenance.ignorePaths is ignored in Restricted Mode (it names 1 path)"]);
    assert.deepEqual((await state(client, sigOf(a))).ignorePaths?.applied, ['notes.txt']);
    // b has no unexpected file: nothing about Restricted Mode is said there.
    const vb = await until(client, sigOf(b), (x) => x.ignorePaths?.text === 'Nothing in this model is left out by modelProvenance.ignorePaths; not in this model: "notes.txt".');
    assert.equal(vb.state, 'verified');
    assert.doesNotMatch(String(vb.detail), /Restricted Mode/);

    const trusted = mergeIgnorePaths(inspected, true);
    assert.deepEqual(trusted, { value: ['notes.txt', 'cache'], ignored: 0 });
    await configure(client, { trustedKeys: [pub], ignorePaths: trusted.value });
    await client.diagnosticsFor(uriOf(a), (x) => x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'), 60_000);
  });
});
