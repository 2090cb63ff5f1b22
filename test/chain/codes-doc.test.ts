/**
 * docs/provenance.md's tables name every code the chain walker, the policy loader and the
 * registry can emit, and no code they do not: the source is grepped for the ways a code is
 * emitted (`add('X'`, `code: 'X'`, `new InputError('X'`), so the tables stay true.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/fixtures';

/** Sources whose codes reach the chain result, the policy loader or the registry. */
const SOURCES = [
  ...['core/chain', 'core/policy', 'core/registry'].flatMap((d) => readdirSync(join(REPO, d)).filter((f) => f.endsWith('.ts')).map((f) => `${d}/${f}`)),
  'core/keys/distinguished-name.ts',
  'core/tracker.ts',
  'cli/commands/registry.ts',
  'cli/commands/chain.ts',
];

const EMIT = /(?:\badd\(|\bcode: |new (?:InputError|ProvenanceError)\()'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'/g;

function emitted(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of SOURCES) {
    const text = readFileSync(join(REPO, file), 'utf8');
    for (const m of text.matchAll(EMIT)) out.set(m[1]!, [...(out.get(m[1]!) ?? []), file]);
  }
  return out;
}

function documented(): Set<string> {
  const doc = readFileSync(join(REPO, 'docs', 'provenance.md'), 'utf8');
  const codes = new Set<string>();
  for (const line of doc.split('\n')) {
    const first = /^\| ([^|]+) \|/.exec(line)?.[1];
    if (!first) continue;
    for (const m of first.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|USAGE|UNSUPPORTED)`/g)) codes.add(m[1]!);
  }
  return codes;
}

test('every code the chain, policy and registry emit is in docs/provenance.md, and every code there is emitted', () => {
  const src = emitted();
  const doc = documented();
  // The grep finds what it should: a sample of known emitters.
  for (const c of ['MISSING_LINK', 'REGISTRY_INDEX_MISMATCH', 'ATTESTATION_SIGNATURE_INVALID', 'CERT_SUBJECT_MISMATCH', 'REGISTRY_NOT_FOUND', 'POLICY_INVALID', 'EXPECTED_ATTESTATION_MISSING']) {
    assert.ok(src.has(c), `the source scan misses ${c}`);
  }
  const undocumented = [...src.keys()].filter((c) => !doc.has(c)).map((c) => `${c} (${src.get(c)!.join(', ')})`);
  assert.deepEqual(undocumented, [], 'codes emitted but missing from docs/provenance.md');
  const stale = [...doc].filter((c) => !src.has(c));
  assert.deepEqual(stale, [], 'codes in docs/provenance.md that nothing emits');
});
