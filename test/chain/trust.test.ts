/**
 * Trust decisions that say the right thing:
 *  - certificate subjects in a policy match as distinguished names (RFC 4514 or Node's
 *    form, escapes, multi-valued RDNs, #hex values, OID and short-name equivalence);
 *  - a tampered attestation under a trusted key or certificate is ATTESTATION_SIGNATURE_INVALID,
 *    never UNTRUSTED_SIGNER, and a certificate is never described as "key …";
 *  - attestations that do not verify under the policy are reported and ignored: junk next
 *    to a valid chain does not stop it, unless --strict.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  LocalRegistry,
  attest,
  certificateSubject,
  compilePolicy,
  distinguishedNamesMatch,
  formatDistinguishedName,
  generateKeyPair,
  hashModel,
  keyHint,
  parseDistinguishedName,
  sameDistinguishedName,
  verifyAttestationText,
  verifyChain,
  writeKeyPair,
  type PolicyDocument,
  type SigningIdentity,
  type Stage,
} from '../../core';
import { makeModel, makePki, runCli, tempDir, type TestPki } from '../helpers/fixtures';

const RELEASE_DN = 'CN=Release Signer, OU=ML, O=Example Corp, C=DE';

/** A leaf with `subj` (openssl -subj syntax, DER order) issued by the PKI's intermediate. */
function issueLeaf(pki: TestPki, name: string, subj: string): { cert: string; key: string } {
  const o = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: pki.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  writeFileSync(join(pki.dir, `${name}.ext`), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n');
  o('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.ec.key`);
  o('pkcs8', '-topk8', '-nocrypt', '-in', `${name}.ec.key`, '-out', `${name}.key`);
  o('req', '-new', '-key', `${name}.key`, '-multivalue-rdn', '-utf8', '-subj', subj, '-out', `${name}.csr`);
  o('x509', '-req', '-in', `${name}.csr`, '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-days', '30', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
  return { cert: join(pki.dir, `${name}.pem`), key: join(pki.dir, `${name}.key`) };
}

function certSigner(pki: TestPki, leaf: { cert: string; key: string }): SigningIdentity {
  return { kind: 'certificate', privateKey: createPrivateKey(readFileSync(leaf.key)), signingCertificate: new X509Certificate(readFileSync(leaf.cert)), chain: [new X509Certificate(readFileSync(pki.intermediateCert))] };
}

describe('distinguished names', () => {
  test('RFC 4514 order and spacing matches the certificate; so do OpenSSL order, Node form, OIDs and long names', () => {
    const pki = makePki(join(tempDir(), 'pki'));
    const leaf = issueLeaf(pki, 'release', '/C=DE/O=Example Corp/OU=ML/CN=Release Signer');
    const cert = new X509Certificate(readFileSync(leaf.cert));
    const subject = certificateSubject(cert);
    assert.equal(formatDistinguishedName(subject), RELEASE_DN);
    for (const text of [
      RELEASE_DN,
      'CN=Release Signer,OU=ML,O=Example Corp,C=DE',
      'C=DE, O=Example Corp, OU=ML, CN=Release Signer',
      cert.subject, // Node's "C=DE\nO=Example Corp\nOU=ML\nCN=Release Signer"
      'cn=Release Signer; ou=ML; o=Example Corp; c=DE',
      'commonName=Release Signer, organizationalUnitName=ML, organizationName=Example Corp, countryName=DE',
      '2.5.4.3=Release Signer, OID.2.5.4.11=ML, O=Example Corp, C=DE',
      'CN=#0C0E52656C65617365205369676E6572, OU=ML, O=Example Corp, C=DE',
      'CN=Release\\20Signer, OU=ML, O=Example Corp, C=DE',
      'CN=Release Signer+OU=ML, O=Example Corp, C=DE',
    ]) {
      assert.ok(distinguishedNamesMatch(parseDistinguishedName(text), subject), `${JSON.stringify(text)} should match`);
    }
    for (const text of ['CN=release signer, OU=ML, O=Example Corp, C=DE', 'CN=Release Signer, OU=ML, O=Example Corp', 'CN=Release Signer, OU=ML, OU=ML, O=Example Corp, C=DE', 'CN=Release Signer , OU=ML2, O=Example Corp, C=DE']) {
      assert.ok(!distinguishedNamesMatch(parseDistinguishedName(text), subject), `${JSON.stringify(text)} must not match`);
    }
    // Path building compares exactly, in order.
    assert.ok(sameDistinguishedName(parseDistinguishedName(RELEASE_DN), subject));
    assert.ok(!sameDistinguishedName(parseDistinguishedName('C=DE, O=Example Corp, OU=ML, CN=Release Signer'), subject));
  });

  test('escapes, multi-valued RDNs and special characters survive a certificate round trip', () => {
    const pki = makePki(join(tempDir(), 'pki'));
    const leaf = issueLeaf(pki, 'odd', '/C=DE/O=Example, Corp+OU=ML/CN=Rélease "Signer" <a>;b=c\\/x #1 /emailAddress=ops@example.com');
    const cert = new X509Certificate(readFileSync(leaf.cert));
    const subject = certificateSubject(cert);
    const text = formatDistinguishedName(subject);
    assert.equal(text, 'emailAddress=ops@example.com, CN=Rélease \\"Signer\\" \\<a\\>\\;b\\=c/x #1\\ , OU=ML+O=Example\\, Corp, C=DE');
    assert.ok(distinguishedNamesMatch(parseDistinguishedName(text), subject));
    assert.ok(sameDistinguishedName(parseDistinguishedName(text), subject));
    assert.ok(distinguishedNamesMatch(parseDistinguishedName(cert.subject), subject), 'Node form, with its escapes');
    assert.ok(distinguishedNamesMatch(parseDistinguishedName('E=ops@example.com, CN=R\\C3\\A9lease \\"Signer\\" \\<a\\>\\;b=c/x #1\\20, O=Example\\2C Corp+OU=ML, C=DE'), subject));
  });

  test('format and parse are inverse for any name (property)', () => {
    const types = ['2.5.4.3', '2.5.4.6', '2.5.4.10', '2.5.4.11', '0.9.2342.19200300.100.1.25', '1.2.3.4.5'];
    const value = fc.string({ unit: fc.oneof(fc.constantFrom(',', '+', '"', '\\', '<', '>', ';', '=', '#', ' ', '\n', 'é', '/', '\u0000'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 12 });
    const attr = fc.record({ type: fc.constantFrom(...types), text: value });
    fc.assert(
      fc.property(fc.array(fc.array(attr, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }), (rdns) => {
        const dn = { rdns };
        const back = parseDistinguishedName(formatDistinguishedName(dn));
        assert.ok(sameDistinguishedName(back, dn), `${formatDistinguishedName(dn)} -> ${JSON.stringify(back)}`);
      }),
      { numRuns: 300 },
    );
  });

  test('a subject pasted from `openssl x509 -subject` (OpenSSL 3\'s default one-line form) is read: spaces around "=", a quoted value holding a comma', () => {
    // What openssl 3 prints for -subj "/C=DE/O=Example, Inc./OU=ML+CN=Signer \"Q\"".
    const printed = 'C = DE, O = "Example, Inc.", OU = ML + CN = Signer \\"Q\\"';
    const rfc4514 = 'CN=Signer \\"Q\\"+OU=ML, O=Example\\, Inc., C=DE';
    assert.ok(distinguishedNamesMatch(parseDistinguishedName(printed), parseDistinguishedName(rfc4514)));
    assert.ok(distinguishedNamesMatch(parseDistinguishedName('O="Example, Inc.", CN="a \\"b\\" c "'), parseDistinguishedName('CN=a \\"b\\" c\\ ,O=Example\\, Inc.')));
    assert.ok(!distinguishedNamesMatch(parseDistinguishedName('O="Example, Inc."'), parseDistinguishedName('O=Example Inc.')));
    assert.throws(() => parseDistinguishedName('O="Example, Inc.'), (e: Error & { code?: string }) => e.code === 'DN_MALFORMED' && /quoted value is not closed/.test(e.message));
    // OpenSSL's -subj form is refused, naming the form rather than "/C" as an attribute type.
    assert.throws(() => parseDistinguishedName('/C=DE/O=Example Corp/CN=Release Signer'), (e: Error & { code?: string }) => e.code === 'DN_MALFORMED' && /OpenSSL's "\/C=…\/O=…\/CN=…" form/.test(e.message));
  });

  test('malformed names are refused with DN_MALFORMED naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['', /it is empty/],
      ['CN', /expected "type=value"/],
      ['XX=a', /unknown attribute type "XX"/],
      ['CN=a,', /nothing after the last ","/],
      ['CN=a"b', /unescaped """/],
      ['CN=\\zz', /bad escape "\\z"/],
      ['CN=#0G', /"#" value must be hex digits/],
    ];
    for (const [text, re] of cases) assert.throws(() => parseDistinguishedName(text), (e: Error & { code?: string }) => e.code === 'DN_MALFORMED' && re.test(e.message), text);
  });
});

interface CertWorld {
  dir: string;
  pki: TestPki;
  release: { cert: string; key: string };
  other: { cert: string; key: string };
  model: string;
  base: string;
}

function certWorld(): CertWorld {
  const dir = tempDir('mp-cert-chain-');
  const pki = makePki(join(dir, 'pki'));
  writeKeyPair(join(dir, 'keys', 'vendor'), generateKeyPair('P-256'));
  return {
    dir,
    pki,
    release: issueLeaf(pki, 'release', '/C=DE/O=Example Corp/OU=ML/CN=Release Signer'),
    other: issueLeaf(pki, 'other', '/C=DE/O=Example Corp/OU=ML/CN=Intern'),
    base: makeModel(join(dir, 'base'), { 'w.bin': 'base' }),
    model: makeModel(join(dir, 'ft'), { 'w.bin': 'fine-tuned' }),
  };
}

async function certChain(w: CertWorld, signer: SigningIdentity, stage: Stage = 'fine-tuning'): Promise<LocalRegistry> {
  const registry = new LocalRegistry(join(tempDir('mp-reg-'), '.provenance'));
  const vendor = createPrivateKey(readFileSync(join(w.dir, 'keys', 'vendor.pem')));
  await attest({ modelPath: w.base, stage: 'pre-training', signer: { kind: 'key', privateKey: vendor }, registry });
  await attest({ modelPath: w.model, stage, baseModels: [w.base], signer, registry });
  return registry;
}

function certPolicy(w: CertWorld, subject: string, extra: Partial<PolicyDocument> = {}): PolicyDocument {
  return {
    signers: { vendor: { publicKey: 'keys/vendor.pub.pem' }, trainer: { certificate: { anchors: ['pki/root.pem'], subject } } },
    stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] } },
    ...extra,
  };
}

describe('certificate signers in a policy', () => {
  const w = certWorld();

  test('a policy subject in RFC 4514 order verifies a certificate with those four parts', async () => {
    const registry = await certChain(w, certSigner(w.pki, w.release));
    const result = await verifyChain({ registry, policy: compilePolicy(certPolicy(w, RELEASE_DN), join(w.dir, 'p.json')), modelPath: w.model });
    assert.deepEqual(result.problems, []);
    assert.equal(result.verdict, 'verified');
    assert.equal(result.links[0]!.signer, 'trainer');
    assert.equal(result.links[0]!.signerDetail?.subject, RELEASE_DN);
    assert.equal(result.links[0]!.signerDetail?.trustAnchor, 'CN=Test Root CA');
  });

  test('a flagged certificate key: FLAGGED_SIGNER names the certificate subject, not "key"', async () => {
    const registry = await certChain(w, certSigner(w.pki, w.release));
    const hint = keyHint(new X509Certificate(readFileSync(w.release.cert)).publicKey);
    const result = await verifyChain({ registry, policy: compilePolicy(certPolicy(w, RELEASE_DN, { flagged: [{ keyId: hint, reason: 'key leaked' }] }), join(w.dir, 'p.json')), modelPath: w.model });
    assert.deepEqual(result.problems.map((p) => p.code), ['FLAGGED_SIGNER']);
    assert.equal(result.problems[0]!.message, `the fine-tuning attestation is signed by certificate subject "${RELEASE_DN}", whose flagged key is ${hint.slice(0, 16)}…: key leaked`);
  });

  test('another subject under the same anchor: CERT_SUBJECT_MISMATCH, ignored, the gap is MISSING_LINK; strict fails on it', async () => {
    const registry = await certChain(w, certSigner(w.pki, w.other));
    const policy = compilePolicy(certPolicy(w, RELEASE_DN), join(w.dir, 'p.json'));
    const result = await verifyChain({ registry, policy, modelPath: w.model });
    assert.deepEqual(result.problems.map((p) => p.code), ['MISSING_LINK']);
    assert.equal(result.ignored.length, 1);
    const i = result.ignored[0]!;
    assert.equal(i.code, 'CERT_SUBJECT_MISMATCH');
    assert.equal(i.signer, 'certificate "CN=Intern, OU=ML, O=Example Corp, C=DE"');
    assert.equal(i.message, `certificate subject "CN=Intern, OU=ML, O=Example Corp, C=DE" chains to a trusted anchor but is not allowed for the policy signer(s) "trainer" (${RELEASE_DN})`);
    assert.doesNotMatch(i.message, /signed by key/);
    assert.match(result.problems[0]!.message, /1 attestation\(s\) about it were ignored .*CERT_SUBJECT_MISMATCH/);
    const strict = await verifyChain({ registry, policy, modelPath: w.model, strict: true });
    assert.deepEqual(strict.problems.map((p) => p.code), ['MISSING_LINK', 'CERT_SUBJECT_MISMATCH']);
  });

  test('a certificate signer verified for a stage the policy reserves for another: the message names the certificate subject and the stage', async () => {
    const registry = await certChain(w, certSigner(w.pki, w.other));
    const doc: PolicyDocument = {
      signers: { vendor: { publicKey: 'keys/vendor.pub.pem' }, trainer: { certificate: { anchors: ['pki/root.pem'], subject: RELEASE_DN } }, intern: { certificate: { anchors: ['pki/root.pem'], subject: 'CN=Intern, OU=ML, O=Example Corp, C=DE' } } },
      stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] } },
    };
    const result = await verifyChain({ registry, policy: compilePolicy(doc, join(w.dir, 'p.json')), modelPath: w.model });
    assert.deepEqual(result.problems.map((p) => p.code), ['SIGNER_NOT_ALLOWED_FOR_STAGE']);
    assert.match(result.problems[0]!.message, /is signed by certificate subject "CN=Intern, OU=ML, O=Example Corp, C=DE" \(policy signer intern\), which is not allowed for stage fine-tuning: the policy allows only trainer$/);
  });

  test('a certificate from another PKI: UNTRUSTED_SIGNER naming the certificate and the chain failure, never "key"', async () => {
    const foreign = makePki(join(tempDir(), 'foreign'));
    const leaf = issueLeaf(foreign, 'release', '/C=DE/O=Example Corp/OU=ML/CN=Release Signer');
    const registry = await certChain(w, certSigner(foreign, leaf));
    const result = await verifyChain({ registry, policy: compilePolicy(certPolicy(w, RELEASE_DN), join(w.dir, 'p.json')), modelPath: w.model });
    assert.deepEqual(result.problems.map((p) => p.code), ['MISSING_LINK']);
    const i = result.ignored[0]!;
    assert.equal(i.code, 'UNTRUSTED_SIGNER');
    assert.equal(i.message, `signed by certificate "${RELEASE_DN}", and it does not chain to what the policy trusts [CERT_CHAIN_UNTRUSTED: signed by certificate ${RELEASE_DN} issued by CN=Test Intermediate CA, whose chain ends at CN=Test Intermediate CA (issued by CN=Test Root CA); the trusted certificate anchor CN=Test Root CA did not issue it]`);
  });

  test('a certificate-signed attestation with one flipped payload byte: ATTESTATION_SIGNATURE_INVALID', async () => {
    const registry = await certChain(w, certSigner(w.pki, w.release));
    const digest = (await hashModel(w.model)).digest;
    const entry = (await registry.findBySubject(digest))[0]!;
    const tampered = flipPayloadByte(await registry.read(entry.id));
    const policy = compilePolicy(certPolicy(w, RELEASE_DN), join(w.dir, 'p.json'));
    const v = verifyAttestationText(tampered, 'x', policy);
    assert.deepEqual(v.signers, []);
    assert.equal(v.rejection?.code, 'ATTESTATION_SIGNATURE_INVALID');
    assert.equal(v.rejection?.message, `signed by certificate "${RELEASE_DN}", which is the certificate of policy signer "trainer" (${RELEASE_DN}), but its bytes do not verify under it: the payload or the signature was altered after signing [SIGNATURE_INVALID]`);
  });

  test('a policy subject that is not a distinguished name: POLICY_INVALID naming the signer', () => {
    assert.throws(() => compilePolicy(certPolicy(w, 'Release Signer'), join(w.dir, 'p.json')), (e: Error & { code?: string }) => e.code === 'POLICY_INVALID' && /^signers\.trainer\.certificate\.subject: "Release Signer" is not a distinguished name: expected "type=value"/.test(e.message));
  });
});

/** The bundle with one byte of its DSSE payload changed (still valid JSON with the same subject). */
function flipPayloadByte(text: string): string {
  const b = JSON.parse(text);
  const payload = Buffer.from(b.dsseEnvelope.payload, 'base64');
  const at = payload.indexOf('"builder"') + 3; // inside a key name: the JSON stays parseable-ish; the signature is what fails
  payload[at] = payload[at]! ^ 0x01;
  b.dsseEnvelope.payload = payload.toString('base64');
  return JSON.stringify(b);
}

function flipSignatureByte(text: string): string {
  const b = JSON.parse(text);
  const sig = Buffer.from(b.dsseEnvelope.signatures[0].sig, 'base64');
  sig[sig.length - 5] = sig[sig.length - 5]! ^ 0x01;
  b.dsseEnvelope.signatures[0].sig = sig.toString('base64');
  return JSON.stringify(b);
}

interface KeyWorld {
  dir: string;
  base: string;
  model: string;
  policy: string;
  reg: string;
}

/** A two-stage chain attested through the CLI into a registry, and its policy file. */
async function keyWorld(): Promise<KeyWorld> {
  const dir = tempDir('mp-junk-');
  for (const k of ['vendor', 'trainer', 'mallory']) writeKeyPair(join(dir, 'keys', k), generateKeyPair('P-256'));
  const base = makeModel(join(dir, 'base'), { 'w.bin': 'base weights' });
  const model = makeModel(join(dir, 'ft'), { 'w.bin': 'fine-tuned weights' });
  const policy = join(dir, 'provenance-policy.json');
  writeFileSync(
    policy,
    JSON.stringify({
      signers: { vendor: { publicKey: 'keys/vendor.pub.pem' }, trainer: { publicKey: 'keys/trainer.pub.pem' } },
      stages: { 'pre-training': { signers: ['vendor'] }, 'fine-tuning': { signers: ['trainer'] } },
      requiredStages: ['pre-training', 'fine-tuning'],
    }),
  );
  const reg = join(dir, '.provenance');
  for (const args of [
    ['attest', base, '--stage', 'pre-training', '--private-key', join(dir, 'keys', 'vendor.pem')],
    ['attest', model, '--stage', 'fine-tuning', '--private-key', join(dir, 'keys', 'trainer.pem'), '--base-model', base],
  ]) {
    const r = await runCli([...args, '--registry', reg]);
    assert.equal(r.code, 0, r.stderr);
  }
  return { dir, base, model, policy, reg };
}

/** The one blob file of the registry's entry about `digest` with `stage`. */
async function blobOf(w: KeyWorld, path: string): Promise<string> {
  const registry = new LocalRegistry(w.reg);
  const entries = await registry.findBySubject((await hashModel(path)).digest);
  return entries[0]!.location;
}

describe('tampered and junk attestations in the registry', () => {
  test('one flipped byte of a stored attestation payload or signature: ATTESTATION_SIGNATURE_INVALID under the trusted key, not UNTRUSTED_SIGNER', async () => {
    for (const flip of [flipPayloadByte, flipSignatureByte]) {
      const w = await keyWorld();
      const blob = await blobOf(w, w.model);
      writeFileSync(blob, flip(readFileSync(blob, 'utf8')));
      const trainer = keyHint(createPrivateKey(readFileSync(join(w.dir, 'keys', 'trainer.pem'))));
      const v = await runCli(['verify', w.model, '--policy', w.policy, '--registry', w.reg, '--format', 'json']);
      assert.equal(v.code, 1, v.stderr);
      const json = JSON.parse(v.stdout);
      assert.deepEqual(json.problems.map((p: { code: string }) => p.code), ['MISSING_LINK']);
      assert.equal(json.ignored.length, 1);
      assert.equal(json.ignored[0].code, 'ATTESTATION_SIGNATURE_INVALID');
      assert.equal(json.ignored[0].signer, `key ${trainer.slice(0, 16)}…`);
      assert.equal(json.ignored[0].message, `signed by key ${trainer.slice(0, 16)}…, which is the key of policy signer "trainer", but its bytes do not verify under it: the payload or the signature was altered after signing [SIGNATURE_INVALID]`);
      assert.doesNotMatch(v.stdout, /does not trust|UNTRUSTED_SIGNER/);
      const strict = await runCli(['verify', w.model, '--policy', w.policy, '--registry', w.reg, '--strict']);
      assert.equal(strict.code, 1);
      assert.match(strict.stdout, /^ {2}ATTESTATION_SIGNATURE_INVALID sha256:[0-9a-f]{12}…: strict: attestation sha256:[0-9a-f]{12}… \(fine-tuning\) about sha256:[0-9a-f]{12}… does not verify: signed by key /m);
      // The registry's own check still reports the damage.
      const check = await runCli(['registry', 'verify', '--registry', w.reg]);
      assert.equal(check.code, 1);
      assert.match(check.stdout, /REGISTRY_BLOB_CORRUPT/);
    }
  });

  test('junk next to a valid chain is reported and ignored: exit 0; --strict fails; every renderer shows it', async () => {
    const w = await keyWorld();
    // Anyone who can write to the registry: an attestation signed by an unknown key, and a
    // tampered copy of the trusted one, both claiming to have produced the deployed model.
    const copy = join(w.dir, 'tampered.sigstore.json');
    writeFileSync(copy, flipSignatureByte(readFileSync(await blobOf(w, w.model), 'utf8')));
    const junk = await runCli(['attest', w.model, '--stage', 'fine-tuning', '--private-key', join(w.dir, 'keys', 'mallory.pem'), '--base-model', w.base, '--registry', w.reg, '--run-id', 'evil']);
    assert.equal(junk.code, 0, junk.stderr);
    assert.equal((await runCli(['registry', 'add', copy, '--registry', w.reg])).code, 0);

    const text = await runCli(['verify', w.model, '--policy', w.policy, '--registry', w.reg]);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /^VERIFIED lineage/);
    assert.match(text.stdout, /\nIgnored \(2\): attestations that do not verify under the policy, reported and not trusted:\n/);
    assert.match(text.stdout, /\n {2}UNTRUSTED_SIGNER sha256:[0-9a-f]{12}… \(fine-tuning\) about sha256:[0-9a-f]{12}…: signed by key [0-9a-f]{16}…, and the policy does not trust that key\n/);
    assert.match(text.stdout, /\n {2}ATTESTATION_SIGNATURE_INVALID sha256:/);

    const json = JSON.parse((await runCli(['verify', w.model, '--policy', w.policy, '--registry', w.reg, '--format', 'json'])).stdout);
    assert.equal(json.verdict, 'verified');
    assert.deepEqual(json.ignored.map((i: { code: string }) => i.code).sort(), ['ATTESTATION_SIGNATURE_INVALID', 'UNTRUSTED_SIGNER']);
    assert.equal(json.links[0].runId, undefined, 'the junk run id never reaches the chain');

    const mermaid = await runCli(['lineage', w.model, '--policy', w.policy, '--registry', w.reg, '--format', 'mermaid']);
    assert.equal(mermaid.code, 0);
    assert.match(mermaid.stdout, /ig\d\["ignored: UNTRUSTED_SIGNER<br\/>sha256:/);
    assert.match(mermaid.stdout, /ig\d -.-x\|ignored\| m0/);

    const report = await runCli(['verify', w.model, '--policy', w.policy, '--registry', w.reg, '--format', 'report']);
    assert.equal(report.code, 0);
    assert.match(report.stdout, /^✔ Chain of custody verified/);
    assert.match(report.stdout, /Ignored \(2\)/);

    const strict = await runCli(['verify', w.model, '--policy', w.policy, '--registry', w.reg, '--strict', '--format', 'json']);
    assert.equal(strict.code, 1);
    assert.deepEqual(JSON.parse(strict.stdout).problems.map((p: { code: string }) => p.code).sort(), ['ATTESTATION_SIGNATURE_INVALID', 'UNTRUSTED_SIGNER']);
    const strictLineage = await runCli(['lineage', w.model, '--policy', w.policy, '--registry', w.reg, '--strict']);
    assert.equal(strictLineage.code, 1);
  });

  test('an index entry planted under the model for another model\'s attestation: REGISTRY_INDEX_MISMATCH, ignored; registry verify reports it and --repair removes it', async () => {
    const w = await keyWorld();
    const modelHex = (await hashModel(w.model)).digest.slice(7);
    const baseBlob = await blobOf(w, w.base);
    const baseId = baseBlob.split('/').pop()!.replace('.json', '');
    writeFileSync(join(w.reg, 'index', modelHex, baseId), JSON.stringify({ id: `sha256:${baseId}`, predicateType: 'https://slsa.dev/provenance/v1', stage: 'fine-tuning' }));
    const json = JSON.parse((await runCli(['verify', w.model, '--policy', w.policy, '--registry', w.reg, '--format', 'json'])).stdout);
    assert.equal(json.verdict, 'verified');
    assert.deepEqual(json.ignored.map((i: { code: string }) => i.code), ['REGISTRY_INDEX_MISMATCH']);
    assert.match(json.ignored[0].message, /^indexed under sha256:[0-9a-f]{64}, but the statement is about sha256:[0-9a-f]{64}$/);
    const check = await runCli(['registry', 'verify', '--registry', w.reg]);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /REGISTRY_INDEX_MISMATCH .*: indexed under sha256:[0-9a-f]{64}, but the statement does not name that subject \(--repair fixes it\)/);
    const repair = await runCli(['registry', 'verify', '--registry', w.reg, '--repair']);
    assert.equal(repair.code, 0, repair.stdout);
    assert.match(repair.stdout, /repaired REGISTRY_INDEX_MISMATCH .*: index entry removed/);
    assert.deepEqual(readdirSync(join(w.reg, 'index', modelHex)).length, 1);
  });

  test('without a policy the junk is drawn as unverified claims, and lineage says which registry it read', async () => {
    const w = await keyWorld();
    mkdirSync(join(w.dir, 'empty'));
    const r = await runCli(['lineage', w.model, '--registry', w.reg], { cwd: join(w.dir, 'empty') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^UNVERIFIED/);
    assert.ok(r.stdout.includes(`  registry ${w.reg}; no policy (signatures not checked)\n`), r.stdout);
  });
});
