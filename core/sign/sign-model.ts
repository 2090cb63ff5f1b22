import { sign as cryptoSign, type KeyObject, type X509Certificate } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../errors';
import type { HashProgress } from '../hash/hash-files';
import { writeFileAtomic } from '../io/atomic-write';
import { hashForKey, keyHint } from '../keys/keys';
import { enumerateModel, relativeInside } from '../model/enumerate';
import { canonicalResourceName } from '../model/paths';
import { buildStatement } from '../oms/manifest';
import { computeResources, serializationRecord } from '../oms/serialize';
import { INTOTO_PAYLOAD_TYPE, type Resource, type Statement } from '../oms/types';
import { serializeBundle, type BundleVersion, type VerificationMaterial } from '../sigstore/bundle';
import { preAuthEncoding, type DsseEnvelope } from '../sigstore/dsse';
import { defaultSignaturePath } from '../model/signature-path';

export type SigningIdentity =
  | { kind: 'key'; privateKey: KeyObject }
  | { kind: 'certificate'; privateKey: KeyObject; signingCertificate: X509Certificate; chain: X509Certificate[] };

export interface SignModelOptions {
  modelPath: string;
  signaturePath?: string;
  signer: SigningIdentity;
  ignorePaths?: readonly string[];
  ignoreGitPaths?: boolean;
  allowSymlinks?: boolean;
  hashType?: 'sha256' | 'blake2b';
  method?: 'files' | 'shards';
  shardSize?: number;
  bundleVersion?: BundleVersion;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
}

export interface SignedModel {
  signaturePath: string;
  subject: { name: string; digest: string };
  resources: Resource[];
  keyId: string;
  bundle: string;
}

/** Signs any DSSE payload with a key, picking the hash from the key's curve. */
export function signEnvelope(payloadType: string, payload: Buffer, privateKey: KeyObject): DsseEnvelope {
  const sig = cryptoSign(hashForKey(privateKey), preAuthEncoding(payloadType, payload), privateKey);
  return { payloadType, payload, signatures: [{ sig, keyid: '' }] };
}

export function materialFor(signer: SigningIdentity): VerificationMaterial {
  if (signer.kind === 'key') return { kind: 'publicKey', hint: keyHint(signer.privateKey) };
  if (!signer.signingCertificate.checkPrivateKey(signer.privateKey)) {
    throw new InputError('KEY_CERT_MISMATCH', 'the private key does not belong to the signing certificate');
  }
  return { kind: 'x509CertificateChain', certificates: [signer.signingCertificate, ...signer.chain].map((c) => c.raw) };
}

/** Signs a statement into a bundle string (used for model signatures and attestations alike). */
export function signStatement(statement: Statement, signer: SigningIdentity, version?: BundleVersion): string {
  const material = materialFor(signer);
  const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), signer.privateKey);
  return serializeBundle({ version, material, envelope });
}

/** Hashes a model, builds its OMS statement, signs it and writes the bundle atomically. */
export async function signModel(options: SignModelOptions): Promise<SignedModel> {
  const signaturePath = options.signaturePath ?? defaultSignaturePath(options.modelPath);
  const ignorePaths = [...(options.ignorePaths ?? [])];
  const inside = relativeInside(options.modelPath, signaturePath);
  if (inside) ignorePaths.push(inside);
  // Check the key before hashing gigabytes.
  materialFor(options.signer);
  const listing = enumerateModel(options.modelPath, {
    ignorePaths,
    ignoreGitPaths: options.ignoreGitPaths ?? true,
    allowSymlinks: options.allowSymlinks ?? false,
  });
  // A name the verifier would refuse (a backslash, say) must not be signed in the first place.
  for (const f of listing.files) canonicalResourceName(f.name, join(options.modelPath, f.name));
  const serOptions = { hashType: options.hashType, method: options.method, shardSize: options.shardSize, allowSymlinks: options.allowSymlinks };
  const resources = await computeResources(listing, { ...serOptions, singleFileName: 'dot', signal: options.signal, onProgress: options.onProgress });
  const statement = buildStatement(basename(resolve(options.modelPath)), resources, serializationRecord(listing, serOptions));
  const bundle = signStatement(statement, options.signer, options.bundleVersion);
  writeFileAtomic(signaturePath, bundle);
  return {
    signaturePath,
    subject: { name: statement.subject[0]!.name, digest: `sha256:${statement.subject[0]!.digest.sha256}` },
    resources,
    keyId: keyHint(options.signer.privateKey),
    bundle,
  };
}

