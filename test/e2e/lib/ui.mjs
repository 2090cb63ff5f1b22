// Playwright helpers for the VS Code workbench that code-server serves (selectors of VS Code 1.139).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Opens the workbench on `folder` and waits for the explorer. */
export async function openWorkbench(page, url, folder) {
  // Generous: on a loaded shared machine the first load of the workbench can take a minute.
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`, { timeout: 120_000 });
  await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 120_000 });
}

/** The explorer row of the file or folder called `name` (exactly). */
export function explorerRow(page, name) {
  return page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escape(name)}$`) }) }).first();
}

/** Expands the folders of `path` (relative, '/'-separated) one by one and returns the last row. */
export async function revealInExplorer(page, path) {
  const parts = path.split('/');
  for (const [i, name] of parts.entries()) {
    const row = explorerRow(page, name);
    await row.waitFor({ timeout: 30_000 });
    if (i === parts.length - 1) break;
    // The explorer may expand the folder by itself (auto-reveal of an opened file) at any moment:
    // click only while it is collapsed, until it stays expanded.
    const deadline = Date.now() + 30_000;
    while ((await row.getAttribute('aria-expanded')) !== 'true') {
      if (Date.now() > deadline) throw new Error(`the explorer folder ${name} did not expand`);
      await row.click();
      await page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await row.elementHandle(), { timeout: 2_000 }).catch(() => undefined);
    }
  }
  return explorerRow(page, parts[parts.length - 1]);
}

/** Opens a file from the explorer (a click, as a person does) and waits for its editor tab. */
export async function openFromExplorer(page, path) {
  const row = await revealInExplorer(page, path);
  await row.click();
  const name = path.split('/').pop();
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
  await page.waitForSelector('.monaco-editor .view-lines', { timeout: 30_000 });
}

/** A toast notification whose message matches `text`. */
export function toast(page, text) {
  return page.locator('.notifications-toasts .notification-list-item-message', { hasText: text }).first();
}

/** Runs a command from the command palette (F1) by its title. */
export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/**
 * A palette command that acts on the active editor, until `done` sees its result. VS Code tells
 * the extension host about a newly focused editor asynchronously: on a loaded machine a command
 * run at once can still see none, and then asks which model ("… is open or selected"; seen on
 * CI). A person would pick, or wait a moment and run it again: the walk does the second, up to
 * five times, and says so in its log, so the active-editor path is still what is tested.
 * `done` polls for the command's result; past `timeoutMs` the caller's own wait says what is missing.
 */
export async function commandOnActive(page, title, done, lap, { run = runCommand, timeoutMs = 60_000 } = {}) {
  const asked = page.locator('.quick-input-widget .quick-input-title', { hasText: 'which model?' });
  for (let attempt = 1; ; attempt++) {
    await run(page, title);
    const deadline = Date.now() + timeoutMs;
    let again = false;
    while (!again) {
      if (await done()) return;
      if (await asked.isVisible().catch(() => false)) {
        if (attempt === 5) throw new Error(`${title}: the extension never saw the active editor (it asked which model, 5 times)`);
        lap(`${title}: the extension host had not yet seen the active editor (it asked which model); Escape, and again`);
        await page.keyboard.press('Escape');
        await page.waitForTimeout(1500);
        again = true;
      } else if (Date.now() > deadline) return; // the caller's own wait says what is missing
      else await page.waitForTimeout(250);
    }
  }
}

export async function clearNotifications(page) {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
}

/** Screenshots in `dir`, numbered in the order taken; `lap` logs the time since the start. */
export function recorder(dir, prefix) {
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  let n = 0;
  const shots = [];
  return {
    shots,
    lap: (m) => console.log(`  [${prefix} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`),
    shot: async (page, name) => {
      // Let a toast finish sliding in, and a verify's progress toast go, so the picture shows the result.
      await page.locator('.notifications-toasts .notification-list-item-message', { hasText: /^Verifying model/ }).first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
      await page.waitForTimeout(400);
      const file = join(dir, `${prefix}-${String(++n).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file });
      shots.push(file);
      return file;
    },
  };
}

/**
 * Opens a workspace file by its relative path through Go to File (what a person types when
 * several files share a name, as model.sig does in every model folder), and waits until the
 * breadcrumbs show its folder.
 */
export async function openFile(page, path) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15_000 });
  await input.fill(path);
  const parts = path.split('/');
  const name = parts.pop();
  const folder = parts.pop();
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).filter({ hasText: folder ?? name }).first();
  await row.waitFor({ timeout: 30_000 });
  await row.click();
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
  if (folder) await page.locator('.breadcrumbs-control', { hasText: folder }).first().waitFor({ timeout: 30_000 });
  await page.waitForSelector('.monaco-editor .view-lines', { timeout: 30_000 });
}
