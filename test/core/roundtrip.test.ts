import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import {
  CURVES,
  generateKeyPair,
  keyHint,
  loadCertificates,
  loadPrivateKey,
  parseBundle,
  parseOmsPayload,
  signModel,
  verifyModel,
  writeKeyPair,
  type Curve,
  type TrustedKey,
} from '../../core';
import { makeModel, makePki, tempDir } from '../helpers/fixtures';

function keys(curve: Curve): { privateKey: ReturnType<typeof createPrivateKey>; trusted: TrustedKey } {
  const pair = generateKeyPair(curve);
  const publicKey = createPublicKey(pair.publicKeyPem);
  return { privateKey: createPrivateKey(pair.privateKeyPem), trusted: { source: 'test', key: publicKey, hint: keyHint(publicKey) } };
}

function model(dir: string): string {
  return makeModel(join(dir, 'model'), {
    'config.json': '{"architectures":["LlamaForCausalLM"]}',
    'model.safetensors': Buffer.alloc(4096, 7),
    'tokenizer/tokenizer.json': '{"version":"1.0"}',
    '.hidden': 'hidden files are signed too',
    '.git/HEAD': 'ref: refs/heads/main',
  });
}

describe('sign then verify', () => {
  for (const curve of CURVES) {
    test(`key ${curve}: directory and single file`, async () => {
      const dir = tempDir();
      const m = model(dir);
      const k = keys(curve);
      const signed = await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey } });
      assert.equal(signed.signaturePath, join(m, 'model.sig'));
      assert.deepEqual(signed.resources.map((r) => r.name), ['.hidden', 'config.json', 'model.safetensors', 'tokenizer/tokenizer.json']);
      const r = await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [k.trusted] } });
      assert.equal(r.verdict, 'verified', JSON.stringify(r.problems));
      assert.equal(r.signer?.keyId, k.trusted.hint);
      assert.equal(r.subject?.digest, signed.subject.digest);

      const single = join(m, 'model.safetensors');
      const s1 = await signModel({ modelPath: single, signer: { kind: 'key', privateKey: k.privateKey } });
      assert.equal(s1.signaturePath, `${single}.sig`);
      // model_signing ≤ 1.1 names a single file's resource "." and checks it that way.
      assert.deepEqual(s1.resources.map((x) => x.name), ['.']);
      const r1 = await verifyModel({ modelPath: single, trust: { kind: 'key', keys: [k.trusted] } });
      assert.equal(r1.verdict, 'verified', JSON.stringify(r1.problems));
      assert.deepEqual(r1.files.map((f) => [f.name, f.status]), [['model.safetensors', 'ok']]);
    });
  }

  for (const curve of ['prime256v1', 'secp384r1', 'secp521r1'] as const) {
    test(`certificate chain (${curve})`, async () => {
      const dir = tempDir();
      const m = model(dir);
      const pki = makePki(join(dir, 'pki'), curve);
      await signModel({
        modelPath: m,
        signer: {
          kind: 'certificate',
          privateKey: loadPrivateKey(pki.leafKey),
          signingCertificate: loadCertificates(pki.leafCert)[0]!,
          chain: loadCertificates(pki.intermediateCert),
        },
      });
      const bundle = parseBundle(readFileSync(join(m, 'model.sig'), 'utf8'), 'model.sig');
      assert.equal(bundle.material.kind, 'x509CertificateChain');
      const r = await verifyModel({ modelPath: m, trust: { kind: 'certificate', anchors: loadCertificates(pki.rootCert) } });
      assert.equal(r.verdict, 'verified', JSON.stringify(r.problems));
      assert.equal(r.signer?.subject, 'CN=ml-pipeline@example.com');
      assert.equal(r.signer?.trustAnchor, 'CN=Test Root CA');
      // The intermediate alone is not a trust anchor the user gave.
      const wrong = await verifyModel({ modelPath: m, trust: { kind: 'certificate', anchors: loadCertificates(makePki(join(dir, 'other')).rootCert) } });
      assert.equal(wrong.problems[0]?.code, 'CERT_CHAIN_UNTRUSTED');
    });
  }

  // Which certificates may sign: test/core/key-usage.test.ts, one case per KeyUsage / ExtendedKeyUsage combination.

  test('a chain whose intermediate is missing does not verify', async () => {
    const dir = tempDir();
    const m = model(dir);
    const pki = makePki(join(dir, 'pki'));
    await signModel({ modelPath: m, signer: { kind: 'certificate', privateKey: loadPrivateKey(pki.leafKey), signingCertificate: loadCertificates(pki.leafCert)[0]!, chain: [] } });
    const r = await verifyModel({ modelPath: m, trust: { kind: 'certificate', anchors: loadCertificates(pki.rootCert) } });
    assert.equal(r.problems[0]?.code, 'CERT_CHAIN_UNTRUSTED');
    // …but it does when the user trusts the intermediate directly.
    const r2 = await verifyModel({ modelPath: m, trust: { kind: 'certificate', anchors: loadCertificates(pki.intermediateCert) } });
    assert.equal(r2.verdict, 'verified');
  });

  test('the signing key must belong to the signing certificate', async () => {
    const dir = tempDir();
    const m = model(dir);
    const pki = makePki(join(dir, 'pki'));
    await assert.rejects(
      signModel({ modelPath: m, signer: { kind: 'certificate', privateKey: keys('P-256').privateKey, signingCertificate: loadCertificates(pki.leafCert)[0]!, chain: [] } }),
      { code: 'KEY_CERT_MISMATCH' },
    );
  });

  for (const version of ['0.1', '0.2', '0.3'] as const) {
    test(`bundle v${version} round trip`, async () => {
      const dir = tempDir();
      const m = model(dir);
      const k = keys('P-256');
      await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, bundleVersion: version });
      const b = parseBundle(readFileSync(join(m, 'model.sig'), 'utf8'), 'model.sig');
      assert.equal(b.version, version);
      assert.equal((await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [k.trusted] } })).verdict, 'verified');
    });
  }

  test('our P-256 key bundle verifies with @sigstore/verify and the public key', async () => {
    const dir = tempDir();
    const m = model(dir);
    const k = keys('P-256');
    await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey } });
    const json = JSON.parse(readFileSync(join(m, 'model.sig'), 'utf8'));
    const pem = k.trusted.key.export({ type: 'spki', format: 'pem' }) as string;
    const tm = toTrustMaterial(TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] }), () => ({
      publicKey: createPublicKey(pem),
      validFor: () => true,
    }));
    const signer = new Verifier(tm, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundleFromJSON(json)));
    assert.ok(signer.key);
  });

  test('shards and blake2b round trip, and a grown file is caught', async () => {
    const dir = tempDir();
    const m = model(dir);
    const k = keys('P-384');
    const signed = await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, method: 'shards', shardSize: 1000, hashType: 'blake2b' });
    assert.ok(signed.resources.some((r) => r.name === 'model.safetensors:4000:4096'));
    assert.ok(signed.resources.every((r) => r.algorithm === 'blake2b' && r.digest.length === 128));
    const ok = await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [k.trusted] } });
    assert.equal(ok.verdict, 'verified', JSON.stringify(ok.problems));
    assert.ok(ok.files.some((f) => f.name === 'model.safetensors' && f.status === 'ok'));
    writeFileSync(join(m, 'model.safetensors'), Buffer.alloc(5000, 7));
    const grown = await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [k.trusted] } });
    assert.deepEqual(grown.problems.map((p) => [p.code, p.file]), [['FILE_MODIFIED', 'model.safetensors']]);
  });

  test('an encrypted private key signs with its passphrase, written with mode 0600', async () => {
    const dir = tempDir();
    const m = model(dir);
    const pair = generateKeyPair('P-521', 'correct horse');
    const { privatePath, publicPath } = writeKeyPair(join(dir, 'keys', 'prod'), pair);
    assert.equal(statSync(privatePath).mode & 0o777, 0o600);
    assert.match(readFileSync(privatePath, 'utf8'), /ENCRYPTED PRIVATE KEY/);
    assert.throws(() => loadPrivateKey(privatePath, 'wrong'), { code: 'KEY_PASSPHRASE' });
    assert.throws(() => writeKeyPair(join(dir, 'keys', 'prod'), pair), { code: 'FILE_EXISTS' });
    await signModel({ modelPath: m, signer: { kind: 'key', privateKey: loadPrivateKey(privatePath, 'correct horse') } });
    const pub = createPublicKey(readFileSync(publicPath));
    assert.equal((await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [{ source: publicPath, key: pub, hint: keyHint(pub) }] } })).verdict, 'verified');
  });

  test('symlinks inside the root are followed when allowed and recorded in the signature', async () => {
    const dir = tempDir();
    const m = model(dir);
    symlinkSync('config.json', join(m, 'config-link.json'));
    const k = keys('P-256');
    await assert.rejects(signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey } }), { code: 'SYMLINK_NOT_ALLOWED' });
    const signed = await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, allowSymlinks: true });
    const link = signed.resources.find((r) => r.name === 'config-link.json');
    assert.equal(link?.digest, signed.resources.find((r) => r.name === 'config.json')?.digest);
    const manifest = parseOmsPayload(parseBundle(readFileSync(join(m, 'model.sig'), 'utf8'), 'x').envelope.payload, 'x');
    assert.equal(manifest.serialization.allow_symlinks, true);
    assert.equal((await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [k.trusted] } })).verdict, 'verified');
  });

  test('ignore paths: recorded when signing, honoured when verifying; .git is ignored by default', async () => {
    const dir = tempDir();
    const m = model(dir);
    makeModel(m, { 'logs/run.log': 'training log' });
    const k = keys('P-256');
    const signed = await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, ignorePaths: ['logs'] });
    assert.ok(!signed.resources.some((r) => r.name.startsWith('logs/') || r.name.startsWith('.git/')));
    makeModel(m, { 'logs/run2.log': 'more', '.git/ORIG_HEAD': 'x' });
    // The signed ignore list applies at verification time without repeating the flag.
    assert.equal((await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [k.trusted] } })).verdict, 'verified');
    // The signed list already names .git, so it stays out even if the verifier would include it…
    assert.equal((await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [k.trusted] }, ignoreGitPaths: false })).verdict, 'verified');
    // …and a signer that includes the git paths gets them signed.
    const withGit = await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, ignoreGitPaths: false, ignorePaths: ['logs'] });
    assert.ok(withGit.resources.some((r) => r.name === '.git/HEAD'));
    assert.equal((await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [k.trusted] } })).verdict, 'verified');
    writeFileSync(join(m, '.git', 'HEAD'), 'ref: refs/heads/evil');
    const gitChanged = await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [k.trusted] } });
    assert.deepEqual(gitChanged.problems.map((p) => [p.code, p.file]), [['FILE_MODIFIED', '.git/HEAD']]);
    writeFileSync(join(m, '.git', 'HEAD'), 'ref: refs/heads/main');
    makeModel(m, { 'extra.bin': 'x' });
    const extra = await verifyModel({ modelPath: m, trust: { kind: 'key', keys: [k.trusted] }, ignoreUnsignedFiles: true });
    assert.equal(extra.verdict, 'verified');
    assert.ok(extra.files.some((f) => f.name === 'extra.bin' && f.status === 'unexpected'));
  });

  test('a folder of trusted keys: the right key is found whatever the hint says, private keys are skipped', async () => {
    const dir = tempDir();
    const m = model(dir);
    const pairs = CURVES.map((c) => generateKeyPair(c));
    pairs.forEach((p, i) => writeKeyPair(join(dir, 'trusted', `k${i}`), p));
    await signModel({ modelPath: m, signer: { kind: 'key', privateKey: createPrivateKey(pairs[2]!.privateKeyPem) } });
    const { loadTrustedKeys } = await import('../../core');
    const trusted = loadTrustedKeys(join(dir, 'trusted'));
    assert.equal(trusted.length, 3);
    assert.ok(trusted.every((t) => t.source.endsWith('.pub.pem')));
    const r = await verifyModel({ modelPath: m, trust: { kind: 'key', keys: trusted } });
    assert.equal(r.verdict, 'verified');
    assert.equal(r.signer?.keySource, join(dir, 'trusted', 'k2.pub.pem'));
  });

  test('a certificate given as the trusted key works for key verification', async () => {
    const dir = tempDir();
    const m = model(dir);
    const pki = makePki(join(dir, 'pki'));
    await signModel({ modelPath: m, signer: { kind: 'key', privateKey: loadPrivateKey(pki.leafKey) } });
    const cert = new X509Certificate(readFileSync(pki.leafCert));
    const { loadTrustedKeys } = await import('../../core');
    const trusted = loadTrustedKeys(pki.leafCert);
    assert.equal(trusted[0]!.hint, keyHint(cert.publicKey));
    assert.equal((await verifyModel({ modelPath: m, trust: { kind: 'key', keys: trusted } })).verdict, 'verified');
  });
});

test('a file name the verifier would refuse is refused at signing time', async () => {
  const dir = tempDir();
  const m = makeModel(join(dir, 'model'), { 'ok.bin': 'x', 'a\\b.bin': 'y' });
  const pair = generateKeyPair('P-256');
  await assert.rejects(signModel({ modelPath: m, signer: { kind: 'key', privateKey: createPrivateKey(pair.privateKeyPem) } }), (e: Error & { code?: string; file?: string }) => e.code === 'PATH_UNSAFE' && /a\\b\.bin$/.test(e.file ?? ''));
});
