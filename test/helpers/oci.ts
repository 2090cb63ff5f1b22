/**
 * A real OCI registry for tests: Debian's `docker-registry` (CNCF Distribution 2.8), started
 * by the test on 127.0.0.1 with a free port and its own storage folder, with or without
 * htpasswd basic auth (bcrypt from bcryptjs), optionally TLS or token auth. Never a service
 * started elsewhere. `.ci/run` installs the package; without it the tier fails, never skips.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';

export const REGISTRY_BIN = process.env.MP_DOCKER_REGISTRY ?? '/usr/bin/docker-registry';

export function requireRegistryBinary(): void {
  if (!existsSync(REGISTRY_BIN)) {
    throw new Error(`${REGISTRY_BIN} is missing: the OCI tier needs Debian's docker-registry (apt-get install -y docker-registry; .ci/run installs it)`);
  }
}

/** A port nobody listens on right now (bound to 0 and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RegistryOptions {
  /** htpasswd basic auth with this user. */
  basicAuth?: { user: string; password: string };
  /** TLS with this certificate and key (PEM files). */
  tls?: { cert: string; key: string };
  /** false: deletes refused with 405, as Distribution does by default. Default true. */
  deleteEnabled?: boolean;
  /** Distribution token auth: realm, service, issuer and the root bundle that signs tokens. */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

export interface RunningRegistry {
  port: number;
  host: string;
  /** `oci://127.0.0.1:PORT/team/provenance` */
  spec: string;
  storage: string;
  dir: string;
  process: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and storage. */
  restart(): Promise<void>;
}

export const REPOSITORY = 'team/provenance';

/** Starts a registry in `dir` (storage under it) and waits until `GET /v2/` answers. */
export async function startRegistry(dir: string, options: RegistryOptions = {}): Promise<RunningRegistry> {
  requireRegistryBinary();
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const storage = join(dir, 'storage');
  const lines = ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`, '  delete:', `    enabled: ${options.deleteEnabled === false ? 'false' : 'true'}`, 'http:', `  addr: 127.0.0.1:${port}`, '  secret: model-provenance-test'];
  if (options.tls) lines.push('  tls:', `    certificate: ${options.tls.cert}`, `    key: ${options.tls.key}`);
  if (options.basicAuth) {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, `${options.basicAuth.user}:${bcrypt.hashSync(options.basicAuth.password, 5)}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: model-provenance-test', `    path: ${htpasswd}`);
  }
  if (options.token) {
    lines.push('auth:', '  token:', `    realm: ${options.token.realm}`, `    service: ${options.token.service}`, `    issuer: ${options.token.issuer}`, `    rootcertbundle: ${options.token.rootCertBundle}`);
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, `${lines.join('\n')}\n`);
  let child = await launch(config, port, options.tls !== undefined);
  const reg: RunningRegistry = {
    port,
    host: `127.0.0.1:${port}`,
    spec: `oci://127.0.0.1:${port}/${REPOSITORY}`,
    storage,
    dir,
    get process() {
      return child;
    },
    stop: async () => {
      await terminate(child, 'SIGTERM');
    },
    kill: async () => {
      await terminate(child, 'SIGKILL');
    },
    restart: async () => {
      child = await launch(config, port, options.tls !== undefined);
    },
  };
  process.once('exit', () => child.kill('SIGKILL'));
  return reg;
}

async function launch(config: string, port: number, tls: boolean): Promise<ChildProcess> {
  const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
    if (await answers(port, tls)) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not answer on 127.0.0.1:${port} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function answers(port: number, tls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const req = (tls ? https : http).get({ host: '127.0.0.1', port, path: '/v2/', rejectUnauthorized: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 || res.statusCode === 401);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** A DOCKER_CONFIG folder whose config.json holds `auths[host]` (base64 `auth`, as `docker login` writes it). */
export function dockerConfig(dir: string, host: string, user: string, password: string, extra: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } }, ...extra }, null, 2), { mode: 0o600 });
  return dir;
}

/** A self-signed CA and a server certificate for 127.0.0.1 (openssl CLI). */
export function makeTlsPki(dir: string): { ca: string; cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const run = (args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=model-provenance test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

export interface ProxyOptions {
  /** Rewrites a response body before it is sent on (e.g. flips a byte of a blob). */
  corrupt?: (method: string, path: string, body: Buffer) => Buffer | undefined;
  /** Forwards request bodies at most this many bytes per 10 ms (to open a window mid-upload). */
  throttleBytesPer10ms?: number;
  /**
   * Called as request-body bytes are forwarded: (path, bytes so far in this request).
   * Returning 'stop' forwards nothing more of this body, so a registry about to be killed
   * cannot receive the rest and answer before the kill lands (a slow SIGKILL on a loaded
   * machine let a whole upload through).
   */
  onUploadProgress?: (method: string, path: string, bytes: number) => void | 'stop';
}

export interface RunningProxy {
  port: number;
  host: string;
  /** Every connection accepted so far: when it opened and, once the client let go, how long it was held (ms). */
  connections: { openedAt: number; heldMs?: number }[];
  /** Stops listening and drops every open connection: later connections are refused. */
  close(): Promise<void>;
}

/**
 * A small HTTP proxy in front of a registry, for faults the registry itself will not make:
 * content corrupted in transit, or an upload slowed so the registry can be killed mid-way.
 * Headers (Docker-Content-Digest included) pass unchanged.
 */
export async function startProxy(targetPort: number, options: ProxyOptions = {}): Promise<RunningProxy> {
  const server = http.createServer((req, res) => {
    const up = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        let body: Buffer = Buffer.concat(chunks);
        const changed = options.corrupt?.(req.method ?? '', req.url ?? '', body);
        if (changed) body = changed;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.end(body);
      });
      upRes.on('error', () => res.socket?.destroy());
    });
    up.on('error', () => res.socket?.destroy());
    let sent = 0;
    let stopped = false;
    const chunkSize = options.throttleBytesPer10ms;
    req.on('data', (c: Buffer) => {
      if (stopped) return;
      if (!chunkSize) {
        up.write(c);
        sent += c.length;
        if (options.onUploadProgress?.(req.method ?? '', req.url ?? '', sent) === 'stop') {
          stopped = true;
          req.pause();
        }
        return;
      }
      req.pause();
      let off = 0;
      const step = (): void => {
        if (up.destroyed) return;
        const part = c.subarray(off, off + chunkSize);
        off += part.length;
        sent += part.length;
        up.write(part);
        if (options.onUploadProgress?.(req.method ?? '', req.url ?? '', sent) === 'stop') {
          stopped = true;
          return;
        }
        if (off < c.length) setTimeout(step, 10);
        else req.resume();
      };
      step();
    });
    req.on('end', () => {
      if (!stopped) up.end();
    });
  });
  return listenTracked(server);
}

/** A server that accepts connections and never answers: a hung registry. */
export async function startSilentServer(): Promise<RunningProxy> {
  // It reads (and drops) what it is sent, so it hears the client let go; it never answers.
  return listenTracked(net.createServer((s) => s.on('error', () => undefined).resume()));
}

/** Listens on a free loopback port, keeping every connection so close() can drop them (a closed server refuses new ones). */
async function listenTracked(server: net.Server): Promise<RunningProxy> {
  const sockets = new Set<net.Socket>();
  const connections: RunningProxy['connections'] = [];
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    const c: RunningProxy['connections'][number] = { openedAt: Date.now() };
    connections.push(c);
    s.on('close', () => {
      sockets.delete(s);
      c.heldMs ??= Date.now() - c.openedAt;
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    host: `127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

export interface TokenServer {
  port: number;
  realm: string;
  service: string;
  issuer: string;
  /** The certificate bundle the registry trusts for tokens (`auth.token.rootcertbundle`). */
  rootCertBundle: string;
  /** What was asked: grant type and scopes, never a secret. */
  requests: { grant: 'basic' | 'refresh_token' | 'anonymous'; scopes: string[]; granted: boolean }[];
  close(): Promise<void>;
}

/**
 * A Distribution token server (the `auth.token` flow docker, oras and crane use): GET with
 * basic credentials or POST with an OAuth2 refresh token (an identity token), answering with
 * an ES256 JWT whose `x5c` header carries the signing certificate the registry trusts. Users
 * map to the actions they may have; anything else is refused with 401.
 */
export async function startTokenServer(dir: string, users: Record<string, { password: string; actions: string[] }>, identityTokens: Record<string, string> = {}): Promise<TokenServer> {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'token.key', '-out', 'token.pem', '-days', '2', '-subj', '/CN=model-provenance test token issuer'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  const { createPrivateKey, createSign, randomBytes, X509Certificate } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const key = createPrivateKey(readFileSync(join(dir, 'token.key')));
  const certDer = new X509Certificate(readFileSync(join(dir, 'token.pem'))).raw;
  const service = 'model-provenance-test-registry';
  const issuer = 'model-provenance-test-issuer';
  const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
  const requests: TokenServer['requests'] = [];
  const issue = (user: string, scopes: string[], allowed: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((sc) => {
      const m = /^repository:([^:]+):(.+)$/.exec(sc);
      if (!m) return [];
      return [{ type: 'repository', name: m[1], actions: m[2]!.split(',').filter((a) => allowed.includes(a)) }];
    });
    const head = b64u(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] }));
    const body = b64u(JSON.stringify({ iss: issuer, sub: user, aud: service, exp: now + 300, nbf: now - 30, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const sig = createSign('SHA256').update(`${head}.${body}`).sign({ key, dsaEncoding: 'ieee-p1363' });
    return `${head}.${body}.${b64u(sig)}`;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const refuse = (): void => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"details":"invalid credentials"}');
      };
      if (req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        const user = form.get('grant_type') === 'refresh_token' ? identityTokens[form.get('refresh_token') ?? ''] : undefined;
        requests.push({ grant: 'refresh_token', scopes, granted: user !== undefined });
        if (!user) return refuse();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: issue(user, scopes, users[user]!.actions), expires_in: 300 }));
        return;
      }
      const scopes = url.searchParams.getAll('scope');
      const auth = req.headers.authorization;
      if (!auth) {
        requests.push({ grant: 'anonymous', scopes, granted: false });
        return refuse();
      }
      const [user, ...rest] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString().split(':');
      const ok = user !== undefined && users[user]?.password === rest.join(':');
      requests.push({ grant: 'basic', scopes, granted: ok });
      if (!ok) return refuse();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: issue(user!, scopes, users[user!]!.actions), expires_in: 300 }));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, realm: `http://127.0.0.1:${port}/token`, service, issuer, rootCertBundle: join(dir, 'token.pem'), requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
