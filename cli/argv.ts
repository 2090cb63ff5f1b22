/**
 * model_signing users type `--private_key`; we spell options with dashes. Rewrite the
 * option name (not its value) so both spellings reach the same option.
 */
export function normaliseArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let passthrough = false;
  for (const arg of argv) {
    if (arg === '--') passthrough = true;
    if (passthrough || !arg.startsWith('--')) {
      out.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    out.push(name.replace(/_/g, '-') + (eq === -1 ? '' : arg.slice(eq)));
  }
  return out;
}
