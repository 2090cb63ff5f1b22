/**
 * Interop tier: the model-transparency vectors verified with the exact command lines of
 * model_signing's own test scripts (sigstore/model-transparency scripts/tests/
 * test-verify-*.sh and test-sign-verify.sh), our CLI in place of `python -m
 * model_signing`, spawned in the folder the scripts run in. The vectors are read in place
 * (read-only is fine for verify); signing runs in a temporary copy of the script's layout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { parseBundle, parseOmsPayload } from '../../core';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';

const MT = join(VECTORS, 'model-transparency');
const ID = ['--identity', 'stefanb@us.ibm.com', '--identity_provider', 'https://sigstore.verify.ibm.com/oauth2'];

interface ScriptRun {
  script: string;
  /** Folder the command runs in, relative to the vectors folder ('' = the folder itself). */
  cwd: string;
  args: string[];
}

/** Every `verify` command of the reference's test-verify-*.sh, word for word after `python -m model_signing`. */
const SCRIPTS: ScriptRun[] = [
  { script: 'test-verify-v0.2.0-certificate.sh', cwd: '', args: ['verify', 'certificate', '--signature', './v0.2.0-certificate/model.sig', '--certificate_chain', './keys/certificate/ca-cert.pem', './v0.2.0-certificate/'] },
  { script: 'test-verify-v0.3.1-certificate.sh', cwd: '', args: ['verify', 'certificate', '--signature', './v0.3.1-certificate/model.sig', '--certificate_chain', './keys/certificate/ca-cert.pem', './v0.3.1-certificate/'] },
  { script: 'test-verify-v0.3.1-elliptic-key.sh', cwd: '', args: ['verify', 'key', '--signature', './v0.3.1-elliptic-key/model.sig', '--public_key', './keys/certificate/signing-key-pub.pem', './v0.3.1-elliptic-key/signme-1'] },
  { script: 'test-verify-v0.3.1-sigstore.sh', cwd: '', args: ['verify', 'sigstore', ...ID, '--signature', './v0.3.1-sigstore/model.sig', './v0.3.1-sigstore/'] },
  { script: 'test-verify-v1.0.0-certificate.sh', cwd: '', args: ['verify', 'certificate', '--signature', './v1.0.0-certificate/model.sig', '--certificate_chain', './keys/certificate/ca-cert.pem', './v1.0.0-certificate/'] },
  { script: 'test-verify-v1.0.0-elliptic-key.sh', cwd: '', args: ['verify', 'key', '--signature', './v1.0.0-elliptic-key/model.sig', '--public_key', './keys/certificate/signing-key-pub.pem', './v1.0.0-elliptic-key/signme-1'] },
  { script: 'test-verify-v1.0.0-sigstore.sh', cwd: '', args: ['verify', 'sigstore', ...ID, '--signature', './v1.0.0-sigstore/model.sig', './v1.0.0-sigstore/'] },
  { script: 'test-verify-v1.0.0-sigstore.sh', cwd: 'v1.0.0-sigstore', args: ['verify', 'sigstore', ...ID, '--signature', 'model.sig', '.'] },
  { script: 'test-verify-v1.0.1-certificate.sh', cwd: '', args: ['verify', 'certificate', '--ignore-paths', './v1.0.1-certificate/ignore-me', '--signature', './v1.0.1-certificate/model.sig', '--certificate_chain', './keys/certificate/ca-cert.pem', './v1.0.1-certificate/'] },
  { script: 'test-verify-v1.0.1-elliptic-key.sh', cwd: '', args: ['verify', 'key', '--ignore-paths', './v1.0.1-elliptic-key/ignore-me', '--signature', './v1.0.1-elliptic-key/model.sig', '--public_key', './keys/certificate/signing-key-pub.pem', './v1.0.1-elliptic-key'] },
  { script: 'test-verify-v1.0.1-sigstore.sh', cwd: '', args: ['verify', 'sigstore', ...ID, '--ignore-paths', './v1.0.1-sigstore/ignore-me', '--signature', './v1.0.1-sigstore/model.sig', './v1.0.1-sigstore/'] },
  { script: 'test-verify-v1.0.1-sigstore.sh', cwd: 'v1.0.1-sigstore', args: ['verify', 'sigstore', ...ID, '--ignore-paths', 'ignore-me', '--signature', 'model.sig', '.'] },
  { script: 'test-verify-v1.1.0-certificate.sh', cwd: '', args: ['verify', 'certificate', '--ignore-paths', './v1.1.0-certificate/ignore-me', '--signature', './v1.1.0-certificate/model.sig', '--certificate_chain', './keys/certificate/ca-cert.pem', './v1.1.0-certificate/'] },
  { script: 'test-verify-v1.1.0-elliptic-key.sh', cwd: '', args: ['verify', 'key', '--ignore-paths', './v1.1.0-elliptic-key/ignore-me', '--signature', './v1.1.0-elliptic-key/model.sig', '--public_key', './keys/certificate/signing-key-pub.pem', './v1.1.0-elliptic-key'] },
  { script: 'test-verify-v1.1.0-sigstore.sh', cwd: '', args: ['verify', 'sigstore', ...ID, '--ignore-paths', './v1.1.0-sigstore/ignore-me', '--signature', './v1.1.0-sigstore/model.sig', './v1.1.0-sigstore/'] },
  { script: 'test-verify-v1.1.0-sigstore.sh', cwd: 'v1.1.0-sigstore', args: ['verify', 'sigstore', ...ID, '--ignore-paths', 'ignore-me', '--signature', 'model.sig', '.'] },
];

/** The same v1.0.1 checks from inside the model folder, for the two kinds the scripts only run from the parent. */
const INSIDE: ScriptRun[] = [
  { script: 'v1.0.1-elliptic-key, from inside', cwd: 'v1.0.1-elliptic-key', args: ['verify', 'key', '--ignore-paths', 'ignore-me', '--signature', 'model.sig', '--public_key', '../keys/certificate/signing-key-pub.pem', '.'] },
  { script: 'v1.0.1-certificate, from inside', cwd: 'v1.0.1-certificate', args: ['verify', 'certificate', '--ignore-paths', 'ignore-me', '--signature', 'model.sig', '--certificate_chain', '../keys/certificate/ca-cert.pem', '.'] },
];

describe("model_signing's own test scripts, run with our CLI", { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  for (const r of [...SCRIPTS, ...INSIDE]) {
    test(`${r.script} (cwd ${r.cwd || '.'}): ${r.args.slice(0, 2).join(' ')} ${r.args.at(-1)} verifies, exit 0, nothing on stderr`, async () => {
      const run = await runCli(r.args, { cwd: join(MT, r.cwd) });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /^VERIFIED /);
      assert.equal(run.stderr, '');
    });
  }

  for (const kind of ['elliptic-key', 'certificate', 'sigstore']) {
    const dir = `v1.0.1-${kind}`;
    const trust = kind === 'elliptic-key' ? ['key', '--public_key', './keys/certificate/signing-key-pub.pem'] : kind === 'certificate' ? ['certificate', '--certificate_chain', './keys/certificate/ca-cert.pem'] : ['sigstore', ...ID];
    test(`${dir}: without --ignore-paths ignore-me is an unsigned file, exit 1 FILE_UNEXPECTED`, async () => {
      const run = await runCli(['verify', ...trust, '--signature', `./${dir}/model.sig`, `./${dir}`], { cwd: MT });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /^FAILED .*\n {2}FILE_UNEXPECTED ignore-me: /);
    });
    test(`${dir}: --ignore-paths ignore-me from the parent folder names ./ignore-me, outside the model: dropped with a warning, exit 1`, async () => {
      const run = await runCli(['verify', ...trust, '--ignore-paths', 'ignore-me', '--signature', `./${dir}/model.sig`, `./${dir}`], { cwd: MT });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /FILE_UNEXPECTED ignore-me/);
      // The warning, then the one line every failed check prints (exit 1).
      assert.equal(
        run.stderr,
        `model-provenance: warning: ./${dir}: ignore path "ignore-me" is outside the model; dropped; paths are resolved against the current directory, as model_signing does: did you mean "${dir}/ignore-me"? [IGNORE_PATH_OUTSIDE]\n` +
          `model-provenance: ./${dir}: not verified: ignore-me: file is not covered by the signature [FILE_UNEXPECTED]\n`,
      );
    });
  }

  test('absolute --ignore-paths and --signature (as test-sign-verify.sh gives them) verify the v1.0.1 vector from any folder', async () => {
    const elsewhere = tempDir();
    const dir = join(MT, 'v1.0.1-elliptic-key');
    const run = await runCli(['verify', 'key', '--ignore-paths', join(dir, 'ignore-me'), '--signature', join(dir, 'model.sig'), '--public_key', join(MT, 'keys', 'certificate', 'signing-key-pub.pem'), dir], { cwd: elsewhere });
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });
});

describe("test-sign-verify.sh with our CLI: sign and verify from the parent folder and from inside the model", { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  test('sign key / sign certificate with --ignore-paths, then verify; the signed files and the model name are the script\'s', async () => {
    // The script's layout: it runs from the scripts folder, with ./keys/certificate beside it.
    const base = tempDir();
    const keys = join(base, 'keys', 'certificate');
    mkdirSync(keys, { recursive: true });
    for (const f of ['signing-key.pem', 'signing-key-pub.pem', 'signing-key-cert.pem', 'int-ca-cert.pem', 'ca-cert.pem']) copyFileSync(join(MT, 'keys', 'certificate', f), join(keys, f));
    const tmp = makeModel(join(base, 'tmp.model'), { 'signme-1': 'signme-1\n', 'signme-2': 'signme-2\n', ignore: 'ignore\n' });
    const sigfile = join(tmp, 'model.sig');
    const signed = (): string[] => parseOmsPayload(parseBundle(readFileSync(sigfile, 'utf8'), sigfile).envelope.payload, sigfile).resources.map((r) => r.name);
    const subject = (): string => JSON.parse(Buffer.from(JSON.parse(readFileSync(sigfile, 'utf8')).dsseEnvelope.payload, 'base64').toString()).subject[0].name;

    const steps: { cwd: string; args: string[] }[] = [
      { cwd: base, args: ['sign', 'key', '--signature', sigfile, '--private_key', './keys/certificate/signing-key.pem', '--ignore-paths', join(tmp, 'ignore'), tmp] },
      { cwd: base, args: ['verify', 'key', '--signature', sigfile, '--public_key', './keys/certificate/signing-key-pub.pem', '--ignore-paths', join(tmp, 'ignore'), tmp] },
      { cwd: base, args: ['sign', 'certificate', '--signature', sigfile, '--private_key', './keys/certificate/signing-key.pem', '--signing_certificate', './keys/certificate/signing-key-cert.pem', '--certificate_chain', './keys/certificate/int-ca-cert.pem', '--ignore-paths', join(tmp, 'ignore'), tmp] },
      { cwd: base, args: ['verify', 'certificate', '--signature', sigfile, '--certificate_chain', './keys/certificate/ca-cert.pem', '--ignore-paths', join(tmp, 'ignore'), tmp] },
      { cwd: tmp, args: ['sign', 'key', '--signature', basename(sigfile), '--private_key', join(keys, 'signing-key.pem'), '--ignore-paths', 'ignore', '.'] },
      { cwd: tmp, args: ['verify', 'key', '--signature', basename(sigfile), '--public_key', join(keys, 'signing-key-pub.pem'), '--ignore-paths', 'ignore', '.'] },
      { cwd: tmp, args: ['sign', 'certificate', '--signature', basename(sigfile), '--private_key', join(keys, 'signing-key.pem'), '--signing_certificate', join(keys, 'signing-key-cert.pem'), '--certificate_chain', join(keys, 'int-ca-cert.pem'), '--ignore-paths', 'ignore', '.'] },
      { cwd: tmp, args: ['verify', 'certificate', '--signature', basename(sigfile), '--certificate_chain', join(keys, 'ca-cert.pem'), '--ignore-paths', 'ignore', '.'] },
    ];
    for (const s of steps) {
      const run = await runCli(s.args, { cwd: s.cwd });
      assert.equal(run.code, 0, `${s.args.join(' ')}\n${run.stdout}${run.stderr}`);
      assert.equal(run.stderr, '', s.args.join(' '));
      assert.deepEqual(signed(), ['signme-1', 'signme-2']);
      assert.equal(subject(), basename(tmp));
    }
    const p = parseOmsPayload(parseBundle(readFileSync(sigfile, 'utf8'), sigfile).envelope.payload, sigfile);
    assert.deepEqual(p.serialization.ignore_paths, ['.git', '.gitattributes', '.github', '.gitignore', 'ignore', 'model.sig']);
  });
});

const PYTHON = spawnSync('python3', ['-c', 'import pathlib, hashlib'], { stdio: 'ignore' }).status === 0;

describe('root digest order, checked against Python pathlib (the ordering model_signing sorts its manifest with)', { skip: HAVE_VECTORS && PYTHON ? false : 'python3 not available' }, () => {
  test('hash prints the root Python computes for sorted(PurePosixPath(name)) over sha256 of each file', async () => {
    const files: Record<string, string> = {
      'tokenizer.json': '{"t":1}',
      'tokenizer/vocab.txt': 'a b c',
      'tokenizer/merges.txt': 'ab',
      'unet-fp16.bin': 'half',
      'unet/diffusion_pytorch_model.bin': 'full',
      'unet/config.json': '{}',
      'a/b/c/d.bin': 'deep',
      'a/b.c': 'dot',
      'a-b/x': 'dash',
      'é/x': 'e-acute',
      '\uFF5E.bin': 'fullwidth tilde',
      '\u{1F600}.bin': 'astral',
      'z': 'z',
    };
    const dir = tempDir();
    const m = makeModel(join(dir, 'model'), files);
    const listing = join(dir, 'files.json');
    writeFileSync(listing, JSON.stringify(Object.keys(files)));
    const py = spawnSync('python3', ['-c', [
      'import hashlib, json, pathlib, sys',
      'root, names = sys.argv[1], json.load(open(sys.argv[2], encoding="utf-8"))',
      'h = hashlib.sha256()',
      'for p in sorted(pathlib.PurePosixPath(n) for n in names):',
      '    h.update(hashlib.sha256(open(pathlib.Path(root, p), "rb").read()).digest())',
      'print("sha256:" + h.hexdigest())',
    ].join('\n'), m, listing], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const ours = await runCli(['hash', m]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout.split(' ')[0], py.stdout.trim());
    // And not the whole-string code-point order the spec's text describes.
    const codePoint = createHash('sha256');
    for (const n of Object.keys(files).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))) codePoint.update(createHash('sha256').update(files[n]!).digest());
    assert.notEqual(ours.stdout.split(' ')[0], `sha256:${codePoint.digest('hex')}`);
  });
});
