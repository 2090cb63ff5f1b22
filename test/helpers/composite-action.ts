import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { tempDir } from './fixtures';

/**
 * Runs the `run:` steps of a composite GitHub Action (`action.yml`) the way the runner
 * does: each script with `bash --noprofile --norc -eo pipefail`, its `env:` evaluated from
 * the inputs, `if:` conditions evaluated (with the implicit `success()`), GITHUB_ENV,
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files honoured between steps. `uses:` steps are
 * recorded, not run (they need GitHub). The expression language is the subset the action
 * needs; anything else throws, so a typo in action.yml fails the test instead of passing.
 */

export interface ActionContext {
  /** The repository checkout: the steps' working directory (GITHUB_WORKSPACE). */
  workspace: string;
  /** Where action.yml lives (GITHUB_ACTION_PATH). */
  actionPath: string;
  /** `github.event.pull_request.base.sha`. */
  baseSha?: string;
  inputs: Record<string, string>;
}

export interface StepRun {
  name: string;
  kind: 'run' | 'uses';
  /** Skipped by its `if:`. */
  skipped: boolean;
  code?: number;
  stdout?: string;
  stderr?: string;
  uses?: string;
  with?: Record<string, string>;
}

export interface ActionRun {
  steps: StepRun[];
  failed: boolean;
  summary: string;
  outputs: Record<string, string>;
  env: Record<string, string>;
}

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

interface ActionFile {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

export function loadAction(actionPath: string): ActionFile {
  return parse(readFileSync(join(actionPath, 'action.yml'), 'utf8')) as ActionFile;
}

type Value = string | boolean;

/** Evaluates one expression (without `${{ }}`) against the state. */
function evaluate(expr: string, lookup: (path: string) => Value, status: { failed: boolean }): Value {
  const tokens = expr.match(/\s*(\|\||&&|==|!=|!|\(|\)|'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_.-]*\(\)|[A-Za-z_][A-Za-z0-9_.-]*)/g)?.map((t) => t.trim()) ?? [];
  if (tokens.join('').replace(/\s/g, '') !== expr.replace(/\s/g, '')) throw new Error(`unsupported expression: ${expr}`);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const truthy = (v: Value): boolean => (typeof v === 'boolean' ? v : v !== '');
  const primary = (): Value => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`unexpected end of expression: ${expr}`);
    if (t === '(') {
      const v = or();
      if (tokens[i++] !== ')') throw new Error(`missing ) in ${expr}`);
      return v;
    }
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (t.endsWith('()')) {
      const fn = t.slice(0, -2);
      if (fn === 'always') return true;
      if (fn === 'cancelled') return false;
      if (fn === 'success') return !status.failed;
      if (fn === 'failure') return status.failed;
      throw new Error(`unsupported function ${fn}() in ${expr}`);
    }
    if (t === 'true' || t === 'false') return t === 'true';
    return lookup(t);
  };
  const cmp = (): Value => {
    const a = primary();
    const op = peek();
    if (op === '==' || op === '!=') {
      i++;
      const b = primary();
      const eq = String(a).toLowerCase() === String(b).toLowerCase();
      return op === '==' ? eq : !eq;
    }
    return a;
  };
  const unary = (): Value => {
    if (peek() === '!') {
      i++;
      return !truthy(unary());
    }
    return cmp();
  };
  const and = (): Value => {
    let v = unary();
    while (peek() === '&&') {
      i++;
      const r = unary();
      v = truthy(v) ? r : v;
    }
    return v;
  };
  const or = (): Value => {
    let v = and();
    while (peek() === '||') {
      i++;
      const r = and();
      v = truthy(v) ? v : r;
    }
    return v;
  };
  const v = or();
  if (i !== tokens.length) throw new Error(`trailing tokens in ${expr}`);
  return v;
}

function parseKeyValueFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i]!);
      out[heredoc[1]!] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** Runs the action's steps in order; returns what each did, the job summary and the outputs. */
export function runCompositeAction(ctx: ActionContext): ActionRun {
  const action = loadAction(ctx.actionPath);
  if (action.runs.using !== 'composite') throw new Error('not a composite action');
  for (const name of Object.keys(ctx.inputs)) if (!(name in action.inputs)) throw new Error(`action.yml has no input "${name}"`);
  const runnerTemp = tempDir('mp-runner-');
  const summaryPath = join(runnerTemp, 'step-summary.md');
  writeFileSync(summaryPath, '');
  const env: Record<string, string> = {};
  const stepOutputs: Record<string, Record<string, string>> = {};
  const status = { failed: false };

  const lookup = (path: string): Value => {
    const parts = path.split('.');
    if (parts[0] === 'inputs') {
      const name = parts.slice(1).join('.');
      const decl = action.inputs[name];
      if (!decl) throw new Error(`action.yml refers to an undeclared input "${name}"`);
      if (name in ctx.inputs) return ctx.inputs[name]!;
      return substitute(decl.default ?? '');
    }
    if (path === 'github.action_path') return ctx.actionPath;
    if (path === 'github.workspace') return ctx.workspace;
    if (path === 'github.event.pull_request.base.sha') return ctx.baseSha ?? '';
    if (path === 'runner.temp') return runnerTemp;
    if (parts[0] === 'steps' && parts[2] === 'outputs') return stepOutputs[parts[1]!]?.[parts.slice(3).join('.')] ?? '';
    if (parts[0] === 'env') return env[parts.slice(1).join('.')] ?? '';
    throw new Error(`unsupported context in action.yml: ${path}`);
  };
  const substitute = (text: string): string => text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => String(evaluate(e.trim(), lookup, status)));

  const steps: StepRun[] = [];
  for (const step of action.runs.steps) {
    const name = step.name ?? step.id ?? step.uses ?? 'step';
    let condition = true;
    if (step.if !== undefined) {
      const expr = step.if.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1').trim();
      const hasStatus = /\b(always|cancelled|success|failure)\(\)/.test(expr);
      const v = evaluate(expr, lookup, status);
      condition = (hasStatus || !status.failed) && (typeof v === 'boolean' ? v : v !== '');
    } else {
      condition = !status.failed;
    }
    if (!condition) {
      steps.push({ name, kind: step.uses ? 'uses' : 'run', skipped: true });
      continue;
    }
    if (step.uses) {
      steps.push({ name, kind: 'uses', skipped: false, uses: step.uses, with: Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, substitute(String(v))])) });
      continue;
    }
    if (step.shell !== 'bash') throw new Error(`step "${name}": composite run steps need shell: bash`);
    const dir = mkdtempSync(join(runnerTemp, 'step-'));
    const outputFile = join(dir, 'output');
    const envFile = join(dir, 'env');
    writeFileSync(outputFile, '');
    writeFileSync(envFile, '');
    const script = join(dir, 'script.sh');
    writeFileSync(script, step.run ?? '');
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(String(v))]));
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: ctx.workspace,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? runnerTemp,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: ctx.workspace,
        GITHUB_ACTION_PATH: ctx.actionPath,
        RUNNER_TEMP: runnerTemp,
        GITHUB_OUTPUT: outputFile,
        GITHUB_ENV: envFile,
        GITHUB_STEP_SUMMARY: summaryPath,
        ...env,
        ...stepEnv,
      },
      timeout: 300_000,
    });
    const code = r.status ?? 1;
    steps.push({ name, kind: 'run', skipped: false, code, stdout: r.stdout, stderr: r.stderr });
    if (code !== 0) status.failed = true;
    Object.assign(env, parseKeyValueFile(envFile));
    if (step.id) stepOutputs[step.id] = parseKeyValueFile(outputFile);
  }
  const outputs = Object.fromEntries(Object.entries(action.outputs ?? {}).map(([k, v]) => [k, substitute(v.value)]));
  return { steps, failed: status.failed, summary: readFileSync(summaryPath, 'utf8'), outputs, env };
}
