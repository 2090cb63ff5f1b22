/**
 * The editor's ignore paths in core (`modelProvenance.ignorePaths`): `evaluateModel`'s
 * `ignorePaths`, placed by the CLI's own resolution (`resolveIgnorePathsFromCwd`, the model
 * folder as the working directory), on the trusted path (verifyModel) and without trust
 * (checkIntegrity); what applied to each model, said in the detail and the one-screen report;
 * and the size limit counting only what is compared.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LocalRegistry, attest, buildReport, evaluateModel, generateKeyPair, hashModel, loadTrustSet, loadTrustedKeys, placeIgnorePaths, renderEvaluation, resolveIgnorePathsFromCwd, signModel, verifyModel, writeKeyPair } from '../../core';
import { makeModel, tempDir } from '../helpers/fixtures';

/** A signed model, then a scratch file and a cache folder added after signing. */
async function modelWithAdditions(): Promise<{ root: string; model: string; sig: string; pub: string }> {
  const root = tempDir('mp-ignore-');
  writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair('P-256'));
  const model = makeModel(join(root, 'models', 'clf'), { 'config.json': '{}', 'model.safetensors': Buffer.alloc(2048, 1) });
  await signModel({ modelPath: model, signer: { kind: 'key', privateKey: createPrivateKey(readFileSync(join(root, 'keys', 'prod.pem'))) } });
  makeModel(model, { 'notes.txt': 'scratch', 'cache/a.bin': Buffer.alloc(4096, 7), 'cache/deep/b.bin': 'b' });
  return { root, model, sig: join(model, 'model.sig'), pub: join(root, 'keys', 'prod.pub.pem') };
}

describe('evaluateModel with ignore paths (the editor\'s modelProvenance.ignorePaths)', () => {
  test('without them the added files are unexpected; with them, verified, and the evaluation says what was left out', async () => {
    const { model, sig, pub } = await modelWithAdditions();
    const trust = loadTrustSet({ trustedKeys: [pub] }).trust;
    const plain = await evaluateModel({ modelPath: model, signaturePath: sig, trust });
    assert.equal(plain.state, 'modified');
    assert.deepEqual(plain.integrity?.files.filter((f) => f.status === 'unexpected').map((f) => f.name), ['cache/a.bin', 'cache/deep/b.bin', 'notes.txt']);
    assert.equal(plain.ignorePaths, undefined);

    const ev = await evaluateModel({ modelPath: model, signaturePath: sig, trust, ignorePaths: ['notes.txt', './cache/'] });
    assert.equal(ev.state, 'verified');
    assert.deepEqual(ev.ignorePaths, {
      source: 'modelProvenance.ignorePaths',
      applied: ['notes.txt', 'cache'],
      unmatched: [],
      dropped: [],
      text: 'Left out by modelProvenance.ignorePaths: "notes.txt", "cache" (not compared with the signature).',
    });
    assert.ok(ev.detail.endsWith(` ${ev.ignorePaths!.text}`), ev.detail);
    assert.deepEqual(ev.result?.appliedIgnorePaths, ['cache', 'notes.txt']);
    const report = renderEvaluation(ev);
    assert.match(report, /^✔ Model verified/);
    assert.match(report, /^ {2}Ignored {5}Left out by modelProvenance\.ignorePaths: "notes\.txt", "cache" \(not compared with the signature\)\.$/m);
  });

  test('without trust (integrity only) the same paths apply and are named; a custom source names where they came from', async () => {
    const { model, sig } = await modelWithAdditions();
    const ev = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({}).trust, ignorePaths: ['notes.txt', 'cache'], ignorePathsSource: 'the test\'s ignore list' });
    assert.equal(ev.state, 'not-configured');
    assert.equal(ev.integrity?.summary, '2 of 2 files match the signed digests');
    assert.deepEqual(ev.integrity?.appliedIgnorePaths, ['cache', 'notes.txt']);
    assert.equal(ev.ignorePaths?.text, 'Left out by the test\'s ignore list: "notes.txt", "cache" (not compared with the signature).');
    assert.match(renderEvaluation(ev), /^ {2}Ignored {5}Left out by the test's ignore list/m);
  });

  test('relative to the model folder, or absolute: the CLI\'s resolution with the model folder as the working directory', async () => {
    const { root, model, sig, pub } = await modelWithAdditions();
    const given = ['notes.txt', join(model, 'cache'), join(root, 'elsewhere'), '../clf/cache/deep', '.', 'missing.bin'];
    assert.deepEqual(placeIgnorePaths(model, given), { paths: ['notes.txt', 'cache', 'cache/deep', 'missing.bin'], dropped: [join(root, 'elsewhere'), '.'] });
    const cli = resolveIgnorePathsFromCwd(model, given, model);
    assert.deepEqual(placeIgnorePaths(model, given)?.paths, cli.paths);
    const ev = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({ trustedKeys: [pub] }).trust, ignorePaths: given });
    // The model itself is dropped, never IGNORE_PATH_IS_MODEL; a path that names nothing is no error.
    assert.equal(ev.state, 'verified');
    assert.deepEqual(ev.ignorePaths?.applied, ['notes.txt', 'cache', 'cache/deep']);
    assert.deepEqual(ev.ignorePaths?.unmatched, ['missing.bin']);
    assert.equal(
      ev.ignorePaths?.text,
      `Left out by modelProvenance.ignorePaths: "notes.txt", "cache", "cache/deep" (not compared with the signature); not in this model: "missing.bin"; outside this model (dropped): ${JSON.stringify(join(root, 'elsewhere'))}, ".".`,
    );
  });

  test('a model reached through a symlinked folder places the paths as the CLI does', async () => {
    const { root, model, sig, pub } = await modelWithAdditions();
    const link = join(root, 'linked');
    symlinkSync(model, link);
    const ev = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({ trustedKeys: [pub] }).trust, ignorePaths: [join(link, 'notes.txt'), 'cache'] });
    assert.equal(ev.state, 'verified');
    assert.deepEqual(ev.ignorePaths?.applied, ['notes.txt', 'cache']);
  });

  test('paths that match nothing: nothing left out, said so; a file still unexpected stays unexpected; a single-file model: nothing applies, nothing is said', async () => {
    const { model, sig, pub } = await modelWithAdditions();
    const ev = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({ trustedKeys: [pub] }).trust, ignorePaths: ['notes.txt', 'other-model-only.bin'] });
    assert.equal(ev.state, 'modified');
    assert.deepEqual(ev.integrity?.files.filter((f) => f.status === 'unexpected').map((f) => f.name), ['cache/a.bin', 'cache/deep/b.bin']);
    assert.equal(ev.ignorePaths?.text, 'Left out by modelProvenance.ignorePaths: "notes.txt" (not compared with the signature); not in this model: "other-model-only.bin".');
    const none = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({ trustedKeys: [pub] }).trust, ignorePaths: ['nothing-here'] });
    assert.equal(none.ignorePaths?.text, 'Nothing in this model is left out by modelProvenance.ignorePaths; not in this model: "nothing-here".');
    assert.match(renderEvaluation(none), /^ {2}Ignored {5}Nothing in this model is left out/m);

    const root = tempDir('mp-ignore-file-');
    writeKeyPair(join(root, 'prod'), generateKeyPair('P-256'));
    makeModel(root, { 'model.gguf': 'weights' });
    await signModel({ modelPath: join(root, 'model.gguf'), signer: { kind: 'key', privateKey: createPrivateKey(readFileSync(join(root, 'prod.pem'))) } });
    const file = await evaluateModel({ modelPath: join(root, 'model.gguf'), signaturePath: join(root, 'model.gguf.sig'), trust: loadTrustSet({ trustedKeys: [join(root, 'prod.pub.pem')] }).trust, ignorePaths: ['model.gguf', 'x'] });
    assert.equal(file.state, 'verified');
    assert.equal(file.ignorePaths, undefined);
  });

  test('the size limit counts only what is compared: an ignored 4 KB cache does not push the model over it', async () => {
    const { model, sig, pub } = await modelWithAdditions();
    const trust = loadTrustSet({ trustedKeys: [pub] }).trust;
    const limit = 3 * 1024;
    const over = await evaluateModel({ modelPath: model, signaturePath: sig, trust, sizeLimitBytes: limit, ignorePaths: ['notes.txt'] });
    assert.equal(over.state, 'too-large');
    const under = await evaluateModel({ modelPath: model, signaturePath: sig, trust, sizeLimitBytes: limit, ignorePaths: ['notes.txt', 'cache'] });
    assert.equal(under.state, 'verified');
  });

  test('verifyModel records the applied paths only when some were given (the CLI\'s results are otherwise unchanged)', async () => {
    const { model, sig, pub } = await modelWithAdditions();
    const trust = { kind: 'key' as const, keys: loadTrustedKeys(pub) };
    const r = await verifyModel({ modelPath: model, signaturePath: sig, trust });
    assert.equal('appliedIgnorePaths' in r, false);
    const given = await verifyModel({ modelPath: model, signaturePath: sig, trust, ignorePaths: ['notes.txt', 'cache', 'nope'] });
    assert.equal(given.verdict, 'verified');
    assert.deepEqual(given.appliedIgnorePaths, ['cache', 'notes.txt']);
  });
});

describe('evaluateModel on a model that gained a symlink (newcomer: "unknown size > 512 MB limit" for 17 bytes, then a library option named)', () => {
  test('the size check claims no size it could not measure; the state names the link and that the signature did not follow symlinks, with and without trust', async () => {
    const root = tempDir('mp-symlink-');
    writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair('P-256'));
    const model = makeModel(join(root, 'm'), { 'signme-1': 'a', 'signme-2': 'b' });
    await signModel({ modelPath: model, signer: { kind: 'key', privateKey: createPrivateKey(readFileSync(join(root, 'keys', 'prod.pem'))) } });
    symlinkSync('signme-1', join(model, 'link-to-signme-1'));
    const expected = 'not verified: link-to-signme-1: is a symbolic link; symlinks are refused unless a signature made with symlinks allowed (this signature was made without following symlinks) is given [SYMLINK_NOT_ALLOWED]';
    for (const trust of [loadTrustSet({ trustedKeys: [join(root, 'keys', 'prod.pub.pem')] }).trust, loadTrustSet({}).trust]) {
      const ev = await evaluateModel({ modelPath: model, signaturePath: join(model, 'model.sig'), trust, sizeLimitBytes: 512 * 1024 * 1024 });
      assert.equal(ev.state, 'error');
      assert.equal(ev.headline, expected);
      assert.doesNotMatch(ev.detail, /unknown size|allowSymlinks/);
    }
  });
});

describe('buildReport with a model scope (Generate Report under modelProvenance.ignorePaths)', () => {
  test('the chain is found by the digest hashed with the scope, the one the model was attested with; without it, another digest', async () => {
    const { root, model } = await modelWithAdditions();
    const registry = new LocalRegistry(join(root, '.provenance'));
    const scope = { ignorePaths: ['notes.txt', 'cache'] };
    const key = createPrivateKey(readFileSync(join(root, 'keys', 'prod.pem')));
    const a = await attest({ modelPath: model, ...scope, stage: 'fine-tuning', signer: { kind: 'key', privateKey: key }, registry });
    const whole = (await hashModel(model)).digest;
    assert.notEqual(a.subject.digest, whole);
    const scoped = await buildReport({ registry, modelPath: model, scope, frameworks: ['nist-ai-rmf'], date: '2026-12-01' });
    assert.equal(scoped.model.digest, a.subject.digest);
    assert.deepEqual(scoped.chain.map((c) => c.digest), [a.subject.digest]);
    const plain = await buildReport({ registry, modelPath: model, frameworks: ['nist-ai-rmf'], date: '2026-12-01' });
    assert.equal(plain.model.digest, whole);
    assert.deepEqual(plain.chain, []);
  });
});

describe('review findings: an ignored signed file, and the size limit with symlinks', () => {
  test('an ignore path naming a signed file: not "missing", but left out by the setting and why that cannot verify', async () => {
    const { model, sig, pub } = await modelWithAdditions();
    const ev = await evaluateModel({ modelPath: model, signaturePath: sig, trust: loadTrustSet({ trustedKeys: [pub] }).trust, ignorePaths: ['model.safetensors'] });
    assert.notEqual(ev.state, 'verified');
    const p = ev.result?.problems.find((x) => x.file === 'model.safetensors');
    assert.equal(p?.message, 'signed file left out by the ignore path "model.safetensors" (modelProvenance.ignorePaths), so it was not compared: a signed file cannot be ignored; remove it from the ignore paths');
  });

  test('a model signed with symlinks followed is measured with them: above the limit, nothing is hashed until asked', async () => {
    const root = tempDir('mp-size-');
    writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair('P-256'));
    const model = makeModel(join(root, 'm'), { 'big.bin': Buffer.alloc(64 * 1024, 1) });
    symlinkSync('big.bin', join(model, 'link.bin'));
    await signModel({ modelPath: model, allowSymlinks: true, signer: { kind: 'key', privateKey: createPrivateKey(readFileSync(join(root, 'keys', 'prod.pem'))) } });
    const ev = await evaluateModel({ modelPath: model, signaturePath: join(model, 'model.sig'), trust: loadTrustSet({}).trust, sizeLimitBytes: 1000 });
    assert.equal(ev.state, 'too-large');
    assert.equal(ev.sizeBytes, 128 * 1024);
  });
});
