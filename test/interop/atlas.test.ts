/** The shipped ATLAS subset (core/data/atlas.json) is exactly what scripts/derive-atlas.mjs derives from the shared ATLAS.yaml. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ATLAS, atlasTechnique, mitigationsFor } from '../../core';
import { REPO, tempDir } from '../helpers/fixtures';
import { HAVE_VECTORS, SKIP_REASON, VECTORS } from '../helpers/shared';

test('the ATLAS data names techniques and mitigations', () => {
  assert.equal(atlasTechnique('AML.T0018.000')?.name, 'Poison AI Model');
  assert.equal(atlasTechnique('AML.T0018.000')?.parent, 'AML.T0018');
  assert.equal(atlasTechnique('AML.T9999'), undefined);
  assert.ok(mitigationsFor('AML.T0018').some((m) => m.id === 'AML.M0013' && m.name === 'Code Signing'));
});

test('core/data/atlas.json is the derivation of the shared ATLAS.yaml', { skip: HAVE_VECTORS ? false : SKIP_REASON }, () => {
  const out = join(tempDir('mp-atlas-'), 'atlas.json');
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'derive-atlas.mjs'), join(VECTORS, 'atlas', 'ATLAS.yaml'), out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), readFileSync(join(REPO, 'core', 'data', 'atlas.json'), 'utf8'));
  assert.equal(ATLAS.version, '5.6.0');
});
