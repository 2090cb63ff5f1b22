import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { InputError, fsError } from '../core';

export type OutputFormat = 'text' | 'json' | 'report';

/** The parser of every repeatable option: the flag checks (./forms) know an option is repeatable by it. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export interface ModelScopeOptions {
  ignorePaths?: string[];
  ignoreGitPaths: boolean;
  allowSymlinks?: boolean;
  progress?: boolean;
  format: OutputFormat;
}

/** The model-scope flags every hashing command shares, spelled as model_signing spells them. */
export function addModelScopeOptions(cmd: Command, formats: OutputFormat[] = ['text', 'json']): Command {
  return cmd
    .option('--ignore-paths <path>', 'leave this path (relative to the model) out; repeatable', collect)
    .option('--ignore-git-paths', 'leave .git, .gitattributes, .github, .gitignore out', true)
    .option('--no-ignore-git-paths', 'include the git paths in the model')
    .option('--allow-symlinks', 'follow symbolic links that stay inside the model')
    .option('--progress', 'show hashing progress on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show progress')
    .addOption(new Option('--format <format>', 'output format').choices(formats).default('text'));
}

/** `--password`, which cannot be given with `--password-file` (one of them would be dropped). */
export const passwordOption = (description: string): Option => new Option('--password <passphrase>', description).conflicts('passwordFile');

/** The passphrase of a private key: flag, file or environment, never echoed. */
export function passphrase(opts: { password?: string; passwordFile?: string }): string | undefined {
  if (opts.password !== undefined) return opts.password;
  if (opts.passwordFile !== undefined) {
    try {
      return readFileSync(opts.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw fsError(err, opts.passwordFile, 'read the passphrase file');
    }
  }
  const env = process.env.MODEL_PROVENANCE_PASSPHRASE;
  return env === undefined || env === '' ? undefined : env;
}

export function requireOption<T>(value: T | undefined, flag: string, why = ''): T {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    throw new InputError('USAGE', `missing ${flag}${why ? ` (${why})` : ''}`);
  }
  return value;
}

/** An option's value only when the person typed it; undefined when it is the default. */
export function explicitOption<T>(cmd: Command, attr: string): T | undefined {
  return cmd.getOptionValueSource(attr) === 'cli' ? (cmd.getOptionValue(attr) as T) : undefined;
}

export function emit(text: string): void {
  process.stdout.write(text);
}
