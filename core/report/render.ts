import type { FileStatus, VerificationResult } from '../verify/result';
import { describeSigner } from '../verify/signer';
import type { ModelEvaluation } from '../verify/evaluate-model';
import { optionName, type OptionNames } from '../option-names';
import { verificationSarif } from './sarif';
import { FLAGGED_NEXT } from '../incident/next-step';

export { describeSigner };

export type ReportFormat = 'text' | 'json' | 'report' | 'sarif';

/**
 * A signature verification result as `text`, `report`, `json` or `sarif`.
 *
 * @param options.optionNames how advice names options (the CLI: its flags; default the library's names)
 */
export function renderResult(result: VerificationResult, format: ReportFormat, options: { nextStep?: boolean; optionNames?: OptionNames } = {}): string {
  switch (format) {
    case 'sarif':
      return verificationSarif(result);
    case 'json':
      return `${JSON.stringify(result, null, 2)}\n`;
    case 'report':
      return renderReport(result, options.nextStep ?? true, options.optionNames);
    default:
      return renderText(result);
  }
}

const count = (files: FileStatus[], st: FileStatus['status']): number => files.filter((f) => f.status === st).length;

/** Short form for terminals and CI logs: the verdict line, then one line per problem. */
function renderText(r: VerificationResult): string {
  const lines: string[] = [];
  if (r.verdict === 'verified') {
    lines.push(`VERIFIED ${r.model}: ${r.files.filter((f) => f.status === 'ok').length} file(s) match, signed by ${describeSigner(r.signer)}`);
    if (r.subject) lines.push(`  subject ${r.subject.name} ${r.subject.digest}`);
  } else {
    lines.push(`FAILED ${r.model}: ${r.problems.length} problem(s)`);
    for (const p of r.problems) lines.push(`  ${p.code}${p.file ? ` ${p.file}` : ''}: ${p.message}`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}

const MAX_LISTED = 12;

/** One screen a person can act on: what was checked, what is wrong, what to do next. */
function renderReport(r: VerificationResult, withNext = true, optionNames?: OptionNames, scope?: string): string {
  const out: string[] = [];
  const ok = r.verdict === 'verified';
  out.push(ok ? '✔ Model verified' : '✘ Model NOT verified');
  out.push('');
  out.push(`  Model       ${r.model}`);
  out.push(`  Signature   ${r.signature}${r.bundleVersion ? ` (Sigstore bundle v${r.bundleVersion})` : ''}`);
  out.push(`  Signer      ${describeSigner(r.signer)}`);
  if (r.signedAt) out.push(`  Signed at   ${r.signedAt}`);
  if (r.subject) out.push(`  Subject     ${r.subject.name} ${r.subject.digest}`);
  if (r.files.length > 0) {
    out.push(
      `  Files       ${r.files.length} checked: ${count(r.files, 'ok')} ok, ${count(r.files, 'modified')} modified, ${count(r.files, 'missing')} missing, ${count(r.files, 'unexpected')} unexpected`,
    );
  }
  if (scope) out.push(`  Ignored     ${scope}`);
  const bad = r.files.filter((f) => f.status !== 'ok');
  if (bad.length > 0) {
    out.push('');
    for (const f of bad.slice(0, MAX_LISTED)) out.push(`    ${f.status.padEnd(10)} ${f.name}`);
    if (bad.length > MAX_LISTED) out.push(`    … and ${bad.length - MAX_LISTED} more (use ${optionName(optionNames, 'jsonFormat')} for all)`);
  }
  const other = r.problems.filter((p) => !p.code.startsWith('FILE_'));
  if (other.length > 0) {
    out.push('');
    for (const p of other) out.push(`  ${p.code}: ${p.message}`);
  }
  for (const n of r.notes) out.push(`  note: ${n}`);
  if (!ok && withNext) {
    out.push('');
    out.push(`  Next: ${signatureNextStep(r, optionNames)}`);
  }
  return `${out.join('\n')}\n`;
}

/** What to do about a failed signature verification, in one sentence (the report's "Next:" line). */
export function signatureNextStep(r: VerificationResult, optionNames?: OptionNames): string {
  const codes = new Set(r.problems.map((p) => p.code));
  if (codes.has('FLAGGED_ARTIFACT') || codes.has('SIGNER_REVOKED')) return FLAGGED_NEXT;
  if (codes.has('SIGNATURE_NOT_FOUND')) return `the model is unsigned here: do not deploy; get the signature the producer published with it (or give its path with ${optionName(optionNames, 'signature')}).`;
  if (codes.has('SUBJECT_MISMATCH')) {
    return `this signature was made for another model (signed subject ${r.subject?.name ?? '?'}): do not deploy on it; check that the signature given is the one published with ${r.model}.`;
  }
  if (codes.has('KEY_UNTRUSTED') || codes.has('IDENTITY_MISMATCH') || codes.has('ISSUER_MISMATCH') || codes.has('CERT_CHAIN_UNTRUSTED')) {
    return 'the signer is not one you trust: do not deploy; check who produced this model and which keys you trust.';
  }
  if (codes.has('SIGNATURE_INVALID')) return 'the signature itself is broken or was tampered with: do not deploy; obtain a fresh signature from the producer.';
  if (codes.has('FILE_MODIFIED') || codes.has('FILE_MISSING')) return 'the weights differ from what was signed: do not deploy; restore the files from a trusted source.';
  if (codes.has('FILE_UNEXPECTED')) return 'files were added after signing: remove them, or re-sign if they belong to the model.';
  return 'do not deploy until the problems above are resolved.';
}

/**
 * One screen for a model evaluation (integrity and trust judged apart): what was checked,
 * who signed, which files differ, and what to do next. A verified evaluation renders as
 * the full verification report.
 */
export function renderEvaluation(e: ModelEvaluation): string {
  if (e.state === 'verified' && e.result) return renderReport(e.result, true, undefined, e.ignorePaths?.text);
  const out: string[] = [];
  out.push(`✘ Model NOT verified — ${e.headline}`);
  out.push('');
  out.push(`  Model       ${e.model}`);
  out.push(`  Signature   ${e.signature}`);
  out.push(`  Signer      ${e.signerText}`);
  out.push(`  Trust       ${e.trust.state}${e.trust.code ? ` (${e.trust.code})` : ''}${e.trust.message ? `: ${e.trust.message}` : ''}`);
  for (const h of e.flags ?? []) out.push(`  ${h.code === 'FLAGGED_ARTIFACT' ? 'Flagged' : 'Revoked'}     ${h.code}: ${h.message}`);
  if (e.integrity) {
    const f = e.integrity.files;
    out.push(`  Files       ${e.integrity.summary} (${count(f, 'ok')} ok, ${count(f, 'modified')} modified, ${count(f, 'missing')} missing, ${count(f, 'unexpected')} unexpected)`);
    if (e.ignorePaths) out.push(`  Ignored     ${e.ignorePaths.text}`);
    const bad = f.filter((x) => x.status !== 'ok');
    if (bad.length) out.push('');
    for (const x of bad.slice(0, MAX_LISTED)) out.push(`    ${x.status.padEnd(10)} ${x.name}`);
    if (bad.length > MAX_LISTED) out.push(`    … and ${bad.length - MAX_LISTED} more`);
  } else {
    out.push('  Files       not compared');
  }
  out.push('');
  out.push(`  Next: ${evaluationNext(e)}`);
  return `${out.join('\n')}\n`;
}

function evaluationNext(e: ModelEvaluation): string {
  switch (e.state) {
    case 'modified': {
      const f = e.integrity?.files ?? [];
      // Only added files: the signed ones are intact. model_signing before v1.1 does not record
      // the paths its signer left out, so an added file may be one the signer ignored on purpose.
      if (f.some((x) => x.status === 'unexpected') && !f.some((x) => x.status === 'modified' || x.status === 'missing')) {
        return 'files were added after signing: do not deploy until you know what they are; remove them, or re-sign if they belong to the model. If the signer left them out on purpose (model_signing before v1.1 does not record that in the signature), leave them out the same way: modelProvenance.ignorePaths in the editor, --ignore-paths on the CLI.';
      }
      return 'the files differ from what was signed: do not deploy; restore them from a trusted source.';
    }
    case 'not-configured':
      return 'the files match what was signed, but nobody you trust has vouched for the signer: check who signed it, then trust that signer (Trust this signer…) or configure the key, certificate anchor or identity you expect.';
    case 'untrusted':
      return 'the signer is not one you trust: do not deploy; check who produced this model and which signers you trust.';
    case 'invalid':
      return 'the signature itself is broken or was tampered with: do not deploy; obtain a fresh signature from the producer.';
    case 'too-large':
      return 'run Verify to hash the model now.';
    default:
      return 'fix the problem above, then verify again.';
  }
}
