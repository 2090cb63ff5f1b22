/**
 * The editor's commands as a newcomer meets them (issue 9, newcomer pass items 4, 8, 11, 12):
 * the step plans and messages of the multi-step commands (client code kept free of `vscode`),
 * the palette against what the README promises with nothing open, the folder check Generate
 * Key Pair asks at its folder step, and Show Impact's reason when no policy is set.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair, signModel, writeKeyPair } from '../../core';
import { REQUESTS, type KeyFolderCheck, type LineageView } from '../../core/editor/protocol';
import { attestPlan, attestTitle, privateKeyPem, said } from '../../client/flow-steps';
import { lineageHtml } from '../../client/lineage-html';
import { makeModel, REPO, tempDir } from '../helpers/fixtures';
import { LspClient } from '../helpers/lsp-client';

describe('Attest Model…: the step counter counts the steps shown', () => {
  test('pre-training asks no base model; a configured unencrypted key asks nothing; a key to choose or a passphrase is one step', () => {
    assert.deepEqual(attestPlan({ stage: 'pre-training', keyStep: false }), ['stage', 'runId', 'datasets']);
    assert.deepEqual(attestPlan({ stage: 'fine-tuning', keyStep: false }), ['stage', 'runId', 'base', 'datasets']);
    assert.deepEqual(attestPlan({ stage: 'fine-tuning', keyStep: true }), ['stage', 'runId', 'base', 'datasets', 'key']);
    const plan = attestPlan({ stage: 'pre-training', keyStep: true });
    assert.deepEqual(plan.map((s) => attestTitle('classifier', s, plan, s)), ['Attest classifier (1/4): stage', 'Attest classifier (2/4): runId', 'Attest classifier (3/4): datasets', 'Attest classifier (4/4): key']);
    // The last title is always N/N: the flow never ends on "(5/6)".
    for (const stage of ['pre-training', 'fine-tuning', undefined]) {
      for (const keyStep of [true, false]) {
        const p = attestPlan({ stage, keyStep });
        assert.match(attestTitle('m', p.at(-1)!, p, 'x'), new RegExp(`\\(${p.length}/${p.length}\\)`));
      }
    }
  });

  test('the key step recognises private keys (plain and encrypted) among PEM files, and nothing else', () => {
    const pair = generateKeyPair('P-256');
    const dir = tempDir('mp-cmds-keys-');
    writeKeyPair(join(dir, 'k'), pair);
    assert.equal(privateKeyPem(readFileSync(join(dir, 'k.pem'), 'utf8')), 'plain');
    assert.equal(privateKeyPem(readFileSync(join(dir, 'k.pub.pem'), 'utf8')), undefined);
    const enc = generateKeyPair('P-256', 'secret');
    writeKeyPair(join(dir, 'e'), enc);
    assert.equal(privateKeyPem(readFileSync(join(dir, 'e.pem'), 'utf8')), 'encrypted');
    assert.equal(privateKeyPem('-----BEGIN CERTIFICATE-----\nMII…\n-----END CERTIFICATE-----\n'), undefined);
  });
});

describe('command messages: one prefix', () => {
  test('a reason that already names the command is not prefixed again', () => {
    assert.equal(said('Show Impact', 'no trust policy is set [POLICY_NOT_SET]'), 'Show Impact: no trust policy is set [POLICY_NOT_SET]');
    assert.equal(said('Show Impact', 'Show Impact reads advisories … [POLICY_NOT_SET]'), 'Show Impact reads advisories … [POLICY_NOT_SET]');
    assert.equal(said('Show Impact', 'Show Impact: x'), 'Show Impact: x');
    assert.equal(said('Generate Key Pair', 'Model Provenance: Generate Key Pair failed'), 'Generate Key Pair failed');
  });

  test('no client message is written with a hand-made "Command: ${error}" prefix (they all go through said())', () => {
    for (const f of ['attest', 'commands', 'keygen', 'lineage-view', 'manifest', 'report-view', 'review', 'trust'].map((n) => join(REPO, 'client', `${n}.ts`))) {
      const text = readFileSync(f, 'utf8');
      assert.doesNotMatch(text, /Message\(`[A-Z][A-Za-z ]+: \$\{errorMessage\(/, f);
      assert.doesNotMatch(text, /(generation|Attest) failed: \$\{/, f);
    }
  });
});

describe('the palette against the README: every command said to work with nothing open is offered with nothing open', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string }[]; menus: { commandPalette: { command: string; when?: string }[] } } };
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  test('no palette `when` clause needs an open resource for a command the README lists as asking which model', () => {
    // The paragraph that ends "With nothing open, they ask which model." and the review one after it.
    const start = readme.indexOf('Commands (palette,');
    const end = readme.indexOf('Incidents:', start);
    assert.ok(start > 0 && end > start, 'the README paragraph on commands');
    const text = readme.slice(start, end).replace(/\s+/g, ' ');
    assert.match(text, /With nothing open, they ask which model\./);
    const named = pkg.contributes.commands.filter((c) => text.includes(`**${c.title}**`) || text.includes(`**${c.title.replace(/…$/, '')}`));
    const titles = named.map((c) => c.title);
    for (const t of ['Verify Model', 'Trust This Signer…', 'Generate Manifest', 'Attest Model…', 'Generate Key Pair', 'Show Lineage', 'Open Decoded Payload', 'Generate Report…', 'Compare Signed Contents…']) assert.ok(titles.includes(t), `the README names ${t}: ${titles.join(', ')}`);
    for (const c of named) {
      const when = pkg.contributes.menus.commandPalette.find((m) => m.command === c.command)?.when;
      assert.ok(when === undefined || !/resource(LangId|Filename|Extname|Path)|editorLangId|activeEditor/.test(when), `${c.title} is hidden from the palette with nothing open: ${when}`);
      assert.notEqual(when, 'false', `${c.title} is never in the palette`);
    }
  });
});

describe('server: Generate Key Pair folder check, Show Impact without a policy', () => {
  let client: LspClient;
  let root: string;
  let model: string;
  before(async () => {
    root = tempDir('mp-cmds-', { untilExit: true });
    writeKeyPair(join(root, 'keys', 'prod'), generateKeyPair('P-256'));
    model = makeModel(join(root, 'models', 'classifier'), { 'model.safetensors': 'weights', 'config.json': '{}' });
    await signModel({ modelPath: model, signer: { kind: 'key', privateKey: createPrivateKey(readFileSync(join(root, 'keys', 'prod.pem'))) } });
    client = LspClient.inMemory();
    await client.initialize(pathToFileURL(root).toString(), { modelProvenance: { trustedKeys: [join(root, 'keys', 'prod.pub.pem')] }, trustSource: 'user settings' });
  });
  after(() => client.connection.dispose());

  test('a signed model folder (or one inside it) is refused at the folder step, with why; the workspace and its keys/ folder are fine', async () => {
    const check = (path: string): Promise<KeyFolderCheck> => client.connection.sendRequest(REQUESTS.keyFolder, { path }) as Promise<KeyFolderCheck>;
    const inModel = await check(model);
    assert.deepEqual(inModel, { ok: false, code: 'WOULD_MODIFY_SIGNED_MODEL', message: `${model} is a signed model folder (it has a model.sig): keys written there would be unexpected files and fail the model's verification` });
    const below = await check(join(model, 'sub'));
    assert.equal(below.ok, false);
    assert.match((below as { message: string }).message, new RegExp(`is inside the signed model folder ${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.deepEqual(await check(root), { ok: true });
    assert.deepEqual(await check(join(root, 'keys')), { ok: true });
    // The keygen request refuses with the same words (one rule).
    await assert.rejects(client.connection.sendRequest(REQUESTS.keygen, { prefix: join(model, 'k') }), (e: { message: string; data?: { code?: string } }) => e.data?.code === 'WOULD_MODIFY_SIGNED_MODEL' && e.message.includes('is a signed model folder'));
  });

  test('Show Impact without a policy: the reason does not repeat the command name (the client prefixes it once)', async () => {
    await assert.rejects(client.connection.sendRequest(REQUESTS.impact, { digest: `sha256:${'a'.repeat(64)}`, kind: 'artifact' }), (e: { message: string; data?: { code?: string } }) => {
      assert.equal(e.data?.code, 'POLICY_NOT_SET');
      assert.doesNotMatch(e.message, /^Show Impact/);
      assert.equal(said('Show Impact', e.message).match(/Show Impact/g)?.length, 1);
      assert.match(e.message, /^no trust policy is set \(modelProvenance\.policy\)/);
      return true;
    });
  });
});

describe('the lineage view document: the no-policy notice', () => {
  test('the notice is on the view, escaped, with a button that names only its setting', () => {
    const view: LineageView = { verdict: 'unverified', title: 'm (sha256:ab…)', basis: 'chain not checked', svg: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"></svg>', nodes: [], problems: [], notice: { title: 'Two kinds of trust', lines: ['signature <b>verified</b>', 'chain not checked'], setting: 'modelProvenance.policy' } };
    const html = lineageHtml(view);
    assert.match(html, /<aside id="notice" role="note"><strong>Two kinds of trust<\/strong><ul><li>signature &#60;b&#62;verified&#60;\/b&#62;<\/li><li>chain not checked<\/li><\/ul><button id="set-policy" data-setting="modelProvenance.policy"/);
    assert.doesNotMatch(lineageHtml({ ...view, notice: undefined }), /id="notice"/);
  });
});
