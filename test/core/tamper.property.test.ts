/**
 * Property tests: every kind of tampering with a signed model or its signature fails
 * verification, and fails it for the RIGHT reason (a stable problem code naming the
 * right file), never with a wrong code, a thrown error or a stack trace.
 *
 * Each run signs a freshly generated model (a folder with files in sub-folders, or a
 * single file) in its own temp folder, applies one mutation and verifies, so runs are
 * independent. Keys come from a small pool per curve and PKIs are built once per file
 * (openssl is slow-ish); which key / PKI / curve a run uses is chosen by fast-check.
 */
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_GIT_IGNORES,
  generateKeyPair,
  keyHint,
  signModel,
  verifyModel,
  type Curve,
  type SigningIdentity,
  type Trust,
  type TrustedKey,
  type VerificationResult,
} from '../../core';
import { makeModel, makePki, tempDir } from '../helpers/fixtures';

const NUM_RUNS = Number(process.env.TAMPER_RUNS ?? 30);
const BASE = tempDir('mp-tamper-');

// ---------------------------------------------------------------------------
// Keys and PKIs, built once per file
// ---------------------------------------------------------------------------

interface PoolKey {
  curve: Curve;
  privateKey: KeyObject;
  trusted: TrustedKey;
}

const KEY_CURVES: Curve[] = ['P-256', 'P-384', 'P-521', 'P-256', 'P-384', 'P-521'];
const KEYS: PoolKey[] = KEY_CURVES.map((curve, i) => {
  const pair = generateKeyPair(curve);
  const publicKey = createPublicKey(pair.publicKeyPem);
  return {
    curve,
    privateKey: createPrivateKey(pair.privateKeyPem),
    trusted: { source: `pool-key-${i}-${curve}.pub.pem`, key: publicKey, hint: keyHint(publicKey) },
  };
});

interface PoolPki {
  curve: string;
  root: X509Certificate;
  intermediate: X509Certificate;
  leaf: X509Certificate;
  leafKey: KeyObject;
}

const PKI_CURVES = ['prime256v1', 'secp384r1', 'secp521r1', 'prime256v1'] as const;
const PKIS: PoolPki[] = PKI_CURVES.map((curve, i) => {
  const p = makePki(join(BASE, `pki-${i}`), curve);
  return {
    curve,
    root: new X509Certificate(readFileSync(p.rootCert)),
    intermediate: new X509Certificate(readFileSync(p.intermediateCert)),
    leaf: new X509Certificate(readFileSync(p.leafCert)),
    leafKey: createPrivateKey(readFileSync(p.leafKey)),
  };
});

// ---------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------

/** Path segments with a few awkward but legal characters (spaces, dots, non-ASCII, astral). */
const SEGMENT_CHARS = ['a', 'b', 'c', 'x', 'Z', '0', '9', '-', '_', '.', ' ', 'é', '模', '😀'];
const segmentArb = fc
  .string({ unit: fc.constantFrom(...SEGMENT_CHARS), minLength: 1, maxLength: 8 })
  .filter((s) => s !== '.' && s !== '..');
/** Names of added files may also hold characters that OMS names never do (backslash, colon). */
const addedSegmentArb = fc
  .string({ unit: fc.constantFrom(...SEGMENT_CHARS, '\\', ':', '#'), minLength: 1, maxLength: 8 })
  .filter((s) => s !== '.' && s !== '..');

const SIG_NAME = 'model.sig';
const ROOT_IGNORED = new Set<string>([...DEFAULT_GIT_IGNORES, SIG_NAME]);

type ModelSpec =
  | { kind: 'dir'; files: [string, Uint8Array][]; sigInside: boolean }
  | { kind: 'file'; name: string; content: Uint8Array };

function noPathConflicts(paths: readonly string[]): boolean {
  for (const a of paths) {
    if (ROOT_IGNORED.has(a.split('/')[0]!)) return false;
    for (const b of paths) if (b.startsWith(`${a}/`)) return false;
  }
  return true;
}

const contentArb = fc.uint8Array({ minLength: 0, maxLength: 300 });

/** A model laid out like a real one, with random contents. */
const realisticDirArb = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 200 }), contentArb, contentArb, contentArb, fc.uint8Array({ minLength: 1, maxLength: 64 }))
  .map(([cfg, w1, w2, tok, readme]): [string, Uint8Array][] => [
    ['config.json', cfg],
    ['weights/model-00001-of-00002.safetensors', w1],
    ['weights/model-00002-of-00002.safetensors', w2],
    ['tokenizer/nested/tokenizer.json', tok],
    ['README.md', readme],
  ]);

/** Random paths (2-6 files, up to 4 levels deep), at least one file non-empty. */
const randomDirArb = fc
  .uniqueArray(fc.tuple(fc.array(segmentArb, { minLength: 1, maxLength: 4 }).map((s) => s.join('/')), contentArb), {
    minLength: 2,
    maxLength: 6,
    selector: ([p]) => p,
  })
  .filter((files) => noPathConflicts(files.map(([p]) => p)) && files.some(([, c]) => c.length > 0));

const dirModelArb: fc.Arbitrary<ModelSpec> = fc
  .record({ files: fc.oneof(realisticDirArb, randomDirArb), sigInside: fc.boolean() })
  .map(({ files, sigInside }) => ({ kind: 'dir' as const, files, sigInside }));

const fileModelArb: fc.Arbitrary<ModelSpec> = fc
  .record({ name: segmentArb, content: fc.uint8Array({ minLength: 1, maxLength: 400 }) })
  .map(({ name, content }) => ({ kind: 'file' as const, name, content }));

const modelArb = fc.oneof(dirModelArb, fileModelArb);

type SignerSpec = { kind: 'key'; index: number } | { kind: 'certificate'; index: number };

const keySignerArb: fc.Arbitrary<SignerSpec> = fc.nat({ max: KEYS.length - 1 }).map((index) => ({ kind: 'key' as const, index }));
const certSignerArb: fc.Arbitrary<SignerSpec> = fc.nat({ max: PKIS.length - 1 }).map((index) => ({ kind: 'certificate' as const, index }));
const signerArb = fc.oneof(keySignerArb, certSignerArb);

/** A bit somewhere in a buffer: offsets are reduced modulo the length when used. */
const bitArb = fc.record({ offset: fc.nat(), bit: fc.nat({ max: 7 }) });

// ---------------------------------------------------------------------------
// Fixture: a freshly signed model in its own temp folder
// ---------------------------------------------------------------------------

interface Fixture {
  dir: string;
  modelPath: string;
  signaturePath: string;
  /** Names as the verifier reports them (relative paths, or the file name of a single-file model). */
  names: string[];
  trust: Trust;
  what: string;
  /** Where a model file (by reported name) lives on disk. */
  pathOf: (name: string) => string;
}

function describeModel(m: ModelSpec): string {
  return m.kind === 'dir'
    ? `dir model [${m.files.map(([p, c]) => `${JSON.stringify(p)}:${c.length}B`).join(', ')}], signature ${m.sigInside ? 'inside' : 'outside'}`
    : `single-file model ${JSON.stringify(m.name)} (${m.content.length}B)`;
}

function identityFor(s: SignerSpec): { signer: SigningIdentity; trust: Trust; what: string } {
  if (s.kind === 'key') {
    const k = KEYS[s.index]!;
    return {
      signer: { kind: 'key', privateKey: k.privateKey },
      trust: { kind: 'key', keys: [k.trusted] },
      what: `key #${s.index} (${k.curve})`,
    };
  }
  const p = PKIS[s.index]!;
  return {
    signer: { kind: 'certificate', privateKey: p.leafKey, signingCertificate: p.leaf, chain: [p.intermediate] },
    trust: { kind: 'certificate', anchors: [p.root] },
    what: `certificate chain of PKI #${s.index} (${p.curve})`,
  };
}

async function signFixture(model: ModelSpec, signerSpec: SignerSpec): Promise<Fixture> {
  const dir = mkdtempSync(join(BASE, 'run-'));
  const { signer, trust, what } = identityFor(signerSpec);
  let modelPath: string;
  let signaturePath: string;
  let names: string[];
  if (model.kind === 'dir') {
    modelPath = join(dir, 'model');
    makeModel(modelPath, Object.fromEntries(model.files.map(([p, c]) => [p, Buffer.from(c)])));
    signaturePath = model.sigInside ? join(modelPath, SIG_NAME) : join(dir, SIG_NAME);
    names = model.files.map(([p]) => p);
  } else {
    mkdirSync(join(dir, 'm'));
    modelPath = join(dir, 'm', model.name);
    writeFileSync(modelPath, model.content);
    signaturePath = join(dir, 'single.sig');
    names = [model.name];
  }
  await signModel({ modelPath, signer, signaturePath });
  const root = modelPath;
  const pathOf = model.kind === 'dir' ? (name: string) => join(root, name) : () => root;
  return { dir, modelPath, signaturePath, names, trust, what: `${describeModel(model)}, signed with ${what}`, pathOf };
}

async function withFixture(model: ModelSpec, signer: SignerSpec, body: (fx: Fixture) => Promise<void>): Promise<void> {
  const fx = await signFixture(model, signer);
  try {
    await body(fx);
  } finally {
    rmSync(fx.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Verification and assertions
// ---------------------------------------------------------------------------

function summary(r: VerificationResult): string {
  return JSON.stringify({ verdict: r.verdict, problems: r.problems, files: r.files.map((f) => `${f.name}:${f.status}`) });
}

/** Verifies; a thrown error is reported as a failed assertion naming the mutation, code and stack. */
async function verify(fx: Fixture, what: string, trust: Trust = fx.trust): Promise<VerificationResult> {
  try {
    return await verifyModel({ modelPath: fx.modelPath, signaturePath: fx.signaturePath, trust });
  } catch (err) {
    const e = err as { code?: unknown; message?: string; stack?: string };
    assert.fail(
      `${what}\n  expected a 'failed' result, but verifyModel threw ${typeof e.code === 'string' ? `InputError ${e.code}` : 'an error without a string code'}: ${e.message}\n${e.stack ?? ''}`,
    );
  }
}

type ExpectedProblem = { code: string; file?: string };

function normalise(problems: readonly { code: string; file?: string }[]): ExpectedProblem[] {
  return problems
    .map((p) => (p.file === undefined ? { code: p.code } : { code: p.code, file: p.file }))
    .sort((a, b) => `${a.code}\0${a.file ?? ''}`.localeCompare(`${b.code}\0${b.file ?? ''}`));
}

function expectFailed(r: VerificationResult, expected: ExpectedProblem[], what: string): void {
  const msg = `${what}\n  expected: failed with ${JSON.stringify(normalise(expected))}\n  got:      ${summary(r)}`;
  assert.equal(r.verdict, 'failed', msg);
  assert.deepEqual(normalise(r.problems), normalise(expected), msg);
  for (const p of r.problems) assert.ok(typeof p.message === 'string' && p.message.length > 0, `${msg}\n  (problem without a message)`);
}

function expectVerified(r: VerificationResult, fx: Fixture, what: string): void {
  const msg = `${what}\n  expected: verified\n  got:      ${summary(r)}`;
  assert.equal(r.verdict, 'verified', msg);
  assert.deepEqual(r.problems, [], msg);
  assert.deepEqual(
    r.files.map((f) => [f.name, f.status]).sort(),
    fx.names.map((n) => [n, 'ok']).sort(),
    msg,
  );
}

// ---------------------------------------------------------------------------
// Bundle surgery
// ---------------------------------------------------------------------------

interface BundleJson {
  verificationMaterial: { publicKey?: { hint?: string } } & Record<string, unknown>;
  dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
}

function editBundle(fx: Fixture, edit: (b: BundleJson) => void): void {
  const b = JSON.parse(readFileSync(fx.signaturePath, 'utf8')) as BundleJson;
  edit(b);
  writeFileSync(fx.signaturePath, `${JSON.stringify(b, null, 2)}\n`);
}

/** Flips one bit of a base64 field; returns a description of the flip. */
function flipBase64(value: string, at: { offset: number; bit: number }): { value: string; desc: string } {
  const bytes = Buffer.from(value, 'base64');
  assert.ok(bytes.length > 0, 'cannot flip a bit of an empty field');
  const offset = at.offset % bytes.length;
  const before = bytes[offset]!;
  bytes[offset] = before ^ (1 << at.bit);
  return {
    value: bytes.toString('base64'),
    desc: `byte ${offset}/${bytes.length} ${hex(before)} -> ${hex(bytes[offset]!)} (bit ${at.bit})`,
  };
}

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/** includeErrorInReport: node's reporter drops `cause`, and the assertion message names the mutation. */
const opts = { numRuns: NUM_RUNS, includeErrorInReport: true };

describe('tampering fails verification with the right reason', () => {
  test('baseline: a freshly signed model verifies (guards that these properties can fail)', async () => {
    await fc.assert(
      fc.asyncProperty(modelArb, signerArb, async (model, signer) => {
        await withFixture(model, signer, async (fx) => {
          expectVerified(await verify(fx, `untouched ${fx.what}`), fx, `untouched ${fx.what}`);
        });
      }),
      opts,
    );
  });

  test('flipping any bit of any model file → FILE_MODIFIED naming exactly that file', async () => {
    await fc.assert(
      fc.asyncProperty(modelArb, signerArb, fc.nat(), bitArb, async (model, signer, pick, at) => {
        await withFixture(model, signer, async (fx) => {
          const sizes = fx.names.map((n) => readFileSync(fx.pathOf(n)).length);
          const candidates = fx.names.filter((_, i) => sizes[i]! > 0);
          const name = candidates[pick % candidates.length]!;
          const path = fx.pathOf(name);
          const data = readFileSync(path);
          const offset = at.offset % data.length;
          const before = data[offset]!;
          data[offset] = before ^ (1 << at.bit);
          writeFileSync(path, data);
          const what = `flipped bit ${at.bit} of byte ${offset}/${data.length} (${hex(before)} -> ${hex(data[offset]!)}) of file ${JSON.stringify(name)}; ${fx.what}`;
          const r = await verify(fx, what);
          expectFailed(r, [{ code: 'FILE_MODIFIED', file: name }], what);
          const statuses = Object.fromEntries(r.files.map((f) => [f.name, f.status]));
          assert.deepEqual(statuses, Object.fromEntries(fx.names.map((n) => [n, n === name ? 'modified' : 'ok'])), `${what}\n  file statuses: ${summary(r)}`);
        });
      }),
      { ...opts, numRuns: NUM_RUNS + 10 },
    );
  });

  test('truncating or extending any model file → FILE_MODIFIED naming exactly that file', async () => {
    const resizeArb = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
      fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    );
    await fc.assert(
      fc.asyncProperty(modelArb, signerArb, fc.nat(), resizeArb, async (model, signer, pick, resize) => {
        await withFixture(model, signer, async (fx) => {
          const sizes = fx.names.map((n) => readFileSync(fx.pathOf(n)).length);
          // Only a non-empty file can be truncated; any file can be extended.
          const candidates = fx.names.filter((_, i) => resize.kind === 'append' || sizes[i]! > 0);
          const name = candidates[pick % candidates.length]!;
          const path = fx.pathOf(name);
          const data = readFileSync(path);
          let what: string;
          if (resize.kind === 'truncate') {
            const keep = resize.keep % data.length;
            writeFileSync(path, data.subarray(0, keep));
            what = `truncated ${JSON.stringify(name)} from ${data.length}B to ${keep}B`;
          } else {
            writeFileSync(path, Buffer.concat([data, resize.bytes]));
            what = `appended ${resize.bytes.length}B to ${JSON.stringify(name)} (${data.length}B)`;
          }
          what = `${what}; ${fx.what}`;
          expectFailed(await verify(fx, what), [{ code: 'FILE_MODIFIED', file: name }], what);
        });
      }),
      opts,
    );
  });

  test('flipping any bit of the DSSE payload → SIGNATURE_INVALID (never a JSON/payload error)', async () => {
    await fc.assert(
      fc.asyncProperty(modelArb, signerArb, bitArb, async (model, signer, at) => {
        await withFixture(model, signer, async (fx) => {
          let desc = '';
          editBundle(fx, (b) => {
            const f = flipBase64(b.dsseEnvelope.payload, at);
            b.dsseEnvelope.payload = f.value;
            desc = f.desc;
          });
          const what = `flipped DSSE payload ${desc}; ${fx.what}`;
          const r = await verify(fx, what);
          expectFailed(r, [{ code: 'SIGNATURE_INVALID' }], what);
          assert.deepEqual(r.files, [], `${what}\n  files were compared although the signature is invalid: ${summary(r)}`);
        });
      }),
      opts,
    );
  });

  test('flipping any bit of the signature → SIGNATURE_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(modelArb, signerArb, bitArb, async (model, signer, at) => {
        await withFixture(model, signer, async (fx) => {
          let desc = '';
          editBundle(fx, (b) => {
            const s = b.dsseEnvelope.signatures[0]!;
            const f = flipBase64(s.sig, at);
            s.sig = f.value;
            desc = f.desc;
          });
          const what = `flipped DSSE signature ${desc}; ${fx.what}`;
          const r = await verify(fx, what);
          expectFailed(r, [{ code: 'SIGNATURE_INVALID' }], what);
          assert.deepEqual(r.files, [], `${what}\n  files were compared although the signature is invalid: ${summary(r)}`);
        });
      }),
      opts,
    );
  });

  test('adding a file anywhere in a folder model → FILE_UNEXPECTED naming it', async () => {
    const placeArb = fc.record({
      base: fc.nat(),
      extra: fc.array(addedSegmentArb, { maxLength: 2 }),
      name: addedSegmentArb,
      content: contentArb,
    });
    await fc.assert(
      fc.asyncProperty(dirModelArb, signerArb, placeArb, async (model, signer, place) => {
        await withFixture(model, signer, async (fx) => {
          const rel = freshPath(fx.names, place.base, place.extra, place.name);
          const path = join(fx.modelPath, rel);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, place.content);
          const what = `added ${JSON.stringify(rel)} (${place.content.length}B); ${fx.what}`;
          const r = await verify(fx, what);
          expectFailed(r, [{ code: 'FILE_UNEXPECTED', file: rel }], what);
          assert.equal(r.files.find((f) => f.name === rel)?.status, 'unexpected', `${what}\n  ${summary(r)}`);
        });
      }),
      opts,
    );
  });

  test('control: a file added under a default-ignored root path (.git, .github, ...) still verifies', async () => {
    const placeArb = fc.record({
      root: fc.constantFrom(...DEFAULT_GIT_IGNORES),
      below: fc.array(segmentArb, { maxLength: 2 }),
      content: contentArb,
    });
    await fc.assert(
      fc.asyncProperty(dirModelArb, signerArb, placeArb, async (model, signer, place) => {
        await withFixture(model, signer, async (fx) => {
          const rel = [place.root, ...place.below].join('/');
          const path = join(fx.modelPath, rel);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, place.content);
          const what = `added ignored ${JSON.stringify(rel)}; ${fx.what}`;
          expectVerified(await verify(fx, what), fx, what);
        });
      }),
      { ...opts, numRuns: Math.ceil(NUM_RUNS / 2) },
    );
  });

  test('removing any signed file of a folder model → FILE_MISSING naming it', async () => {
    await fc.assert(
      fc.asyncProperty(dirModelArb, signerArb, fc.nat(), async (model, signer, pick) => {
        await withFixture(model, signer, async (fx) => {
          const name = fx.names[pick % fx.names.length]!;
          unlinkSync(join(fx.modelPath, name));
          const what = `removed ${JSON.stringify(name)}; ${fx.what}`;
          const r = await verify(fx, what);
          expectFailed(r, [{ code: 'FILE_MISSING', file: name }], what);
          assert.equal(r.files.find((f) => f.name === name)?.status, 'missing', `${what}\n  ${summary(r)}`);
        });
      }),
      opts,
    );
  });

  test('removing every signed file of a folder model → FILE_MISSING for each (not MODEL_EMPTY)', async () => {
    await fc.assert(
      fc.asyncProperty(dirModelArb, signerArb, async (model, signer) => {
        await withFixture(model, signer, async (fx) => {
          for (const n of fx.names) unlinkSync(join(fx.modelPath, n));
          const what = `removed every signed file; ${fx.what}`;
          expectFailed(await verify(fx, what), fx.names.map((file) => ({ code: 'FILE_MISSING', file })), what);
        });
      }),
      { ...opts, numRuns: Math.ceil(NUM_RUNS / 2) },
    );
  });

  test('trusting only other keys → KEY_UNTRUSTED', async () => {
    await fc.assert(
      fc.asyncProperty(
        modelArb,
        fc.nat({ max: KEYS.length - 1 }),
        fc.uniqueArray(fc.nat({ max: KEYS.length - 1 }), { minLength: 1, maxLength: 3 }),
        async (model, signerIndex, others) => {
          const trustedIdx = others.filter((i) => i !== signerIndex);
          fc.pre(trustedIdx.length > 0);
          await withFixture(model, { kind: 'key', index: signerIndex }, async (fx) => {
            const trust: Trust = { kind: 'key', keys: trustedIdx.map((i) => KEYS[i]!.trusted) };
            const what = `verified trusting only key(s) #${trustedIdx.join(', #')} (${trustedIdx.map((i) => KEYS[i]!.curve).join(', ')}); ${fx.what}`;
            const r = await verify(fx, what, trust);
            expectFailed(r, [{ code: 'KEY_UNTRUSTED' }], what);
            assert.equal(r.signer?.keyId, KEYS[signerIndex]!.trusted.hint, `${what}\n  the failure should name the signing key: ${JSON.stringify(r.signer)}`);
          });
        },
      ),
      opts,
    );
  });

  test("a bundle claiming a trusted key's hint but signed by another key → SIGNATURE_INVALID; the hint never picks the key", async () => {
    await fc.assert(
      fc.asyncProperty(
        modelArb,
        fc.nat({ max: KEYS.length - 1 }),
        fc.nat({ max: KEYS.length - 2 }),
        fc.boolean(),
        async (model, signerIndex, claimedRaw, signerFirst) => {
          const claimedIndex = claimedRaw >= signerIndex ? claimedRaw + 1 : claimedRaw;
          await withFixture(model, { kind: 'key', index: signerIndex }, async (fx) => {
            const claimed = KEYS[claimedIndex]!.trusted;
            editBundle(fx, (b) => {
              assert.ok(b.verificationMaterial.publicKey, 'a key signature carries verificationMaterial.publicKey');
              b.verificationMaterial.publicKey.hint = claimed.hint;
            });
            const what = `bundle signed by key #${signerIndex} (${KEYS[signerIndex]!.curve}) rewritten to claim key #${claimedIndex} (${KEYS[claimedIndex]!.curve}); ${fx.what}`;

            const onlyClaimed = await verify(fx, `${what}; trusting only #${claimedIndex}`, { kind: 'key', keys: [claimed] });
            expectFailed(onlyClaimed, [{ code: 'SIGNATURE_INVALID' }], `${what}; trusting only #${claimedIndex}`);

            // The hint is unsigned metadata: with the real signer trusted too, it verifies, by the real signer.
            const signerKey = KEYS[signerIndex]!.trusted;
            const both = signerFirst ? [signerKey, claimed] : [claimed, signerKey];
            const w2 = `${what}; trusting #${claimedIndex} and #${signerIndex} (signer ${signerFirst ? 'first' : 'second'})`;
            const r = await verify(fx, w2, { kind: 'key', keys: both });
            expectVerified(r, fx, w2);
            assert.equal(r.signer?.keyId, signerKey.hint, `${w2}\n  reported signer ${JSON.stringify(r.signer)}`);
            assert.equal(r.signer?.keySource, signerKey.source, `${w2}\n  reported signer ${JSON.stringify(r.signer)}`);
          });
        },
      ),
      opts,
    );
  });

  test('a certificate chain anchored in an unrelated root → CERT_CHAIN_UNTRUSTED', async () => {
    await fc.assert(
      fc.asyncProperty(
        modelArb,
        fc.nat({ max: PKIS.length - 1 }),
        fc.uniqueArray(fc.nat({ max: PKIS.length - 1 }), { minLength: 1, maxLength: 3 }),
        async (model, signerIndex, others) => {
          const anchorsIdx = others.filter((i) => i !== signerIndex);
          fc.pre(anchorsIdx.length > 0);
          await withFixture(model, { kind: 'certificate', index: signerIndex }, async (fx) => {
            // Every test PKI names its CAs alike ("Test Root CA"): only the keys tell them apart.
            const trust: Trust = { kind: 'certificate', anchors: anchorsIdx.map((i) => PKIS[i]!.root) };
            const what = `verified trusting only the root(s) of PKI #${anchorsIdx.join(', #')}; ${fx.what}`;
            const r = await verify(fx, what, trust);
            expectFailed(r, [{ code: 'CERT_CHAIN_UNTRUSTED' }], what);
            assert.deepEqual(r.files, [], `${what}\n  files were compared although the chain is untrusted: ${summary(r)}`);
          });
        },
      ),
      opts,
    );
  });
});

/**
 * A model-relative path for a new file: under an existing folder (or the root) picked by
 * `base`, then `extra` new folders, then `name`. On a clash (an existing file or folder,
 * an existing file used as a folder, an ignored root path) every new segment gets a "+"
 * prefix until nothing clashes; the parent is an existing folder, so this terminates.
 */
function freshPath(existing: readonly string[], base: number, extra: readonly string[], name: string): string {
  const dirs = ['', ...new Set(existing.flatMap((p) => p.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/'))))].sort();
  const parent = dirs[base % dirs.length]!;
  const clashes = (rel: string): boolean =>
    ROOT_IGNORED.has(rel.split('/')[0]!) ||
    existing.some((p) => p === rel || rel.startsWith(`${p}/`) || p.startsWith(`${rel}/`));
  let fresh = [...extra, name];
  const join_ = (): string => [...(parent ? [parent] : []), ...fresh].join('/');
  for (let i = 0; clashes(join_()); i++) {
    assert.ok(i < 100, `freshPath: no clash-free path for ${JSON.stringify({ existing, parent, extra, name })}`);
    fresh = fresh.map((s) => `+${s}`);
  }
  return join_();
}
