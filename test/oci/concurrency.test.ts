/**
 * The referrers tag schema is a read-modify-write race: without conditional writes
 * (Distribution 2.8 has none), two writers that read the same index and each add their own
 * artifact leave only one of them in it. This tier shows no attestation is lost anyway:
 *
 * 4 processes (test/helpers/oci-writer.mjs on dist/core.js, each with its own cache, as four
 * CI jobs on four machines would be) push 100 attestations each, all about the same 4
 * subjects, released at the same moment. Afterwards, from a fresh process state:
 *  - every one of the 400 acknowledged attestations is found by subject, with nothing else;
 *  - `registry verify` is OK with 400 entries for 4 subjects;
 *  - how many artifacts the race left out of the tag-schema indexes is printed (readers
 *    do not depend on them), and `registry verify --repair` lists every one of them there,
 *    so `oras discover` sees all 400.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair, openRegistry, type GeneratedKeyPair } from '../../core';
import { REPO, runCli, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/oci';

const WRITERS = 4;
const PER_WRITER = 100;
const SUBJECTS = 4;
const digest = (): string => `sha256:${randomBytes(32).toString('hex')}`;

interface Done {
  id: string;
  subject: string;
}

function runWriter(configPath: string, cache: string, onReady: () => void): { done: Done[]; exit: Promise<{ code: number | null; stderr: string }>; go: () => void } {
  const child = spawn(process.execPath, [join(REPO, 'test', 'helpers', 'oci-writer.mjs'), configPath], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, MODEL_PROVENANCE_CACHE: cache } });
  const done: Done[] = [];
  let buf = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const e = JSON.parse(buf.slice(0, nl)) as { ready?: boolean; done?: number; id?: string; subject?: string };
      buf = buf.slice(nl + 1);
      if (e.ready) onReady();
      if (e.id) done.push({ id: e.id, subject: e.subject! });
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { done, exit, go: () => child.stdin.write('go\n') };
}

describe('4 processes push 100 attestations each for the same 4 subjects at once', () => {
  let reg: RunningRegistry;
  let dir: string;

  before(async () => {
    dir = tempDir('mp-oci-concurrency-', { untilExit: true });
    reg = await startRegistry(join(dir, 'registry'));
  });
  after(async () => {
    await reg.stop();
  });

  test('every acknowledged attestation is found, registry verify is OK, and --repair completes the tag-schema indexes', { timeout: 900_000 }, async () => {
    const subjects = Array.from({ length: SUBJECTS }, (_, i) => ({ digest: digest(), name: `model-${i}`, baseModel: digest(), dataset: digest() }));
    let ready = 0;
    let allReady!: () => void;
    const readyAll = new Promise<void>((r) => (allReady = r));
    const writers = Array.from({ length: WRITERS }, (_, n) => {
      const key: GeneratedKeyPair = generateKeyPair('P-256');
      const configPath = join(dir, `writer-${n}.json`);
      writeFileSync(configPath, JSON.stringify({ registry: reg.spec, privateKeyPem: key.privateKeyPem, writer: `w${n}`, count: PER_WRITER, subjects, finishedOn: new Date().toISOString() }));
      const w = runWriter(configPath, join(dir, `cache-${n}`), () => {
        if (++ready === WRITERS) allReady();
      });
      return w;
    });
    await readyAll;
    const t0 = Date.now();
    for (const w of writers) w.go();
    const exits = await Promise.all(writers.map((w) => w.exit));
    const seconds = (Date.now() - t0) / 1000;
    for (const e of exits) assert.equal(e.code, 0, e.stderr);
    const acknowledged = writers.flatMap((w) => w.done);
    assert.equal(acknowledged.length, WRITERS * PER_WRITER);
    assert.equal(new Set(acknowledged.map((d) => d.id)).size, WRITERS * PER_WRITER, 'every attestation is its own bundle');

    // A fresh reader (its own empty cache) finds every one, by subject, and nothing else.
    const reader = openRegistry(reg.spec, dir, { oci: { cacheDir: join(dir, 'cache-reader') } });
    for (const s of subjects) {
      const found = (await reader.findBySubject(s.digest)).map((e) => e.id).sort();
      const expected = acknowledged.filter((d) => d.subject === s.digest).map((d) => d.id).sort();
      assert.equal(expected.length, PER_WRITER);
      assert.deepEqual(found, expected, `entries about ${s.name}`);
    }
    assert.equal((await reader.list()).length, WRITERS * PER_WRITER);

    const env = { MODEL_PROVENANCE_CACHE: join(dir, 'cache-cli'), MODEL_PROVENANCE_REGISTRY: '' };
    const check = await runCli(['registry', 'verify', '--registry', reg.spec, '--format', 'json'], { env, timeoutMs: 600_000 });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const json = JSON.parse(check.stdout);
    assert.equal(json.ok, true);
    assert.equal(json.entries, WRITERS * PER_WRITER);
    assert.equal(json.subjects, SUBJECTS);
    const unlisted = json.unlistedReferrers.length as number;
    console.log(`# ${WRITERS}x${PER_WRITER} pushes took ${seconds.toFixed(1)} s; the race left ${unlisted} of ${WRITERS * PER_WRITER} artifacts out of the tag-schema indexes (all found through their per-artifact tags)`);

    const repaired = await runCli(['registry', 'verify', '--repair', '--registry', reg.spec, '--format', 'json'], { env, timeoutMs: 600_000 });
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert.deepEqual(JSON.parse(repaired.stdout).unlistedReferrers, []);

    // What a plain OCI client (oras discover) reads now: every artifact in the index.
    for (const s of subjects) {
      const subject = await fetch(`http://${reg.host}/v2/team/provenance/manifests/sha256-${s.digest.slice(7)}.subject`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      const m = `sha256:${createHash('sha256').update(Buffer.from(await subject.arrayBuffer())).digest('hex')}`;
      const index = await fetch(`http://${reg.host}/v2/team/provenance/manifests/sha256-${m.slice(7)}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
      const listed = ((await index.json()) as { manifests: { annotations: Record<string, string> }[] }).manifests.map((d) => d.annotations['dev.model-provenance.entry']).sort();
      assert.deepEqual(listed, acknowledged.filter((d) => d.subject === s.digest).map((d) => d.id).sort());
    }
  });
});
