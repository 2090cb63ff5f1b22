import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after } from 'node:test';

export const REPO = resolve(__dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'cli.js');

/**
 * A temporary folder, world-readable so a dropped-privilege child can use it. Removed
 * after the current test or suite; with `untilExit`, when the process ends (for folders
 * made in before() hooks, whose after() would run at once).
 */
export function tempDir(prefix = 'mp-test-', options: { untilExit?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  if (options.untilExit) process.once('exit', remove);
  else after(remove);
  return dir;
}

/** Writes a model folder from a map of relative path to content. */
export function makeModel(root: string, files: Record<string, string | Buffer>): string {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return root;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bundled CLI as a child process, the way CI and users run it. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      uid: options.uid,
      gid: options.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out: ${args.join(' ')}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export interface TestPki {
  dir: string;
  rootCert: string;
  intermediateCert: string;
  leafCert: string;
  leafKey: string;
}

/**
 * A root CA, an intermediate CA and a code-signing leaf made with the openssl CLI,
 * so certificate tests run on real X.509 without shipping any key material.
 */
export function makePki(
  dir: string,
  curve: 'prime256v1' | 'secp384r1' | 'secp521r1' = 'prime256v1',
  /** keyUsage / extendedKeyUsage: openssl values, or null to leave the extension out. */
  leafOptions: { days?: number; keyUsage?: string | null; extendedKeyUsage?: string | null; startDate?: string } = {},
): TestPki {
  mkdirSync(dir, { recursive: true });
  const o = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const ext = (name: string, body: string): string => {
    const p = join(dir, `${name}.ext`);
    writeFileSync(p, body);
    return p;
  };
  o('ecparam', '-name', curve, '-genkey', '-noout', '-out', 'root.key');
  o('req', '-new', '-x509', '-key', 'root.key', '-subj', '/CN=Test Root CA', '-days', '3650', '-out', 'root.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  o('ecparam', '-name', curve, '-genkey', '-noout', '-out', 'int.key');
  o('req', '-new', '-key', 'int.key', '-subj', '/CN=Test Intermediate CA', '-out', 'int.csr');
  o('x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '3650', '-out', 'int.pem',
    '-extfile', ext('int', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n'));
  o('ecparam', '-name', curve, '-genkey', '-noout', '-out', 'leaf.ec.key');
  o('pkcs8', '-topk8', '-nocrypt', '-in', 'leaf.ec.key', '-out', 'leaf.key');
  o('req', '-new', '-key', 'leaf.key', '-subj', '/CN=ml-pipeline@example.com', '-out', 'leaf.csr');
  o('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-days', String(leafOptions.days ?? 365), '-out', 'leaf.pem',
    '-extfile', ext('leaf', [
      'basicConstraints=critical,CA:FALSE',
      ...(leafOptions.keyUsage === null ? [] : [`keyUsage=critical,${leafOptions.keyUsage ?? 'digitalSignature'}`]),
      ...(leafOptions.extendedKeyUsage === null ? [] : [`extendedKeyUsage=${leafOptions.extendedKeyUsage ?? 'codeSigning'}`]),
      '',
    ].join('\n')));
  return { dir, rootCert: join(dir, 'root.pem'), intermediateCert: join(dir, 'int.pem'), leafCert: join(dir, 'leaf.pem'), leafKey: join(dir, 'leaf.key') };
}

export { join };
