import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { applyEdits, findNodeAtLocation, parseTree } from 'jsonc-parser';
import { InputError, fsError } from '../errors';
import { optionName, type OptionNames } from '../option-names';
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

/** What an entry's field is for, in the words every problem with it uses (missing or empty alike). */
const FIELD_NEED: Record<string, string> = {
  author: 'a text needs its author',
  date: 'a text needs its date (YYYY-MM-DD)',
  text: 'an entry needs its text ("" until someone writes it)',
};

/**
 * Validates parsed report inputs against the schema: each problem in its own place as its
 * own line, with its line and column when the text is given (the first as the error's
 * message, the others in `also`; never "(and 1 more)"). The most specific problem comes
 * first (an entry without author, an unknown point), the file-level ones (no $schema)
 * after; the schema's internal if/then bookkeeping is never counted. A missing author and
 * an empty one are worded alike ("missing; a text needs its author", "empty; …").
 */
export function checkInputs(doc: unknown, file: string, text?: string): ReportInputs {
  const errors = validateAgainst('report-inputs', doc).filter((x) => x.keyword !== 'if');
  if (errors.length > 0) {
    const depth = (p: string): number => (p === '' ? 0 : p.split('/').length);
    const valueAt = (pointer: string): unknown => pointer === '' ? doc : pointer.slice(1).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~')).reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), doc);
    const lines = errors.map((e) => {
      const missing = e.keyword === 'required' ? String(e.params.missingProperty) : undefined;
      if (missing === '$schema' && e.pointer === '') return { rank: 2, depth: 0, pointer: '', message: `no "$schema": add "$schema": "${INPUTS_SCHEMA_ID}" as the first key (it marks the file as report inputs)` };
      if (missing && FIELD_NEED[missing] && e.pointer !== '') {
        const pointer = `${e.pointer}/${missing}`;
        return { rank: 0, depth: depth(pointer), pointer, message: `${pointerToPath(pointer)}${at(text, pointer)}: missing; ${FIELD_NEED[missing]}` };
      }
      if (e.ruleMessage) {
        const v = valueAt(e.pointer);
        return { rank: 0, depth: depth(e.pointer), pointer: e.pointer, message: `${pointerToPath(e.pointer)}${at(text, e.pointer)}: ${v === '' ? 'empty' : `${JSON.stringify(v)} is not one`}; ${e.ruleMessage}` };
      }
      if (e.keyword === 'additionalProperties') {
        // Point at the unknown key itself; under a framework it is a point that framework does not have.
        const key = String(e.params.additionalProperty);
        const pointer = `${e.pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        const fw = FRAMEWORK_IDS.find((f) => e.pointer === `/${f}`);
        return { rank: 1, depth: depth(pointer), pointer, message: `${e.pointer === '' ? key : `${pointerToPath(e.pointer)}.${key}`}${at(text, pointer)}: ${fw ? `not a point of ${FRAMEWORKS[fw].short}` : e.pointer === '' ? `unknown key (the keys are "$schema", "subject" and the framework ids ${FRAMEWORK_IDS.join(', ')})` : `unknown property "${key}"`}` };
      }
      return { rank: 1, depth: depth(e.pointer), pointer: e.pointer, message: `${pointerToPath(e.pointer)}${at(text, e.pointer)}: ${e.message}` };
    });
    const seen = new Set<string>();
    const ranked = lines.sort((a, b) => a.rank - b.rank || b.depth - a.depth).filter((l) => (seen.has(l.message) ? false : (seen.add(l.message), true)));
    const [first, ...rest] = ranked;
    throw new InputError('REPORT_INPUTS_INVALID', first!.message, { file, pointer: first!.pointer, also: rest.map((l) => ({ message: l.message, pointer: l.pointer })) });
  }
  return doc as ReportInputs;
}

/**
 * Refuses report inputs that cannot belong in a report dated `date` (ISO 8601) about
 * `model`: an entry dated after the report (a text cannot be written after the report that
 * quotes it), or a file written for another model (`subject`).
 */
export function checkInputsFor(inputs: { file: string; doc: ReportInputs; text?: string }, date: string, model: { name: string; digest: string }, optionNames?: OptionNames): void {
  const { file, doc, text } = inputs;
  if (doc.subject) checkSubject(doc.subject, model, file, text, "this report's model", `give the model's own inputs with ${optionName(optionNames, 'inputs')}`);
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

/**
 * Refuses inputs whose `subject` names another model than `model` (by digest when the file
 * records one, else by name): REPORT_INPUTS_OTHER_MODEL with the subject's line. `report`
 * and `report init` refuse the same way.
 */
function checkSubject(s: InputsSubject, model: { name?: string; digest?: string }, file: string, text: string | undefined, whose: string, hint: string): void {
  const other = s.digest !== undefined && model.digest !== undefined ? s.digest !== model.digest : s.name !== undefined && model.name !== undefined && s.name !== model.name;
  if (!other) return;
  const them = `${model.name ? `"${model.name}" ` : ''}${model.digest ?? ''}`.trim();
  throw new InputError('REPORT_INPUTS_OTHER_MODEL', `subject${at(text, '/subject')}: written for ${`${s.name ? `"${s.name}" ` : ''}${s.digest ?? ''}`.trim()}, not for ${whose} ${them}; ${hint}`, { file, pointer: '/subject' });
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
 * and the file's formatting are kept byte for byte: only new keys are inserted, indented
 * like the file (its indent unit, spaces or tabs, and its line ends). jsonc-parser's
 * `modify` formats the whole line an insertion touches, which re-spread a person's
 * one-line entry; so the insertions are built here, placed by jsonc-parser's tree, and
 * applied with `applyEdits`. A file whose `subject` names another model is refused
 * (REPORT_INPUTS_OTHER_MODEL, as the report refuses it), never extended.
 */
export function initInputs(existing: string | undefined, frameworks: readonly FrameworkId[], file = 'report-inputs.json', subject?: InputsSubject): { text: string; added: string[] } {
  let text = existing ?? '{}\n';
  const doc = existing === undefined ? {} : parseStrictJson(existing, file);
  if (!isObject(doc)) throw new InputError('REPORT_INPUTS_INVALID', 'report inputs must be a JSON object', { file });
  if (existing !== undefined) checkInputs({ $schema: INPUTS_SCHEMA_ID, ...doc }, file, existing);
  if (subject && isObject(doc.subject)) checkSubject(doc.subject as InputsSubject, { name: subject.name, digest: subject.digest }, file, existing, 'the model given to init', 'each model has its own inputs file: give another with --output');
  const style = formattingOf(existing ?? '');
  const added: string[] = [];
  if (doc.$schema === undefined) text = insertProperty(text, [], '$schema', INPUTS_SCHEMA_ID, style, 'first');
  // The model the text is for, right after $schema; an existing subject is a person's and stays.
  if (subject && doc.subject === undefined) {
    text = insertProperty(text, [], 'subject', subject, style, '$schema');
    added.push('subject');
  }
  for (const id of frameworks) {
    const current = isObject(doc[id]) ? (doc[id] as Record<string, unknown>) : undefined;
    for (const p of leafPoints(FRAMEWORKS[id])) {
      if (!needsPerson(p.fill!) || (current && p.id in current)) continue;
      const entry: InputEntry = { text: '', author: '', date: '', ...(p.asks ? { question: p.asks } : {}) };
      text = insertProperty(text, [id], p.id, entry, style);
      added.push(`${id} ${p.id}`);
    }
  }
  if (!text.endsWith('\n') && !text.endsWith('\r')) text += style.eol;
  return { text, added };
}

interface Formatting {
  /** One level of indentation: the file's own (a tab, or its number of spaces). */
  unit: string;
  eol: string;
}

/** The file's indentation unit and line end, from its own text (default: two spaces, `\n`). */
export function formattingOf(text: string): Formatting {
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const indents = [...text.matchAll(/\n([ \t]+)\S/g)].map((m) => m[1]!);
  if (indents.some((i) => i.startsWith('\t'))) return { unit: '\t', eol };
  const sizes = indents.map((i) => i.length).filter((n) => n > 0);
  return { unit: ' '.repeat(sizes.length ? Math.min(...sizes) : 2), eol };
}

/**
 * Inserts `"key": value` into the object at `path` (created, empty, when missing), after its
 * last property (or first, or after the property named `after`), indented one unit deeper
 * than the line that holds the object. Nothing else in the text changes.
 */
function insertProperty(text: string, path: string[], key: string, value: unknown, f: Formatting, after?: string): string {
  const tree = parseTree(text);
  const obj = tree && (path.length ? findNodeAtLocation(tree, path) : tree);
  if (!tree || !obj || obj.type !== 'object') {
    // The parent is missing: insert it (with this one property) into its own parent.
    return insertProperty(text, path.slice(0, -1), path[path.length - 1]!, { [key]: value }, f);
  }
  const lineStart = text.lastIndexOf('\n', (obj.parent?.type === 'property' ? obj.parent.offset : obj.offset) - 1) + 1;
  const outer = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const inner = outer + f.unit;
  const body = JSON.stringify(value, null, f.unit).split('\n').join(f.eol + inner);
  const prop = `${JSON.stringify(key)}: ${body}`;
  const props = obj.children ?? [];
  let edit: { offset: number; length: number; content: string };
  if (props.length === 0) {
    // `{}` (or `{ }`): the property on its own line, the closing brace on the next.
    edit = { offset: obj.offset + 1, length: obj.length - 2, content: `${f.eol}${inner}${prop}${f.eol}${outer}` };
  } else if (after === 'first' || (after !== undefined && !props.some((p) => p.children?.[0]?.value === after))) {
    const first = props[0]!;
    const firstLine = text.lastIndexOf('\n', first.offset - 1) + 1;
    const sameLine = firstLine <= obj.offset;
    edit = sameLine ? { offset: first.offset, length: 0, content: `${prop}, ` } : { offset: first.offset, length: 0, content: `${prop},${f.eol}${text.slice(firstLine, first.offset)}` };
  } else {
    const prev = after !== undefined ? props.find((p) => p.children?.[0]?.value === after)! : props[props.length - 1]!;
    edit = { offset: prev.offset + prev.length, length: 0, content: `,${f.eol}${inner}${prop}` };
    // After a property that is not the last: the next one keeps its comma and its own line.
    if (prev !== props[props.length - 1]) edit = { offset: text.indexOf(',', prev.offset + prev.length) + 1, length: 0, content: `${f.eol}${inner}${prop},` };
  }
  return applyEdits(text, [edit]);
}
