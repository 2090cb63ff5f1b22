import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { InputError, fsError } from '../errors';
import { isObject, parseStrictJson } from '../io/json';
import { pointerToPath, validateAgainst, validator } from '../schema/validator';
import type { AttestOptions, InputRef } from './attest';
import type { Stage } from './types';

export const ATTEST_PARAMS_SCHEMA_ID = 'https://model-provenance.dev/schemas/attest-params/v1.json';

type Input = string | { path?: string; digest?: string; name?: string; uri?: string; usage?: 'training' | 'validation' | 'evaluation' };

/** An `attest --params` file as schemas/attest-params.schema.json defines it. */
export interface AttestParamsFile {
  stage?: Stage;
  modelPath?: string;
  subjectDigest?: string;
  subjectName?: string;
  trainingRunId?: string;
  baseModels?: Input[];
  adapters?: Input[];
  datasets?: Input[];
  evalDatasets?: Input[];
  tokenizer?: Input;
  code?: Input[];
  hyperparameters?: Record<string, unknown>;
  recipe?: { uri?: string; digest?: string };
  framework?: string | { name: string; version?: string };
  hardware?: { accelerators?: { model: string; count?: number; driver?: string }[] };
  environment?: Record<string, unknown>;
  builderId?: string;
  startedOn?: string;
  finishedOn?: string;
  byproducts?: { name?: string; uri?: string; digest?: string; content?: unknown }[];
}

/**
 * The `attest` flag each key mirrors, so a key spelt like a flag ("base-model", "run-id")
 * is answered with the key it means. Keys without a flag map to undefined.
 */
export const PARAM_FLAGS: Readonly<Record<keyof AttestParamsFile, string | undefined>> = {
  stage: '--stage',
  modelPath: 'MODEL',
  subjectDigest: '--subject-digest',
  subjectName: '--subject-name',
  trainingRunId: '--run-id',
  baseModels: '--base-model',
  adapters: '--adapter',
  datasets: '--dataset',
  evalDatasets: '--eval-dataset',
  tokenizer: '--tokenizer',
  code: '--code',
  hyperparameters: '--hyperparameter',
  recipe: undefined,
  framework: '--framework',
  hardware: '--accelerator',
  environment: '--env',
  builderId: '--builder-id',
  startedOn: '--started-on',
  finishedOn: '--finished-on',
  byproducts: undefined,
};

/**
 * Reads and checks an `attest --params` file against its schema. Every key must be one the
 * schema names: an unknown key is an InputError (PARAMS_UNKNOWN_KEY) that names it and the
 * key it most likely means, never a field silently left out of a signed attestation.
 * Other schema errors are PARAMS_INVALID; unreadable files FILE_NOT_FOUND and friends.
 */
export function readAttestParams(file: string): AttestParamsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fsError(err, file, 'read the parameters');
  }
  return parseAttestParams(text, file);
}

/** As readAttestParams, for text already read. */
export function parseAttestParams(text: string, file: string): AttestParamsFile {
  const doc = parseStrictJson(text, file);
  if (!isObject(doc)) throw new InputError('PARAMS_INVALID', 'the parameters file must hold a JSON object', { file });
  const check = validator('attest-params');
  if (check(doc)) return doc as AttestParamsFile;
  // Unknown keys first, from the raw errors: a oneOf would otherwise hide them behind "must be string".
  const unknown = (check.errors ?? []).filter((e) => e.keyword === 'additionalProperties');
  if (unknown.length > 0) {
    const seen = new Set<string>();
    const parts: string[] = [];
    for (const e of unknown) {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const where = e.instancePath ? ` in ${pointerToPath(e.instancePath)}` : '';
      if (seen.has(`${where}/${key}`)) continue;
      seen.add(`${where}/${key}`);
      const allowed = Object.keys(((e.parentSchema ?? {}) as { properties?: Record<string, unknown> }).properties ?? {}).filter((k) => k !== '$schema');
      const guess = suggestKey(key, allowed, e.instancePath === '' ? PARAM_FLAGS : {});
      parts.push(`"${key}"${where}${guess ? ` (did you mean "${guess}"?)` : ''}`);
    }
    throw new InputError('PARAMS_UNKNOWN_KEY', `unknown key${parts.length > 1 ? 's' : ''} ${parts.join(', ')}; the accepted keys are listed in docs/cli.md (attest --params)`, { file, pointer: unknown[0]!.instancePath });
  }
  const first = validateAgainst('attest-params', doc)[0]!;
  throw new InputError('PARAMS_INVALID', `${pointerToPath(first.pointer)}: ${first.message}`, { file, pointer: first.pointer });
}

const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '').replace(/s$/, '');

/** The allowed key a person most likely meant: by the flag it mirrors, by spelling without case, separators or plural, or by a small edit. */
export function suggestKey(key: string, allowed: readonly string[], flags: Readonly<Record<string, string | undefined>>): string | undefined {
  const n = norm(key);
  for (const k of allowed) {
    const flag = flags[k];
    if (norm(k) === n || (flag && norm(flag) === n)) return k;
  }
  // "hyperparams" is the start of "hyperparameters"; "trainingrun" of "trainingRunId".
  if (n.length >= 5) for (const k of allowed) if (norm(k).startsWith(n) || norm(flags[k] ?? '').startsWith(n)) return k;
  let best: { k: string; d: number } | undefined;
  for (const k of allowed) {
    const d = distance(n, norm(k));
    if (d <= Math.max(1, Math.floor(n.length / 4)) && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * The AttestOptions a params file gives, with its paths resolved against the file's folder.
 * Datasets given as plain references are training data (as --dataset), evalDatasets evaluation data.
 */
export function attestOptionsFromParams(p: AttestParamsFile, file: string): Partial<AttestOptions> & { evalDatasets?: InputRef[] } {
  const base = dirname(resolve(file));
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(base, path));
  const ref = (i: Input, usage?: 'training' | 'evaluation'): InputRef => {
    const r = typeof i === 'string' ? (i.startsWith('sha256:') ? { digest: i } : { path: i }) : { ...i };
    if (r.path) r.path = at(r.path);
    return usage && !r.usage ? { ...r, usage } : r;
  };
  const out: Partial<AttestOptions> & { evalDatasets?: InputRef[] } = {};
  if (p.stage) out.stage = p.stage;
  if (p.modelPath) out.modelPath = at(p.modelPath);
  if (p.subjectDigest) out.subjectDigest = p.subjectDigest;
  if (p.subjectName) out.subjectName = p.subjectName;
  if (p.trainingRunId) out.trainingRunId = p.trainingRunId;
  if (p.baseModels) out.baseModels = p.baseModels.map((i) => ref(i));
  if (p.adapters) out.adapters = p.adapters.map((i) => ref(i));
  if (p.datasets) out.datasets = p.datasets.map((i) => ref(i, 'training'));
  if (p.evalDatasets) out.evalDatasets = p.evalDatasets.map((i) => ref(i, 'evaluation'));
  if (p.tokenizer) out.tokenizer = ref(p.tokenizer);
  if (p.code) out.code = p.code.map((i) => ref(i));
  if (p.hyperparameters) out.hyperparameters = p.hyperparameters;
  if (p.recipe) out.recipe = p.recipe;
  if (p.framework) out.framework = typeof p.framework === 'string' ? parseFramework(p.framework) : p.framework;
  if (p.hardware) out.hardware = p.hardware;
  if (p.environment) out.environment = p.environment;
  if (p.builderId) out.builderId = p.builderId;
  if (p.startedOn) out.startedOn = p.startedOn;
  if (p.finishedOn) out.finishedOn = p.finishedOn;
  if (p.byproducts) out.byproducts = p.byproducts;
  return out;
}

/** "pytorch@2.6.0" -> { name: "pytorch", version: "2.6.0" } */
export function parseFramework(v: string): { name: string; version?: string } {
  const [name, version] = v.split('@');
  return { name: name!, ...(version ? { version } : {}) };
}
