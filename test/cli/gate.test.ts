/**
 * The deployment gate, as a release engineer runs it: the bundled CLI as a child process
 * on real models, keys, attestations and a policy. Nothing given is dropped: every check
 * asked for runs, and the verdict needs all of them.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { LocalRegistry, parseBundle } from '../../core';
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
    // One "Next:" for the whole gate, then what to do about each check that failed.
    assert.match(report.stdout, /\nNext: do not deploy\.\n {2}- signature: this signature was made for another model \(signed subject base\)/);
    assert.equal(report.stdout.match(/Next:/g)?.length, 1, report.stdout);
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

  /** A private copy of the world's registry, so records and advisories stay in one test. */
  const copyRegistry = (): string => {
    const reg = join(tempDir('mp-gate-reg-', { untilExit: true }), 'registry');
    cpSync(w.reg, reg, { recursive: true });
    return reg;
  };
  const statementOf = async (reg: string, id: string): Promise<any> => JSON.parse(parseBundle(await new LocalRegistry(reg).read(id), id).envelope.payload.toString('utf8'));
  const records = async (reg: string, digest: string): Promise<string[]> =>
    (await new LocalRegistry(reg).findBySubject(digest)).filter((e) => e.predicateType === 'https://slsa.dev/verification_summary/v1').map((e) => e.id);

  test('--record-deployment: one signed record after the whole gate passed (signature, chain, scan), none after any check failed', async () => {
    const reg = copyRegistry();
    const keys = tempDir('mp-gate-deployer-', { untilExit: true });
    await ok(['keygen', '--out', join(keys, 'deployer')]);
    const deployer = join(keys, 'deployer.pem');
    const run = (...args: string[]): Promise<CliRun> => runCli(['verify', ...args, '--policy', w.policy, '--registry', reg]);

    const passed = await run(w.ft, '--trusted-keys', w.keys, '--scan', '--record-deployment', 'eu-west-1', '--private-key', deployer, '--format', 'json');
    assert.equal(passed.code, 0, passed.stdout + passed.stderr);
    const j = JSON.parse(passed.stdout);
    assert.equal(passed.stderr, `recorded deployment to eu-west-1: ${j.deployment.id} in ${j.deployment.location}\n`);
    assert.deepEqual(await records(reg, j.model.digest), [j.deployment.id]);
    const st = await statementOf(reg, j.deployment.id);
    assert.equal(st.subject[0].digest.sha256, j.model.digest.slice(7));
    assert.equal(st.predicate.verificationResult, 'PASSED');
    assert.deepEqual(st.predicate.verifiedLevels, ['MODEL_PROVENANCE_SIGNATURE_VERIFIED', 'MODEL_PROVENANCE_CHAIN_VERIFIED', 'MODEL_PROVENANCE_SCAN_CLEAN']);
    assert.equal(st.predicate['https://model-provenance.dev/deployment/v1'].environment, 'eu-west-1');
    assert.equal(st.predicate.policy.digest.sha256, createHash('sha256').update(readFileSync(w.policy)).digest('hex'));
    // The verdict rests on the model signature and on every link of the chain.
    const sig = createHash('sha256').update(readFileSync(join(w.ft, 'model.sig'))).digest('hex');
    assert.deepEqual(
      st.predicate.inputAttestations.map((a: { digest: { sha256: string } }) => `sha256:${a.digest.sha256}`).sort(),
      [`sha256:${sig}`, ...j.links.map((l: { attestation: string }) => l.attestation)].sort(),
    );

    // Any failed check records nothing: the scan here, with the signature and the chain fine.
    const evil = await run(w.evil, '--trusted-keys', w.keys, '--scan', '--record-deployment', 'eu-west-1', '--private-key', deployer, '--format', 'json');
    assert.equal(evil.code, 1, evil.stdout);
    const e = JSON.parse(evil.stdout);
    assert.deepEqual(e.checks.map((c: { verdict: string }) => c.verdict), ['verified', 'verified', 'failed']);
    assert.equal(e.deployment, undefined);
    assert.doesNotMatch(evil.stderr, /recorded deployment/);
    assert.match(evil.stderr, /: not verified \(scan failed\); no deployment record written: /);
    assert.deepEqual(await records(reg, e.model.digest), []);

    // Without --policy the gate is the signature; the record says so and names the trusted keys.
    const sigOnly = await runCli(['verify', w.ft, '--trusted-keys', w.keys, '--record-deployment', 'staging', '--private-key', deployer, '--registry', reg]);
    assert.equal(sigOnly.code, 0, sigOnly.stdout + sigOnly.stderr);
    const id = /^recorded deployment to staging: (sha256:[0-9a-f]{64}) in /.exec(sigOnly.stderr)?.[1];
    assert.ok(id, sigOnly.stderr);
    assert.deepEqual((await records(reg, j.model.digest)).sort(), [j.deployment.id, id].sort());
    assert.deepEqual((await statementOf(reg, id)).predicate.verifiedLevels, ['MODEL_PROVENANCE_SIGNATURE_VERIFIED']);

    // What only serves the record is refused without it; a bad record is refused before any hashing.
    for (const args of [
      ['verify', w.ft, '--trusted-keys', w.keys, '--private-key', deployer],
      ['verify', w.ft, '--policy', w.policy, '--registry', reg, '--password-file', deployer],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, r.stdout);
      oneLine(r, 'OPTION_NOT_APPLICABLE');
      assert.match(r.stderr, /applies to verify .* only with --record-deployment ENV/);
    }
    const badEnv = await run(w.ft, '--record-deployment', ' prod', '--private-key', deployer, '--progress');
    assert.equal(badEnv.code, 2);
    oneLine(badEnv, 'USAGE');
    assert.doesNotMatch(badEnv.stderr, /hashing/);
  });

  test('advisories: the gate reads them once and every check obeys them; advisories that do not count are reported and ignored', async () => {
    const reg = copyRegistry();
    const keys = tempDir('mp-gate-security-', { untilExit: true });
    for (const k of ['security', 'stranger']) await ok(['keygen', '--out', join(keys, k)]);
    const policy = join(w.dir, 'policy-advisories.json');
    writeFileSync(
      policy,
      JSON.stringify({
        signers: { vendor: { publicKey: 'trusted/vendor.pub.pem' }, trainer: { publicKey: 'trusted/trainer.pub.pem' }, security: { publicKey: join(keys, 'security.pub.pem') } },
        stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] } },
        requiredStages: ['pre-training', 'fine-tuning'],
        advisorySigners: ['security'],
      }),
    );
    const digest = JSON.parse((await ok(['hash', w.ft, '--format', 'json'])).stdout).digest as string;
    const run = (...args: string[]): Promise<CliRun> => runCli(['verify', w.ft, '--trusted-keys', w.keys, '--policy', policy, '--registry', reg, ...args]);

    // A stranger's advisory does not count: reported, the verdict unchanged.
    await ok(['incident', 'flag', digest, '--reason', 'rumour', '--private-key', join(keys, 'stranger.pem'), '--registry', reg]);
    const ignored = await run('--format', 'json');
    assert.equal(ignored.code, 0, ignored.stdout);
    const i = JSON.parse(ignored.stdout);
    assert.deepEqual(i.ignoredAdvisories.map((a: { code: string }) => a.code), ['ADVISORY_UNTRUSTED_SIGNER']);
    assert.match((await run()).stdout, /Ignored advisories \(reported, not obeyed\):\n {4}ADVISORY_UNTRUSTED_SIGNER/);

    // The security team's advisory fails both the signature and the chain, each naming it.
    const flagged = await ok(['incident', 'flag', digest, '--reason', 'trigger phrase found', '--severity', 'high', '--private-key', join(keys, 'security.pem'), '--registry', reg, '--format', 'json']);
    const adv = JSON.parse(flagged.stdout).advisories[0].id as string;
    const r = await run('--format', 'json');
    assert.equal(r.code, 1, r.stdout);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.checks, [{ check: 'signature', verdict: 'failed' }, { check: 'chain', verdict: 'failed' }]);
    assert.deepEqual(j.problems.map((p: { check: string; code: string }) => [p.check, p.code]), [['signature', 'FLAGGED_ARTIFACT'], ['chain', 'FLAGGED_ARTIFACT']]);
    for (const p of j.problems) assert.match(p.message, new RegExp(`flagged by advisory ${adv} \\(high\\): trigger phrase found`));
    assert.equal(j.ignoredAdvisories.length, 1, 'the stranger\'s advisory is still reported');
    const text = await run();
    assert.equal(text.code, 1);
    assert.match(text.stderr, /not verified \(signature, chain failed\): .*\[FLAGGED_ARTIFACT\]$/m);

    // Fixed: the gate passes again.
    await ok(['incident', 'fixed', adv, '--reason', 're-audited', '--private-key', join(keys, 'security.pem'), '--registry', reg]);
    assert.equal((await run()).code, 0);

    // A gate that reads no advisory says so (it would pass a flagged model): a policy naming no
    // advisorySigners, or no policy at all with a registry in reach. A warning, not a failure.
    const flaggedAgain = await ok(['incident', 'flag', digest, '--reason', 'still bad', '--private-key', join(keys, 'security.pem'), '--registry', reg, '--format', 'json']);
    assert.ok(JSON.parse(flaggedAgain.stdout).advisories[0].id);
    assert.equal((await run()).code, 1, 'read under the advisory policy, it refuses');
    const unread = await runCli(['verify', w.ft, '--trusted-keys', w.keys, '--policy', w.policy, '--registry', reg, '--format', 'json']);
    assert.equal(unread.code, 0, unread.stdout + unread.stderr);
    const warning = `4 advisory statement(s) in ${reg} were not read (the policy ${w.policy} names no advisorySigners): a flagged model or a revoked key is not refused; name the signers you trust for advisories in its "advisorySigners"`;
    assert.equal(JSON.parse(unread.stdout).advisoriesNotRead, warning);
    assert.equal(unread.stderr, `model-provenance: warning: ${w.ft}: ${warning} [ADVISORIES_NOT_READ]\n`);
    const sigOnly = await runCli(['verify', w.ft, '--trusted-keys', w.keys], { env: { MODEL_PROVENANCE_REGISTRY: reg } });
    assert.equal(sigOnly.code, 0, sigOnly.stdout + sigOnly.stderr);
    assert.match(sigOnly.stderr, /^model-provenance: warning: .*: 4 advisory statement\(s\) in .* were not read \(no policy was given\): .*verify with --policy P, a policy that names "advisorySigners" \[ADVISORIES_NOT_READ\]\n$/);
    const elsewhere = await runCli(['verify', w.ft, '--trusted-keys', w.keys], { cwd: tempDir('mp-gate-noreg-', { untilExit: true }) });
    assert.equal(elsewhere.stderr, '', 'no registry in reach: nothing to warn about');
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
