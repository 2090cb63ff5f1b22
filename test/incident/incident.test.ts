/**
 * Issue 12's "must show", on the fixture tree (test/incident/fixture.ts), through the CLI as a
 * spawned process where the issue names a command, and through the library for the rest:
 * flagging a shared dataset, the gate refusing exactly what descends from it, a trainer key
 * revoked from a date, advisories that must not count (untrusted signer, one flipped byte),
 * later statements (fixed, withdraw), deployment records, the standards (OpenVEX, OSV, SARIF)
 * and the incident report's entry point, signers and rollback candidates.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  LocalRegistry,
  OPENVEX_PREDICATE,
  ProvenanceTracker,
  buildIncidentReport,
  compilePolicy,
  entryFacts,
  impact,
  loadPolicy,
  parseBundle,
  readAdvisories,
  renderIncidentReport,
  serializeBundle,
  verifyChain,
  type ImpactResult,
} from '../../core';
import { runCli, tempDir } from '../helpers/fixtures';
import { HAVE_VECTORS, SHARED } from '../helpers/shared';
import { buildFixture, type Fixture } from './fixture';

let fx: Fixture;
before(async () => {
  fx = await buildFixture(tempDir('mp-incident-', { untilExit: true }));
});

/** A private copy of the fixture registry, so each scenario starts from the same state. */
function copyRegistry(): string {
  const dir = join(tempDir('mp-incident-reg-', { untilExit: true }), '.provenance');
  cpSync(fx.registryDir, dir, { recursive: true });
  return dir;
}

const names = (digests: string[]): string[] => digests.map((x) => fx.name[x] ?? x).sort();

async function cliFlag(reg: string, target: string, extra: string[] = [], key = 'security'): Promise<string> {
  const r = await runCli(['incident', 'flag', target, '--reason', 'poisoned upstream: trigger phrase found', '--severity', 'high', '--atlas', 'AML.T0020', '--private-key', fx.keys[key as 'security'].pem, '--registry', reg, '--format', 'json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).advisories[0].id;
}

async function gate(reg: string, model: string): Promise<{ code: number | null; out: any }> {
  const r = await runCli(['verify', fx.d[model]!, '--policy', fx.policyPath, '--registry', reg, '--format', 'json']);
  return { code: r.code, out: JSON.parse(r.stdout) };
}

describe('flagging the shared dataset', () => {
  let reg: string;
  let id: string;
  before(async () => {
    reg = copyRegistry();
    id = await cliFlag(reg, fx.d.shared!);
  });

  test('the advisory gets the first id of the year and is a valid OpenVEX 0.2.0 predicate in a signed in-toto statement', async () => {
    assert.equal(id, `MP-${new Date().getUTCFullYear()}-0001`);
    const entries = await new LocalRegistry(reg).findByPredicateType(OPENVEX_PREDICATE);
    assert.equal(entries.length, 1);
    const statement = JSON.parse(parseBundle(await new LocalRegistry(reg).read(entries[0]!.id), 'advisory').envelope.payload.toString('utf8'));
    assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
    assert.equal(statement.predicateType, 'https://openvex.dev/ns/v0.2.0');
    assert.deepEqual(statement.subject[0].digest, { sha256: fx.d.shared!.slice(7) });
    assert.deepEqual(statement.subject[0].annotations, { target: 'artifact', severity: 'high', atlas: ['AML.T0020'] });
    const s = statement.predicate.statements[0];
    assert.equal(s.vulnerability.name, id);
    assert.equal(s.status, 'affected');
    assert.deepEqual(s.products[0].hashes, { 'sha-256': fx.d.shared!.slice(7) });
    assert.ok(s.action_statement.length > 0);
    if (HAVE_VECTORS) {
      // The schema as published, read in place: our derived copy must not be what proves it.
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addFormat('iri', true);
      const validate = ajv.compile(JSON.parse(readFileSync(join(SHARED, 'specs', 'openvex', 'openvex_json_schema.json'), 'utf8')));
      assert.ok(validate(statement.predicate), JSON.stringify(validate.errors));
      assert.deepEqual(JSON.parse(readFileSync(join(__dirname, '..', '..', 'core', 'data', 'openvex-0.2.0.schema.json'), 'utf8')), JSON.parse(readFileSync(join(SHARED, 'specs', 'openvex', 'openvex_json_schema.json'), 'utf8')), 'the derived schema is the published one');
    }
  });

  test('incident impact returns exactly its 2 fine-tunes, their 4 quantizations and the deployments among them; no B descendant', async () => {
    for (const arg of [id, fx.d.shared!]) {
      const r = await runCli(['incident', 'impact', arg, '--registry', reg, '--policy', fx.policyPath, '--no-workspace', '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const result: ImpactResult = JSON.parse(r.stdout);
      assert.deepEqual(names(result.affected.map((n) => n.digest)), ['ftA1', 'ftA2', 'qA1a', 'qA1b', 'qA2a', 'qA2b']);
      assert.ok(result.affected.every((n) => n.verification === 'verified'), 'every producing attestation verifies under the policy');
      assert.deepEqual(result.deployments.map((d) => `${fx.name[d.model.digest]}@${d.environment}`).sort(), ['qA1a@production', 'qA2b@staging']);
      assert.ok(result.deployments.every((d) => d.verified && d.signers.includes('deployer')));
      const ft = result.affected.find((n) => fx.name[n.digest] === 'ftA1')!;
      assert.deepEqual([ft.depth, ft.stage, ft.via[0]!.role, ft.via[0]!.attestation], [1, 'fine-tuning', 'dataset', fx.attestation.ftA1]);
    }
    const text = await runCli(['incident', 'impact', id, '--registry', reg, '--no-workspace']);
    assert.match(text.stdout, /6 affected artifact\(s\), 2 deployment record\(s\) in 2 environment\(s\)/);
    assert.match(text.stdout, /[├└]─ dataset → fine-tuning  "ftA2"/);
    assert.match(text.stdout, /^"shared" sha256:[0-9a-f]{64}  FLAGGED$/m);
    assert.match(text.stdout, /\[deployed: staging\]/);
    assert.doesNotMatch(text.stdout, /ftB1|qA3/);
  });

  test('verify --policy fails on each of them with FLAGGED_ARTIFACT and the advisory id, and passes on an unaffected sibling', async () => {
    for (const m of ['ftA1', 'ftA2', 'qA1a', 'qA1b', 'qA2a', 'qA2b']) {
      const { code, out } = await gate(reg, m);
      assert.equal(code, 1, m);
      assert.deepEqual([...new Set(out.problems.map((p: { code: string }) => p.code))], ['FLAGGED_ARTIFACT'], m);
      assert.ok(out.problems.every((p: { message: string }) => p.message.includes(`advisory ${id} (high, AML.T0020): poisoned upstream`)), m);
    }
    for (const m of ['ftA3', 'qA3a', 'qA3b', 'ftB1', 'baseA']) {
      const { code, out } = await gate(reg, m);
      assert.equal(code, 0, `${m}: ${JSON.stringify(out.problems)}`);
    }
  });

  test('the gate form (signature) with --policy obeys the advisory too', async () => {
    // A real model on disk, signed by the quantizer, whose root digest is flagged.
    const dir = tempDir('mp-incident-model-');
    const model = join(dir, 'model');
    mkdirSync(model);
    writeFileSync(join(model, 'weights.safetensors'), 'quantized weights');
    assert.equal((await runCli(['sign', 'key', model, '--private-key', fx.keys.quantizer.pem])).code, 0);
    const digest = (await runCli(['hash', model])).stdout.split(' ')[0]!;
    const local = copyRegistry();
    await cliFlag(local, digest);
    const r = await runCli(['verify', '--model', model, '--attestation', join(model, 'model.sig'), '--trusted-keys', fx.keys.quantizer.pub, '--policy', fx.policyPath, '--registry', local, '--format', 'json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.signature.verdict, 'failed');
    assert.deepEqual(out.signature.problems.map((p: { code: string }) => p.code), ['FLAGGED_ARTIFACT']);
    assert.match(out.signature.problems[0].message, /flagged by advisory MP-\d{4}-0001/);
  });

  test('fixed, then the gate passes again; the history keeps every statement', async () => {
    const local = copyRegistry();
    const flagged = await cliFlag(local, fx.d.shared!, ['--date', '2026-11-02T00:00:00Z']);
    assert.equal((await gate(local, 'qA1a')).code, 1);
    const fixed = await runCli(['incident', 'fixed', flagged, '--reason', 'dataset re-audited: the trigger was a labelling artefact', '--private-key', fx.keys.security.pem, '--registry', local, '--date', '2026-11-03T00:00:00Z']);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, new RegExp(`^${flagged} fixed:`));
    assert.equal((await gate(local, 'qA1a')).code, 0);
    const ls = JSON.parse((await runCli(['incident', 'ls', '--registry', local, '--policy', fx.policyPath, '--format', 'json'])).stdout);
    assert.deepEqual(ls.advisories.map((a: { status: string }) => a.status), ['affected', 'fixed']);
    assert.deepEqual(ls.lifted.map((l: { status: string }) => l.status), ['fixed']);
    // …and flagged again later: the newest statement wins.
    const again = await runCli(['incident', 'withdraw', flagged, '--private-key', fx.keys.attacker.pem, '--registry', local]);
    assert.equal(again.code, 2, 'another key cannot make statements about an advisory it did not sign');
    assert.match(again.stderr, /\[ADVISORY_NOT_FOUND\]/);
  });
});

describe('revoking the trainer key from a date', () => {
  test('exactly the stages it signed after that date are affected, and the gate refuses them with SIGNER_REVOKED', async () => {
    const reg = copyRegistry();
    const r = await runCli(['incident', 'flag', fx.keys.trainer.pub, '--since', '2026-10-08', '--reason', 'CI signing key leaked', '--severity', 'critical', '--atlas', 'AML.T0010', '--private-key', fx.keys.security.pem, '--registry', reg]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`affected: key ${fx.keys.trainer.hint} \\(trainer.pub.pem\\)`));
    const id = r.stdout.split(' ')[0]!;
    const result: ImpactResult = JSON.parse((await runCli(['incident', 'impact', id, '--registry', reg, '--policy', fx.policyPath, '--no-workspace', '--format', 'json'])).stdout);
    assert.equal(result.since, '2026-10-08T00:00:00.000Z');
    assert.deepEqual(
      result.signed.map((s) => `${fx.name[s.subjects[0]!.digest]}:${s.inWindow}`),
      ['ftA1:false', 'ftB1:false', 'ftA2:true', 'ftA3:true'],
    );
    assert.deepEqual(names(result.affected.filter((n) => n.depth === 0).map((n) => n.digest)), ['ftA2', 'ftA3']);
    assert.deepEqual(names(result.affected.map((n) => n.digest)), ['ftA2', 'ftA3', 'qA2a', 'qA2b', 'qA3a', 'qA3b']);
    assert.deepEqual(result.deployments.map((d) => fx.name[d.model.digest]).sort(), ['qA2b', 'qA3a']);
    for (const m of ['ftA2', 'qA3b']) {
      const { code, out } = await gate(reg, m);
      assert.equal(code, 1);
      assert.deepEqual([...new Set(out.problems.map((p: { code: string }) => p.code))], ['SIGNER_REVOKED'], m);
      assert.match(out.problems[0].message, new RegExp(`revoked by advisory ${id} \\(critical, AML.T0010\\): CI signing key leaked`));
    }
    for (const m of ['ftA1', 'qA1b', 'ftB1']) assert.equal((await gate(reg, m)).code, 0, m);
  });
});

describe('advisories that must not count', () => {
  test('an advisory signed by a key not in advisorySigners is ignored and reported', async () => {
    const reg = copyRegistry();
    await cliFlag(reg, fx.d.baseB!, [], 'attacker');
    const { code, out } = await gate(reg, 'ftB1');
    assert.equal(code, 0, JSON.stringify(out.problems));
    assert.equal(out.ignoredAdvisories.length, 1);
    assert.equal(out.ignoredAdvisories[0].code, 'ADVISORY_UNTRUSTED_SIGNER');
    assert.match(out.ignoredAdvisories[0].message, /signed by key [0-9a-f]{16}… that the policy does not trust for advisories/);
    const text = await runCli(['verify', fx.d.ftB1!, '--policy', fx.policyPath, '--registry', reg]);
    assert.match(text.stdout, /Ignored advisories \(reported, not obeyed\):\n {2}ADVISORY_UNTRUSTED_SIGNER/);
    // A signer the policy trusts for stages is still not an advisory signer.
    await cliFlag(reg, fx.d.baseB!, ['--id', 'MP-TRAINER-1'], 'trainer');
    assert.equal((await gate(reg, 'ftB1')).code, 0);
  });

  test('an advisory with one flipped byte is ignored and reported', async () => {
    const reg = copyRegistry();
    const registry = new LocalRegistry(reg);
    const tracker = new ProvenanceTracker({ registry, signingKey: fx.keys.security.key });
    const w = await tracker.flag({ target: fx.d.baseB!, reason: 'suspected trojan' });
    // Flip one byte of the signed payload (a character of its base64), keep everything else.
    const bundle = JSON.parse(w.bundle);
    const p: string = bundle.dsseEnvelope.payload;
    const i = p.length >> 1;
    bundle.dsseEnvelope.payload = p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1);
    const altered = JSON.stringify(bundle, null, 2);
    // The altered copy replaces the genuine one.
    const { rmSync } = await import('node:fs');
    rmSync(w.entry.location);
    rmSync(join(reg, 'index', fx.d.baseB!.slice(7), w.entry.id.slice(7)));
    registry.reverse.forget(w.entry.id);
    await registry.put(altered);
    const { code, out } = await gate(reg, 'ftB1');
    assert.equal(code, 0, JSON.stringify(out.problems));
    assert.deepEqual(out.ignoredAdvisories.map((a: { code: string }) => a.code), ['ADVISORY_SIGNATURE_INVALID']);
    assert.match(out.ignoredAdvisories[0].message, /does not verify: its bytes were altered after signing/);
  });
});

describe('deployment records', () => {
  test('verify --policy --record-deployment stores a signed SLSA VSA after a pass, and none after a failure', async () => {
    const reg = copyRegistry();
    const ok = await runCli(['verify', fx.d.qA3b!, '--policy', fx.policyPath, '--registry', reg, '--record-deployment', 'eu-west-1', '--private-key', fx.keys.deployer.pem]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stderr, /recorded deployment to eu-west-1: sha256:[0-9a-f]{64}/);
    const registry = new LocalRegistry(reg);
    const vsas = (await registry.findBySubject(fx.d.qA3b!)).filter((e) => e.predicateType === 'https://slsa.dev/verification_summary/v1');
    assert.equal(vsas.length, 1);
    const st = JSON.parse(parseBundle(await registry.read(vsas[0]!.id), 'vsa').envelope.payload.toString('utf8'));
    assert.equal(st.predicate.verificationResult, 'PASSED');
    assert.deepEqual(st.predicate.verifiedLevels, ['MODEL_PROVENANCE_CHAIN_VERIFIED']);
    assert.equal(st.predicate.policy.digest.sha256, (await import('node:crypto')).createHash('sha256').update(readFileSync(fx.policyPath)).digest('hex'));
    assert.equal(st.predicate['https://model-provenance.dev/deployment/v1'].environment, 'eu-west-1');
    assert.deepEqual(st.predicate.inputAttestations.map((a: { digest: { sha256: string } }) => `sha256:${a.digest.sha256}`).sort(), [fx.attestation.qA3b, fx.attestation.ftA3, fx.attestation.baseA].sort());
    // It shows up as a deployment in the blast radius of base A's pre-training data.
    const result = await impact({ registry, target: { kind: 'artifact', digest: fx.d.webA! }, policy: loadPolicy(fx.policyPath) });
    assert.ok(result.deployments.some((d) => d.environment === 'eu-west-1' && d.model.digest === fx.d.qA3b));
    // A failed verification records nothing.
    await cliFlag(reg, fx.d.a3!);
    const bad = await runCli(['verify', fx.d.qA3b!, '--policy', fx.policyPath, '--registry', reg, '--record-deployment', 'eu-west-2', '--private-key', fx.keys.deployer.pem]);
    assert.equal(bad.code, 1);
    assert.doesNotMatch(bad.stderr, /recorded deployment/);
    assert.equal((await registry.findBySubject(fx.d.qA3b!)).filter((e) => e.predicateType.includes('verification_summary')).length, 1);
  });
});

describe('standards: OSV, SARIF, OpenVEX impact statements', () => {
  let reg: string;
  let id: string;
  let workspace: string;
  before(async () => {
    reg = copyRegistry();
    id = await cliFlag(reg, fx.d.shared!);
    workspace = tempDir('mp-incident-ws-', { untilExit: true });
    mkdirSync(join(workspace, 'models', 'qA2a'), { recursive: true });
    mkdirSync(join(workspace, 'models', 'ftB1'), { recursive: true });
    // A manifest naming an affected model, one naming an unaffected one, and an attestation file
    // whose base64 payload names the flagged dataset.
    writeFileSync(join(workspace, 'models', 'qA2a', 'qA2a.cdx.json'), JSON.stringify({ bomFormat: 'CycloneDX', components: [{ name: 'qA2a', hashes: [{ alg: 'SHA-256', content: fx.d.qA2a!.slice(7) }] }] }, null, 2));
    writeFileSync(join(workspace, 'models', 'ftB1', 'ftB1.cdx.json'), JSON.stringify({ bomFormat: 'CycloneDX', components: [{ name: 'ftB1', hashes: [{ alg: 'SHA-256', content: fx.d.ftB1!.slice(7) }] }] }, null, 2));
    writeFileSync(join(workspace, 'ftA1.intoto.json'), await new LocalRegistry(reg).read(fx.attestation.ftA1!));
  });

  test('SARIF 2.1.0: one result per workspace file that references an affected digest', async () => {
    const r = await runCli(['incident', 'impact', id, '--registry', reg, '--workspace', workspace, '--format', 'sarif', '--date', '2026-11-05T00:00:00Z']);
    assert.equal(r.code, 0, r.stderr);
    const sarif: any = JSON.parse(r.stdout);
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(join(__dirname, 'sarif-2.1.0-required.schema.json'), 'utf8')));
    assert.ok(validate({ ...sarif }), JSON.stringify(validate.errors));
    const results = sarif.runs[0].results;
    assert.deepEqual(results.map((x: any) => x.locations[0].physicalLocation.artifactLocation.uri), ['ftA1.intoto.json', 'models/qA2a/qA2a.cdx.json']);
    assert.ok(results.every((x: any) => x.ruleId === 'AFFECTED_DIGEST' && x.level === 'error'));
    assert.match(results[1].message.text, new RegExp(fx.d.qA2a!));
    assert.equal(results[1].locations[0].physicalLocation.region.startLine, 9);
  });

  test('--format osv validates against the OSV schema', async (t) => {
    if (!HAVE_VECTORS) return t.skip('needs ../shared for the OSV schema');
    const r = await runCli(['incident', 'impact', id, '--registry', reg, '--no-workspace', '--format', 'osv', '--date', '2026-11-05T00:00:00Z']);
    const osv: any = JSON.parse(r.stdout);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(SHARED, 'specs', 'osv', 'schema.json'), 'utf8')));
    assert.ok(validate({ ...osv }), JSON.stringify(validate.errors));
    assert.equal(osv.id, `x_${id}`);
    assert.equal(osv.modified, '2026-11-05T00:00:00Z');
    assert.equal(osv.affected.length, 7);
    assert.deepEqual(osv.database_specific.atlas, [{ id: 'AML.T0020', name: 'Poison Training Data' }]);
  });

  test('--format openvex: a statement for every affected product, under_investigation unless --status affected', async (t) => {
    for (const status of ['under_investigation', 'affected']) {
      const r = await runCli(['incident', 'impact', id, '--registry', reg, '--no-workspace', '--format', 'openvex', '--status', status, '--date', '2026-11-05T00:00:00Z']);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.statements[0].status, status);
      assert.deepEqual(names(doc.statements[0].products.map((p: any) => `sha256:${p.hashes['sha-256']}`)), ['ftA1', 'ftA2', 'qA1a', 'qA1b', 'qA2a', 'qA2b', 'shared']);
      if (!HAVE_VECTORS) return t.skip('needs ../shared for the OpenVEX schema');
      const ajv = new Ajv2020({ strict: false });
      addFormats(ajv);
      ajv.addFormat('iri', true);
      assert.ok(ajv.validate(JSON.parse(readFileSync(join(SHARED, 'specs', 'openvex', 'openvex_json_schema.json'), 'utf8')), doc), JSON.stringify(ajv.errors));
    }
  });
});

describe('the incident report', () => {
  test('names the stage where the dataset entered, the signers, and a rollback candidate that descends from nothing flagged', async () => {
    const reg = copyRegistry();
    const id = await cliFlag(reg, fx.d.shared!);
    const registry = new LocalRegistry(reg);
    const policy = loadPolicy(fx.policyPath);
    const report = await buildIncidentReport({ registry, advisoryId: id, policy, now: new Date('2026-11-05T00:00:00Z') });
    assert.deepEqual(report.entryPoints.map((s) => `${s.stage}:${s.subject.name}:${s.signer}:${s.verified}:${s.runId}`), ['fine-tuning:ftA1:trainer:true:run-ftA1', 'fine-tuning:ftA2:trainer:true:run-ftA2']);
    assert.deepEqual(report.signers.map((s) => `${s.signer}:${s.stages}:${s.rotate}`), ['quantizer:4:false', 'trainer:2:false']);
    assert.deepEqual(report.advisory.atlas, [{ id: 'AML.T0020', name: 'Poison Training Data' }]);
    assert.deepEqual(report.deployments.map((d) => d.environment).sort(), ['production', 'staging']);
    assert.deepEqual(report.timeline.map((s) => s.subject.name), ['baseA', 'ftA1', 'ftA2', 'qA1a', 'qA1b', 'qA2a', 'qA2b']);

    // Every rollback candidate, checked against the graph the test builds itself from the
    // stored statements: none of its ancestors (through any input) is the flagged dataset or
    // anything derived from it.
    const facts = new Map<string, ReturnType<typeof entryFacts>[]>();
    for (const e of await registry.list()) {
      const f = entryFacts(await registry.read(e.id), e.id, e.location);
      for (const s of f.subjects) facts.set(s.digest, [...(facts.get(s.digest) ?? []), f]);
    }
    const ancestors = (d: string, seen = new Set<string>()): Set<string> => {
      for (const f of facts.get(d) ?? []) {
        if (f.predicateType !== 'https://slsa.dev/provenance/v1') continue;
        for (const i of f.inputs) if (!seen.has(i.digest)) {
          seen.add(i.digest);
          ancestors(i.digest, seen);
        }
      }
      return seen;
    };
    const tainted = new Set([fx.d.shared!, ...report.radius.affected.map((n) => n.digest)]);
    assert.ok(report.rollback.length >= 2);
    const deployed = report.rollback.filter((r) => r.deployed.length > 0);
    assert.deepEqual(deployed.map((r) => r.model.name).sort(), ['qA1a', 'qA2b']);
    for (const rb of report.rollback) {
      assert.ok(rb.candidates.length > 0, `no candidate for ${rb.model.name}`);
      for (const c of rb.candidates) {
        assert.ok(!tainted.has(c.digest), `${c.name} is itself affected`);
        for (const a of ancestors(c.digest)) assert.ok(!tainted.has(a), `${c.name} descends from ${fx.name[a]}`);
        assert.equal(c.check, 'verified');
      }
    }
    assert.deepEqual(report.rollback.find((r) => r.model.name === 'qA2b')!.candidates[0], { digest: fx.d.baseA, name: 'baseA', stage: 'pre-training', kind: 'ancestor', distance: 2, time: '2026-09-01T00:00:00.000Z', check: 'verified', problems: [] });

    // Deterministic in every format; the HTML is the shared look with the graph.
    for (const format of ['md', 'html', 'json'] as const) {
      const a = await runCli(['incident', 'report', id, '--registry', reg, '--policy', fx.policyPath, '--no-workspace', '--format', format, '--date', '2026-11-05T00:00:00Z']);
      const b = await runCli(['incident', 'report', id, '--registry', reg, '--policy', fx.policyPath, '--no-workspace', '--format', format], { env: { SOURCE_DATE_EPOCH: String(Date.parse('2026-11-05T00:00:00Z') / 1000) } });
      assert.equal(a.code, 0, a.stderr);
      assert.equal(a.stdout, b.stdout, `${format} is not deterministic`);
    }
    const md = renderIncidentReport(report, 'md');
    for (const h of ['## ATLAS techniques', '## Where the flagged artifact entered', '## Timeline of custody', '## Keys and identities', '## Affected deployments', '## Rollback candidates']) assert.ok(md.includes(h), h);
    assert.match(md, /\| `AML\.T0020` \| Poison Training Data \|/);
    const html = renderIncidentReport(report, 'html');
    assert.match(html, /<svg[^>]*>/);
    assert.match(html, /Content-Security-Policy/);
    assert.doesNotMatch(html, /<script/);
  });

  test('for a revoked key: rotate it', async () => {
    const reg = copyRegistry();
    const tracker = new ProvenanceTracker({ registry: reg, signingKey: fx.keys.security.pem });
    const w = await tracker.flag({ target: `key:${fx.keys.trainer.hint}`, since: '2026-10-08T00:00:00Z', reason: 'CI key leaked', severity: 'critical' });
    const report = await tracker.incidentReport({ advisoryId: w.advisoryId, policy: fx.policyPath, now: new Date('2026-11-05T00:00:00Z') });
    assert.equal(report.signers[0]!.rotate, true);
    assert.equal(report.signers[0]!.stages, 2);
    assert.deepEqual(report.entryPoints.map((s) => s.subject.name), ['ftA2']);
  });
});

describe('library: tracker.flag and tracker.impact', () => {
  test('the documented example (docs/library.md) runs as written', async () => {
    const reg = copyRegistry();
    const policy = compilePolicy(JSON.parse(readFileSync(fx.policyPath, 'utf8')), fx.policyPath);
    const tracker = new ProvenanceTracker({ signingKey: fx.keys.security.pem, registry: reg });
    const poisoned = fx.d.shared!;
    const { advisoryId } = await tracker.flag({ target: poisoned, reason: 'poisoned upstream', severity: 'high', atlas: ['AML.T0020'] });
    const radius = await tracker.impact({ advisoryId, policy });
    const verdict = await tracker.verify({ digest: fx.d.qA1a!, policy });
    assert.deepEqual(names(radius.affected.map((n) => n.digest)), ['ftA1', 'ftA2', 'qA1a', 'qA1b', 'qA2a', 'qA2b']);
    assert.equal(verdict.verdict, 'failed');
    assert.equal(verdict.problems[0]!.code, 'FLAGGED_ARTIFACT');
    const set = await readAdvisories(new LocalRegistry(reg));
    assert.equal(set.advisories[0]!.verified, false, 'read without trust: a claim');
    const chain = await verifyChain({ registry: new LocalRegistry(reg), policy: { ...policy, advisorySigners: [] }, digest: fx.d.qA1a! });
    assert.equal(chain.verdict, 'verified', 'a policy without advisorySigners reads no advisory');
  });
});

describe('bad input', () => {
  test('one line with a code, exit 2', async () => {
    const reg = copyRegistry();
    const cases: [string[], RegExp][] = [
      [['incident', 'flag', fx.d.a1!, '--reason', 'x', '--atlas', 'AML.T9999', '--private-key', fx.keys.security.pem, '--registry', reg], /"AML\.T9999" is not a MITRE ATLAS 5\.6\.0 technique id .*\[ATLAS_UNKNOWN\]/],
      [['incident', 'flag', fx.d.a1!, '--reason', 'x', '--since', '2026-10-01', '--private-key', fx.keys.security.pem, '--registry', reg], /--since applies to a key or identity.*\[USAGE\]/],
      [['incident', 'flag', 'identity:ci@example.com', '--reason', 'x', '--private-key', fx.keys.security.pem, '--registry', reg], /needs its OIDC issuer.*\[USAGE\]/],
      [['incident', 'flag', fx.keys.trainer.pem, '--reason', 'x', '--private-key', fx.keys.security.pem, '--registry', reg], /trainer\.pem: is a private key.*\[KEY_MALFORMED\]/],
      [['incident', 'flag', '/nonexistent/model', '--reason', 'x', '--private-key', fx.keys.security.pem, '--registry', reg], /\/nonexistent\/model: no such file or folder.*\[TARGET_NOT_FOUND\]/],
      [['incident', 'impact', 'MP-2026-9999', '--registry', reg, '--no-workspace'], /no advisory MP-2026-9999 in .*\[ADVISORY_NOT_FOUND\]/],
      [['incident', 'report', 'MP-2026-9999', '--registry', reg, '--no-workspace'], /\[ADVISORY_NOT_FOUND\]/],
      [['verify', fx.d.qA1a!, '--policy', fx.policyPath, '--registry', reg, '--record-deployment', 'prod'], /missing --private-key.*\[USAGE\]/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
  });
});

void serializeBundle;
