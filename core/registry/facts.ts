import { X509Certificate, createHash } from 'node:crypto';
import { InputError } from '../errors';
import { isObject } from '../io/json';
import { keyHint, publicKeyFromBytes } from '../keys/keys';
import { INTOTO_PAYLOAD_TYPE } from '../oms/types';

const HEX64 = /^[0-9a-f]{64}$/;

/** One input a statement says it consumed (SLSA `resolvedDependencies`). */
export interface InputFact {
  /** `sha256:<hex>` */
  digest: string;
  /** `annotations.role` (base-model, adapter, dataset, tokenizer, code), or `input` when absent. */
  role: string;
  name?: string;
}

/**
 * What a stored bundle claims about itself, as the reverse index keeps it: unverified by
 * design. The index only decides where to look; every reader that trusts a fact verifies
 * the bundle's signature first and re-reads it from the verified payload.
 */
export interface EntryFacts {
  /** `sha256:<hex>` of the bundle bytes: the registry entry id. */
  id: string;
  predicateType: string;
  subjects: { digest: string; name?: string }[];
  /** Lifecycle stage of an ML provenance statement. */
  stage?: string;
  inputs: InputFact[];
  /**
   * The signer the bundle names, as a match key: `key:<hex>` (the OMS key hint, for key and
   * certificate-chain bundles: the leaf's key) or `identity:<hex>` (see `identityDigest`).
   */
  signer?: string;
  /** A readable form of the signer (a keyless identity and its issuer). */
  signerLabel?: string;
  /** The time the statement claims: finishedOn/startedOn, timeVerified, or the VEX timestamp. */
  time?: string;
  runId?: string;
  builderId?: string;
  /** One short predicate-specific detail: a deployment environment, an advisory id. */
  detail?: string;
}

/** The facts of an entry that describe the statement (not its subjects or inputs). */
export type StatementFacts = Partial<Pick<EntryFacts, 'stage' | 'signer' | 'signerLabel' | 'time' | 'runId' | 'builderId'>>;

/**
 * Copies an entry's statement facts onto `target`, each only when present, always in this order
 * (stage, signer, signerLabel, time, runId, builderId: the order reports print keys in).
 * Returns `target`.
 */
export function copyStatementFacts<T extends StatementFacts>(target: T, f: EntryFacts): T {
  if (f.stage) target.stage = f.stage;
  if (f.signer) target.signer = f.signer;
  if (f.signerLabel) target.signerLabel = f.signerLabel;
  if (f.time) target.time = f.time;
  if (f.runId) target.runId = f.runId;
  if (f.builderId) target.builderId = f.builderId;
  return target;
}

/**
 * The digest that names a keyless signer (a Sigstore identity and its OIDC issuer) wherever a
 * digest is needed: sha256 of the UTF-8 bytes of `issuer + "\n" + identity`.
 */
export function identityDigest(identity: string, issuer: string): string {
  return `sha256:${createHash('sha256').update(`${issuer}\n${identity}`, 'utf8').digest('hex')}`;
}

const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
const SLSA_VSA_V1 = 'https://slsa.dev/verification_summary/v1';
const OPENVEX_V020 = 'https://openvex.dev/ns/v0.2.0';
const OMS_PREDICATE_PREFIX = 'https://model_signing/';
/** The extension field (a URI, as SLSA's parsing rules ask) that records a deployment. */
export const DEPLOYMENT_EXTENSION = 'https://model-provenance.dev/deployment/v1';

/**
 * Reads the facts of one bundle (throws InputError when it is not an in-toto bundle). Parsed
 * with plain JSON.parse, not the strict parser: the facts only say where to look, and every
 * reader that uses an entry parses and verifies it strictly (a duplicate key there is an error).
 */
export function entryFacts(text: string, id: string, file: string): EntryFacts {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new InputError('BUNDLE_MALFORMED', 'not JSON', { file });
  }
  const env = isObject(doc) ? doc.dsseEnvelope : undefined;
  if (!isObject(env) || typeof env.payload !== 'string') throw new InputError('BUNDLE_NO_ENVELOPE', 'no DSSE envelope', { file });
  if (env.payloadType !== INTOTO_PAYLOAD_TYPE) {
    throw new InputError('PAYLOAD_TYPE_UNSUPPORTED', `payloadType ${JSON.stringify(env.payloadType)} is not an in-toto statement`, { file });
  }
  let st: unknown;
  try {
    st = JSON.parse(Buffer.from(env.payload, env.payload.includes('-') || env.payload.includes('_') ? 'base64url' : 'base64').toString('utf8'));
  } catch {
    throw new InputError('PAYLOAD_MALFORMED', 'the payload is not JSON', { file });
  }
  if (!isObject(st) || !Array.isArray(st.subject) || typeof st.predicateType !== 'string') {
    throw new InputError('PAYLOAD_MALFORMED', 'the payload is not an in-toto statement', { file });
  }
  const subjects: EntryFacts['subjects'] = [];
  const seen = new Set<string>();
  for (const s of st.subject) {
    if (!isObject(s) || !isObject(s.digest) || typeof s.digest.sha256 !== 'string' || !HEX64.test(s.digest.sha256)) continue;
    const digest = `sha256:${s.digest.sha256}`;
    if (seen.has(digest)) continue;
    seen.add(digest);
    subjects.push({ digest, ...(typeof s.name === 'string' ? { name: s.name } : {}) });
  }
  if (subjects.length === 0) throw new InputError('PAYLOAD_MALFORMED', 'the statement has no sha256 subject', { file });
  const facts: EntryFacts = { id, predicateType: st.predicateType, subjects, inputs: [] };
  const vm = isObject(doc) && isObject(doc.verificationMaterial) ? doc.verificationMaterial : {};
  Object.assign(facts, signerFacts(vm));
  const p = isObject(st.predicate) ? st.predicate : {};
  if (st.predicateType === SLSA_PROVENANCE_V1) {
    const bd = isObject(p.buildDefinition) ? p.buildDefinition : {};
    const ext = isObject(bd.externalParameters) ? bd.externalParameters : {};
    if (typeof ext.stage === 'string') facts.stage = ext.stage;
    if (Array.isArray(bd.resolvedDependencies)) {
      for (const d of bd.resolvedDependencies) {
        if (!isObject(d) || !isObject(d.digest) || typeof d.digest.sha256 !== 'string' || !HEX64.test(d.digest.sha256)) continue;
        const role = isObject(d.annotations) && typeof d.annotations.role === 'string' ? d.annotations.role : 'input';
        facts.inputs.push({ digest: `sha256:${d.digest.sha256}`, role, ...(typeof d.name === 'string' ? { name: d.name } : {}) });
      }
    }
    const rd = isObject(p.runDetails) ? p.runDetails : {};
    const md = isObject(rd.metadata) ? rd.metadata : {};
    const time = typeof md.finishedOn === 'string' ? md.finishedOn : typeof md.startedOn === 'string' ? md.startedOn : undefined;
    if (time) facts.time = time;
    const run = typeof ext.trainingRunId === 'string' ? ext.trainingRunId : typeof md.invocationId === 'string' ? md.invocationId : undefined;
    if (run) facts.runId = run;
    if (isObject(rd.builder) && typeof rd.builder.id === 'string') facts.builderId = rd.builder.id;
  } else if (st.predicateType.startsWith(OMS_PREDICATE_PREFIX)) {
    // An OMS model signature states no time; a Sigstore one has its transparency-log time,
    // the time the gate judges it by (a claim here, like every fact).
    const tlog = Array.isArray(vm.tlogEntries) ? vm.tlogEntries[0] : undefined;
    const it = isObject(tlog) ? Number(tlog.integratedTime) : Number.NaN;
    if (Number.isFinite(it) && it > 0) facts.time = new Date(it * 1000).toISOString();
  } else if (st.predicateType === SLSA_VSA_V1) {
    if (typeof p.timeVerified === 'string') facts.time = p.timeVerified;
    if (isObject(p.verifier) && typeof p.verifier.id === 'string') facts.builderId = p.verifier.id;
    const dep = p[DEPLOYMENT_EXTENSION];
    if (isObject(dep) && typeof dep.environment === 'string') facts.detail = dep.environment;
  } else if (st.predicateType === OPENVEX_V020) {
    if (typeof p.timestamp === 'string') facts.time = p.timestamp;
    const first = Array.isArray(p.statements) ? p.statements[0] : undefined;
    if (isObject(first) && isObject(first.vulnerability) && typeof first.vulnerability.name === 'string') facts.detail = first.vulnerability.name;
  }
  return facts;
}

/** The signer a bundle's verificationMaterial names (claimed, not verified). */
function signerFacts(vm: Record<string, unknown>): Pick<EntryFacts, 'signer' | 'signerLabel'> {
  const b64 = (v: unknown): Buffer | undefined => (typeof v === 'string' && v.length > 0 ? Buffer.from(v, 'base64') : undefined);
  try {
    if (isObject(vm.publicKey)) {
      const raw = b64(vm.publicKey.rawBytes);
      if (raw) return { signer: `key:${keyHint(publicKeyFromBytes(raw, 'rawBytes'))}` };
      const hint = vm.publicKey.hint;
      return typeof hint === 'string' && HEX64.test(hint) ? { signer: `key:${hint}` } : {};
    }
    const chain = isObject(vm.x509CertificateChain) && Array.isArray(vm.x509CertificateChain.certificates) ? vm.x509CertificateChain.certificates[0] : undefined;
    const leaf = b64(isObject(chain) ? chain.rawBytes : undefined);
    if (leaf) return { signer: `key:${keyHint(new X509Certificate(leaf).publicKey)}` };
    const der = b64(isObject(vm.certificate) ? vm.certificate.rawBytes : undefined);
    if (der) {
      const cert = new X509Certificate(der);
      const san = cert.subjectAltName?.split(', ')[0]?.replace(/^(email|URI):/, '');
      const issuer = fulcioIssuer(der);
      if (san && issuer) return { signer: `identity:${identityDigest(san, issuer).slice(7)}`, signerLabel: `${san} (${issuer})` };
    }
  } catch {
    /* an unreadable key or certificate names no signer; verification will say why */
  }
  return {};
}

// Fulcio's OIDC issuer extensions: 1.3.6.1.4.1.57264.1.8 (DER UTF8String) and the older .1.1 (raw bytes).
const ISSUER_V2 = Buffer.from('060a2b0601040183bf300108', 'hex');
const ISSUER_V1 = Buffer.from('060a2b0601040183bf300101', 'hex');

/** The OIDC issuer a Fulcio certificate records, found by its extension OID in the DER. */
export function fulcioIssuer(der: Buffer): string | undefined {
  for (const [oid, wrapped] of [[ISSUER_V2, true], [ISSUER_V1, false]] as const) {
    const at = der.indexOf(oid);
    if (at < 0) continue;
    let i = at + oid.length;
    if (der[i] === 0x01) i += 3; // critical BOOLEAN
    if (der[i] !== 0x04) continue; // extnValue OCTET STRING
    const [len, off] = derLength(der, i + 1);
    let value = der.subarray(off, off + len);
    if (wrapped) {
      if (value[0] !== 0x0c) continue; // UTF8String
      const [l2, o2] = derLength(value, 1);
      value = value.subarray(o2, o2 + l2);
    }
    return value.toString('utf8');
  }
  return undefined;
}

function derLength(b: Buffer, i: number): [number, number] {
  const first = b[i] ?? 0;
  if (first < 0x80) return [first, i + 1];
  const n = first & 0x7f;
  let len = 0;
  for (let k = 0; k < n; k++) len = len * 256 + (b[i + 1 + k] ?? 0);
  return [len, i + 1 + n];
}
