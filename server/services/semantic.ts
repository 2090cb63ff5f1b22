import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CancelledError,
  enumerateModel,
  isProvenanceError,
  rangeFor,
  checkManifestDisk,
  verifyModel,
  type DocumentAnalysis,
  type DigestCache,
  type Finding,
  type HashProgress,
  type TrustedKey,
  type VerificationResult,
} from '../../core';

export interface SemanticContext {
  file: string;
  text: string;
  analysis: DocumentAnalysis;
  keys: TrustedKey[];
  sizeLimitBytes: number;
  signal: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  cache?: DigestCache;
}

/** Total size of a model folder, to decide whether it may be hashed without being asked. */
export function modelSize(path: string): number {
  try {
    return enumerateModel(path, { allowEmpty: true, allowSymlinks: false }).files.reduce((s, f) => s + f.size, 0);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * The checks that read model files: manifest digests on disk, and a model signature
 * against the folder it sits in. Streamed through the core's hashing (worker threads),
 * cancelled when the document changes, never on the request path.
 */
export async function semanticFindings(ctx: SemanticContext): Promise<{ findings: Finding[]; verification?: VerificationResult }> {
  const kind = ctx.analysis.detection?.kind;
  try {
    if (kind === 'manifest') {
      const v = await checkManifestDisk(ctx.analysis.doc, ctx.file, { signal: ctx.signal, cache: ctx.cache });
      return { findings: v.findings };
    }
    if (kind === 'model-signature' && ctx.analysis.bundle && ctx.keys.length > 0 && ctx.analysis.findings.length === 0) {
      const model = dirname(ctx.file);
      if (modelSize(model) > ctx.sizeLimitBytes) return { findings: [] };
      const result = await runVerification(ctx.file, ctx.keys, ctx.signal, ctx.onProgress, ctx.cache);
      return { findings: verificationFindings(result, ctx.analysis), verification: result };
    }
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    if (isProvenanceError(err)) {
      return { findings: [{ code: err.code, severity: 'error', message: err.message, ...rangeFor(ctx.analysis.doc, err.pointer ?? '', 'value') }] };
    }
    throw err;
  }
  return { findings: [] };
}

export function runVerification(sigFile: string, keys: TrustedKey[], signal?: AbortSignal, onProgress?: (p: HashProgress) => void, cache?: DigestCache): Promise<VerificationResult> {
  const model = dirname(sigFile);
  statSync(model);
  return verifyModel({ modelPath: model, signaturePath: sigFile, trust: { kind: 'key', keys }, signal, onProgress, cache });
}

/** Verification problems as findings on the signature document (the payload holds the digests). */
export function verificationFindings(result: VerificationResult, analysis: DocumentAnalysis): Finding[] {
  const doc = analysis.doc;
  return result.problems.map((p) => ({
    code: p.code,
    severity: 'error' as const,
    message: p.file ? `${p.file}: ${p.message}` : p.message,
    pointer: p.code.startsWith('FILE_') ? '/dsseEnvelope/payload' : '/dsseEnvelope/signatures/0/sig',
    ...(p.file ? { data: { file: p.file } } : {}),
    ...rangeFor(doc, p.code.startsWith('FILE_') ? '/dsseEnvelope/payload' : '/dsseEnvelope/signatures/0/sig', 'value'),
  }));
}
