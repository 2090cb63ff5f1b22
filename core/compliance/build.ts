import { InputError } from '../errors';
import type { ModelScope } from '../model/enumerate';
import { optionName, type OptionNames } from '../option-names';
import type { Policy } from '../policy/policy';
import type { Registry } from '../registry/registry';
import { graphFromChain, markAffected } from '../render/lineage-graph';
import { concernFact, concernGaps } from './concerns';
import { evidenceFor } from './evidence';
import { FRAMEWORKS, FRAMEWORK_IDS, needsEvidence, needsPerson, type FrameworkId } from './frameworks';
import { gatherEvidence, type Gathered } from './gather';
import { inputFor, type ReportInputs } from './inputs';
import { REPORT_SCHEMA_ID, type ChainStep, type Completeness, type ComplianceReport, type EvidenceItem, type Fact, type FrameworkReport, type PointReport, type PointStatus, type VerificationSummary } from './model';
import { buildThreatModel } from './threat-model';
import { isDangerous } from '../inspect/codes';

declare const PACKAGE_VERSION: string;

export interface ReportOptions {
  registry: Registry;
  /** Without a policy nothing verifies: every piece of evidence is shown as not verified. */
  policy?: Policy;
  modelPath?: string;
  digest?: string;
  /**
   * Which files make up the model at `modelPath` (ignore paths etc.), as it is signed and
   * attested: its chain is found by the root digest hashed with it, its signature verified
   * and its files inspected with it. Needs `modelPath`.
   */
  scope?: ModelScope;
  frameworks: readonly FrameworkId[];
  /** report-inputs.json path, or inputs already read. */
  inputs?: string | { file: string; doc: ReportInputs; digest: string; text?: string };
  manifestPath?: string;
  signaturePath?: string;
  /** The report date: ISO 8601 (date or date-time). Default: SOURCE_DATE_EPOCH, else now. */
  date?: string;
  checkArtifacts?: boolean;
  /** By digest only: report on a digest the registry knows nothing of (every point missing) instead of refusing it (DIGEST_NOT_IN_REGISTRY, an InputError). */
  allowUnattested?: boolean;
  signal?: AbortSignal;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

/**
 * The report date, so that the same evidence gives the same bytes: an explicit date
 * (`2026-11-20` or a full ISO 8601 time), else SOURCE_DATE_EPOCH (seconds since 1970,
 * reproducible-builds.org), else the clock. Returned as `YYYY-MM-DDTHH:MM:SSZ`.
 */
export function reportDate(explicit?: string, env: NodeJS.ProcessEnv = process.env, optionNames?: OptionNames): string {
  let ms: number;
  if (explicit !== undefined) {
    ms = /^\d{4}-\d{2}-\d{2}$/.test(explicit) ? Date.parse(`${explicit}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(explicit) ? Date.parse(explicit) : Number.NaN;
    if (Number.isNaN(ms)) throw new InputError('USAGE', `${optionName(optionNames, 'date')} "${explicit}" is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)`);
  } else if (env.SOURCE_DATE_EPOCH !== undefined && env.SOURCE_DATE_EPOCH !== '') {
    if (!/^\d{1,12}$/.test(env.SOURCE_DATE_EPOCH)) throw new InputError('USAGE', `SOURCE_DATE_EPOCH "${env.SOURCE_DATE_EPOCH}" is not a number of seconds`);
    ms = Number(env.SOURCE_DATE_EPOCH) * 1000;
  } else ms = Date.now();
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Builds a regulatory report for a model from signed evidence: gathers the evidence
 * through core's verifiers, then states per point of each framework what verified
 * evidence says (each fact citing it) and what a named person wrote, with a status and a
 * completeness score. Nothing is invented: a point with neither is `missing` and says
 * what would fill it.
 */
export async function buildReport(o: ReportOptions): Promise<ComplianceReport> {
  if (o.frameworks.length === 0) throw new InputError('USAGE', `name at least one framework (${FRAMEWORK_IDS.join(', ')})`);
  for (const f of o.frameworks) if (!FRAMEWORK_IDS.includes(f)) throw new InputError('USAGE', `unknown framework "${f}" (one of ${FRAMEWORK_IDS.join(', ')})`);
  const date = reportDate(o.date, process.env, o.optionNames);
  // A date a person gives (--date) is a moment, not a clock reading: evidence dated after it
  // did not exist yet, with no allowance. SOURCE_DATE_EPOCH is a build's reproducibility stamp
  // (often the commit time, set before the pipeline attests), so like the clock it keeps the
  // chain's allowance for clock drift between machines (one day).
  const declared = o.date !== undefined;
  const g = await gatherEvidence({ ...o, now: new Date(date), ...(declared ? { clockSkewMs: 0 } : {}) });
  return reportFromEvidence(g, [...new Set(o.frameworks)], date);
}

/** The report for evidence already gathered (pure: same evidence, same report). */
export function reportFromEvidence(g: Gathered, frameworks: readonly FrameworkId[], date: string): ComplianceReport {
  const evidence = collectEvidence(g);
  const known = new Set(evidence.map((e) => e.ref));
  const frameworkReports = frameworks.map((id) => frameworkReport(id, g));
  for (const f of frameworkReports) for (const p of f.points) for (const fa of p.facts) for (const r of fa.evidence) if (!known.has(r)) throw new Error(`internal: a fact cites ${r}, which is not in the evidence list`);
  // "flagged" is the policy's flagged list only; a denied dataset in use is a failed check (DATASET_DENIED), drawn as such.
  const flagged = g.policy?.flagged.map((f) => f.digest).filter((d): d is string => !!d) ?? [];
  const threatModel = buildThreatModel(g);
  // Citations in the order of the evidence list (E1, E2…), whatever order the facts named them in.
  const order = new Map(evidence.map((e, i) => [e.ref, i]));
  const sortCites = (f: Fact): void => void f.evidence.sort((a, b) => order.get(a)! - order.get(b)!);
  for (const f of frameworkReports) for (const p of f.points) p.facts.forEach(sortCites);
  for (const m of threatModel.mitigations) m.statements.forEach(sortCites);
  return {
    $schema: REPORT_SCHEMA_ID,
    reportVersion: 1,
    date,
    generator: { name: 'model-provenance', version: typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev' },
    model: g.model,
    verification: verificationSummary(g),
    chain: chainSteps(g),
    // Nothing made from a flagged, failed or changed input is drawn green (the editor draws the same).
    lineage: markAffected(graphFromChain(g.chain, { flagged })),
    evidence,
    frameworks: frameworkReports,
    threatModel,
    ...(g.inputs ? { inputs: { file: g.inputs.item.location ?? 'report-inputs.json', digest: g.inputs.item.digest, authors: authorsOf(g, frameworks), ...(g.inputs.doc.subject ? { subject: g.inputs.doc.subject } : {}) } } : {}),
  };
}

function authorsOf(g: Gathered, frameworks: readonly FrameworkId[]): string[] {
  const out = new Set<string>();
  for (const f of frameworks) for (const e of Object.values(g.inputs?.doc[f] ?? {})) if (e.text.trim() && e.author) out.add(e.author);
  return [...out].sort();
}

function collectEvidence(g: Gathered): EvidenceItem[] {
  const items = [g.policyItem, g.signature?.item, g.manifest?.item, g.inspection?.item, ...g.stages.map((s) => s.item), ...g.unverified, g.inputs?.item].filter((i): i is EvidenceItem => i !== undefined);
  const byRef = new Map<string, EvidenceItem>();
  for (const i of items) if (!byRef.has(i.ref)) byRef.set(i.ref, i);
  const order = { policy: 0, 'model-signature': 1, attestation: 2, manifest: 3, inspection: 4, inputs: 5 };
  return [...byRef.values()].sort((a, b) => order[a.kind] - order[b.kind] || (a.time ?? '').localeCompare(b.time ?? '') || a.ref.localeCompare(b.ref));
}

function frameworkReport(id: FrameworkId, g: Gathered): FrameworkReport {
  const def = FRAMEWORKS[id];
  const leaves: PointReport[] = [];
  const items = new Map(collectEvidence(g).map((e) => [e.ref, e]));
  const points: PointReport[] = def.points.map((p) => {
    if (!p.fill) return { id: p.id, title: p.title, description: p.description, status: 'missing', facts: [] };
    const kinds = p.evidence ?? [];
    const answers = kinds.map((k) => evidenceFor(k, g));
    // A chain problem reaches exactly the facts it concerns (concerns.ts): they become claims with the problem named.
    const facts = dedupeFacts(answers.flatMap((a) => a.facts)).map((f) => concernFact(f, g.concerns, items));
    // Every kind of evidence a point names must speak: release date and distribution both, say.
    const silent = answers.filter((a) => !a.facts.some((f) => f.verified)).map((a) => `not yet: ${a.fills}`);
    const gaps = [...new Set([...answers.flatMap((a) => a.gaps), ...concernGaps(facts, kinds, g.concerns), ...(answers.length > 1 ? silent : [])])];
    const person = inputFor(g.inputs?.doc, id, p.id);
    const verified = facts.some((f) => f.verified);
    const evidenceComplete = verified && gaps.length === 0 && !facts.some((f) => !f.verified);
    let status: PointStatus;
    let complete: boolean;
    if (p.fill === 'H' || p.fill === 'S') {
      // Only a person answers these: facts shown beside them support a person's account and earn nothing alone.
      complete = person !== undefined;
      status = complete ? 'person' : 'missing';
    } else {
      complete = (!needsEvidence(p.fill) || evidenceComplete) && (!needsPerson(p.fill) || person !== undefined);
      status = complete ? 'evidence' : verified || person ? 'partial' : 'missing';
    }
    const needs: string[] = [];
    if (!complete) {
      if (needsEvidence(p.fill) && !evidenceComplete) {
        // The evidence is there and only chain checks about it failed: asking for it again would send the reader after the wrong thing.
        const ownGaps = answers.flatMap((a) => a.gaps).length + (answers.length > 1 ? silent.length : 0);
        const onlyChecks = ownGaps === 0 && facts.length > 0 && facts.every((f) => f.verified || (f.problems?.length ?? 0) > 0) && gaps.length > 0;
        needs.push(onlyChecks ? 'Evidence: present, but the chain checks named below failed on it; it counts once they pass (restore what changed, or attest again what was really used).' : `Evidence: ${answers.map((a) => a.fills).join('; ') || 'none can fill it'}.`);
        for (const gap of gaps) needs.push(`Gap: ${gap}.`);
      }
      if (needsPerson(p.fill) && !person) needs.push(`A person: ${p.asks ?? p.description} (report-inputs.json, ${id} "${p.id}", with author and date).`);
    }
    const r: PointReport = {
      id: p.id,
      ...(p.parent ? { parent: p.parent } : {}),
      title: p.title,
      description: p.description,
      fill: p.fill,
      status,
      ...(p.evidence?.length ? { evidenceKinds: p.evidence } : {}),
      facts,
      ...(person ? { person } : {}),
      ...(needs.length ? { needs } : {}),
    };
    leaves.push(r);
    return r;
  });
  // A group's status follows its sub-points; groups do not count in the score.
  for (const group of points.filter((p) => !p.fill)) {
    const kids = points.filter((p) => p.parent === group.id);
    const st = kids.map((k) => k.status);
    group.status = st.every((s) => s === 'missing') ? 'missing' : st.every((s) => s === 'evidence' || s === 'person') ? (st.includes('evidence') ? 'evidence' : 'person') : 'partial';
  }
  return { id, title: def.title, short: def.short, source: def.source, scope: def.scope, completeness: completeness(leaves), points };
}

function dedupeFacts(facts: Fact[]): Fact[] {
  const seen = new Set<string>();
  return facts.filter((f) => (seen.has(f.text) ? false : (seen.add(f.text), true)));
}

/** The one completeness formula every format prints: (evidence + person + partial / 2) / points, as a percentage with one decimal. */
export function completeness(points: readonly { status: PointStatus }[]): Completeness {
  const n = (s: PointStatus): number => points.filter((p) => p.status === s).length;
  const c = { evidence: n('evidence'), person: n('person'), partial: n('partial'), missing: n('missing'), points: points.length };
  const score = c.points === 0 ? 0 : Math.round(((c.evidence + c.person + c.partial / 2) / c.points) * 1000) / 10;
  return { score, ...c };
}

function chainSteps(g: Gathered): ChainStep[] {
  const steps: ChainStep[] = g.stages.map((s) => ({
    stage: s.provenance.stage,
    name: s.provenance.subject.name,
    digest: s.provenance.subject.digest,
    attestation: s.item.ref,
    ...(s.item.signer ? { signer: s.item.signer } : {}),
    ...(s.item.time ? { time: s.item.time } : {}),
    verified: s.item.verified,
    role: s.role,
    ...(s.item.reason ? { reason: s.item.reason } : {}),
  }));
  for (const u of g.unverified) steps.push({ stage: u.stage ?? 'unknown', name: u.subjectName ?? '', digest: u.subject ?? '', attestation: u.ref, verified: false, role: 'unverified', ...(u.reason ? { reason: u.reason } : {}) });
  return steps;
}

function verificationSummary(g: Gathered): VerificationSummary {
  const sig = g.signature;
  const ins = g.inspection;
  const dangerous = ins ? [...ins.result.findings.map((f) => ({ f, file: undefined as string | undefined })), ...ins.result.files.flatMap((x) => x.findings.map((f) => ({ f, file: x.name })))].filter((x) => isDangerous(x.f)) : [];
  return {
    chain: { verdict: g.chain.verdict, ...(g.policyItem?.location ? { policy: g.policyItem.location } : {}), problems: g.chain.problems.map((p) => ({ code: p.code, message: p.message, ...(p.digest ? { digest: p.digest } : {}), ...(p.attestation ? { attestation: p.attestation } : {}), ...(p.input ? { input: p.input } : {}) })) },
    signature: !sig
      ? { status: 'absent', problems: [] }
      : {
          status: sig.item.verified ? 'verified' : g.policy ? 'failed' : 'not-checked',
          ...(sig.item.signer ? { signer: sig.item.signer } : {}),
          ...(sig.item.location ? { file: sig.item.location } : {}),
          ...(sig.result ? { files: sig.result.files.length } : {}),
          problems: sig.result ? sig.result.problems.map((p) => ({ code: p.code, message: p.file ? `${p.file}: ${p.message}` : p.message })) : sig.item.verified ? [] : [{ code: /\[([A-Z_]+)\]$/.exec(sig.item.reason ?? '')?.[1] ?? 'UNVERIFIED', message: sig.item.reason ?? 'not verified' }],
        },
    manifest: !g.manifest
      ? { status: 'absent', errors: [] }
      : { status: g.manifest.errors.length ? 'invalid' : 'valid', ...(g.manifest.item.location ? { file: g.manifest.item.location } : {}), signed: g.manifest.item.verified, ...(g.manifest.item.signer ? { signer: g.manifest.item.signer } : {}), ...(g.manifest.changedAfterSigning ? { changedAfterSigning: g.manifest.changedAfterSigning } : {}), errors: g.manifest.errors },
    inspection: !ins
      ? { status: 'not-run' }
      : { status: dangerous.length ? 'dangerous' : 'clean', files: ins.result.files.length, formats: [...new Set(ins.result.files.map((f) => f.format))].sort(), ...(dangerous.length ? { dangerous: dangerous.map((d) => ({ code: d.f.code, message: d.f.message, ...(d.file ? { file: d.file } : {}) })) } : {}) },
  };
}
