/**
 * The trust decision for one side of a diff, made before any payload byte is read for
 * facts. Trust comes from the same flags as `verify` (trusted keys, certificate anchors, a
 * Sigstore identity) and from a policy: model signatures are checked against the flags when
 * given, else against the policy's signers; attestations against the policy when given,
 * else against the flags. Without either, a side is `not-checked` and its signer is only
 * what the bundle claims.
 */
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { isProvenanceError } from '../errors';
import { parseCertificate } from '../keys/certificates';
import { certificateIssuerText, certificateSubjectText } from '../keys/distinguished-name';
import { keyHint, publicKeyFromBytes } from '../keys/keys';
import type { Policy } from '../policy/policy';
import type { ParsedBundle } from '../sigstore/bundle';
import type { Signer } from '../verify/result';
import { verifySignature, type SignatureOutcome, type Trust } from '../verify/signature';
import type { SignerIdentity, TrustDecision } from './types';

/** One source of trust, with the name a person reads: `--trusted-keys keys/`, `policy signer "vendor"`. */
export interface NamedTrust {
  name: string;
  trust: Trust;
}

/** What a diff checks signatures against. Both empty: nothing is checked, and the report says so. */
export interface DiffTrust {
  /** From `--trusted-keys`/`--public-key`, `--certificate-chain`, `--identity` + `--identity-provider`. */
  flags: NamedTrust[];
  policy?: Policy;
}

export const NO_TRUST: DiffTrust = { flags: [] };

/** The candidates for one kind of document (see the module comment for the rule). */
export function trustFor(kind: 'signature' | 'attestation', t: DiffTrust): NamedTrust[] {
  const policy = (t.policy?.signers ?? []).map((s) => ({ name: `policy signer "${s.name}"`, trust: s.trust }));
  if (kind === 'signature') return t.flags.length > 0 ? t.flags : policy;
  return t.policy ? policy : t.flags;
}

/** Every trust source, named, for the report header; empty when none was given. */
export function describeTrust(t: DiffTrust): string[] {
  return [...t.flags.map((f) => f.name), ...(t.policy ? [`policy ${t.policy.source}`] : [])];
}

const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

/** Who a bundle says signed it, read from its verification material without verifying anything. Never throws. */
export function claimedIdentity(bundle: ParsedBundle, file: string): SignerIdentity {
  const m = bundle.material;
  try {
    if (m.kind === 'publicKey') {
      const keyId = m.rawBytes && m.rawBytes.length > 0 ? keyHint(publicKeyFromBytes(m.rawBytes, file)) : m.hint || undefined;
      return { kind: 'key', ...(keyId ? { keyId } : {}), verified: false };
    }
    if (m.kind === 'x509CertificateChain') {
      const leaf = parseCertificate(m.certificates[0]!, 'the signing certificate', file);
      return { kind: 'certificate', subject: certificateSubjectText(leaf), issuer: certificateIssuerText(leaf), keyId: keyHint(leaf.publicKey), verified: false };
    }
    const cert = SigstoreX509.parse(m.certificate as Buffer<ArrayBuffer>);
    const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
    const issuer = v2 ? v2.valueObj.subs?.[0]?.value.toString('ascii') : cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString('ascii');
    return { kind: 'sigstore', ...(cert.subjectAltName ? { identity: cert.subjectAltName } : {}), ...(issuer ? { identityProvider: issuer } : {}), verified: false };
  } catch {
    return { kind: 'unknown', verified: false };
  }
}

function fromSigner(s: Signer | undefined, claimed: SignerIdentity, verified: boolean): SignerIdentity {
  if (!s) return { ...claimed, verified };
  const out: SignerIdentity = { kind: s.method, verified };
  const keyId = s.keyId ?? claimed.keyId;
  if (keyId) out.keyId = keyId;
  if (s.subject ?? claimed.subject) out.subject = s.subject ?? claimed.subject;
  if (s.issuer ?? claimed.issuer) out.issuer = s.issuer ?? claimed.issuer;
  if (s.identity ?? claimed.identity) out.identity = s.identity ?? claimed.identity;
  if (s.identityProvider ?? claimed.identityProvider) out.identityProvider = s.identityProvider ?? claimed.identityProvider;
  return out;
}

const MATERIAL_TRUST: Record<ParsedBundle['material']['kind'], Trust['kind']> = { publicKey: 'key', x509CertificateChain: 'certificate', certificate: 'sigstore' };
/** Codes that say the signer is one the trust names but the bytes do not verify: the most specific reason. */
const BYTES_CODES = new Set(['SIGNATURE_INVALID', 'SIGSTORE_SIGNATURE', 'SIGSTORE_TLOG_BODY']);

/**
 * Verifies a bundle under each candidate trust in turn; the first that verifies decides.
 * When none does, the reason is taken from a trust of the bundle's own kind (a key for a
 * key-signed bundle…), preferring "the bytes do not verify" over "not a trusted signer".
 */
export function decideTrust(bundle: ParsedBundle, file: string, candidates: readonly NamedTrust[]): TrustDecision {
  const claimed = claimedIdentity(bundle, file);
  if (candidates.length === 0) {
    return { state: 'not-checked', code: 'SIGNATURE_NOT_CHECKED', message: 'no trust was given (trusted keys, certificate anchors, a Sigstore identity or a policy), so the signature was not checked', signer: claimed };
  }
  const failures: { c: NamedTrust; o: SignatureOutcome }[] = [];
  for (const c of candidates) {
    let o: SignatureOutcome;
    try {
      o = verifySignature(bundle, c.trust, file);
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
      o = { ok: false, code: err.code, message: err.message };
    }
    if (o.ok) return { state: 'verified', signer: fromSigner(o.signer, claimed, true), trustedBy: c.name };
    failures.push({ c, o });
  }
  const own = failures.filter((f) => f.c.trust.kind === MATERIAL_TRUST[bundle.material.kind]);
  const pool = own.length > 0 ? own : failures;
  const pick = pool.find((f) => BYTES_CODES.has(f.o.code ?? '')) ?? pool[0]!;
  return {
    state: 'failed',
    code: pick.o.code ?? 'SIGNATURE_INVALID',
    message: `${pick.o.message ?? 'the signature does not verify'} (checked against ${pick.c.name})`,
    signer: fromSigner(pick.o.signer, claimed, false),
  };
}

/** "key 1a2b3c4d…", "certificate CN=…", "Sigstore you@example.com via https://…": how a signer is named in text. */
export function describeIdentity(s: SignerIdentity | undefined): string {
  if (!s) return 'nobody';
  switch (s.kind) {
    case 'key':
      return s.keyId ? `key ${s.keyId.slice(0, 16)}…` : 'a key the signature does not name';
    case 'certificate':
      return `certificate "${s.subject ?? '?'}" issued by "${s.issuer ?? '?'}"`;
    case 'sigstore':
      return `Sigstore ${s.identity ?? '(no identity)'} via ${s.identityProvider ?? '(no issuer)'}`;
    default:
      return 'a signer whose key or certificate cannot be read';
  }
}

/**
 * Whether two signers are the same identity: the same key id; the same certificate
 * subject and issuer (a renewed certificate with a new key is the same signer, and the
 * key change is listed as a detail); the same Sigstore identity and OIDC issuer.
 */
export function sameSigner(a: SignerIdentity, b: SignerIdentity): { same: boolean; details: string[] } {
  const details: string[] = [];
  if (a.kind !== b.kind) return { same: false, details: [`kind ${a.kind} -> ${b.kind}`] };
  switch (a.kind) {
    case 'key':
      return { same: a.keyId !== undefined && a.keyId === b.keyId, details };
    case 'certificate':
      if (a.keyId !== b.keyId) details.push(`certificate key ${a.keyId?.slice(0, 16) ?? '?'}… -> ${b.keyId?.slice(0, 16) ?? '?'}…`);
      return { same: a.subject !== undefined && a.subject === b.subject && a.issuer === b.issuer, details };
    case 'sigstore':
      return { same: a.identity !== undefined && a.identity === b.identity && a.identityProvider === b.identityProvider, details };
    default:
      return { same: false, details };
  }
}
