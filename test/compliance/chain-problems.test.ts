/**
 * Every kind of chain problem reaches exactly the report points whose evidence it concerns,
 * and the score, with the problem named on the point (core/compliance/concerns.ts). One
 * fixture pipeline whose inputs are folders on disk (so the chain re-hashes them), then
 * one problem at a time: a report dated before its evidence, an expired attestation, a
 * required stage missing, a signer the policy does not allow for a stage, a flagged
 * dataset, a denied dataset, a swapped base model, a swapped training dataset, a deleted
 * attestation blob, and an attestation from an untrusted signer. For each: the exact points
 * whose status changes, the scores, the problem's code on the points, the lineage node
 * statuses, and never "The chain was verified" on a failed chain.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import { FRAMEWORK_IDS, LocalRegistry, attest, buildReport, generateKeyPair, hashModel, loadPolicy, renderReport, verifyChain, writeKeyPair, type ComplianceReport, type FrameworkId, type PolicyDocument } from '../../core';
import { buildComplianceWorld, POLICY, type ComplianceWorld } from '../helpers/compliance-pipeline';
import { tempDir } from '../helpers/fixtures';

const DATE = '2026-11-30';
const EVAL_DATA = `sha256:${'e7'.repeat(32)}`;
const SFT_DATA = `sha256:${'5f'.repeat(32)}`;
/**
 * An unverifiable evaluation claim leaves open what every-stage points say (software,
 * compute, data, the chain as a whole): fail closed, though the chain walk ignores it.
 */
const ROGUE_CHANGES = [
  'eu-ai-act-annex-iv 1(c): evidence -> partial',
  'eu-ai-act-annex-iv 2(a): evidence -> partial',
  'eu-ai-act-annex-iv 2(c): evidence -> partial',
  'eu-ai-act-annex-iv 6: evidence -> partial',
  'eu-ai-act-annex-xi 2(d): evidence -> partial',
  'eu-ai-act-annex-xii 1(e): evidence -> partial',
  'nist-ai-rmf MAP 2.3: evidence -> partial',
];

function changed(a: ComplianceReport, b: ComplianceReport): string[] {
  const out: string[] = [];
  for (const f of a.frameworks) {
    for (const p of f.points) {
      const q = b.frameworks.find((x) => x.id === f.id)!.points.find((x) => x.id === p.id)!;
      if (p.status !== q.status) out.push(`${f.id} ${p.id}: ${p.status} -> ${q.status}`);
    }
  }
  return out;
}
const point = (r: ComplianceReport, f: FrameworkId, id: string) => r.frameworks.find((x) => x.id === f)!.points.find((p) => p.id === id)!;
const scores = (r: ComplianceReport): number[] => r.frameworks.map((f) => f.completeness.score);
const graph = (r: ComplianceReport): Record<string, string> => Object.fromEntries(r.lineage.nodes.map((n) => [n.label, n.status]));
/** The point names the problem: a fact carries its code, or a gap in what is still needed does. */
const names = (r: ComplianceReport, f: FrameworkId, id: string, code: string): boolean => {
  const p = point(r, f, id);
  return p.facts.some((x) => x.problems?.some((q) => q.code === code)) || (p.needs ?? []).some((n) => n.includes(code));
};
/** No sentence anywhere in the report calls a failed chain verified. */
function neverVerifiedChain(r: ComplianceReport): void {
  assert.equal(r.verification.chain.verdict, 'failed');
  for (const format of ['json', 'md', 'html'] as const) assert.ok(!renderReport(r, format).includes('The chain was verified'), format);
  assert.match(point(r, 'nist-ai-rmf', 'GOVERN 1.1').facts[0]!.text, /^The chain was checked against trust policy provenance-policy\.json|^The chain was checked against trust policy variant-policy\.json/);
  assert.notEqual(r.threatModel.mitigations.find((m) => m.id === 'AML.M0013')!.status, 'in-place');
}

describe('chain problems reach exactly the points they concern', () => {
  let w: ComplianceWorld;
  let full: ComplianceReport;
  const report = (o: Partial<Parameters<typeof buildReport>[0]> = {}, policy = w.policyPath) =>
    buildReport({ registry: new LocalRegistry(w.registryDir), policy: loadPolicy(policy), modelPath: w.models.quantized, frameworks: [...FRAMEWORK_IDS], inputs: w.inputsPath, date: DATE, ...o });
  const variant = (edit: (p: PolicyDocument) => PolicyDocument): string => {
    const path = join(w.dir, 'variant-policy.json');
    writeFileSync(path, JSON.stringify(edit(structuredClone(POLICY)), null, 2));
    return path;
  };

  before(async () => {
    w = await buildComplianceWorld(tempDir('mp-chain-problems-', { untilExit: true }), (s) => s, { localInputs: true });
    full = await report();
    assert.equal(full.verification.chain.verdict, 'verified');
    assert.deepEqual(scores(full), [45.7, 53.6, 54.5, 33.3]);
    assert.match(point(full, 'nist-ai-rmf', 'GOVERN 1.1').facts[0]!.text, /^The chain was verified against trust policy/);
    assert.ok(Object.values(graph(full)).every((s) => s === 'verified'), JSON.stringify(graph(full)));
  });

  test('report dated before its evidence: ATTESTATION_FROM_FUTURE on the three attestations of the model, with no clock-skew allowance for a declared date', async () => {
    // The person inputs are dated 2026-11-20: a report dated before them refuses them, with where.
    await assert.rejects(report({ date: '2026-10-04T09:00:00Z' }), (e: Error & { code?: string }) => e.code === 'REPORT_INPUTS_INVALID' && /^eu-ai-act-annex-iv\.1\(a\)\.date \(line 12 column 7\): 2026-11-20 is after the report date 2026-10-04/.test(e.message));
    // The quantization finished 2026-10-04T09:40Z, 40 minutes after this date: not yet evidence.
    const base = await report({ inputs: undefined });
    const r = await report({ date: '2026-10-04T09:00:00Z', inputs: undefined });
    assert.deepEqual(r.verification.chain.problems.map((p) => p.code), ['ATTESTATION_FROM_FUTURE', 'ATTESTATION_FROM_FUTURE', 'ATTESTATION_FROM_FUTURE']);
    // A report's moment is its date, not "the future" (newcomer re-check 2, item 8).
    assert.match(r.verification.chain.problems[0]!.message, /^the \S+ attestation sha256:[0-9a-f]{12}… claims to finish \S+, after the report date \(2026-10-04\)$/);
    assert.deepEqual(changed(base, r), [
      'eu-ai-act-annex-iv 1(c): evidence -> partial',
      'eu-ai-act-annex-iv 2(a): evidence -> partial',
      'eu-ai-act-annex-iv 2(c): evidence -> partial',
      'eu-ai-act-annex-iv 2(g): partial -> missing',
      'eu-ai-act-annex-iv 6: evidence -> partial',
      'eu-ai-act-annex-xi 1(c): evidence -> partial',
      'eu-ai-act-annex-xi 2(d): evidence -> partial',
      'eu-ai-act-annex-xi S2.1: partial -> missing',
      'eu-ai-act-annex-xii 1(c): evidence -> partial',
      'eu-ai-act-annex-xii 1(e): evidence -> partial',
      'nist-ai-rmf GOVERN 1.6: evidence -> partial',
      'nist-ai-rmf MAP 2.1: evidence -> partial',
      'nist-ai-rmf MAP 2.3: evidence -> partial',
      'nist-ai-rmf MAP 4.2: evidence -> partial',
    ]);
    assert.deepEqual(scores(r), [26.1, 42.9, 45.5, 22.2]);
    for (const [f, p] of [['eu-ai-act-annex-iv', '2(a)'], ['eu-ai-act-annex-iv', '2(g)'], ['eu-ai-act-annex-xi', '1(c)']] as const) assert.ok(names(r, f, p, 'ATTESTATION_FROM_FUTURE'), `${f} ${p}`);
    // The evaluation's metrics are claims now, never facts.
    assert.ok(point(r, 'eu-ai-act-annex-iv', '2(g)').facts.every((f) => !f.verified));
    const lineage = r.chain.filter((s) => !s.verified).map((s) => s.stage).sort();
    assert.deepEqual(lineage, ['evaluation', 'quantization', 'release']);
    assert.deepEqual(graph(r), { 'assistant-int8': 'failed', merged: 'verified', ft: 'verified', base: 'verified', adapter: 'verified', 'eval-data': 'unverified', 'sft-data': 'verified' });
    neverVerifiedChain(r);
  });

  test('SOURCE_DATE_EPOCH before the evidence (a CI job stamps the commit time, then attests): the clock-drift allowance applies, as to a clock date', async () => {
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1791104400'; // 2026-10-04T09:00:00Z, 40 minutes before the quantization finished
    try {
      const future = (x: Awaited<ReturnType<typeof report>>): string[] => x.verification.chain.problems.filter((p) => p.code === 'ATTESTATION_FROM_FUTURE').map((p) => p.message);
      const stamped = await report({ date: undefined, inputs: undefined });
      const declared = await report({ date: '2026-10-04T09:00:00Z', inputs: undefined });
      assert.equal(stamped.date, declared.date);
      // 40 minutes late is within the day's allowance; a day and more is not.
      assert.ok(future(declared).some((m) => /the quantization attestation/.test(m)));
      assert.deepEqual(future(stamped).filter((m) => /the quantization attestation/.test(m)), []);
      assert.ok(future(stamped).length < future(declared).length);
      assert.ok(future(stamped).every((m) => future(declared).includes(m)));
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });

  test('an expired attestation (the pre-training, 400-day limit): the points citing it', async () => {
    const r = await report({ date: '2027-10-25' });
    assert.deepEqual(r.verification.chain.problems.map((p) => p.code), ['ATTESTATION_EXPIRED']);
    assert.deepEqual(changed(full, r), [
      'eu-ai-act-annex-iv 1(a): evidence -> partial',
      'eu-ai-act-annex-iv 1(c): evidence -> partial',
      'eu-ai-act-annex-iv 2(a): evidence -> partial',
      'eu-ai-act-annex-iv 2(c): evidence -> partial',
      'eu-ai-act-annex-iv 6: evidence -> partial',
      'eu-ai-act-annex-xi 2(d): evidence -> partial',
      'eu-ai-act-annex-xii 1(e): evidence -> partial',
      'nist-ai-rmf GOVERN 1.6: evidence -> partial',
      'nist-ai-rmf MAP 4.2: evidence -> partial',
    ]);
    assert.deepEqual(scores(r), [34.8, 50, 50, 27.8]);
    assert.ok(names(r, 'eu-ai-act-annex-iv', '2(c)', 'ATTESTATION_EXPIRED'));
    const base = r.evidence.find((e) => e.stage === 'pre-training')!;
    assert.equal(base.verified, false);
    assert.match(base.reason!, /more than 400 day\(s\) ago \[ATTESTATION_EXPIRED\]$/);
    assert.deepEqual(graph(r), { 'assistant-int8': 'verified', merged: 'verified', ft: 'verified', base: 'failed', adapter: 'verified', 'eval-data': 'verified', 'sft-data': 'verified' });
    neverVerifiedChain(r);
  });

  test('a required stage missing: only the points that rest on the chain as a whole', async () => {
    const r = await report({}, variant((p) => ({ ...p, requiredStages: [...(p.requiredStages ?? []), 'conversion'] })));
    assert.deepEqual(r.verification.chain.problems.map((p) => p.code), ['REQUIRED_STAGE_MISSING']);
    assert.deepEqual(changed(full, r), ['eu-ai-act-annex-iv 2(a): evidence -> partial', 'eu-ai-act-annex-iv 6: evidence -> partial', 'nist-ai-rmf GOVERN 1.6: evidence -> partial', 'nist-ai-rmf MAP 4.2: evidence -> partial']);
    assert.deepEqual(scores(r), [41.3, 53.6, 54.5, 27.8]);
    assert.ok(names(r, 'eu-ai-act-annex-iv', '6', 'REQUIRED_STAGE_MISSING'));
    assert.match(point(r, 'eu-ai-act-annex-iv', '6').needs!.join(' '), /the policy requires a conversion stage/);
    assert.ok(Object.values(graph(r)).every((s) => s === 'verified'));
    neverVerifiedChain(r);
  });

  test('a signer the policy does not allow for the evaluation: the evaluation is not evidence', async () => {
    const r = await report({}, variant((p) => ({ ...p, stages: { ...p.stages, evaluation: { signers: ['release'] } } })));
    assert.deepEqual(r.verification.chain.problems.map((p) => p.code), ['SIGNER_NOT_ALLOWED_FOR_STAGE']);
    assert.deepEqual(changed(full, r), [
      'eu-ai-act-annex-iv 1(c): evidence -> partial',
      'eu-ai-act-annex-iv 2(a): evidence -> partial',
      'eu-ai-act-annex-iv 2(c): evidence -> partial',
      'eu-ai-act-annex-iv 2(g): partial -> missing',
      'eu-ai-act-annex-iv 6: evidence -> partial',
      'eu-ai-act-annex-xi 2(d): evidence -> partial',
      'eu-ai-act-annex-xi S2.1: partial -> missing',
      'eu-ai-act-annex-xii 1(e): evidence -> partial',
      'nist-ai-rmf GOVERN 1.6: evidence -> partial',
      'nist-ai-rmf MAP 2.3: evidence -> partial',
      'nist-ai-rmf MAP 4.2: evidence -> partial',
    ]);
    assert.deepEqual(scores(r), [34.8, 46.4, 50, 25]);
    assert.ok(names(r, 'eu-ai-act-annex-iv', '1(c)', 'SIGNER_NOT_ALLOWED_FOR_STAGE'));
    assert.ok(!JSON.stringify(r.frameworks).includes('accuracy = 0.91'), 'the evaluation content is not stated');
    neverVerifiedChain(r);
  });

  test('a flagged evaluation dataset: flagged in the graph, the facts naming it are claims', async () => {
    const r = await report({}, variant((p) => ({ ...p, flagged: [{ digest: EVAL_DATA, reason: 'poisoned benchmark' }] })));
    assert.deepEqual(r.verification.chain.problems.map((p) => p.code), ['FLAGGED_ARTIFACT']);
    assert.deepEqual(changed(full, r), ['eu-ai-act-annex-iv 2(a): evidence -> partial', 'eu-ai-act-annex-iv 6: evidence -> partial', 'nist-ai-rmf GOVERN 1.6: evidence -> partial', 'nist-ai-rmf MAP 2.3: evidence -> partial', 'nist-ai-rmf MAP 4.2: evidence -> partial']);
    assert.deepEqual(scores(r), [41.3, 53.6, 54.5, 25]);
    const g = point(r, 'eu-ai-act-annex-iv', '2(g)');
    assert.ok(g.facts.some((f) => !f.verified && f.inputs?.includes(EVAL_DATA) && f.problems?.[0]?.code === 'FLAGGED_ARTIFACT'));
    assert.ok(g.facts.some((f) => f.verified && /metrics\.json/.test(f.text)), 'the metrics, which do not name the dataset, stand');
    assert.equal(graph(r)['eval-data'], 'flagged');
    neverVerifiedChain(r);
  });

  test('a denied training dataset: "failed" in the graph (flagged is the flag list\'s word), its facts claims', async () => {
    const r = await report({}, variant((p) => ({ ...p, datasets: { deny: [SFT_DATA] } })));
    assert.deepEqual(r.verification.chain.problems.map((p) => p.code), ['DATASET_DENIED', 'DATASET_DENIED']);
    assert.deepEqual(changed(full, r), [
      'eu-ai-act-annex-iv 2(a): evidence -> partial',
      'eu-ai-act-annex-iv 2(d): partial -> missing',
      'eu-ai-act-annex-iv 6: evidence -> partial',
      'nist-ai-rmf GOVERN 1.6: evidence -> partial',
      'nist-ai-rmf GOVERN 6.1: evidence -> missing',
      'nist-ai-rmf MAP 2.3: evidence -> partial',
      'nist-ai-rmf MAP 4.1: evidence -> missing',
      'nist-ai-rmf MAP 4.2: evidence -> partial',
    ]);
    assert.deepEqual(scores(r), [39.1, 53.6, 54.5, 13.9]);
    assert.ok(names(r, 'eu-ai-act-annex-iv', '2(d)', 'DATASET_DENIED'));
    assert.equal(graph(r)['sft-data'], 'failed');
    assert.equal(graph(r).ft, 'verified', 'the stage that used it is not what failed');
    neverVerifiedChain(r);
  });

  test('a swapped base model: that node is "changed", nothing else; the facts naming it are claims', async () => {
    const file = join(w.models.base, 'model.safetensors');
    const original = readFileSync(file);
    writeFileSync(file, Buffer.concat([original, Buffer.from('swapped')]));
    let r: ComplianceReport;
    try {
      r = await report();
    } finally {
      writeFileSync(file, original);
    }
    assert.deepEqual(r.verification.chain.problems.map((p) => [p.code, p.input]), [
      ['DIGEST_MISMATCH', full.lineage.nodes.find((n) => n.label === 'base')!.id],
      ['DIGEST_MISMATCH', full.lineage.nodes.find((n) => n.label === 'base')!.id],
    ]);
    assert.deepEqual(changed(full, r), ['eu-ai-act-annex-iv 2(a): evidence -> partial', 'eu-ai-act-annex-iv 6: evidence -> partial', 'nist-ai-rmf GOVERN 1.6: evidence -> partial', 'nist-ai-rmf MAP 4.2: evidence -> partial']);
    assert.deepEqual(scores(r), [41.3, 53.6, 54.5, 27.8]);
    assert.deepEqual(graph(r), { 'assistant-int8': 'verified', merged: 'verified', ft: 'verified', base: 'changed', adapter: 'verified', 'eval-data': 'verified', 'sft-data': 'verified' });
    const dev = point(r, 'eu-ai-act-annex-iv', '2(a)');
    assert.ok(dev.facts.some((f) => !f.verified && f.problems?.[0]?.code === 'DIGEST_MISMATCH' && /^fine-tuning: "ft"/.test(f.text)));
    assert.ok(dev.facts.some((f) => f.verified && /^pre-training: "base"/.test(f.text)), 'the pre-training attestation itself still verifies');
    // The threat model names the input, citing the attestations that recorded it.
    const m14 = r.threatModel.mitigations.find((m) => m.id === 'AML.M0014')!;
    assert.equal(m14.status, 'partial');
    assert.ok(m14.statements.some((s) => /^Changed after use: base-model "base" at .* now has digest sha256:/.test(s.text) && s.evidence.length === 1));
    neverVerifiedChain(r);
  });

  test('inputs re-hashed, and one not on this machine: counted and named, never drawn as checked on disk (newcomer re-check 2, item 5)', async () => {
    const m14 = (r: ComplianceReport) => r.threatModel.mitigations.find((m) => m.id === 'AML.M0014')!;
    const all = m14(full).statements.find((s) => /re-hashed at that path/.test(s.text))!;
    assert.equal(all.text, `4 of 4 input(s) recorded with a local path re-hashed at that path; 4 match their attested digests: base-model "merged" at ${w.models.merged}, base-model "ft" at ${w.models.ft}, adapter "adapter" at ${w.models.adapter}, base-model "base" at ${w.models.base}.`);
    assert.ok(all.verified);
    assert.equal(full.lineage.nodes.find((n) => n.label === 'base')!.details!.includes('bytes re-hashed here: match'), true);
    const moved = `${w.models.base}.moved`;
    renameSync(w.models.base, moved);
    let r: ComplianceReport;
    try {
      r = await report();
    } finally {
      renameSync(moved, w.models.base);
    }
    assert.equal(r.verification.chain.verdict, 'verified', 'an input not at hand is not a failed check');
    const st = m14(r).statements;
    assert.match(st.find((s) => s.verified && /re-hashed/.test(s.text))!.text, /^3 of 4 input\(s\) recorded with a local path re-hashed at that path; 3 match their attested digests: /);
    const away = st.find((s) => /^Not on this machine/.test(s.text))!;
    assert.equal(away.text, `Not on this machine, so not re-hashed: base-model "base" (recorded at ${w.models.base}). Their attestations say which bytes were used; those bytes were not checked here.`);
    assert.equal(away.verified, false);
    assert.equal(m14(r).status, 'partial', 'a mitigation with a line not verified is not in place');
    const base = r.lineage.nodes.find((n) => n.label === 'base')!;
    assert.equal(base.status, 'verified', 'its attestation verified');
    assert.ok(base.details!.includes('not on this machine: not re-hashed'), JSON.stringify(base.details));
  });

  test('a deleted attestation blob: missing evidence in the report (written, REGISTRY_DANGLING_INDEX), the same cause as the chain walk', async () => {
    const copy = join(tempDir('mp-chain-problems-blob-'), '.provenance');
    cpSync(w.registryDir, copy, { recursive: true });
    const id = w.attestations['evaluation:quantized']!;
    rmSync(join(copy, 'blobs', 'sha256', `${id.slice(7)}.json`));
    const r = await report({ registry: new LocalRegistry(copy) });
    const chain = await verifyChain({ registry: new LocalRegistry(copy), policy: loadPolicy(w.policyPath), modelPath: w.models.quantized, now: new Date(DATE) });
    assert.deepEqual(chain.ignored.map((i) => [i.id, i.code]), [[id, 'REGISTRY_DANGLING_INDEX']]);
    const item = r.evidence.find((e) => e.ref === id)!;
    assert.equal(item.verified, false);
    assert.equal(item.reason, `${chain.ignored[0]!.message} [REGISTRY_DANGLING_INDEX]`);
    assert.equal(point(r, 'eu-ai-act-annex-iv', '2(g)').status, 'missing');
    assert.ok(point(r, 'eu-ai-act-annex-iv', '2(g)').facts.every((f) => !f.verified));
  });

  test('a swapped training dataset: the dataset is "changed", the points on training data lose it, and it is named', async () => {
    const dir = tempDir('mp-chain-problems-data-');
    const data = join(dir, 'data', 'sft.jsonl');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(data, '{"q":"a","a":"b"}\n');
    const digest = (await hashModel(data)).digest;
    const local = { name: 'sft-data', digest, uri: pathToFileURL(data).href, usage: 'training' as const };
    const w2 = await buildComplianceWorld(dir, (specs) => specs.map((s) => (s.datasets?.some((d) => typeof d !== 'string' && d.name === 'sft-data') ? { ...s, datasets: [local] } : s)));
    const mk = () => buildReport({ registry: new LocalRegistry(w2.registryDir), policy: loadPolicy(w2.policyPath), modelPath: w2.models.quantized, frameworks: [...FRAMEWORK_IDS], inputs: w2.inputsPath, date: DATE });
    const before = await mk();
    assert.equal(before.verification.chain.verdict, 'verified');
    writeFileSync(data, '{"q":"poisoned","a":"b"}\n');
    const r = await mk();
    assert.deepEqual(r.verification.chain.problems.map((p) => p.code), ['DIGEST_MISMATCH', 'DIGEST_MISMATCH']);
    assert.deepEqual(changed(before, r), [
      'eu-ai-act-annex-iv 2(a): evidence -> partial',
      'eu-ai-act-annex-iv 2(d): partial -> missing',
      'eu-ai-act-annex-iv 6: evidence -> partial',
      // Annex XI/XII 2(c) cover all data: the evaluation data still stands, so they stay partial.
      'nist-ai-rmf GOVERN 1.6: evidence -> partial',
      'nist-ai-rmf MAP 2.3: evidence -> partial',
      'nist-ai-rmf MAP 4.2: evidence -> partial',
    ]);
    const d = point(r, 'eu-ai-act-annex-iv', '2(d)');
    assert.ok(d.facts.length > 0 && d.facts.every((f) => !f.verified && f.problems?.[0]?.code === 'DIGEST_MISMATCH'), 'every fact on the training data is a claim naming the mismatch');
    // The evidence is there; what failed is the check on it: the point says so instead of asking for the attestation again.
    assert.equal(d.needs![0], 'Evidence: present, but the chain checks named below failed on it; it counts once they pass (restore what changed, or attest again what was really used).');
    assert.match(d.needs![1]!, /^Gap: DIGEST_MISMATCH: dataset "sft-data" at .* now has digest sha256:[0-9a-f]{64}, but the fine-tuning stage attested sha256:/);
    assert.ok(!point(r, 'eu-ai-act-annex-iv', '2(h)').needs!.some((n) => n.startsWith('Evidence: present')), 'a point whose own evidence names the failed chain still asks for it');
    assert.deepEqual(graph(r)['sft-data'], 'changed');
    assert.deepEqual(Object.entries(graph(r)).filter(([k]) => k !== 'sft-data').map(([, v]) => v), Array(6).fill('verified'));
    const m25 = r.threatModel.mitigations.find((m) => m.id === 'AML.M0025')!;
    assert.equal(m25.status, 'partial');
    assert.ok(!m25.statements.some((s) => /each identified by digest in a verified attestation/.test(s.text) && s.inputs?.includes(digest)), 'the changed dataset is not counted as established');
    neverVerifiedChain(r);
  });

  test('an attestation from an untrusted signer: ignored with the chain\'s reason, shown as a claim where it would serve', async () => {
    const copy = join(tempDir('mp-chain-problems-rogue-'), '.provenance');
    cpSync(w.registryDir, copy, { recursive: true });
    const rogue = writeKeyPair(join(w.dir, 'keys', 'rogue'), generateKeyPair('P-256')).privatePath;
    const { createPrivateKey } = await import('node:crypto');
    const a = await attest({ modelPath: w.models.quantized, stage: 'evaluation', baseModels: [{ digest: full.model.digest, name: 'assistant-int8' }], byproducts: [{ name: 'fake.json', content: { accuracy: 0.99 } }], signer: { kind: 'key', privateKey: createPrivateKey(readFileSync(rogue)) }, registry: new LocalRegistry(copy), finishedOn: '2026-10-07T00:00:00Z' });
    const r = await report({ registry: new LocalRegistry(copy) });
    const chain = await verifyChain({ registry: new LocalRegistry(copy), policy: loadPolicy(w.policyPath), modelPath: w.models.quantized, now: new Date(DATE) });
    assert.equal(chain.verdict, 'verified', 'ignored, not a chain failure');
    assert.deepEqual(chain.ignored.map((i) => i.code), ['UNTRUSTED_SIGNER']);
    assert.equal(r.evidence.find((e) => e.ref === a.id!)!.reason, `${chain.ignored[0]!.message} [UNTRUSTED_SIGNER]`, 'the report names the chain walk\'s cause');
    // A claimed evaluation concerns the evaluation and the per-stage points that read every stage, as a gap.
    assert.deepEqual(changed(full, r), ROGUE_CHANGES);
    assert.ok(!JSON.stringify(r).includes('0.99'), 'the untrusted claim is never stated');
    assert.ok(point(r, 'eu-ai-act-annex-iv', '2(g)').facts.some((f) => !f.verified && f.evidence.includes(a.id!)));
  });
});
