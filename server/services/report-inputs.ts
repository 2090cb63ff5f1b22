import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { FRAMEWORK_IDS, InputError, checkInputs, decodePayload, isObject, isProvenanceError, rangeFor, type DocumentAnalysis, type Finding, type Registry, type ReportInputs } from '../../core';

/** An entry of report-inputs.json the preview leaves out, and why. */
export interface SkippedInput {
  /** "eu-ai-act-annex-iv.1(b)", "subject", or a top-level key. */
  where: string;
  reason: string;
}

/**
 * report-inputs.json for the report **preview**: every entry that validates on its own, and
 * the ones that do not, listed as not used, so one half-written entry does not hide the whole
 * report. The file must still be JSON (nothing can be taken from a broken one). A saved
 * report stays strict (`ReviewHandler.saveReport` refuses while entries are skipped): what is
 * written to disk, and may be signed, uses every entry of the file or is not written.
 * Dates after `now` are left out as the report would refuse them.
 */
export function previewInputs(file: string, now: Date): { inputs: { file: string; doc: ReportInputs; digest: string; text: string }; skipped: SkippedInput[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError('REPORT_INPUTS_UNREADABLE', `cannot read ${basename(file)}: ${(err as Error).message}`, { file });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InputError('REPORT_INPUTS_INVALID', `${basename(file)} is not valid JSON (${(err as Error).message}): fix it in the editor (Problems lists where), then Generate Report again`, { file });
  }
  if (!isObject(raw)) throw new InputError('REPORT_INPUTS_INVALID', `${basename(file)} is not a JSON object`, { file });
  const schema = raw.$schema;
  const skipped: SkippedInput[] = [];
  const doc: Record<string, unknown> = { $schema: schema };
  const one = (candidate: Record<string, unknown>): string | undefined => {
    try {
      checkInputs(candidate, file);
      return undefined;
    } catch (err) {
      return isProvenanceError(err) ? err.message : String(err);
    }
  };
  const top = one({ $schema: schema });
  if (top) throw new InputError('REPORT_INPUTS_INVALID', `${basename(file)}: ${top}`, { file });
  if (raw.subject !== undefined) {
    const why = one({ $schema: schema, subject: raw.subject });
    if (why) skipped.push({ where: 'subject', reason: why });
    else doc.subject = raw.subject;
  }
  const frameworks = new Set<string>(FRAMEWORK_IDS);
  for (const [key, value] of Object.entries(raw)) {
    if (key === '$schema' || key === 'subject') continue;
    if (!frameworks.has(key) || !isObject(value)) {
      skipped.push({ where: key, reason: frameworks.has(key) ? 'is not an object of points' : 'is not a framework id' });
      continue;
    }
    const kept: Record<string, unknown> = {};
    for (const [point, entry] of Object.entries(value)) {
      const why = one({ $schema: schema, [key]: { [point]: entry } }) ?? futureDate(entry, now);
      if (why) skipped.push({ where: `${key}.${point}`, reason: why });
      else kept[point] = entry;
    }
    doc[key] = kept;
  }
  return { inputs: { file, doc: doc as ReportInputs, digest: `sha256:${createHash('sha256').update(text).digest('hex')}`, text }, skipped };
}

function futureDate(entry: unknown, now: Date): string | undefined {
  if (!isObject(entry) || typeof entry.text !== 'string' || !entry.text.trim() || typeof entry.date !== 'string') return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(entry.date) ? `${entry.date}T00:00:00Z` : entry.date);
  if (Number.isNaN(ms)) return `date: "${entry.date}" is not a date (YYYY-MM-DD)`;
  if (ms > now.getTime()) return `date: ${entry.date} is after the report date ${now.toISOString().slice(0, 10)}; a text cannot be written after the report that quotes it`;
  return undefined;
}

/**
 * A core message in the editor's words: the library's option names (core/option-names) become
 * the editor's actions, so a person reading a notification is never told to set `inputs` or
 * `force`.
 */
export function editorWording(message: string): string {
  return message
    .replace(/;? ?give the model's own inputs with the inputs option/, "; edit its subject, or keep the other model's text in another file: Generate Report uses the workspace's report-inputs.json")
    .replace(/ \(use force: true\)/, ': choose another name in the save dialog')
    .replace(/the inputs option/g, 'report-inputs.json')
    .replace(/force: true/g, 'another file name');
}

/**
 * The subject binding of an open report-inputs.json, as diagnostics on `subject` (before
 * Generate Report refuses the file): information naming the model the text is bound to, and a
 * warning when that model is not the one the registry knows: a digest no attestation covers,
 * or a digest the registry names differently from `subject.name`. Report generation of any
 * other model refuses the file (REPORT_INPUTS_OTHER_MODEL).
 */
export async function subjectFindings(analysis: DocumentAnalysis, registry: Registry | undefined): Promise<Finding[]> {
  const v = analysis.doc.value;
  if (!isObject(v) || !isObject(v.subject)) return [];
  const s = v.subject as { name?: unknown; digest?: unknown };
  const name = typeof s.name === 'string' ? s.name : undefined;
  const digest = typeof s.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(s.digest) ? s.digest : undefined;
  if (!name && !digest) return [];
  const range = rangeFor(analysis.doc, '/subject', 'key');
  const out: Finding[] = [];
  const model = `${name ? `"${name}" ` : ''}${digest ? `${digest.slice(0, 19)}…` : '(any version)'}`;
  out.push({ code: 'REPORT_INPUTS_SUBJECT', severity: 'info', message: `bound to the model ${model}: Generate Report uses this file for that model only and refuses it for any other (REPORT_INPUTS_OTHER_MODEL)`, pointer: '/subject', ...range });
  if (!registry || !digest) return out;
  let names: string[] = [];
  try {
    const entries = await registry.findBySubject(digest);
    if (entries.length === 0) {
      out.push({ code: 'REPORT_INPUTS_SUBJECT_UNKNOWN', severity: 'warning', message: `subject.digest ${digest} is covered by no attestation in ${registry.location}: no model's report will use this text (re-bind it to the model: set its name and digest, or run model-provenance report init MODEL)`, pointer: '/subject/digest', ...rangeFor(analysis.doc, '/subject/digest', 'value') });
      return out;
    }
    for (const e of entries.slice(0, 20)) names.push(...subjectNames(await registry.read(e.id), digest));
  } catch {
    return out;
  }
  names = [...new Set(names)];
  if (name && names.length > 0 && !names.includes(name)) {
    out.push({ code: 'REPORT_INPUTS_SUBJECT_MISMATCH', severity: 'warning', message: `subject.name "${name}" is not the model ${digest.slice(0, 19)}…, which its attestations name ${names.map((n) => `"${n}"`).join(', ')}: the text may be bound to the wrong model`, pointer: '/subject/name', ...rangeFor(analysis.doc, '/subject/name', 'value') });
  }
  return out;
}

/** The names a bundle's statement gives the subject with `digest`. */
function subjectNames(bundleText: string, digest: string): string[] {
  try {
    const b = JSON.parse(bundleText) as unknown;
    const st = decodePayload(isObject(b) && isObject(b.dsseEnvelope) ? b.dsseEnvelope : b);
    const subjects = isObject(st) && Array.isArray(st.subject) ? st.subject : [];
    return subjects.filter((x): x is { name: string; digest: { sha256: string } } => isObject(x) && typeof x.name === 'string' && isObject(x.digest) && `sha256:${String(x.digest.sha256)}` === digest).map((x) => x.name);
  } catch {
    return [];
  }
}
