import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { basename } from 'node:path';
import { isProvenanceError } from '../errors';
import { parseCertificate } from '../keys/certificates';
import { certificateIssuerText, certificateSubjectText, formatDistinguishedName, parseDistinguishedName } from '../keys/distinguished-name';
import type { ParsedBundle } from '../sigstore/bundle';
import type { Signer } from './result';
import { claimedKeyHint } from './signature';

/** Fulcio's OIDC issuer extensions (v2 is DER-encoded UTF8String, v1 raw ASCII), as sigstore-js reads them. */
const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

/**
 * A distinguished name as people read it, RFC 4514 ("CN=…, O=…, C=…"), whether it arrives in
 * that form or in Node's `X509Certificate` form (one RDN per line, most general first).
 */
function dnText(dn: string | undefined): string {
  if (!dn) return '';
  if (!dn.includes('\n')) return dn;
  try {
    return formatDistinguishedName(parseDistinguishedName(dn));
  } catch {
    return dn.split('\n').reverse().join(', ');
  }
}

/**
 * Who signed, named by kind, for people: "key 91aaa9a2… (prod.pub.pem)",
 * "certificate CN=Release, O=Example issued by CN=Example CA",
 * "keyless identity you@example.com via https://accounts.example.com".
 * The same words in the CLI's report, the editor's lens, hover, status and notifications.
 */
export function describeSigner(s: Signer | undefined): string {
  if (!s) return 'an unknown signer';
  switch (s.method) {
    case 'key':
      return `key ${s.keyId ? `${s.keyId.slice(0, 8)}…` : '(no key id)'}${s.keySource ? ` (${basename(s.keySource)})` : ''}`;
    case 'certificate': {
      const subject = dnText(s.subject) || '(empty subject)';
      const issuer = dnText(s.issuer);
      return `certificate ${subject}${issuer ? ` issued by ${issuer}` : ''}`;
    }
    case 'sigstore':
      return `keyless identity ${s.identity ?? '(none)'} via ${s.identityProvider ?? '(no issuer)'}`;
  }
}

/** The kind of trust setting a signer is added to, by signing method. */
export function signerKindNoun(method: Signer['method']): string {
  return method === 'key' ? 'key' : method === 'certificate' ? 'certificate anchor' : 'keyless identity';
}

/**
 * Who the bundle says signed it, before any trust decision: the key hint, the leaf
 * certificate's subject and issuer, or the Fulcio certificate's identity and OIDC issuer.
 * These are claims, shown so a person can decide whom to trust; verification never relies on them.
 */
export function claimedSigner(bundle: ParsedBundle, file: string): Signer {
  const m = bundle.material;
  if (m.kind === 'publicKey') {
    let keyId: string | undefined;
    try {
      keyId = claimedKeyHint(bundle, file);
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
    }
    return { method: 'key', ...(keyId ? { keyId } : {}) };
  }
  const der = m.kind === 'certificate' ? m.certificate : m.certificates[0]!;
  const leaf = parseCertificate(der, 'the signing certificate', file);
  if (m.kind === 'x509CertificateChain') {
    return { method: 'certificate', subject: certificateSubjectText(leaf), issuer: certificateIssuerText(leaf), serialNumber: leaf.serialNumber, keyId: claimedKeyHint(bundle, file) };
  }
  return { method: 'sigstore', ...fulcioIdentity(der) };
}

/** The SAN and OIDC issuer of a Fulcio certificate (what sigstore-js matches a policy against). */
export function fulcioIdentity(der: Buffer): { identity?: string; identityProvider?: string } {
  let cert: SigstoreX509;
  try {
    cert = SigstoreX509.parse(Buffer.from(der));
  } catch {
    return {};
  }
  let issuer: string | undefined;
  const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
  if (v2) issuer = v2.valueObj.subs?.[0]?.value.toString('ascii');
  else issuer = cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString('ascii');
  const identity = cert.subjectAltName;
  return { ...(identity ? { identity } : {}), ...(issuer ? { identityProvider: issuer } : {}) };
}
