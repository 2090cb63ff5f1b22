/**
 * The CLI's model scope, as model_signing's CLI has it: `--ignore-paths` resolved against
 * the working directory on every command that hashes a model (sign, hash, verify, attest,
 * verify --policy, lineage, manifest init), so the digests join; ignore paths that do
 * nothing warned on stderr; certificates refused by the signer exactly when the verifier
 * would refuse them.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseBundle, parseOmsPayload } from '../../core';
import { makeModel, makePki, runCli, tempDir } from '../helpers/fixtures';

const payloadOf = (sig: string) => parseOmsPayload(parseBundle(readFileSync(sig, 'utf8'), sig).envelope.payload, sig);

interface Setup {
  dir: string;
  m: string;
  key: string;
  pub: string;
}

async function setup(): Promise<Setup> {
  const dir = tempDir();
  const m = makeModel(join(dir, 'model'), { 'w.bin': Buffer.alloc(512, 1), 'config.json': '{}', 'cache/a.tmp': 'a', 'cache/sub/b.tmp': 'b', 'cache.json': 'kept' });
  mkdirSync(join(dir, 'other'));
  const k = await runCli(['keygen', '--out', join(dir, 'keys', 'k')]);
  assert.equal(k.code, 0, k.stderr);
  return { dir, m, key: join(dir, 'keys', 'k.pem'), pub: join(dir, 'keys', 'k.pub.pem') };
}

const KEPT = ['cache.json', 'config.json', 'w.bin'];

describe('--ignore-paths means what it means in model_signing, on every command', () => {
  const forms: { name: string; cwd: (s: Setup) => string; model: (s: Setup) => string; ignore: (s: Setup) => string[] }[] = [
    { name: 'from the parent folder, ./model/cache/', cwd: (s) => s.dir, model: () => './model', ignore: () => ['./model/cache/'] },
    { name: 'from inside the model, cache', cwd: (s) => s.m, model: () => '.', ignore: () => ['cache'] },
    { name: 'from inside the model, ./cache// with a model path ../model/', cwd: (s) => s.m, model: () => '../model/', ignore: () => ['./cache//'] },
    { name: 'from a sibling folder, ../model/cache', cwd: (s) => join(s.dir, 'other'), model: () => '../model', ignore: () => ['../model/cache'] },
    { name: 'absolute, from anywhere, with trailing slashes', cwd: (s) => join(s.dir, 'other'), model: (s) => s.m, ignore: (s) => [`${join(s.m, 'cache')}//`] },
    { name: 'from a symlinked working directory', cwd: (s) => join(s.dir, 'link'), model: () => './model', ignore: () => ['model/cache'] },
    { name: 'model through a symlink, ignore path through the real folder', cwd: (s) => s.dir, model: (s) => join(s.dir, 'link', 'model'), ignore: (s) => [join(s.m, 'cache')] },
    { name: 'model through the real folder, ignore path through a symlink', cwd: (s) => s.dir, model: (s) => s.m, ignore: (s) => [join(s.dir, 'link', 'model', 'cache')] },
  ];
  for (const f of forms) {
    test(`${f.name}: sign, hash, verify agree; cache/ is left out and recorded; nothing on stderr`, async () => {
      const s = await setup();
      symlinkSync(s.dir, join(s.dir, 'link'));
      const cwd = f.cwd(s);
      const ignore = f.ignore(s).flatMap((p) => ['--ignore-paths', p]);
      const signed = await runCli(['sign', 'key', f.model(s), '--private-key', s.key, ...ignore, '--format', 'json'], { cwd });
      assert.equal(signed.code, 0, signed.stderr);
      assert.equal(signed.stderr, '');
      const out = JSON.parse(signed.stdout);
      assert.deepEqual(out.resources.map((r: { name: string }) => r.name), KEPT);
      assert.deepEqual(out.warnings, []);
      assert.deepEqual(payloadOf(join(s.m, 'model.sig')).serialization.ignore_paths, ['.git', '.gitattributes', '.github', '.gitignore', 'cache', 'model.sig']);
      const hashed = await runCli(['hash', f.model(s), ...ignore], { cwd });
      assert.equal(hashed.code, 0, hashed.stderr);
      assert.equal(hashed.stdout.split(' ')[0], out.subject.digest);
      const verified = await runCli(['verify', 'key', f.model(s), '--public-key', s.pub, ...ignore], { cwd });
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      assert.equal(verified.stderr, '');
    });
  }

  test('an ignore path that matches nothing warns on stderr (as typed), exit 0, and is not recorded in the signature', async () => {
    const s = await setup();
    const signed = await runCli(['sign', 'key', './model', '--private-key', s.key, '--ignore-paths', './model/cahce', '--ignore-paths', './model/cache'], { cwd: s.dir });
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(signed.stderr, 'model-provenance: warning: ./model: ignore path "cahce" matches nothing in the model; it has no effect and is not recorded (--ignore-paths ./model/cahce) [IGNORE_PATH_UNMATCHED]\n');
    const p = payloadOf(join(s.m, 'model.sig'));
    assert.deepEqual(p.serialization.ignore_paths, ['.git', '.gitattributes', '.github', '.gitignore', 'cache', 'model.sig']);
    for (const args of [['hash', './model'], ['verify', 'key', './model', '--public-key', s.pub]]) {
      const r = await runCli([...args, '--ignore-paths', './model/cahce'], { cwd: s.dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /^model-provenance: warning: \.\/model: ignore path "cahce" matches nothing in the model.*\[IGNORE_PATH_UNMATCHED\]\n$/);
      assert.doesNotMatch(r.stdout, /IGNORE_PATH/);
    }
  });

  test('a path typed as from the parent folder while inside the model matches nothing: the warning asks for the tail that is in the model', async () => {
    const s = await setup();
    const r = await runCli(['hash', '.', '--ignore-paths', 'model/cache'], { cwd: s.m });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'model-provenance: warning: .: ignore path "model/cache" matches nothing in the model; it has no effect and is not recorded (did you mean "cache", which is in the model?) [IGNORE_PATH_UNMATCHED]\n');
  });

  test('a model-relative path given from another folder is outside the model: dropped with a warning, as model_signing drops it', async () => {
    const s = await setup();
    const signed = await runCli(['sign', 'key', s.m, '--private-key', s.key, '--ignore-paths', 'cache', '--format', 'json'], { cwd: s.dir });
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(signed.stderr, `model-provenance: warning: ${s.m}: ignore path "cache" is outside the model; dropped; paths are resolved against the current directory, as model_signing does: did you mean "${join(s.m, 'cache')}"? [IGNORE_PATH_OUTSIDE]\n`);
    assert.deepEqual(JSON.parse(signed.stdout).resources.map((r: { name: string }) => r.name), ['cache/a.tmp', 'cache/sub/b.tmp', ...KEPT]);
    // JSON carries the warning too, as docs/cli.md promises for hash, sign, verify and attest.
    const outside = { code: 'IGNORE_PATH_OUTSIDE', path: 'cache' };
    const pick = (ws: { code: string; path: string }[]) => ws.map((w) => ({ code: w.code, path: w.path }));
    assert.deepEqual(pick(JSON.parse(signed.stdout).warnings), [outside]);
    const hashed = await runCli(['hash', s.m, '--ignore-paths', 'cache', '--format', 'json'], { cwd: s.dir });
    assert.deepEqual(pick(JSON.parse(hashed.stdout).warnings), [outside]);
    const verified = await runCli(['verify', 'key', s.m, '--public-key', s.pub, '--ignore-paths', 'cache', '--format', 'json'], { cwd: s.dir });
    assert.deepEqual(pick(JSON.parse(verified.stdout).warnings), [outside]);
  });

  test('symlinks in an ignore path are resolved as Path.resolve() does, the last one too (model_signing 1.1): the link\'s target is left out, the link stays', async () => {
    const s = await setup();
    symlinkSync('w.bin', join(s.m, 'w-link.bin'));
    symlinkSync('cache', join(s.m, 'cache-link'));
    const hash = async (...ignore: string[]) => {
      const r = await runCli(['hash', './model', '--allow-symlinks', ...ignore.flatMap((p) => ['--ignore-paths', p]), '--format', 'json'], { cwd: s.dir });
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout).resources as { name: string }[]).map((x) => x.name);
    };
    // A link to a folder adds nothing (model_signing never descends into one); a link to a file is kept under its own name.
    assert.deepEqual(await hash(), ['cache/a.tmp', 'cache/sub/b.tmp', 'cache.json', 'config.json', 'w-link.bin', 'w.bin']);
    // model_signing: (cwd / 'model/w-link.bin').resolve() is model/w.bin: w.bin is left out and the link is hashed.
    assert.deepEqual(await hash('./model/w-link.bin'), ['cache/a.tmp', 'cache/sub/b.tmp', 'cache.json', 'config.json', 'w-link.bin']);
    // Through a linked folder: model/cache-link/sub resolves to model/cache/sub.
    assert.deepEqual(await hash('model/cache-link/sub'), ['cache/a.tmp', 'cache.json', 'config.json', 'w-link.bin', 'w.bin']);
    // `..` after a link is taken from the link's target, as realpath does: cache-link/sub/.. is cache.
    assert.deepEqual(await hash('model/cache-link/sub/..'), ['cache.json', 'config.json', 'w-link.bin', 'w.bin']);
    // Without --allow-symlinks the link is still there, and refused, as in model_signing.
    const refused = await runCli(['hash', './model', '--ignore-paths', './model/w-link.bin', '--ignore-paths', './model/cache-link'], { cwd: s.dir });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /\[SYMLINK_NOT_ALLOWED\]/);
  });

  test('an ignore path naming the model itself is refused, exit 2, nothing written', async () => {
    const s = await setup();
    for (const [cwd, model, ignore] of [[s.m, '.', '.'], [s.dir, 'model', 'model/'], [s.dir, 'model', s.m]] as const) {
      const r = await runCli(['sign', 'key', model, '--private-key', s.key, '--ignore-paths', ignore], { cwd });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /names the model itself.*\[IGNORE_PATH_IS_MODEL\]\n$/);
      assert.equal(existsSync(join(s.m, 'model.sig')), false);
    }
  });

  test('attest takes the same flags: the subject equals the signature\'s, and verify --policy / lineage join with the same flags', async () => {
    const s = await setup();
    const registry = join(s.dir, 'registry');
    mkdirSync(registry); // an existing (empty) registry: a new one would be announced on stderr
    writeFileSync(join(s.dir, 'policy.json'), JSON.stringify({ signers: { trainer: { publicKey: 'keys/k.pub.pem' } }, stages: { 'pre-training': { signers: ['trainer'] } }, requiredStages: ['pre-training'] }));
    const signed = await runCli(['sign', 'key', './model', '--private-key', s.key, '--ignore-paths', './model/cache', '--format', 'json'], { cwd: s.dir });
    assert.equal(signed.code, 0, signed.stderr);
    const subject = JSON.parse(signed.stdout).subject.digest;
    const attested = await runCli(['attest', 'model', '--stage', 'pre-training', '--private-key', s.key, '--registry', registry, '--ignore-paths', 'model/cache/', '--format', 'json'], { cwd: s.dir });
    assert.equal(attested.code, 0, attested.stderr);
    assert.equal(attested.stderr, '');
    assert.equal(JSON.parse(attested.stdout).subject.digest, subject);
    // Without the flag, the attestation would be about another digest: the two never join.
    const bare = await runCli(['attest', 'model', '--stage', 'pre-training', '--private-key', s.key, '--no-store', '--format', 'json'], { cwd: s.dir });
    assert.notEqual(JSON.parse(bare.stdout).subject.digest, subject);

    const gate = await runCli(['verify', 'model', '--policy', 'policy.json', '--registry', registry, '--ignore-paths', './model/cache', '--format', 'json'], { cwd: s.dir });
    assert.equal(gate.code, 0, gate.stdout + gate.stderr);
    const chain = JSON.parse(gate.stdout);
    assert.equal(chain.model.digest, subject);
    assert.equal(chain.verdict, 'verified');
    const gateFromInside = await runCli(['verify', '.', '--policy', '../policy.json', '--registry', registry, '--ignore-paths', 'cache'], { cwd: s.m });
    assert.equal(gateFromInside.code, 0, gateFromInside.stdout + gateFromInside.stderr);
    const noFlag = await runCli(['verify', 'model', '--policy', 'policy.json', '--registry', registry], { cwd: s.dir });
    assert.equal(noFlag.code, 1);
    const lineage = await runCli(['lineage', 'model', '--registry', registry, '--ignore-paths', 'model/cache', '--format', 'json'], { cwd: s.dir });
    assert.equal(lineage.code, 0, lineage.stderr);
    assert.equal(JSON.parse(lineage.stdout).links[0].digest, subject);

    const digestOnly = await runCli(['attest', '--subject-digest', subject, '--stage', 'release', '--private-key', s.key, '--no-store', '--ignore-paths', 'x'], { cwd: s.dir });
    assert.equal(digestOnly.code, 2);
    assert.match(digestOnly.stderr, /give the model path.*\[USAGE\]/);
    const gateByDigest = await runCli(['verify', subject, '--policy', 'policy.json', '--registry', registry, '--ignore-paths', './model/cache'], { cwd: s.dir });
    assert.equal(gateByDigest.code, 2);
    assert.match(gateByDigest.stderr, /--ignore-paths applies to verify --policy only with the model on disk \(MODEL or --model\), not only --digest \[OPTION_NOT_APPLICABLE\]\n$/);
  });

  test('manifest init takes the same flags: its OMS root is the signature\'s, and manifest validate re-hashes with the recorded scope', async () => {
    const s = await setup();
    const signed = await runCli(['sign', 'key', './model', '--private-key', s.key, '--ignore-paths', './model/cache', '--format', 'json'], { cwd: s.dir });
    const subject: string = JSON.parse(signed.stdout).subject.digest;
    const bomPath = join(s.dir, 'model.cdx.json');
    mkdirSync(join(s.dir, 'registry')); // an explicit registry must exist (an empty one here)
    const init = await runCli(['manifest', 'init', 'model', '--ignore-paths', 'model/cache', '--output', bomPath, '--registry', join(s.dir, 'registry')], { cwd: s.dir });
    assert.equal(init.code, 0, init.stderr);
    const bom = JSON.parse(readFileSync(bomPath, 'utf8'));
    const props = bom.metadata.component.properties as { name: string; value: string }[];
    assert.equal(props.find((p) => p.name === 'model-provenance:oms_root_digest')?.value, subject.slice('sha256:'.length));
    assert.deepEqual(props.filter((p) => p.name === 'model-provenance:oms_ignore_path').map((p) => p.value), ['cache']);
    assert.deepEqual(bom.metadata.component.components.map((c: { name: string }) => c.name), KEPT);
    const valid = await runCli(['manifest', 'validate', bomPath, '--format', 'json']);
    assert.equal(valid.code, 0, valid.stdout + valid.stderr);
    writeFileSync(join(s.m, 'cache', 'a.tmp'), 'changed, but ignored');
    assert.equal((await runCli(['manifest', 'validate', bomPath])).code, 0);
    writeFileSync(join(s.m, 'config.json'), '{"changed":true}');
    const changed = await runCli(['manifest', 'validate', bomPath]);
    assert.equal(changed.code, 1);
    assert.match(changed.stdout, /MLBOM_ROOT_DIGEST_MISMATCH/);
  });
});

describe('sign certificate refuses exactly the certificates verify certificate refuses', () => {
  const cases: { name: string; keyUsage: string | null; extendedKeyUsage: string | null; ok: boolean }[] = [
    { name: 'no KeyUsage, ExtendedKeyUsage codeSigning', keyUsage: null, extendedKeyUsage: 'codeSigning', ok: true },
    { name: 'KeyUsage digitalSignature, no ExtendedKeyUsage', keyUsage: 'digitalSignature', extendedKeyUsage: null, ok: true },
    { name: 'KeyUsage keyEncipherment, no ExtendedKeyUsage', keyUsage: 'keyEncipherment', extendedKeyUsage: null, ok: false },
    { name: 'neither extension', keyUsage: null, extendedKeyUsage: null, ok: false },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.ok ? 'signs and verifies, exit 0' : 'refused before signing, exit 2 [CERT_KEY_USAGE], nothing written'}`, async () => {
      const dir = tempDir();
      const m = makeModel(join(dir, 'model'), { 'w.bin': 'w' });
      const pki = makePki(join(dir, 'pki'), 'prime256v1', { keyUsage: c.keyUsage, extendedKeyUsage: c.extendedKeyUsage });
      const sign = await runCli(['sign', 'certificate', m, '--private_key', pki.leafKey, '--signing_certificate', pki.leafCert, '--certificate_chain', pki.intermediateCert]);
      if (c.ok) {
        assert.equal(sign.code, 0, sign.stderr);
        const v = await runCli(['verify', 'certificate', m, '--certificate_chain', pki.rootCert]);
        assert.equal(v.code, 0, v.stdout + v.stderr);
      } else {
        assert.equal(sign.code, 2);
        assert.match(sign.stderr, /^model-provenance: refusing to sign: the signing certificate "CN=ml-pipeline@example.com" may not sign: .*\[CERT_KEY_USAGE\]\n$/);
        assert.equal(existsSync(join(m, 'model.sig')), false);
        const attest = await runCli(['attest', m, '--stage', 'release', '--private-key', pki.leafKey, '--signing-certificate', pki.leafCert, '--no-store']);
        assert.equal(attest.code, 2);
        assert.match(attest.stderr, /\[CERT_KEY_USAGE\]\n$/);
      }
    });
  }
});

test('a single-file model: an ignore path is said not to apply to it (IGNORE_PATH_SINGLE_FILE, as the library says), not to lie outside it', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.json'), '{}');
  const r = await runCli(['hash', 'config.json', '--ignore-paths', 'sub'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'model-provenance: warning: config.json: ignore path "sub" does not apply to a single-file model; dropped [IGNORE_PATH_SINGLE_FILE]\n');
});
