import { isProvenanceError, loadTrustedKeys, type TrustedKey } from '../../core';
import type { Settings } from '../settings';

/** Loaded trusted keys, and the problems loading them, for the status item. */
export interface TrustState {
  keys: TrustedKey[];
  problems: string[];
}

export function loadTrust(settings: Settings, resolvePath: (p: string) => string): TrustState {
  const keys: TrustedKey[] = [];
  const problems: string[] = [];
  for (const k of settings.trustedKeys) {
    try {
      keys.push(...loadTrustedKeys(resolvePath(k)));
    } catch (err) {
      problems.push(isProvenanceError(err) ? err.oneLine() : String(err));
    }
  }
  return { keys, problems };
}
