// The `model-provenance` executable (dist/cli.js, a few hundred bytes of CommonJS). It answers
// `--version` by itself, loading nothing else; every other command line goes to the CLI proper,
// dist/cli/main.mjs, an ES module split into chunks (scripts/build.mjs) so that a process parses
// only the modules of the command it runs. Start-up time is a tracked goal (docs/performance.md).
declare const PACKAGE_VERSION: string;
/** Relative to dist/cli.js; a built file, so neither TypeScript nor the bundler resolves it. */
const CLI_MAIN = './cli/main.mjs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // What commander prints for .version(PACKAGE_VERSION) (cli/main.ts).
  process.stdout.write(`${PACKAGE_VERSION}\n`);
} else {
  import(CLI_MAIN).catch((err: unknown) => {
    process.stderr.write(`model-provenance: internal error: cannot load the CLI: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} [INTERNAL]\n`);
    process.exitCode = 2;
  });
}
