import {
  CancelledError,
  checkManifestDisk,
  evaluateSignatureTrust,
  isProvenanceError,
  rangeFor,
  type DigestCache,
  type DocumentAnalysis,
  type Finding,
  type TrustOutcome,
  type TrustProblem,
  type TrustSet,
} from '../../core';
import { trustFinding } from './state-findings';

export interface SemanticContext {
  file: string;
  analysis: DocumentAnalysis;
  trust: TrustSet;
  /** Trust entries in the wrong setting, named beside "signature not checked". */
  misplaced?: TrustProblem[];
  signal: AbortSignal;
  cache?: DigestCache;
}

/**
 * The checks that read files or verify signatures, off the request path: a manifest's
 * digests against the files on disk (streamed through the core's hashing, cancelled when the
 * document changes), and an attestation bundle's signature against every trusted signer
 * kind. Model signatures are not here: their one state lives in the model states.
 */
export async function semanticFindings(ctx: SemanticContext): Promise<{ findings: Finding[]; trust?: TrustOutcome }> {
  const kind = ctx.analysis.detection?.kind;
  try {
    if (kind === 'manifest') {
      const v = await checkManifestDisk(ctx.analysis.doc, ctx.file, { signal: ctx.signal, cache: ctx.cache });
      return { findings: v.findings };
    }
    if ((kind === 'ml-attestation' || kind === 'intoto') && ctx.analysis.bundle && ctx.analysis.findings.length === 0) {
      const trust = evaluateSignatureTrust(ctx.analysis.bundle, ctx.trust, ctx.file);
      const f = trustFinding(trust, ctx.analysis, ctx.file, ctx.misplaced);
      return { findings: f ? [f] : [], trust };
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
