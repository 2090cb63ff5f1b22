import { readFileSync } from 'node:fs';
import type { TrustMaterial } from '@sigstore/verify';
import { InputError, fsError } from '../errors';
import { parseStrictJson } from '../io/json';

const PUBLIC_GOOD = 'https://tuf-repo-cdn.sigstore.dev';

// sigstore-js is required on first use, not imported: only keyless verification needs it, and
// loading it costs every other command start-up time.
const sigstoreBundle = (): typeof import('@sigstore/bundle') => require('@sigstore/bundle') as typeof import('@sigstore/bundle');
const sigstoreVerify = (): typeof import('@sigstore/verify') => require('@sigstore/verify') as typeof import('@sigstore/verify');
const trustedRootOf = (json: unknown): TrustMaterial =>
  sigstoreVerify().toTrustMaterial((require('@sigstore/protobuf-specs') as typeof import('@sigstore/protobuf-specs')).TrustedRoot.fromJSON(json));

export interface KeylessTrust {
  /** Exact certificate identity (SAN: email or URI). */
  identity: string;
  /** Exact OIDC issuer. */
  issuer: string;
  /** A trusted_root.json; default: the public-good root that @sigstore/tuf ships, offline. */
  trustedRootPath?: string;
}

export interface KeylessOutcome {
  ok: boolean;
  code?: string;
  message?: string;
  identity?: string;
  issuer?: string;
  /** Earliest verified time (transparency log or RFC 3161). */
  signedAt?: Date;
}

let publicGood: TrustMaterial | undefined;

/** The embedded public-good trusted root: no network, no TUF cache. */
export function publicGoodTrustMaterial(): TrustMaterial {
  if (!publicGood) {
    const seeds = require('@sigstore/tuf/seeds.json') as unknown;
    const targets = (seeds as Record<string, { targets: Record<string, string> }>)[PUBLIC_GOOD]?.targets;
    const b64 = targets?.['trusted_root.json'];
    if (!b64) throw new InputError('TRUSTED_ROOT_MISSING', 'the embedded Sigstore public-good trusted root is missing from @sigstore/tuf');
    publicGood = trustedRootOf(JSON.parse(Buffer.from(b64, 'base64').toString('utf8')));
  }
  return publicGood;
}

export function loadTrustMaterial(path: string): TrustMaterial {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fsError(err, path, 'read the trusted root');
  }
  const json = parseStrictJson(text, path);
  try {
    return trustedRootOf(json);
  } catch (err) {
    throw new InputError('TRUSTED_ROOT_MALFORMED', `not a Sigstore trusted root: ${(err as Error).message}`, { file: path, cause: err });
  }
}

/**
 * Keyless verification with sigstore-js: certificate chain to the Fulcio CA,
 * transparency log inclusion, signed time, DSSE signature; then an exact,
 * unanchored-pattern-free match of identity and issuer.
 */
export function verifyKeyless(bundleJson: unknown, trust: KeylessTrust, file: string): KeylessOutcome {
  const material = trust.trustedRootPath ? loadTrustMaterial(trust.trustedRootPath) : publicGoodTrustMaterial();
  let entity;
  try {
    entity = sigstoreVerify().toSignedEntity(sigstoreBundle().bundleFromJSON(bundleJson));
  } catch (err) {
    throw new InputError('BUNDLE_MALFORMED', `not a valid Sigstore bundle: ${(err as Error).message}`, { file, cause: err });
  }
  let signer;
  try {
    signer = new (sigstoreVerify().Verifier)(material).verify(entity);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'ERROR';
    return { ok: false, code: `SIGSTORE_${code.replace(/_ERROR$/, '')}`, message: `Sigstore verification failed: ${(err as Error).message}` };
  }
  const identity = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  const signedAt = entity.timestamps
    .map((t) => (t.$case === 'transparency-log' ? new Date(Number(t.tlogEntry.integratedTime) * 1000) : undefined))
    .filter((d): d is Date => d !== undefined)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  if (identity !== trust.identity) {
    return { ok: false, code: 'IDENTITY_MISMATCH', message: `signed by identity "${identity ?? '(none)'}", expected "${trust.identity}"`, identity, issuer, signedAt };
  }
  if (issuer !== trust.issuer) {
    return { ok: false, code: 'ISSUER_MISMATCH', message: `identity issued by "${issuer ?? '(none)'}", expected "${trust.issuer}"`, identity, issuer, signedAt };
  }
  return { ok: true, identity, issuer, signedAt };
}
