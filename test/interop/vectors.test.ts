/**
 * Interop tier: signatures made by other OMS implementations, read in place from
 * ../shared/vectors, must verify exactly as the reference tool verifies them.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  InputError,
  inspectSignatureFile,
  loadCertificates,
  loadTrustedKeys,
  parseBundle,
  publicGoodTrustMaterial,
  verifyModel,
  type Trust,
} from '../../core';
import { makePki, runCli, tempDir } from '../helpers/fixtures';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';

const MT = join(VECTORS, 'model-transparency');
const KEYS = join(MT, 'keys', 'certificate');
const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';

interface Row {
  dir: string;
  method: 'key' | 'certificate' | 'sigstore';
  model: string;
  ignore: string[];
}

/** The table in vectors/model-transparency/README.md, row by row. */
const TABLE: Row[] = [
  { dir: 'v0.2.0-certificate', method: 'certificate', model: '', ignore: [] },
  { dir: 'v0.3.1-certificate', method: 'certificate', model: '', ignore: [] },
  { dir: 'v0.3.1-elliptic-key', method: 'key', model: 'signme-1', ignore: [] },
  { dir: 'v0.3.1-sigstore', method: 'sigstore', model: '', ignore: [] },
  { dir: 'v1.0.0-certificate', method: 'certificate', model: '', ignore: [] },
  { dir: 'v1.0.0-elliptic-key', method: 'key', model: 'signme-1', ignore: [] },
  { dir: 'v1.0.0-sigstore', method: 'sigstore', model: '', ignore: [] },
  { dir: 'v1.0.1-certificate', method: 'certificate', model: '', ignore: ['ignore-me'] },
  { dir: 'v1.1.0-certificate', method: 'certificate', model: '', ignore: ['ignore-me'] },
  { dir: 'v1.0.1-elliptic-key', method: 'key', model: '', ignore: ['ignore-me'] },
  { dir: 'v1.1.0-elliptic-key', method: 'key', model: '', ignore: ['ignore-me'] },
  { dir: 'v1.0.1-sigstore', method: 'sigstore', model: '', ignore: ['ignore-me'] },
  { dir: 'v1.1.0-sigstore', method: 'sigstore', model: '', ignore: ['ignore-me'] },
];

function trustFor(method: Row['method']): Trust {
  switch (method) {
    case 'key':
      return { kind: 'key', keys: loadTrustedKeys(join(KEYS, 'signing-key-pub.pem')) };
    case 'certificate':
      return { kind: 'certificate', anchors: loadCertificates(join(KEYS, 'ca-cert.pem')) };
    case 'sigstore':
      return { kind: 'sigstore', identity: IDENTITY, issuer: ISSUER };
  }
}

const row = (r: Row) => ({
  modelPath: join(MT, r.dir, r.model),
  signaturePath: join(MT, r.dir, 'model.sig'),
  ignorePaths: r.ignore,
});

describe('model-transparency vectors', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  for (const r of TABLE) {
    test(`${r.dir} verifies by ${r.method}`, async () => {
      const result = await verifyModel({ ...row(r), trust: trustFor(r.method) });
      assert.equal(result.verdict, 'verified', JSON.stringify(result.problems));
      assert.ok(result.files.length >= 1 && result.files.every((f) => f.status === 'ok'));
      assert.equal(result.signer?.method, r.method);
      if (r.method === 'sigstore') {
        assert.equal(result.signer?.identity, IDENTITY);
        assert.equal(result.signer?.identityProvider, ISSUER);
        assert.ok(result.signedAt, 'a keyless signature carries a verified signing time');
      }
      if (r.method === 'certificate') assert.equal(result.signer?.trustAnchor, 'CN=root-ca');
    });
  }

  test('P-384 key vectors are signed with SHA-384 and are recognised by their hint', async () => {
    const keys = loadTrustedKeys(join(KEYS, 'signing-key-pub.pem'));
    assert.equal(keys[0]!.key.asymmetricKeyDetails?.namedCurve, 'secp384r1');
    const bundle = parseBundle(readFileSync(join(MT, 'v1.1.0-elliptic-key', 'model.sig'), 'utf8'), 'model.sig');
    assert.equal(bundle.material.kind === 'publicKey' && bundle.material.hint, keys[0]!.hint);
  });

  test('the v0.2.0 signature is reported as legacy', async () => {
    const r = TABLE[0]!;
    const result = await verifyModel({ ...row(r), trust: trustFor(r.method) });
    assert.match(result.notes.join('\n'), /v0\.2\.0/);
  });

  test('the ignore-me rows fail without --ignore-paths: an unsigned file is reported', async () => {
    const r = TABLE.find((x) => x.dir === 'v1.0.1-elliptic-key')!;
    const result = await verifyModel({ ...row(r), ignorePaths: [], trust: trustFor(r.method) });
    assert.equal(result.verdict, 'failed');
    assert.deepEqual(result.problems.map((p) => [p.code, p.file]), [['FILE_UNEXPECTED', 'ignore-me']]);
  });

  for (const r of TABLE.filter((x) => x.method === 'sigstore')) {
    test(`${r.dir} with a wrong identity fails with IDENTITY_MISMATCH`, async () => {
      const result = await verifyModel({ ...row(r), trust: { kind: 'sigstore', identity: 'attacker@example.com', issuer: ISSUER } });
      assert.equal(result.verdict, 'failed');
      assert.equal(result.problems[0]?.code, 'IDENTITY_MISMATCH');
      assert.match(result.problems[0]!.message, /stefanb@us\.ibm\.com.*attacker@example\.com/);
    });
  }

  test('a wrong issuer fails with ISSUER_MISMATCH; identity match is exact, not a prefix or pattern', async () => {
    const r = TABLE.find((x) => x.dir === 'v1.1.0-sigstore')!;
    const wrongIssuer = await verifyModel({ ...row(r), trust: { kind: 'sigstore', identity: IDENTITY, issuer: 'https://accounts.google.com' } });
    assert.equal(wrongIssuer.problems[0]?.code, 'ISSUER_MISMATCH');
    const prefix = await verifyModel({ ...row(r), trust: { kind: 'sigstore', identity: 'stefanb@us.ibm', issuer: ISSUER } });
    assert.equal(prefix.problems[0]?.code, 'IDENTITY_MISMATCH');
    const regexLike = await verifyModel({ ...row(r), trust: { kind: 'sigstore', identity: '.*', issuer: ISSUER } });
    assert.equal(regexLike.problems[0]?.code, 'IDENTITY_MISMATCH');
  });

  test('keyless vectors are rejected under another trusted root, with a reason', async () => {
    // The public-good root with its Fulcio CA swapped for one of ours.
    const dir = tempDir();
    const pki = makePki(join(dir, 'pki'));
    const seeds = JSON.parse(readFileSync(require.resolve('@sigstore/tuf/seeds.json'), 'utf8'));
    const root = JSON.parse(Buffer.from(seeds['https://tuf-repo-cdn.sigstore.dev'].targets['trusted_root.json'], 'base64').toString('utf8'));
    const der = new X509Certificate(readFileSync(pki.rootCert)).raw.toString('base64');
    for (const ca of root.certificateAuthorities) ca.certChain.certificates = [{ rawBytes: der }];
    const rootPath = join(dir, 'trusted_root.json');
    writeFileSync(rootPath, JSON.stringify(root));
    const r = TABLE.find((x) => x.dir === 'v1.1.0-sigstore')!;
    const result = await verifyModel({ ...row(r), trust: { kind: 'sigstore', identity: IDENTITY, issuer: ISSUER, trustedRootPath: rootPath } });
    assert.equal(result.verdict, 'failed');
    assert.match(result.problems[0]!.code, /^SIGSTORE_/);
    assert.ok(publicGoodTrustMaterial(), 'the embedded public-good root still loads');
  });

  test('a key vector does not verify with a key that did not sign it', async () => {
    const dir = tempDir();
    const pki = makePki(join(dir, 'pki'), 'secp384r1');
    const pub = join(dir, 'other.pub.pem');
    writeFileSync(pub, new X509Certificate(readFileSync(pki.leafCert)).publicKey.export({ type: 'spki', format: 'pem' }));
    const r = TABLE.find((x) => x.dir === 'v1.1.0-elliptic-key')!;
    const result = await verifyModel({ ...row(r), trust: { kind: 'key', keys: loadTrustedKeys(pub) } });
    assert.equal(result.problems[0]?.code, 'KEY_UNTRUSTED');
  });

  test('a certificate vector does not verify under an unrelated CA', async () => {
    const dir = tempDir();
    const pki = makePki(join(dir, 'pki'));
    const r = TABLE.find((x) => x.dir === 'v1.1.0-certificate')!;
    const result = await verifyModel({ ...row(r), trust: { kind: 'certificate', anchors: loadCertificates(pki.rootCert) } });
    assert.equal(result.problems[0]?.code, 'CERT_CHAIN_UNTRUSTED');
  });

  test('the CLI gives the same verdicts and exit codes', async () => {
    const key = await runCli(['verify', 'key', join(MT, 'v1.1.0-elliptic-key'), '--signature', join(MT, 'v1.1.0-elliptic-key', 'model.sig'), '--public_key', join(KEYS, 'signing-key-pub.pem'), '--ignore_paths', join(MT, 'v1.1.0-elliptic-key', 'ignore-me')]);
    assert.equal(key.code, 0, key.stderr);
    assert.equal(key.stderr, '');
    assert.match(key.stdout, /^VERIFIED/);
    const cert = await runCli(['verify', 'certificate', join(MT, 'v0.2.0-certificate'), '--signature', join(MT, 'v0.2.0-certificate', 'model.sig'), '--certificate-chain', join(KEYS, 'ca-cert.pem'), '--format', 'json']);
    assert.equal(cert.code, 0, cert.stderr);
    assert.equal(JSON.parse(cert.stdout).verdict, 'verified');
    const wrong = await runCli(['verify', 'sigstore', join(MT, 'v1.0.0-sigstore'), '--signature', join(MT, 'v1.0.0-sigstore', 'model.sig'), '--identity', 'attacker@example.com', '--identity-provider', ISSUER]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /IDENTITY_MISMATCH/);
  });
});

describe('OMS spec bundle vectors', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  const OMS = join(VECTORS, 'oms-spec');
  for (const name of ['key', 'certificate', 'sigstore']) {
    test(`valid/${name}.bundle.json parses as an OMS bundle`, () => {
      const file = join(OMS, 'valid', `${name}.bundle.json`);
      const b = parseBundle(readFileSync(file, 'utf8'), file);
      assert.equal(b.version, '0.3');
      assert.equal(b.envelope.payloadType, 'application/vnd.in-toto+json');
    });
  }

  const invalid: [string, string][] = [
    ['empty', 'BUNDLE_EMPTY'],
    ['missing-envelope', 'BUNDLE_NO_ENVELOPE'],
    ['missing-verification-material', 'BUNDLE_NO_VERIFICATION_MATERIAL'],
    ['missing-tlog-entries', 'BUNDLE_NO_TLOG'],
  ];
  for (const [name, code] of invalid) {
    test(`invalid/${name}.bundle.json is rejected with ${code}`, () => {
      const file = join(OMS, 'invalid', `${name}.bundle.json`);
      assert.throws(() => parseBundle(readFileSync(file, 'utf8'), file), (e: unknown) => e instanceof InputError && e.code === code);
    });
    test(`invalid/${name}.bundle.json: the CLI exits 2 with ${code}`, async () => {
      const file = join(OMS, 'invalid', `${name}.bundle.json`);
      const r = await runCli(['verify', 'key', join(MT, 'v1.1.0-elliptic-key'), '--signature', file, '--public-key', join(KEYS, 'signing-key-pub.pem')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`${name}\\.bundle\\.json: .*\\[${code}\\]\\n$`));
    });
  }

  test('invalid-payload/wrong-predicate.bundle.json: format check says PREDICATE_UNSUPPORTED, verify says SIGNATURE_INVALID', async () => {
    const sig = join(OMS, 'invalid-payload', 'wrong-predicate.bundle.json');
    assert.throws(() => inspectSignatureFile(sig), (e: unknown) => e instanceof InputError && e.code === 'PREDICATE_UNSUPPORTED');
    const v = await runCli(['validate', sig]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /invalid .*wrong-predicate\.bundle\.json: .*\[PREDICATE_UNSUPPORTED\]/);
    // Its payload was edited after signing, so the signature itself fails first.
    const result = await verifyModel({ modelPath: join(MT, 'v1.1.0-elliptic-key'), signaturePath: sig, trust: trustFor('key'), ignorePaths: ['ignore-me'] });
    assert.deepEqual(result.problems.map((p) => p.code), ['SIGNATURE_INVALID']);
  });

  test('the valid spec bundles verify against the model they were made for', async () => {
    const model = join(MT, 'v1.1.0-elliptic-key');
    for (const [name, method] of [['key', 'key'], ['certificate', 'certificate']] as const) {
      const result = await verifyModel({ modelPath: model, signaturePath: join(OMS, 'valid', `${name}.bundle.json`), trust: trustFor(method), ignorePaths: ['ignore-me', 'model.sig'] });
      assert.equal(result.verdict, 'verified', `${name}: ${JSON.stringify(result.problems)}`);
    }
    const keyless = await verifyModel({ modelPath: join(MT, 'v1.1.0-sigstore'), signaturePath: join(OMS, 'valid', 'sigstore.bundle.json'), trust: trustFor('sigstore'), ignorePaths: ['ignore-me', 'model.sig'] });
    assert.equal(keyless.verdict, 'verified', JSON.stringify(keyless.problems));
  });

  test('validate accepts every model-transparency signature and the valid spec bundles', async () => {
    const files = [...TABLE.map((r) => join(MT, r.dir, 'model.sig')), ...['key', 'certificate', 'sigstore'].map((n) => join(OMS, 'valid', `${n}.bundle.json`))];
    const r = await runCli(['validate', '--format', 'json', ...files]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(JSON.parse(r.stdout).filter((f: { valid: boolean }) => f.valid).length, files.length);
  });
});
