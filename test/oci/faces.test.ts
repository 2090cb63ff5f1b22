/**
 * Every face takes an OCI registry the way it takes a folder:
 *  - the library: `ProvenanceTracker({ registry: 'oci://…' })` attests and verifies a chain;
 *  - the CLI: the bare `HOST:PORT/REPOSITORY` form and MODEL_PROVENANCE_REGISTRY;
 *  - the language server (the bundled dist/server.js over stdio, as the extension starts it):
 *    the `modelProvenance.registry` setting `oci://…` serves hover and the registry digests
 *    the Attest command offers.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { HoverRequest } from 'vscode-languageserver-protocol/node';
import { ProvenanceTracker, generateKeyPair, hashModel, writeKeyPair } from '../../core';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';
import { LspClient } from '../helpers/lsp-client';
import { startRegistry, type RunningRegistry } from '../helpers/oci';

describe('every face takes an OCI registry', () => {
  let dir: string;
  let reg: RunningRegistry;
  let base: string;
  let tuned: string;
  const env = (): NodeJS.ProcessEnv => ({ MODEL_PROVENANCE_CACHE: join(dir, 'cache-cli'), MODEL_PROVENANCE_REGISTRY: '' });

  before(async () => {
    dir = tempDir('mp-oci-faces-', { untilExit: true });
    reg = await startRegistry(join(dir, 'registry'));
    base = makeModel(join(dir, 'base'), { 'model.safetensors': 'base' });
    tuned = makeModel(join(dir, 'tuned'), { 'model.safetensors': 'tuned' });
  });
  after(async () => {
    await reg.stop();
  });

  test('ProvenanceTracker({ registry: "oci://…" }) attests and verifies the chain', async () => {
    writeKeyPair(join(dir, 'keys', 'ml'), generateKeyPair('P-256'));
    process.env.MODEL_PROVENANCE_CACHE = join(dir, 'cache-tracker');
    try {
      const tracker = new ProvenanceTracker({ signingKey: join(dir, 'keys', 'ml.pem'), registry: reg.spec });
      assert.equal(tracker.registry.location, reg.spec);
      await tracker.attest({ modelPath: base, stage: 'pre-training', trainingRunId: 'run-1' });
      const att = await tracker.attest({ modelPath: tuned, stage: 'fine-tuning', baseModel: base, trainingRunId: 'run-2' });
      const policy = { signers: { ml: { publicKey: join(dir, 'keys', 'ml.pub.pem') } } };
      const result = await tracker.verify({ modelPath: tuned, expectedAttestation: att, policy });
      assert.equal(result.verdict, 'verified', JSON.stringify(result.problems));
      assert.deepEqual(result.links.map((l) => l.stage), ['fine-tuning', 'pre-training']);
    } finally {
      delete process.env.MODEL_PROVENANCE_CACHE;
    }
  });

  test('the CLI takes the bare HOST:PORT/REPOSITORY and MODEL_PROVENANCE_REGISTRY', async () => {
    const bare = await runCli(['registry', 'ls', '--registry', `${reg.host}/team/provenance`, '--format', 'json'], { env: env(), cwd: dir });
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(JSON.parse(bare.stdout).registry, reg.spec);
    assert.equal(JSON.parse(bare.stdout).entries.length, 2);
    const fromEnv = await runCli(['registry', 'ls', '--format', 'json'], { env: { ...env(), MODEL_PROVENANCE_REGISTRY: `${reg.host}/team/provenance` }, cwd: dir });
    assert.equal(JSON.parse(fromEnv.stdout).entries.length, 2);
  });

  test('a policy names the registry: a gate on another machine finds the evidence from the policy alone', async () => {
    const gate = join(dir, 'gate');
    mkdirSync(gate);
    const policy = join(gate, 'team-policy.json');
    writeFileSync(policy, JSON.stringify({ signers: { ml: { publicKey: join(dir, 'keys', 'ml.pub.pem') } }, registry: `${reg.host}/team/provenance` }));
    const digest = (await hashModel(tuned)).digest;
    const v = await runCli(['verify', '--digest', digest, '--policy', policy, '--format', 'json'], { env: env(), cwd: gate });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.equal(JSON.parse(v.stdout).verdict, 'verified');
    // --registry (and MODEL_PROVENANCE_REGISTRY) still win: an empty folder has no evidence.
    mkdirSync(join(gate, 'empty', 'index'), { recursive: true });
    const other = await runCli(['verify', '--digest', digest, '--policy', policy, '--registry', join(gate, 'empty')], { env: env(), cwd: gate });
    assert.equal(other.code, 1, other.stdout + other.stderr);
    assert.match(other.stdout, /MISSING_LINK/);
    // A folder in a policy is relative to the policy file, wherever the command runs.
    assert.equal((await runCli(['registry', 'copy', reg.spec, join(gate, 'copy')], { env: env(), cwd: dir })).code, 0);
    writeFileSync(policy, JSON.stringify({ signers: { ml: { publicKey: join(dir, 'keys', 'ml.pub.pem') } }, registry: 'copy' }));
    const rel = await runCli(['verify', '--digest', digest, '--policy', policy], { env: env(), cwd: dir });
    assert.equal(rel.code, 0, rel.stdout + rel.stderr);
    assert.match(rel.stdout, /^VERIFIED/);
  });

  test('the language server: the registry setting oci://… serves hover and the registry digests', async () => {
    const digest = (await hashModel(tuned)).digest;
    process.env.MODEL_PROVENANCE_CACHE = join(dir, 'cache-server'); // the server process inherits it
    const client = LspClient.stdio();
    delete process.env.MODEL_PROVENANCE_CACHE;
    try {
      await client.initialize(pathToFileURL(dir).toString(), { modelProvenance: { registry: reg.spec }, trustSource: 'user settings' });
      const known = await client.connection.sendRequest<{ digest: string; stage: string }[]>('modelProvenance/registryDigests', {});
      assert.deepEqual(known.map((k) => k.stage).sort(), ['fine-tuning', 'pre-training']);
      assert.ok(known.some((k) => k.digest === digest));
      const file = join(dir, 'provenance-policy.json');
      const text = `{\n  "signers": { "ml": { "publicKey": "keys/ml.pub.pem" } },\n  "flagged": [{ "digest": "${digest}", "reason": "under review" }]\n}\n`;
      writeFileSync(file, text);
      const uri = pathToFileURL(file).toString();
      client.open(uri, text);
      await client.diagnosticsFor(uri);
      const line = text.split('\n').findIndex((l) => l.includes(digest));
      const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: text.split('\n')[line]!.indexOf(digest) + 10 } });
      assert.match(JSON.stringify(hover?.contents), /registry: fine-tuning \(1 entry\)/);
    } finally {
      await client.shutdown();
    }
  });
});
