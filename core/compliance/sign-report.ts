import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { verifyAttestationText } from '../chain/verify-chain';
import { fsError, isProvenanceError } from '../errors';
import { isObject, parseStrictJson } from '../io/json';
import { INTOTO_STATEMENT_V1, type Statement } from '../oms/types';
import type { Policy } from '../policy/policy';
import type { Registry, RegistryEntry } from '../registry/registry';
import { signStatement, type SigningIdentity } from '../sign/sign-model';
import type { ComplianceReport } from './model';
import { REPORT_PREDICATE } from './model';

export type ComplianceFormat = 'html' | 'md' | 'json' | 'cdxa';

/**
 * The predicate of a signed report (predicateType REPORT_PREDICATE): which frameworks, their
 * completeness, the report date and format, and the digest of every piece of evidence the
 * report used, so an auditor can check that a report came from that evidence unaltered.
 */
export interface ReportPredicate {
  format: ComplianceFormat;
  date: string;
  generator: { name: string; version: string };
  model: { name: string; digest: string };
  frameworks: { id: string; completeness: number }[];
  evidence: { kind: string; ref: string; digest: { sha256: string }; verified: boolean }[];
}

const hex = (d: string): string => d.replace(/^sha256:/, '');

/** The in-toto statement about a report file: subject = the file's sha256, predicate = what it came from. */
export function reportStatement(reportBytes: Buffer | string, fileName: string, report: ComplianceReport, format: ComplianceFormat): Statement {
  const digest = createHash('sha256').update(reportBytes).digest('hex');
  const predicate: ReportPredicate = {
    format,
    date: report.date,
    generator: report.generator,
    model: { name: report.model.name, digest: report.model.digest },
    frameworks: report.frameworks.map((f) => ({ id: f.id, completeness: f.completeness.score })),
    evidence: report.evidence.map((e) => ({ kind: e.kind, ref: e.ref, digest: { sha256: hex(e.digest) }, verified: e.verified })),
  };
  return { _type: INTOTO_STATEMENT_V1, subject: [{ name: basename(fileName), digest: { sha256: digest } }], predicateType: REPORT_PREDICATE, predicate: predicate as unknown as Record<string, unknown> };
}

/** Signs the report's statement and stores it in the registry, found later by the report file's digest. */
export async function signReport(reportBytes: Buffer | string, fileName: string, report: ComplianceReport, format: ComplianceFormat, signer: SigningIdentity, registry: Registry): Promise<{ statement: Statement; bundle: string; entry: RegistryEntry }> {
  const statement = reportStatement(reportBytes, fileName, report, format);
  const bundle = signStatement(statement, signer);
  const entry = await registry.put(bundle);
  return { statement, bundle, entry };
}

export interface ReportCheck {
  verdict: 'verified' | 'failed';
  file: string;
  digest: string;
  /** The signed attestation that vouches for this file, when one does. */
  attestation?: string;
  signer?: string;
  predicate?: ReportPredicate;
  problems: { code: string; message: string }[];
}

/**
 * `report verify`: the report file's digest must be the subject of a report attestation
 * in the registry signed by a signer of the policy, and every piece of evidence it names
 * must still be in the registry with the same digest (attestations) — one changed byte in
 * the report, or a changed attestation, fails.
 */
export async function verifyReport(file: string, registry: Registry, policy: Policy): Promise<ReportCheck> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw fsError(err, file, 'read the report');
  }
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const out: ReportCheck = { verdict: 'failed', file, digest, problems: [] };
  const entries = (await registry.findBySubject(digest)).filter((e) => e.predicateType === REPORT_PREDICATE);
  if (entries.length === 0) {
    out.problems.push({ code: 'REPORT_NOT_ATTESTED', message: `no signed report attestation in ${registry.location} has this file's digest ${digest}: the report was changed after signing, or never signed` });
    return out;
  }
  for (const e of entries) {
    const text = await registry.read(e.id);
    let v: ReturnType<typeof verifyAttestationText>;
    try {
      v = verifyAttestationText(text, e.location, policy);
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
      out.problems.push({ code: err.code, message: `attestation ${e.id}: ${err.message}` });
      continue;
    }
    if (v.signers.length === 0) {
      out.problems.push({ code: 'UNTRUSTED_SIGNER', message: `attestation ${e.id} is not signed by a signer of the policy` });
      continue;
    }
    const st = parseStrictJson(v.payload.toString('utf8'), e.location);
    if (!isObject(st) || st.predicateType !== REPORT_PREDICATE || !Array.isArray(st.subject) || !st.subject.some((s) => isObject(s) && isObject(s.digest) && s.digest.sha256 === hex(digest))) {
      out.problems.push({ code: 'REGISTRY_INDEX_MISMATCH', message: `attestation ${e.id} is not about this report` });
      continue;
    }
    const predicate = st.predicate as unknown as ReportPredicate;
    const missing: string[] = [];
    for (const ev of predicate.evidence ?? []) {
      if (ev.kind !== 'attestation') continue;
      try {
        const t = await registry.read(ev.ref);
        if (createHash('sha256').update(t).digest('hex') !== ev.digest.sha256) missing.push(`${ev.ref} changed`);
      } catch (err) {
        if (!isProvenanceError(err)) throw err;
        missing.push(`${ev.ref} is gone`);
      }
    }
    if (missing.length) {
      out.problems.push({ code: 'REPORT_EVIDENCE_CHANGED', message: `the report is signed, but ${missing.length} attestation(s) it was built from changed or are gone: ${missing.slice(0, 3).join(', ')}` });
      continue;
    }
    return { verdict: 'verified', file, digest, attestation: e.id, signer: v.signers[0], predicate, problems: [] };
  }
  return out;
}
