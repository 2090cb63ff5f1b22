/**
 * The reverse index (core/registry/pack.ts, reverse-index.ts): the binary pack round-trips
 * every fact, its lookups agree with a plain scan, a view merges the pack with the journal
 * written since (replacements and removals included), a damaged pack is rebuilt rather than
 * answering from the journal alone, and `registry verify` sees what is missing or stale.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LocalRegistry, PackView, attest, encodePack, generateKeyPair, type EntryFacts } from '../../core';
import { tempDir } from '../helpers/fixtures';

const digest = (): string => `sha256:${randomBytes(32).toString('hex')}`;

function syntheticFacts(n: number): EntryFacts[] {
  const shared = [digest(), digest(), digest()];
  return Array.from({ length: n }, (_, i) => {
    const base = digest();
    return {
      id: digest(),
      predicateType: i % 7 === 0 ? 'https://slsa.dev/verification_summary/v1' : 'https://slsa.dev/provenance/v1',
      subjects: [{ digest: digest(), name: i % 3 === 0 ? `modèle-${i} ✓` : `model-${i}` }, ...(i % 11 === 0 ? [{ digest: digest() }] : [])],
      ...(i % 5 ? { stage: 'fine-tuning' } : {}),
      inputs: [
        { digest: base, role: 'base-model', name: `base-${i}` },
        { digest: shared[i % 3]!, role: 'dataset' },
        ...(i % 4 === 0 ? [{ digest: shared[i % 3]!, role: 'dataset', name: 'again' }] : []),
      ],
      ...(i % 6 ? { signer: `key:${(i % 4).toString().repeat(64)}` } : {}),
      ...(i % 9 === 0 ? { signerLabel: 'ci@example.com (https://issuer.example)' } : {}),
      time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      ...(i % 2 ? { runId: `run-${i}` } : {}),
      builderId: 'https://ci.example.com',
      ...(i % 10 === 0 ? { detail: 'production' } : {}),
    };
  });
}

describe('the pack', () => {
  const facts = syntheticFacts(500);
  const view = new PackView(encodePack(facts));
  const ids = (entries: number[]): string[] => entries.map((e) => view.idOf(e)).sort();

  test('every fact round-trips, in id order, and equal sets give equal bytes', () => {
    assert.equal(view.entryCount, facts.length);
    const byId = new Map(facts.map((f) => [f.id, f]));
    for (let e = 0; e < view.entryCount; e++) assert.deepEqual(view.facts(e), byId.get(view.idOf(e)));
    assert.deepEqual(encodePack([...facts].reverse()), encodePack(facts));
  });

  test('lookups by subject, input, signer and predicate type agree with a scan', () => {
    const scan = (pred: (f: EntryFacts) => boolean): string[] => facts.filter(pred).map((f) => f.id).sort();
    for (const f of facts.slice(0, 60)) {
      for (const s of f.subjects) assert.deepEqual(ids(view.bySubject(s.digest)), scan((x) => x.subjects.some((y) => y.digest === s.digest)));
      for (const i of f.inputs) assert.deepEqual(ids(view.byInput(i.digest)), scan((x) => x.inputs.some((y) => y.digest === i.digest)));
    }
    for (const k of ['0', '1', '2', '3']) assert.deepEqual(ids(view.bySigner(`key:${k.repeat(64)}`)), scan((x) => x.signer === `key:${k.repeat(64)}`));
    for (const t of ['https://slsa.dev/provenance/v1', 'https://slsa.dev/verification_summary/v1']) assert.deepEqual(ids(view.byPredicateType(t)), scan((x) => x.predicateType === t));
    assert.deepEqual(view.byInput(digest()), []);
    assert.deepEqual(view.bySigner('key:none'), []);
    assert.equal(view.digestIndex('sha256:zz'), -1);
  });

  test('an empty pack, a truncated one and another format', () => {
    assert.equal(new PackView(encodePack([])).entryCount, 0);
    const bytes = encodePack(facts);
    assert.throws(() => new PackView(bytes.subarray(0, bytes.length >> 1)), /truncated/);
    const other = Buffer.from(bytes);
    other.writeUInt32LE(1, 4);
    assert.throws(() => new PackView(other), /not a reverse-index pack \(format 2\)/);
  });
});

describe('the index of a local registry', () => {
  const key = { kind: 'key' as const, privateKey: createPrivateKey(generateKeyPair('P-256').privateKeyPem) };
  const put = async (registry: LocalRegistry, dataset: string): Promise<{ id: string; subject: string }> => {
    const subject = digest();
    const a = await attest({ subjectDigest: subject, stage: 'fine-tuning', baseModels: [digest()], datasets: [dataset], signer: key, registry });
    return { id: a.id!, subject };
  };

  test('pack plus journal, removals, a damaged pack rebuilt, and verify', async () => {
    const dir = join(tempDir('mp-reverse-'), '.provenance');
    const registry = new LocalRegistry(dir);
    const dataset = digest();
    const first = [await put(registry, dataset), await put(registry, dataset)];
    assert.equal(registry.reverse.generation(), 0, 'a new registry starts with an empty pack');
    registry.rebuildIndex();
    const later = await put(registry, dataset);
    assert.ok(readdirSync(join(dir, 'reverse', 'journal')).length >= 1, 'written since the pack: in the journal');
    const found = (await registry.findByInput(dataset)).map((e) => e.id).sort();
    assert.deepEqual(found, [...first, later].map((x) => x.id).sort());
    assert.deepEqual((await registry.findByInput(dataset)).find((e) => e.id === later.id)!.subjects, [later.subject]);

    registry.reverse.forget(first[0]!.id);
    assert.deepEqual((await registry.findByInput(dataset)).map((e) => e.id).sort(), [first[1]!.id, later.id].sort());

    // Damage the pack: a reader rebuilds it (from the blobs: the forgotten entry's blob is still
    // there, so it is indexed again) instead of answering from the journal alone.
    const packs = join(dir, 'reverse', 'packs');
    const current = readdirSync(packs).filter((n) => n.endsWith('.bin')).sort().pop()!;
    writeFileSync(join(packs, current), 'not a pack');
    // A process keeps the pack it already read (packs never change); a new reader finds the damage.
    const reader = new LocalRegistry(dir);
    const check = await reader.verify();
    assert.ok(check.problems.some((p) => p.code === 'REGISTRY_REVERSE_INDEX_DAMAGED'), JSON.stringify(check.problems));
    assert.deepEqual((await reader.findByInput(dataset)).map((e) => e.id).sort(), [...first, later].map((x) => x.id).sort());
    const after = await new LocalRegistry(dir).verify();
    assert.deepEqual(after.problems, []);
    assert.equal(after.ok, true);
  });

  test('settle: the index ends as the blob is, whatever a put and a removal racing left in the journal', async () => {
    const dir = join(tempDir('mp-reverse-'), '.provenance');
    const registry = new LocalRegistry(dir);
    const entry = await put(registry, digest());
    const hex = entry.id.slice(7);
    const journal = join(dir, 'reverse', 'journal');
    const blob = join(dir, 'blobs', 'sha256', `${hex}.json`);
    const record = readFileSync(join(journal, `${hex}.json`), 'utf8');
    const bytes = readFileSync(blob);
    const stale = async (): Promise<string[]> => (await registry.verify()).problems.map((p) => p.code);

    // The old race: a removal took the blob and wrote its mark, then a put's record landed.
    rmSync(blob);
    writeFileSync(join(journal, `${hex}.gone`), '');
    writeFileSync(join(journal, `${hex}.json`), record);
    assert.ok((await stale()).includes('REGISTRY_REVERSE_INDEX_STALE'), 'a record beside a mark reads as present');
    assert.equal(registry.reverse.settle(entry.id), false);
    assert.equal(registry.reverse.load().ids().has(entry.id), false);
    assert.ok(!(await stale()).includes('REGISTRY_REVERSE_INDEX_STALE'));

    // The other way: a put wrote the blob back, then a removal's mark landed.
    writeFileSync(blob, bytes);
    assert.equal(registry.reverse.load().ids().has(entry.id), false);
    assert.equal(registry.reverse.settle(entry.id), true, 'facts read from the blob');
    assert.deepEqual(registry.reverse.load().entry(entry.id)?.subjects.map((x) => x.digest), [entry.subject]);

    // A removal stopped between its blob and its index is finished by removing again.
    rmSync(blob);
    assert.deepEqual(await stale(), ['REGISTRY_DANGLING_INDEX', 'REGISTRY_REVERSE_INDEX_STALE']);
    assert.deepEqual((await registry.remove(entry.id)).blobRemoved, false);
    assert.deepEqual(await stale(), []);
  });
});
