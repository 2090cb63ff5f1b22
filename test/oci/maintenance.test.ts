/**
 * Removing entries from an OCI registry (`registry rm`), as from the folder:
 *  - by id: the artifact manifest and its per-artifact tag go, the tag-schema index drops it,
 *    readers (lookup by subject, list, the synced mirror, read) stop seeing it, verify is OK;
 *  - by subject, for a bundle about two digests: only that subject's artifact goes, the bundle
 *    stays for the other (`kept for 1 other subject`);
 *  - a stale tag-schema index that still lists a removed artifact (a concurrent writer's
 *    read-modify-write) is refused by Distribution (readers also ignore our artifacts whose
 *    tag is gone, for registries that would accept it);
 *  - a registry that refuses deletes (Distribution's default): one line, nothing removed.
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildAttestation, generateKeyPair, signStatement } from '../../core';
import { runCli, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/oci';

const digest = (): string => `sha256:${randomBytes(32).toString('hex')}`;
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('removing entries from an OCI registry', () => {
  let dir: string;
  let reg: RunningRegistry;
  const key = generateKeyPair('P-256');
  const env = (): NodeJS.ProcessEnv => ({ MODEL_PROVENANCE_CACHE: join(dir, 'cache'), MODEL_PROVENANCE_REGISTRY: '' });

  /** A signed attestation bundle about `subjects`, written to a file. */
  async function bundle(subjects: string[]): Promise<string> {
    const st = buildAttestation({ subject: { name: 'm', digest: subjects[0]! }, stage: 'fine-tuning', dependencies: [{ digest: digest(), role: 'base-model', name: 'base' }], finishedOn: new Date().toISOString() });
    // An in-toto statement may name several subjects (the OMS one names one): the registry indexes each.
    st.subject = subjects.map((d, i) => ({ name: `m${i}`, digest: { sha256: d.slice(7) } }));
    const file = join(dir, `b-${subjects[0]!.slice(7, 15)}.json`);
    writeFileSync(file, signStatement(st, { kind: 'key', privateKey: createPrivateKey(key.privateKeyPem) }));
    return file;
  }

  const cli = async (args: string[], code = 0): Promise<{ stdout: string; stderr: string }> => {
    const r = await runCli(args, { env: env(), cwd: dir });
    assert.equal(r.code, code, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
    return r;
  };
  const entries = async (subject?: string): Promise<string[]> => JSON.parse((await cli(['registry', 'ls', ...(subject ? ['--subject', subject] : []), '--registry', reg.spec, '--format', 'json'])).stdout).entries.map((e: { id: string }) => e.id);

  before(async () => {
    dir = tempDir('mp-oci-rm-', { untilExit: true });
    reg = await startRegistry(join(dir, 'registry'));
  });
  after(async () => {
    await reg.stop();
  });

  test('rm ID: gone for every reader, the tag-schema index included; Distribution refuses a stale index that names it', async () => {
    const subject = digest();
    const keep = JSON.parse((await cli(['registry', 'add', await bundle([subject]), '--registry', reg.spec, '--format', 'json'])).stdout).added[0].id as string;
    const gone = JSON.parse((await cli(['registry', 'add', await bundle([subject]), '--registry', reg.spec, '--format', 'json'])).stdout).added[0].id as string;
    assert.deepEqual((await entries(subject)).sort(), [keep, gone].sort());
    assert.equal((await entries()).length, 2, 'the mirror synced both');
    const subjectManifest = await fetch(`http://${reg.host}/v2/team/provenance/manifests/sha256-${subject.slice(7)}.subject`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const m = sha(Buffer.from(await subjectManifest.arrayBuffer()));
    const indexUrl = `http://${reg.host}/v2/team/provenance/manifests/sha256-${m.slice(7)}`;
    const stale = Buffer.from(await (await fetch(indexUrl, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } })).arrayBuffer());
    assert.equal(JSON.parse(stale.toString()).manifests.length, 2);

    const rm = await cli(['registry', 'rm', gone, '--registry', reg.spec]);
    assert.equal(rm.stdout, `removed ${gone} from ${reg.spec}\n`);
    assert.deepEqual(await entries(subject), [keep]);
    assert.deepEqual(await entries(), [keep], 'the mirror dropped it on its next sync');
    const index = JSON.parse(Buffer.from(await (await fetch(indexUrl, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } })).arrayBuffer()).toString());
    assert.deepEqual(index.manifests.map((d: { annotations: Record<string, string> }) => d.annotations['dev.model-provenance.entry']), [keep]);
    const show = await runCli(['registry', 'show', gone, '--registry', reg.spec], { env: env() });
    assert.equal(show.code, 2);
    assert.match(show.stderr, /no entry sha256:[0-9a-f]{64} in the registry \[REGISTRY_ENTRY_NOT_FOUND\]\n$/);
    assert.match((await cli(['registry', 'verify', '--registry', reg.spec])).stdout, /^OK .*: 1 index entry for 1 subject/);

    // A concurrent writer that read the index before the removal cannot write it back here:
    // Distribution refuses an index naming a manifest that is gone. (Registries that accept it
    // are covered by the readers' rule: our artifacts count only while their tag exists.)
    const put = await fetch(indexUrl, { method: 'PUT', headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' }, body: stale });
    assert.equal(put.status, 400);
    assert.match(await put.text(), /MANIFEST_BLOB_UNKNOWN/);
    // A later writer adds to the index as usual.
    const third = JSON.parse((await cli(['registry', 'add', await bundle([subject]), '--registry', reg.spec, '--format', 'json'])).stdout).added[0].id as string;
    assert.deepEqual((await entries(subject)).sort(), [keep, third].sort());
    assert.match((await cli(['registry', 'verify', '--registry', reg.spec])).stdout, /^OK .*: 2 index entries for 1 subject/);
    assert.match((await cli(['registry', 'rm', gone, '--registry', reg.spec], 2)).stderr, /\[REGISTRY_ENTRY_NOT_FOUND\]\n$/);
  });

  test('rm --subject for a bundle about two digests: the other subject keeps it', async () => {
    const [a, b] = [digest(), digest()];
    const id = JSON.parse((await cli(['registry', 'add', await bundle([a, b]), '--registry', reg.spec, '--format', 'json'])).stdout).added[0].id as string;
    assert.deepEqual(await entries(a), [id]);
    assert.deepEqual(await entries(b), [id]);
    const rm = await cli(['registry', 'rm', '--subject', a, '--registry', reg.spec]);
    assert.equal(rm.stdout, `removed ${id} from ${reg.spec} (index only); kept for 1 other subject(s)\n`);
    assert.deepEqual(await entries(a), []);
    assert.deepEqual(await entries(b), [id]);
    assert.ok((await cli(['registry', 'show', id, '--registry', reg.spec])).stdout.startsWith(id), 'the bundle stays for the other subject');
  });

  test('a registry that refuses deletes: one line, nothing removed', async () => {
    const locked = await startRegistry(join(dir, 'no-delete'), { deleteEnabled: false });
    const subject = digest();
    const id = JSON.parse((await cli(['registry', 'add', await bundle([subject]), '--registry', locked.spec, '--format', 'json'])).stdout).added[0].id as string;
    const r = await runCli(['registry', 'rm', id, '--registry', locked.spec], { env: env() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^model-provenance: oci://${locked.host.replace(/\./g, '\\.')}/team/provenance: ${locked.host.replace(/\./g, '\\.')} does not allow deletes \\(405 to DELETE manifest sha256:[0-9a-f]{64}\\); CNCF Distribution needs storage\\.delete\\.enabled \\[REGISTRY_DELETE_DISABLED\\]\\n$`));
    const ls = JSON.parse((await cli(['registry', 'ls', '--subject', subject, '--registry', locked.spec, '--format', 'json'])).stdout);
    assert.deepEqual(ls.entries.map((e: { id: string }) => e.id), [id]);
    await locked.stop();
  });
});
