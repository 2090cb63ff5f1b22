import { gateResultSarif } from '../report/sarif';
import { chainNextStep, renderLineage } from '../chain/lineage';
import { renderResult, signatureNextStep } from '../report/render';
import type { GateCheckName, GateResult } from './verify-gate';

export type GateFormat = 'text' | 'json' | 'report' | 'sarif';

const TITLES: Record<GateCheckName, string> = { signature: 'Signature', chain: 'Chain of custody', scan: 'Scan' };
const LABELS: Record<GateCheckName, string> = { signature: 'signature', chain: 'chain of custody', scan: 'scan' };
const PASSED: Record<GateCheckName, string> = { signature: 'verified', chain: 'verified', scan: 'clean' };

/**
 * The gate's verdict and every check that ran, each in its own section. A gate that ran
 * only the chain prints it as `lineage` does (text or report); `json` is gateJson.
 */
export function renderGate(r: GateResult, format: GateFormat): string {
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
    out.push(indent(section(r, c.check, format)));
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  if (format === 'report' && r.verdict !== 'verified') out.push('', ...nextSteps(r));
  return `${out.join('\n')}\n`;
}

/**
 * The JSON of a gate: when the chain ran, the chain result as `lineage --format json` prints
 * it (so chain consumers read the same fields), with the gate's verdict over every check,
 * `checks`, every problem tagged with its check, and the other checks' results beside it.
 */
export function gateJson(r: GateResult): Record<string, unknown> {
  const { chain, ...gate } = r;
  return chain ? { ...chain, ...gate, model: { ...chain.model, ...gate.model } } : gate;
}

function section(r: GateResult, check: GateCheckName, format: GateFormat): string {
  switch (check) {
    // Each section's own "Next:" is left out: the gate says once, at the end, what to do.
    case 'signature':
      return renderResult(r.signature!, format === 'report' ? 'report' : 'text', { nextStep: false });
    case 'chain':
      return renderLineage(r.chain!, format === 'report' ? 'report' : 'text', { nextStep: false });
    case 'scan': {
      const s = r.scan!;
      const lines = [`${s.problems.length ? 'DANGEROUS' : 'OK'}: ${s.filesInspected} model file(s) inspected, ${s.problems.length} dangerous finding(s)`];
      for (const p of s.problems) lines.push(`  ${p.code}${p.file ? ` ${p.file}` : ''}: ${p.message}`);
      return `${lines.join('\n')}\n`;
    }
  }
}

/** "Next: do not deploy", then what to do about each check that failed, most dangerous first. */
function nextSteps(r: GateResult): string[] {
  const failed = new Set(r.checks.filter((c) => c.verdict !== 'verified').map((c) => c.check));
  const steps: string[] = [];
  if (failed.has('scan')) steps.push(`  - scan: a model file can run code when loaded: do not load it; see the scan findings.`);
  if (failed.has('signature') && r.signature) steps.push(`  - signature: ${signatureNextStep(r.signature)}`);
  if (failed.has('chain') && r.chain) steps.push(`  - chain of custody: ${chainNextStep(r.chain)}`);
  return ['Next: do not deploy.', ...steps];
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
