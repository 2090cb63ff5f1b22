/**
 * The OCI backend's pure parts: registry specs (oci://, bare HOST/REPOSITORY, folders, the
 * ambiguous case), the layout (deterministic manifests, per-artifact tags that round-trip),
 * WWW-Authenticate parsing and docker config lookup. No network.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InputError, LocalRegistry, OciRegistry, classifyRegistrySpec, looksLikeOciSpec, openRegistry, parseOciSpec } from '../../core';
import { createServer } from 'node:http';
import { Authenticator, findCredential, lookupCredential, parseChallenge } from '../../core/registry/oci/auth';
import { canonicalScope, scopeCovers } from '../../core/registry/oci/scope';
import { EMPTY_BYTES, EMPTY_DIGEST, artifactManifest, entryTag, parseEntryTag, subjectManifest } from '../../core/registry/oci/layout';
import { isLoopback } from '../../core/registry/oci/reference';
import { HttpTransport } from '../../core/registry/oci/transport';
import { tempDir } from '../helpers/fixtures';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('registry specs', () => {
  test('oci:// references parse to host, port and repository', () => {
    assert.deepEqual(parseOciSpec('oci://127.0.0.1:5000/team/provenance'), { host: '127.0.0.1:5000', hostname: '127.0.0.1', port: 5000, repository: 'team/provenance', display: 'oci://127.0.0.1:5000/team/provenance' });
    assert.deepEqual(parseOciSpec('oci://GHCR.io/org/models/provenance/'), { host: 'ghcr.io', hostname: 'ghcr.io', repository: 'org/models/provenance', display: 'oci://ghcr.io/org/models/provenance' });
    assert.equal(parseOciSpec('oci://[::1]:5000/x').host, '[::1]:5000');
    // The seed's registry="your-registry.example.com": a host alone names its default repository.
    assert.equal(parseOciSpec('your-registry.example.com').display, 'oci://your-registry.example.com/model-provenance');
  });

  test('loopback, the only hosts plain HTTP is used for without --insecure: every spelling, as a reference or a URL gives it', () => {
    const loop = ['localhost', 'LOCALHOST', 'registry.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '[::ffff:7f00:1]', new URL('http://[::ffff:127.0.0.1]:5000/').hostname, new URL('http://[::1]:5000/').hostname];
    const not = ['128.0.0.1', '10.0.0.1', '::2', '::ffff:10.0.0.1', '[::ffff:a00:1]', 'localhost.example.com', 'mylocalhost', '127.0.0.1.nip.io', 'ghcr.io', ''];
    assert.deepEqual(loop.filter((h) => !isLoopback(h)), []);
    assert.deepEqual(not.filter((h) => isLoopback(h)), []);
  });

  test('malformed references: one line, and credentials in a reference are never echoed', () => {
    const code = (s: string): string => {
      try {
        parseOciSpec(s);
      } catch (err) {
        assert.ok(err instanceof InputError);
        return `${err.code}: ${err.message}`;
      }
      return 'parsed';
    };
    assert.match(code('oci://host.example/Team'), /^REGISTRY_SPEC_INVALID: .*"Team" is not a repository name/);
    assert.match(code('oci://host.example/team:latest'), /^REGISTRY_SPEC_INVALID: .*without a tag or digest/);
    assert.match(code('oci://host.example:99999/x'), /port 99999 is out of range/);
    const leaked = code('oci://bot:s3cr3t-pass@host.example/x');
    assert.match(leaked, /credentials do not belong in the reference/);
    assert.ok(!leaked.includes('s3cr3t-pass') && !leaked.includes('bot:'), leaked);
  });

  test('bare HOST/REPOSITORY is OCI by docker\'s rule; folders stay folders', () => {
    for (const s of ['ghcr.io/team/provenance', 'localhost:5000/x', 'localhost/x', '127.0.0.1:5000/team/provenance', 'registry.example.com', 'my-registry.internal.example.com/a/b', '[::1]:5000/x']) assert.equal(looksLikeOciSpec(s), true, s);
    for (const s of ['.provenance', './ghcr.io/team', '/abs/path', '~/reg', 'team/provenance', 'provenance', 'v1.2/registry', 'model.v2', 'C:\\reg', 'file:ghcr.io/x', 'https://ghcr.io/x']) assert.equal(looksLikeOciSpec(s), false, s);
    const dir = tempDir();
    assert.deepEqual(classifyRegistrySpec('ghcr.io/team/provenance', dir), { kind: 'oci', spec: 'oci://ghcr.io/team/provenance' });
    assert.deepEqual(classifyRegistrySpec('team/provenance', dir), { kind: 'local', path: join(dir, 'team', 'provenance') });
    assert.deepEqual(classifyRegistrySpec('file:ghcr.io/x', dir), { kind: 'local', path: join(dir, 'ghcr.io', 'x') });
    // A folder that happens to be called like a registry: refused, with both ways out.
    mkdirSync(join(dir, 'ghcr.io', 'team'), { recursive: true });
    assert.throws(() => classifyRegistrySpec('ghcr.io/team', dir), (e: InputError) => e.code === 'REGISTRY_SPEC_AMBIGUOUS' && /write oci:\/\/ghcr\.io\/team or file:ghcr\.io\/team$/.test(e.message));
    assert.ok(openRegistry('oci://ghcr.io/team/provenance', dir) instanceof OciRegistry);
    assert.ok(openRegistry('file:ghcr.io/team', dir) instanceof LocalRegistry);
  });

  test('the scheme: HTTPS always; plain HTTP only probed for loopback or with --insecure', () => {
    const t = (spec: string, insecure?: boolean): HttpTransport => new HttpTransport(parseOciSpec(spec), { insecure });
    assert.equal(t('oci://ghcr.io/x').plainHttp, false);
    assert.equal(t('oci://10.0.0.5:5000/x').plainHttp, false);
    assert.equal(t('oci://10.0.0.5:5000/x', true).plainHttp, true);
    for (const s of ['oci://127.0.0.1:5000/x', 'oci://localhost:5000/x', 'oci://[::1]:5000/x', 'oci://127.8.9.10/x']) assert.equal(t(s).plainHttp, true, s);
    assert.equal(t('oci://127.0.0.1:5000/x').baseUrl, 'https://127.0.0.1:5000', 'HTTPS is tried first even on loopback');
    assert.throws(() => new HttpTransport(parseOciSpec('oci://h.example/x'), { timeoutSeconds: 0 }), { code: 'USAGE', option: 'timeoutSeconds', message: 'the registry timeout (timeoutSeconds) must be more than 0 and at most 3600 seconds (got 0)' });
    assert.throws(() => new HttpTransport(parseOciSpec('oci://h.example/x'), { attempts: 50 }), { code: 'USAGE', option: 'attempts', message: 'the number of attempts (attempts) must be a whole number from 1 to 10 (got 50)' });
    // The caller's names for its settings: the CLI passes its flags.
    assert.throws(() => new HttpTransport(parseOciSpec('oci://h.example/x'), { timeoutSeconds: 4000, optionName: (o) => (o === 'timeoutSeconds' ? '--registry-timeout' : o) }), {
      message: 'the registry timeout (--registry-timeout) must be more than 0 and at most 3600 seconds (got 4000)',
    });
  });
});

describe('the OCI layout', () => {
  const subject = sha('model');
  const id = sha('bundle');

  test('the subject manifest and the artifact manifest are pure functions of their inputs', () => {
    const s = subjectManifest(subject);
    assert.equal(s.tag, `sha256-${subject.slice(7)}.subject`);
    assert.equal(s.descriptor.digest, sha(s.body));
    assert.deepEqual(subjectManifest(subject).body, s.body);
    assert.equal(EMPTY_DIGEST, sha(EMPTY_BYTES));
    const facts = { id, size: 6, subject, predicateType: 'https://slsa.dev/provenance/v1', stage: 'fine-tuning', created: '2026-11-30T10:00:00Z', bundleMediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' };
    const a = artifactManifest(facts);
    assert.deepEqual(artifactManifest({ ...facts }).body, a.body);
    const j = JSON.parse(a.body.toString());
    assert.equal(j.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.deepEqual(j.layers, [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: id, size: 6 }]);
    assert.deepEqual(j.subject, s.descriptor);
    assert.deepEqual(j.config, { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_DIGEST, size: 2 });
    assert.equal(j.annotations['dev.model-provenance.entry'], id);
    assert.equal(j.annotations['org.opencontainers.image.created'], '2026-11-30T10:00:00Z');
    assert.equal(a.tag, entryTag(subject, id));
    assert.equal(a.tag.length, 124, 'inside the 128 characters of a tag');
    assert.match(a.tag, /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/, 'OCI tag grammar');
  });

  test('per-artifact tags round-trip, and no other tag parses as one', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (s, i) => {
        const subj = `sha256:${Buffer.from(s).toString('hex')}`;
        const e = `sha256:${Buffer.from(i).toString('hex')}`;
        assert.deepEqual(parseEntryTag(entryTag(subj, e)), { subject: subj, id: e });
      }),
    );
    assert.equal(parseEntryTag(`sha256-${subject.slice(7)}.subject`), undefined);
    assert.equal(parseEntryTag(`sha256-${subject.slice(7)}`), undefined);
    // The last character carries 4 padding bits; a non-zero padding would be a second tag for one id.
    const t = entryTag(subject, id);
    assert.equal(parseEntryTag(`${t.slice(0, -1)}${t.endsWith('b') ? 'c' : 'b'}`), undefined);
  });
});

describe('authentication inputs', () => {
  test('WWW-Authenticate challenges', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/provenance:pull,push"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:team/provenance:pull,push' },
    });
    assert.deepEqual(parseChallenge('Basic realm="model-provenance-test"'), { scheme: 'basic', params: { realm: 'model-provenance-test' } });
    assert.deepEqual(parseChallenge('Bearer realm=https://a/t, error="insufficient_scope"'), { scheme: 'bearer', params: { realm: 'https://a/t', error: 'insufficient_scope' } });
    assert.equal(parseChallenge(undefined), undefined);
  });

  test('token scopes: one spelling whatever order the registry gives the actions in; a push token serves a pull', () => {
    assert.equal(canonicalScope('repository:team/provenance:push,pull'), 'repository:team/provenance:pull,push');
    assert.equal(canonicalScope('repository:team/provenance:pull,push'), 'repository:team/provenance:pull,push');
    assert.equal(canonicalScope('repository:b:pull  repository:a:push,pull,push'), 'repository:a:pull,push repository:b:pull');
    assert.equal(canonicalScope('registry:catalog:*'), 'registry:catalog:*');
    assert.equal(canonicalScope('repository:h:5000/x:push,pull'), 'repository:h:5000/x:pull,push');
    assert.ok(scopeCovers('repository:t/p:pull,push', 'repository:t/p:pull'));
    assert.ok(scopeCovers('repository:t/p:*', 'repository:t/p:pull,push'));
    assert.ok(!scopeCovers('repository:t/p:pull', 'repository:t/p:pull,push'));
    assert.ok(!scopeCovers('repository:t/other:pull,push', 'repository:t/p:pull'));
  });

  test('a bearer challenge answered in either action order: the token is asked for, cached and reused under one scope', async () => {
    // docker-registry lists a challenge's actions from a Go map: both orders occur in the field.
    const asked: string[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      asked.push(url.searchParams.getAll('scope').join(' '));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ token: `t${asked.length}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const ref = parseOciSpec('oci://127.0.0.1:1/team/provenance');
      for (const order of ['push,pull', 'pull,push']) {
        const auth = new Authenticator(ref, new HttpTransport(ref, {}), { DOCKER_CONFIG: tempDir() });
        const challenge = `Bearer realm="http://127.0.0.1:${port}/token",service="s",scope="repository:team/provenance:${order}"`;
        assert.equal(await auth.challenge(challenge, 'repository:team/provenance:pull,push'), true);
        assert.equal(asked.at(-1), 'repository:team/provenance:pull,push', order);
        const token = auth.header('repository:team/provenance:pull,push');
        assert.match(token ?? '', /^Bearer t\d+$/, order);
        assert.equal(auth.header('repository:team/provenance:push,pull'), token, order);
        assert.equal(auth.header('repository:team/provenance:pull'), token, `a pull reuses the push token (${order})`);
        assert.equal(auth.header('repository:team/other:pull'), undefined, order);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('docker config: auths (base64 auth, username/password, identity token) matched by host, any key spelling', () => {
    const dir = tempDir();
    const ref = parseOciSpec('oci://registry.example.com:5000/team/provenance');
    const write = (config: unknown): NodeJS.ProcessEnv => {
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      return { DOCKER_CONFIG: dir };
    };
    const auth = Buffer.from('bot:pa:ss').toString('base64');
    assert.deepEqual(lookupCredential(ref, write({ auths: { 'https://registry.example.com:5000/v1/': { auth } } })), { username: 'bot', password: 'pa:ss', source: join(dir, 'config.json') });
    assert.deepEqual(lookupCredential(ref, write({ auths: { 'registry.example.com:5000': { identitytoken: 'refresh-me' } } })), { identityToken: 'refresh-me', source: join(dir, 'config.json') });
    assert.equal(lookupCredential(ref, write({ auths: { 'registry.example.com': { auth } } })), undefined, 'another port is another registry');
    assert.equal(lookupCredential(ref, { DOCKER_CONFIG: join(dir, 'missing') }), undefined);
    writeFileSync(join(dir, 'config.json'), '{ not json');
    assert.throws(() => lookupCredential(ref, { DOCKER_CONFIG: dir }), (e: InputError) => e.code === 'REGISTRY_CREDENTIALS' && e.message.endsWith('is not valid JSON; fix or remove it'));
    const bad = write({ auths: { 'registry.example.com:5000': { auth: Buffer.from('no-colon-secret').toString('base64') } } });
    assert.throws(() => lookupCredential(ref, bad), (e: InputError) => e.code === 'REGISTRY_CREDENTIALS' && !e.message.includes('no-colon-secret'));
  });

  test('docker config: credential helpers (credHelpers per host, credsStore), the docker protocol over stdin/stdout', () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // A credential helper as docker runs it: `docker-credential-NAME get`, the server on stdin.
    const helper = join(bin, 'docker-credential-mptest');
    writeFileSync(helper, `#!/bin/sh\nread host\nif [ "$1" = get ] && [ "$host" = "registry.example.com:5000" ]; then echo '{"ServerURL":"'$host'","Username":"<token>","Secret":"id-token-from-helper"}'; else echo "credentials not found in native keychain"; exit 1; fi\n`);
    chmodSync(helper, 0o755);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { 'registry.example.com:5000': 'mptest' } }));
    const env = { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
    const ref = parseOciSpec('oci://registry.example.com:5000/team/provenance');
    assert.deepEqual(lookupCredential(ref, env), { identityToken: 'id-token-from-helper', source: 'credential helper docker-credential-mptest' });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'mptest' }));
    assert.deepEqual(lookupCredential(ref, env), { identityToken: 'id-token-from-helper', source: 'credential helper docker-credential-mptest' });
    assert.equal(lookupCredential(parseOciSpec('oci://other.example.com/x'), env), undefined, 'the helper has none for this host: anonymous');
  });

  test('a credential helper that exits before reading the host: its exit code, not "could not be run (EPIPE)", every time', () => {
    // Writing the host races the helper's exit: about one run in fifteen got EPIPE, seen on CI.
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'docker-credential-quick'), '#!/bin/sh\nexit 3\n');
    writeFileSync(join(bin, 'docker-credential-deaf'), `#!/bin/sh\necho '{"Username":"ci-bot","Secret":"s3cret"}'\n`);
    for (const f of ['quick', 'deaf']) chmodSync(join(bin, `docker-credential-${f}`), 0o755);
    const env = { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
    const ref = parseOciSpec('oci://registry.example.com:5000/team/provenance');
    const said = new Set<string>();
    for (let i = 0; i < 100; i++) {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'quick' }));
      said.add(findCredential(ref, env).none ?? '(a credential)');
      // One that never reads its stdin and answers: its answer counts.
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'deaf' }));
      assert.deepEqual(lookupCredential(ref, env), { username: 'ci-bot', password: 's3cret', source: 'credential helper docker-credential-deaf' });
    }
    assert.deepEqual([...said], [`docker-credential-quick (the credsStore of ${join(dir, 'config.json')}) failed with exit code 3`]);
  });
});
