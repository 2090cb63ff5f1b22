import { loadTrustSet, type TrustProblem, type TrustSet } from '../../core';
import type { IgnoredTrust } from '../../core/editor/trust-settings';
import type { Settings } from '../settings';

/** What the person trusts now, and the entries that could not be used (for the status item and a warning). */
export interface LoadedTrust {
  set: TrustSet;
  problems: TrustProblem[];
  /** Restricted Mode: the workspace's entries per list that were ignored (said beside a signer not trusted). */
  ignored: IgnoredTrust;
  /** Bumps on every reload: model states computed under an older trust are stale. */
  version: number;
}

let version = 0;

export function loadTrust(settings: Settings, resolvePath: (p: string) => string, ignored: IgnoredTrust = {}): LoadedTrust {
  const { trust, problems } = loadTrustSet(
    { trustedKeys: settings.trustedKeys, certificateAnchors: settings.certificateAnchors, trustedIdentities: settings.trustedIdentities },
    resolvePath,
  );
  return { set: trust, problems, ignored, version: ++version };
}

/** "1 key, 1 certificate anchor, 2 keyless identities". */
export function trustCounts(set: TrustSet): string {
  const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  return [n(set.keys.length, 'key', 'keys'), n(set.anchors.length, 'certificate anchor', 'certificate anchors'), n(set.identities.length, 'keyless identity', 'keyless identities')].join(', ');
}

/**
 * One line a person can act on: the entry, the setting it is in, and what is wrong. A misplaced
 * entry says where it belongs first, so a truncated Problems row or toast still shows it.
 */
export function describeTrustProblem(p: TrustProblem): string {
  const where = `modelProvenance.${p.setting}`;
  const what = p.file && p.file !== p.entry ? `${p.entry} (${p.file})` : p.entry;
  if (p.belongsIn) return `${what} in ${where} belongs in modelProvenance.${p.belongsIn}: it ${p.message} [${p.code}]`;
  return `${what} in ${where}: ${p.message} [${p.code}]`;
}
