// Step plans of the multi-step commands, kept free of `vscode` so that they are tested in Node.

/** The steps of Attest Model… that ask something; the passphrase belongs to the key step. */
export type AttestStep = 'stage' | 'runId' | 'base' | 'datasets' | 'key';

/**
 * The steps Attest Model… will show, so that "(n/N)" counts what the person will really see:
 * a pre-training run has no base model (it is the first stage), and the key step appears only
 * when a key must be chosen or its passphrase typed (a configured, unencrypted key asks nothing).
 */
export function attestPlan(o: { stage?: string | undefined; keyStep: boolean }): AttestStep[] {
  return ['stage', 'runId', ...(o.stage === 'pre-training' ? [] : ['base' as const]), 'datasets', ...(o.keyStep ? ['key' as const] : [])];
}

/** "Attest classifier (3/5): base model". A step not in the plan (never shown) counts as the last. */
export function attestTitle(model: string, step: AttestStep, plan: AttestStep[], what: string): string {
  const i = plan.indexOf(step);
  return `Attest ${model} (${i < 0 ? plan.length : i + 1}/${plan.length}): ${what}`;
}

/** A PEM private key (what Attest Model… can sign with), and whether it is encrypted; undefined for anything else. */
export function privateKeyPem(text: string): 'encrypted' | 'plain' | undefined {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text) || (/-----BEGIN (EC )?PRIVATE KEY-----/.test(text) && /Proc-Type: 4,ENCRYPTED/.test(text))) return 'encrypted';
  if (/-----BEGIN (EC |RSA )?PRIVATE KEY-----/.test(text)) return 'plain';
  return undefined;
}

/**
 * A command's message: "Show Impact: why". A reason that already names the command (a server
 * message written as a sentence about it) is not prefixed again, so no command ever says
 * "Show Impact: Show Impact reads …".
 */
export function said(action: string, reason: string): string {
  const r = reason.trimStart();
  const lead = r.replace(/^(model provenance:\s*)/i, '');
  if (lead.toLowerCase().startsWith(action.toLowerCase())) return lead;
  return `${action}: ${r}`;
}
