/**
 * core/ is a library: a pipeline that calls ProvenanceTracker or an exported function is told
 * what to change by the option names it can pass (`the registry option`, `allowSymlinks: true`),
 * never by a CLI flag. The CLI passes its flags (CLI_OPTION_NAMES), so its messages stay as
 * they were (test/cli and the other CLI tests assert them).
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  LIBRARY_OPTION_NAMES,
  ProvenanceTracker,
  generateKeyPair,
  isProvenanceError,
  loadPrivateKey,
  loadTrustedKeys,
  openRegistry,
  renderImpact,
  renderResult,
  signModel,
  verifyGate,
  verifyModel,
  writeKeyPair,
  type PolicyDocument,
} from '../../core';
import { CLI_OPTION_NAMES } from '../../cli/options';
import { makeModel, tempDir } from '../helpers/fixtures';

const FLAG = /(^|[\s(])--[a-z]/;

/** Runs `fn`, which must throw a ProvenanceError with `code`; returns its message, checked to name no CLI flag. */
async function refused(fn: () => unknown, code: string): Promise<string> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isProvenanceError(err), String(err));
    assert.equal(err.code, code, err.message);
    assert.doesNotMatch(err.message, FLAG, `a library message names a CLI flag: ${err.message}`);
    return err.message;
  }
  assert.fail(`expected ${code}`);
}

function world(): { dir: string; key: string; pub: string; other: string; reg: string; policy: PolicyDocument } {
  const dir = tempDir('mp-optnames-');
  writeKeyPair(join(dir, 'keys', 'vendor'), generateKeyPair('P-256'));
  writeKeyPair(join(dir, 'keys', 'other'), generateKeyPair('P-256'));
  const reg = join(dir, '.provenance');
  mkdirSync(reg);
  const policy: PolicyDocument = { signers: { vendor: { publicKey: join(dir, 'keys', 'vendor.pub.pem') } }, stages: { 'pre-training': { signers: ['vendor'] } }, advisorySigners: ['vendor'] };
  return { dir, key: join(dir, 'keys', 'vendor.pem'), pub: join(dir, 'keys', 'vendor.pub.pem'), other: join(dir, 'keys', 'other.pem'), reg, policy };
}

/** A model folder with a symbolic link in it. */
function linkedModel(dir: string): string {
  const m = makeModel(join(dir, 'linked'), { 'w.bin': 'weights' });
  symlinkSync('w.bin', join(m, 'alias.bin'));
  return m;
}

describe('library messages name the library\'s options, not CLI flags', () => {
  test('the two sets of names cover the same options', () => {
    assert.deepEqual(Object.keys(CLI_OPTION_NAMES).sort(), Object.keys(LIBRARY_OPTION_NAMES).sort());
    for (const name of Object.values(LIBRARY_OPTION_NAMES)) assert.doesNotMatch(name, FLAG);
  });

  test('registry: a folder whose parent is missing, a URL, none in reach', async () => {
    const w = world();
    const orphan = join(w.dir, 'no', 'such', 'reg');
    assert.equal(await refused(() => new ProvenanceTracker({ registry: orphan }), 'REGISTRY_NOT_FOUND'), 'the registry option names a folder whose parent does not exist either; create the registry folder first if the path is right');
    assert.equal(
      await refused(() => new ProvenanceTracker({ registry: 'http://registry.example.com/team/models' }), 'REGISTRY_SPEC_INVALID'),
      'the registry option "http://registry.example.com/team/models" is a URL, not a registry reference: write oci://registry.example.com/team/models (oci://HOST[:PORT]/REPOSITORY); a plain-HTTP registry on a host that is not loopback also needs oci: { insecure: true } (the insecure option)',
    );
    const empty = join(w.dir, 'empty');
    mkdirSync(empty);
    const saved = process.env.MODEL_PROVENANCE_REGISTRY;
    delete process.env.MODEL_PROVENANCE_REGISTRY;
    try {
      assert.match(await refused(() => openRegistry(undefined, empty), 'REGISTRY_NOT_FOUND'), /or any folder above it; give the registry option or set MODEL_PROVENANCE_REGISTRY$/);
    } finally {
      if (saved !== undefined) process.env.MODEL_PROVENANCE_REGISTRY = saved;
    }
    // A face that passes its own names (the CLI: its flags) gets them.
    assert.throws(() => openRegistry(join(w.dir, 'gone'), empty, { optionNames: CLI_OPTION_NAMES }), { message: 'no registry here (--registry): check the path' });
    assert.throws(() => openRegistry(join(w.dir, 'gone'), empty), { message: 'no registry here (the registry option): check the path' });
  });

  test('ProvenanceTracker: passphrase, symlinks, issuer, since, policy and force name its options', async () => {
    const w = world();
    writeKeyPair(join(w.dir, 'keys', 'locked'), generateKeyPair('P-256', 'secret'));
    const model = makeModel(join(w.dir, 'm'), { 'w.bin': 'weights' });
    const locked = new ProvenanceTracker({ registry: w.reg, signingKey: join(w.dir, 'keys', 'locked.pem') });
    assert.equal(await refused(() => locked.attest({ modelPath: model, stage: 'pre-training' }), 'KEY_PASSPHRASE'), 'the private key is encrypted; give its passphrase (the passphrase option)');

    const tracker = new ProvenanceTracker({ registry: w.reg, signingKey: w.key });
    const linked = linkedModel(w.dir);
    assert.equal(await refused(() => tracker.attest({ modelPath: linked, stage: 'pre-training' }), 'SYMLINK_NOT_ALLOWED'), 'is a symbolic link; symlinks are refused unless allowSymlinks: true is given');
    assert.equal(await refused(() => tracker.verify({ modelPath: linked, policy: w.policy }), 'SYMLINK_NOT_ALLOWED'), 'is a symbolic link; symlinks are refused unless allowSymlinks: true is given');
    const root = join(w.dir, 'root-link');
    symlinkSync(model, root);
    assert.equal(await refused(() => tracker.attest({ modelPath: root, stage: 'pre-training' }), 'SYMLINK_NOT_ALLOWED'), 'the model path is a symbolic link (pass allowSymlinks: true to follow it)');
    // The option it names works.
    assert.equal((await tracker.attest({ modelPath: linked, stage: 'pre-training', allowSymlinks: true })).stage, 'pre-training');

    assert.equal(await refused(() => tracker.flag({ target: 'identity:ci@example.com', reason: 'x' }), 'USAGE'), 'a keyless identity needs its OIDC issuer: add the issuer option (for ci@example.com)');
    assert.equal(await refused(() => tracker.flag({ target: `key:${'a'.repeat(64)}`, reason: 'x', since: 'yesterday' }), 'USAGE'), 'since "yesterday" is not a date (ISO 8601, e.g. 2026-11-01 or 2026-11-01T12:00:00Z)');

    const flagged = await tracker.flag({ target: `sha256:${'1'.repeat(64)}`, reason: 'poisoned', id: 'MP-2099-0001' });
    const other = new ProvenanceTracker({ registry: w.reg, signingKey: w.other });
    assert.equal(await refused(() => other.fixed(flagged.advisoryId), 'ADVISORY_NOT_FOUND'), 'advisory MP-2099-0001 is in the registry but not signed by this key (give the policy option to accept one signed by a trusted advisory signer)');
    assert.match(await refused(() => other.fixed(flagged.advisoryId, { policy: w.policy }), 'ADVISORY_SIGNER_NOT_TRUSTED'), /nothing was written \(sign with an advisory signer's key, or force: true to write it anyway\)$/);
    // And force is an option the tracker takes.
    assert.equal((await other.fixed(flagged.advisoryId, { policy: w.policy, force: true }))[0]!.status, 'fixed');

    const radius = await tracker.impact({ target: `sha256:${'1'.repeat(64)}` });
    assert.ok(radius.notes.includes('no policy: the graph is what the stored statements claim; signatures were not checked (give the policy option to verify them)'), radius.notes.join('\n'));
    const text = renderImpact(radius, 'text');
    assert.match(text, /Give the policy option to verify\./);
    assert.doesNotMatch(text, FLAG);
  });

  test('ProvenanceTracker.report: an unknown digest, a bad date, another model\'s inputs', async () => {
    const w = world();
    const tracker = new ProvenanceTracker({ registry: w.reg, signingKey: w.key });
    const model = makeModel(join(w.dir, 'm'), { 'w.bin': 'weights' });
    await tracker.attest({ modelPath: model, stage: 'pre-training' });
    const unknown = `sha256:${'2'.repeat(64)}`;
    assert.match(await refused(() => tracker.report({ digest: unknown }), 'DIGEST_NOT_IN_REGISTRY'), /\(check the digest, or the registry option; allowUnattested: true writes the report of a model with no evidence\)$/);
    assert.equal((await tracker.report({ digest: unknown, allowUnattested: true, date: '2099-01-02' })).model.digest, unknown);
    assert.equal(await refused(() => tracker.report({ modelPath: model, date: 'yesterday' }), 'USAGE'), 'date "yesterday" is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)');
    const inputs = join(w.dir, 'report-inputs.json');
    writeFileSync(inputs, JSON.stringify({ $schema: 'https://model-provenance.dev/schemas/report-inputs/v1.json', subject: { name: 'other', digest: `sha256:${'3'.repeat(64)}` } }));
    assert.match(await refused(() => tracker.report({ modelPath: model, inputs, date: '2099-01-02' }), 'REPORT_INPUTS_OTHER_MODEL'), /; give the model's own inputs with the inputs option$/);
    // The report's own words about the policy name the option too.
    const policyFile = join(w.dir, 'provenance-policy.json');
    writeFileSync(policyFile, JSON.stringify(w.policy));
    const r = await tracker.report({ modelPath: model, policy: policyFile, date: '2099-01-02' });
    const policyItem = r.evidence.find((e) => e.kind === 'policy');
    assert.equal(policyItem?.basis, "the verifier's own configuration, given with the policy option");
  });

  test('verifyModel, renderResult and verifyGate: ignoreUnsignedFiles, signaturePath, scan', async () => {
    const w = world();
    const model = makeModel(join(w.dir, 'm'), { 'w.bin': 'weights' });
    await signModel({ modelPath: model, signer: { kind: 'key', privateKey: loadPrivateKey(w.key) } });
    writeFileSync(join(model, 'extra.bin'), 'not signed');
    const trust = { kind: 'key' as const, keys: loadTrustedKeys(w.pub) };
    const accepted = await verifyModel({ modelPath: model, trust, ignoreUnsignedFiles: true });
    assert.ok(accepted.notes.includes('unsigned file accepted (ignoreUnsignedFiles: true): extra.bin'), accepted.notes.join('\n'));
    const unsigned = makeModel(join(w.dir, 'unsigned'), { 'w.bin': 'weights' });
    const none = await verifyModel({ modelPath: unsigned, trust });
    assert.match(renderResult(none, 'report'), /Next: the model is unsigned here: do not deploy; get the signature the producer published with it \(or give its path with signaturePath\)\./);
    assert.equal(await refused(() => verifyGate({ modelPath: model }), 'USAGE'), 'nothing to check: give a signature trust, a policy or scan: true');
    // The same functions, given the CLI's names, say what the CLI always said.
    assert.match(renderResult(none, 'report', { optionNames: CLI_OPTION_NAMES }), /\(or give its path with --signature\)\./);
  });
});
