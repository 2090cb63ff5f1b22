import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isObject } from '../../io/json';
import { RegistryError } from './errors';
import { isLoopback, type OciReference } from './reference';
import { canonicalScope, scopeCovers } from './scope';
import type { HttpTransport } from './transport';

/** Credentials for one registry host, as docker, oras and crane keep them. Never logged. */
export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken`), exchanged at the token realm. */
  identityToken?: string;
  /** A bearer token to send as it is (`registrytoken`). */
  registryToken?: string;
  /** Where it came from, for messages: a file path or `credential helper NAME`. Never the secret. */
  source: string;
}

/** The docker client configuration file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/** `https://host:5000/v1/` → `host:5000`; Docker Hub's historic key maps to docker.io's hosts. */
function normaliseKey(key: string): string {
  const k = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return k === 'index.docker.io' || k === 'registry-1.docker.io' ? 'docker.io' : k;
}

/**
 * The credential for `host` from the docker config (`auths`: base64 `auth`, `username` and
 * `password`, `identitytoken`, `registrytoken`; `credHelpers` and `credsStore` run
 * `docker-credential-NAME get`). Undefined when there is none: the registry is tried
 * anonymously.
 *
 * @throws RegistryError REGISTRY_CREDENTIALS when config.json exists but is not valid JSON or an
 *   `auth` value is not base64 `user:password` (the secret is never echoed)
 */
export function lookupCredential(ref: OciReference, env: NodeJS.ProcessEnv = process.env): Credential | undefined {
  return findCredential(ref, env).credential;
}

/** A credential, or why there is none, in words for the one-line refusal (never a secret). */
export interface CredentialLookup {
  credential?: Credential;
  /**
   * Why none was found: `none for HOST in CONFIG`, `CONFIG does not exist`, or
   * `docker-credential-NAME (the credsStore of CONFIG) failed with exit code 3`.
   */
  none?: string;
}

/**
 * lookupCredential, saying why there is no credential when there is none. A credential helper
 * that fails (exit code other than its "not found" answer, a signal, a timeout, not installed)
 * is named with what happened; its output is never repeated (it may hold secrets), and the
 * registry is then tried anonymously, as docker does for a registry that needs no login.
 */
export function findCredential(ref: OciReference, env: NodeJS.ProcessEnv = process.env): CredentialLookup {
  const path = dockerConfigPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { none: code === 'ENOENT' ? `${path} does not exist` : `${path} could not be read (${code ?? 'error'})` };
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new RegistryError(ref.display, 'REGISTRY_CREDENTIALS', `${path} is not valid JSON; fix or remove it`);
  }
  const none = `none for ${ref.host} in ${path}`;
  if (!isObject(config)) return { none };
  const want = normaliseKey(ref.host);
  const helpers = isObject(config.credHelpers) ? config.credHelpers : {};
  const helperName = Object.entries(helpers).find(([k]) => normaliseKey(k) === want)?.[1];
  const auths = isObject(config.auths) ? config.auths : {};
  const entry = Object.entries(auths).find(([k]) => normaliseKey(k) === want)?.[1];
  let helperFailed: string | undefined;
  if (typeof helperName === 'string' && helperName) {
    const h = runHelper(ref, helperName, env, `the credHelpers entry for ${ref.host} in ${path}`);
    if (h.credential) return { credential: h.credential };
    helperFailed = h.failed;
  }
  if (isObject(entry)) {
    const c: Credential = { source: path };
    if (typeof entry.auth === 'string' && entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new RegistryError(ref.display, 'REGISTRY_CREDENTIALS', `${path}: the "auth" value for ${ref.host} is not base64 of user:password`);
      c.username = decoded.slice(0, colon);
      c.password = decoded.slice(colon + 1);
    }
    if (typeof entry.username === 'string' && entry.username) c.username = entry.username;
    if (typeof entry.password === 'string' && entry.password) c.password = entry.password;
    if (typeof entry.identitytoken === 'string' && entry.identitytoken) c.identityToken = entry.identitytoken;
    if (typeof entry.registrytoken === 'string' && entry.registrytoken) c.registryToken = entry.registrytoken;
    if (c.username || c.identityToken || c.registryToken) return { credential: c };
  }
  if (typeof config.credsStore === 'string' && config.credsStore && !helperFailed) {
    const h = runHelper(ref, config.credsStore, env, `the credsStore of ${path}`);
    if (h.credential) return { credential: h.credential };
    helperFailed = h.failed;
  }
  return { none: helperFailed ?? none };
}

/**
 * The docker credential-helper protocol: the server URL on stdin, `{Username, Secret}` on
 * stdout; "credentials not found" (docker-credential-helpers' ErrCredentialsNotFound, exit 1)
 * when it holds none. Anything else is a failure, described without the helper's output.
 */
function runHelper(ref: OciReference, name: string, env: NodeJS.ProcessEnv, whose: string): { credential?: Credential; failed?: string } {
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new RegistryError(ref.display, 'REGISTRY_CREDENTIALS', `credential helper name ${JSON.stringify(name)} is not a plain name`);
  const helper = `docker-credential-${name}`;
  const r = spawnSync(helper, ['get'], { input: ref.host, encoding: 'utf8', timeout: 10_000, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const failed = (what: string): { failed: string } => ({ failed: `${helper} (${whose}) ${what}` });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  // EPIPE: the helper ran and exited before it read the host we wrote (a broken helper, or one
  // that ignores stdin). It did run: what it answered and how it exited are the facts.
  const ran = code === 'EPIPE' && (r.status !== null || r.signal !== null);
  if (r.error && !ran) {
    return failed(code === 'ENOENT' ? 'is not installed (not on PATH)' : code === 'ETIMEDOUT' ? 'did not answer within 10 s' : `could not be run (${code ?? 'error'})`);
  }
  if (r.signal) return failed(`was killed by ${r.signal}`);
  if (r.status !== 0) {
    // The helpers' own answer for "nothing stored for this server": not a failure.
    if (/credentials not found/i.test(r.stdout)) return { failed: `${helper} (${whose}) holds none for ${ref.host}` };
    return failed(`failed with exit code ${r.status}`);
  }
  try {
    const out: unknown = JSON.parse(r.stdout);
    if (!isObject(out) || typeof out.Secret !== 'string') return failed('answered without a Secret');
    const source = `credential helper ${helper}`;
    if (out.Username === '<token>') return { credential: { identityToken: out.Secret, source } };
    return { credential: { username: typeof out.Username === 'string' ? out.Username : '', password: out.Secret, source } };
  } catch {
    return failed('answered with something that is not JSON');
  }
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` (RFC 7235 auth-params). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!))) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

/**
 * Authorization for one registry: basic auth, or the Distribution token flow (a bearer
 * token per scope from the realm the registry names, fetched with the basic credential or
 * exchanged for an identity token). Tokens live in memory for the process only.
 */
export class Authenticator {
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private readonly tokens = new Map<string, string>();
  private credential: Credential | undefined | null = null;
  private none = '';

  constructor(
    private readonly ref: OciReference,
    private readonly transport: HttpTransport,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private cred(): Credential | undefined {
    if (this.credential === null) {
      const found = findCredential(this.ref, this.env);
      this.credential = found.credential;
      this.none = found.none ?? '';
    }
    return this.credential;
  }

  /** The Authorization header to send for a request needing `scope`, if one is known. */
  header(scope: string): string | undefined {
    if (this.scheme === 'basic') return basicHeader(this.cred());
    if (this.scheme === 'bearer') {
      const wanted = canonicalScope(scope);
      let t = this.tokens.get(wanted);
      // A token for more (push and pull) serves a request that needs less (pull).
      if (t === undefined) for (const [held, token] of this.tokens) if (scopeCovers(held, wanted)) t = token;
      return t ? `Bearer ${t}` : undefined;
    }
    return undefined;
  }

  /**
   * Answers a 401: learns the scheme and fetches a token for the scope the registry asked
   * for (or `scope`). Returns false when there is nothing new to try.
   */
  async challenge(header: string | undefined, needed: string): Promise<boolean> {
    const scope = canonicalScope(needed);
    const ch = parseChallenge(header);
    const cred = this.cred();
    if (!ch || ch.scheme === 'basic') {
      if (this.scheme === 'basic' || !cred || !(cred.username !== undefined && cred.password !== undefined)) return false;
      this.refuseCleartext('basic credentials');
      this.scheme = 'basic';
      return true;
    }
    if (ch.scheme !== 'bearer') return false;
    const realm = ch.params.realm;
    if (!realm) throw new RegistryError(this.ref.display, 'REGISTRY_PROTOCOL', `${this.ref.host} asked for a bearer token without a realm`);
    const asked = canonicalScope(ch.params.scope ?? scope);
    if (cred?.registryToken) {
      if (this.tokens.get(scope) === cred.registryToken) return false;
      this.scheme = 'bearer';
      this.tokens.set(scope, cred.registryToken);
      return true;
    }
    const token = await this.fetchToken(realm, ch.params.service, asked, cred);
    const had = this.tokens.get(scope);
    this.scheme = 'bearer';
    this.tokens.set(scope, token);
    this.tokens.set(asked, token);
    return had !== token;
  }

  private refuseCleartext(what: string, url?: URL): void {
    const u = url ?? new URL(this.transport.baseUrl);
    if (u.protocol === 'http:' && !isLoopback(u.hostname) && !this.transport.plainHttp) {
      throw new RegistryError(this.ref.display, 'REGISTRY_INSECURE_REFUSED', `refusing to send ${what} over plain HTTP to ${u.host}`);
    }
  }

  private async fetchToken(realm: string, service: string | undefined, scope: string, cred: Credential | undefined): Promise<string> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError(this.ref.display, 'REGISTRY_PROTOCOL', `${this.ref.host} named a token realm that is not a URL`);
    }
    if (url.protocol === 'http:' && !isLoopback(url.hostname) && !this.transport.plainHttp) {
      throw new RegistryError(this.ref.display, 'REGISTRY_INSECURE_REFUSED', `the token realm ${url.host} is plain HTTP; refused (${this.transport.optionName('insecure')} allows it; only on a trusted network)`, { option: 'insecure' });
    }
    const what = `token request to ${url.host} for scope ${scope}`;
    let res;
    if (cred?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: 'model-provenance', ...(service ? { service } : {}), scope });
      res = await this.transport.request({ method: 'POST', url: url.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()), what, maxBytes: 1 << 20 }, true);
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scope.split(' ')) if (s) url.searchParams.append('scope', s);
      const basic = basicHeader(cred);
      res = await this.transport.request({ method: 'GET', url: url.toString(), headers: basic ? { authorization: basic } : {}, what, maxBytes: 1 << 20 }, true);
    }
    if (res.status === 401 || res.status === 403) {
      throw new RegistryError(this.ref.display, res.status === 401 ? 'REGISTRY_UNAUTHORIZED' : 'REGISTRY_DENIED', `the token service ${url.host} refused ${cred ? `the credentials from ${cred.source}` : this.describe()} (${res.status}) for scope ${scope}`);
    }
    if (res.status !== 200) throw new RegistryError(this.ref.display, 'REGISTRY_PROTOCOL', `the token service ${url.host} answered ${res.status} for scope ${scope}`);
    let body: unknown;
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    const token = isObject(body) ? (typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined) : undefined;
    if (!token) throw new RegistryError(this.ref.display, 'REGISTRY_PROTOCOL', `the token service ${url.host} returned no token for scope ${scope}`);
    return token;
  }

  /**
   * What was sent, for messages: `the credentials for HOST from SOURCE`, or `an anonymous
   * request (WHY THERE WAS NO CREDENTIAL)`. Never the secret.
   */
  describe(): string {
    const c = this.cred();
    return c ? `the credentials for ${this.ref.host} from ${c.source}` : `an anonymous request (no credentials: ${this.none})`;
  }
}

function basicHeader(cred: Credential | undefined): string | undefined {
  if (!cred || cred.username === undefined || cred.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${cred.username}:${cred.password}`, 'utf8').toString('base64')}`;
}
