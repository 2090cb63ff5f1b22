import { gateResultSarif } from '../report/sarif';
import { chainNextStep, lineageJson, renderLineage } from '../chain/lineage';
import { renderResult, signatureNextStep } from '../report/render';
import type { GateCheckName, GateResult } from './verify-gate';
import { optionName, type OptionNames } from '../option-names';

export type GateFormat = 'text' | 'json' | 'report' | 'sarif';

const TITLES: Record<GateCheckName, string> = { signature: 'Signature', chain: 'Chain of custody', scan: 'Scan' };
const LABELS: Record<GateCheckName, string> = { signature: 'signature', chain: 'chain of custody', scan: 'scan' };
const PASSED: Record<GateCheckName, string> = { signature: 'verified', chain: 'verified', scan: 'clean' };

/**
 * The gate's verdict and every check that ran, each in its own section. A gate that ran
 * only the chain prints it as `lineage` does (text or report); `json` is gateJson.
 */
export function renderGate(r: GateResult, format: GateFormat, options: { optionNames?: OptionNames } = {}): string {
  if (format === 'json') return `${JSON.stringify(gateJson(r), null, 2)}\n`;
  if (format === 'sarif') return gateResultSarif(r);
  if (r.checks.length === 1 && r.chain) return withNotes(renderLineage(r.chain, format), r.notes);
  const out: string[] = [];
  const subject = r.model.path ?? r.model.digest ?? 'model';
  const summary = r.checks.map((c) => `${LABELS[c.check]} ${c.verdict === 'verified' ? PASSED[c.check] : 'FAILED'}`).join(', ');
  if (format === 'report') {
    out.push(r.verdict === 'verified' ? '✔ Deployment gate passed' : '✘ Deployment gate FAILED', '');
    out.push(`  Model       ${subject}${r.model.digest && r.model.path ? `  ${r.model.digest}` : ''}`);
    out.push(`  Checks      ${summary}`);
  } else {
    out.push(`${r.verdict === 'verified' ? 'VERIFIED' : 'FAILED'} ${subject}: ${summary}`);
  }
  for (const c of r.checks) {
    out.push('', TITLES[c.check]);
    out.push(indent(section(r, c.check, format, options.optionNames)));
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  if (format === 'report' && r.verdict !== 'verified') out.push('', ...nextSteps(r, options.optionNames));
  return `${out.join('\n')}\n`;
}

/**
 * The JSON of a gate: when the chain ran, the chain result as `lineage --format json` prints
 * it (so chain consumers read the same fields), with the gate's verdict over every check,
 * `checks`, every problem tagged with its check, and the other checks' results beside it.
 * `notes` holds the chain's notes (what lies beyond a link that is not verified), then the gate's.
 */
export function gateJson(r: GateResult): Record<string, unknown> {
  const { chain, ...gate } = r;
  if (!chain) return gate;
  const lineage = lineageJson(chain);
  return { ...lineage, ...gate, model: { ...chain.model, ...gate.model }, notes: [...lineage.notes, ...gate.notes] };
}

function section(r: GateResult, check: GateCheckName, format: GateFormat, optionNames: OptionNames | undefined): string {
  switch (check) {
    // Each section's own "Next:" is left out: the gate says once, at the end, what to do.
    case 'signature':
      return renderResult(r.signature!, format === 'report' ? 'report' : 'text', { nextStep: false, optionNames });
    case 'chain':
      return renderLineage(r.chain!, format === 'report' ? 'report' : 'text', { nextStep: false });
    case 'scan': {
      const s = r.scan!;
      const head = s.dangerous ? 'DANGEROUS' : s.problems.length ? 'SUSPICIOUS' : 'OK';
      const lines = [`${head}: ${s.filesInspected} model file(s) inspected, ${s.problems.length ? s.summary : '0 dangerous finding(s)'}`];
      for (const p of s.problems) lines.push(`  ${p.code}${p.file ? ` ${p.file}` : ''}: ${p.message}`);
      return `${lines.join('\n')}\n`;
    }
  }
}

/** "Next: do not deploy", then what to do about each check that failed, most dangerous first. */
function nextSteps(r: GateResult, optionNames: OptionNames | undefined): string[] {
  const failed = new Set(r.checks.filter((c) => c.verdict !== 'verified').map((c) => c.check));
  const steps: string[] = [];
  if (failed.has('scan')) {
    steps.push(r.scan?.dangerous ? `  - scan: a model file can run code when loaded: do not load it; see the scan findings.` : `  - scan: a model file could not be cleared (it may run code when loaded): do not load it until it is understood; see the scan findings.`);
  }
  if (failed.has('signature') && r.signature) steps.push(`  - signature: ${signatureNextStep(r.signature, optionNames)}`);
  if (failed.has('chain') && r.chain) steps.push(`  - chain of custody: ${gateChainStep(r, r.chain, optionNames)}`);
  return ['Next: do not deploy.', ...steps];
}

/**
 * The chain's next step in the gate. A verified signature over other files than the chain was
 * looked up by points at the cause: unsigned files the signature check accepted, else the model
 * scope; never "attest it" over a digest that is only a mismatch.
 */
function gateChainStep(r: GateResult, chain: NonNullable<GateResult['chain']>, optionNames: OptionNames | undefined): string {
  const signed = r.signature?.verdict === 'verified' ? r.signature.subject?.digest : undefined;
  if (!signed || signed === chain.model.digest) return chainNextStep(chain);
  // In a verified signature, a file it does not cover was accepted (--ignore-unsigned-files).
  const accepted = r.signature!.files.filter((f) => f.status === 'unexpected').map((f) => f.name);
  if (accepted.length > 0) return `the chain was looked up by the digest of the files on disk, which include ${accepted.length} file(s) the signature does not cover (${accepted.join(', ')}): remove them, or check the chain by the signed digest; do not attest it again as it is.`;
  return `the model was signed as ${signed}, but the chain was looked up by ${chain.model.digest} (the files on disk with the options given): give the model-scope options it was signed and attested with (${optionName(optionNames, 'ignorePaths')}), then check again; do not attest it again as it is.`;
}

function indent(text: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}

function withNotes(text: string, notes: string[]): string {
  return notes.length === 0 ? text : `${text}${notes.map((n) => `note: ${n}\n`).join('')}`;
}
