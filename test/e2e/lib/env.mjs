// Where the e2e prerequisites live (scripts/setup-e2e.sh installs them) and the repository's paths.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(REPO, 'dist', 'cli.js');
export const OUT = join(REPO, 'test-output', 'e2e');
export const E2E_DIR = process.env.MP_E2E_DIR || join(homedir(), '.cache', 'model-provenance-e2e');
export const EXTENSION_ID = 'model-provenance.model-provenance';
/** The model-transparency vectors (read in place): ../shared beside the checkout, or MODEL_PROVENANCE_SHARED. */
export const MT_VECTORS = join(resolve(process.env.MODEL_PROVENANCE_SHARED ?? join(REPO, '..', 'shared')), 'vectors', 'model-transparency');
export const HAVE_MT_VECTORS = existsSync(join(MT_VECTORS, 'v1.1.0-sigstore', 'model.sig'));
export const KEYLESS = { identity: 'stefanb@us.ibm.com', issuer: 'https://sigstore.verify.ibm.com/oauth2' };

/**
 * The installed prerequisites, or `{ missing }` naming what is not there.
 * @returns {{ node24: string, codeServer: string, chromium: string, codeServerVersion: string } | { missing: string }}
 */
export function prerequisites() {
  const file = join(E2E_DIR, 'e2e.json');
  if (!existsSync(file)) return { missing: `${file} (code-server, Node 24 and chromium are not installed)` };
  const p = JSON.parse(readFileSync(file, 'utf8'));
  for (const k of ['node24', 'codeServer', 'chromium']) {
    if (!p[k] || !existsSync(p[k])) return { missing: `${k}: ${p[k] ?? '(not set)'}` };
  }
  return p;
}
