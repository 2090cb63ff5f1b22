import { Command, CommanderError } from 'commander';
import { CancelledError, isProvenanceError } from '../core/errors';
import { sarifText, TOOL_VERSION } from '../core/report/sarif-log';
import { normaliseArgv } from './argv';
import type { CliContext } from './context';
import { commandPath, installFormChecks } from './forms';
import { addRegistryTransportOptions } from './registry-options';

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
  diff: async () => (await import('./commands/diff')).registerDiff,
};

/** Every command name, in help order. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

/**
 * The commands to register for these (normalised) arguments: the one named, none for
 * `--version` / `-V` alone, else all of them (help, `help X`, a typo that needs suggestions, no
 * command). The program itself takes no option with a value, so the first word that is not an
 * option is the command.
 */
export function commandsFor(args: readonly string[]): string[] {
  const first = args.find((a) => !a.startsWith('-'));
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (first === undefined && args.length > 0 && args.every((a) => a === '-V' || a === '--version')) return [];
  return Object.keys(COMMANDS);
}

declare const PACKAGE_VERSION: string;
const EXIT_USAGE = 2;

/**
 * The command tree, ready to parse: the commands named (default: every one) registered in help
 * order, the OCI transport flags, exit override and the flag checks of ./forms installed. Tests
 * walk the full tree to keep docs and checks complete; `main` builds only what its arguments need.
 */
export async function buildProgram(ctx: CliContext, names: readonly string[] = COMMAND_NAMES): Promise<Command> {
  const program = new Command('model-provenance')
    .description('Chain of custody for ML models: sign, verify and attest, OpenSSF Model Signing compatible')
    .version(typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev')
    .showSuggestionAfterError()
    // Options after a subcommand belong to it (verify and verify key both take --format).
    .enablePositionalOptions()
    // Errors are reported once, by reportError, with a code; commander's own line is not printed.
    .configureOutput({ outputError: () => undefined });
  const wanted = COMMAND_NAMES.filter((n) => names.includes(n));
  for (const register of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) register(program, ctx);
  addRegistryTransportOptions(program);
  configureAll(program);
  installFormChecks(program);
  return program;
}

/** Every command throws instead of exiting, and keeps errors for reportError. */
function configureAll(cmd: Command): void {
  cmd.exitOverride();
  cmd.configureOutput({ outputError: () => undefined });
  for (const c of cmd.commands) configureAll(c);
}

export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const ctx: CliContext = { signal: controller.signal, exitCode: 0 };
  const args = normaliseArgv(argv);
  const program = await buildProgram(ctx, commandsFor(args));
  try {
    await program.parseAsync(args, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    return reportError(err, requestedFormat(args), err instanceof CommanderError && err.code === 'commander.unknownOption' ? ownerOfOption(program, args, err.message) : undefined);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** The --format asked for, read from the arguments themselves: a parse error leaves no parsed options. */
export function requestedFormat(args: readonly string[]): string | undefined {
  let format: string | undefined;
  for (let i = 0; i < args.length && args[i] !== '--'; i++) {
    const a = args[i]!;
    if (a === '--format' && i + 1 < args.length) format = args[i + 1];
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
  }
  return format;
}

/**
 * For an option typed on a command that does not take it but one of its subcommands does
 * (`verify M --identity X`), the form that takes it: the right advice, not only "unknown".
 */
export function ownerOfOption(program: Command, args: readonly string[], message: string): string | undefined {
  const flag = /unknown option '([^']+)'/.exec(message)?.[1];
  if (!flag) return undefined;
  let cmd = program;
  for (const a of args) {
    if (a === '--') break;
    const sub = a.startsWith('-') ? undefined : cmd.commands.find((c) => c.name() === a);
    if (sub) cmd = sub;
  }
  const owners = cmd.commands.filter((c) => c.options.some((o) => o.long === flag));
  if (owners.length === 0) return undefined;
  const usage = (c: Command): string => `model-provenance ${commandPath(c)}${c.registeredArguments.map((a) => ` ${a.name().toUpperCase()}`).join('')} ${flag} …`;
  return `${flag} belongs to ${owners.map((o) => `"${commandPath(o)}"`).join(' or ')}: ${usage(owners[0]!)}`;
}

/** Stable codes for what the argument parser refuses. */
const PARSER_CODES: Record<string, string> = {
  'commander.unknownOption': 'UNKNOWN_OPTION',
  'commander.unknownCommand': 'UNKNOWN_COMMAND',
  'commander.missingArgument': 'MISSING_ARGUMENT',
  'commander.optionMissingArgument': 'OPTION_VALUE_MISSING',
  'commander.missingMandatoryOptionValue': 'OPTION_REQUIRED',
  'commander.conflictingOption': 'OPTION_CONFLICT',
  'commander.excessArguments': 'EXCESS_ARGUMENTS',
  'commander.invalidArgument': 'INVALID_VALUE',
};

interface CliFailure {
  code: string;
  message: string;
  file?: string;
}

/**
 * One line on stderr, never a stack trace; the exit code says what kind of failure. With
 * `--format json` (or `sarif`) the same error is also written to stdout in that format, so a
 * pipeline that parses stdout sees why nothing else came.
 */
export function reportError(err: unknown, format?: string, advice?: string): number {
  let failure: CliFailure;
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code === 'commander.help') {
      // Help asked for (`help`) is a success; help shown because no command was given is not.
      if (err.exitCode === 0) return 0;
      failure = { code: 'USAGE', message: 'no command given (the usage is above; "model-provenance help COMMAND" explains one)' };
    } else {
      failure = { code: PARSER_CODES[err.code] ?? 'USAGE', message: `${commanderMessage(err.message)}${advice ? `; ${advice}` : ''}` };
    }
  } else if (err instanceof CancelledError) {
    // One line like every other failure; in a terminal it starts on a line of its own (after the "^C" echo or a progress line).
    const what = err.message === 'operation cancelled' ? 'cancelled' : err.message;
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}model-provenance: ${err.file ? `${err.file}: ` : ''}${what} [CANCELLED]\n`);
    return 130;
  } else if (isProvenanceError(err)) {
    failure = { code: err.code, message: err.message, ...(err.file ? { file: err.file } : {}) };
  } else {
    const message = err instanceof Error ? err.message : String(err);
    failure = { code: 'INTERNAL', message: `internal error: ${message.split('\n')[0]}` };
    if (process.env.MODEL_PROVENANCE_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  }
  process.stderr.write(`model-provenance: ${failure.file ? `${failure.file}: ` : ''}${failure.message} [${failure.code}]\n`);
  // Further problems in other places of the same file: one line each, as the first.
  if (isProvenanceError(err)) for (const a of err.also) process.stderr.write(`model-provenance: ${failure.file ? `${failure.file}: ` : ''}${a.message} [${failure.code}]\n`);
  if (format === 'json') process.stdout.write(`${JSON.stringify({ error: { code: failure.code, message: failure.message, file: failure.file ?? null } }, null, 2)}\n`);
  else if (format === 'sarif') process.stdout.write(sarifFailure(failure));
  return EXIT_USAGE;
}

/** commander's "error: unknown option '--x'\n(Did you mean --y?)" as one line. */
function commanderMessage(message: string): string {
  return message
    .replace(/^error: /, '')
    // "option '--format <format>' argument 'pdf' is invalid. …" as one clean line: the value, then why.
    .replace(/^option '(-[^ ']+)[^']*' argument '([^']*)' is invalid\. Allowed choices are (.*?)\.?$/s, '$1 "$2" is not one of: $3')
    .replace(/^option '(-[^ ']+)[^']*' argument '([^']*)' is invalid\. (.*)$/s, '$1 "$2": $3')
    .replace(/\n\(Did you mean (.*)\?\)$/s, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ');
}

/** A SARIF 2.1.0 log that says the run did not happen, and why (toolExecutionNotifications). */
function sarifFailure(f: CliFailure): string {
  return sarifText({
    version: TOOL_VERSION,
    results: [],
    run: {
      invocations: [
        {
          executionSuccessful: false,
          exitCode: EXIT_USAGE,
          toolExecutionNotifications: [
            {
              level: 'error',
              descriptor: { id: f.code },
              message: { text: f.message },
              ...(f.file ? { locations: [{ physicalLocation: { artifactLocation: { uri: f.file } } }] } : {}),
            },
          ],
        },
      ],
    },
  });
}
