import { flagFindings, isMisplaced, rangeFor, type DocumentAnalysis, type Finding, type TrustOutcome, type TrustProblem } from '../../core';
import type { PolicyProblem } from '../../core/editor/protocol';
import { restrictedNote, SETTING_INVALID, type IgnoredTrust } from '../../core/editor/trust-settings';
import { describeTrustProblem } from './trust';
import type { EditorEvaluation } from './model-states';

/** Where each statement about a signature is shown in the bundle: on keys, never across the base64. */
const AT = {
  files: '/dsseEnvelope/payload',
  signer: '/verificationMaterial',
  envelope: '/dsseEnvelope',
  signature: '/dsseEnvelope/signatures/0/sig',
} as const;

/** Codes that a "Trust this signer…" quick fix answers. */
export const TRUSTABLE = new Set(['TRUST_NOT_CONFIGURED', 'KEY_UNTRUSTED', 'IDENTITY_MISMATCH', 'ISSUER_MISMATCH', 'CERT_CHAIN_UNTRUSTED']);

/**
 * The diagnostics of a model signature, rendered from its model's one state: integrity
 * (information when the files match, an error per file that differs) and trust (who signed,
 * and whether you trust them), each in its own words. Nothing while the state is being
 * computed: a stale "verified" is worse than a moment of silence.
 */
export function modelStateFindings(ev: EditorEvaluation, analysis: DocumentAnalysis, signature: string, problems: TrustProblem[] = [], settingProblems: readonly string[] = []): Finding[] {
  const doc = analysis.doc;
  const at = (pointer: string): { offset: number; length: number } => rangeFor(doc, pointer, 'key');
  // A trust entry in the wrong setting is its own warning, whatever the state (finding 3); so is a setting that cannot be used.
  const out: Finding[] = [...misplacedFindings(problems, analysis), ...settingFindings(settingProblems, analysis)];
  // Files the person's ignore paths left out are named beside "files match", never silently skipped.
  const skipped = ev.ignorePaths?.applied.length ? `; left out by ${ev.ignorePaths.source}: ${ev.ignorePaths.applied.join(', ')}` : '';
  // A configured policy that cannot be loaded fails the model closed: said first, at the envelope.
  if (ev.policy) out.push(policyFinding(ev.policy, 'model', at(AT.envelope), AT.envelope));
  // The flags in force first: a flagged model or a revoked signer is the gate's refusal, whatever else holds.
  if (ev.flags?.length) out.push(...flagFindings(doc, ev.flags).map((f) => ({ ...f, data: { ...f.data, signature } })));
  // The CLI's ADVISORIES_NOT_READ: the registry holds advisories nothing reads, so a flag would not show here.
  if (ev.advisoriesNotRead && !ev.policy) out.push({ code: 'ADVISORIES_NOT_READ', severity: 'warning', message: ev.advisoriesNotRead, pointer: AT.envelope, ...at(AT.envelope) });
  // Policy failed: not "verified", but the files and the signer are still facts worth showing.
  const state = ev.policy && ev.state === 'error' && ev.trust.state !== 'error' ? (ev.integrity?.state === 'modified' ? 'modified' : 'checked') : ev.state;
  switch (state) {
    case 'verified':
      out.push({ code: 'MODEL_VERIFIED', severity: 'info', message: `verified: signed by ${ev.signerText}, whom you trust; ${ev.integrity?.summary ?? 'files match'}${skipped}`, pointer: AT.envelope, ...at(AT.envelope) });
      return out;
    case 'too-large':
      out.push({ code: 'MODEL_TOO_LARGE', severity: 'info', message: `${ev.headline}: run Verify (the lens above) to hash it now`, pointer: AT.envelope, data: { signature }, ...at(AT.envelope) });
      return out;
    case 'invalid':
    case 'error':
      out.push({ code: ev.trust.code ?? 'SIGNATURE_INVALID', severity: 'error', message: ev.trust.message ?? ev.headline, pointer: AT.signature, ...rangeFor(doc, AT.signature, 'value') });
      return out;
    default:
      break;
  }
  if (ev.integrity) {
    if (ev.integrity.state === 'ok') {
      const unchecked = ev.trust.state === 'verified' ? '' : ' (signature not checked: these are the digests the signature lists)';
      out.push({ code: 'INTEGRITY_OK', severity: 'info', message: `${ev.integrity.summary}${unchecked}${skipped}`, pointer: AT.files, ...at(AT.files) });
    } else {
      for (const p of ev.integrity.problems) {
        const message =
          p.code === 'FILE_MODIFIED'
            ? `${p.file} differs from the signed digest`
            : p.code === 'FILE_MISSING'
              ? `${p.file} is missing (it is signed)`
              : p.code === 'FILE_UNEXPECTED'
                ? `${p.file} is not covered by the signature${ev.ignorePathsNote ? `; ${ev.ignorePathsNote}` : ''}`
                : p.message;
        out.push({ code: p.code, severity: 'error', message, pointer: AT.files, ...(p.file ? { data: { file: p.file } } : {}), ...at(AT.files) });
      }
    }
  }
  // Files that differ from the signed digests: trusting the signer would hide nothing and fix nothing,
  // so "Trust this signer…" is not offered (finding 13). The restricted note is already in ev (model-states).
  const t = trustFinding(ev.trust, analysis, signature, { offerTrust: ev.integrity?.state !== 'modified' });
  if (t) out.push(t);
  return out;
}

/**
 * The finding for a configured policy that cannot be loaded: an error naming the file and the
 * problem (POLICY_NOT_FOUND / POLICY_INVALID), on a model signature ("not verified") or on an
 * attestation or manifest ("flags not checked"). `data.policyFile` lets a client open it.
 */
export function policyFinding(p: PolicyProblem, what: 'model' | 'document', range: { offset: number; length: number }, pointer: string): Finding {
  const consequence = what === 'model' ? 'not verified: its flags and advisories cannot be checked' : 'flagged digests and revoked signers are not checked here';
  return { code: p.code, severity: 'error', message: `${p.message}; ${consequence} (fix the policy, or clear modelProvenance.policy)`, pointer, data: { policyFile: p.file }, ...range };
}

/**
 * TRUST_SETTING_MISPLACED: a trust entry in the wrong setting (a CA certificate among the keys, a
 * key or a leaf certificate among the anchors), one warning per entry on every signature, saying
 * where it belongs. It was the tail of an information entry that Problems truncates, and the
 * warning count did not move (finding 3); a person who put the CA in the wrong list must see it.
 */
export function misplacedFindings(problems: TrustProblem[], analysis: DocumentAnalysis): Finding[] {
  const range = rangeFor(analysis.doc, AT.signer, 'key');
  return problems.filter(isMisplaced).map((p) => ({
    code: 'TRUST_SETTING_MISPLACED',
    severity: 'warning' as const,
    message: `trust setting in the wrong place: ${describeTrustProblem(p)}`,
    pointer: AT.signer,
    data: { setting: p.setting, belongsIn: p.belongsIn, entry: p.entry },
    ...range,
  }));
}

/**
 * SETTING_INVALID: a setting whose value cannot be used (modelProvenance.ignorePaths that is not
 * a list of paths), a warning on every signature, naming the setting: none of it was applied.
 */
export function settingFindings(problems: readonly string[], analysis: DocumentAnalysis): Finding[] {
  const range = rangeFor(analysis.doc, AT.files, 'key');
  // Problems shows the code beside the message: the notification's "[SETTING_INVALID]" is not repeated.
  return problems.map((message) => ({ code: SETTING_INVALID, severity: 'warning' as const, message: message.replace(` [${SETTING_INVALID}]`, ''), pointer: AT.files, ...range }));
}

/**
 * Appends "the workspace's own trust settings are ignored in Restricted Mode (it names …)" to a
 * signer that is not trusted or not checked, when Restricted Mode ignored entries for its kind.
 */
export function withRestrictedNote(trust: TrustOutcome, ignored: IgnoredTrust | undefined): TrustOutcome {
  if (trust.state !== 'untrusted' && trust.state !== 'not-configured') return trust;
  const note = restrictedNote(trust.signer.method, ignored);
  return note ? { ...trust, message: `${trust.message ?? 'signer not trusted'}; ${note}` } : trust;
}

/**
 * The severity of a signer that is not verified, the same for keys, certificates and keyless
 * identities (finding 10): information only when nothing at all is configured (a first run: a
 * step not taken yet, issue 9); otherwise an error, whether the signer is not in the list for its
 * kind or that list is empty. To the person both mean "this signer is not one you trust", and the
 * deployment gate refuses both; a red key model beside a blue keyless one for the same situation
 * made one look safer than the other.
 */
export function untrustedSeverity(trust: TrustOutcome): 'info' | 'error' {
  return trust.state === 'not-configured' && trust.nothingConfigured ? 'info' : 'error';
}

/**
 * How a bundle's signature stands against the trust settings, as a diagnostic: none when a
 * trusted signer verified it; information when nothing at all is configured ("signature not
 * checked: no trusted signer configured"); an error when its signer is not trusted (including
 * no entry for its kind while others are configured) or its bytes do not verify.
 */
export function trustFinding(trust: TrustOutcome, analysis: DocumentAnalysis, signature: string, options: { offerTrust?: boolean } = {}): Finding | undefined {
  if (trust.state === 'verified') return undefined;
  const doc = analysis.doc;
  const pointer = trust.state === 'invalid' || trust.state === 'error' ? AT.signature : AT.signer;
  const range = trust.state === 'invalid' || trust.state === 'error' ? rangeFor(doc, pointer, 'value') : rangeFor(doc, pointer, 'key');
  const code = trust.code ?? 'SIGNATURE_INVALID';
  // Core's words: "signature not checked: <what is missing> (signed by …)", or why the signer is not trusted.
  const message = trust.message ?? 'the signature does not verify';
  return {
    code,
    severity: trust.state === 'invalid' || trust.state === 'error' ? 'error' : untrustedSeverity(trust),
    message,
    pointer,
    data: { signature, ...(TRUSTABLE.has(code) && options.offerTrust !== false ? { trustSigner: true } : {}) },
    ...range,
  };
}
