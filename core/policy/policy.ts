import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError, fsError } from '../errors';
import { parseStrictJson } from '../io/json';
import { loadCertificates } from '../keys/certificates';
import { formatDistinguishedName, parseDistinguishedName } from '../keys/distinguished-name';
import { loadTrustedKeys } from '../keys/keys';
import { pointerToPath, validateAgainst } from '../schema/validator';
import type { Trust } from '../verify/signature';
import { STAGES, type Stage } from '../attest/types';

export interface PolicySigner {
  name: string;
  trust: Trust;
  /**
   * For certificate signers: the subject the signing certificate must carry, as an RFC 4514
   * string (the parsed name is in `trust.subject`; matching is by distinguished name).
   */
  subject?: string;
}

export interface Flag {
  digest?: string;
  keyId?: string;
  reason: string;
  /** For a key: only what it signed at or after this time (ISO 8601) is refused. */
  since?: string;
}

/** A trust policy with every key and certificate it names already loaded. */
export interface Policy {
  source: string;
  signers: PolicySigner[];
  stageSigners: Partial<Record<Stage, string[]>>;
  requiredStages: Stage[];
  /** Rank of each stage; an input's stage must not rank above the stage that used it. */
  stageRank: Record<Stage, number>;
  datasets: { allow: string[]; deny: string[] };
  baseModels: { allow: string[]; deny: string[] };
  flagged: Flag[];
  /** Names from `signers` whose advisories the gate obeys (empty: advisories are not read). */
  advisorySigners: string[];
  maxAttestationAgeDays?: number;
}

/**
 * Lifecycle order used when a policy does not give one: training stages may follow each
 * other in any order; quantization and conversion come after them, evaluation after
 * those, release last.
 */
export const DEFAULT_STAGE_RANK: Record<Stage, number> = {
  'pre-training': 0,
  'fine-tuning': 1,
  distillation: 1,
  'adapter-merge': 1,
  quantization: 2,
  conversion: 2,
  evaluation: 3,
  release: 4,
};

export interface PolicyDocument {
  signers: Record<string, { publicKey?: string; certificate?: { anchors: string[]; subject?: string }; sigstore?: { identity: string; issuer: string; trustedRoot?: string } }>;
  stages?: Partial<Record<Stage, { signers: string[] }>>;
  requiredStages?: Stage[];
  stageOrder?: Stage[];
  datasets?: { allow?: string[]; deny?: string[] };
  baseModels?: { allow?: string[]; deny?: string[] };
  flagged?: Flag[];
  advisorySigners?: string[];
  maxAttestationAgeDays?: number;
}

export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fsError(err, path, 'read the policy');
  }
  return compilePolicy(parseStrictJson(text, path), path);
}

/** Validates a policy document against its schema and loads what it names, relative to `source`. */
export function compilePolicy(doc: unknown, source: string): Policy {
  const errors = validateAgainst('provenance-policy', doc);
  if (errors.length > 0) {
    const e = errors[0]!;
    throw new InputError('POLICY_INVALID', `${pointerToPath(e.pointer)}: ${e.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, { file: source });
  }
  const d = doc as PolicyDocument;
  const base = dirname(resolve(source));
  const at = (p: string): string => resolve(base, p);
  const signers: PolicySigner[] = Object.entries(d.signers).map(([name, s]) => {
    if (s.publicKey) return { name, trust: { kind: 'key', keys: loadTrustedKeys(at(s.publicKey)) } };
    if (s.certificate) {
      const anchors = s.certificate.anchors.flatMap((a) => loadCertificates(at(a)));
      if (s.certificate.subject === undefined) return { name, trust: { kind: 'certificate', anchors } };
      let subject;
      try {
        subject = parseDistinguishedName(s.certificate.subject);
      } catch (err) {
        throw new InputError('POLICY_INVALID', `signers.${name}.certificate.subject: ${(err as Error).message}`, { file: source, pointer: `/signers/${name.replace(/~/g, '~0').replace(/\//g, '~1')}/certificate/subject` });
      }
      return { name, trust: { kind: 'certificate', anchors, subject }, subject: formatDistinguishedName(subject) };
    }
    const k = s.sigstore!;
    return { name, trust: { kind: 'sigstore', identity: k.identity, issuer: k.issuer, trustedRootPath: k.trustedRoot ? at(k.trustedRoot) : undefined } };
  });
  const known = new Set(signers.map((s) => s.name));
  const stageSigners: Partial<Record<Stage, string[]>> = {};
  for (const [stage, rule] of Object.entries(d.stages ?? {}) as [Stage, { signers: string[] }][]) {
    for (const n of rule.signers) {
      if (!known.has(n)) throw new InputError('POLICY_INVALID', `stages.${stage}.signers names "${n}", which is not in signers`, { file: source });
    }
    stageSigners[stage] = rule.signers;
  }
  for (const n of d.advisorySigners ?? []) {
    if (!known.has(n)) throw new InputError('POLICY_INVALID', `advisorySigners names "${n}", which is not in signers`, { file: source });
  }
  let stageRank = DEFAULT_STAGE_RANK;
  if (d.stageOrder) {
    const order = d.stageOrder;
    // Stages left out of an explicit order rank after every listed one.
    stageRank = Object.fromEntries(STAGES.map((s) => [s, order.includes(s) ? order.indexOf(s) : order.length])) as Record<Stage, number>;
  }
  return {
    source,
    signers,
    stageSigners,
    requiredStages: d.requiredStages ?? [],
    stageRank,
    datasets: { allow: d.datasets?.allow ?? [], deny: d.datasets?.deny ?? [] },
    baseModels: { allow: d.baseModels?.allow ?? [], deny: d.baseModels?.deny ?? [] },
    flagged: d.flagged ?? [],
    advisorySigners: d.advisorySigners ?? [],
    maxAttestationAgeDays: d.maxAttestationAgeDays,
  };
}
