import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { InputError, fsError } from '../errors';
import { certificateIssuer, certificateIssuerText, certificateSubject, certificateSubjectText, sameDistinguishedName } from './distinguished-name';

// @sigstore/core is required on first use, not imported: most commands never parse a certificate.
const sigstoreCore = (): typeof import('@sigstore/core') => require('@sigstore/core') as typeof import('@sigstore/core');

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
  /** CERT_CHAIN_UNTRUSTED because no anchor issued the top of `path` (not a chain too long): callers name that top. */
  noAnchor?: boolean;
}

const MAX_DEPTH = 10;

/** id-kp-codeSigning (RFC 5280 §4.2.1.12). */
export const EKU_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

export type UsageCheck = { ok: true } | { ok: false; code: 'CERT_KEY_USAGE'; message: string };

/**
 * Whether a leaf certificate may sign a model, by `model_signing`'s rule (since its fix
 * for its issue #457): its KeyUsage has digitalSignature, **or** its ExtendedKeyUsage has
 * codeSigning. A certificate with neither extension may not sign. (RFC 5280 would have
 * both extensions agree; we follow the deployed verifier, see docs/oms-compatibility.md.)
 *
 * The one rule for both sides: `sign certificate` and certificate-signed attestations
 * refuse such a leaf before signing (materialFor), `verify certificate` fails it
 * (validateChain), so we never write a signature we would refuse.
 */
export function checkSigningUsage(leaf: X509Certificate): UsageCheck {
  const ku = sigstoreView(leaf).extKeyUsage;
  if (ku?.digitalSignature) return { ok: true };
  // Node names the ExtendedKeyUsage OIDs `keyUsage`; undefined when the extension is absent.
  const eku = leaf.keyUsage;
  if (eku?.includes(EKU_CODE_SIGNING)) return { ok: true };
  const kuText = ku ? 'its KeyUsage lacks digitalSignature' : 'it has no KeyUsage extension';
  const ekuText = eku ? 'its ExtendedKeyUsage lacks codeSigning' : 'it has no ExtendedKeyUsage extension';
  return { ok: false, code: 'CERT_KEY_USAGE', message: `the signing certificate "${leaf.subject.replace(/\n/g, ', ')}" may not sign: ${kuText}, and ${ekuText}` };
}

/**
 * X.509 path validation from the leaf, through the bundle's intermediates, to one of
 * the trust anchors, every certificate valid at `at`, issuers CA-flagged with
 * keyCertSign, path lengths respected, and the leaf allowed to sign (checkSigningUsage).
 */
export function validateChain(leaf: X509Certificate, intermediates: X509Certificate[], anchors: X509Certificate[], at: Date): ChainCheck {
  const fail = (code: string, message: string, path: X509Certificate[]): ChainCheck => ({ ok: false, code, message, path });
  const usage = checkSigningUsage(leaf);
  if (!usage.ok) return fail(usage.code, usage.message, [leaf]);

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
      return { ...fail('CERT_CHAIN_UNTRUSTED', `no trusted anchor issued "${certificateSubjectText(current)}" (issuer "${certificateIssuerText(current)}")`, path), noAnchor: true };
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
    return sigstoreCore().X509Certificate.parse(cert.raw);
  } catch (err) {
    throw new InputError('CERT_MALFORMED', `certificate "${certificateSubjectText(cert)}" has extensions that cannot be parsed`, { cause: err });
  }
}

export function certificatePublicKey(cert: X509Certificate): KeyObject {
  return cert.publicKey;
}
