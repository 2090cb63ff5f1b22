/**
 * One model, several trusted attestations that each say they produced it. Attested again with
 * the same inputs: the newest is the link, and the older ones are listed as not used (the
 * chain's JSON, and a note every lineage output carries). With other inputs: trusted claims
 * disagree on where the bytes came from, and a stated time is the attester's own claim, so
 * the chain fails (ATTESTATION_CONFLICT) until the wrong one is removed. Never a silent pick.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalRegistry, attest, compilePolicy, generateKeyPair, lineageNotes, renderLineage, verifyChain, writeKeyPair, type PolicyDocument } from '../../core';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';

const POLICY: PolicyDocument = {
  signers: { vendor: { publicKey: 'keys/vendor.pub.pem' }, trainer: { publicKey: 'keys/trainer.pub.pem' } },
  stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] } },
  requiredStages: ['pre-training', 'fine-tuning'],
};

test('a model attested twice: the newest is used, the older is listed with its inputs; other inputs are said to disagree', async () => {
  const dir = tempDir('mp-superseded-');
  for (const k of ['vendor', 'trainer']) writeKeyPair(join(dir, 'keys', k), generateKeyPair('P-256'));
  const key = (k: string) => ({ kind: 'key' as const, privateKey: createPrivateKey(readFileSync(join(dir, 'keys', `${k}.pem`))) });
  const base = makeModel(join(dir, 'base'), { 'w.bin': 'base weights' });
  const other = makeModel(join(dir, 'other'), { 'w.bin': 'another base' });
  const ft = makeModel(join(dir, 'ft'), { 'w.bin': 'fine-tuned weights' });
  const registry = new LocalRegistry(join(dir, '.provenance'));
  await attest({ modelPath: base, stage: 'pre-training', signer: key('vendor'), registry });
  await attest({ modelPath: other, stage: 'pre-training', signer: key('vendor'), registry });
  const first = await attest({ modelPath: ft, stage: 'fine-tuning', baseModels: [base], finishedOn: '2026-01-01T00:00:00Z', signer: key('trainer'), registry });
  const again = await attest({ modelPath: ft, stage: 'fine-tuning', baseModels: [base], finishedOn: '2026-02-01T00:00:00Z', signer: key('trainer'), registry });
  const policyPath = join(dir, 'provenance-policy.json');
  writeFileSync(policyPath, JSON.stringify(POLICY));
  const policy = compilePolicy(POLICY, policyPath);

  const r1 = await verifyChain({ registry, policy, modelPath: ft });
  assert.equal(r1.verdict, 'verified');
  const top = r1.links.find((l) => l.depth === 0)!;
  assert.equal(top.attestation, again.id);
  assert.deepEqual(top.superseded?.map((s) => [s.attestation, s.sameInputs, s.time]), [[first.id, true, '2026-01-01T00:00:00Z']]);
  const [note1, ...rest1] = lineageNotes(r1);
  assert.deepEqual(rest1, []);
  assert.equal(note1!.text, `"ft" (${top.digest.slice(0, 19)}…) was attested 2 times with the same inputs; the newest, ${again.id} (fine-tuning, signed by trainer at 2026-02-01T00:00:00Z), is used, and this one is not: ${first.id} (fine-tuning, signed by trainer at 2026-01-01T00:00:00Z).`);
  assert.ok(renderLineage(r1, 'text').includes(`note: ${note1!.text}`), 'the tree prints the note');

  // A third claim with another base model, stated as newer: not taken on its stated time.
  const third = await attest({ modelPath: ft, stage: 'fine-tuning', baseModels: [other], finishedOn: '2026-03-01T00:00:00Z', signer: key('trainer'), registry });
  const r2 = await verifyChain({ registry, policy, modelPath: ft });
  assert.equal(r2.verdict, 'failed');
  const top2 = r2.links.find((l) => l.depth === 0)!;
  assert.equal(top2.attestation, third.id);
  assert.deepEqual(top2.superseded?.map((s) => [s.attestation, s.sameInputs]), [[again.id, false], [first.id, false]]);
  assert.deepEqual(r2.problems.map((p) => [p.code, p.attestation]), [['ATTESTATION_CONFLICT', third.id]]);
  const baseDigest = r1.links.find((l) => l.depth === 1)!.digest;
  const otherDigest = top2.inputs[0]!.digest;
  assert.deepEqual(r2.problems[0]!.conflicting, [again.id, first.id]);
  assert.equal(
    r2.problems[0]!.message,
    `3 trusted attestations say they produced "ft" (${top2.digest.slice(0, 19)}…) from different inputs: ${third.id} (fine-tuning, 2026-03-01T00:00:00Z) records base-model "other" ${otherDigest.slice(0, 19)}…, the newest by its own stated time; ${again.id} (fine-tuning, 2026-02-01T00:00:00Z) records base-model "base" ${baseDigest.slice(0, 19)}…; ${first.id} (fine-tuning, 2026-01-01T00:00:00Z) records base-model "base" ${baseDigest.slice(0, 19)}…. A stated time is the attester's own claim and does not settle which is right: find out, and remove the wrong ones (registry rm ID)`,
  );
  // The tree does not draw the disputed link as if it stood.
  assert.match(renderLineage(r2, 'text'), /^fine-tuning {2}"ft" .* {2}✘ ATTESTATION_CONFLICT$/m);
  // Which base it came from is in dispute: no claim's inputs are walked or drawn as the chain; a note lists each claim.
  assert.deepEqual(r2.links.map((l) => l.name), ['ft']);
  assert.deepEqual(r2.problems.map((p) => p.code), ['ATTESTATION_CONFLICT'], 'no REQUIRED_STAGE_MISSING beyond the dispute');
  const [dispute, ...more] = lineageNotes(r2).filter((n) => n.digest === top2.digest);
  assert.deepEqual(more, []);
  assert.match(dispute!.text, new RegExp(`^Beyond "ft" \\(sha256:[0-9a-f]{12}…\\) nothing was checked: trusted attestations disagree on what it was made from \\[ATTESTATION_CONFLICT\\]\\. ${third.id} \\(fine-tuning, 2026-03-01T00:00:00Z\\) records base-model "other" sha256:[0-9a-f]{12}…; ${again.id} \\(fine-tuning, 2026-02-01T00:00:00Z\\) records base-model "base" sha256:[0-9a-f]{12}…; ${first.id} .* records base-model "base" sha256:[0-9a-f]{12}…\\.$`));
  assert.doesNotMatch(renderLineage(r2, 'text'), /base-model:/);
  assert.doesNotMatch(renderLineage(r2, 'mermaid'), /\|base-model\|/);

  // The CLI: exit 1, the problem, the next step, and the JSON lists what was not used.
  const reg = ['--registry', join(dir, '.provenance')];
  const text = await runCli(['lineage', ft, '--policy', policyPath, ...reg]);
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, /ATTESTATION_CONFLICT .*: 3 trusted attestations say they produced "ft"/);
  const gate = await runCli(['verify', ft, '--policy', policyPath, ...reg]);
  assert.equal(gate.code, 1);
  assert.match(gate.stderr, /\[ATTESTATION_CONFLICT\]\n$/);
  const json = await runCli(['lineage', ft, '--policy', policyPath, ...reg, '--format', 'json']);
  const out = JSON.parse(json.stdout) as { links: { depth: number; superseded?: { attestation: string; sameInputs: boolean }[] }[] };
  assert.deepEqual(out.links.find((l) => l.depth === 0)!.superseded, top2.superseded);

  // Removing the wrong claim: verified again, the re-attestation with the same inputs a note.
  const rm = await runCli(['registry', 'rm', third.id!, ...reg]);
  assert.equal(rm.code, 0, rm.stderr);
  const after = await runCli(['lineage', ft, '--policy', policyPath, ...reg]);
  assert.equal(after.code, 0, after.stdout);
  assert.ok(after.stdout.includes(`note: ${note1!.text}`), after.stdout);
});
