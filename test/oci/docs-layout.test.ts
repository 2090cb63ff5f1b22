/**
 * docs/registry.md's OCI layout examples are what the code writes: the subject manifest byte for
 * byte (its size and digest included), and the artifact manifest's key order and the size of the
 * subject it names. No registry needed: the manifests are pure functions of what they describe.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifactManifest, subjectManifest, BUNDLE_V03 } from '../../core/registry/oci/layout';
import { REPO } from '../helpers/fixtures';

const doc = readFileSync(join(REPO, 'docs', 'registry.md'), 'utf8');
const section = (heading: string): string => {
  const at = doc.indexOf(heading);
  assert.ok(at >= 0, `docs/registry.md has "${heading}"`);
  return doc.slice(at, doc.indexOf('\n### ', at + heading.length));
};
const jsonBlock = (text: string): string => /```json\n([\s\S]*?)\n```/.exec(text)![1]!;

test('the subject manifest in docs/registry.md is exactly what the code writes (566 bytes, its digest)', () => {
  const text = section('### A digest that is not an OCI manifest becomes a subject manifest');
  const D = /For `D` =\s+`(sha256:[0-9a-f]{64})`/.exec(text)![1]!;
  const written = subjectManifest(D);
  assert.equal(jsonBlock(text), written.body.toString('utf8'));
  assert.equal(written.body.length, 566);
  assert.match(text, new RegExp(`exactly these\\s+${written.body.length} bytes`));
  assert.match(text, new RegExp(`\\(here \`${written.descriptor.digest}\`\\)`));
  // Every subject manifest has the same size, whatever the digest.
  assert.equal(subjectManifest(`sha256:${'ab'.repeat(32)}`).body.length, 566);
});

test("the artifact manifest in docs/registry.md has the code's key order and the subject's real size", () => {
  const example = jsonBlock(section('### Each entry is an artifact whose subject is that manifest'));
  // The example wraps lines and abbreviates the values that vary; parse it with those filled in.
  const parsed = JSON.parse(example.replace(/sha256:44136fa3…/g, `sha256:${'44'.repeat(32)}`)) as Record<string, unknown>;
  const subject = `sha256:${'cd'.repeat(32)}`;
  const id = `sha256:${'ef'.repeat(32)}`;
  const written = JSON.parse(
    artifactManifest({ id, size: 1234, subject, predicateType: 'https://slsa.dev/provenance/v1', stage: 'fine-tuning', created: '2026-11-30T10:00:00Z', bundleMediaType: BUNDLE_V03 }).body.toString('utf8'),
  ) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), Object.keys(written));
  assert.deepEqual(Object.keys(parsed.annotations as object), Object.keys(written.annotations as object));
  assert.equal((parsed.subject as { size: number }).size, (written.subject as { size: number }).size);
  assert.equal((written.subject as { size: number }).size, subjectManifest(subject).body.length);
  assert.deepEqual(parsed.annotations, { ...(written.annotations as object), 'dev.model-provenance.entry': 'sha256:<entry id>', 'dev.model-provenance.subject': 'sha256:<hex of D>' });
});
