import { readIgnorePaths, SETTING_INVALID } from '../core/editor/trust-settings';

/** The extension's settings, as the server sees them (section `modelProvenance`). */
export type SeveritySetting = 'error' | 'warning' | 'information' | 'hint' | 'off';

export const CATEGORIES = ['syntax', 'schema', 'profile', 'digest', 'signature', 'chain', 'flagged', 'policy'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Settings {
  /** Public keys (files or folders) that key signatures are checked against. */
  trustedKeys: string[];
  /** CA certificates (PEM files) that certificate-chain signatures must chain to. */
  certificateAnchors: string[];
  /** Sigstore keyless signers: `{ identity, issuer, trustedRoot? }`, matched exactly (validated when loaded). */
  trustedIdentities: unknown[];
  policy?: string;
  registry?: string;
  /** Per category; unset means the finding's own severity. */
  severity: Partial<Record<Category, SeveritySetting>>;
  codeLens: boolean;
  maxProblems: number;
  /** Models larger than this are only verified on request, never automatically. */
  autoVerifySizeLimitMB: number;
  /**
   * Paths left out of every model's verification (model_signing's `--ignore-paths`): relative
   * to the model folder, or absolute. Restricted: the client sends the user's, and a trusted
   * workspace's, added together.
   */
  ignorePaths: string[];
  /** Settings whose value cannot be used, one line each naming the setting (Problems, status, a notification). */
  problems: string[];
}

export const DEFAULT_SETTINGS: Settings = {
  trustedKeys: [],
  certificateAnchors: [],
  trustedIdentities: [],
  severity: {},
  codeLens: true,
  maxProblems: 200,
  autoVerifySizeLimitMB: 512,
  ignorePaths: [],
  problems: [],
};

export function normaliseSettings(raw: unknown): Settings {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Settings>;
  const ignore = readIgnorePaths(r.ignorePaths);
  return {
    trustedKeys: strings(r.trustedKeys),
    certificateAnchors: strings(r.certificateAnchors),
    trustedIdentities: Array.isArray(r.trustedIdentities) ? r.trustedIdentities : [],
    policy: typeof r.policy === 'string' && r.policy ? r.policy : undefined,
    registry: typeof r.registry === 'string' && r.registry ? r.registry : undefined,
    severity: typeof r.severity === 'object' && r.severity !== null ? r.severity : {},
    codeLens: r.codeLens !== false,
    maxProblems: typeof r.maxProblems === 'number' && r.maxProblems > 0 ? Math.floor(r.maxProblems) : DEFAULT_SETTINGS.maxProblems,
    autoVerifySizeLimitMB: typeof r.autoVerifySizeLimitMB === 'number' && r.autoVerifySizeLimitMB >= 0 ? r.autoVerifySizeLimitMB : DEFAULT_SETTINGS.autoVerifySizeLimitMB,
    ignorePaths: ignore.paths,
    problems: ignore.problem ? [ignore.problem] : [],
  };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string' && k.trim() !== '') : []);

/** Which setting governs a finding code. */
export function categoryOf(code: string): Category {
  if (code.startsWith('JSON_')) return 'syntax';
  if (code.startsWith('FLAGGED_') || code.startsWith('ADVISORY_') || code === 'SIGNER_REVOKED') return 'flagged';
  if (code.startsWith('POLICY_') || code === 'DN_MALFORMED') return 'policy';
  if (/^(MLBOM_DIGEST_MISMATCH|MLBOM_ROOT_DIGEST_MISMATCH|MLBOM_FILE_MISSING|FILE_MODIFIED|FILE_MISSING|FILE_UNEXPECTED|ROOT_DIGEST_MISMATCH|MANIFEST_EMPTY|INTEGRITY_OK)$/.test(code)) return 'digest';
  if (/^(SIGNATURE_|KEY_|CERT_|IDENTITY_|ISSUER_|SIGSTORE_|TRUST_|MODEL_VERIFIED$|MODEL_TOO_LARGE$|ANCHOR_)/.test(code) || code === SETTING_INVALID) return 'signature';
  if (/^(MISSING_LINK|STAGE_|SIGNER_|ATTESTATION_|REQUIRED_STAGE|DIGEST_MISMATCH|UNTRUSTED_SIGNER|DATASET_|BASE_MODEL_)/.test(code)) return 'chain';
  if (code.startsWith('MLBOM_')) return 'profile';
  return 'schema';
}
