/**
 * Flagged references in the editor (issue 14 Build 3, issue 9's advisory leftover), over the
 * bundled server's stdio with real files and a real registry: a four-stage pipeline whose
 * fine-tuning dataset a security team flags with a signed advisory. The references turn into
 * errors with the gate's codes, the hover shows the advisory, the descendant's model.sig is not
 * verified (FLAGGED_ARTIFACT) on every surface, an advisory by a signer the policy does not
 * trust is not applied (and says so), a revoked key's model signature is SIGNER_REVOKED with
 * `since` honoured for timed attestations, and Show Impact returns the blast radius drawn by
 * core/render with rollback candidates.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Diagnostic, Hover } from 'vscode-languageserver-protocol';
import { LocalRegistry, attest, flag, generateKeyPair, generateManifest, hashModel, keyHint, signModel, writeKeyPair, type Stage } from '../../core';
import { REQUESTS, type LineageView, type ModelStateView } from '../../core/editor/protocol';
import { makeModel, tempDir } from '../helpers/fixtures';
import { LspClient } from '../helpers/lsp-client';

interface Fixture {
  root: string;
  registry: LocalRegistry;
  security: { kind: 'key'; privateKey: ReturnType<typeof createPrivateKey> };
  mallory: { kind: 'key'; privateKey: ReturnType<typeof createPrivateKey> };
  old: { kind: 'key'; privateKey: ReturnType<typeof createPrivateKey> };
  sft: string;
  base: string;
  classifier: string;
  legacy: string;
  legacyAttestation: string;
  ftAttestation: string;
  bom: string;
}

const key = (root: string, name: string) => {
  writeKeyPair(join(root, 'keys', name), generateKeyPair('P-256'));
  return { kind: 'key' as const, privateKey: createPrivateKey(readFileSync(join(root, 'keys', `${name}.pem`))) };
};

async function makeFixture(): Promise<Fixture> {
  const root = tempDir('mp-flagged-', { untilExit: true });
  const prod = key(root, 'prod');
  const security = key(root, 'security');
  const mallory = key(root, 'mallory');
  const old = key(root, 'old');
  const registry = new LocalRegistry(join(root, '.provenance'));
  const m = (rel: string, files: Record<string, string>): string => makeModel(join(root, rel), files);
  const pretrain = m('data/pretrain', { 'part-0.jsonl': '{"text":"a"}\n' });
  const sftPath = m('data/sft', { 'train.jsonl': '{"prompt":"p","answer":"a"}\n' });
  const basePath = m('models/base', { 'config.json': '{"arch":"bert"}', 'model.safetensors': 'base weights' });
  const ft = m('models/ft', { 'config.json': '{"arch":"bert"}', 'model.safetensors': 'fine-tuned weights' });
  const quant = m('models/quantized', { 'model.gguf': 'GGUF q4' });
  const classifier = m('models/classifier', { 'model.onnx': 'onnx v1', 'config.json': '{"arch":"bert"}' });
  const legacy = m('models/legacy', { 'model.onnx': 'legacy weights' });
  const stage = (modelPath: string, s: Stage, extra: { baseModels?: string[]; datasets?: string[] } = {}, signer = prod) => attest({ modelPath, stage: s, signer, registry, trainingRunId: `run-${s}`, ...extra });
  await stage(basePath, 'pre-training', { datasets: [pretrain] });
  const ftA = await stage(ft, 'fine-tuning', { baseModels: [basePath], datasets: [sftPath] });
  await stage(quant, 'quantization', { baseModels: [ft] });
  await stage(classifier, 'conversion', { baseModels: [quant] });
  await signModel({ modelPath: classifier, signer: prod });
  // A model signed (and attested, with a time) by the key that is revoked later.
  const legacyA = await stage(legacy, 'pre-training', {}, old);
  writeFileSync(join(root, 'legacy.sigstore.json'), legacyA.bundle);
  await signModel({ modelPath: legacy, signer: old });
  writeFileSync(join(root, 'fine-tuning.sigstore.json'), ftA.bundle);
  const bomPath = join(root, 'classifier.cdx.json');
  const { bom } = await generateManifest({ modelPath: classifier, outputPath: bomPath, registry });
  writeFileSync(bomPath, `${JSON.stringify(bom, null, 2)}\n`);
  writeFileSync(
    join(root, 'provenance-policy.json'),
    JSON.stringify(
      {
        signers: { prod: { publicKey: 'keys/prod.pub.pem' }, old: { publicKey: 'keys/old.pub.pem' }, security: { publicKey: 'keys/security.pub.pem' } },
        stages: Object.fromEntries(['pre-training', 'fine-tuning', 'quantization', 'conversion'].map((s) => [s, { signers: ['prod', 'old'] }])),
        advisorySigners: ['security'],
      },
      null,
      2,
    ),
  );
  return {
    root,
    registry,
    security,
    mallory,
    old,
    sft: (await hashModel(sftPath)).digest,
    base: (await hashModel(basePath)).digest,
    classifier,
    legacy,
    legacyAttestation: join(root, 'legacy.sigstore.json'),
    ftAttestation: join(root, 'fine-tuning.sigstore.json'),
    bom: bomPath,
  };
}

const uri = (p: string): string => pathToFileURL(p).toString();
const msg = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);
const codes = (ds: { diagnostics: Diagnostic[] }): string[] => ds.diagnostics.map((d) => String(d.code)).sort();
const text = (h: Hover | null): string => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');

describe('flagged references and Show Impact over stdio (a real registry, real files)', () => {
  let fx: Fixture;
  let client: LspClient;
  const request = <T>(method: string, params: unknown): Promise<T> => client.connection.sendRequest(method, params) as Promise<T>;
  /** Polls the server's one model state until `pred` holds (the flags arrive by the server's own poll of the registry). */
  const stateUntil = async (path: string, pred: (v: ModelStateView) => boolean, timeoutMs = 30_000): Promise<ModelStateView> => {
    const end = Date.now() + timeoutMs;
    let v: ModelStateView | undefined;
    while (Date.now() < end) {
      v = await request<ModelStateView>(REQUESTS.modelState, { path });
      if (pred(v)) return v;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`model state never matched: ${JSON.stringify(v)}`);
  };

  before(async () => {
    fx = await makeFixture();
    client = LspClient.stdio();
    await client.initialize(uri(fx.root), { modelProvenance: { trustedKeys: [join(fx.root, 'keys', 'prod.pub.pem'), join(fx.root, 'keys', 'old.pub.pem')], policy: join(fx.root, 'provenance-policy.json') }, trustSource: 'user settings' });
  });
  after(async () => {
    await client.shutdown();
  });

  test('before any advisory: the descendant model.sig is verified; then the security team flags the dataset and every surface follows', async () => {
    const sig = join(fx.classifier, 'model.sig');
    client.open(uri(sig), readFileSync(sig, 'utf8'));
    const v0 = await stateUntil(fx.classifier, (v) => v.phase === 'done');
    assert.equal(v0.state, 'verified', v0.headline);

    const { advisoryId } = await flag({ registry: fx.registry, signer: fx.security, target: { kind: 'artifact', digest: fx.sft, name: 'sft' }, reason: 'poisoned upstream: trigger phrase', severity: 'high', atlas: ['AML.T0020'] });
    // Someone the policy does not trust for advisories "flags" the base model: not applied.
    await flag({ registry: fx.registry, signer: fx.mallory, target: { kind: 'artifact', digest: fx.base, name: 'base' }, reason: 'trust me', id: 'EVIL-1' });

    const v = await stateUntil(fx.classifier, (x) => x.state === 'flagged');
    assert.match(v.headline, new RegExp(`^not verified \\[FLAGGED_ARTIFACT\\]: derived from a flagged artifact \\(advisory ${advisoryId}\\)$`));
    assert.deepEqual(v.flags?.map((f) => [f.code, f.digest, f.kind]), [['FLAGGED_ARTIFACT', fx.sft, 'artifact']]);
    // Problems: the error with the gate's code, on the payload; no "verified" information left.
    const d = await client.diagnosticsFor(uri(sig), (x) => x.diagnostics.some((y) => y.code === 'FLAGGED_ARTIFACT'));
    const fd = d.diagnostics.find((y) => y.code === 'FLAGGED_ARTIFACT')!;
    assert.equal(fd.severity, 1);
    assert.match(msg(fd), new RegExp(`^the signed model classifier sha256:[0-9a-f]{64} derives from sft ${fx.sft} \\(3 stages down\\), flagged by advisory ${advisoryId} \\(high, AML\\.T0020\\): poisoned upstream: trigger phrase$`));
    assert.ok(!codes(d).includes('MODEL_VERIFIED'), codes(d).join());
    // The lens says why, with the code, and offers Show Impact of the dataset.
    const lenses = await client.lenses(uri(sig));
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.includes(`not verified [FLAGGED_ARTIFACT]: derived from a flagged artifact (advisory ${advisoryId}) — verify again`), titles.join(' | '));
    const impactLens = lenses.find((l) => l.command?.command === 'modelProvenance.showImpact')!;
    assert.equal(impactLens.command!.title, `⚑ FLAGGED_ARTIFACT (${advisoryId}) — Show Impact`);
    assert.deepEqual(impactLens.command!.arguments, [{ digest: fx.sft, kind: 'artifact' }]);
  });

  test('an attestation that consumed the dataset: FLAGGED_ARTIFACT on its payload, the advisory in the hover; the untrusted advisory is not applied and says so', async () => {
    const file = fx.ftAttestation;
    const body = readFileSync(file, 'utf8');
    client.open(uri(file), body);
    const d = await client.diagnosticsFor(uri(file), (x) => x.diagnostics.some((y) => y.code === 'FLAGGED_ARTIFACT'));
    const flagged = d.diagnostics.filter((y) => y.code === 'FLAGGED_ARTIFACT');
    assert.equal(flagged.length, 1, JSON.stringify(d.diagnostics));
    assert.match(msg(flagged[0]!), new RegExp(`^dataset sft ${fx.sft} is flagged by advisory MP-\\d{4}-0001 \\(high, AML\\.T0020\\): poisoned upstream: trigger phrase$`));
    const ignored = d.diagnostics.find((y) => y.code === 'ADVISORY_UNTRUSTED_SIGNER')!;
    assert.equal(ignored.severity, 3);
    assert.match(msg(ignored), new RegExp(`^not applied: advisory EVIL-1 \\(sha256:[0-9a-f]{12}…\\) is signed by .*that the policy does not trust for advisories.* \\(it names base model base ${fx.base}; only the policy's advisorySigners can flag\\)$`));
    // Both sit on the payload string (the digests are inside the base64).
    const payloadAt = body.indexOf('"payload"');
    const line = body.slice(0, payloadAt).split('\n').length - 1;
    assert.equal(flagged[0]!.range.start.line, line);

    const hover = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: uri(file) }, position: { line: flagged[0]!.range.start.line, character: flagged[0]!.range.start.character + 3 } });
    const h = text(hover);
    assert.match(h, /\*\*⚑ FLAGGED_ARTIFACT\*\* — dataset sft /);
    assert.match(h, /\*\*Advisory MP-\d{4}-0001\*\* — affected \(in force\) · severity high · ATLAS AML\.T0020/);
    assert.match(h, /statement: `poisoned upstream: trigger phrase`/);
    assert.match(h, /signed by \*\*security\*\* \(the policy's advisorySigners\) at \d{4}-\d\d-\d\dT/);
    assert.match(h, /\*\*ADVISORY_UNTRUSTED_SIGNER\*\* — not applied: advisory EVIL-1/);
    assert.match(h, new RegExp(`\\[Show Impact of ${fx.sft.slice(0, 19)}…\\]\\(command:modelProvenance\\.showImpact\\?`));
    // The decoded-payload hover is still there, under the advisory.
    assert.match(h, /\*\*Decoded DSSE payload\*\*/);
  });

  test('an ML-BOM: the dataset component hash is an error at its own value, and its hover shows the advisory', async () => {
    const body = readFileSync(fx.bom, 'utf8');
    client.open(uri(fx.bom), body);
    const d = await client.diagnosticsFor(uri(fx.bom), (x) => x.diagnostics.some((y) => y.code === 'FLAGGED_ARTIFACT'));
    const flagged = d.diagnostics.filter((y) => y.code === 'FLAGGED_ARTIFACT');
    // The dataset is named twice: its SHA-256 hash and its OMS root digest property.
    assert.equal(flagged.length, 2, JSON.stringify(flagged));
    const hex = fx.sft.slice(7);
    for (const f of flagged) {
      const lines = body.split('\n');
      assert.equal(lines[f.range.start.line]!.slice(f.range.start.character, f.range.end.character), `"${hex}"`);
      assert.match(msg(f), new RegExp(`^dataset sft ${fx.sft} is flagged by advisory MP-\\d{4}-0001`));
    }
    const at = flagged[0]!.range.start;
    const h = text(await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: uri(fx.bom) }, position: { line: at.line, character: at.character + 5 } }));
    assert.match(h, /\*\*Advisory MP-\d{4}-0001\*\* — affected \(in force\)/);
    assert.match(h, /statement: `poisoned upstream: trigger phrase`/);
    // The base model's hash (flagged only by the untrusted advisory) is information, never an error.
    assert.ok(d.diagnostics.filter((y) => y.code === 'ADVISORY_UNTRUSTED_SIGNER').every((y) => y.severity === 3));
  });

  test('Show Impact of the dataset: the blast radius drawn by core/render, rollback candidates named, each node opening its attestation', async () => {
    const v = await request<LineageView>(REQUESTS.impact, { digest: fx.sft, kind: 'artifact' });
    assert.match(v.heading ?? '', /^Impact of sft \(sha256:[0-9a-f]{12}…\)$/);
    assert.match(v.verdictText ?? '', /^⚑ flagged: MP-\d{4}-0001 · 3 affected$/);
    const by = new Map(v.nodes.map((n) => [n.label, n]));
    assert.equal(by.get('sft')?.status, 'flagged');
    for (const name of ['ft', 'quantized', 'classifier']) assert.equal(by.get(name)?.status, 'affected', `${name}: ${JSON.stringify(v.nodes)}`);
    assert.notEqual(by.get('base')?.status, 'affected');
    assert.equal(v.focus, fx.sft);
    assert.equal(v.canReveal, false);
    assert.match(v.svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.doesNotMatch(v.svg, /<script|href=|url\((?!#)/);
    const advisory = v.sections?.find((s) => s.title.startsWith('Advisory '))!;
    assert.match(advisory.lines.join('\n'), /IN FORCE since .*, severity high, ATLAS AML\.T0020\nstatement: poisoned upstream: trigger phrase\nsigned by security \(the policy's advisorySigners\)/);
    const rollback = v.sections?.find((s) => s.title.startsWith('Rollback candidates'))!;
    assert.ok(rollback.lines.some((l) => /^classifier sha256:[0-9a-f]{12}…: retrain from base sha256:[0-9a-f]{12}… \(pre-training\) — verified under the policy with every flag in force$/.test(l)), rollback.lines.join('\n'));
    // A click on an affected model opens the attestation that produced it.
    const classifier = by.get('classifier')!;
    assert.equal(classifier.action?.kind, 'attestation');
    const payload = JSON.parse((await request<{ text: string }>(REQUESTS.registryPayload, { id: (classifier.action as { id: string }).id })).text);
    assert.equal(payload.predicate.buildDefinition.externalParameters.stage, 'conversion');
    // The flagged dataset opens the stage that consumed it (the entry point).
    const entry = JSON.parse((await request<{ text: string }>(REQUESTS.registryPayload, { id: (by.get('sft')!.action as { id: string }).id })).text);
    assert.equal(entry.predicate.buildDefinition.externalParameters.stage, 'fine-tuning');
    // Something not flagged is refused with its code, not drawn as if it were.
    await assert.rejects(request(REQUESTS.impact, { digest: fx.base, kind: 'artifact' }), (e: { data?: { code?: string } }) => e.data?.code === 'NOT_FLAGGED');
  });

  test('a revoked key: its model signature is not verified (SIGNER_REVOKED: an OMS signature has no time, so --since revokes it); its timed attestation before since is not', async () => {
    const sig = join(fx.legacy, 'model.sig');
    client.open(uri(sig), readFileSync(sig, 'utf8'));
    await stateUntil(fx.legacy, (v) => v.phase === 'done' && v.state === 'verified');
    const since = new Date(Date.now() + 3_600_000).toISOString();
    const keyId = keyHint(fx.old.privateKey);
    const { advisoryId } = await flag({ registry: fx.registry, signer: fx.security, target: { kind: 'key', keyId }, reason: 'CI key leaked', since });
    const v = await stateUntil(fx.legacy, (x) => x.state === 'flagged');
    assert.equal(v.headline, `not verified [SIGNER_REVOKED]: its signer is revoked (advisory ${advisoryId})`);
    const d = await client.diagnosticsFor(uri(sig), (x) => x.diagnostics.some((y) => y.code === 'SIGNER_REVOKED'));
    const r = d.diagnostics.find((y) => y.code === 'SIGNER_REVOKED')!;
    assert.match(msg(r), new RegExp(`^signed by key ${keyId.slice(0, 8)}.* \\(the signature carries no trusted time, so it cannot be shown to predate the window\\), revoked since ${since.replace(/\./g, '\\.')}: advisory ${advisoryId}: CI key leaked$`));
    // On the signer (verificationMaterial), not on the payload.
    const body = readFileSync(sig, 'utf8');
    assert.equal(r.range.start.line, body.slice(0, body.indexOf('"verificationMaterial"')).split('\n').length - 1);
    // The same key's attestation says when it was signed (before since): not revoked, as the gate decides.
    const att = fx.legacyAttestation;
    client.open(uri(att), readFileSync(att, 'utf8'));
    const ad = await client.diagnosticsFor(uri(att), (x) => x.diagnostics.length > 0 || x.version === 1);
    assert.ok(!codes(ad).includes('SIGNER_REVOKED'), codes(ad).join());
    // Without since, it would be: the flag is written again for the whole key, and the attestation follows.
    await flag({ registry: fx.registry, signer: fx.security, target: { kind: 'key', keyId }, reason: 'CI key leaked, all of it', id: 'MP-KEY-ALL' });
    const all = await client.diagnosticsFor(uri(att), (x) => x.diagnostics.some((y) => y.code === 'SIGNER_REVOKED'));
    assert.match(msg(all.diagnostics.find((y) => y.code === 'SIGNER_REVOKED')!), new RegExp(`^signed by key ${keyId.slice(0, 8)}.* at \\d{4}-\\d\\d-\\d\\dT[^,]*: advisory MP-KEY-ALL: CI key leaked, all of it$`));
    // Show Impact of the revoked key (its lens argument): what it signed, drawn hanging from it.
    const lens = (await client.lenses(uri(att))).find((l) => l.command?.command === 'modelProvenance.showImpact')!;
    assert.deepEqual(lens.command!.arguments, [{ digest: `sha256:${keyId}`, kind: 'signer' }]);
    const iv = await request<LineageView>(REQUESTS.impact, lens.command!.arguments![0]);
    assert.match(iv.heading ?? '', /^Impact of key [0-9a-f]{16}… \(sha256:[0-9a-f]{12}…\)$/);
    assert.equal(iv.nodes.find((n) => n.label === 'legacy')?.status, 'affected', JSON.stringify(iv.nodes));
  });

  test('the lineage view draws every model made from the flagged dataset as affected, never green verified', async () => {
    const v = await request<LineageView>(REQUESTS.lineageGraph, { modelPath: fx.classifier });
    assert.equal(v.verdict, 'failed');
    const by = new Map(v.nodes.map((n) => [n.label, n.status]));
    assert.equal(by.get('sft'), 'flagged');
    for (const name of ['ft', 'quantized', 'classifier']) assert.equal(by.get(name), 'affected', `${name}: ${JSON.stringify(v.nodes)}`);
    // The base model and its own data are upstream of the flag: as they were.
    assert.equal(by.get('base'), 'verified');
    assert.equal(by.get('pretrain'), 'verified');
    // The drawing says it too (core/render's status word on the node).
    assert.match(v.svg, /<g class="node [a-z-]+ affected" data-id="[^"]*" data-status="affected">/);
  });

  test('a configured policy that cannot be loaded fails closed on every surface (POLICY_INVALID, POLICY_NOT_FOUND), and loads again', async () => {
    const policyPath = join(fx.root, 'provenance-policy.json');
    const good = readFileSync(policyPath, 'utf8');
    const sig = join(fx.classifier, 'model.sig');
    const att = fx.ftAttestation;
    try {
      // A misspelt key: not "no policy", and never back to verified.
      writeFileSync(policyPath, good.replace('"advisorySigners"', '"advisorySingers"'));
      const v = await stateUntil(fx.classifier, (x) => x.policy?.code === 'POLICY_INVALID');
      assert.equal(v.state, 'error');
      assert.equal(v.headline, 'not verified [POLICY_INVALID]: the trust policy provenance-policy.json cannot be loaded');
      assert.equal(v.policy?.file, policyPath);
      assert.match(v.policy!.message, /^the trust policy provenance-policy\.json \(modelProvenance\.policy\) cannot be loaded: .*advisorySingers.* \[POLICY_INVALID\]$/);
      const d = await client.diagnosticsFor(uri(sig), (x) => x.diagnostics.some((y) => y.code === 'POLICY_INVALID'));
      const pd = d.diagnostics.find((y) => y.code === 'POLICY_INVALID')!;
      assert.equal(pd.severity, 1);
      assert.match(msg(pd), /advisorySingers.*; not verified: its flags and advisories cannot be checked \(fix the policy, or clear modelProvenance\.policy\)$/);
      assert.ok(!codes(d).includes('MODEL_VERIFIED'), codes(d).join());
      const lenses = await client.lenses(uri(sig));
      assert.ok(lenses.some((l) => l.command?.title === 'not verified [POLICY_INVALID]: the trust policy provenance-policy.json cannot be loaded — verify again'), lenses.map((l) => l.command?.title).join(' | '));
      // The attestation whose FLAGGED_ARTIFACT error depended on the policy says its flags are not checked.
      const ad = await client.diagnosticsFor(uri(att), (x) => x.diagnostics.some((y) => y.code === 'POLICY_INVALID'));
      assert.equal(ad.diagnostics.find((y) => y.code === 'POLICY_INVALID')!.severity, 1);
      assert.match(msg(ad.diagnostics.find((y) => y.code === 'POLICY_INVALID')!), /flagged digests and revoked signers are not checked here/);
      // The status names the problem and is an error.
      const st = await request<{ worst?: { code: string }; policyProblem?: { code: string } }>(REQUESTS.status, { uri: uri(att) });
      assert.equal(st.worst?.code, 'POLICY_INVALID');
      assert.equal(st.policyProblem?.code, 'POLICY_INVALID');

      // Renamed away.
      rmSync(policyPath);
      const nf = await stateUntil(fx.classifier, (x) => x.policy?.code === 'POLICY_NOT_FOUND');
      assert.equal(nf.headline, 'not verified [POLICY_NOT_FOUND]: the trust policy provenance-policy.json does not exist');
      await client.diagnosticsFor(uri(sig), (x) => x.diagnostics.some((y) => y.code === 'POLICY_NOT_FOUND'));
    } finally {
      writeFileSync(policyPath, good);
    }
    // Restored: the flags are back, the model is flagged again (not verified either way).
    const back = await stateUntil(fx.classifier, (x) => x.state === 'flagged');
    assert.equal(back.policy, undefined);
  });

  test('no policy configured: a verified model.sig says the registry\'s advisories are not read (the CLI\'s ADVISORIES_NOT_READ)', async () => {
    const other = LspClient.stdio();
    try {
      await other.initialize(uri(fx.root), { modelProvenance: { trustedKeys: [join(fx.root, 'keys', 'prod.pub.pem')] }, trustSource: 'user settings' });
      const sig = join(fx.classifier, 'model.sig');
      other.open(uri(sig), readFileSync(sig, 'utf8'));
      const d = await other.diagnosticsFor(uri(sig), (x) => x.diagnostics.some((y) => y.code === 'ADVISORIES_NOT_READ'));
      assert.deepEqual(codes(d), ['ADVISORIES_NOT_READ', 'MODEL_VERIFIED']);
      const w = d.diagnostics.find((y) => y.code === 'ADVISORIES_NOT_READ')!;
      assert.equal(w.severity, 2);
      assert.match(msg(w), /^\d+ advisory statement\(s\) in .* were not read \(no policy was given\): a flagged model or a revoked key is not refused; set modelProvenance\.policy to a policy with "advisorySigners"$/);
      const st = await other.connection.sendRequest<{ advisories?: string }>(REQUESTS.status, { uri: uri(sig) });
      assert.match(st.advisories ?? '', /were not read \(no policy was given\)/);
    } finally {
      await other.shutdown();
    }
  });
});
