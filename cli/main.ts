import { Command, CommanderError } from 'commander';
import { CancelledError, isProvenanceError } from '../core/errors';
import { normaliseArgv } from './argv';
import type { CliContext } from './context';

type Register = (program: Command, ctx: CliContext) => void;

/**
 * Every command, in help order, loaded on demand: a process registers only the command it runs
 * (all of them for help, suggestions and anything unknown), so it never loads another command's
 * modules. esbuild keeps each import() below lazy in the one CJS bundle (a `__esm` init run on
 * first call), and the command modules are where core and its dependencies come in.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  hash: async () => (await import('./commands/hash')).registerHash,
  keygen: async () => (await import('./commands/keygen')).registerKeygen,
  sign: async () => (await import('./commands/sign')).registerSign,
  verify: async () => (await import('./commands/verify')).registerVerify,
  validate: async () => (await import('./commands/validate')).registerValidate,
  attest: async () => (await import('./commands/attest')).registerAttest,
  lineage: async () => (await import('./commands/chain')).registerLineage,
  registry: async () => (await import('./commands/registry')).registerRegistry,
  manifest: async () => (await import('./commands/manifest')).registerManifest,
  inspect: async () => (await import('./commands/inspect')).registerInspect,
  incident: async () => (await import('./commands/incident')).registerIncident,
  report: async () => (await import('./commands/report')).registerReport,
};

/** The commands to register for these arguments: the one named, none for --version alone, else all. */
export function commandsFor(args: readonly string[]): string[] {
  const first = args.find((a) => !a.startsWith('-'));
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (first === undefined && args.length > 0 && args.every((a) => a === '-V' || a === '--version')) return [];
  return Object.keys(COMMANDS);
}

declare const PACKAGE_VERSION: string;
const EXIT_USAGE = 2;

export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const ctx: CliContext = { signal: controller.signal, exitCode: 0 };
  const program = new Command('model-provenance')
    .description('Chain of custody for ML models: sign, verify and attest, OpenSSF Model Signing compatible')
    .version(typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev')
    .showSuggestionAfterError()
    // Options after a subcommand belong to it (verify and verify key both take --format).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `model-provenance: ${s}` : s) });
  const args = normaliseArgv(argv);
  for (const register of await Promise.all(commandsFor(args).map((name) => COMMANDS[name]!()))) register(program, ctx);
  for (const c of program.commands) propagateExitOverride(c);

  try {
    await program.parseAsync(args, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    return reportError(err);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

function propagateExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const c of cmd.commands) propagateExitOverride(c);
}

/** One line on stderr, never a stack trace; the exit code says what kind of failure. */
function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return EXIT_USAGE; // commander already printed its one-line message
  }
  if (err instanceof CancelledError) {
    process.stderr.write('\nmodel-provenance: cancelled\n');
    return 130;
  }
  if (isProvenanceError(err)) {
    process.stderr.write(`model-provenance: ${err.oneLine()}\n`);
    return EXIT_USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`model-provenance: internal error: ${message.split('\n')[0]} [INTERNAL]\n`);
  if (process.env.MODEL_PROVENANCE_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  return EXIT_USAGE;
}
