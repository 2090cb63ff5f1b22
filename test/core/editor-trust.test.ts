/**
 * The core functions behind the editor's one trust state (and the CLI's wording): trust over
 * all three signer kinds, signer descriptions, integrity without trust, model targets,
 * manifest merging and "did you mean".
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  LocalRegistry,
  analyzeDocument,
  attest,
  closestName,
  describeSigner,
  evaluateModel,
  formatSize,
  generateKeyPair,
  generateManifest,
  loadTrustSet,
  loadTrustedKeys,
  nothingConfigured,
  manifestPathFor,
  mergeManifest,
  resolveModelTarget,
  signModel,
  validateManifestStatic,
  writeKeyPair,
} from '../../core';
import { identityUntrustedCode, identityUntrustedMessage, keyUntrustedMessage } from '../../core/verify/untrusted';
import { makeModel, makePki, tempDir } from '../helpers/fixtures';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';

const MT = join(VECTORS, 'model-transparency');
const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';

async function signedKeyModel(): Promise<{ root: string; model: string; pub: string; other: string }> {
  const root = tempDir('mp-trust-');
  writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair('P-256'));
  writeKeyPair(join(root, 'keys', 'other'), generateKeyPair('P-256'));
  const model = makeModel(join(root, 'models', 'clf'), { 'config.json': '{}', 'model.safetensors': Buffer.alloc(2048, 1), 'tok/vocab.txt': 'a b c' });
  await signModel({ modelPath: model, signer: { kind: 'key', privateKey: createPrivateKey(readFileSync(join(root, 'keys', 'prod.pem'))) } });
  return { root, model, pub: join(root, 'keys', 'prod.pub.pem'), other: join(root, 'keys', 'other.pub.pem') };
}

describe('trust over every signer kind, integrity without trust', () => {
  test('a key signature: verified, not configured (files still checked), untrusted, and modified', async () => {
    const { model, pub, other } = await signedKeyModel();
    const sig = join(model, 'model.sig');
    const ok = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({ trustedKeys: [pub] }).trust });
    assert.equal(ok.state, 'verified');
    assert.match(ok.headline, /^verified: key [0-9a-f]{8}… \(prod\.pub\.pem\)$/);

    const none = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({}).trust });
    assert.equal(none.state, 'not-configured');
    assert.equal(none.headline, 'files match, signature not checked: no trusted signer configured');
    assert.equal(none.integrity?.summary, '3 of 3 files match the signed digests');
    assert.equal(none.trust.code, 'TRUST_NOT_CONFIGURED');

    const wrong = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({ trustedKeys: [other] }).trust });
    assert.equal(wrong.state, 'untrusted');
    assert.equal(wrong.trust.code, 'KEY_UNTRUSTED');
    // Finding 9: the key it has and the key trusted, both named (no "key(s)").
    assert.match(wrong.trust.message!, /^signed by key [0-9a-f]{8}…, which is not the trusted key [0-9a-f]{8}… \(other\.pub\.pem\)$/);
    // Finding 5: a key configured, so not "no trusted signer configured" for other kinds; nothing at all: that wording.
    assert.equal(none.trust.nothingConfigured, true);
    assert.equal(none.trust.message, `signature not checked: no trusted signer configured (signed by ${none.signerText})`);
    const keyless = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({ trustedIdentities: [{ identity: IDENTITY, issuer: ISSUER }] }).trust });
    assert.equal(keyless.state, 'not-configured');
    assert.equal(keyless.trust.nothingConfigured, false);
    assert.equal(keyless.headline, 'files match, signature not checked: no trusted key configured for key signatures (modelProvenance.trustedKeys)');
    // An entry that could not be used still counts as configured: not "no trusted signer configured".
    const unusable = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({ trustedKeys: [join(model, 'nope.pem')] }).trust });
    assert.equal(unusable.headline, 'files match, signature not checked: no trusted key configured for key signatures (modelProvenance.trustedKeys)');

    writeFileSync(join(model, 'model.safetensors'), Buffer.alloc(2048, 2));
    for (const trust of [loadTrustSet({ trustedKeys: [pub] }).trust, loadTrustSet({}).trust]) {
      const bad = await evaluateModel({ modelPath: model, signaturePath: sig, trust });
      assert.equal(bad.state, 'modified');
      assert.equal(bad.headline, 'modified: model.safetensors differs from the signed digest');
      assert.deepEqual(bad.integrity?.problems.map((p) => [p.code, p.file]), [['FILE_MODIFIED', 'model.safetensors']]);
    }
    writeFileSync(join(model, 'extra.bin'), 'x');
    const extra = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({}).trust });
    assert.equal(extra.integrity?.summary, 'model.safetensors differs from the signed digest; extra.bin is not covered by the signature');
  });

  test('an altered payload under a trusted key is "invalid", and its digests are not compared', async () => {
    const { model, pub } = await signedKeyModel();
    const sig = join(model, 'model.sig');
    const bundle = JSON.parse(readFileSync(sig, 'utf8'));
    const st = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
    st.predicate.resources[0].digest = '0'.repeat(64);
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    writeFileSync(sig, JSON.stringify(bundle));
    const e = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({ trustedKeys: [pub] }).trust });
    assert.equal(e.state, 'invalid');
    assert.equal(e.trust.code, 'SIGNATURE_INVALID');
    assert.equal(e.integrity, undefined);
  });

  test('above the size limit nothing is hashed, and the headline says so', async () => {
    const { model, pub } = await signedKeyModel();
    const e = await evaluateModel({ modelPath: model, signaturePath: join(model, 'model.sig'), trust: loadTrustSet({ trustedKeys: [pub] }).trust, sizeLimitBytes: 1024 });
    assert.equal(e.state, 'too-large');
    assert.equal(e.headline, 'not verified automatically: 2 KB > 1 KB limit');
    assert.equal(formatSize(700 * 1024 * 1024), '700 MB');
    assert.equal(formatSize(512 * 1024 * 1024), '512 MB');
  });

  test('a CA certificate among trusted keys: refused by the CLI loader, reported with where it belongs by the editor loader', () => {
    const pki = makePki(tempDir('mp-pki-'));
    assert.throws(() => loadTrustedKeys(pki.rootCert), (e: Error & { code?: string }) => e.code === 'KEY_IS_CA_CERTIFICATE' && /CN=Test Root CA/.test(e.message));
    // A leaf certificate is its public key.
    assert.equal(loadTrustedKeys(pki.leafCert).length, 1);
    const { trust, problems } = loadTrustSet({ trustedKeys: [pki.rootCert, pki.leafCert], certificateAnchors: [pki.leafCert], trustedIdentities: [{ identity: 'x@example.com' }] });
    assert.equal(trust.keys.length, 1);
    assert.deepEqual(problems.map((p) => [p.setting, p.code, p.belongsIn]), [
      ['trustedKeys', 'KEY_IS_CA_CERTIFICATE', 'certificateAnchors'],
      ['certificateAnchors', 'ANCHOR_NOT_CA', 'trustedKeys'],
      ['trustedIdentities', 'IDENTITY_INCOMPLETE', undefined],
    ]);
  });

  test('misplaced entries say where they belong: a public key among the anchors (ANCHOR_IS_KEY), a leaf among the anchors; unusable entries count as configured', () => {
    const root = tempDir('mp-misplaced-');
    writeKeyPair(join(root, 'k'), generateKeyPair('P-256'));
    const pki = makePki(tempDir('mp-pki-'));
    const { trust, problems } = loadTrustSet({ certificateAnchors: [join(root, 'k.pub.pem'), pki.leafCert] });
    assert.deepEqual(problems.map((p) => [p.code, p.belongsIn]), [['ANCHOR_IS_KEY', 'trustedKeys'], ['ANCHOR_NOT_CA', 'trustedKeys']]);
    assert.equal(trust.unusable, 2);
    assert.equal(nothingConfigured(trust), false);
    assert.equal(nothingConfigured(loadTrustSet({}).trust), true);
  });

  test('the untrusted-signer messages shared by the CLI, the chain and the editor: singular, plural, and more than three', () => {
    const k = (i: number) => ({ hint: `${i}`.repeat(64).slice(0, 64), source: `/k/${i}.pub.pem` });
    assert.equal(keyUntrustedMessage('key abcdef01…', [k(1)]), 'signed by key abcdef01…, which is not the trusted key 11111111… (1.pub.pem)');
    assert.equal(keyUntrustedMessage('key abcdef01…', [k(1), k(2)]), 'signed by key abcdef01…, which is none of the 2 trusted keys: 11111111… (1.pub.pem); 22222222… (2.pub.pem)');
    assert.match(keyUntrustedMessage('key abcdef01…', [1, 2, 3, 4, 5].map(k)), /none of the 5 trusted keys: .*33333333… \(3\.pub\.pem\); and 2 more$/);
    assert.equal(identityUntrustedMessage({ identity: 'a@x', issuer: 'https://i' }, []), 'signed by keyless identity a@x via https://i, and no identity is trusted (identity and issuer must both match exactly)');
    assert.equal(identityUntrustedCode({ identity: 'a@x', issuer: 'https://i' }, [{ identity: 'a@x', issuer: 'https://j' }]), 'ISSUER_MISMATCH');
    assert.equal(identityUntrustedCode({ identity: 'a@x', issuer: 'https://i' }, [{ identity: 'b@x', issuer: 'https://i' }]), 'IDENTITY_MISMATCH');
  });

  test('distinguished names read "CN=…, O=…" (RFC 4514 order), whether given in that form or in Node\'s', () => {
    const node = { method: 'certificate' as const, subject: 'C=DE\nO=Example Corp\nCN=Release Signer', issuer: 'C=DE\nCN=Example CA' };
    assert.equal(describeSigner(node), 'certificate CN=Release Signer, O=Example Corp, C=DE issued by CN=Example CA, C=DE');
    assert.equal(describeSigner({ method: 'certificate', subject: 'CN=Release Signer, O=Example Corp, C=DE', issuer: 'CN=Example CA, C=DE' }), 'certificate CN=Release Signer, O=Example Corp, C=DE issued by CN=Example CA, C=DE');
  });
});

describe('the model-transparency vectors, every kind', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  const evaluate = (dir: string, cfg: object) => evaluateModel({ modelPath: join(MT, dir), signaturePath: join(MT, dir, 'model.sig'), trust: loadTrustSet(cfg).trust });

  test('keyless: verified with the exact identity and issuer; named by kind; a wrong identity or issuer says why', async () => {
    const none = await evaluate('v1.1.0-sigstore', {});
    assert.equal(none.state, 'not-configured');
    assert.equal(none.signerText, `keyless identity ${IDENTITY} via ${ISSUER}`);
    const ok = await evaluate('v1.1.0-sigstore', { trustedIdentities: [{ identity: 'someone@example.com', issuer: ISSUER }, { identity: IDENTITY, issuer: ISSUER }] });
    assert.equal(ok.state, 'verified');
    assert.equal(ok.headline, `verified: keyless identity ${IDENTITY} via ${ISSUER}`);
    const wrongId = await evaluate('v1.1.0-sigstore', { trustedIdentities: [{ identity: 'eve@example.com', issuer: ISSUER }] });
    assert.equal(wrongId.state, 'untrusted');
    assert.equal(wrongId.trust.code, 'IDENTITY_MISMATCH');
    // Finding 9: the signature's identity and issuer beside the configured ones, so a near miss is visible.
    assert.equal(wrongId.trust.message, `signed by keyless identity ${IDENTITY} via ${ISSUER}, which is not the trusted identity eve@example.com via ${ISSUER} (identity and issuer must both match exactly)`);
    const wrongIssuer = await evaluate('v1.1.0-sigstore', { trustedIdentities: [{ identity: IDENTITY, issuer: 'https://accounts.example.com' }] });
    assert.equal(wrongIssuer.trust.code, 'ISSUER_MISMATCH');
    assert.equal(
      wrongIssuer.trust.message,
      `signed by keyless identity ${IDENTITY} via ${ISSUER}, which is not the trusted identity ${IDENTITY} via https://accounts.example.com; the identity matches ${IDENTITY}, but the issuer is ${ISSUER}, not https://accounts.example.com (identity and issuer must both match exactly)`,
    );
    const caseOnly = await evaluate('v1.1.0-sigstore', { trustedIdentities: [{ identity: 'StefanB@us.ibm.com', issuer: ISSUER }, { identity: 'x@example.com', issuer: ISSUER }] });
    assert.equal(
      caseOnly.trust.message,
      `signed by keyless identity ${IDENTITY} via ${ISSUER}, which is none of the 2 trusted identities: StefanB@us.ibm.com via ${ISSUER}; x@example.com via ${ISSUER}; StefanB@us.ibm.com differs only in letter case (identity and issuer must both match exactly)`,
    );
    // Finding 5: keys configured, a keyless signature: the setting it needs is named.
    const keysOnly = await evaluate('v1.1.0-sigstore', { trustedKeys: [join(MT, 'keys', 'certificate', 'signing-key-cert.pem')] });
    assert.equal(keysOnly.state, 'not-configured');
    assert.equal(keysOnly.headline, 'files match, signature not checked: no trusted identity configured for keyless signatures (modelProvenance.trustedIdentities)');
    assert.equal(keysOnly.trust.message, `signature not checked: no trusted identity configured for keyless signatures (modelProvenance.trustedIdentities) (signed by keyless identity ${IDENTITY} via ${ISSUER})`);
  });

  test('certificate: verified through an anchor; the CA given as a key is reported, never a key', async () => {
    const ca = join(MT, 'keys', 'certificate', 'ca-cert.pem');
    const ok = await evaluate('v1.1.0-certificate', { certificateAnchors: [ca] });
    assert.equal(ok.state, 'verified');
    assert.equal(ok.headline, 'verified: certificate CN=intermediate-ca issued by CN=intermediate-ca');
    const misplaced = loadTrustSet({ trustedKeys: [ca] });
    assert.equal(misplaced.problems[0]?.code, 'KEY_IS_CA_CERTIFICATE');
    // The test PKI's signing certificate is CA-flagged but may sign (digitalSignature): it is a key.
    assert.equal(loadTrustedKeys(join(MT, 'keys', 'certificate', 'signing-key-cert.pem')).length, 1);
    assert.equal((await evaluate('v1.1.0-certificate', { trustedKeys: [join(MT, 'keys', 'certificate', 'signing-key-cert.pem')] })).state, 'verified');
    const e = await evaluate('v1.1.0-certificate', { trustedKeys: [ca] });
    assert.equal(e.state, 'not-configured');
    assert.match(e.signerText, /^certificate CN=intermediate-ca/);
    // Finding 5: the CA in trustedKeys is configuration, so the certificate signature names what it needs.
    assert.equal(e.headline, 'files match, signature not checked: no certificate anchor configured for certificate signatures (modelProvenance.certificateAnchors)');
    assert.equal(e.trust.nothingConfigured, false);
    // A wrong anchor: the chain is untrusted, named as a certificate, never as "a key".
    const pki = makePki(tempDir('mp-pki-'));
    const wrong = await evaluate('v1.1.0-certificate', { certificateAnchors: [pki.rootCert] });
    assert.equal(wrong.state, 'untrusted');
    assert.equal(wrong.trust.code, 'CERT_CHAIN_UNTRUSTED');
    assert.doesNotMatch(wrong.detail, /\bkey\b/);
    // Finding 9: where the chain ends (its top and the issuer it needs) and the anchor tried, singular.
    assert.equal(
      wrong.trust.message,
      'signed by certificate CN=intermediate-ca issued by CN=intermediate-ca, whose chain ends at CN=intermediate-ca (issued by CN=root-ca); the trusted certificate anchor CN=Test Root CA did not issue it',
    );
    const two = await evaluate('v1.1.0-certificate', { certificateAnchors: [pki.rootCert, makePki(tempDir('mp-pki2-')).rootCert] });
    assert.match(two.trust.message!, /; none of the 2 trusted certificate anchors issued it: CN=Test Root CA; CN=Test Root CA$/);
  });

  test('a changed file in a copy of the keyless vector is "modified" even with no trust configured', async () => {
    const copy = join(tempDir('mp-vec-'), 'v1.1.0-sigstore');
    cpSync(join(MT, 'v1.1.0-sigstore'), copy, { recursive: true });
    writeFileSync(join(copy, 'signme-1'), 'tampered');
    const e = await evaluateModel({ modelPath: copy, signaturePath: join(copy, 'model.sig'), trust: loadTrustSet({}).trust });
    assert.equal(e.state, 'modified');
    assert.equal(e.headline, 'modified: signme-1 differs from the signed digest');
  });
});

describe('model targets, manifest placement and merging', () => {
  test('a command aimed at model.sig, a manifest, a file in a signed folder acts on the model; an attestation says why not', async () => {
    const { root, model } = await signedKeyModel();
    const sig = join(model, 'model.sig');
    for (const p of [model, sig, join(model, 'model.safetensors'), join(model, 'tok', 'vocab.txt')]) {
      const t = resolveModelTarget(p);
      assert.ok(t.ok, p);
      assert.equal(t.ok && t.modelPath, model, p);
      assert.equal(t.ok && t.signaturePath, sig, p);
    }
    const manifest = join(root, 'models', 'clf.cdx.json');
    const { bom } = await generateManifest({ modelPath: model, outputPath: manifest });
    writeFileSync(manifest, JSON.stringify(bom));
    const m = resolveModelTarget(manifest);
    assert.ok(m.ok && m.modelPath === model);
    const att = join(root, 'x.intoto.json');
    writeFileSync(att, JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'https://slsa.dev/provenance/v1', predicate: {} }));
    const a = resolveModelTarget(att);
    assert.ok(!a.ok);
    assert.equal(!a.ok && a.code, 'NOT_A_MODEL');
    assert.match(!a.ok ? a.hint : '', /model\.sig/);
    // The manifest goes beside the folder, never inside the signed folder.
    assert.equal(manifestPathFor(model), join(root, 'models', 'clf.cdx.json'));
    assert.equal(manifestPathFor(join(model, 'model.safetensors')), undefined);
  });

  test('re-generating a manifest keeps every word a person wrote and refreshes the digests', async () => {
    const root = tempDir('mp-merge-');
    const model = makeModel(join(root, 'm'), { 'a.bin': 'one', 'b.bin': 'two', 'config.json': '{"architectures":["BertForSequenceClassification"],"model_type":"bert"}' });
    const out = join(root, 'm.cdx.json');
    const first = (await generateManifest({ modelPath: model, outputPath: out })).bom as Record<string, any>;
    first.metadata.component.licenses = [{ license: { id: 'Apache-2.0' } }];
    first.metadata.component.modelCard.considerations = { useCases: ['sentiment of product reviews'] };
    first.metadata.component.description = 'Our classifier';
    first.metadata.component.modelCard.modelParameters.task = 'edited-by-a-person';
    first.metadata.component.components[0].description = 'weights, epoch 3';
    writeFileSync(join(model, 'a.bin'), 'changed');
    writeFileSync(join(model, 'c.bin'), 'new');
    mkdirSync(join(model, 'sub'));
    const second = (await generateManifest({ modelPath: model, outputPath: out })).bom;
    const m = mergeManifest(first, second);
    const c = (m.bom as Record<string, any>).metadata.component;
    assert.deepEqual(c.licenses, [{ license: { id: 'Apache-2.0' } }]);
    assert.deepEqual(c.modelCard.considerations, { useCases: ['sentiment of product reviews'] });
    assert.equal(c.description, 'Our classifier');
    assert.equal(c.modelCard.modelParameters.task, 'edited-by-a-person');
    assert.equal(c.components.find((f: { name: string }) => f.name === 'a.bin').description, 'weights, epoch 3');
    assert.deepEqual(m.updated, ['a.bin']);
    assert.deepEqual(m.added, ['c.bin']);
    const secondModel = (second.metadata as Record<string, any>).component;
    assert.deepEqual(c.components.map((f: { hashes: unknown }) => f.hashes), secondModel.components.map((f: { hashes: unknown }) => f.hashes));
    assert.equal((m.bom as Record<string, any>).version, 2);
    assert.equal((m.bom as Record<string, any>).serialNumber, first.serialNumber);
    // The merged manifest validates with no schema error.
    const v = validateManifestStatic(JSON.stringify(m.bom), out);
    assert.deepEqual(v.findings.filter((f) => f.severity === 'error').map((f) => f.code), []);
  });

  test('updating a manifest after the weights changed replaces the evidence references of the old digest (attestations), keeping a person\'s own references', async () => {
    const root = tempDir('mp-merge-refs-');
    writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair('P-256'));
    const signer = { kind: 'key' as const, privateKey: createPrivateKey(readFileSync(join(root, 'keys', 'prod.pem'))) };
    const registry = new LocalRegistry(join(root, '.provenance'));
    const model = makeModel(join(root, 'chat'), { 'model.safetensors': 'weights v1' });
    const out = join(root, 'chat.cdx.json');
    await attest({ modelPath: model, stage: 'quantization', signer, registry });
    await attest({ modelPath: model, stage: 'release', signer, registry });
    const first = (await generateManifest({ modelPath: model, outputPath: out, registry })).bom as Record<string, any>;
    const oldRefs = first.metadata.component.externalReferences.filter((r: { type: string }) => r.type === 'attestation');
    assert.equal(oldRefs.length, 2);
    // A person's own reference and text.
    first.metadata.component.externalReferences.push({ type: 'website', url: 'https://example.com/chat', comment: 'project page' });
    first.metadata.component.description = 'Our chat model';
    writeFileSync(join(model, 'model.safetensors'), 'weights v2');
    await attest({ modelPath: model, stage: 'quantization', signer, registry });
    const second = (await generateManifest({ modelPath: model, outputPath: out, registry })).bom as Record<string, any>;
    const m = mergeManifest(first, second);
    const refs = (m.bom as Record<string, any>).metadata.component.externalReferences as { type: string; url: string }[];
    const newRefs = second.metadata.component.externalReferences.filter((r: { type: string }) => r.type === 'attestation');
    assert.equal(newRefs.length, 1);
    assert.deepEqual(refs.filter((r) => r.type === 'attestation').map((r) => r.url), newRefs.map((r: { url: string }) => r.url));
    for (const r of oldRefs) assert.ok(!refs.some((x) => x.url === r.url), `old reference kept: ${r.url}`);
    assert.deepEqual(refs.filter((r) => r.type === 'website'), [{ type: 'website', url: 'https://example.com/chat', comment: 'project page' }]);
    assert.deepEqual(m.references.removed.map((r) => r.type), ['attestation', 'attestation']);
    assert.deepEqual(m.references.added.map((r) => r.type), ['attestation']);
    assert.equal((m.bom as Record<string, any>).metadata.component.description, 'Our chat model');
    assert.deepEqual(validateManifestStatic(JSON.stringify(m.bom), out).findings.filter((f) => f.severity === 'error').map((f) => f.code), []);
  });

  test('an unknown key is reported at the key with "did you mean", in manifests and in our own schemas', async () => {
    assert.equal(closestName('modelCrad', ['modelCard', 'name', 'model']), 'modelCard');
    assert.equal(closestName('zzzzzz', ['modelCard']), undefined);
    const root = tempDir('mp-typo-');
    const model = makeModel(join(root, 'm'), { 'a.bin': 'one' });
    const out = join(root, 'm.cdx.json');
    const bom = (await generateManifest({ modelPath: model, outputPath: out })).bom as Record<string, any>;
    delete bom.metadata.component.modelCard;
    bom.metadata.component.modelCrad = {};
    const text = JSON.stringify(bom, null, 2);
    const f = validateManifestStatic(text, out).findings.find((x) => x.code === 'CDX_ADDITIONAL_PROPERTIES');
    assert.ok(f, 'the typo is reported although the model card is also missing');
    assert.equal(f.message, 'unknown property "modelCrad": did you mean "modelCard"?');
    assert.equal(text.slice(f.offset, f.offset + f.length), '"modelCrad"');
    assert.deepEqual(f.data, { property: 'modelCrad', suggestion: 'modelCard' });
    const policy = JSON.stringify({ $schema: 'https://model-provenance.dev/schemas/provenance-policy/v1.json', signers: {}, requiredStagez: [] });
    const p = analyzeDocument('provenance-policy.json', policy).findings.find((x) => x.code === 'SCHEMA_ADDITIONAL_PROPERTIES');
    assert.equal(p?.message, 'unknown property "requiredStagez": did you mean "requiredStages"?');
  });
});
