/**
 * The reverse lookups over OCI (docs/registry.md, "Reverse lookups"): `findByInput` and
 * `findByPredicateType` answer from the local mirror after a sync, so a reader sees what
 * another process wrote or removed since its last query; locations name the per-artifact tags,
 * never the cache; the answers are the folder's for the same entries.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalRegistry, OciRegistry, buildAttestation, generateKeyPair, openRegistry, signStatement, type Registry } from '../../core';
import { tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/oci';

const SLSA = 'https://slsa.dev/provenance/v1';
const digest = (): string => `sha256:${randomBytes(32).toString('hex')}`;

describe('reverse lookups on an OCI registry', () => {
  let dir: string;
  let reg: RunningRegistry;
  const key = createPrivateKey(generateKeyPair('P-256').privateKeyPem);
  const open = (name: string, tagsMaxAgeMs?: number): OciRegistry => openRegistry(reg.spec, dir, { access: 'write', oci: { cacheDir: join(dir, 'caches', name), ...(tagsMaxAgeMs !== undefined ? { tagsMaxAgeMs } : {}) } }) as OciRegistry;
  const attest = (subject: string, inputs: { digest: string; role: 'base-model' | 'dataset' }[]): string =>
    signStatement(buildAttestation({ subject: { name: 'm', digest: subject }, stage: 'fine-tuning', dependencies: inputs.map((i) => ({ ...i, name: i.role })), finishedOn: '2026-11-01T00:00:00Z' }), { kind: 'key', privateKey: key });

  before(async () => {
    dir = tempDir('mp-oci-reverse-', { untilExit: true });
    reg = await startRegistry(join(dir, 'registry'));
  });
  after(async () => {
    await reg.stop();
  });

  test('findByInput and findByPredicateType: what other writers put and removed, the same answers as the folder', async () => {
    const data = digest();
    const base = digest();
    const bundles = [attest(digest(), [{ digest: base, role: 'base-model' }, { digest: data, role: 'dataset' }]), attest(digest(), [{ digest: data, role: 'dataset' }]), attest(digest(), [{ digest: base, role: 'base-model' }])];
    const writer = open('writer');
    const folder = new LocalRegistry(join(dir, 'folder'));
    const ids: string[] = [];
    for (const b of bundles) {
      ids.push((await writer.put(b)).id);
      await folder.put(b);
    }
    const reader = open('reader', 0); // another machine: an empty cache; every query syncs afresh
    const ids$ = (es: { id: string }[]): string[] => es.map((e) => e.id).sort();
    const same = async (r: Registry, f: Registry): Promise<void> => {
      for (const d of [data, base]) assert.deepEqual(ids$(await r.findByInput(d)), ids$(await f.findByInput(d)), `findByInput(${d})`);
      assert.deepEqual(ids$(await r.findByPredicateType(SLSA)), ids$(await f.findByPredicateType(SLSA)));
    };
    assert.deepEqual(ids$(await reader.findByInput(data)), [ids[0]!, ids[1]!].sort());
    await same(reader, folder);
    for (const e of await reader.findByInput(base)) {
      assert.equal(e.location, reader.entryLocation(e.subjects[0]!, e.id), 'a location names the per-artifact tag');
      assert.match(e.location, /^oci:\/\/127\.0\.0\.1:\d+\/team\/provenance:sha256-[0-9a-f]{64}\.[a-z2-7]{52}$/);
    }
    assert.deepEqual(await reader.findByInput(digest()), [], 'a digest nothing consumed');
    assert.deepEqual(await reader.findByPredicateType('https://example.com/none/v1'), []);

    // Another process adds one and removes one: the reader's next queries see both changes.
    const late = attest(digest(), [{ digest: data, role: 'dataset' }]);
    ids.push((await open('writer-2').put(late)).id);
    await folder.put(late);
    await open('remover').remove(ids[1]!);
    await folder.remove(ids[1]!);
    assert.deepEqual(ids$(await reader.findByInput(data)), [ids[0]!, ids[3]!].sort());
    await same(reader, folder);
    // A reader whose last sync finished within its window (default 5 s; a minute here, so the
    // test does not depend on the machine's speed) reuses it: one command's lookups share a
    // sync. Its own writes start a new one.
    const windowed = open('windowed', 60_000);
    assert.equal((await windowed.findByPredicateType(SLSA)).length, 3);
    await open('writer-3').put(attest(digest(), [{ digest: data, role: 'dataset' }]));
    assert.equal((await windowed.findByPredicateType(SLSA)).length, 3, 'within the window: the same sync');
    await windowed.put(attest(digest(), [{ digest: base, role: 'base-model' }]));
    assert.equal((await windowed.findByPredicateType(SLSA)).length, 5, 'after its own put: a new sync sees both');

    await assert.rejects(reader.findByInput('sha256:1234'), { code: 'DIGEST_MALFORMED' });
  });
});
