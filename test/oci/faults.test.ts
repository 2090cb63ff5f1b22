/**
 * Registry faults, each with its exact one-line error naming the registry, exit 2, and no
 * partial state anywhere: nothing in the local cache, nothing a reader of the registry can
 * see. Real docker-registry processes; a small HTTP proxy where the fault is in transit.
 *
 *  - the registry killed mid-upload (the proxy slows the upload so the kill lands inside it);
 *  - wrong credentials and no credentials (htpasswd registry, DOCKER_CONFIG), for reads and writes;
 *  - a blob, and a manifest, served with the wrong content (the proxy flips a byte);
 *  - a registry that never answers (--registry-timeout, bounded retries), and one that is down;
 *  - TLS with a private CA: refused without --ca-file, verified with it.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attest, generateKeyPair } from '../../core';
import { runCli, tempDir, type CliRun } from '../helpers/fixtures';
import { dockerConfig, makeTlsPki, startProxy, startRegistry, startSilentServer, type RunningRegistry } from '../helpers/oci';

const digest = (): string => `sha256:${randomBytes(32).toString('hex')}`;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (p: string): void => {
    for (const n of readdirSync(p)) {
      const q = join(p, n);
      if (statSync(q).isDirectory()) walk(q);
      else out.push(q);
    }
  };
  walk(dir);
  return out;
}

/** A signed attestation bundle about `subject`, `extra` characters of byproduct in it. */
async function bundle(dir: string, subject: string, extra = 0): Promise<string> {
  const key = generateKeyPair('P-256');
  const a = await attest({
    subjectDigest: subject,
    subjectName: 'model',
    stage: 'fine-tuning',
    baseModels: [digest()],
    finishedOn: new Date().toISOString(),
    ...(extra ? { byproducts: [{ name: 'training-log', content: 'x'.repeat(extra) }] } : {}),
    signer: { kind: 'key', privateKey: createPrivateKey(key.privateKeyPem) },
  });
  const file = join(dir, `bundle-${subject.slice(7, 15)}.json`);
  writeFileSync(file, a.bundle);
  return file;
}

/** The one stderr line of a failed command, with the exit code asserted. */
function oneLine(r: CliRun, code = 2): string {
  assert.equal(r.code, code, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.equal(r.stdout, '');
  return lines[0]!;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('OCI registry faults', () => {
  let dir: string;
  let reg: RunningRegistry;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = tempDir('mp-oci-faults-', { untilExit: true });
    reg = await startRegistry(join(dir, 'registry'));
    env = { MODEL_PROVENANCE_CACHE: join(dir, 'cache'), DOCKER_CONFIG: join(dir, 'no-docker'), MODEL_PROVENANCE_REGISTRY: '' };
  });
  after(async () => {
    await reg.stop();
  });

  test('the registry killed mid-upload: one line naming the host, nothing stored anywhere, a retry later succeeds', async (t) => {
    const upstream = await startRegistry(join(dir, 'killed'));
    t.after(() => upstream.stop()); // also when an assertion fails first
    const subject = digest();
    const file = await bundle(dir, subject, 6 * 1024 * 1024);
    let killed = false;
    // Slow the upload to ~25 MB/s and kill the registry (SIGKILL) 1 MB into the blob's PUT.
    const proxy = await startProxy(upstream.port, {
      throttleBytesPer10ms: 256 * 1024,
      onUploadProgress: (method, path, bytes) => {
        if (!killed && method === 'PUT' && path.includes('/blobs/uploads/') && bytes > 1024 * 1024) {
          killed = true;
          void upstream.kill().then(() => proxy.close());
          return 'stop'; // not one more byte reaches the dying registry
        }
        return undefined;
      },
    });
    const spec = `oci://${proxy.host}/team/provenance`;
    const localCache = join(dir, 'cache-killed');
    const r = await runCli(['registry', 'add', file, '--registry', spec, '--registry-timeout', '5'], { env: { ...env, MODEL_PROVENANCE_CACHE: localCache } });
    assert.ok(killed, 'the kill happened during the upload');
    assert.match(
      oneLine(r),
      new RegExp(`^model-provenance: ${esc(spec)}: the connection to ${esc(proxy.host)} was dropped during PUT blob upload sha256:[0-9a-f]{64} \\(\\d+ bytes\\); after 3 attempts: ${esc(proxy.host)} refused the connection \\[REGISTRY_UNAVAILABLE\\]$`),
    );
    assert.deepEqual(filesUnder(localCache), [], 'no partial local state');
    // The registry comes back: nothing a reader can see. The repository holds no tag: for a
    // reader it does not exist, or (when a small blob of the same put, uploaded beside the big
    // one, landed before the kill) it exists and lists no entry. Both are true; no entry is either way.
    await upstream.restart();
    const direct = upstream.spec;
    const noRepo = `model-provenance: ${direct}: no registry here: ${upstream.host} has no repository team/provenance (nothing was ever pushed to it; check the name) [REGISTRY_NOT_FOUND]`;
    const nothingVisible = (res: CliRun): void => {
      if (res.code === 0) assert.match(res.stdout, new RegExp(`^0 entries in ${esc(direct)}\\n$`));
      else assert.equal(oneLine(res), noRepo);
    };
    nothingVisible(await runCli(['registry', 'ls', '--registry', direct], { env }));
    nothingVisible(await runCli(['registry', 'ls', '--subject', subject, '--registry', direct], { env }));
    const again = await runCli(['registry', 'add', file, '--registry', direct], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match((await runCli(['registry', 'verify', '--registry', direct], { env })).stdout, /^OK .*: 1 index entry for 1 subject/);
    await upstream.stop();
  });

  test('wrong credentials, and none: 401 in one line naming the registry and the scope, never the secret', async (t) => {
    const password = `right-${randomBytes(8).toString('hex')}`;
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const locked = await startRegistry(join(dir, 'locked'), { basicAuth: { user: 'ci-bot', password } });
    t.after(() => locked.stop()); // also when an assertion fails first
    const file = await bundle(dir, digest());
    const badConfig = dockerConfig(join(dir, 'docker-wrong'), locked.host, 'ci-bot', wrong);
    const lockedCache = join(dir, 'cache-locked');
    const e = { ...env, DOCKER_CONFIG: badConfig, MODEL_PROVENANCE_CACHE: lockedCache };
    const configFile = join(badConfig, 'config.json');
    const put = await runCli(['registry', 'add', file, '--registry', locked.spec], { env: e });
    assert.equal(
      oneLine(put),
      `model-provenance: ${locked.spec}: ${locked.host} refused the credentials for ${locked.host} from ${configFile} (401) for scope repository:team/provenance:pull,push [REGISTRY_UNAUTHORIZED]`,
    );
    const read = await runCli(['registry', 'ls', '--subject', digest(), '--registry', locked.spec], { env: e });
    assert.equal(oneLine(read), `model-provenance: ${locked.spec}: ${locked.host} refused the credentials for ${locked.host} from ${configFile} (401) for scope repository:team/provenance:pull [REGISTRY_UNAUTHORIZED]`);
    const none = await runCli(['registry', 'ls', '--registry', locked.spec], { env: { ...e, DOCKER_CONFIG: join(dir, 'docker-none') } });
    assert.equal(
      oneLine(none),
      `model-provenance: ${locked.spec}: ${locked.host} refused an anonymous request (no credentials: ${join(dir, 'docker-none', 'config.json')} does not exist) (401) for scope repository:team/provenance:pull [REGISTRY_UNAUTHORIZED]`,
    );
    for (const r of [put, read, none]) for (const s of [wrong, password, Buffer.from(`ci-bot:${wrong}`).toString('base64')]) assert.ok(!r.stderr.includes(s) && !r.stdout.includes(s));
    assert.deepEqual(filesUnder(lockedCache), [], 'no partial local state');
    // The right password works, from the same kind of config.
    const good = await runCli(['registry', 'add', file, '--registry', locked.spec], { env: { ...e, DOCKER_CONFIG: dockerConfig(join(dir, 'docker-right'), locked.host, 'ci-bot', password) } });
    assert.equal(good.code, 0, good.stderr);
    await locked.stop();
  });

  for (const target of ['blob', 'manifest'] as const) {
    test(`a ${target} served with the wrong content is rejected, never used or cached`, async () => {
      const subject = digest();
      const file = await bundle(dir, subject);
      const added = await runCli(['registry', 'add', file, '--registry', reg.spec, '--format', 'json'], { env: { ...env, MODEL_PROVENANCE_CACHE: join(dir, `cache-writer-${target}`) } });
      assert.equal(added.code, 0, added.stderr);
      const id = JSON.parse(added.stdout).added[0].id as string;
      // Flip one byte of every blob (or every manifest fetched by tag), keeping the length.
      const proxy = await startProxy(reg.port, {
        corrupt: (method, path, body) => {
          const hit = target === 'blob' ? /\/blobs\/sha256:/.test(path) : /\/manifests\/sha256-[0-9a-f]{64}$/.test(path);
          if (method !== 'GET' || !hit || body.length === 0) return undefined;
          const copy = Buffer.from(body);
          const at = Math.floor(copy.length / 2);
          copy[at] = copy[at]! ^ 0x20;
          return copy;
        },
      });
      const spec = `oci://${proxy.host}/team/provenance`;
      const readerCache = join(dir, `cache-reader-${target}`);
      const e = { ...env, MODEL_PROVENANCE_CACHE: readerCache };
      const r = target === 'blob' ? await runCli(['registry', 'show', id, '--registry', spec], { env: e }) : await runCli(['registry', 'ls', '--subject', subject, '--registry', spec], { env: e });
      const what = target === 'blob' ? `blob ${id}` : `manifest sha256-[0-9a-f]{64}`;
      assert.match(oneLine(r), new RegExp(`^model-provenance: ${esc(spec)}: ${esc(proxy.host)} served ${target === 'blob' ? esc(what) : what} with content that hashes to sha256:[0-9a-f]{64}, not sha256:[0-9a-f]{64}; rejected \\[REGISTRY_DIGEST_MISMATCH\\]$`));
      assert.deepEqual(filesUnder(readerCache), [], 'nothing cached');
      // A verification through the corrupting proxy fails closed: exit 2, never a pass.
      const policyDir = join(dir, `policy-${target}`);
      const key = generateKeyPair('P-256');
      writeFileSync(join(dir, `k-${target}.pub.pem`), key.publicKeyPem);
      writeFileSync(`${policyDir}.json`, JSON.stringify({ signers: { k: { publicKey: `k-${target}.pub.pem` } } }));
      const v = await runCli(['verify', '--digest', subject, '--policy', `${policyDir}.json`, '--registry', spec], { env: e });
      assert.match(oneLine(v), /\[REGISTRY_DIGEST_MISMATCH\]$/);
      await proxy.close();
    });
  }

  test('a registry that never answers: REGISTRY_TIMEOUT after one timeout per attempt, counted by the server; a note at the first retry', async (t) => {
    const silent = await startSilentServer();
    t.after(() => silent.close()); // a server left listening would keep the test file alive
    const spec = `oci://${silent.host}/team/provenance`;
    const silentCache = join(dir, 'cache-silent');
    const e = { ...env, MODEL_PROVENANCE_CACHE: silentCache };
    const t0 = Date.now();
    const r = await runCli(['registry', 'ls', '--registry', spec, '--registry-timeout', '3'], { env: e, timeoutMs: 60_000 });
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `model-provenance: note: ${silent.host} did not answer within 3 s; retrying (2 of 3)\n` +
        `model-provenance: ${spec}: ${silent.host} did not answer GET tags/list within 3 s (--registry-timeout) after 3 attempts [REGISTRY_TIMEOUT]\n`,
    );
    // The server counts the attempts: three connections, each let go after one timeout (connect,
    // TLS and the answer share it; the fault was a second timeout per attempt, 6 s held here).
    // 1.6 × the bound leaves room for a loaded machine's late timers, and none for a second timeout.
    assert.equal(silent.connections.length, 3);
    // The server hears the last close a moment after the CLI exits (a loaded machine delays it).
    for (const deadline = Date.now() + 5_000; silent.connections.some((c) => c.heldMs === undefined) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    for (const c of silent.connections) assert.ok(c.heldMs !== undefined && c.heldMs < 4_800, `an attempt held the connection ${c.heldMs} ms, the bound is 3000 ms (+ a 250 ms poll)`);
    // Liveness: 3 × 3 s plus backoff (under 2 s) is the documented bound; well before 3× that.
    assert.ok(seconds < 3 * 11, `returned after ${seconds} s`);
    // A lookup asks for the referrers, the tag-schema index and the tag list at once: any may time out first.
    const one = await runCli(['verify', '--digest', digest(), '--policy', join(dir, 'policy-blob.json'), '--registry', spec, '--registry-timeout', '0.5'], { env: { ...e, MODEL_PROVENANCE_REGISTRY_ATTEMPTS: '1' } });
    assert.match(oneLine(one), new RegExp(`^model-provenance: ${esc(spec)}: ${esc(silent.host)} did not answer (GET referrers sha256:[0-9a-f]{64}|GET manifest sha256-[0-9a-f]{64}|GET tags/list) within 0.5 s \\(--registry-timeout\\) \\[REGISTRY_TIMEOUT\\]$`));
    await silent.close();
    assert.equal(silent.connections.filter((c) => c.heldMs === undefined).length, 0);
    const down = await runCli(['registry', 'ls', '--registry', spec], { env: e });
    assert.equal(oneLine(down), `model-provenance: ${spec}: ${silent.host} refused the connection after 3 attempts [REGISTRY_UNAVAILABLE]`);
    assert.deepEqual(filesUnder(silentCache), []);
  });

  test('TLS with a private CA: refused without --ca-file, verified with it', async (t) => {
    const pki = makeTlsPki(join(dir, 'pki'));
    const tls = await startRegistry(join(dir, 'tls'), { tls: { cert: pki.cert, key: pki.key } });
    t.after(() => tls.stop()); // also when an assertion fails first
    // Loopback registries are tried over HTTPS first (docker's rule), so this one is reached over TLS.
    const spec = `oci://${tls.host}/team/provenance`;
    const file = await bundle(dir, digest());
    const refused = await runCli(['registry', 'add', file, '--registry', spec], { env });
    assert.match(oneLine(refused), new RegExp(`^model-provenance: ${esc(spec)}: TLS to ${esc(tls.host)} failed: .*certificate.* \\(a private CA needs --ca-file\\) \\[REGISTRY_TLS\\]$`));
    const ok = await runCli(['registry', 'add', file, '--registry', spec, '--ca-file', pki.ca], { env });
    assert.equal(ok.code, 0, ok.stderr);
    await tls.stop();
  });
});
