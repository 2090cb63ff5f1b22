/**
 * The README's promise, checked on the bundled CLI: exit 0/1/2, and every exit 2 is one
 * line on stderr ending in a [CODE] (also a JSON object on stdout with --format json).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, makeModel, runCli, tempDir, type CliRun } from '../helpers/fixtures';

function usageLine(r: CliRun, code: string, text?: RegExp): void {
  assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
  const last = r.stderr.trimEnd().split('\n').pop()!;
  assert.match(last, new RegExp(`^model-provenance: .*\\[${code}\\]$`), r.stderr);
  if (text) assert.match(last, text);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

describe('exit codes and messages', () => {
  test('a bare model-provenance is a usage error: the usage on stderr, then [USAGE]', async () => {
    const r = await runCli([]);
    usageLine(r, 'USAGE', /no command given/);
    assert.match(r.stderr, /^Usage: model-provenance /);
    assert.equal(r.stdout, '');
    for (const group of ['registry', 'manifest', 'sign']) {
      const g = await runCli([group]);
      assert.equal(g.code, 2, `${group}: ${g.stderr}`);
    }
    // Help asked for is not an error.
    for (const args of [['--help'], ['help'], ['help', 'verify'], ['verify', '--help'], ['--version']]) {
      const h = await runCli(args);
      assert.equal(h.code, 0, `${args.join(' ')}: ${h.stderr}`);
      assert.notEqual(h.stdout, '');
    }
  });

  test('argument parser errors carry a code and stay on one line', async () => {
    const cases: [string[], string, RegExp][] = [
      [['hash', '.', '--bogus'], 'UNKNOWN_OPTION', /unknown option '--bogus'/],
      [['verify', 'key', '.', '--scna'], 'UNKNOWN_OPTION', /unknown option '--scna' \(did you mean --scan\?\)/],
      [['frobnicate'], 'UNKNOWN_COMMAND', /unknown command 'frobnicate'/],
      [['verfy'], 'UNKNOWN_COMMAND', /\(did you mean verify\?\)/],
      [['inspect'], 'MISSING_ARGUMENT', /missing required argument 'model'/],
      [['hash', 'a', 'b'], 'EXCESS_ARGUMENTS', /too many arguments/],
      [['hash', '.', '--format'], 'OPTION_VALUE_MISSING', /argument missing/],
      [['hash', '.', '--format', 'xml'], 'INVALID_VALUE', /^model-provenance: --format "xml" is not one of: text, json \[INVALID_VALUE\]$/],
      [['verify', 'key', '.', '--public-key', 'a', '--trusted-keys', 'b'], 'OPTION_CONFLICT', /cannot be used with/],
      [['keygen', '--password', 'a', '--password-file', 'f'], 'OPTION_CONFLICT', /cannot be used with/],
      [['hash', '.', '--signature', 'a', '--signature', 'b'], 'OPTION_REPEATED', /--signature was given twice/],
      [['hash', '.', '--progress', '--no-progress'], 'OPTION_CONFLICT', /--progress and --no-progress contradict/],
      [['verify', '--format', 'json', 'key', '.'], 'OPTION_NOT_APPLICABLE', /--format was given before "key"/],
      // An option of another form of the command: the advice names that form.
      [['verify', '.', '--identity', 'me@example.com'], 'UNKNOWN_OPTION', /--identity belongs to "verify sigstore": model-provenance verify sigstore MODEL --identity …/],
      [['verify', '.', '--certificate-chain', 'ca.pem'], 'UNKNOWN_OPTION', /belongs to "verify certificate"/],
      [['sign', '.', '--signing-certificate', 'c.pem'], 'UNKNOWN_OPTION', /belongs to "sign certificate"/],
    ];
    for (const [args, code, text] of cases) {
      const r = await runCli(args);
      usageLine(r, code, text);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  test('with --format json, an exit-2 error is also a JSON object on stdout; with sarif, a SARIF log', async () => {
    const missing = await runCli(['hash', '/nonexistent-model', '--format', 'json']);
    usageLine(missing, 'FILE_NOT_FOUND');
    assert.deepEqual(JSON.parse(missing.stdout), { error: { code: 'FILE_NOT_FOUND', message: 'no such file or directory', file: '/nonexistent-model' } });
    const parser = await runCli(['verify', 'key', '.', '--format=json', '--bogus']);
    assert.deepEqual(JSON.parse(parser.stdout), { error: { code: 'UNKNOWN_OPTION', message: "unknown option '--bogus'", file: null } });
    const sarif = await runCli(['manifest', 'validate', '/nonexistent.cdx.json', '--format', 'sarif']);
    usageLine(sarif, 'FILE_NOT_FOUND');
    const log = JSON.parse(sarif.stdout);
    assert.equal(log.version, '2.1.0');
    const inv = log.runs[0].invocations[0];
    assert.equal(inv.executionSuccessful, false);
    assert.equal(inv.toolExecutionNotifications[0].descriptor.id, 'FILE_NOT_FOUND');
    assert.equal(inv.toolExecutionNotifications[0].locations[0].physicalLocation.artifactLocation.uri, '/nonexistent.cdx.json');
    const text = await runCli(['hash', '/nonexistent-model']);
    assert.equal(text.stdout, '', 'text output stays empty on error');
  });

  test('validate: a missing file is exit 2 on stderr; an invalid one is exit 1 on stdout', async () => {
    const dir = tempDir();
    const missing = await runCli(['validate', join(dir, 'model.sig')]);
    usageLine(missing, 'FILE_NOT_FOUND');
    assert.equal(missing.stdout, '');
    const bad = join(dir, 'bad.sig');
    writeFileSync(bad, '{"mediaType": 1}');
    const invalid = await runCli(['validate', bad]);
    assert.equal(invalid.code, 1, invalid.stderr);
    assert.match(invalid.stdout, /^invalid .*bad\.sig: .*\[BUNDLE_/);
    assert.match(invalid.stderr, /^model-provenance: .*bad\.sig: invalid: .* \[BUNDLE_[A-Z_]+\]\n$/);
    const dirAsFile = await runCli(['validate', dir]);
    usageLine(dirAsFile, 'FILE_IS_DIRECTORY');
  });

  test('a failed check (exit 1) also says so in one line on stderr, with the first reason\'s code', async () => {
    const dir = tempDir();
    const m = makeModel(join(dir, 'm'), { 'w.bin': 'weights' });
    await runCli(['keygen', '--out', join(dir, 'k')]);
    assert.equal((await runCli(['sign', 'key', m, '--private-key', join(dir, 'k.pem')])).code, 0);
    writeFileSync(join(m, 'w.bin'), 'changed');
    makeModel(m, { 'extra.bin': 'x' });
    const r = await runCli(['verify', 'key', m, '--public-key', join(dir, 'k.pub.pem'), '--format', 'json']);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).verdict, 'failed', 'stdout keeps the result');
    assert.equal(r.stderr, `model-provenance: ${m}: not verified: w.bin: content differs from the signed digest (and 1 more) [FILE_MODIFIED]\n`);
  });

  test('lineage --format mermaid on a failed chain shows the verdict and every problem in the graph', async () => {
    const dir = tempDir();
    const m = makeModel(join(dir, 'chat-ft'), { 'w.bin': 'weights' });
    await runCli(['keygen', '--out', join(dir, 'k')]);
    assert.equal((await runCli(['attest', m, '--stage', 'fine-tuning', '--private-key', join(dir, 'k.pem'), '--registry', join(dir, 'reg')])).code, 0);
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ signers: { t: { publicKey: 'k.pub.pem' } } }));
    const r = await runCli(['lineage', m, '--policy', join(dir, 'policy.json'), '--registry', join(dir, 'reg'), '--format', 'mermaid']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^graph TD\n/);
    assert.match(r.stdout, /\n {2}problems\["FAILED: 1 problem\(s\)<br\/>MISSING_LINK sha256:[0-9a-f]{12}…: the fine-tuning attestation sha256:[0-9a-f]{12}… names no base model"\]\n/);
    assert.match(r.stdout, /\n {2}style problems fill:#fee/);
    assert.match(r.stdout, /\n {2}problems -\.- m0\n/);
    const base = makeModel(join(dir, 'base'), { 'w.bin': 'base weights' });
    assert.equal((await runCli(['attest', base, '--stage', 'pre-training', '--private-key', join(dir, 'k.pem'), '--registry', join(dir, 'reg')])).code, 0);
    const unverified = await runCli(['lineage', base, '--registry', join(dir, 'reg'), '--format', 'mermaid'], { cwd: dir });
    assert.equal(unverified.code, 0);
    assert.match(unverified.stdout, /verdict\["UNVERIFIED: no policy, signatures not checked"\]/);
    const none = await runCli(['lineage', '--registry', join(dir, 'reg')]);
    usageLine(none, 'USAGE', /give the model/);
  });

  test('Ctrl-C (SIGINT) while hashing: exit 130, one line ending in [CANCELLED], nothing on stdout', async () => {
    const dir = tempDir();
    // Big enough that hashing is still running when the signal comes (sparse: no disk used up). Two
    // files, so the threads path runs: the calling thread hashes with blocking reads there and must
    // still let the signal in.
    const big = join(dir, 'model', 'weights.bin');
    makeModel(join(dir, 'model'), { 'config.json': '{}' });
    const fd = openSync(big, 'w');
    writeSync(fd, Buffer.from([1]), 0, 1, 8 * 1024 ** 3 - 1);
    closeSync(fd);
    const child = spawn(process.execPath, [CLI, 'hash', join(dir, 'model')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The signal goes once the CLI is surely past start-up: the first byte hashed is not observable, so wait for the process to have run a while.
    setTimeout(() => child.kill('SIGINT'), 1500);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 130, stderr);
    assert.equal(stderr, 'model-provenance: cancelled [CANCELLED]\n');
    assert.equal(stdout, '');
  });
});
