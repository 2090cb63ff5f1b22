/**
 * Regulatory reports on the fixture pipeline of issue 11 (base, fine-tune, adapter merge,
 * quantization, evaluation with metrics; two datasets; a signed ML-BOM; a partial
 * report-inputs.json), built for real through the library:
 * - golden statuses for every point of every framework (all 9 Annex IV points and sub-points);
 * - every A point cites its evidence with digest and signer;
 * - no fabrication: removing a dataset digest or the evaluation attestation turns exactly the
 *   points that rested on it to missing, citing nothing; a tampered attestation is shown as
 *   not verified and the completeness drops;
 * - JSON against our schema, CDXA against CycloneDX 1.6, byte-identical output on a rerun.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  FRAMEWORKS,
  FRAMEWORK_IDS,
  LocalRegistry,
  ProvenanceTracker,
  buildReport,
  chainCauses,
  cycloneDxValidator,
  loadPolicy,
  parseBundle,
  renderReport,
  renderReportCdxa,
  validateAgainst,
  type ComplianceReport,
  type FrameworkId,
} from '../../core';
import { buildComplianceWorld, DIGEST, type ComplianceWorld } from '../helpers/compliance-pipeline';
import { REPO, tempDir } from '../helpers/fixtures';

const DATE = '2026-11-30';
const GOLDEN = join(REPO, 'test', 'compliance', 'golden', 'statuses.json');

async function report(w: ComplianceWorld, registryDir = w.registryDir): Promise<ComplianceReport> {
  return buildReport({ registry: new LocalRegistry(registryDir), policy: loadPolicy(w.policyPath), modelPath: w.models.quantized, frameworks: [...FRAMEWORK_IDS], inputs: w.inputsPath, date: DATE });
}

/** framework -> point -> status */
function statuses(r: ComplianceReport): Record<string, Record<string, string>> {
  return Object.fromEntries(r.frameworks.map((f) => [f.id, Object.fromEntries(f.points.map((p) => [p.id, p.status]))]));
}

/** The points whose status differs between two reports: "framework point: before -> after". */
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

describe('regulatory report on the fixture pipeline', () => {
  let w: ComplianceWorld;
  let full: ComplianceReport;
  before(async () => {
    w = await buildComplianceWorld(tempDir('mp-compliance-', { untilExit: true }));
    full = await report(w);
  });

  test('golden: the status of every point of every framework', () => {
    const actual = statuses(full);
    if (process.env.MP_UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    assert.deepEqual(actual, JSON.parse(readFileSync(GOLDEN, 'utf8')));
    assert.equal(full.verification.chain.verdict, 'verified');
    assert.equal(full.verification.signature.status, 'verified');
    assert.equal(full.verification.manifest.signed, true);
    assert.deepEqual(
      full.frameworks.map((f) => [f.id, f.completeness.score]),
      [
        // H and S points count only with a person's text: the fixture's inputs answer three Annex IV points and no NIST one.
        ['eu-ai-act-annex-iv', 45.7],
        ['eu-ai-act-annex-xi', 53.6],
        ['eu-ai-act-annex-xii', 54.5],
        ['nist-ai-rmf', 33.3],
      ],
    );
  });

  test('all 9 Annex IV points and all their sub-points appear, in order', () => {
    const iv = full.frameworks.find((f) => f.id === 'eu-ai-act-annex-iv')!;
    assert.deepEqual(
      iv.points.map((p) => p.id),
      ['1', '1(a)', '1(b)', '1(c)', '1(d)', '1(e)', '1(f)', '1(g)', '1(h)', '2', '2(a)', '2(b)', '2(c)', '2(d)', '2(e)', '2(f)', '2(g)', '2(h)', '3', '4', '5', '6', '7', '8', '9'],
    );
    assert.equal(iv.completeness.points, 23, 'the two groups do not count, their 16 sub-points and points 3-9 do');
  });

  test('every point marked A cites its evidence with digest and signer, all verified', () => {
    const byRef = new Map(full.evidence.map((e) => [e.ref, e]));
    let checked = 0;
    for (const f of full.frameworks) {
      for (const p of f.points.filter((x) => x.fill === 'A' || x.fill === 'A/P' || x.fill === 'D')) {
        assert.equal(p.status, 'evidence', `${f.id} ${p.id}`);
        assert.ok(p.facts.length > 0, `${f.id} ${p.id} has facts`);
        for (const fact of p.facts) {
          assert.ok(fact.verified, `${f.id} ${p.id}: ${fact.text}`);
          assert.ok(fact.evidence.length > 0);
          for (const ref of fact.evidence) {
            const e = byRef.get(ref)!;
            assert.match(e.digest, /^sha256:[0-9a-f]{64}$/);
            // Nobody signs an inspection: it names what vouches for the files instead of a signer.
            if (e.kind === 'inspection') assert.match(e.basis!, /^the files inspected are those the model signature \(verified under release\) vouches for/);
            else assert.ok(e.signer, `${f.id} ${p.id} cites ${ref} with a signer`);
            assert.equal(e.verified, true);
          }
        }
        checked++;
      }
    }
    assert.equal(checked, 16);
    // The signer is named as the policy names it, per stage.
    const dev = point(full, 'eu-ai-act-annex-iv', '2(a)');
    assert.deepEqual(dev.facts.map((f) => /signed by (\w+)/.exec(f.text)?.[1]), ['vendor', 'trainer', 'trainer', 'merger', 'quantizer']);
    const att = full.evidence.find((e) => e.ref === w.attestations['evaluation:quantized'])!;
    assert.deepEqual([att.kind, att.stage, att.signer, att.time, att.verified, att.digest], ['attestation', 'evaluation', 'evaluator', '2026-10-05T11:00:00Z', true, w.attestations['evaluation:quantized']]);
  });

  test('a person\'s text is quoted with author and date, never changed; empty entries fill nothing', () => {
    const p = point(full, 'eu-ai-act-annex-iv', '2(e)');
    assert.equal(p.status, 'person');
    assert.deepEqual(p.person, { text: 'Every drafted answer is reviewed by a human agent before it is sent.', author: 'Jane Doe <jane.doe@acme.example>', date: '2026-11-20' });
    assert.equal(point(full, 'eu-ai-act-annex-iv', '7').status, 'missing', 'an empty skeleton entry is not an answer');
    const missing = point(full, 'eu-ai-act-annex-iv', '9');
    assert.deepEqual(missing.facts, []);
    assert.match(missing.needs!.join(' '), /post-market monitoring.*report-inputs\.json/);
    // P with evidence and text: evidence; P with evidence only: partial, and says what is missing.
    assert.equal(point(full, 'eu-ai-act-annex-iv', '1(a)').status, 'evidence');
    assert.equal(point(full, 'eu-ai-act-annex-iv', '2(g)').status, 'partial');
    assert.match(point(full, 'eu-ai-act-annex-iv', '2(g)').facts.map((f) => f.text).join('\n'), /accuracy = 0\.91, f1 = 0\.88, toxicity_rate = 0\.002/);
  });

  test('threat model: ATLAS techniques with their mitigations, stated from evidence', () => {
    const t = full.threatModel;
    assert.equal(t.version, '5.6.0');
    assert.deepEqual(t.techniques.find((x) => x.id === 'AML.T0019')!.mitigations, ['AML.M0014', 'AML.M0023', 'AML.M0025']);
    const m = Object.fromEntries(t.mitigations.map((x) => [x.id, x]));
    assert.deepEqual(Object.fromEntries(t.mitigations.map((x) => [x.id, x.status])), { 'AML.M0013': 'in-place', 'AML.M0014': 'in-place', 'AML.M0016': 'in-place', 'AML.M0023': 'in-place', 'AML.M0025': 'in-place' });
    assert.equal(m['AML.M0013']!.statements[0]!.text, 'Every stage on the chain is signed and verified: 7 attestation(s) under the trust policy.');
    assert.equal(m['AML.M0025']!.statements[0]!.text, '2 dataset(s) on the chain, each identified by digest in a verified attestation.');
    assert.match(m['AML.M0016']!.statements[0]!.text, /1 model file\(s\) inspected \(safetensors\): no executable content/);
  });

  test('an ML-BOM edited after it was signed: "signed, then changed after signing (SIGNATURE_INVALID)", not merely unsigned', async () => {
    const edited = join(tempDir('mp-compliance-bom-'), 'edited.cdx.json');
    const bom = JSON.parse(readFileSync(w.manifestPath, 'utf8'));
    bom.metadata.component.version = `${bom.metadata.component.version ?? '1'}-edited`;
    writeFileSync(edited, JSON.stringify(bom, null, 2));
    const signer = full.verification.manifest.signer!;
    const r = await buildReport({ registry: new LocalRegistry(w.registryDir), policy: loadPolicy(w.policyPath), modelPath: w.models.quantized, frameworks: ['eu-ai-act-annex-iv'], inputs: w.inputsPath, manifestPath: edited, date: DATE });
    assert.equal(r.verification.manifest.signed, false);
    assert.equal(r.verification.manifest.changedAfterSigning, signer);
    const item = r.evidence.find((e) => e.kind === 'manifest')!;
    assert.match(item.reason!, new RegExp(`^signed by ${signer} \\(sha256:[0-9a-f]{12}…\\), then changed after signing: this file is not the ML-BOM that was signed \\(sign it again with model-provenance manifest sign\\) \\[SIGNATURE_INVALID\\]$`));
    assert.match(renderReport(r, 'md'), new RegExp(`\\| ML-BOM \\| valid, signed by ${signer}, then changed after signing \\(SIGNATURE_INVALID\\) \\|`));
    assert.deepEqual(validateAgainst('compliance-report', JSON.parse(renderReport(r, 'json'))), []);
  });

  test('JSON validates against schemas/compliance-report.schema.json; CDXA against CycloneDX 1.6', () => {
    const json = JSON.parse(renderReport(full, 'json'));
    assert.deepEqual(validateAgainst('compliance-report', json), []);
    const cdxa = renderReportCdxa(full);
    const validate = cycloneDxValidator('1.6', 'plain');
    assert.ok(validate(cdxa), JSON.stringify(validate.errors?.slice(0, 3)));
    const std = (cdxa.definitions as { standards: { 'bom-ref': string; requirements: { 'bom-ref': string; identifier: string; parent?: string }[] }[] }).standards;
    const iv = std.find((s) => s['bom-ref'] === 'standard:eu-ai-act-annex-iv')!;
    assert.equal(iv.requirements.length, 25);
    assert.equal(iv.requirements.find((r) => r.identifier === '2(g)')!.parent, 'requirement:eu-ai-act-annex-iv:2');
    const decl = cdxa.declarations as { claims: { 'bom-ref': string; evidence: string[] }[]; evidence: { 'bom-ref': string; data: { contents: { url: string } }[] }[] };
    const claim = decl.claims.find((c) => c['bom-ref'] === 'claim:eu-ai-act-annex-iv:2(g)')!;
    const evalId = w.attestations['evaluation:quantized']!;
    assert.ok(claim.evidence.includes(`evidence:${evalId}`));
    assert.equal(decl.evidence.find((e) => e['bom-ref'] === `evidence:${evalId}`)!.data[0]!.contents.url, `urn:model-provenance:attestation:${evalId}`);
  });

  test('deterministic: the same evidence and inputs give byte-identical output in every format', async () => {
    const again = await report(w);
    for (const f of ['html', 'md', 'json', 'cdxa'] as const) assert.equal(renderReport(again, f), renderReport(full, f), f);
  });

  test('no fabrication: without the evaluation attestation, exactly the points that rested on it become missing and cite nothing', async () => {
    const w2 = await buildComplianceWorld(tempDir('mp-compliance-noeval-'), (specs) => specs.filter((s) => s.stage !== 'evaluation'));
    const r = await report(w2);
    assert.deepEqual(changed(full, r), [
      'eu-ai-act-annex-iv 2(g): partial -> missing',
      'eu-ai-act-annex-xi S2.1: partial -> missing',
      // Data and evaluation both serve MAP 2.3: with one of them gone it is no longer complete.
      'nist-ai-rmf MAP 2.3: evidence -> partial',
    ]);
    // Annex IV 4 and GOVERN 4.3 are H and S points: missing without a person's text either way; the metrics they showed are gone.
    assert.equal(point(full, 'eu-ai-act-annex-iv', '4').status, 'missing');
    assert.ok(point(full, 'eu-ai-act-annex-iv', '4').facts.length > 0, 'with the evaluation, its metrics support point 4');
    for (const [f, p] of [['eu-ai-act-annex-iv', '2(g)'], ['eu-ai-act-annex-iv', '4'], ['eu-ai-act-annex-xi', 'S2.1'], ['nist-ai-rmf', 'GOVERN 4.3']] as const) {
      assert.deepEqual(point(r, f, p).facts, [], `${f} ${p} cites nothing`);
      assert.match(point(r, f, p).needs!.join(' '), /evaluation-stage attestation|metrics byproducts|A person/);
    }
    assert.ok(!JSON.stringify(r).includes('metrics.json') && !JSON.stringify(r).includes('0.91'), 'no metric survives anywhere in the report');
  });

  test('no fabrication: without the training dataset digest, the training-data point becomes missing and cites nothing', async () => {
    const w3 = await buildComplianceWorld(tempDir('mp-compliance-nodata-'), (specs) => specs.map((s) => (s.stage === 'fine-tuning' ? { ...s, datasets: undefined } : s)));
    const r = await report(w3);
    assert.deepEqual(changed(full, r), ['eu-ai-act-annex-iv 2(d): partial -> missing']);
    assert.deepEqual(point(r, 'eu-ai-act-annex-iv', '2(d)').facts, []);
    assert.ok(!JSON.stringify(r).includes(DIGEST.sftData.slice(7)), 'the removed dataset digest appears nowhere');
    // The evaluation data is still cited where it serves.
    assert.match(point(r, 'eu-ai-act-annex-xi', '2(c)').facts.map((f) => f.text).join(' '), /eval-data/);
  });

  test('an ML-BOM altered inside the registry is listed as not verified with its reason, never skipped', async () => {
    const copy = join(tempDir('mp-compliance-bomtamper-'), '.provenance');
    const { cpSync, readdirSync } = await import('node:fs');
    cpSync(w.registryDir, copy, { recursive: true });
    const dir = join(copy, 'blobs', 'sha256');
    const name = readdirSync(dir).find((f) => {
      const b = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      return JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8')).predicateType === 'https://cyclonedx.org/bom';
    })!;
    assert.ok(name, 'the world signs an ML-BOM into the registry');
    const id = `sha256:${name.replace(/\.json$/, '')}`;
    const blob = join(dir, name);
    const bundle = JSON.parse(readFileSync(blob, 'utf8'));
    const payload = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    payload.predicate.metadata.component.version = 'swapped';
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(payload)).toString('base64');
    writeFileSync(blob, JSON.stringify(bundle));

    const r = await report(w, copy);
    const item = r.evidence.find((e) => e.ref === id)!;
    assert.ok(item, `the altered ML-BOM ${id} is listed in the evidence`);
    assert.deepEqual([item.kind, item.verified, item.location], ['manifest', false, 'registry']);
    assert.match(item.reason!, /\[REGISTRY_BLOB_CORRUPT\]$|\[ATTESTATION_SIGNATURE_INVALID\]$/);
    // The file beside the model is no longer matched by a signed copy: unsigned, not verified.
    assert.equal(r.verification.manifest.signed, false);
    assert.ok(!JSON.stringify(r.frameworks).includes('swapped'), 'nothing of the altered ML-BOM is stated');
    assert.match(renderReport(r, 'md'), new RegExp(`${id.slice(7, 19)}`));
    assert.deepEqual(validateAgainst('compliance-report', JSON.parse(renderReport(r, 'json'))), []);
  });

  test('a tampered attestation is shown as not verified, and the completeness drops', async () => {
    const id = w.attestations['fine-tuning:ft']!;
    const copy = join(tempDir('mp-compliance-tamper-'), '.provenance');
    const { cpSync } = await import('node:fs');
    cpSync(w.registryDir, copy, { recursive: true });
    const blob = join(copy, 'blobs', 'sha256', `${id.slice(7)}.json`);
    const bundle = JSON.parse(readFileSync(blob, 'utf8'));
    const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8').replace('"epochs":3', '"epochs":1');
    assert.ok(payload.includes('"epochs":1'));
    bundle.dsseEnvelope.payload = Buffer.from(payload).toString('base64');
    writeFileSync(blob, JSON.stringify(bundle));
    assert.doesNotThrow(() => parseBundle(readFileSync(blob, 'utf8'), blob));

    const r = await report(w, copy);
    const item = r.evidence.find((e) => e.ref === id)!;
    assert.equal(item.verified, false);
    assert.match(item.reason!, /\[REGISTRY_BLOB_CORRUPT\]|\[ATTESTATION_SIGNATURE_INVALID\]/);
    assert.equal(r.verification.chain.verdict, 'failed');
    // Altered bytes under a trusted key: the attestation is ignored (ATTESTATION_SIGNATURE_INVALID), so its link is missing.
    assert.ok(r.verification.chain.problems.some((p) => p.code === 'MISSING_LINK' && /ATTESTATION_SIGNATURE_INVALID/.test(p.message)), JSON.stringify(r.verification.chain.problems));
    assert.deepEqual(r.chain.filter((s) => !s.verified).map((s) => [s.attestation, s.role]), [[id, 'unverified']]);
    // Shown where it would have served, as not verified; never as a fact.
    const dev = point(r, 'eu-ai-act-annex-iv', '2(a)');
    assert.equal(dev.status, 'partial');
    assert.ok(dev.facts.some((f) => !f.verified && f.evidence.includes(id) && /^NOT VERIFIED/.test(f.text)));
    assert.ok(!dev.facts.some((f) => f.verified && f.evidence.includes(id)));
    assert.ok(!JSON.stringify(r).includes('epochs = 1'), 'the tampered claim is never stated');
    for (let i = 0; i < r.frameworks.length; i++) assert.ok(r.frameworks[i]!.completeness.score < full.frameworks[i]!.completeness.score, r.frameworks[i]!.id);
    // The altered attestation is the named cause (newcomer re-check 2, item 1): one code for one cause,
    // a failed node naming it, what lies beyond it said to be unchecked, and the summary naming it first.
    assert.equal((item.reason!.match(/\[[A-Z_]+\]/g) ?? []).join(' '), '[ATTESTATION_SIGNATURE_INVALID]');
    assert.equal(r.chain.find((s) => s.attestation === id)!.name, 'ft');
    const ft = r.lineage.nodes.find((n) => n.label === 'ft')!;
    assert.equal(ft.status, 'failed');
    assert.deepEqual(ft.details!.slice(1), ['attestation altered after signing', 'ATTESTATION_SIGNATURE_INVALID, MISSING_LINK']);
    assert.deepEqual(r.lineage.notes, [`Beyond base model "ft" (${ft.id.slice(0, 19)}…) nothing was checked: its attestation did not verify [ATTESTATION_SIGNATURE_INVALID], so what it claims to derive from (base models, adapters, datasets) is not drawn.`]);
    assert.deepEqual(chainCauses(r), ['ATTESTATION_SIGNATURE_INVALID on the fine-tuning attestation of base model "ft"', 'MISSING_LINK on base model "ft"']);
    const md = renderReport(r, 'md');
    assert.match(md, /\| Chain of custody \| failed: ATTESTATION_SIGNATURE_INVALID on the fine-tuning attestation of base model "ft"; MISSING_LINK on base model "ft" \|/);
    assert.ok(md.includes('_Beyond base model "ft"'), 'the note is in the Markdown');
    assert.ok(renderReport(r, 'html').includes('<strong>Cause:</strong> ATTESTATION_SIGNATURE_INVALID on the fine-tuning attestation of base model &quot;ft&quot;'), 'the first screen names the cause');
    // ATLAS M0013: the verified count is a fact, the altered one a line of its own.
    const m13 = r.threatModel.mitigations.find((m) => m.id === 'AML.M0013')!;
    assert.ok(m13.statements.some((x) => x.verified && /^\d+ of \d+ attestation\(s\) verify under the trust policy/.test(x.text)));
    assert.ok(m13.statements.some((x) => !x.verified && x.text.startsWith(`The fine-tuning attestation ${id.slice(0, 19)}… of "ft" did not verify:`)));
    // Every point resting on per-stage chain evidence loses its completeness; nothing else moves.
    assert.deepEqual(changed(full, r), [
      'eu-ai-act-annex-iv 1(c): evidence -> partial',
      'eu-ai-act-annex-iv 2(a): evidence -> partial',
      'eu-ai-act-annex-iv 2(b): evidence -> partial',
      'eu-ai-act-annex-iv 2(c): evidence -> partial',
      'eu-ai-act-annex-iv 6: evidence -> partial',
      'eu-ai-act-annex-xi 2(d): evidence -> partial',
      'eu-ai-act-annex-xii 1(e): evidence -> partial',
      'nist-ai-rmf GOVERN 1.6: evidence -> partial',
      'nist-ai-rmf GOVERN 6.1: evidence -> partial',
      'nist-ai-rmf MAP 2.1: evidence -> partial',
      'nist-ai-rmf MAP 2.3: evidence -> partial',
      'nist-ai-rmf MAP 4.1: evidence -> partial',
      'nist-ai-rmf MAP 4.2: evidence -> partial',
    ]);
    assert.deepEqual(r.frameworks.map((f) => f.completeness.score), [34.8, 50, 50, 16.7]);
    const html = renderReport(r, 'html');
    assert.ok(html.includes('NOT VERIFIED'));
  });

  test('without a policy nothing verifies: every piece of evidence is shown as not verified', async () => {
    const r = await buildReport({ registry: new LocalRegistry(w.registryDir), modelPath: w.models.quantized, frameworks: ['eu-ai-act-annex-iv'], date: DATE });
    assert.equal(r.verification.chain.verdict, 'unverified');
    assert.ok(r.evidence.every((e) => !e.verified || e.kind === 'inputs'));
    assert.ok(r.frameworks[0]!.points.every((p) => p.status !== 'evidence'));
  });

  test('tracker.report: the library face gives the same report', async () => {
    const tracker = new ProvenanceTracker({ registry: w.registryDir });
    const r = await tracker.report({ modelPath: w.models.quantized, frameworks: ['eu-ai-act-annex-iv'], inputs: w.inputsPath, policy: w.policyPath, date: DATE });
    assert.deepEqual(statuses(r)['eu-ai-act-annex-iv'], statuses(full)['eu-ai-act-annex-iv']);
    assert.equal(Object.keys(FRAMEWORKS).length, 4);
  });
});
