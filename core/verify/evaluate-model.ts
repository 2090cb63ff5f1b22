import { readFileSync, statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fsError, InputError, isProvenanceError, CancelledError } from '../errors';
import type { DigestCache } from '../hash/digest-cache';
import type { HashProgress } from '../hash/hash-files';
import { enumerateModel, relativeInside } from '../model/enumerate';
import { resolveIgnorePathsFromCwd } from '../model/ignore-paths';
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
  /** With ignore paths given for a model folder whose files were compared: which applied to it (said in the detail). */
  ignorePaths?: IgnorePathsReport;
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
  /**
   * Paths to leave out beyond what the signature records (the editor's `modelProvenance.ignorePaths`),
   * relative to the model folder, or absolute. They mean what the CLI's `--ignore-paths` means
   * once resolved: the CLI's own resolution (`resolveIgnorePathsFromCwd`) with the model folder
   * as the working directory. A path outside the model, or naming the model itself, is dropped;
   * one that names nothing here is no error (one setting serves every model of a workspace).
   * Nothing applies to a single-file model. What applied is in `ignorePaths` of the evaluation.
   */
  ignorePaths?: readonly string[];
  /** How the ignore paths are named to the person (default `modelProvenance.ignorePaths`). */
  ignorePathsSource?: string;
}

/** Which of the given ignore paths applied to one model, and one sentence saying so. */
export interface IgnorePathsReport {
  /** Where the paths came from ("modelProvenance.ignorePaths"). */
  source: string;
  /** Model-relative paths that left something out of this model: not compared with the signature. */
  applied: string[];
  /** Model-relative paths that name nothing in this model (no effect here). */
  unmatched: string[];
  /** Paths as given that lie outside this model, or name the model itself: dropped. */
  dropped: string[];
  /** "Left out by modelProvenance.ignorePaths: ignore-me (not compared with the signature)." */
  text: string;
}

/**
 * The given ignore paths placed in one model (the CLI's resolution, the model folder as the
 * working directory); undefined when none are given or the model is not a folder.
 */
export function placeIgnorePaths(modelPath: string, given: readonly string[] | undefined): { paths: string[]; dropped: string[] } | undefined {
  if (!given?.length) return undefined;
  try {
    if (!statSync(modelPath).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const r = resolveIgnorePathsFromCwd(modelPath, given, modelPath);
  return { paths: [...new Set(r.paths)], dropped: [...r.outside, ...r.root] };
}

/** What applied, in one sentence for a hover, a notification and the report. */
export function ignorePathsReport(source: string, placed: { paths: string[]; dropped: string[] }, applied: readonly string[]): IgnorePathsReport {
  const used = placed.paths.filter((p) => applied.includes(p));
  const unmatched = placed.paths.filter((p) => !applied.includes(p));
  const list = (xs: string[]): string => xs.map((x) => JSON.stringify(x)).join(', ');
  const parts: string[] = [];
  parts.push(used.length ? `Left out by ${source}: ${list(used)} (not compared with the signature)` : `Nothing in this model is left out by ${source}`);
  if (unmatched.length) parts.push(`not in this model: ${list(unmatched)}`);
  if (placed.dropped.length) parts.push(`outside this model (dropped): ${list(placed.dropped)}`);
  return { source, applied: used, unmatched, dropped: placed.dropped, text: `${parts.join('; ')}.` };
}

/**
 * Bytes of a model's files (its signature left out), or NaN when they cannot be listed (a
 * symlink, an unreadable folder): no size is then claimed, and verification says why.
 */
export function modelSize(modelPath: string, signaturePath?: string, ignorePaths: readonly string[] = [], allowSymlinks = false): number {
  try {
    const sig = signaturePath ? relativeInside(modelPath, signaturePath) : undefined;
    const ignored = [...(sig ? [sig] : []), ...ignorePaths];
    return enumerateModel(modelPath, { allowEmpty: true, allowSymlinks, ...(ignored.length ? { ignorePaths: ignored } : {}) }).files.reduce((s, f) => s + f.size, 0);
  } catch {
    return Number.NaN;
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

  const placed = placeIgnorePaths(options.modelPath, options.ignorePaths);
  const ignorePaths = placed?.paths.length ? placed.paths : undefined;
  if (options.sizeLimitBytes !== undefined) {
    // Measured over the files the signature covers, symlinks followed as it followed them.
    const size = modelSize(options.modelPath, options.signaturePath, ignorePaths, signedAllowsSymlinks(bundle));
    if (size > options.sizeLimitBytes) {
      const headline = `not verified automatically: ${formatSize(size)} > ${formatSize(options.sizeLimitBytes)} limit`;
      return { ...base, state: 'too-large', trust, signerText, sizeBytes: size, limitBytes: options.sizeLimitBytes, headline, detail: `${headline} (modelProvenance.autoVerifySizeLimitMB). Signed by ${signerText}. Run Verify to hash it now.` };
    }
  }

  const ignoreSource = options.ignorePathsSource ?? 'modelProvenance.ignorePaths';
  const scopeNames = { ...EDITOR_SCOPE_NAMES, ignorePaths: ignoreSource };
  let integrity: IntegrityReport;
  let result: VerificationResult | undefined;
  try {
    if (trust.state === 'verified' && trust.trust) {
      result = await verifyModel({ modelPath: options.modelPath, signaturePath: options.signaturePath, trust: trust.trust, ignorePaths, signal: options.signal, onProgress: options.onProgress, cache: options.cache, optionNames: scopeNames });
      integrity = { ...integrityOf(result.files, result.problems), ...(result.appliedIgnorePaths ? { appliedIgnorePaths: result.appliedIgnorePaths } : {}) };
      // verifyModel re-checks the signature with the one trust that matched; a disagreement is a failure, never a pass.
      const other = result.problems.find((p) => !p.code.startsWith('FILE_') && p.code !== 'ROOT_DIGEST_MISMATCH' && p.code !== 'MANIFEST_EMPTY');
      if (other) return errorState(base, { ...trust, state: 'error', code: other.code, message: other.message }, signerText);
    } else {
      integrity = await checkIntegrity(bundle, { modelPath: options.modelPath, signaturePath: options.signaturePath, ignorePaths, signal: options.signal, onProgress: options.onProgress, cache: options.cache, optionNames: scopeNames });
    }
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    if (!isProvenanceError(err)) throw err;
    // The file a problem is about (a symlink, an unreadable file) is named, relative to the model.
    const where = err.file ? relative(options.modelPath, err.file) : '';
    const message = where && !where.startsWith('..') && !err.message.includes(where) ? `${where.split(sep).join('/')}: ${err.message}` : err.message;
    return errorState(base, { ...trust, state: 'error', code: err.code, message }, signerText);
  }

  const trustLine = trustSentence(trust, signerText);
  // Said beside the files, so that nobody is surprised by a file the setting skipped.
  const scope = placed ? { ignorePaths: ignorePathsReport(ignoreSource, placed, integrity.appliedIgnorePaths ?? []) } : {};
  const detail = `${capital(integrity.summary)}. ${trustLine}${scope.ignorePaths ? ` ${scope.ignorePaths.text}` : ''}`;
  if (integrity.state === 'modified') {
    return { ...base, state: 'modified', integrity, trust, ...(result ? { result } : {}), ...scope, signerText, headline: `modified: ${integrity.summary}`, detail };
  }
  switch (trust.state) {
    case 'verified':
      return { ...base, state: 'verified', integrity, trust, ...(result ? { result } : {}), ...scope, signerText, headline: `verified: ${signerText}`, detail };
    case 'untrusted':
      return { ...base, state: 'untrusted', integrity, trust, ...scope, signerText, headline: `files match, signer not trusted: ${signerText}`, detail };
    default:
      return { ...base, state: 'not-configured', integrity, trust, ...scope, signerText, headline: `files match, signature not checked: ${trust.unchecked ?? 'no trusted signer configured'}`, detail };
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
      return `Signature not checked: ${trust.unchecked ?? 'no trusted signer configured'}. Signed by ${signerText}.`;
  }
}

/** Whether the signature's payload says its signer followed symlinks (false when it does not parse). */
function signedAllowsSymlinks(bundle: ParsedBundle): boolean {
  try {
    return parseOmsPayload(bundle.envelope.payload, 'model.sig', { allowEmpty: true }).serialization.allow_symlinks === true;
  } catch {
    return false;
  }
}

/** The editor has no symlink setting: what follows a symlink in a model is the signature's own record. */
const EDITOR_SCOPE_NAMES = { allowSymlinks: 'a signature made with symlinks allowed' } as const;

function errorState(base: { model: string; signature: string }, trust: TrustOutcome, signerText: string | undefined): ModelEvaluation {
  const text = signerText ?? describeSigner(trust.signer);
  return { ...base, state: 'error', trust, signerText: text, headline: `not verified: ${trust.message} [${trust.code}]`, detail: `The signature could not be evaluated (${trust.code}): ${trust.message}.` };
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
