// The UI walks: a person's clicks in the workbench against code-server with the INSTALLED .vsix.
// Every step waits on a condition (never a fixed sleep) with a generous but bounded timeout,
// and takes a screenshot (test-output/e2e/<walk>-NN-<step>.png).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYLESS, MT_VECTORS, OUT } from './env.mjs';
import { launchBrowser, runDir, startCodeServer } from './codeserver.mjs';
import { badge, lenses, paintedLenses, pinLanguageStatus, pinnedStatus, pinnedStatusWithSeverity, problems, untilAll } from './surfaces.mjs';
import { clearNotifications, commandOnActive, openFile, openFromExplorer, openWorkbench, recorder, revealInExplorer, runCommand, toast } from './ui.mjs';
import { flipByte, makeOtherCa, writeUserSettings } from './workspace.mjs';

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
  const editor = (inModal ? modal.locator('.monaco-editor .view-lines') : page.locator('.editor-group-container.active .monaco-editor .view-lines')).first();
  const pasteAndSave = async () => {
    await page.evaluate((t) => navigator.clipboard.writeText(t), `${JSON.stringify({ ...current, ...changes }, null, 2)}\n`);
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+V');
    await page.keyboard.press('Control+S');
  };
  await pasteAndSave();
  // On a loaded machine a keypress can be lost while the editor is busy (a paste into nothing, a
  // save not done): paste and save again every 5 s until the file holds the changes. Only the
  // changed keys are compared: VS Code may write keys of its own meanwhile.
  let resave = Date.now() + 5_000;
  const deadline = Date.now() + 60_000;
  const saved = () => {
    try {
      const now = JSON.parse(readFileSync(settingsFile, 'utf8'));
      return Object.entries(changes).every(([k, v]) => JSON.stringify(now[k]) === JSON.stringify(v));
    } catch {
      return false;
    }
  };
  while (!saved()) {
    if (Date.now() > deadline) throw new Error(`the user settings were not saved; the file holds: ${readFileSync(settingsFile, 'utf8').slice(0, 600)}`);
    if (Date.now() > resave) {
      await editor.click();
      await pasteAndSave();
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

/**
 * The four surfaces of the classifier model, as checks for untilAll. `severity` (when given) is
 * the pinned language status entry's as VS Code draws it ('information', 'warning', 'error').
 */
function surfaces(page, { lens, problem, status, severity, badgeLetter, badgeTip }) {
  return {
    lens: { read: async () => (await lenses(page)).find((l) => l.endsWith('— verify again') || l.endsWith('— Verify')) ?? '', ok: (v) => lens.test(v) },
    problems: { read: async () => (await problems(page)).join(' | '), ok: (v) => problem.test(v) },
    status: { read: () => pinnedStatusWithSeverity(page), ok: (v) => status.test(v.text) && (!severity || v.severity === severity) },
    badge: { read: () => badge(page, 'model.safetensors'), ok: (v) => v.letter === badgeLetter && badgeTip.test(v.tooltip) },
  };
}

/** Issue 9: "within 2 s of a weight file changing, every surface says modified" (and verified once restored). */
const STATE_CONTRACT_MS = 2_000;

/** Asserts that every surface took the new state within the contract (`at`: ms per surface from untilAll). */
function withinContract(what, at) {
  const late = Object.entries(at).filter(([, ms]) => ms > STATE_CONTRACT_MS);
  assert.deepEqual(late, [], `"${what}" took longer than ${STATE_CONTRACT_MS} ms after the write on: ${late.map(([n, ms]) => `${n} ${ms} ms`).join(', ')}`);
}

/** What a surface must never show once the model is modified: the old "verified". */
const STALE_VERIFIED = {
  lens: (v) => /^verified/.test(v),
  problems: (v) => /verified: signed by/.test(v),
  status: (v) => /^Model signature · verified/.test(v.text),
  badge: (v) => v.letter === '✓',
};
/** …and once it is restored: the old "modified". */
const STALE_MODIFIED = {
  lens: (v) => /^modified/.test(v),
  problems: (v) => /differs from the signed digest/.test(v),
  status: (v) => /^Model signature · modified/.test(v.text),
  badge: (v) => v.letter === '✗',
};

/**
 * Switches to the editor tab `other` and back to `back` as a person does (a click on the tab),
 * then proves the model's surfaces never showed the previous state: every 50 ms for 3 s after
 * the switch back, no surface may match `stale`, nor any painted lens title (a re-shown editor
 * repaints VS Code's cached titles until it has fetched the current ones), and all four
 * must then say `want`, and keep saying it. While the other tab is active, the explorer badge
 * and the Problems entry (which do not depend on the active editor) must already say `want`.
 * A screenshot on the other tab and one after coming back.
 */
async function tabSwitch(page, { other, back, want, stale, lap, shot, name }) {
  const tab = (t) => page.locator('.tabs-container .tab', { hasText: t }).first();
  await tab(other).click();
  await page.locator('.tabs-container .tab.active', { hasText: other }).waitFor({ timeout: 30_000 });
  const away = await untilAll(page, { problems: want.problems, badge: want.badge }, { timeoutMs: 15_000 });
  lap(`${name}: on the ${other} tab, Problems and badge still say it: ${JSON.stringify(away.said)}`);
  await shot(page, `${name}-other-tab`);
  await tab(back).click();
  await page.locator('.tabs-container .tab.active', { hasText: back }).waitFor({ timeout: 30_000 });
  const t0 = Date.now();
  const seen = [];
  while (Date.now() - t0 < 3_000) {
    for (const [surface, check] of Object.entries(want)) {
      const v = await check.read();
      if (stale[surface](v)) seen.push(`${surface} at ${Date.now() - t0} ms: ${JSON.stringify(v)}`);
    }
    // Every painted lens title, the ones VS Code repaints from its cache included.
    for (const l of await paintedLenses(page)) if (stale.lens(l.text)) seen.push(`lens title${l.live ? '' : ' (cached)'} at ${Date.now() - t0} ms: ${l.text}`);
    await page.waitForTimeout(50);
  }
  assert.deepEqual(seen, [], `after switching back to ${back}, a surface showed the previous (stale) state`);
  const r = await untilAll(page, want, { timeoutMs: 15_000 });
  // And it stays: one more second of samples, every one in the new state.
  for (const until = Date.now() + 1_000; Date.now() < until; await page.waitForTimeout(100)) {
    for (const [surface, check] of Object.entries(want)) {
      const v = await check.read();
      assert.ok(check.ok(v), `after switching back to ${back}, ${surface} left the state: ${JSON.stringify(v)}`);
    }
  }
  lap(`${name}: back on ${back} after ${other}, no stale state for 3 s, all four: ${JSON.stringify(r.said)}`);
  await shot(page, `${name}-after-tab-switch`);
}

/**
 * Walk 1, the main workspace (the user trusts keys/prod.pub.pem): a manifest error (squiggle,
 * Problems, hover); then the live state: a verified model.sig open, one byte of the weights
 * flipped on disk, and the lens, the Problems entry, the language status (and its severity) and
 * the explorer badge all say "modified" within 2 s, then "verified" again within 2 s once
 * restored (times recorded); after each, a switch to another tab and back shows no stale state;
 * a change made while the tab is hidden shows on the lens within 2 s of coming back, even with
 * the focus moved away at once; then, with
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
    // The ML-BOM beside the model in a second tab, to switch to and back (a stale lens shows there).
    await openFile(page, 'models/classifier.cdx.json');
    await openFile(page, 'models/classifier/model.sig');
    await revealInExplorer(page, 'models/classifier/model.safetensors');
    await pinLanguageStatus(page);
    const verified = surfaces(page, { lens: VERIFIED_PROD, problem: /verified: signed by key [0-9a-f]{8}… \(prod\.pub\.pem\), whom you trust/, status: /^Model signature · verified: key [0-9a-f]{8}… \(prod\.pub\.pem\)$/, severity: 'information', badgeLetter: '✓', badgeTip: /^Model Provenance: verified: key [0-9a-f]{8}… \(prod\.pub\.pem\)$/ });
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
      severity: 'error',
      badgeLetter: '✗',
      badgeTip: /model\.safetensors differs from the signed digest/,
    });
    r = await untilAll(page, modified, { t0, timeoutMs: 30_000 });
    const toModified = r.at;
    lap(`one byte of model.safetensors flipped on disk: "modified" on lens ${r.at.lens} ms, Problems ${r.at.problems} ms, status ${r.at.status} ms, badge ${r.at.badge} ms after the write`);
    await shot(page, 'modified-four-surfaces');
    const latency = () => writeFileSync(join(OUT, 'state-latency.json'), `${JSON.stringify({ toModified, toVerified, at: new Date().toISOString(), note: 'ms from the write on disk until each surface showed the new state (polled every 50 ms by the test)' }, null, 2)}\n`);
    let toVerified;
    latency();
    withinContract('modified', toModified);

    // Away to the ML-BOM's tab and back: no surface may fall back to a stale "verified".
    await tabSwitch(page, { other: 'classifier.cdx.json', back: 'model.sig', want: modified, stale: STALE_VERIFIED, lap, shot, name: 'modified' });

    t0 = Date.now();
    writeFileSync(weights, original);
    r = await untilAll(page, verified, { t0, timeoutMs: 30_000 });
    toVerified = r.at;
    lap(`restored: "verified" again on lens ${r.at.lens} ms, Problems ${r.at.problems} ms, status ${r.at.status} ms, badge ${r.at.badge} ms after the write`);
    await shot(page, 'verified-again');
    latency();
    withinContract('verified again', toVerified);
    await tabSwitch(page, { other: 'classifier.cdx.json', back: 'model.sig', want: verified, stale: STALE_MODIFIED, lap, shot, name: 'verified' });

    // Changed while its tab is hidden, then back on the tab with the focus moved away at once (a
    // click in the Problems panel's filter): VS Code repaints the lens titles it cached (the old
    // "verified", without a command) until it fetches the current ones, and drops that fetch
    // when the editor loses focus first. The lens must still say "modified" within the 2 s of the
    // contract, the cached "verified" must be gone by then, and the other three surfaces (which
    // follow the server, not a cache) must never say "verified".
    await page.locator('.tabs-container .tab', { hasText: 'classifier.cdx.json' }).first().click();
    await page.locator('.tabs-container .tab.active', { hasText: 'classifier.cdx.json' }).waitFor({ timeout: 30_000 });
    const saved = flipByte(weights, 40);
    const whileAway = await untilAll(page, { problems: modified.problems, badge: modified.badge }, { timeoutMs: 30_000 });
    lap(`flipped while the model.sig tab is hidden: Problems and badge say modified (${whileAway.at.problems} ms, ${whileAway.at.badge} ms)`);
    await shot(page, 'modified-while-away');
    await page.locator('.tabs-container .tab', { hasText: 'model.sig' }).first().click();
    await page.locator('.part.panel input[placeholder^="Filter"]').first().click();
    const back = Date.now();
    const staleElsewhere = [];
    let cachedVerifiedUntil = 0;
    for (;;) {
      const painted = await paintedLenses(page);
      if (painted.some((l) => /^verified/.test(l.text))) cachedVerifiedUntil = Date.now() - back;
      const now = { lens: await modified.lens.read(), problems: await modified.problems.read(), status: await modified.status.read(), badge: await modified.badge.read() };
      for (const surface of ['problems', 'status', 'badge']) if (STALE_VERIFIED[surface](now[surface])) staleElsewhere.push(`${surface} at ${Date.now() - back} ms: ${JSON.stringify(now[surface])}`);
      if (Object.entries(now).every(([n, v]) => modified[n].ok(v))) break;
      if (Date.now() - back > 30_000) throw new Error(`back on model.sig with the focus elsewhere, not every surface said modified within 30 s: ${JSON.stringify({ now, painted })}`);
      await page.waitForTimeout(50);
    }
    const lensModifiedAfter = Date.now() - back;
    assert.equal(await page.locator('.tabs-container .tab.active', { hasText: 'model.sig' }).count(), 1, 'model.sig is the active tab');
    assert.deepEqual(staleElsewhere, [], 'Problems, the language status or the badge said "verified" after the file changed');
    lap(`back on model.sig, focus in the Problems filter: the lens said modified ${lensModifiedAfter} ms after the switch; VS Code's cached "verified" title showed until ${cachedVerifiedUntil} ms`);
    await shot(page, 'modified-while-away-back-focus-elsewhere');
    assert.ok(lensModifiedAfter <= STATE_CONTRACT_MS, `the lens said modified only ${lensModifiedAfter} ms after switching back (contract ${STATE_CONTRACT_MS} ms)`);
    assert.ok(cachedVerifiedUntil <= STATE_CONTRACT_MS, `VS Code's cached "verified" lens title showed for ${cachedVerifiedUntil} ms after switching back`);
    writeFileSync(weights, saved);
    await untilAll(page, verified, { timeoutMs: 30_000 });
    lap('restored with model.sig shown: verified again on all four surfaces');

    // --- Commands from the palette with model.sig active act on the model folder.
    const manifest = join(ws.root, 'models', 'classifier.cdx.json');
    const bom = JSON.parse(readFileSync(manifest, 'utf8'));
    bom.metadata.component.licenses = [{ license: { id: 'Apache-2.0' } }];
    bom.metadata.component.description = 'Sentiment classifier, written by a person';
    writeFileSync(manifest, `${JSON.stringify(bom, null, 2)}\n`);
    const before = listing(ws.model);
    await clearNotifications(page);
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'classifier.cdx.json already exists' });
    await commandOnActive(page, 'Model Provenance: Generate Manifest', () => dialog.isVisible().catch(() => false), lap);
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
    const stageStep = page.locator('.quick-input-widget', { hasText: 'Attest classifier (1/4): stage' });
    await commandOnActive(page, 'Model Provenance: Attest Model…', () => stageStep.isVisible().catch(() => false), lap);
    await quickInput(page, 'Attest classifier (1/4): stage');
    await shot(page, 'attest-stage');
    await page.keyboard.type('fine-tuning');
    await page.keyboard.press('Enter');
    await quickInput(page, 'Attest classifier (2/4): run id');
    await page.keyboard.type('run-e2e-1');
    await page.keyboard.press('Enter');
    const base = await quickInput(page, 'Attest classifier (3/4): base model');
    const second = base.locator('.monaco-list-row', { hasText: 'second · pre-training' }).first();
    await second.waitFor({ timeout: 15_000 });
    assert.match((await second.innerText()).replace(/\s+/g, ' '), /second · pre-training ?sha256:[0-9a-f]{12}…/);
    await shot(page, 'attest-base-model-names-and-stages');
    await second.click();
    await quickInput(page, 'Attest classifier (4/4): datasets');
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
      // Information, not a warning: nothing is wrong with the files, a step is simply not taken yet.
      severity: 'information',
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
    r = await untilAll(page, surfaces(page, { lens: /^modified: model\.safetensors differs from the signed digest/, problem: /model\.safetensors differs from the signed digest/, status: /· modified: model\.safetensors/, severity: 'error', badgeLetter: '✗', badgeTip: /differs from the signed digest/ }), { timeoutMs: 30_000 });
    lap(`a changed file with no trust is still reported (status severity error): ${JSON.stringify(r.said)}`);
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
 * identity and issuer, certificate verified with the anchor; a wrong identity and a wrong anchor
 * (a CA that issued nothing of the vector) say why; a CA certificate put in trustedKeys gets a
 * warning saying where it belongs.
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
    await page.locator('.codelens-decoration a', { hasText: exact(keylessLens) }).first().waitFor({ timeout: 60_000 });
    lap(`keyless vector: "${keylessLens}"`);
    await shot(page, 'keyless-verified');
    await openFile(page, 'v1.1.0-certificate/model.sig');
    const certLens = 'verified: certificate CN=intermediate-ca issued by CN=intermediate-ca — verify again';
    await page.locator('.codelens-decoration a', { hasText: exact(certLens) }).first().waitFor({ timeout: 60_000 });
    lap(`certificate vector: "${certLens}"`);
    await shot(page, 'certificate-verified');

    await setUserSettings(page, run.settingsFile, { 'modelProvenance.trustedIdentities': [{ identity: 'someone-else@example.com', issuer: KEYLESS.issuer }] });
    await openFile(page, 'v1.1.0-sigstore/model.sig');
    const why = page.locator('.markers-panel .monaco-list-row', { hasText: `signed by keyless identity ${KEYLESS.identity} via ${KEYLESS.issuer}, which is not the trusted identity someone-else@example.com via ${KEYLESS.issuer}` }).first();
    await why.waitFor({ timeout: 60_000 });
    assert.match(await why.innerText(), /IDENTITY_MISMATCH/);
    await page.locator('.codelens-decoration a', { hasText: `files match, signer not trusted: keyless identity ${KEYLESS.identity}` }).first().waitFor({ timeout: 30_000 });
    lap(`wrong identity: ${(await why.innerText()).replace(/\s+/g, ' ')}`);
    await shot(page, 'keyless-wrong-identity-says-why');

    // A wrong certificate anchor (a CA that did not issue the vector's chain) says why, too.
    await setUserSettings(page, run.settingsFile, { 'modelProvenance.certificateAnchors': [makeOtherCa()] });
    await openFile(page, 'v1.1.0-certificate/model.sig');
    const notIssued = page.locator('.markers-panel .monaco-list-row', { hasText: 'signed by certificate CN=intermediate-ca issued by CN=intermediate-ca, whose chain ends at CN=intermediate-ca (issued by CN=root-ca); the trusted certificate anchor ' }).first();
    await notIssued.waitFor({ timeout: 60_000 });
    assert.match(await notIssued.innerText(), /CERT_CHAIN_UNTRUSTED/);
    await page.locator('.codelens-decoration a', { hasText: /^files match, signer not trusted: certificate CN=intermediate-ca issued by CN=intermediate-ca — verify again$/ }).first().waitFor({ timeout: 30_000 });
    lap(`wrong certificate anchor: ${(await notIssued.innerText()).replace(/\s+/g, ' ')}`);
    await shot(page, 'certificate-wrong-anchor-says-why');

    await clearNotifications(page);
    await setUserSettings(page, run.settingsFile, { 'modelProvenance.certificateAnchors': [], 'modelProvenance.trustedKeys': [ca] });
    await openFile(page, 'v1.1.0-certificate/model.sig');
    // (VS Code repaints a shown-again tab's old lens titles until the server answers: wait for the answer.)
    // Something is configured (the CA, misplaced): the certificate signature names the setting it needs (finding 5).
    await page.locator('.codelens-decoration a', { hasText: 'files match, signature not checked: no certificate anchor configured for certificate signatures (modelProvenance.certificateAnchors)' }).first().waitFor({ timeout: 30_000 });
    const warning = await notification(page, /ca-cert\.pem in modelProvenance\.trustedKeys belongs in modelProvenance\.certificateAnchors: it is a CA certificate \(CN=root-ca\), not a signing key/, 60_000, () => shot(page, 'ca-in-trusted-keys-warning'));
    lap(`CA certificate in trustedKeys: ${warning}`);
    // Its own warning in Problems (finding 3), where it belongs said first.
    const entry = page.locator('.markers-panel .monaco-list-row', { hasText: 'in modelProvenance.trustedKeys belongs in modelProvenance.certificateAnchors' }).first();
    await entry.waitFor({ timeout: 30_000 });
    assert.match(await entry.innerText(), /TRUST_SETTING_MISPLACED/);
    lap(`Problems: ${(await entry.innerText()).replace(/\s+/g, ' ')}`);
    const status = await languageStatus(page);
    assert.match(status, /belongs in modelProvenance\.certificateAnchors/);
    await shot(page, 'ca-in-trusted-keys-problems-and-status');
  });
}

/**
 * The four surfaces of one model of the hostile repository, read with its `model.sig` active:
 * `file` is a signed file of the model whose explorer badge is read (the folders are collapsed
 * first and only this model's opened, since the vectors' file names repeat across models).
 * Waits until all four say `want`; with `forbid`, then samples them for 2 s more and fails if
 * any ever says "verified" (a late trust from the repository's own settings would show there).
 */
async function modelFourSurfaces(page, { file, want, forbid = false }) {
  await runCommand(page, 'Collapse Folders in Explorer');
  await revealInExplorer(page, file);
  const name = file.split('/').pop();
  const checks = {
    lens: { read: async () => (await lenses(page)).find((l) => l.endsWith('— verify again') || l.endsWith('— Verify')) ?? '', ok: (v) => want.lens.test(v) },
    problems: { read: async () => (await problems(page)).join(' | '), ok: (v) => want.problem.test(v) && (!forbid || !/verified: signed by/.test(v)) },
    status: { read: () => pinnedStatusWithSeverity(page), ok: (v) => want.status.test(v.text) && v.severity === want.severity },
    badge: { read: () => badge(page, name), ok: (v) => v.letter === want.badgeLetter && want.badgeTip.test(v.tooltip) },
  };
  const r = await untilAll(page, checks, { timeoutMs: 60_000 });
  if (forbid) {
    const verifiedSomewhere = [];
    for (const until = Date.now() + 2_000; Date.now() < until; await page.waitForTimeout(100)) {
      const v = { lens: await checks.lens.read(), problems: await checks.problems.read(), status: await checks.status.read(), badge: await checks.badge.read() };
      if (/^verified/.test(v.lens) || /verified: signed by/.test(v.problems) || /· verified/.test(v.status.text) || v.badge.letter === '✓') verifiedSomewhere.push(JSON.stringify(v));
    }
    assert.deepEqual(verifiedSomewhere, [], 'a surface said verified in Restricted Mode');
  }
  return r.said;
}

/**
 * The hostile repository: its .vscode/settings.json trusts the attacker's key, which signed its
 * model, and (with the vectors at hand) the keyless identity and the CA of the two other models
 * it ships. Opened untrusted (Restricted Mode, the default for a new folder): none of the three
 * verifies, each checked on all four surfaces (lens, Problems, the pinned language status with
 * its severity, the explorer badge) and held for 2 s, and the language status counts what was
 * read: the user's 1 key, 0 certificate anchors, 0 keyless identities. Then the user trusts the
 * folder, in the same window: all three verify, which shows the difference is workspace trust
 * and nothing else (so each of the three settings is what made its model verify).
 */
export function hostileWalk(pre, { vsix, ws }) {
  const settings = { 'modelProvenance.trustedKeys': [ws.userPub], 'security.workspace.trust.enabled': true };
  return withWorkbench(pre, { vsix, folder: ws.root, settings, trust: true, prefix: 'hostile' }, async (page, { lap, shot }) => {
    // VS Code's own Restricted Mode indicator, not our status item, whose text now says what Restricted Mode ignored.
    const restricted = page.locator('.statusbar-item:not([id^="model-provenance"])', { hasText: 'Restricted Mode' }).first();
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
      // Pinned, so that every screenshot shows the language status beside the lens and Problems.
      if (!trusted) await pinLanguageStatus(page);
      // Restricted Mode says, on every surface, that the workspace's own trust settings were ignored (finding 10).
      const ignoredNote = "; the workspace's own trust settings are ignored in Restricted Mode \\(it names 1 trusted key entry\\)";
      const expected = trusted ? /^verified: key [0-9a-f]{8}… \(attacker\.pub\.pem\) — verify again$/ : new RegExp(`^files match, signer not trusted: key [0-9a-f]{8}…${ignoredNote} — verify again$`);
      const lens = page.locator('.codelens-decoration a', { hasText: expected }).first();
      await lens.waitFor({ timeout: 60_000 });
      await lens.click();
      const verdict = toast(page, /^Model (NOT )?verified/);
      await verdict.waitFor({ timeout: 60_000 });
      const text = await verdict.innerText();
      lap(`${when}: notification: ${text}`);
      // trustedKeys: the attacker's key, on all four surfaces.
      const keySaid = await modelFourSurfaces(page, {
        file: 'models/backdoored/model.safetensors',
        forbid: !trusted,
        want: trusted
          ? { lens: expected, problem: /verified: signed by key [0-9a-f]{8}… \(attacker\.pub\.pem\), whom you trust/, status: /^Model signature · verified: key [0-9a-f]{8}… \(attacker\.pub\.pem\)$/, severity: 'information', badgeLetter: '✓', badgeTip: /verified: key [0-9a-f]{8}… \(attacker\.pub\.pem\)/ }
          : {
              lens: expected,
              problem: new RegExp(`signed by key [0-9a-f]{8}…, which is not the trusted key [0-9a-f]{8}… \\(me\\.pub\\.pem\\)${ignoredNote}`),
              status: new RegExp(`^Model signature · files match, signer not trusted: key [0-9a-f]{8}…${ignoredNote}$`),
              severity: 'error',
              badgeLetter: '!',
              badgeTip: new RegExp(`files match, signer not trusted: key [0-9a-f]{8}…${ignoredNote}`),
            },
      });
      lap(`${when}: backdoored (the repository's trustedKeys): ${JSON.stringify(keySaid)}`);
      await shot(page, trusted ? 'trusted-verified' : 'untrusted-not-verified');
      const status = await languageStatus(page);
      lap(`${when}: language status: ${status}`);
      await shot(page, `${when}-language-status`);
      // Trusted: the user's key AND the repository's (lists are added together, finding 1), so 2 keys.
      const counts = ws.keylessSig ? (trusted ? '2 keys, 1 certificate anchor, 1 keyless identity' : '1 key, 0 certificate anchors, 0 keyless identities') : trusted ? '2 keys' : '1 key';
      const wsEntries = ws.keylessSig ? '3 entries' : '1 entry';
      if (trusted) {
        // The repository's own setting counts once the user trusts it: the attacker's key verifies.
        assert.match(text, /^Model verified — verified: key [0-9a-f]{8}… \(attacker\.pub\.pem\)$/);
        assert.match(status, new RegExp(`Trust: user settings \\(1 entry\\) and workspace settings \\(${wsEntries}\\), added together \\(trusted workspace\\) \\(${counts}`));
      } else {
        assert.match(text, new RegExp(`^Model NOT verified — files match, signer not trusted: key [0-9a-f]{8}…${ignoredNote}$`));
        // The three settings of .vscode/settings.json, each not read: only the user's 1 key.
        assert.match(status, new RegExp(`Trust: user settings only \\(1 entry\\); Restricted Mode: the workspace's own trust settings are ignored \\(${wsEntries}\\) \\(${counts}`));
        assert.doesNotMatch(status, /verified: key/);
        assert.equal(await toast(page, /^Model verified/).count(), 0, 'no "Model verified" notification at all');
      }
      if (trusted) {
        // Finding 1: trusting the folder ADDS its trust settings to the user's; the user's own key
        // (user settings only, outside the folder) still verifies the user's model on all four surfaces.
        await openFile(page, 'models/mine/model.sig');
        const mine = await modelFourSurfaces(page, {
          file: 'models/mine/model.safetensors',
          want: {
            lens: /^verified: key [0-9a-f]{8}… \(me\.pub\.pem\) — verify again$/,
            problem: /verified: signed by key [0-9a-f]{8}… \(me\.pub\.pem\), whom you trust/,
            status: /^Model signature · verified: key [0-9a-f]{8}… \(me\.pub\.pem\)$/,
            severity: 'information',
            badgeLetter: '✓',
            badgeTip: /verified: key [0-9a-f]{8}… \(me\.pub\.pem\)/,
          },
        });
        lap(`trusted: models/mine (the user's own key, user settings) still verified: ${JSON.stringify(mine)}`);
        await shot(page, 'trusted-user-key-still-verified');
      }
      if (!ws.keylessSig) continue;
      // trustedIdentities and certificateAnchors: the keyless and the certificate model count only once trusted.
      const keyless = `keyless identity ${KEYLESS.identity} via ${KEYLESS.issuer}`;
      const cert = 'certificate CN=intermediate-ca issued by CN=intermediate-ca';
      for (const [path, signer, setting] of [['models/keyless', keyless, 'trustedIdentities'], ['models/certified', cert, 'certificateAnchors']]) {
        await openFile(page, `${path}/model.sig`);
        const esc = signer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const needs = {
          trustedIdentities: 'no trusted identity configured for keyless signatures \\(modelProvenance\\.trustedIdentities\\)',
          certificateAnchors: 'no certificate anchor configured for certificate signatures \\(modelProvenance\\.certificateAnchors\\)',
        };
        const ignored = "the workspace's own trust settings are ignored in Restricted Mode \\(it names [^)]*\\)";
        const want = trusted
          ? { lens: new RegExp(`^verified: ${esc} — verify again$`), problem: new RegExp(`verified: signed by ${esc}, whom you trust`), status: new RegExp(`^Model signature · verified: ${esc}$`), severity: 'information', badgeLetter: '✓', badgeTip: new RegExp(`verified: ${esc}`) }
          : {
              // The user has a key, so not "no trusted signer configured": the setting this kind needs (finding 5),
              // an error like the untrusted key (finding 10), and the ignored workspace setting said.
              lens: new RegExp(`^files match, signature not checked: ${needs[setting]}; ${ignored} — verify again$`),
              problem: new RegExp(`signature not checked: ${needs[setting]} \\(signed by ${esc}\\); ${ignored}`),
              status: new RegExp(`^Model signature · files match, signature not checked: ${needs[setting]}; ${ignored}$`),
              severity: 'error',
              badgeLetter: '!',
              badgeTip: new RegExp(`signature not checked: ${needs[setting]}; ${ignored}`),
            };
        const said = await modelFourSurfaces(page, { file: `${path}/signme-1`, want, forbid: !trusted });
        lap(`${when}: ${path} (the repository's ${setting}): ${JSON.stringify(said)}`);
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
    await commandOnActive(page, 'Model Provenance: Show Lineage', () => page.locator('.tabs-container .tab.active', { hasText: /^Lineage: / }).first().isVisible().catch(() => false), lap, { run: commandSlowly, timeoutMs: SLOW });
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

    // --- The view never shows a stale verdict (newcomer pass): it says when it was checked and
    // which registry it read; one character of the model's stored attestation changed on disk
    // turns it NOT verified within seconds (the server watches the registry), restored verified.
    const header = await frame.evaluate(() => ({ checked: document.getElementById('checked')?.textContent, registry: document.getElementById('registry')?.textContent, refresh: !!document.getElementById('refresh') }));
    assert.match(header.checked ?? '', /^checked \d\d:\d\d:\d\d$/);
    assert.equal(header.registry, 'Registry: .provenance/ (found in the workspace)');
    assert.ok(header.refresh, 'a Refresh button');
    const modelId = await frame.evaluate(() => [...document.querySelectorAll('svg g.node')].find((g) => g.textContent.includes('conversion'))?.getAttribute('data-id'));
    const blobs = join(ws.root, '.provenance', 'blobs', 'sha256');
    const blob = readdirSync(blobs).map((f) => join(blobs, f)).find((f) => {
      try {
        const b = JSON.parse(readFileSync(f, 'utf8'));
        const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8'));
        return `sha256:${st.subject[0].digest.sha256}` === modelId && st.predicate.buildDefinition.externalParameters.stage === 'conversion';
      } catch {
        return false;
      }
    });
    assert.ok(blob, `no stored conversion attestation of ${modelId}`);
    const storedBytes = readFileSync(blob, 'utf8');
    const sigMatch = /"sig"\s*:\s*"([^"]+)"/.exec(storedBytes);
    const sigAt = sigMatch.index + sigMatch[0].indexOf(sigMatch[1]) + 10;
    const tampered = storedBytes.slice(0, sigAt) + (storedBytes[sigAt] === 'A' ? 'B' : 'A') + storedBytes.slice(sigAt + 1);
    const tamperedSig = /"sig"\s*:\s*"([^"]+)"/.exec(tampered)[1];
    const verdictIs = (words) => webviewFrame(page, new Function(`return document.querySelector('.verdict')?.textContent === ${JSON.stringify(words)} && document.body.dataset.fresh === 'fresh' && document.body.dataset.ready === 'true'`), 30_000);
    const wrote = Date.now();
    writeFileSync(blob, tampered);
    const failedFrame = await verdictIs('✘ chain NOT verified');
    lap(`one signature character of the stored conversion attestation changed: the view says NOT verified ${Date.now() - wrote} ms after the write`);
    const failedNode = await failedFrame.evaluate(() => [...document.querySelectorAll('svg g.node')].map((g) => ({ text: g.textContent.replace(/\s+/g, ' ').trim(), status: g.getAttribute('data-status') })).find((n) => n.status === 'failed'));
    assert.ok(failedNode && /^classifier\b/.test(failedNode.text), `the failed model node is named classifier: ${JSON.stringify(failedNode)}`);
    assert.match(await failedFrame.evaluate(() => document.getElementById('checked')?.textContent), /^checked \d\d:\d\d:\d\d$/);
    await shot(page, 'lineage-tampered-not-verified');
    // A click on the failed node opens the stored attestation: the altered signature is there to look at.
    await failedFrame.locator('svg g.node[data-status="failed"]').first().click();
    await page.locator('.tabs-container .tab', { hasText: /^conversion-[0-9a-f]{12}\.stored\.json/ }).first().waitFor({ timeout: SLOW });
    // Read in the editor that shows it (the fine-tuning payload may still be open in another group).
    const stored = page.locator('.editor-instance .monaco-editor .view-lines', { hasText: '"sig"' }).first();
    await stored.waitFor({ timeout: SLOW });
    const storedText = (await stored.innerText()).replace(/\u00a0/g, ' ');
    assert.ok(storedText.includes(tamperedSig), `the stored attestation shows the altered signature ${tamperedSig.slice(0, 16)}…: ${storedText.slice(0, 800)}`);
    lap('clicked the failed node: the stored attestation opened beside the graph, with the altered signature');
    await shot(page, 'lineage-failed-node-opens-stored');
    const restored = Date.now();
    writeFileSync(blob, storedBytes);
    const againFrame = await verdictIs('✔ chain verified');
    lap(`restored: the view says verified again ${Date.now() - restored} ms after the write`);
    assert.ok(await againFrame.evaluate(() => [...document.querySelectorAll('svg g.node')].every((g) => g.getAttribute('data-status') === 'verified')));
    await shot(page, 'lineage-restored-verified');
    await commandSlowly(page, 'View: Close All Editors');

    // --- Compare Signed Contents… on model.sig, changed in the last commit.
    await openSlowly(page, 'models/classifier/model.sig');
    const pickRow = page.locator('.quick-input-list .monaco-list-row', { hasText: ws.first.slice(0, 8) }).first();
    await commandOnActive(page, 'Model Provenance: Compare Signed Contents…', () => pickRow.isVisible().catch(() => false), lap, { run: commandSlowly, timeoutMs: SLOW });
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
    await commandOnActive(page, 'Model Provenance: Open Decoded Payload', () => page.locator('.tabs-container .tab', { hasText: /^model\.sig@[^.]+\.payload\.json/ }).first().isVisible().catch(() => false), lap, { run: commandSlowly, timeoutMs: SLOW });
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
