import { SLSA_PROVENANCE_V1, ML_BUILD_TYPE } from '../attest/types';
import { isObject, scanStructure } from '../io/json';
import { INTOTO_STATEMENT_V1, OMS_PREDICATE_LEGACY_V01, OMS_PREDICATE_V1 } from '../oms/types';
import { CYCLONEDX_PREDICATE } from '../manifest/sign-manifest';

export type DocumentKind =
  /** An OMS model signature (Sigstore bundle around an OMS statement). */
  | 'model-signature'
  /** An ML lifecycle attestation (SLSA v1 + our build type), as a bundle, an envelope or a bare statement. */
  | 'ml-attestation'
  /** Any other in-toto statement, DSSE envelope or Sigstore bundle. */
  | 'intoto'
  /** A CycloneDX ML-BOM. */
  | 'manifest'
  /** A trust policy. */
  | 'policy'
  /** What people wrote for a regulatory report (report-inputs.json). */
  | 'report-inputs'
  /** JSON Lines of attestations (`*.intoto.jsonl`). */
  | 'intoto-jsonl';

export type Envelope = 'bundle' | 'envelope' | 'statement';

export interface KindDetection {
  kind: DocumentKind;
  /** Why: "content" (what the document says) or "file name" (when the content does not tell). */
  by: 'content' | 'file name';
  reason: string;
  envelope?: Envelope;
}

const POLICY_ID = 'https://model-provenance.dev/schemas/provenance-policy/v1.json';
const REPORT_INPUTS_ID = 'https://model-provenance.dev/schemas/report-inputs/v1.json';

/**
 * Which of our file kinds a JSON document is: by content first, by file name second.
 * Undefined means "not ours": the editor leaves such files alone.
 */
export function detectKind(fileName: string, value: unknown): KindDetection | undefined {
  return byContent(value) ?? byName(fileName);
}

function byContent(v: unknown): KindDetection | undefined {
  if (!isObject(v)) return undefined;
  if (v.bomFormat === 'CycloneDX') return { kind: 'manifest', by: 'content', reason: 'bomFormat is CycloneDX' };
  if (v.$schema === POLICY_ID) return { kind: 'policy', by: 'content', reason: 'its $schema is the provenance policy schema' };
  if (v.$schema === REPORT_INPUTS_ID) return { kind: 'report-inputs', by: 'content', reason: 'its $schema is the report inputs schema' };
  if (typeof v.mediaType === 'string' && v.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) {
    const env = isObject(v.dsseEnvelope) ? v.dsseEnvelope : undefined;
    return { ...fromStatement(decodePayload(env)), envelope: 'bundle', by: 'content', reason: `a Sigstore bundle${describe(decodePayload(env))}` };
  }
  if (typeof v.payloadType === 'string' && Array.isArray(v.signatures)) {
    return { ...fromStatement(decodePayload(v)), envelope: 'envelope', by: 'content', reason: `a DSSE envelope${describe(decodePayload(v))}` };
  }
  if (v._type === INTOTO_STATEMENT_V1 || v._type === 'https://in-toto.io/Statement/v0.1') {
    return { ...fromStatement(v), envelope: 'statement', by: 'content', reason: `an in-toto statement${describe(v)}` };
  }
  return undefined;
}

function fromStatement(st: unknown): { kind: DocumentKind } {
  if (!isObject(st)) return { kind: 'intoto' };
  if (st.predicateType === OMS_PREDICATE_V1 || st.predicateType === OMS_PREDICATE_LEGACY_V01) return { kind: 'model-signature' };
  const bd = isObject(st.predicate) && isObject(st.predicate.buildDefinition) ? st.predicate.buildDefinition : undefined;
  if (st.predicateType === SLSA_PROVENANCE_V1 && bd?.buildType === ML_BUILD_TYPE) return { kind: 'ml-attestation' };
  return { kind: 'intoto' };
}

function describe(st: unknown): string {
  if (!isObject(st) || typeof st.predicateType !== 'string') return '';
  if (st.predicateType === CYCLONEDX_PREDICATE) return ' carrying a signed CycloneDX BOM';
  return ` with predicateType ${st.predicateType}`;
}

/** The statement inside an envelope, for detection only (never for trust). */
export function decodePayload(env: unknown): unknown {
  if (!isObject(env) || typeof env.payload !== 'string' || env.payload.length > 64 * 1024 * 1024) return undefined;
  try {
    const text = Buffer.from(env.payload, 'base64').toString('utf8');
    const v: unknown = JSON.parse(text);
    // Callers read a few fields; a hostile depth must not reach code that recurses.
    return scanStructure(text).maxDepth > 64 ? undefined : v;
  } catch {
    return undefined;
  }
}

function byName(fileName: string): KindDetection | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const rules: [RegExp, DocumentKind, Envelope?][] = [
    [/^model\.sig$|\.sig$/, 'model-signature', 'bundle'],
    [/\.sigstore(\.json)?$/, 'intoto', 'bundle'],
    [/\.intoto\.jsonl$/, 'intoto-jsonl'],
    [/\.intoto\.json$/, 'intoto', 'statement'],
    [/\.cdx\.json$|^bom\.json$/, 'manifest'],
    [/^provenance-policy\.json$/, 'policy'],
  ];
  for (const [re, kind, envelope] of rules) {
    if (re.test(base)) return { kind, by: 'file name', reason: `the file is named ${base}`, ...(envelope ? { envelope } : {}) };
  }
  return undefined;
}
