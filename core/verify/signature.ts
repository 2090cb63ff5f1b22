import { verify as cryptoVerify, type KeyObject, type X509Certificate } from 'node:crypto';
import { InputError } from '../errors';
import { hashForKey, keyHint, publicKeyFromBytes, type TrustedKey } from '../keys/keys';
import { parseCertificate, validateChain } from '../keys/certificates';
import { certificateIssuerText, certificateSubject, certificateSubjectText, distinguishedNamesMatch, formatDistinguishedName, type DistinguishedName } from '../keys/distinguished-name';
import type { ParsedBundle } from '../sigstore/bundle';
import { legacyPreAuthEncodingV020, preAuthEncoding } from '../sigstore/dsse';
import { verifyKeyless, type KeylessTrust } from '../sigstore/keyless';
import type { Signer } from './result';
import { anchorUntrustedMessage, identityUntrustedCode, identityUntrustedMessage, keyUntrustedMessage } from './untrusted';

export type Trust =
  | { kind: 'key'; keys: TrustedKey[] }
  | {
      kind: 'certificate';
      anchors: X509Certificate[];
      /** When set, the signing certificate's subject must match this name (distinguished-name rule). */
      subject?: DistinguishedName;
    }
  | ({ kind: 'sigstore' } & KeylessTrust);

export interface SignatureOutcome {
  ok: boolean;
  code?: string;
  message?: string;
  signer?: Signer;
  signedAt?: Date;
  /** The signature was made over model_signing v0.2.0's malformed encoding. */
  legacyEncoding?: boolean;
}

/** Checks a DSSE signature with a key, trying the modern encoding then v0.2.0's. */
function dsseVerifies(bundle: ParsedBundle, key: KeyObject): { ok: boolean; legacy: boolean } {
  const { payloadType, payload, signatures } = bundle.envelope;
  const sig = signatures[0]!.sig;
  const hash = hashForKey(key);
  if (cryptoVerify(hash, preAuthEncoding(payloadType, payload), key, sig)) return { ok: true, legacy: false };
  // Key hints arrived in model_signing 1.1, long after v0.2.0's encoding was fixed.
  if (bundle.material.kind === 'publicKey' && bundle.material.hint) return { ok: false, legacy: false };
  // v0.2.0 signed its odd encoding with SHA-256 whatever the curve.
  const legacy = legacyPreAuthEncodingV020(payloadType, payload);
  for (const h of new Set(['sha256', hash])) if (cryptoVerify(h, legacy, key, sig)) return { ok: true, legacy: true };
  return { ok: false, legacy: false };
}

/** The key the bundle claims to be signed by, as a hint, when it says. */
export function claimedKeyHint(bundle: ParsedBundle, file: string): string | undefined {
  const m = bundle.material;
  if (m.kind === 'publicKey') {
    if (m.rawBytes && m.rawBytes.length > 0) return keyHint(publicKeyFromBytes(m.rawBytes, file));
    return m.hint || undefined;
  }
  const leaf = m.kind === 'certificate' ? m.certificate : m.certificates[0]!;
  return keyHint(parseCertificate(leaf, 'the signing certificate', file).publicKey);
}

export function verifySignature(bundle: ParsedBundle, trust: Trust, file: string): SignatureOutcome {
  switch (trust.kind) {
    case 'key':
      return verifyWithKeys(bundle, trust.keys, file);
    case 'certificate':
      return verifyWithCertificates(bundle, trust.anchors, file, trust.subject);
    case 'sigstore':
      return verifyWithSigstore(bundle, trust, file);
  }
}

function verifyWithKeys(bundle: ParsedBundle, keys: TrustedKey[], file: string): SignatureOutcome {
  const claimed = claimedKeyHint(bundle, file);
  // Hints are not trusted to pick the key: every trusted key is tried (the hinted one first, for speed).
  const ordered = claimed ? [...keys.filter((k) => k.hint === claimed), ...keys.filter((k) => k.hint !== claimed)] : keys;
  for (const k of ordered) {
    const r = dsseVerifies(bundle, k.key);
    if (r.ok) return { ok: true, legacyEncoding: r.legacy, signer: { method: 'key', keyId: k.hint, keySource: k.source } };
  }
  if (claimed && !keys.some((k) => k.hint === claimed)) {
    return {
      ok: false,
      code: 'KEY_UNTRUSTED',
      message: keyUntrustedMessage(`key ${claimed.slice(0, 8)}…`, keys),
      signer: { method: 'key', keyId: claimed },
    };
  }
  return {
    ok: false,
    code: 'SIGNATURE_INVALID',
    message: 'the signature does not match the signed payload (the signature or the payload was altered)',
    signer: claimed ? { method: 'key', keyId: claimed } : undefined,
  };
}

function verifyWithCertificates(bundle: ParsedBundle, anchors: X509Certificate[], file: string, subject?: DistinguishedName): SignatureOutcome {
  const m = bundle.material;
  if (m.kind !== 'x509CertificateChain') {
    return { ok: false, code: 'CERT_CHAIN_MISSING', message: `the bundle carries ${m.kind === 'publicKey' ? 'a public key' : 'a keyless certificate'}, not a certificate chain` };
  }
  const certs = m.certificates.map((der, i) => parseCertificate(der, `certificate ${i + 1} of the bundle's chain`, file));
  const leaf = certs[0]!;
  const signer: Signer = { method: 'certificate', subject: certificateSubjectText(leaf), issuer: certificateIssuerText(leaf), serialNumber: leaf.serialNumber, keyId: keyHint(leaf.publicKey) };
  // Without a trusted timestamp the signing time is not known; like model_signing we
  // take the leaf's notBefore, so a chain verifies as of when the leaf was issued.
  const signedAt = new Date(leaf.validFrom);
  const chain = validateChain(leaf, certs.slice(1), anchors, signedAt);
  if (!chain.ok) {
    // No anchor issued the top of the chain: name that top, its issuer and the anchors tried (the
    // same words in the CLI, the chain and the editor). A chain too long keeps validateChain's words.
    const message = chain.noAnchor ? anchorUntrustedMessage(`certificate ${signer.subject} issued by ${signer.issuer}`, chain.path, anchors) : chain.message;
    return { ok: false, code: chain.code, message, signer };
  }
  signer.trustAnchor = certificateSubjectText(chain.path[chain.path.length - 1]!);
  // Which certificate signed is decided before whether its bytes verify: a certificate the
  // trust does not name is the reason, whatever the state of the signature.
  if (subject && !distinguishedNamesMatch(certificateSubject(leaf), subject)) {
    return { ok: false, code: 'CERT_SUBJECT_MISMATCH', message: `certificate subject "${signer.subject}" is not the required "${formatDistinguishedName(subject)}"`, signer };
  }
  const r = dsseVerifies(bundle, leaf.publicKey);
  if (!r.ok) return { ok: false, code: 'SIGNATURE_INVALID', message: 'the signature does not verify with the signing certificate\'s key', signer };
  return { ok: true, signer, legacyEncoding: r.legacy };
}

function verifyWithSigstore(bundle: ParsedBundle, trust: KeylessTrust, file: string): SignatureOutcome {
  if (bundle.material.kind === 'publicKey') {
    return { ok: false, code: 'SIGSTORE_BUNDLE_REQUIRED', message: 'the bundle is signed with a key, not with Sigstore keyless signing' };
  }
  if (bundle.tlogEntryCount === 0) {
    throw new InputError('BUNDLE_NO_TLOG', 'a Sigstore bundle must carry a transparency log entry', { file });
  }
  const r = verifyKeyless(bundle.json, trust, file);
  const signer: Signer = { method: 'sigstore', identity: r.identity, identityProvider: r.issuer };
  if (r.code === 'IDENTITY_MISMATCH' || r.code === 'ISSUER_MISMATCH') {
    // Both sides named, in the words the editor uses for its list of trusted identities.
    const wanted = [{ identity: trust.identity, issuer: trust.issuer }];
    const actual = { identity: r.identity, issuer: r.issuer };
    return { ok: false, code: identityUntrustedCode(actual, wanted), message: identityUntrustedMessage(actual, wanted), signer, signedAt: r.signedAt };
  }
  return { ok: r.ok, code: r.code, message: r.message, signer, signedAt: r.signedAt };
}
