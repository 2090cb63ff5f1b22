/**
 * Decodes one document side (an OMS signature, an attestation as a Sigstore bundle, a
 * DSSE envelope or a bare statement, a JSON Lines line, an ML-BOM) into a DecodedSide.
 * Order matters: the bundle is parsed, the trust decision is made, and only then are the
 * payload bytes parsed for facts; the side carries that decision so every renderer can
 * label unverified facts as such. Synchronous and file-system free, so the editor can
 * decode a buffer it got from git.
 */
import { mlProvenanceFromStatement } from '../attest/statement';
import { InputError } from '../errors';
import { decodeBase64 } from '../io/encoding';
import { describeValue, isObject, parseStrictJsonWithStructure } from '../io/json';
import { detectKind, type KindDetection } from '../documents/kind';
import { CYCLONEDX_PREDICATE } from '../manifest/sign-manifest';
import { OMS_ROOT_PROPERTY } from '../manifest/properties';
import { MAX_PAYLOAD_DEPTH, parseOmsPayload, rootDigest } from '../oms/manifest';
import { INTOTO_PAYLOAD_TYPE, OMS_PREDICATE_LEGACY_V01, OMS_PREDICATE_V1, type OmsManifest } from '../oms/types';
import { parseBundle, type ParsedBundle } from '../sigstore/bundle';
import type { DsseEnvelope } from '../sigstore/dsse';
import { sideLabel } from './source';
import { decideTrust, trustFor, type DiffTrust } from './trust';
import type { AttestationFacts, DecodedSide, FileEntry, ManifestComponent, ManifestFacts, SideKind, SideOrigin, TrustDecision } from './types';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What a file name says it is, or undefined for a neutral name (then the bytes may be a model file). */
function claimedByName(path: string): KindDetection | undefined {
  return detectKind(path, undefined);
}

/**
 * Decodes a document side from its bytes. Returns undefined when the bytes are not one of
 * our documents and the file name does not claim they are (the caller then treats the
 * file as a single-file model). Throws InputError for a document that cannot be read.
 *
 * @param bytes  the file's content (for JSON Lines, the whole file; `origin.line` picks the line)
 * @param origin where it came from (names the file in messages)
 * @param trust  what signatures are checked against (`NO_TRUST`: nothing is checked)
 */
export function decodeDocument(bytes: Buffer, origin: SideOrigin, trust: DiffTrust): DecodedSide | undefined {
  const file = sideLabel(origin);
  const named = claimedByName(origin.path);
  const jsonl = origin.line !== undefined || /\.jsonl$/i.test(origin.path);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    if (named || jsonl) throw new InputError('DOCUMENT_NOT_UTF8', 'is not valid UTF-8 JSON', { file });
    return undefined;
  }
  if (jsonl) text = pickLine(text, origin, file);
  const start = /\S/.exec(text)?.[0];
  if (start !== '{') {
    if (named || jsonl) throw new InputError(text.trim() === '' ? 'DOCUMENT_EMPTY' : 'JSON_MALFORMED', text.trim() === '' ? 'is empty' : 'is not a JSON object', { file });
    return undefined;
  }
  let value: unknown;
  try {
    const parsed = parseStrictJsonWithStructure(text, file);
    if (parsed.structure.maxDepth > MAX_PAYLOAD_DEPTH) throw new InputError('JSON_TOO_DEEP', `nested ${parsed.structure.maxDepth} levels deep (at most ${MAX_PAYLOAD_DEPTH})`, { file });
    value = parsed.value;
  } catch (err) {
    if (!named && !jsonl && err instanceof InputError && err.code === 'JSON_MALFORMED') return undefined;
    throw err;
  }
  const kind = detectKind(origin.path, value);
  if (!kind) throw new InputError('DIFF_KIND_UNKNOWN', 'is JSON, but not a model signature, an attestation or an ML-BOM (CycloneDX)', { file });
  if (kind.kind === 'policy' || kind.kind === 'report-inputs') {
    throw new InputError('DIFF_KIND_UNSUPPORTED', `is a ${kind.kind === 'policy' ? 'trust policy' : 'report inputs file'}: diff compares signatures, attestations, ML-BOMs and models`, { file });
  }
  const base = (k: SideKind, envelope: DecodedSide['envelope'], t: TrustDecision): DecodedSide => ({ origin, label: file, kind: k, envelope, trust: t, integrity: [], notes: [] });
  if (kind.kind === 'manifest') {
    const side = base('manifest', 'none', { state: 'unsigned' });
    fillManifest(side, value, file);
    side.document = value;
    return side;
  }
  if (kind.envelope === 'statement') {
    const side = base('attestation', 'statement', { state: 'unsigned' });
    fillStatement(side, value, file);
    return side;
  }
  // A bundle or an envelope: parse it, decide trust, then read the payload.
  let bundle: ParsedBundle;
  if (kind.envelope === 'bundle') bundle = parseBundle(text, file);
  else bundle = envelopeAsBundle(value, file);
  if (bundle.envelope.payloadType !== INTOTO_PAYLOAD_TYPE) {
    throw new InputError('PAYLOAD_TYPE_UNSUPPORTED', `payloadType ${JSON.stringify(bundle.envelope.payloadType)} is not ${INTOTO_PAYLOAD_TYPE}`, { file });
  }
  // The kind read from the (unverified) payload only chooses which trust applies: a
  // signature verifies under that trust or it does not, whatever the payload claims.
  const decision = decideTrust(bundle, file, trustFor(kind.kind === 'model-signature' ? 'signature' : 'attestation', trust));
  const side = base('attestation', kind.envelope === 'bundle' ? 'bundle' : 'envelope', decision);
  const statement = parsePayload(bundle.envelope.payload, file);
  fillStatement(side, statement, file, bundle);
  if (side.kind === 'ml-attestation' && trust.policy && decision.state === 'verified') checkStageSigner(side, bundle, file, trust);
  return side;
}

/**
 * Under a policy, a lifecycle attestation must be signed by a signer the policy allows for
 * its stage (`stages.STAGE.signers`), as the chain walker requires: verified by another
 * policy signer only, it fails with the chain's code.
 */
function checkStageSigner(side: DecodedSide, bundle: ParsedBundle, file: string, trust: DiffTrust): void {
  const stage = side.attestation!.stage;
  const allowed = trust.policy!.stageSigners[stage];
  if (!allowed) return;
  const candidates = trust.policy!.signers.filter((s) => allowed.includes(s.name)).map((s) => ({ name: `policy signer "${s.name}"`, trust: s.trust }));
  const byAllowed = decideTrust(bundle, file, candidates);
  if (byAllowed.state === 'verified') {
    side.trust = byAllowed;
    return;
  }
  side.trust = {
    state: 'failed',
    code: 'SIGNER_NOT_ALLOWED_FOR_STAGE',
    message: `the ${stage} attestation is signed by ${side.trust.trustedBy}, which the policy does not allow for stage ${stage} (it allows only ${allowed.join(', ')})`,
    ...(side.trust.signer ? { signer: { ...side.trust.signer, verified: false } } : {}),
  };
}

function pickLine(text: string, origin: SideOrigin, file: string): string {
  const lines = text.split(/\r?\n/);
  if (origin.line !== undefined) {
    const l = lines[origin.line - 1];
    if (l === undefined || l.trim() === '') throw new InputError('JSONL_LINE_NOT_FOUND', `has no attestation on line ${origin.line} (${lines.filter((x) => x.trim() !== '').length} non-empty line(s))`, { file });
    return l;
  }
  const filled = lines.map((l, i) => ({ l, n: i + 1 })).filter((x) => x.l.trim() !== '');
  if (filled.length === 1) return filled[0]!.l;
  if (filled.length === 0) throw new InputError('DOCUMENT_EMPTY', 'holds no attestation', { file });
  throw new InputError('JSONL_AMBIGUOUS', `holds ${filled.length} attestations (lines ${filled.map((x) => x.n).slice(0, 8).join(', ')}${filled.length > 8 ? ', …' : ''}): choose one with ${origin.path}#LINE`, { file });
}

/** A bare DSSE envelope as a bundle whose only verification material is the envelope's keyid (a key hint). */
function envelopeAsBundle(v: unknown, file: string): ParsedBundle {
  if (!isObject(v) || typeof v.payloadType !== 'string') throw new InputError('ENVELOPE_MALFORMED', 'is not a DSSE envelope (payloadType is missing)', { file });
  const payload = decodeBase64(v.payload, 'payload', file, '/payload');
  if (!Array.isArray(v.signatures) || v.signatures.length !== 1) {
    throw new InputError('ENVELOPE_MALFORMED', `a DSSE envelope must carry exactly one signature, found ${Array.isArray(v.signatures) ? v.signatures.length : 'none'}`, { file, pointer: '/signatures' });
  }
  const s = v.signatures[0];
  if (!isObject(s)) throw new InputError('ENVELOPE_MALFORMED', 'signatures[0] is not an object', { file, pointer: '/signatures/0' });
  const keyid = typeof s.keyid === 'string' && s.keyid !== '' ? s.keyid : undefined;
  const envelope: DsseEnvelope = { payloadType: v.payloadType, payload, signatures: [{ sig: decodeBase64(s.sig, 'signatures[0].sig', file, '/signatures/0/sig'), keyid: keyid ?? null }] };
  return { version: '0.3', material: { kind: 'publicKey', ...(keyid ? { hint: keyid } : {}) }, tlogEntryCount: 0, envelope, json: {} };
}

function parsePayload(payload: Buffer, file: string): unknown {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new InputError('PAYLOAD_MALFORMED', 'the signed payload is not valid UTF-8', { file });
  }
  const parsed = parseStrictJsonWithStructure(text, `${file} (signed payload)`);
  if (parsed.structure.maxDepth > MAX_PAYLOAD_DEPTH) throw new InputError('PAYLOAD_MALFORMED', `signed payload: nested ${parsed.structure.maxDepth} levels deep (at most ${MAX_PAYLOAD_DEPTH})`, { file });
  return parsed.value;
}

function subjectOf(statement: Record<string, unknown>): { name: string; digest: string } | undefined {
  const s = Array.isArray(statement.subject) ? statement.subject[0] : undefined;
  if (!isObject(s) || !isObject(s.digest)) return undefined;
  const [alg, value] = Object.entries(s.digest).find(([, v]) => typeof v === 'string') ?? [];
  if (!alg) return undefined;
  return { name: typeof s.name === 'string' ? s.name : '', digest: `${alg}:${String(value)}` };
}

/** Reads the facts of an in-toto statement by its predicate type. */
function fillStatement(side: DecodedSide, statement: unknown, file: string, bundle?: ParsedBundle): void {
  if (!isObject(statement)) throw new InputError('PAYLOAD_MALFORMED', 'the statement is not a JSON object', { file });
  side.document = statement;
  side.predicateType = typeof statement.predicateType === 'string' ? statement.predicateType : undefined;
  const subject = subjectOf(statement);
  if (subject) side.subject = subject;
  if (statement.predicateType === OMS_PREDICATE_V1 || statement.predicateType === OMS_PREDICATE_LEGACY_V01) {
    side.kind = 'model-signature';
    const payload = bundle ? bundle.envelope.payload : Buffer.from(JSON.stringify(statement));
    const m = parseOmsPayload(payload, file, { allowEmpty: true });
    fillSignature(side, m, bundle);
    return;
  }
  if (isObject(statement.predicate) && isObject(statement.predicate.buildDefinition) && statement.predicate.buildDefinition.buildType === 'https://model-provenance.dev/ml-lifecycle/v1') {
    side.kind = 'ml-attestation';
    const p = mlProvenanceFromStatement(statement, file);
    const facts: AttestationFacts = {
      stage: p.stage,
      builderId: p.builderId,
      hyperparameters: p.hyperparameters ?? {},
      accelerators: p.hardware?.accelerators ?? [],
      dependencies: p.dependencies,
      ...(p.trainingRunId !== undefined ? { runId: p.trainingRunId } : {}),
      ...(p.startedOn !== undefined ? { startedOn: p.startedOn } : {}),
      ...(p.finishedOn !== undefined ? { finishedOn: p.finishedOn } : {}),
      ...(p.framework ? { framework: p.framework } : {}),
      ...(p.environment ? { environment: p.environment } : {}),
      ...(p.recipe ? { recipe: p.recipe } : {}),
    };
    side.attestation = facts;
    return;
  }
  if (statement.predicateType === CYCLONEDX_PREDICATE) {
    side.kind = 'manifest';
    fillManifest(side, statement.predicate, file);
    // The statement's subject is the BOM file's digest; the model's root is the BOM's property.
    return;
  }
  side.kind = 'attestation';
  side.predicate = statement.predicate;
}

function fillSignature(side: DecodedSide, m: OmsManifest, bundle?: ParsedBundle): void {
  const s = m.serialization;
  side.signature = {
    predicateType: m.predicateType,
    ...(bundle && side.envelope === 'bundle' ? { bundleVersion: bundle.version } : {}),
    envelope: side.envelope === 'envelope' ? 'envelope' : 'bundle',
    method: s.method,
    hashType: s.hash_type,
    allowSymlinks: s.allow_symlinks,
    ...(s.ignore_paths ? { ignorePaths: s.ignore_paths } : {}),
    ...(s.shard_size !== undefined ? { shardSize: s.shard_size } : {}),
    resourceCount: m.resources.length,
  };
  side.files = filesFromResources(m);
  if (m.rootDigest) {
    side.subject = { name: m.subjectName, digest: `sha256:${m.rootDigest}` };
    if (rootDigest(m.resources) !== m.rootDigest) {
      side.integrity.push({ code: 'ROOT_DIGEST_MISMATCH', message: 'the signed subject digest is not the digest of the signed file list: the signature does not vouch for the files it lists' });
    }
  }
  if (m.resources.length === 0) side.integrity.push({ code: 'MANIFEST_EMPTY', message: 'the signature lists no files: it vouches for no content' });
}

/** A signature's resources as one entry per file (shards grouped under their file). */
export function filesFromResources(m: OmsManifest): FileEntry[] {
  const alg = m.serialization.hash_type;
  if (m.serialization.method === 'files') return m.resources.map((r) => ({ name: r.name, algorithm: alg, digest: `${alg}:${r.digest}`, size: null }));
  const byFile = new Map<string, FileEntry>();
  for (const r of m.resources) {
    const match = /^(.*):(\d+):(\d+)$/.exec(r.name);
    const name = match ? match[1]! : r.name;
    let e = byFile.get(name);
    if (!e) byFile.set(name, (e = { name, algorithm: alg, shards: [], size: null }));
    e.shards!.push({ range: match ? `${match[2]}:${match[3]}` : '', digest: `${alg}:${r.digest}` });
  }
  return [...byFile.values()];
}

// ---- ML-BOM ------------------------------------------------------------------------------

function licenseTexts(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const l of v) {
    if (!isObject(l)) continue;
    if (typeof l.expression === 'string') out.push(l.expression);
    else if (isObject(l.license)) {
      const id = l.license.id ?? l.license.name;
      if (typeof id === 'string') out.push(id);
    }
  }
  return out;
}

function hashTexts(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).filter((h) => typeof h.alg === 'string' && typeof h.content === 'string').map((h) => `${String(h.alg)}:${String(h.content).toLowerCase()}`);
}

/** The facts diff compares in a CycloneDX document; throws for something that is not a BOM. */
function fillManifest(side: DecodedSide, bom: unknown, file: string): void {
  if (!isObject(bom) || bom.bomFormat !== 'CycloneDX') throw new InputError('MANIFEST_MALFORMED', `is not a CycloneDX BOM (bomFormat ${describeValue(isObject(bom) ? bom.bomFormat : undefined)})`, { file });
  side.kind = 'manifest';
  const flat: Omit<ManifestComponent, 'key'>[] = [];
  const seen = new Set<unknown>();
  const walk = (c: unknown): void => {
    if (!isObject(c) || seen.has(c)) return;
    seen.add(c);
    if (typeof c.name === 'string' && typeof c.type === 'string') {
      flat.push({
        type: c.type,
        name: typeof c.group === 'string' && c.group !== '' ? `${c.group}/${c.name}` : c.name,
        ...(typeof c.version === 'string' ? { version: c.version } : {}),
        ...(typeof c['bom-ref'] === 'string' ? { bomRef: c['bom-ref'] } : {}),
        ...(typeof c.purl === 'string' ? { purl: c.purl } : {}),
        hashes: hashTexts(c.hashes),
        licenses: licenseTexts(c.licenses),
      });
    }
    if (Array.isArray(c.components)) c.components.forEach(walk);
    if (isObject(c.pedigree) && Array.isArray(c.pedigree.ancestors)) c.pedigree.ancestors.forEach(walk);
  };
  const metadata = isObject(bom.metadata) ? bom.metadata : {};
  const model = isObject(metadata.component) ? metadata.component : undefined;
  walk(model);
  if (Array.isArray(bom.components)) bom.components.forEach(walk);
  const count = new Map<string, number>();
  for (const c of flat) count.set(`${c.type}:${c.name}`, (count.get(`${c.type}:${c.name}`) ?? 0) + 1);
  const components = flat.map((c) => ({ key: `${c.type}:${c.name}${(count.get(`${c.type}:${c.name}`) ?? 0) > 1 ? `#${c.bomRef ?? c.version ?? '?'}` : ''}`, ...c }));

  const properties: Record<string, string[]> = {};
  if (model && Array.isArray(model.properties)) {
    for (const p of model.properties) if (isObject(p) && typeof p.name === 'string' && typeof p.value === 'string') (properties[p.name] ??= []).push(p.value);
  }
  const root = properties[OMS_ROOT_PROPERTY]?.[0];
  const facts: ManifestFacts = {
    specVersion: String(bom.specVersion ?? '?'),
    ...(typeof bom.serialNumber === 'string' ? { serialNumber: bom.serialNumber } : {}),
    ...(model && typeof model.name === 'string' ? { model: { name: model.name, ...(root ? { rootDigest: `sha256:${root}` } : {}) } } : {}),
    components,
    licenses: licenseTexts(metadata.licenses),
    properties,
  };
  side.manifest = facts;
  if (facts.model?.rootDigest) side.subject = { name: facts.model.name, digest: facts.model.rootDigest };
  // The model's files, as the BOM lists them (file components with a SHA-256).
  if (model && Array.isArray(model.components)) {
    const files: FileEntry[] = [];
    for (const c of model.components) {
      if (!isObject(c) || c.type !== 'file' || typeof c.name !== 'string') continue;
      const sha = hashTexts(c.hashes).find((h) => h.startsWith('SHA-256:'));
      if (sha) files.push({ name: c.name, algorithm: 'sha256', digest: `sha256:${sha.slice(8)}`, size: null });
    }
    if (files.length > 0) side.files = files;
  }
}
