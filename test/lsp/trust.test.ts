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
import { makePki, tempDir } from '../helpers/fixtures';
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

/** A fresh workspace and a language server over stdio with no trust configured. */
async function noTrustSession(): Promise<{ ws: Workspace; client: LspClient }> {
  const ws = await makeWorkspace();
  const client = LspClient.stdio();
  await client.initialize(ws.rootUri, { modelProvenance: {}, trustSource: 'test settings' });
  return { ws, client };
}

async function configure(client: LspClient, settings: Record<string, unknown>, ignoredTrust?: Record<string, number>): Promise<void> {
  await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { modelProvenance: settings, trustSource: 'test settings', ...(ignoredTrust ? { ignoredTrust } : {}) } });
}

describe('one trust state per model, over stdio: a workspace with no trust configured', () => {
  let ws: Workspace;
  let client: LspClient;
  before(async () => ({ ws, client } = await noTrustSession()));
  after(() => client.shutdown());

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
      // Finding 13: trusting the signer of modified files is offered nowhere (quick fix, lens, state for the notification).
      assert.equal(view.canTrust, false);
      const t = find(d, 'TRUST_NOT_CONFIGURED');
      assert.equal((t.data as { trustSigner?: boolean }).trustSigner, undefined);
      const onTrust = await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: t.range, context: { diagnostics: [t] } });
      assert.deepEqual(onTrust, []);
      const titles = ((await client.lenses(uri)) ?? []).map((l) => l.command?.title);
      assert.ok(!titles.includes('Trust this signer…'), JSON.stringify(titles));
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
    assert.equal(String(m.message), `signed by keyless identity ${IDENTITY} via ${ISSUER}, which is not the trusted identity eve@example.com via ${ISSUER} (identity and issuer must both match exactly)`);
    const fix = await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: m.range, context: { diagnostics: [m] } });
    assert.deepEqual(fix?.map((a) => a.title), ['Trust this signer…']);

    // Finding 5 and 10: a key configured, none for keyless: the setting it needs is named, and it is an
    // error like an untrusted key (one severity for "signer not trusted").
    await configure(client, { trustedKeys: [join(MT, 'keys', 'certificate', 'signing-key-cert.pem')] });
    const keysOnly = await client.diagnosticsFor(uri, (d) => d.diagnostics.some((x) => x.code === 'TRUST_NOT_CONFIGURED' && /keyless signatures/.test(String(x.message))), 60_000);
    const k = find(keysOnly, 'TRUST_NOT_CONFIGURED');
    assert.equal(String(k.message), `signature not checked: no trusted identity configured for keyless signatures (modelProvenance.trustedIdentities) (signed by keyless identity ${IDENTITY} via ${ISSUER})`);
    assert.equal(k.severity, 1);
    const lens = (await client.lenses(uri))?.find((l) => l.command?.command === 'modelProvenance.verifyModel')?.command?.title;
    assert.equal(lens, 'files match, signature not checked: no trusted identity configured for keyless signatures (modelProvenance.trustedIdentities) — verify again');
    const view = (await client.connection.sendRequest('modelProvenance/modelState', { path: sig })) as ModelStateView;
    assert.equal(view.trust?.nothingConfigured, undefined);
    assert.equal(view.trust?.unchecked, 'no trusted identity configured for keyless signatures (modelProvenance.trustedIdentities)');
    await configure(client, {});
  });

  test('certificate: verified through certificateAnchors; the CA put in trustedKeys is reported with where it belongs', async () => {
    const sig = join(MT, 'v1.1.0-certificate', 'model.sig');
    const uri = pathToFileURL(sig).href;
    const ca = join(MT, 'keys', 'certificate', 'ca-cert.pem');
    await configure(client, { trustedKeys: [ca] });
    client.open(uri, readFileSync(sig, 'utf8'));
    const misplaced = await client.diagnosticsFor(uri, (d) => has('TRUST_NOT_CONFIGURED')(d) && has('TRUST_SETTING_MISPLACED')(d));
    // Finding 3: its own warning, where it belongs said first; finding 5: the certificate signature names what it needs.
    const w = find(misplaced, 'TRUST_SETTING_MISPLACED');
    assert.equal(w.severity, 2);
    assert.match(String(w.message), new RegExp(`^trust setting in the wrong place: ${ca.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in modelProvenance\\.trustedKeys belongs in modelProvenance\\.certificateAnchors: it is a CA certificate \\(CN=root-ca\\), not a signing key`));
    assert.deepEqual({ ...(w.data as object), code: undefined, pointer: undefined }, { setting: 'trustedKeys', belongsIn: 'certificateAnchors', entry: ca, code: undefined, pointer: undefined });
    const t = find(misplaced, 'TRUST_NOT_CONFIGURED');
    assert.equal(String(t.message), 'signature not checked: no certificate anchor configured for certificate signatures (modelProvenance.certificateAnchors) (signed by certificate CN=intermediate-ca issued by CN=intermediate-ca)');
    assert.equal(t.severity, 1, 'something is configured: the signer is not trusted, an error as for a key');
    const s = (await client.connection.sendRequest('modelProvenance/status', { uri })) as { trustProblems: string[]; trust: string };
    assert.equal(s.trust, '0 keys, 0 certificate anchors, 0 keyless identities');
    assert.equal(s.trustProblems.length, 1);
    assert.match(s.trustProblems[0]!, /ca-cert\.pem in modelProvenance\.trustedKeys belongs in modelProvenance\.certificateAnchors: it is a CA certificate \(CN=root-ca\), not a signing key.* \[KEY_IS_CA_CERTIFICATE\]$/);
    const c = (await client.connection.sendRequest('modelProvenance/trustCandidates', { uri })) as TrustCandidates;
    assert.equal(c.signer, 'certificate CN=intermediate-ca issued by CN=intermediate-ca');
    // Both CAs at hand issued it (the chain passes through the intermediate); the root comes first.
    assert.deepEqual(c.candidates.map((x) => x.kind === 'anchor' && [x.file, x.subject]), [[ca, 'CN=root-ca'], [join(MT, 'keys', 'certificate', 'int-ca-cert.pem'), 'CN=intermediate-ca']]);

    await configure(client, { certificateAnchors: [ca] });
    const ok = await client.diagnosticsFor(uri, has('MODEL_VERIFIED'));
    assert.equal(String(find(ok, 'MODEL_VERIFIED').message), 'verified: signed by certificate CN=intermediate-ca issued by CN=intermediate-ca, whom you trust; 2 of 2 files match the signed digests');
    assert.ok(!has('TRUST_SETTING_MISPLACED')(ok));

    // Finding 9 over stdio: a wrong anchor names where the chain ends and the anchor tried (singular).
    const other = makePki(tempDir('mp-lsp-pki-'));
    await configure(client, { certificateAnchors: [other.rootCert] });
    const bad = await client.diagnosticsFor(uri, has('CERT_CHAIN_UNTRUSTED'), 60_000);
    assert.equal(
      String(find(bad, 'CERT_CHAIN_UNTRUSTED').message),
      'signed by certificate CN=intermediate-ca issued by CN=intermediate-ca, whose chain ends at CN=intermediate-ca (issued by CN=root-ca); the trusted certificate anchor CN=Test Root CA did not issue it',
    );
  });
});

describe('Restricted Mode over stdio: the workspace\'s ignored trust settings are said beside a signer not trusted', () => {
  let ws: Workspace;
  let client: LspClient;
  before(async () => ({ ws, client } = await noTrustSession()));
  after(() => client.shutdown());

  test('the key model: diagnostic, lens, state and status say the workspace\'s own trust settings are ignored; a keyless-only ignore says nothing here', async () => {
    const uri = ws.uri(ws.sig);
    client.open(uri, readFileSync(ws.sig, 'utf8'));
    const other = join(tempDir('mp-lsp-other-'), 'other');
    const { generateKeyPair, writeKeyPair } = await import('../../core');
    writeKeyPair(other, generateKeyPair('P-256'));
    await configure(client, { trustedKeys: [`${other}.pub.pem`] }, { trustedKeys: 1, trustedIdentities: 2 });
    const note = "the workspace's own trust settings are ignored in Restricted Mode (it names 1 trusted key entry)";
    const d = await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'KEY_UNTRUSTED' && String(y.message).includes('Restricted Mode')), 60_000);
    const k = find(d, 'KEY_UNTRUSTED');
    assert.match(String(k.message), new RegExp(`^signed by key [0-9a-f]{8}…, which is not the trusted key [0-9a-f]{8}… \\(other\\.pub\\.pem\\); ${note.replace(/[()']/g, '\\$&')}$`));
    assert.equal(k.severity, 1);
    const lens = (await client.lenses(uri))?.find((l) => l.command?.command === 'modelProvenance.verifyModel')?.command?.title;
    assert.match(String(lens), new RegExp(`^files match, signer not trusted: key [0-9a-f]{8}…; ${note.replace(/[()']/g, '\\$&')} — verify again$`));
    const view = (await client.connection.sendRequest('modelProvenance/modelState', { path: ws.sig })) as ModelStateView;
    assert.ok(view.headline.endsWith(`; ${note}`), view.headline);
    assert.ok(view.detail?.includes("The workspace's own trust settings are ignored in Restricted Mode"), view.detail);
    assert.equal(view.canTrust, true);

    // Only identities were ignored: they could not have verified a key signature, so no note.
    await configure(client, { trustedKeys: [`${other}.pub.pem`] }, { trustedIdentities: 2 });
    const plain = await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'KEY_UNTRUSTED' && !String(y.message).includes('Restricted Mode')), 60_000);
    assert.match(String(find(plain, 'KEY_UNTRUSTED').message), /^signed by key [0-9a-f]{8}…, which is not the trusted key [0-9a-f]{8}… \(other\.pub\.pem\)$/);

    // Nothing configured by the user, the workspace's key ignored: not checked, said why, and still a first run (information).
    await configure(client, {}, { trustedKeys: 1 });
    const first = await client.diagnosticsFor(uri, (x) => x.diagnostics.some((y) => y.code === 'TRUST_NOT_CONFIGURED' && String(y.message).includes('Restricted Mode')), 60_000);
    const t = find(first, 'TRUST_NOT_CONFIGURED');
    assert.match(String(t.message), new RegExp(`^signature not checked: no trusted signer configured \\(signed by key [0-9a-f]{8}…\\); ${note.replace(/[()']/g, '\\$&')}$`));
    assert.equal(t.severity, 3);
  });
});
