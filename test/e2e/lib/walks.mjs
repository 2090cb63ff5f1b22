// The UI walks: a person's clicks in the workbench against code-server with the INSTALLED .vsix.
// Every step waits on a condition (never a fixed sleep) with a generous but bounded timeout,
// and takes a screenshot (test-output/e2e/<walk>-NN-<step>.png).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYLESS, MT_VECTORS, OUT } from './env.mjs';
import { launchBrowser, runDir, startCodeServer } from './codeserver.mjs';
import { badge, lenses, pinLanguageStatus, pinnedStatus, problems, untilAll } from './surfaces.mjs';
import { clearNotifications, openFile, openFromExplorer, openWorkbench, recorder, revealInExplorer, runCommand, toast } from './ui.mjs';
import { flipByte, writeUserSettings } from './workspace.mjs';

const VIEWPORT = { width: 1400, height: 900 };

/** Starts code-server with the .vsix installed, opens a page; `fn(page, rec, run)`; always screenshots and stops. */
async function withWorkbench(pre, { vsix, folder, settings, trust, prefix }, fn) {
  const run = runDir(`mp-e2e-${prefix}-`);
  writeUserSettings(run.userDataDir, settings);
  const server = await startCodeServer(pre, { ...run, trust, install: vsix });
  const rec = recorder(OUT, prefix);
  const browser = await launchBrowser(pre, server.env);
  const errors = [];
  let page;
  try {
    page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (e) => errors.push(e.message));
    await openWorkbench(page, server.url, folder);
    rec.lap('workbench and explorer visible');
    await fn(page, rec, { ...run, home: join(run.base, 'home'), settingsFile: join(run.userDataDir, 'User', 'settings.json') });
  } catch (err) {
    if (page) await rec.shot(page, 'FAILED').catch(() => undefined);
    const log = server.log().split('\n').slice(-40).join('\n');
    const ls = page ? await languageServerLog(page).catch((e) => `(could not read it: ${e.message})`) : '';
    err.message += `\n(screenshots: ${rec.shots.join(', ')})\n--- code-server log (tail) ---\n${log}${errors.length ? `\n--- page errors ---\n${errors.join('\n')}` : ''}\n--- Model Provenance Language Server output (tail) ---\n${ls}`;
    throw err;
  } finally {
    await browser.close();
    await server.stop();
  }
  return rec.shots;
}

/** The language server's output channel, as a person opens it to see why (for failure reports). */
async function languageServerLog(page) {
  await page.keyboard.press('Escape');
  await runCommand(page, 'Output: Show Output Channels...');
  const input = page.locator('.quick-input-widget input');
  await input.fill('Model Provenance Language Server');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Model Provenance Language Server' }).first().click();
  const lines = page.locator('.output-view .view-lines, .panel .monaco-editor .view-lines').first();
  await lines.waitFor({ timeout: 10_000 });
  return (await lines.innerText()).split('\n').slice(-40).join('\n');
}

/**
 * Changes user settings the way a person does: Preferences: Open User Settings (JSON), the new
 * text, save, close. (Writing the file behind VS Code's back was not reliably noticed.)
 */
async function setUserSettings(page, settingsFile, changes) {
  const current = JSON.parse(readFileSync(settingsFile, 'utf8'));
  await runCommand(page, 'Preferences: Open User Settings (JSON)');
  // VS Code 1.139 opens it in a modal editor over the workbench (older ones in a tab).
  const modal = page.locator('.monaco-modal-editor-block', { hasText: 'settings.json' });
  const tab = page.locator('.tabs-container .tab.active', { hasText: 'settings.json' });
  await modal.or(tab).first().waitFor({ timeout: 30_000 });
  const inModal = (await modal.count()) > 0;
  await (inModal ? modal.locator('.monaco-editor .view-lines') : page.locator('.editor-group-container.active .monaco-editor .view-lines')).first().click();
  // Pasted, as a person pastes a settings block: typed text would get the editor's auto-closing.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate((t) => navigator.clipboard.writeText(t), `${JSON.stringify({ ...current, ...changes }, null, 2)}\n`);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+V');
  const editor = (inModal ? modal.locator('.monaco-editor .view-lines') : page.locator('.editor-group-container.active .monaco-editor .view-lines')).first();
  await page.keyboard.press('Control+S');
  // On a loaded machine a keypress can be lost while the editor is busy: save again every 5 s until the file says so.
  let resave = Date.now() + 5_000;
  const deadline = Date.now() + 60_000;
  const saved = () => {
    try {
      return JSON.stringify(JSON.parse(readFileSync(settingsFile, 'utf8'))) === JSON.stringify({ ...current, ...changes });
    } catch {
      return false;
    }
  };
  while (!saved()) {
    if (Date.now() > deadline) throw new Error('the user settings were not saved');
    if (Date.now() > resave) {
      await editor.click();
      await page.keyboard.press('Control+S');
      resave = Date.now() + 5_000;
    }
    await page.waitForTimeout(100);
  }
  if (inModal) {
    await modal.locator('a.codicon-close').first().click();
    await modal.waitFor({ state: 'detached', timeout: 15_000 });
  } else await runCommand(page, 'View: Close Editor');
}

/** The quick input (picker or input box) with its title, once visible. */
async function quickInput(page, title) {
  const widget = page.locator('.quick-input-widget', { hasText: title });
  await widget.waitFor({ state: 'visible', timeout: 30_000 });
  return widget;
}

const exact = (t) => new RegExp(`^${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** The quick input whose title is exactly `title`, once visible. */
async function titled(page, title) {
  const widget = page.locator('.quick-input-widget').filter({ has: page.locator('.quick-input-title', { hasText: exact(title) }) });
  await widget.waitFor({ state: 'visible', timeout: 30_000 });
  return widget;
}

/** Waits for the step titled `title`, then types or presses `keys` there ('type:…' types). */
async function answer(page, title, keys) {
  await titled(page, title);
  for (const k of keys) {
    if (k.startsWith('type:')) await page.keyboard.type(k.slice(5));
    else await page.keyboard.press(k);
  }
  // Gone or retitled: the next step, or the end of the flow (a hidden widget keeps its old title).
  await page.locator('.quick-input-widget .quick-input-title', { hasText: exact(title) }).waitFor({ state: 'hidden', timeout: 15_000 }).catch(() => undefined);
}

/**
 * A notification, wherever it is now: toasts hide by themselves after a while (and on Escape),
 * so a message that already left the toasts is looked up in the notification centre.
 */
async function notification(page, text, timeoutMs = 30_000, whileShown = async () => undefined) {
  const t = toast(page, text);
  try {
    await t.waitFor({ timeout: Math.min(timeoutMs, 5_000) });
    const said = (await t.innerText()).replace(/\s+/g, ' ');
    await whileShown();
    return said;
  } catch {
    await runCommand(page, 'Notifications: Show Notifications');
    const item = page.locator('.notifications-center .notification-list-item-message', { hasText: text }).first();
    await item.waitFor({ timeout: timeoutMs });
    const said = (await item.innerText()).replace(/\s+/g, ' ');
    await whileShown();
    await runCommand(page, 'Notifications: Hide Notifications');
    return said;
  }
}

async function quickInputGone(page) {
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
}

/** Reads the language status item of the active editor (click the `{}` entry in the status bar). */
async function languageStatus(page) {
  const entry = page.locator('#status\\.languageStatus');
  await entry.waitFor({ timeout: 15_000 });
  await entry.click();
  const item = page.locator('.monaco-hover .hover-language-status', { hasText: 'Trust:' }).first();
  await item.waitFor({ timeout: 15_000 });
  const text = (await item.innerText()).replace(/\s+/g, ' ');
  await page.keyboard.press('Escape');
  return text;
}

/** Lists a folder's files (recursively, relative), to show that a flow wrote nothing. */
function listing(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  const walk = (d, rel) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${n.name}` : n.name;
      if (n.isDirectory()) walk(join(d, n.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

const VERIFIED_PROD = /^verified: key [0-9a-f]{8}… \(prod\.pub\.pem\)/;

/** The four surfaces of the classifier model, as checks for untilAll. */
function surfaces(page, { lens, problem, status, badgeLetter, badgeTip }) {
  return {
    lens: { read: async () => (await lenses(page)).find((l) => l.endsWith('— verify again') || l.endsWith('— Verify')) ?? '', ok: (v) => lens.test(v) },
    problems: { read: async () => (await problems(page)).join(' | '), ok: (v) => problem.test(v) },
    status: { read: () => pinnedStatus(page), ok: (v) => status.test(v) },
    badge: { read: () => badge(page, 'model.safetensors'), ok: (v) => v.letter === badgeLetter && badgeTip.test(v.tooltip) },
  };
}

/**
 * Walk 1, the main workspace (the user trusts keys/prod.pub.pem): a manifest error (squiggle,
 * Problems, hover); then the live state: a verified model.sig open, one byte of the weights
 * flipped on disk, and the lens, the Problems entry, the language status and the explorer
 * badge all say "modified", then "verified" again once restored (times recorded); then, with
 * model.sig active, Generate Manifest and Attest Model… from the palette act on the model
 * folder, the manifest re-run keeps a person's text, and the model still verifies; finally
 * Escape at every step of Generate Key Pair writes nothing, and a completed run offers to
 * trust the new public key in the user settings.
 */
export function mainWalk(pre, { vsix, ws }) {
  const settings = { 'modelProvenance.trustedKeys': [ws.pub], 'modelProvenance.signingKey': join(ws.root, 'keys', 'prod.pem'), 'security.workspace.trust.enabled': false };
  return withWorkbench(pre, { vsix, folder: ws.root, settings, trust: false, prefix: 'main' }, async (page, { lap, shot }, run) => {
    await openFromExplorer(page, 'models/broken.cdx.json');
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'must be integer' }).first();
    await problem.waitFor({ timeout: 30_000 });
    assert.match(await problem.innerText(), /CDX_TYPE/);
    lap('manifest: error squiggle, Problems lists CDX_TYPE');
    await shot(page, 'manifest-problems');
    const key = page.locator('.monaco-editor .view-line span', { hasText: /^"bomFormat"$/ }).first();
    await key.hover();
    await page.locator('.monaco-hover', { hasText: 'Specifies the format of the BOM' }).first().waitFor({ timeout: 30_000 });
    lap('hover shows the field description');
    await shot(page, 'hover-description');
    await page.keyboard.press('Escape');

    // --- One state, four surfaces.
    await openFile(page, 'models/classifier/model.sig');
    await revealInExplorer(page, 'models/classifier/model.safetensors');
    await pinLanguageStatus(page);
    const verified = surfaces(page, { lens: VERIFIED_PROD, problem: /verified: signed by key [0-9a-f]{8}… \(prod\.pub\.pem\), whom you trust/, status: /^Model signature · verified: key [0-9a-f]{8}… \(prod\.pub\.pem\)$/, badgeLetter: '✓', badgeTip: /^Model Provenance: verified: key [0-9a-f]{8}… \(prod\.pub\.pem\)$/ });
    let r = await untilAll(page, verified, { timeoutMs: 60_000 });
    lap(`verified on all four surfaces: ${JSON.stringify(r.said)}`);
    // Every signed file carries the state, not only the weights (config.json is signed too).
    const config = await untilAll(page, { config: { read: () => badge(page, 'config.json'), ok: (v) => v.letter === '✓' } }, { timeoutMs: 30_000 });
    lap(`config.json badge: ${JSON.stringify(config.said.config)}`);
    await shot(page, 'verified-four-surfaces');

    const weights = join(ws.model, 'model.safetensors');
    let t0 = Date.now();
    const original = flipByte(weights, 40);
    const modified = surfaces(page, {
      lens: /^modified: model\.safetensors differs from the signed digest — verify again$/,
      problem: /model\.safetensors differs from the signed digest/,
      status: /^Model signature · modified: model\.safetensors differs from the signed digest$/,
      badgeLetter: '✗',
      badgeTip: /model\.safetensors differs from the signed digest/,
    });
    r = await untilAll(page, modified, { t0, timeoutMs: 30_000 });
    const toModified = r.at;
    lap(`one byte of model.safetensors flipped on disk: "modified" on lens ${r.at.lens} ms, Problems ${r.at.problems} ms, status ${r.at.status} ms, badge ${r.at.badge} ms after the write`);
    await shot(page, 'modified-four-surfaces');

    t0 = Date.now();
    writeFileSync(weights, original);
    r = await untilAll(page, verified, { t0, timeoutMs: 30_000 });
    const toVerified = r.at;
    lap(`restored: "verified" again on lens ${r.at.lens} ms, Problems ${r.at.problems} ms, status ${r.at.status} ms, badge ${r.at.badge} ms after the write`);
    await shot(page, 'verified-again');
    writeFileSync(join(OUT, 'state-latency.json'), `${JSON.stringify({ toModified, toVerified, at: new Date().toISOString(), note: 'ms from the write on disk until each surface showed the new state (polled every 50 ms by the test)' }, null, 2)}\n`);

    // --- Commands from the palette with model.sig active act on the model folder.
    const manifest = join(ws.root, 'models', 'classifier.cdx.json');
    const bom = JSON.parse(readFileSync(manifest, 'utf8'));
    bom.metadata.component.licenses = [{ license: { id: 'Apache-2.0' } }];
    bom.metadata.component.description = 'Sentiment classifier, written by a person';
    writeFileSync(manifest, `${JSON.stringify(bom, null, 2)}\n`);
    const before = listing(ws.model);
    await clearNotifications(page);
    await runCommand(page, 'Model Provenance: Generate Manifest');
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'classifier.cdx.json already exists' });
    await dialog.waitFor({ timeout: 60_000 });
    lap('Generate Manifest (palette, model.sig active): the manifest beside the folder exists, asks Update or Replace');
    await shot(page, 'manifest-exists-asks');
    await dialog.locator('.monaco-button', { hasText: 'Update (keep my text)' }).click();
    const done = toast(page, /^Manifest of classifier: updated classifier\.cdx\.json/);
    await done.waitFor({ timeout: 60_000 });
    lap(`notification: ${await done.innerText()}`);
    const after = JSON.parse(readFileSync(manifest, 'utf8'));
    assert.deepEqual(after.metadata.component.licenses, [{ license: { id: 'Apache-2.0' } }]);
    assert.equal(after.metadata.component.description, 'Sentiment classifier, written by a person');
    assert.equal(after.version, bom.version + 1);
    await shot(page, 'manifest-updated-text-kept');

    await openFile(page, 'models/classifier/model.sig');
    await clearNotifications(page);
    await runCommand(page, 'Model Provenance: Attest Model…');
    await quickInput(page, 'Attest classifier (1/6): stage');
    await shot(page, 'attest-stage');
    await page.keyboard.type('fine-tuning');
    await page.keyboard.press('Enter');
    await quickInput(page, 'Attest classifier (2/6): run id');
    await page.keyboard.type('run-e2e-1');
    await page.keyboard.press('Enter');
    const base = await quickInput(page, 'Attest classifier (3/6): base model');
    const second = base.locator('.monaco-list-row', { hasText: 'second · pre-training' }).first();
    await second.waitFor({ timeout: 15_000 });
    assert.match((await second.innerText()).replace(/\s+/g, ' '), /second · pre-training ?sha256:[0-9a-f]{12}…/);
    await shot(page, 'attest-base-model-names-and-stages');
    await second.click();
    await quickInput(page, 'Attest classifier (4/6): datasets');
    // One wrong path: the step says why and keeps what was typed.
    await page.keyboard.type('data/missing.jsonl');
    await page.locator('.quick-input-message', { hasText: 'no such file or folder' }).waitFor({ timeout: 15_000 });
    await shot(page, 'attest-dataset-typo-kept');
    assert.equal(await page.locator('.quick-input-widget input').inputValue(), 'data/missing.jsonl');
    await page.locator('.quick-input-widget input').fill('');
    await page.keyboard.press('Enter');
    const attested = toast(page, /^Attested fine-tuning of classifier \(sha256:[0-9a-f]{12}…\), signed by key [0-9a-f]{8}… \(prod\.pem\); stored in the registry \.provenance as sha256:[0-9a-f]{12}…\.$/);
    await attested.waitFor({ timeout: 60_000 });
    lap(`notification: ${await attested.innerText()}`);
    await shot(page, 'attested-what-and-where');
    assert.deepEqual(listing(ws.model), before, 'nothing was written into the signed model folder');
    r = await untilAll(page, { lens: verified.lens, status: verified.status, badge: verified.badge }, { timeoutMs: 30_000 });
    lap(`after Generate Manifest and Attest the model still verifies: ${r.said.lens}`);
    await shot(page, 'still-verified');

    // --- Generate Key Pair: Escape at each step writes nothing.
    const keyFolder = join(run.home, '.model-provenance', 'keys');
    const wsBefore = listing(ws.root);
    const nothingWritten = (step) => {
      assert.deepEqual(listing(keyFolder), [], `Escape at "${step}" wrote into ${keyFolder}`);
      assert.deepEqual(listing(ws.root).filter((f) => !f.startsWith('.provenance/')), wsBefore.filter((f) => !f.startsWith('.provenance/')), `Escape at "${step}" wrote into the workspace`);
    };
    // Each run answers the steps before the one under test, then presses Escape there.
    const flow = [
      ['Generate Key Pair (1/4): name', ['Enter']],
      ['Generate Key Pair (2/4): where', ['Enter']],
      ['Generate Key Pair (3/4): curve', ['Enter']],
      ['Generate Key Pair (4/4): passphrase', ['type:secret', 'Enter']],
      ['Generate Key Pair (4/4): passphrase again', ['Enter']],
    ];
    for (let i = 0; i < flow.length; i++) {
      await runCommand(page, 'Model Provenance: Generate Key Pair');
      for (let j = 0; j < i; j++) await answer(page, flow[j][0], flow[j][1]);
      const title = flow[i][0];
      await titled(page, title);
      await shot(page, `keygen-escape-at-${title.replace(/^.*\): /, '').replace(/\s+/g, '-')}`);
      await page.keyboard.press('Escape');
      await quickInputGone(page);
      nothingWritten(title);
      lap(`Escape at "${title}": nothing written`);
    }
    // Choosing a folder inside the workspace asks first; Escape there writes nothing either.
    await runCommand(page, 'Model Provenance: Generate Key Pair');
    await answer(page, 'Generate Key Pair (1/4): name', ['Enter']);
    const where = await titled(page, 'Generate Key Pair (2/4): where');
    await where.locator('.monaco-list-row', { hasText: 'Choose a folder' }).click();
    // VS Code's own folder picker (a quick input): it fills in a starting folder by itself, so
    // type the path until it stays, then accept it.
    const simple = page.locator('.quick-input-widget input');
    await simple.waitFor({ state: 'visible', timeout: 15_000 });
    const wanted = `${join(ws.root, 'keys')}/`;
    for (let stable = 0, deadline = Date.now() + 20_000; stable < 4; ) {
      if (Date.now() > deadline) throw new Error(`the folder picker would not keep ${wanted}`);
      if ((await simple.inputValue()) === wanted) stable++;
      else {
        stable = 0;
        await simple.fill(wanted);
      }
      await page.waitForTimeout(250);
    }
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'Use this folder' }).first().click();
    const confirm = page.locator('.monaco-dialog-box', { hasText: 'Write the private key inside the workspace' });
    await confirm.waitFor({ timeout: 30_000 });
    await shot(page, 'keygen-inside-workspace-asks');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached', timeout: 15_000 });
    nothingWritten('write inside the workspace?');
    lap('Escape at "write the private key inside the workspace?": nothing written');

    // A completed run: outside the workspace, then the offer to trust the public key (user settings).
    await clearNotifications(page);
    await runCommand(page, 'Model Provenance: Generate Key Pair');
    for (const t of ['(1/4): name', '(2/4): where', '(3/4): curve', '(4/4): passphrase']) await answer(page, `Generate Key Pair ${t}`, ['Enter']);
    const written = toast(page, /^Key pair written: .*signing-key\.pem \(private, mode 0600, NOT encrypted\)/);
    await written.waitFor({ timeout: 60_000 });
    lap(`notification: ${await written.innerText()}`);
    await shot(page, 'keygen-written-offers-trust');
    assert.deepEqual(listing(keyFolder), ['signing-key.pem', 'signing-key.pub.pem']);
    await page.locator('.notifications-toasts .monaco-button', { hasText: 'Trust public key' }).first().click();
    await toast(page, /^Trusted key [0-9a-f]{8}…/).waitFor({ timeout: 30_000 });
    const user = JSON.parse(readFileSync(run.settingsFile, 'utf8'));
    assert.ok(user['modelProvenance.trustedKeys'].includes(join(keyFolder, 'signing-key.pub.pem')), JSON.stringify(user['modelProvenance.trustedKeys']));
    lap('the new public key is in the user settings (modelProvenance.trustedKeys)');
    await shot(page, 'keygen-trusted');
  });
}

/**
 * Walk 2, a first run: nothing is trusted yet. The intact model says "files match, signature
 * not checked" on every surface, a changed file is "modified", and Trust this signer… shows who
 * signed, asks, adds the key to the user settings, and the model then shows verified.
 */
export function firstRunWalk(pre, { vsix, ws }) {
  const settings = { 'security.workspace.trust.enabled': false };
  return withWorkbench(pre, { vsix, folder: ws.root, settings, trust: false, prefix: 'first-run' }, async (page, { lap, shot }, run) => {
    await openFile(page, 'models/classifier/model.sig');
    await revealInExplorer(page, 'models/classifier/model.safetensors');
    await page.keyboard.press('Control+Shift+M');
    await pinLanguageStatus(page);
    const intact = surfaces(page, {
      lens: /^files match, signature not checked: no trusted signer configured — verify again$/,
      problem: /^(?=.*2 of 2 files match the signed digests \(signature not checked)(?=.*signature not checked: no trusted signer configured \(signed by key [0-9a-f]{8}…\) model-provenance TRUST_NOT_CONFIGURED)/,
      status: /^Model signature · files match, signature not checked: no trusted signer configured$/,
      badgeLetter: '?',
      badgeTip: /2 of 2 files match the signed digests; signature not checked: no trusted signer configured/,
    });
    let r = await untilAll(page, intact, { timeoutMs: 60_000 });
    lap(`no trust configured, intact model: ${JSON.stringify(r.said)}`);
    await page.locator('.codelens-decoration a', { hasText: /^Trust this signer…$/ }).first().waitFor({ timeout: 30_000 });
    lap(`first-run notification: ${await notification(page, /^2 of 2 files match the signed digests, but the signature was not checked: no trusted signer is configured\. Signed by key [0-9a-f]{8}…\.$/)}`);
    await shot(page, 'files-match-signature-not-checked');

    const weights = join(ws.model, 'model.safetensors');
    const original = flipByte(weights, 40);
    r = await untilAll(page, surfaces(page, { lens: /^modified: model\.safetensors differs from the signed digest/, problem: /model\.safetensors differs from the signed digest/, status: /· modified: model\.safetensors/, badgeLetter: '✗', badgeTip: /differs from the signed digest/ }), { timeoutMs: 30_000 });
    lap(`a changed file with no trust is still reported: ${r.said.lens}`);
    await shot(page, 'changed-file-modified');
    writeFileSync(weights, original);
    await untilAll(page, intact, { timeoutMs: 30_000 });

    await clearNotifications(page);
    await page.locator('.codelens-decoration a', { hasText: /^Trust this signer…$/ }).first().click();
    const ask = page.locator('.monaco-dialog-box', { hasText: /Trust key [0-9a-f]{8}…\?/ });
    await ask.waitFor({ timeout: 30_000 });
    const text = (await ask.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Public key fingerprint .* [0-9a-f]{64} From: .*keys\/prod\.pub\.pem/);
    assert.match(text, /USER settings \(modelProvenance\.trustedKeys\)/);
    lap(`Trust this signer… asks: ${text.slice(0, 200)}…`);
    await shot(page, 'trust-this-signer-asks');
    await ask.locator('.monaco-button', { hasText: /^Trust$/ }).click();
    r = await untilAll(page, surfaces(page, { lens: /^verified: key [0-9a-f]{8}… \(prod\.pub\.pem\) — verify again$/, problem: /verified: signed by key/, status: /· verified: key/, badgeLetter: '✓', badgeTip: /verified/ }), { timeoutMs: 60_000 });
    lap(`after confirming: ${r.said.lens}`);
    const user = JSON.parse(readFileSync(run.settingsFile, 'utf8'));
    assert.equal(user['modelProvenance.trustedKeys']?.length, 1, JSON.stringify(user));
    assert.match(user['modelProvenance.trustedKeys'][0], /trusted-keys\/[0-9a-f]{16}\/prod\.pub\.pem$/);
    assert.ok(!existsSync(join(ws.root, '.vscode', 'settings.json')), 'nothing written to the workspace settings');
    await shot(page, 'trusted-now-verified');
  });
}

/**
 * Walk 3, the model-transparency vectors opened in place: keyless verified with the right
 * identity and issuer, certificate verified with the anchor; a wrong identity says why; a CA
 * certificate put in trustedKeys gets a warning saying where it belongs.
 */
export function vectorsWalk(pre, { vsix }) {
  const ca = join(MT_VECTORS, 'keys', 'certificate', 'ca-cert.pem');
  const settings = {
    'modelProvenance.trustedIdentities': [KEYLESS],
    'modelProvenance.certificateAnchors': [ca],
    'security.workspace.trust.enabled': false,
  };
  return withWorkbench(pre, { vsix, folder: MT_VECTORS, settings, trust: false, prefix: 'vectors' }, async (page, { lap, shot }, run) => {
    await page.keyboard.press('Control+Shift+M');
    await openFile(page, 'v1.1.0-sigstore/model.sig');
    const keylessLens = `verified: keyless identity ${KEYLESS.identity} via ${KEYLESS.issuer} — verify again`;
    await page.locator('.codelens-decoration a', { hasText: keylessLens }).first().waitFor({ timeout: 60_000 });
    lap(`keyless vector: "${keylessLens}"`);
    await shot(page, 'keyless-verified');
    await openFile(page, 'v1.1.0-certificate/model.sig');
    const certLens = 'verified: certificate CN=intermediate-ca issued by CN=intermediate-ca — verify again';
    await page.locator('.codelens-decoration a', { hasText: certLens }).first().waitFor({ timeout: 60_000 });
    lap(`certificate vector: "${certLens}"`);
    await shot(page, 'certificate-verified');

    await setUserSettings(page, run.settingsFile, { 'modelProvenance.trustedIdentities': [{ identity: 'someone-else@example.com', issuer: KEYLESS.issuer }] });
    await openFile(page, 'v1.1.0-sigstore/model.sig');
    const why = page.locator('.markers-panel .monaco-list-row', { hasText: `signed by keyless identity ${KEYLESS.identity} via ${KEYLESS.issuer}, which is not among your 1 trusted identity` }).first();
    await why.waitFor({ timeout: 60_000 });
    assert.match(await why.innerText(), /IDENTITY_MISMATCH/);
    await page.locator('.codelens-decoration a', { hasText: `files match, signer not trusted: keyless identity ${KEYLESS.identity}` }).first().waitFor({ timeout: 30_000 });
    lap(`wrong identity: ${(await why.innerText()).replace(/\s+/g, ' ')}`);
    await shot(page, 'keyless-wrong-identity-says-why');

    await clearNotifications(page);
    await setUserSettings(page, run.settingsFile, { 'modelProvenance.certificateAnchors': [], 'modelProvenance.trustedKeys': [ca] });
    await openFile(page, 'v1.1.0-certificate/model.sig');
    // (VS Code repaints a shown-again tab's old lens titles until the server answers: wait for the answer.)
    await page.locator('.codelens-decoration a', { hasText: 'files match, signature not checked: no trusted signer configured' }).first().waitFor({ timeout: 30_000 });
    const warning = await notification(page, /ca-cert\.pem in modelProvenance\.trustedKeys: is a CA certificate \(CN=root-ca\), not a signing key.*it belongs in modelProvenance\.certificateAnchors/, 60_000, () => shot(page, 'ca-in-trusted-keys-warning'));
    lap(`CA certificate in trustedKeys: ${warning}`);
    const entry = page.locator('.markers-panel .monaco-list-row', { hasText: 'ca-cert.pem in modelProvenance.trustedKeys is a CA certificate: it belongs in modelProvenance.certificateAnchors' }).first();
    await entry.waitFor({ timeout: 30_000 });
    lap(`Problems: ${(await entry.innerText()).replace(/\s+/g, ' ')}`);
    const status = await languageStatus(page);
    assert.match(status, /it belongs in modelProvenance\.certificateAnchors/);
    await shot(page, 'ca-in-trusted-keys-problems-and-status');
  });
}

/**
 * The hostile repository: its .vscode/settings.json trusts the attacker's key, which signed its
 * model, and (with the vectors at hand) the keyless identity and the CA of the two other models
 * it ships. Opened untrusted (Restricted Mode, the default for a new folder): none of them
 * verifies, and the language status says trust came from user settings only. Then the user
 * trusts the folder, in the same window: they verify, which shows the difference is workspace
 * trust and nothing else.
 */
export function hostileWalk(pre, { vsix, ws }) {
  const settings = { 'modelProvenance.trustedKeys': [ws.userPub], 'security.workspace.trust.enabled': true };
  return withWorkbench(pre, { vsix, folder: ws.root, settings, trust: true, prefix: 'hostile' }, async (page, { lap, shot }) => {
    const restricted = page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first();
    await restricted.waitFor({ timeout: 30_000 });
    lap('folder opened in Restricted Mode (not trusted)');
    await page.keyboard.press('Control+Shift+M');
    for (const trusted of [false, true]) {
      const when = trusted ? 'trusted' : 'untrusted';
      if (trusted) {
        await restricted.click();
        const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust( Folder)?$/ }).first();
        await trust.waitFor({ timeout: 30_000 });
        await shot(page, 'trust-editor');
        await trust.click();
        await restricted.waitFor({ state: 'detached', timeout: 30_000 });
        lap('the user trusted the folder');
        // In 1.139 the Workspace Trust editor is a modal editor over the workbench: close it.
        const modal = page.locator('.monaco-modal-editor-block');
        if (await modal.count()) {
          await modal.locator('a.codicon-close').first().click();
          await modal.waitFor({ state: 'detached', timeout: 10_000 });
        }
        await clearNotifications(page);
      }
      await openFile(page, 'models/backdoored/model.sig');
      const expected = trusted ? /^verified: key [0-9a-f]{8}… \(attacker\.pub\.pem\) — verify again$/ : /^files match, signer not trusted: key [0-9a-f]{8}… — verify again$/;
      const lens = page.locator('.codelens-decoration a', { hasText: expected }).first();
      await lens.waitFor({ timeout: 60_000 });
      await lens.click();
      const verdict = toast(page, /^Model (NOT )?verified/);
      await verdict.waitFor({ timeout: 60_000 });
      const text = await verdict.innerText();
      lap(`${when}: notification: ${text}`);
      const rows = await problems(page);
      if (rows.length) lap(`${when}: Problems: ${rows.join(' | ')}`);
      await shot(page, trusted ? 'trusted-verified' : 'untrusted-not-verified');
      const status = await languageStatus(page);
      lap(`${when}: language status: ${status}`);
      await shot(page, `${when}-language-status`);
      const counts = ws.keylessSig ? (trusted ? '1 key, 1 certificate anchor, 1 keyless identity' : '1 key, 0 certificate anchors, 0 keyless identities') : '1 key';
      if (trusted) {
        // The repository's own setting counts once the user trusts it: the attacker's key verifies.
        assert.match(text, /^Model verified — verified: key [0-9a-f]{8}… \(attacker\.pub\.pem\)$/);
        assert.match(status, new RegExp(`Trust: user and workspace settings \\(trusted workspace\\) \\(${counts}`));
      } else {
        assert.match(text, /^Model NOT verified — files match, signer not trusted: key [0-9a-f]{8}…$/);
        assert.match(status, new RegExp(`Trust: user settings only \\(untrusted workspace\\) \\(${counts}`));
        assert.doesNotMatch(status, /verified: key/);
        assert.equal(await toast(page, /^Model verified/).count(), 0, 'no "Model verified" notification at all');
      }
      if (!ws.keylessSig) continue;
      // The keyless and the certificate model: the repository's identity and CA count only once trusted.
      for (const [path, ok] of [['models/keyless/model.sig', `verified: keyless identity ${KEYLESS.identity} via ${KEYLESS.issuer} — verify again`], ['models/certified/model.sig', 'verified: certificate CN=intermediate-ca issued by CN=intermediate-ca — verify again']]) {
        await openFile(page, path);
        const want = trusted ? ok : 'files match, signature not checked: no trusted signer configured — verify again';
        await page.locator('.codelens-decoration a', { hasText: want }).first().waitFor({ timeout: 60_000 });
        lap(`${when}: ${path}: "${want}"`);
        await shot(page, `${when}-${path.split('/')[1]}`);
      }
    }
  });
}

/**
 * The frame of a webview whose document matches `ready` (VS Code nests the content in two
 * iframes: the host frame and #active-frame). Polled on a condition, never slept.
 */
async function webviewFrame(page, ready, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      const ok = await f.evaluate(ready).catch(() => false);
      if (ok) return f;
    }
    if (Date.now() > deadline) throw new Error('the webview did not appear');
    await page.waitForTimeout(250);
  }
}

/** The text of the active editor's visible lines (the one with focus, in a diff editor). */
async function editorText(page, selector = '.editor-instance .monaco-editor') {
  return (await page.locator(`${selector} .view-lines`).first().innerText()).replace(/\u00a0/g, ' ');
}

/**
 * Walk 5, pull-request review (issue 14), in a git repository with two commits (the second
 * changed one weight of models/classifier, added tokenizer.json, re-signed and re-attested):
 * Show Lineage draws the four-stage pipeline as a graph in a webview and a click on a stage
 * opens its attestation's decoded payload; Compare Signed Contents… on model.sig (changed in
 * the last commit) opens the diff editor on the decoded documents with the old and new digest
 * of the changed weight side by side; after a new uncommitted re-sign, the Source Control
 * view's diff of model.sig has a git: side, and Open Decoded Payload works on it.
 */
/** Waits in the review walk: the box is shared by several engineers' test runs (load average above 20 was seen). */
const SLOW = 120_000;

/** Go to File with the generous waits of the review walk (openFile's, longer). */
async function openSlowly(page, path) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: SLOW });
  await input.fill(path);
  const [folder, name] = path.split('/').slice(-2);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).filter({ hasText: folder }).first().click({ timeout: SLOW });
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: SLOW });
  await page.locator('.breadcrumbs-control', { hasText: folder }).first().waitFor({ timeout: SLOW });
}

/** A command from the palette (F1) by its title, with the review walk's waits. */
async function commandSlowly(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: SLOW });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: SLOW });
  await page.keyboard.press('Enter');
}

export function reviewWalk(pre, { vsix, ws }) {
  const settings = {
    'modelProvenance.trustedKeys': [ws.pub],
    'modelProvenance.policy': ws.policy,
    'security.workspace.trust.enabled': false,
    'git.enabled': true,
    'git.autofetch': false,
    'git.openRepositoryInParentFolders': 'always',
    'diffEditor.hideUnchangedRegions.enabled': true,
    'diffEditor.renderSideBySide': true,
    'diffEditor.useInlineViewWhenSpaceIsLimited': false,
  };
  return withWorkbench(pre, { vsix, folder: ws.root, settings, trust: false, prefix: 'review' }, async (page, { lap, shot }) => {
    // --- Show Lineage: a graph, drawn by core/render in a webview.
    await openSlowly(page, 'models/classifier/model.sig');
    await commandSlowly(page, 'Model Provenance: Show Lineage');
    const frame = await webviewFrame(page, () => document.body?.dataset.ready === 'true' && document.querySelectorAll('svg g.node').length > 0, 90_000);
    const drawn = await frame.evaluate(() => ({
      nodes: [...document.querySelectorAll('svg g.node')].map((g) => ({ text: g.textContent.replace(/\s+/g, ' ').trim(), status: g.getAttribute('data-status'), kind: g.getAttribute('class') })),
      edges: document.querySelectorAll('svg g.edge').length,
      verdict: document.querySelector('.verdict')?.textContent,
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
      zoom: document.body.dataset.zoom,
    }));
    assert.equal(drawn.verdict, '✔ chain verified');
    for (const stage of ['pre-training', 'fine-tuning', 'quantization', 'conversion']) assert.ok(drawn.nodes.some((n) => n.text.includes(stage)), `no ${stage} node: ${JSON.stringify(drawn.nodes)}`);
    assert.equal(drawn.nodes.filter((n) => /\bdataset\b/.test(n.kind)).length, 2);
    assert.ok(drawn.nodes.every((n) => n.status === 'verified'), JSON.stringify(drawn.nodes));
    assert.equal(drawn.edges, 5);
    assert.match(drawn.csp, /^default-src 'none'; img-src data:; style-src 'nonce-[^']+'; script-src 'nonce-[^']+'/);
    lap(`lineage webview: ${drawn.nodes.length} nodes, ${drawn.edges} edges, ${drawn.verdict}, zoom ${drawn.zoom}%`);
    await shot(page, 'lineage-graph');

    // Zoom in with the toolbar, then fit again: the view answers.
    await frame.locator('#in').click();
    await frame.waitForFunction((z) => document.body.dataset.zoom !== z, drawn.zoom, { timeout: SLOW });
    await frame.locator('#fit').click();
    await frame.waitForFunction((z) => document.body.dataset.zoom === z, drawn.zoom, { timeout: SLOW });

    // A click on the fine-tuning stage opens its attestation's decoded payload.
    await frame.locator('svg g.node', { hasText: 'fine-tuning' }).first().click();
    await page.locator('.tabs-container .tab', { hasText: /^fine-tuning-[0-9a-f]{12}\.payload\.json/ }).first().waitFor({ timeout: SLOW });
    await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: '"learning_rate"' }).first().waitFor({ timeout: SLOW });
    const payload = await editorText(page);
    assert.match(payload, /"stage": "fine-tuning"/);
    lap('clicked the fine-tuning node: its attestation payload opened beside the graph');
    await shot(page, 'lineage-node-opens-payload');
    await commandSlowly(page, 'View: Close All Editors');

    // --- Compare Signed Contents… on model.sig, changed in the last commit.
    await openSlowly(page, 'models/classifier/model.sig');
        await commandSlowly(page, 'Model Provenance: Compare Signed Contents…');
    const pickRow = page.locator('.quick-input-list .monaco-list-row', { hasText: ws.first.slice(0, 8) }).first();
    await pickRow.waitFor({ timeout: SLOW });
    assert.match(await pickRow.innerText(), /re-export after the tokenizer fix/);
    await shot(page, 'compare-pick-revision');
    await page.keyboard.press('Enter');
    const diff = page.locator('.monaco-diff-editor').first();
    await diff.waitFor({ timeout: SLOW });
    await page.locator('.tabs-container .tab.active', { hasText: '(decoded)' }).waitFor({ timeout: SLOW });
    const original = diff.locator('.editor.original .view-lines');
    const modified = diff.locator('.editor.modified .view-lines');
    await original.filter({ hasText: ws.oldDigest }).waitFor({ timeout: SLOW });
    await modified.filter({ hasText: ws.newDigest }).waitFor({ timeout: SLOW });
    const left = await original.innerText();
    const right = await modified.innerText();
    assert.ok(!left.includes(ws.newDigest) && !right.includes(ws.oldDigest), 'each side shows its own digest');
    assert.match(right, /"tokenizer\.json"/);
    assert.ok((await diff.locator('.editor.modified .line-insert, .editor.modified .char-insert').count()) > 0, 'the diff editor marks the changes');
    lap(`Compare Signed Contents: decoded diff, model.safetensors ${ws.oldDigest.slice(0, 12)}… ↔ ${ws.newDigest.slice(0, 12)}…, tokenizer.json added`);
    await shot(page, 'compare-decoded-diff');
    await commandSlowly(page, 'View: Close All Editors');

    // --- Open Decoded Payload on the git side of a diff (the Source Control view's diff of model.sig).
    const before = readFileSync(ws.sig, 'utf8');
    const weights = readFileSync(join(ws.model, 'model.safetensors'));
    weights[weights.length - 1] ^= 0xff;
    writeFileSync(join(ws.model, 'model.safetensors'), weights);
    ws.resign();
    assert.notEqual(readFileSync(ws.sig, 'utf8'), before);
    // The activity bar's Source Control item (its pending-changes badge sits on top: click the item).
    await page.locator('.activitybar .action-item').filter({ has: page.locator('a[aria-label^="Source Control"]') }).first().click({ timeout: SLOW, force: true });
    const change = page.locator('.scm-view .monaco-list-row', { hasText: 'model.sig' }).first();
    await change.waitFor({ timeout: 90_000 });
    await change.click();
    const scmDiff = page.locator('.monaco-diff-editor').first();
    await scmDiff.waitFor({ timeout: SLOW });
    await scmDiff.locator('.editor.original .view-lines').click();
    await commandSlowly(page, 'Model Provenance: Open Decoded Payload');
    await page.locator('.tabs-container .tab', { hasText: /^model\.sig@[^.]+\.payload\.json/ }).first().waitFor({ timeout: SLOW });
    await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: '"resources"' }).first().waitFor({ timeout: SLOW });
    const gitPayload = (await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: '"resources"' }).first().innerText()).replace(/\u00a0/g, ' ');
    assert.match(gitPayload, /"predicateType": "https:\/\/model_signing\/signature\/v1\.0"/);
    // The git side's payload: the committed weights' digest, not the re-signed working tree's.
    assert.ok(gitPayload.includes(ws.newDigest.slice(0, 24)), 'the payload of the git side lists the committed model.safetensors digest');
    const payloadTab = await page.locator('.tabs-container .tab', { hasText: /^model\.sig@[^.]+\.payload\.json/ }).first().getAttribute('data-resource-name');
    lap(`Open Decoded Payload on the git side of the Source Control diff: ${payloadTab}, model.safetensors ${ws.newDigest.slice(0, 12)}… as committed`);
    await shot(page, 'git-side-decoded-payload');

    // The Source Control view's context menu offers Compare Signed Contents… on the same resource.
    await change.click({ button: 'right' });
    const item = page.locator('.context-view .action-item', { hasText: 'Compare Signed Contents…' }).first();
    await item.waitFor({ timeout: SLOW });
    await shot(page, 'scm-context-menu');
    await item.click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'HEAD' }).first().waitFor({ timeout: SLOW });
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: '(decoded)' }).waitFor({ timeout: SLOW });
    lap('SCM context menu: Compare Signed Contents… against HEAD opened the decoded diff');
    await shot(page, 'scm-compare-head');
  });
}

/**
 * Walk 6, incident in the editor (issue 14 Build 3, issue 9's advisory leftover): the four-stage
 * pipeline with a policy whose advisorySigners is the security team. With the ML-BOM open, the
 * security team flags the sft dataset with the CLI: the dataset's references turn red (Problems,
 * squiggle) with the gate's code, the hover shows the advisory (id, status, statement, signer);
 * the fine-tuning attestation that consumed it is red too; the descendant classifier's model.sig
 * is "not verified [FLAGGED_ARTIFACT]" on the lens, Problems, language status and badge; Show
 * Impact (its lens) draws the affected models in the locked-down webview, and a click on a node
 * opens the attestation that produced it.
 */
export function incidentWalk(pre, { vsix, ws }) {
  const settings = { 'modelProvenance.trustedKeys': [ws.pub], 'modelProvenance.policy': ws.policy, 'security.workspace.trust.enabled': false };
  return withWorkbench(pre, { vsix, folder: ws.root, settings, trust: false, prefix: 'incident' }, async (page, { lap, shot }) => {
    await openSlowly(page, 'manifests/classifier.cdx.json');
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel').first().waitFor({ timeout: SLOW });
    const before = await problems(page);
    assert.ok(!before.some((r) => /FLAGGED_ARTIFACT/.test(r)), before.join(' | '));
    await shot(page, 'bom-before-flag');

    // The security team flags the dataset (a signed OpenVEX advisory in the registry), with the editor open.
    const t0 = Date.now();
    const out = ws.flagDataset();
    const id = /(MP-\d{4}-\d{4})/.exec(out)?.[1];
    assert.ok(id, out);
    const bomRow = page.locator('.markers-panel .monaco-list-row', { hasText: `dataset sft sha256:${ws.sftHex} is flagged by advisory ${id} (high, AML.T0020): poisoned upstream: trigger phrase` }).first();
    await bomRow.waitFor({ timeout: SLOW });
    assert.match(await bomRow.innerText(), /FLAGGED_ARTIFACT/);
    lap(`${id} written by the CLI: the ML-BOM's references to sft are errors (FLAGGED_ARTIFACT) ${Date.now() - t0} ms later`);
    await shot(page, 'bom-references-red');

    // The hover on the flagged hash: the advisory, its status, statement, signer and a Show Impact link.
    // Go to the first error (F8: the flagged hash), so that its line is drawn, then point at it.
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('F8');
    await page.keyboard.press('Escape');
    await page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ timeout: SLOW });
    await shot(page, 'bom-flagged-hash-squiggle');
    const hash = page.locator('.editor-instance .monaco-editor .view-line span', { hasText: ws.sftHex.slice(0, 24) }).first();
    await hash.waitFor({ timeout: SLOW });
    // The hover's own part (the diagnostic's part above it also names the advisory, in lower case).
    // Pointing at it, and (a loaded machine can lose a mouse hover) asking for it from the keyboard
    // at the cursor F8 left on the hash, until it shows.
    const ours = page.locator('.monaco-hover', { hasText: 'affected (in force)' }).first();
    const deadline = Date.now() + SLOW;
    for (let i = 0; !(await ours.isVisible().catch(() => false)); i++) {
      if (Date.now() > deadline) throw new Error('the hover with the advisory did not show');
      if (i % 2 === 0) await hash.hover();
      else {
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
      }
      await ours.waitFor({ timeout: 10_000 }).catch(() => undefined);
    }
    const h = (await page.locator('.monaco-hover').allInnerTexts()).join(' ').replace(/\s+/g, ' ');
    assert.match(h, new RegExp(`Advisory ${id} — affected`));
    assert.match(h, /affected \(in force\) · severity high · ATLAS AML\.T0020/);
    assert.match(h, /statement: poisoned upstream: trigger phrase/);
    assert.match(h, /signed by security \(the policy's advisorySigners\) at \d{4}-/);
    assert.match(h, /Show Impact of sha256:/);
    lap(`hover: ${h.slice(0, 200)}`);
    await shot(page, 'hover-advisory');
    await page.keyboard.press('Escape');

    // The attestation that consumed the dataset.
    await openSlowly(page, 'attestations/fine-tuning.sigstore.json');
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'fine-tuning.sigstore.json' }).first().waitFor({ timeout: SLOW });
    await page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ timeout: SLOW });
    lap('the fine-tuning attestation: FLAGGED_ARTIFACT on its payload');
    await shot(page, 'attestation-red');
    await commandSlowly(page, 'View: Close All Editors');

    // The descendant's model.sig: not verified, with the code, on all four surfaces.
    await openSlowly(page, 'models/classifier/model.sig');
    await revealInExplorer(page, 'models/classifier/model.safetensors');
    await pinLanguageStatus(page);
    const headline = new RegExp(`^not verified \\[FLAGGED_ARTIFACT\\]: derived from a flagged artifact \\(advisory ${id}\\)`);
    const r = await untilAll(
      page,
      {
        lens: { read: async () => (await lenses(page)).find((l) => l.endsWith('— verify again')) ?? '', ok: (v) => headline.test(v) },
        problems: { read: async () => (await problems(page)).join(' | '), ok: (v) => /the signed model classifier sha256:[0-9a-f]{64} derives from sft sha256:[0-9a-f]{64} \(3 stages down\), flagged by advisory/.test(v) },
        status: { read: () => pinnedStatus(page), ok: (v) => new RegExp(`^Model signature · ${headline.source.slice(1)}`).test(v) },
        badge: { read: () => badge(page, 'model.safetensors'), ok: (v) => v.letter === '!' && /not verified \[FLAGGED_ARTIFACT\]/.test(v.tooltip) },
      },
      { timeoutMs: SLOW },
    );
    lap(`model.sig of the descendant: ${JSON.stringify(r.said)}`);
    await shot(page, 'descendant-not-verified-four-surfaces');

    // Show Impact from the lens: the blast radius in the lineage view's locked-down webview (the panel closed, for room).
    await commandSlowly(page, 'View: Hide Panel');
    await page.locator('.codelens-decoration a', { hasText: 'Show Impact' }).first().click({ timeout: SLOW });
    const frame = await webviewFrame(page, () => document.body?.dataset.ready === 'true' && document.querySelectorAll('svg g.node').length > 0 && /^Impact of/.test(document.querySelector('h1')?.textContent ?? ''), 90_000);
    const drawn = await frame.evaluate(() => ({
      heading: document.querySelector('h1')?.textContent,
      verdict: document.querySelector('.verdict')?.textContent,
      nodes: [...document.querySelectorAll('svg g.node')].map((g) => ({ text: g.textContent.replace(/\s+/g, ' ').trim(), status: g.getAttribute('data-status') })),
      sections: [...document.querySelectorAll('section.extra')].map((s) => s.textContent.replace(/\s+/g, ' ').trim()),
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
      reveal: !!document.getElementById('reveal'),
    }));
    assert.equal(drawn.reveal, false);
    assert.match(drawn.heading, /^Impact of sft \(sha256:/);
    assert.equal(drawn.verdict, `⚑ flagged: ${id} · 3 affected`);
    const status = (name) => drawn.nodes.find((n) => n.text.startsWith(name) || n.text.includes(` ${name} `))?.status;
    assert.equal(status('sft'), 'flagged', JSON.stringify(drawn.nodes));
    for (const name of ['ft', 'quantized', 'classifier']) assert.equal(status(name), 'affected', `${name}: ${JSON.stringify(drawn.nodes)}`);
    assert.ok(drawn.sections.some((s) => /^Rollback candidates/.test(s)), JSON.stringify(drawn.sections));
    assert.match(drawn.csp, /^default-src 'none'; img-src data:; style-src 'nonce-[^']+'; script-src 'nonce-[^']+'/);
    lap(`Show Impact: ${drawn.nodes.map((n) => `${n.text.split(' ')[0]}=${n.status}`).join(', ')}; ${drawn.sections.join(' / ').slice(0, 300)}`);
    await shot(page, 'impact-graph');

    // Fit the whole radius in view, then a click on the classifier opens the attestation that produced it.
    await frame.locator('#fit').click();
    await frame.locator('svg g.node[data-status="affected"]', { hasText: 'classifier' }).first().click();
    await page.locator('.tabs-container .tab', { hasText: /^conversion-[0-9a-f]{12}\.payload\.json/ }).first().waitFor({ timeout: SLOW });
    await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: '"conversion"' }).first().waitFor({ timeout: SLOW });
    lap('clicked the classifier node: the conversion attestation payload opened');
    await shot(page, 'impact-node-opens-payload');
  });
}
