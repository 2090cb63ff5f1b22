import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import openVexSchema from '../data/openvex-0.2.0.schema.json';
import { InputError } from '../errors';
import { isObject } from '../io/json';
import { INTOTO_STATEMENT_V1, type Statement } from '../oms/types';
import { identityDigest } from '../registry/facts';
import { describe as describeError, pointerToPath } from '../schema/validator';

/** OpenVEX 0.2.0: the JSON-LD context, and the in-toto predicateType of an embedded document. */
export const OPENVEX_CONTEXT = 'https://openvex.dev/ns/v0.2.0';
export const OPENVEX_PREDICATE = OPENVEX_CONTEXT;
/** Our namespace for advisory document IRIs (they identify; they need not resolve). */
export const ADVISORY_IRI = 'https://model-provenance.dev/advisories/';

export const VEX_STATUSES = ['not_affected', 'affected', 'fixed', 'under_investigation'] as const;
export type VexStatus = (typeof VEX_STATUSES)[number];
/** Statuses under which the gate refuses: a flag stands until a later statement lifts it. */
export const BLOCKING_STATUSES: readonly VexStatus[] = ['affected', 'under_investigation'];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * What an advisory is about:
 * - an artifact (model, dataset, adapter: any root digest);
 * - a signing key, by its OMS key id (hex(sha256(PEM public key)), the `publicKey.hint`);
 *   certificate signers are flagged by their certificate's key;
 * - a Sigstore keyless identity with its OIDC issuer.
 */
export type AdvisoryTarget =
  | { kind: 'artifact'; digest: string; name?: string }
  | { kind: 'key'; keyId: string; name?: string }
  | { kind: 'identity'; identity: string; issuer: string };

/** The in-toto subject digest that stands for a target (and indexes its advisories). */
export function targetDigest(t: AdvisoryTarget): string {
  switch (t.kind) {
    case 'artifact':
      return t.digest;
    case 'key':
      return `sha256:${t.keyId}`;
    case 'identity':
      return identityDigest(t.identity, t.issuer);
  }
}

/** How a target reads in one line. */
export function targetLabel(t: AdvisoryTarget): string {
  switch (t.kind) {
    case 'artifact':
      return `${t.name ? `"${t.name}" ` : ''}${t.digest}`;
    case 'key':
      return `key ${t.keyId}${t.name ? ` (${t.name})` : ''}`;
    case 'identity':
      return `identity ${t.identity} (issuer ${t.issuer})`;
  }
}

const purlName = (s: string): string => encodeURIComponent(s.replace(/\//g, '-')) || 'artifact';

/**
 * The OpenVEX product for a target. Artifacts and keys are identified by hash (`hashes.sha-256`,
 * the root digest or the key id: the sha256 of the key's PEM), with a generic purl carrying the
 * same checksum as `@id`, which GUAC and Trivy key on. An identity has no hash: its IRI is the
 * identity itself (`mailto:` for an e-mail); the issuer rides in the subject's annotations.
 */
export function targetProduct(t: AdvisoryTarget): Record<string, unknown> {
  switch (t.kind) {
    case 'artifact':
      return { '@id': `pkg:generic/${purlName(t.name ?? 'artifact')}?checksum=sha256:${t.digest.slice(7)}`, hashes: { 'sha-256': t.digest.slice(7) } };
    case 'key':
      return { '@id': `pkg:generic/${purlName(t.name ?? 'signing-key')}?checksum=sha256:${t.keyId}`, hashes: { 'sha-256': t.keyId } };
    case 'identity':
      return { '@id': identityIri(t.identity) };
  }
}

function identityIri(identity: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(identity) ? identity : `mailto:${identity}`;
}

export interface AdvisoryParams {
  /** The advisory id: the OpenVEX `vulnerability.name` (`MP-2026-0001`). */
  id: string;
  target: AdvisoryTarget;
  status: VexStatus;
  /** Why: the vulnerability description on a flag, the status notes on later statements. */
  reason?: string;
  severity?: Severity;
  /** MITRE ATLAS technique ids, validated by the caller. */
  atlas?: string[];
  /** For keys and identities: what they signed from this time on is refused. */
  since?: string;
  /** The document author: who signs it (OpenVEX asks that the two be associated). */
  author: string;
  /** ISO 8601 issue time. */
  timestamp: string;
  /** For `affected`: what to do (required by OpenVEX). */
  action?: string;
  /** A per-document suffix making each statement document its own IRI. */
  sequence: string;
  tooling?: string;
}

/**
 * Builds one advisory statement: an in-toto Statement v1 whose subject is the target and whose
 * predicate is an OpenVEX 0.2.0 document with one statement. Each later statement about the
 * same advisory (`fixed`, withdrawn) is a new document; the newest statement wins, as OpenVEX
 * orders statements by time. What OpenVEX has no field for (severity, ATLAS techniques, the
 * `since` window, the target kind, an identity's issuer) is kept in the subject's
 * ResourceDescriptor `annotations`, which in-toto leaves to producer and consumer.
 * Throws InputError if the predicate would not validate against the OpenVEX schema.
 */
export function buildAdvisoryStatement(p: AdvisoryParams): Statement {
  const t = p.target;
  const statement: Record<string, unknown> = {
    vulnerability: {
      '@id': `${ADVISORY_IRI}${encodeURIComponent(p.id)}`,
      name: p.id,
      ...(p.reason && p.status === 'affected' ? { description: p.reason } : {}),
    },
    timestamp: p.timestamp,
    products: [targetProduct(t)],
    status: p.status,
  };
  if (p.status === 'affected') {
    statement.action_statement =
      p.action ??
      (t.kind === 'artifact'
        ? 'Do not deploy this artifact or anything derived from it; deployment gates that trust this advisory refuse them (FLAGGED_ARTIFACT). Find what is affected with `model-provenance incident impact` and roll back with `incident report`.'
        : `Rotate this ${t.kind === 'key' ? 'key' : 'identity'}; what it signed${p.since ? ` since ${p.since}` : ''} is refused by deployment gates that trust this advisory (SIGNER_REVOKED). Find what is affected with \`model-provenance incident impact\`.`);
    statement.action_statement_timestamp = p.timestamp;
  } else if (p.reason && p.status !== 'not_affected') {
    statement.status_notes = p.reason;
  }
  if (p.status === 'not_affected') statement.impact_statement = `Advisory ${p.id} withdrawn${p.reason ? `: ${p.reason}` : ''}`;
  if (p.status === 'under_investigation' && p.reason) statement.status_notes = p.reason;
  const doc = {
    '@context': OPENVEX_CONTEXT,
    '@id': `${ADVISORY_IRI}${encodeURIComponent(p.id)}/${encodeURIComponent(p.sequence)}`,
    author: p.author,
    role: 'incident responder',
    timestamp: p.timestamp,
    version: 1,
    ...(p.tooling ? { tooling: p.tooling } : {}),
    statements: [statement],
  };
  const errors = validateOpenVex(doc);
  if (errors.length > 0) throw new InputError('ADVISORY_INVALID', `the advisory does not match the OpenVEX 0.2.0 schema: ${errors[0]}`);
  const annotations: Record<string, unknown> = { target: t.kind };
  if (t.kind === 'identity') Object.assign(annotations, { identity: t.identity, issuer: t.issuer });
  if (p.since) annotations.since = p.since;
  if (p.severity) annotations.severity = p.severity;
  if (p.atlas && p.atlas.length > 0) annotations.atlas = p.atlas;
  const name = t.kind === 'artifact' ? (t.name ?? 'artifact') : t.kind === 'key' ? `key:${t.keyId}` : identityIri(t.identity);
  return {
    _type: INTOTO_STATEMENT_V1,
    subject: [{ name, digest: { sha256: targetDigest(t).slice(7) }, annotations } as Statement['subject'][number]],
    predicateType: OPENVEX_PREDICATE,
    predicate: doc,
  };
}

let validateFn: ValidateFunction | undefined;

/** Validates an OpenVEX document against the published 0.2.0 schema; returns one line per error. */
export function validateOpenVex(doc: unknown): string[] {
  if (!validateFn) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    // RFC 3987 IRIs: ajv-formats has no `iri`; an IRI is a URI that may hold non-ASCII.
    ajv.addFormat('iri', { type: 'string', validate: (s: string) => /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$/.test(s) });
    validateFn = ajv.compile(openVexSchema);
  }
  if (validateFn(doc)) return [];
  return (validateFn.errors ?? []).map((e) => `${pointerToPath(e.instancePath)}: ${describeError(e)}`);
}

/** One advisory statement as read back from a (verified) payload. */
export interface AdvisoryDocument {
  advisoryId: string;
  documentId: string;
  author: string;
  timestamp: string;
  status: VexStatus;
  targets: AdvisoryTarget[];
  reason?: string;
  severity?: Severity;
  atlas: string[];
  since?: string;
  action?: string;
  notes?: string;
}

/**
 * Reads an advisory from an in-toto statement (parse only bytes that passed signature
 * verification). Throws InputError (ADVISORY_INVALID) on anything that is not a valid OpenVEX
 * 0.2.0 predicate with exactly one statement whose products match the subjects.
 */
export function parseAdvisory(statement: unknown, file: string): AdvisoryDocument {
  const bad = (why: string): InputError => new InputError('ADVISORY_INVALID', why, { file });
  if (!isObject(statement) || statement.predicateType !== OPENVEX_PREDICATE) throw bad(`not an OpenVEX ${OPENVEX_CONTEXT} attestation`);
  const doc = statement.predicate;
  const errors = validateOpenVex(doc);
  if (errors.length > 0) throw bad(`the predicate does not match the OpenVEX 0.2.0 schema: ${errors[0]}`);
  const d = doc as Record<string, any>;
  if (d['@context'] !== OPENVEX_CONTEXT) throw bad(`@context is ${JSON.stringify(d['@context'])}, not ${OPENVEX_CONTEXT}`);
  if (d.statements.length !== 1) throw bad(`holds ${d.statements.length} statements; an advisory holds one`);
  const s = d.statements[0] as Record<string, any>;
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  const targets: AdvisoryTarget[] = [];
  let meta: Record<string, unknown> = {};
  for (const sub of subjects) {
    if (!isObject(sub) || !isObject(sub.digest) || typeof sub.digest.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sub.digest.sha256)) throw bad('a subject has no sha256 digest');
    const a = isObject(sub.annotations) ? sub.annotations : {};
    meta = a;
    const hex = sub.digest.sha256;
    const kind = a.target ?? 'artifact';
    if (kind === 'artifact') targets.push({ kind, digest: `sha256:${hex}`, ...(typeof sub.name === 'string' && sub.name !== 'artifact' ? { name: sub.name } : {}) });
    else if (kind === 'key') targets.push({ kind, keyId: hex });
    else if (kind === 'identity') {
      if (typeof a.identity !== 'string' || typeof a.issuer !== 'string') throw bad('an identity subject lacks its identity or issuer annotation');
      if (identityDigest(a.identity, a.issuer) !== `sha256:${hex}`) throw bad('an identity subject digest does not match its identity and issuer');
      targets.push({ kind, identity: a.identity, issuer: a.issuer });
    } else throw bad(`unknown target kind ${JSON.stringify(kind)}`);
  }
  if (targets.length === 0) throw bad('the statement has no subject');
  // ATTESTING.md: products listed in a statement must be among the attestation's subjects.
  const products = Array.isArray(s.products) ? (s.products as Record<string, any>[]) : [];
  for (const prod of products) {
    const h = prod.hashes?.['sha-256'];
    const matched = targets.some((t) => (h ? targetDigest(t) === `sha256:${h}` : t.kind === 'identity' && prod['@id'] === identityIri(t.identity)));
    if (!matched) throw bad(`product ${JSON.stringify(prod['@id'] ?? h)} is not a subject of the attestation`);
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const severity = str(meta.severity);
  const since = str(meta.since);
  if (since !== undefined && Number.isNaN(Date.parse(since))) throw bad(`since ${JSON.stringify(since)} is not a date`);
  return {
    advisoryId: s.vulnerability.name,
    documentId: d['@id'],
    author: d.author,
    timestamp: s.timestamp ?? d.timestamp,
    status: s.status,
    targets,
    ...(str(s.vulnerability.description) ?? str(s.status_notes) ?? str(s.impact_statement) ? { reason: str(s.vulnerability.description) ?? str(s.status_notes) ?? str(s.impact_statement) } : {}),
    ...(severity && (SEVERITIES as readonly string[]).includes(severity) ? { severity: severity as Severity } : {}),
    atlas: Array.isArray(meta.atlas) ? meta.atlas.filter((x): x is string => typeof x === 'string') : [],
    ...(since ? { since } : {}),
    ...(str(s.action_statement) ? { action: s.action_statement } : {}),
    ...(str(s.status_notes) ? { notes: s.status_notes } : {}),
  };
}
