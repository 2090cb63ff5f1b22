/**
 * The CLI's command tree, as the tests that keep the flag checks and docs/cli.md complete
 * see it: every command path and its options, straight from the commander definitions.
 */
import type { Command, Option } from 'commander';
import { buildProgram } from '../../cli/main';

export interface CommandInfo {
  /** As typed: `verify key`. */
  path: string[];
  command: Command;
  options: Option[];
  /** A command that runs (has an action); groups like `registry` only dispatch. */
  runs: boolean;
}

/** The full program: every command registered (as `main` does for help and unknown commands). */
export function program(): Promise<Command> {
  return buildProgram({ signal: new AbortController().signal, exitCode: 0 });
}

export function actionOf(c: Command): unknown {
  return (c as unknown as { _actionHandler: unknown })._actionHandler;
}

/** Every command below the root, depth first, except commander's own `help`. */
export async function commands(root?: Command): Promise<CommandInfo[]> {
  root ??= await program();
  const out: CommandInfo[] = [];
  const walk = (c: Command, path: string[]): void => {
    for (const s of c.commands) {
      if (s.name() === 'help') continue;
      const p = [...path, s.name()];
      out.push({ path: p, command: s, options: [...s.options], runs: Boolean(actionOf(s)) });
      walk(s, p);
    }
  };
  walk(root, []);
  return out;
}
