import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isProvenanceError } from '../errors';
import { loadCertificates } from '../keys/certificates';
import { loadTrustedKeys, type TrustedKey } from '../keys/keys';
import type { ParsedBundle } from '../sigstore/bundle';
import type { Signer } from './result';
import { verifySignature, type Trust } from './signature';
import { claimedSigner, describeSigner } from './signer';
import { identityUntrustedCode, identityUntrustedMessage } from './untrusted';

/** A CA certificate trusted to issue signing certificates, and the file it came from. */
export interface TrustedAnchor {
  source: string;
  certificate: X509Certificate;
}

/** A Sigstore keyless signer: exact SAN and exact OIDC issuer, optionally under another trusted root. */
export interface TrustedIdentity {
  identity: string;
  issuer: string;
  /** A trusted_root.json; default: the public-good root shipped with @sigstore/tuf (offline). */
  trustedRoot?: string;
}

/**
 * Everything one person trusts, over the three OMS signing methods at once: keys,
 * certificate anchors, keyless identities. A signature is judged by the part that
 * matches its kind; the other parts play no role.
 */
export interface TrustSet {
  keys: TrustedKey[];
  anchors: TrustedAnchor[];
  identities: TrustedIdentity[];
  /**
   * Entries written in the configuration that could not be used (a CA certificate among the keys,
   * a missing file): the configuration is not empty even when nothing loaded, so a signature is
   * "not checked for its kind", never "no trusted signer configured" (nothingConfigured).
   */
  unusable?: number;
}

export type TrustSetting = 'trustedKeys' | 'certificateAnchors' | 'trustedIdentities';

/** An entry of the trust configuration that could not be used, and why. */
export interface TrustProblem {
  setting: TrustSetting;
  /** The entry as written (a path, or the identity). */
  entry: string;
  /** The file concerned, when it is one. */
  file?: string;
  code: string;
  message: string;
  /** Where the entry belongs instead (a CA certificate given as a key). */
  belongsIn?: TrustSetting;
}

/** The trust configuration as written: paths (relative ones resolved by the caller) and identities. */
export interface TrustConfig {
  trustedKeys?: readonly string[];
  certificateAnchors?: readonly string[];
  trustedIdentities?: readonly unknown[];
}

export const EMPTY_TRUST: TrustSet = { keys: [], anchors: [], identities: [] };

/**
 * Loads a trust configuration: every usable entry, and one problem per entry that is not
 * (missing file, not a key, a CA certificate among the keys, an identity without an issuer).
 * Never throws for a bad entry: one bad path must not drop the rest.
 */
export function loadTrustSet(config: TrustConfig, resolvePath: (p: string) => string = (p) => p): { trust: TrustSet; problems: TrustProblem[] } {
  const trust: TrustSet = { keys: [], anchors: [], identities: [] };
  const problems: TrustProblem[] = [];
  for (const entry of config.trustedKeys ?? []) {
    try {
      trust.keys.push(
        ...loadTrustedKeys(resolvePath(entry), {
          onSkipped: (p) => problems.push({ setting: 'trustedKeys', entry, file: p.file, code: p.code, message: p.message, belongsIn: 'certificateAnchors' }),
        }),
      );
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
      problems.push({ setting: 'trustedKeys', entry, file: err.file, code: err.code, message: err.message, ...(err.code === 'KEY_IS_CA_CERTIFICATE' ? { belongsIn: 'certificateAnchors' as const } : {}) });
    }
  }
  for (const entry of config.certificateAnchors ?? []) {
    const file = resolvePath(entry);
    try {
      const certs = loadCertificates(file);
      for (const c of certs) trust.anchors.push({ source: file, certificate: c });
      if (!certs.some((c) => c.ca)) {
        problems.push({ setting: 'certificateAnchors', entry, file, code: 'ANCHOR_NOT_CA', message: 'holds no CA certificate; an anchor is the CA that issued the signing certificates (a signing key or its certificate belongs in the trusted keys)', belongsIn: 'trustedKeys' });
      }
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
      if (holdsPublicKey(file)) {
        problems.push({ setting: 'certificateAnchors', entry, file, code: 'ANCHOR_IS_KEY', message: 'is a public key, not a CA certificate: a key signature is checked against the trusted keys', belongsIn: 'trustedKeys' });
        continue;
      }
      problems.push({ setting: 'certificateAnchors', entry, file, code: err.code, message: err.message });
    }
  }
  for (const raw of config.trustedIdentities ?? []) {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const identity = typeof r.identity === 'string' ? r.identity.trim() : '';
    const issuer = typeof r.issuer === 'string' ? r.issuer.trim() : '';
    const label = identity || JSON.stringify(raw);
    if (!identity || !issuer) {
      problems.push({ setting: 'trustedIdentities', entry: label, code: 'IDENTITY_INCOMPLETE', message: `needs both "identity" (the certificate's email or URI) and "issuer" (the OIDC provider URL); matching is exact` });
      continue;
    }
    const trustedRoot = typeof r.trustedRoot === 'string' && r.trustedRoot ? resolvePath(r.trustedRoot) : undefined;
    trust.identities.push({ identity, issuer, ...(trustedRoot ? { trustedRoot } : {}) });
  }
  if (problems.length > 0) trust.unusable = problems.length;
  return { trust, problems };
}

/** A PEM public key (or a key file that is not a certificate): what a person may put among the anchors by mistake. */
function holdsPublicKey(file: string): boolean {
  try {
    return /-----BEGIN (?:EC )?PUBLIC KEY-----/.test(readFileSync(file, 'latin1'));
  } catch {
    return false;
  }
}

/** Nothing at all is configured (no entry in any trust setting, not even an unusable one): a first run. */
export function nothingConfigured(set: TrustSet): boolean {
  return set.keys.length === 0 && set.anchors.length === 0 && set.identities.length === 0 && !set.unusable;
}

/** A trust entry that is in the wrong setting (it says where it belongs): shown as its own warning. */
export function isMisplaced(p: TrustProblem): boolean {
  return p.belongsIn !== undefined;
}

/** How a signature stands against a trust set, before any file is read. */
export type TrustState =
  /** A trusted signer made this signature over these bytes. */
  | 'verified'
  /** The signature is sound, but its signer is not among those trusted for its kind. */
  | 'untrusted'
  /** The bytes do not verify under the signer they claim (altered payload or signature). */
  | 'invalid'
  /** Nothing is trusted for this kind of signature: nobody judged it. */
  | 'not-configured'
  /** The signature could not be evaluated (a trusted root that cannot be read, a corrupt certificate). */
  | 'error';

export interface TrustOutcome {
  state: TrustState;
  /** The verified signer, or the signer the bundle claims (for "who signed" when not verified). */
  signer: Signer;
  /** Stable reason code when not verified (KEY_UNTRUSTED, IDENTITY_MISMATCH, CERT_CHAIN_UNTRUSTED, TRUST_NOT_CONFIGURED…). */
  code?: string;
  message?: string;
  /** The single trust that verified it, to hand to verifyModel. */
  trust?: Trust;
  /**
   * With state `not-configured`: why nobody judged it, without the signer: "no trusted signer
   * configured" when nothing at all is configured, else the setting this kind of signature needs
   * ("no trusted identity configured for keyless signatures (modelProvenance.trustedIdentities)").
   */
  unchecked?: string;
  /** Nothing at all is configured in any trust setting (a first run): the only case that is not "signer not trusted". */
  nothingConfigured?: boolean;
}

/**
 * Judges a signature against everything trusted, by its kind: a key bundle against the
 * keys; a certificate-chain bundle against the anchors (or a trusted key equal to the leaf's,
 * as model_signing's key verifier accepts); a keyless bundle against the identities (exact
 * SAN and issuer, each under its trusted root). Never throws for a verification failure.
 */
export function evaluateSignatureTrust(bundle: ParsedBundle, set: TrustSet, file: string): TrustOutcome {
  let claimed: Signer;
  try {
    claimed = claimedSigner(bundle, file);
  } catch (err) {
    if (!isProvenanceError(err)) throw err;
    return { state: 'error', signer: { method: bundle.material.kind === 'publicKey' ? 'key' : bundle.material.kind === 'certificate' ? 'sigstore' : 'certificate' }, code: err.code, message: err.message };
  }
  try {
    switch (bundle.material.kind) {
      case 'publicKey':
        return viaKeys(bundle, set, file, claimed);
      case 'x509CertificateChain':
        return viaAnchors(bundle, set, file, claimed);
      case 'certificate':
        return viaIdentities(bundle, set, file, claimed);
    }
  } catch (err) {
    if (!isProvenanceError(err)) throw err;
    return { state: 'error', signer: claimed, code: err.code, message: err.message };
  }
}

/** What a signature of each kind needs, named by its setting (the editor's settings; the CLI passes trust explicitly). */
const NEEDS: Record<Signer['method'], string> = {
  key: 'no trusted key configured for key signatures (modelProvenance.trustedKeys)',
  certificate: 'no certificate anchor configured for certificate signatures (modelProvenance.certificateAnchors)',
  sigstore: 'no trusted identity configured for keyless signatures (modelProvenance.trustedIdentities)',
};

/**
 * "signature not checked": "no trusted signer configured" only when nothing at all is configured;
 * when other kinds are, it names the setting this kind needs, so a person with a key configured
 * is not told they configured nothing (issue 9, finding 5).
 */
function notConfigured(claimed: Signer, set: TrustSet): TrustOutcome {
  const nothing = nothingConfigured(set);
  const unchecked = nothing ? 'no trusted signer configured' : NEEDS[claimed.method];
  return { state: 'not-configured', signer: claimed, code: 'TRUST_NOT_CONFIGURED', message: `signature not checked: ${unchecked} (signed by ${describeSigner(claimed)})`, unchecked, nothingConfigured: nothing };
}

function fromOutcome(r: ReturnType<typeof verifySignature>, trust: Trust, claimed: Signer): TrustOutcome {
  if (r.ok) return { state: 'verified', signer: r.signer ?? claimed, trust };
  // Bytes that do not verify are "invalid"; a sound signature by someone not trusted is "untrusted".
  const invalid = r.code === 'SIGNATURE_INVALID' || r.code === 'SIGSTORE_SIGNATURE';
  return { state: invalid ? 'invalid' : 'untrusted', signer: r.signer ?? claimed, code: r.code ?? 'SIGNATURE_INVALID', message: r.message ?? 'the signature does not verify' };
}

function viaKeys(bundle: ParsedBundle, set: TrustSet, file: string, claimed: Signer): TrustOutcome {
  if (set.keys.length === 0) return notConfigured(claimed, set);
  const trust: Trust = { kind: 'key', keys: set.keys };
  // KEY_UNTRUSTED's words (the signer and the trusted keys) come from verifySignature, as in the CLI.
  return fromOutcome(verifySignature(bundle, trust, file), trust, claimed);
}

function viaAnchors(bundle: ParsedBundle, set: TrustSet, file: string, claimed: Signer): TrustOutcome {
  // model_signing's key verifier accepts a certificate bundle whose leaf key it trusts.
  const leafKey = claimed.keyId ? set.keys.filter((k) => k.hint === claimed.keyId) : [];
  if (set.anchors.length === 0 && leafKey.length === 0) return notConfigured(claimed, set);
  let first: TrustOutcome | undefined;
  if (set.anchors.length > 0) {
    const trust: Trust = { kind: 'certificate', anchors: set.anchors.map((a) => a.certificate) };
    const out = fromOutcome(verifySignature(bundle, trust, file), trust, claimed);
    if (out.state === 'verified' || out.state === 'invalid') return out;
    // CERT_CHAIN_UNTRUSTED's words (the chain's top, its issuer, the anchors) come from verifySignature, as in the CLI.
    first = out;
  }
  if (leafKey.length > 0) {
    const trust: Trust = { kind: 'key', keys: leafKey };
    const out = fromOutcome(verifySignature(bundle, trust, file), trust, claimed);
    if (out.state === 'verified') return { ...out, signer: { ...claimed, keySource: leafKey[0]!.source } };
    return first ?? out;
  }
  return first!;
}

function viaIdentities(bundle: ParsedBundle, set: TrustSet, file: string, claimed: Signer): TrustOutcome {
  if (set.identities.length === 0) return notConfigured(claimed, set);
  // One Sigstore verification per trusted root; the identity match is then exact, over all entries of that root.
  const byRoot = new Map<string, TrustedIdentity[]>();
  for (const id of set.identities) {
    const k = id.trustedRoot ?? '';
    byRoot.set(k, [...(byRoot.get(k) ?? []), id]);
  }
  let fallback: TrustOutcome | undefined;
  for (const [root, ids] of byRoot) {
    const first = ids[0]!;
    const trust: Trust = { kind: 'sigstore', identity: first.identity, issuer: first.issuer, ...(root ? { trustedRootPath: root } : {}) };
    const r = verifySignature(bundle, trust, file);
    if (r.ok) return { state: 'verified', signer: r.signer ?? claimed, trust };
    if (r.code === 'IDENTITY_MISMATCH' || r.code === 'ISSUER_MISMATCH') {
      const match = ids.find((i) => i.identity === r.signer?.identity && i.issuer === r.signer?.identityProvider);
      if (match) {
        const exact: Trust = { kind: 'sigstore', identity: match.identity, issuer: match.issuer, ...(root ? { trustedRootPath: root } : {}) };
        return { state: 'verified', signer: r.signer ?? claimed, trust: exact };
      }
      // Every trusted identity is named beside the signature's own, so a near miss shows.
      const actual = { identity: r.signer?.identity, issuer: r.signer?.identityProvider };
      fallback ??= {
        state: 'untrusted',
        signer: r.signer ?? claimed,
        code: identityUntrustedCode(actual, set.identities),
        message: identityUntrustedMessage(actual, set.identities),
      };
      continue;
    }
    // The certificate, log entry or signature itself failed under this root: keep the reason, try other roots.
    fallback = fromOutcome(r, trust, claimed);
  }
  return fallback!;
}

/** The hint of each trusted key, for callers that show which key a hint names. */
export function trustedKeyFor(set: TrustSet, hint: string): TrustedKey | undefined {
  return set.keys.find((k) => k.hint === hint);
}
