import type { Problem, VerificationResult } from '../verify/result';
import { describeFlag, revocationsFor, type EffectiveFlags } from './advisories';

/**
 * What the flags in force say about a verified model signature (the signature-only gate with a
 * policy): FLAGGED_ARTIFACT when the signed model is flagged, SIGNER_REVOKED when its signer is.
 * An OMS signature made with a key or certificate carries no trusted signing time, so a flag
 * with a `since` window revokes it (it cannot be shown to predate the window); a Sigstore
 * signature's transparency-log time is used when there is one.
 */
export function signatureFlagProblems(result: VerificationResult, flags: EffectiveFlags): Problem[] {
  const problems: Problem[] = [];
  const digest = result.subject?.digest;
  for (const f of digest ? (flags.digests.get(digest) ?? []) : []) {
    problems.push({ code: 'FLAGGED_ARTIFACT', message: `the signed model ${result.subject!.name} ${digest} is flagged${f.source === 'policy' ? `: ${f.reason}` : ` by ${describeFlag(f)}`}` });
  }
  if (result.verdict === 'verified' || result.signer) {
    for (const f of revocationsFor(flags, result.signer, result.signedAt)) {
      const who = f.target.kind === 'key' ? `key ${f.target.keyId.slice(0, 16)}…` : f.target.kind === 'identity' ? `identity ${f.target.identity}` : 'a flagged signer';
      const when = result.signedAt ? `at ${result.signedAt}` : f.since ? '(the signature carries no trusted time, so it cannot be shown to predate the window)' : '';
      problems.push({
        code: f.source === 'policy' ? 'FLAGGED_SIGNER' : 'SIGNER_REVOKED',
        message: `the model signature was made by ${who}${when ? ` ${when}` : ''}${f.since ? `; revoked since ${f.since}` : ''}: ${describeFlag(f)}`,
      });
    }
  }
  return problems;
}
