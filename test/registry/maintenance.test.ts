/**
 * Registry maintenance and the registry a command uses:
 *  - a registry that does not exist is an input error (exit 2, naming the path), never an
 *    empty registry; writers create the default one, and an explicit one only beside an
 *    existing parent, saying so;
 *  - outputs name the registry and the policy used;
 *  - `registry rm` by id and by subject (a bundle shared by several subjects stays for the
 *    others), safe against concurrent readers and writers (real processes);
 *  - `registry verify --repair` repairs everything verify reports that is repairable.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LocalRegistry, SLSA_PROVENANCE_V1, buildAttestation, compilePolicy, generateKeyPair, hashModel, signStatement, verifyChain, writeKeyPair } from '../../core';
import { REPO, makeModel, runCli, tempDir } from '../helpers/fixtures';

interface World {
  dir: string;
  model: string;
  base: string;
  reg: string;
  policy: string;
}

async function world(): Promise<World> {
  const dir = tempDir('mp-regm-');
  for (const k of ['vendor', 'trainer']) writeKeyPair(join(dir, 'keys', k), generateKeyPair('P-256'));
  const base = makeModel(join(dir, 'base'), { 'w.bin': 'base' });
  const model = makeModel(join(dir, 'ft'), { 'w.bin': 'ft' });
  const policy = join(dir, 'provenance-policy.json');
  writeFileSync(policy, JSON.stringify({ signers: { vendor: { publicKey: 'keys/vendor.pub.pem' }, trainer: { publicKey: 'keys/trainer.pub.pem' } }, stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] } } }));
  const reg = join(dir, '.provenance');
  for (const args of [
    ['attest', base, '--stage', 'pre-training', '--private-key', join(dir, 'keys', 'vendor.pem')],
    ['attest', model, '--stage', 'fine-tuning', '--private-key', join(dir, 'keys', 'trainer.pem'), '--base-model', base],
  ]) {
    const r = await runCli([...args, '--registry', reg]);
    assert.equal(r.code, 0, r.stderr);
  }
  return { dir, model, base, reg, policy };
}

/** One line on stderr that names `path` and ends with `[code]`. */
function assertInputError(r: { code: number | null; stdout: string; stderr: string }, path: string, code: string, what: string): void {
  assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: one line on stderr\n${r.stderr}`);
  assert.ok(lines[0]!.replace(/^model-provenance: /, '').startsWith(`${path}: `), `${what}: names ${path}: ${lines[0]}`);
  assert.ok(lines[0]!.endsWith(`[${code}]`), `${what}: ${lines[0]}`);
}

describe('a registry that does not exist', () => {
  test('readers given a missing --registry or MODEL_PROVENANCE_REGISTRY fail with exit 2 naming the path', async () => {
    const w = await world();
    const missing = join(w.dir, 'no-such-registry');
    const readers: string[][] = [
      ['verify', w.model, '--policy', w.policy],
      ['lineage', w.model],
      ['registry', 'ls'],
      ['registry', 'verify'],
      ['registry', 'show', `sha256:${'a'.repeat(64)}`],
      ['registry', 'rm', `sha256:${'a'.repeat(64)}`],
      // Maintenance of the reverse index, and the incident queries, read an existing registry.
      ['registry', 'index', '--rebuild'],
      ['incident', 'ls'],
      ['incident', 'impact', `sha256:${'a'.repeat(64)}`, '--no-workspace'],
    ];
    for (const args of readers) {
      assertInputError(await runCli([...args, '--registry', missing]), missing, 'REGISTRY_NOT_FOUND', `${args.join(' ')} --registry`);
      assertInputError(await runCli(args, { env: { MODEL_PROVENANCE_REGISTRY: `file:${missing}` } }), missing, 'REGISTRY_NOT_FOUND', `${args.join(' ')} env`);
    }
    const r = await runCli(['registry', 'ls', '--registry', missing]);
    assert.match(r.stderr, /no registry here \(--registry\): check the path \[REGISTRY_NOT_FOUND\]/);
    assert.equal(r.stdout, '', 'never "0 entries"');
    const env = await runCli(['registry', 'ls'], { env: { MODEL_PROVENANCE_REGISTRY: missing } });
    assert.match(env.stderr, /\(MODEL_PROVENANCE_REGISTRY\)/);
  });

  test('without any registry in reach, the default is not an empty registry either', async () => {
    const w = await world();
    const lonely = tempDir('mp-lonely-');
    const r = await runCli(['verify', w.model, '--policy', w.policy], { cwd: lonely, env: { MODEL_PROVENANCE_REGISTRY: '' } });
    assertInputError(r, join(lonely, '.provenance'), 'REGISTRY_NOT_FOUND', 'default');
    assert.match(r.stderr, /no \.provenance\/ registry in .* or any folder above it; give --registry or set MODEL_PROVENANCE_REGISTRY/);
    // A default folder that holds only keys is no registry for readers; a writer makes it one.
    makeModel(join(lonely, '.provenance', 'keys'), { 'note.txt': 'keys live here' });
    assertInputError(await runCli(['registry', 'ls'], { cwd: lonely, env: { MODEL_PROVENANCE_REGISTRY: '' } }), join(lonely, '.provenance'), 'REGISTRY_NOT_FOUND', 'keys only');
    const a = await runCli(['attest', w.model, '--stage', 'fine-tuning', '--private-key', join(w.dir, 'keys', 'trainer.pem'), '--base-model', w.base], { cwd: lonely, env: { MODEL_PROVENANCE_REGISTRY: '' } });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stderr, '');
    const ls = await runCli(['registry', 'ls'], { cwd: lonely, env: { MODEL_PROVENANCE_REGISTRY: '' } });
    assert.match(ls.stdout, new RegExp(`^1 entry in ${join(lonely, '.provenance')}\n`));
  });

  test('a folder that holds something else, or a file, is not a registry', async () => {
    const w = await world();
    const other = join(w.dir, 'ft');
    assertInputError(await runCli(['registry', 'ls', '--registry', other]), other, 'REGISTRY_NOT_FOUND', 'model folder');
    const file = join(w.dir, 'ft', 'w.bin');
    assertInputError(await runCli(['registry', 'ls', '--registry', file]), file, 'REGISTRY_NOT_FOUND', 'file');
    // An empty folder is an empty registry.
    mkdirSync(join(w.dir, 'empty'));
    const empty = await runCli(['registry', 'ls', '--registry', join(w.dir, 'empty')]);
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, `0 entries in ${join(w.dir, 'empty')}\n`);
  });

  test('writers create a new explicit registry beside an existing parent and say so; a missing parent is refused', async () => {
    const w = await world();
    const fresh = join(w.dir, 'fresh-registry');
    const a = await runCli(['attest', w.model, '--stage', 'fine-tuning', '--private-key', join(w.dir, 'keys', 'trainer.pem'), '--base-model', w.base, '--registry', fresh]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stderr, `note: created a new registry at ${fresh}\n`);
    assert.match(a.stdout, new RegExp(`stored  sha256:[0-9a-f]{64} in ${fresh}/blobs/sha256/`));
    const again = await runCli(['attest', w.base, '--stage', 'pre-training', '--private-key', join(w.dir, 'keys', 'vendor.pem'), '--registry', fresh]);
    assert.equal(again.stderr, '', 'only the write that creates it says so');
    const typo = join(w.dir, 'no', 'such', 'registry');
    assertInputError(await runCli(['attest', w.model, '--stage', 'fine-tuning', '--private-key', join(w.dir, 'keys', 'trainer.pem'), '--registry', typo]), typo, 'REGISTRY_NOT_FOUND', 'attest typo');
    assertInputError(await runCli(['registry', 'add', join(fresh, 'blobs', 'sha256', readdirSync(join(fresh, 'blobs', 'sha256'))[0]!), '--registry', typo]), typo, 'REGISTRY_NOT_FOUND', 'add typo');
    // Advisories are written like attestations: a new explicit registry is announced, a typo refused.
    const flagged = join(w.dir, 'advisory-registry');
    const f = await runCli(['incident', 'flag', `sha256:${'c'.repeat(64)}`, '--reason', 'poisoned', '--private-key', join(w.dir, 'keys', 'trainer.pem'), '--registry', flagged]);
    assert.equal(f.code, 0, f.stderr);
    // …and, the registry being new, the flagged digest is one nothing recorded names: said too.
    assert.equal(f.stderr, `note: created a new registry at ${flagged}\nmodel-provenance: warning: sha256:${'c'.repeat(64)} is not in ${flagged} (no attestation names it): the advisory is written and the gate will refuse it if it appears, but nothing recorded is affected now; check the digest [DIGEST_NOT_IN_REGISTRY]\n`);
    assertInputError(await runCli(['incident', 'flag', `sha256:${'c'.repeat(64)}`, '--reason', 'poisoned', '--private-key', join(w.dir, 'keys', 'trainer.pem'), '--registry', typo]), typo, 'REGISTRY_NOT_FOUND', 'incident flag typo');
    assert.equal(existsSync(join(w.dir, 'no')), false, 'nothing was created');
  });
});

describe('outputs name the registry and the policy', () => {
  test('lineage names the registry and the policy file it picked up by default; JSON carries both', async () => {
    const w = await world();
    const t = await runCli(['lineage', w.model], { cwd: w.dir });
    assert.equal(t.code, 0, t.stderr);
    assert.ok(t.stdout.includes(`\n  registry ${w.reg}; policy ${w.policy} (picked up by default from the working directory)\n`), t.stdout);
    const j = JSON.parse((await runCli(['lineage', w.model, '--format', 'json'], { cwd: w.dir })).stdout);
    assert.equal(j.registry, w.reg);
    assert.deepEqual(j.policy, { path: w.policy, origin: 'default' });
    assert.equal(j.strict, false);
    const given = JSON.parse((await runCli(['verify', w.model, '--policy', w.policy, '--registry', w.reg, '--format', 'json'])).stdout);
    assert.deepEqual(given.policy, { path: w.policy, origin: 'given' });
    const ls = JSON.parse((await runCli(['registry', 'ls', '--registry', w.reg, '--format', 'json'])).stdout);
    assert.equal(ls.registry, w.reg);
  });
});

describe('registry rm', () => {
  test('by id: the entry and its bundle are gone, the chain reports the gap; an unknown id removes nothing', async () => {
    const w = await world();
    const r = new LocalRegistry(w.reg);
    const ft = (await r.findBySubject((await hashModel(w.model)).digest))[0]!;
    const pt = (await r.findBySubject((await hashModel(w.base)).digest))[0]!;
    const bad = await runCli(['registry', 'rm', ft.id, `sha256:${'0'.repeat(64)}`, '--registry', w.reg]);
    assertInputError(bad, w.reg, 'REGISTRY_ENTRY_NOT_FOUND', 'unknown id');
    assert.equal((await r.list()).length, 2, 'nothing removed');
    const baseDigest = (await hashModel(w.base)).digest;
    assert.deepEqual((await r.findByInput(baseDigest)).map((e) => e.id), [ft.id], 'the reverse index knows the fine-tune consumed the base');
    assert.deepEqual((await r.findByPredicateType(SLSA_PROVENANCE_V1)).map((e) => e.id).sort(), [ft.id, pt.id].sort());
    const rm = await runCli(['registry', 'rm', ft.id, '--registry', w.reg]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout, `removed ${ft.id} from ${w.reg}\n`);
    assert.equal(existsSync(ft.location), false);
    assert.deepEqual((await r.list()).map((e) => e.id), [pt.id]);
    // Removed from the reverse queries too, for this reader and a fresh one, and after a rebuild.
    assert.deepEqual(await r.findByInput(baseDigest), []);
    assert.deepEqual((await r.findByPredicateType(SLSA_PROVENANCE_V1)).map((e) => e.id), [pt.id]);
    assert.deepEqual(new LocalRegistry(w.reg).reverseView().consumersOf(baseDigest), [], 'the index itself forgot it, not only the blob filter');
    const index = await runCli(['registry', 'index', '--rebuild', '--registry', w.reg, '--format', 'json']);
    assert.equal(index.code, 0, index.stderr);
    assert.equal(JSON.parse(index.stdout).entries, 1);
    assert.deepEqual(await new LocalRegistry(w.reg).findByInput(baseDigest), []);
    const check = await runCli(['registry', 'verify', '--registry', w.reg]);
    assert.equal(check.code, 0, check.stdout);
    const v = await runCli(['verify', w.model, '--policy', w.policy, '--registry', w.reg]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /MISSING_LINK .*no trusted attestation produced the model/);
    const none = await runCli(['registry', 'rm', '--registry', w.reg]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^(model-provenance: )?registry rm needs entry ids or --subject sha256:… \[USAGE\]\n$/);
  });

  test('by subject: a bundle shared by two subjects stays for the other one; removing the last index entry deletes it', async () => {
    const w = await world();
    const a = `sha256:${'a'.repeat(64)}`;
    const b = `sha256:${'b'.repeat(64)}`;
    const statement = buildAttestation({ subject: { name: 'pair', digest: a }, stage: 'conversion', dependencies: [] });
    statement.subject.push({ name: 'twin', digest: { sha256: 'b'.repeat(64) } });
    const r = new LocalRegistry(w.reg);
    const entry = await r.put(signStatement(statement, { kind: 'key', privateKey: createPrivateKey(readFileSync(join(w.dir, 'keys', 'trainer.pem'))) }));
    assert.deepEqual(entry.subjects, [a, b]);
    const one = await runCli(['registry', 'rm', '--subject', a, '--registry', w.reg, '--format', 'json']);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout).removed, [{ id: entry.id, unindexed: [a], blobRemoved: false, keptFor: [b] }]);
    assert.ok(existsSync(entry.location));
    assert.deepEqual(await r.findBySubject(a), []);
    assert.deepEqual((await r.findBySubject(b)).map((e) => e.id), [entry.id]);
    assert.ok((await r.findByPredicateType(SLSA_PROVENANCE_V1)).some((e) => e.id === entry.id), 'a bundle kept for another subject stays in the reverse index');
    const text = await runCli(['registry', 'rm', '--subject', b, '--registry', w.reg]);
    assert.equal(text.stdout, `removed ${entry.id} from ${w.reg}\n`);
    assert.equal(existsSync(entry.location), false);
    assert.ok(!(await r.findByPredicateType(SLSA_PROVENANCE_V1)).some((e) => e.id === entry.id), 'gone with its blob');
    assert.ok(!new LocalRegistry(w.reg).reverseView().ids().has(entry.id));
    assert.equal((await runCli(['registry', 'verify', '--registry', w.reg])).code, 0);
    assertInputError(await runCli(['registry', 'rm', '--subject', b, '--registry', w.reg]), w.reg, 'REGISTRY_ENTRY_NOT_FOUND', 'nothing left');
  });

  test('concurrent readers, a writer and a remover of the same bundle in three processes: readers never fail, no index entry ever dangles at rest, a last put leaves it whole', async () => {
    const w = await world();
    const r = new LocalRegistry(w.reg);
    const digest = (await hashModel(w.model)).digest;
    const bundle = await r.read((await r.findBySubject(digest))[0]!.id);
    const bundleFile = join(w.dir, 'bundle.json');
    writeFileSync(bundleFile, bundle);
    const script = join(w.dir, 'loop.mjs');
    writeFileSync(
      script,
      `import { readFileSync } from 'node:fs';
const core = (await import(${JSON.stringify(join(REPO, 'dist', 'core.js'))})).default;
const [mode, reg, file, ms] = process.argv.slice(2);
const r = new core.LocalRegistry(reg);
const text = readFileSync(file, 'utf8');
const id = 'sha256:' + (await import('node:crypto')).createHash('sha256').update(text).digest('hex');
const end = Date.now() + Number(ms);
let n = 0, absent = 0;
while (Date.now() < end) {
  if (mode === 'put') await r.put(text);
  else try { await r.remove(id); } catch (e) { if (e.code !== 'REGISTRY_ENTRY_NOT_FOUND') throw e; absent++; }
  n++;
}
process.stdout.write(JSON.stringify({ mode, n, absent }));
`,
    );
    const runLoop = (mode: string): Promise<{ code: number | null; out: string; err: string }> =>
      new Promise((resolve) => {
        const c = spawn(process.execPath, [script, mode, w.reg, bundleFile, '2500'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        c.stdout.on('data', (d: Buffer) => (out += d));
        c.stderr.on('data', (d: Buffer) => (err += d));
        c.on('close', (code) => resolve({ code, out, err }));
      });
    const loops = Promise.all([runLoop('put'), runLoop('rm')]);
    const policy = compilePolicy(JSON.parse(readFileSync(w.policy, 'utf8')), w.policy);
    let reads = 0;
    let seen = 0;
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      // A reader sees the whole entry or nothing: never an error, never half a bundle.
      const result = await verifyChain({ registry: r, policy, digest, checkArtifacts: false });
      for (const i of result.ignored) assert.equal(i.code, 'REGISTRY_DANGLING_INDEX', JSON.stringify(i));
      if (result.verdict === 'verified') seen++;
      else assert.deepEqual(result.problems.map((p) => p.code), ['MISSING_LINK']);
      reads++;
    }
    const [put, rm] = await loops;
    assert.equal(put.code, 0, put.err);
    assert.equal(rm.code, 0, rm.err);
    const counts = [JSON.parse(put.out), JSON.parse(rm.out)];
    const check = await r.verify();
    assert.deepEqual(check.problems.filter((p) => p.code === 'REGISTRY_DANGLING_INDEX'), [], 'no dangling index entry once both have finished');
    // A put and a removal of the same bundle racing leave the reverse index agreeing with the
    // blob (reverse-index.ts, settle): no stale or missing entry, nothing for repair to do.
    assert.deepEqual(check.problems, []);
    const id = `sha256:${createHash('sha256').update(bundle).digest('hex')}`;
    assert.equal(r.reverseView().ids().has(id), existsSync(join(w.reg, 'blobs', 'sha256', `${id.slice(7)}.json`)), 'the reverse index names the bundle exactly when its blob is there');
    await r.put(bundle);
    const after = await verifyChain({ registry: r, policy, digest, checkArtifacts: false });
    assert.equal(after.verdict, 'verified');
    assert.ok(counts[0].n > 10 && counts[1].n > 10, JSON.stringify(counts));
    console.log(`# ${reads} chain reads (${seen} verified), ${counts[0].n} puts, ${counts[1].n} removals (${counts[1].absent} found nothing)`);
  });
});

describe('registry verify --repair repairs what verify reports', () => {
  test('a removal stopped after the blob (dangling index), a damaged blob, a stray index entry: repaired; a foreign file is left and still reported', async () => {
    const w = await world();
    const r = new LocalRegistry(w.reg);
    const ft = (await r.findBySubject((await hashModel(w.model)).digest))[0]!;
    const pt = (await r.findBySubject((await hashModel(w.base)).digest))[0]!;
    rmSync(ft.location); // what a remover killed between its two steps leaves
    writeFileSync(pt.location, readFileSync(pt.location, 'utf8').replace('"', ' "')); // damaged
    const before = await runCli(['registry', 'verify', '--registry', w.reg, '--format', 'json']);
    assert.equal(before.code, 1);
    const codes = JSON.parse(before.stdout).problems.map((p: { code: string; repairable: boolean }) => `${p.code}:${p.repairable}`).sort();
    // The blob deleted by hand is still in the reverse index (the damaged one is reported once, as damaged).
    assert.deepEqual(codes, ['REGISTRY_BLOB_CORRUPT:true', 'REGISTRY_DANGLING_INDEX:true', 'REGISTRY_DANGLING_INDEX:true', 'REGISTRY_REVERSE_INDEX_STALE:true']);

    const repaired = await runCli(['registry', 'verify', '--registry', w.reg, '--repair']);
    assert.equal(repaired.code, 0, repaired.stdout);
    // Subject folders stay, empty: removing one could pull it from under a concurrent writer.
    assert.match(repaired.stdout, /^OK .*: 0 index entries for 2 subject\(s\)\n/);
    assert.match(repaired.stdout, new RegExp(`repaired REGISTRY_BLOB_CORRUPT ${pt.location}: moved to ${join(w.reg, 'quarantine')}/`));
    assert.equal((repaired.stdout.match(/repaired REGISTRY_DANGLING_INDEX .*: index entry removed/g) ?? []).length, 2);
    assert.match(repaired.stdout, new RegExp(`repaired REGISTRY_REVERSE_INDEX_STALE ${join(w.reg, 'reverse')}: rebuilt from 0 blob\\(s\\)\n`));
    assert.deepEqual(new LocalRegistry(w.reg).reverseView().ids(), new Set(), 'neither the removed nor the quarantined entry is left in the reverse index');
    assert.ok(existsSync(join(w.reg, 'quarantine', `${pt.id.slice(7)}.json`)), 'the damaged bytes are kept for a person');
    assert.equal((await runCli(['registry', 'verify', '--registry', w.reg])).code, 0);

    writeFileSync(join(w.reg, 'blobs', 'sha256', 'notes.txt'), 'mine');
    const foreign = await runCli(['registry', 'verify', '--registry', w.reg, '--repair']);
    assert.equal(foreign.code, 1);
    assert.match(foreign.stdout, /REGISTRY_UNKNOWN_FILE .*notes\.txt: a file that is not a registry blob \(left alone: not repairable\)/);
    assert.equal(readFileSync(join(w.reg, 'blobs', 'sha256', 'notes.txt'), 'utf8'), 'mine');
  });
});
