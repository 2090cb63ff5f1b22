import type { ScopeWarning } from '../model/enumerate';
import type { BundleVersion } from '../sigstore/bundle';

export type FileState = 'ok' | 'modified' | 'missing' | 'unexpected';

export interface FileStatus {
  name: string;
  status: FileState;
  expected?: string;
  actual?: string;
}

export interface Problem {
  /** Stable reason code, e.g. SIGNATURE_INVALID, FILE_MODIFIED. */
  code: string;
  message: string;
  file?: string;
}

export type SigningMethod = 'key' | 'certificate' | 'sigstore';

export interface Signer {
  method: SigningMethod;
  /** hex(sha256(PEM public key)), the OMS key hint. */
  keyId?: string;
  /** The trusted key file that verified the signature. */
  keySource?: string;
  /** Certificate subject / issuer for certificate signatures. */
  subject?: string;
  issuer?: string;
  serialNumber?: string;
  trustAnchor?: string;
  /** Sigstore keyless identity and its OIDC issuer. */
  identity?: string;
  identityProvider?: string;
}

export interface VerificationResult {
  verdict: 'verified' | 'failed';
  model: string;
  signature: string;
  bundleVersion?: BundleVersion;
  predicateType?: string;
  subject?: { name: string; digest: string };
  signer?: Signer;
  signedAt?: string;
  hashType?: string;
  files: FileStatus[];
  problems: Problem[];
  /** Notes that do not change the verdict (legacy encodings, ignored paths). */
  notes: string[];
  /** Ignore paths given for the verification that did nothing (the CLI prints them on stderr). */
  warnings?: ScopeWarning[];
  /** With ignore paths given: those that left something out of the model (model-relative), as the listing applied them. */
  appliedIgnorePaths?: string[];
}
