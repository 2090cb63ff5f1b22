// Bundles test/e2e/suite/*.e2e.ts (with mocha) into one CommonJS module exporting run(): the
// extensionTestsPath both runners hand to VS Code. `vscode` stays external (the host provides it).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const SUITE = join(dirname(fileURLToPath(import.meta.url)), 'suite');

/** Writes the bundle to `outfile` and returns it. */
export async function buildSuite(outfile) {
  const files = readdirSync(SUITE).filter((f) => f.endsWith('.e2e.ts')).sort();
  if (files.length === 0) throw new Error(`no *.e2e.ts in ${SUITE}`);
  await build({
    stdin: {
      // mocha's globals (describe, it, …) must exist before the suites load: runWith requires them inside.
      contents: `import { runWith } from './index';\nexport function run() {\n  return runWith(() => {\n${files.map((f) => `    require('./${f}');`).join('\n')}\n  });\n}\n`,
      resolveDir: SUITE,
      sourcefile: 'e2e-suite-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode'],
    outfile,
    logLevel: 'warning',
    // mocha's parallel mode (not used here) resolves files at run time.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'e2e', 'suite', 'index.js');
  console.log(await buildSuite(out));
}
