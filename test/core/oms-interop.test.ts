/**
 * The model_signing behaviours that decide whether two tools agree on a model: which
 * files an ignore path leaves out (library meaning: relative to the model root), the
 * resource order of the root digest, and shard serialization of empty files. Each
 * expected value is written out by hand here, not computed with core's own functions.
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  ProvenanceTracker,
  attest,
  generateKeyPair,
  hashModel,
  keyHint,
  parseBundle,
  parseOmsPayload,
  signModel,
  verifyModel,
  type PolicyDocument,
  type Resource,
  type Trust,
} from '../../core';
import { byComponents, sha256Hex, signPayloadText } from '../helpers/craft';
import { makeModel, tempDir } from '../helpers/fixtures';

function keyPair(): { privateKey: ReturnType<typeof createPrivateKey>; trust: Trust } {
  const pair = generateKeyPair('P-256');
  const pub = createPublicKey(pair.publicKeyPem);
  return { privateKey: createPrivateKey(pair.privateKeyPem), trust: { kind: 'key', keys: [{ source: 'test', key: pub, hint: keyHint(pub) }] } };
}

const payloadOf = (sig: string) => parseOmsPayload(parseBundle(readFileSync(sig, 'utf8'), sig).envelope.payload, sig);

/** sha256 over the raw digests, in the order given. */
function rootOf(digestsHex: string[]): string {
  const h = createHash('sha256');
  for (const d of digestsHex) h.update(Buffer.from(d, 'hex'));
  return h.digest('hex');
}

/** The join-key folder: names that sort differently by component than by whole string. */
const JOIN_FILES: Record<string, string> = {
  'tokenizer.json': 'tokenizer json',
  'tokenizer/vocab.txt': 'vocab',
  'tokenizer/special_tokens_map.json': 'special',
  'unet-fp16.bin': 'half weights',
  'unet/diffusion_pytorch_model.bin': 'unet weights',
  'unet/config.json': 'unet config',
  'text_encoder/a/b/c/model.bin': 'deep',
  'text_encoder/a/b.c': 'dotted',
  'text_encoder/a-b': 'dashed',
  'text_encoder.bin': 'te',
  'é/x.bin': 'e acute',
  'e/x.bin': 'plain e',
  '\uFF5E.bin': 'fullwidth tilde U+FF5E',
  '\u{1F600}.bin': 'astral U+1F600',
  'README.md': 'readme',
};

/** model_signing's order for JOIN_FILES, written out by hand (Python: sorted(PurePosixPath(n))). */
const JOIN_ORDER = [
  'README.md',
  'e/x.bin',
  'text_encoder/a/b/c/model.bin',
  'text_encoder/a/b.c',
  'text_encoder/a-b',
  'text_encoder.bin',
  'tokenizer/special_tokens_map.json',
  'tokenizer/vocab.txt',
  'tokenizer.json',
  'unet/config.json',
  'unet/diffusion_pytorch_model.bin',
  'unet-fp16.bin',
  'é/x.bin',
  '\uFF5E.bin',
  '\u{1F600}.bin',
];

describe('root digest order = model_signing\'s (path components, code points)', () => {
  test('sign and hash list resources in component order, and the root is sha256 over that order', async () => {
    const dir = tempDir();
    const m = makeModel(join(dir, 'sd-model'), JOIN_FILES);
    const k = keyPair();
    const expectedRoot = rootOf(JOIN_ORDER.map((n) => sha256Hex(JOIN_FILES[n]!)));
    const signed = await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey } });
    assert.deepEqual(signed.resources.map((r) => r.name), JOIN_ORDER);
    assert.equal(signed.subject.digest, `sha256:${expectedRoot}`);
    assert.deepEqual(payloadOf(signed.signaturePath).resources.map((r) => r.name), JOIN_ORDER);
    const hashed = await hashModel(m);
    assert.equal(hashed.digest, `sha256:${expectedRoot}`);
    assert.deepEqual(hashed.resources.map((r) => r.name), JOIN_ORDER);
    const v = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(v.verdict, 'verified', JSON.stringify(v.problems));
    assert.equal(v.subject?.digest, `sha256:${expectedRoot}`);
  });

  test('verification checks the root in payload order: a signature listing resources in code-point order (the spec text, our 0.1) still verifies', async () => {
    const dir = tempDir();
    const m = makeModel(join(dir, 'sd-model'), JOIN_FILES);
    const k = keyPair();
    const codePointOrder = Object.keys(JOIN_FILES).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.notDeepEqual(codePointOrder, JOIN_ORDER);
    const resources: Resource[] = codePointOrder.map((n) => ({ name: n, algorithm: 'sha256', digest: sha256Hex(JOIN_FILES[n]!) }));
    const root = rootOf(resources.map((r) => r.digest));
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'sd-model', digest: { sha256: root } }],
      predicateType: 'https://model_signing/signature/v1.0',
      predicate: { serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: ['model.sig'] }, resources },
    };
    writeFileSync(join(m, 'model.sig'), signPayloadText(JSON.stringify(statement), k.privateKey));
    const v = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(v.verdict, 'verified', JSON.stringify(v.problems));
    assert.equal(v.subject?.digest, `sha256:${root}`);
  });
});

describe('symlinks with allowSymlinks: model_signing\'s Path.glob(\'**/*\') never descends into a linked folder', () => {
  // model_signing keeps what is_file() among glob('**/*'); a link to a folder is listed but
  // is not a file, and '**' does not recurse through it (every Python it supports). So a
  // linked folder adds nothing to its manifest: following it gave another root digest,
  // and each tool then failed the other's signature (FILE_UNEXPECTED / a changed manifest).
  const files = { 'f.bin': 'f\n', 'real/w.bin': 'w\n', 'sub/x.bin': 'x\n' };
  function linked(): string {
    const m = makeModel(join(tempDir(), 'linked'), files);
    symlinkSync('f.bin', join(m, 'lf.bin'));
    symlinkSync('real', join(m, 'lreal'));
    symlinkSync('..', join(m, 'sub', 'up'));
    return m;
  }
  const names = ['f.bin', 'lf.bin', 'real/w.bin', 'sub/x.bin'];

  test('hash and sign follow links to files, list no file under a linked folder, and warn once per linked folder', async () => {
    const m = linked();
    const expected = rootOf(names.map((n) => sha256Hex(n === 'lf.bin' ? files['f.bin'] : files[n as keyof typeof files])));
    const hashed = await hashModel(m, { allowSymlinks: true });
    assert.deepEqual(hashed.resources.map((r) => r.name), names);
    assert.equal(hashed.digest, `sha256:${expected}`);
    assert.deepEqual(hashed.warnings.map((w) => [w.code, w.path]), [['SYMLINK_DIR_NOT_FOLLOWED', 'lreal'], ['SYMLINK_DIR_NOT_FOLLOWED', 'sub/up']].sort());
    const k = keyPair();
    const signed = await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, allowSymlinks: true });
    assert.equal(signed.subject.digest, `sha256:${expected}`);
    const v = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(v.verdict, 'verified', JSON.stringify(v.problems));
  });

  test('a model_signing signature over a model with a linked folder verifies (it was FILE_UNEXPECTED for lreal/w.bin)', async () => {
    const m = linked();
    const k = keyPair();
    const resources: Resource[] = names.map((n) => ({ name: n, algorithm: 'sha256', digest: sha256Hex(n === 'lf.bin' ? files['f.bin'] : files[n as keyof typeof files]) }));
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'linked', digest: { sha256: rootOf(resources.map((r) => r.digest)) } }],
      predicateType: 'https://model_signing/signature/v1.0',
      predicate: { serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: true, ignore_paths: ['.git', '.gitattributes', '.github', '.gitignore', 'model.sig'] }, resources },
    };
    writeFileSync(join(m, 'model.sig'), signPayloadText(JSON.stringify(statement), k.privateKey));
    const v = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(v.verdict, 'verified', JSON.stringify(v.problems));
  });

  test('a signature that lists a file through a linked folder (a signer that followed it) fails with FILE_MISSING naming the link, not a bare "missing"', async () => {
    const m = linked();
    const k = keyPair();
    const listed = ['f.bin', 'lf.bin', 'lreal/w.bin', 'real/w.bin', 'sub/x.bin'];
    const content = (n: string): string => (n === 'lf.bin' ? files['f.bin'] : n === 'lreal/w.bin' ? files['real/w.bin'] : files[n as keyof typeof files]);
    const resources: Resource[] = listed.map((n) => ({ name: n, algorithm: 'sha256', digest: sha256Hex(content(n)) }));
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'linked', digest: { sha256: rootOf(resources.map((r) => r.digest)) } }],
      predicateType: 'https://model_signing/signature/v1.0',
      predicate: { serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: true, ignore_paths: ['model.sig'] }, resources },
    };
    writeFileSync(join(m, 'model.sig'), signPayloadText(JSON.stringify(statement), k.privateKey));
    const v = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(v.verdict, 'failed');
    assert.deepEqual(v.problems.map((p) => [p.code, p.file]), [['FILE_MISSING', 'lreal/w.bin']]);
    assert.match(v.problems[0]!.message, /under "lreal", a symbolic link to a folder, which is not followed/);
  });

  test('a linked folder that leaves the model is still refused (SYMLINK_ESCAPES_ROOT), and links are refused without allowSymlinks', async () => {
    const m = linked();
    await assert.rejects(hashModel(m), { code: 'SYMLINK_NOT_ALLOWED' });
    symlinkSync(tempDir(), join(m, 'outside'));
    await assert.rejects(hashModel(m, { allowSymlinks: true }), { code: 'SYMLINK_ESCAPES_ROOT' });
  });
});

describe('shard serialization of empty files (model_signing: `if size > 0`)', () => {
  /** A payload as model_signing 1.1 writes it for shards: float shard_size, `<hash>-sharded-<size>` algorithm names. */
  function pythonShardPayload(name: string, files: Record<string, string>, shardSize: number): string {
    const resources: Resource[] = [];
    for (const n of Object.keys(files).sort()) {
      const data = Buffer.from(files[n]!);
      for (let s = 0; s < data.length; s += shardSize) {
        const e = Math.min(data.length, s + shardSize);
        resources.push({ name: `${n}:${s}:${e}`, algorithm: `sha256-sharded-${shardSize}`, digest: sha256Hex(data.subarray(s, e)) });
      }
    }
    const root = rootOf(resources.map((r) => r.digest));
    // Python's json.dumps writes the float as 1000000000.0, which JSON.stringify cannot.
    return `{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "${name}", "digest": {"sha256": "${root}"}}], "predicateType": "https://model_signing/signature/v1.0", "predicate": {"serialization": {"method": "shards", "hash_type": "sha256", "shard_size": ${shardSize}.0, "allow_symlinks": false, "ignore_paths": ["model.sig", ".git", ".gitattributes", ".github", ".gitignore"]}, "resources": ${JSON.stringify(resources)}}}`;
  }

  test('a model_signing shard signature over a package with empty __init__.py and .gitkeep verifies (it was FILE_UNEXPECTED)', async () => {
    const dir = tempDir();
    const files = { 'pkg/__init__.py': '', 'pkg/model.py': 'class M: pass\n', 'weights/.gitkeep': '', 'weights/w.bin': 'W'.repeat(25) };
    const m = makeModel(join(dir, 'model'), files);
    const k = keyPair();
    writeFileSync(join(m, 'model.sig'), signPayloadText(pythonShardPayload('model', files, 10), k.privateKey));
    const v = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(v.verdict, 'verified', JSON.stringify(v.problems));
    assert.deepEqual(v.files.map((f) => [f.name, f.status]), [['pkg/model.py', 'ok'], ['weights/w.bin', 'ok']]);
    // An empty file that gains content is no longer empty: it is reported.
    writeFileSync(join(m, 'pkg', '__init__.py'), 'import os\n');
    const changed = await verifyModel({ modelPath: m, trust: k.trust });
    assert.deepEqual(changed.problems.map((p) => [p.code, p.file]), [['FILE_UNEXPECTED', 'pkg/__init__.py']]);
  });

  test('signing in shard mode writes no shard for an empty file, shards in numeric offset order, and the root Python would compute', async () => {
    const dir = tempDir();
    const data = 'x'.repeat(35);
    const m = makeModel(join(dir, 'model'), { 'a/__init__.py': '', 'w': data, 'w.bin': '', 'v/z': 'zz' });
    const k = keyPair();
    const signed = await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, method: 'shards', shardSize: 3 });
    const expected = ['v/z:0:2', 'w:0:3', 'w:3:6', 'w:6:9', 'w:9:12', 'w:12:15', 'w:15:18', 'w:18:21', 'w:21:24', 'w:24:27', 'w:27:30', 'w:30:33', 'w:33:35'];
    assert.deepEqual(signed.resources.map((r) => r.name), expected);
    const digests = expected.map((n) => {
      const [path, s, e] = n.split(':');
      return sha256Hex((path === 'w' ? data : 'zz').slice(Number(s), Number(e)));
    });
    assert.equal(signed.subject.digest, `sha256:${rootOf(digests)}`);
    const p = payloadOf(signed.signaturePath);
    assert.equal(p.serialization.shard_size, 3);
    const v = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(v.verdict, 'verified', JSON.stringify(v.problems));
  });

  test('a model whose files are all empty has nothing to sign in shard mode: MODEL_EMPTY, nothing written; the files method signs it', async () => {
    const dir = tempDir();
    const m = makeModel(join(dir, 'model'), { '__init__.py': '', 'sub/.gitkeep': '' });
    const k = keyPair();
    await assert.rejects(signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, method: 'shards' }), { code: 'MODEL_EMPTY' });
    await assert.rejects(signModel({ modelPath: join(m, '__init__.py'), signer: { kind: 'key', privateKey: k.privateKey }, method: 'shards' }), { code: 'MODEL_EMPTY' });
    const files = await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey } });
    assert.deepEqual(files.resources.map((r) => [r.name, r.digest]), [['__init__.py', sha256Hex('')], ['sub/.gitkeep', sha256Hex('')]]);
  });

  test('model_signing\'s empty shard signature (no resources) verifies nothing: MANIFEST_EMPTY, exit-1 kind of failure', async () => {
    const dir = tempDir();
    const files = { '__init__.py': '', '.gitkeep': '' };
    const m = makeModel(join(dir, 'model'), files);
    const k = keyPair();
    writeFileSync(join(m, 'model.sig'), signPayloadText(pythonShardPayload('model', files, 1_000_000_000), k.privateKey));
    const v = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(v.verdict, 'failed');
    assert.deepEqual(v.problems.map((p) => p.code), ['MANIFEST_EMPTY']);
  });

  test('a shard signature from model-provenance 0.1 (a path:0:0 shard for an empty file) still verifies, and checks that the file is still empty', async () => {
    const dir = tempDir();
    const m = makeModel(join(dir, 'model'), { 'empty.txt': '', 'w.bin': 'abc' });
    const k = keyPair();
    const resources: Resource[] = [
      { name: 'empty.txt:0:0', algorithm: 'sha256', digest: sha256Hex('') },
      { name: 'w.bin:0:3', algorithm: 'sha256', digest: sha256Hex('abc') },
    ];
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'model', digest: { sha256: rootOf(resources.map((r) => r.digest)) } }],
      predicateType: 'https://model_signing/signature/v1.0',
      predicate: { serialization: { method: 'shards', hash_type: 'sha256', shard_size: 1_000_000_000, allow_symlinks: false, ignore_paths: ['model.sig'] }, resources },
    };
    writeFileSync(join(m, 'model.sig'), signPayloadText(JSON.stringify(statement), k.privateKey));
    const v = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(v.verdict, 'verified', JSON.stringify(v.problems));
    writeFileSync(join(m, 'empty.txt'), 'now with content');
    const changed = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(changed.verdict, 'failed');
    assert.ok(changed.problems.some((p) => p.file === 'empty.txt'));
  });
});

describe('library ignorePaths: relative to the model root (the CLI resolves from the cwd)', () => {
  function model(): { dir: string; m: string } {
    const dir = tempDir();
    const m = makeModel(join(dir, 'model'), { 'w.bin': 'w', 'cache/a.tmp': 'a', 'cache/b/c.tmp': 'c', 'notes.md': 'n', 'cache.txt': 'not the cache folder' });
    return { dir, m };
  }

  const cases: { name: string; ignore: (m: string, dir: string) => string[]; files: string[]; recorded: string[]; warnings?: string[] }[] = [
    { name: 'a folder, model-relative', ignore: () => ['cache'], files: ['cache.txt', 'notes.md', 'w.bin'], recorded: ['cache'] },
    { name: 'with ./ and a trailing slash', ignore: () => ['./cache/', 'notes.md/'], files: ['cache.txt', 'w.bin'], recorded: ['cache', 'notes.md'] },
    { name: 'folded .. inside the model', ignore: () => ['cache/b/../../notes.md'], files: ['cache/a.tmp', 'cache/b/c.tmp', 'cache.txt', 'w.bin'], recorded: ['notes.md'] },
    { name: 'absolute, inside the model', ignore: (m) => [join(m, 'cache', 'b')], files: ['cache/a.tmp', 'cache.txt', 'notes.md', 'w.bin'], recorded: ['cache/b'] },
    { name: 'climbing out with ..', ignore: () => ['../model/cache'], files: ['cache/a.tmp', 'cache/b/c.tmp', 'cache.txt', 'notes.md', 'w.bin'], recorded: [], warnings: ['IGNORE_PATH_OUTSIDE'] },
    { name: 'absolute, outside the model', ignore: (_m, dir) => [join(dir, 'elsewhere')], files: ['cache/a.tmp', 'cache/b/c.tmp', 'cache.txt', 'notes.md', 'w.bin'], recorded: [], warnings: ['IGNORE_PATH_OUTSIDE'] },
    { name: 'matching nothing: no effect, not recorded', ignore: () => ['cahce', 'cache/zzz'], files: ['cache/a.tmp', 'cache/b/c.tmp', 'cache.txt', 'notes.md', 'w.bin'], recorded: [], warnings: ['IGNORE_PATH_UNMATCHED', 'IGNORE_PATH_UNMATCHED'] },
  ];
  for (const c of cases) {
    test(`${c.name}`, async () => {
      const { dir, m } = model();
      const k = keyPair();
      const signed = await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, ignorePaths: c.ignore(m, dir) });
      assert.deepEqual(signed.resources.map((r) => r.name), c.files);
      assert.deepEqual(payloadOf(signed.signaturePath).serialization.ignore_paths, ['.git', '.gitattributes', '.github', '.gitignore', ...c.recorded, 'model.sig'].sort(byComponents));
      assert.deepEqual(signed.warnings.map((w) => w.code), c.warnings ?? []);
      const hashed = await hashModel(m, { ignorePaths: c.ignore(m, dir) });
      assert.equal(hashed.digest, signed.subject.digest);
      assert.deepEqual(hashed.warnings.map((w) => w.code), c.warnings ?? []);
      const v = await verifyModel({ modelPath: m, trust: k.trust });
      assert.equal(v.verdict, 'verified', JSON.stringify(v.problems));
    });
  }

  test('a path naming the model root is refused (IGNORE_PATH_IS_MODEL), nothing written', async () => {
    const { m } = model();
    const k = keyPair();
    for (const p of ['.', './', 'cache/..', m]) {
      await assert.rejects(signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, ignorePaths: [p] }), { code: 'IGNORE_PATH_IS_MODEL' }, p);
    }
  });

  test('a signed ignore list that climbs out or names the root is dropped: a payload cannot hide the model', async () => {
    const { m } = model();
    const k = keyPair();
    const resources: Resource[] = [{ name: 'w.bin', algorithm: 'sha256', digest: sha256Hex('w') }];
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'model', digest: { sha256: rootOf([resources[0]!.digest]) } }],
      predicateType: 'https://model_signing/signature/v1.0',
      predicate: { serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: ['.', '', '..', '../model/cache', 'model.sig'] }, resources },
    };
    writeFileSync(join(m, 'model.sig'), signPayloadText(JSON.stringify(statement), k.privateKey));
    const v = await verifyModel({ modelPath: m, trust: k.trust });
    assert.equal(v.verdict, 'failed');
    assert.deepEqual(v.problems.map((p) => [p.code, p.file]), [
      ['FILE_UNEXPECTED', 'cache/a.tmp'],
      ['FILE_UNEXPECTED', 'cache/b/c.tmp'],
      ['FILE_UNEXPECTED', 'cache.txt'],
      ['FILE_UNEXPECTED', 'notes.md'],
    ]);
  });

  test('ignore paths do not apply to a single-file model: a warning, the file is signed', async () => {
    const { m } = model();
    const k = keyPair();
    const signed = await signModel({ modelPath: join(m, 'w.bin'), signer: { kind: 'key', privateKey: k.privateKey }, ignorePaths: ['w.bin'] });
    assert.deepEqual(signed.resources.map((r) => r.name), ['.']);
    assert.deepEqual(signed.warnings.map((w) => w.code), ['IGNORE_PATH_SINGLE_FILE']);
  });

  test('verify warns about its own ignore paths that match nothing; the signer\'s recorded list never warns', async () => {
    const { m } = model();
    mkdirSync(join(m, 'empty-dir'));
    const k = keyPair();
    await signModel({ modelPath: m, signer: { kind: 'key', privateKey: k.privateKey }, ignorePaths: ['cache', 'empty-dir'] });
    const v = await verifyModel({ modelPath: m, trust: k.trust, ignorePaths: ['nothing-here'] });
    assert.equal(v.verdict, 'verified', JSON.stringify(v.problems));
    assert.deepEqual(v.warnings?.map((w) => [w.code, w.path]), [['IGNORE_PATH_UNMATCHED', 'nothing-here']]);
  });
});

describe('attest() and ProvenanceTracker take the model scope signModel takes', () => {
  test('signed with ignore paths, attested with the same: one subject digest, and the tracker\'s verify joins with the same scope', async () => {
    const dir = tempDir();
    const m = makeModel(join(dir, 'model'), { 'w.bin': 'weights', 'runs/log.txt': 'training log', '.git/HEAD': 'ref' });
    const pair = generateKeyPair('P-256');
    writeFileSync(join(dir, 'k.pem'), pair.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'k.pub.pem'), pair.publicKeyPem);
    const privateKey = createPrivateKey(pair.privateKeyPem);
    const signed = await signModel({ modelPath: m, signer: { kind: 'key', privateKey }, ignorePaths: ['runs'] });
    const direct = await attest({ modelPath: m, ignorePaths: ['runs'], stage: 'pre-training', signer: { kind: 'key', privateKey } });
    assert.equal(direct.subject.digest, signed.subject.digest);
    await assert.rejects(attest({ subjectDigest: signed.subject.digest, ignorePaths: ['runs'], stage: 'pre-training', signer: { kind: 'key', privateKey } }), { code: 'USAGE' });
    const unscoped = await attest({ modelPath: m, stage: 'pre-training', signer: { kind: 'key', privateKey } });
    assert.notEqual(unscoped.subject.digest, signed.subject.digest);

    const tracker = new ProvenanceTracker({ signingKey: join(dir, 'k.pem'), registry: join(dir, 'registry') });
    const a = await tracker.attest({ modelPath: m, ignorePaths: ['runs/'], stage: 'pre-training' });
    assert.equal(a.subject.digest, signed.subject.digest);
    const policy = { signers: { trainer: { publicKey: join(dir, 'k.pub.pem') } }, stages: { 'pre-training': { signers: ['trainer'] } }, requiredStages: ['pre-training'] } as PolicyDocument;
    const joined = await tracker.verify({ modelPath: m, scope: { ignorePaths: ['runs'] }, policy });
    assert.equal(joined.verdict, 'verified', JSON.stringify(joined.problems));
    assert.equal(joined.model.digest, signed.subject.digest);
    const unjoined = await tracker.verify({ modelPath: m, policy });
    assert.equal(unjoined.verdict, 'failed');
  });
});
