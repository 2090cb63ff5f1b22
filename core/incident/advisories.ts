import { randomBytes } from 'node:crypto';
import { atlasTechnique } from '../data/atlas';
import { InputError, isProvenanceError } from '../errors';
import { optionName, type OptionNames } from '../option-names';
import { parseStrictJson } from '../io/json';
import { keyHint } from '../keys/keys';
import type { Flag, Policy, PolicySigner } from '../policy/policy';
import { identityDigest } from '../registry/facts';
import type { Registry, RegistryEntry } from '../registry/registry';
import { signStatement, type SigningIdentity } from '../sign/sign-model';
import { parseBundle } from '../sigstore/bundle';
import type { Signer } from '../verify/result';
import { verifyAttestationText } from '../chain/attestation-trust';
import {
  BLOCKING_STATUSES,
  OPENVEX_PREDICATE,
  buildAdvisoryStatement,
  parseAdvisory,
  targetDigest,
  targetLabel,
  type AdvisoryDocument,
  type AdvisoryTarget,
  type Severity,
  type VexStatus,
} from './openvex';

/** An advisory document read from the registry, with what its signature proved. */
export interface ReadAdvisory extends AdvisoryDocument {
  /** Registry entry id (sha256 of the bundle bytes). */
  entryId: string;
  /** Policy signer names whose trust verified it (empty when read without trust). */
  signers: string[];
  signer?: Signer;
  /** False when read as a claim, without checking the signature against any trust. */
  verified: boolean;
}

/** An advisory that was found but does not count, and why. */
export interface IgnoredAdvisory {
  entryId: string;
  code: 'ADVISORY_UNTRUSTED_SIGNER' | 'ADVISORY_SIGNATURE_INVALID' | 'ADVISORY_INVALID';
  message: string;
  advisoryId?: string;
  /** What the advisory claims to flag (unverified: only to say, beside a reference, that a claim about it is not applied). */
  targets?: AdvisoryTarget[];
}

export interface AdvisorySet {
  advisories: ReadAdvisory[];
  ignored: IgnoredAdvisory[];
}

const short = (id: string): string => `${id.slice(0, 19)}…`;

/**
 * Reads every advisory in the registry (OpenVEX 0.2.0 in-toto attestations, found through the
 * registry's predicate-type index). With `trust`, each one must verify under one of those
 * signers or it is ignored with a reason (an attacker cannot flag, a damaged file cannot
 * block); without, every well-formed one is returned as an unverified claim.
 */
export async function readAdvisories(registry: Registry, trust?: PolicySigner[]): Promise<AdvisorySet> {
  const out: AdvisorySet = { advisories: [], ignored: [] };
  const entries = await registry.findByPredicateType(OPENVEX_PREDICATE);
  for (const entry of entries) {
    let text: string;
    try {
      text = await registry.read(entry.id);
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
      continue; // removed meanwhile
    }
    const r = readOne(text, entry, trust);
    if ('code' in r) out.ignored.push(r);
    else out.advisories.push(r);
  }
  out.advisories.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.entryId.localeCompare(b.entryId));
  return out;
}

function readOne(text: string, entry: RegistryEntry, trust: PolicySigner[] | undefined): ReadAdvisory | IgnoredAdvisory {
  let bundle;
  try {
    bundle = parseBundle(text, entry.location);
  } catch (err) {
    if (!isProvenanceError(err)) throw err;
    return { entryId: entry.id, code: 'ADVISORY_INVALID', message: `advisory ${short(entry.id)}: ${err.message} [${err.code}]` };
  }
  // The same trust decision as for attestations (certificate subjects as distinguished names,
  // altered bytes told apart from untrusted signers), under the advisory signers only.
  const v = trust ? verifyAttestationText(text, entry.location, { signers: trust }) : undefined;
  let doc: AdvisoryDocument | undefined;
  let invalid: string | undefined;
  try {
    doc = parseAdvisory(parseStrictJson(bundle.envelope.payload.toString('utf8'), `${entry.location} (payload)`), entry.location);
  } catch (err) {
    if (!isProvenanceError(err)) throw err;
    invalid = err.message;
  }
  if (v?.rejection) {
    // Rejected first: what an unverified payload says is only used to name it.
    const name = `advisory ${doc ? `${doc.advisoryId} (${short(entry.id)})` : short(entry.id)}`;
    const ids = doc ? { advisoryId: doc.advisoryId, targets: doc.targets } : {};
    const r = v.rejection;
    if (r.code === 'ATTESTATION_SIGNATURE_INVALID') return { entryId: entry.id, ...ids, code: 'ADVISORY_SIGNATURE_INVALID', message: `${name} does not verify: its bytes were altered after signing (${r.message.replace(/[:;,]? ?(but )?its bytes do not verify under it: the payload or the signature was altered after signing/, '').replace(/ \[SIGNATURE_INVALID\]$/, '')})` };
    if (r.code === 'ATTESTATION_MALFORMED') return { entryId: entry.id, ...ids, code: 'ADVISORY_INVALID', message: `${name}: ${r.message}` };
    const why = r.code === 'UNTRUSTED_SIGNER' ? '' : ` (${r.message})`;
    return { entryId: entry.id, ...ids, code: 'ADVISORY_UNTRUSTED_SIGNER', message: `${name} is signed by ${v.claimed} that the policy does not trust for advisories${why}` };
  }
  if (!doc) return { entryId: entry.id, code: 'ADVISORY_INVALID', message: `advisory ${short(entry.id)}: ${invalid}` };
  return { ...doc, entryId: entry.id, signers: v?.signers ?? [], ...(v?.signer ? { signer: v.signer } : {}), verified: trust !== undefined };
}

/**
 * Where one advisory stands, from all of its statements (the flag and every later `fixed` or
 * `withdraw` statement): the statement in force is the newest (OpenVEX orders statements by
 * time; at equal times a blocking status wins, failing closed, as `resolveFlags` decides).
 */
export interface AdvisoryState {
  id: string;
  /** The statement in force. */
  current: ReadAdvisory;
  /** The statement that raised the flag (the newest `affected`/`under_investigation` one; else the first). */
  flag: ReadAdvisory;
  /** Status of the statement in force. */
  status: VexStatus;
  /** True when that status makes the gate refuse (affected, under_investigation). */
  inForce: boolean;
  /** The reason the advisory was raised (the flag's `--reason`), never a later note. */
  reason?: string;
  /** The note of a lifting statement (`incident fixed|withdraw --reason`), when the status is fixed or not_affected. */
  statusNote?: string;
  severity?: Severity;
  atlas: string[];
  since?: string;
  /** Time of the first statement: when the advisory was published (ISO 8601). */
  published: string;
  /** Time of the statement in force: when the status was set (ISO 8601). */
  statusTime: string;
  /** Every statement, oldest first. */
  history: ReadAdvisory[];
}

/**
 * The state of one advisory from its statements (any order; all with the same advisory id).
 * Returns undefined for an empty list.
 */
export function advisoryState(statements: readonly ReadAdvisory[]): AdvisoryState | undefined {
  if (statements.length === 0) return undefined;
  const history = [...statements].sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.entryId.localeCompare(b.entryId));
  let current = history[0]!;
  for (const d of history.slice(1)) {
    if (d.timestamp > current.timestamp || (d.timestamp === current.timestamp && BLOCKING_STATUSES.includes(d.status))) current = d;
  }
  const flag = [...history].reverse().find((d) => BLOCKING_STATUSES.includes(d.status)) ?? history[0]!;
  const inForce = BLOCKING_STATUSES.includes(current.status);
  const reason = flag.reason ?? history.find((d) => d.reason && BLOCKING_STATUSES.includes(d.status))?.reason;
  const severity = current.severity ?? flag.severity;
  return {
    id: current.advisoryId,
    current,
    flag,
    status: current.status,
    inForce,
    ...(reason ? { reason } : {}),
    ...(!inForce && noteOf(current) ? { statusNote: noteOf(current) } : {}),
    ...(severity ? { severity } : {}),
    atlas: [...new Set([...flag.atlas, ...current.atlas])],
    ...((current.since ?? flag.since) ? { since: current.since ?? flag.since } : {}),
    published: history[0]!.timestamp,
    statusTime: current.timestamp,
    history,
  };
}

/** The note of a lifting statement, without the "Advisory ID withdrawn: " our impact_statement wraps it in. */
function noteOf(d: ReadAdvisory): string | undefined {
  const prefix = `Advisory ${d.advisoryId} withdrawn`;
  if (d.status === 'not_affected' && d.reason?.startsWith(prefix)) return d.reason.slice(prefix.length).replace(/^: /, '') || undefined;
  return d.reason;
}

/** "fixed 2026-11-20T…: note" / "withdrawn …" / "in force": how a status reads in one phrase. */
export function describeStatus(s: Pick<AdvisoryState, 'status' | 'statusTime' | 'statusNote'>): string {
  if (s.status === 'fixed') return `FIXED at ${s.statusTime}${s.statusNote ? `: ${s.statusNote}` : ''} (the gate no longer refuses it)`;
  if (s.status === 'not_affected') return `WITHDRAWN at ${s.statusTime}${s.statusNote ? `: ${s.statusNote}` : ''} (the gate no longer refuses it)`;
  if (s.status === 'under_investigation') return `IN FORCE since ${s.statusTime} (under investigation)`;
  return `IN FORCE since ${s.statusTime}`;
}

/** One flag in force, from an advisory or from the policy's own `flagged` list. */
export interface EffectiveFlag {
  source: 'advisory' | 'policy';
  target: AdvisoryTarget;
  advisoryId?: string;
  /** The registry entry of the statement in force. */
  entryId?: string;
  status: VexStatus;
  reason: string;
  severity?: Severity;
  atlas: string[];
  since?: string;
  timestamp?: string;
  /** Policy names that vouched for the advisory. */
  signers: string[];
}

/** Flags in force, by what they name; built once per verification and handed to the walk. */
export interface EffectiveFlags {
  /** By `sha256:<hex>` artifact digest. */
  digests: Map<string, EffectiveFlag[]>;
  /** By key id (hex). */
  keys: Map<string, EffectiveFlag[]>;
  /** By `identityDigest(identity, issuer)`. */
  identities: Map<string, EffectiveFlag[]>;
  /** Advisories that were found and do not count. */
  ignored: IgnoredAdvisory[];
  /** Advisories whose newest statement lifted them (fixed, not_affected). */
  lifted: { advisoryId: string; status: VexStatus; target: AdvisoryTarget }[];
}

export function emptyFlags(): EffectiveFlags {
  return { digests: new Map(), keys: new Map(), identities: new Map(), ignored: [], lifted: [] };
}

/**
 * The flags in force: the newest statement of each (advisory id, target) wins, as OpenVEX
 * orders statements by time (equal times: a blocking status wins, failing closed); the
 * policy's `flagged` entries always stand.
 */
export function resolveFlags(set: AdvisorySet, policy?: Policy): EffectiveFlags {
  const flags = emptyFlags();
  flags.ignored = set.ignored;
  const newest = new Map<string, { doc: ReadAdvisory; target: AdvisoryTarget }>();
  const firstReason = new Map<string, string>();
  for (const doc of set.advisories) {
    for (const target of doc.targets) {
      const key = `${doc.advisoryId}\n${targetDigest(target)}`;
      if (doc.status === 'affected' && doc.reason && !firstReason.has(key)) firstReason.set(key, doc.reason);
      const prev = newest.get(key);
      const later = !prev || doc.timestamp > prev.doc.timestamp || (doc.timestamp === prev.doc.timestamp && BLOCKING_STATUSES.includes(doc.status));
      if (later) newest.set(key, { doc, target });
    }
  }
  for (const [key, { doc, target }] of [...newest].sort(([a], [b]) => a.localeCompare(b))) {
    if (!BLOCKING_STATUSES.includes(doc.status)) {
      flags.lifted.push({ advisoryId: doc.advisoryId, status: doc.status, target });
      continue;
    }
    add(flags, {
      source: 'advisory',
      target,
      advisoryId: doc.advisoryId,
      entryId: doc.entryId,
      status: doc.status,
      reason: doc.reason ?? firstReason.get(key) ?? '(no reason given)',
      ...(doc.severity ? { severity: doc.severity } : {}),
      atlas: doc.atlas,
      ...(doc.since ? { since: doc.since } : {}),
      timestamp: doc.timestamp,
      signers: doc.signers,
    });
  }
  for (const f of policy?.flagged ?? []) add(flags, policyFlag(f));
  return flags;
}

function policyFlag(f: Flag): EffectiveFlag {
  const target: AdvisoryTarget = f.digest ? { kind: 'artifact', digest: f.digest } : { kind: 'key', keyId: f.keyId! };
  return { source: 'policy', target, status: 'affected', reason: f.reason, atlas: [], ...(f.since ? { since: f.since } : {}), signers: [] };
}

function listFor(flags: EffectiveFlags, t: AdvisoryTarget): EffectiveFlag[] | undefined {
  return t.kind === 'artifact' ? flags.digests.get(t.digest) : t.kind === 'key' ? flags.keys.get(t.keyId) : flags.identities.get(identityDigest(t.identity, t.issuer));
}

/**
 * `flags` with every entry of the policy's own `flagged` list in force, whether or not they
 * were computed with this policy (the chain walk uses it, so flags handed in by a caller can
 * add to the policy's list but never drop from it). Returns `flags` itself when nothing is
 * missing, else a copy; never changes `flags`.
 */
export function withPolicyFlags(flags: EffectiveFlags, policy: Policy | undefined): EffectiveFlags {
  const missing = (policy?.flagged ?? []).map(policyFlag).filter((p) => !(listFor(flags, p.target) ?? []).some((f) => f.source === 'policy' && f.reason === p.reason && f.since === p.since));
  if (missing.length === 0) return flags;
  const copy: EffectiveFlags = {
    digests: new Map([...flags.digests].map(([k, v]) => [k, [...v]])),
    keys: new Map([...flags.keys].map(([k, v]) => [k, [...v]])),
    identities: new Map([...flags.identities].map(([k, v]) => [k, [...v]])),
    ignored: flags.ignored,
    lifted: flags.lifted,
  };
  for (const p of missing) add(copy, p);
  return copy;
}

function add(flags: EffectiveFlags, f: EffectiveFlag): void {
  const t = f.target;
  const [map, k] = t.kind === 'artifact' ? [flags.digests, t.digest] : t.kind === 'key' ? [flags.keys, t.keyId] : [flags.identities, identityDigest(t.identity, t.issuer)];
  const list = map.get(k);
  if (list) list.push(f);
  else map.set(k, [f]);
}

/**
 * The effective flags a gate obeys under a policy: advisories signed by the policy's
 * `advisorySigners` (none read when it names none) plus the policy's `flagged` list.
 */
export async function loadEffectiveFlags(registry: Registry, policy: Policy): Promise<EffectiveFlags> {
  if (policy.advisorySigners.length === 0) return resolveFlags({ advisories: [], ignored: [] }, policy);
  const trust = policy.signers.filter((s) => policy.advisorySigners.includes(s.name));
  return resolveFlags(await readAdvisories(registry, trust), policy);
}

/**
 * The warning a gate should print when it reads no advisory although the registry holds some:
 * without a policy, or with a policy that names no `advisorySigners`, every advisory is skipped,
 * so a flagged model would pass silently. Counts advisory statements through the registry's
 * predicate-type index (no bundle is read or verified). Undefined when advisories are read or
 * there are none. For the gate (`verify`), whose owner decides where to print it; `advice.withoutPolicy`
 * is how that face gives a policy (the CLI: `verify with --policy P, …`; the editor: its setting;
 * default: the library's policy option).
 */
export async function advisoriesNotRead(registry: Registry, policy: Policy | undefined, advice: { withoutPolicy?: string } = {}): Promise<string | undefined> {
  if (policy && policy.advisorySigners.length > 0) return undefined;
  const n = (await registry.findByPredicateType(OPENVEX_PREDICATE)).length;
  if (n === 0) return undefined;
  const why = policy ? `the policy ${policy.source} names no advisorySigners` : 'no policy was given';
  // How to give a policy differs by face (the CLI's --policy, the editor's setting).
  const fix = policy ? 'name the signers you trust for advisories in its "advisorySigners"' : (advice.withoutPolicy ?? `verify with a policy (${optionName(undefined, 'policy')}) that names "advisorySigners"`);
  return `${n} advisory statement(s) in ${registry.location} were not read (${why}): a flagged model or a revoked key is not refused; ${fix}`;
}

/**
 * The flags that revoke what `signer` signed at `time` (ISO 8601, as the signed statement or a
 * trusted timestamp says): a flag without `since` revokes everything; with one, what was signed
 * at or after it, and anything whose time is unknown (it cannot be shown to be older).
 */
export function revocationsFor(flags: EffectiveFlags, signer: Signer | undefined, time: string | undefined): EffectiveFlag[] {
  if (!signer) return [];
  const found: EffectiveFlag[] = [];
  if (signer.keyId) found.push(...(flags.keys.get(signer.keyId) ?? []));
  if (signer.identity && signer.identityProvider) found.push(...(flags.identities.get(identityDigest(signer.identity, signer.identityProvider)) ?? []));
  return found.filter((f) => signedInWindow(f.since, time));
}

/** Whether something signed at `time` falls in a flag's window starting at `since`. */
export function signedInWindow(since: string | undefined, time: string | undefined): boolean {
  if (!since) return true;
  const t = time ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(t)) return true;
  return t >= Date.parse(since);
}

/** "advisory MP-2026-0001 (high): reason" or "the policy: reason". */
export function describeFlag(f: EffectiveFlag): string {
  if (f.source === 'policy') return f.reason;
  const status = f.status === 'under_investigation' ? ', under investigation' : '';
  return `advisory ${f.advisoryId} (${[f.severity, ...f.atlas].filter(Boolean).join(', ') || 'no severity'}${status}): ${f.reason}`;
}

// ------------------------------------------------------------------ writing advisories

export interface FlagOptions {
  registry: Registry;
  signer: SigningIdentity;
  target: AdvisoryTarget;
  /** Default: the next `MP-<year>-<NNNN>` in the registry. */
  id?: string;
  reason: string;
  severity?: Severity;
  /** ATLAS technique ids; each must exist in ATLAS 5.6.0. */
  atlas?: string[];
  /** For keys and identities: revoke only what they signed from then on. */
  since?: string;
  /** `affected` (default) or `under_investigation`; both make the gate refuse. */
  status?: 'affected' | 'under_investigation';
  author?: string;
  now?: Date;
  tooling?: string;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

export interface WrittenAdvisory {
  advisoryId: string;
  status: VexStatus;
  target: AdvisoryTarget;
  entry: RegistryEntry;
  bundle: string;
  /** What the writer should be told (e.g. a flagged digest the registry has never seen). */
  warnings: string[];
}

/**
 * `incident flag`: signs an advisory (OpenVEX in a DSSE envelope in a Sigstore bundle) about a
 * target and stores it in the registry. Throws InputError on an unknown ATLAS id, a bad `since`,
 * a `since` on an artifact, or a malformed id.
 */
export async function flag(o: FlagOptions): Promise<WrittenAdvisory> {
  const atlas = [...new Set(o.atlas ?? [])];
  for (const a of atlas) {
    if (!atlasTechnique(a)) throw new InputError('ATLAS_UNKNOWN', `"${a}" is not a MITRE ATLAS 5.6.0 technique id (e.g. AML.T0020 or AML.T0018.000)`);
  }
  if (o.since !== undefined) {
    const since = optionName(o.optionNames, 'since');
    if (Number.isNaN(Date.parse(o.since))) throw new InputError('USAGE', `${since} "${o.since}" is not a date (ISO 8601, e.g. 2026-11-01 or 2026-11-01T12:00:00Z)`);
    if (o.target.kind === 'artifact') throw new InputError('USAGE', `${since} applies to a key or identity (what it signed from then on); an artifact is flagged whole`);
  }
  const now = o.now ?? new Date();
  const id = o.id ?? (await nextAdvisoryId(o.registry, now));
  checkId(id);
  const warnings: string[] = [];
  if (o.target.kind === 'artifact' && (await o.registry.findBySubject(o.target.digest)).length === 0 && (await o.registry.findByInput(o.target.digest)).length === 0) {
    // Flagging ahead of the pipeline is legitimate (the gate will refuse it when it arrives),
    // but a mistyped digest flags nothing: say so.
    warnings.push(`${o.target.digest} is not in ${o.registry.location} (no attestation names it): the advisory is written and the gate will refuse it if it appears, but nothing recorded is affected now; check the digest`);
  }
  const w = await write(o.registry, o.signer, {
    id,
    target: o.target,
    status: o.status ?? 'affected',
    reason: o.reason,
    severity: o.severity,
    atlas,
    since: o.since === undefined ? undefined : new Date(Date.parse(o.since)).toISOString(),
    author: o.author ?? authorOf(o.signer),
    timestamp: now.toISOString(),
    tooling: o.tooling,
  });
  w.warnings.push(...warnings);
  return w;
}

export interface UpdateOptions {
  registry: Registry;
  signer: SigningIdentity;
  id: string;
  /** `fixed` (incident fixed) or `not_affected` (incident withdraw): the gate stops refusing. */
  status: 'fixed' | 'not_affected' | 'affected' | 'under_investigation';
  reason?: string;
  /**
   * A policy's advisory signers: also accept the advisory when one of them signed it, and
   * refuse (`ADVISORY_SIGNER_NOT_TRUSTED`) to write a statement that none of them would
   * verify, since the gate would ignore it and the advisory would stay as it was.
   */
  trust?: PolicySigner[];
  /** Write the statement even when `trust` is given and would not verify it. */
  force?: boolean;
  author?: string;
  now?: Date;
  tooling?: string;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

/**
 * `incident fixed|withdraw ID`: a later statement about an existing advisory. The advisory must
 * be one this signer's own key signed, or one a given trusted signer signed, so a planted
 * document cannot make a responder sign statements about a target of the attacker's choosing.
 */
export async function updateAdvisory(o: UpdateOptions): Promise<WrittenAdvisory[]> {
  checkId(o.id);
  const own: PolicySigner = { name: '(this signer)', trust: { kind: 'key', keys: [{ source: 'signing key', key: o.signer.privateKey, hint: keyHint(o.signer.privateKey) }] } };
  const set = await readAdvisories(o.registry, [own, ...(o.trust ?? [])]);
  const docs = set.advisories.filter((a) => a.advisoryId === o.id);
  if (docs.length === 0) {
    const seen = set.ignored.filter((i) => i.advisoryId === o.id);
    throw new InputError(
      'ADVISORY_NOT_FOUND',
      seen.length > 0
        ? `advisory ${o.id} is in the registry but not signed by this key${o.trust ? ' or a trusted advisory signer' : ` (give ${optionName(o.optionNames, 'policy')} to accept one signed by a trusted advisory signer)`}`
        : `no advisory ${o.id} in ${o.registry.location}`,
    );
  }
  const newest = docs[docs.length - 1]!;
  const now = o.now ?? new Date();
  const out: WrittenAdvisory[] = [];
  const check = o.trust && !o.force ? o.trust : undefined;
  for (const target of newest.targets) {
    out.push(
      await write(o.registry, o.signer, {
        ...(check ? { mustVerifyUnder: check, optionNames: o.optionNames } : {}),
        id: o.id,
        target,
        status: o.status,
        reason: o.reason,
        severity: newest.severity,
        atlas: newest.atlas,
        since: newest.since,
        author: o.author ?? authorOf(o.signer),
        timestamp: now.toISOString(),
        tooling: o.tooling,
      }),
    );
  }
  return out;
}

interface WriteParams {
  id: string;
  target: AdvisoryTarget;
  status: VexStatus;
  reason?: string;
  severity?: Severity;
  atlas: string[];
  since?: string;
  author: string;
  timestamp: string;
  tooling?: string;
  /** Refuse to store the statement unless it verifies under one of these signers. */
  mustVerifyUnder?: PolicySigner[];
  /** How the refusal names the way past it (`force`). */
  optionNames?: OptionNames;
}

async function write(registry: Registry, signer: SigningIdentity, p: WriteParams): Promise<WrittenAdvisory> {
  const { mustVerifyUnder, optionNames, ...params } = p;
  const statement = buildAdvisoryStatement({ ...params, sequence: `${p.timestamp.replace(/[^0-9TZ]/g, '')}-${randomBytes(4).toString('hex')}` });
  const bundle = signStatement(statement, signer);
  if (mustVerifyUnder) {
    const v = verifyAttestationText(bundle, `${p.id} (new statement)`, { signers: mustVerifyUnder });
    if (v.rejection) {
      throw new InputError('ADVISORY_SIGNER_NOT_TRUSTED', `this ${signer.kind === 'certificate' ? 'certificate' : `key ${keyHint(signer.privateKey).slice(0, 16)}…`} is not one of the policy's advisorySigners (${mustVerifyUnder.map((s) => s.name).join(', ')}): the gate would ignore a ${p.status} statement it signs and ${p.id} would stay as it is; nothing was written (sign with an advisory signer's key, or ${optionName(optionNames, 'force')} to write it anyway)`);
    }
  }
  const entry = await registry.put(bundle);
  return { advisoryId: p.id, status: p.status, target: p.target, entry, bundle, warnings: [] };
}

function checkId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(id)) throw new InputError('USAGE', `advisory id "${id}" must be 1-64 letters, digits, ".", "_", ":" or "-" (e.g. MP-2026-0001)`);
}

function authorOf(signer: SigningIdentity): string {
  if (signer.kind === 'certificate') return signer.signingCertificate.subject.replace(/\n/g, ', ');
  return `key sha256:${keyHint(signer.privateKey)}`;
}

/** The next `MP-<year>-<NNNN>` not yet used in the registry (claims are enough to pick a number). */
export async function nextAdvisoryId(registry: Registry, now = new Date()): Promise<string> {
  const year = now.getUTCFullYear();
  const re = new RegExp(`^MP-${year}-(\\d{4,})$`);
  let max = 0;
  for (const a of (await readAdvisories(registry)).advisories) {
    const m = re.exec(a.advisoryId);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return `MP-${year}-${String(max + 1).padStart(4, '0')}`;
}

export { targetLabel };
