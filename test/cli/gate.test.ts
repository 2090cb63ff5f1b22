/**
 * The deployment gate, as a release engineer runs it: the bundled CLI as a child process
 * on real models, keys, attestations and a policy. Nothing given is dropped: every check
 * asked for runs, and the verdict needs all of them.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { makeModel, runCli, tempDir, type CliRun } from '../helpers/fixtures';
import { op, safetensors } from '../inspect/builders';

interface World {
  dir: string;
  base: string;
  ft: string;
  evil: string;
  keys: string;
  policy: string;
  reg: string;
}

const SUBJECT = /the signature is for another model: signed subject is base \(sha256:[0-9a-f]{64}\), not ft/;

async function ok(args: string[], cwd?: string): Promise<CliRun> {
  const r = await runCli(args, { cwd });
  assert.equal(r.code, 0, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return r;
}

/** One line on stderr ending in the code, nothing else there. */
function oneLine(r: CliRun, code: string): void {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, new RegExp(`^model-provenance: .*\\[${code}\\]$`));
}

describe('verify: the deployment gate never fails open', () => {
  let w: World;
  before(async () => {
    const dir = tempDir('mp-gate-', { untilExit: true });
    const weights = (seed: number): Buffer => safetensors([{ name: `w${seed}`, dtype: 'F32', shape: [4, 4] }]);
    // A posix.system pickle in protocol-2 opcodes: torch.load(weights_only=False) would run it.
    const evilPickle = Buffer.concat([op.PROTO(2), op.GLOBAL('posix', 'system'), op.SHORT_BINUNICODE('id'), op.TUPLE1, op.REDUCE, op.STOP]);
    w = {
      dir,
      base: makeModel(join(dir, 'base'), { 'config.json': '{"arch":"llama"}', 'model.safetensors': weights(1) }),
      ft: makeModel(join(dir, 'ft'), { 'config.json': '{"arch":"llama","ft":true}', 'model.safetensors': weights(2) }),
      evil: makeModel(join(dir, 'evil'), { 'config.json': '{"arch":"llama"}', 'model.safetensors': weights(3), 'optimizer.pt': evilPickle }),
      keys: join(dir, 'trusted'),
      policy: join(dir, 'policy.json'),
      reg: join(dir, 'registry'),
    };
    // Private keys live apart from the trusted (public) keys.
    for (const k of ['vendor', 'trainer']) {
      await ok(['keygen', '--out', join(dir, 'private', k)]);
      mkdirSync(w.keys, { recursive: true });
      cpSync(join(dir, 'private', `${k}.pub.pem`), join(w.keys, `${k}.pub.pem`));
    }
    const key = (k: string): string => join(dir, 'private', `${k}.pem`);
    await ok(['attest', w.base, '--stage', 'pre-training', '--private-key', key('vendor'), '--registry', w.reg]);
    await ok(['attest', w.ft, '--stage', 'fine-tuning', '--private-key', key('trainer'), '--base-model', w.base, '--registry', w.reg]);
    await ok(['attest', w.evil, '--stage', 'fine-tuning', '--private-key', key('trainer'), '--base-model', w.base, '--registry', w.reg]);
    for (const [m, k] of [[w.base, 'vendor'], [w.ft, 'trainer'], [w.evil, 'trainer']] as const) await ok(['sign', 'key', m, '--private-key', key(k)]);
    writeFileSync(
      w.policy,
      JSON.stringify({
        signers: { vendor: { publicKey: 'trusted/vendor.pub.pem' }, trainer: { publicKey: 'trusted/trainer.pub.pem' } },
        stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] } },
        requiredStages: ['pre-training', 'fine-tuning'],
      }),
    );
  });

  const gate = (...args: string[]): Promise<CliRun> => runCli(['verify', ...args, '--policy', w.policy, '--registry', w.reg]);

  test('--scan with --policy scans: a posix.system pickle fails the gate (exit 1), as verify key --scan does', async () => {
    assert.equal((await gate(w.evil)).code, 0, 'the chain alone is fine');
    const r = await gate(w.evil, '--scan');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^FAILED .*evil: chain of custody verified, scan FAILED$/m);
    assert.match(r.stdout, /PICKLE_DANGEROUS_GLOBAL optimizer\.pt: .*posix\.system/);
    const j = JSON.parse((await gate(w.evil, '--scan', '--format', 'json')).stdout);
    assert.equal(j.verdict, 'failed');
    assert.deepEqual(j.checks, [{ check: 'chain', verdict: 'verified' }, { check: 'scan', verdict: 'failed' }]);
    assert.deepEqual(j.problems.map((p: { check: string; code: string; file: string }) => [p.check, p.code, p.file]), [['scan', 'PICKLE_DANGEROUS_GLOBAL', 'optimizer.pt']]);
    const key = await runCli(['verify', 'key', w.evil, '--public-key', w.keys, '--scan']);
    assert.equal(key.code, 1);
    const clean = await gate(w.ft, '--scan');
    assert.equal(clean.code, 0, clean.stdout);
    assert.match(clean.stdout, /scan clean/);
  });

  test('a signature and a policy: both are checked and the verdict needs both; another model\'s signature says so', async () => {
    const both = await gate('--model', w.ft, '--attestation', join(w.ft, 'model.sig'), '--trusted-keys', w.keys, '--format', 'json');
    assert.equal(both.code, 0, both.stdout);
    const j = JSON.parse(both.stdout);
    assert.deepEqual(j.checks, [{ check: 'signature', verdict: 'verified' }, { check: 'chain', verdict: 'verified' }]);
    assert.equal(j.signature.subject.digest, j.model.digest, 'the signature and the chain join on one digest');
    // The chain's own fields stay where lineage --format json puts them.
    assert.equal(j.links[0].stage, 'fine-tuning');
    assert.equal(j.registry, w.reg);
    assert.deepEqual(j.policy, { path: w.policy, origin: 'given' });
    assert.deepEqual(j.problems, []);

    const other = await gate('--model', w.ft, '--attestation', join(w.base, 'model.sig'), '--trusted-keys', w.keys);
    assert.equal(other.code, 1, other.stdout);
    assert.match(other.stdout, /^FAILED .*ft: signature FAILED, chain of custody verified$/m);
    assert.match(other.stdout, /^Signature$/m);
    assert.match(other.stdout, /^Chain of custody$/m);
    assert.match(other.stdout, SUBJECT);
    assert.match(other.stderr, /^model-provenance: .*ft: not verified \(signature failed\): .*base\/model\.sig: the signature is for another model: .* \(and 2 more\) \[SUBJECT_MISMATCH\]\n$/);
    const oj = JSON.parse((await gate('--model', w.ft, '--attestation', join(w.base, 'model.sig'), '--trusted-keys', w.keys, '--format', 'json')).stdout);
    assert.equal(oj.problems[0].check, 'signature');
    assert.equal(oj.problems[0].code, 'SUBJECT_MISMATCH');
    const report = await gate('--model', w.ft, '--attestation', join(w.base, 'model.sig'), '--trusted-keys', w.keys, '--format', 'report');
    assert.equal(report.code, 1);
    assert.match(report.stdout, /^✘ Deployment gate FAILED/);
    assert.match(report.stdout, /Next: this signature was made for another model \(signed subject base\)/);
    assert.doesNotMatch(report.stdout, /restore the files/);
  });

  test('missing trust material is bad input (exit 2); a missing signature is a failed gate (exit 1)', async () => {
    const r = await gate('--model', w.ft, '--attestation', '/nonexistent.sig', '--trusted-keys', '/nonexistent');
    assert.equal(r.code, 2);
    oneLine(r, 'KEY_NOT_FOUND');
    assert.equal(r.stdout, '');
    const j = await gate('--model', w.ft, '--attestation', '/nonexistent.sig', '--trusted-keys', '/nonexistent', '--format', 'json');
    assert.equal(j.code, 2);
    assert.deepEqual(JSON.parse(j.stdout), { error: { code: 'KEY_NOT_FOUND', message: JSON.parse(j.stdout).error.message, file: '/nonexistent' } });
    const unsigned = await gate('--model', w.ft, '--attestation', '/nonexistent.sig', '--trusted-keys', w.keys, '--format', 'json');
    assert.equal(unsigned.code, 1, unsigned.stderr);
    assert.deepEqual(JSON.parse(unsigned.stdout).problems.map((p: { code: string }) => p.code), ['SIGNATURE_NOT_FOUND']);
    const badPolicy = await runCli(['verify', w.ft, '--policy', join(w.dir, 'nope.json')]);
    assert.equal(badPolicy.code, 2);
  });

  test('a model with no signature fails verification (1) in every signature form, with advice', async () => {
    const copy = join(w.dir, 'unsigned');
    cpSync(w.ft, copy, { recursive: true });
    unlinkSync(join(copy, 'model.sig'));
    for (const args of [['verify', '--model', copy, '--trusted-keys', w.keys], ['verify', copy, '--public-key', w.keys], ['verify', 'key', copy, '--public-key', w.keys]]) {
      const r = await runCli([...args, '--format', 'report']);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /Next: the model is unsigned here/);
    }
    const missingModel = await runCli(['verify', '--model', join(w.dir, 'no-such-model'), '--trusted-keys', w.keys]);
    assert.equal(missingModel.code, 2);
    oneLine(missingModel, 'FILE_NOT_FOUND');
  });

  test('--public-key and --trusted-keys work on every key form; without keys the advice names the right forms', async () => {
    for (const args of [
      ['verify', w.ft, '--public-key', w.keys],
      ['verify', w.ft, '--trusted-keys', w.keys],
      ['verify', '--model', w.ft, '--public-key', join(w.keys, 'trainer.pub.pem')],
      ['verify', 'key', w.ft, '--trusted-keys', w.keys],
      ['verify', 'key', w.ft, '--public-key', w.keys],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /^VERIFIED /);
    }
    for (const k of ['--public-key', '--trusted-keys']) {
      const r = await gate(w.ft, k, w.keys);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /signature verified, chain of custody verified/);
    }
    const none = await runCli(['verify', w.ft]);
    assert.equal(none.code, 2);
    oneLine(none, 'USAGE');
    assert.match(none.stderr, /missing --trusted-keys or --public-key .*verify certificate\|sigstore MODEL.*--policy P/);
  });

  test('the chain alone prints the lineage as before; --format report works with --policy', async () => {
    const r = await gate(w.ft);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^VERIFIED lineage of /);
    const rep = await gate(w.ft, '--format', 'report');
    assert.equal(rep.code, 0);
    assert.match(rep.stdout, /^✔ Chain of custody verified\n/, 'the chain alone reads as lineage --format report');
    const both = await gate(w.ft, '--trusted-keys', w.keys, '--format', 'report');
    assert.equal(both.code, 0);
    assert.match(both.stdout, /^✔ Deployment gate passed\n\n {2}Model {7}.*ft {2}sha256:[0-9a-f]{64}\n {2}Checks {6}signature verified, chain of custody verified\n/);
    assert.match(both.stdout, /\nSignature\n {2}✔ Model verified\n/);
    assert.match(both.stdout, /\nChain of custody\n {2}✔ Chain of custody verified\n/);
  });

  test('model scope reaches every check: --ignore-paths leaves a stray file out of the signature, the chain digest and the scan', async () => {
    const copy = join(w.dir, 'ft-with-cache');
    cpSync(w.ft, copy, { recursive: true });
    makeModel(copy, { 'cache/evil.pt': Buffer.concat([op.PROTO(2), op.GLOBAL('posix', 'system'), op.SHORT_BINUNICODE('id'), op.TUPLE1, op.REDUCE, op.STOP]) });
    // The folder is named differently, so the attested subject name differs; the digest is what joins.
    const dirty = await gate(copy, '--trusted-keys', w.keys, '--scan', '--format', 'json');
    assert.equal(dirty.code, 1);
    const d = JSON.parse(dirty.stdout);
    assert.deepEqual(d.checks.map((c: { verdict: string }) => c.verdict), ['failed', 'failed', 'failed']);
    // --ignore-paths as model_signing resolves it: from the current directory (here, absolute).
    const clean = await gate(copy, '--trusted-keys', w.keys, '--scan', '--ignore-paths', join(copy, 'cache'), '--format', 'json');
    assert.equal(clean.code, 0, clean.stdout);
    assert.deepEqual(JSON.parse(clean.stdout).checks.map((c: { verdict: string }) => c.verdict), ['verified', 'verified', 'verified']);
  });

  test('options of the chain are refused without --policy, options of the model without a model', async () => {
    const digest = JSON.parse((await runCli(['hash', w.ft, '--format', 'json'])).stdout).digest as string;
    for (const [args, flag] of [
      [['verify', w.ft, '--trusted-keys', w.keys, '--registry', w.reg], '--registry'],
      [['verify', w.ft, '--trusted-keys', w.keys, '--no-check-artifacts'], '--no-check-artifacts'],
      [['verify', '--digest', digest, '--policy', w.policy, '--scan'], '--scan'],
      [['verify', digest, '--policy', w.policy, '--trusted-keys', w.keys], '--trusted-keys'],
      [['verify', w.ft, '--policy', w.policy, '--attestation', join(w.ft, 'model.sig')], '--attestation'],
    ] as const) {
      const r = await runCli([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
      oneLine(r, 'OPTION_NOT_APPLICABLE');
      assert.ok(r.stderr.includes(`model-provenance: ${flag} `), r.stderr);
    }
    const byDigest = await runCli(['verify', digest, '--policy', w.policy, '--registry', w.reg]);
    assert.equal(byDigest.code, 0, byDigest.stdout);
    const twice = await runCli(['verify', w.ft, '--model', w.ft, '--trusted-keys', w.keys]);
    assert.equal(twice.code, 2);
    oneLine(twice, 'OPTION_CONFLICT');
  });

  test('--allow-symlinks and an explicit --ignore-git-paths/--no-ignore-git-paths are honoured by verify', async () => {
    const m = makeModel(join(w.dir, 'links'), { 'a.bin': 'same bytes', 'b.bin': 'same bytes' });
    await ok(['sign', 'key', m, '--private-key', join(w.dir, 'private', 'trainer.pem')]);
    unlinkSync(join(m, 'b.bin'));
    symlinkSync('a.bin', join(m, 'b.bin'));
    const refused = await runCli(['verify', 'key', m, '--public-key', w.keys]);
    assert.equal(refused.code, 2);
    oneLine(refused, 'SYMLINK_NOT_ALLOWED');
    assert.equal((await runCli(['verify', 'key', m, '--public-key', w.keys, '--allow-symlinks'])).code, 0);

    const g = makeModel(join(w.dir, 'git'), { 'w.bin': 'weights' });
    await ok(['sign', 'key', g, '--private-key', join(w.dir, 'private', 'trainer.pem')]);
    makeModel(g, { '.git/HEAD': 'ref: refs/heads/main\n' });
    assert.equal((await runCli(['verify', 'key', g, '--public-key', w.keys])).code, 0, 'the signer left .git out, and said so');
    const strict = await runCli(['verify', 'key', g, '--public-key', w.keys, '--no-ignore-git-paths']);
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stdout, /FILE_UNEXPECTED \.git\/HEAD/);

    rmSync(join(g, 'model.sig'));
    await ok(['sign', 'key', g, '--private-key', join(w.dir, 'private', 'trainer.pem'), '--no-ignore-git-paths']);
    assert.equal((await runCli(['verify', 'key', g, '--public-key', w.keys])).code, 0);
    const lax = await runCli(['verify', 'key', g, '--public-key', w.keys, '--ignore-git-paths']);
    assert.equal(lax.code, 1, lax.stdout);
    assert.match(lax.stdout, /FILE_MISSING \.git\/HEAD/);
  });

  test('--progress works on every command that hashes', async () => {
    const bom = join(w.dir, 'ft.cdx.json');
    const cmds: string[][] = [
      ['hash', w.ft, '--progress'],
      ['verify', 'key', w.ft, '--public-key', w.keys, '--progress'],
      ['verify', w.ft, '--policy', w.policy, '--registry', w.reg, '--trusted-keys', w.keys, '--progress'],
      ['lineage', w.ft, '--policy', w.policy, '--registry', w.reg, '--progress'],
      ['attest', w.ft, '--stage', 'evaluation', '--private-key', join(w.dir, 'private', 'trainer.pem'), '--no-store', '--progress'],
      ['manifest', 'init', w.ft, '--output', bom, '--registry', w.reg, '--progress'],
      ['manifest', 'validate', bom, '--progress'],
    ];
    for (const args of cmds) {
      const r = await runCli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /hashing .* \(100%\) \d+\/\d+ files/, `${args[0]} ${args[1]}: ${r.stderr}`);
      const quiet = await runCli(args.map((a) => (a === '--progress' ? '--no-progress' : a)));
      assert.doesNotMatch(quiet.stderr, /hashing/);
    }
    assert.equal(JSON.parse(readFileSync(bom, 'utf8')).bomFormat, 'CycloneDX');
  });
});
