/**
 * `modelProvenance.ignorePaths` reaches every command that hashes a model, over the bundled
 * server's stdio, not only its trust state: Attest Model…, Generate Manifest (create, merge),
 * Show Lineage (text request and graph) and Generate Report. The model is a copy of the
 * v1.0.1 elliptic-key vector, whose signer (model_signing 1.0.1) left `ignore-me` out with
 * `--ignore-paths` without recording it. With `ignorePaths: ["ignore-me"]` the editor verifies
 * it, and each command must then use the signature's root digest (the join key of issue 10:
 * "attest takes the same model-scope flags as sign… or the two never join"). Without the
 * setting the model on disk, `ignore-me` included, is another model: the editor says it is
 * modified, and attests and describes that other digest, exactly as the CLI's attest and
 * manifest generate do without `--ignore-paths` (no refusal: attesting a model that is not
 * signed, or not signed as it is, is allowed everywhere else too).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { DidChangeConfigurationNotification } from 'vscode-languageserver-protocol/node';
import { decodePayload, generateKeyPair, hashModel, writeKeyPair } from '../../core';
import type { LineageView, ModelStateView, ReportPreview } from '../../core/editor/protocol';
import { tempDir } from '../helpers/fixtures';
import { LspClient } from '../helpers/lsp-client';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';

const MT = join(VECTORS, 'model-transparency');
const VECTOR = join(MT, 'v1.0.1-elliptic-key');
const TRUSTED = join(MT, 'keys', 'certificate', 'signing-key-pub.pem');
const OMS_ROOT = 'model-provenance:oms_root_digest';
const OMS_IGNORE = 'model-provenance:oms_ignore_path';

type Prop = { name: string; value: string };
const props = (file: string): Prop[] => JSON.parse(readFileSync(file, 'utf8')).metadata.component.properties as Prop[];
const valuesOf = (ps: Prop[], name: string): string[] => ps.filter((p) => p.name === name).map((p) => p.value);

describe('modelProvenance.ignorePaths in every command that hashes a model (over stdio)', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  let client: LspClient;
  const root = tempDir('mp-ignore-cmds-');
  let model: string;
  let sig: string;
  let key: string;
  /** The root digest the signature carries (`sha256:…`): ignore-me left out. */
  let signed: string;
  /** The model folder hashed whole (ignore-me included). */
  let whole: string;

  const req = <T>(method: string, params: unknown): Promise<T> => client.connection.sendRequest(method, params) as Promise<T>;
  const configure = async (settings: Record<string, unknown>): Promise<void> => {
    const before = ((await req<ModelStateView>('modelProvenance/modelState', { path: model })).at ?? 0);
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { modelProvenance: { trustedKeys: [TRUSTED], ...settings }, trustSource: 'test settings' } });
    // The settings are in force once the model's state was computed again under them.
    const end = Date.now() + 60_000;
    for (;;) {
      const v = await req<ModelStateView>('modelProvenance/modelState', { path: model });
      if (v.phase === 'done' && (v.at ?? 0) > before) return;
      if (Date.now() > end) assert.fail(`the model was not verified again: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const attestNow = (stage = 'fine-tuning') => req<{ digest: string; location: string; subjectName: string }>('modelProvenance/attest', { modelPath: model, stage, privateKey: key });
  /** The subject digest of the stored attestation, read from its signed statement. */
  const storedSubject = (location: string): string => {
    const st = decodePayload(JSON.parse(readFileSync(location, 'utf8')).dsseEnvelope) as { subject: { digest: { sha256: string } }[] };
    return `sha256:${st.subject[0]!.digest.sha256}`;
  };

  before(async () => {
    // A copy of the vector (the shared one is read-only and must stay untouched), beside a key and the registry.
    model = join(root, 'v1.0.1-elliptic-key');
    mkdirSync(model);
    for (const f of readdirSync(VECTOR)) writeFileSync(join(model, f), readFileSync(join(VECTOR, f)));
    sig = join(model, 'model.sig');
    const st = decodePayload(JSON.parse(readFileSync(sig, 'utf8')).dsseEnvelope) as { subject: { digest: { sha256: string } }[] };
    signed = `sha256:${st.subject[0]!.digest.sha256}`;
    whole = (await hashModel(model)).digest;
    assert.notEqual(whole, signed, 'the vector holds a file its signature leaves out');
    assert.equal((await hashModel(model, { ignorePaths: ['ignore-me'] })).digest, signed, 'the signature was made with ignore-me left out');
    mkdirSync(join(root, 'keys'));
    key = writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair()).privatePath;
    client = LspClient.stdio();
    await client.initialize(pathToFileURL(root).href, { modelProvenance: { trustedKeys: [TRUSTED], ignorePaths: ['ignore-me'] }, trustSource: 'test settings' });
  });
  after(() => client.shutdown());

  test('with the setting: the model verifies, and Attest Model… attests the signature\'s root digest (the attestation joins the signature)', async () => {
    await configure({ ignorePaths: ['ignore-me'] });
    const view = await req<ModelStateView>('modelProvenance/modelState', { path: model });
    assert.equal(view.state, 'verified', JSON.stringify(view));
    const a = await attestNow();
    assert.equal(a.digest, signed);
    assert.equal(storedSubject(a.location), signed, 'the signed statement\'s subject, not only the reply');
    assert.equal(a.subjectName, 'v1.0.1-elliptic-key');
  });

  test('with the setting: Show Lineage (text and graph) finds the model by the signature\'s root digest, so the attestation is its link', async () => {
    await configure({ ignorePaths: ['ignore-me'] });
    const text = await req<{ text: string }>('modelProvenance/lineage', { modelPath: model, format: 'json' });
    const chain = JSON.parse(text.text) as { model: { digest: string }; links: { digest: string; stage: string }[] };
    assert.equal(chain.model.digest, signed);
    assert.deepEqual(chain.links.map((l) => [l.digest, l.stage]), [[signed, 'fine-tuning']]);
    const graph = await req<LineageView>('modelProvenance/lineageGraph', { modelPath: model });
    assert.equal(graph.focus, signed);
    assert.ok(graph.nodes.some((n) => n.id === signed && n.action?.kind === 'attestation'), JSON.stringify(graph.nodes));
  });

  test('with the setting: Generate Report reports on the signature\'s root digest and its attestation', async () => {
    await configure({ ignorePaths: ['ignore-me'] });
    const r = await req<ReportPreview>('modelProvenance/report', { modelPath: model });
    assert.ok(r.html.includes(signed.slice(7)), 'the report names the signed root digest');
    assert.ok(!r.html.includes(whole.slice(7)), 'and never the digest of the folder hashed whole');
  });

  test('with the setting: Generate Manifest records the signature\'s root digest and the ignore path (oms_ignore_path), as the CLI\'s manifest generate --ignore-paths does', async () => {
    await configure({ ignorePaths: ['ignore-me'] });
    const out = join(root, 'with.cdx.json');
    await req('modelProvenance/generateManifest', { modelPath: model, outputPath: out, mode: 'create' });
    const ps = props(out);
    assert.deepEqual(valuesOf(ps, OMS_ROOT), [signed.slice(7)]);
    assert.deepEqual(valuesOf(ps, OMS_IGNORE), ['ignore-me']);
    const files = (JSON.parse(readFileSync(out, 'utf8')).metadata.component.components as { name: string }[]).map((c) => c.name).sort();
    assert.deepEqual(files, ['signme-1', 'signme-2']);
  });

  test('without the setting: the model on disk is another model (modified), and Attest Model… and Generate Manifest describe that other digest, as the CLI does without --ignore-paths', async () => {
    await configure({});
    const view = await req<ModelStateView>('modelProvenance/modelState', { path: model });
    assert.equal(view.state, 'modified', JSON.stringify(view));
    const a = await attestNow('evaluation');
    assert.equal(a.digest, whole);
    assert.notEqual(a.digest, signed);
    const out = join(root, 'without.cdx.json');
    await req('modelProvenance/generateManifest', { modelPath: model, outputPath: out, mode: 'create' });
    assert.deepEqual(valuesOf(props(out), OMS_ROOT), [whole.slice(7)]);
    assert.deepEqual(valuesOf(props(out), OMS_IGNORE), []);
  });

  test('Generate Manifest (merge) replaces the recorded model scope with the one in force, so the merged root digest and ignore paths agree', async () => {
    const out = join(root, 'merged.cdx.json');
    await configure({ ignorePaths: ['ignore-me'] });
    await req('modelProvenance/generateManifest', { modelPath: model, outputPath: out, mode: 'create' });
    assert.deepEqual(valuesOf(props(out), OMS_IGNORE), ['ignore-me']);
    await configure({});
    await req('modelProvenance/generateManifest', { modelPath: model, outputPath: out, mode: 'merge' });
    assert.deepEqual(valuesOf(props(out), OMS_ROOT), [whole.slice(7)]);
    assert.deepEqual(valuesOf(props(out), OMS_IGNORE), [], 'a scope left from before would not give this root digest');
    await configure({ ignorePaths: ['ignore-me'] });
    await req('modelProvenance/generateManifest', { modelPath: model, outputPath: out, mode: 'merge' });
    assert.deepEqual(valuesOf(props(out), OMS_ROOT), [signed.slice(7)]);
    assert.deepEqual(valuesOf(props(out), OMS_IGNORE), ['ignore-me']);
  });
  test('Attest Model… with the model_signing vector as the base model (a path): the reply says its signature names another digest, and which', async () => {
    const ft = join(root, 'ft');
    mkdirSync(ft);
    writeFileSync(join(ft, 'weights.bin'), 'fine-tuned');
    const a = await req<{ inputWarnings?: { code: string; role: string; message: string; signedDigest?: string }[] }>('modelProvenance/attest', { modelPath: ft, stage: 'fine-tuning', privateKey: key, baseModels: [model] });
    assert.equal(a.inputWarnings?.length, 1, JSON.stringify(a));
    const w = a.inputWarnings![0]!;
    assert.deepEqual({ code: w.code, role: w.role, signedDigest: w.signedDigest }, { code: 'INPUT_NOT_AS_SIGNED', role: 'base-model', signedDigest: signed });
    assert.match(w.message, new RegExp(`^base model .*v1\\.0\\.1-elliptic-key: recorded as ${whole}, its files on disk; its signature .*model\\.sig names ${signed}, which does not list ignore-me \\(it records no ignore list: left out when it was signed, or added since\\).* instead of the path$`));
 
    // Attest Again with the Signed Base Digest: the first attestation is replaced, not left as a conflicting claim.
    const first = a as unknown as { id: string; location: string };
    assert.ok(existsSync(first.location));
    const again = await req<{ id: string; replaced?: string; inputWarnings?: unknown[] }>('modelProvenance/attest', { modelPath: ft, stage: 'fine-tuning', privateKey: key, baseModels: [signed], replaces: first.id });
    assert.equal(again.inputWarnings, undefined);
    assert.equal(again.replaced, first.id);
    assert.notEqual(again.id, first.id);
    assert.ok(!existsSync(first.location), 'the replaced bundle is gone from the registry');
    // A third attestation of the same model with yet another base: the reply names the stored claim it contradicts.
    const third = await req<{ id: string; digest: string; location: string; conflicts?: { id: string; stage: string; records: string; ours: string }[] }>('modelProvenance/attest', { modelPath: ft, stage: 'fine-tuning', privateKey: key, baseModels: [`sha256:${'0'.repeat(64)}`] });
    // Which side's base the registry knows: the mistyped one is said to have no attestation.
    assert.deepEqual(third.conflicts?.map((c) => [c.id, c.stage, c.records, c.ours]), [[again.id, 'fine-tuning', `base-model ${signed.slice(0, 19)}…`, `base-model sha256:${'0'.repeat(12)}… (no attestation in this registry)`]]);
    // "Remove This One" in the dialog: the editor's registry rm, from under this model only.
    const removed = await req<{ id: string; unindexed: string[]; blobRemoved: boolean }>('modelProvenance/removeAttestation', { id: third.id, subject: third.digest });
    assert.deepEqual([removed.id, removed.unindexed, removed.blobRemoved], [third.id, [third.digest], true]);
    assert.ok(!existsSync(third.location));
    await assert.rejects(req('modelProvenance/removeAttestation', { id: third.id, subject: third.digest }), (e: { data?: { code?: string } }) => e.data?.code === 'REGISTRY_ENTRY_NOT_FOUND');
  });
});
