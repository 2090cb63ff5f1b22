/**
 * Advisories meet the chain-trust rules (issue 10 §4 and issue 12 together):
 *  - an advisory signer is checked exactly as an attestation signer is: a certificate
 *    subject in `advisorySigners` matches as a distinguished name (any order, Node's form),
 *    and a certificate under the right anchor with another subject is an untrusted advisory
 *    signer, said as a subject mismatch;
 *  - `verifyChain` takes the flags in force as one option of one shape (`EffectiveFlags`), and
 *    the policy's own `flagged` list applies even when the flags given leave it out;
 *  - ignored advisories reach every rendering of a chain result (text, json, mermaid, report),
 *    and never fail it, not even with `strict`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LocalRegistry, compilePolicy, emptyFlags, flag, loadEffectiveFlags, renderLineage, verifyChain, type AdvisoryTarget, type EffectiveFlag, type SigningIdentity } from '../../core';
import { makePki, tempDir, type TestPki } from '../helpers/fixtures';

const DESK_DN = 'CN=Incident Desk, OU=Security, O=Example Corp, C=DE';

/** A leaf with `subj` (openssl -subj syntax, DER order) issued by the PKI's intermediate. */
function issueLeaf(pki: TestPki, name: string, subj: string): SigningIdentity {
  const o = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: pki.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  writeFileSync(join(pki.dir, `${name}.ext`), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n');
  o('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.ec.key`);
  o('pkcs8', '-topk8', '-nocrypt', '-in', `${name}.ec.key`, '-out', `${name}.key`);
  o('req', '-new', '-key', `${name}.key`, '-utf8', '-subj', subj, '-out', `${name}.csr`);
  o('x509', '-req', '-in', `${name}.csr`, '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-days', '30', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
  return {
    kind: 'certificate',
    privateKey: createPrivateKey(readFileSync(join(pki.dir, `${name}.key`))),
    signingCertificate: new X509Certificate(readFileSync(join(pki.dir, `${name}.pem`))),
    chain: [new X509Certificate(readFileSync(pki.intermediateCert))],
  };
}

describe('advisory signers are trusted as attestation signers are', () => {
  const dir = tempDir('mp-adv-trust-', { untilExit: true });
  const pki = makePki(join(dir, 'pki'));
  const desk = issueLeaf(pki, 'desk', '/C=DE/O=Example Corp/OU=Security/CN=Incident Desk');
  const registry = new LocalRegistry(join(dir, '.provenance'));
  const target: AdvisoryTarget = { kind: 'artifact', digest: `sha256:${'d'.repeat(64)}` };
  const policyFor = (subject: string, extra: object = {}): ReturnType<typeof compilePolicy> =>
    compilePolicy({ signers: { desk: { certificate: { anchors: [pki.rootCert], subject } } }, advisorySigners: ['desk'], ...extra }, join(dir, 'provenance-policy.json'));
  let advisoryId = '';

  test('a certificate subject matches as a distinguished name, in RFC 4514 or OpenSSL order', async () => {
    advisoryId = (await flag({ registry, signer: desk, target, reason: 'poisoned upstream', now: new Date('2026-03-01T00:00:00Z') })).advisoryId;
    for (const subject of [DESK_DN, 'C=DE, O=Example Corp, OU=Security, CN=Incident Desk', 'cn=Incident Desk;ou=Security;o=Example Corp;c=DE']) {
      const flags = await loadEffectiveFlags(registry, policyFor(subject));
      assert.deepEqual(flags.ignored, [], subject);
      const inForce: EffectiveFlag[] = flags.digests.get(target.digest) ?? [];
      assert.deepEqual(inForce.map((f) => [f.source, f.advisoryId, f.signers]), [['advisory', advisoryId, ['desk']]], subject);
    }
  });

  test('another subject under the same anchor is not an advisory signer: reported as a subject mismatch, never obeyed', async () => {
    const flags = await loadEffectiveFlags(registry, policyFor('CN=Release Signer, OU=ML, O=Example Corp, C=DE'));
    assert.equal(flags.digests.size, 0);
    assert.equal(flags.ignored.length, 1);
    assert.equal(flags.ignored[0]!.code, 'ADVISORY_UNTRUSTED_SIGNER');
    assert.equal(flags.ignored[0]!.advisoryId, advisoryId);
    assert.match(flags.ignored[0]!.message, new RegExp(`^advisory ${advisoryId} \\(sha256:[0-9a-f]{12}…\\) is signed by certificate "${DESK_DN}" that the policy does not trust for advisories \\(certificate subject "${DESK_DN}" chains to a trusted anchor but is not allowed for the policy signer\\(s\\) "desk" \\(CN=Release Signer, OU=ML, O=Example Corp, C=DE\\)\\)$`));
  });

  test('the gate obeys the advisory; the flags option replaces the registry reading, never the policy\'s own list', async () => {
    const policy = policyFor(DESK_DN);
    const read = await verifyChain({ registry, policy, digest: target.digest, checkArtifacts: false });
    const flagged = read.problems.filter((p) => p.code === 'FLAGGED_ARTIFACT');
    assert.equal(flagged.length, 1);
    assert.match(flagged[0]!.message, new RegExp(`^the model ${target.digest} is flagged by advisory ${advisoryId} \\(no severity\\): poisoned upstream$`));
    // Flags given (here: none in force) replace the registry's advisories…
    const none = await verifyChain({ registry, policy, digest: target.digest, checkArtifacts: false, flags: emptyFlags() });
    assert.deepEqual(none.problems.map((p) => p.code), ['MISSING_LINK']);
    // …but the policy's own flagged list still applies.
    const recalled = policyFor(DESK_DN, { flagged: [{ digest: target.digest, reason: 'recalled by the vendor' }] });
    const own = await verifyChain({ registry, policy: recalled, digest: target.digest, checkArtifacts: false, flags: emptyFlags() });
    assert.deepEqual(own.problems.map((p) => [p.code, p.message]), [
      ['MISSING_LINK', `no trusted attestation produced the model ${target.digest}`],
      ['FLAGGED_ARTIFACT', `the model ${target.digest} is flagged: recalled by the vendor`],
    ]);
    // Computed with the policy, its list is not applied twice.
    const both = await verifyChain({ registry, policy: recalled, digest: target.digest, checkArtifacts: false, flags: await loadEffectiveFlags(registry, recalled) });
    assert.deepEqual(both.problems.map((p) => p.code).sort(), ['FLAGGED_ARTIFACT', 'FLAGGED_ARTIFACT', 'MISSING_LINK']);
    assert.equal(both.problems.filter((p) => p.message.endsWith('recalled by the vendor')).length, 1);
  });

  test('ignored advisories reach every rendering, and never fail the chain, strict or not', async () => {
    const other = policyFor('CN=Release Signer, OU=ML, O=Example Corp, C=DE', { flagged: [] });
    for (const strict of [false, true]) {
      const r = await verifyChain({ registry, policy: other, digest: target.digest, checkArtifacts: false, strict });
      assert.deepEqual(r.problems.map((p) => p.code), ['MISSING_LINK'], `strict ${strict}: only the missing link`);
      assert.deepEqual(r.ignoredAdvisories.map((a) => [a.code, a.advisoryId]), [['ADVISORY_UNTRUSTED_SIGNER', advisoryId]]);
      assert.deepEqual(JSON.parse(renderLineage(r, 'json')).ignoredAdvisories.map((a: { code: string }) => a.code), ['ADVISORY_UNTRUSTED_SIGNER']);
      assert.match(renderLineage(r, 'text'), /\nIgnored advisories \(reported, not obeyed\):\n {2}ADVISORY_UNTRUSTED_SIGNER: advisory /);
      assert.match(renderLineage(r, 'report'), /\n {2}Ignored advisories \(reported, not obeyed\):\n {4}ADVISORY_UNTRUSTED_SIGNER: advisory /);
      const mermaid = renderLineage(r, 'mermaid');
      assert.ok(mermaid.includes(`  iga0["ignored advisory: ADVISORY_UNTRUSTED_SIGNER<br/>${advisoryId}"]\n  style iga0 stroke-dasharray:4 4\n`), mermaid);
    }
  });
});
