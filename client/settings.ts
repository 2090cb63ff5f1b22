import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import * as vscode from 'vscode';
import { mergeIgnorePaths, mergeTrustLists, TRUST_LISTS, type IgnoredTrust, type InspectedList } from '../core/editor/trust-settings';
import type { TrustSetting } from '../core/verify/trust-set';

/**
 * Settings a repository must not choose for the person opening it (package.json lists the
 * same ones as restricted configurations; this is the client's own enforcement of them).
 */
export const TRUST_SETTINGS = ['trustedKeys', 'certificateAnchors', 'trustedIdentities', 'ignorePaths', 'policy', 'registry'] as const;

export interface EffectiveSettings {
  modelProvenance: Record<string, unknown>;
  /** Said in the language status: which scopes the trust lists came from, added together. */
  trustSource: string;
  /** In Restricted Mode: what the workspace's settings tried to set and was ignored ("2 trusted keys", "1 ignore path", "policy"). */
  ignored: string[];
  /** In Restricted Mode: entries per restricted list that were ignored (the server says so beside an untrusted signer, or a file not covered). */
  ignoredTrust: IgnoredTrust;
}

/**
 * The settings sent to the server. The trust lists are the union of the user's settings and,
 * only in a trusted workspace, the workspace's and its folders' (core/editor/trust-settings.ts);
 * never VS Code's effective value, where a workspace list replaces the user's. In an untrusted
 * workspace the trust settings come from the user's own settings only: a repository's
 * .vscode/settings.json could otherwise name an attacker's key, CA or identity and make a
 * tampered model show as verified. `ignorePaths` follows the same rule (a repository could otherwise
 * name the file it added, and verification would skip it).
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
  const folders = vscode.workspace.workspaceFolders ?? [];
  const inspected: Partial<Record<TrustSetting, InspectedList>> = {};
  for (const key of TRUST_LISTS) {
    const i = cfg.inspect<unknown[]>(key);
    inspected[key] = {
      globalValue: i?.globalValue,
      workspaceValue: i?.workspaceValue,
      // Each folder's own .vscode/settings.json; in a multi-root workspace its relative paths are its folder's.
      workspaceFolderValues: folders.map((f) => {
        const v = vscode.workspace.getConfiguration('modelProvenance', f.uri).inspect<unknown[]>(key)?.workspaceFolderValue;
        return folders.length > 1 && Array.isArray(v) ? v.map((e) => (typeof e === 'string' && !path.isAbsolute(e) ? path.resolve(f.uri.fsPath, e) : e)) : v;
      }),
    };
  }
  // Ignore paths are the model folder's, so a folder's relative entries are passed on as written.
  const ip = cfg.inspect<unknown>('ignorePaths');
  const ignoreInspected: InspectedList = {
    globalValue: ip?.globalValue,
    workspaceValue: ip?.workspaceValue,
    workspaceFolderValues: folders.map((f) => vscode.workspace.getConfiguration('modelProvenance', f.uri).inspect<unknown>('ignorePaths')?.workspaceFolderValue),
  };
  // VS Code leaves restricted settings out of an untrusted workspace's configuration, so
  // inspect() cannot say what the repository tried to set: read its settings files (once), only
  // to count what is ignored (their values are never used here).
  const onDisk = trusted ? { workspace: {}, folders: [] } : workspaceSettingsOnDisk(folders);
  if (!trusted) {
    for (const [key, i] of [...TRUST_LISTS.map((k) => [k, inspected[k]!] as const), ['ignorePaths', ignoreInspected] as const]) {
      if (i.workspaceValue === undefined) i.workspaceValue = onDisk.workspace[`modelProvenance.${key}`];
      i.workspaceFolderValues = folders.map((_, k) => i.workspaceFolderValues?.[k] ?? onDisk.folders[k]?.[`modelProvenance.${key}`]);
    }
  }
  const merged = mergeTrustLists(inspected, trusted);
  Object.assign(out, merged.values);
  const ignorePaths = mergeIgnorePaths(ignoreInspected, trusted);
  out.ignorePaths = ignorePaths.value;
  const NAMES: Record<TrustSetting, [string, string]> = { trustedKeys: ['trusted key', 'trusted keys'], certificateAnchors: ['certificate anchor', 'certificate anchors'], trustedIdentities: ['keyless identity', 'keyless identities'] };
  const ignored: string[] = [];
  for (const key of TRUST_LISTS) {
    const n = merged.ignored[key];
    if (n) ignored.push(`${n} ${n === 1 ? NAMES[key][0] : NAMES[key][1]}`);
  }
  if (ignorePaths.ignored) ignored.push(`${ignorePaths.ignored} ${ignorePaths.ignored === 1 ? 'ignore path' : 'ignore paths'}`);
  // policy and registry are single values, not lists: the workspace's replaces the user's, but only when trusted.
  for (const key of ['policy', 'registry'] as const) {
    const inspectedOne = cfg.inspect(key);
    out[key] = trusted ? cfg.get(key) : (inspectedOne?.globalValue ?? inspectedOne?.defaultValue);
    if (trusted) continue;
    const tried = [inspectedOne?.workspaceValue, inspectedOne?.workspaceFolderValue, onDisk.workspace[`modelProvenance.${key}`], ...onDisk.folders.map((f) => f[`modelProvenance.${key}`])].filter((v) => v !== undefined && v !== null && v !== '');
    if (tried.length > 0) ignored.push(key);
  }
  return { modelProvenance: out, trustSource: merged.trustSource, ignored, ignoredTrust: { ...merged.ignored, ...(ignorePaths.ignored ? { ignorePaths: ignorePaths.ignored } : {}) } };
}

/**
 * The settings an untrusted workspace's own files hold: the `.code-workspace` file's `settings`
 * and each folder's `.vscode/settings.json` (JSON with comments), as flat keys. Unreadable or
 * malformed files count as empty: this only says what Restricted Mode ignored.
 */
function workspaceSettingsOnDisk(folders: readonly vscode.WorkspaceFolder[]): { workspace: Record<string, unknown>; folders: Record<string, unknown>[] } {
  const read = (file: string | undefined): Record<string, unknown> => {
    if (!file) return {};
    try {
      const v: unknown = parseJsonc(readFileSync(file, 'utf8'), [], { allowTrailingComma: true });
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const wsFile = vscode.workspace.workspaceFile?.scheme === 'file' ? vscode.workspace.workspaceFile.fsPath : undefined;
  const ws = read(wsFile).settings;
  return {
    workspace: ws !== null && typeof ws === 'object' && !Array.isArray(ws) ? (ws as Record<string, unknown>) : {},
    folders: folders.map((f) => (f.uri.scheme === 'file' ? read(path.join(f.uri.fsPath, '.vscode', 'settings.json')) : {})),
  };
}
