// Bundles the CLI (and, later, the language server and the extension) with esbuild.
import { build } from 'esbuild';
import { readFileSync, chmodSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // jsonc-parser's UMD build hides its requires from bundlers; its ESM build does not.
  mainFields: ['module', 'main'],
  define: { PACKAGE_VERSION: JSON.stringify(pkg.version) },
};

await build({ ...common, entryPoints: ['cli/bin.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } });
await build({ ...common, entryPoints: ['core/index.ts'], outfile: 'dist/core.js' });
await build({ ...common, entryPoints: ['server/node-main.ts'], outfile: 'dist/server.js' });
// The extension host provides `vscode`; everything else is bundled, so the .vsix needs no node_modules.
await build({ ...common, entryPoints: ['client/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
chmodSync('dist/cli.js', 0o755);
