import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateAgainst } from '../../core';
import { makeModel, runCli, tempDir, type CliRun } from '../helpers/fixtures';

/** A git repository the test owns, with a fixed identity and no global config. */
export function gitRepo(dir: string): (...args: string[]) => string {
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.com', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' };
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  mkdirSync(dir, { recursive: true });
  git('init', '-q', '-b', 'main');
  return git;
}

/** Runs the CLI and expects an exit code, showing the output when it differs. */
export async function cli(args: string[], code: number, cwd?: string): Promise<CliRun> {
  const r = await runCli(args, cwd ? { cwd } : {});
  assert.equal(r.code, code, `model-provenance ${args.join(' ')}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

export interface World {
  dir: string;
  model: string;
  keyA: string;
  pubA: string;
  keyB: string;
  pubB: string;
  keys: string;
}

/** A model folder and two signing keys (A, B) in a fresh temp folder; the public keys also in keys/. */
export async function world(): Promise<World> {
  const dir = tempDir('mp-diff-');
  const model = makeModel(join(dir, 'models', 'classifier'), { 'model.safetensors': Buffer.alloc(4096, 1), 'config.json': '{"architectures":["BertForSequenceClassification"]}\n', 'tokenizer/vocab.txt': 'a\nb\n' });
  await cli(['keygen', '--out', join(dir, 'private', 'a')], 0);
  await cli(['keygen', '--out', join(dir, 'private', 'b')], 0);
  const keys = join(dir, 'keys');
  makeModel(keys, { 'a.pub.pem': readFileSync(join(dir, 'private', 'a.pub.pem')), 'b.pub.pem': readFileSync(join(dir, 'private', 'b.pub.pem')) });
  return { dir, model, keyA: join(dir, 'private', 'a.pem'), pubA: join(keys, 'a.pub.pem'), keyB: join(dir, 'private', 'b.pem'), pubB: join(keys, 'b.pub.pem'), keys };
}

export function write(path: string, content: string | Buffer): void {
  writeFileSync(path, content);
}

/** Parses the JSON report, checks it against its schema (schemas/diff-report.schema.json), and returns it untyped for exact assertions. */
export function report(r: CliRun): any {
  const value = JSON.parse(r.stdout);
  const errors = validateAgainst('diff-report', value);
  assert.deepEqual(errors.map((e) => `${e.pointer} ${e.message}`), [], 'the JSON report matches its schema');
  return value;
}
