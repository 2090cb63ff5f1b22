import { readFileSync } from 'node:fs';
import { fsError, InputError, isProvenanceError, CancelledError } from '../errors';
import type { DigestCache } from '../hash/digest-cache';
import type { HashProgress } from '../hash/hash-files';
import { enumerateModel, relativeInside } from '../model/enumerate';
import { INTOTO_PAYLOAD_TYPE } from '../oms/types';
import { parseBundle, type ParsedBundle } from '../sigstore/bundle';
import { checkIntegrity, integrityOf, type IntegrityReport } from './integrity';
import type { VerificationResult } from './result';
import { describeSigner } from './signer';
import { evaluateSignatureTrust, type TrustOutcome, type TrustSet } from './trust-set';
import { verifyModel } from './verify-model';
import { parseOmsPayload } from '../oms/manifest';
import type { FlagHit, SignedReferences } from '../incident/references';

/**
 * The one word every surface shows for a signed model, most serious first:
 * error > invalid > flagged > modified > untrusted > not-configured > too-large > verified.
 * `flagged` is set by the flags in force (core/incident/flag-index.ts `flagEvaluation`): the
 * model, what it derives from, or its signer is flagged by an advisory or the policy.
 */
export type ModelTrustState = 'verified' | 'modified' | 'not-configured' | 'untrusted' | 'invalid' | 'too-large' | 'error' | 'flagged';

export interface ModelEvaluation {
  model: string;
  signature: string;
  state: ModelTrustState;
  /** Files against the signed digests; absent when they were not hashed (too large, invalid signature, error). */
  integrity?: IntegrityReport;
  trust: TrustOutcome;
  /** The full verification, when a trusted signer verified the signature. */
  result?: VerificationResult;
  /** Bytes of model files, and the limit that applied (too-large). */
  sizeBytes?: number;
  limitBytes?: number;
  /** Who signed, by kind: "key 91aaa9a2…", "certificate CN=… issued by …", "keyless identity … via …". */
  signerText: string;
  /** What the signature says it covers (its payload; claims until a trusted signer verified it). */
  signed?: SignedReferences;
  /** With state `flagged`: every flagged reference, the gate's code first. */
  flags?: FlagHit[];
  /** One line for a lens or a status item. */
  headline: string;
  /** Sentences for a hover or a notification: integrity, then trust. */
  detail: string;
}

export interface EvaluateModelOptions {
  modelPath: string;
  signaturePath: string;
  trust: TrustSet;
  /** Above this many bytes of model files nothing is hashed: the state is "too-large" (a person asks for it). */
  sizeLimitBytes?: number;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  cache?: DigestCache;
}

/** Bytes of a model's files (its signature left out), or Infinity when it cannot be listed. */
export function modelSize(modelPath: string, signaturePath?: string): number {
  try {
    const sig = signaturePath ? relativeInside(modelPath, signaturePath) : undefined;
    return enumerateModel(modelPath, { allowEmpty: true, allowSymlinks: false, ...(sig ? { ignorePaths: [sig] } : {}) }).files.reduce((s, f) => s + f.size, 0);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** "700 MB", "1.5 GB": binary units, as the size limit setting counts them. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'unknown size';
  const mb = bytes / (1024 * 1024);
  if (mb >= 1024) return `${(mb / 1024).toFixed(mb >= 10240 ? 0 : 1)} GB`;
  if (mb >= 10) return `${Math.round(mb)} MB`;
  if (mb >= 1) return `${mb.toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/**
 * Everything the editor (and any caller wanting both facts) says about a signed model:
 * integrity of the files against the signed digests, and trust in who signed, judged
 * separately, then folded into one state. Integrity is shown even when nobody is trusted
 * (labelled "signature not checked"); a verdict of "verified" needs both. Only a cancel
 * throws; every other failure is a state with a reason code.
 */
export async function evaluateModel(options: EvaluateModelOptions): Promise<ModelEvaluation> {
  const base: { model: string; signature: string; signed?: SignedReferences } = { model: options.modelPath, signature: options.signaturePath };
  let bundle: ParsedBundle;
  try {
    let text: string;
    try {
      text = readFileSync(options.signaturePath, 'utf8');
    } catch (err) {
      const e = fsError(err, options.signaturePath, 'read the signature');
      throw e.code === 'FILE_NOT_FOUND' ? new InputError('SIGNATURE_NOT_FOUND', 'signature file not found', { file: options.signaturePath }) : e;
    }
    bundle = parseBundle(text, options.signaturePath);
    if (bundle.envelope.payloadType !== INTOTO_PAYLOAD_TYPE) {
      throw new InputError('PAYLOAD_TYPE_UNSUPPORTED', `payloadType ${JSON.stringify(bundle.envelope.payloadType)} is not ${INTOTO_PAYLOAD_TYPE}`, { file: options.signaturePath });
    }
  } catch (err) {
    if (!isProvenanceError(err)) throw err;
    return errorState(base, { state: 'error', signer: { method: 'key' }, code: err.code, message: err.message }, 'an unknown signer');
  }
  const trust = evaluateSignatureTrust(bundle, options.trust, options.signaturePath);
  const signerText = describeSigner(trust.signer);
  if (trust.state === 'error') return errorState(base, trust, signerText);
  const signed = signedReferences(bundle, options.signaturePath);
  if (signed) base.signed = signed;
  if (trust.state === 'invalid') {
    return { ...base, state: 'invalid', trust, signerText, headline: `signature invalid: ${trust.message ?? trust.code}`, detail: `The signature does not verify (${trust.code}): ${trust.message}. The files were not compared: the digests it lists cannot be relied on.` };
  }

  if (options.sizeLimitBytes !== undefined) {
    const size = modelSize(options.modelPath, options.signaturePath);
    if (size > options.sizeLimitBytes) {
      const headline = `not verified automatically: ${formatSize(size)} > ${formatSize(options.sizeLimitBytes)} limit`;
      return { ...base, state: 'too-large', trust, signerText, sizeBytes: size, limitBytes: options.sizeLimitBytes, headline, detail: `${headline} (modelProvenance.autoVerifySizeLimitMB). Signed by ${signerText}. Run Verify to hash it now.` };
    }
  }

  let integrity: IntegrityReport;
  let result: VerificationResult | undefined;
  try {
    if (trust.state === 'verified' && trust.trust) {
      result = await verifyModel({ modelPath: options.modelPath, signaturePath: options.signaturePath, trust: trust.trust, signal: options.signal, onProgress: options.onProgress, cache: options.cache });
      integrity = integrityOf(result.files, result.problems);
      // verifyModel re-checks the signature with the one trust that matched; a disagreement is a failure, never a pass.
      const other = result.problems.find((p) => !p.code.startsWith('FILE_') && p.code !== 'ROOT_DIGEST_MISMATCH' && p.code !== 'MANIFEST_EMPTY');
      if (other) return errorState(base, { ...trust, state: 'error', code: other.code, message: other.message }, signerText);
    } else {
      integrity = await checkIntegrity(bundle, { modelPath: options.modelPath, signaturePath: options.signaturePath, signal: options.signal, onProgress: options.onProgress, cache: options.cache });
    }
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    if (!isProvenanceError(err)) throw err;
    return errorState(base, { ...trust, state: 'error', code: err.code, message: err.message }, signerText);
  }

  const trustLine = trustSentence(trust, signerText);
  const detail = `${capital(integrity.summary)}. ${trustLine}`;
  if (integrity.state === 'modified') {
    return { ...base, state: 'modified', integrity, trust, ...(result ? { result } : {}), signerText, headline: `modified: ${integrity.summary}`, detail };
  }
  switch (trust.state) {
    case 'verified':
      return { ...base, state: 'verified', integrity, trust, ...(result ? { result } : {}), signerText, headline: `verified: ${signerText}`, detail };
    case 'untrusted':
      return { ...base, state: 'untrusted', integrity, trust, signerText, headline: `files match, signer not trusted: ${signerText}`, detail };
    default:
      return { ...base, state: 'not-configured', integrity, trust, signerText, headline: 'files match, signature not checked: no trusted signer configured', detail };
  }
}

/** The model's root digest and signed files as the payload lists them; undefined when it does not parse. */
function signedReferences(bundle: ParsedBundle, file: string): SignedReferences | undefined {
  try {
    const m = parseOmsPayload(bundle.envelope.payload, file, { allowEmpty: true });
    const sha = (d: string): string => (d.startsWith('sha256:') ? d : `sha256:${d}`);
    return {
      ...(m.rootDigest ? { subject: { name: m.subjectName, digest: sha(m.rootDigest) } } : {}),
      resources: m.resources.filter((r) => /^sha256$/i.test(r.algorithm)).map((r) => ({ name: r.name, digest: sha(r.digest) })),
    };
  } catch {
    return undefined;
  }
}

function trustSentence(trust: TrustOutcome, signerText: string): string {
  switch (trust.state) {
    case 'verified':
      return `Signed by ${signerText}, whom you trust.`;
    case 'untrusted':
      return `Not trusted (${trust.code}): ${trust.message}.`;
    default:
      return `Signature not checked: no trusted signer configured for this kind of signature. Signed by ${signerText}.`;
  }
}

function errorState(base: { model: string; signature: string }, trust: TrustOutcome, signerText: string | undefined): ModelEvaluation {
  const text = signerText ?? describeSigner(trust.signer);
  return { ...base, state: 'error', trust, signerText: text, headline: `not verified: ${trust.message} [${trust.code}]`, detail: `The signature could not be evaluated (${trust.code}): ${trust.message}.` };
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
