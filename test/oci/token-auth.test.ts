/**
 * The Distribution bearer-token flow against a real docker-registry configured with
 * `auth.token`: the registry answers 401 with `WWW-Authenticate: Bearer realm=…,service=…,
 * scope=…`, the client fetches a token for that scope from the realm (a token server in this
 * test that signs ES256 JWTs the registry verifies), and retries. Credentials come from a
 * temporary DOCKER_CONFIG: a base64 `auth` (sent to the token server only), or an identity
 * token (exchanged as an OAuth2 refresh token). A user allowed to pull only is denied the
 * push scope; a wrong password is refused; no secret reaches any output.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attest, generateKeyPair } from '../../core';
import { runCli, tempDir, type CliRun } from '../helpers/fixtures';
import { dockerConfig, startRegistry, startTokenServer, type RunningRegistry, type TokenServer } from '../helpers/oci';

describe('the bearer-token flow (docker-registry auth.token)', () => {
  let dir: string;
  let reg: RunningRegistry;
  let tokens: TokenServer;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const identityToken = `idt-${randomBytes(12).toString('hex')}`;
  const outputs: CliRun[] = [];
  let file: string;
  let subject: string;

  before(async () => {
    dir = tempDir('mp-oci-token-', { untilExit: true });
    tokens = await startTokenServer(join(dir, 'token'), { 'ci-bot': { password, actions: ['pull', 'push'] }, reader: { password, actions: ['pull'] } }, { [identityToken]: 'ci-bot' });
    reg = await startRegistry(join(dir, 'registry'), { token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.rootCertBundle } });
    const key = generateKeyPair('P-256');
    subject = `sha256:${randomBytes(32).toString('hex')}`;
    const a = await attest({ subjectDigest: subject, subjectName: 'm', stage: 'pre-training', finishedOn: new Date().toISOString(), signer: { kind: 'key', privateKey: createPrivateKey(key.privateKeyPem) } });
    file = join(dir, 'a.json');
    writeFileSync(file, a.bundle);
  });
  after(async () => {
    await reg.stop();
    await tokens.close();
  });

  const run = async (args: string[], docker: string): Promise<CliRun> => {
    const r = await runCli(args, { env: { DOCKER_CONFIG: docker, MODEL_PROVENANCE_CACHE: join(dir, `cache-${outputs.length}`), MODEL_PROVENANCE_REGISTRY: '' } });
    outputs.push(r);
    return r;
  };

  test('basic credentials buy a token per scope: push, then pull', async () => {
    const docker = dockerConfig(join(dir, 'docker-basic'), reg.host, 'ci-bot', password);
    const put = await run(['registry', 'add', file, '--registry', reg.spec], docker);
    assert.equal(put.code, 0, put.stderr);
    const ls = await run(['registry', 'ls', '--subject', subject, '--registry', reg.spec, '--format', 'json'], docker);
    assert.equal(ls.code, 0, ls.stderr);
    assert.equal(JSON.parse(ls.stdout).entries.length, 1);
    assert.ok(tokens.requests.some((r) => r.grant === 'basic' && r.granted && r.scopes.includes('repository:team/provenance:pull,push')), JSON.stringify(tokens.requests));
    assert.ok(tokens.requests.some((r) => r.grant === 'basic' && r.granted && r.scopes.includes('repository:team/provenance:pull')));
  });

  test('an identity token is exchanged at the realm (OAuth2 refresh_token grant)', async () => {
    const docker = join(dir, 'docker-idt');
    mkdirSync(docker);
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { [reg.host]: { identitytoken: identityToken } } }));
    const before = tokens.requests.length;
    const ls = await run(['registry', 'ls', '--subject', subject, '--registry', reg.spec, '--format', 'json'], docker);
    assert.equal(ls.code, 0, ls.stderr);
    assert.equal(JSON.parse(ls.stdout).entries.length, 1);
    assert.ok(tokens.requests.slice(before).some((r) => r.grant === 'refresh_token' && r.granted));
  });

  test('a user allowed to pull only: push denied in one line naming the scope', async () => {
    const docker = dockerConfig(join(dir, 'docker-reader'), reg.host, 'reader', password);
    const r = await run(['registry', 'add', file, '--registry', reg.spec], docker);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `model-provenance: ${reg.spec}: ${reg.host} denied scope repository:team/provenance:pull,push (401 insufficient_scope) to the credentials for ${reg.host} from ${join(docker, 'config.json')} [REGISTRY_DENIED]\n`);
    const ls = await run(['registry', 'ls', '--subject', subject, '--registry', reg.spec, '--format', 'json'], docker);
    assert.equal(ls.code, 0, 'the same user may pull');
  });

  test('a wrong password: the token service refuses, in one line', async () => {
    const docker = dockerConfig(join(dir, 'docker-wrong'), reg.host, 'ci-bot', 'not-the-password');
    const r = await run(['registry', 'ls', '--registry', reg.spec], docker);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `model-provenance: ${reg.spec}: the token service 127.0.0.1:${tokens.port} refused the credentials from ${join(docker, 'config.json')} (401) for scope repository:team/provenance:pull [REGISTRY_UNAUTHORIZED]\n`);
  });

  test('no secret in any output', () => {
    assert.ok(outputs.length >= 5);
    for (const o of outputs) for (const s of [password, identityToken, 'not-the-password']) assert.ok(!o.stdout.includes(s) && !o.stderr.includes(s));
  });
});
