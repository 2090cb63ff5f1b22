import type { Dependency } from '../attest/types';
import { optionName } from '../option-names';
import { isObject } from '../io/json';
import { isDangerous } from '../inspect/codes';
import type { EvidenceKind } from './frameworks';
import type { Gathered, StageRecord } from './gather';
import type { EvidenceItem, Fact } from './model';

/**
 * What one kind of evidence says: facts, each built mechanically from a verified (or
 * plainly marked unverified) piece of evidence and citing it; gaps, which keep a point from
 * being complete; and what would fill it when nothing does.
 */
export interface EvidenceAnswer {
  facts: Fact[];
  gaps: string[];
  fills: string;
}

type Provider = (g: Gathered) => EvidenceAnswer;

const short = (d: string): string => `${d.slice(0, 19)}…`;
/** A fact citing `items`; `inputs` are the digests of the inputs it names, so that a chain problem with one of them reaches it (concerns.ts). */
const fact = (text: string, items: EvidenceItem[], inputs: string[] = []): Fact => ({
  text,
  evidence: [...new Set(items.map((i) => i.ref))],
  verified: items.length > 0 && items.every((i) => i.verified),
  ...(inputs.length ? { inputs: [...new Set(inputs)].sort() } : {}),
});
const producers = (g: Gathered): StageRecord[] => g.stages.filter((s) => s.role === 'producer');
const annotations = (g: Gathered, stage?: string): StageRecord[] => g.stages.filter((s) => s.role === 'annotation' && (!stage || s.provenance.stage === stage));
const when = (s: StageRecord): string => s.provenance.finishedOn ?? s.provenance.startedOn ?? 'no time recorded';
const named = (d: Dependency): string => `${d.name ? `"${d.name}" ` : ''}${short(d.digest)}`;

/** The unverified attestations, as claims: shown, never counted. */
function unverifiedClaims(g: Gathered, stage?: string, producersOnly = false): { facts: Fact[]; gaps: string[] } {
  // A claimed evaluation or release says nothing about what only producing stages record; a claim of no known stage might.
  const items = g.unverified.filter((u) => (!stage || u.stage === stage) && !(producersOnly && (u.stage === 'evaluation' || u.stage === 'release')));
  return {
    facts: items.map((u) => fact(`NOT VERIFIED: an attestation${u.stage ? ` claiming the ${u.stage} stage` : ''} about ${short(u.subject ?? '')} (${short(u.ref)}): ${u.reason ?? 'not verified'}`, [u])),
    gaps: items.map((u) => `attestation ${short(u.ref)}${u.stage ? ` (${u.stage})` : ''} did not verify${/\[([A-Z_]+)\]$/.exec(u.reason ?? '') ? ` [${/\[([A-Z_]+)\]$/.exec(u.reason ?? '')![1]}]` : ''}`),
  };
}

/** Chain gaps reported by the chain walker, as gaps of the points that rest on the chain. */
function chainGaps(g: Gathered): string[] {
  return g.chain.problems.filter((p) => p.code === 'MISSING_LINK' || p.code === 'REQUIRED_STAGE_MISSING' || p.code === 'UNTRUSTED_SIGNER').map((p) => `${p.code}: ${p.message}`);
}

function metricLeaves(content: unknown, prefix = '', out: [string, string][] = []): [string, string][] {
  if (out.length >= 50) return out;
  if (typeof content === 'number' || typeof content === 'string' || typeof content === 'boolean') out.push([prefix || 'value', String(content)]);
  else if (Array.isArray(content)) content.slice(0, 20).forEach((v, i) => metricLeaves(v, `${prefix}[${i}]`, out));
  else if (isObject(content)) for (const k of Object.keys(content).sort()) metricLeaves(content[k], prefix ? `${prefix}.${k}` : k, out);
  return out;
}

function metricFacts(s: StageRecord): Fact[] {
  const out: Fact[] = [];
  for (const b of s.provenance.byproducts ?? []) {
    const leaves = b.content === undefined ? [] : metricLeaves(b.content);
    if (leaves.length) out.push(fact(`${b.name ?? 'byproduct'} of the ${s.provenance.stage} stage (signed by ${s.item.signer}): ${leaves.map(([k, v]) => `${k} = ${v}`).join(', ')}`, [s.item]));
    else if (b.digest || b.uri) out.push(fact(`${b.name ?? 'byproduct'} of the ${s.provenance.stage} stage: ${b.uri ?? ''}${b.digest ? ` ${short(b.digest)}` : ''}`.trim(), [s.item]));
  }
  return out;
}

function bomModel(g: Gathered): Record<string, unknown> | undefined {
  const meta = g.manifest && isObject(g.manifest.bom.metadata) ? g.manifest.bom.metadata : undefined;
  return meta && isObject(meta.component) ? meta.component : undefined;
}

function licenceNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((l) => {
    if (!isObject(l)) return [];
    if (typeof l.expression === 'string') return [l.expression];
    const lic = isObject(l.license) ? l.license : undefined;
    return lic ? [String(lic.id ?? lic.name ?? '')].filter(Boolean) : [];
  });
}

const PROVIDERS: Record<EvidenceKind, Provider> = {
  identity: (g) => {
    const facts: Fact[] = [];
    const top = producers(g).find((s) => s.depth === 0);
    if (top) facts.push(fact(`Model "${top.provenance.subject.name}" (${g.model.digest}) was produced by the ${top.provenance.stage} stage, signed by ${top.item.signer}, ${when(top)}.`, [top.item]));
    else if (g.signature?.item.verified) facts.push(fact(`Model "${g.model.name}" (${g.model.digest}) is signed by ${g.signature.item.signer}.`, [g.signature.item]));
    for (const s of producers(g).filter((x) => x.depth > 0)) {
      facts.push(fact(`${s.consumerRole === 'adapter' ? 'Adapter' : 'Earlier version'} on the chain: "${s.provenance.subject.name}" (${short(s.provenance.subject.digest)}), ${s.provenance.stage} signed by ${s.item.signer}, ${when(s)}.`, [s.item]));
    }
    const m = bomModel(g);
    if (m && g.manifest) {
      const supplier = isObject(m.supplier) ? m.supplier.name : isObject(m.manufacturer) ? m.manufacturer.name : undefined;
      const parts = [typeof m.version === 'string' ? `version ${m.version}` : '', typeof supplier === 'string' ? `supplier ${supplier}` : '', typeof m.group === 'string' ? `group ${m.group}` : ''].filter(Boolean);
      if (parts.length) facts.push(fact(`The ML-BOM records ${parts.join(', ')}.`, [g.manifest.item]));
    }
    return { facts, gaps: [], fills: 'a verified attestation that produced this model (or a verified model signature), and a signed ML-BOM naming supplier and version' };
  },

  dependencies: (g) => {
    const facts: Fact[] = [];
    for (const s of producers(g)) {
      for (const d of s.provenance.dependencies.filter((x) => x.role !== 'dataset' && x.digest !== s.provenance.subject.digest)) {
        facts.push(fact(`The ${s.provenance.stage} stage of "${s.provenance.subject.name}" used ${d.role} ${named(d)}${d.uri ? ` from ${d.uri}` : ''}.`, [s.item], [d.digest]));
      }
    }
    for (const r of g.chain.externalRoots) if (g.policyItem) facts.push(fact(`${r.consumer.role} ${r.name ? `"${r.name}" ` : ''}${short(r.digest)} is allowed by the trust policy by digest, without an attestation.`, [g.policyItem], [r.digest]));
    return { facts, gaps: chainGaps(g), fills: 'verified stage attestations that name their base models, adapters, tokenizer and code' };
  },

  software: (g) => {
    const facts: Fact[] = [];
    const gaps: string[] = [];
    for (const s of g.stages) {
      const f = s.provenance.framework;
      const env = s.provenance.environment ? Object.entries(s.provenance.environment).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => `${k} ${String(v)}`) : [];
      if (f?.name || f?.version || env.length) facts.push(fact(`${s.provenance.stage} of "${s.provenance.subject.name}": ${[f?.name, f?.version].filter(Boolean).join(' ') || 'framework not recorded'}${env.length ? `; ${env.join(', ')}` : ''} (signed by ${s.item.signer}).`, [s.item]));
      else if (s.role === 'producer') gaps.push(`the ${s.provenance.stage} attestation records no framework or version`);
    }
    return { facts, gaps, fills: 'stage attestations recording the framework and its version (internalParameters.framework)' };
  },

  distribution: (g) => {
    const facts: Fact[] = [];
    for (const s of annotations(g, 'release')) facts.push(fact(`Release of "${s.provenance.subject.name}" (${short(s.provenance.subject.digest)}) attested by ${s.item.signer}, ${when(s)}${s.provenance.builderId ? `, by ${s.provenance.builderId}` : ''}.`, [s.item]));
    const m = bomModel(g);
    if (m && g.manifest && Array.isArray(m.externalReferences)) {
      for (const r of m.externalReferences) {
        if (isObject(r) && typeof r.url === 'string' && ['distribution', 'distribution-intake', 'website', 'vcs', 'model-card'].includes(String(r.type))) facts.push(fact(`The ML-BOM names a ${String(r.type)} reference: ${r.url}.`, [g.manifest.item]));
      }
    }
    return { facts, gaps: [], fills: 'a verified release-stage attestation, or distribution references in a signed ML-BOM' };
  },

  runtime: (g) => {
    const facts: Fact[] = [];
    const ins = g.inspection;
    if (ins) {
      const s = ins.result.summary;
      const dtypes = new Map<string, number>();
      for (const f of ins.result.files) if (f.details.kind === 'safetensors') for (const [k, v] of Object.entries(f.details.dtypes)) dtypes.set(k, (dtypes.get(k) ?? 0) + v);
      const parts = [`formats ${s.formats.join(', ') || 'none recognised'}`];
      if (dtypes.size) parts.push(`tensor types ${[...dtypes].sort().map(([k, v]) => `${k} (${v})`).join(', ')}`);
      if (s.quantization) parts.push(`quantization ${s.quantization}`);
      if (s.parameterCountExact) parts.push(`${s.parameterCountExact} parameters`);
      facts.push(fact(`Inspection of the model files: ${parts.join('; ')}.`, [ins.item]));
    }
    for (const s of producers(g).filter((x) => x.provenance.stage === 'quantization' || x.provenance.stage === 'conversion')) {
      const hp = s.provenance.hyperparameters ? Object.entries(s.provenance.hyperparameters).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`) : [];
      facts.push(fact(`${s.provenance.stage} of "${s.provenance.subject.name}" signed by ${s.item.signer}${hp.length ? `: ${hp.join(', ')}` : ''}.`, [s.item]));
    }
    return { facts, gaps: [], fills: 'inspection of the model files (the model on disk), or a quantization or conversion attestation' };
  },

  development: (g) => {
    const facts: Fact[] = producers(g).map((s) => {
      const base = s.provenance.dependencies.filter((d) => d.role === 'base-model' || d.role === 'adapter');
      return fact(
        `${s.provenance.stage}: "${s.provenance.subject.name}" (${short(s.provenance.subject.digest)}) signed by ${s.item.signer}, ${when(s)}${s.provenance.trainingRunId ? `, run ${s.provenance.trainingRunId}` : ''}${base.length ? `, from ${base.map((d) => `${d.role} ${named(d)}`).join(' and ')}` : ''}.`,
        [s.item],
        base.map((d) => d.digest),
      );
    });
    const u = unverifiedClaims(g);
    return { facts: [...facts, ...u.facts], gaps: [...chainGaps(g), ...u.gaps], fills: 'a verified lifecycle attestation for every stage, down to pre-training or a base model the policy allows' };
  },

  lifecycle: (g) => {
    const dev = PROVIDERS.development(g);
    const notes = annotations(g).map((s) => fact(`${s.provenance.stage} of "${s.provenance.subject.name}" (${short(s.provenance.subject.digest)}) attested by ${s.item.signer}, ${when(s)}.`, [s.item]));
    return { facts: [...dev.facts, ...notes], gaps: dev.gaps, fills: dev.fills };
  },

  design: (g) => {
    const facts: Fact[] = [];
    const ins = g.inspection;
    if (ins) {
      const s = ins.result.summary;
      const parts = [s.architecture && `architecture ${s.architecture}`, s.architectureFamily && `family ${s.architectureFamily}`, s.task && `task ${s.task}`, s.parameterCountExact && `${s.parameterCountExact} parameters`].filter(Boolean);
      if (parts.length) facts.push(fact(`Inspection of the model files: ${parts.join(', ')}.`, [ins.item]));
    }
    for (const s of producers(g)) {
      const hp = s.provenance.hyperparameters;
      if (hp && Object.keys(hp).length) facts.push(fact(`${s.provenance.stage} hyperparameters (signed by ${s.item.signer}): ${Object.keys(hp).sort().map((k) => `${k} = ${typeof hp[k] === 'string' ? hp[k] : JSON.stringify(hp[k])}`).join(', ')}.`, [s.item]));
      if (s.provenance.recipe?.uri) facts.push(fact(`${s.provenance.stage} recipe: ${s.provenance.recipe.uri}${s.provenance.recipe.digest ? ` (${short(s.provenance.recipe.digest)})` : ''}.`, [s.item]));
    }
    return { facts, gaps: [], fills: 'hyperparameters in the stage attestations, and inspection of the model files' };
  },

  compute: (g) => {
    const facts: Fact[] = [];
    const gaps: string[] = [];
    for (const s of g.stages) {
      const acc = s.provenance.hardware?.accelerators ?? [];
      const hours = durationHours(s);
      if (acc.length) {
        facts.push(fact(`${s.provenance.stage} of "${s.provenance.subject.name}": ${acc.map((a) => `${a.count ?? 1} × ${a.model}${a.driver ? ` (driver ${a.driver})` : ''}`).join(', ')}${s.provenance.startedOn && s.provenance.finishedOn ? `, ${s.provenance.startedOn} to ${s.provenance.finishedOn}${hours !== undefined ? ` (${hours} h)` : ''}` : ''} (signed by ${s.item.signer}).`, [s.item]));
      } else if (s.role === 'producer') gaps.push(`the ${s.provenance.stage} attestation records no hardware`);
    }
    return { facts, gaps, fills: 'stage attestations recording accelerators (internalParameters.hardware) and start and finish times' };
  },

  'energy-basis': (g) => {
    const facts: Fact[] = [];
    for (const s of g.stages) {
      const hours = durationHours(s);
      const count = (s.provenance.hardware?.accelerators ?? []).reduce((n, a) => n + (a.count ?? 1), 0);
      if (hours !== undefined && count > 0) facts.push(fact(`${s.provenance.stage}: ${count} accelerator(s) for ${hours} h = ${round1(count * hours)} accelerator-hours (a basis for an estimate, not an energy figure).`, [s.item]));
    }
    return { facts, gaps: [], fills: 'stage attestations recording accelerators with start and finish times (the energy figure itself comes from a person)' };
  },

  data: (g) => datasets(g, false),
  'training-data': (g) => datasets(g, true),

  evaluation: (g) => {
    const facts: Fact[] = [];
    for (const s of annotations(g, 'evaluation')) {
      const data = s.provenance.dependencies.filter((d) => d.role === 'dataset');
      facts.push(fact(`Evaluation of "${s.provenance.subject.name}" (${short(s.provenance.subject.digest)}) signed by ${s.item.signer}, ${when(s)}${s.provenance.trainingRunId ? `, run ${s.provenance.trainingRunId}` : ''}${data.length ? `, on ${data.map(named).join(', ')}` : ''}.`, [s.item], data.map((d) => d.digest)));
      facts.push(...metricFacts(s));
    }
    const u = unverifiedClaims(g, 'evaluation');
    return { facts: [...facts, ...u.facts], gaps: u.gaps, fills: 'a verified evaluation-stage attestation of the model, with its metrics as byproducts' };
  },

  metrics: (g) => {
    const facts = g.stages.flatMap(metricFacts);
    const u = unverifiedClaims(g, 'evaluation');
    return { facts: [...facts, ...u.facts], gaps: u.gaps, fills: 'metrics byproducts in verified attestations (evaluation or training)' };
  },

  security: (g) => {
    const facts: Fact[] = [];
    const gaps: string[] = [];
    const sig = g.signature;
    if (sig?.item.verified) facts.push(fact(`The model signature (OpenSSF Model Signing) verifies under ${sig.item.signer}${sig.result ? `, and all ${sig.result.files.length} file(s) match their signed digests` : ''}.`, [sig.item]));
    else if (sig) {
      facts.push(fact(`NOT VERIFIED: the model signature ${sig.item.location ?? ''}: ${sig.item.reason ?? ''}`, [sig.item]));
      gaps.push('the model signature did not verify');
    } else gaps.push('no model signature was found');
    const attested = g.stages.filter((s) => s.item.verified);
    if (attested.length) facts.push(fact(`${attested.length} attestation(s) on the chain verify under the trust policy (${[...new Set(attested.map((s) => s.item.signer))].sort().join(', ')}).`, attested.map((s) => s.item)));
    if (g.chain.verdict !== 'verified') gaps.push(`the chain is ${g.chain.verdict}${g.chain.problems.length ? ` (${[...new Set(g.chain.problems.map((p) => p.code))].join(', ')})` : ''}`);
    const ins = g.inspection;
    if (ins) {
      const dangerous = [...ins.result.findings, ...ins.result.files.flatMap((f) => f.findings)].filter(isDangerous);
      const pickle = ins.result.files.filter((f) => f.details.kind === 'pickle' || f.details.kind === 'pytorch-zip');
      const what = `${ins.result.files.length} model file(s) inspected (headers only${pickle.length ? `, ${pickle.length} pickle file(s) scanned for imports` : ''})`;
      if (dangerous.length) {
        facts.push(fact(`${what}: ${dangerous.length} dangerous finding(s): ${dangerous.slice(0, 3).map((d) => `${d.code}`).join(', ')}.`, [ins.item]));
        gaps.push('the inspection found dangerous content');
      } else facts.push(fact(`${what}: no dangerous finding${pickle.length ? ', no dangerous pickle globals' : ''}.`, [ins.item]));
    }
    if (g.policyItem && g.policy) facts.push(fact(`Trust policy ${g.policyItem.location} names ${g.policy.signers.length} signer(s)${Object.keys(g.policy.stageSigners).length ? `, with signers fixed for ${Object.keys(g.policy.stageSigners).sort().join(', ')}` : ''}${g.policy.requiredStages.length ? `, and requires ${g.policy.requiredStages.join(', ')}` : ''}.`, [g.policyItem]));
    return { facts, gaps, fills: 'a model signature and a chain that verify under the trust policy, and the model files at hand for inspection' };
  },

  limitations: (g) => {
    const facts: Fact[] = [];
    const m = bomModel(g);
    const card = m && isObject(m.modelCard) ? m.modelCard : undefined;
    const cons = card && isObject(card.considerations) ? card.considerations : undefined;
    if (cons && g.manifest) {
      for (const k of Object.keys(cons).sort()) {
        const v = cons[k];
        const items = Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : isObject(x) ? String(x.name ?? x.description ?? JSON.stringify(x)) : String(x))) : [];
        if (items.length) facts.push(fact(`ML-BOM model card, ${k}: ${items.join('; ')}.`, [g.manifest.item]));
      }
    }
    return { facts, gaps: [], fills: 'a signed ML-BOM whose model card records considerations (limitations, risks)' };
  },

  architecture: (g) => {
    const ins = g.inspection;
    if (!ins) return { facts: [], gaps: [], fills: 'inspection of the model files (give the model path, not only its digest)' };
    const s = ins.result.summary;
    const parts = [s.architecture && `architecture ${s.architecture}`, s.architectureFamily && `family ${s.architectureFamily}`, s.parameterCountExact && `${s.parameterCountExact} parameters`, s.quantization && `quantization ${s.quantization}`, s.formats.length && `formats ${s.formats.join(', ')}`].filter(Boolean);
    const gaps = s.parameterCountExact ? [] : ['the inspection could not count the parameters'];
    return { facts: parts.length ? [fact(`Inspection of the model files: ${parts.join(', ')}.`, [ins.item])] : [], gaps, fills: 'inspection of the model files (give the model path, not only its digest)' };
  },

  'io-format': (g) => {
    const facts: Fact[] = [];
    const m = bomModel(g);
    const mp = m && isObject(m.modelCard) && isObject(m.modelCard.modelParameters) ? m.modelCard.modelParameters : undefined;
    const fmt = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (isObject(x) ? String(x.format ?? '') : '')).filter(Boolean) : []);
    if (mp && g.manifest && (fmt(mp.inputs).length || fmt(mp.outputs).length || typeof mp.task === 'string')) {
      facts.push(fact(`The ML-BOM records${typeof mp.task === 'string' ? ` task ${mp.task},` : ''} inputs ${fmt(mp.inputs).join(', ') || 'not stated'} and outputs ${fmt(mp.outputs).join(', ') || 'not stated'}.`, [g.manifest.item]));
    }
    if (g.inspection?.result.summary.task) facts.push(fact(`Inspection of the model files: task ${g.inspection.result.summary.task}.`, [g.inspection.item]));
    return { facts, gaps: [], fills: 'a signed ML-BOM recording modelCard.modelParameters inputs and outputs, or the task from inspection' };
  },

  licence: (g) => {
    const m = bomModel(g);
    const names = [...licenceNames(m?.licenses), ...licenceNames(isObject(g.manifest?.bom.metadata) ? (g.manifest!.bom.metadata as Record<string, unknown>).licenses : undefined)];
    const facts = names.length && g.manifest ? [fact(`The ML-BOM records the licence ${[...new Set(names)].join(', ')}.`, [g.manifest.item])] : [];
    return { facts, gaps: [], fills: 'a signed ML-BOM that records the model licence: add it to metadata.component.licenses of the BOM (an SPDX id), then model-provenance manifest sign' };
  },

  release: (g) => {
    const rel = annotations(g, 'release');
    const facts = rel.map((s) => fact(`Released ${when(s)} (release attestation signed by ${s.item.signer}).`, [s.item]));
    return { facts, gaps: [], fills: 'a verified release-stage attestation of the model' };
  },

  signers: (g) => {
    const facts = g.stages.map((s) => fact(`${s.provenance.stage} of "${s.provenance.subject.name}" signed by ${s.item.signer}.`, [s.item]));
    if (g.policy && g.policyItem) {
      for (const [stage, names] of Object.entries(g.policy.stageSigners).sort()) facts.push(fact(`The trust policy allows only ${names!.join(', ')} to sign ${stage}.`, [g.policyItem]));
    }
    return { facts, gaps: [], fills: 'verified stage attestations, and a policy that names who may sign each stage' };
  },

  inventory: (g) => {
    const facts: Fact[] = [];
    const items = g.stages.map((s) => s.item).filter((i) => i.verified);
    if (items.length) facts.push(fact(`The registry holds ${items.length} verified attestation(s) for "${g.model.name}" (${g.model.digest}) and the artifacts it derives from.`, items));
    if (g.manifest?.item.verified) facts.push(fact(`A signed ML-BOM describes the model.`, [g.manifest.item]));
    if (g.signature?.item.verified) facts.push(fact(`The model is signed.`, [g.signature.item]));
    return { facts, gaps: chainGaps(g), fills: 'verified attestations of the model in the registry' };
  },

  'third-party': (g) => {
    const facts: Fact[] = [];
    for (const s of producers(g)) {
      for (const d of s.provenance.dependencies.filter((x) => x.uri && !x.uri.startsWith('file:'))) {
        facts.push(fact(`Third-party ${d.role} ${named(d)} from ${d.uri}, used by the ${s.provenance.stage} stage (digest recorded in the attestation).`, [s.item], [d.digest]));
      }
    }
    for (const r of g.chain.externalRoots) if (g.policyItem) facts.push(fact(`External ${r.consumer.role} ${r.name ? `"${r.name}" ` : ''}${short(r.digest)}${r.uri ? ` from ${r.uri}` : ''}, admitted by the trust policy by digest.`, [g.policyItem], [r.digest]));
    const comps = g.manifest && Array.isArray(g.manifest.bom.components) ? g.manifest.bom.components : [];
    for (const c of comps) {
      if (isObject(c) && licenceNames(c.licenses).length && g.manifest) facts.push(fact(`The ML-BOM records the licence of ${String(c.type)} "${String(c.name)}": ${licenceNames(c.licenses).join(', ')}.`, [g.manifest.item]));
    }
    return { facts, gaps: [], fills: 'attestations naming inputs from outside (hf://, s3://… uris) or policy-admitted external models, and licences in a signed ML-BOM' };
  },

  policy: (g) => {
    if (!g.policy || !g.policyItem) return { facts: [], gaps: [], fills: `the trust policy the chain was verified against (${optionName(g.optionNames, 'policy')})` };
    const p = g.policy;
    const rules = `${p.signers.length} signer(s), required stages ${p.requiredStages.join(', ') || 'none'}, ${p.flagged.length} flagged item(s)${p.datasets.deny.length ? `, ${p.datasets.deny.length} denied dataset(s)` : ''}${p.maxAttestationAgeDays !== undefined ? `, attestations at most ${p.maxAttestationAgeDays} day(s) old` : ''}`;
    const codes = [...new Set(g.chain.problems.map((x) => x.code))];
    // Only a chain that passed is "verified"; a failed one says so and names why.
    const text =
      g.chain.verdict === 'verified'
        ? `The chain was verified against trust policy ${g.policyItem.location} (${short(g.policyItem.digest)}): ${rules}.`
        : `The chain was checked against trust policy ${g.policyItem.location} (${short(g.policyItem.digest)}) and FAILED (${codes.join(', ')}): ${rules}.`;
    return { facts: [fact(text, [g.policyItem])], gaps: [], fills: `the trust policy the chain was verified against (${optionName(g.optionNames, 'policy')})` };
  },

  'threat-model': (g) => {
    // A pointer to a section of this report, not a claim of the evidence: it cites only what verified
    // (the section itself lists what did not), so it is never turned into "Claimed by the signed evidence".
    const items = [g.signature?.item, g.manifest?.item, g.inspection?.item, ...g.stages.map((s) => s.item)].filter((i): i is EvidenceItem => i !== undefined && i.verified);
    return { facts: items.length ? [fact('See the Threat model section of this report: for the MITRE ATLAS supply-chain techniques, what the verified evidence cited here says about their mitigations.', items)] : [], gaps: [], fills: 'any verified evidence (the threat model section is built from it)' };
  },
};

/** Datasets on the chain; for training data, those the producing stages trained or validated on (evaluation data is point 2(g)'s). */
function datasets(g: Gathered, training: boolean): EvidenceAnswer {
    const facts: Fact[] = [];
    const seen = new Set<string>();
    for (const s of training ? producers(g) : g.stages) {
      for (const d of s.provenance.dependencies.filter((x) => x.role === 'dataset' && (!training || x.usage !== 'evaluation'))) {
        const key = `${d.digest} ${s.item.ref}`;
        if (seen.has(key)) continue;
        seen.add(key);
        facts.push(fact(`Dataset ${named(d)}${d.usage ? ` (${d.usage})` : ''} used by the ${s.provenance.stage} stage of "${s.provenance.subject.name}"${d.uri ? `, read from ${d.uri}` : ''}; full digest ${d.digest}.`, [s.item], [d.digest]));
      }
    }
    const gaps: string[] = [];
    if (g.manifest && Array.isArray(g.manifest.bom.components)) {
      for (const c of g.manifest.bom.components) {
        if (isObject(c) && c.type === 'data' && !(Array.isArray(c.hashes) && c.hashes.length > 0)) {
          gaps.push(`dataset "${String(c.name ?? c['bom-ref'])}" in the ML-BOM has no digest`);
          facts.push(fact(`NOT VERIFIED: the ML-BOM lists dataset "${String(c.name ?? c['bom-ref'])}" without a digest, so it cannot be tied to what was used.`, [{ ...g.manifest.item, verified: false }]));
        }
      }
    }
    return { facts, gaps, fills: training ? 'verified attestations of the training stages naming their training datasets by digest (resolvedDependencies with role dataset)' : 'verified stage attestations naming their datasets by digest (resolvedDependencies with role dataset)' };
}


function durationHours(s: StageRecord): number | undefined {
  const a = s.provenance.startedOn ? Date.parse(s.provenance.startedOn) : Number.NaN;
  const b = s.provenance.finishedOn ? Date.parse(s.provenance.finishedOn) : Number.NaN;
  if (Number.isNaN(a) || Number.isNaN(b) || b < a) return undefined;
  return round1((b - a) / 3_600_000);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * Kinds that state something per stage: an attestation on the chain that did not verify
 * leaves them incomplete (its stage's facts are unknown), and is shown as a claim.
 */
const PER_STAGE = new Set<EvidenceKind>(['dependencies', 'software', 'compute', 'energy-basis', 'design', 'data', 'training-data', 'signers', 'third-party']);

/** What the evidence says for a kind. Pure: the same gathered evidence gives the same answer. */
export function evidenceFor(kind: EvidenceKind, g: Gathered): EvidenceAnswer {
  const a = PROVIDERS[kind](g);
  if (!PER_STAGE.has(kind)) return a;
  const u = unverifiedClaims(g, undefined, PRODUCERS_ONLY.has(kind));
  return { facts: [...a.facts, ...u.facts], gaps: [...a.gaps, ...u.gaps], fills: a.fills };
}

/** Per-stage kinds that read producing stages only: an unverified evaluation or release attestation does not concern them. */
const PRODUCERS_ONLY = new Set<EvidenceKind>(['dependencies', 'design', 'training-data', 'third-party']);
