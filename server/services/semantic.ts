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
import type { IgnoredTrust } from '../../core/editor/trust-settings';
import { misplacedFindings, trustFinding, withRestrictedNote } from './state-findings';

export interface SemanticContext {
  file: string;
  analysis: DocumentAnalysis;
  trust: TrustSet;
  /** Trust entries that could not be used; the misplaced ones are each a warning on a signed bundle. */
  problems?: TrustProblem[];
  /** Restricted Mode: what the workspace named and was ignored, said beside a signer not trusted. */
  ignored?: IgnoredTrust;
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
      const trust = withRestrictedNote(evaluateSignatureTrust(ctx.analysis.bundle, ctx.trust, ctx.file), ctx.ignored);
      const f = trustFinding(trust, ctx.analysis, ctx.file);
      return { findings: [...misplacedFindings(ctx.problems ?? [], ctx.analysis), ...(f ? [f] : [])], trust };
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
