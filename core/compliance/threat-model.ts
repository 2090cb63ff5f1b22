import { ATLAS, atlasMitigation, atlasTechnique, mitigationsFor } from '../data/atlas';
import { isDangerous } from '../inspect/codes';
import { isObject } from '../io/json';
import type { Gathered } from './gather';
import type { EvidenceItem, Fact, MitigationFinding, MitigationStatus, ThreatFinding, ThreatModel } from './model';

/** The ATLAS supply-chain techniques a provenance record speaks to (issue 11, reference README). */
export const SUPPLY_CHAIN_TECHNIQUES = [
  'AML.T0010',
  'AML.T0010.000',
  'AML.T0010.001',
  'AML.T0010.002',
  'AML.T0010.003',
  'AML.T0010.004',
  'AML.T0010.005',
  'AML.T0011.000',
  'AML.T0018',
  'AML.T0018.000',
  'AML.T0018.001',
  'AML.T0018.002',
  'AML.T0019',
  'AML.T0020',
  'AML.T0058',
  'AML.T0076',
] as const;

/** The mitigations provenance evidence can speak to. */
export const PROVENANCE_MITIGATIONS = ['AML.M0013', 'AML.M0014', 'AML.M0016', 'AML.M0023', 'AML.M0025'] as const;

/**
 * Where ATLAS 5.6.0 maps none of those mitigations to a technique the evidence still
 * speaks to, our mapping, said as ours. Corrupting a model's files is what verifying
 * the artifacts against signed digests detects.
 */
const OUR_MAPPING: Record<string, { mitigations: string[]; note: string }> = {
  'AML.T0076': { mitigations: ['AML.M0014', 'AML.M0013'], note: 'ATLAS 5.6.0 lists no mitigation for this technique; model-provenance maps it to artifact verification and signing.' },
};

const short = (d: string): string => `${d.slice(0, 19)}…`;
const fact = (text: string, items: EvidenceItem[], inputs: string[] = []): Fact => ({
  text,
  evidence: [...new Set(items.map((i) => i.ref))],
  verified: items.length > 0 && items.every((i) => i.verified),
  ...(inputs.length ? { inputs: [...new Set(inputs)].sort() } : {}),
});

/**
 * The threat-model section: for each ATLAS supply-chain technique, the mitigations ATLAS
 * lists among those provenance evidences, and for each mitigation what the evidence says,
 * stated from evidence ("every stage signed and verified", "2 datasets without digests").
 */
export function buildThreatModel(g: Gathered): ThreatModel {
  const techniques: ThreatFinding[] = SUPPLY_CHAIN_TECHNIQUES.map((id) => {
    const t = atlasTechnique(id);
    const listed = mitigationsFor(id).map((m) => m.id).filter((m) => (PROVENANCE_MITIGATIONS as readonly string[]).includes(m)).sort();
    const ours = listed.length === 0 ? OUR_MAPPING[id] : undefined;
    return { id, name: t?.name ?? id, ...(t?.parent ? { parent: t.parent } : {}), mitigations: ours ? ours.mitigations : listed, ...(ours ? { mappingNote: ours.note } : {}) };
  });
  const mitigations = PROVENANCE_MITIGATIONS.map((id) => assess(id, g));
  return { source: ATLAS.source, version: ATLAS.version, licence: ATLAS.licence, techniques, mitigations };
}

function assess(id: string, g: Gathered): MitigationFinding {
  const name = atlasMitigation(id)?.name ?? id;
  const statements: Fact[] = [];
  let status: MitigationStatus = 'not-assessed';
  const stageItems = g.stages.map((s) => s.item);
  switch (id) {
    case 'AML.M0013': {
      const ok = g.stages.filter((s) => s.item.verified);
      const bad = [...g.stages.filter((s) => !s.item.verified).map((s) => s.item), ...g.unverified];
      const total = ok.length + bad.length;
      const failed = g.chain.verdict !== 'verified';
      if (total > 0 && ok.length > 0) {
        statements.push(
          bad.length === 0 && !failed
            ? fact(`Every stage on the chain is signed and verified: ${ok.length} attestation(s) under the trust policy.`, ok.map((s) => s.item))
            : bad.length === 0
              ? fact(`${ok.length} attestation(s) verify under the trust policy.`, ok.map((s) => s.item))
              : fact(`${ok.length} of ${total} attestation(s) verify under the trust policy and pass every chain check about them.`, ok.map((s) => s.item)),
        );
      }
      // Each one that did not, as its own line with its cause: a verified count is not a claim.
      for (const u of bad) statements.push({ ...fact(`The ${u.stage ?? 'unknown-stage'} attestation ${short(u.ref)}${u.subjectName ? ` of "${u.subjectName}"` : ''} did not verify: ${u.reason ?? 'not verified'}`, [u]), verified: false });
      if (failed && g.policyItem) statements.push(fact(`The chain of custody failed verification against trust policy ${g.policyItem.location} (${[...new Set(g.chain.problems.map((p) => p.code))].join(', ')}).`, [g.policyItem]));
      if (g.signature) statements.push(g.signature.item.verified ? fact(`The model signature verifies under ${g.signature.item.signer}.`, [g.signature.item]) : fact(`The model signature does not verify: ${g.signature.item.reason}`, [g.signature.item]));
      else statements.push({ text: 'No model signature was found.', evidence: [], verified: false });
      const allGood = total > 0 && bad.length === 0 && !failed && g.signature?.item.verified === true;
      status = allGood ? 'in-place' : total > 0 || g.signature ? 'partial' : 'absent';
      break;
    }
    case 'AML.M0014': {
      if (g.signature?.result) {
        const r = g.signature.result;
        const bad = r.files.filter((f) => f.status !== 'ok');
        statements.push(fact(bad.length ? `${bad.length} of ${r.files.length} model file(s) differ from their signed digests (${bad.slice(0, 3).map((f) => `${f.name} ${f.status}`).join(', ')}).` : `All ${r.files.length} model file(s) match their signed digests.`, [g.signature.item]));
      }
      // Each input that changed after use, named, citing the attestation that recorded it.
      const mismatch = g.concerns.filter((c) => c.code === 'DIGEST_MISMATCH');
      const byRef = new Map(g.stages.map((s) => [s.item.ref, s.item]));
      for (const c of mismatch) {
        const at = c.attestation ? byRef.get(c.attestation) : undefined;
        statements.push(at ? fact(`Changed after use: ${c.message}.`, [at], c.digest ? [c.digest] : []) : { text: `Changed after use: ${c.message}.`, evidence: [], verified: false });
      }
      // Which inputs were re-hashed, and where: an input not on this machine was not checked, and says so.
      const seen = new Set<string>();
      const checks = (g.chain.artifactChecks ?? []).filter((c) => (seen.has(`${c.digest} ${c.path}`) ? false : (seen.add(`${c.digest} ${c.path}`), true)));
      const cite = (list: typeof checks): EvidenceItem[] => [...new Set(list.map((c) => byRef.get(c.attestation)).filter((i): i is EvidenceItem => i !== undefined))];
      const what = (c: (typeof checks)[number]): string => `${c.role} ${c.name ? `"${c.name}"` : short(c.digest)}`;
      const hashed = checks.filter((c) => c.status !== 'absent');
      const absent = checks.filter((c) => c.status === 'absent');
      if (hashed.length) {
        const match = hashed.filter((c) => c.status === 'match');
        statements.push(fact(`${hashed.length} of ${checks.length} input(s) recorded with a local path re-hashed at that path; ${match.length} match their attested digests${hashed.length > match.length ? `, ${hashed.length - match.length} do not` : ''}: ${hashed.map((c) => `${what(c)} at ${c.path}`).join(', ')}.`, cite(hashed), hashed.map((c) => c.digest)));
      }
      if (absent.length) {
        statements.push({ ...fact(`Not on this machine, so not re-hashed: ${absent.map((c) => `${what(c)} (recorded at ${c.path})`).join(', ')}. Their attestations say which bytes were used; those bytes were not checked here.`, cite(absent), absent.map((c) => c.digest)), verified: false });
      }
      if (g.manifest && g.manifest.errors.some((e) => e.code === 'MLBOM_DIGEST_MISMATCH')) statements.push(fact('The ML-BOM digests do not match the files on disk.', [g.manifest.item]));
      const ok = g.signature?.item.verified === true && mismatch.length === 0;
      status = statements.length === 0 ? 'absent' : ok ? 'in-place' : 'partial';
      break;
    }
    case 'AML.M0016': {
      if (!g.inspection) {
        statements.push({ text: 'The model files were not at hand, so they were not scanned.', evidence: [], verified: false });
        status = 'not-assessed';
        break;
      }
      const r = g.inspection.result;
      const dangerous = [...r.findings, ...r.files.flatMap((f) => f.findings)].filter(isDangerous);
      const pickle = r.files.filter((f) => f.details.kind === 'pickle' || f.details.kind === 'pytorch-zip');
      const formats = [...new Set(r.files.map((f) => f.format))].sort();
      if (dangerous.length) statements.push(fact(`${dangerous.length} dangerous finding(s) in the model files: ${[...new Set(dangerous.map((d) => d.code))].join(', ')}.`, [g.inspection.item]));
      else if (pickle.length) statements.push(fact(`Pickle weights scanned (${pickle.length} file(s)), no dangerous globals.`, [g.inspection.item]));
      else statements.push(fact(`${r.files.length} model file(s) inspected (${formats.join(', ') || 'no weight format recognised'}): no executable content, no dangerous finding.`, [g.inspection.item]));
      status = dangerous.length ? 'absent' : 'in-place';
      break;
    }
    case 'AML.M0023': {
      if (!g.manifest) {
        statements.push({ text: 'No ML-BOM was found for the model.', evidence: [], verified: false });
        status = 'absent';
        break;
      }
      const m = g.manifest;
      const spec = typeof m.bom.specVersion === 'string' ? m.bom.specVersion : '?';
      statements.push(
        m.item.verified
          ? fact(`A CycloneDX ${spec} ML-BOM describes the model; it validates and is signed by ${m.item.signer}.`, [m.item])
          : fact(`A CycloneDX ${spec} ML-BOM exists but is not verified: ${m.item.reason}`, [m.item]),
      );
      status = m.item.verified ? 'in-place' : 'partial';
      break;
    }
    case 'AML.M0025': {
      // A dataset counts only when a verified attestation names it and no chain check about it failed.
      const problemsOf = (ref: string, digest: string) => g.concerns.filter((c) => c.scope === 'input' && c.attestation === ref && c.digest === digest);
      const good = new Map<string, EvidenceItem[]>();
      const doubtful: Fact[] = [];
      for (const s of g.stages) {
        for (const d of s.provenance.dependencies.filter((x) => x.role === 'dataset')) {
          const probs = problemsOf(s.item.ref, d.digest);
          if (s.item.verified && probs.length === 0) good.set(d.digest, [...(good.get(d.digest) ?? []), s.item]);
          else doubtful.push({ ...fact(`Dataset ${d.name ? `"${d.name}" ` : ''}${short(d.digest)} used by the ${s.provenance.stage} stage is not established: ${(probs.length ? probs.map((p) => `${p.message} [${p.code}]`) : [s.item.reason ?? 'its attestation did not verify']).join('; ')}.`, [s.item], [d.digest]), verified: false });
        }
      }
      for (const [digest] of good) if (doubtful.some((f) => f.inputs?.includes(digest))) good.delete(digest);
      if (good.size) statements.push(fact(`${good.size} dataset(s) on the chain, each identified by digest in a verified attestation.`, [...new Set([...good.values()].flat())], [...good.keys()]));
      statements.push(...doubtful);
      const comps = g.manifest && Array.isArray(g.manifest.bom.components) ? g.manifest.bom.components : [];
      const noDigest = comps.filter((c) => isObject(c) && c.type === 'data' && !(Array.isArray(c.hashes) && c.hashes.length > 0));
      if (noDigest.length && g.manifest) statements.push(fact(`${noDigest.length} dataset(s) without digests in the ML-BOM.`, [{ ...g.manifest.item, verified: false }]));
      const denied = g.concerns.filter((c) => c.code === 'DATASET_DENIED' || c.code === 'DATASET_NOT_ALLOWED');
      if (denied.length) statements.push(fact(`${denied.length} dataset use(s) the trust policy does not allow.`, stageItems));
      if (good.size === 0 && doubtful.length === 0 && noDigest.length === 0) statements.push({ text: 'No dataset is recorded on the chain.', evidence: [], verified: false });
      status = good.size === 0 ? (doubtful.length ? 'partial' : 'absent') : noDigest.length || denied.length || doubtful.length || g.unverified.length ? 'partial' : 'in-place';
      break;
    }
  }
  // A mitigation with a line that is not verified is not in place: at most partial.
  if (status === 'in-place' && statements.some((x) => !x.verified)) status = 'partial';
  return { id, name, status, statements };
}
