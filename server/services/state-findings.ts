import { basename } from 'node:path';
import { describeSigner, flagFindings, rangeFor, type DocumentAnalysis, type Finding, type TrustOutcome, type TrustProblem } from '../../core';
import type { PolicyProblem } from '../../core/editor/protocol';
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
export function modelStateFindings(ev: EditorEvaluation, analysis: DocumentAnalysis, signature: string, misplaced: TrustProblem[] = []): Finding[] {
  const doc = analysis.doc;
  const at = (pointer: string): { offset: number; length: number } => rangeFor(doc, pointer, 'key');
  const out: Finding[] = [];
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
      out.push({ code: 'MODEL_VERIFIED', severity: 'info', message: `verified: signed by ${ev.signerText}, whom you trust; ${ev.integrity?.summary ?? 'files match'}`, pointer: AT.envelope, ...at(AT.envelope) });
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
      out.push({ code: 'INTEGRITY_OK', severity: 'info', message: `${ev.integrity.summary}${unchecked}`, pointer: AT.files, ...at(AT.files) });
    } else {
      for (const p of ev.integrity.problems) {
        const message =
          p.code === 'FILE_MODIFIED' ? `${p.file} differs from the signed digest` : p.code === 'FILE_MISSING' ? `${p.file} is missing (it is signed)` : p.code === 'FILE_UNEXPECTED' ? `${p.file} is not covered by the signature` : p.message;
        out.push({ code: p.code, severity: 'error', message, pointer: AT.files, ...(p.file ? { data: { file: p.file } } : {}), ...at(AT.files) });
      }
    }
  }
  const t = trustFinding(ev.trust, analysis, signature, misplaced);
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

/** "ca.pem in modelProvenance.trustedKeys is a CA certificate: it belongs in modelProvenance.certificateAnchors". */
function misplacedHint(trust: TrustOutcome, misplaced: TrustProblem[]): string {
  const want = trust.signer.method === 'certificate' ? 'certificateAnchors' : trust.signer.method === 'key' ? 'trustedKeys' : undefined;
  const p = misplaced.find((x) => x.belongsIn === want);
  if (!p) return '';
  return `; ${basename(p.file ?? p.entry)} in modelProvenance.${p.setting} ${p.code === 'KEY_IS_CA_CERTIFICATE' ? 'is a CA certificate' : 'is not a CA certificate'}: it belongs in modelProvenance.${p.belongsIn}`;
}

/**
 * How a bundle's signature stands against the trust settings, as a diagnostic: none when a
 * trusted signer verified it; information when nobody trusted judged it ("signature not
 * checked"); an error when its signer is not trusted or its bytes do not verify.
 */
export function trustFinding(trust: TrustOutcome, analysis: DocumentAnalysis, signature: string, misplaced: TrustProblem[] = []): Finding | undefined {
  if (trust.state === 'verified') return undefined;
  const doc = analysis.doc;
  const pointer = trust.state === 'invalid' || trust.state === 'error' ? AT.signature : AT.signer;
  const range = trust.state === 'invalid' || trust.state === 'error' ? rangeFor(doc, pointer, 'value') : rangeFor(doc, pointer, 'key');
  const code = trust.code ?? 'SIGNATURE_INVALID';
  const message =
    trust.state === 'not-configured'
      ? `signature not checked: no trusted signer configured (signed by ${describeSigner(trust.signer)})${misplacedHint(trust, misplaced)}`
      : (trust.message ?? 'the signature does not verify');
  return {
    code,
    severity: trust.state === 'not-configured' ? 'info' : 'error',
    message,
    pointer,
    data: { signature, ...(TRUSTABLE.has(code) ? { trustSigner: true } : {}) },
    ...range,
  };
}
