import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO } from '../helpers/fixtures';
import { loadAction, runCompositeAction, type ActionRun } from '../helpers/composite-action';
import { sarifErrors } from '../helpers/sarif';
import { cli, gitRepo, world, write } from './world';

const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * A repository with two commits made here: the base (model v1, signed and attested) and the
 * pull request's head (model v2, re-signed and attested by the same trusted key).
 */
async function pullRequest(): Promise<{ dir: string; base: string }> {
  const w = await world();
  const git = gitRepo(w.dir);
  write(join(w.dir, '.gitignore'), 'private/\n');
  write(join(w.dir, 'provenance-policy.json'), JSON.stringify({ signers: { trainer: { publicKey: 'keys/a.pub.pem' } }, stages: { 'pre-training': { signers: ['trainer'] } } }, null, 2));
  const release = async (): Promise<void> => {
    await cli(['sign', 'models/classifier', '--private-key', w.keyA], 0, w.dir);
    await cli(['attest', 'models/classifier', '--stage', 'pre-training', '--private-key', w.keyA, '--registry', '.provenance', '--run-id', 'run-1', '--output', 'attestations/pre-training.intoto.json'], 0, w.dir);
  };
  await release();
  git('add', '-A');
  git('commit', '-qm', 'model v1');
  const base = git('rev-parse', 'HEAD');
  write(join(w.model, 'model.safetensors'), Buffer.alloc(4096, 9));
  write(join(w.model, 'special_tokens_map.json'), '{}\n');
  await release();
  git('add', '-A');
  git('commit', '-qm', 'model v2');
  return { dir: w.dir, base };
}

function sarif(run: ActionRun, name: string): any {
  const dir = run.outputs['sarif-directory']!;
  const log = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  assert.deepEqual(sarifErrors(log), [], `${name} is valid SARIF 2.1.0`);
  return log;
}

const ranSteps = (run: ActionRun): [string, string][] => run.steps.map((s) => [s.name, s.skipped ? 'skipped' : s.kind === 'uses' ? `uses ${s.uses}` : `exit ${s.code}`]);

describe('action.yml: the composite action, step by step', () => {
  test('only wires commands: every run step is bash, and inputs reach scripts as env, never spliced in', () => {
    const action = loadAction(REPO);
    for (const step of action.runs.steps) {
      if (step.run === undefined) continue;
      assert.equal(step.shell, 'bash', step.name);
      assert.doesNotMatch(step.run, /\$\{\{/, `${step.name}: no expression inside a script (script injection)`);
      assert.ok(step.run.split('\n').filter((l) => l.trim() !== '').length <= 8, `${step.name}: a few lines of wiring, no logic`);
    }
  });

  test('a clean pull request: both gates pass, the diff summary and two valid SARIF logs are written', async () => {
    const { dir, base } = await pullRequest();
    const run = runCompositeAction({ workspace: dir, actionPath: REPO, baseSha: base, inputs: { model: 'models/classifier', 'trusted-keys': 'keys', policy: 'provenance-policy.json', registry: '.provenance', 'diff-paths': 'attestations/pre-training.intoto.json' } });
    assert.deepEqual(ranSteps(run), [
      ['Set up Node.js', 'uses actions/setup-node@v4'],
      ['Install the model-provenance CLI', 'exit 0'],
      ['Gate - model signature', 'exit 0'],
      ['Gate - chain of custody', 'exit 0'],
      ['Fetch the base revision', 'exit 0'],
      ['Diff against the base (job summary)', 'exit 0'],
      ['Upload SARIF to code scanning', 'uses github/codeql-action/upload-sarif@v3'],
    ], run.steps.map((s) => `${s.name}\n${s.stdout ?? ''}${s.stderr ?? ''}`).join('\n'));
    assert.equal(run.failed, false);
    assert.deepEqual(run.steps.at(-1)!.with, { sarif_file: run.outputs['sarif-directory'] });

    const md = run.summary;
    assert.equal(md.split('\n')[0], '### ✅ Model provenance: no security-relevant change');
    assert.ok(md.includes(`compared with \`${base}\` (\`${base.slice(0, 12)}\`) · signatures checked against \`--trusted-keys keys\`, \`policy provenance-policy.json\``), md);
    assert.ok(md.includes(`| modified | \`model.safetensors\` | \`sha256:${sha(Buffer.alloc(4096, 1)).slice(0, 8)}…${sha(Buffer.alloc(4096, 1)).slice(-8)}\` | \`sha256:${sha(Buffer.alloc(4096, 9)).slice(0, 8)}…${sha(Buffer.alloc(4096, 9)).slice(-8)}\` | 4.0 KiB | 4.0 KiB |`), md);
    assert.ok(md.includes('| added | `special_tokens_map.json` | — |'), md);
    assert.ok(md.includes('#### `attestations/pre-training.intoto.json`'), md);
    assert.ok(md.includes('| Signature | ✅ verified (policy signer "trainer") | ✅ verified (policy signer "trainer") |'), md);

    const signature = sarif(run, 'signature.sarif');
    assert.deepEqual(signature.runs[0].results, []);
    assert.equal(signature.runs[0].automationDetails.id, 'model-provenance/verify-signature/');
    const chain = sarif(run, 'chain.sarif');
    assert.deepEqual(chain.runs[0].results, []);
  });

  test('weights changed after signing: the gates fail with SARIF results, the summary calls it out, the job fails', async () => {
    const { dir, base } = await pullRequest();
    write(join(dir, 'models', 'classifier', 'model.safetensors'), Buffer.alloc(4096, 6));
    const run = runCompositeAction({ workspace: dir, actionPath: REPO, baseSha: base, inputs: { model: 'models/classifier', 'trusted-keys': 'keys', policy: 'provenance-policy.json', registry: '.provenance' } });
    assert.deepEqual(ranSteps(run).slice(1, 6), [
      ['Install the model-provenance CLI', 'exit 0'],
      ['Gate - model signature', 'exit 1'],
      ['Gate - chain of custody', 'exit 1'],
      ['Fetch the base revision', 'exit 0'],
      ['Diff against the base (job summary)', 'exit 1'],
    ]);
    assert.equal(run.failed, true);
    assert.equal(run.summary.split('\n')[0], '### ❌ Model provenance: security-relevant change');
    assert.ok(run.summary.includes('- 🔴 **FILE_MODIFIED**: 1 file(s) of models/classifier: content differs from the digest its signature lists (model.safetensors)'), run.summary);

    const signature = sarif(run, 'signature.sarif');
    assert.deepEqual(
      signature.runs[0].results.map((r: any) => [r.ruleId, r.level, r.locations[0].physicalLocation.artifactLocation]),
      [['FILE_MODIFIED', 'error', { uri: 'models/classifier/model.safetensors', uriBaseId: '%SRCROOT%' }]],
    );
    assert.equal(signature.runs[0].originalUriBaseIds['%SRCROOT%'].uri, `file://${dir}/`);
    const chain = sarif(run, 'chain.sarif');
    assert.deepEqual(chain.runs[0].results.map((r: any) => [r.ruleId, r.locations[0].physicalLocation.artifactLocation.uri]), [['MISSING_LINK', 'models/classifier']]);
    assert.ok(readdirSync(run.outputs['sarif-directory']!).sort().join() === 'chain.sarif,signature.sarif');
  });

  test('on a push (no base) the diff is skipped; fail-on-diff never reports without failing', async () => {
    const { dir, base } = await pullRequest();
    const push = runCompositeAction({ workspace: dir, actionPath: REPO, inputs: { model: 'models/classifier', 'trusted-keys': 'keys', 'upload-sarif': 'false' } });
    assert.deepEqual(ranSteps(push), [
      ['Set up Node.js', 'uses actions/setup-node@v4'],
      ['Install the model-provenance CLI', 'exit 0'],
      ['Gate - model signature', 'exit 0'],
      ['Gate - chain of custody', 'skipped'],
      ['Fetch the base revision', 'skipped'],
      ['Diff against the base (job summary)', 'skipped'],
      ['Upload SARIF to code scanning', 'skipped'],
    ]);
    assert.equal(push.summary, '');
    // The new signer is reported, and with fail-on-diff: never the job still passes.
    await cli(['sign', 'models/classifier', '--private-key', join(dir, 'private', 'b.pem')], 0, dir);
    const lenient = runCompositeAction({ workspace: dir, actionPath: REPO, baseSha: base, inputs: { model: 'models/classifier', 'fail-on-diff': 'never', 'upload-sarif': 'false' } });
    assert.equal(lenient.failed, false, lenient.steps.map((s) => s.stderr ?? '').join('\n'));
    assert.ok(lenient.summary.startsWith('### ❌ Model provenance: security-relevant change'), lenient.summary);
    assert.ok(lenient.summary.includes('**SIGNER_CHANGED**'), lenient.summary);
  });
});
