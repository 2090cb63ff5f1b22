/** A reason a check failed: what verification results, findings and chain problems all carry. */
export interface FailureReason {
  code: string;
  message: string;
  file?: string;
}

/**
 * The one stderr line of a failed check (exit 1), as the README promises for every failure:
 * what failed, the first reason, and its code in brackets. The full result stays on stdout.
 */
export function reportFailure(subject: string, what: string, reasons: readonly FailureReason[]): void {
  const first = reasons[0];
  const where = first?.file && first.file !== subject && !first.message.includes(first.file) ? `${first.file}: ` : '';
  const more = reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : '';
  const line = `${subject}: ${what}${first ? `: ${where}${first.message}${more}` : ''}`.replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`model-provenance: ${line} [${first?.code ?? 'VERIFICATION_FAILED'}]\n`);
}
