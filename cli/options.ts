import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError, fsError } from '../core/errors';
import { resolveIgnorePathsFromCwd } from '../core/model/ignore-paths';
import type { ModelScope, ScopeWarning } from '../core/model/enumerate';
import type { OptionNames } from '../core/option-names';

export type OutputFormat = 'text' | 'json' | 'report' | 'sarif';

/**
 * How core's messages name what a person can change, when the CLI calls it: its flags. Core
 * names its own options by default (core/option-names), so every call that can produce such a
 * message passes these (`optionNames: CLI_OPTION_NAMES`).
 */
export const CLI_OPTION_NAMES: Readonly<Required<OptionNames>> = {
  registry: '--registry',
  passphrase: '--password or MODEL_PROVENANCE_PASSPHRASE',
  allowSymlinks: '--allow-symlinks',
  ignorePaths: '--ignore-paths',
  ignoreUnsignedFiles: '--ignore-unsigned-files',
  scan: '--scan',
  policy: '--policy',
  issuer: '--identity-provider URL',
  since: '--since',
  force: '--force',
  date: '--date',
  inputs: '--inputs',
  allowUnattested: '--allow-unattested',
  signature: '--signature',
  jsonFormat: '--format json',
};

/** The parser of every repeatable option: the flag checks (./forms) know an option is repeatable by it. */
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
    .option('--ignore-git-paths', 'leave .git, .gitattributes, .github, .gitignore out', true)
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

/** `--password`, which cannot be given with `--password-file` (one of them would be dropped). */
export const passwordOption = (description: string): Option => new Option('--password <passphrase>', description).conflicts('passwordFile');
/**
 * The library's model scope from the flags. `--ignore-paths` values are resolved as
 * model_signing's CLI resolves them (against the current directory, then made relative
 * to the model root); those outside the model are dropped with a warning on stderr.
 */
export function modelScope(model: string, flags: ModelScopeFlags, extra: { signaturePath?: string } = {}): ModelScope {
  // A single-file model has nothing inside to leave out: said as such, not as "outside the model".
  if ((flags.ignorePaths?.length ?? 0) > 0 && statSync(model, { throwIfNoEntry: false })?.isFile()) {
    placed(model, flags.ignorePaths!.map((p) => ({ code: 'IGNORE_PATH_SINGLE_FILE', path: p, message: `ignore path "${p}" does not apply to a single-file model; dropped` })));
    flags = { ...flags, ignorePaths: [] };
  }
  const r = resolveIgnorePathsFromCwd(model, flags.ignorePaths ?? []);
  for (const p of r.root) {
    throw new InputError('IGNORE_PATH_IS_MODEL', `--ignore-paths "${p}" names the model itself, which would leave nothing to sign or verify`, { file: model });
  }
  // Paths resolve against the working directory (model_signing's rule): a name typed as if
  // relative to the model, from outside it, is outside; say which path was probably meant.
  placed(model, r.outside.map((p) => {
    const meant = isAbsolute(p) ? undefined : join(model, p);
    const hint = meant !== undefined && existsSync(meant) ? `; paths are resolved against the current directory, as model_signing does: did you mean "${meant}"?` : '';
    return { code: 'IGNORE_PATH_OUTSIDE', path: p, message: `ignore path "${p}" is outside the model; dropped${hint}` };
  }));
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

/**
 * The warnings modelScope printed while placing --ignore-paths (outside the model, single-file),
 * by model: the core never sees those paths, so JSON output adds them to its own `warnings`.
 */
const placementWarnings = new Map<string, ScopeWarning[]>();

/** The `warnings` a JSON output shows for `model`: modelScope's own, then the core's. */
export function jsonWarnings(model: string, warnings: readonly ScopeWarning[] | undefined): ScopeWarning[] {
  return [...(placementWarnings.get(model) ?? []), ...(warnings ?? [])];
}

/** Model-relative ignore path -> the --ignore-paths value it came from, to name it as typed. */
const givenAs = new Map<string, string>();

/** Prints placement warnings now (every command shows them) and keeps them for JSON output. */
function placed(model: string, warnings: ScopeWarning[]): void {
  printWarnings(model, warnings);
  if (warnings.length) placementWarnings.set(model, [...(placementWarnings.get(model) ?? []), ...warnings]);
}

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

/** An option's value only when the person typed it; undefined when it is the default. */
export function explicitOption<T>(cmd: Command, attr: string): T | undefined {
  return cmd.getOptionValueSource(attr) === 'cli' ? (cmd.getOptionValue(attr) as T) : undefined;
}

/** Tells the user, on stderr, that a write created the registry folder (so a mistyped path is seen). */
export function registryCreated(location: string): void {
  process.stderr.write(`note: created a new registry at ${location}\n`);
}

export function emit(text: string): void {
  process.stdout.write(text);
}
