import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO } from './fixtures';

/** ../shared beside the checkout; the interop tier runs only where it is present. */
export const SHARED = resolve(process.env.MODEL_PROVENANCE_SHARED ?? join(REPO, '..', 'shared'));
export const VECTORS = join(SHARED, 'vectors');
export const HAVE_VECTORS = existsSync(join(VECTORS, 'model-transparency'));
export const SKIP_REASON = `interop tier skipped: ${VECTORS} not found (set MODEL_PROVENANCE_SHARED to the shared folder)`;

if (!HAVE_VECTORS) process.stdout.write(`# ${SKIP_REASON}\n`);
