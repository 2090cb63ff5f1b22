// Bundles the CLI (and, later, the language server and the extension) with esbuild.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, chmodSync, rmSync } from 'node:fs';

// JSON-schema validators are compiled here, not at start-up (ajv standalone code into
// core/schema/generated/, not committed): see scripts/gen-validators.ts.
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/gen-validators.ts'], { stdio: 'inherit' });
const VALIDATORS = readdirSync('core/schema/generated').filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3));

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

// The generated validators (~2.4 MB of code) are files of their own, dist/schema/NAME.js, which
// every bundle requires at run time when it first validates: one copy shared by the CLI, the
// server and core.js, and none of it parsed by a process that validates nothing (V8 parses every
// byte of a bundle at start-up, wrapped lazily or not). So is the ajv compiler with the CycloneDX
// schemas (core/schema/ajv-setup.ts, ~1 MB), which only stock-ajv comparisons and the editor's
// schema features use.
const RUNTIME = { ...Object.fromEntries(VALIDATORS.map((n) => [n, `core/schema/generated/${n}.js`])), 'ajv-setup': 'core/schema/ajv-setup.ts' };
/** Leaves the schema modules out of a bundle: required from dist/schema/ (DIR: relative to the bundle's folder). */
const externalSchemaModules = (dir) => ({
  name: 'external-schema-modules',
  setup(b) {
    b.onResolve({ filter: /[\\/](generated[\\/][\w.-]+|ajv-setup)$/ }, (args) => {
      const name = args.path.split(/[\\/]/).pop();
      if (!Object.hasOwn(RUNTIME, name)) return undefined;
      return { path: `${dir}/schema/${name}.js`, external: true };
    });
  },
});
rmSync('dist/schema', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: RUNTIME,
  outdir: 'dist/schema',
  sourcemap: false,
  // Generated code nobody reads: minified, it is a third smaller and parses faster.
  minify: true,
});
common.plugins = [externalSchemaModules('.')];

// The CLI: dist/cli.js (the bin) is a launcher that answers --version alone and imports
// dist/cli/main.mjs for everything else. The CLI proper is ESM with code splitting: each command
// is a chunk of its own (cli/main.ts imports them on demand), so a process parses only the code
// of the command it runs (V8 parses every byte of a bundle it loads, run or not: one CJS bundle
// made every command pay for all of them). `require` is defined in each chunk for the CommonJS
// dependencies and the schema modules.
// commander requires node:child_process at load (for executable subcommands, which the CLI does
// not have), and with it net, dgram and streams: ~2 % of `node -e 0`'s instructions at every start.
// Its copy gets the module on first use instead.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'lazy-child-process' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};
rmSync('dist/cli', { recursive: true, force: true });
await build({
  ...common,
  plugins: [externalSchemaModules('..'), lazyChildProcessForCommander],
  format: 'esm',
  splitting: true,
  entryPoints: { main: 'cli/bin.ts' },
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  banner: { js: "import { createRequire as __mpCreateRequire } from 'node:module';\nconst require = __mpCreateRequire(import.meta.url);" },
});
rmSync('dist/cli.js.map', { force: true });
await build({ ...common, plugins: [], sourcemap: false, entryPoints: ['cli/launcher.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } });
await build({ ...common, entryPoints: ['core/index.ts'], outfile: 'dist/core.js' });
await build({ ...common, entryPoints: ['server/node-main.ts'], outfile: 'dist/server.js' });
// The extension host provides `vscode`; everything else is bundled, so the .vsix needs no node_modules.
await build({ ...common, entryPoints: ['client/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
chmodSync('dist/cli.js', 0o755);
