/**
 * `attest --params`: a key the schema does not name is an error that names it (and the key
 * it most likely means); nothing is silently left out of a signed attestation.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PARAM_FLAGS, SCHEMAS, parseAttestParams, parseBundle, suggestKey, type InputError } from '../../core';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';

const KEYS = Object.keys(PARAM_FLAGS);

function refusal(doc: unknown): InputError {
  try {
    parseAttestParams(JSON.stringify(doc), 'stage.json');
  } catch (err) {
    return err as InputError;
  }
  assert.fail(`accepted ${JSON.stringify(doc)}`);
}

describe('attest --params', () => {
  test('the schema names exactly the keys the reader maps (and $schema)', () => {
    const props = Object.keys((SCHEMAS['attest-params'] as { properties: Record<string, unknown> }).properties);
    assert.deepEqual(props.filter((k) => k !== '$schema').sort(), [...KEYS].sort());
  });

  test('unknown keys are refused by name, with the key they most likely mean', () => {
    const cases: [string, string | undefined][] = [
      ['base-model', 'baseModels'],
      ['baseModel', 'baseModels'],
      ['base_models', 'baseModels'],
      ['run-id', 'trainingRunId'],
      ['runId', 'trainingRunId'],
      ['eval-dataset', 'evalDatasets'],
      ['hyperparams', 'hyperparameters'],
      ['hyperparameter', 'hyperparameters'],
      ['accelerator', 'hardware'],
      ['env', 'environment'],
      ['finished_on', 'finishedOn'],
      ['stge', 'stage'],
      ['licence', undefined],
    ];
    for (const [key, meant] of cases) {
      const e = refusal({ stage: 'fine-tuning', [key]: 'x' });
      assert.equal(e.code, 'PARAMS_UNKNOWN_KEY', key);
      assert.equal(e.file, 'stage.json');
      assert.ok(e.message.startsWith(`unknown key "${key}"${meant ? ` (did you mean "${meant}"?)` : ';'}`), `${key}: ${e.message}`);
      assert.equal(suggestKey(key, KEYS, PARAM_FLAGS), meant, key);
    }
    const many = refusal({ 'base-model': 'sha256:x', 'run-id': 'r' });
    assert.match(many.message, /^unknown keys "base-model" \(did you mean "baseModels"\?\), "run-id" \(did you mean "trainingRunId"\?\)/);
    const nested = refusal({ baseModels: [{ sha: `sha256:${'a'.repeat(64)}`, name: 'llama' }] });
    assert.equal(nested.code, 'PARAMS_UNKNOWN_KEY');
    assert.match(nested.message, /^unknown key "sha" in baseModels\[0\]/);
    const recipe = refusal({ recipe: { url: 'https://x' } });
    assert.match(recipe.message, /^unknown key "url" in recipe \(did you mean "uri"\?\)/);
  });

  test('wrong values are PARAMS_INVALID at their path; a non-object is refused', () => {
    assert.equal(refusal({ stage: 'finetuning' }).code, 'PARAMS_INVALID');
    assert.match(refusal({ stage: 'finetuning' }).message, /^stage: must be one of/);
    assert.match(refusal({ baseModels: 'sha256:abc' }).message, /^baseModels: must be array/);
    assert.match(refusal({ subjectDigest: 'abc' }).message, /^subjectDigest: must match pattern/);
    assert.equal(refusal([1]).code, 'PARAMS_INVALID');
    assert.deepEqual(parseAttestParams('{"$schema":"https://model-provenance.dev/schemas/attest-params/v1.json","stage":"release"}', 'p.json'), {
      $schema: 'https://model-provenance.dev/schemas/attest-params/v1.json',
      stage: 'release',
    });
  });

  test('through the CLI: exit 2 naming the file and key; a valid file reaches the signed statement, flags win', async () => {
    const dir = tempDir();
    const base = makeModel(join(dir, 'base'), { 'w.bin': 'base' });
    const ft = makeModel(join(dir, 'ft'), { 'w.bin': 'ft' });
    await runCli(['keygen', '--out', join(dir, 'k')]);
    const params = join(dir, 'stage.attest-params.json');
    writeFileSync(params, JSON.stringify({ stage: 'fine-tuning', 'base-model': 'base', 'run-id': 'run-1' }));
    const bad = await runCli(['attest', ft, '--params', params, '--private-key', join(dir, 'k.pem'), '--no-store']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, `model-provenance: ${params}: unknown keys "base-model" (did you mean "baseModels"?), "run-id" (did you mean "trainingRunId"?); the accepted keys are listed in docs/cli.md (attest --params) [PARAMS_UNKNOWN_KEY]\n`);

    // Paths in the file are relative to it; the flag --run-id replaces the file's run id.
    writeFileSync(params, JSON.stringify({ stage: 'fine-tuning', baseModels: ['base'], trainingRunId: 'from-file', datasets: [`sha256:${'d'.repeat(64)}`], evalDatasets: [{ digest: `sha256:${'e'.repeat(64)}`, name: 'eval' }], framework: 'pytorch@2.6.0', hyperparameters: { lr: 0.1, epochs: 3 } }));
    const out = join(dir, 'att.json');
    const r = await runCli(['attest', ft, '--params', params, '--run-id', 'from-flag', '--hyperparameter', 'lr=0.2', '--private-key', join(dir, 'k.pem'), '--no-store', '--output', out], { cwd: '/' });
    assert.equal(r.code, 0, r.stderr);
    const st = JSON.parse(parseBundle(readFileSync(out, 'utf8'), out).envelope.payload.toString('utf8'));
    const def = st.predicate.buildDefinition;
    assert.equal(def.externalParameters.trainingRunId, 'from-flag');
    assert.deepEqual(def.externalParameters.hyperparameters, { lr: 0.2, epochs: 3 });
    assert.deepEqual(def.internalParameters.framework, { name: 'pytorch', version: '2.6.0' });
    const deps = def.resolvedDependencies.map((d: { name?: string; annotations: { role: string; usage?: string } }) => [d.annotations.role, d.name, d.annotations.usage]);
    assert.deepEqual(deps, [['base-model', 'base', undefined], ['dataset', undefined, 'training'], ['dataset', 'eval', 'evaluation']]);
    const baseDigest = JSON.parse((await runCli(['hash', base, '--format', 'json'])).stdout).digest as string;
    assert.equal(`sha256:${def.resolvedDependencies[0].digest.sha256}`, baseDigest);
  });
});
