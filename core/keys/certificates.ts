import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { InputError, fsError } from '../errors';
import { certificateIssuer, certificateIssuerText, certificateSubject, certificateSubjectText, sameDistinguishedName } from './distinguished-name';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

export function parseCertificate(der: Buffer, what: string, file?: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    throw new InputError('CERT_MALFORMED', `${what} is not a DER X.509 certificate (truncated or corrupt)`, { file, cause: err });
  }
}

/** Every certificate in a PEM file (several may be concatenated), or one DER certificate. */
export function loadCertificates(path: string): X509Certificate[] {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw fsError(err, path, 'read the certificate');
  }
  const pems = data.toString('latin1').match(PEM_CERT);
  if (!pems) return [parseCertificate(data, 'the file', path)];
  return pems.map((p, i) => {
    try {
      return new X509Certificate(p);
    } catch (err) {
      throw new InputError('CERT_MALFORMED', `certificate ${i + 1} in the file is corrupt`, { file: path, cause: err });
    }
  });
}

export interface ChainCheck {
  ok: boolean;
  code?: string;
  message?: string;
  /** Leaf first, anchor last. */
  path: X509Certificate[];
}

const MAX_DEPTH = 10;

/**
 * X.509 path validation from the leaf, through the bundle's intermediates, to one of
 * the trust anchors, every certificate valid at `at`, issuers CA-flagged with
 * keyCertSign, path lengths respected, and the leaf allowed to sign (digitalSignature).
 */
export function validateChain(leaf: X509Certificate, intermediates: X509Certificate[], anchors: X509Certificate[], at: Date): ChainCheck {
  const fail = (code: string, message: string, path: X509Certificate[]): ChainCheck => ({ ok: false, code, message, path });
  const leafExt = sigstoreView(leaf);
  const ku = leafExt.extKeyUsage;
  if (!ku) return fail('CERT_KEY_USAGE', 'the signing certificate has no key usage extension', [leaf]);
  if (!ku.digitalSignature) return fail('CERT_KEY_USAGE', 'the signing certificate is not allowed to sign (no digitalSignature key usage)', [leaf]);

  const path: X509Certificate[] = [leaf];
  let current = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (!validAt(current, at)) {
      return fail('CERT_EXPIRED', `certificate "${certificateSubjectText(current)}" was not valid at signing time ${at.toISOString()} (valid ${current.validFrom} to ${current.validTo})`, path);
    }
    if (anchors.some((a) => a.raw.equals(current.raw))) return { ok: true, path };
    const anchor = anchors.find((a) => issuedBy(current, a));
    if (anchor) {
      const bad = checkIssuer(anchor, path.length - 1, at);
      if (bad) return fail(bad.code, bad.message, [...path, anchor]);
      return { ok: true, path: [...path, anchor] };
    }
    const next = intermediates.find((c) => !path.some((p) => p.raw.equals(c.raw)) && issuedBy(current, c));
    if (!next) {
      return fail('CERT_CHAIN_UNTRUSTED', `no trusted anchor issued "${certificateSubjectText(current)}" (issuer "${certificateIssuerText(current)}")`, path);
    }
    const bad = checkIssuer(next, path.length - 1, at);
    if (bad) return fail(bad.code, bad.message, [...path, next]);
    path.push(next);
    current = next;
  }
  return fail('CERT_CHAIN_UNTRUSTED', `certificate chain longer than ${MAX_DEPTH}`, path);
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  // Names compared as X.501 names from the DER, not as Node's display strings.
  try {
    if (!sameDistinguishedName(certificateIssuer(cert), certificateSubject(issuer))) return false;
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function checkIssuer(issuer: X509Certificate, intermediatesBelow: number, at: Date): { code: string; message: string } | undefined {
  if (!validAt(issuer, at)) {
    return { code: 'CERT_EXPIRED', message: `issuer "${certificateSubjectText(issuer)}" was not valid at signing time ${at.toISOString()}` };
  }
  const ext = sigstoreView(issuer);
  const bc = ext.extBasicConstraints;
  if (!bc || !bc.isCA) return { code: 'CERT_NOT_CA', message: `issuer "${certificateSubjectText(issuer)}" is not a CA certificate` };
  const ku = ext.extKeyUsage;
  if (ku && !ku.keyCertSign) return { code: 'CERT_NOT_CA', message: `issuer "${certificateSubjectText(issuer)}" may not sign certificates (no keyCertSign)` };
  const pathLen = bc.pathLenConstraint;
  if (pathLen !== undefined && BigInt(intermediatesBelow) > pathLen) {
    return { code: 'CERT_PATH_LENGTH', message: `issuer "${certificateSubjectText(issuer)}" allows ${pathLen} intermediate CA(s) below it` };
  }
  return undefined;
}

function validAt(cert: X509Certificate, at: Date): boolean {
  return new Date(cert.validFrom).getTime() <= at.getTime() && at.getTime() <= new Date(cert.validTo).getTime();
}

function sigstoreView(cert: X509Certificate): SigstoreX509 {
  try {
    return SigstoreX509.parse(cert.raw);
  } catch (err) {
    throw new InputError('CERT_MALFORMED', `certificate "${certificateSubjectText(cert)}" has extensions that cannot be parsed`, { cause: err });
  }
}

export function certificatePublicKey(cert: X509Certificate): KeyObject {
  return cert.publicKey;
}
