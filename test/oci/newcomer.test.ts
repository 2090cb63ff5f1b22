/**
 * What a newcomer found trying the OCI registry (issue 13, "oci-fix"), each kind with its exact
 * value, against a real docker-registry on this machine:
 *  - every command that takes --policy reads the registry the gate reads (incident ls, impact,
 *    report, flag, with a stale local .provenance/ beside them);
 *  - incident impact's text tree shows every derivation path (`via`), not one per node;
 *  - a plain-HTTP registry on a non-loopback address says so (REGISTRY_PLAIN_HTTP), --insecure works;
 *  - URLs as registry specs are refused naming who gave them (flag, env, positional, policy);
 *  - a failing credential helper and a missing config.json are named, the helper's output never;
 *  - JSON keys (`registry` the spec, `location` the tag), `registry ls --subject` with tags,
 *    `registry sync` counts that add up, `registry copy` cut off says how far it got;
 *  - transport flags refused with a folder, attempts out of range refused, the true timeout range.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashModel, openRegistry, ProvenanceTracker, type InputError } from '../../core';
import { CLI, runCli, tempDir, type CliRun } from '../helpers/fixtures';
import { dockerConfig, startProxy, startRegistry, type RunningRegistry } from '../helpers/oci';
import { makeWorld, pipelineSteps, type World } from './world';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** This machine's first IPv4 address that is not loopback: a host the CLI does not treat as local. */
function nonLoopbackAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;
  assert.ok(address, 'this test needs a non-loopback IPv4 address on this machine');
  return address;
}

function oneLine(r: CliRun, code = 2): string {
  assert.equal(r.code, code, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  return lines[0]!;
}

describe('newcomer findings on the OCI registry', () => {
  let dir: string;
  let reg: RunningRegistry;
  let w: World;
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ MODEL_PROVENANCE_CACHE: join(dir, 'cache'), DOCKER_CONFIG: join(dir, 'no-docker'), MODEL_PROVENANCE_REGISTRY: '', ...extra });
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliRun> => runCli(args, { env: env(extra), cwd: cwd ?? w.dir, timeoutMs: 120_000 });
  const ok = async (args: string[], extra: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliRun> => {
    const r = await cli(args, extra, cwd);
    assert.equal(r.code, 0, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  before(async () => {
    dir = tempDir('mp-oci-newcomer-', { untilExit: true });
    reg = await startRegistry(join(dir, 'registry'));
    w = makeWorld(join(dir, 'world'));
  });
  after(async () => {
    await reg.stop();
  });

  test('incident ls, impact, report and flag use the registry the policy names, as the gate does; the text tree shows every path', async () => {
    // The team's policy names the OCI registry; the working folder also has a stale local registry.
    const doc = JSON.parse((await import('node:fs')).readFileSync(w.policyPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(w.policyPath, JSON.stringify({ ...doc, registry: reg.spec }, null, 2));
    for (const step of pipelineSteps(w)) await ok([...step, '--registry', reg.spec]);
    // q4 is also evaluated on the SFT dataset: the evaluation edge and the derivation path both lead to it.
    await ok(['attest', w.models.quantized, '--stage', 'evaluation', '--private-key', w.key('quantizer'), '--eval-dataset', w.models.sftData, '--registry', reg.spec]);
    await ok(['attest', w.models.base, '--stage', 'pre-training', '--private-key', w.key('vendor'), '--registry', join(w.dir, '.provenance')]);

    // incident flag takes no --policy: the default policy (./provenance-policy.json) names where the gate looks.
    const flagged = await ok(['incident', 'flag', w.models.sftData, '--reason', 'poisoned', '--id', 'MP-2026-0001', '--private-key', w.key('security'), '--date', '2026-11-20T00:00:00Z']);
    const sft = (await hashModel(w.models.sftData)).digest;
    assert.match(flagged.stdout, new RegExp(`^MP-2026-0001 affected: .*${esc(sft)}.*\\n  stored sha256:[0-9a-f]{64} in ${esc(reg.spec)}:sha256-${sft.slice(7)}\\.[a-z2-7]{52}\\n$`));

    const ls = await ok(['incident', 'ls', '--policy', w.policyPath]);
    assert.match(ls.stdout, new RegExp(`^1 advisory in ${esc(reg.spec)}: 1 in force \\(the gate refuses their targets\\), 0 lifted; 1 statement\\(s\\)\\n`));
    const report = await ok(['incident', 'report', 'MP-2026-0001', '--policy', w.policyPath, '--no-workspace', '--format', 'json', '--date', '2026-11-21T00:00:00Z']);
    assert.equal((JSON.parse(report.stdout) as { advisory: { id: string } }).advisory.id, 'MP-2026-0001');
    const q4 = (await hashModel(w.models.quantized)).digest;
    const gate = await cli(['verify', '--digest', q4, '--policy', w.policyPath]);
    assert.equal(gate.code, 1, gate.stdout + gate.stderr);
    assert.match(gate.stdout, /FLAGGED_ARTIFACT/);

    // Every `via` of the JSON is an edge of the text tree.
    const json = JSON.parse((await ok(['incident', 'impact', 'MP-2026-0001', '--policy', w.policyPath, '--no-workspace', '--format', 'json'])).stdout) as { affected: { digest: string; via: { from: string; role: string }[] }[] };
    const q4node = json.affected.find((n) => n.digest === q4)!;
    const merged = (await hashModel(w.models.merged)).digest;
    assert.deepEqual(q4node.via.map((v) => `${v.role} ${v.from}`).sort(), [`base-model ${merged}`, `dataset ${sft}`].sort());
    const text = (await ok(['incident', 'impact', 'MP-2026-0001', '--policy', w.policyPath, '--no-workspace'])).stdout;
    const q4lines = text.split('\n').filter((l) => l.includes(q4.slice(7, 19)));
    assert.equal(q4lines.length, 2, text);
    assert.equal(q4lines.filter((l) => /^[├└]─ dataset → /.test(l)).length, 1, `q4 under the flagged dataset (its evaluation):\n${text}`);
    assert.equal(q4lines.filter((l) => /^[│ ]{6}└─ base-model → /.test(l)).length, 1, `q4 under the merged model (its derivation):\n${text}`);
    const edges = json.affected.reduce((n, a) => n + a.via.length, 0);
    assert.equal(text.split('\n').filter((l) => /[├└]─ /.test(l)).length, edges, `one tree line per via edge:\n${text}`);

    // manifest init --policy reads the same registry, and its summary counts each problem code once.
    const bom = join(w.dir, 'q4.cdx.json');
    const m = await ok(['manifest', 'init', w.models.quantized, '--policy', w.policyPath, '--output', bom]);
    const chain = /\(chain failed: ([^)]*)\)\n$/.exec(m.stdout);
    assert.ok(chain, m.stdout);
    const codes = chain[1]!.split(', ').map((c) => c.replace(/ ×\d+$/, ''));
    assert.ok(codes.includes('FLAGGED_ARTIFACT'), m.stdout);
    assert.equal(new Set(codes).size, codes.length, `each code once: ${m.stdout}`);
    const summary = JSON.parse((await ok(['manifest', 'init', w.models.quantized, '--policy', w.policyPath, '--output', join(w.dir, 'q4b.cdx.json'), '--format', 'json'])).stdout) as { chain: { problems: string[] } };
    const tally = new Map<string, number>();
    for (const c of summary.chain.problems) tally.set(c, (tally.get(c) ?? 0) + 1);
    assert.equal(chain[1], [...tally].map(([c, n]) => (n > 1 ? `${c} ×${n}` : c)).join(', '));
  });

  test('attest into a repository nothing was pushed to yet: stored, no warning; a second claim with other inputs is warned of; --replaces removes the first', async () => {
    const fresh = `oci://${reg.host}/team/fresh-${Date.now()}`;
    const subject = ['--subject-digest', `sha256:${'c1'.repeat(32)}`, '--subject-name', 'ft'];
    const first = await ok(['attest', '--stage', 'fine-tuning', ...subject, '--base-model', `a=sha256:${'a1'.repeat(32)}`, '--private-key', w.key('trainer'), '--registry', fresh, '--format', 'json']);
    assert.equal(first.stderr, '');
    const firstId = JSON.parse(first.stdout).id as string;
    const second = await ok(['attest', '--stage', 'fine-tuning', ...subject, '--base-model', `b=sha256:${'b1'.repeat(32)}`, '--private-key', w.key('trainer'), '--registry', fresh, '--format', 'json']);
    assert.deepEqual((JSON.parse(second.stdout).conflicts as { id: string }[]).map((c) => c.id), [firstId]);
    assert.match(second.stderr, new RegExp(`the registry already holds ${firstId} \\(fine-tuning, .*\\), which says it produced ft from other inputs: it records base-model "a" sha256:(a1){6}… \\(no attestation in this registry\\), where this one records base-model "b" .*\\[ATTESTATION_CONFLICT\\]`));
    const secondId = JSON.parse(second.stdout).id as string;
    const third = await ok(['attest', '--stage', 'fine-tuning', ...subject, '--base-model', `b=sha256:${'b1'.repeat(32)}`, '--replaces', firstId, '--private-key', w.key('trainer'), '--registry', fresh, '--format', 'json']);
    assert.deepEqual(JSON.parse(third.stdout).replaced, [firstId]);
    assert.equal(third.stderr, '', 'the same inputs as the second: no conflict left');
    const ls = await ok(['registry', 'ls', '--subject', `sha256:${'c1'.repeat(32)}`, '--registry', fresh, '--format', 'json']);
    assert.deepEqual((JSON.parse(ls.stdout).entries as { id: string }[]).map((e) => e.id).sort(), [secondId, JSON.parse(third.stdout).id].sort());
  });

  test('a registry that speaks plain HTTP on a non-loopback address: REGISTRY_PLAIN_HTTP without --insecure, works with it', async (t) => {
    const address = nonLoopbackAddress();
    // A TCP forwarder on that address to the registry on 127.0.0.1: the same registry, not on loopback.
    const server = net.createServer((c) => {
      const up = net.connect(reg.port, '127.0.0.1');
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => server.listen(0, address, r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const host = `${address}:${(server.address() as net.AddressInfo).port}`;
    const spec = `oci://${host}/team/provenance`;
    assert.equal(oneLine(await cli(['registry', 'ls', '--registry', spec])), `model-provenance: ${spec}: ${host} speaks plain HTTP, not HTTPS: use --insecure to allow plain HTTP to it [REGISTRY_PLAIN_HTTP]`);
    const r = await ok(['registry', 'ls', '--registry', spec, '--insecure', '--format', 'json']);
    assert.equal((JSON.parse(r.stdout) as { registry: string }).registry, spec);
  });

  test('a port that speaks neither TLS nor HTTP (an SSH server) is a TLS failure saying so, not "speaks plain HTTP"', async (t) => {
    const address = nonLoopbackAddress();
    const server = net.createServer((c) => {
      c.on('error', () => undefined);
      c.resume(); // read what the client sends, so its FIN is seen and the socket closes
      c.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n');
    });
    await new Promise<void>((r) => server.listen(0, address, r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const host = `${address}:${(server.address() as net.AddressInfo).port}`;
    const spec = `oci://${host}/team/provenance`;
    assert.match(oneLine(await cli(['registry', 'ls', '--registry', spec])), new RegExp(`^model-provenance: ${esc(spec)}: ${esc(host)} answered the TLS handshake with something that is neither TLS nor HTTP \\(wrong version number\\); check the host and port \\[REGISTRY_TLS\\]$`));
  });

  test('a URL is not a registry spec: refused naming the flag, the variable, the argument or the policy', async () => {
    const url = `https://${reg.host}/team/provenance`;
    const want = (who: string, u = url): string => `model-provenance: ${who} "${u}" is a URL, not a registry reference: write oci://${reg.host}/team/provenance (oci://HOST[:PORT]/REPOSITORY) [REGISTRY_SPEC_INVALID]`;
    assert.equal(oneLine(await cli(['registry', 'ls', '--registry', url])), want('--registry'));
    assert.equal(oneLine(await cli(['registry', 'add', join(w.dir, 'none.json'), '--registry', url])), want('--registry'));
    assert.equal(oneLine(await cli(['registry', 'ls'], { MODEL_PROVENANCE_REGISTRY: url })), want('MODEL_PROVENANCE_REGISTRY'));
    const http = `http://${reg.host}/team/provenance`;
    assert.equal(
      oneLine(await cli(['registry', 'copy', join(w.dir, '.provenance'), http])),
      `${want('the DST argument', http).replace(' [REGISTRY_SPEC_INVALID]', '')}; a plain-HTTP registry on a host that is not loopback also needs --insecure (the insecure option) [REGISTRY_SPEC_INVALID]`,
    );
    assert.equal(
      oneLine(await cli(['registry', 'copy', `oci:/${reg.host}/team/provenance`, join(w.dir, 'copy-x')])),
      `model-provenance: the SRC argument "oci:/${reg.host}/team/provenance" is not an OCI registry reference: write oci://${reg.host}/team/provenance (oci://HOST[:PORT]/REPOSITORY) [REGISTRY_SPEC_INVALID]`,
    );
    // A writer's folder whose parent is missing: named by the argument that gave it, not --registry.
    const orphan = join(dir, 'no-such-parent', 'dst');
    assert.equal(
      oneLine(await cli(['registry', 'copy', join(w.dir, '.provenance'), orphan])),
      `model-provenance: ${orphan}: the DST argument names a folder whose parent does not exist either; create the registry folder first if the path is right [REGISTRY_NOT_FOUND]`,
    );
    const policy = join(dir, 'url-policy.json');
    const signers = { vendor: { publicKey: `${w.key('vendor').replace(/\.pem$/, '')}.pub.pem` } };
    writeFileSync(policy, JSON.stringify({ signers, registry: url }));
    assert.equal(oneLine(await cli(['incident', 'ls', '--policy', policy])), `model-provenance: ${policy}: registry: "${url}" is a URL, not a registry reference: write oci://${reg.host}/team/provenance (oci://HOST[:PORT]/REPOSITORY) [REGISTRY_SPEC_INVALID]`);
    // A folder the policy names that does not exist: the message says the policy named it.
    writeFileSync(policy, JSON.stringify({ signers, registry: 'gone' }));
    assert.equal(oneLine(await cli(['incident', 'ls', '--policy', policy])), `model-provenance: ${join(dir, 'gone')}: no registry here (the "registry" of ${policy}): check the path [REGISTRY_NOT_FOUND]`);
  });

  test('a failing credential helper is named with its exit code, never its output; a missing config.json is said', async (t) => {
    const locked = await startRegistry(join(dir, 'locked'), { basicAuth: { user: 'ci-bot', password: 'right-password' } });
    t.after(() => locked.stop());
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const secret = 'helper-output-secret-7f3a';
    writeFileSync(join(bin, 'docker-credential-broken'), `#!/bin/sh\necho '{"Username":"ci-bot","Secret":"${secret}"}'\necho "debug: ${secret}" >&2\nexit 3\n`);
    chmodSync(join(bin, 'docker-credential-broken'), 0o755);
    const config = join(dir, 'docker-broken');
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, 'config.json'), JSON.stringify({ credsStore: 'broken' }));
    const r = await cli(['registry', 'ls', '--registry', locked.spec], { DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}` });
    assert.equal(
      oneLine(r),
      `model-provenance: ${locked.spec}: ${locked.host} refused an anonymous request (no credentials: docker-credential-broken (the credsStore of ${join(config, 'config.json')}) failed with exit code 3) (401) for scope repository:team/provenance:pull [REGISTRY_UNAUTHORIZED]`,
    );
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
    const notInstalled = await cli(['registry', 'ls', '--registry', locked.spec], { DOCKER_CONFIG: config });
    assert.match(oneLine(notInstalled), /\(no credentials: docker-credential-broken \(the credsStore of .*config\.json\) is not installed \(not on PATH\)\) \(401\)/);
    const empty = join(dir, 'docker-empty');
    mkdirSync(empty, { recursive: true });
    assert.equal(
      oneLine(await cli(['registry', 'ls', '--registry', locked.spec], { DOCKER_CONFIG: empty })),
      `model-provenance: ${locked.spec}: ${locked.host} refused an anonymous request (no credentials: ${join(empty, 'config.json')} does not exist) (401) for scope repository:team/provenance:pull [REGISTRY_UNAUTHORIZED]`,
    );
    // With a config that has the credential, the same registry lets it in (and has nothing yet).
    const good = await cli(['registry', 'ls', '--registry', locked.spec], { DOCKER_CONFIG: dockerConfig(join(dir, 'docker-good'), locked.host, 'ci-bot', 'right-password') });
    assert.match(oneLine(good), /has no repository team\/provenance .*\[REGISTRY_NOT_FOUND\]$/);
  });

  test('JSON names the registry `registry` and the tag `location`; ls --subject prints tags; sync counts add up', async () => {
    const model = join(w.dir, 'json-model');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'model.bin'), 'json model');
    const a = JSON.parse((await ok(['attest', model, '--stage', 'pre-training', '--private-key', w.key('vendor'), '--registry', reg.spec, '--format', 'json'])).stdout) as { id: string; subject: { digest: string }; registry: string; location: string };
    assert.equal(a.registry, reg.spec);
    const tag = new RegExp(`^${esc(reg.spec)}:sha256-${a.subject.digest.slice(7)}\\.[a-z2-7]{52}$`);
    assert.match(a.location, tag);
    const folder = join(w.dir, 'json-folder');
    const local = JSON.parse((await ok(['attest', model, '--stage', 'pre-training', '--private-key', w.key('vendor'), '--registry', folder, '--format', 'json'])).stdout) as { registry: string; location: string };
    assert.equal(local.registry, folder);
    assert.ok(local.location.startsWith(`${folder}/`), local.location);
    const ls = await ok(['registry', 'ls', '--subject', a.subject.digest, '--registry', reg.spec]);
    assert.equal(ls.stdout, `1 entry in ${reg.spec}\n${a.id}  pre-training   ${a.subject.digest}  ${a.location}\n`);
    // A fresh cache: every entry is fetched; then nothing changes; then one new entry comes from the local cache.
    const fresh = { MODEL_PROVENANCE_CACHE: join(dir, 'cache-sync') };
    const first = (await ok(['registry', 'sync', '--registry', reg.spec, '--format', 'json'], fresh)).stdout;
    const s1 = JSON.parse(first) as { entries: number; unchanged: number; added: number; fetched: number; cached: number };
    assert.equal(s1.unchanged + s1.added, s1.entries);
    assert.equal(s1.unchanged, 0);
    assert.equal(s1.cached, 0, 'a fresh cache has no bundle');
    assert.ok(s1.fetched > 0 && s1.fetched <= s1.entries, first);
    const again = await ok(['registry', 'sync', '--registry', reg.spec], fresh);
    assert.match(again.stdout, new RegExp(`^synced ${esc(reg.spec)}: ${s1.entries} entries: ${s1.entries} unchanged, 0 added \\(bundles: 0 fetched, 0 from the local cache\\); 0 removed; into .*mirror\\n$`));
    writeFileSync(join(model, 'model.bin'), 'json model, second version');
    await ok(['attest', model, '--stage', 'pre-training', '--private-key', w.key('vendor'), '--registry', reg.spec], fresh);
    const third = await ok(['registry', 'sync', '--registry', reg.spec], fresh);
    assert.match(third.stdout, new RegExp(`^synced ${esc(reg.spec)}: ${s1.entries + 1} entries: ${s1.entries} unchanged, 1 added \\(bundles: 0 fetched, 1 from the local cache\\); 0 removed; into .*mirror\\n$`));
  });

  test('registry copy cut off by a registry fault says how far it got; running it again finishes', async (t) => {
    const target = await startRegistry(join(dir, 'copy-target'));
    t.after(() => target.stop());
    const src = join(w.dir, 'copy-src');
    for (let i = 0; i < 6; i++) await ok(['attest', '--subject-digest', `sha256:${String(i).repeat(64)}`, '--subject-name', `m${i}`, '--stage', 'pre-training', '--private-key', w.key('vendor'), '--registry', src]);
    // The proxy drops every connection once the third entry's artifact manifest is stored.
    let stored = 0;
    const proxy = await startProxy(target.port, {
      onUploadProgress: (method, path) => {
        if (method === 'PUT' && /\/manifests\/sha256-[0-9a-f]{64}\.[a-z2-7]{52}$/.test(path) && ++stored === 3) void proxy.close();
      },
    });
    const viaProxy = `oci://${proxy.host}/team/provenance`;
    const cut = await cli(['registry', 'copy', src, viaProxy], { MODEL_PROVENANCE_REGISTRY_ATTEMPTS: '2' });
    const line = oneLine(cut);
    const m = new RegExp(`^model-provenance: ${esc(viaProxy)}: .* \\(stored (\\d) of 6 entries to copy before it stopped; run it again to finish\\) \\[REGISTRY_UNAVAILABLE\\]$`).exec(line);
    assert.ok(m, line);
    const done = Number(m[1]);
    assert.ok(done >= 2 && done <= 3, line);
    const rest = await ok(['registry', 'copy', src, target.spec]);
    // The entry in flight when the connection dropped may have reached the registry or not.
    const counts = /^copied (\d) entr(?:y|ies) from (.*) to (.*) \((\d) already there\)\n$/.exec(rest.stdout);
    assert.ok(counts, rest.stdout);
    assert.deepEqual([counts[2], counts[3]], [src, target.spec]);
    assert.equal(Number(counts[1]) + Number(counts[4]), 6);
    assert.ok(Number(counts[4]) === done || Number(counts[4]) === done + 1, rest.stdout);
    assert.match((await ok(['registry', 'verify', '--registry', target.spec])).stdout, /^OK .*: 6 index entries for 6 subject/);
  });

  test('registry copy killed (SIGTERM) stops between entries and says how far it got', async (t) => {
    const target = await startRegistry(join(dir, 'copy-killed'));
    t.after(() => target.stop());
    const src = join(w.dir, 'copy-src'); // the 6 entries of the test above
    let child: ReturnType<typeof spawn> | undefined;
    let stored = 0;
    // The proxy sends the kill as the second entry's artifact manifest goes through.
    const proxy = await startProxy(target.port, {
      onUploadProgress: (method, path) => {
        if (method === 'PUT' && /\/manifests\/sha256-[0-9a-f]{64}\.[a-z2-7]{52}$/.test(path) && ++stored === 2) child?.kill('SIGTERM');
      },
    });
    t.after(() => proxy.close());
    child = spawn(process.execPath, [CLI, 'registry', 'copy', src, `oci://${proxy.host}/team/provenance`], { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child!.on('close', r));
    assert.equal(code, 130, stderr);
    assert.match(stderr, new RegExp(`^model-provenance: ${esc(`oci://${proxy.host}/team/provenance`)}: registry copy cancelled \\(stored [23] of 6 entries to copy before it stopped; run it again to finish\\) \\[CANCELLED\\]\\n$`));
    const rest = await ok(['registry', 'copy', src, target.spec]);
    assert.match(rest.stdout, /^copied [34] entries from .* \([23] already there\)\n$/);
  });

  test('transport settings: refused with a folder, attempts out of range refused, the true timeout range, library names its options', async () => {
    const folder = join(w.dir, '.provenance');
    for (const [flag, ...value] of [['--ca-file', join(dir, 'ca.pem')], ['--insecure'], ['--registry-timeout', '5']] as [string, ...string[]][]) {
      assert.equal(oneLine(await cli(['registry', 'ls', '--registry', folder, flag, ...value])), `model-provenance: ${folder}: ${flag} applies only to an oci:// registry; this registry is a folder [OPTION_NOT_APPLICABLE]`);
    }
    // The workspace default is a folder too; registry copy takes them when one side is OCI.
    assert.equal(oneLine(await cli(['incident', 'ls', '--insecure'], {}, join(w.dir, 'json-folder'))), `model-provenance: ${folder}: --insecure applies only to an oci:// registry; this registry is a folder [OPTION_NOT_APPLICABLE]`);
    assert.equal(oneLine(await cli(['registry', 'copy', folder, join(w.dir, 'copy-y'), '--insecure'])), `model-provenance: ${join(w.dir, 'copy-y')}: --insecure applies only to an oci:// registry; this registry is a folder [OPTION_NOT_APPLICABLE]`);
    assert.equal(oneLine(await cli(['registry', 'ls', '--registry', reg.spec], { MODEL_PROVENANCE_REGISTRY_ATTEMPTS: '50' })), 'model-provenance: MODEL_PROVENANCE_REGISTRY_ATTEMPTS="50": it must be a whole number from 1 to 10 [USAGE]');
    assert.equal(oneLine(await cli(['registry', 'ls', '--registry', reg.spec], { MODEL_PROVENANCE_REGISTRY_TIMEOUT: '0' })), 'model-provenance: MODEL_PROVENANCE_REGISTRY_TIMEOUT="0": it must be more than 0 and at most 3600 seconds [USAGE]');
    assert.equal(oneLine(await cli(['registry', 'ls', '--registry', reg.spec, '--registry-timeout', '0'])), 'model-provenance: --registry-timeout must be a number of seconds more than 0 and at most 3600 (got "0") [USAGE]');
    const help = await ok(['registry', 'ls', '--help']);
    assert.match(help.stdout.replace(/\s+/g, ' '), /--insecure OCI registries: allow plain HTTP to a host that is not loopback; certificates of HTTPS registries are still checked \(unlike crane\/oras --insecure; a private CA needs --ca-file\)/);
    // The library names its own options, not the CLI's flags.
    assert.throws(
      () => openRegistry(reg.spec, dir, { oci: { timeoutSeconds: 0 } }),
      (e: InputError) => e.code === 'USAGE' && e.message === 'the registry timeout (timeoutSeconds) must be more than 0 and at most 3600 seconds (got 0)',
    );
    assert.throws(
      () => new ProvenanceTracker({ registry: folder, oci: { caFile: join(dir, 'ca.pem') } }),
      (e: InputError) => e.code === 'OPTION_NOT_APPLICABLE' && e.message === 'caFile applies only to an oci:// registry; this registry is a folder',
    );
    assert.throws(() => new ProvenanceTracker({ registry: openRegistry(reg.spec, dir), oci: { timeoutSeconds: 5 } }), { code: 'OPTION_NOT_APPLICABLE' });
  });
});
