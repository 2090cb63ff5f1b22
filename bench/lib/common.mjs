// What every benchmark shares: logging, machine facts, and a scratch folder that is
// removed on exit, on error and on Ctrl-C, together with any child process still running.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export const log = (msg) => process.stderr.write(`${msg}\n`);

/** The machine a figure came from: CPU model (and SHA-NI), cores, memory, Node, OpenSSL, kernel. */
export function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  let shaNi = false;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
    shaNi = /^flags\s*:.*\bsha_ni\b/m.test(info);
  } catch {
    /* not Linux: os.cpus() it is */
  }
  let openssl = 'unknown';
  try {
    openssl = execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    /* reported as unknown */
  }
  const memGiB = Number((os.totalmem() / 2 ** 30).toFixed(1));
  return {
    cpu,
    shaNi,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memGiB,
    ramGiB: memGiB,
    node: process.version,
    nodeOpenssl: process.versions.openssl,
    openssl,
    platform: `${os.platform()} ${os.release()}`,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/**
 * A scratch folder under the system temp dir (`scratch.dir`; created lazily by `make()`
 * or at once), and a set of child processes (`scratch.children`) killed with it.
 */
export function scratch(prefix, { lazy = false } = {}) {
  const state = { dir: undefined, children: new Set() };
  const cleanup = () => {
    for (const c of state.children) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* gone already */
      }
    }
    state.children.clear();
    if (!state.dir) return;
    try {
      rmSync(state.dir, { recursive: true, force: true });
    } catch (err) {
      log(`warning: could not remove ${state.dir}: ${err.message}`);
    }
    state.dir = undefined;
  };
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(sig, () => {
      log(`\n${sig}: stopping, removing temp data`);
      cleanup();
      process.exit(code);
    });
  }
  process.on('exit', cleanup);
  state.make = () => (state.dir ??= mkdtempSync(join(os.tmpdir(), prefix)));
  state.cleanup = cleanup;
  if (!lazy) state.make();
  return state;
}

/** An integer setting from the environment, with a default and a lower bound. */
export function envInt(name, dflt, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}
