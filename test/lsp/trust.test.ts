/**
 * The bundled server over stdio: one trust state per model, for every signer kind.
 * No trust configured (integrity still shown, "Trust this signer…" offered), keyless and
 * certificate signatures from the model-transparency vectors, a CA certificate put among the
 * keys, the size limit, re-verification after a file changes on disk, and the status asked
 * for before the first diagnostics.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { CodeActionRequest, DidChangeConfigurationNotification, ExecuteCommandRequest, HoverRequest, type Diagnostic, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { ModelStateView, TrustCandidates, UnsignedView, VerifyOutcome } from '../../core/editor/protocol';
import { tempDir } from '../helpers/fixtures';
import { LspClient } from '../helpers/lsp-client';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';
import { makeWorkspace, type Workspace } from '../helpers/workspace';

const MT = join(VECTORS, 'model-transparency');
const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';
const codes = (d: PublishDiagnosticsParams): string[] => d.diagnostics.map((x) => String(x.code)).sort();
const has = (code: string) => (d: PublishDiagnosticsParams): boolean => d.diagnostics.some((x) => x.code === code);
const find = (d: PublishDiagnosticsParams, code: string): Diagnostic => {
  const x = d.diagnostics.find((y) => y.code === code);
  assert.ok(x, `${code} in ${JSON.stringify(codes(d))}`);
  return x;
};

async function configure(client: LspClient, settings: Record<string, unknown>): Promise<void> {
  await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { modelProvenance: settings, trustSource: 'test settings' } });
}

describe('one trust state per model, over stdio: a workspace with no trust configured', () => {
  let ws: Workspace;
  let client: LspClient;
  before(async () => {
    ws = await makeWorkspace();
    client = LspClient.stdio();
    await client.initialize(ws.rootUri, { modelProvenance: {}, trustSource: 'test settings' });
  });
  after(async () => {
    await client.shutdown();
  });

  test('the status of a signature is known before its first diagnostics (never "not a provenance file")', async () => {
    const uri = ws.uri(ws.sig);
    client.open(uri, readFileSync(ws.sig, 'utf8'));
    const s = (await client.connection.sendRequest('modelProvenance/status', { uri })) as { kind?: string; trust?: string };
    assert.equal(s.kind, 'model-signature');
    assert.equal(s.trust, '0 keys, 0 certificate anchors, 0 keyless identities');
  });

  test('an intact model: "2 of 2 files match", signature not checked, signer named by kind, Trust this signer… offered', async () => {
    const uri = ws.uri(ws.sig);
    const d = await client.diagnosticsFor(uri, has('TRUST_NOT_CONFIGURED'));
    assert.deepEqual(codes(d), ['INTEGRITY_OK', 'TRUST_NOT_CONFIGURED']);
    const ok = find(d, 'INTEGRITY_OK');
    assert.equal(ok.severity, 3);
    assert.equal(String(ok.message), '2 of 2 files match the signed digests (signature not checked: these are the digests the signature lists)');
    const t = find(d, 'TRUST_NOT_CONFIGURED');
    assert.equal(t.severity, 3);
    assert.match(String(t.message), /^signature not checked: no trusted signer configured \(signed by key [0-9a-f]{8}…\)$/);
    const text = readFileSync(ws.sig, 'utf8');
    assert.equal(TextDocument.create(uri, 'json', 1, text).getText(t.range), '"verificationMaterial"');

    const lenses = await client.lenses(uri);
    const titles = (lenses ?? []).map((l) => l.command?.title);
    assert.ok(titles.includes('files match, signature not checked: no trusted signer configured — verify again'), JSON.stringify(titles));
    assert.ok(titles.includes('Trust this signer…'), JSON.stringify(titles));
    const actions = await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: t.range, context: { diagnostics: [t] } });
    assert.deepEqual(actions?.map((a) => a.title), ['Trust this signer…']);

    // Who signed, and the public key in the workspace that matches it.
    const c = (await client.connection.sendRequest('modelProvenance/trustCandidates', { uri })) as TrustCandidates;
    assert.equal(c.method, 'key');
    assert.match(c.signer, /^key [0-9a-f]{8}…$/);
    assert.deepEqual(c.candidates.map((x) => x.kind === 'key' && x.file), [ws.pub]);
  });

  test('a changed weight file with no trust: "model.safetensors differs from the signed digest" (an error), and no fix that hides it', async () => {
    const uri = ws.uri(ws.sig);
    const victim = join(ws.model, 'model.safetensors');
    const original = readFileSync(victim);
    const flipped = Buffer.from(original);
    flipped[100] = flipped[100]! ^ 0x01;
    writeFileSync(victim, flipped);
    try {
      const d = await client.diagnosticsFor(uri, has('FILE_MODIFIED'));
      const m = find(d, 'FILE_MODIFIED');
      assert.equal(String(m.message), 'model.safetensors differs from the signed digest');
      assert.equal(m.severity, 1);
      assert.ok(!d.diagnostics.some((x) => x.code === 'INTEGRITY_OK'));
      const actions = await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: m.range, context: { diagnostics: [m] } });
      assert.deepEqual(actions, [], 'nothing offered for a modified file (no "Re-sign")');
      const view = (await client.connection.sendRequest('modelProvenance/modelState', { path: victim })) as ModelStateView;
      assert.equal(view.state, 'modified');
      assert.equal(view.headline, 'modified: model.safetensors differs from the signed digest');
    } finally {
      writeFileSync(victim, original);
    }
    await client.diagnosticsFor(uri, has('INTEGRITY_OK'));
  });

  test('trusting the key (as the client does after confirmation) turns the same state into verified', async () => {
    // The client copies the chosen key into its own storage first (pinTrust), then adds the copy to the user settings.
    const c = (await client.connection.sendRequest('modelProvenance/trustCandidates', { uri: ws.uri(ws.sig) })) as TrustCandidates;
    const storage = tempDir('mp-lsp-storage-');
    const pinned = (await client.connection.sendRequest('modelProvenance/pinTrust', { candidate: c.candidates[0], dir: storage })) as { path: string };
    assert.equal(pinned.path, join(storage, 'trusted-keys', (c.candidates[0] as { keyId: string }).keyId.slice(0, 16), 'prod.pub.pem'));
    assert.equal(readFileSync(pinned.path, 'utf8'), readFileSync(ws.pub, 'utf8'));
    await configure(client, { trustedKeys: [pinned.path] });
    const d = await client.diagnosticsFor(ws.uri(ws.sig), has('MODEL_VERIFIED'));
    assert.deepEqual(codes(d), ['MODEL_VERIFIED']);
    const text = readFileSync(ws.sig, 'utf8');
    const doc = TextDocument.create(ws.uri(ws.sig), 'json', 1, text);
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: ws.uri(ws.sig) }, position: doc.positionAt(text.indexOf('"payload": "') + 14) });
    const md = JSON.stringify(hover?.contents);
    assert.match(md, /verified: key [0-9a-f]{8}… \(prod\.pub\.pem\)/);
    assert.doesNotMatch(md, /not yet verified/);
  });

  test('above the size limit: "not verified automatically" on every surface, until a person asks', async () => {
    await configure(client, { trustedKeys: [ws.pub], autoVerifySizeLimitMB: 0.001 });
    const uri = ws.uri(ws.sig);
    const d = await client.diagnosticsFor(uri, has('MODEL_TOO_LARGE'));
    assert.match(String(find(d, 'MODEL_TOO_LARGE').message), /^not verified automatically: \d KB > 1 KB limit: run Verify/);
    const lenses = await client.lenses(uri);
    assert.match(String(lenses?.find((l) => l.command?.command === 'modelProvenance.verifyModel')?.command?.title), /^not verified automatically: \d KB > 1 KB limit — Verify$/);
    const r = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'modelProvenance.server.verify', arguments: [uri] })) as VerifyOutcome;
    assert.equal(r.verdict, 'verified');
    await client.diagnosticsFor(uri, has('MODEL_VERIFIED'));
    await configure(client, { trustedKeys: [ws.pub] });
  });

  test('explorer badges ask the server: a weight file gets its model state, an unsigned file says so', async () => {
    const view = (await client.connection.sendRequest('modelProvenance/modelState', { path: join(ws.model, 'model.safetensors') })) as ModelStateView;
    assert.equal(view.signature, ws.sig);
    const lone = join(ws.root, 'lone.safetensors');
    writeFileSync(lone, 'x');
    const u = (await client.connection.sendRequest('modelProvenance/modelState', { path: lone })) as UnsignedView;
    assert.deepEqual(u, { unsigned: true, model: lone });
  });
});

describe('keyless and certificate signatures over stdio (model-transparency vectors, read in place)', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  let client: LspClient;
  before(async () => {
    client = LspClient.stdio();
    await client.initialize(pathToFileURL(MT).href, { modelProvenance: {}, trustSource: 'test settings' });
  });
  after(async () => {
    await client.shutdown();
  });

  test('keyless: not configured, then verified with the exact identity and issuer, then a wrong identity says why', async () => {
    const sig = join(MT, 'v1.1.0-sigstore', 'model.sig');
    const uri = pathToFileURL(sig).href;
    client.open(uri, readFileSync(sig, 'utf8'));
    const none = await client.diagnosticsFor(uri, has('TRUST_NOT_CONFIGURED'));
    assert.equal(String(find(none, 'TRUST_NOT_CONFIGURED').message), `signature not checked: no trusted signer configured (signed by keyless identity ${IDENTITY} via ${ISSUER})`);
    assert.doesNotMatch(JSON.stringify(none.diagnostics), /KEY_UNTRUSTED|signed with key/);
    const c = (await client.connection.sendRequest('modelProvenance/trustCandidates', { uri })) as TrustCandidates;
    assert.deepEqual(c.candidates, [{ kind: 'identity', identity: IDENTITY, issuer: ISSUER }]);

    await configure(client, { trustedIdentities: [{ identity: IDENTITY, issuer: ISSUER }] });
    const ok = await client.diagnosticsFor(uri, has('MODEL_VERIFIED'), 60_000);
    assert.equal(String(find(ok, 'MODEL_VERIFIED').message), `verified: signed by keyless identity ${IDENTITY} via ${ISSUER}, whom you trust; 2 of 2 files match the signed digests`);
    const lenses = await client.lenses(uri);
    assert.equal(lenses?.find((l) => l.command?.command === 'modelProvenance.verifyModel')?.command?.title, `verified: keyless identity ${IDENTITY} via ${ISSUER} — verify again`);

    await configure(client, { trustedIdentities: [{ identity: 'eve@example.com', issuer: ISSUER }] });
    const bad = await client.diagnosticsFor(uri, has('IDENTITY_MISMATCH'), 60_000);
    const m = find(bad, 'IDENTITY_MISMATCH');
    assert.equal(m.severity, 1);
    assert.equal(String(m.message), `signed by keyless identity ${IDENTITY} via ${ISSUER}, which is not among your 1 trusted identity (identity and issuer must both match exactly)`);
    const fix = await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: m.range, context: { diagnostics: [m] } });
    assert.deepEqual(fix?.map((a) => a.title), ['Trust this signer…']);
  });

  test('certificate: verified through certificateAnchors; the CA put in trustedKeys is reported with where it belongs', async () => {
    const sig = join(MT, 'v1.1.0-certificate', 'model.sig');
    const uri = pathToFileURL(sig).href;
    const ca = join(MT, 'keys', 'certificate', 'ca-cert.pem');
    await configure(client, { trustedKeys: [ca] });
    client.open(uri, readFileSync(sig, 'utf8'));
    const misplaced = await client.diagnosticsFor(uri, has('TRUST_NOT_CONFIGURED'));
    assert.equal(String(find(misplaced, 'TRUST_NOT_CONFIGURED').message), 'signature not checked: no trusted signer configured (signed by certificate CN=intermediate-ca issued by CN=intermediate-ca); ca-cert.pem in modelProvenance.trustedKeys is a CA certificate: it belongs in modelProvenance.certificateAnchors');
    const s = (await client.connection.sendRequest('modelProvenance/status', { uri })) as { trustProblems: string[]; trust: string };
    assert.equal(s.trust, '0 keys, 0 certificate anchors, 0 keyless identities');
    assert.equal(s.trustProblems.length, 1);
    assert.match(s.trustProblems[0]!, /ca-cert\.pem in modelProvenance\.trustedKeys: is a CA certificate \(CN=root-ca\), not a signing key.* — it belongs in modelProvenance\.certificateAnchors \[KEY_IS_CA_CERTIFICATE\]$/);
    const c = (await client.connection.sendRequest('modelProvenance/trustCandidates', { uri })) as TrustCandidates;
    assert.equal(c.signer, 'certificate CN=intermediate-ca issued by CN=intermediate-ca');
    // Both CAs at hand issued it (the chain passes through the intermediate); the root comes first.
    assert.deepEqual(c.candidates.map((x) => x.kind === 'anchor' && [x.file, x.subject]), [[ca, 'CN=root-ca'], [join(MT, 'keys', 'certificate', 'int-ca-cert.pem'), 'CN=intermediate-ca']]);

    await configure(client, { certificateAnchors: [ca] });
    const ok = await client.diagnosticsFor(uri, has('MODEL_VERIFIED'));
    assert.equal(String(find(ok, 'MODEL_VERIFIED').message), 'verified: signed by certificate CN=intermediate-ca issued by CN=intermediate-ca, whom you trust; 2 of 2 files match the signed digests');
  });
});
