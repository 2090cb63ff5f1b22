/**
 * The attestation trust layer (core/chain/attestation-trust.ts) on real bundles made by
 * model_signing: a Sigstore keyless bundle and a certificate-chain bundle from the
 * model-transparency vectors, judged under policies that trust them, that name another
 * identity or subject, and after one payload byte is flipped.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { certificateSubjectText, compilePolicy, parseBundle, verifyAttestationText, type PolicyDocument } from '../../core';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';

const MT = join(VECTORS, 'model-transparency');
const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';

function flipPayload(text: string): string {
  const b = JSON.parse(text);
  const p = Buffer.from(b.dsseEnvelope.payload, 'base64');
  p[p.length - 5] = p[p.length - 5]! ^ 1;
  b.dsseEnvelope.payload = p.toString('base64');
  return JSON.stringify(b);
}

describe('attestation trust on model_signing bundles', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  const policy = (doc: PolicyDocument) => compilePolicy(doc, join(MT, 'keys', 'certificate', 'policy.json'));

  test('Sigstore keyless: the identity verifies; another identity is IDENTITY_MISMATCH; a flipped byte is ATTESTATION_SIGNATURE_INVALID', () => {
    const text = readFileSync(join(MT, 'v1.0.0-sigstore', 'model.sig'), 'utf8');
    const as = (identity: string) => policy({ signers: { release: { sigstore: { identity, issuer: ISSUER } } } });
    const ok = verifyAttestationText(text, 'model.sig', as(IDENTITY));
    assert.deepEqual(ok.signers, ['release']);
    assert.equal(ok.signer?.identity, IDENTITY);
    const other = verifyAttestationText(text, 'model.sig', as('release@example.com'));
    assert.deepEqual(other.rejection, {
      code: 'IDENTITY_MISMATCH',
      message: `signed by Sigstore identity "${IDENTITY}" (issuer ${ISSUER}), which is not allowed for the policy signer(s) "release" (release@example.com via ${ISSUER})`,
    });
    const tampered = verifyAttestationText(flipPayload(text), 'model.sig', as(IDENTITY));
    assert.equal(tampered.rejection?.code, 'ATTESTATION_SIGNATURE_INVALID');
    assert.match(tampered.rejection!.message, new RegExp(`^signed by Sigstore identity "${IDENTITY}", which is the Sigstore identity of policy signer "release" \\(${IDENTITY}\\), but its bytes do not verify under it`));
    // A key-only policy: the keyless bundle is an untrusted signer, named by identity.
    const keys = verifyAttestationText(text, 'model.sig', policy({ signers: { k: { publicKey: 'signing-key-pub.pem' } } }));
    assert.deepEqual(keys.rejection, { code: 'UNTRUSTED_SIGNER', message: `signed by Sigstore identity "${IDENTITY}", and the policy trusts no Sigstore identities` });
  });

  test('certificate chain: the leaf subject as RFC 4514 verifies; another subject is CERT_SUBJECT_MISMATCH; one Sigstore signer beside it does not spoil it', () => {
    const text = readFileSync(join(MT, 'v1.0.0-certificate', 'model.sig'), 'utf8');
    const m = parseBundle(text, 'model.sig').material;
    assert.equal(m.kind, 'x509CertificateChain');
    const leaf = certificateSubjectText(new X509Certificate(m.kind === 'x509CertificateChain' ? m.certificates[0]! : Buffer.alloc(0)));
    const as = (subject: string): PolicyDocument => ({ signers: { ml: { certificate: { anchors: ['ca-cert.pem'], subject } }, keyless: { sigstore: { identity: IDENTITY, issuer: ISSUER } } } });
    const ok = verifyAttestationText(text, 'model.sig', policy(as(leaf)));
    assert.deepEqual(ok.signers, ['ml'], 'the Sigstore signer cannot judge a certificate-chain bundle, and must not make it fail');
    assert.equal(ok.signer?.subject, leaf);
    const other = verifyAttestationText(text, 'model.sig', policy(as('CN=someone-else')));
    assert.deepEqual(other.rejection, { code: 'CERT_SUBJECT_MISMATCH', message: `certificate subject "${leaf}" chains to a trusted anchor but is not allowed for the policy signer(s) "ml" (CN=someone-else)` });
  });
});
