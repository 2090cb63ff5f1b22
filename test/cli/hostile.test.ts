/**
 * Hostile inputs, end to end through the bundled CLI (dist/cli.js) as a child process.
 * Every one must end in exit 2 with exactly one stderr line that names the offending
 * file, says what is wrong and ends in a stable [CODE]; quickly, without a stack trace,
 * with nothing on stdout, and without leaving a partial file behind (no model.sig, no
 * .*.tmp, a signature being verified unchanged).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lchownSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { buildStatement, signStatement, type Serialization } from '../../core';
import { makeKey, resourcesFor, sha256Hex, signPayloadText, snapshot, STATEMENT, type TestKey } from '../helpers/craft';
import { CLI, makeModel, makePki, tempDir } from '../helpers/fixtures';

/** A hostile input must be turned away well within this; generous for a loaded CI runner. */
const FAST_MS = 20_000;
/** After this the child is killed and the case fails as a hang. */
const KILL_MS = 30_000;
const CASE = { timeout: 120_000 };

const FILES: Record<string, string | Buffer> = {
  'config.json': '{"layers": 2}\n',
  'weights.bin': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 251)),
  'tokenizer/vocab.txt': 'a\nb\nc\n',
};

// ---------------------------------------------------------------- running the CLI

interface Run {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  cwd?: string;
  /** The CLI bundle to run (a copy, when an unprivileged user cannot read dist/). */
  cli?: string;
}

/** Spawns the bundled CLI; a hang is reported (timedOut), not thrown, so the check can say so. */
function cli(args: string[], options: RunOptions = {}): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.cli ?? CLI, ...args], {
      cwd: options.cwd,
      // No passphrase or debug switch leaks in from the developer's shell.
      env: { ...process.env, MODEL_PROVENANCE_PASSPHRASE: '', MODEL_PROVENANCE_DEBUG: '', ...options.env },
      uid: options.uid,
      gid: options.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, KILL_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ args, code, signal, stdout, stderr, ms: Math.round(performance.now() - started), timedOut });
    });
  });
}

function describeRun(r: Run): string {
  const clip = (s: string): string => JSON.stringify(s.length > 2000 ? `${s.slice(0, 2000)}…` : s);
  return [
    `  command: model-provenance ${r.args.join(' ')}`,
    `  exit:    ${r.code}${r.signal ? ` (signal ${r.signal})` : ''} after ${r.ms} ms`,
    `  stderr:  ${clip(r.stderr)}`,
    `  stdout:  ${clip(r.stdout)}`,
  ].join('\n');
}

/** A control run that must succeed (proves the hostile variant differs only in the hostile part). */
async function ok(args: string[], options: RunOptions = {}): Promise<Run> {
  const r = await cli(args, options);
  if (r.code !== 0) assert.fail(`expected exit 0\n${describeRun(r)}`);
  return r;
}

interface Expect {
  code: string;
  /** The offending file; the line must carry its path or its basename. */
  file: string;
  /** What the line must say about the problem. */
  problem: RegExp;
  maxMs?: number;
  /** Strings that must never appear on stdout or stderr (passphrases). */
  secrets?: string[];
}

/** Checks every property of a clean refusal and reports all that fail at once. */
function expectRejected(r: Run, e: Expect): void {
  const issues: string[] = [];
  if (r.timedOut) issues.push(`hung: killed after ${KILL_MS} ms`);
  if (r.code !== 2) issues.push(`exit code ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}, expected 2`);
  const text = r.stderr.endsWith('\n') ? r.stderr.slice(0, -1) : r.stderr;
  const lines = text.split('\n');
  if (text.trim() === '') issues.push('stderr is empty, expected one line');
  else if (lines.length !== 1) issues.push(`stderr has ${lines.length} lines, expected exactly 1`);
  if (text.includes('\r')) issues.push('stderr contains a carriage return (progress output)');
  const line = lines.find((l) => /\[[A-Z][A-Z0-9_]*\]\s*$/.test(l)) ?? lines[0] ?? '';
  const m = /\[([A-Z][A-Z0-9_]*)\]$/.exec(line);
  if (!m) issues.push(`the line does not end with a bracketed code, expected [${e.code}]`);
  else if (m[1] !== e.code) issues.push(`code [${m[1]}], expected [${e.code}]`);
  if (!line.includes(e.file) && !line.includes(basename(e.file))) issues.push(`the line does not name ${e.file}`);
  if (!e.problem.test(line)) issues.push(`the line does not say ${e.problem}`);
  if (/^\s+at\s/m.test(r.stderr) || /^\s+at\s/m.test(r.stdout)) issues.push('stack trace in the output');
  if (/\b[A-Za-z]*Error:/.test(r.stderr) || /\b[A-Za-z]*Error:/.test(r.stdout)) issues.push('an "Error:" dump in the output');
  if (r.stdout !== '') issues.push('stdout is not empty');
  const maxMs = e.maxMs ?? FAST_MS;
  if (r.ms > maxMs) issues.push(`took ${r.ms} ms, expected under ${maxMs} ms`);
  for (const s of e.secrets ?? []) if (r.stdout.includes(s) || r.stderr.includes(s)) issues.push(`a secret (${JSON.stringify(s)}) appears in the output`);
  if (issues.length > 0) assert.fail(`${issues.join('; ')}\n${describeRun(r)}`);
}

/**
 * Runs a hostile command and checks the refusal; the folder `watch` (the case's temp
 * dir) must be byte for byte as it was: no signature written, no temporary left over,
 * the signature under verification untouched.
 */
async function rejects(args: string[], e: Expect, watch: string, options: RunOptions = {}): Promise<Run> {
  const before = snapshot(watch);
  const r = await cli(args, { cwd: watch, ...options });
  expectRejected(r, e);
  const after = snapshot(watch);
  const leftovers = Object.keys(after).filter((p) => /(^|\/)\.[^/]*\.tmp$/.test(p));
  assert.deepEqual(leftovers, [], `temporary files left behind by a failed run\n${describeRun(r)}`);
  assert.deepEqual(after, before, `the failed run changed files under ${watch}\n${describeRun(r)}`);
  return r;
}

// ---------------------------------------------------------------- fixtures

interface Case {
  dir: string;
  model: string;
  key: TestKey;
  /** Where sign writes and verify reads by default. */
  sig: string;
}

/** Its own temp dir: a small model folder and a P-256 key pair beside it. */
function setup(name: string, files: Record<string, string | Buffer> = FILES): Case {
  const dir = tempDir(`mp-hostile-${name}-`);
  const model = makeModel(join(dir, 'model'), files);
  const key = makeKey(join(dir, 'keys', 'k'));
  return { dir, model, key, sig: join(model, 'model.sig') };
}

const signArgs = (c: Case, ...extra: string[]): string[] => ['sign', 'key', c.model, '--private-key', c.key.privatePath, ...extra];
const verifyArgs = (c: Case, ...extra: string[]): string[] => ['verify', 'key', c.model, '--public-key', c.key.publicPath, ...extra];

/** A model signed by the CLI itself, verified once as a control. */
async function signedCase(name: string): Promise<Case> {
  const c = setup(name);
  await ok(signArgs(c));
  await ok(verifyArgs(c));
  return c;
}

function editBundle(sig: string, edit: (doc: Record<string, any>) => void): void {
  const doc = JSON.parse(readFileSync(sig, 'utf8')) as Record<string, any>;
  edit(doc);
  writeFileSync(sig, `${JSON.stringify(doc, null, 2)}\n`);
}

const SERIALIZATION: Serialization = { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: ['.git', '.gitattributes', '.github', '.gitignore'] };

const LINE_COLUMN = /line \d+\D+col(umn)? \d+|:\d+:\d+/i;

// ---------------------------------------------------------------- cases

describe('hostile inputs: one line, exit 2, a stable code, nothing left behind', () => {
  describe('1. malformed JSON signature -> JSON_MALFORMED with line and column', () => {
    const cases: [string, string, RegExp?][] = [
      ['truncated inside a string', '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "verificationMaterial": {"publicKey": {"hi'],
      ['truncated after a key (unexpected end of input)', '{"mediaType": '],
      ['an unexpected token', '{"mediaType": nope}\n'],
    ];
    for (const [name, text] of cases) {
      test(name, CASE, async () => {
        const c = setup('json');
        writeFileSync(c.sig, text);
        await rejects(verifyArgs(c), { code: 'JSON_MALFORMED', file: c.sig, problem: LINE_COLUMN }, c.dir);
      });
    }

    test('a missing comma in a real multi-line bundle points at line 3', CASE, async () => {
      const c = await signedCase('json-comma');
      const lines = readFileSync(c.sig, 'utf8').split('\n');
      assert.match(lines[1]!, /"mediaType": ".*",$/);
      lines[1] = lines[1]!.replace(/,$/, '');
      writeFileSync(c.sig, lines.join('\n'));
      await rejects(verifyArgs(c), { code: 'JSON_MALFORMED', file: c.sig, problem: /line 3\D+col(umn)? \d+|:3:\d+/i }, c.dir);
    });
  });

  describe('2. duplicate keys in the signed payload -> JSON_DUPLICATE_KEY', () => {
    const res = resourcesFor(FILES);
    const statement = (predicateTypes: string, resources: string): string =>
      `{"_type":${STATEMENT.type},"subject":${STATEMENT.subject('model', res)},${predicateTypes},"predicate":{"resources":${resources},"serialization":${STATEMENT.serialization}}}`;
    const oneType = `"predicateType":${STATEMENT.predicateType}`;

    test('control: the same hand-written statement without duplicates verifies', CASE, async () => {
      const c = setup('dup-control');
      writeFileSync(c.sig, signPayloadText(statement(oneType, JSON.stringify(res)), c.key.privateKey));
      await ok(verifyArgs(c));
    });

    test('two "predicateType" keys', CASE, async () => {
      const c = setup('dup-type');
      const text = statement(`"predicateType":"https://example.com/not-a-model-signature",${oneType}`, JSON.stringify(res));
      writeFileSync(c.sig, signPayloadText(text, c.key.privateKey));
      await rejects(verifyArgs(c), { code: 'JSON_DUPLICATE_KEY', file: c.sig, problem: /duplicate.*predicateType/i }, c.dir);
    });

    test('two "digest" keys in one resource (the last one matches the file)', CASE, async () => {
      const c = setup('dup-digest');
      const [first, ...rest] = res;
      const forged = `{"name":${JSON.stringify(first!.name)},"algorithm":"sha256","digest":"${'0'.repeat(64)}","digest":"${first!.digest}"}`;
      const text = statement(oneType, `[${[forged, ...rest.map((r) => JSON.stringify(r))].join(',')}]`);
      writeFileSync(c.sig, signPayloadText(text, c.key.privateKey));
      await rejects(verifyArgs(c), { code: 'JSON_DUPLICATE_KEY', file: c.sig, problem: /duplicate.*digest/i }, c.dir);
    });
  });

  describe('3. wrong mediaType -> BUNDLE_MEDIA_TYPE', () => {
    test('mediaType is application/json', CASE, async () => {
      const c = await signedCase('media');
      editBundle(c.sig, (doc) => (doc.mediaType = 'application/json'));
      await rejects(verifyArgs(c), { code: 'BUNDLE_MEDIA_TYPE', file: c.sig, problem: /mediaType/ }, c.dir);
    });

    test('mediaType is missing', CASE, async () => {
      const c = await signedCase('media-missing');
      editBundle(c.sig, (doc) => delete doc.mediaType);
      await rejects(verifyArgs(c), { code: 'BUNDLE_MEDIA_TYPE', file: c.sig, problem: /mediaType/ }, c.dir);
    });
  });

  describe('4. bad base64 -> BASE64_INVALID', () => {
    test('dsseEnvelope.payload', CASE, async () => {
      const c = await signedCase('b64-payload');
      editBundle(c.sig, (doc) => (doc.dsseEnvelope.payload = '!!!notbase64'));
      await rejects(verifyArgs(c), { code: 'BASE64_INVALID', file: c.sig, problem: /payload.*base64/i }, c.dir);
    });

    test('dsseEnvelope.signatures[0].sig', CASE, async () => {
      const c = await signedCase('b64-sig');
      editBundle(c.sig, (doc) => (doc.dsseEnvelope.signatures[0].sig = '!!!notbase64'));
      await rejects(verifyArgs(c), { code: 'BASE64_INVALID', file: c.sig, problem: /sig.*base64/i }, c.dir);
    });
  });

  describe('5. truncated DER certificate in the chain -> CERT_MALFORMED', () => {
    for (const which of [0, 1]) {
      test(`certificates[${which}] cut in half`, CASE, async () => {
        const c = setup(`der-${which}`);
        const pki = makePki(join(c.dir, 'pki'));
        await ok(['sign', 'certificate', c.model, '--private-key', pki.leafKey, '--signing-certificate', pki.leafCert, '--certificate-chain', pki.intermediateCert]);
        const verify = ['verify', 'certificate', c.model, '--certificate-chain', pki.rootCert];
        await ok(verify);
        editBundle(c.sig, (doc) => {
          const certs = doc.verificationMaterial.x509CertificateChain.certificates as { rawBytes: string }[];
          assert.equal(certs.length, 2);
          const der = Buffer.from(certs[which]!.rawBytes, 'base64');
          certs[which]!.rawBytes = der.subarray(0, Math.floor(der.length / 2)).toString('base64');
        });
        await rejects(verify, { code: 'CERT_MALFORMED', file: c.sig, problem: /certificate/i }, c.dir);
      });
    }
  });

  describe('6. unsafe resource names in a properly signed payload -> PATH_UNSAFE', () => {
    const res = resourcesFor(FILES);

    test('control: the same statement with only safe names verifies', CASE, async () => {
      const c = setup('path-control');
      writeFileSync(c.sig, signStatement(buildStatement('model', res, SERIALIZATION), { kind: 'key', privateKey: c.key.privateKey }));
      await ok(verifyArgs(c));
    });

    for (const name of ['../x', '/etc/passwd']) {
      test(`a resource named ${name}`, CASE, async () => {
        const c = setup('path');
        const hostile = [{ name, algorithm: 'sha256', digest: sha256Hex('x') }, ...res];
        writeFileSync(c.sig, signStatement(buildStatement('model', hostile, SERIALIZATION), { kind: 'key', privateKey: c.key.privateKey }));
        const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        await rejects(verifyArgs(c), { code: 'PATH_UNSAFE', file: c.sig, problem: new RegExp(escaped) }, c.dir);
      });
    }
  });

  describe('7. a symlink out of the model root', () => {
    test('sign: evil -> /etc/passwd -> SYMLINK_NOT_ALLOWED', CASE, async () => {
      const c = setup('link-sign');
      symlinkSync('/etc/passwd', join(c.model, 'evil'));
      await rejects(signArgs(c), { code: 'SYMLINK_NOT_ALLOWED', file: join(c.model, 'evil'), problem: /symbolic link|symlink/i }, c.dir);
      assert.equal(existsSync(c.sig), false);
    });

    test('sign --allow-symlinks: evil -> /etc/passwd -> SYMLINK_ESCAPES_ROOT', CASE, async () => {
      const c = setup('link-sign-allow');
      symlinkSync('/etc/passwd', join(c.model, 'evil'));
      await rejects(signArgs(c, '--allow-symlinks'), { code: 'SYMLINK_ESCAPES_ROOT', file: join(c.model, 'evil'), problem: /outside/i }, c.dir);
      assert.equal(existsSync(c.sig), false);
    });

    test('sign --allow-symlinks: a link to a file in another temp dir -> SYMLINK_ESCAPES_ROOT', CASE, async () => {
      const c = setup('link-sign-other');
      const elsewhere = makeModel(tempDir('mp-hostile-elsewhere-'), { 'secret.txt': 'not part of the model\n' });
      symlinkSync(join(elsewhere, 'secret.txt'), join(c.model, 'tokenizer', 'evil'));
      await rejects(signArgs(c, '--allow-symlinks'), { code: 'SYMLINK_ESCAPES_ROOT', file: join(c.model, 'tokenizer', 'evil'), problem: /outside/i }, c.dir);
    });

    test('sign --allow-symlinks: a link to a folder outside (/etc) -> SYMLINK_ESCAPES_ROOT', CASE, async () => {
      const c = setup('link-sign-dir');
      symlinkSync('/etc', join(c.model, 'evil'));
      await rejects(signArgs(c, '--allow-symlinks'), { code: 'SYMLINK_ESCAPES_ROOT', file: join(c.model, 'evil'), problem: /outside/i }, c.dir);
    });

    test('hash: evil -> /etc/passwd -> SYMLINK_NOT_ALLOWED', CASE, async () => {
      const c = setup('link-hash');
      symlinkSync('/etc/passwd', join(c.model, 'evil'));
      await rejects(['hash', c.model], { code: 'SYMLINK_NOT_ALLOWED', file: join(c.model, 'evil'), problem: /symbolic link|symlink/i }, c.dir);
    });

    test('verify: a link added after signing -> SYMLINK_NOT_ALLOWED', CASE, async () => {
      const c = await signedCase('link-verify');
      symlinkSync('/etc/passwd', join(c.model, 'evil'));
      await rejects(verifyArgs(c), { code: 'SYMLINK_NOT_ALLOWED', file: join(c.model, 'evil'), problem: /symbolic link|symlink/i }, c.dir);
    });

    test('verify a signature made with --allow-symlinks: a link out -> SYMLINK_ESCAPES_ROOT', CASE, async () => {
      const c = setup('link-verify-allow');
      await ok(signArgs(c, '--allow-symlinks'));
      await ok(verifyArgs(c));
      symlinkSync('/etc/passwd', join(c.model, 'evil'));
      await rejects(verifyArgs(c), { code: 'SYMLINK_ESCAPES_ROOT', file: join(c.model, 'evil'), problem: /outside/i }, c.dir);
    });
  });

  describe('8. an unreadable file -> FILE_UNREADABLE', () => {
    const NOBODY = 65534;
    const asRoot = process.getuid?.() === 0;

    /**
     * Root reads a mode-000 file, so as root the CLI runs as nobody: the case folder is
     * handed to nobody (all of it readable and writable by the CLI), then one path is
     * locked. Returns the spawn options for the unprivileged run.
     */
    function lockOut(c: Case, locked: string): RunOptions {
      if (!asRoot) {
        chmodSync(locked, 0o000);
        return {};
      }
      const chownAll = (p: string): void => {
        lchownSync(p, NOBODY, NOBODY);
        if (lstatSync(p).isDirectory()) for (const n of readdirSync(p)) chownAll(join(p, n));
      };
      chownAll(c.dir);
      chmodSync(locked, 0o000);
      const options: RunOptions = { uid: NOBODY, gid: NOBODY };
      // The unprivileged user must be able to read the bundle; if the checkout is closed to it, run a copy.
      const probe = spawnSync(process.execPath, [CLI, '--version'], { uid: NOBODY, gid: NOBODY, cwd: c.dir, stdio: 'ignore' });
      if (probe.status !== 0) {
        const copy = join(c.dir, 'cli.js');
        copyFileSync(CLI, copy);
        lchownSync(copy, NOBODY, NOBODY);
        options.cli = copy;
      }
      return options;
    }

    test('sign: one weight file is mode 000', CASE, async () => {
      const c = setup('unreadable-sign');
      const locked = join(c.model, 'weights.bin');
      const options = lockOut(c, locked);
      await rejects(signArgs(c), { code: 'FILE_UNREADABLE', file: locked, problem: /permission denied|unreadable|cannot read/i }, c.dir, options);
      assert.equal(existsSync(c.sig), false);
    });

    test('hash: one weight file is mode 000', CASE, async () => {
      const c = setup('unreadable-hash');
      const locked = join(c.model, 'weights.bin');
      const options = lockOut(c, locked);
      await rejects(['hash', c.model], { code: 'FILE_UNREADABLE', file: locked, problem: /permission denied|unreadable|cannot read/i }, c.dir, options);
    });

    test('verify: a signed weight file made mode 000', CASE, async () => {
      const c = await signedCase('unreadable-verify');
      const locked = join(c.model, 'weights.bin');
      const options = lockOut(c, locked);
      await rejects(verifyArgs(c), { code: 'FILE_UNREADABLE', file: locked, problem: /permission denied|unreadable|cannot read/i }, c.dir, options);
    });

    test('sign: a sub-folder is mode 000', CASE, async () => {
      const c = setup('unreadable-dir');
      const locked = join(c.model, 'tokenizer');
      const options = lockOut(c, locked);
      await rejects(signArgs(c), { code: 'FILE_UNREADABLE', file: locked, problem: /permission denied|unreadable|cannot (read|list)/i }, c.dir, options);
      assert.equal(existsSync(c.sig), false);
    });
  });

  describe('9. an empty model -> MODEL_EMPTY', () => {
    test('sign key on an empty folder', CASE, async () => {
      const c = setup('empty-sign', {});
      mkdirSync(c.model, { recursive: true });
      await rejects(signArgs(c), { code: 'MODEL_EMPTY', file: c.model, problem: /no files|empty/i }, c.dir);
      assert.deepEqual(readdirSync(c.model), []);
    });

    test('hash on an empty folder', CASE, async () => {
      const c = setup('empty-hash', {});
      mkdirSync(c.model, { recursive: true });
      await rejects(['hash', c.model], { code: 'MODEL_EMPTY', file: c.model, problem: /no files|empty/i }, c.dir);
    });

    test('sign key on a folder holding only git files (all excluded by default)', CASE, async () => {
      const c = setup('empty-git', { '.gitattributes': '*.bin filter=lfs\n', '.git/HEAD': 'ref: refs/heads/main\n' });
      await rejects(signArgs(c), { code: 'MODEL_EMPTY', file: c.model, problem: /no files|empty/i }, c.dir);
      assert.equal(existsSync(c.sig), false);
    });
  });

  describe('10. a missing key file -> KEY_NOT_FOUND', () => {
    test('sign key --private-key <missing>', CASE, async () => {
      const c = setup('nokey-sign');
      const missing = join(c.dir, 'nonexistent.pem');
      await rejects(['sign', 'key', c.model, '--private-key', missing], { code: 'KEY_NOT_FOUND', file: missing, problem: /not found/i }, c.dir);
      assert.equal(existsSync(c.sig), false);
    });

    test('sign key --private-key /nonexistent.pem', CASE, async () => {
      const c = setup('nokey-sign-abs');
      assert.equal(existsSync('/nonexistent.pem'), false);
      await rejects(['sign', 'key', c.model, '--private-key', '/nonexistent.pem'], { code: 'KEY_NOT_FOUND', file: '/nonexistent.pem', problem: /not found/i }, c.dir);
    });

    test('verify key --public-key <missing>', CASE, async () => {
      const c = await signedCase('nokey-verify');
      const missing = join(c.dir, 'nonexistent.pem');
      await rejects(['verify', 'key', c.model, '--public-key', missing], { code: 'KEY_NOT_FOUND', file: missing, problem: /not found/i }, c.dir);
    });
  });

  describe('11. a wrong or missing passphrase -> KEY_PASSPHRASE, never echoed', () => {
    const RIGHT = 'right-Horse-battery-staple-7f3a';
    const WRONG = 'wrong-Horse-battery-staple-9c1b';
    const secrets = [RIGHT, WRONG];

    async function encryptedCase(name: string): Promise<{ c: Case; priv: string }> {
      const c = setup(name);
      const prefix = join(c.dir, 'enc', 'k');
      const r = await ok(['keygen', '--out', prefix, '--password', RIGHT]);
      assert.ok(!r.stdout.includes(RIGHT) && !r.stderr.includes(RIGHT), 'keygen echoed the passphrase');
      const priv = `${prefix}.pem`;
      assert.match(readFileSync(priv, 'utf8'), /ENCRYPTED PRIVATE KEY/);
      return { c, priv };
    }

    test('control: the right passphrase signs, without echoing it', CASE, async () => {
      const { c, priv } = await encryptedCase('pass-control');
      const r = await ok(['sign', 'key', c.model, '--private-key', priv, '--password', RIGHT]);
      assert.ok(!r.stdout.includes(RIGHT) && !r.stderr.includes(RIGHT), 'sign echoed the passphrase');
    });

    test('--password <wrong>', CASE, async () => {
      const { c, priv } = await encryptedCase('pass-wrong');
      await rejects(['sign', 'key', c.model, '--private-key', priv, '--password', WRONG], { code: 'KEY_PASSPHRASE', file: priv, problem: /passphrase/i, secrets }, c.dir);
      assert.equal(existsSync(c.sig), false);
    });

    test('no passphrase for an encrypted key', CASE, async () => {
      const { c, priv } = await encryptedCase('pass-none');
      await rejects(['sign', 'key', c.model, '--private-key', priv], { code: 'KEY_PASSPHRASE', file: priv, problem: /passphrase/i, secrets }, c.dir);
      assert.equal(existsSync(c.sig), false);
    });

    test('--password-file holding the wrong passphrase', CASE, async () => {
      const { c, priv } = await encryptedCase('pass-file');
      const file = join(c.dir, 'pass.txt');
      writeFileSync(file, `${WRONG}\n`);
      await rejects(['sign', 'key', c.model, '--private-key', priv, '--password-file', file], { code: 'KEY_PASSPHRASE', file: priv, problem: /passphrase/i, secrets }, c.dir);
    });

    test('MODEL_PROVENANCE_PASSPHRASE holding the wrong passphrase', CASE, async () => {
      const { c, priv } = await encryptedCase('pass-env');
      await rejects(['sign', 'key', c.model, '--private-key', priv], { code: 'KEY_PASSPHRASE', file: priv, problem: /passphrase/i, secrets }, c.dir, {
        env: { MODEL_PROVENANCE_PASSPHRASE: WRONG },
      });
    });
  });

  describe('12. empty and oversized signature files', () => {
    test('an empty signature file -> BUNDLE_EMPTY', CASE, async () => {
      const c = setup('sig-empty');
      writeFileSync(c.sig, '');
      await rejects(verifyArgs(c), { code: 'BUNDLE_EMPTY', file: c.sig, problem: /empty/i }, c.dir);
    });

    test('a whitespace-only signature file -> BUNDLE_EMPTY', CASE, async () => {
      const c = setup('sig-blank');
      writeFileSync(c.sig, ' \n\t\n');
      await rejects(verifyArgs(c), { code: 'BUNDLE_EMPTY', file: c.sig, problem: /empty/i }, c.dir);
    });

    test('50 MB of spaces then garbage -> JSON_MALFORMED, quickly, without echoing the file', CASE, async () => {
      const c = setup('sig-huge');
      writeFileSync(c.sig, Buffer.concat([Buffer.alloc(50 * 1024 * 1024, 0x20), Buffer.from('garbage{"\n')]));
      const r = await rejects(verifyArgs(c), { code: 'JSON_MALFORMED', file: c.sig, problem: /malformed|JSON/i }, c.dir);
      assert.ok(r.stderr.length < 1000, `the error line is ${r.stderr.length} characters long`);
    });

    test('deeply nested JSON (a million "[") -> a JSON/bundle code naming the file, not an internal error', CASE, async () => {
      const c = setup('sig-deep');
      const n = 1_000_000;
      writeFileSync(c.sig, `${'['.repeat(n)}${']'.repeat(n)}`);
      const r = await cli(verifyArgs(c), { cwd: c.dir });
      const code = /\[([A-Z][A-Z0-9_]*)\]\n?$/.exec(r.stderr)?.[1] ?? '(none)';
      // No specific code exists for this yet; any JSON_* or BUNDLE_* refusal is right, INTERNAL is not.
      expectRejected(r, { code: /^(JSON|BUNDLE)_/.test(code) ? code : 'JSON_MALFORMED', file: c.sig, problem: /JSON|nest|deep|signature|bundle/i });
    });
  });
});
