import { parseDistinguishedName } from '../keys/distinguished-name';
import { dirname, resolve } from 'node:path';
import { getNodeValue } from 'jsonc-parser';
import { existsSync } from 'node:fs';
import { isProvenanceError } from '../errors';
import { describeValue, isObject, scanStructure } from '../io/json';
import { parseJsonDocument, rangeFor, type JsonDocument } from '../json/document';
import type { TrustedKey } from '../keys/keys';
import { capFindings, type Finding } from '../manifest/findings';
import { validateManifestStatic } from '../manifest/validate-manifest';
import { MAX_PAYLOAD_DEPTH, parseOmsPayload } from '../oms/manifest';
import { INTOTO_PAYLOAD_TYPE } from '../oms/types';
import { pointerToPath, validateAgainst, type SchemaName } from '../schema/validator';
import { unknownProperty } from '../schema/suggest';
import { parseBundle, type ParsedBundle } from '../sigstore/bundle';
import { verifySignature } from '../verify/signature';
import { detectKind, decodePayload, type KindDetection } from './kind';

export interface AnalysisOptions {
  /** Keys to check signatures against; none means signatures are not judged. */
  trustedKeys?: TrustedKey[];
  maxFindings?: number;
}

export interface DocumentAnalysis {
  detection?: KindDetection;
  doc: JsonDocument;
  findings: Finding[];
  /** For bundles and envelopes: the parsed bundle, when it parsed. */
  bundle?: ParsedBundle;
}

const TOLERANT_MAX_BYTES = 1024 * 1024;

/** Where problems found inside a base64 payload are shown: on the payload string. */
const PAYLOAD_POINTER: Record<string, string> = { bundle: '/dsseEnvelope/payload', envelope: '/payload', statement: '' };

/**
 * Every check that needs no hashing, for any of our file kinds: the CLI and the
 * language server both call this, so they never disagree.
 */
export function analyzeDocument(fileName: string, text: string, options: AnalysisOptions = {}): DocumentAnalysis {
  const doc = parseJsonDocument(text, fileName);
  // While a person types, the JSON is often broken: the tolerant tree still tells the kind
  // (for documents of a sane size; past that, the file name does).
  const tolerant = doc.value === undefined && text.length <= TOLERANT_MAX_BYTES && doc.tree ? getNodeValue(doc.tree) : undefined;
  const detection = detectKind(fileName, doc.value ?? tolerant);
  const result: DocumentAnalysis = { doc, findings: [] };
  if (!detection) return result;
  result.detection = detection;
  const findings = result.findings;
  const located = (code: string, message: string, pointer: string, severity: Finding['severity'] = 'error', data?: Record<string, unknown>): Finding => ({
    code,
    severity,
    message,
    pointer,
    ...(data ? { data } : {}),
    ...rangeFor(doc, pointer, 'value'),
  });

  if (detection.kind === 'manifest') {
    result.findings = validateManifestStatic(text, fileName, options.maxFindings, doc).findings;
    return result;
  }
  for (const e of doc.errors) findings.push({ code: e.code, severity: 'error', message: e.message, offset: e.offset, length: e.length });
  if (doc.value === undefined) return result;

  const schemaFindings = (schema: SchemaName, value: unknown, prefix: string, at?: string): void => {
    for (const e of validateAgainst(schema, value)) {
      // if/then: the failing rule inside `then` is reported on its own.
      if (e.keyword === 'if') continue;
      const code = e.ruleCode ?? `SCHEMA_${e.keyword.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
      if (at !== undefined) {
        findings.push(located(code, `signed statement ${pointerToPath(e.pointer)}: ${e.message}`, at));
        continue;
      }
      const pointer = `${prefix}${e.pointer}`;
      const p = e.params;
      const range =
        e.keyword === 'required'
          ? rangeFor(doc, pointer, 'parent-key')
          : e.keyword === 'additionalProperties'
            ? rangeFor(doc, pointer, 'key', String(p.additionalProperty))
            : rangeFor(doc, pointer, 'value');
      const unknown = e.keyword === 'additionalProperties' ? unknownProperty(String(p.additionalProperty), e.allowedProperties ?? []) : undefined;
      const data = e.keyword === 'required' ? { missingProperty: p.missingProperty } : e.keyword === 'enum' ? { allowedValues: p.allowedValues } : unknown?.data;
      // "did you mean …" wins over a rule's own wording: it names the fix.
      const message = unknown?.data.suggestion ? unknown.message : (e.ruleMessage ?? unknown?.message ?? e.message);
      findings.push({ code, severity: 'error', message, pointer, ...(data ? { data } : {}), ...range });
    }
  };

  switch (detection.kind) {
    case 'policy':
      schemaFindings('provenance-policy', doc.value, '');
      policyFiles(fileName, doc.value, findings, doc);
      break;
    case 'report-inputs':
      schemaFindings('report-inputs', doc.value, '');
      break;
    case 'ml-attestation':
    case 'model-signature':
    case 'intoto': {
      const env = detection.envelope ?? 'bundle';
      if (env === 'statement') {
        if (detection.kind === 'ml-attestation') schemaFindings('ml-provenance', doc.value, '');
        break;
      }
      const payloadAt = PAYLOAD_POINTER[env]!;
      let bundle: ParsedBundle | undefined;
      try {
        bundle = env === 'bundle' ? parseBundle(text, fileName) : undefined;
      } catch (err) {
        if (!isProvenanceError(err)) throw err;
        findings.push(located(err.code, err.message, err.pointer ?? payloadAt));
        break;
      }
      result.bundle = bundle;
      const payloadType = bundle?.envelope.payloadType ?? (isObject(doc.value) ? doc.value.payloadType : undefined);
      if (payloadType !== INTOTO_PAYLOAD_TYPE) {
        findings.push(located('PAYLOAD_TYPE_UNSUPPORTED', `payloadType ${describeValue(payloadType)} is not ${INTOTO_PAYLOAD_TYPE}`, env === 'bundle' ? '/dsseEnvelope/payloadType' : '/payloadType'));
        break;
      }
      // The envelope form: the raw payload bytes, never a re-serialisation of an untrusted value.
      const rawPayload = bundle?.envelope.payload ?? (isObject(doc.value) && typeof doc.value.payload === 'string' ? Buffer.from(doc.value.payload, 'base64') : Buffer.alloc(0));
      try {
        if (detection.kind === 'model-signature') parseOmsPayload(rawPayload, fileName);
      } catch (err) {
        if (!isProvenanceError(err)) throw err;
        findings.push(located(err.code, err.message, payloadAt));
      }
      if (detection.kind === 'ml-attestation') {
        const st = safeParse(rawPayload);
        if (st === TOO_DEEP) findings.push(located('PAYLOAD_MALFORMED', `signed payload: nested more than ${MAX_PAYLOAD_DEPTH} levels deep`, payloadAt));
        else schemaFindings('ml-provenance', st, '', payloadAt);
      }
      if (bundle && options.trustedKeys && options.trustedKeys.length > 0) {
        const outcome = verifySignature(bundle, { kind: 'key', keys: options.trustedKeys }, fileName);
        if (!outcome.ok) findings.push(located(outcome.code ?? 'SIGNATURE_INVALID', outcome.message ?? 'the signature does not verify', '/dsseEnvelope/signatures/0/sig', 'error', { keyId: outcome.signer?.keyId }));
      }
      break;
    }
    default:
      break;
  }
  result.findings = capFindings(findings, options.maxFindings);
  return result;
}

const TOO_DEEP = Symbol('too deep');

/** A payload for schema checks: undefined when it is not JSON, TOO_DEEP when recursion over it would be unsafe. */
function safeParse(payload: Buffer): unknown {
  const text = payload.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return scanStructure(text).maxDepth > MAX_PAYLOAD_DEPTH ? TOO_DEEP : value;
}

/** A policy names key and certificate files: each must exist beside it. */
function policyFiles(fileName: string, value: unknown, findings: Finding[], doc: JsonDocument): void {
  if (!isObject(value) || !isObject(value.signers)) return;
  const base = dirname(resolve(fileName));
  for (const [name, s] of Object.entries(value.signers)) {
    if (!isObject(s)) continue;
    const check = (rel: unknown, pointer: string): void => {
      if (typeof rel !== 'string' || existsSync(resolve(base, rel))) return;
      findings.push({ code: 'POLICY_FILE_NOT_FOUND', severity: 'error', message: `signer "${name}": ${rel} does not exist (paths are relative to the policy)`, pointer, ...rangeFor(doc, pointer, 'value') });
    };
    const esc = name.replace(/~/g, '~0').replace(/\//g, '~1');
    check(s.publicKey, `/signers/${esc}/publicKey`);
    if (isObject(s.certificate) && Array.isArray(s.certificate.anchors)) s.certificate.anchors.forEach((a, i) => check(a, `/signers/${esc}/certificate/anchors/${i}`));
    // The same parser the policy loader uses: what the CLI refuses, the editor marks.
    if (isObject(s.certificate) && typeof s.certificate.subject === 'string' && s.certificate.subject !== '') {
      try {
        parseDistinguishedName(s.certificate.subject);
      } catch (err) {
        const pointer = `/signers/${esc}/certificate/subject`;
        findings.push({ code: 'DN_MALFORMED', severity: 'error', message: `signer "${name}": ${(err as Error).message}`, pointer, ...rangeFor(doc, pointer, 'value') });
      }
    }
  }
}

