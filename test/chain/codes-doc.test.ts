/**
 * docs/provenance.md's tables name every code the chain walker, the policy loader and the
 * registry can emit, and no code they do not; docs/incidents.md's do the same for the incident
 * work (advisories, deployment records, impact, the incident commands). The source is grepped
 * for the ways a code is emitted (`add('X'`, `code: 'X'`, `new InputError('X'`), so the tables
 * stay true.
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

/** Sources of the incident work, whose codes docs/incidents.md documents. */
const INCIDENT_SOURCES = [...readdirSync(join(REPO, 'core/incident')).filter((f) => f.endsWith('.ts')).map((f) => `core/incident/${f}`), 'cli/commands/incident.ts'];

const EMIT = /(?:\badd\(|\bcode: |new (?:InputError|ProvenanceError)\()'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'/g;

function emitted(sources = SOURCES): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of sources) {
    const text = readFileSync(join(REPO, file), 'utf8');
    for (const m of text.matchAll(EMIT)) out.set(m[1]!, [...(out.get(m[1]!) ?? []), file]);
  }
  return out;
}

function documented(name = 'provenance.md'): Set<string> {
  const doc = readFileSync(join(REPO, 'docs', name), 'utf8');
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

test('every code the incident work emits is in docs/incidents.md, and every code there is emitted', () => {
  const src = emitted(INCIDENT_SOURCES);
  const doc = documented('incidents.md');
  for (const c of ['ADVISORY_UNTRUSTED_SIGNER', 'ADVISORY_SIGNATURE_INVALID', 'ATLAS_UNKNOWN', 'DEPLOYMENT_INVALID', 'TARGET_NOT_FOUND']) {
    assert.ok(src.has(c), `the source scan misses ${c}`);
  }
  const undocumented = [...src.keys()].filter((c) => !doc.has(c)).map((c) => `${c} (${src.get(c)!.join(', ')})`);
  assert.deepEqual(undocumented, [], 'codes emitted but missing from docs/incidents.md');
  // The gate's codes come from the chain walker; the incident page documents them too.
  const all = emitted([...SOURCES, ...INCIDENT_SOURCES]);
  const stale = [...doc].filter((c) => !all.has(c));
  assert.deepEqual(stale, [], 'codes in docs/incidents.md that nothing emits');
});
