// A docker-registry (CNCF Distribution 2.8, Debian's package) for benchmarks: started on
// 127.0.0.1 with a free port and its own storage, killed with the scratch folder.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';

const BIN = process.env.MP_DOCKER_REGISTRY ?? '/usr/bin/docker-registry';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function answers(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v2/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** Starts a registry under `dir`; `children` is the scratch set that kills it on exit. */
export async function startRegistry(dir, children) {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: apt-get install -y docker-registry`);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(config, ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'storage')}`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'));
  const child = spawn(BIN, ['serve', config], { stdio: 'ignore' });
  children.add(child);
  const deadline = Date.now() + 30_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, host: `127.0.0.1:${port}`, spec: `oci://127.0.0.1:${port}/team/provenance`, child };
}
