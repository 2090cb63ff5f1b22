// code-server (VS Code 1.139 in a browser, with a real Node extension host) run by Node 24, and
// Debian's chromium driven by playwright-core: what scripts/setup-e2e.sh installed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { format } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { tempDir } from './workspace.mjs';

// Process groups of the code-server instances still running: killed if this process exits early.
const running = new Set();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.once(signal, () => process.exit(code));

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** HOME and XDG folders of their own: code-server and chromium write there, not in the user's. */
export function isolatedEnv(base) {
  const home = join(base, 'home');
  for (const d of ['', '.config', '.local/share', '.cache']) mkdirSync(join(home, d), { recursive: true });
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), XDG_CACHE_HOME: join(home, '.cache') };
  // Nothing of an enclosing VS Code / Electron session may leak into the one under test.
  for (const k of Object.keys(env)) if (/^(VSCODE_|ELECTRON_)/.test(k)) delete env[k];
  // No extension gallery: nothing is fetched from outside (only the npm registry is reachable here).
  env.EXTENSIONS_GALLERY = JSON.stringify({ serviceUrl: '' });
  return env;
}

/**
 * A code-server instance. `userDataDir` must already hold User/settings.json.
 * Options: trust (false = --disable-workspace-trust), testDriver (--vscode-option enable-smoke-test-driver),
 * install (a .vsix to --install-extension first).
 */
export async function startCodeServer(pre, { base, userDataDir, trust = false, testDriver = false, install }) {
  const env = isolatedEnv(base);
  const extensionsDir = join(base, 'extensions');
  const common = ['--config', join(base, 'config.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  let installMs;
  if (install) {
    const t = Date.now();
    const r = spawnSync(pre.node24, [pre.codeServer, ...common, '--install-extension', install], { env, encoding: 'utf8', timeout: 60_000 });
    installMs = Date.now() - t;
    if (r.status !== 0 || !/was successfully installed/.test(r.stdout)) throw new Error(`--install-extension ${install} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  const port = await freePort();
  const logFile = join(base, 'server.log');
  const log = openSync(logFile, 'w');
  const args = [
    pre.codeServer, ...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-getting-started-override', ...(trust ? [] : ['--disable-workspace-trust']), ...(testDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
  ];
  // Its own process group (setsid): one watcher outlives SIGTERM, so the whole group is stopped.
  const child = spawn(pre.node24, args, { env, detached: true, stdio: ['ignore', log, log] });
  running.add(child.pid);
  child.once('exit', () => running.delete(child.pid));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${readFileSync(logFile, 'utf8')}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz in 30 s:\n${readFileSync(logFile, 'utf8')}`);
    await sleep(200);
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    await Promise.race([exited, sleep(3000)]);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  return { url, port, logFile, installMs, env, stop, log: () => readFileSync(logFile, 'utf8') };
}

/** Headless Debian chromium, the flags the recipe measured as working here. */
export function launchBrowser(pre, env) {
  return chromium.launch({
    executablePath: pre.chromium,
    headless: true,
    env,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A throw-away folder for one code-server run: base/, base/user (user data with settings). */
export function runDir(prefix) {
  const base = tempDir(prefix);
  return { base, userDataDir: join(base, 'user') };
}

/**
 * Runs extension tests in code-server's extension host, the `@vscode/test-electron` contract:
 * `extensionTestsPath` is a module whose `run()` resolves (pass) or rejects (fail). The workbench
 * reports the exit code through `codeAutomationExit` (needs --vscode-option enable-smoke-test-driver).
 */
export async function runExtensionTests(pre, server, { extensionDevelopmentPath, extensionTestsPath, folder, timeoutMs = 300_000, onLog = (line) => console.log(line) }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(extensionDevelopmentPath)],
    ['extensionTestsPath', remote(extensionTestsPath)],
    ['skipWelcome', 'true'],
  ]);
  const browser = await launchBrowser(pre, server.env);
  const lines = [];
  try {
    const page = await browser.newPage();
    let resolveExit;
    const exit = new Promise((r) => (resolveExit = r));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      // console.* arguments as the extension host passed them: a printf-style format first.
      const line = format(...(Array.isArray(args) ? args : [args]));
      for (const l of line.replace(/\n$/, '').split('\n')) {
        lines.push(l);
        onLog(l, type);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
    page.on('pageerror', (e) => lines.push(`PAGEERROR ${e.message}`));
    await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`, { timeout: 120_000 });
    let timer;
    const timeout = new Promise((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const code = await Promise.race([exit, timeout]);
    clearTimeout(timer);
    return { code, lines };
  } finally {
    await browser.close();
  }
}
