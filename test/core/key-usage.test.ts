/**
 * Which leaf certificates may sign a model: model_signing's rule since its issue #457
 * (KeyUsage digitalSignature, or ExtendedKeyUsage codeSigning), one function for the
 * signer and the verifier. Certificates are made by the openssl CLI for each combination.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  checkSigningUsage,
  INTOTO_PAYLOAD_TYPE,
  buildStatement,
  computeResources,
  enumerateModel,
  loadCertificates,
  loadPrivateKey,
  serializationRecord,
  serializeBundle,
  signEnvelope,
  signModel,
  verifyModel,
} from '../../core';
import { makeModel, makePki, tempDir } from '../helpers/fixtures';

export interface UsageCase {
  name: string;
  keyUsage: string | null;
  extendedKeyUsage: string | null;
  ok: boolean;
}

/** Every combination that decides the rule; `null` leaves the extension out. */
export const USAGE_CASES: UsageCase[] = [
  { name: 'KU digitalSignature + EKU codeSigning', keyUsage: 'digitalSignature', extendedKeyUsage: 'codeSigning', ok: true },
  { name: 'KU digitalSignature, no EKU', keyUsage: 'digitalSignature', extendedKeyUsage: null, ok: true },
  { name: 'no KU, EKU codeSigning (model_signing issue #457)', keyUsage: null, extendedKeyUsage: 'codeSigning', ok: true },
  { name: 'KU keyEncipherment + EKU codeSigning', keyUsage: 'keyEncipherment', extendedKeyUsage: 'codeSigning', ok: true },
  { name: 'KU digitalSignature + EKU serverAuth', keyUsage: 'digitalSignature', extendedKeyUsage: 'serverAuth', ok: true },
  { name: 'KU keyEncipherment, no EKU', keyUsage: 'keyEncipherment', extendedKeyUsage: null, ok: false },
  { name: 'KU keyEncipherment + EKU serverAuth,clientAuth', keyUsage: 'keyEncipherment', extendedKeyUsage: 'serverAuth,clientAuth', ok: false },
  { name: 'KU nonRepudiation, no EKU', keyUsage: 'nonRepudiation', extendedKeyUsage: null, ok: false },
  { name: 'no KU, EKU anyExtendedKeyUsage', keyUsage: null, extendedKeyUsage: 'anyExtendedKeyUsage', ok: false },
  { name: 'neither extension', keyUsage: null, extendedKeyUsage: null, ok: false },
];

describe('certificate key usage: one rule for signer and verifier', () => {
  for (const c of USAGE_CASES) {
    test(`${c.name}: ${c.ok ? 'may sign' : 'may not sign'}`, async () => {
      const dir = tempDir();
      const m = makeModel(join(dir, 'model'), { 'w.bin': 'weights', 'config.json': '{}' });
      const pki = makePki(join(dir, 'pki'), 'prime256v1', { keyUsage: c.keyUsage, extendedKeyUsage: c.extendedKeyUsage });
      const leaf = loadCertificates(pki.leafCert)[0]!;
      const privateKey = loadPrivateKey(pki.leafKey);
      const chain = loadCertificates(pki.intermediateCert);
      const anchors = loadCertificates(pki.rootCert);

      const check = checkSigningUsage(leaf);
      assert.equal(check.ok, c.ok);
      if (!check.ok) {
        assert.equal(check.code, 'CERT_KEY_USAGE');
        assert.match(check.message, c.keyUsage === null ? /no KeyUsage extension/ : /KeyUsage lacks digitalSignature/);
        assert.match(check.message, c.extendedKeyUsage === null ? /no ExtendedKeyUsage extension/ : /ExtendedKeyUsage lacks codeSigning/);
      }

      const sign = signModel({ modelPath: m, signer: { kind: 'certificate', privateKey, signingCertificate: leaf, chain } });
      if (c.ok) {
        await sign;
        const r = await verifyModel({ modelPath: m, trust: { kind: 'certificate', anchors } });
        assert.equal(r.verdict, 'verified', JSON.stringify(r.problems));
        return;
      }
      // The signer refuses before hashing or writing anything…
      await assert.rejects(sign, { code: 'CERT_KEY_USAGE' });
      assert.equal(existsSync(join(m, 'model.sig')), false);
      // …and the verifier fails a bundle made with that leaf anyway (written by hand here).
      const listing = enumerateModel(m, { signaturePath: join(m, 'model.sig') });
      const resources = await computeResources(listing, { singleFileName: 'dot' });
      const statement = buildStatement('model', resources, serializationRecord(listing, {}));
      const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), privateKey);
      writeFileSync(join(m, 'model.sig'), serializeBundle({ material: { kind: 'x509CertificateChain', certificates: [leaf.raw, ...chain.map((x) => x.raw)] }, envelope }));
      const r = await verifyModel({ modelPath: m, trust: { kind: 'certificate', anchors } });
      assert.equal(r.verdict, 'failed');
      assert.deepEqual(r.problems.map((p) => p.code), ['CERT_KEY_USAGE']);
    });
  }
});
