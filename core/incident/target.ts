import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { InputError, fsError } from '../errors';
import { optionName, type OptionNames } from '../option-names';
import { keyHint, publicKeyFromBytes } from '../keys/keys';
import { hashModel } from '../model/hash-model';
import type { AdvisoryTarget } from './openvex';

/**
 * Reads an `incident` TARGET:
 * - `sha256:<hex>`: an artifact digest (model, adapter, dataset, any artifact);
 * - `key:<hex>` or a bare 64-hex key id: a signing key (the OMS key hint);
 * - `identity:<email or URI>` with `issuer`: a Sigstore keyless identity;
 * - a path: a PEM public key or certificate names its key; anything else (a model or dataset
 *   file or folder) is hashed like a model.
 * Throws InputError (exit 2) naming what is wrong.
 */
export async function resolveTarget(arg: string, options: { issuer?: string; signal?: AbortSignal; optionNames?: OptionNames } = {}): Promise<AdvisoryTarget> {
  if (/^sha256:[0-9a-f]{64}$/.test(arg)) return { kind: 'artifact', digest: arg };
  const key = /^(?:key:)?([0-9a-f]{64})$/.exec(arg);
  if (key) return { kind: 'key', keyId: key[1]! };
  if (arg.startsWith('identity:')) {
    const identity = arg.slice(9);
    if (!identity) throw new InputError('USAGE', 'identity: needs the identity (an e-mail or URI), e.g. identity:ci@example.com');
    if (!options.issuer) throw new InputError('USAGE', `a keyless identity needs its OIDC issuer: add ${optionName(options.optionNames, 'issuer')} (for ${identity})`);
    return { kind: 'identity', identity, issuer: options.issuer };
  }
  if (/^(sha256|key):/.test(arg)) throw new InputError('DIGEST_MALFORMED', `"${arg}" is not sha256:<64 hex> or key:<64 hex>`);
  if (!existsSync(arg)) throw new InputError('TARGET_NOT_FOUND', 'no such file or folder (give a path, sha256:<digest>, key:<key id> or identity:<identity>)', { file: arg });
  if (statSync(arg).isFile() && statSync(arg).size < 64 * 1024) {
    let head: string;
    try {
      head = readFileSync(arg, 'latin1');
    } catch (err) {
      throw fsError(err, arg, 'read the target');
    }
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(head)) throw new InputError('KEY_MALFORMED', 'is a private key; flag the public key (.pub.pem) or its key id', { file: arg });
    if (head.includes('-----BEGIN CERTIFICATE-----')) {
      try {
        return { kind: 'key', keyId: keyHint(new X509Certificate(readFileSync(arg)).publicKey), name: basename(arg) };
      } catch (err) {
        throw new InputError('CERT_MALFORMED', 'not a readable PEM certificate', { file: arg, cause: err });
      }
    }
    if (head.includes('-----BEGIN PUBLIC KEY-----')) return { kind: 'key', keyId: keyHint(publicKeyFromBytes(readFileSync(arg), arg)), name: basename(arg) };
  }
  const d = await hashModel(arg, { signal: options.signal, optionNames: options.optionNames });
  return { kind: 'artifact', digest: d.digest, name: basename(resolve(arg)) };
}
