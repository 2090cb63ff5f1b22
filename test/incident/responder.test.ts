/**
 * What a newcomer found in incident response (issue 12 follow-up), each as the right value:
 * model signatures of a revoked key in the blast radius, the status of fixed and withdrawn
 * advisories in impact/OpenVEX/OSV, one row per flagged key in the report, unknown digests,
 * `incident ls` saying what is in force, statements by a key that is not an advisory signer,
 * the "signatures not checked" banner, and the HTML report's first screen, graph and rollback
 * ranking.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { LocalRegistry, OPENVEX_PREDICATE, advisoriesNotRead, attest, buildIncidentReport, compilePolicy, incidentGraph, loadPolicy, recordDeployment, renderIncidentReport, type ImpactResult } from '../../core';
import { runCli, tempDir } from '../helpers/fixtures';
import { HAVE_VECTORS, SHARED } from '../helpers/shared';
import { buildFixture, type Fixture } from './fixture';

let fx: Fixture;
before(async () => {
  fx = await buildFixture(tempDir('mp-responder-', { untilExit: true }));
});

function copyRegistry(): string {
  const dir = join(tempDir('mp-responder-reg-', { untilExit: true }), '.provenance');
  cpSync(fx.registryDir, dir, { recursive: true });
  return dir;
}

async function cli(args: string[], options: { cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, options);
}

async function flagShared(reg: string, date = '2026-11-02T00:00:00Z'): Promise<string> {
  const r = await cli(['incident', 'flag', fx.d.shared!, '--reason', 'poisoned upstream: trigger phrase found', '--severity', 'high', '--atlas', 'AML.T0020', '--private-key', fx.keys.security.pem, '--registry', reg, '--date', date, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).advisories[0].id;
}

function validator(schema: string): (doc: unknown) => string | undefined {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('iri', true);
  const v = ajv.compile(JSON.parse(readFileSync(join(SHARED, 'specs', ...schema.split('/')), 'utf8')));
  return (doc) => (v(doc) ? undefined : JSON.stringify(v.errors));
}

describe('finding 1: model signatures made by a revoked key are in the blast radius', () => {
  let reg: string;
  let ws: string;
  let model: string;
  let digest: string;
  let id: string;
  before(async () => {
    reg = copyRegistry();
    ws = tempDir('mp-responder-ws-', { untilExit: true });
    model = join(ws, 'models', 'chat');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'weights.safetensors'), 'chat weights');
    assert.equal((await cli(['sign', 'key', model, '--private-key', fx.keys.trainer.pem])).code, 0);
    digest = (await cli(['hash', model])).stdout.split(' ')[0]!;
    const registry = new LocalRegistry(reg);
    // Its fine-tuning attestation predates the window; its model signature states no time.
    const a = await attest({ subjectDigest: digest, subjectName: 'chat', stage: 'fine-tuning', trainingRunId: 'run-chat', baseModels: [{ digest: fx.d.baseB!, name: 'baseB' }], datasets: [], builderId: 'https://ci.example.com/pipelines/train', finishedOn: '2026-10-02T00:00:00.000Z', signer: { kind: 'key', privateKey: fx.keys.trainer.key }, registry });
    await recordDeployment(registry, { kind: 'key', privateKey: fx.keys.deployer.key }, { model: { digest, name: 'chat' }, environment: 'production', gate: 'signature', policy: { uri: 'file:///keys', digest: 'sha256:' + '0'.repeat(64) }, inputAttestations: [{ digest: a.id! }], timeVerified: '2026-11-01T00:00:00.000Z', verifierVersion: 'test' });
    const r = await cli(['incident', 'flag', fx.keys.trainer.pub, '--since', '2026-10-08', '--reason', 'CI signing key leaked', '--severity', 'critical', '--private-key', fx.keys.security.pem, '--registry', reg]);
    assert.equal(r.code, 0, r.stderr);
    id = r.stdout.split(' ')[0]!;
  });

  test('impact lists the workspace model.sig as a revoked signature, the model as affected, its deployment and the file', async () => {
    const r = await cli(['incident', 'impact', id, '--registry', reg, '--policy', fx.policyPath, '--workspace', ws, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const result: ImpactResult = JSON.parse(r.stdout);
    const sig = result.signed.filter((s) => s.source === 'workspace');
    assert.deepEqual(sig.map((s) => ({ file: s.file, inWindow: s.inWindow, predicateType: s.predicateType, subject: s.subjects[0]!.digest })), [{ file: 'models/chat/model.sig', inWindow: true, predicateType: 'https://model_signing/signature/v1.0', subject: digest }]);
    // The attestation of the same model, dated before the window, is still "before".
    assert.equal(result.signed.find((s) => s.source === 'registry' && s.subjects[0]!.digest === digest)!.inWindow, false);
    const node = result.affected.find((n) => n.digest === digest)!;
    assert.equal(node.depth, 0);
    assert.equal(node.verification, 'verified');
    assert.deepEqual(node.verifiedBy, ['trainer']);
    assert.deepEqual(result.deployments.filter((d) => d.model.digest === digest).map((d) => d.environment), ['production']);
    assert.deepEqual(result.workspace.map((w) => w.file), ['models/chat/model.sig']);
    // The same as the gate decides about that signature.
    const gate = await cli(['verify', '--model', model, '--attestation', join(model, 'model.sig'), '--trusted-keys', fx.keys.trainer.pub, '--policy', fx.policyPath, '--registry', reg, '--format', 'json']);
    assert.equal(gate.code, 1, gate.stdout + gate.stderr);
    assert.deepEqual(JSON.parse(gate.stdout).signature.problems.map((p: { code: string }) => p.code), ['SIGNER_REVOKED']);
  });

  test('the text names the file; the report and the OpenVEX export include the model and its deployment', async () => {
    const text = (await cli(['incident', 'impact', id, '--registry', reg, '--policy', fx.policyPath, '--workspace', ws])).stdout;
    assert.match(text, /REVOKED {2}model-signature {2}"chat" sha256:[0-9a-f]{12}… {2}\(no time: .*\) {2}models\/chat\/model\.sig \(workspace\)/);
    const report = await buildIncidentReport({ registry: new LocalRegistry(reg), advisoryId: id, policy: loadPolicy(fx.policyPath), workspace: ws, now: new Date('2026-11-05T00:00:00Z') });
    assert.ok(report.radius.affected.some((n) => n.digest === digest));
    assert.ok(report.deployments.some((d) => d.model.digest === digest && d.environment === 'production'));
    assert.ok(report.rollback.some((rb) => rb.model.digest === digest && rb.deployed.includes('production')));
    const vex = JSON.parse((await cli(['incident', 'impact', id, '--registry', reg, '--workspace', ws, '--policy', fx.policyPath, '--format', 'openvex', '--date', '2026-11-05T00:00:00Z'])).stdout);
    assert.ok(vex.statements[0].products.some((p: { hashes: Record<string, string> }) => p.hashes['sha-256'] === digest.slice(7)));
  });

  test('a model signature stored in the registry counts without a workspace', async () => {
    const local = copyRegistry();
    cpSync(reg, local, { recursive: true });
    const put = await cli(['registry', 'add', join(model, 'model.sig'), '--registry', local]);
    assert.equal(put.code, 0, put.stderr);
    const result: ImpactResult = JSON.parse((await cli(['incident', 'impact', id, '--registry', local, '--policy', fx.policyPath, '--no-workspace', '--format', 'json'])).stdout);
    assert.deepEqual(result.signed.filter((s) => s.predicateType.startsWith('https://model_signing/')).map((s) => `${s.source}:${s.inWindow}`), ['registry:true']);
    assert.equal(result.affected.find((n) => n.digest === digest)?.depth, 0);
  });
});

describe('finding 3: fixed and withdrawn advisories keep their status, reason and times', () => {
  let reg: string;
  let id: string;
  before(async () => {
    reg = copyRegistry();
    id = await flagShared(reg);
    const r = await cli(['incident', 'fixed', id, '--reason', 'dataset re-audited', '--private-key', fx.keys.security.pem, '--registry', reg, '--date', '2026-11-03T00:00:00Z']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('impact: status fixed, the original reason, the fix note in its own field, both times', async () => {
    const result: ImpactResult = JSON.parse((await cli(['incident', 'impact', id, '--registry', reg, '--policy', fx.policyPath, '--no-workspace', '--format', 'json'])).stdout);
    assert.deepEqual(result.advisory, {
      id,
      reason: 'poisoned upstream: trigger phrase found',
      severity: 'high',
      atlas: ['AML.T0020'],
      status: 'fixed',
      inForce: false,
      statusNote: 'dataset re-audited',
      published: '2026-11-02T00:00:00.000Z',
      statusTime: '2026-11-03T00:00:00.000Z',
      verified: true,
      signers: ['security'],
    });
    const text = (await cli(['incident', 'impact', id, '--registry', reg, '--policy', fx.policyPath, '--no-workspace'])).stdout.split('\n');
    assert.equal(text[0], `IMPACT of ${fx.d.shared} (advisory ${id}, high: poisoned upstream: trigger phrase found)`);
    assert.equal(text[1], '  status: FIXED at 2026-11-03T00:00:00.000Z: dataset re-audited (the gate no longer refuses it); published 2026-11-02T00:00:00.000Z');
  });

  test('OpenVEX: status fixed, the reason as description, the note in status_notes; valid', async (t) => {
    const doc = JSON.parse((await cli(['incident', 'impact', id, '--registry', reg, '--policy', fx.policyPath, '--no-workspace', '--format', 'openvex', '--date', '2026-11-05T00:00:00Z'])).stdout);
    const s = doc.statements[0];
    assert.equal(s.status, 'fixed');
    assert.equal(s.vulnerability.description, 'poisoned upstream: trigger phrase found');
    assert.equal(s.status_notes, `Advisory ${id} fixed at 2026-11-03T00:00:00.000Z: dataset re-audited. Derived from ${fx.d.shared}.`);
    if (!HAVE_VECTORS) return t.skip('needs ../shared for the OpenVEX schema');
    assert.equal(validator('openvex/openvex_json_schema.json')(doc), undefined);
  });

  test('OSV: published is the first statement, fixed in database_specific; withdrawn is the withdrawal time', async (t) => {
    const fixed = JSON.parse((await cli(['incident', 'impact', id, '--registry', reg, '--policy', fx.policyPath, '--no-workspace', '--format', 'osv', '--date', '2026-11-05T00:00:00Z'])).stdout);
    assert.equal(fixed.published, '2026-11-02T00:00:00Z');
    assert.equal(fixed.modified, '2026-11-05T00:00:00Z');
    assert.equal(fixed.withdrawn, undefined);
    assert.equal(fixed.summary, 'Fixed. poisoned upstream: trigger phrase found');
    assert.deepEqual([fixed.database_specific.status, fixed.database_specific.status_time, fixed.database_specific.status_note], ['fixed', '2026-11-03T00:00:00Z', 'dataset re-audited']);
    const local = copyRegistry();
    cpSync(reg, local, { recursive: true });
    const w = await cli(['incident', 'withdraw', id, '--reason', 'false alarm', '--private-key', fx.keys.security.pem, '--registry', local, '--date', '2026-11-04T00:00:00Z']);
    assert.equal(w.code, 0, w.stderr);
    const withdrawn = JSON.parse((await cli(['incident', 'impact', id, '--registry', local, '--policy', fx.policyPath, '--no-workspace', '--format', 'osv', '--date', '2026-11-05T00:00:00Z'])).stdout);
    assert.equal(withdrawn.withdrawn, '2026-11-04T00:00:00Z');
    assert.equal(withdrawn.published, '2026-11-02T00:00:00Z');
    assert.equal(withdrawn.summary, 'Withdrawn: false alarm. poisoned upstream: trigger phrase found');
    assert.equal(withdrawn.database_specific.status_note, 'false alarm');
    const vex = JSON.parse((await cli(['incident', 'impact', id, '--registry', local, '--policy', fx.policyPath, '--no-workspace', '--format', 'openvex', '--date', '2026-11-05T00:00:00Z'])).stdout);
    assert.equal(vex.statements[0].status, 'not_affected');
    assert.equal(vex.statements[0].impact_statement, `Advisory ${id} withdrawn at 2026-11-04T00:00:00.000Z: false alarm.`);
    const report = await buildIncidentReport({ registry: new LocalRegistry(local), advisoryId: id, policy: loadPolicy(fx.policyPath), now: new Date('2026-11-05T00:00:00Z') });
    assert.deepEqual([report.advisory.status, report.advisory.reason, report.advisory.statusNote, report.advisory.published, report.advisory.statusTime], ['not_affected', 'poisoned upstream: trigger phrase found', 'false alarm', '2026-11-02T00:00:00.000Z', '2026-11-04T00:00:00.000Z']);
    if (!HAVE_VECTORS) return t.skip('needs ../shared for the schemas');
    assert.equal(validator('osv/schema.json')(fixed), undefined);
    assert.equal(validator('osv/schema.json')(withdrawn), undefined);
    assert.equal(validator('openvex/openvex_json_schema.json')(vex), undefined);
  });

  test('finding 6: incident ls says what is in force and what was lifted', async () => {
    const local = copyRegistry();
    cpSync(reg, local, { recursive: true });
    const other = await cli(['incident', 'flag', fx.d.a3!, '--id', 'MP-A3-1', '--reason', 'license problem', '--private-key', fx.keys.security.pem, '--registry', local, '--date', '2026-11-04T00:00:00Z']);
    assert.equal(other.code, 0, other.stderr);
    const r = await cli(['incident', 'ls', '--registry', local, '--policy', fx.policyPath]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `2 advisories in ${local}: 1 in force (the gate refuses their targets), 1 lifted; 3 statement(s)`);
    assert.ok(lines.includes(`MP-A3-1        IN FORCE  ${fx.d.a3}  "license problem"`), r.stdout);
    assert.ok(lines.includes(`${id.padEnd(14)} fixed     ${fx.d.shared}  high  "poisoned upstream: trigger phrase found"`), r.stdout);
    assert.ok(lines.includes('  FIXED at 2026-11-03T00:00:00.000Z: dataset re-audited (the gate no longer refuses it)'), r.stdout);
    assert.ok(lines.indexOf(`MP-A3-1        IN FORCE  ${fx.d.a3}  "license problem"`) < lines.findIndex((l) => l.startsWith(id)), 'in force first');
  });
});

describe('finding 4: the flagged key is one row in "Keys and identities"', () => {
  test('the policy name of the flagged key is the rotate row; no second "no" row for it', async () => {
    const reg = copyRegistry();
    const r = await cli(['incident', 'flag', fx.keys.trainer.pub, '--since', '2026-10-08', '--reason', 'CI key leaked', '--private-key', fx.keys.security.pem, '--registry', reg]);
    const id = r.stdout.split(' ')[0]!;
    for (const policy of [loadPolicy(fx.policyPath), undefined]) {
      const report = await buildIncidentReport({ registry: new LocalRegistry(reg), advisoryId: id, policy, now: new Date('2026-11-05T00:00:00Z') });
      const label = policy ? `trainer (key ${fx.keys.trainer.hint})` : `key ${fx.keys.trainer.hint}`;
      assert.deepEqual(report.signers.map((s) => `${s.signer}:${s.rotate}`), [`${label}:true`, `${policy ? 'quantizer' : `key ${fx.keys.quantizer.hint.slice(0, 16)}…`}:false`]);
    }
  });
});

describe('finding 5: a digest the registry never saw', () => {
  test('impact: exit 2 with one line; flag: written, with a warning that says so', async () => {
    const reg = copyRegistry();
    const unknown = `sha256:${'ab'.repeat(32)}`;
    const r = await cli(['incident', 'impact', unknown, '--registry', reg, '--no-workspace']);
    assert.equal(r.code, 2, r.stdout);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim(), `model-provenance: ${unknown} is not in ${reg}: no attestation names it as a subject or an input and no advisory flags it (check the digest; \`incident ls\` lists the advisories) [DIGEST_NOT_IN_REGISTRY]`);
    const f = await cli(['incident', 'flag', unknown, '--id', 'MP-X-1', '--reason', 'x', '--private-key', fx.keys.security.pem, '--registry', reg]);
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /^MP-X-1 affected: /);
    assert.equal(f.stderr.trim(), `model-provenance: warning: ${unknown} is not in ${reg} (no attestation names it): the advisory is written and the gate will refuse it if it appears, but nothing recorded is affected now; check the digest [DIGEST_NOT_IN_REGISTRY]`);
    // A known digest gets no warning; once flagged, impact on the digest answers (the advisory names it).
    assert.equal((await cli(['incident', 'flag', fx.d.a2!, '--id', 'MP-X-2', '--reason', 'x', '--private-key', fx.keys.security.pem, '--registry', reg])).stderr, '');
    assert.equal((await cli(['incident', 'impact', unknown, '--registry', reg, '--no-workspace'])).code, 0);
  });
});

describe('finding 7: a later statement by a key that is not an advisory signer', () => {
  test('with --policy: refused with a code and nothing written, unless --force', async () => {
    const reg = copyRegistry();
    const id = await flagShared(reg);
    const count = async (): Promise<number> => (await new LocalRegistry(reg).findByPredicateType(OPENVEX_PREDICATE)).length;
    for (const key of ['trainer', 'attacker'] as const) {
      const r = await cli(['incident', 'fixed', id, '--reason', 'x', '--private-key', fx.keys[key].pem, '--policy', fx.policyPath, '--registry', reg]);
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr.trim(), new RegExp(`^model-provenance: this key ${fx.keys[key].hint.slice(0, 16)}… is not one of the policy's advisorySigners \\(security\\): the gate would ignore a fixed statement it signs and ${id} would stay as it is; nothing was written .*\\[ADVISORY_SIGNER_NOT_TRUSTED\\]$`));
    }
    assert.equal(await count(), 1);
    const forced = await cli(['incident', 'fixed', id, '--reason', 'x', '--private-key', fx.keys.trainer.pem, '--policy', fx.policyPath, '--registry', reg, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /written with --force/);
    assert.equal(await count(), 2);
    // The gate ignores it: still refused.
    const gate = await cli(['verify', fx.d.qA1a!, '--policy', fx.policyPath, '--registry', reg, '--format', 'json']);
    assert.equal(gate.code, 1);
    // An advisory signer may.
    assert.equal((await cli(['incident', 'fixed', id, '--reason', 'ok', '--private-key', fx.keys.security.pem, '--policy', fx.policyPath, '--registry', reg])).code, 0);
  });
});

describe('finding 11: without a policy, a banner first', () => {
  test('impact text and the report (md, html) open with "signatures not checked"', async () => {
    const reg = copyRegistry();
    const id = await flagShared(reg);
    const cwd = tempDir('mp-responder-nopolicy-', { untilExit: true });
    const text = (await cli(['incident', 'impact', id, '--registry', reg, '--no-workspace'], { cwd })).stdout;
    assert.match(text.split('\n')[0]!, /^!! SIGNATURES NOT CHECKED: no policy was given/);
    const withPolicy = (await cli(['incident', 'impact', id, '--registry', reg, '--no-workspace', '--policy', fx.policyPath], { cwd })).stdout;
    assert.doesNotMatch(withPolicy, /NOT CHECKED|NOT VERIFIED/);
    const md = (await cli(['incident', 'report', id, '--registry', reg, '--no-workspace', '--date', '2026-11-05T00:00:00Z'], { cwd })).stdout.split('\n');
    assert.equal(md[0], `# Incident ${id}`);
    assert.match(md[2]!, /^> \*\*⚠ SIGNATURES NOT CHECKED: /);
    const html = (await cli(['incident', 'report', id, '--registry', reg, '--no-workspace', '--format', 'html', '--date', '2026-11-05T00:00:00Z'], { cwd })).stdout;
    const banner = html.indexOf('class="incident-warning"');
    assert.ok(banner > 0 && banner < html.indexOf('<h1>') + 400 && banner < html.indexOf('<section'), 'the banner sits under the title, before any section');
  });
});

describe('findings 8-10: the HTML report and its graph', () => {
  let reg: string;
  let id: string;
  let earlier: string;
  before(async () => {
    reg = copyRegistry();
    // An earlier qA1a, quantized straight from baseA before the shared dataset was used.
    earlier = `sha256:${'5e'.repeat(32)}`;
    await attest({ subjectDigest: earlier, subjectName: 'qA1a', stage: 'quantization', trainingRunId: 'run-qA1a-old', baseModels: [{ digest: fx.d.baseA!, name: 'baseA' }], datasets: [], builderId: 'https://ci.example.com/pipelines/train', finishedOn: '2026-09-15T00:00:00.000Z', signer: { kind: 'key', privateKey: fx.keys.quantizer.key }, registry: new LocalRegistry(reg) });
    id = await flagShared(reg);
  });

  test('rollback: deployed models first, an earlier version ranked first as "rollback", ancestors as "retrain from"', async () => {
    const report = await buildIncidentReport({ registry: new LocalRegistry(reg), advisoryId: id, policy: loadPolicy(fx.policyPath), now: new Date('2026-11-05T00:00:00Z') });
    assert.deepEqual(report.rollback.map((rb) => `${rb.model.name}:${rb.deployed.join(',')}`), ['qA1a:production', 'qA2b:staging', 'qA1b:', 'qA2a:']);
    const qA1a = report.rollback[0]!.candidates;
    assert.deepEqual(qA1a.map((c) => `${c.name}:${c.kind}:${c.action}:${c.distance}:${c.check}`), ['qA1a:earlier-version:rollback:0:verified', 'baseA:ancestor:retrain-from:2:verified']);
    assert.equal(qA1a[0]!.digest, earlier);
    const md = renderIncidentReport(report, 'md');
    assert.match(md, /\| qA1a `?sha256:5e5e5e5e5e5e…`? \| roll back to \(earlier version of this model\) \|/);
    assert.match(md, /\| baseA `?sha256:[0-9a-f]{12}…`? \| retrain from \(ancestor, 2 up: the stages below it must be redone\) \|/);
  });

  test('the first screen: an <h1> with the reason, what is in production, what to do', async () => {
    const report = await buildIncidentReport({ registry: new LocalRegistry(reg), advisoryId: id, policy: loadPolicy(fx.policyPath), now: new Date('2026-11-05T00:00:00Z') });
    const html = renderIncidentReport(report, 'html');
    const h1 = html.indexOf(`<h1>Incident ${id}: poisoned upstream: trigger phrase found</h1>`);
    assert.ok(h1 > 0 && h1 < html.indexOf('<nav'), 'the title comes before the contents');
    const first = html.slice(h1, html.indexOf('<nav'));
    assert.match(first, /<strong>6 affected artifact\(s\)<\/strong>; <strong>in production: qA1a<\/strong>; also deployed: qA2b \(staging\)/);
    assert.match(first, /<li>Replace qA1a in production: roll back to qA1a sha256:5e5e5e5e5e5e… \(earlier version, verified\)\.<\/li>/);
    assert.match(first, /<li>Replace qA2b in staging: no clean earlier version; retrain from baseA sha256:[0-9a-f]{12}… \(verified\)\.<\/li>/);
    assert.doesNotMatch(first, /NOT CHECKED/);
    // The history shows the author's key id shortened, never 64 hex digits in a cell.
    const history = html.slice(html.indexOf('<section id="history"'), html.indexOf('</section>', html.indexOf('<section id="history"')));
    assert.doesNotMatch(history, /[0-9a-f]{64}/);
    assert.match(history, new RegExp(`key sha256:${fx.keys.security.hint.slice(0, 16)}…`));
  });

  test('graph: the flagged dataset red, derived models and their deployments "affected", a legend entry, nodes in name order', async () => {
    const report = await buildIncidentReport({ registry: new LocalRegistry(reg), advisoryId: id, policy: loadPolicy(fx.policyPath), now: new Date('2026-11-05T00:00:00Z') });
    const g = incidentGraph(report);
    const status = (name: string): string[] => g.nodes.filter((n) => n.label === name).map((n) => n.status);
    assert.deepEqual(status('shared'), ['flagged']);
    for (const m of ['ftA1', 'ftA2', 'qA1b', 'qA2a']) assert.deepEqual(status(m), ['affected'], m);
    assert.deepEqual(status('qA1a').sort(), ['affected', 'verified'], 'the affected qA1a and the earlier one (a candidate)');
    assert.deepEqual(status('baseA'), ['verified']);
    assert.deepEqual(status('production'), ['affected']);
    assert.deepEqual(status('staging'), ['affected']);
    const order = g.nodes.map((n) => n.sortKey!.split('\u0000')[0]);
    assert.deepEqual(order, ['', 'baseA', 'ftA1', 'ftA2', 'qA1a', 'qA1a', 'qA1a production', 'qA1b', 'qA2a', 'qA2b', 'qA2b staging']);
    const html = renderIncidentReport(report, 'html');
    assert.match(html, /<text[^>]*>⚠ affected<\/text>/);
    assert.equal(renderIncidentReport(report, 'html'), html, 'deterministic');
  });
});

describe('finding 14: the small things', () => {
  test('registry add names the bad file; a flipped advisory says "altered" once; SIGNER_REVOKED says whose time; the tree marks the flagged input; report on a digest points to impact and ls', async () => {
    const reg = copyRegistry();
    const dir = tempDir('mp-responder-small-', { untilExit: true });
    const good = join(dir, 'good.json');
    writeFileSync(good, await new LocalRegistry(reg).read(fx.attestation.ftA1!));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}');
    const add = await cli(['registry', 'add', good, bad, '--registry', reg]);
    assert.equal(add.code, 2);
    assert.match(add.stderr.trim(), new RegExp(`^model-provenance: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*\\[[A-Z_]+\\]$`));

    const id = await flagShared(reg);
    const tree = (await cli(['verify', fx.d.qA1a!, '--policy', fx.policyPath, '--registry', reg])).stdout;
    assert.match(tree, new RegExp(`dataset: "shared" ${fx.d.shared!.slice(0, 19)}…  ✘ FLAGGED`));
    assert.doesNotMatch(tree, /dataset: "a1" sha256:[0-9a-f]{12}…  ✘ FLAGGED/);

    const key = await cli(['incident', 'flag', fx.keys.quantizer.pub, '--since', '2026-10-21', '--reason', 'quantizer key leaked', '--private-key', fx.keys.security.pem, '--registry', reg]);
    assert.equal(key.code, 0, key.stderr);
    const gate = JSON.parse((await cli(['verify', fx.d.qA3a!, '--policy', fx.policyPath, '--registry', reg, '--format', 'json'])).stdout);
    const revoked = gate.problems.find((p: { code: string }) => p.code === 'SIGNER_REVOKED');
    assert.match(revoked.message, /was signed by key [0-9a-f]{16}… at 2026-10-23T01:00:00\.000Z \(the time its signed statement claims\), on or after 2026-10-21T00:00:00\.000Z/);

    const r = await cli(['incident', 'report', fx.d.shared!, '--registry', reg, '--no-workspace']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`no advisory ${fx.d.shared} in .* \\(that is a target, not an advisory id: \`incident impact ${fx.d.shared}\` gives its blast radius, \`incident ls\` lists the advisory ids\\) \\[ADVISORY_NOT_FOUND\\]`));
    void id;
  });

  test('a flipped advisory byte is reported with "altered after signing" once', async () => {
    const reg = copyRegistry();
    const registry = new LocalRegistry(reg);
    const id = await flagShared(reg);
    const [entry] = await registry.findByPredicateType(OPENVEX_PREDICATE);
    const bundle = JSON.parse(await registry.read(entry!.id));
    const p: string = bundle.dsseEnvelope.payload;
    const i = p.length >> 1;
    bundle.dsseEnvelope.payload = p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1);
    const { rmSync } = await import('node:fs');
    rmSync(entry!.location);
    rmSync(join(reg, 'index', fx.d.shared!.slice(7), entry!.id.slice(7)));
    registry.reverse.forget(entry!.id);
    await registry.put(JSON.stringify(bundle, null, 2));
    const ls = JSON.parse((await cli(['incident', 'ls', '--registry', reg, '--policy', fx.policyPath, '--format', 'json'])).stdout);
    const msg: string = ls.ignored[0].message;
    assert.equal(ls.ignored[0].code, 'ADVISORY_SIGNATURE_INVALID');
    assert.equal(msg.split('altered after signing').length - 1, 1, msg);
    assert.match(msg, new RegExp(`^advisory ${id} \\(sha256:[0-9a-f]{12}…\\) does not verify: its bytes were altered after signing \\(signed by key [0-9a-f]{16}…, which is the key of policy signer "security"\\)$`));
  });

  test('the report points out a stage that claims to predate its base model', async () => {
    const reg = copyRegistry();
    const odd = `sha256:${'0d'.repeat(32)}`;
    await attest({ subjectDigest: odd, subjectName: 'qA1c', stage: 'quantization', trainingRunId: 'run-qA1c', baseModels: [{ digest: fx.d.ftA1!, name: 'ftA1' }], datasets: [], builderId: 'https://ci.example.com/pipelines/train', finishedOn: '2026-09-20T00:00:00.000Z', signer: { kind: 'key', privateKey: fx.keys.quantizer.key }, registry: new LocalRegistry(reg) });
    const id = await flagShared(reg);
    const report = await buildIncidentReport({ registry: new LocalRegistry(reg), advisoryId: id, policy: loadPolicy(fx.policyPath), now: new Date('2026-11-05T00:00:00Z') });
    assert.deepEqual(report.notes.filter((n) => n.startsWith('impossible order')), ['impossible order: quantization of "qA1c" claims 2026-09-20T00:00:00.000Z, before its base-model "ftA1" was produced (2026-10-01T00:00:00.000Z); one of the two claimed times is false (a backdated statement?)']);
  });
});

describe('finding 2, the helper only (the gate is another change): advisories a gate does not read', () => {
  test('counted and said without a policy or without advisorySigners; nothing when the policy reads them', async () => {
    const reg = copyRegistry();
    const registry = new LocalRegistry(reg);
    assert.equal(await advisoriesNotRead(registry, undefined), undefined, 'no advisory, nothing to say');
    await flagShared(reg);
    assert.equal(await advisoriesNotRead(registry, loadPolicy(fx.policyPath)), undefined);
    // The library names its own option; the CLI passes its flag (test/cli/gate.test.ts), the editor its setting.
    assert.equal(await advisoriesNotRead(registry, undefined), `1 advisory statement(s) in ${reg} were not read (no policy was given): a flagged model or a revoked key is not refused; verify with a policy (the policy option) that names "advisorySigners"`);
    assert.match((await advisoriesNotRead(registry, undefined, { withoutPolicy: 'verify with --policy P, a policy that names "advisorySigners"' }))!, /; verify with --policy P, a policy that names "advisorySigners"$/);
    const noSigners = compilePolicy({ ...JSON.parse(readFileSync(fx.policyPath, 'utf8')), advisorySigners: [] }, fx.policyPath);
    assert.equal(await advisoriesNotRead(registry, noSigners), `1 advisory statement(s) in ${reg} were not read (the policy ${fx.policyPath} names no advisorySigners): a flagged model or a revoked key is not refused; name the signers you trust for advisories in its "advisorySigners"`);
  });
});
