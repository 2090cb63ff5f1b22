import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { InputError, fsError, resolveIgnorePathsFromCwd, type ModelScope, type ScopeWarning } from '../core';

export type OutputFormat = 'text' | 'json' | 'report' | 'sarif';

export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export interface ModelScopeFlags {
  ignorePaths?: string[];
  ignoreGitPaths: boolean;
  allowSymlinks?: boolean;
}

export interface ModelScopeOptions extends ModelScopeFlags {
  progress?: boolean;
  format: OutputFormat;
}

/**
 * The flags that say which files make up a model, spelled as model_signing spells them:
 * every command that hashes a model takes them, so a model signed with ignore paths gets
 * the same digest when hashed, attested or found by the gate with the same flags.
 */
export function addModelScopeFlags(cmd: Command): Command {
  return cmd
    .option('--ignore-paths <path>', 'leave this file or folder out of the model; resolved against the current directory (or absolute), as model_signing does; repeatable', collect)
    .option('--ignore-git-paths', 'leave .git, .gitattributes, .github, .gitignore out (default)', true)
    .option('--no-ignore-git-paths', 'include the git paths in the model')
    .option('--allow-symlinks', 'follow symbolic links that stay inside the model');
}

/** The model-scope flags every hashing command shares, with progress and output format. */
export function addModelScopeOptions(cmd: Command, formats: OutputFormat[] = ['text', 'json']): Command {
  return addModelScopeFlags(cmd)
    .option('--progress', 'show hashing progress on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show progress')
    .addOption(new Option('--format <format>', 'output format').choices(formats).default('text'));
}

/**
 * The library's model scope from the flags. `--ignore-paths` values are resolved as
 * model_signing's CLI resolves them (against the current directory, then made relative
 * to the model root); those outside the model are dropped with a warning on stderr.
 */
export function modelScope(model: string, flags: ModelScopeFlags, extra: { signaturePath?: string } = {}): ModelScope {
  const r = resolveIgnorePathsFromCwd(model, flags.ignorePaths ?? []);
  for (const p of r.root) {
    throw new InputError('IGNORE_PATH_IS_MODEL', `--ignore-paths "${p}" names the model itself, which would leave nothing to sign or verify`, { file: model });
  }
  printWarnings(model, r.outside.map((p) => ({ code: 'IGNORE_PATH_OUTSIDE', path: p, message: `ignore path "${p}" is outside the model; dropped` })));
  (flags.ignorePaths ?? []).forEach((given) => {
    const rel = resolveIgnorePathsFromCwd(model, [given]).paths[0];
    if (rel !== undefined && rel !== given) givenAs.set(rel, given);
  });
  return {
    ignorePaths: r.paths,
    ignoreGitPaths: flags.ignoreGitPaths,
    allowSymlinks: flags.allowSymlinks,
    ...(extra.signaturePath !== undefined ? { signaturePath: extra.signaturePath } : {}),
  };
}

/** Model-relative ignore path -> the --ignore-paths value it came from, to name it as typed. */
const givenAs = new Map<string, string>();

/** One line per warning on stderr, file first and code last, like errors; never on stdout. */
export function printWarnings(model: string, warnings: readonly ScopeWarning[] | undefined): void {
  for (const w of warnings ?? []) {
    const typed = givenAs.get(w.path);
    process.stderr.write(`model-provenance: warning: ${model}: ${w.message}${typed ? ` (--ignore-paths ${typed})` : ''} [${w.code}]\n`);
  }
}

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

/** Tells the user, on stderr, that a write created the registry folder (so a mistyped path is seen). */
export function registryCreated(location: string): void {
  process.stderr.write(`note: created a new registry at ${location}\n`);
}

export function emit(text: string): void {
  process.stdout.write(text);
}
