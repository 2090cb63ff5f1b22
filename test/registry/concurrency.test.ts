/**
 * The local registry under concurrent writers and killed writers, with real OS processes
 * (test/helpers/registry-writer.mjs on dist/core.js):
 *
 *  - two processes attest 200 models each into one registry at the same time, and both
 *    put the same pre-made bundles at the same moment: every entry is there, intact,
 *    and `registry verify` is OK;
 *  - a writer of multi-MB attestations is SIGKILLed again and again (after random delays,
 *    the moment its temporary blob file appears, the moment its blob appears): readers
 *    never see a partial entry, every acknowledged write survives, nothing visible is
 *    truncated, and `registry verify` is OK: leftover temp files, and whole blobs whose
 *    marker was never written (the `new-blob` kills aim between the two renames), are
 *    reported as leftovers of interrupted writes, and `registry verify --repair` finishes
 *    them.
 *
 * Needs the bundles: `node scripts/build.mjs` first.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import {
  LocalRegistry,
  buildAttestation,
  compilePolicy,
  generateKeyPair,
  parseBundle,
  signStatement,
  verifyAttestationText,
  type GeneratedKeyPair,
  type RegistryEntry,
} from '../../core';
import { REPO, runCli, tempDir } from '../helpers/fixtures';

const WRITER = join(REPO, 'test', 'helpers', 'registry-writer.mjs');
const CORE_JS = join(REPO, 'dist', 'core.js');
const HEX64 = /^[0-9a-f]{64}$/;
const BLOB = /^([0-9a-f]{64})\.json$/;
const TEMP = /^\..*\.tmp$/;

const digest = (): string => `sha256:${randomBytes(32).toString('hex')}`;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

// ------------------------------------------------------------------ child writers

interface WriterEvent {
  ready?: boolean;
  put?: number;
  done?: number;
  id?: string;
  subject?: string;
  shared?: boolean;
  finished?: boolean;
  count?: number;
  /** When the test read the line (ms since epoch). */
  at?: number;
}

/** A writer process and the events it printed. */
class Writer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly events: WriterEvent[] = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(configPath: string) {
    this.child = spawn(process.execPath, [WRITER, configPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.events.push({ ...(JSON.parse(buf.slice(0, nl)) as WriterEvent), at: Date.now() });
        buf = buf.slice(nl + 1);
      }
      this.wake();
    });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    this.child.stdin.on('error', () => {
      /* the writer may be killed before it reads */
    });
    this.closed = new Promise((resolveClosed) => {
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal };
        this.wake();
        resolveClosed();
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when an event matches; rejects if the writer ends first or the time runs out. */
  async waitFor(match: (e: WriterEvent) => boolean, timeoutMs = 20_000): Promise<WriterEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.find(match);
      if (e) return e;
      if (this.exit) throw new Error(`writer ended (${JSON.stringify(this.exit)}) before the expected event\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`writer: no expected event within ${timeoutMs} ms\n${this.stderr}`);
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), sleep(250)]);
    }
  }

  go(): void {
    this.child.stdin.write('go\n');
  }

  get done(): WriterEvent[] {
    return this.events.filter((e) => e.done !== undefined);
  }
}

const live = new Set<Writer>();
// Whatever happens to a test, no writer this file started outlives it.
after(() => {
  for (const w of live) if (!w.exit) w.child.kill('SIGKILL');
});

function startWriter(dir: string, name: string, config: Record<string, unknown>): Writer {
  const path = join(dir, `${name}.config.json`);
  writeFileSync(path, JSON.stringify({ barrier: true, ...config }));
  const w = new Writer(path);
  live.add(w);
  void w.closed.then(() => live.delete(w));
  return w;
}

// ------------------------------------------------------------------ registry inspection

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Every temporary file in the blob folder, the index folders and the reverse index. */
function tempFiles(reg: string): string[] {
  const out = list(join(reg, 'blobs', 'sha256')).filter((n) => TEMP.test(n)).map((n) => join(reg, 'blobs', 'sha256', n));
  for (const s of list(join(reg, 'index'))) {
    out.push(...list(join(reg, 'index', s)).filter((n) => TEMP.test(n)).map((n) => join(reg, 'index', s, n)));
  }
  // The reverse index's journal and packs (docs/registry.md) are written the same way.
  for (const d of [join(reg, 'reverse', 'journal'), join(reg, 'reverse', 'packs')]) out.push(...list(d).filter((n) => TEMP.test(n)).map((n) => join(d, n)));
  return out;
}

/** Index markers: subject hex -> blob hex names (temporary files left out). */
function markers(reg: string): { subject: string; blob: string; path: string }[] {
  const out: { subject: string; blob: string; path: string }[] = [];
  for (const s of list(join(reg, 'index'))) {
    for (const b of list(join(reg, 'index', s))) if (HEX64.test(b)) out.push({ subject: s, blob: b, path: join(reg, 'index', s, b) });
  }
  return out;
}

/** Checks one stored entry end to end; returns its statement. */
function checkEntry(registryText: string, e: RegistryEntry, bytes: Buffer): { subject: [{ name: string; digest: { sha256: string } }]; predicate: any } {
  assert.equal(`sha256:${sha256(bytes)}`, e.id, `${e.location}: bytes do not hash to the entry id (partial or damaged)`);
  assert.equal(registryText, bytes.toString('utf8'), `${e.id}: registry.read() differs from the file`);
  const bundle = parseBundle(registryText, e.location);
  const statement = JSON.parse(bundle.envelope.payload.toString('utf8'));
  assert.deepEqual(e.subjects, [`sha256:${statement.subject[0].digest.sha256}`], `${e.id}: indexed under a subject the statement does not name`);
  return statement;
}

/** What the library's `verify()` must say: no problems, every temp file (and only those) reported as a leftover. */
async function assertVerifyOk(reg: string, expectedEntries: number | undefined, allowTemp: boolean): Promise<void> {
  const check = await new LocalRegistry(reg).verify();
  assert.deepEqual(check.problems, [], `verify() found problems:\n${JSON.stringify(check.problems, null, 2)}`);
  assert.equal(check.ok, true);
  if (expectedEntries !== undefined) assert.equal(check.entries, expectedEntries);
  assert.equal(check.entries, markers(reg).length, 'verify() counts exactly the index markers as entries');
  assert.deepEqual([...check.strayTempFiles].sort(), tempFiles(reg).sort(), 'every temporary file, and only those, is reported as a stray temp file');
  const blobDir = join(reg, 'blobs', 'sha256');
  const indexed = new Set(markers(reg).map((m) => m.blob));
  const unindexed = list(blobDir).filter((n) => BLOB.test(n) && !indexed.has(n.slice(0, 64))).map((n) => join(blobDir, n));
  assert.deepEqual([...check.unindexedBlobs].sort(), unindexed.sort(), 'every blob without its marker, and only those, is reported as unindexed');
  if (!allowTemp) {
    assert.deepEqual(check.strayTempFiles, []);
    assert.deepEqual(check.unindexedBlobs, []);
  }
}

/** What `model-provenance registry verify` must say: exit 0, OK, the index entry count, a note for leftovers. */
async function assertCliVerifyOk(reg: string, expectedEntries: number): Promise<void> {
  const cli = await runCli(['registry', 'verify', '--registry', reg]);
  assert.equal(cli.code, 0, `registry verify exited ${cli.code}\n${cli.stdout}${cli.stderr}`);
  const n = expectedEntries;
  const subjects = list(join(reg, 'index')).filter((x) => HEX64.test(x)).length;
  assert.match(cli.stdout, new RegExp(`^OK .*: ${n} index entr${n === 1 ? 'y' : 'ies'} for ${subjects} subject\\(s\\)`));
  const temps = tempFiles(reg).length;
  if (temps > 0) assert.match(cli.stdout, new RegExp(`note: ${temps} leftover temporary file`));
  else assert.doesNotMatch(cli.stdout, /leftover/);
  assert.doesNotMatch(cli.stdout, /DAMAGED|REGISTRY_/);
}

function requireBuild(): void {
  assert.ok(existsSync(CORE_JS), `${CORE_JS} is missing: run node scripts/build.mjs first`);
}

// ------------------------------------------------------------------ a. two writers

describe('two processes writing one registry at the same time', () => {
  const PER_WRITER = 200;
  const SHARED = 4;
  const FINISHED_ON = '2026-11-20T10:00:00.000Z';

  test(`${PER_WRITER} attestations each, plus ${SHARED} identical bundles both put at once: all there, all intact, verify OK`, async (t: TestContext) => {
    requireBuild();
    const dir = tempDir('mp-conc-');
    const reg = join(dir, 'registry');
    const keys: GeneratedKeyPair[] = [generateKeyPair('P-256'), generateKeyPair('P-256'), generateKeyPair('P-256')];
    const names = ['writer0', 'writer1', 'shared'];
    keys.forEach((k, i) => writeFileSync(join(dir, `${names[i]}.pub.pem`), k.publicKeyPem));
    const policy = compilePolicy({ signers: Object.fromEntries(names.map((n) => [n, { publicKey: `${n}.pub.pem` }])) }, join(dir, 'policy.json'));

    // The identical entries: ECDSA signatures are randomized, so one bundle is made here
    // and both writers put the very same text.
    const sharedFiles: string[] = [];
    const sharedTexts = new Map<string, { text: string; subject: string }>();
    for (let i = 0; i < SHARED; i++) {
      const subject = digest();
      const text = signStatement(
        buildAttestation({ subject: { name: `shared-${i}`, digest: subject }, stage: 'fine-tuning', dependencies: [{ role: 'base-model', digest: digest() }], finishedOn: FINISHED_ON }),
        { kind: 'key', privateKey: createPrivateKey(keys[2]!.privateKeyPem) },
      );
      const f = join(dir, `shared-${i}.sigstore.json`);
      writeFileSync(f, text);
      sharedFiles.push(f);
      sharedTexts.set(`sha256:${sha256(Buffer.from(text))}`, { text, subject });
    }

    const plans = [0, 1].map((w) =>
      Array.from({ length: PER_WRITER }, (_, i) => ({ digest: digest(), name: `w${w}-model-${i}`, baseModel: digest(), dataset: digest() })),
    );
    const writers = [0, 1].map((w) =>
      startWriter(dir, `writer${w}`, { mode: 'batch', registry: reg, privateKeyPem: keys[w]!.privateKeyPem, subjects: plans[w], sharedFiles, finishedOn: FINISHED_ON }),
    );
    // Start both, release both at once, then wait for both.
    await Promise.all(writers.map((w) => w.waitFor((e) => e.ready === true)));
    const started = Date.now();
    writers.forEach((w) => w.go());
    await Promise.all(writers.map((w) => w.closed));
    t.diagnostic(`two writers, ${2 * PER_WRITER} attestations + ${SHARED} shared bundles: ${Date.now() - started} ms`);
    for (const w of writers) {
      assert.deepEqual(w.exit, { code: 0, signal: null }, w.stderr);
      const { at: _at, ...last } = w.events.at(-1)!;
      assert.deepEqual(last, { finished: true, count: PER_WRITER });
      assert.equal(w.done.length, PER_WRITER + SHARED * (1 + PER_WRITER / 50));
    }
    // The two writers really wrote at the same time, or this proves nothing about concurrency.
    const [first, last] = [(w: Writer): number => w.done[0]!.at!, (w: Writer): number => w.done.at(-1)!.at!];
    assert.ok(Math.max(first(writers[0]!), first(writers[1]!)) < Math.min(last(writers[0]!), last(writers[1]!)), 'the writers did not overlap');

    const registry = new LocalRegistry(reg);
    const entries = await registry.list();
    assert.equal(entries.length, 2 * PER_WRITER + SHARED, 'every distinct bundle is one entry');
    const byId = new Map(entries.map((e) => [e.id, e]));

    // Every own attestation: found by its subject, intact, signed by its writer, about that subject.
    for (const w of [0, 1]) {
      const reported = new Map(writers[w]!.done.filter((e) => !e.shared).map((e) => [e.subject!, e.id!]));
      assert.equal(reported.size, PER_WRITER);
      for (const s of plans[w]!) {
        const found = await registry.findBySubject(s.digest);
        assert.equal(found.length, 1, `writer ${w}: ${found.length} entries for ${s.digest}`);
        const e = found[0]!;
        assert.equal(e.id, reported.get(s.digest), 'the id the writer was given is the one stored');
        assert.ok(byId.has(e.id));
        assert.equal(e.stage, 'fine-tuning');
        const text = await registry.read(e.id);
        const statement = checkEntry(text, e, readFileSync(e.location));
        assert.equal(`sha256:${statement.subject[0].digest.sha256}`, s.digest);
        assert.equal(statement.subject[0].name, s.name);
        assert.deepEqual(
          statement.predicate.buildDefinition.resolvedDependencies.map((d: { digest: { sha256: string } }) => `sha256:${d.digest.sha256}`),
          [s.baseModel, s.dataset],
        );
        assert.deepEqual(verifyAttestationText(text, e.location, policy).signers, [names[w]], 'signed by its own writer, intact signature');
      }
    }
    // The entries both wrote: one blob each, byte for byte the bundle both put.
    for (const [id, { text, subject }] of sharedTexts) {
      const found = await registry.findBySubject(subject);
      assert.deepEqual(found.map((e) => e.id), [id]);
      assert.equal(await registry.read(id), text);
      checkEntry(text, found[0]!, readFileSync(found[0]!.location));
      assert.deepEqual(verifyAttestationText(text, id, policy).signers, ['shared']);
      for (const w of writers) assert.ok(w.done.some((e) => e.shared && e.id === id), 'each writer was told the same id');
    }

    // Nothing else on disk: exactly the expected blobs, no leftovers.
    const blobs = list(join(reg, 'blobs', 'sha256'));
    assert.deepEqual(blobs, [...byId.keys()].map((id) => `${id.slice(7)}.json`).sort());
    assert.equal(markers(reg).length, 2 * PER_WRITER + SHARED);
    await assertVerifyOk(reg, 2 * PER_WRITER + SHARED, false);
    await assertCliVerifyOk(reg, 2 * PER_WRITER + SHARED);
  });
});

// ------------------------------------------------------------------ b. killed writers

describe('a writer killed mid-write', () => {
  const BIG_CHARS = 3 * 1024 * 1024; // each blob is ~4 MB (the payload is base64 in the bundle)

  type Trigger = { kind: 'delay'; ms: number } | { kind: 'temp-file' } | { kind: 'new-blob' } | { kind: 'acknowledged' };
  // Random delays from the start (before the first write completes, in the middle of
  // later ones), a kill just after the writer acknowledged its first put (so that at least
  // one acknowledged write must survive, however slow the machine), then kills aimed at the
  // two instants that matter: while the blob is being written under its temporary name, and
  // just after it was renamed into place (before its index marker is written).
  const TRIGGERS: Trigger[] = [
    ...[0, 1, 2, 3, 4].map((i): Trigger => ({ kind: 'delay', ms: 80 + i * 130 + Math.floor(Math.random() * 120) })),
    { kind: 'acknowledged' },
    { kind: 'temp-file' },
    { kind: 'temp-file' },
    { kind: 'temp-file' },
    { kind: 'new-blob' },
    { kind: 'new-blob' },
  ];

  const dir = tempDir('mp-kill-');
  const reg = join(dir, 'registry');
  const blobDir = join(reg, 'blobs', 'sha256');
  const registry = new LocalRegistry(reg);
  const acknowledged = new Set<string>();
  let ran = false;
  const requireRounds = (): void => assert.ok(ran, 'the kill rounds did not complete');

  test(`SIGKILLed ${TRIGGERS.length} times while writing ~4 MB attestations: a concurrent reader never sees a partial entry`, async (t: TestContext) => {
    requireBuild();
    const key = generateKeyPair('P-256');
    const checked = new Set<string>();
    let interruptedWrites = 0;

    /** A reader running beside the writer: whatever list() shows must be whole. */
    const readVisible = async (): Promise<void> => {
      for (const e of await registry.list()) {
        if (checked.has(e.id)) continue;
        const bytes = readFileSync(e.location); // the marker is written after the blob: it must exist
        assert.equal(`sha256:${sha256(bytes)}`, e.id, `a reader saw a partial entry ${e.location} (${bytes.length} bytes)`);
        checked.add(e.id);
      }
    };

    for (const [round, trigger] of TRIGGERS.entries()) {
      const w = startWriter(dir, `killed-${round}`, { mode: 'big', registry: reg, privateKeyPem: key.privateKeyPem, bigChars: BIG_CHARS });
      await w.waitFor((e) => e.ready === true);
      const tempsBefore = new Set(tempFiles(reg));
      const blobsBefore = new Set(list(blobDir).filter((n) => BLOB.test(n)));
      const t0 = Date.now();
      let lastRead = 0;
      w.go();
      try {
        for (;;) {
          if (w.exit) assert.fail(`writer ${round} ended by itself: ${JSON.stringify(w.exit)}\n${w.stderr}`);
          const elapsed = Date.now() - t0;
          assert.ok(elapsed < 15_000, `round ${round}: the ${trigger.kind} trigger never fired`);
          if (trigger.kind === 'delay') {
            if (elapsed >= trigger.ms) break;
            if (Date.now() - lastRead > 20) {
              await readVisible();
              lastRead = Date.now();
            }
          } else if (trigger.kind === 'acknowledged') {
            if (w.done.length > 0) break;
          } else {
            // Tight polling: the temporary blob lives for a few milliseconds.
            const names = list(blobDir);
            if (trigger.kind === 'temp-file' && names.some((n) => TEMP.test(n) && !tempsBefore.has(join(blobDir, n)))) break;
            if (trigger.kind === 'new-blob' && names.some((n) => BLOB.test(n) && !blobsBefore.has(n))) break;
          }
          await tick();
        }
      } finally {
        w.child.kill('SIGKILL');
        await w.closed;
      }
      const exit = w.exit as Writer['exit']; // set by the close event (the loop above narrowed it)
      assert.equal(exit?.signal, 'SIGKILL', `round ${round}: the writer was not killed (${JSON.stringify(exit)})\n${w.stderr}`);
      const done = w.done;
      for (const e of done) acknowledged.add(e.id!);
      const newTemps = tempFiles(reg).filter((p) => !tempsBefore.has(p));
      if (newTemps.length > 0) interruptedWrites++;
      const indexed = new Set(markers(reg).map((m) => m.blob));
      const unindexed = list(blobDir).filter((n) => BLOB.test(n) && !blobsBefore.has(n) && !indexed.has(n.slice(0, 64)));
      const where = (p: string): string => (p.startsWith(blobDir) ? 'blob' : 'index marker');
      t.diagnostic(
        `round ${round} (${trigger.kind}${trigger.kind === 'delay' ? ` ${trigger.ms} ms` : ''}): killed after ${Date.now() - t0} ms, ` +
          `${done.length} put(s) acknowledged, temp files left: ${newTemps.length ? newTemps.map(where).join(', ') : 'none'}, ` +
          `new blobs without their index marker: ${unindexed.length}`,
      );
      await readVisible();
    }

    t.diagnostic(`kills that interrupted a file write (left a temp file): ${interruptedWrites}/${TRIGGERS.length}; entries checked by the concurrent reader: ${checked.size}`);
    assert.ok(interruptedWrites >= 1, 'no kill landed inside a write: the test proved nothing about partial files');
    assert.ok(acknowledged.size >= 1, 'no write completed before a kill');
    ran = true;
  });

  test('every put a killed writer had completed is still there', async () => {
    requireRounds();
    const ids = new Set((await registry.list()).map((e) => e.id));
    for (const id of acknowledged) assert.ok(ids.has(id), `acknowledged entry ${id} is gone`);
  });

  test('every entry list() returns is complete and valid, and every index marker has its blob', async () => {
    requireRounds();
    const entries = await registry.list();
    assert.ok(entries.length >= acknowledged.size);
    for (const e of entries) {
      assert.match(e.location, /[0-9a-f]{64}\.json$/, 'a temporary file is never an entry');
      const statement = checkEntry(await registry.read(e.id), e, readFileSync(e.location));
      assert.equal(statement.predicate.runDetails.byproducts[0].content.length, BIG_CHARS, `${e.id}: byproduct cut short`);
      assert.deepEqual((await registry.findBySubject(e.subjects[0]!)).map((x) => x.id), [e.id]);
    }
    for (const m of markers(reg)) assert.ok(existsSync(join(blobDir, `${m.blob}.json`)), `index marker ${m.path} points to a missing blob`);
  });

  test('no visible blob file (<64 hex>.json) is truncated', () => {
    requireRounds();
    for (const n of list(blobDir)) {
      const m = BLOB.exec(n);
      if (!m) {
        assert.match(n, TEMP, `unexpected file ${n} in the blob folder`);
        continue;
      }
      const bytes = readFileSync(join(blobDir, n));
      assert.equal(sha256(bytes), m[1], `${n} is truncated or damaged (${bytes.length} bytes)`);
      assert.ok(statSync(join(blobDir, n)).size > BIG_CHARS);
      parseBundle(bytes.toString('utf8'), n);
    }
  });

  test('verify() reports ok: no problems, leftovers of interrupted writes only as strayTempFiles', async () => {
    requireRounds();
    await assertVerifyOk(reg, undefined, true);
  });

  test('the CLI `registry verify` exits 0 and says OK', async () => {
    requireRounds();
    await assertCliVerifyOk(reg, markers(reg).length);
  });

  test('`registry verify --repair` finishes interrupted writes: blobs indexed, temp files gone, nothing lost', async () => {
    requireRounds();
    const before = await registry.verify();
    const idsBefore = new Set((await registry.list()).map((e) => e.id));
    const cli = await runCli(['registry', 'verify', '--registry', reg, '--repair', '--format', 'json']);
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    const after = JSON.parse(cli.stdout);
    assert.deepEqual([after.ok, after.problems, after.strayTempFiles, after.unindexedBlobs], [true, [], [], []]);
    assert.deepEqual(tempFiles(reg), []);
    const idsAfter = new Set((await registry.list()).map((e) => e.id));
    for (const id of idsBefore) assert.ok(idsAfter.has(id), `${id} was lost by the repair`);
    assert.equal(idsAfter.size, idsBefore.size + before.unindexedBlobs.length, 'each repaired blob became visible');
  });
});
