/**
 * Evaluation and release describe a model; they never produce it. One rule picks the
 * producer (core/chain/producer.ts), and everything drawn from the chain (the gate,
 * lineage, the manifest) follows it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DESCRIPTIVE_STAGES, generateKeyPair, hashModel, pickProducer, producesSubject, writeKeyPair, type MlProvenance } from '../../core';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';

const D = (c: string): string => `sha256:${c.repeat(64)}`;

function prov(stage: MlProvenance['stage'], finishedOn: string, base?: string): MlProvenance {
  return { subject: { name: 'm', digest: D('a') }, stage, dependencies: base ? [{ role: 'base-model', digest: base }] : [], builderId: 'b', finishedOn };
}

describe('the producer rule', () => {
  test('evaluation and release never produce; a stage naming its own subject as base model does not either; the newest producer wins', () => {
    assert.deepEqual([...DESCRIPTIVE_STAGES], ['evaluation', 'release']);
    assert.equal(producesSubject(prov('evaluation', '2026-01-02T00:00:00Z')), false);
    assert.equal(producesSubject(prov('release', '2026-01-02T00:00:00Z', D('b'))), false);
    assert.equal(producesSubject(prov('conversion', '2026-01-02T00:00:00Z', D('a'))), false);
    assert.equal(producesSubject(prov('fine-tuning', '2026-01-01T00:00:00Z', D('b'))), true);
    const atts = [
      { id: 'ft-old', provenance: prov('fine-tuning', '2026-01-01T00:00:00Z', D('b')) },
      { id: 'eval', provenance: prov('evaluation', '2026-03-01T00:00:00Z') },
      { id: 'ft-new', provenance: prov('fine-tuning', '2026-02-01T00:00:00Z', D('b')) },
      { id: 'rel', provenance: prov('release', '2026-04-01T00:00:00Z') },
    ];
    const p = pickProducer(atts);
    assert.equal(p.producer?.id, 'ft-new');
    assert.deepEqual(p.annotations.map((a) => a.id), ['eval', 'rel']);
    assert.deepEqual(p.superseded.map((a) => a.id), ['ft-old']);
    assert.equal(pickProducer(atts.filter((a) => a.id === 'eval' || a.id === 'rel')).producer, undefined);
  });
});

describe('evaluation after fine-tuning, through the CLI', () => {
  test('attest --stage evaluation --eval-dataset, then the gate: verified, evaluation shown as an annotation; the manifest names fine-tuning', async () => {
    const dir = tempDir('mp-eval-');
    for (const k of ['vendor', 'trainer', 'evaluator']) writeKeyPair(join(dir, 'keys', k), generateKeyPair('P-256'));
    const base = makeModel(join(dir, 'base'), { 'w.bin': 'base' });
    const model = makeModel(join(dir, 'ft'), { 'w.bin': 'fine-tuned', 'config.json': '{}' });
    const evalData = makeModel(join(dir, 'eval-data'), { 'test.jsonl': '{"q":1}\n' });
    const policy = join(dir, 'provenance-policy.json');
    writeFileSync(
      policy,
      JSON.stringify({
        signers: { vendor: { publicKey: 'keys/vendor.pub.pem' }, trainer: { publicKey: 'keys/trainer.pub.pem' }, evaluator: { publicKey: 'keys/evaluator.pub.pem' } },
        stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] }, evaluation: { signers: ['evaluator'] } },
        requiredStages: ['pre-training', 'fine-tuning', 'evaluation'],
      }),
    );
    const reg = join(dir, '.provenance');
    const k = (n: string): string => join(dir, 'keys', `${n}.pem`);
    const run = async (args: string[]): Promise<void> => {
      const r = await runCli([...args, '--registry', reg]);
      assert.equal(r.code, 0, `${args.join(' ')}\n${r.stderr}`);
    };
    await run(['attest', base, '--stage', 'pre-training', '--private-key', k('vendor'), '--finished-on', '2026-01-01T00:00:00Z']);
    // Only the evaluation so far: a model with annotations only has no producer.
    await run(['attest', model, '--stage', 'evaluation', '--private-key', k('evaluator'), '--eval-dataset', evalData, '--finished-on', '2026-01-03T00:00:00Z']);
    const early = JSON.parse((await runCli(['verify', model, '--policy', policy, '--registry', reg, '--format', 'json'])).stdout);
    assert.deepEqual(early.problems.map((p: { code: string }) => p.code), ['MISSING_LINK']);
    assert.match(early.problems[0].message, /^no trusted attestation produced the model sha256:[0-9a-f]{64}: it has only evaluation attestation\(s\), which describe a model but do not produce it$/);

    // The fine-tuning attestation is older than the evaluation: it is still the producer.
    await run(['attest', model, '--stage', 'fine-tuning', '--private-key', k('trainer'), '--base-model', base, '--hyperparameter', 'lr=2e-4', '--finished-on', '2026-01-02T00:00:00Z']);
    const v = await runCli(['verify', model, '--policy', policy, '--registry', reg, '--format', 'json']);
    assert.equal(v.code, 0, v.stdout);
    const json = JSON.parse(v.stdout);
    assert.deepEqual(json.links.map((l: { stage: string }) => l.stage), ['fine-tuning', 'pre-training']);
    assert.deepEqual(json.links[0].annotations.map((a: { stage: string; signer: string }) => [a.stage, a.signer]), [['evaluation', 'evaluator']]);
    assert.equal(json.links[0].annotations[0].inputs[0].digest, (await hashModel(evalData)).digest);
    const text = await runCli(['lineage', model, '--policy', policy, '--registry', reg]);
    assert.match(text.stdout, /fine-tuning +"ft" .*\+ evaluation by evaluator/);

    // A flagged evaluation dataset is on the chain too.
    const flagged = join(dir, 'flagged-policy.json');
    const doc = JSON.parse(readFileSync(policy, 'utf8'));
    writeFileSync(flagged, JSON.stringify({ ...doc, flagged: [{ digest: (await hashModel(evalData)).digest, reason: 'leaked test set' }] }));
    const f = JSON.parse((await runCli(['verify', model, '--policy', flagged, '--registry', reg, '--format', 'json'])).stdout);
    assert.deepEqual(f.problems.map((p: { code: string }) => p.code), ['FLAGGED_ARTIFACT']);
    assert.match(f.problems[0].message, /used by the evaluation stage is flagged: leaked test set$/);

    // An evaluation set changed after the evaluation is re-hashed like a training set: DIGEST_MISMATCH.
    const attested = (await hashModel(evalData)).digest;
    writeFileSync(join(evalData, 'test.jsonl'), '{"q":2}\n');
    const changed = JSON.parse((await runCli(['verify', model, '--policy', policy, '--registry', reg, '--format', 'json'])).stdout);
    assert.deepEqual(changed.problems.map((p: { code: string }) => p.code), ['DIGEST_MISMATCH']);
    assert.equal(changed.problems[0].message, `dataset "eval-data" at ${evalData} now has digest ${(await hashModel(evalData)).digest}, but the evaluation stage attested ${attested}: it was changed or swapped after it was used`);
    writeFileSync(join(evalData, 'test.jsonl'), '{"q":1}\n');

    // The manifest draws the same producer, with its parameters.
    const out = join(dir, 'ft.cdx.json');
    const m = await runCli(['manifest', 'init', model, '--registry', reg, '--policy', policy, '--output', out]);
    assert.equal(m.code, 0, m.stderr);
    const props: { name: string; value: string }[] = JSON.parse(readFileSync(out, 'utf8')).metadata.component.properties;
    assert.equal(props.find((p) => p.name === 'model-provenance:stage')?.value, 'fine-tuning');
    assert.equal(props.find((p) => p.name === 'model-provenance:hyperparameter:lr')?.value, '0.0002');
  });
});
