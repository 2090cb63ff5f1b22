// The UI walks: a person's clicks in the workbench against code-server with the INSTALLED .vsix.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT } from './env.mjs';
import { launchBrowser, runDir, startCodeServer } from './codeserver.mjs';
import { clearNotifications, openFromExplorer, openWorkbench, recorder, revealInExplorer, toast } from './ui.mjs';
import { writeUserSettings } from './workspace.mjs';

const VIEWPORT = { width: 1400, height: 900 };

/** Starts code-server with the .vsix installed, opens a page; `fn(page, rec)`; always screenshots and stops. */
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
    await fn(page, rec);
  } catch (err) {
    if (page) await rec.shot(page, 'FAILED').catch(() => undefined);
    const log = server.log().split('\n').slice(-40).join('\n');
    err.message += `\n(screenshots: ${rec.shots.join(', ')})\n--- code-server log (tail) ---\n${log}${errors.length ? `\n--- page errors ---\n${errors.join('\n')}` : ''}`;
    throw err;
  } finally {
    await browser.close();
    await server.stop();
  }
  return rec.shots;
}

/**
 * VS Code drops toasts past 3 in 800 ms (spam protection; they go to the notification centre only).
 * A verify shows two (progress, result), so a second click right after the first would be silent:
 * wait like a person would.
 */
async function toastQuiet(page) {
  await page.locator('.notifications-toasts .notification-list-item-message', { hasText: /^Verifying model/ }).first().waitFor({ state: 'detached', timeout: 30_000 }).catch(() => undefined);
  await page.waitForTimeout(1000);
}

/** Reads the language status item of the active editor (click the `{}` entry in the status bar). */
async function languageStatus(page) {
  const entry = page.locator('#status\\.languageStatus');
  await entry.waitFor({ timeout: 15_000 });
  await entry.click();
  const item = page.locator('.monaco-hover .hover-language-status', { hasText: 'Trust:' }).first();
  await item.waitFor({ timeout: 15_000 });
  return (await item.innerText()).replace(/\s+/g, ' ');
}

/**
 * The UI walk: a manifest with an error from the explorer (squiggle, Problems panel, hover), the
 * "Verify this model" code lens on model.sig (verified, with the signer; then a file changed on
 * disk: the notification names it), and Verify Model from the explorer context menu on a
 * binary .safetensors file.
 */
export function uiWalk(pre, { vsix, ws }) {
  const settings = { 'modelProvenance.trustedKeys': [ws.pub], 'security.workspace.trust.enabled': false };
  return withWorkbench(pre, { vsix, folder: ws.root, settings, trust: false, prefix: 'ui' }, async (page, { lap, shot }) => {
    await openFromExplorer(page, 'models/broken.cdx.json');
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
    lap('error squiggle rendered (diagnostic from the language server)');
    await shot(page, 'manifest-squiggle');

    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'must be integer' }).first();
    await problem.waitFor({ timeout: 30_000 });
    assert.match(await problem.innerText(), /CDX_TYPE/);
    lap('Problems panel lists CDX_TYPE');
    await shot(page, 'problems-panel');

    const key = page.locator('.monaco-editor .view-line span', { hasText: /^"bomFormat"$/ }).first();
    await key.hover();
    const hover = page.locator('.monaco-hover', { hasText: 'Specifies the format of the BOM' }).first();
    await hover.waitFor({ timeout: 30_000 });
    lap('hover shows the field description');
    await shot(page, 'hover-description');
    await page.keyboard.press('Escape');

    await openFromExplorer(page, 'models/classifier/model.sig');
    const lens = page.locator('.codelens-decoration a', { hasText: /^Verify this model$|— verify again$/ }).first();
    await lens.waitFor({ timeout: 60_000 });
    lap(`code lens visible: "${await lens.innerText()}"`);
    await lens.click();
    const verified = toast(page, /^Model verified — verified: prod \(.*prod\.pub\.pem\)$/);
    await verified.waitFor({ timeout: 60_000 });
    lap(`notification: ${await verified.innerText()}`);
    await shot(page, 'lens-verified');

    await toastQuiet(page);
    const config = join(ws.model, 'config.json');
    const original = readFileSync(config);
    writeFileSync(config, '{"architectures":["Backdoored"],"model_type":"bert"}\n');
    try {
      await page.locator('.codelens-decoration a', { hasText: /— verify again$/ }).first().click();
      const modified = toast(page, /^Model NOT verified — 1 file modified: config\.json$/);
      await modified.waitFor({ timeout: 60_000 });
      lap(`after changing config.json on disk: ${await modified.innerText()}`);
      await shot(page, 'lens-modified-file');
    } finally {
      writeFileSync(config, original);
    }

    await clearNotifications(page);
    const weights = await revealInExplorer(page, 'models/classifier/model.safetensors');
    await weights.click({ button: 'right' });
    const item = page.locator('.context-view .monaco-menu .action-item', { hasText: /^Verify Model$/ }).first();
    await item.waitFor({ timeout: 15_000 });
    lap('explorer context menu shows Verify Model');
    await shot(page, 'context-menu');
    await item.click();
    const verdict = toast(page, /^Model verified — verified: prod/);
    await verdict.waitFor({ timeout: 60_000 });
    lap(`context menu verify: ${await verdict.innerText()}`);
    // The binary file was verified, not opened as a text editor.
    assert.equal(await page.locator('.tabs-container .tab', { hasText: 'model.safetensors' }).count(), 0);
    await shot(page, 'context-menu-verdict');
  });
}

/**
 * The hostile repository: its .vscode/settings.json trusts the attacker's key, which signed its
 * model. Untrusted (Restricted Mode, the default for a new folder): NOT verified, and the
 * language status says the keys came from user settings only. Trusted (the user clicks Trust):
 * verified, which shows the difference is workspace trust and nothing else.
 */
export function hostileWalk(pre, { vsix, ws, trusted }) {
  const settings = { 'modelProvenance.trustedKeys': [ws.userPub], 'security.workspace.trust.enabled': true };
  const prefix = trusted ? 'hostile-trusted' : 'hostile-untrusted';
  return withWorkbench(pre, { vsix, folder: ws.root, settings, trust: true, prefix }, async (page, { lap, shot }) => {
    const restricted = page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first();
    await restricted.waitFor({ timeout: 30_000 });
    lap('folder opened in Restricted Mode (not trusted)');
    if (trusted) {
      await restricted.click();
      const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust( Folder)?$/ }).first();
      await trust.waitFor({ timeout: 30_000 });
      await shot(page, 'trust-editor');
      await trust.click();
      await restricted.waitFor({ state: 'detached', timeout: 30_000 });
      lap('the user trusted the folder');
      await shot(page, 'trusted');
      // In 1.139 the Workspace Trust editor is a modal editor over the workbench: close it.
      const modal = page.locator('.monaco-modal-editor-block');
      if (await modal.count()) {
        await modal.locator('a.codicon-close').first().click();
        await modal.waitFor({ state: 'detached', timeout: 10_000 });
      }
    }
    await openFromExplorer(page, 'models/backdoored/model.sig');
    const lens = page.locator('.codelens-decoration a', { hasText: /^Verify this model$|— verify again$/ }).first();
    await lens.waitFor({ timeout: 60_000 });
    await lens.click();
    const verdict = toast(page, /^Model (NOT )?verified/);
    await verdict.waitFor({ timeout: 60_000 });
    const text = await verdict.innerText();
    lap(`notification: ${text}`);
    await page.keyboard.press('Control+Shift+M');
    const problems = await page.locator('.markers-panel .monaco-list-row').allInnerTexts().catch(() => []);
    if (problems.length) lap(`Problems: ${problems.map((p) => p.replace(/\s+/g, ' ')).join(' | ')}`);
    await shot(page, trusted ? 'verified' : 'not-verified');
    const status = await languageStatus(page);
    lap(`language status: ${status}`);
    await shot(page, 'language-status');
    if (trusted) {
      // The repository's own setting counts once the user trusts it: the attacker's key verifies.
      assert.match(text, /^Model verified — verified: attacker \(.*attacker\.pub\.pem\)$/);
      assert.match(status, /Trust: user and workspace settings \(trusted workspace\) \(1 key\(s\)\)/);
    } else {
      assert.match(text, /^Model NOT verified/);
      assert.match(status, /Trust: user settings only \(untrusted workspace\) \(1 key\(s\)\)/);
      assert.doesNotMatch(status, /verified: attacker/);
      assert.equal(await toast(page, /^Model verified/).count(), 0, 'no "Model verified" notification at all');
    }
  });
}
