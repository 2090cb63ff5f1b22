/**
 * Where a chain stops because a link's attestation does not verify, nothing beyond that link
 * was checked. The lineage graph says so in a note (core/render lineageNotes); every output of
 * `lineage` (text, json, mermaid, report) and of `verify --policy` (alone, and as one section
 * of a gate with a signature) carries that note where a reader sees it. Never a silent drop.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { LocalRegistry, compilePolicy, generateKeyPair, graphFromChain, hashModel, lineageNotes, verifyChain, writeKeyPair, type PolicyDocument } from '../../core';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';

interface World {
  dir: string;
  base: string;
  ft: string;
  model: string;
  policy: string;
  reg: string;
}

const POLICY: PolicyDocument = {
  signers: { vendor: { publicKey: 'keys/vendor.pub.pem' }, trainer: { publicKey: 'keys/trainer.pub.pem' } },
  stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] }, quantization: { signers: ['trainer'] } },
  requiredStages: ['pre-training', 'fine-tuning'],
};

/** base → ft → q, each stage attested through the CLI. */
async function world(): Promise<World> {
  const dir = tempDir('mp-notes-');
  for (const k of ['vendor', 'trainer']) writeKeyPair(join(dir, 'keys', k), generateKeyPair('P-256'));
  const base = makeModel(join(dir, 'base'), { 'w.bin': 'base weights' });
  const ft = makeModel(join(dir, 'ft'), { 'w.bin': 'fine-tuned weights' });
  const model = makeModel(join(dir, 'q'), { 'w.bin': 'quantized weights' });
  const policy = join(dir, 'provenance-policy.json');
  writeFileSync(policy, JSON.stringify(POLICY));
  const reg = join(dir, '.provenance');
  for (const args of [
    ['attest', base, '--stage', 'pre-training', '--private-key', join(dir, 'keys', 'vendor.pem')],
    ['attest', ft, '--stage', 'fine-tuning', '--private-key', join(dir, 'keys', 'trainer.pem'), '--base-model', base],
    ['attest', model, '--stage', 'quantization', '--private-key', join(dir, 'keys', 'trainer.pem'), '--base-model', ft],
  ]) {
    const r = await runCli([...args, '--registry', reg]);
    assert.equal(r.code, 0, r.stderr);
  }
  return { dir, base, ft, model, policy, reg };
}

/** One byte of the stored attestation about `path` flipped in its signature: it no longer verifies under the trusted key. */
async function tamper(w: World, path: string): Promise<string> {
  const digest = (await hashModel(path)).digest;
  const [entry] = await new LocalRegistry(w.reg).findBySubject(digest);
  const b = JSON.parse(readFileSync(entry!.location, 'utf8'));
  const sig = Buffer.from(b.dsseEnvelope.signatures[0].sig, 'base64');
  sig[sig.length - 5] = sig[sig.length - 5]! ^ 0x01;
  b.dsseEnvelope.signatures[0].sig = sig.toString('base64');
  writeFileSync(entry!.location, JSON.stringify(b));
  return digest;
}

const beyondFt = (digest: string): string =>
  `Beyond base model "ft" (${digest.slice(0, 19)}…) nothing was checked: its attestation did not verify [ATTESTATION_SIGNATURE_INVALID], so what it claims to derive from (base models, adapters, datasets) is not drawn.`;

/** The text of a Mermaid node label as a reader sees it rendered. */
const mermaidText = (label: string): string =>
  label
    .replace(/<br\/>/g, ' ')
    .replace(/#quot;/g, '"')
    .replace(/#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));

describe('an altered attestation after registry verify --repair', () => {
  test('verify says repair quarantines it as evidence; afterwards every verify names the quarantine, and lineage does not advise attesting again', async () => {
    const w = await world();
    await tamper(w, w.ft);
    // The same blob quarantined by an earlier repair (altered, restored, altered again): that evidence stays.
    const [entry] = await new LocalRegistry(w.reg).findBySubject((await hashModel(w.ft)).digest);
    const earlier = join(w.reg, 'quarantine', basename(entry!.location));
    mkdirSync(dirname(earlier), { recursive: true });
    writeFileSync(earlier, 'the copy an earlier repair moved aside');
    const check = await runCli(['registry', 'verify', '--registry', w.reg]);
    assert.equal(check.code, 1, check.stdout + check.stderr);
    assert.match(check.stdout, /REGISTRY_BLOB_CORRUPT .*\(--repair moves it to quarantine\/ as evidence; restore the signed original from a trusted copy\)\n/);
    assert.equal((await runCli(['registry', 'verify', '--repair', '--registry', w.reg])).code, 0);
    const after = await runCli(['registry', 'verify', '--registry', w.reg, '--format', 'json']);
    assert.equal(after.code, 0, after.stdout);
    assert.equal(JSON.parse(after.stdout).quarantined.length, 2);
    assert.equal(readFileSync(earlier, 'utf8'), 'the copy an earlier repair moved aside');
    const text = await runCli(['registry', 'verify', '--registry', w.reg]);
    assert.match(text.stdout, /\n {2}note: 2 blob\(s\) in quarantine\/, moved there by --repair because they were altered or damaged after being stored: evidence to keep; restore the signed originals from a trusted copy and find out who changed them\n/);
    const report = await runCli(['lineage', w.model, '--policy', w.policy, '--registry', w.reg, '--format', 'report']);
    assert.equal(report.code, 1);
    assert.match(report.stdout, /\n {2}Next: a stage has no attestation from a signer you trust, and the registry holds 2 blob\(s\) in quarantine\/ that registry verify --repair moved aside \(altered after being stored\): the missing attestation may be one of them\. Do not deploy; restore the signed originals from a trusted copy and find out who changed them, rather than attesting again\.\n$/);
  });
});

describe('the lineage notes in every output of lineage and verify --policy', () => {
  test('a link whose attestation does not verify: text, json, mermaid and report carry the note; so do verify --policy and the gate', async () => {
    const w = await world();
    const ft = await tamper(w, w.ft);
    const note = beyondFt(ft);
    const run = (args: string[]) => runCli([...args, w.model, '--policy', w.policy, '--registry', w.reg]);

    // The library: the notes are the graph's, each with the node it is about.
    const result = await verifyChain({ registry: new LocalRegistry(w.reg), policy: compilePolicy(POLICY, join(w.dir, 'provenance-policy.json')), modelPath: w.model });
    assert.deepEqual(lineageNotes(result), [{ digest: ft, text: note }]);
    assert.deepEqual(graphFromChain(result).notes, [note]);

    const text = await run(['lineage']);
    assert.equal(text.code, 1, text.stderr);
    // After the tree, one line, before the problems.
    assert.ok(text.stdout.includes(`NO TRUSTED ATTESTATION\n\nnote: ${note}\n\nProblems:\n`), text.stdout);

    const json = JSON.parse((await run(['lineage', '--format', 'json'])).stdout);
    assert.deepEqual(json.notes, [note]);

    const mermaid = await run(['lineage', '--format', 'mermaid']);
    assert.equal(mermaid.code, 1);
    const node = /^ {2}(note0)\["(.*)"\]$/m.exec(mermaid.stdout);
    assert.ok(node, mermaid.stdout);
    assert.equal(mermaidText(node[2]!), `note: ${note}`);
    assert.doesNotMatch(node[2]!, /[[\]"]/, 'brackets and quotes are entity codes inside the label');
    // Linked to the node it is about: the node that shows ft's digest.
    const ftNode = new RegExp(`^ {2}(\\w+)\\["ft<br/>${ft.slice(0, 19)}…`, 'm').exec(mermaid.stdout);
    assert.ok(ftNode, mermaid.stdout);
    assert.ok(mermaid.stdout.includes(`\n  note0 -.- ${ftNode[1]}\n`), mermaid.stdout);
    for (const line of node[2]!.split('<br/>')) assert.ok(line.length <= 80, `a narrow node: ${line}`);

    const report = await run(['lineage', '--format', 'report']);
    assert.ok(report.stdout.includes(`\n\n  note: ${note}\n`), report.stdout);
    // The link is there but altered: the advice is to find out and restore, never to attest over it.
    assert.ok(
      report.stdout.endsWith('\n  Next: an attestation in the registry names a signer you trust but does not verify (altered after signing): do not deploy; find out who changed the registry (registry verify) and restore the signed original from a trusted copy, rather than attesting the stage again.\n'),
      report.stdout,
    );

    // verify --policy prints the chain as lineage does, and its JSON has the chain's notes.
    const verify = await run(['verify']);
    assert.equal(verify.code, 1);
    assert.ok(verify.stdout.includes(`\nnote: ${note}\n`), verify.stdout);
    const verifyReport = await run(['verify', '--format', 'report']);
    assert.ok(verifyReport.stdout.includes(`\n  note: ${note}\n`), verifyReport.stdout);
    const verifyJson = JSON.parse((await run(['verify', '--format', 'json'])).stdout);
    assert.deepEqual(verifyJson.notes, [note]);

    // A gate with the model's signature too: the chain's section carries the note.
    const signed = await runCli(['sign', 'key', w.model, '--private-key', join(w.dir, 'keys', 'trainer.pem')]);
    assert.equal(signed.code, 0, signed.stderr);
    const gate = await run(['verify', '--trusted-keys', join(w.dir, 'keys', 'trainer.pub.pem')]);
    assert.equal(gate.code, 1);
    assert.match(gate.stdout, /^FAILED .*: signature verified, chain of custody FAILED\n/);
    assert.ok(gate.stdout.includes(`\n  note: ${note}\n`), gate.stdout);
    const gateJson = JSON.parse((await run(['verify', '--trusted-keys', join(w.dir, 'keys', 'trainer.pub.pem'), '--format', 'json'])).stdout);
    assert.deepEqual(gateJson.notes, [note]);
  });

  test('the model\'s own attestation does not verify: the note names the model, and the text shows it though there is no tree', async () => {
    const w = await world();
    const q = await tamper(w, w.model);
    const note = `Beyond the model (${q.slice(0, 19)}…) nothing was checked: its attestation did not verify [ATTESTATION_SIGNATURE_INVALID], so what it claims to derive from (base models, adapters, datasets) is not drawn.`;
    const text = await runCli(['lineage', w.model, '--policy', w.policy, '--registry', w.reg]);
    assert.equal(text.code, 1);
    assert.ok(text.stdout.includes(`\n\nnote: ${note}\n`), text.stdout);
    const json = JSON.parse((await runCli(['lineage', w.model, '--policy', w.policy, '--registry', w.reg, '--format', 'json'])).stdout);
    assert.deepEqual(json.notes, [note]);
  });

  test('a chain that verifies has no note: an empty list in JSON, no note line in text', async () => {
    const w = await world();
    const text = await runCli(['lineage', w.model, '--policy', w.policy, '--registry', w.reg]);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout, /note:/);
    const json = JSON.parse((await runCli(['lineage', w.model, '--policy', w.policy, '--registry', w.reg, '--format', 'json'])).stdout);
    assert.deepEqual(json.notes, []);
    const verifyJson = JSON.parse((await runCli(['verify', w.model, '--policy', w.policy, '--registry', w.reg, '--format', 'json'])).stdout);
    assert.deepEqual(verifyJson.notes, []);
  });
});
