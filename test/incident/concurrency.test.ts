/**
 * 200 advisories and 200 attestations written into one registry by two processes at the same
 * time, while a third process keeps reading the reverse index (and so packs its journal
 * under the writers' feet): the readers never see an answer shrink, the final answers are
 * exact (impact of the shared dataset is exactly the 200 models; the 200 advisories all
 * verify and are in force), and `registry verify` is OK, from the library and the CLI.
 *
 * Needs the bundles: `node scripts/build.mjs` first.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LocalRegistry, compilePolicy, generateKeyPair, impact, loadEffectiveFlags } from '../../core';
import { REPO, runCli, tempDir } from '../helpers/fixtures';

const WRITER = join(REPO, 'test', 'helpers', 'incident-writer.mjs');
const N = 200;
const digest = (): string => `sha256:${randomBytes(32).toString('hex')}`;

interface Proc {
  child: ChildProcessWithoutNullStreams;
  events: Record<string, unknown>[];
  stderr: string;
  closed: Promise<number | null>;
}

const live: Proc[] = [];
after(() => {
  for (const p of live) p.child.kill('SIGKILL');
});

function start(dir: string, name: string, config: Record<string, unknown>): Proc {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  const child = spawn(process.execPath, [WRITER, path], { stdio: ['pipe', 'pipe', 'pipe'] });
  const p: Proc = { child, events: [], stderr: '', closed: new Promise((r) => child.on('close', (code) => r(code))) };
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      p.events.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr.on('data', (d: Buffer) => (p.stderr += d.toString('utf8')));
  child.stdin.on('error', () => {});
  live.push(p);
  return p;
}

async function ready(p: Proc): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!p.events.some((e) => e.ready)) {
    if (Date.now() > deadline) throw new Error(`no ready event\n${p.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test(`${N} advisories and ${N} attestations by two processes at once, a third reading: exact answers, verify OK`, async (t) => {
  const dir = tempDir('mp-incident-conc-');
  const reg = join(dir, '.provenance');
  const security = generateKeyPair('P-256');
  const trainer = generateKeyPair('P-256');
  writeFileSync(join(dir, 'security.pub.pem'), security.publicKeyPem);
  writeFileSync(join(dir, 'trainer.pub.pem'), trainer.publicKeyPem);
  const policy = compilePolicy({ signers: { security: { publicKey: 'security.pub.pem' }, trainer: { publicKey: 'trainer.pub.pem' } }, advisorySigners: ['security'] }, join(dir, 'policy.json'));
  const dataset = digest();
  const base = digest();
  const models = Array.from({ length: N }, digest);
  const flagged = Array.from({ length: N }, digest);

  const advisories = start(dir, 'advisories', { mode: 'advisories', registry: reg, privateKeyPem: security.privateKeyPem, targets: flagged });
  const attestations = start(dir, 'attestations', { mode: 'attestations', registry: reg, privateKeyPem: trainer.privateKeyPem, subjects: models, base, dataset, finishedOn: '2026-11-20T10:00:00.000Z' });
  const reader = start(dir, 'reader', { mode: 'reader', registry: reg, dataset });
  await Promise.all([advisories, attestations, reader].map(ready));
  const t0 = Date.now();
  for (const p of [advisories, attestations, reader]) p.child.stdin.write('go\n');
  const codes = await Promise.all([advisories.closed, attestations.closed]);
  reader.child.stdin.write('stop\n');
  const readerCode = await reader.closed;
  t.diagnostic(`two writers (${N} advisories, ${N} attestations) and a reader: ${Date.now() - t0} ms`);
  assert.deepEqual(codes, [0, 0], advisories.stderr + attestations.stderr);
  assert.equal(readerCode, 0, reader.stderr);
  for (const p of [advisories, attestations]) assert.equal(p.events.filter((e) => e.done !== undefined).length, N);

  // The writers overlapped, and the reader's answers only ever grew.
  const seen = reader.events.filter((e) => typeof e.seen === 'number').map((e) => e.seen as number);
  assert.ok(seen.length >= 2, 'the reader read');
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `the reader saw ${seen[i - 1]} then ${seen[i]} consumers`);
  const generations = new Set(reader.events.map((e) => e.generation));
  t.diagnostic(`reader: ${seen.length} reads, answers ${seen[0]}…${seen.at(-1)}, pack generations seen: ${[...generations].join(', ')}`);

  const registry = new LocalRegistry(reg);
  const radius = await impact({ registry, target: { kind: 'artifact', digest: dataset }, policy });
  assert.deepEqual(radius.affected.map((n) => n.digest).sort(), [...models].sort());
  assert.ok(radius.affected.every((n) => n.verification === 'verified' && n.depth === 1));
  assert.equal((await registry.findByInput(base)).length, N);

  const flags = await loadEffectiveFlags(registry, policy);
  assert.deepEqual([...flags.digests.keys()].sort(), [...flagged].sort());
  assert.deepEqual(flags.ignored, []);

  const check = await registry.verify();
  assert.deepEqual(check.problems, []);
  assert.deepEqual([check.ok, check.entries, check.strayTempFiles, check.unindexedBlobs], [true, 2 * N, [], []]);
  const cli = await runCli(['registry', 'verify', '--registry', reg]);
  assert.equal(cli.code, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, new RegExp(`^OK .*: ${2 * N} index entries`));

  // A cold rebuild gives the same answers as the incrementally maintained index.
  registry.rebuildIndex();
  const again = await impact({ registry, target: { kind: 'artifact', digest: dataset } });
  assert.deepEqual(again.affected.map((n) => n.digest).sort(), [...models].sort());
});
