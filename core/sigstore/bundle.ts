import { InputError } from '../errors';
import { decodeBase64, encodeBase64 } from '../io/encoding';
import { isObject, parseStrictJson } from '../io/json';
import type { DsseEnvelope } from './dsse';

export const BUNDLE_MEDIA_TYPES = {
  '0.1': 'application/vnd.dev.sigstore.bundle+json;version=0.1',
  '0.2': 'application/vnd.dev.sigstore.bundle+json;version=0.2',
  '0.3': 'application/vnd.dev.sigstore.bundle.v0.3+json',
} as const;
export type BundleVersion = keyof typeof BUNDLE_MEDIA_TYPES;
/** The long spelling of v0.3 that the bundle spec also allows. */
const V03_ALT = 'application/vnd.dev.sigstore.bundle+json;version=0.3';

export type VerificationMaterial =
  | { kind: 'publicKey'; hint?: string; rawBytes?: Buffer }
  | { kind: 'x509CertificateChain'; certificates: Buffer[] }
  | { kind: 'certificate'; certificate: Buffer };

export interface ParsedBundle {
  version: BundleVersion;
  material: VerificationMaterial;
  tlogEntryCount: number;
  envelope: DsseEnvelope;
  /** The parsed JSON, for libraries (sigstore-js) that take the bundle as JSON. */
  json: Record<string, unknown>;
}

/** Reads a Sigstore bundle v0.1 to v0.3 holding one DSSE envelope, with a specific reason for each defect. */
export function parseBundle(text: string, file: string): ParsedBundle {
  if (text.trim() === '') throw new InputError('BUNDLE_EMPTY', 'the signature file is empty', { file });
  const doc = parseStrictJson(text, file);
  if (!isObject(doc)) throw new InputError('BUNDLE_MALFORMED', 'the signature is not a JSON object', { file, pointer: '' });
  if (Object.keys(doc).length === 0) throw new InputError('BUNDLE_EMPTY', 'the signature bundle is an empty object', { file, pointer: '' });
  const version = bundleVersion(doc.mediaType, file);

  const vm = doc.verificationMaterial;
  if (!isObject(vm)) {
    throw new InputError('BUNDLE_NO_VERIFICATION_MATERIAL', 'verificationMaterial is missing: nothing says who signed', { file, pointer: '' });
  }
  const tlog = vm.tlogEntries;
  if (tlog !== undefined && !Array.isArray(tlog)) throw new InputError('BUNDLE_MALFORMED', 'verificationMaterial.tlogEntries is not an array', { file, pointer: '/verificationMaterial/tlogEntries' });
  const tlogEntryCount = Array.isArray(tlog) ? tlog.length : 0;
  const material = readMaterial(vm, version, file);
  if (material.kind === 'certificate' && tlogEntryCount === 0) {
    throw new InputError(
      'BUNDLE_NO_TLOG',
      'a Sigstore (keyless) bundle must carry at least one transparency log entry; tlogEntries is missing or empty',
      { file, pointer: '/verificationMaterial' },
    );
  }

  if (doc.dsseEnvelope === undefined) {
    if (doc.messageSignature !== undefined) {
      throw new InputError('BUNDLE_NOT_DSSE', 'the bundle holds a message signature, not a DSSE envelope', { file, pointer: '/messageSignature' });
    }
    throw new InputError('BUNDLE_NO_ENVELOPE', 'dsseEnvelope is missing: the bundle carries no signed statement', { file, pointer: '' });
  }
  return { version, material, tlogEntryCount, envelope: readEnvelope(doc.dsseEnvelope, file), json: doc };
}

function bundleVersion(mediaType: unknown, file: string): BundleVersion {
  for (const [v, mt] of Object.entries(BUNDLE_MEDIA_TYPES)) if (mediaType === mt) return v as BundleVersion;
  if (mediaType === V03_ALT) return '0.3';
  throw new InputError(
    'BUNDLE_MEDIA_TYPE',
    mediaType === undefined
      ? 'mediaType is missing; expected a Sigstore bundle media type'
      : `mediaType ${JSON.stringify(mediaType)} is not a Sigstore bundle v0.1-v0.3 media type`,
    { file, pointer: mediaType === undefined ? '' : '/mediaType' },
  );
}

function readMaterial(vm: Record<string, unknown>, version: BundleVersion, file: string): VerificationMaterial {
  const present = ['publicKey', 'x509CertificateChain', 'certificate'].filter((k) => vm[k] !== undefined);
  if (present.length === 0) {
    throw new InputError('BUNDLE_NO_VERIFICATION_MATERIAL', 'verificationMaterial has no publicKey, x509CertificateChain or certificate', { file, pointer: '/verificationMaterial' });
  }
  if (present.length > 1) {
    throw new InputError('BUNDLE_MALFORMED', `verificationMaterial has more than one of ${present.join(', ')}`, { file, pointer: '/verificationMaterial' });
  }
  if (vm.publicKey !== undefined) {
    const pk = vm.publicKey;
    if (!isObject(pk)) throw new InputError('BUNDLE_MALFORMED', 'verificationMaterial.publicKey is not an object', { file, pointer: '/verificationMaterial/publicKey' });
    const out: VerificationMaterial = { kind: 'publicKey' };
    if (pk.hint !== undefined) {
      if (typeof pk.hint !== 'string') throw new InputError('BUNDLE_MALFORMED', 'publicKey.hint is not a string', { file, pointer: '/verificationMaterial/publicKey/hint' });
      out.hint = pk.hint;
    }
    if (pk.rawBytes !== undefined) out.rawBytes = decodeBase64(pk.rawBytes, 'publicKey.rawBytes', file, '/verificationMaterial/publicKey/rawBytes');
    return out;
  }
  if (vm.x509CertificateChain !== undefined) {
    const chain = vm.x509CertificateChain;
    const certs = isObject(chain) ? chain.certificates : undefined;
    if (!Array.isArray(certs) || certs.length === 0) {
      throw new InputError('BUNDLE_MALFORMED', 'x509CertificateChain.certificates is missing or empty', { file, pointer: '/verificationMaterial/x509CertificateChain' });
    }
    return {
      kind: 'x509CertificateChain',
      certificates: certs.map((c, i) => decodeBase64(isObject(c) ? c.rawBytes : undefined, `certificates[${i}].rawBytes`, file, `/verificationMaterial/x509CertificateChain/certificates/${i}/rawBytes`)),
    };
  }
  if (version !== '0.3') {
    throw new InputError('BUNDLE_MALFORMED', `a single "certificate" is only allowed in bundle v0.3, this is v${version}`, { file, pointer: '/verificationMaterial/certificate' });
  }
  const cert = vm.certificate;
  return { kind: 'certificate', certificate: decodeBase64(isObject(cert) ? cert.rawBytes : undefined, 'certificate.rawBytes', file, '/verificationMaterial/certificate/rawBytes') };
}

function readEnvelope(env: unknown, file: string): DsseEnvelope {
  if (!isObject(env)) throw new InputError('BUNDLE_MALFORMED', 'dsseEnvelope is not an object', { file, pointer: '/dsseEnvelope' });
  if (typeof env.payloadType !== 'string') throw new InputError('BUNDLE_MALFORMED', 'dsseEnvelope.payloadType is missing', { file, pointer: '/dsseEnvelope' });
  const payload = decodeBase64(env.payload, 'dsseEnvelope.payload', file, '/dsseEnvelope/payload');
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) {
    throw new InputError('BUNDLE_MALFORMED', 'dsseEnvelope.signatures is missing or empty', { file, pointer: '/dsseEnvelope' });
  }
  if (env.signatures.length !== 1) {
    throw new InputError('BUNDLE_MALFORMED', `expected exactly one DSSE signature, found ${env.signatures.length}`, { file, pointer: '/dsseEnvelope/signatures' });
  }
  const signatures = env.signatures.map((s, i) => {
    if (!isObject(s)) throw new InputError('BUNDLE_MALFORMED', `signatures[${i}] is not an object`, { file, pointer: `/dsseEnvelope/signatures/${i}` });
    if (s.keyid !== undefined && s.keyid !== null && typeof s.keyid !== 'string') {
      throw new InputError('BUNDLE_MALFORMED', `signatures[${i}].keyid is not a string`, { file, pointer: `/dsseEnvelope/signatures/${i}/keyid` });
    }
    return { sig: decodeBase64(s.sig, `signatures[${i}].sig`, file, `/dsseEnvelope/signatures/${i}/sig`), keyid: s.keyid as string | null | undefined };
  });
  return { payloadType: env.payloadType, payload, signatures };
}

export interface BundleParts {
  version?: BundleVersion;
  material: VerificationMaterial;
  envelope: DsseEnvelope;
}

/**
 * Writes a bundle in exactly the shape model_signing 1.1 writes (`tlogEntries: []`,
 * `keyid: ""`), which both it and sigstore-js read.
 */
export function serializeBundle(parts: BundleParts): string {
  const version = parts.version ?? '0.3';
  const m = parts.material;
  let vm: Record<string, unknown>;
  switch (m.kind) {
    case 'publicKey':
      vm = { publicKey: m.hint !== undefined ? { hint: m.hint } : { rawBytes: encodeBase64(m.rawBytes ?? Buffer.alloc(0)) } };
      break;
    case 'x509CertificateChain':
      vm = { x509CertificateChain: { certificates: m.certificates.map((c) => ({ rawBytes: encodeBase64(c) })) } };
      break;
    case 'certificate':
      vm = { certificate: { rawBytes: encodeBase64(m.certificate) } };
      break;
  }
  vm.tlogEntries = [];
  const bundle = {
    mediaType: BUNDLE_MEDIA_TYPES[version],
    verificationMaterial: vm,
    dsseEnvelope: {
      payload: encodeBase64(parts.envelope.payload),
      payloadType: parts.envelope.payloadType,
      signatures: parts.envelope.signatures.map((s) => ({ sig: encodeBase64(s.sig), keyid: s.keyid ?? '' })),
    },
  };
  return `${JSON.stringify(bundle, null, 2)}\n`;
}
