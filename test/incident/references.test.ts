/**
 * core/incident/references.ts and flag-index.ts's pure parts: which digests a document names and
 * where, the hits against the gate's flags (since honoured, policy flags kept apart), and the
 * model state with flags applied.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyFlags, flagEvaluation, manifestReferences, signatureHits, signerHits, statementReferences, type EffectiveFlag, type EffectiveFlags, type FlagIndex, type ModelEvaluation } from '../../core';

const D = (c: string): string => `sha256:${c.repeat(64)}`;

function flags(entries: { digest?: string; keyId?: string; since?: string; source?: 'advisory' | 'policy'; id?: string }[]): EffectiveFlags {
  const f = emptyFlags();
  for (const e of entries) {
    const target = e.digest ? { kind: 'artifact' as const, digest: e.digest } : { kind: 'key' as const, keyId: e.keyId! };
    const flag: EffectiveFlag = { source: e.source ?? 'advisory', target, status: 'affected', reason: 'poisoned', atlas: [], signers: ['security'], ...(e.id ? { advisoryId: e.id } : { advisoryId: 'MP-2026-0001' }), ...(e.since ? { since: e.since } : {}) };
    const map = e.digest ? f.digests : f.keys;
    const k = e.digest ?? e.keyId!;
    map.set(k, [...(map.get(k) ?? []), flag]);
  }
  return f;
}

test('a statement names its subjects and every dependency with its role, at their own pointers (or the payload)', () => {
  const st = {
    subject: [{ name: 'ft', digest: { sha256: 'a'.repeat(64) } }],
    predicate: {
      buildDefinition: {
        resolvedDependencies: [
          { name: 'base', digest: { sha256: 'b'.repeat(64) }, annotations: { role: 'base-model' } },
          { name: 'sft', digest: { sha256: 'C'.repeat(64) }, annotations: { role: 'dataset' } },
          { name: 'no digest', uri: 'https://example.com' },
        ],
      },
    },
  };
  assert.deepEqual(statementReferences(st, (p) => p), [
    { digest: D('a'), role: 'subject', name: 'ft', pointer: '/subject/0/digest/sha256' },
    { digest: D('b'), role: 'base-model', name: 'base', pointer: '/predicate/buildDefinition/resolvedDependencies/0/digest/sha256' },
    { digest: D('c'), role: 'dataset', name: 'sft', pointer: '/predicate/buildDefinition/resolvedDependencies/1/digest/sha256' },
  ]);
  assert.deepEqual(statementReferences(st, () => '/dsseEnvelope/payload').map((r) => r.pointer), ['/dsseEnvelope/payload', '/dsseEnvelope/payload', '/dsseEnvelope/payload']);
});

test('an ML-BOM names every SHA-256 hash and OMS root property, nested components included, each once', () => {
  const bom = {
    metadata: { component: { type: 'machine-learning-model', name: 'm', hashes: [{ alg: 'SHA-1', content: 'f'.repeat(40) }], properties: [{ name: 'model-provenance:oms_root_digest', value: 'a'.repeat(64) }], components: [{ type: 'file', name: 'w.bin', hashes: [{ alg: 'SHA-256', content: 'b'.repeat(64) }] }] } },
    components: [{ type: 'data', name: 'sft', hashes: [{ alg: 'SHA-256', content: 'c'.repeat(64) }] }],
  };
  assert.deepEqual(manifestReferences(bom), [
    { digest: D('a'), role: 'model', name: 'm', pointer: '/metadata/component/properties/0/value' },
    { digest: D('b'), role: 'file', name: 'w.bin', pointer: '/metadata/component/components/0/hashes/0/content' },
    { digest: D('c'), role: 'dataset', name: 'sft', pointer: '/components/0/hashes/0/content' },
  ]);
});

test('a signer is revoked as the gate decides: no since revokes everything, since revokes what was signed at or after it and anything untimed', () => {
  const f = flags([{ keyId: 'k'.repeat(64), since: '2026-06-01T00:00:00Z' }]);
  const signer = { method: 'key' as const, keyId: 'k'.repeat(64) };
  assert.equal(signerHits(signer, '2026-05-01T00:00:00Z', f, '/verificationMaterial').length, 0);
  const at = signerHits(signer, '2026-07-01T00:00:00Z', f, '/verificationMaterial');
  assert.deepEqual(at.map((h) => [h.code, h.pointer]), [['SIGNER_REVOKED', '/verificationMaterial']]);
  const untimed = signerHits(signer, undefined, f, '/verificationMaterial');
  assert.match(untimed[0]!.message, /the signature carries no trusted time, so it cannot be shown to predate the window\), revoked since 2026-06-01T00:00:00Z: advisory MP-2026-0001: poisoned$/);
  // The policy's own flagged list: FLAGGED_SIGNER, apart from the advisory.
  const p = flags([{ keyId: 'k'.repeat(64), source: 'policy' }]);
  assert.deepEqual(signerHits(signer, undefined, p, '/x').map((h) => h.code), ['FLAGGED_SIGNER']);
});

test('a model signature: its root digest and a signed file are flagged; the state becomes flagged with the code, never for an unreadable signature', () => {
  const f = flags([{ digest: D('a') }, { digest: D('b'), id: 'MP-2026-0002' }]);
  const signed = { subject: { name: 'm', digest: D('a') }, resources: [{ name: 'w.bin', digest: D('b') }, { name: 'c.json', digest: D('c') }] };
  assert.deepEqual(signatureHits(signed, undefined, undefined, f).map((h) => [h.code, h.what]), [['FLAGGED_ARTIFACT', 'the signed model m'], ['FLAGGED_ARTIFACT', 'signed file w.bin']]);
  const index: FlagIndex = { flags: f, derived: new Map(), fingerprint: 'x' };
  const ev = { model: '/m', signature: '/m/model.sig', state: 'verified', trust: { state: 'verified', signer: { method: 'key' } }, signerText: 'key', headline: 'verified: key', detail: 'Files match.', signed } as unknown as ModelEvaluation;
  const out = flagEvaluation(ev, index);
  assert.equal(out.state, 'flagged');
  assert.equal(out.headline, 'not verified [FLAGGED_ARTIFACT]: the signed model m is flagged (advisory MP-2026-0001)');
  assert.equal(out.flags?.length, 2);
  for (const state of ['error', 'invalid'] as const) assert.equal(flagEvaluation({ ...ev, state }, index).state, state);
  // Nothing flagged, or no index: the evaluation as it was.
  assert.equal(flagEvaluation(ev, { flags: emptyFlags(), derived: new Map(), fingerprint: '' }), ev);
  assert.equal(flagEvaluation(ev, undefined), ev);
  // Derived from a flagged dataset (the blast radius): FLAGGED_ARTIFACT naming the root.
  const derived: FlagIndex = { flags: emptyFlags(), derived: new Map([[D('a'), [{ root: D('d'), rootName: 'sft', target: { kind: 'artifact', digest: D('d') }, depth: 2, flags: f.digests.get(D('a'))!, verified: true }]]]), fingerprint: 'y' };
  const d = flagEvaluation(ev, derived);
  assert.equal(d.headline, 'not verified [FLAGGED_ARTIFACT]: derived from a flagged artifact (advisory MP-2026-0001)');
  assert.match(d.flags![0]!.message, new RegExp(`^the signed model m ${D('a')} derives from sft ${D('d')} \\(2 stages down\\), flagged by advisory MP-2026-0001: poisoned$`));
});
