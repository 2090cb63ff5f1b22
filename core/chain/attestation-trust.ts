/**
 * Whether one attestation bundle is signed by a signer of the policy, and when it is not,
 * exactly why: an untrusted key or certificate chain, a certificate subject or a Sigstore
 * identity the policy does not allow, bytes that no longer verify under a signer the
 * policy trusts, or a bundle that cannot be read at all. Each reason has its own code,
 * so a tampered attestation is never reported as an untrusted signer.
 */
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { isProvenanceError } from '../errors';
import { parseCertificate } from '../keys/certificates';
import { certificateSubjectText } from '../keys/distinguished-name';
import { keyHint, publicKeyFromBytes } from '../keys/keys';
import type { Policy, PolicySigner } from '../policy/policy';
import { parseBundle, type ParsedBundle } from '../sigstore/bundle';
import type { Signer } from '../verify/result';
import { verifySignature, type SignatureOutcome } from '../verify/signature';

/**
 * Why an attestation does not count, as a chain reason code:
 * - `UNTRUSTED_SIGNER`: its key, certificate chain or Sigstore certificate is not one the policy trusts;
 * - `CERT_SUBJECT_MISMATCH`: its certificate chains to a policy anchor, but its subject is not allowed;
 * - `IDENTITY_MISMATCH`: its Sigstore identity or issuer is not the one the policy names;
 * - `ATTESTATION_SIGNATURE_INVALID`: it names a key, certificate or identity the policy trusts, but its bytes do not verify;
 * - `ATTESTATION_MALFORMED`: it is not a readable bundle.
 */
export type RejectionCode = 'UNTRUSTED_SIGNER' | 'CERT_SUBJECT_MISMATCH' | 'IDENTITY_MISMATCH' | 'ATTESTATION_SIGNATURE_INVALID' | 'ATTESTATION_MALFORMED';

export interface AttestationTrust {
  /** Names of the policy signers under whose trust the bundle verifies; empty when none does. */
  signers: string[];
  /** The verified signer (of the first policy signer that verified it). */
  signer?: Signer;
  /** The DSSE payload: verified only when `signers` is not empty (empty when the bundle is unreadable). */
  payload: Buffer;
  /** Who the bundle says signed it (unverified, for messages): `key 1715…`, `certificate "CN=…"`, `Sigstore identity "…"`. */
  claimed: string;
  /** Set when no signer of the policy verifies it. */
  rejection?: { code: RejectionCode; message: string };
}

/** Who the bundle claims as its signer, read without verifying anything; never throws. */
export function claimedSigner(bundle: ParsedBundle, file: string): { text: string; keyHint?: string; identity?: string } {
  const m = bundle.material;
  try {
    if (m.kind === 'publicKey') {
      const hint = m.rawBytes && m.rawBytes.length > 0 ? keyHint(publicKeyFromBytes(m.rawBytes, file)) : m.hint || undefined;
      return hint ? { text: `key ${hint.slice(0, 16)}…`, keyHint: hint } : { text: 'a key the bundle does not name (no key hint)' };
    }
    if (m.kind === 'x509CertificateChain') {
      return { text: `certificate "${certificateSubjectText(parseCertificate(m.certificates[0]!, 'the signing certificate', file))}"` };
    }
    const identity = SigstoreX509.parse(m.certificate as Buffer<ArrayBuffer>).subjectAltName;
    return { text: `Sigstore identity "${identity ?? '(none)'}"`, identity };
  } catch {
    return { text: 'a signer whose certificate or key cannot be read' };
  }
}

function outcomeOf(bundle: ParsedBundle, s: PolicySigner, file: string): SignatureOutcome {
  try {
    return verifySignature(bundle, s.trust, file);
  } catch (err) {
    // One signer's trust not fitting the bundle (no tlog for a Sigstore signer, …) says nothing about the others.
    if (!isProvenanceError(err)) throw err;
    return { ok: false, code: err.code, message: err.message };
  }
}

type Kind = 'bytes' | 'subject' | 'identity' | 'untrusted';

/** What one policy signer's failed outcome says about the bundle. */
function kindOf(s: PolicySigner, o: SignatureOutcome, claimed: { keyHint?: string; identity?: string }): Kind {
  switch (s.trust.kind) {
    case 'key':
      // The bundle names a key this signer holds, and the signature fails under it.
      return o.code === 'SIGNATURE_INVALID' && claimed.keyHint !== undefined && s.trust.keys.some((k) => k.hint === claimed.keyHint) ? 'bytes' : 'untrusted';
    case 'certificate':
      // verifyWithCertificates reaches the signature only after the chain and the subject passed.
      if (o.code === 'SIGNATURE_INVALID') return 'bytes';
      return o.code === 'CERT_SUBJECT_MISMATCH' ? 'subject' : 'untrusted';
    case 'sigstore':
      if (o.code === 'IDENTITY_MISMATCH' || o.code === 'ISSUER_MISMATCH') return 'identity';
      // Sigstore checks the certificate chain and the log entry before the signature.
      if ((o.code === 'SIGSTORE_SIGNATURE' || o.code === 'SIGSTORE_TLOG_BODY') && claimed.identity === s.trust.identity) return 'bytes';
      return 'untrusted';
  }
}

function describeTrust(s: PolicySigner): string {
  switch (s.trust.kind) {
    case 'key':
      return `the key of policy signer "${s.name}"`;
    case 'certificate':
      return `the certificate of policy signer "${s.name}"${s.subject ? ` (${s.subject})` : ''}`;
    case 'sigstore':
      return `the Sigstore identity of policy signer "${s.name}" (${s.trust.identity})`;
  }
}

/**
 * Verifies one attestation bundle under every signer of a policy (or any list of policy
 * signers, e.g. its advisory signers).
 *
 * @param text the bundle JSON (Sigstore bundle v0.1–0.3 with a DSSE envelope)
 * @param file where it came from, for messages
 * @returns the signers that verify it and its verified payload; or, when none does, the
 *   rejection with its code and a message that names the claimed signer and the reason
 */
export function verifyAttestationText(text: string, file: string, policy: Pick<Policy, 'signers'>): AttestationTrust {
  let bundle: ParsedBundle;
  try {
    bundle = parseBundle(text, file);
  } catch (err) {
    if (!isProvenanceError(err)) throw err;
    return { signers: [], payload: Buffer.alloc(0), claimed: 'nobody (unreadable)', rejection: { code: 'ATTESTATION_MALFORMED', message: `not a readable attestation bundle: ${err.message} [${err.code}]` } };
  }
  const claimed = claimedSigner(bundle, file);
  const signers: string[] = [];
  let signer: Signer | undefined;
  const failures: { s: PolicySigner; o: SignatureOutcome; kind: Kind }[] = [];
  for (const s of policy.signers) {
    const o = outcomeOf(bundle, s, file);
    if (o.ok) {
      signers.push(s.name);
      signer ??= o.signer;
    } else {
      failures.push({ s, o, kind: kindOf(s, o, claimed) });
    }
  }
  if (signers.length > 0) return { signers, signer, payload: bundle.envelope.payload, claimed: claimed.text };
  return { signers, payload: bundle.envelope.payload, claimed: claimed.text, rejection: reject(claimed.text, failures, policy) };
}

function reject(claimed: string, failures: { s: PolicySigner; o: SignatureOutcome; kind: Kind }[], policy: Pick<Policy, 'signers'>): { code: RejectionCode; message: string } {
  const first = (k: Kind): { s: PolicySigner; o: SignatureOutcome }[] => failures.filter((f) => f.kind === k);
  const bytes = first('bytes');
  if (bytes.length > 0) {
    const b = bytes[0]!;
    return {
      code: 'ATTESTATION_SIGNATURE_INVALID',
      message: `signed by ${claimed}, which is ${describeTrust(b.s)}, but its bytes do not verify under it: the payload or the signature was altered after signing [${b.o.code}]`,
    };
  }
  const subject = first('subject');
  if (subject.length > 0) {
    const wanted = subject.map((f) => `"${f.s.name}" (${f.s.subject ?? '?'})`).join(', ');
    return { code: 'CERT_SUBJECT_MISMATCH', message: `${claimed.replace(/^certificate /, 'certificate subject ')} chains to a trusted anchor but is not allowed for the policy signer(s) ${wanted}` };
  }
  const identity = first('identity');
  if (identity.length > 0) {
    const wanted = identity.map((f) => `"${f.s.name}" (${f.s.trust.kind === 'sigstore' ? `${f.s.trust.identity} via ${f.s.trust.issuer}` : '?'})`).join(', ');
    const seen = identity[0]!.o.signer;
    const who = seen?.identity !== undefined ? `Sigstore identity "${seen.identity}" (issuer ${seen.identityProvider ?? '(none)'})` : claimed;
    return { code: 'IDENTITY_MISMATCH', message: `signed by ${who}, which is not allowed for the policy signer(s) ${wanted}` };
  }
  const kinds = new Set(policy.signers.map((s) => s.trust.kind));
  const material = claimed.startsWith('certificate') ? 'certificate' : claimed.startsWith('Sigstore') ? 'sigstore' : 'key';
  let why: string;
  if (policy.signers.length === 0) why = 'the policy names no signers';
  else if (!kinds.has(material)) why = `the policy trusts no ${material === 'sigstore' ? 'Sigstore identities' : `${material}s`}`;
  else {
    const same = failures.find((f) => f.s.trust.kind === material);
    why =
      material === 'key'
        ? claimed.startsWith('key ')
          ? 'the policy does not trust that key'
          : 'no key of the policy verifies it (signed by another key, or its bytes were altered)'
        : `it does not chain to what the policy trusts${same?.o.code ? ` [${same.o.code}: ${same.o.message}]` : ''}`;
  }
  return { code: 'UNTRUSTED_SIGNER', message: `signed by ${claimed}, and ${why}` };
}
