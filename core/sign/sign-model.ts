import { sign as cryptoSign, type KeyObject, type X509Certificate } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../errors';
import type { HashProgress } from '../hash/hash-files';
import { writeFileAtomic } from '../io/atomic-write';
import { hashForKey, keyHint } from '../keys/keys';
import { checkSigningUsage } from '../keys/certificates';
import { enumerateModel, type ModelScope, type ScopeWarning } from '../model/enumerate';
import { canonicalResourceName } from '../model/paths';
import { buildStatement } from '../oms/manifest';
import { computeResources, serializationRecord } from '../oms/serialize';
import { INTOTO_PAYLOAD_TYPE, type Resource, type Statement } from '../oms/types';
import { serializeBundle, type BundleVersion, type VerificationMaterial } from '../sigstore/bundle';
import { preAuthEncoding, type DsseEnvelope } from '../sigstore/dsse';
import { defaultSignaturePath } from '../model/signature-path';
import type { OptionNames } from '../option-names';

export type SigningIdentity =
  | { kind: 'key'; privateKey: KeyObject }
  | { kind: 'certificate'; privateKey: KeyObject; signingCertificate: X509Certificate; chain: X509Certificate[] };

export interface SignModelOptions extends ModelScope {
  modelPath: string;
  /** Where to write the bundle (default: MODEL/model.sig, or MODEL.sig for a file); left out of the model. */
  signaturePath?: string;
  signer: SigningIdentity;
  hashType?: 'sha256' | 'blake2b';
  method?: 'files' | 'shards';
  shardSize?: number;
  bundleVersion?: BundleVersion;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

export interface SignedModel {
  signaturePath: string;
  subject: { name: string; digest: string };
  resources: Resource[];
  keyId: string;
  bundle: string;
  /** Ignore paths that did nothing (outside the model, or matching nothing): not recorded. */
  warnings: ScopeWarning[];
}

/** Signs any DSSE payload with a key, picking the hash from the key's curve. */
export function signEnvelope(payloadType: string, payload: Buffer, privateKey: KeyObject): DsseEnvelope {
  const sig = cryptoSign(hashForKey(privateKey), preAuthEncoding(payloadType, payload), privateKey);
  return { payloadType, payload, signatures: [{ sig, keyid: '' }] };
}

/**
 * The bundle's verification material for a signer. For a certificate, the same checks
 * the verifier makes of a leaf come first, so we never write a signature we would refuse:
 * the key must belong to the certificate (KEY_CERT_MISMATCH) and the certificate must be
 * allowed to sign (CERT_KEY_USAGE, see checkSigningUsage). Throws InputError.
 */
export function materialFor(signer: SigningIdentity): VerificationMaterial {
  if (signer.kind === 'key') return { kind: 'publicKey', hint: keyHint(signer.privateKey) };
  if (!signer.signingCertificate.checkPrivateKey(signer.privateKey)) {
    throw new InputError('KEY_CERT_MISMATCH', 'the private key does not belong to the signing certificate');
  }
  const usage = checkSigningUsage(signer.signingCertificate);
  if (!usage.ok) throw new InputError(usage.code, `refusing to sign: ${usage.message}`);
  return { kind: 'x509CertificateChain', certificates: [signer.signingCertificate, ...signer.chain].map((c) => c.raw) };
}

/** Signs a statement into a bundle string (used for model signatures and attestations alike). */
export function signStatement(statement: Statement, signer: SigningIdentity, version?: BundleVersion): string {
  const material = materialFor(signer);
  const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), signer.privateKey);
  return serializeBundle({ version, material, envelope });
}

/**
 * Hashes a model, builds its OMS statement, signs it and writes the bundle atomically.
 * The signature file is left out of the model and recorded in `ignore_paths`. Throws
 * InputError before hashing for a signer that cannot sign, and MODEL_EMPTY when nothing
 * is left to sign (no files, or in `shards` mode only empty files: OMS §5.2.1 wants at
 * least one resource, so we refuse where `model_signing` signs an empty list).
 */
export async function signModel(options: SignModelOptions): Promise<SignedModel> {
  const signaturePath = options.signaturePath ?? defaultSignaturePath(options.modelPath);
  // Check the key before hashing gigabytes.
  materialFor(options.signer);
  const listing = enumerateModel(options.modelPath, {
    ignorePaths: options.ignorePaths,
    signaturePath,
    ignoreGitPaths: options.ignoreGitPaths ?? true,
    allowSymlinks: options.allowSymlinks ?? false,
    optionNames: options.optionNames,
  });
  // A name the verifier would refuse (a backslash, say) must not be signed in the first place.
  for (const f of listing.files) canonicalResourceName(f.name, join(options.modelPath, f.name));
  const serOptions = { hashType: options.hashType, method: options.method, shardSize: options.shardSize, allowSymlinks: options.allowSymlinks };
  const resources = await computeResources(listing, { ...serOptions, singleFileName: 'dot', signal: options.signal, onProgress: options.onProgress });
  if (resources.length === 0) {
    throw new InputError('MODEL_EMPTY', 'every file of the model is empty, and shard serialization records no empty file: nothing to sign (use the files method)', { file: options.modelPath });
  }
  const statement = buildStatement(basename(resolve(options.modelPath)), resources, serializationRecord(listing, serOptions));
  const bundle = signStatement(statement, options.signer, options.bundleVersion);
  writeFileAtomic(signaturePath, bundle);
  return {
    signaturePath,
    subject: { name: statement.subject[0]!.name, digest: `sha256:${statement.subject[0]!.digest.sha256}` },
    resources,
    keyId: keyHint(options.signer.privateKey),
    bundle,
    warnings: listing.warnings,
  };
}
