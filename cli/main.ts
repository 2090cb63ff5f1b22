import { Command, CommanderError } from 'commander';
import { CancelledError, isProvenanceError } from '../core';
import { normaliseArgv } from './argv';
import type { CliContext } from './context';
import { registerHash } from './commands/hash';
import { registerKeygen } from './commands/keygen';
import { registerSign } from './commands/sign';
import { registerVerify } from './commands/verify';
import { registerValidate } from './commands/validate';
import { registerAttest } from './commands/attest';
import { registerLineage } from './commands/chain';
import { registerRegistry } from './commands/registry';
import { registerManifest } from './commands/manifest';
import { registerInspect } from './commands/inspect';
import { registerIncident } from './commands/incident';
import { registerReport } from './commands/report';
import { registerDiff } from './commands/diff';

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
  registerHash(program, ctx);
  registerKeygen(program);
  registerSign(program, ctx);
  registerVerify(program, ctx);
  registerValidate(program, ctx);
  registerAttest(program, ctx);
  registerLineage(program, ctx);
  registerRegistry(program, ctx);
  registerManifest(program, ctx);
  registerInspect(program, ctx);
  registerIncident(program, ctx);
  registerReport(program, ctx);
  registerDiff(program, ctx);
  for (const c of program.commands) propagateExitOverride(c);

  try {
    await program.parseAsync(normaliseArgv(argv), { from: 'user' });
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
