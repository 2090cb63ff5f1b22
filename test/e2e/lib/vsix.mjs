// The packaged extension is the one tested: `npm run package`, then the .vsix unpacked as it installs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { REPO } from './env.mjs';

export const MAX_VSIX_BYTES = 5 * 1024 * 1024;

/** Runs `npm run package` and returns the .vsix path and size. */
export function packageVsix() {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run package failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const path = join(REPO, `${pkg.name}-${pkg.version}.vsix`);
  return { path, size: statSync(path).size, version: pkg.version };
}

/** The entries of a zip file (a .vsix is one): name and content. Stored and deflated entries only. */
export function readZip(file) {
  const buf = readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file}: not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compressed);
    if (method !== 0 && method !== 8) throw new Error(`${file}: ${name} uses compression method ${method}`);
    entries.push({ name, data: method === 0 ? raw : inflateRawSync(raw) });
  }
  return entries;
}

/** Unpacks a .vsix into `dest`; returns the extension folder (`dest/extension`) and the entry names. */
export function unpackVsix(file, dest) {
  const entries = readZip(file);
  const root = resolve(dest);
  for (const e of entries) {
    const target = resolve(root, e.name);
    if (!target.startsWith(root + sep)) throw new Error(`${file}: entry ${e.name} escapes the folder`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, e.data);
  }
  return { extensionPath: join(root, 'extension'), names: entries.map((e) => e.name) };
}
