import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { mlProvenanceFromStatement } from '../attest/statement';
import type { MlProvenance, Stage } from '../attest/types';
import { verifyAttestationText, verifyChain, type ChainResult } from '../chain/verify-chain';
import { InputError, fsError, isProvenanceError } from '../errors';
import { optionName, type OptionNames } from '../option-names';
import { inspectModel } from '../inspect/inspect-model';
import type { ModelInspection } from '../inspect/types';
import { isObject, parseStrictJson } from '../io/json';
import { CYCLONEDX_PREDICATE } from '../manifest/sign-manifest';
import { validateManifest, validateManifestStatic } from '../manifest/validate-manifest';
import { defaultSignaturePath } from '../model/signature-path';
import { parseOmsPayload } from '../oms/manifest';
import { OMS_PREDICATE_V1 } from '../oms/types';
import type { Policy } from '../policy/policy';
import type { Registry } from '../registry/registry';
import { relativeInside, type ModelScope } from '../model/enumerate';
import type { VerificationResult } from '../verify/result';
import { verifyModel } from '../verify/verify-model';
import type { EvidenceItem } from './model';
import { applyChainConcerns, type ChainConcern } from './concerns';
import { checkInputsFor, readInputs, type ReportInputs } from './inputs';

/** A verified attestation on the chain, with everything it signed. */
export interface StageRecord {
  item: EvidenceItem;
  provenance: MlProvenance;
  /** producer: made the artifact; annotation: evaluation or release about it, unchanged. */
  role: 'producer' | 'annotation';
  /** Depth of its link from the deployed model (0 = the model itself). */
  depth: number;
  /** How the link's artifact was consumed further down the chain (absent for the model itself). */
  consumerRole?: 'base-model' | 'adapter';
}

/** Everything the report knows, each piece with its evidence item. Built only through core's verifiers. */
export interface Gathered {
  model: { name: string; digest: string; path?: string };
  chain: ChainResult;
  policy?: Policy;
  policyItem?: EvidenceItem;
  stages: StageRecord[];
  /** Attestations found about the chain's artifacts that did not verify, or that the policy does not accept. */
  unverified: EvidenceItem[];
  signature?: { item: EvidenceItem; result?: VerificationResult };
  manifest?: { item: EvidenceItem; bom: Record<string, unknown>; errors: { code: string; message: string }[]; changedAfterSigning?: string };
  inspection?: { item: EvidenceItem; result: ModelInspection };
  inputs?: { item: EvidenceItem; doc: ReportInputs; file: string };
  /** The chain's problems with the evidence they concern (concerns.ts), applied to the items above. */
  concerns: ChainConcern[];
  /** How the report names the options that would fill a gap (GatherOptions.optionNames). */
  optionNames?: OptionNames;
}

export interface GatherOptions {
  registry: Registry;
  policy?: Policy;
  modelPath?: string;
  digest?: string;
  /** Which files make up the model at modelPath, as it is signed (ReportOptions.scope): used wherever the model is hashed. */
  scope?: ModelScope;
  /** The ML-BOM; default MODEL.cdx.json beside the model when it exists, else a signed one from the registry. */
  manifestPath?: string;
  /** The model signature; default MODEL/model.sig (folder) or MODEL.sig (file). */
  signaturePath?: string;
  /** report-inputs.json, or its content already parsed. */
  inputs?: string | { file: string; doc: ReportInputs; digest: string; text?: string };
  /** The moment the evidence is judged at (attestation age): the report date. */
  now: Date;
  /** How far past `now` evidence may be dated (verifyChain's clockSkewMs); 0 when the date was declared. */
  clockSkewMs?: number;
  checkArtifacts?: boolean;
  /** Report on a digest the registry knows nothing of (every point missing) instead of refusing it with DIGEST_NOT_IN_REGISTRY. */
  allowUnattested?: boolean;
  signal?: AbortSignal;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

const sha256 = (b: string | Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Gathers the evidence for a report through the existing core, never re-implementing it:
 * the chain verified against the policy (verifyChain), each attestation's signed payload
 * (verifyAttestationText), the model signature (verifyModel), the ML-BOM (validateManifest,
 * and a signed copy in the registry), and the file inspection (inspectModel).
 */
export async function gatherEvidence(o: GatherOptions): Promise<Gathered> {
  const chain = await verifyChain({ registry: o.registry, policy: o.policy, modelPath: o.modelPath, digest: o.digest, ...(o.modelPath && o.scope ? { scope: o.scope } : {}), now: o.now, nowLabel: `the report date (${o.now.toISOString().slice(0, 10)})`, ...(o.clockSkewMs !== undefined ? { clockSkewMs: o.clockSkewMs } : {}), checkArtifacts: o.checkArtifacts, signal: o.signal, optionNames: o.optionNames });
  // A digest nobody attested, signed or described is a typo far more often than a model: say
  // so before anything else (before the inputs file is matched to it), as incident does.
  if (!o.modelPath && o.digest && !o.allowUnattested && chain.links.length === 0 && chain.ignored.length === 0 && (await o.registry.findBySubject(chain.model.digest)).length === 0) {
    throw new InputError('DIGEST_NOT_IN_REGISTRY', `${chain.model.digest} is not in ${o.registry.location}: no attestation, model signature or ML-BOM names it as a subject (check the digest, or ${optionName(o.optionNames, 'registry')}; ${optionName(o.optionNames, 'allowUnattested')} writes the report of a model with no evidence)`);
  }
  const top = chain.links.find((l) => l.depth === 0);
  const model = { name: top?.name ?? (o.modelPath ? basename(resolve(o.modelPath)) : 'model'), digest: chain.model.digest, ...(o.modelPath ? { path: o.modelPath } : {}) };
  const g: Gathered = { model, chain, stages: [], unverified: [], concerns: [], ...(o.optionNames ? { optionNames: o.optionNames } : {}) };

  if (o.policy) {
    g.policy = o.policy;
    const text = safeRead(o.policy.source);
    if (text !== undefined) g.policyItem = { ref: `policy:${sha256(text)}`, kind: 'policy', digest: sha256(text), verified: true, basis: `the verifier's own configuration, given with ${optionName(o.optionNames, 'policy')}`, location: basename(o.policy.source) };
  }

  // Every attestation on the chain, read again through the signature check: the payload used is the verified one.
  const seen = new Set<string>();
  for (const l of chain.links) {
    for (const [id, role, signer] of [[l.attestation, 'producer', l.signer], ...l.annotations.map((a) => [a.attestation, 'annotation', a.signer])] as [string, 'producer' | 'annotation', string][]) {
      if (seen.has(id)) continue;
      seen.add(id);
      // The chain walk named the signer that verified it: check the bytes again under that one
      // signer (the payload used must be the verified one), not under every signer once more.
      const only = o.policy?.signers.filter((s) => s.name === signer);
      const rec = await readStage(o.registry, id, o.policy && only?.length ? { ...o.policy, signers: only } : o.policy, l.digest);
      if ('provenance' in rec) g.stages.push({ ...rec, role, depth: l.depth, ...(l.consumer ? { consumerRole: l.consumer.role } : {}) });
      else g.unverified.push(rec.item);
    }
  }
  // Attestations about the chain's artifacts that the walk ignored: they did not verify. Their
  // reason is the chain's own, so the report and `verify --policy` name one cause for each.
  for (const i of chain.ignored) {
    if (seen.has(i.id)) continue;
    seen.add(i.id);
    // Its subject's name as the consumer named the input (the unverified statement itself is not read).
    const name = chain.links.flatMap((l) => l.inputs).find((d) => d.digest === i.digest && d.name)?.name ?? chain.links.find((l) => l.digest === i.digest)?.name;
    g.unverified.push({ ref: i.id, kind: 'attestation', digest: i.id, subject: i.digest, ...(name ? { subjectName: name } : {}), verified: false, ...(i.stage ? { stage: i.stage } : {}), reason: `${oneCode(i.message)} [${i.code}]` });
  }
  g.stages.sort((a, b) => b.depth - a.depth || timeOf(a).localeCompare(timeOf(b)) || a.item.ref.localeCompare(b.item.ref));
  g.unverified.sort((a, b) => a.ref.localeCompare(b.ref));

  g.concerns = applyChainConcerns(g);
  g.signature = await signatureEvidence(o, g);
  g.manifest = await manifestEvidence(o, g);
  if (o.modelPath) g.inspection = await inspectionEvidence(o, g);
  if (o.inputs) {
    const inp = typeof o.inputs === 'string' ? readInputs(o.inputs) : o.inputs;
    // Text written for another model, or dated after the report, does not belong in it.
    checkInputsFor(inp, o.now.toISOString(), g.model, o.optionNames);
    // A person's text is quoted and attributed, never verified: nothing signs it.
    g.inputs = { file: inp.file, doc: inp.doc, item: { ref: `inputs:${inp.digest}`, kind: 'inputs', digest: inp.digest, verified: false, basis: "people's text, quoted verbatim with author and date; not signed, so never verified", location: basename(inp.file) } };
  }
  return g;
}

/**
 * A reason names one code for one cause: the signature check's own code at the end of a
 * message (`… altered after signing [SIGNATURE_INVALID]`) goes, the caller's code follows.
 */
function oneCode(message: string): string {
  return message.replace(/\s*\[[A-Z][A-Z0-9_]*\]$/, '');
}

function timeOf(s: StageRecord): string {
  return s.provenance.finishedOn ?? s.provenance.startedOn ?? '';
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A registry entry's text, or undefined when its index entry names a blob that is gone (missing evidence, not an input error). */
async function readEntry(registry: Registry, id: string): Promise<string | undefined> {
  try {
    return await registry.read(id);
  } catch (err) {
    if (isProvenanceError(err) && err.code === 'REGISTRY_ENTRY_NOT_FOUND') return undefined;
    throw err;
  }
}

/** One attestation by id: verified under the policy and the policy's stage rules, or the reason it is not. */
async function readStage(registry: Registry, id: string, policy: Policy | undefined, subject: string, claimedStage?: string): Promise<{ item: EvidenceItem; provenance: MlProvenance } | { item: EvidenceItem }> {
  const text = await readEntry(registry, id);
  if (text === undefined) return { item: { ref: id, kind: 'attestation', digest: id, subject, verified: false, ...(claimedStage ? { stage: claimedStage } : {}), reason: `the index names ${id.slice(0, 19)}…, but the registry holds no such entry (removed, or damaged) [REGISTRY_DANGLING_INDEX]` } };
  const digest = sha256(text);
  const base: EvidenceItem = { ref: id, kind: 'attestation', digest, subject, verified: false, ...(claimedStage ? { stage: claimedStage } : {}) };
  if (digest !== id) return { item: { ...base, reason: `the stored bytes do not match their id: the registry entry was changed [REGISTRY_BLOB_CORRUPT]` } };
  if (!policy) return { item: { ...base, reason: 'no trust policy was given, so no signature was checked [UNVERIFIED]' } };
  let v: ReturnType<typeof verifyAttestationText>;
  try {
    v = verifyAttestationText(text, id, policy);
  } catch (err) {
    if (!isProvenanceError(err)) throw err;
    return { item: { ...base, reason: `${err.message} [${err.code}]` } };
  }
  // The rejection names the real cause: an untrusted signer, altered bytes, a subject or identity the policy does not allow.
  if (v.signers.length === 0) return { item: { ...base, reason: `${oneCode(v.rejection?.message ?? `signed by ${v.claimed}, which no signer of the policy verifies`)} [${v.rejection?.code ?? 'UNTRUSTED_SIGNER'}]` } };
  let provenance: MlProvenance;
  try {
    provenance = mlProvenanceFromStatement(parseStrictJson(v.payload.toString('utf8'), id), id);
  } catch (err) {
    if (!isProvenanceError(err)) throw err;
    return { item: { ...base, reason: `${err.message} [${err.code}]` } };
  }
  const stage: Stage = provenance.stage;
  const allowed = policy.stageSigners[stage];
  const signer = v.signers.find((n) => !allowed || allowed.includes(n));
  const item: EvidenceItem = { ...base, subject: provenance.subject.digest, subjectName: provenance.subject.name, stage, time: provenance.finishedOn ?? provenance.startedOn };
  if (!signer) return { item: { ...item, reason: `signed by ${v.signers.join(', ')}, but the policy allows only ${allowed!.join(', ')} for ${stage} [SIGNER_NOT_ALLOWED_FOR_STAGE]` } };
  const flagged = policy.flagged.find((f) => f.keyId && f.keyId === v.signer?.keyId);
  if (flagged) return { item: { ...item, signer, reason: `signed by a flagged key: ${flagged.reason} [FLAGGED_SIGNER]` } };
  return { item: { ...item, signer, verified: true }, provenance };
}

/** The model signature: model.sig on disk (files compared), or an OMS signature in the registry (by digest). */
async function signatureEvidence(o: GatherOptions, g: Gathered): Promise<Gathered['signature']> {
  if (o.modelPath) {
    const sigPath = o.signaturePath ?? defaultSignaturePath(o.modelPath);
    if (!existsSync(sigPath)) return undefined;
    const text = readFileSync(sigPath, 'utf8');
    const digest = sha256(text);
    const item: EvidenceItem = { ref: `model-signature:${digest}`, kind: 'model-signature', digest, subject: g.model.digest, subjectName: g.model.name, verified: false, location: displayPath(sigPath, o.modelPath) };
    if (!o.policy) return { item: { ...item, reason: 'no trust policy was given, so the signature was not checked [UNVERIFIED]' } };
    let names: string[] = [];
    try {
      names = verifyAttestationText(text, sigPath, o.policy).signers;
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
      return { item: { ...item, reason: `${err.message} [${err.code}]` } };
    }
    const signer = o.policy.signers.find((s) => names.includes(s.name));
    if (!signer) return { item: { ...item, reason: 'the signature does not verify under any signer of the policy [UNTRUSTED_SIGNER]' } };
    const result = await verifyModel({ modelPath: o.modelPath, signaturePath: sigPath, trust: signer.trust, ...scopeForVerify(o.scope), signal: o.signal });
    if (result.verdict !== 'verified') {
      const p = result.problems[0]!;
      return { item: { ...item, signer: signer.name, reason: `${result.problems.length} problem(s), first: ${p.file ? `${p.file}: ` : ''}${p.message} [${p.code}]` }, result };
    }
    // The signature vouches for its own subject: another digest than the one this report is about
    // means the two were hashed over different files (ignore paths, git paths, symlinks).
    if (result.subject && result.subject.digest !== g.model.digest) {
      return { item: { ...item, signer: signer.name, reason: `the signature verifies, but it signs ${result.subject.digest} and this report is about ${g.model.digest}: they cover different files; give the model-scope options it was signed with (${optionName(o.optionNames, 'ignorePaths')}) [SUBJECT_MISMATCH]` } };
    }
    return { item: { ...item, signer: signer.name, verified: true }, result };
  }
  for (const entry of await o.registry.findBySubject(g.model.digest)) {
    if (entry.predicateType !== OMS_PREDICATE_V1) continue;
    const text = await readEntry(o.registry, entry.id);
    if (text === undefined) continue;
    const item: EvidenceItem = { ref: entry.id, kind: 'model-signature', digest: sha256(text), subject: g.model.digest, subjectName: g.model.name, verified: false };
    if (!o.policy) return { item: { ...item, reason: 'no trust policy was given, so the signature was not checked [UNVERIFIED]' } };
    try {
      const v = verifyAttestationText(text, entry.id, o.policy);
      if (v.signers.length && parseOmsPayload(v.payload, entry.id).rootDigest === g.model.digest.slice(7) && item.digest === entry.id) {
        return { item: { ...item, signer: v.signers[0], verified: true, reason: 'signature verified; the files were not at hand to compare' } };
      }
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
    }
    return { item: { ...item, reason: 'the signature does not verify under any signer of the policy [UNTRUSTED_SIGNER]' } };
  }
  return undefined;
}

/** The ML-BOM: validated (schema, profile, digests on disk), and verified only when a policy signer signed exactly it. */
async function manifestEvidence(o: GatherOptions, g: Gathered): Promise<Gathered['manifest']> {
  const signed: { bom: Record<string, unknown>; id: string; signer: string; text: string }[] = [];
  if (o.policy) {
    for (const entry of await o.registry.findBySubject(g.model.digest)) {
      if (entry.predicateType !== CYCLONEDX_PREDICATE) continue;
      // An ML-BOM in the registry that cannot be used is listed with why, never dropped: a
      // tampered one must show in the report as tampered, not as "no ML-BOM".
      const rejected = (reason: string): void => void g.unverified.push({ ref: entry.id, kind: 'manifest', digest: entry.id, subject: g.model.digest, verified: false, location: 'registry', reason });
      const text = await readEntry(o.registry, entry.id);
      if (text === undefined) {
        rejected(`the index names ML-BOM ${entry.id.slice(0, 19)}…, but the registry holds no such entry (removed, or damaged) [REGISTRY_DANGLING_INDEX]`);
        continue;
      }
      if (sha256(text) !== entry.id) {
        rejected('the stored bytes do not match their id: the registry entry was changed [REGISTRY_BLOB_CORRUPT]');
        continue;
      }
      try {
        const v = verifyAttestationText(text, entry.id, o.policy);
        const st = parseStrictJson(v.payload.toString('utf8'), entry.id);
        if (v.signers.length && isObject(st) && isObject(st.predicate)) signed.push({ bom: st.predicate, id: entry.id, signer: v.signers[0]!, text });
        else rejected('the signed statement holds no ML-BOM predicate [ATTESTATION_INVALID]');
      } catch (err) {
        if (!isProvenanceError(err)) throw err;
        rejected(`${oneCode(err.message)} [${err.code}]`);
      }
    }
    g.unverified.sort((a, b) => a.ref.localeCompare(b.ref));
  }
  const path = o.manifestPath ?? (o.modelPath && existsSync(manifestBeside(o.modelPath)) ? manifestBeside(o.modelPath) : undefined);
  if (!path) {
    const s = signed.sort((a, b) => a.id.localeCompare(b.id))[0];
    if (!s) return undefined;
    // Signed is not valid: the signed BOM is checked like a file (schema and profile; no files to compare).
    const v = validateManifestStatic(JSON.stringify(s.bom), s.id);
    const errors = v.findings.filter((f) => f.severity === 'error').map((f) => ({ code: f.code, message: f.message }));
    const item: EvidenceItem = { ref: s.id, kind: 'manifest', digest: s.id, subject: g.model.digest, signer: s.signer, verified: errors.length === 0, location: 'registry' };
    return { bom: s.bom, errors, item: errors.length ? { ...item, reason: `${errors.length} validation error(s), first: ${errors[0]!.message} [${errors[0]!.code}]` } : item };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fsError(err, path, 'read the manifest');
  }
  const bom = parseStrictJson(text, path);
  if (!isObject(bom) || bom.bomFormat !== 'CycloneDX') throw new InputError('CDX_NOT_A_BOM', 'not a CycloneDX BOM', { file: path });
  const v = await validateManifest(text, path, { modelPath: o.modelPath, checkDisk: o.modelPath !== undefined, signal: o.signal });
  const errors = v.findings.filter((f) => f.severity === 'error').map((f) => ({ code: f.code, message: f.message }));
  const digest = sha256(text);
  const match = signed.find((s) => JSON.stringify(s.bom) === JSON.stringify(bom));
  const item: EvidenceItem = { ref: `manifest:${digest}`, kind: 'manifest', digest, subject: g.model.digest, verified: false, location: basename(path) };
  if (errors.length) return { bom, errors, item: { ...item, reason: `${errors.length} validation error(s), first: ${errors[0]!.message} [${errors[0]!.code}]` } };
  // A BOM of this model signed by a policy signer, and this file is not it: changed after signing, not merely unsigned.
  const before = signed.sort((a, b) => a.id.localeCompare(b.id))[0];
  if (!match && before) return { bom, errors, changedAfterSigning: before.signer, item: { ...item, reason: `signed by ${before.signer} (${before.id.slice(0, 19)}…), then changed after signing: this file is not the ML-BOM that was signed (sign it again with model-provenance manifest sign) [SIGNATURE_INVALID]` } };
  if (!match) return { bom, errors, item: { ...item, reason: 'valid, but not signed by a signer of the policy (model-provenance manifest sign) [MANIFEST_UNSIGNED]' } };
  return { bom, errors, item: { ...item, signer: match.signer, verified: true } };
}

async function inspectionEvidence(o: GatherOptions, g: Gathered): Promise<Gathered['inspection']> {
  const modelPath = o.modelPath!;
  const sig = o.signaturePath ?? defaultSignaturePath(modelPath);
  const inside = relativeInside(modelPath, sig);
  const ignored = [...(inside ? [inside] : []), ...(o.scope?.ignorePaths ?? [])];
  const result = await inspectModel(modelPath, { ignorePaths: ignored.length ? ignored : undefined, ...(o.scope?.ignoreGitPaths !== undefined ? { ignoreGitPaths: o.scope.ignoreGitPaths } : {}), ...(o.scope?.allowSymlinks ? { allowSymlinks: true } : {}), signal: o.signal, optionNames: o.optionNames });
  // The inspected files are the ones a trusted signature or attestation vouches for only when their digest is that one.
  const top = g.stages.find((s) => s.role === 'producer' && s.depth === 0 && s.item.verified);
  const vouch = g.signature?.item.verified ? `the model signature (verified under ${g.signature.item.signer})` : top ? `the ${top.provenance.stage} attestation (signed by ${top.item.signer})` : undefined;
  const digest = g.model.digest;
  const item: EvidenceItem = {
    ref: `inspection:${digest}`,
    kind: 'inspection',
    digest,
    subject: digest,
    subjectName: g.model.name,
    verified: vouch !== undefined,
    // Nobody signs an inspection: it counts because the files inspected are the ones a verified signature or attestation vouches for.
    ...(vouch ? { basis: `the files inspected are those ${vouch} vouches for (digest ${digest.slice(0, 19)}…)` } : { reason: 'no trusted signature or attestation vouches for the inspected files [UNVERIFIED]' }),
    location: displayPath(modelPath, undefined),
  };
  return { item, result };
}

/** The model scope as verifyModel takes it (ignore paths beyond what the signature records; git paths, symlinks). */
function scopeForVerify(scope: ModelScope | undefined): { ignorePaths?: readonly string[]; ignoreGitPaths?: boolean; allowSymlinks?: boolean } {
  if (!scope) return {};
  return { ...(scope.ignorePaths?.length ? { ignorePaths: scope.ignorePaths } : {}), ...(scope.ignoreGitPaths !== undefined ? { ignoreGitPaths: scope.ignoreGitPaths } : {}), ...(scope.allowSymlinks ? { allowSymlinks: true } : {}) };
}

/** Beside the model, never inside it (a file added to the model would change its digest). */
export function manifestBeside(modelPath: string): string {
  const abs = resolve(modelPath);
  return join(dirname(abs), `${basename(abs)}.cdx.json`);
}

function displayPath(path: string, modelPath: string | undefined): string {
  if (modelPath) {
    const inside = relativeInside(modelPath, path);
    if (inside) return `${basename(resolve(modelPath))}/${inside}`;
  }
  return basename(resolve(path));
}
