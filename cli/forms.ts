/**
 * Every flag given is honoured or refused, never dropped.
 *
 * A command may work in several forms (`verify MODEL` checks a signature, `verify --policy`
 * a chain of custody, `attest --no-store` writes no registry). Each command with more than
 * one form declares them here: which options each form honours, and what a person should
 * do instead when they gave one it does not. Before any action runs, the options actually
 * typed are checked against the form they select; anything else is refused with exit 2 and
 * a named reason. Commands without declared forms honour every option they define.
 *
 * Three more ways a flag can vanish are refused for every command: a one-value option
 * given twice (the last would win), `--x` with `--no-x`, and options written before a
 * subcommand name (they went to the parent, which does not run).
 */
import type { Command, Option } from 'commander';
import { InputError } from '../core/errors';
import { collect } from './options';

/** One option as typed on the command line. */
export interface GivenFlag {
  option: Option;
  /** The attribute the value lands in (`trustedKeys`; shared by `--x` and `--no-x`). */
  attr: string;
  /** As the person typed it, in our spelling: `--trusted-keys`, `--no-progress`. */
  flag: string;
}

/** What was typed for one command: its options (in order, repeats included) and its arguments. */
export interface Given {
  readonly flags: readonly GivenFlag[];
  /** Positional arguments by position, `undefined` where not given. */
  readonly args: readonly unknown[];
  has(attr: string): boolean;
  /** The parsed value of an option (typed or default), for forms that depend on one (`--format openvex`). */
  value(attr: string): unknown;
}

/** An option that a form honours only together with something else. */
export interface Needs {
  test: (g: Given) => boolean;
  /** What is missing, for the refusal: `--trusted-keys or --public-key`. */
  needs: string;
  /** Arguments that satisfy the need, for the generated tests. */
  sample: string[];
}

export interface Form {
  /** How messages name the form: `verify --policy`. */
  name: string;
  /** Whether the typed arguments select this form; forms are tried in order, a form without `when` always matches. */
  when?: (g: Given) => boolean;
  /** The options this form honours, by attribute name; `'*'` honours every option not listed in `except`. */
  options: Record<string, true | Needs> | '*';
  /** Options this form refuses, each with what to do instead (with `options: '*'`: the only ones refused). */
  except?: Record<string, string>;
  /** With `options: '*'`: options honoured only together with something else. */
  needs?: Record<string, Needs>;
  /** Arguments that select this form (after the command's own required arguments), for the generated tests. */
  sample: string[];
}

const forms = new WeakMap<Command, Form[]>();
const typed = new WeakMap<Command, GivenFlag[]>();

/** Declares the forms of a command. Options it defines later must be declared too (a test keeps this true). */
/** `--ca-file`, `--insecure`, `--registry-timeout` (cli/registry-options.ts) only tune how `--registry` is reached. */
const TRANSPORT_ATTRS = ['caFile', 'insecure', 'registryTimeout'];

/** A form with the OCI transport flags under the same rule as `--registry`, wherever it does not name them itself. */
function withTransport(form: Form): Form {
  const follow = <T>(table: Record<string, T> | undefined): Record<string, T> | undefined => {
    const rule = table?.['registry'];
    if (!table || rule === undefined) return table;
    return { ...Object.fromEntries(TRANSPORT_ATTRS.map((a) => [a, rule])), ...table };
  };
  return {
    ...form,
    options: form.options === '*' ? '*' : follow(form.options)!,
    ...(form.except ? { except: follow(form.except) } : {}),
    ...(form.needs ? { needs: follow(form.needs) } : {}),
  };
}

export function declareForms(cmd: Command, list: Form[]): Command {
  forms.set(cmd, list.map(withTransport));
  return cmd;
}

export function formsOf(cmd: Command): Form[] | undefined {
  return forms.get(cmd);
}

/** Whether an option may be given more than once: variadic, or accumulated with `collect`. */
export function isRepeatable(o: Option): boolean {
  return o.variadic || (o as Option & { parseArg?: unknown }).parseArg === collect;
}

export function longFlag(o: Option): string {
  return o.long ?? o.short ?? o.flags;
}

/**
 * Installs the checks on a program and all its subcommands: records what is typed, and
 * runs `enforce` before each action. Call once, after every command is registered.
 */
export function installFormChecks(program: Command): void {
  const record = (cmd: Command): void => {
    for (const o of cmd.options) {
      cmd.on(`option:${o.name()}`, () => {
        const list = typed.get(cmd) ?? [];
        list.push({ option: o, attr: o.attributeName(), flag: longFlag(o) });
        typed.set(cmd, list);
      });
    }
    for (const c of cmd.commands) record(c);
  };
  record(program);
  program.hook('preAction', (_root, action) => enforce(action));
}

function givenFor(cmd: Command): Given {
  const flags = typed.get(cmd) ?? [];
  const attrs = new Set(flags.map((f) => f.attr));
  return { flags, args: cmd.processedArgs ?? [], has: (a) => attrs.has(a), value: (a) => cmd.getOptionValue(a) };
}

function refuse(code: string, message: string): never {
  throw new InputError(code, message);
}

/** The command path as typed: `verify key`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Refuses what would be dropped; throws InputError (exit 2) with the reason. */
export function enforce(cmd: Command): void {
  // Options typed before a subcommand name went to an ancestor, which is not running.
  for (let p = cmd.parent; p?.parent; p = p.parent) {
    const early = typed.get(p) ?? [];
    if (early.length > 0) {
      refuse('OPTION_NOT_APPLICABLE', `${early[0]!.flag} was given before "${cmd.name()}": options of ${commandPath(cmd)} go after "${cmd.name()}" (before it they belong to ${commandPath(p)}, which does not run)`);
    }
  }
  const g = givenFor(cmd);
  const seen = new Map<string, GivenFlag>();
  for (const f of g.flags) {
    const before = seen.get(f.attr);
    if (before && !isRepeatable(f.option)) {
      if (before.flag !== f.flag) refuse('OPTION_CONFLICT', `${before.flag} and ${f.flag} contradict each other: give one`);
      if (f.option.required || f.option.optional) refuse('OPTION_REPEATED', `${f.flag} was given twice, and it takes one value: give it once`);
    }
    seen.set(f.attr, f);
  }
  const list = forms.get(cmd);
  if (!list) return;
  const form = list.find((f) => !f.when || f.when(g));
  // Declared forms are the whole truth: typed options that select none of them are not honoured.
  if (!form) refuse('OPTION_NOT_APPLICABLE', `the options given select no form of ${commandPath(cmd)} (${list.map((f) => f.name).join('; ')})`);
  for (const f of g.flags) {
    const why = form.except?.[f.attr];
    if (why !== undefined) refuse('OPTION_NOT_APPLICABLE', `${f.flag} does not apply to ${form.name}: ${why}`);
    const rule = form.options === '*' ? (form.needs?.[f.attr] ?? true) : form.options[f.attr];
    if (rule === undefined) refuse('OPTION_NOT_APPLICABLE', `${f.flag} does not apply to ${form.name}`);
    if (rule !== true && rule !== undefined && !rule.test(g)) refuse('OPTION_NOT_APPLICABLE', `${f.flag} applies to ${form.name} only with ${rule.needs}`);
  }
}
