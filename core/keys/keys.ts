import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { InputError, fsError } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';
import { optionName, type OptionNames } from '../option-names';
import { certificateSubjectText } from './distinguished-name';

export type Curve = 'P-256' | 'P-384' | 'P-521';
export const CURVES: readonly Curve[] = ['P-256', 'P-384', 'P-521'];

/** OMS signs each curve with its matching hash (sigstore-js would use SHA-256 for all). */
const HASH_BY_CURVE: Record<string, string> = {
  prime256v1: 'sha256',
  secp384r1: 'sha384',
  secp521r1: 'sha512',
};

export function parseCurve(value: string): Curve {
  const v = value.toUpperCase().replace(/^(SECP|NISTP|P)-?/, 'P-').replace('R1', '');
  const map: Record<string, Curve> = { 'P-256': 'P-256', 'P-384': 'P-384', 'P-521': 'P-521', 'P-256V1': 'P-256', PRIME256V1: 'P-256' };
  const c = map[v] ?? map[value.toUpperCase()];
  if (!c) throw new InputError('USAGE', `unknown curve "${value}" (use p256, p384 or p521)`);
  return c;
}

/** The digest to sign and verify with, picked from the key's curve. */
export function hashForKey(key: KeyObject, file?: string): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const h = key.asymmetricKeyType === 'ec' && curve ? HASH_BY_CURVE[curve] : undefined;
  if (!h) {
    throw new InputError('KEY_UNSUPPORTED', `key type ${key.asymmetricKeyType}${curve ? ` (${curve})` : ''} is not supported; OMS uses EC P-256, P-384 or P-521`, { file });
  }
  return h;
}

export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'pem' }) as string;
}

/** `publicKey.hint` as model_signing writes it: hex(sha256(PEM public key)). */
export function keyHint(key: KeyObject): string {
  return createHash('sha256').update(publicKeyPem(key)).digest('hex');
}

export interface GeneratedKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
  hint: string;
}

export function generateKeyPair(curve: Curve = 'P-256', passphrase?: string): GeneratedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const privateKeyPem = privateKey.export(
    passphrase ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase } : { type: 'pkcs8', format: 'pem' },
  ) as string;
  return { privateKeyPem, publicKeyPem: publicKeyPem(publicKey), hint: keyHint(publicKey) };
}

/** Writes `<prefix>.pem` (mode 0600, never over an existing key) and `<prefix>.pub.pem`. */
export function writeKeyPair(prefix: string, pair: GeneratedKeyPair, options: { overwrite?: boolean } = {}): { privatePath: string; publicPath: string } {
  const privatePath = `${prefix}.pem`;
  const publicPath = `${prefix}.pub.pem`;
  writeFileAtomic(privatePath, pair.privateKeyPem, { mode: 0o600, exclusive: !options.overwrite });
  writeFileAtomic(publicPath, pair.publicKeyPem, { mode: 0o644, exclusive: !options.overwrite });
  return { privatePath, publicPath };
}

function readKeyFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = fsError(err, path, 'read the key');
    if (e.code === 'FILE_NOT_FOUND') throw new InputError('KEY_NOT_FOUND', 'key file not found', { file: path });
    throw e;
  }
}

/**
 * A private key from a PEM or DER file, decrypted with `passphrase` when it is encrypted.
 *
 * @param options.optionNames how the message about a missing passphrase names it (the CLI: `--password or MODEL_PROVENANCE_PASSPHRASE`; default `the passphrase option`)
 * @throws InputError `KEY_NOT_FOUND`, `KEY_PASSPHRASE`, `KEY_MALFORMED`
 */
export function loadPrivateKey(path: string, passphrase?: string, options: { optionNames?: OptionNames } = {}): KeyObject {
  const data = readKeyFile(path);
  const text = data.toString('utf8');
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text);
  if (encrypted && !passphrase) {
    throw new InputError('KEY_PASSPHRASE', `the private key is encrypted; give its passphrase (${optionName(options.optionNames, 'passphrase')})`, { file: path });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase ? { key: data, passphrase } : { key: data });
  } catch (err) {
    if (encrypted) throw new InputError('KEY_PASSPHRASE', 'wrong passphrase for the private key', { file: path });
    throw new InputError('KEY_MALFORMED', 'not a PEM or DER private key', { file: path, cause: err });
  }
  hashForKey(key, path);
  return key;
}

/** Loads a PEM/DER public key, or the public key of a certificate. */
export function loadPublicKey(path: string): KeyObject {
  const data = readKeyFile(path);
  return publicKeyFromBytes(data, path);
}

export function publicKeyFromBytes(data: Buffer, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(data);
  } catch (err) {
    try {
      key = createPublicKey({ key: data, format: 'der', type: 'spki' });
    } catch {
      throw new InputError('KEY_MALFORMED', 'not a PEM or DER public key', { file, cause: err });
    }
  }
  if (key.type !== 'public') throw new InputError('KEY_MALFORMED', 'expected a public key', { file });
  hashForKey(key, file);
  return key;
}

export interface TrustedKey {
  /** Where the key came from, for the signer report. */
  source: string;
  key: KeyObject;
  hint: string;
}

export interface LoadTrustedKeysOptions {
  /**
   * Called for a file of a folder that is not a usable key (a CA certificate), which is
   * then skipped. Without it such a file fails the whole load: a CA's key is never
   * silently taken as a signing key.
   */
  onSkipped?: (problem: { file: string; code: string; message: string }) => void;
}

/**
 * A certificate file whose certificate is a CA that may not sign data (key usage without
 * digitalSignature, or none at all): its key signs certificates, not models, so it belongs
 * among the certificate anchors. Undefined for anything else, including a CA-flagged
 * certificate that may also sign (the model-transparency test PKI's signing certificate is one).
 */
export function caCertificateIn(data: Buffer): X509Certificate | undefined {
  const text = data.toString('latin1');
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(text)?.[0];
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem ?? data);
  } catch {
    return undefined;
  }
  if (!cert.ca) return undefined;
  let canSign = false;
  try {
    canSign = SigstoreX509.parse(cert.raw).extKeyUsage?.digitalSignature === true;
  } catch {
    canSign = false;
  }
  return canSign ? undefined : cert;
}

export const CA_IN_TRUSTED_KEYS = 'KEY_IS_CA_CERTIFICATE';

/**
 * A public key file, or every `*.pem` / `*.pub` in a folder of trusted keys. A leaf
 * certificate counts as its public key; a CA certificate is refused (KEY_IS_CA_CERTIFICATE):
 * it is a certificate anchor, checked as a chain, never a key.
 */
export function loadTrustedKeys(fileOrDir: string, options: LoadTrustedKeysOptions = {}): TrustedKey[] {
  let isDir: boolean;
  try {
    isDir = statSync(fileOrDir).isDirectory();
  } catch (err) {
    const e = fsError(err, fileOrDir);
    if (e.code === 'FILE_NOT_FOUND') throw new InputError('KEY_NOT_FOUND', 'trusted key file or folder not found', { file: fileOrDir });
    throw e;
  }
  const paths = isDir
    ? readdirSync(fileOrDir)
        .filter((n) => /\.(pem|pub)$/i.test(n))
        .sort()
        .map((n) => join(fileOrDir, n))
    : [fileOrDir];
  if (paths.length === 0) throw new InputError('KEY_NOT_FOUND', 'the trusted keys folder holds no *.pem or *.pub file', { file: fileOrDir });
  const keys: TrustedKey[] = [];
  let skipped = 0;
  for (const p of paths) {
    const data = readKeyFile(p);
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(data.toString('latin1'))) {
      // keygen writes both halves side by side; a verifier never needs to read a private key.
      if (isDir) continue;
      throw new InputError('KEY_MALFORMED', 'is a private key; give the public key (.pub.pem) to verify', { file: p });
    }
    const ca = caCertificateIn(data);
    if (ca) {
      const message = `is a CA certificate (${certificateSubjectText(ca)}), not a signing key: trust it as a certificate anchor, so that the certificates it issued are checked as a chain`;
      if (!options.onSkipped) throw new InputError(CA_IN_TRUSTED_KEYS, message, { file: p });
      options.onSkipped({ file: p, code: CA_IN_TRUSTED_KEYS, message });
      skipped++;
      continue;
    }
    const key = publicKeyFromBytes(data, p);
    keys.push({ source: p, key, hint: keyHint(key) });
  }
  if (keys.length === 0 && skipped === 0) throw new InputError('KEY_NOT_FOUND', 'the trusted keys folder holds no public key', { file: fileOrDir });
  return keys;
}
