// Why a sound signature by someone not trusted fails, in one set of words for every face: the CLI's
// `verify key|certificate|sigstore`, the chain's policy signers and the editor's trust settings all
// build their KEY_UNTRUSTED / IDENTITY_MISMATCH / ISSUER_MISMATCH / CERT_CHAIN_UNTRUSTED messages
// here, so that the same signature and the same trust read the same everywhere (issue 9, finding 9).
// Each names what the signature has AND what is trusted: a near miss (one letter, another issuer)
// is only visible when both are on the screen.
import type { X509Certificate } from 'node:crypto';
import { basename } from 'node:path';
import { certificateIssuerText, certificateSubjectText } from '../keys/distinguished-name';

/** At most this many trusted entries are named; the rest are counted ("and 4 more"). */
const NAMED = 3;

/** "2 trusted keys", "1 trusted key": a count with its noun, never "key(s)". */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * ", which is not the trusted key X" for one entry; ", which is none of the 3 trusted keys: A; B; C"
 * for several (the first NAMED, then "and N more"); ", and no key is trusted" for none.
 */
function notAmong(items: string[], one: string, many: string): string {
  if (items.length === 0) return `, and no ${one} is trusted`;
  if (items.length === 1) return `, which is not the trusted ${one} ${items[0]}`;
  const named = items.slice(0, NAMED).join('; ');
  const more = items.length > NAMED ? `; and ${items.length - NAMED} more` : '';
  return `, which is none of the ${countOf(items.length, `trusted ${one}`, `trusted ${many}`)}: ${named}${more}`;
}

/** A trusted key as the signer is named: "key 5f3a1b2c… (prod.pub.pem)". */
const keyText = (k: { hint: string; source?: string }): string => `${k.hint.slice(0, 8)}…${k.source ? ` (${basename(k.source)})` : ''}`;

/** KEY_UNTRUSTED: "signed by key 27ccad2b…, which is not the trusted key 5f3a1b2c… (prod.pub.pem)". */
export function keyUntrustedMessage(signer: string, keys: readonly { hint: string; source?: string }[]): string {
  return `signed by ${signer}${notAmong(keys.map(keyText), 'key', 'keys')}`;
}

/**
 * IDENTITY_MISMATCH / ISSUER_MISMATCH: the signature's identity and issuer, then the trusted ones,
 * and when one of them differs only in the issuer (or only in letter case), that is said too.
 */
export function identityUntrustedMessage(actual: { identity?: string; issuer?: string }, trusted: readonly { identity: string; issuer: string }[]): string {
  const who = `keyless identity ${actual.identity ?? '(none)'} via ${actual.issuer ?? '(no issuer)'}`;
  const list = notAmong(
    trusted.map((t) => `${t.identity} via ${t.issuer}`),
    'identity',
    'identities',
  );
  const sameIdentity = trusted.find((t) => t.identity === actual.identity);
  const caseOnly = !sameIdentity && actual.identity ? trusted.find((t) => t.identity.toLowerCase() === actual.identity!.toLowerCase()) : undefined;
  const near = sameIdentity
    ? `; the identity matches ${sameIdentity.identity}, but the issuer is ${actual.issuer ?? '(none)'}, not ${sameIdentity.issuer}`
    : caseOnly
      ? `; ${caseOnly.identity} differs only in letter case`
      : '';
  return `signed by ${who}${list}${near} (identity and issuer must both match exactly)`;
}

/** The identity/issuer code for a keyless signer not trusted: ISSUER_MISMATCH when some trusted entry has its identity. */
export function identityUntrustedCode(actual: { identity?: string; issuer?: string }, trusted: readonly { identity: string; issuer: string }[]): 'IDENTITY_MISMATCH' | 'ISSUER_MISMATCH' {
  return trusted.some((t) => t.identity === actual.identity && t.issuer !== actual.issuer) ? 'ISSUER_MISMATCH' : 'IDENTITY_MISMATCH';
}

/**
 * CERT_CHAIN_UNTRUSTED: who signed, where the chain the bundle carries ends (its top certificate
 * and the issuer it needs an anchor for), and the anchors that were tried:
 * "signed by certificate CN=leaf issued by CN=intermediate-ca, whose chain ends at CN=intermediate-ca
 * (issued by CN=root-ca); the trusted certificate anchor CN=other-root did not issue it".
 */
export function anchorUntrustedMessage(signer: string, path: readonly X509Certificate[], anchors: readonly X509Certificate[]): string {
  const top = path[path.length - 1];
  let end = '';
  if (top) {
    const subject = certificateSubjectText(top);
    end = selfSigned(top) ? `, whose chain ends at the root ${subject}` : `, whose chain ends at ${subject} (issued by ${certificateIssuerText(top)})`;
  }
  const names = anchors.map((a) => certificateSubjectText(a));
  const more = names.length > NAMED ? `; and ${names.length - NAMED} more` : '';
  const tried =
    names.length === 0
      ? '; no certificate anchor is trusted'
      : names.length === 1
        ? `; the trusted certificate anchor ${names[0]} did not issue it`
        : `; none of the ${countOf(names.length, 'trusted certificate anchor')} issued it: ${names.slice(0, NAMED).join('; ')}${more}`;
  return `signed by ${signer}${end}${tried}`;
}

/** Issued by itself (names alone are not enough: a leaf may carry its issuer's name as its own). */
function selfSigned(c: X509Certificate): boolean {
  try {
    return c.checkIssued(c) && c.verify(c.publicKey);
  } catch {
    return false;
  }
}
