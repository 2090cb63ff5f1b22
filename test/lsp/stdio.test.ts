/** The bundled server (dist/server.js) over real LSP stdio, the way an editor runs it. */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CodeActionRequest, CompletionRequest, ExecuteCommandRequest, HoverRequest } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient, caret } from '../helpers/lsp-client';
import { makeWorkspace, type Workspace } from '../helpers/workspace';

describe('bundled language server over stdio', () => {
  let ws: Workspace;
  let client: LspClient;
  before(async () => {
    ws = await makeWorkspace();
    client = LspClient.stdio();
  });
  after(async () => {
    if (client.child && client.child.exitCode === null) client.child.kill();
  });

  test('initialize advertises every feature', async () => {
    const init = await client.initialize(ws.rootUri, { modelProvenance: { trustedKeys: [ws.pub] }, trustSource: 'user settings' });
    const c = init.capabilities;
    assert.ok(c.hoverProvider && c.completionProvider && c.codeLensProvider && c.codeActionProvider && c.documentSymbolProvider);
    assert.deepEqual(c.executeCommandProvider?.commands, ['modelProvenance.server.verify']);
  });

  test('each file kind opens with the expected diagnostics', async () => {
    // A clean signature of an unchanged model: verified in the background, no problems.
    client.open(ws.uri(ws.sig), readFileSync(ws.sig, 'utf8'));
    client.open(ws.uri(ws.manifest), readFileSync(ws.manifest, 'utf8'));
    client.open(ws.uri(ws.attestation), readFileSync(ws.attestation, 'utf8'));
    client.open(ws.uri(ws.policy), readFileSync(ws.policy, 'utf8'));
    for (const f of [ws.attestation, ws.policy]) {
      const d = await client.diagnosticsFor(ws.uri(f));
      assert.deepEqual(d.diagnostics.map((x) => x.code), [], f);
    }
    // The signature renders its model's state: verified, as an information entry naming the signer by kind.
    const sig = await client.diagnosticsFor(ws.uri(ws.sig), (x) => x.diagnostics.length > 0);
    assert.deepEqual(sig.diagnostics.map((x) => [x.code, x.severity]), [['MODEL_VERIFIED', 3]]);
    assert.match(String(sig.diagnostics[0]!.message), /^verified: signed by key [0-9a-f]{8}… \(prod\.pub\.pem\), whom you trust; 2 of 2 files match the signed digests$/);
    const m = await client.diagnosticsFor(ws.uri(ws.manifest));
    assert.ok(m.diagnostics.every((x) => x.severity !== 1), JSON.stringify(m.diagnostics.map((x) => x.code)));
    // A bare statement with a stage that is not a stage.
    const uri = ws.uri(join(ws.root, 'stage.intoto.json'));
    const bad = JSON.parse(Buffer.from(JSON.parse(readFileSync(ws.attestation, 'utf8')).dsseEnvelope.payload, 'base64').toString());
    bad.predicate.buildDefinition.externalParameters.stage = 'vibes';
    const text = JSON.stringify(bad, null, 2);
    client.open(uri, text);
    const d = await client.diagnosticsFor(uri, (x) => x.diagnostics.length > 0);
    const enumError = d.diagnostics.find((x) => x.code === 'SCHEMA_ENUM')!;
    assert.equal(TextDocument.create(uri, 'json', 1, text).getText(enumError.range), '"vibes"');
  });

  test('a model file changed on disk: the open signature says modified without any edit, and verified again once restored', async () => {
    const uri = ws.uri(ws.sig);
    await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'));
    const victim = join(ws.model, 'config.json');
    const original = readFileSync(victim, 'utf8');
    // No didChange: the server's watcher on the model folder sees the file change.
    writeFileSync(victim, '{"architectures":["Evil"]}');
    try {
      const d = await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'FILE_MODIFIED'));
      const m = d.diagnostics.find((y) => y.code === 'FILE_MODIFIED')!;
      assert.equal(m.message, 'config.json differs from the signed digest');
      assert.equal(m.severity, 1);
      assert.ok(!d.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'), 'never "verified" beside "modified"');
    } finally {
      writeFileSync(victim, original);
    }
    await client.diagnosticsFor(uri, (x) => x.diagnostics.length === 1 && x.diagnostics[0]!.code === 'MODEL_VERIFIED');
  });

  test('the model folder deleted and put back (a re-download, a branch switch): not verified while gone, verified again once back, with no edit and no "verify again"', async () => {
    const uri = ws.uri(ws.sig);
    await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'));
    const keep = `${ws.model}.kept`;
    cpSync(ws.model, keep, { recursive: true });
    rmSync(ws.model, { recursive: true, force: true });
    try {
      const gone = await client.diagnosticsFor(uri, (x) => x.diagnostics.length > 0 && !x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'));
      assert.ok(!gone.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'));
    } finally {
      // A copy, not a rename: a new folder (a new inode) under the same name.
      cpSync(keep, ws.model, { recursive: true });
      rmSync(keep, { recursive: true, force: true });
    }
    await client.diagnosticsFor(uri, (x) => x.diagnostics.length === 1 && x.diagnostics[0]!.code === 'MODEL_VERIFIED');
  });

  test('hover and completion answer', async () => {
    const uri = ws.uri(join(ws.root, 'x', 'provenance-policy.json'));
    const { text, position } = caret('{\n  "signers": { "prod": { "publicKey": "../keys/prod.pub.pem" } },\n  "requiredStages": ["|"]\n}');
    client.open(uri, text);
    await client.diagnosticsFor(uri);
    const c = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
    const labels = (Array.isArray(c) ? c : (c?.items ?? [])).map((i) => String(i.label));
    assert.ok(labels.some((l) => l.includes('quantization')), labels.join(','));
    const h = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 1, character: 6 } });
    assert.match(JSON.stringify(h?.contents), /Named trusted signers/);
  });

  test('code lens, then the verify command with progress notifications; the lens shows the result', async () => {
    const uri = ws.uri(ws.sig);
    await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'MODEL_VERIFIED'));
    const lenses = await client.lenses(uri);
    const verify = lenses?.find((l) => l.command?.command === 'modelProvenance.verifyModel');
    assert.ok(verify);
    client.progress.length = 0;
    const token = 'verify-1';
    const r = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'modelProvenance.server.verify', arguments: verify.command!.arguments, workDoneToken: token })) as { verdict: string; summary: string; report: string };
    assert.equal(r.verdict, 'verified');
    assert.match(r.summary, /^verified: key [0-9a-f]{8}… \(prod\.pub\.pem\)$/);
    assert.match(r.report, /Model verified/);
    const kinds = client.progress.filter((p) => p.token === token).map((p) => p.value.kind);
    assert.deepEqual([kinds[0], kinds[kinds.length - 1]], ['begin', 'end']);
    const after = await client.lenses(uri);
    assert.match(String(after?.find((l) => l.command?.command === 'modelProvenance.verifyModel')?.command?.title), /^verified: key [0-9a-f]{8}… \(prod\.pub\.pem\) — verify again$/);
  });

  test('verify on a binary model file (no document open) names the modified file', async () => {
    const victim = join(ws.model, 'model.safetensors');
    const original = readFileSync(victim);
    writeFileSync(victim, Buffer.alloc(4096, 9));
    try {
      const r = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'modelProvenance.server.verify', arguments: [{ modelPath: victim }] })) as { verdict: string; summary: string; problems: { code: string; file?: string }[] };
      assert.equal(r.verdict, 'failed');
      assert.equal(r.summary, 'modified: model.safetensors differs from the signed digest');
      assert.deepEqual(r.problems.map((p) => [p.code, p.file]), [['FILE_MODIFIED', 'model.safetensors']]);
    } finally {
      writeFileSync(victim, original);
    }
  });

  test('a quick fix for a stale manifest digest is applied and the diagnostic goes', async () => {
    const uri = ws.uri(ws.manifest);
    const victim = join(ws.model, 'config.json');
    const original = readFileSync(victim, 'utf8');
    writeFileSync(victim, '{"architectures":["BertForSequenceClassification"],"model_type":"bert","num_labels":3}');
    try {
      const text = readFileSync(ws.manifest, 'utf8');
      client.change(uri, text);
      const d = await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'MLBOM_DIGEST_MISMATCH') && x.diagnostics.some((y) => y.code === 'MLBOM_ROOT_DIGEST_MISMATCH'));
      // The file's digest and the model's root digest are both stale: each has its fix.
      const edits = [];
      for (const diag of d.diagnostics.filter((y) => /DIGEST_MISMATCH$/.test(String(y.code)))) {
        const actions = await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } });
        const fix = actions?.find((a) => 'edit' in a && a.title.startsWith('Update digest')) as { title: string; edit: { changes: Record<string, { range: typeof diag.range; newText: string }[]> } };
        assert.ok(fix, JSON.stringify(actions));
        assert.match(fix.title, /Update digest: [0-9a-f]{12}… → [0-9a-f]{12}…/);
        edits.push(...fix.edit.changes[uri]!);
      }
      assert.equal(edits.length, 2);
      const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'json', 1, text), edits);
      const v = client.change(uri, fixed);
      await client.diagnosticsFor(uri, (x) => x.version === v);
      // Give the background re-hash time to publish too: it must not bring the problem back.
      await new Promise((r) => setTimeout(r, 1000));
      const last = client.diagnostics.get(uri)!;
      assert.equal(last.version, v);
      assert.deepEqual(last.diagnostics.filter((y) => y.severity === 1).map((y) => y.code), []);
    } finally {
      writeFileSync(victim, original);
    }
  });

  test('commands act on the model, never write into a signed folder, never lose human text', async () => {
    const req = <T>(method: string, params: unknown): Promise<T> => client.connection.sendRequest(method, params) as Promise<T>;
    const code = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: { data?: { code?: string } }) => e.data?.code);
    const t = await req<{ ok: boolean; modelPath: string; signaturePath: string; manifestPath: string }>('modelProvenance/resolveTarget', { path: ws.sig });
    assert.deepEqual([t.ok, t.modelPath, t.signaturePath, t.manifestPath], [true, ws.model, ws.sig, join(ws.root, 'models', 'classifier.cdx.json')]);
    // Into the signed folder: refused with the reason; nothing written.
    const inside = join(ws.model, 'classifier.cdx.json');
    assert.equal(await code(req('modelProvenance/generateManifest', { modelPath: ws.model, outputPath: inside, mode: 'create' })), 'WOULD_MODIFY_SIGNED_MODEL');
    assert.equal(await code(req('modelProvenance/keygen', { prefix: join(ws.model, 'k') })), 'WOULD_MODIFY_SIGNED_MODEL');
    assert.deepEqual(readdirSync(ws.model).sort(), ['config.json', 'model.safetensors', 'model.sig']);
    // Beside it: written; written again only when asked how.
    const out = t.manifestPath;
    await req('modelProvenance/generateManifest', { modelPath: ws.model, outputPath: out, mode: 'create' });
    assert.equal(await code(req('modelProvenance/generateManifest', { modelPath: ws.model, outputPath: out, mode: 'create' })), 'MANIFEST_EXISTS');
    const bom = JSON.parse(readFileSync(out, 'utf8'));
    bom.metadata.component.licenses = [{ license: { id: 'Apache-2.0' } }];
    bom.metadata.component.description = 'written by a person';
    writeFileSync(out, JSON.stringify(bom, null, 2));
    const merged = await req<{ merged: { updated: string[] } }>('modelProvenance/generateManifest', { modelPath: ws.model, outputPath: out, mode: 'merge' });
    assert.deepEqual(merged.merged.updated, []);
    const after = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(after.metadata.component.licenses, [{ license: { id: 'Apache-2.0' } }]);
    assert.equal(after.metadata.component.description, 'written by a person');
    assert.equal(after.version, bom.version + 1);
    // Keys are never overwritten.
    assert.equal(await code(req('modelProvenance/keygen', { prefix: join(ws.root, 'keys', 'prod') })), 'FILE_EXISTS');
    // A new key folder is the owner's alone (0700); the private key 0600.
    const made = await req<{ privatePath: string }>('modelProvenance/keygen', { prefix: join(ws.root, 'private-keys', 'nested', 'ci') });
    assert.equal(statSync(join(ws.root, 'private-keys', 'nested')).mode & 0o777, 0o700);
    assert.equal(statSync(join(ws.root, 'private-keys')).mode & 0o777, 0o700);
    assert.equal(statSync(made.privatePath).mode & 0o777, 0o600);
    // Attest: says what it attested, by whom, and where it is stored.
    const a = await req<{ stage: string; subjectName: string; digest: string; signer: string; location: string; registry: string }>('modelProvenance/attest', { modelPath: ws.model, stage: 'evaluation', privateKey: ws.key });
    assert.equal(a.subjectName, 'classifier');
    assert.match(a.signer, /^key [0-9a-f]{8}… \(prod\.pem\)$/);
    assert.ok(existsSync(a.location) && a.location.startsWith(join(ws.root, '.provenance')), a.location);
    const known = await req<{ digest: string; name?: string; stage?: string }[]>('modelProvenance/registryDigests', {});
    assert.ok(known.some((k) => k.digest === a.digest && k.name === 'classifier'), JSON.stringify(known));
    // And the model still verifies.
    const r = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'modelProvenance.server.verify', arguments: [{ modelPath: ws.sig }] })) as { verdict: string };
    assert.equal(r.verdict, 'verified');
  });

  test('shutdown and exit', async () => {
    await client.shutdown();
    assert.equal(client.child?.exitCode, 0);
    assert.doesNotMatch(client.stderr, /Error|at /);
  });
});
