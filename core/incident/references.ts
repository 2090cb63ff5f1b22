/**
 * Where a document refers to something an advisory (or the trust policy's `flagged` list)
 * flags, for the editor: the digests an attestation names (subject, base models, datasets,
 * adapters, any dependency), the hashes of an ML-BOM's components, and what a model signature
 * covers (the model's root digest, each signed file) and who made it. The rules are the
 * gate's (core/gate/advisories.ts, `resolveFlags`, `revocationsFor`): the same flags in force,
 * the same codes (FLAGGED_ARTIFACT for a digest; SIGNER_REVOKED for a key or identity an
 * advisory revokes, FLAGGED_SIGNER for one the policy lists), `since` honoured.
 *
 * Offsets stay here: each reference carries a JSON Pointer, and findings carry the byte range
 * of the value (`rangeFor`); the language server turns them into positions at its edge.
 */
import { isObject } from '../io/json';
import { rangeFor, type JsonDocument } from '../json/document';
import type { Finding } from '../manifest/findings';
import { OMS_ROOT_PROPERTY } from '../manifest/properties';
import type { ParsedBundle } from '../sigstore/bundle';
import type { Signer } from '../verify/result';
import { describeSigner } from '../verify/signer';
import { revocationsFor, type EffectiveFlag, type EffectiveFlags, type IgnoredAdvisory } from './advisories';
import { OPENVEX_PREDICATE, targetDigest, type AdvisoryTarget } from './openvex';

/** One digest a document names, and where. */
export interface DigestReference {
  /** `sha256:<hex>`. */
  digest: string;
  /** `subject`, `base-model`, `dataset`, `adapter`, `component`, `file`, `model`, …: what the document says it is. */
  role: string;
  name?: string;
  /** JSON Pointer of the value in the document (for a DSSE payload: the payload string). */
  pointer: string;
}

/** One reference the flags in force name. */
export interface FlagHit {
  code: 'FLAGGED_ARTIFACT' | 'SIGNER_REVOKED' | 'FLAGGED_SIGNER';
  /** The flagged digest (artifacts), or the key id / identity digest (signers). */
  digest: string;
  /** "dataset sft", "the signed model classifier", "the signer key 91aaa9a2…". */
  what: string;
  role: string;
  pointer: string;
  flags: EffectiveFlag[];
  /** One line, as the gate words it: what is flagged, by which advisory, why. */
  message: string;
}

const DIGEST_HEX = /^(?:sha256:)?([0-9a-f]{64})$/;
const norm = (d: unknown): string | undefined => {
  const m = typeof d === 'string' ? DIGEST_HEX.exec(d.toLowerCase()) : null;
  return m ? `sha256:${m[1]}` : undefined;
};
const esc = (s: string | number): string => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The digests an in-toto Statement names: its subjects, and every resolved dependency of an
 * SLSA build (with its `annotations.role`). `at` maps a pointer inside the statement to the
 * pointer shown (the statement's own nodes for a bare statement, the payload for an envelope).
 */
export function statementReferences(statement: unknown, at: (pointer: string) => string): DigestReference[] {
  if (!isObject(statement)) return [];
  const out: DigestReference[] = [];
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  subjects.forEach((s, i) => {
    const d = isObject(s) && isObject(s.digest) ? norm(s.digest.sha256) : undefined;
    if (d) out.push({ digest: d, role: 'subject', ...(typeof s.name === 'string' ? { name: s.name } : {}), pointer: at(`/subject/${i}/digest/sha256`) });
  });
  const bd = isObject(statement.predicate) && isObject(statement.predicate.buildDefinition) ? statement.predicate.buildDefinition : undefined;
  const deps = bd && Array.isArray(bd.resolvedDependencies) ? bd.resolvedDependencies : [];
  deps.forEach((r, i) => {
    if (!isObject(r)) return;
    const d = isObject(r.digest) ? norm(r.digest.sha256) : undefined;
    if (!d) return;
    const role = isObject(r.annotations) && typeof r.annotations.role === 'string' ? r.annotations.role : 'dependency';
    out.push({ digest: d, role, ...(typeof r.name === 'string' ? { name: r.name } : {}), pointer: at(`/predicate/buildDefinition/resolvedDependencies/${i}/digest/sha256`) });
  });
  return out;
}

/**
 * The digests a CycloneDX ML-BOM names: every SHA-256 `hashes` entry of any component (the
 * model, its files, datasets, ancestors, nested components) and every
 * `model-provenance:oms_root_digest` property, each at its own value.
 */
export function manifestReferences(bom: unknown): DigestReference[] {
  const out: DigestReference[] = [];
  const seen = new Set<string>();
  const walk = (v: unknown, pointer: string, owner: { role: string; name?: string } | undefined, depth: number): void => {
    if (depth > 32) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${pointer}/${i}`, owner, depth + 1));
      return;
    }
    if (!isObject(v)) return;
    const here = typeof v.type === 'string' && (typeof v.name === 'string' || typeof v['bom-ref'] === 'string') ? { role: componentRole(v.type), ...(typeof v.name === 'string' ? { name: v.name } : {}) } : owner;
    if (Array.isArray(v.hashes)) {
      v.hashes.forEach((h, i) => {
        const d = isObject(h) && h.alg === 'SHA-256' ? norm(h.content) : undefined;
        const p = `${pointer}/hashes/${i}/content`;
        if (d && !seen.has(p)) {
          seen.add(p);
          out.push({ digest: d, role: here?.role ?? 'component', ...(here?.name ? { name: here.name } : {}), pointer: p });
        }
      });
    }
    if (Array.isArray(v.properties)) {
      v.properties.forEach((p, i) => {
        const d = isObject(p) && p.name === OMS_ROOT_PROPERTY ? norm(p.value) : undefined;
        const ptr = `${pointer}/properties/${i}/value`;
        if (d && !seen.has(ptr)) {
          seen.add(ptr);
          out.push({ digest: d, role: here?.role ?? 'component', ...(here?.name ? { name: here.name } : {}), pointer: ptr });
        }
      });
    }
    for (const [k, x] of Object.entries(v)) if (k !== 'hashes' && k !== 'properties' && (isObject(x) || Array.isArray(x))) walk(x, `${pointer}/${esc(k)}`, here, depth + 1);
  };
  walk(bom, '', undefined, 0);
  return out;
}

function componentRole(type: string): string {
  if (type === 'data') return 'dataset';
  if (type === 'machine-learning-model') return 'model';
  return type;
}

/** What an OMS signature covers, read from its payload (claims until the signature verifies). */
export interface SignedReferences {
  subject?: { name: string; digest: string };
  resources: { name: string; digest: string }[];
}

const ROLE_WORD: Record<string, string> = { subject: 'subject', 'base-model': 'base model', dataset: 'dataset', adapter: 'adapter', model: 'model', file: 'file', 'signed model': 'the signed model', 'signed file': 'signed file' };

function label(ref: { role: string; name?: string; digest: string }): string {
  return `${ROLE_WORD[ref.role] ?? ref.role}${ref.name ? ` ${ref.name}` : ''}`;
}

/** "advisory MP-2026-0001 (high, AML.T0020): reason", or "the trust policy's flagged list: reason". */
export function flagSource(f: EffectiveFlag): string {
  if (f.source === 'policy') return `the trust policy's flagged list: ${f.reason}`;
  const facts = [f.severity, ...f.atlas, f.status === 'under_investigation' ? 'under investigation' : undefined].filter(Boolean).join(', ');
  return `advisory ${f.advisoryId}${facts ? ` (${facts})` : ''}: ${f.reason}`;
}

/** The hits of a list of references against the flags in force (artifacts only). */
export function artifactHits(refs: readonly DigestReference[], flags: EffectiveFlags): FlagHit[] {
  const out: FlagHit[] = [];
  for (const r of refs) {
    const fs = flags.digests.get(r.digest);
    if (!fs?.length) continue;
    const what = label(r);
    out.push({ code: 'FLAGGED_ARTIFACT', digest: r.digest, what, role: r.role, pointer: r.pointer, flags: fs, message: `${what} ${r.digest} is flagged by ${fs.map(flagSource).join('; ')}` });
  }
  return out;
}

/**
 * The hits of a signer (a signature's, verified or claimed) against the flags in force: a key
 * or identity an advisory revokes (SIGNER_REVOKED) or the policy flags (FLAGGED_SIGNER), for
 * what was signed at `time` (a flag with `since` revokes what carries no trusted time).
 */
export function signerHits(signer: Signer | undefined, time: string | undefined, flags: EffectiveFlags, pointer: string): FlagHit[] {
  const found = revocationsFor(flags, signer, time);
  if (!signer || found.length === 0) return [];
  const who = describeSigner(signer);
  const out: FlagHit[] = [];
  for (const source of ['advisory', 'policy'] as const) {
    const fs = found.filter((f) => f.source === source);
    if (fs.length === 0) continue;
    const digest = targetDigest(fs[0]!.target);
    const when = time ? ` at ${time}` : fs.some((f) => f.since) ? ' (the signature carries no trusted time, so it cannot be shown to predate the window)' : '';
    const since = fs.find((f) => f.since)?.since;
    out.push({
      code: source === 'advisory' ? 'SIGNER_REVOKED' : 'FLAGGED_SIGNER',
      digest,
      what: `the signer ${who}`,
      role: 'signer',
      pointer,
      flags: fs,
      message: `signed by ${who}${when}${since ? `, revoked since ${since}` : ''}: ${fs.map(flagSource).join('; ')}`,
    });
  }
  return out;
}

/** The hits of a model signature: the signed model's root digest, each signed file, and its signer. */
export function signatureHits(signed: SignedReferences, signer: Signer | undefined, signedAt: string | undefined, flags: EffectiveFlags): FlagHit[] {
  const refs: DigestReference[] = [];
  if (signed.subject) refs.push({ digest: signed.subject.digest, role: 'signed model', name: signed.subject.name, pointer: '/dsseEnvelope/payload' });
  for (const r of signed.resources) refs.push({ digest: r.digest, role: 'signed file', name: r.name, pointer: '/dsseEnvelope/payload' });
  return [...artifactHits(refs, flags), ...signerHits(signer, signedAt, flags, '/verificationMaterial')];
}

/** An advisory that names a reference but does not count, and why (the CLI reports the same). */
export interface IgnoredHit {
  digest: string;
  what: string;
  pointer: string;
  advisory: IgnoredAdvisory;
}

/** References that an ignored advisory (untrusted signer, altered, invalid) claims to flag. */
export function ignoredHits(refs: readonly DigestReference[], flags: EffectiveFlags): IgnoredHit[] {
  const out: IgnoredHit[] = [];
  for (const r of refs) {
    for (const a of flags.ignored) {
      if ((a.targets ?? []).some((t: AdvisoryTarget) => t.kind === 'artifact' && t.digest === r.digest)) out.push({ digest: r.digest, what: label(r), pointer: r.pointer, advisory: a });
    }
  }
  return out;
}

/** Where a finding about a DSSE payload or a bare statement's node is shown. */
const PAYLOAD_AT: Record<string, string> = { bundle: '/dsseEnvelope/payload', envelope: '/payload' };

/** What a document of one of our kinds names, with pointers into the document. */
export interface DocumentReferences {
  refs: DigestReference[];
  /** For a signed attestation: its (claimed) signer, when it was signed, and where the signer is shown. */
  signer?: { signer: Signer; time?: string; pointer: string };
}

/**
 * The references of an attestation (bundle, DSSE envelope or bare Statement) or an ML-BOM.
 * `statement` is the decoded payload for an envelope (read from its bytes), the document
 * itself for a bare statement. OpenVEX advisories are skipped: what they name is what they
 * flag, not a use of it.
 */
export function documentReferences(kind: string, envelope: string | undefined, value: unknown, statement: unknown, signer?: { signer: Signer } ): DocumentReferences {
  if (kind === 'manifest') return { refs: manifestReferences(value) };
  if (kind !== 'ml-attestation' && kind !== 'intoto') return { refs: [] };
  if (isObject(statement) && statement.predicateType === OPENVEX_PREDICATE) return { refs: [] };
  const payloadAt = envelope ? PAYLOAD_AT[envelope] : undefined;
  const refs = statementReferences(statement, (p) => payloadAt ?? p);
  const time = statementTime(statement);
  return { refs, ...(signer ? { signer: { signer: signer.signer, ...(time ? { time } : {}), pointer: '/verificationMaterial' } } : {}) };
}

/** The time a signed SLSA statement claims (finishedOn, else startedOn), as the chain uses it. */
export function statementTime(statement: unknown): string | undefined {
  const rd = isObject(statement) && isObject(statement.predicate) && isObject(statement.predicate.runDetails) ? statement.predicate.runDetails : undefined;
  const md = rd && isObject(rd.metadata) ? rd.metadata : undefined;
  const t = md ? (md.finishedOn ?? md.startedOn) : undefined;
  return typeof t === 'string' ? t : undefined;
}

/** The hits of a document's references: flagged digests and a revoked signer. */
export function documentHits(r: DocumentReferences, flags: EffectiveFlags): FlagHit[] {
  return [...artifactHits(r.refs, flags), ...(r.signer ? signerHits(r.signer.signer, r.signer.time, flags, r.signer.pointer) : [])];
}

/** One advisory, as a hover line-set: id, status, reason, who signed it, when. */
export interface FlagSummary {
  advisoryId?: string;
  source: 'advisory' | 'policy';
  status: string;
  reason: string;
  severity?: string;
  atlas: string[];
  since?: string;
  /** Policy signer names that verified the advisory (its advisorySigners). */
  signers: string[];
  timestamp?: string;
  entryId?: string;
}

export function summarizeFlag(f: EffectiveFlag): FlagSummary {
  return {
    ...(f.advisoryId ? { advisoryId: f.advisoryId } : {}),
    source: f.source,
    status: f.status,
    reason: f.reason,
    ...(f.severity ? { severity: f.severity } : {}),
    atlas: f.atlas,
    ...(f.since ? { since: f.since } : {}),
    signers: f.signers,
    ...(f.timestamp ? { timestamp: f.timestamp } : {}),
    ...(f.entryId ? { entryId: f.entryId } : {}),
  };
}

/**
 * Findings for the editor: an error per flagged reference (the gate's code, at the value that
 * names it), and an information per reference that an advisory which does not count claims to
 * flag (ADVISORY_UNTRUSTED_SIGNER and the like: not applied, and why). `data` carries what the
 * hover and the Show Impact action need: the digest and each advisory.
 */
export function flagFindings(doc: JsonDocument, hits: readonly FlagHit[], ignored: readonly IgnoredHit[] = []): Finding[] {
  const out: Finding[] = [];
  for (const h of hits) {
    out.push({
      code: h.code,
      severity: 'error',
      message: h.message,
      pointer: h.pointer,
      data: { flagged: h.digest, role: h.role, kind: h.role === 'signer' ? 'signer' : 'artifact', advisories: h.flags.map(summarizeFlag) },
      ...rangeFor(doc, h.pointer, h.role === 'signer' ? 'key' : 'value'),
    });
  }
  for (const i of ignored) {
    out.push({
      code: i.advisory.code,
      severity: 'info',
      message: `not applied: ${i.advisory.message} (it names ${i.what} ${i.digest}; only the policy's advisorySigners can flag)`,
      pointer: i.pointer,
      data: { ignoredAdvisory: i.advisory.advisoryId ?? i.advisory.entryId },
      ...rangeFor(doc, i.pointer, 'value'),
    });
  }
  return out;
}

/** Markdown lines describing the flags on a digest, for a hover. Untrusted text is code-spanned. */
export function flagHoverLines(fs: readonly FlagSummary[]): string[] {
  const code = (s: string): string => `\`${s.replace(/`/g, "'").slice(0, 300)}\``;
  const out: string[] = [];
  for (const f of fs) {
    if (f.source === 'policy') {
      out.push(`**Flagged by the trust policy** (\`flagged\` list): ${code(f.reason)}${f.since ? ` — since ${f.since}` : ''}`);
      continue;
    }
    const facts = [f.severity ? `severity ${f.severity}` : undefined, f.atlas.length ? `ATLAS ${f.atlas.join(', ')}` : undefined].filter(Boolean).join(' · ');
    out.push(
      [
        `**Advisory ${f.advisoryId}** — ${f.status === 'under_investigation' ? 'under investigation (in force)' : `${f.status} (in force)`}${facts ? ` · ${facts}` : ''}`,
        `statement: ${code(f.reason)}`,
        `signed by ${f.signers.length ? f.signers.map((s) => `**${s}**`).join(', ') : 'an advisory signer'} (the policy's advisorySigners)${f.timestamp ? ` at ${f.timestamp}` : ''}${f.since ? `; revokes what was signed since ${f.since}` : ''}`,
      ].join('  \n'),
    );
  }
  return out;
}

/** The references of a parsed bundle's payload, decoded from its bytes (never a re-serialisation). */
export function bundleStatement(bundle: ParsedBundle | undefined): unknown {
  if (!bundle) return undefined;
  try {
    return JSON.parse(bundle.envelope.payload.toString('utf8'));
  } catch {
    return undefined;
  }
}
