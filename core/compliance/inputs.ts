import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { applyEdits, findNodeAtLocation, modify, parseTree } from 'jsonc-parser';
import { InputError, fsError } from '../errors';
import { isObject, lineColumn, parseStrictJson } from '../io/json';
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

/** The model a report-inputs.json was written for: a report of another model refuses it. */
export interface InputsSubject {
  /** The model's name as its attestations name it. */
  name?: string;
  /** `sha256:…` of the model: binds the text to this exact version. */
  digest?: string;
}

/** report-inputs.json: the model it is about, then per framework, per point id, a person's entry. */
export type ReportInputs = { $schema: string; subject?: InputsSubject } & Partial<Record<FrameworkId, Record<string, InputEntry>>>;

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
      subject: {
        title: 'Subject',
        description: 'The model this text was written for. A report of another model refuses the file (REPORT_INPUTS_OTHER_MODEL): with a digest, only that exact model; with a name only, any version of it. report init MODEL writes both.',
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          name: { type: 'string', minLength: 1, title: 'Model name', description: 'The model name as its attestations and the report name it.' },
          digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$', title: 'Model digest', description: 'sha256: and 64 lowercase hex digits: the model version the text was written for.' },
        },
      },
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

/** `line L column C` of the value at a JSON Pointer in the text, for messages a person can jump to. */
function at(text: string | undefined, pointer: string): string {
  if (text === undefined) return '';
  const tree = parseTree(text);
  const path = pointer === '' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node = tree ? findNodeAtLocation(tree, path) : undefined;
  // A missing property: point at the object that lacks it.
  for (let n = path.length - 1; !node && n >= 0 && tree; n--) node = findNodeAtLocation(tree, path.slice(0, n));
  if (!node) return '';
  // A value inside a property: point at its key, where a person reads it.
  const target = node.parent?.type === 'property' ? node.parent : node;
  const { line, column } = lineColumn(text, target.offset);
  return ` (line ${line} column ${column})`;
}

/**
 * Validates parsed report inputs against the schema; the real problem as one line, with its
 * line and column when the text is given. The most specific problem comes first (an entry
 * without author, an unknown point), the file-level ones (no $schema) after; the schema's
 * internal if/then bookkeeping is never counted.
 */
export function checkInputs(doc: unknown, file: string, text?: string): ReportInputs {
  const errors = validateAgainst('report-inputs', doc).filter((x) => x.keyword !== 'if');
  if (errors.length > 0) {
    const depth = (p: string): number => (p === '' ? 0 : p.split('/').length);
    const ranked = [...errors].sort((a, b) => Number(!a.ruleMessage) - Number(!b.ruleMessage) || depth(b.pointer) - depth(a.pointer));
    const e = ranked[0]!;
    const noSchema = e.keyword === 'required' && e.pointer === '' && /\$schema/.test(e.message);
    const message = noSchema ? `no "$schema": add "$schema": "${INPUTS_SCHEMA_ID}" as the first key (it marks the file as report inputs)` : `${pointerToPath(e.pointer)}${at(text, e.pointer)}: ${e.ruleMessage ?? e.message}`;
    throw new InputError('REPORT_INPUTS_INVALID', `${message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, { file, pointer: e.pointer });
  }
  return doc as ReportInputs;
}

/**
 * Refuses report inputs that cannot belong in a report dated `date` (ISO 8601) about
 * `model`: an entry dated after the report (a text cannot be written after the report that
 * quotes it), or a file written for another model (`subject`).
 */
export function checkInputsFor(inputs: { file: string; doc: ReportInputs; text?: string }, date: string, model: { name: string; digest: string }): void {
  const { file, doc, text } = inputs;
  const s = doc.subject;
  if (s) {
    const other = s.digest !== undefined ? s.digest !== model.digest : s.name !== undefined && s.name !== model.name;
    if (other) {
      throw new InputError('REPORT_INPUTS_OTHER_MODEL', `subject${at(text, '/subject')}: written for ${s.name ? `"${s.name}" ` : ''}${s.digest ?? ''}`.trimEnd() + `, not for this report's model "${model.name}" ${model.digest}; give the model's own inputs with --inputs`, { file, pointer: '/subject' });
    }
  }
  const limit = Date.parse(date);
  for (const id of FRAMEWORK_IDS) {
    for (const [point, e] of Object.entries(doc[id] ?? {})) {
      if (!e.text.trim()) continue;
      const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(e.date) ? `${e.date}T00:00:00Z` : e.date);
      if (Number.isNaN(ms)) throw new InputError('REPORT_INPUTS_INVALID', `${id}.${point}.date${at(text, `/${id}/${point}/date`)}: "${e.date}" is not a date (YYYY-MM-DD)`, { file, pointer: `/${id}/${point}/date` });
      if (ms > limit) throw new InputError('REPORT_INPUTS_INVALID', `${id}.${point}.date${at(text, `/${id}/${point}/date`)}: ${e.date} is after the report date ${date.slice(0, 10)}; a text cannot be written after the report that quotes it`, { file, pointer: `/${id}/${point}/date` });
    }
  }
}

/** Reads and validates report-inputs.json; `digest` is of the bytes read, `text` the text. */
export function readInputs(file: string): { file: string; doc: ReportInputs; digest: string; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fsError(err, file, 'read the report inputs');
  }
  const doc = checkInputs(parseStrictJson(text, file), file, text);
  return { file, doc, digest: `sha256:${createHash('sha256').update(text).digest('hex')}`, text };
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
export function initInputs(existing: string | undefined, frameworks: readonly FrameworkId[], file = 'report-inputs.json', subject?: InputsSubject): { text: string; added: string[] } {
  let text = existing ?? '{}\n';
  const doc = existing === undefined ? {} : parseStrictJson(existing, file);
  if (!isObject(doc)) throw new InputError('REPORT_INPUTS_INVALID', 'report inputs must be a JSON object', { file });
  if (existing !== undefined) checkInputs({ $schema: INPUTS_SCHEMA_ID, ...doc }, file);
  const fmt = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } };
  const added: string[] = [];
  if (doc.$schema === undefined) text = applyEdits(text, modify(text, ['$schema'], INPUTS_SCHEMA_ID, { ...fmt, getInsertionIndex: () => 0 }));
  // The model the text is for, right after $schema; an existing subject is a person's and stays.
  if (subject && doc.subject === undefined) {
    text = applyEdits(text, modify(text, ['subject'], subject, { ...fmt, getInsertionIndex: (keys) => (keys.includes('$schema') ? keys.indexOf('$schema') + 1 : 0) }));
    added.push('subject');
  }
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
