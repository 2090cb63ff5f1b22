// Reading what a person sees of one model's state, surface by surface: the code lens, the
// Problems panel, the language status (pinned to the status bar) and the explorer badge.
import { explorerRow } from './ui.mjs';

const norm = (s) => s.replace(/\s+/g, ' ').trim();

/** The text of every code lens in the visible editor. */
export async function lenses(page) {
  return (await page.locator('.codelens-decoration a').allInnerTexts().catch(() => [])).map(norm);
}

/**
 * Every lens title painted in the visible editor, live or not: `live` false for the titles VS
 * Code repaints from its cache when a tab is shown again (no command: a <span>, not an <a>)
 * until it has fetched the current ones. `lenses` reads only the live ones.
 */
export async function paintedLenses(page) {
  return page
    .evaluate(() =>
      [...document.querySelectorAll('.codelens-decoration > a, .codelens-decoration > span')]
        .map((e) => ({ text: (e.textContent ?? '').replace(/\s+/g, ' ').trim(), live: e.tagName === 'A' }))
        .filter((l) => l.text && l.text !== '|'),
    )
    .catch(() => []);
}

/** The rows of the Problems panel (it must be open). */
export async function problems(page) {
  return (await page.locator('.markers-panel .monaco-list-row').allInnerTexts().catch(() => [])).map(norm);
}

/**
 * Pins the Model Provenance language status item to the status bar (the pin in its hover),
 * so its text can be read at any moment like a person glancing at the status bar.
 */
export async function pinLanguageStatus(page) {
  const entry = page.locator('#status\\.languageStatus');
  await entry.waitFor({ timeout: 15_000 });
  await entry.click();
  const item = page.locator('.monaco-hover .hover-language-status', { hasText: 'Trust:' }).first();
  await item.waitFor({ timeout: 15_000 });
  await item.locator('a.codicon-pin').click();
  await page.keyboard.press('Escape');
  await page.locator('.statusbar-item', { hasText: /^(Model signature|ML-BOM|ML attestation|in-toto|Trust policy)/ }).first().waitFor({ timeout: 15_000 });
}

/** The pinned language status text in the status bar. */
export async function pinnedStatus(page) {
  const items = await page.locator('.statusbar-item').allInnerTexts().catch(() => []);
  return norm(items.find((t) => /^(Model signature|ML-BOM|ML attestation|in-toto|Trust policy)/.test(norm(t))) ?? '');
}

/**
 * The pinned language status entry's severity as VS Code draws it: an error or warning item gets
 * the `error-kind` / `warning-kind` class (red or yellow background), information none.
 * @returns {Promise<'error' | 'warning' | 'information' | ''>} '' when the entry is not there.
 */
export async function pinnedSeverity(page) {
  return page
    .evaluate(() => {
      const entry = [...document.querySelectorAll('.statusbar-item')].find((e) => /^(Model signature|ML-BOM|ML attestation|in-toto|Trust policy)/.test((e.textContent ?? '').replace(/\s+/g, ' ').trim()));
      if (!entry) return '';
      return entry.classList.contains('error-kind') ? 'error' : entry.classList.contains('warning-kind') ? 'warning' : 'information';
    })
    .catch(() => '');
}

/** The pinned language status as text and severity (`{ text, severity }`). */
export async function pinnedStatusWithSeverity(page) {
  return { text: await pinnedStatus(page), severity: await pinnedSeverity(page) };
}

/** An explorer row's decoration: its badge letter and its tooltip (the row must be visible). */
export async function badge(page, name) {
  const row = explorerRow(page, name);
  if (!(await row.count())) return { letter: '', tooltip: '' };
  return row.evaluate((r) => {
    const label = r.querySelector('.monaco-icon-label');
    const letter = [label, ...r.querySelectorAll('*')]
      .filter(Boolean)
      .map((e) => getComputedStyle(e, '::after').content)
      .find((c) => c && c !== 'none' && c !== 'normal');
    const aria = label?.getAttribute('aria-label') ?? '';
    return { letter: letter ? letter.replace(/^"|"$/g, '') : '', tooltip: aria.includes(' • ') ? aria.slice(aria.indexOf(' • ') + 3) : '' };
  });
}

/**
 * Waits until every surface satisfies its check, polling like a person looking again; returns
 * the time each one first did (ms after `t0`) and what each said then.
 */
export async function untilAll(page, checks, { t0 = Date.now(), timeoutMs = 30_000 } = {}) {
  const seen = {};
  const said = {};
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const [name, { read, ok }] of Object.entries(checks)) {
      const v = await read();
      said[name] = v;
      if (seen[name] === undefined && ok(v)) seen[name] = Date.now() - t0;
      if (seen[name] !== undefined && !ok(v)) delete seen[name];
    }
    if (Object.keys(checks).every((n) => seen[n] !== undefined)) return { at: seen, said };
    if (Date.now() > deadline) {
      // What the lens rows hold (a cached lens VS Code repaints has no command: <span>, not <a>).
      const dom = await page.evaluate(() => ({ lensRows: [...document.querySelectorAll('.codelens-decoration')].map((e) => e.innerHTML.slice(0, 600)), editors: [...document.querySelectorAll('.tabs-container .tab')].map((t) => t.textContent) })).catch(() => ({}));
      throw new Error(`not every surface changed within ${timeoutMs} ms:\n${JSON.stringify({ said, dom }, null, 2)}`);
    }
    await page.waitForTimeout(50);
  }
}
