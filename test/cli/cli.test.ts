import assert from 'node:assert/strict';
import { readFileSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseBundle, parseOmsPayload } from '../../core';
import { makeModel, makePki, runCli, tempDir } from '../helpers/fixtures';

function setup(): { dir: string; m: string; key: string; pub: string } {
  const dir = tempDir();
  const m = makeModel(join(dir, 'model'), { 'weights.bin': Buffer.alloc(2048, 1), 'config.json': '{}', 'notes/readme.md': '# model' });
  return { dir, m, key: join(dir, 'keys', 'prod.pem'), pub: join(dir, 'keys', 'prod.pub.pem') };
}

function payload(sigPath: string) {
  return parseOmsPayload(parseBundle(readFileSync(sigPath, 'utf8'), sigPath).envelope.payload, sigPath);
}

describe('model-provenance CLI', () => {
  test('keygen writes a 0600 private key and a public key for each curve', async () => {
    const { dir } = setup();
    for (const curve of ['p256', 'p384', 'p521']) {
      const r = await runCli(['keygen', '--curve', curve, '--out', join(dir, curve), '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(statSync(out.privateKey).mode & 0o777, 0o600);
      assert.match(readFileSync(out.publicKey, 'utf8'), /BEGIN PUBLIC KEY/);
      assert.equal(out.keyId.length, 64);
      assert.doesNotMatch(r.stdout + r.stderr, /PRIVATE KEY/);
    }
    const again = await runCli(['keygen', '--out', join(dir, 'p256')]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /\[FILE_EXISTS\]/);
  });

  test('sign key / verify key, with model_signing spellings, text and json output', async () => {
    const { dir, m, key, pub } = setup();
    assert.equal((await runCli(['keygen', '--out', join(dir, 'keys', 'prod')])).code, 0);
    const s = await runCli(['sign', 'key', m, '--private_key', key]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /signed .* -> .*model\.sig/);
    const v = await runCli(['verify', 'key', m, '--public_key', pub]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^VERIFIED .*3 file\(s\) match/);
    const j = await runCli(['verify', 'key', m, '--public-key', pub, '--format', 'json']);
    const result = JSON.parse(j.stdout);
    assert.equal(result.verdict, 'verified');
    assert.deepEqual(result.files.map((f: { name: string }) => f.name), ['config.json', 'notes/readme.md', 'weights.bin']);
    const h = await runCli(['hash', m]);
    assert.equal(h.stdout.split(' ')[0], result.subject.digest, 'hash prints the subject digest that sign wrote');
  });

  test('the deployment-gate form: --model --attestation --trusted-keys DIR, exit 1 names the modified file', async () => {
    const { dir, m, key } = setup();
    await runCli(['keygen', '--out', join(dir, 'keys', 'prod')]);
    await runCli(['keygen', '--out', join(dir, 'keys', 'other'), '--curve', 'p384']);
    const sig = join(dir, 'release.sig');
    assert.equal((await runCli(['sign', m, '--private-key', key, '--signature', sig])).code, 0);
    const ok = await runCli(['verify', '--model', m, '--attestation', sig, '--trusted-keys', join(dir, 'keys')]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    writeFileSync(join(m, 'weights.bin'), Buffer.alloc(2048, 2));
    const bad = await runCli(['verify', '--model', m, '--attestation', sig, '--trusted-keys', join(dir, 'keys'), '--format', 'report']);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /NOT verified/);
    assert.match(bad.stdout, /modified\s+weights\.bin/);
    assert.match(bad.stdout, /Next: /);
  });

  test('--ignore-paths, --ignore-unsigned-files and --no-ignore-git-paths reach the library', async () => {
    const { dir, m, key, pub } = setup();
    await runCli(['keygen', '--out', join(dir, 'keys', 'prod')]);
    makeModel(m, { '.git/HEAD': 'ref', 'cache/x.tmp': 'tmp' });
    // model_signing's meaning: each path is resolved against the working directory.
    const signed = await runCli(['sign', 'key', './model', '--private-key', key, '--ignore-paths', './model/cache', '--ignore-paths', 'model/notes/'], { cwd: dir });
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(signed.stderr, '');
    const p = payload(join(m, 'model.sig'));
    assert.deepEqual(p.resources.map((r) => r.name), ['config.json', 'weights.bin']);
    assert.ok(p.serialization.ignore_paths?.includes('cache') && p.serialization.ignore_paths.includes('.git') && p.serialization.ignore_paths.includes('model.sig'));
    makeModel(m, { 'new.bin': 'x' });
    const strict = await runCli(['verify', 'key', m, '--public-key', pub]);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /FILE_UNEXPECTED new\.bin/);
    const lax = await runCli(['verify', 'key', m, '--public-key', pub, '--ignore-unsigned-files']);
    assert.equal(lax.code, 0, lax.stdout);
    const byFlag = await runCli(['verify', 'key', '.', '--public-key', pub, '--ignore-paths', 'new.bin'], { cwd: m });
    assert.equal(byFlag.code, 0, byFlag.stdout);
    assert.equal((await runCli(['sign', 'key', m, '--private-key', key, '--no-ignore-git-paths'])).code, 0);
    assert.ok(payload(join(m, 'model.sig')).resources.some((r) => r.name === '.git/HEAD'));
  });

  test('--allow-symlinks, --hash-type, --bundle-version reach the signature', async () => {
    const { dir, m, key, pub } = setup();
    await runCli(['keygen', '--out', join(dir, 'keys', 'prod')]);
    symlinkSync('weights.bin', join(m, 'weights-link.bin'));
    const refused = await runCli(['sign', 'key', m, '--private-key', key]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /\[SYMLINK_NOT_ALLOWED\]/);
    assert.ok(!existsSync(join(m, 'model.sig')));
    assert.equal((await runCli(['sign', 'key', m, '--private-key', key, '--allow-symlinks', '--hash-type', 'blake2b', '--bundle-version', '0.2'])).code, 0);
    const b = parseBundle(readFileSync(join(m, 'model.sig'), 'utf8'), 'x');
    assert.equal(b.version, '0.2');
    const p = payload(join(m, 'model.sig'));
    assert.equal(p.serialization.hash_type, 'blake2b');
    assert.equal(p.serialization.allow_symlinks, true);
    assert.equal((await runCli(['verify', 'key', m, '--public-key', pub])).code, 0);
  });

  test('sign certificate / verify certificate with repeatable --certificate-chain', async () => {
    const { dir, m } = setup();
    const pki = makePki(join(dir, 'pki'), 'secp384r1');
    const s = await runCli(['sign', 'certificate', m, '--private_key', pki.leafKey, '--signing_certificate', pki.leafCert, '--certificate_chain', pki.intermediateCert]);
    assert.equal(s.code, 0, s.stderr);
    const v = await runCli(['verify', 'certificate', m, '--certificate-chain', join(dir, 'pki', 'int.pem'), '--certificate-chain', pki.rootCert, '--format', 'json']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.equal(JSON.parse(v.stdout).signer.subject, 'CN=ml-pipeline@example.com');
    const other = makePki(join(dir, 'other'));
    const bad = await runCli(['verify', 'certificate', m, '--certificate-chain', other.rootCert]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /CERT_CHAIN_UNTRUSTED/);
  });

  test('--progress writes progress to stderr; without a terminal nothing is written', async () => {
    const { dir, m, key } = setup();
    await runCli(['keygen', '--out', join(dir, 'keys', 'prod')]);
    const quiet = await runCli(['sign', 'key', m, '--private-key', key]);
    assert.equal(quiet.stderr, '');
    const loud = await runCli(['sign', 'key', m, '--private-key', key, '--progress']);
    assert.match(loud.stderr, /hashing .* \(100%\) 3\/3 files/);
  });

  test('usage errors exit 2 with one line', async () => {
    for (const args of [['verify', 'key', '/tmp/x'], ['sign', 'key'], ['frobnicate'], ['verify', '--format', 'xml', '--model', 'x']]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /sign/);
  });

  test('keyless signing is refused with a clear reason', async () => {
    const { m } = setup();
    const r = await runCli(['sign', 'sigstore', m]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\[UNSUPPORTED\]/);
  });
});
