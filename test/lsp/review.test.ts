/**
 * The review requests of the language server (issue 14): the lineage drawn as a graph by
 * core/render with what each node opens, a registry entry's payload, and the two sides of
 * Compare Signed Contents decoded by core/diff, in a real git repository with two commits.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { LocalRegistry, attest, generateKeyPair, signModel, writeKeyPair, type Stage } from '../../core';
import { NOTIFICATIONS, REQUESTS, type LineageChanged, type CompareTargets, type DecodedSideResult, type LineageView, type ReportPreview } from '../../core/editor/protocol';
import { makeModel, tempDir } from '../helpers/fixtures';
import { LspClient } from '../helpers/lsp-client';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } }).trim();

interface Repo {
  root: string;
  sig: string;
  classifier: string;
  first: string;
  second: string;
}

/**
 * A four-stage pipeline (pre-training, fine-tuning, quantization, conversion; two datasets),
 * every stage signed with keys/prod and stored in .provenance/; the final model signed and
 * committed; then one weight changed and one file added, re-signed, re-attested, committed.
 */
async function makeRepo(): Promise<Repo> {
  const root = tempDir('mp-review-', { untilExit: true });
  writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair('P-256'));
  const privateKey = createPrivateKey(readFileSync(join(root, 'keys', 'prod.pem')));
  const signer = { kind: 'key' as const, privateKey };
  const registry = new LocalRegistry(join(root, '.provenance'));
  const m = (rel: string, files: Record<string, string | Buffer>): string => makeModel(join(root, rel), files);
  const pretrain = m('data/pretrain', { 'part-0.jsonl': '{"text":"a"}\n' });
  const sft = m('data/sft', { 'train.jsonl': '{"prompt":"p","answer":"a"}\n' });
  const base = m('models/base', { 'config.json': '{"arch":"bert"}', 'model.safetensors': 'base weights' });
  const ft = m('models/ft', { 'config.json': '{"arch":"bert"}', 'model.safetensors': 'fine-tuned weights' });
  const quant = m('models/quantized', { 'model.gguf': 'GGUF q4' });
  const classifier = m('models/classifier', { 'model.onnx': 'onnx v1', 'config.json': '{"arch":"bert"}' });
  const stage = (modelPath: string, s: Stage, extra: { baseModels?: string[]; datasets?: string[]; hyperparameters?: Record<string, unknown> } = {}) =>
    attest({ modelPath, stage: s, signer, registry, trainingRunId: `run-${s}`, ...extra });
  await stage(base, 'pre-training', { datasets: [pretrain] });
  await stage(ft, 'fine-tuning', { baseModels: [base], datasets: [sft], hyperparameters: { learning_rate: 0.0002 } });
  await stage(quant, 'quantization', { baseModels: [ft] });
  await stage(classifier, 'conversion', { baseModels: [quant] });
  await signModel({ modelPath: classifier, signer });
  writeFileSync(join(root, 'provenance-policy.json'), JSON.stringify({ signers: { prod: { publicKey: 'keys/prod.pub.pem' } }, stages: Object.fromEntries(['pre-training', 'fine-tuning', 'quantization', 'conversion'].map((s) => [s, { signers: ['prod'] }])) }, null, 2));
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'first release');
  const first = git(root, 'rev-parse', 'HEAD');
  writeFileSync(join(classifier, 'model.onnx'), 'onnx v2');
  writeFileSync(join(classifier, 'tokenizer.json'), '{"vocab":{}}');
  await signModel({ modelPath: classifier, signer });
  await stage(classifier, 'conversion', { baseModels: [quant] });
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 're-export after the tokenizer fix');
  const second = git(root, 'rev-parse', 'HEAD');
  return { root, sig: join(classifier, 'model.sig'), classifier, first, second };
}

describe('review requests: lineage graph, registry payload, Compare Signed Contents sides', () => {
  let repo: Repo;
  let client: LspClient;
  const request = <T>(method: string, params: unknown): Promise<T> => client.connection.sendRequest(method, params) as Promise<T>;

  before(async () => {
    repo = await makeRepo();
    client = LspClient.inMemory();
    await client.initialize(pathToFileURL(repo.root).toString(), { modelProvenance: { trustedKeys: [join(repo.root, 'keys', 'prod.pub.pem')], policy: join(repo.root, 'provenance-policy.json') }, trustSource: 'user settings' });
  });
  after(() => client.connection.dispose());

  test('Show Lineage: the four-stage chain as core/render draws it, each stage opening its attestation, the datasets drawn, verified under the policy', async () => {
    const v = await request<LineageView>(REQUESTS.lineageGraph, { modelPath: repo.classifier });
    assert.equal(v.verdict, 'verified', v.problems.join('\n'));
    assert.match(v.title, /^classifier \(sha256:[0-9a-f]{12}…\)$/);
    assert.match(v.basis, /^checked against the policy provenance-policy\.json$/);
    const stages = v.nodes.filter((n) => n.action?.kind === 'attestation').map((n) => (n.action as { stage: string }).stage).sort();
    assert.deepEqual(stages, ['conversion', 'fine-tuning', 'pre-training', 'quantization']);
    assert.deepEqual(v.nodes.filter((n) => n.kind === 'dataset').map((n) => n.label).sort(), ['pretrain', 'sft']);
    assert.ok(v.nodes.every((n) => n.status === 'verified'), JSON.stringify(v.nodes.map((n) => [n.label, n.status])));
    // Datasets on this disk are revealed in the Explorer.
    for (const d of v.nodes.filter((n) => n.kind === 'dataset')) assert.deepEqual(d.action, { kind: 'reveal', path: join(repo.root, 'data', d.label) });
    const model = v.nodes.find((n) => n.kind === 'model')!;
    assert.equal(v.focus, model.id);
    // The SVG is the reports' drawing: one node group per node, no script, no external reference.
    assert.match(v.svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((v.svg.match(/<g class="node /g) ?? []).length, v.nodes.length);
    for (const n of v.nodes) assert.ok(v.svg.includes(`data-id="${n.id}"`), n.id);
    assert.doesNotMatch(v.svg, /<script|href=|url\((?!#)/);

    // Clicking the model's node opens its attestation's payload: the re-attested conversion stage.
    const action = model.action as { kind: 'attestation'; id: string };
    const payload = JSON.parse((await request<{ text: string }>(REQUESTS.registryPayload, { id: action.id })).text);
    assert.equal(payload.predicate.buildDefinition.externalParameters.stage, 'conversion');
    assert.equal(`sha256:${payload.subject[0].digest.sha256}`, model.id);
  });

  test('Show Lineage without a policy: drawn, nothing called verified, and the view says why', async () => {
    const c = LspClient.inMemory();
    await c.initialize(pathToFileURL(repo.root).toString(), { modelProvenance: {}, trustSource: 'user settings' });
    try {
      const v = (await c.connection.sendRequest(REQUESTS.lineageGraph, { modelPath: repo.classifier })) as LineageView;
      assert.equal(v.verdict, 'unverified');
      assert.match(v.basis, /no trust policy is set \(modelProvenance\.policy\)/);
      assert.ok(v.nodes.length >= 6 && v.nodes.every((n) => n.status === 'unverified'), JSON.stringify(v.nodes.map((n) => n.status)));
      // No trusted key either: the model's own signature is said as the lens says it, never "verified".
      assert.match(v.notice!.lines[0]!, /^The model's own signature \(model\.sig\): .*not checked|^The model's own signature \(model\.sig\): /);
      assert.doesNotMatch(v.notice!.lines[0]!, /is verified/);
    } finally {
      c.connection.dispose();
    }
  });

  test('Show Lineage with no policy on a model nothing attests: the chain fails even unchecked, and the view says both (newcomer re-check)', async () => {
    const model = makeModel(join(repo.root, 'models', 'unattested'), { 'model.onnx': 'never attested' });
    await signModel({ modelPath: model, signer: { kind: 'key', privateKey: createPrivateKey(readFileSync(join(repo.root, 'keys', 'prod.pem'))) } });
    const c = LspClient.inMemory();
    await c.initialize(pathToFileURL(repo.root).toString(), { modelProvenance: { trustedKeys: [join(repo.root, 'keys', 'prod.pub.pem')] }, trustSource: 'user settings' });
    try {
      const v = (await c.connection.sendRequest(REQUESTS.lineageGraph, { modelPath: model })) as LineageView;
      assert.equal(v.verdict, 'failed');
      assert.match(v.basis, /^signers not checked: no trust policy is set \(modelProvenance\.policy\); the chain fails even so: no trusted attestation produced the model sha256:[0-9a-f]{64}/);
    } finally {
      c.connection.dispose();
      rmSync(model, { recursive: true, force: true });
    }
  });

  test('Show Lineage and Generate Report with trustedKeys but no policy (newcomer 9, item 2): the view tells the two kinds of trust apart, the model node says its signature is verified by your trusted keys, how to set a policy, every box labelled', async () => {
    const c = LspClient.inMemory();
    await c.initialize(pathToFileURL(repo.root).toString(), { modelProvenance: { trustedKeys: [join(repo.root, 'keys', 'prod.pub.pem')] }, trustSource: 'user settings' });
    try {
      const v = (await c.connection.sendRequest(REQUESTS.lineageGraph, { modelPath: repo.classifier })) as LineageView;
      assert.equal(v.verdict, 'unverified');
      assert.equal(v.basis, 'chain not checked: no trust policy is set (modelProvenance.policy)');
      const n = v.notice!;
      assert.equal(n.setting, 'modelProvenance.policy');
      assert.match(n.lines[0]!, /^The model's own signature \(model\.sig\) is verified: key [0-9a-f]{8}….*, by your trusted keys \(modelProvenance\.trustedKeys\)/);
      assert.match(n.lines[1]!, /checked against a trust policy, modelProvenance\.policy.*No policy is set/);
      // The workspace has a provenance-policy.json: the way to check the chain names it.
      assert.equal(n.lines[2], 'To check the chain: set modelProvenance.policy to provenance-policy.json (this workspace has one).');
      // The model's node: its own signature verified; the attestation signer "not checked (no policy)", never the ambiguous "signed by (signature not checked)".
      assert.doesNotMatch(v.svg, /signature not checked/);
      assert.match(v.svg, /model\.sig verified: key [0-9a-f]{8}…/);
      assert.match(v.svg, /attestation signer not checked \(no policy\)/);
      // The legend's swatches are named as a legend (no box without words).
      assert.match(v.svg, /<g class="legend"[^>]*>\n<text[^>]*>Legend:<\/text>/);

      const r = (await c.connection.sendRequest(REQUESTS.report, { modelPath: repo.classifier })) as ReportPreview;
      assert.match(r.summary, /chain not checked — no trust policy is set \(modelProvenance\.policy\), so nothing counts; the model's own signature is checked separately/);
      const aside = /<aside role="note" id="mp-no-policy">([\s\S]*?)<\/aside>/.exec(r.html)?.[1] ?? '';
      assert.match(aside, /Two kinds of trust/);
      assert.match(aside, /is verified: key [0-9a-f]{8}…/);
      assert.match(aside, /every framework counts 0%/);
      assert.match(aside, /set modelProvenance\.policy to provenance-policy\.json/);
    } finally {
      c.connection.dispose();
    }
  });

  test('Show Lineage of a chain that stops at a base model whose attestation the policy does not accept: the view says nothing beyond it was checked', async () => {
    // A base model attested by a key the policy does not name, fine-tuned and attested by prod.
    writeKeyPair(join(repo.root, 'keys', 'other'), generateKeyPair('P-256'));
    const registry = new LocalRegistry(join(repo.root, '.provenance'));
    const other = { kind: 'key' as const, privateKey: createPrivateKey(readFileSync(join(repo.root, 'keys', 'other.pem'))) };
    const prod = { kind: 'key' as const, privateKey: createPrivateKey(readFileSync(join(repo.root, 'keys', 'prod.pem'))) };
    const outsider = makeModel(join(repo.root, 'models', 'outsider-base'), { 'model.safetensors': 'outsider weights' });
    const tuned = makeModel(join(repo.root, 'models', 'outsider-ft'), { 'model.safetensors': 'tuned outsider weights' });
    const base = await attest({ modelPath: outsider, stage: 'pre-training', signer: other, registry });
    await attest({ modelPath: tuned, stage: 'fine-tuning', signer: prod, registry, baseModels: [outsider] });
    try {
      const v = await request<LineageView>(REQUESTS.lineageGraph, { modelPath: tuned });
      assert.equal(v.verdict, 'failed');
      assert.deepEqual(v.sections, [
        {
          title: 'Not checked',
          lines: [`Beyond base model "outsider-base" (${base.subject.digest.slice(0, 19)}…) nothing was checked: its attestation did not verify [UNTRUSTED_SIGNER], so what it claims to derive from (base models, adapters, datasets) is not drawn.`],
        },
      ]);
    } finally {
      rmSync(outsider, { recursive: true, force: true });
      rmSync(tuned, { recursive: true, force: true });
    }
  });

  test('a watched lineage view (newcomer pass): one signature character of a stored attestation changed on disk makes it stale at once and re-checked (failed, the node named and opening the stored bytes); restored, verified again; a settings change re-checks too', async () => {
    const changes: LineageChanged[] = [];
    client.connection.onNotification(NOTIFICATIONS.lineageChanged, (c: LineageChanged) => void changes.push(c));
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      for (const end = Date.now() + 10_000; !ok(); ) {
        if (Date.now() > end) throw new Error(`no ${what}: ${JSON.stringify(changes)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const watch = repo.classifier;
    const v = await request<LineageView>(REQUESTS.lineageGraph, { modelPath: repo.classifier, watch });
    assert.equal(v.verdict, 'verified');
    assert.ok(typeof v.checkedAt === 'number' && Math.abs(v.checkedAt - Date.now()) < 60_000);
    assert.deepEqual(v.registry, { text: 'Registry: .provenance/ (found in the workspace)', found: true });
    const model = v.nodes.find((n) => n.kind === 'model')!;
    assert.equal(model.label, 'classifier');
    const id = (model.action as { id: string }).id;
    const blob = join(repo.root, '.provenance', 'blobs', 'sha256', `${id.slice(7)}.json`);
    const original = readFileSync(blob, 'utf8');
    const sig = /"sig"\s*:\s*"([^"]+)"/.exec(original)!;
    const at = sig.index + sig[0].indexOf(sig[1]!) + 10;
    const tampered = original.slice(0, at) + (original[at] === 'A' ? 'B' : 'A') + original.slice(at + 1);
    try {
      changes.length = 0;
      writeFileSync(blob, tampered);
      await until('stale', () => changes.some((c) => c.watch === watch && c.phase === 'stale' && c.reason === 'registry'));
      await until('recheck', () => changes.some((c) => c.watch === watch && c.phase === 'recheck'));
      // Stale before the re-check, once per burst.
      assert.equal(changes.filter((c) => c.phase === 'stale').length, 1, JSON.stringify(changes));
      const failed = await request<LineageView>(REQUESTS.lineageGraph, { modelPath: repo.classifier, watch });
      assert.equal(failed.verdict, 'failed', failed.problems.join('\n'));
      const node = failed.nodes.find((n) => n.kind === 'model')!;
      assert.equal(node.label, 'classifier', 'the model node is named by its folder, not "the model"');
      assert.equal(node.status, 'failed');
      assert.deepEqual(node.action, { kind: 'stored', id, stage: 'conversion', code: 'ATTESTATION_SIGNATURE_INVALID' });
      // The failed node opens the stored attestation: the altered signature is there to be looked at.
      const stored = (await request<{ text: string }>(REQUESTS.registryPayload, { id, stored: true })).text;
      assert.ok(stored.includes(tampered.slice(sig.index + sig[0].indexOf(sig[1]!), sig.index + sig[0].length - 1)), 'the stored text carries the altered signature');
      assert.ok(!stored.includes(sig[1]!));
    } finally {
      changes.length = 0;
      writeFileSync(blob, original);
    }
    await until('recheck after the restore', () => changes.some((c) => c.watch === watch && c.phase === 'recheck'));
    assert.equal((await request<LineageView>(REQUESTS.lineageGraph, { modelPath: repo.classifier, watch })).verdict, 'verified');
    // The trust settings changed: re-checked too.
    changes.length = 0;
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { modelProvenance: { trustedKeys: [join(repo.root, 'keys', 'prod.pub.pem')], policy: join(repo.root, 'provenance-policy.json') }, trustSource: 'user settings' } });
    await until('recheck after a settings change', () => changes.some((c) => c.watch === watch && c.phase === 'recheck' && c.reason === 'settings'));
    // Closed: no more notifications for it.
    await request(REQUESTS.lineageUnwatch, { watch });
    changes.length = 0;
    writeFileSync(blob, original);
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(changes, []);
  });

  test('no registry found (no .provenance/, no modelProvenance.registry): the view says so and names the setting, not CLI flags', async () => {
    const root = tempDir('mp-noreg-', { untilExit: true });
    const model = makeModel(join(root, 'ft'), { 'model.onnx': 'weights' });
    const c = LspClient.inMemory();
    await c.initialize(pathToFileURL(root).toString(), { modelProvenance: {}, trustSource: 'user settings' });
    try {
      const v = (await c.connection.sendRequest(REQUESTS.lineageGraph, { modelPath: model })) as LineageView;
      assert.equal(v.registry?.found, false);
      assert.equal(v.registry?.setting, 'modelProvenance.registry');
      assert.match(v.registry!.text, /^No registry found: there is no \.provenance\/ folder in .* or any folder above it, and modelProvenance\.registry is not set\. Set modelProvenance\.registry to/);
      assert.doesNotMatch(v.registry!.text, /--registry|MODEL_PROVENANCE_REGISTRY/);
      assert.equal(v.nodes.find((n) => n.kind === 'model')?.label, 'ft');
    } finally {
      c.connection.dispose();
    }
  });

  test('a registry id that is not there is a readable error with its code, not a crash', async () => {
    await assert.rejects(request(REQUESTS.registryPayload, { id: `sha256:${'0'.repeat(64)}` }), (e: { data?: { code?: string } }) => typeof e.data?.code === 'string');
  });

  test('compare targets: the revision before the last change when the tree is clean; HEAD first when model.sig has uncommitted changes; none outside git', async () => {
    let t = await request<CompareTargets>(REQUESTS.compareTargets, { path: repo.sig });
    assert.deepEqual(t.targets.map((x) => x.rev), [repo.first]);
    assert.match(t.targets[0]!.detail!, new RegExp(`^before ${repo.second.slice(0, 8)} "re-export after the tokenizer fix", the last commit that changed model\\.sig$`));
    const original = readFileSync(repo.sig);
    writeFileSync(repo.sig, original.toString().replace(/\n?$/, '\n\n'));
    try {
      t = await request<CompareTargets>(REQUESTS.compareTargets, { path: repo.sig });
      assert.deepEqual(t.targets.map((x) => x.rev), ['HEAD', repo.first]);
    } finally {
      writeFileSync(repo.sig, original);
    }
    const outside = tempDir('mp-review-nogit-');
    t = await request<CompareTargets>(REQUESTS.compareTargets, { path: join(outside, 'model.sig') });
    assert.deepEqual(t.targets, []);
    assert.match(t.reason!, /is not in a git repository/);
  });

  test('Compare Signed Contents: both sides decoded by core/diff under the editor trust, the changed resource digests on the same lines', async () => {
    const old = await request<DecodedSideResult>(REQUESTS.decodedSide, { path: repo.sig, rev: repo.first });
    const neu = await request<DecodedSideResult>(REQUESTS.decodedSide, { path: repo.sig });
    assert.equal(old.label, `models/classifier/model.sig @ ${repo.first.slice(0, 7)}`);
    assert.equal(neu.label, 'models/classifier/model.sig (working tree)');
    assert.equal(old.trust, 'verified');
    assert.equal(neu.trust, 'verified');
    const o = JSON.parse(old.text);
    const n = JSON.parse(neu.text);
    assert.equal(o.source, `models/classifier/model.sig @ ${repo.first.slice(0, 7)}`);
    assert.equal(n.source, 'models/classifier/model.sig');
    assert.equal(o.kind, 'model-signature');
    assert.equal(o.trust.trustedBy, 'modelProvenance.trustedKeys');
    const names = (d: { statement: { predicate: { resources: { name: string }[] } } }): string[] => d.statement.predicate.resources.map((r) => r.name);
    assert.deepEqual(names(o), ['config.json', 'model.onnx']);
    assert.deepEqual(names(n), ['config.json', 'model.onnx', 'tokenizer.json']);
    const digest = (d: { statement: { predicate: { resources: { name: string; digest: string }[] } } }, f: string): string => d.statement.predicate.resources.find((r) => r.name === f)!.digest;
    assert.notEqual(digest(o, 'model.onnx'), digest(n, 'model.onnx'));
    assert.equal(digest(o, 'config.json'), digest(n, 'config.json'));
    // Side by side, the changed digest sits on the same line number in both documents.
    const line = (text: string, d: string): number => text.split('\n').findIndex((l) => l.includes(d));
    assert.equal(line(old.text, digest(o, 'model.onnx')), line(neu.text, digest(n, 'model.onnx')));
  });

  test('a side VS Code read (the git: side of a diff) is decoded from its text; its payload too; a file that is not signed says what it is', async () => {
    const text = git(repo.root, 'show', `${repo.first}:models/classifier/model.sig`);
    const side = await request<DecodedSideResult>(REQUESTS.decodedSide, { path: repo.sig, text, rev: 'HEAD~1' });
    assert.equal(side.trust, 'verified');
    assert.equal(side.label, `models/classifier/model.sig @ ${repo.first.slice(0, 7)} (HEAD~1)`);
    assert.equal(JSON.parse(side.text).source, side.label);
    const gitUri = `git:${repo.sig}?${encodeURIComponent(JSON.stringify({ path: repo.sig, ref: 'HEAD~1' }))}`;
    const payload = JSON.parse((await request<{ text: string }>(REQUESTS.decodedPayload, { uri: gitUri, text })).text);
    assert.deepEqual(payload.predicate.resources.map((r: { name: string }) => r.name), ['config.json', 'model.onnx']);
    await assert.rejects(request(REQUESTS.decodedSide, { path: join(repo.classifier, 'config.json'), text: '{"arch":"bert"}', rev: 'HEAD' }), (e: { data?: { code?: string } }) => e.data?.code === 'DIFF_KIND_UNKNOWN');
  });
});

describe('Generate Report…: the regulatory report for the preview webview', () => {
  test('built from the signed evidence under the settings policy: self-contained HTML (no script, nothing fetched) with the lineage graph; Save refuses a file a person wrote', async () => {
    const repo = await makeRepo();
    const client = LspClient.inMemory();
    await client.initialize(pathToFileURL(repo.root).toString(), { modelProvenance: { policy: join(repo.root, 'provenance-policy.json') }, trustSource: 'user settings' });
    try {
      const r = (await client.connection.sendRequest(REQUESTS.report, { modelPath: repo.classifier })) as ReportPreview;
      assert.equal(r.title, 'Report: classifier');
      assert.match(r.summary, /%.*; chain verified$/);
      assert.equal(r.inputs, undefined);
      assert.match(r.html, /^<!DOCTYPE html>/i);
      assert.match(r.html, /Content-Security-Policy" content="default-src 'none'/);
      assert.doesNotMatch(r.html, /<script/i);
      assert.equal((r.html.match(/<g class="node /g) ?? []).length, 6, 'the four stages and two datasets, drawn by core/render');
      const out = join(repo.root, 'classifier.report.md');
      await client.connection.sendRequest(REQUESTS.saveReport, { modelPath: repo.classifier, format: 'md', path: out });
      assert.match(readFileSync(out, 'utf8'), /^<!-- generated by model-provenance report[^\n]*\n\n# Regulatory report: classifier\n/);
      const mine = join(repo.root, 'notes.md');
      writeFileSync(mine, 'my own notes\n');
      await assert.rejects(client.connection.sendRequest(REQUESTS.saveReport, { modelPath: repo.classifier, format: 'md', path: mine }), (e: { data?: { code?: string } }) => e.data?.code === 'OUTPUT_EXISTS');
      assert.equal(readFileSync(mine, 'utf8'), 'my own notes\n');
    } finally {
      client.connection.dispose();
    }
  });
});

describe('Generate Report…: report-inputs.json in the editor', () => {
  test('one half-written entry does not block the preview: the valid ones are used, the invalid one listed as not used; Save stays strict; a file for another model is previewed without it, in editor words; the subject binding is a diagnostic', async () => {
    const repo = await makeRepo();
    const client = LspClient.inMemory();
    await client.initialize(pathToFileURL(repo.root).toString(), { modelProvenance: { policy: join(repo.root, 'provenance-policy.json') }, trustSource: 'user settings' });
    const file = join(repo.root, 'report-inputs.json');
    const inputs = (subject?: unknown): string =>
      `${JSON.stringify(
        {
          $schema: 'https://model-provenance.dev/schemas/report-inputs/v1.json',
          ...(subject ? { subject } : {}),
          'eu-ai-act-annex-iv': {
            '1(a)': { text: 'Customer-support chatbot; provider Example Corp.', author: 'Jane Doe', date: '2025-01-01' },
            '1(b)': { text: 'half written', author: '', date: '' },
          },
        },
        null,
        2,
      )}\n`;
    try {
      writeFileSync(file, inputs());
      const r = (await client.connection.sendRequest(REQUESTS.report, { modelPath: repo.classifier })) as ReportPreview;
      assert.equal(r.inputs, file);
      assert.deepEqual(r.skipped?.map((x) => x.where), ['eu-ai-act-annex-iv.1(b)']);
      assert.match(r.summary, /; 1 entry of report-inputs\.json not used \(listed at the top\)$/);
      assert.match(r.html, /<aside role="alert" id="mp-preview-skipped"><p><strong>Preview: 1 entry of report-inputs\.json not used\.<\/strong>/);
      // The valid entry is in the report.
      assert.match(r.html, /Customer-support chatbot; provider Example Corp\./);
      await assert.rejects(client.connection.sendRequest(REQUESTS.saveReport, { modelPath: repo.classifier, format: 'md', path: join(repo.root, 'r.md') }), (e: { data?: { code?: string }; message: string }) => e.data?.code === 'REPORT_INPUTS_INVALID' && /eu-ai-act-annex-iv\.1\(b\)/.test(e.message) && /a saved report uses all of the file or is not written/.test(e.message));

      // Written for another model: previewed without it, and the reason names no CLI flag.
      const other = `sha256:${'0'.repeat(64)}`;
      writeFileSync(file, inputs({ name: 'chat-q4', digest: other }));
      const o = (await client.connection.sendRequest(REQUESTS.report, { modelPath: repo.classifier })) as ReportPreview;
      assert.equal(o.inputs, undefined);
      assert.equal(o.skipped?.[0]?.where, 'the whole file');
      assert.match(o.skipped![0]!.reason, /written for "chat-q4" sha256:0{64}, not for this report's model "classifier"/);
      assert.doesNotMatch(JSON.stringify(o.skipped), /--inputs|--force/);

      // The subject binding, as diagnostics on the open file.
      const u = pathToFileURL(file).toString();
      client.open(u, readFileSync(file, 'utf8'));
      const d = await client.diagnosticsFor(u, (x) => x.diagnostics.some((y) => y.code === 'REPORT_INPUTS_SUBJECT_UNKNOWN'));
      const unknown = d.diagnostics.find((y) => y.code === 'REPORT_INPUTS_SUBJECT_UNKNOWN')!;
      assert.equal(unknown.severity, 2);
      assert.match(String(unknown.message), /^subject\.digest sha256:0{64} is covered by no attestation in /);
      assert.match(String(d.diagnostics.find((y) => y.code === 'REPORT_INPUTS_SUBJECT')!.message), /^bound to the model "chat-q4" sha256:0{12}…: Generate Report uses this file for that model only/);
    } finally {
      client.connection.dispose();
    }
  });
});

describe('Show Lineage at scale: a 50-stage chain with 20 datasets', () => {
  test('laid out and drawn by the server; the view starts on the model (the whole graph is too tall to read at fit)', async () => {
    const root = tempDir('mp-lineage-50-');
    writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair('P-256'));
    const signer = { kind: 'key' as const, privateKey: createPrivateKey(readFileSync(join(root, 'keys', 'prod.pem'))) };
    const registry = new LocalRegistry(join(root, '.provenance'));
    const d = (i: number, salt: string): string => `sha256:${(salt + i.toString(16)).padStart(64, '0')}`;
    let prev: string | undefined;
    for (let i = 0; i < 50; i++) {
      const digest = d(i, 'a');
      await attest({
        subjectDigest: digest,
        subjectName: `model-${i}`,
        stage: i === 0 ? 'pre-training' : 'fine-tuning',
        signer,
        registry,
        baseModels: prev ? [prev] : [],
        datasets: i % 5 === 0 || i % 5 === 2 ? [{ name: `dataset-${i}`, digest: d(i, 'b') }] : [],
      });
      prev = digest;
    }
    const client = LspClient.inMemory();
    await client.initialize(pathToFileURL(root).toString(), { modelProvenance: {}, trustSource: 'user settings' });
    try {
      const v = (await client.connection.sendRequest(REQUESTS.lineageGraph, { digest: prev })) as LineageView;
      assert.equal(v.nodes.filter((n) => n.action?.kind === 'attestation').length, 50);
      assert.equal(v.nodes.filter((n) => n.kind === 'dataset').length, 20);
      assert.equal(v.focus, prev);
      const [, w, h] = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(v.svg)!.map(Number) as [number, number, number, number];
      // Far taller than any window: the view must start zoomed on the model, with fit and pan to get around.
      assert.ok(h > 50 * 60 && w < h, `${w}x${h}`);
    } finally {
      client.connection.dispose();
    }
  });
});
