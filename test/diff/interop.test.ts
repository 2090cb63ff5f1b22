import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';
import { cli, report } from './world';

const MT = join(VECTORS, 'model-transparency');
const KEYS = join(MT, 'keys', 'certificate');
const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';

describe('diff on model_signing signatures (vectors/model-transparency)', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  test('Sigstore keyless: the identity and issuer are read from the certificate, claimed without trust, verified offline with it', async () => {
    const old = join(MT, 'v1.0.1-sigstore', 'model.sig');
    const neu = join(MT, 'v1.1.0-sigstore', 'model.sig');
    const claimed = report(await cli(['diff', old, neu, '--format', 'json'], 0));
    assert.equal(claimed.verdict, 'not-checked');
    assert.deepEqual(claimed.comparisons[0].signer, {
      old: { kind: 'sigstore', identity: IDENTITY, identityProvider: ISSUER, verified: false },
      new: { kind: 'sigstore', identity: IDENTITY, identityProvider: ISSUER, verified: false },
      changed: false,
      details: [],
    });
    const verified = report(await cli(['diff', old, neu, '--identity', IDENTITY, '--identity-provider', ISSUER, '--format', 'json'], 0));
    assert.equal(verified.verdict, 'no-security-change');
    assert.equal(verified.comparisons[0].new.trust.state, 'verified');
    assert.equal(verified.comparisons[0].new.trust.signer.identity, IDENTITY);
    const other = report(await cli(['diff', old, neu, '--identity', 'someone@example.com', '--identity-provider', ISSUER, '--format', 'json'], 1));
    assert.deepEqual(other.comparisons[0].alerts.map((a: any) => [a.code, a.side]), [['IDENTITY_MISMATCH', 'old'], ['IDENTITY_MISMATCH', 'new']]);
  });

  test('certificate signatures from v0.2.0 (Digests/v0.1) to v1.1.0: same signer, the format change listed, the files unchanged', async () => {
    const j = report(await cli(['diff', join(MT, 'v0.2.0-certificate', 'model.sig'), join(MT, 'v1.1.0-certificate'), '--certificate-chain', join(KEYS, 'ca-cert.pem'), '--format', 'json'], 0));
    const c = j.comparisons[0];
    assert.equal(j.verdict, 'no-security-change');
    assert.equal(c.signer.changed, false);
    assert.equal(c.old.trust.state, 'verified');
    assert.equal(c.new.ownSignature.trust.state, 'verified');
    assert.deepEqual(c.new.integrity, []);
    assert.deepEqual(c.serialization.map((f: any) => f.field), ['predicateType', 'serialization.ignore_paths']);
    assert.equal(c.files.unchanged, 2);
    assert.deepEqual(c.new.excluded, ['ignore-me'], 'the file the signature\'s recorded ignore_paths leave out is named');
  });
});
