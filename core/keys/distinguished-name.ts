/**
 * X.501 distinguished names (certificate subjects and issuers) as data, never as a
 * display string: parsed from a certificate's DER, from an RFC 4514 string
 * ("CN=Release Signer, OU=ML, O=Example Corp, C=DE") or from Node's
 * `X509Certificate.subject` form ("C=DE\nO=Example Corp\nOU=ML\nCN=Release Signer"),
 * compared by their attribute (type, value) pairs, and formatted back as RFC 4514.
 *
 * Matching rule (docs/provenance.md, "Certificate subjects"): two names match when they
 * hold exactly the same multiset of (attribute type, value) pairs. Attribute types are
 * compared as OIDs, so `CN`, `cn`, `commonName`, `2.5.4.3` and `OID.2.5.4.3` are one type.
 * Values are compared exactly, after RFC 4514 escapes (`\,`, `\2C`) and `#hex` BER values
 * are decoded: no case folding and no whitespace folding, because a trust decision must not
 * widen what the policy wrote. The order of RDNs and how pairs are grouped into
 * multi-valued RDNs do not matter, so a subject copied in OpenSSL's order (C first) matches
 * as well as one in RFC 4514's order (CN first).
 */
import type { X509Certificate } from 'node:crypto';
import type { ASN1Obj } from '@sigstore/core';
import { InputError } from '../errors';

// @sigstore/core is required on first use, not imported: most commands never parse a certificate.
const sigstoreCore = (): typeof import('@sigstore/core') => require('@sigstore/core') as typeof import('@sigstore/core');

/** One attribute of a name: its type as a dotted OID, and its value. */
export interface DnAttribute {
  type: string;
  /** The decoded string, for the directory string types. */
  text?: string;
  /** Hex of the whole BER/DER encoding, for values that have no string form. */
  der?: string;
}

/** A name as its RDNs in DER order (most general first, e.g. C before CN); each RDN a set of attributes. */
export interface DistinguishedName {
  rdns: DnAttribute[][];
}

/** Short names of RFC 4514 §3 plus the ones X.509 certificates commonly carry (RFC 5280, PKCS #9, EV). */
const NAMES: [string, string, ...string[]][] = [
  ['2.5.4.3', 'CN', 'commonName'],
  ['2.5.4.4', 'SN', 'surname'],
  ['2.5.4.5', 'serialNumber'],
  ['2.5.4.6', 'C', 'countryName'],
  ['2.5.4.7', 'L', 'localityName'],
  ['2.5.4.8', 'ST', 'stateOrProvinceName', 'S'],
  ['2.5.4.9', 'STREET', 'streetAddress'],
  ['2.5.4.10', 'O', 'organizationName'],
  ['2.5.4.11', 'OU', 'organizationalUnitName'],
  ['2.5.4.12', 'title'],
  ['2.5.4.15', 'businessCategory'],
  ['2.5.4.17', 'postalCode'],
  ['2.5.4.42', 'GN', 'givenName', 'G'],
  ['2.5.4.43', 'initials'],
  ['2.5.4.44', 'generationQualifier'],
  ['2.5.4.46', 'dnQualifier'],
  ['2.5.4.65', 'pseudonym'],
  ['2.5.4.97', 'organizationIdentifier'],
  ['0.9.2342.19200300.100.1.1', 'UID', 'userId'],
  ['0.9.2342.19200300.100.1.25', 'DC', 'domainComponent'],
  ['1.2.840.113549.1.9.1', 'emailAddress', 'E'],
  ['1.3.6.1.4.1.311.60.2.1.1', 'jurisdictionL', 'jurisdictionLocalityName'],
  ['1.3.6.1.4.1.311.60.2.1.2', 'jurisdictionST', 'jurisdictionStateOrProvinceName'],
  ['1.3.6.1.4.1.311.60.2.1.3', 'jurisdictionC', 'jurisdictionCountryName'],
];
const OID_BY_NAME = new Map(NAMES.flatMap(([oid, ...names]) => names.map((n) => [n.toLowerCase(), oid] as const)));
const NAME_BY_OID = new Map(NAMES.map(([oid, name]) => [oid, name]));
const OID = /^(?:oid\.)?([0-2](?:\.(?:0|[1-9][0-9]*))+)$/i;

/** ASN.1 universal tags of the string types a name value may have (X.520 DirectoryString and friends). */
const STRING_TAGS = new Map<number, 'utf8' | 'latin1' | 'bmp' | 'universal'>([
  [0x0c, 'utf8'], // UTF8String
  [0x12, 'latin1'], // NumericString
  [0x13, 'latin1'], // PrintableString
  [0x14, 'latin1'], // TeletexString (T61): read as Latin-1, as OpenSSL and Node print it
  [0x16, 'latin1'], // IA5String
  [0x1a, 'latin1'], // VisibleString
  [0x1c, 'universal'], // UniversalString (UCS-4)
  [0x1e, 'bmp'], // BMPString (UCS-2)
]);

function malformed(text: string, why: string): InputError {
  return new InputError('DN_MALFORMED', `"${text}" is not a distinguished name: ${why}`);
}

/** The OID for an attribute type written as a short name, a long name or a dotted OID (case-insensitive). */
export function attributeTypeOid(type: string): string | undefined {
  const t = type.trim();
  const m = OID.exec(t);
  if (m) return m[1]!;
  return OID_BY_NAME.get(t.toLowerCase());
}

// ------------------------------------------------------------------ DER

function decodeString(tag: number, bytes: Buffer): string | undefined {
  const kind = STRING_TAGS.get(tag);
  if (!kind) return undefined;
  switch (kind) {
    case 'utf8':
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    case 'latin1':
      return bytes.toString('latin1');
    case 'bmp': {
      if (bytes.length % 2) throw new Error('odd BMPString length');
      const swapped = Buffer.from(bytes);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    case 'universal': {
      if (bytes.length % 4) throw new Error('bad UniversalString length');
      let s = '';
      for (let i = 0; i < bytes.length; i += 4) s += String.fromCodePoint(bytes.readUInt32BE(i));
      return s;
    }
  }
}

/** An attribute value from its whole DER encoding: the string for string types, the hex otherwise. */
function valueFromDer(der: Buffer): Pick<DnAttribute, 'text' | 'der'> {
  const obj = sigstoreCore().ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>);
  const tag = obj.tag.toDER();
  try {
    const text = decodeString(tag, obj.value);
    if (text !== undefined) return { text };
  } catch {
    /* not decodable as its type says: keep the bytes */
  }
  return { der: der.toString('hex') };
}

/** A Name (SEQUENCE OF RDN, each a SET OF AttributeTypeAndValue) from its DER encoding. */
export function distinguishedNameFromDer(der: Buffer): DistinguishedName {
  let name: ASN1Obj;
  try {
    name = sigstoreCore().ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>);
  } catch (err) {
    throw new InputError('CERT_MALFORMED', 'the certificate name is not valid DER', { cause: err });
  }
  const rdns: DnAttribute[][] = [];
  for (const set of name.subs) {
    const rdn: DnAttribute[] = [];
    for (const atv of set.subs) {
      const [type, value] = atv.subs;
      if (!type || !value || !type.tag.isOID()) throw new InputError('CERT_MALFORMED', 'a certificate name attribute is not an (OID, value) pair');
      rdn.push({ type: type.toOID(), ...valueFromDer(value.toDER()) });
    }
    rdns.push(rdn);
  }
  return { rdns };
}

/** The DER of the tbsCertificate's issuer (`which` = 'issuer') or subject Name. */
function nameDer(cert: X509Certificate, which: 'issuer' | 'subject'): Buffer {
  let tbs: ASN1Obj;
  try {
    tbs = sigstoreCore().ASN1Obj.parseBuffer(cert.raw as Buffer<ArrayBuffer>).subs[0]!;
  } catch (err) {
    throw new InputError('CERT_MALFORMED', 'the certificate is not valid DER', { cause: err });
  }
  // TBSCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject, …
  const offset = tbs.subs[0]?.tag.isContextSpecific(0) ? 1 : 0;
  const node = tbs.subs[offset + (which === 'issuer' ? 2 : 4)];
  if (!node) throw new InputError('CERT_MALFORMED', `the certificate has no ${which} name`);
  return node.toDER();
}

/** The certificate's subject name, read from its DER (not from Node's display string). */
export function certificateSubject(cert: X509Certificate): DistinguishedName {
  return distinguishedNameFromDer(nameDer(cert, 'subject'));
}

/** The certificate's issuer name, read from its DER. */
export function certificateIssuer(cert: X509Certificate): DistinguishedName {
  return distinguishedNameFromDer(nameDer(cert, 'issuer'));
}

// ------------------------------------------------------------------ strings

const SPECIAL = new Set([',', '+', '"', '\\', '<', '>', ';', '=', '#', ' ']);

/**
 * Parses a name written as RFC 4514 (RDNs separated by `,` or `;`, most specific first,
 * multi-valued RDNs joined by `+`, `\` escapes of a special character or of two hex digits,
 * `#hex` BER values, optional spaces around separators) or in Node's `X509Certificate`
 * form (one RDN per line, DER order, ` + ` between the values of a multi-valued RDN).
 *
 * @returns the name in DER order (most general RDN first)
 * @throws InputError `DN_MALFORMED` naming the problem
 */
export function parseDistinguishedName(text: string): DistinguishedName {
  if (text.trim() === '') throw malformed(text, 'it is empty');
  // OpenSSL's one-line form (-subj, `openssl x509 -subject` without -nameopt): name the form, not "/C" as a type.
  if (/^\s*\/[A-Za-z0-9.]+=/.test(text)) {
    throw malformed(text, 'it is in OpenSSL\'s "/C=…/O=…/CN=…" form; write it as RFC 4514, most specific first: "CN=…, O=…, C=…" (openssl x509 -noout -subject -nameopt RFC2253 prints it so)');
  }
  // Node's form puts one RDN on each line, in DER order; a value never holds a raw newline there.
  const nodeForm = text.includes('\n');
  const rdns: DnAttribute[][] = [];
  let rdn: DnAttribute[] = [];
  let i = 0;
  const skipSpaces = (): void => {
    while (i < text.length && (text[i] === ' ' || (!nodeForm && text[i] === '\n'))) i++;
  };
  for (;;) {
    skipSpaces();
    const typeStart = i;
    while (i < text.length && text[i] !== '=' && text[i] !== ',' && text[i] !== '+' && text[i] !== '\n') i++;
    if (text[i] !== '=') throw malformed(text, `expected "type=value" at "${text.slice(typeStart, typeStart + 20)}"`);
    const typeText = text.slice(typeStart, i).trim();
    const type = attributeTypeOid(typeText);
    if (!type) throw malformed(text, `unknown attribute type "${typeText}" (use a short name such as CN, O, OU, C or a dotted OID)`);
    i++; // '='
    skipSpaces();
    let value: Pick<DnAttribute, 'text' | 'der'>;
    if (text[i] === '#') {
      const m = /^#([0-9a-fA-F]{2})+/.exec(text.slice(i));
      if (!m) throw malformed(text, 'a "#" value must be hex digits of a BER encoding');
      i += m[0].length;
      try {
        value = valueFromDer(Buffer.from(m[0].slice(1), 'hex'));
      } catch {
        throw malformed(text, `"${m[0]}" is not a BER encoding`);
      }
    } else {
      const bytes: number[] = [];
      let lastSignificant = 0; // length of bytes up to the last escaped or non-space character
      const pushText = (s: string): void => {
        bytes.push(...Buffer.from(s, 'utf8'));
      };
      // A quoted value (RFC 2253 §4, RFC 1779), as `openssl x509 -subject` prints one that
      // holds a comma: O = "Example, Inc.". Everything between the quotes is the value.
      const quoted = text[i] === '"';
      if (quoted) i++;
      while (i < text.length) {
        const c = text[i]!;
        if (quoted && c === '"') break;
        if (!quoted && (c === '+' || c === '\n' || (!nodeForm && (c === ',' || c === ';')))) break;
        if (!quoted && (c === ',' || c === ';')) throw malformed(text, `unescaped "${c}" in a value`);
        if (c === '\\') {
          const hex = /^[0-9a-fA-F]{2}/.exec(text.slice(i + 1, i + 3));
          if (hex) {
            bytes.push(parseInt(hex[0], 16));
            i += 3;
          } else if (i + 1 < text.length && (SPECIAL.has(text[i + 1]!) || (quoted && text[i + 1] === '"'))) {
            pushText(text[i + 1]!);
            i += 2;
          } else {
            throw malformed(text, `bad escape "\\${text[i + 1] ?? ''}"`);
          }
          lastSignificant = bytes.length;
          continue;
        }
        if (!quoted && (c === '"' || c === '<' || c === '>')) throw malformed(text, `unescaped "${c}" in a value`);
        const cp = text.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        pushText(ch);
        if (ch !== ' ' || quoted) lastSignificant = bytes.length;
        i += ch.length;
      }
      if (quoted) {
        if (text[i] !== '"') throw malformed(text, 'a quoted value is not closed');
        i++;
      }
      // Unescaped trailing spaces are not part of the value (RFC 4514 §2.4 escapes significant ones).
      const buf = Buffer.from(bytes.slice(0, lastSignificant));
      let decoded: string;
      try {
        decoded = new TextDecoder('utf-8', { fatal: true }).decode(buf);
      } catch {
        throw malformed(text, 'an escaped value is not UTF-8');
      }
      value = { text: decoded };
    }
    rdn.push({ type, ...value });
    skipSpaces();
    if (i >= text.length) break;
    const sep = text[i]!;
    i++;
    if (sep === '+') continue;
    if (sep === ',' || sep === ';' || sep === '\n') {
      rdns.push(rdn);
      rdn = [];
      if (i >= text.length || text.slice(i).trim() === '') throw malformed(text, `nothing after the last "${sep === '\n' ? '\\n' : sep}"`);
      continue;
    }
    throw malformed(text, `unexpected "${sep}"`);
  }
  rdns.push(rdn);
  return { rdns: nodeForm ? rdns : rdns.reverse() };
}

/** A stable key for one pair: its OID and its value. */
function pairKey(a: DnAttribute): string {
  return `${a.type}\u0000${a.text !== undefined ? `t${a.text}` : `d${a.der ?? ''}`}`;
}

function sameMultiset(a: DnAttribute[], b: DnAttribute[]): boolean {
  if (a.length !== b.length) return false;
  const x = a.map(pairKey).sort();
  const y = b.map(pairKey).sort();
  return x.every((k, i) => k === y[i]);
}

/**
 * True when both names hold exactly the same multiset of (type, value) pairs: the rule a
 * policy's `certificate.subject` is matched by (see the module comment).
 */
export function distinguishedNamesMatch(a: DistinguishedName, b: DistinguishedName): boolean {
  return sameMultiset(a.rdns.flat(), b.rdns.flat());
}

/**
 * Strict X.501 name equality for certificate path building: the same RDNs in the same
 * order, each RDN the same set of pairs, values exact.
 */
export function sameDistinguishedName(a: DistinguishedName, b: DistinguishedName): boolean {
  return a.rdns.length === b.rdns.length && a.rdns.every((rdn, i) => sameMultiset(rdn, b.rdns[i]!));
}

function escapeValue(v: string): string {
  let out = '';
  const chars = [...v];
  chars.forEach((ch, i) => {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f) out += `\\${cp.toString(16).padStart(2, '0').toUpperCase()}`;
    else if (ch === '\\' || ch === ',' || ch === '+' || ch === '"' || ch === '<' || ch === '>' || ch === ';' || ch === '=') out += `\\${ch}`;
    else if ((i === 0 && (ch === '#' || ch === ' ')) || (i === chars.length - 1 && ch === ' ')) out += `\\${ch}`;
    else out += ch;
  });
  return out;
}

/**
 * RFC 4514 string of a name, most specific RDN first, RDNs joined by ", " (the spacing
 * people write and read; the parser accepts it), values of a multi-valued RDN by "+",
 * known types by short name, others as dotted OIDs, values without a string form as
 * `#hex`. `parseDistinguishedName(formatDistinguishedName(n))` matches `n` exactly.
 */
export function formatDistinguishedName(dn: DistinguishedName): string {
  return [...dn.rdns]
    .reverse()
    .map((rdn) => rdn.map((a) => `${NAME_BY_OID.get(a.type) ?? a.type}=${a.text !== undefined ? escapeValue(a.text) : `#${a.der ?? ''}`}`).join('+'))
    .join(', ');
}

/** The certificate's subject as an RFC 4514 string, for messages, reports and the editor. */
export function certificateSubjectText(cert: X509Certificate): string {
  try {
    return formatDistinguishedName(certificateSubject(cert));
  } catch {
    return cert.subject.split('\n').reverse().join(', ');
  }
}

/** The certificate's issuer as an RFC 4514 string. */
export function certificateIssuerText(cert: X509Certificate): string {
  try {
    return formatDistinguishedName(certificateIssuer(cert));
  } catch {
    return cert.issuer.split('\n').reverse().join(', ');
  }
}
