/**
 * Every flag given is honoured or refused, never dropped: generated over every command,
 * every declared form, every option and every pair of options of the real commander
 * definitions. Each command is
 * parsed by the real program with its flag checks; only the actions are replaced by a
 * recorder, so nothing touches the disk. A refusal must be exit-2 material (InputError)
 * with OPTION_NOT_APPLICABLE, naming the flag and the form.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Command, Option } from 'commander';
import { normaliseArgv } from '../../cli/argv';
import { formsOf, longFlag, isRepeatable, type Form, type Needs } from '../../cli/forms';
import { isProvenanceError } from '../../core';
import { actionOf, commands, program } from '../helpers/program';

interface Outcome {
  ran: boolean;
  code?: string;
  message?: string;
}

/** Parses argv with the real program, every action replaced by a recorder. */
async function parse(argv: string[]): Promise<Outcome> {
  const root = await program();
  let ran = false;
  const stub = (c: Command): void => {
    if (actionOf(c)) c.action(() => void (ran = true));
    c.commands.forEach(stub);
  };
  stub(root);
  try {
    await root.parseAsync(normaliseArgv(argv), { from: 'user' });
    return { ran };
  } catch (err) {
    if (isProvenanceError(err)) return { ran, code: err.code, message: err.message };
    const e = err as { code?: string; message?: string };
    return { ran, code: e.code, message: e.message };
  }
}

/** A value commander accepts for the option: its first choice, a number, or a word. */
function valueFor(o: Option): string[] {
  if (!o.required && !o.optional) return [];
  if (o.argChoices?.length) return [o.argChoices[o.argChoices.length - 1]!];
  if (/max-problems|registry-timeout/.test(o.flags)) return ['5'];
  return ['value'];
}

/** The command's own required arguments, as placeholders. */
function requiredArgs(c: Command): string[] {
  return c.registeredArguments.filter((a) => a.required).map(() => 'arg');
}

function rule(form: Form, attr: string): 'refused' | true | Needs {
  if (form.except?.[attr] !== undefined) return 'refused';
  if (form.options === '*') return form.needs?.[attr] ?? true;
  return form.options[attr] ?? 'refused';
}

/** The attribute names an option declares it conflicts with (commander keeps them untyped). */
const conflictsOf = (o: Option): string[] => (o as Option & { conflictsWith: string[] }).conflictsWith;

const flagsIn = (args: string[]): string[] => args.filter((a) => a.startsWith('--'));

describe('flags are honoured or refused (generated from the commander definitions)', async () => {
  const all = (await commands()).filter((c) => c.runs);

  test('every option of a command with forms is honoured by at least one form', () => {
    const orphans: string[] = [];
    for (const c of all) {
      const forms = formsOf(c.command);
      if (!forms) continue;
      for (const o of c.options) {
        if (!forms.some((f) => rule(f, o.attributeName()) !== 'refused')) {
          orphans.push(`${longFlag(o)} of "${c.path.join(' ')}" is honoured by none of its forms: add it to the forms declared with declareForms() for "${c.path.join(' ')}" (cli/commands/)`);
        }
      }
    }
    assert.deepEqual(orphans, []);
  });

  for (const c of all) {
    const forms: Form[] = formsOf(c.command) ?? [{ name: c.path.join(' '), options: '*', sample: [] }];
    for (const form of forms) {
      test(`${form.name}: each option is honoured or refused by name`, async () => {
        const base = [...c.path, ...requiredArgs(c.command), ...form.sample];
        const baseline = await parse(base);
        // The form's own sample parses (it may still need more in the action, which is not run here).
        assert.equal(baseline.code === 'OPTION_NOT_APPLICABLE', false, `${base.join(' ')}: ${baseline.message}`);
        const sampleOptions = flagsIn(form.sample)
          .map((f) => c.options.find((o) => o.long === f))
          .filter((o): o is Option => Boolean(o));
        let checked = 0;
        for (const o of c.options) {
          const flag = longFlag(o);
          // A flag that selects a form (it is in a form's sample) is checked in that form.
          if (forms.some((f) => flagsIn(f.sample).includes(flag))) continue;
          const r = rule(form, o.attributeName());
          const extra = r !== true && r !== 'refused' ? r.sample : [];
          const argv = [...base, ...extra, flag, ...valueFor(o)];
          const out = await parse(argv);
          const what = argv.join(' ');
          // Aliases of an option in the sample are refused as conflicts, not as inapplicable.
          const negation = sampleOptions.some((s) => s.attributeName() === o.attributeName());
          const alias = sampleOptions.some((s) => conflictsOf(s).includes(o.attributeName()) || conflictsOf(o).includes(s.attributeName()));
          if (negation || alias) {
            assert.equal(out.code, negation ? 'OPTION_CONFLICT' : 'commander.conflictingOption', `${what}: ${out.code} ${out.message}`);
            assert.equal(out.ran, false);
          } else if (r === 'refused') {
            assert.equal(out.ran, false, `${what} ran, but "${form.name}" does not declare ${flag}`);
            assert.equal(out.code, 'OPTION_NOT_APPLICABLE', `${what}: ${out.code} ${out.message}`);
            assert.ok(out.message!.includes(flag) && out.message!.includes(form.name), `${what}: the refusal names the flag and the form: ${out.message}`);
          } else {
            assert.equal(out.code, undefined, `${what} was refused, but "${form.name}" honours ${flag}: ${out.message}`);
            assert.equal(out.ran, true, what);
          }
          checked++;
        }
        assert.ok(checked > 0 || c.options.length === flagsIn(form.sample).length);
      });
    }
  }

  for (const c of all) {
    const forms: Form[] = formsOf(c.command) ?? [{ name: c.path.join(' '), options: '*', sample: [] }];
    for (const form of forms) {
      test(`${form.name}: every pair of options combines as each does alone`, async () => {
        const base = [...c.path, ...requiredArgs(c.command), ...form.sample];
        const inSample = new Set(flagsIn(form.sample));
        // Selectors, options already in the sample, their aliases, and options that need another are left to the tests above.
        const simple = c.options.filter((o) => {
          if (forms.some((f) => flagsIn(f.sample).includes(longFlag(o)))) return false;
          if (c.options.some((x) => inSample.has(longFlag(x)) && (x.attributeName() === o.attributeName() || conflictsOf(x).includes(o.attributeName()) || conflictsOf(o).includes(x.attributeName())))) return false;
          return typeof rule(form, o.attributeName()) !== 'object';
        });
        let pairs = 0;
        for (let i = 0; i < simple.length; i++) {
          for (let j = i + 1; j < simple.length; j++) {
            const [a, b] = [simple[i]!, simple[j]!];
            if (a.attributeName() === b.attributeName() || conflictsOf(a).includes(b.attributeName()) || conflictsOf(b).includes(a.attributeName())) continue;
            const argv = [...base, longFlag(a), ...valueFor(a), longFlag(b), ...valueFor(b)];
            const out = await parse(argv);
            const refused = [a, b].filter((o) => rule(form, o.attributeName()) === 'refused');
            if (refused.length > 0) {
              assert.equal(out.code, 'OPTION_NOT_APPLICABLE', `${argv.join(' ')}: ${out.message}`);
              assert.ok(out.message!.startsWith(longFlag(refused[0]!)), `${argv.join(' ')}: ${out.message}`);
            } else {
              assert.equal(out.code, undefined, `${argv.join(' ')}: ${out.message}`);
              assert.equal(out.ran, true, argv.join(' '));
            }
            pairs++;
          }
        }
        assert.ok(pairs > 0 || simple.length < 2);
      });
    }
  }

  test('an option honoured only with another is refused without it, naming what it needs', async () => {
    const cases: [string[], string, RegExp][] = [
      [['verify', '--policy', 'p.json', '--digest', `sha256:${'a'.repeat(64)}`, '--scan'], '--scan', /only with the model on disk/],
      [['verify', '--policy', 'p.json', '--digest', `sha256:${'a'.repeat(64)}`, '--trusted-keys', 'k'], '--trusted-keys', /only with the model on disk/],
      [['verify', `sha256:${'a'.repeat(64)}`, '--policy', 'p.json', '--public-key', 'k'], '--public-key', /only with the model on disk/],
      [['verify', 'm', '--policy', 'p.json', '--attestation', 's.sig'], '--attestation', /only with --trusted-keys or --public-key/],
      [['verify', 'm', '--policy', 'p.json', '--ignore-unsigned-files'], '--ignore-unsigned-files', /only with --trusted-keys or --public-key/],
      [['attest', 'm', '--certificate-chain', 'i.pem'], '--certificate-chain', /only with --signing-certificate/],
      [['attest', 'm', '--no-store', '--registry', 'r'], '--registry', /nothing is written to a registry/],
      [['manifest', 'validate', 'b.json', '--no-check-disk', '--model', 'm'], '--model', /--no-check-disk skips that/],
      [['verify', 'm', '--trusted-keys', 'k', '--registry', 'r'], '--registry', /add --policy P/],
    ];
    for (const [argv, flag, why] of cases) {
      const out = await parse(argv);
      assert.equal(out.code, 'OPTION_NOT_APPLICABLE', `${argv.join(' ')}: ${out.message}`);
      assert.equal(out.ran, false);
      assert.ok(out.message!.startsWith(flag), out.message);
      assert.match(out.message!, why);
    }
  });

  test('a one-value option given twice is refused for every command that has one', async () => {
    let n = 0;
    for (const c of all) {
      const o = c.options.find((x) => (x.required || x.optional) && !isRepeatable(x) && !x.argChoices);
      if (!o) continue;
      const forms = formsOf(c.command);
      const sample = forms?.find((f) => !flagsIn(f.sample).includes(longFlag(o)))?.sample ?? [];
      const out = await parse([...c.path, ...requiredArgs(c.command), ...sample, longFlag(o), 'a', longFlag(o), 'b']);
      assert.equal(out.code, 'OPTION_REPEATED', `${c.path.join(' ')} ${longFlag(o)} twice: ${out.message}`);
      assert.equal(out.ran, false);
      n++;
    }
    assert.ok(n >= 15, `${n} commands checked`);
    // Repeatable options accumulate instead.
    assert.equal((await parse(['verify', 'key', 'm', '--public-key', 'k', '--ignore-paths', 'a', '--ignore-paths', 'b'])).ran, true);
  });

  test('--x with --no-x is refused for every negatable pair', async () => {
    let n = 0;
    for (const c of all) {
      for (const neg of c.options.filter((o) => o.negate)) {
        const pos = c.options.find((o) => !o.negate && o.attributeName() === neg.attributeName());
        if (!pos) continue;
        const forms = formsOf(c.command);
        const sample = forms?.find((f) => rule(f, pos.attributeName()) !== 'refused' && !flagsIn(f.sample).includes(longFlag(pos)))?.sample ?? [];
        // A positive that takes a value (`--workspace DIR` beside `--no-workspace`) gets one, or it would swallow the negation.
        const out = await parse([...c.path, ...requiredArgs(c.command), ...sample, longFlag(pos), ...valueFor(pos), longFlag(neg)]);
        assert.equal(out.code, 'OPTION_CONFLICT', `${c.path.join(' ')} ${longFlag(pos)} ${longFlag(neg)}: ${out.message}`);
        n++;
      }
    }
    assert.ok(n >= 10, `${n} pairs checked`);
  });

  test('options typed before a subcommand are refused, for every parent option and subcommand', async () => {
    let n = 0;
    for (const parent of (await commands()).filter((c) => c.command.commands.length > 0 && c.options.length > 0)) {
      for (const sub of parent.command.commands.filter((s) => s.name() !== 'help')) {
        for (const o of parent.options) {
          const argv = [...parent.path, longFlag(o), ...valueFor(o), sub.name(), ...requiredArgs(sub)];
          const out = await parse(argv);
          assert.equal(out.code, 'OPTION_NOT_APPLICABLE', `${argv.join(' ')}: ${out.message}`);
          assert.match(out.message!, new RegExp(`^${longFlag(o)} was given before "${sub.name()}"`));
          n++;
        }
      }
    }
    assert.ok(n >= 40, `${n} combinations checked`);
  });
});
