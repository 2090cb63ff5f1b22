// Which trust settings (and ignore paths) count in the editor, and how that is said. Kept free of
// `vscode` so that unit tests hold the rules (test/lsp/trust-settings.test.ts); the client feeds it
// what WorkspaceConfiguration.inspect() returns, the server checks the values and renders the
// Restricted Mode note.

import type { TrustSetting } from '../verify/trust-set';

export const TRUST_LISTS: readonly TrustSetting[] = ['trustedKeys', 'certificateAnchors', 'trustedIdentities'];

/** One trust list as WorkspaceConfiguration.inspect() reports it, per scope. */
export interface InspectedList {
  globalValue?: unknown;
  workspaceValue?: unknown;
  /** One per workspace folder (a multi-root workspace has several). */
  workspaceFolderValues?: unknown[];
}

/**
 * The lists a repository must not choose for the person opening it: the three trust lists, and
 * `ignorePaths` (files left out of every model's verification: an added file there would go
 * unreported). Each is the union of user and (trusted) workspace values, by the one rule below.
 */
export type RestrictedList = TrustSetting | 'ignorePaths';

/** What the workspace's own settings tried to add and Restricted Mode ignored, per list (entries). */
export type IgnoredTrust = Partial<Record<RestrictedList, number>>;

export interface MergedTrust {
  /** The lists the server loads: user entries first, then (trusted workspace) the workspace's, de-duplicated. */
  values: Record<TrustSetting, unknown[]>;
  /** Said in the language status: exactly which scopes were added together, with their entry counts. */
  trustSource: string;
  /** Restricted Mode: the workspace's entries that were not used (empty otherwise). */
  ignored: IgnoredTrust;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const entries = (n: number): string => `${n} ${n === 1 ? 'entry' : 'entries'}`;

/** One restricted list merged: its values, how many came from each side, and what Restricted Mode left out. */
interface Union {
  values: unknown[];
  user: number;
  workspace: number;
  /** Restricted Mode: the workspace's distinct entries, not used. */
  ignored: number;
}

/**
 * The rule every restricted list follows: the person's user entries, plus (only in a trusted
 * workspace) the workspace's and each folder's, de-duplicated. In Restricted Mode the
 * workspace's entries are only counted, never used.
 */
function unionOf(i: InspectedList, workspaceTrusted: boolean): Union {
  const out: Union = { values: [], user: 0, workspace: 0, ignored: 0 };
  const seen = new Set<string>();
  const add = (v: unknown): boolean => {
    const id = JSON.stringify(v);
    if (seen.has(id)) return false;
    seen.add(id);
    out.values.push(v);
    return true;
  };
  for (const v of list(i.globalValue)) if (add(v)) out.user++;
  const own = [...list(i.workspaceValue), ...(i.workspaceFolderValues ?? []).flatMap(list)];
  if (workspaceTrusted) {
    for (const v of own) if (add(v)) out.workspace++;
  } else {
    // A single-folder workspace reports its .vscode/settings.json as both scopes: count it once.
    out.ignored = new Set(own.map((v) => JSON.stringify(v))).size;
  }
  return out;
}

/**
 * The trust lists in force: the UNION of the person's user settings and, only in a trusted
 * workspace, the workspace's and each folder's. VS Code's effective value (`get`) would let a
 * workspace list REPLACE the user's (issue 9, finding 1: a trusted repository naming its own key
 * made the person's own key stop counting). In Restricted Mode only the user's values count: a
 * repository must not choose whom the person trusts; what it tried is returned as `ignored`.
 */
export function mergeTrustLists(inspected: Partial<Record<TrustSetting, InspectedList>>, workspaceTrusted: boolean): MergedTrust {
  const values = { trustedKeys: [], certificateAnchors: [], trustedIdentities: [] } as Record<TrustSetting, unknown[]>;
  const ignored: IgnoredTrust = {};
  let user = 0;
  let workspace = 0;
  for (const key of TRUST_LISTS) {
    const u = unionOf(inspected[key] ?? {}, workspaceTrusted);
    values[key] = u.values;
    user += u.user;
    workspace += u.workspace;
    if (u.ignored > 0) ignored[key] = u.ignored;
  }
  const ignoredTotal = Object.values(ignored).reduce((s, n) => s + (n ?? 0), 0);
  const trustSource = workspaceTrusted
    ? `user settings (${entries(user)}) and workspace settings (${entries(workspace)}), added together (trusted workspace)`
    : `user settings only (${entries(user)}); Restricted Mode: the workspace's own trust settings are ignored${ignoredTotal ? ` (${entries(ignoredTotal)})` : ''}`;
  return { values, trustSource, ignored };
}

/** `modelProvenance.ignorePaths` as the client sends it, and what Restricted Mode left out of it. */
export interface MergedIgnorePaths {
  /**
   * The union of the path strings that count (user, and a trusted workspace's). When a scope
   * that counts holds anything but a list of paths, that value as it is: the server names the
   * setting and applies none of it (a file is never skipped on a guess).
   */
  value: unknown;
  /** Restricted Mode: the workspace's distinct paths, not used (0 otherwise). */
  ignored: number;
}

/**
 * `modelProvenance.ignorePaths` in force, by the rule of the trust lists (it weakens
 * verification as much as a trusted key does): the user's paths always, the workspace's and
 * each folder's only in a trusted workspace. Relative paths are the model folder's, so they are
 * passed on as written (a folder's are not resolved against that folder, as trust files are).
 */
export function mergeIgnorePaths(inspected: InspectedList, workspaceTrusted: boolean): MergedIgnorePaths {
  const counted = [inspected.globalValue, ...(workspaceTrusted ? [inspected.workspaceValue, ...(inspected.workspaceFolderValues ?? [])] : [])];
  const bad = counted.find((v) => v !== undefined && v !== null && !isPathList(v));
  const u = unionOf(inspected, workspaceTrusted);
  return { value: bad !== undefined ? bad : u.values, ignored: u.ignored };
}

const isPathList = (v: unknown): v is string[] => Array.isArray(v) && v.every((p) => typeof p === 'string' && p.trim() !== '');

/** The stable code of a setting whose value cannot be used. */
export const SETTING_INVALID = 'SETTING_INVALID';

/**
 * `modelProvenance.ignorePaths` as the server receives it, checked: a list of non-empty path
 * strings, or nothing. Anything else applies no path at all and comes back as a problem that
 * names the setting (said in Problems and once as a notification), never an exception.
 */
export function readIgnorePaths(raw: unknown): { paths: string[]; problem?: string } {
  if (raw === undefined || raw === null) return { paths: [] };
  if (isPathList(raw)) return { paths: [...new Set(raw)] };
  return {
    paths: [],
    problem: `modelProvenance.ignorePaths must be a list of paths (strings, relative to the model folder or absolute), but it is ${describeValue(raw)}: none of it is applied, so no file is left out [${SETTING_INVALID}]`,
  };
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) {
    const at = v.findIndex((p) => typeof p !== 'string' || p.trim() === '');
    const e = v[at];
    return `a list whose entry ${at + 1} is ${typeof e === 'string' ? 'an empty path' : describeValue(e)}`;
  }
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v)}), not a list`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/**
 * Restricted Mode ignored the workspace's own ignore paths: said beside a file not covered by
 * the signature (it may be one the repository meant to leave out), nowhere else.
 */
export function restrictedIgnorePathsNote(ignored: IgnoredTrust | undefined): string | undefined {
  const n = ignored?.ignorePaths ?? 0;
  return n > 0 ? `the workspace's own modelProvenance.ignorePaths is ignored in Restricted Mode (it names ${n} ${n === 1 ? 'path' : 'paths'})` : undefined;
}

/** The settings a signature of each kind is judged by (a certificate bundle also by a trusted key equal to its leaf's). */
const RELEVANT: Record<'key' | 'certificate' | 'sigstore', TrustSetting[]> = {
  key: ['trustedKeys'],
  certificate: ['certificateAnchors', 'trustedKeys'],
  sigstore: ['trustedIdentities'],
};

export const RESTRICTED_NOTE = "the workspace's own trust settings are ignored in Restricted Mode";

/**
 * The note for a signature whose signer is not trusted (or not checked) while Restricted Mode
 * ignored what the workspace named for its kind; undefined when nothing relevant was ignored, so
 * a note never claims the workspace's settings would have changed a verdict they cannot touch.
 */
export function restrictedNote(method: 'key' | 'certificate' | 'sigstore', ignored: IgnoredTrust | undefined): string | undefined {
  if (!ignored) return undefined;
  const names: Record<TrustSetting, [string, string]> = {
    trustedKeys: ['trusted key entry', 'trusted key entries'],
    certificateAnchors: ['certificate anchor', 'certificate anchors'],
    trustedIdentities: ['keyless identity', 'keyless identities'],
  };
  const parts = RELEVANT[method].filter((k) => (ignored[k] ?? 0) > 0).map((k) => `${ignored[k]} ${ignored[k] === 1 ? names[k][0] : names[k][1]}`);
  return parts.length > 0 ? `${RESTRICTED_NOTE} (it names ${parts.join(' and ')})` : undefined;
}

/** The ignored counts as the client sends them, checked (a server never trusts the shape of a notification). */
export function normaliseIgnored(raw: unknown): IgnoredTrust {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const out: IgnoredTrust = {};
  for (const k of [...TRUST_LISTS, 'ignorePaths'] as const) {
    const n = r[k];
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) out[k] = n;
  }
  return out;
}
