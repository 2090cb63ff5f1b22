import { createHash } from 'node:crypto';
import { Authenticator, parseChallenge } from './auth';
import { RegistryError } from './errors';
import type { OciReference } from './reference';
import { HttpTransport, type HttpRequest, type HttpResponse, type TransportOptions } from './transport';

export const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
/** The OCI Distribution spec's suggested manifest size limit. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface FetchedManifest {
  body: Buffer;
  digest: string;
  mediaType: string;
}

export interface ClientOptions extends TransportOptions {
  /** Environment for DOCKER_CONFIG and HOME (tests); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * An OCI Distribution Specification v1.1 client for one repository. Everything fetched is
 * verified against the digest it was asked for (or, for a tag, against the digest the
 * registry announced) before it is returned; a mismatch is REGISTRY_DIGEST_MISMATCH and the
 * bytes are dropped. Reads and content-addressed writes are retried (bounded, with backoff).
 */
export class OciClient {
  readonly transport: HttpTransport;
  readonly auth: Authenticator;
  private readonly name: string;

  constructor(
    readonly ref: OciReference,
    options: ClientOptions = {},
  ) {
    this.transport = new HttpTransport(ref, options);
    this.auth = new Authenticator(ref, this.transport, options.env ?? process.env);
    this.name = ref.repository;
  }

  private url(path: string): string {
    return `${this.transport.baseUrl}/v2/${this.name}/${path}`;
  }

  private scope(access: 'pull' | 'push'): string {
    return `repository:${this.name}:${access === 'push' ? 'pull,push' : 'pull'}`;
  }

  /** A request with authorization: on 401 the challenge is answered once, then refused in one line. */
  async send(req: HttpRequest, access: 'pull' | 'push', idempotent: boolean): Promise<HttpResponse> {
    const scope = this.scope(access);
    const withAuth = (h: string | undefined): HttpRequest => ({ ...req, headers: { ...(req.headers ?? {}), ...(h ? { authorization: h } : {}) } });
    const sent = this.auth.header(scope);
    let res = await this.transport.request(withAuth(sent), idempotent);
    // Requests run concurrently: another one may have answered the same challenge meanwhile,
    // so a credential learned since this one was sent is tried too (once either way).
    if (res.status === 401 && ((await this.auth.challenge(header(res, 'www-authenticate'), scope)) || this.auth.header(scope) !== sent)) {
      res = await this.transport.request(withAuth(this.auth.header(scope)), idempotent);
    }
    if (res.status === 401 && parseChallenge(header(res, 'www-authenticate'))?.params.error === 'insufficient_scope') {
      throw new RegistryError(this.ref.display, 'REGISTRY_DENIED', `${this.ref.host} denied scope ${scope} (401 insufficient_scope) to ${this.auth.describe()}`);
    }
    if (res.status === 401) {
      throw new RegistryError(this.ref.display, 'REGISTRY_UNAUTHORIZED', `${this.ref.host} refused ${this.auth.describe()} (401) for scope ${scope}`);
    }
    if (res.status === 403) throw new RegistryError(this.ref.display, 'REGISTRY_DENIED', `${this.ref.host} denied scope ${scope} (403) to ${this.auth.describe()}`);
    return res;
  }

  private unexpected(res: HttpResponse, what: string): RegistryError {
    return new RegistryError(this.ref.display, 'REGISTRY_PROTOCOL', `${this.ref.host} answered ${res.status} to ${what}${registryErrorText(res)}`);
  }

  /** `GET /v2/`: reachable, and answering as an OCI registry (401 counts: it is one). */
  async ping(): Promise<void> {
    const res = await this.transport.request({ method: 'GET', url: `${this.transport.baseUrl}/v2/`, what: 'GET /v2/', maxBytes: 1 << 20 }, true);
    if (res.status !== 200 && res.status !== 401) throw this.unexpected(res, 'GET /v2/ (is this an OCI registry?)');
  }

  /**
   * A manifest by tag or digest; undefined when the registry has none (404). The body must
   * hash to the digest asked for, or to the registry's Docker-Content-Digest for a tag.
   */
  async getManifest(reference: string, accept: string[] = MANIFEST_TYPES): Promise<FetchedManifest | undefined> {
    const what = `GET manifest ${reference}`;
    const res = await this.send({ method: 'GET', url: this.url(`manifests/${reference}`), headers: { accept: accept.join(', ') }, what, maxBytes: MAX_MANIFEST_BYTES }, 'pull', true);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.unexpected(res, what);
    const digest = sha256(res.body);
    const announced = header(res, 'docker-content-digest');
    const expected = DIGEST.test(reference) ? reference : announced;
    if (expected && expected !== digest) throw mismatch(this.ref, `manifest ${reference}`, expected, digest);
    return { body: res.body, digest, mediaType: (header(res, 'content-type') ?? '').split(';')[0]!.trim() };
  }

  /** Whether a manifest exists (HEAD), with its digest when the registry says. */
  async headManifest(reference: string): Promise<string | undefined | false> {
    const what = `HEAD manifest ${reference}`;
    const res = await this.send({ method: 'HEAD', url: this.url(`manifests/${reference}`), headers: { accept: MANIFEST_TYPES.join(', ') }, what }, 'pull', true);
    if (res.status === 404) return false;
    if (res.status !== 200) throw this.unexpected(res, what);
    return header(res, 'docker-content-digest');
  }

  /**
   * Stores a manifest under a tag or its digest. Idempotent (the same bytes give the same
   * digest), so it is retried. Returns the digest and the `OCI-Subject` header a registry
   * with the referrers API sends for a manifest that has a subject.
   */
  async putManifest(reference: string, body: Buffer, mediaType: string): Promise<{ digest: string; ociSubject?: string }> {
    const what = `PUT manifest ${reference}`;
    let res: HttpResponse;
    for (let attempt = 1; ; attempt++) {
      res = await this.send({ method: 'PUT', url: this.url(`manifests/${reference}`), headers: { 'content-type': mediaType }, body, what }, 'push', true);
      // Distribution can refuse a manifest while another writer is committing a blob it names
      // (its link files are not written atomically); the PUT is idempotent, so try again.
      const racing = mediaType !== 'application/vnd.oci.image.index.v1+json' && res.status === 400 && /^: (MANIFEST_BLOB_UNKNOWN|DIGEST_INVALID)\b/.test(registryErrorText(res));
      if (!racing || attempt >= this.transport.attempts) break;
      await new Promise((r) => setTimeout(r, this.transport.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random())));
    }
    if (res.status !== 201 && res.status !== 200) throw this.unexpected(res, what);
    const digest = sha256(body);
    const announced = header(res, 'docker-content-digest');
    if (announced && announced !== digest) throw mismatch(this.ref, `stored manifest ${reference}`, digest, announced);
    const ociSubject = header(res, 'oci-subject');
    return { digest, ...(ociSubject ? { ociSubject } : {}) };
  }

  /**
   * Deletes a manifest by digest (and, on Distribution, every tag pointing at it).
   *
   * @throws RegistryError REGISTRY_DELETE_DISABLED when the registry refuses deletes (405)
   */
  async deleteManifest(digest: string): Promise<boolean> {
    return this.delete(`manifests/${digest}`, `DELETE manifest ${digest}`);
  }

  /** Deletes a blob from the repository; false when it was not there. */
  async deleteBlob(digest: string): Promise<boolean> {
    return this.delete(`blobs/${digest}`, `DELETE blob ${digest}`);
  }

  private async delete(path: string, what: string): Promise<boolean> {
    const res = await this.send({ method: 'DELETE', url: this.url(path), what }, 'push', true);
    if (res.status === 404) return false;
    if (res.status === 405) throw new RegistryError(this.ref.display, 'REGISTRY_DELETE_DISABLED', `${this.ref.host} does not allow deletes (405 to ${what}); CNCF Distribution needs storage.delete.enabled`);
    if (res.status !== 202 && res.status !== 200) throw this.unexpected(res, what);
    return true;
  }

  async blobExists(digest: string, retry = true, access: 'pull' | 'push' = 'pull'): Promise<boolean> {
    const what = `HEAD blob ${digest}`;
    const res = await this.send({ method: 'HEAD', url: this.url(`blobs/${digest}`), what }, access, retry);
    if (res.status === 404) return false;
    if (res.status !== 200) throw this.unexpected(res, what);
    return true;
  }

  /** A blob by digest, verified; undefined when absent. */
  async getBlob(digest: string, maxBytes: number): Promise<Buffer | undefined> {
    const what = `GET blob ${digest}`;
    const res = await this.send({ method: 'GET', url: this.url(`blobs/${digest}`), what, maxBytes }, 'pull', true);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.unexpected(res, what);
    const got = sha256(res.body);
    if (got !== digest) throw mismatch(this.ref, `blob ${digest}`, digest, got);
    return res.body;
  }

  /**
   * Uploads a blob (POST then a monolithic PUT with the digest), unless it is there. The
   * whole upload is retried on a connection fault: an upload session cut mid-way is
   * abandoned, and the registry keeps nothing a reader can see until the PUT completes.
   */
  async pushBlob(digest: string, bytes: Buffer, options: { checkFirst?: boolean } = {}): Promise<void> {
    // A HEAD first saves re-sending a large blob the registry has; for a small new one it is a wasted round trip.
    const checkFirst = options.checkFirst ?? bytes.length >= 1024 * 1024;
    const t = this.transport;
    let first: RegistryError | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        if ((checkFirst || attempt > 1) && (await this.blobExists(digest, false, 'push'))) return;
        const start = await this.send({ method: 'POST', url: this.url('blobs/uploads/'), what: 'POST blob upload', body: Buffer.alloc(0) }, 'push', false);
        if (start.status !== 202) throw this.unexpected(start, 'POST blob upload');
        const location = header(start, 'location');
        if (!location) throw new RegistryError(this.ref.display, 'REGISTRY_PROTOCOL', `${this.ref.host} started an upload without a Location`);
        const put = new URL(location, t.baseUrl);
        if (put.origin !== new URL(t.baseUrl).origin) throw new RegistryError(this.ref.display, 'REGISTRY_PROTOCOL', `${this.ref.host} sent the upload to another origin (${put.host}); refused`);
        put.searchParams.set('digest', digest);
        const what = `PUT blob upload ${digest} (${bytes.length} bytes)`;
        const done = await this.send({ method: 'PUT', url: put.toString(), headers: { 'content-type': 'application/octet-stream' }, body: bytes, what }, 'push', false);
        if (done.status !== 201) throw this.unexpected(done, what);
        const announced = header(done, 'docker-content-digest');
        if (announced && announced !== digest) throw mismatch(this.ref, `uploaded blob`, digest, announced);
        return;
      } catch (err) {
        if (!(err instanceof RegistryError) || !err.transient) throw err;
        first ??= err;
        if (attempt >= t.attempts) {
          // One line that says what happened first (the upload cut) and how the retries ended.
          const message = attempt === 1 ? err.message : first.message === err.message ? `${err.message} after ${attempt} attempts` : `${first.message}; after ${attempt} attempts: ${err.message}`;
          throw new RegistryError(err.registry, err.code, message, { cause: err });
        }
        await new Promise((r) => setTimeout(r, t.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random())));
      }
    }
  }

  /**
   * The referrers API (`GET /v2/NAME/referrers/DIGEST`): the image index of manifests whose
   * subject is `digest`, or undefined when the registry does not implement it (404; CNCF
   * Distribution 2.8 does not).
   */
  async referrers(digest: string): Promise<Buffer | undefined> {
    const what = `GET referrers ${digest}`;
    const res = await this.send({ method: 'GET', url: this.url(`referrers/${digest}`), headers: { accept: 'application/vnd.oci.image.index.v1+json' }, what, maxBytes: MAX_MANIFEST_BYTES }, 'pull', true);
    if (res.status === 404 || res.status === 405 || res.status === 400) return undefined;
    if (res.status !== 200) throw this.unexpected(res, what);
    if (!(header(res, 'content-type') ?? '').startsWith('application/vnd.oci.image.index.v1+json')) return undefined;
    return res.body;
  }

  /** Every tag of the repository, following `Link` pagination; undefined for a repository the registry does not have. */
  async listTags(): Promise<string[] | undefined> {
    const tags: string[] = [];
    let url: string | undefined = this.url('tags/list?n=10000');
    for (let page = 0; url && page < 10_000; page++) {
      const res = await this.send({ method: 'GET', url, what: 'GET tags/list', maxBytes: 256 * 1024 * 1024 }, 'pull', true);
      if (res.status === 404) return page === 0 ? undefined : tags;
      if (res.status !== 200) throw this.unexpected(res, 'GET tags/list');
      let body: unknown;
      try {
        body = JSON.parse(res.body.toString('utf8'));
      } catch {
        throw new RegistryError(this.ref.display, 'REGISTRY_PROTOCOL', `${this.ref.host} answered tags/list with something that is not JSON`);
      }
      const list = (body as { tags?: unknown }).tags;
      if (Array.isArray(list)) for (const t of list) if (typeof t === 'string') tags.push(t);
      const link = header(res, 'link');
      const next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
      url = next ? new URL(next, this.transport.baseUrl).toString() : undefined;
    }
    return tags;
  }
}

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function mismatch(ref: OciReference, what: string, expected: string, got: string): RegistryError {
  return new RegistryError(ref.display, 'REGISTRY_DIGEST_MISMATCH', `${ref.host} served ${what} with content that hashes to ${got}, not ${expected}; rejected`);
}

/** The registry's own error code and message (OCI error body), short, for the one line. */
function registryErrorText(res: HttpResponse): string {
  try {
    const body = JSON.parse(res.body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
    const e = body.errors?.[0];
    if (e && typeof e.code === 'string') return `: ${e.code}${typeof e.message === 'string' ? ` ${e.message.slice(0, 200)}` : ''}`;
  } catch {
    /* not an OCI error body */
  }
  return '';
}
