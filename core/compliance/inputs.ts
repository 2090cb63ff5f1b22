import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { applyEdits, modify } from 'jsonc-parser';
import { InputError, fsError } from '../errors';
import { isObject, parseStrictJson } from '../io/json';
import { pointerToPath, validateAgainst } from '../schema/validator';
import { FRAMEWORKS, FRAMEWORK_IDS, leafPoints, needsPerson, type FrameworkId } from './frameworks';
import { INPUTS_SCHEMA_ID, type PersonInput } from './model';

/** One point's text in report-inputs.json: what a person wrote, who, when. */
export interface InputEntry {
  text: string;
  author: string;
  date: string;
  role?: string;
  references?: string[];
  /** Written by `report init` to show what the point asks; never read into a report. */
  question?: string;
}

/** report-inputs.json: per framework, per point id, a person's entry. */
export type ReportInputs = { $schema: string } & Partial<Record<FrameworkId, Record<string, InputEntry>>>;

/**
 * The JSON Schema of report-inputs.json, generated from the framework definitions so that
 * its keys are exactly the points, each with its title and description (the language
 * server's completion and hover come from here). `schemas/report-inputs.schema.json` is
 * this value; a test keeps the two identical.
 */
export function reportInputsSchema(): Record<string, unknown> {
  const frameworks: Record<string, unknown> = {};
  for (const id of FRAMEWORK_IDS) {
    const f = FRAMEWORKS[id];
    const properties: Record<string, unknown> = {};
    for (const p of leafPoints(f)) {
      const who = needsPerson(p.fill!) ? 'A person writes it' : 'Evidence fills it; a person may add to it';
      properties[p.id] = {
        title: `${f.short} ${p.id}: ${p.title}`,
        description: `${p.description} (fill ${p.fill}: ${who}.)${p.asks ? ` ${p.asks}` : ''}`,
        allOf: [{ $ref: '#/definitions/entry' }],
      };
    }
    frameworks[id] = { title: f.title, description: `${f.scope} Keys are the points; each entry names its author and date.`, type: 'object', additionalProperties: false, properties };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: INPUTS_SCHEMA_ID,
    title: 'Regulatory report inputs',
    description: 'What people write for a regulatory report: per framework, per point, the text, its author and its date. model-provenance report takes facts from verified evidence and everything else from here; it never invents text. report init writes a skeleton of the points still empty.',
    type: 'object',
    required: ['$schema'],
    additionalProperties: false,
    properties: {
      $schema: { title: 'Schema', description: 'Marks this file as report inputs.', const: INPUTS_SCHEMA_ID },
      ...frameworks,
    },
    definitions: {
      reference: { type: 'string', minLength: 1 },
      // No title or description here: hover shows the point's own (an entry with empty text fills nothing).
      entry: {
        type: 'object',
        required: ['text', 'author', 'date'],
        additionalProperties: false,
        properties: {
          text: { type: 'string', title: 'Text', description: 'What the report states for this point, verbatim, attributed to the author.' },
          author: { type: 'string', title: 'Author', description: 'Who wrote the text and answers for it (name, optionally with e-mail).', examples: ['Jane Doe <jane.doe@example.com>'] },
          date: { type: 'string', title: 'Date', description: 'When the text was written or last confirmed (ISO 8601 date).', examples: ['2026-11-20'] },
          role: { type: 'string', title: 'Role', description: "The author's role (e.g. provider's compliance officer)." },
          // A $ref inside the entry keeps ajv from inlining the entry into every point (60 copies, seconds to compile).
          references: { type: 'array', title: 'References', description: 'Documents the text relies on: URLs, document names, attachment digests.', items: { $ref: '#/definitions/reference' } },
          question: { type: 'string', title: 'Question', description: 'What the point asks, written by report init as a reminder. Not part of the report.' },
        },
        if: { properties: { text: { type: 'string', minLength: 1 } } },
        then: {
          properties: {
            author: { type: 'string', minLength: 1, 'x-code': 'REPORT_INPUT_NO_AUTHOR', 'x-message': 'a text needs its author' },
            date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$', 'x-code': 'REPORT_INPUT_NO_DATE', 'x-message': 'a text needs its date (YYYY-MM-DD)' },
          },
        },
      },
    },
  };
}

/** Validates parsed report inputs against the schema; the first problem as one line. */
export function checkInputs(doc: unknown, file: string): ReportInputs {
  const errors = validateAgainst('report-inputs', doc);
  if (errors.length > 0) {
    const e = errors.find((x) => x.keyword !== 'if') ?? errors[0]!;
    throw new InputError('REPORT_INPUTS_INVALID', `${pointerToPath(e.pointer)}: ${e.ruleMessage ?? e.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, { file, pointer: e.pointer });
  }
  return doc as ReportInputs;
}

/** Reads and validates report-inputs.json; `digest` is of the bytes read. */
export function readInputs(file: string): { file: string; doc: ReportInputs; digest: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fsError(err, file, 'read the report inputs');
  }
  const doc = checkInputs(parseStrictJson(text, file), file);
  return { file, doc, digest: `sha256:${createHash('sha256').update(text).digest('hex')}` };
}

/** The person's entry for a point, when it holds text. */
export function inputFor(doc: ReportInputs | undefined, framework: FrameworkId, point: string): PersonInput | undefined {
  const e = doc?.[framework]?.[point];
  if (!e || e.text.trim() === '') return undefined;
  return { text: e.text, author: e.author, date: e.date, ...(e.role ? { role: e.role } : {}), ...(e.references?.length ? { references: e.references } : {}) };
}

/**
 * `report init`: the text of report-inputs.json with an empty entry for every point a
 * person must write (P, H, S) that has no entry yet. Existing entries (filled or not)
 * and the file's formatting are kept byte for byte; only new keys are inserted.
 */
export function initInputs(existing: string | undefined, frameworks: readonly FrameworkId[], file = 'report-inputs.json'): { text: string; added: string[] } {
  let text = existing ?? '{}\n';
  const doc = existing === undefined ? {} : parseStrictJson(existing, file);
  if (!isObject(doc)) throw new InputError('REPORT_INPUTS_INVALID', 'report inputs must be a JSON object', { file });
  if (existing !== undefined) checkInputs({ $schema: INPUTS_SCHEMA_ID, ...doc }, file);
  const fmt = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } };
  const added: string[] = [];
  if (doc.$schema === undefined) text = applyEdits(text, modify(text, ['$schema'], INPUTS_SCHEMA_ID, { ...fmt, getInsertionIndex: () => 0 }));
  for (const id of frameworks) {
    const current = isObject(doc[id]) ? (doc[id] as Record<string, unknown>) : undefined;
    for (const p of leafPoints(FRAMEWORKS[id])) {
      if (!needsPerson(p.fill!) || (current && p.id in current)) continue;
      const entry: InputEntry = { text: '', author: '', date: '', ...(p.asks ? { question: p.asks } : {}) };
      text = applyEdits(text, modify(text, [id, p.id], entry, fmt));
      added.push(`${id} ${p.id}`);
    }
  }
  if (!text.endsWith('\n')) text += '\n';
  return { text, added };
}
