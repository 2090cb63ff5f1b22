import * as vscode from 'vscode';

/**
 * Settings a repository must not choose for the person opening it (package.json lists the
 * same ones as restricted configurations; this is the client's own enforcement of them).
 */
export const TRUST_SETTINGS = ['trustedKeys', 'certificateAnchors', 'trustedIdentities', 'policy', 'registry'] as const;

export interface EffectiveSettings {
  modelProvenance: Record<string, unknown>;
  /** Said in the language status: where the trust settings came from. */
  trustSource: string;
  /** In Restricted Mode: what the workspace's settings tried to set and was ignored ("2 trusted keys", "policy"). */
  ignored: string[];
}

/**
 * The settings sent to the server. In an untrusted workspace the trust settings come
 * from the user's own settings only: a repository's .vscode/settings.json could
 * otherwise name an attacker's key, CA or identity and make a tampered model show as verified.
 */
export function effectiveSettings(): EffectiveSettings {
  const cfg = vscode.workspace.getConfiguration('modelProvenance');
  const trusted = vscode.workspace.isTrusted;
  const out: Record<string, unknown> = {
    severity: cfg.get('severity'),
    codeLens: cfg.get('codeLens'),
    maxProblems: cfg.get('maxProblems'),
    autoVerifySizeLimitMB: cfg.get('autoVerifySizeLimitMB'),
  };
  const ignored: string[] = [];
  const NAMES: Record<string, [string, string]> = { trustedKeys: ['trusted key', 'trusted keys'], certificateAnchors: ['certificate anchor', 'certificate anchors'], trustedIdentities: ['keyless identity', 'keyless identities'] };
  for (const key of TRUST_SETTINGS) {
    const inspected = cfg.inspect(key);
    out[key] = trusted ? cfg.get(key) : (inspected?.globalValue ?? inspected?.defaultValue);
    if (trusted) continue;
    const tried = [inspected?.workspaceValue, inspected?.workspaceFolderValue].filter((v) => v !== undefined && v !== null && v !== '');
    if (tried.length === 0) continue;
    const names = NAMES[key];
    const n = tried.reduce<number>((sum, v) => sum + (Array.isArray(v) ? v.length : 1), 0);
    if (names) {
      if (n > 0) ignored.push(`${n} ${n === 1 ? names[0] : names[1]}`);
    } else ignored.push(key);
  }
  const trustSource = trusted ? 'user and workspace settings (trusted workspace)' : 'user settings only (untrusted workspace)';
  return { modelProvenance: out, trustSource, ignored };
}
