import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { fsError } from '../../errors';
import { RegistryError } from './errors';
import { attemptsProblem, timeoutProblem, type TransportOption } from './limits';
import { isLoopback, type OciReference } from './reference';

export { MAX_ATTEMPTS, MAX_TIMEOUT_SECONDS, attemptsProblem, timeoutProblem, type TransportOption } from './limits';

/** How the registry is reached. Every field has a bounded default; see docs/registry.md. */
export interface TransportOptions {
  /**
   * Seconds a request may stay silent (no byte sent or received) before it is abandoned:
   * the bound on a registry that accepts a connection and never answers. Default 30.
   */
  timeoutSeconds?: number;
  /** Attempts of an idempotent request on connection faults, 5xx and 429. Default 3. */
  attempts?: number;
  /** First backoff delay in ms, doubled each retry, with jitter. Default 250. */
  backoffMs?: number;
  /** PEM file of extra CA certificates, trusted beside the system and Node's CAs. */
  caFile?: string;
  /**
   * Allow plain HTTP (and only that) to a host that is not loopback. It never turns off
   * certificate checks: an HTTPS registry is always verified (unlike crane's or oras's
   * `--insecure`, which also accept any certificate). A private CA needs `caFile`.
   */
  insecure?: boolean;
  /**
   * How messages name a setting (`timeoutSeconds`, `caFile`, `insecure`, `attempts`): by
   * default the library option's own name; the CLI maps them to its flags.
   */
  optionName?: (option: TransportOption) => string;
  /**
   * Told once per transport when a request timed out and is about to be tried again
   * (`attempt` is the one about to start, of `attempts`): the CLI prints a one-line note, so a
   * person facing a silent registry is not left staring at nothing for minutes.
   */
  onRetry?: (note: RetryNote) => void;
}

export interface RetryNote {
  host: string;
  /** Why the last attempt failed (its one-line message). */
  reason: string;
  code: string;
  /** The attempt about to start (2 for the first retry). */
  attempt: number;
  attempts: number;
  /** `HOST did not answer within 30 s; retrying (2 of 3)` */
  message: string;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Largest body accepted (bytes); a longer answer is refused, not truncated. */
  maxBytes?: number;
  /** What the request is for, in error messages (e.g. `GET manifest sha256-….subject`). */
  what: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

const DEFAULT_MAX = 64 * 1024 * 1024;
const SYSTEM_CA_FILES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem', '/usr/local/etc/openssl/cert.pem'];
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);

let systemCas: string[] | undefined;
/** The system's CA bundle (SSL_CERT_FILE, else the distribution's), beside Node's own roots. */
function systemCaCertificates(): string[] {
  if (systemCas) return systemCas;
  const files = process.env.SSL_CERT_FILE ? [process.env.SSL_CERT_FILE] : SYSTEM_CA_FILES;
  for (const f of files) {
    try {
      if (statSync(f).isFile()) return (systemCas = [readFileSync(f, 'utf8')]);
    } catch {
      /* try the next */
    }
  }
  return (systemCas = []);
}

/**
 * HTTP(S) to one registry host, over keep-alive sockets: TLS with the system CAs plus an
 * optional CA file, plain HTTP only for loopback or with `insecure`; an idle timeout on
 * every request; bounded retries with exponential backoff and jitter for idempotent
 * requests (the caller says which); redirects followed (blob downloads are often
 * redirected to storage), never carrying Authorization to another origin.
 */
export class HttpTransport {
  /** `https://host` until a plain-HTTP probe (loopback or --insecure) finds the registry speaks HTTP only. */
  baseUrl: string;
  /** Loopback or --insecure: HTTPS is tried first and plain HTTP used if the registry does not speak TLS (docker's rule). */
  private probing: boolean;
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly backoffMs: number;
  private readonly agent: http.Agent;
  private tlsAgentInstance: https.Agent | undefined;
  private readonly extraCas: string[];
  /** Node's own roots only, native and cheap: for the one request that finds out whether a loopback registry speaks TLS at all. */
  private readonly probeAgent = new https.Agent({ keepAlive: false });
  /** How messages name a setting (TransportOptions.optionName). */
  readonly optionName: (option: TransportOption) => string;
  private readonly onRetry: ((note: RetryNote) => void) | undefined;
  private retryNoted = false;

  constructor(
    readonly ref: OciReference,
    options: TransportOptions = {},
  ) {
    this.probing = isLoopback(ref.hostname) || options.insecure === true;
    this.baseUrl = `https://${ref.host}`;
    this.optionName = options.optionName ?? ((o) => o);
    this.onRetry = options.onRetry;
    const timeout = options.timeoutSeconds ?? 30;
    const tp = timeoutProblem(timeout);
    if (tp) throw new RegistryError(ref.display, 'USAGE', `the registry timeout (${this.optionName('timeoutSeconds')}) ${tp} (got ${timeout})`, { option: 'timeoutSeconds' });
    this.timeoutMs = Math.round(timeout * 1000);
    const attempts = options.attempts ?? 3;
    const ap = attemptsProblem(attempts);
    if (ap) throw new RegistryError(ref.display, 'USAGE', `the number of attempts (${this.optionName('attempts')}) ${ap} (got ${attempts})`, { option: 'attempts' });
    this.attempts = attempts;
    this.backoffMs = Math.max(0, options.backoffMs ?? 250);
    let extra: string[] = [];
    if (options.caFile) {
      try {
        extra = [readFileSync(options.caFile, 'utf8')];
      } catch (err) {
        throw fsError(err, options.caFile, 'read the CA file');
      }
      if (!extra[0]!.includes('-----BEGIN CERTIFICATE-----')) throw new RegistryError(options.caFile, 'CA_FILE_INVALID', `holds no PEM certificate (${this.optionName('caFile')})`, { option: 'caFile' });
    }
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    this.extraCas = extra;
  }

  /**
   * The verifying TLS agent: the system CA bundle (Node's own roots where there is none) plus
   * --ca-file, parsed once into one secure context, when the first TLS request needs it.
   */
  private get tlsAgent(): https.Agent {
    if (!this.tlsAgentInstance) {
      const system = systemCaCertificates();
      const secureContext: SecureContext = createSecureContext({ ca: [...(system.length ? system : rootCertificates), ...this.extraCas] });
      this.tlsAgentInstance = new https.Agent({ keepAlive: true, maxSockets: 8, secureContext } as https.AgentOptions);
    }
    return this.tlsAgentInstance;
  }

  /** Whether plain HTTP is allowed (loopback or --insecure). */
  get plainHttp(): boolean {
    return this.probing || this.baseUrl.startsWith('http:');
  }

  /** Closes idle sockets (they never keep the process alive in any case). */
  close(): void {
    this.agent.destroy();
    this.tlsAgentInstance?.destroy();
    this.probeAgent.destroy();
  }

  /**
   * Sends a request, retrying connection faults, 5xx and 429 when `idempotent`. HTTP
   * status codes are returned, not thrown, except those retried to exhaustion.
   *
   * @throws RegistryError REGISTRY_UNAVAILABLE, REGISTRY_TIMEOUT, REGISTRY_TLS, REGISTRY_TOO_LARGE
   */
  async request(req: HttpRequest, idempotent: boolean): Promise<HttpResponse> {
    let last: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const res = await this.follow(req);
        if (idempotent && attempt < this.attempts && (res.status >= 500 || res.status === 429)) {
          last = new RegistryError(this.ref.display, 'REGISTRY_UNAVAILABLE', `${this.ref.host} answered ${res.status} to ${req.what}`, { transient: true });
          await this.pause(attempt, res.headers['retry-after']);
          continue;
        }
        if (res.status >= 500) throw new RegistryError(this.ref.display, 'REGISTRY_UNAVAILABLE', `${this.ref.host} answered ${res.status} to ${req.what}${attempt > 1 ? ` after ${attempt} attempts` : ''}`, { transient: true });
        return res;
      } catch (err) {
        if (!(err instanceof RegistryError) || !err.transient || !idempotent || attempt === this.attempts) throw withAttempts(err, attempt);
        last = err;
        this.noteRetry(err, attempt + 1);
        await this.pause(attempt);
      }
    }
    throw withAttempts(last, this.attempts);
  }

  /** The one note per transport that a silent registry is being tried again (see TransportOptions.onRetry). */
  private noteRetry(err: RegistryError, attempt: number): void {
    if (!this.onRetry || this.retryNoted || err.code !== 'REGISTRY_TIMEOUT') return;
    this.retryNoted = true;
    const message = `${this.ref.host} did not answer within ${this.timeoutMs / 1000} s; retrying (${attempt} of ${this.attempts})`;
    this.onRetry({ host: this.ref.host, reason: err.message, code: err.code, attempt, attempts: this.attempts, message });
  }

  private async pause(attempt: number, retryAfter?: string | string[]): Promise<void> {
    const hinted = typeof retryAfter === 'string' && /^\d+$/.test(retryAfter) ? Math.min(Number(retryAfter) * 1000, 10_000) : 0;
    const base = this.backoffMs * 2 ** (attempt - 1);
    const delay = Math.max(hinted, base / 2 + Math.random() * base);
    await new Promise((r) => setTimeout(r, delay));
  }

  private async follow(req: HttpRequest): Promise<HttpResponse> {
    if (this.probing && req.url.startsWith(`https://${this.ref.host}/`)) {
      try {
        const res = await this.follow1(req, this.probeAgent);
        this.probing = false; // it speaks TLS, with a certificate Node's roots accept: stay on HTTPS
        return res;
      } catch (err) {
        if (!(err instanceof RegistryError)) throw err;
        if (notTls(err)) {
          // Not a TLS server: this loopback (or --insecure) registry speaks plain HTTP.
          this.probing = false;
          this.baseUrl = `http://${this.ref.host}`;
        } else if (err.code === 'REGISTRY_TLS') {
          this.probing = false; // it speaks TLS: verify it with the system CAs and --ca-file below
        } else throw err;
      }
    }
    if (this.baseUrl.startsWith('http:') && req.url.startsWith(`https://${this.ref.host}/`)) req = { ...req, url: `http://${req.url.slice(8)}` };
    try {
      return await this.follow1(req);
    } catch (err) {
      // HTTPS to a registry that answers the TLS ClientHello in plain HTTP: say so, and what
      // allows it, rather than an OpenSSL protocol error (EPROTO) nobody can act on.
      if (notTls(err) && !this.plainHttp) {
        const cause = (err as RegistryError).cause as Error | undefined;
        // Only a server that does answer in HTTP is called a plain-HTTP registry; anything else on
        // that port (another protocol, a proxy that garbles) is a TLS failure that says so.
        if (await this.answersPlainHttp()) throw new RegistryError(this.ref.display, 'REGISTRY_PLAIN_HTTP', `${this.ref.host} speaks plain HTTP, not HTTPS: use ${this.optionName('insecure')} to allow plain HTTP to it`, { cause, option: 'insecure' });
        throw new RegistryError(this.ref.display, 'REGISTRY_TLS', `${this.ref.host} answered the TLS handshake with something that is neither TLS nor HTTP (${openSslReason(cause)}); check the host and port`, { cause });
      }
      throw err;
    }
  }

  /** Whether the host answers a plain-HTTP `GET /v2/` at all (any status): asked only to word a failure, never to downgrade. */
  private async answersPlainHttp(): Promise<boolean> {
    try {
      await this.once({ method: 'GET', url: `http://${this.ref.host}/v2/`, what: 'GET /v2/ (plain HTTP, to word a TLS failure)', maxBytes: 64 * 1024 });
      return true;
    } catch {
      return false;
    }
  }

  private async follow1(req: HttpRequest, agent?: https.Agent): Promise<HttpResponse> {
    let url = req.url;
    let headers = { ...(req.headers ?? {}) };
    const origin = new URL(url).origin;
    for (let hop = 0; hop <= 5; hop++) {
      const res = await this.once({ ...req, url, headers }, agent);
      const location = res.headers.location;
      if ((req.method === 'GET' || req.method === 'HEAD') && [301, 302, 303, 307, 308].includes(res.status) && typeof location === 'string') {
        const next = new URL(location, url);
        if (next.protocol !== 'https:' && next.protocol !== 'http:') break;
        if (next.protocol === 'http:' && !this.plainHttp && !isLoopback(next.hostname)) {
          throw new RegistryError(this.ref.display, 'REGISTRY_INSECURE_REFUSED', `${req.what} was redirected to plain HTTP (${next.host}); refused`);
        }
        if (next.origin !== origin) {
          const { authorization: _drop, Authorization: _Drop, ...rest } = headers;
          headers = rest;
        }
        url = next.toString();
        continue;
      }
      return res;
    }
    throw new RegistryError(this.ref.display, 'REGISTRY_PROTOCOL', `${req.what}: too many redirects`);
  }

  private once(req: HttpRequest, tlsAgent?: https.Agent): Promise<HttpResponse> {
    const u = new URL(req.url);
    const tls = u.protocol === 'https:';
    const max = req.maxBytes ?? DEFAULT_MAX;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: RegistryError): void => {
        clearInterval(watch);
        if (settled) return;
        settled = true;
        reject(err);
      };
      const headers: Record<string, string | number> = { 'user-agent': 'model-provenance', ...(req.headers ?? {}) };
      if (req.body !== undefined) headers['content-length'] = req.body.length;
      // One silence bound for the whole attempt, ours rather than Node's `timeout` option:
      // that one is armed per phase (connect/TLS, then again for the answer), which let a
      // registry that accepts and never answers hold an attempt for twice the bound. The
      // clock restarts only when bytes move on the socket (flushed out or read in), so a
      // slow but moving upload or download is never cut, and a silent peer is cut after
      // timeoutMs plus at most one poll interval, whatever phase it stalls in.
      const poll = Math.max(10, Math.min(250, this.timeoutMs / 4));
      let lastMoved = Date.now();
      let moved = -1;
      let socket: import('node:net').Socket | undefined;
      let base = 0;
      const watch = setInterval(() => {
        if (socket) {
          const now = socket.bytesRead + socket.bytesWritten - socket.writableLength - base;
          if (now !== moved) {
            moved = now;
            lastMoved = Date.now();
          }
        }
        if (Date.now() - lastMoved >= this.timeoutMs) {
          r.destroy();
          fail(new RegistryError(this.ref.display, 'REGISTRY_TIMEOUT', `${this.ref.host} did not answer ${req.what} within ${this.timeoutMs / 1000} s (${this.optionName('timeoutSeconds')})`, { transient: true, option: 'timeoutSeconds' }));
        }
      }, poll);
      const r = (tls ? https : http).request(
        u,
        { method: req.method, headers, agent: tls ? (tlsAgent ?? this.tlsAgent) : this.agent, servername: tls && !/^[\d.]+$|:/.test(u.hostname) ? u.hostname : undefined },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const declared = Number(res.headers['content-length'] ?? -1);
          if (req.method !== 'HEAD' && declared > max) {
            r.destroy();
            fail(new RegistryError(this.ref.display, 'REGISTRY_TOO_LARGE', `${req.what}: the answer is ${declared} bytes, over the limit of ${max}`));
            return;
          }
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > max) {
              r.destroy();
              fail(new RegistryError(this.ref.display, 'REGISTRY_TOO_LARGE', `${req.what}: the answer is over the limit of ${max} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            clearInterval(watch);
            if (settled) return;
            settled = true;
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: req.url });
          });
          res.on('aborted', () => fail(this.connectionError(req, Object.assign(new Error('the connection closed mid-answer'), { code: 'ECONNRESET' }))));
          res.on('error', (err) => fail(this.connectionError(req, err)));
        },
      );
      r.on('socket', (s) => {
        // A reused keep-alive socket has counted earlier requests' bytes: only movement from here on counts.
        socket = s;
        base = s.bytesRead + s.bytesWritten - s.writableLength;
        moved = 0;
      });
      r.on('close', () => clearInterval(watch));
      r.on('error', (err) => fail(this.connectionError(req, err)));
      r.end(req.body);
    });
  }

  private connectionError(req: HttpRequest, err: unknown): RegistryError {
    const e = err as NodeJS.ErrnoException;
    const code = e?.code ?? '';
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|ERR_TLS|HOSTNAME|ALTNAME/i.test(code) || /certificate/i.test(e?.message ?? '')) {
      return new RegistryError(this.ref.display, 'REGISTRY_TLS', `TLS to ${this.ref.host} failed: ${openSslReason(e)} (a private CA needs ${this.optionName('caFile')})`, { cause: err, option: 'caFile' });
    }
    if (code === 'ENOTFOUND') return new RegistryError(this.ref.display, 'REGISTRY_UNAVAILABLE', `${this.ref.hostname} does not resolve (DNS)`, { cause: err });
    const what =
      code === 'ECONNREFUSED' ? `${this.ref.host} refused the connection` : code === 'ECONNRESET' || code === 'EPIPE' ? `the connection to ${this.ref.host} was dropped during ${req.what}` : `${this.ref.host} could not be reached (${code || e?.message || 'connection error'})`;
    return new RegistryError(this.ref.display, 'REGISTRY_UNAVAILABLE', what, { cause: err, transient: TRANSIENT_CODES.has(code) || code === '' });
  }
}

/**
 * The reason an OpenSSL error gives (`wrong version number`), for a one-line message: Node's
 * message is `write EPROTO <hex>:error:<code>:SSL routines:<function>:<reason>:<file>:<line>:`
 * and ends in a newline. Falls back to the first line of the message.
 */
function openSslReason(err: Error | undefined): string {
  const m = err?.message ?? '';
  return /:error:[0-9A-F]+:[^:]*:[^:]*:([^:\n]+)/.exec(m)?.[1] ?? (m.split('\n')[0]!.trim() || 'not TLS');
}

/** The answer of a plain-HTTP server to a TLS ClientHello (OpenSSL: "wrong version number"), on a connection error or its cause. */
function notTls(err: unknown): boolean {
  if (!(err instanceof RegistryError)) return false;
  const e = err.cause as NodeJS.ErrnoException | undefined;
  return e?.code === 'EPROTO' || e?.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|unknown protocol/i.test(e?.message ?? '');
}

function withAttempts(err: unknown, attempts: number): unknown {
  if (!(err instanceof RegistryError) || attempts <= 1 || / after \d+ attempts$/.test(err.message)) return err;
  return new RegistryError(err.registry, err.code, `${err.message} after ${attempts} attempts`, { cause: err.cause, ...(err.option ? { option: err.option } : {}) });
}
