/**
 * What changed between two decoded sides, and what a reviewer must see first. Pure: no
 * I/O, no trust decisions (those were made when the sides were decoded).
 */
import { InputError } from '../errors';
import { comparePaths } from '../model/paths';
import { describeIdentity, sameSigner } from './trust';
import type {
  AttestationDiff,
  AttestationFacts,
  ComponentChange,
  DecodedSide,
  DependencyChange,
  DiffAlert,
  DiffComparison,
  FieldChange,
  FileChange,
  FileEntry,
  FilesDiff,
  ManifestDiff,
  SignatureFacts,
  SignerDiff,
  SignerIdentity,
  SideKind,
} from './types';

const FILE_FAMILY: ReadonlySet<SideKind> = new Set(['model-signature', 'model', 'manifest']);
const ATTESTATION_FAMILY: ReadonlySet<SideKind> = new Set(['ml-attestation', 'attestation']);
const KIND_NAME: Record<SideKind, string> = {
  'model-signature': 'a model signature',
  'ml-attestation': 'a lifecycle attestation',
  attestation: 'an attestation',
  manifest: 'an ML-BOM',
  model: 'a model',
  absent: 'nothing',
};

/** The side's signature, whether it is one (a bundle or envelope) or a model carrying one. */
function signatureSide(s: DecodedSide): DecodedSide | undefined {
  if (s.kind === 'model') return s.ownSignature;
  return s.envelope === 'bundle' || s.envelope === 'envelope' ? s : undefined;
}

function signatureFacts(s: DecodedSide): SignatureFacts | undefined {
  return s.signature ?? s.ownSignature?.signature;
}

/**
 * Compares two decoded sides. Throws InputError (DIFF_KINDS_INCOMPATIBLE) for sides that
 * have nothing in common (an attestation and a model signature).
 *
 * @param path the PATH of `--base REV PATH…`, recorded on the comparison
 */
export function compareSides(old: DecodedSide, neu: DecodedSide, path?: string): DiffComparison {
  if (old.kind === 'absent' && neu.kind === 'absent') throw new InputError('FILE_NOT_FOUND', 'exists on neither side', { file: path ?? old.label });
  const comparable = old.kind === 'absent' || neu.kind === 'absent' || (FILE_FAMILY.has(old.kind) && FILE_FAMILY.has(neu.kind)) || (ATTESTATION_FAMILY.has(old.kind) && ATTESTATION_FAMILY.has(neu.kind));
  if (!comparable) {
    throw new InputError('DIFF_KINDS_INCOMPATIBLE', `cannot compare ${KIND_NAME[old.kind]} (${old.label}) with ${KIND_NAME[neu.kind]} (${neu.label})`);
  }
  const c: DiffComparison = { ...(path !== undefined ? { path } : {}), old, new: neu, alerts: [], notes: [] };
  c.alerts.push(...sideAlerts(old, 'old'), ...sideAlerts(neu, 'new'));

  // Signers.
  const so = signatureSide(old);
  const sn = signatureSide(neu);
  if (so?.trust.signer || sn?.trust.signer) {
    c.signer = signerDiff(so?.trust.signer, sn?.trust.signer);
    if (c.signer.changed && so?.trust.signer && sn?.trust.signer) {
      const both = so.trust.state === 'verified' && sn.trust.state === 'verified';
      c.alerts.push({
        severity: 'security',
        code: 'SIGNER_CHANGED',
        message: both
          ? `verifies under a different signer than before: ${describeIdentity(sn.trust.signer)}, was ${describeIdentity(so.trust.signer)}`
          : `claims a different signer than before (${so.trust.state === 'verified' && sn.trust.state !== 'verified' ? 'the new signature is not verified' : 'not verified'}): ${describeIdentity(sn.trust.signer)}, was ${describeIdentity(so.trust.signer)}`,
      });
    }
  }
  if (so && !sn && neu.kind !== 'absent') {
    c.alerts.push({ severity: 'security', code: 'SIGNATURE_REMOVED', side: 'new', message: `${old.label} was signed (${describeIdentity(so.trust.signer)}); ${neu.label} carries no signature` });
  } else if (!so && sn && old.kind !== 'absent') {
    c.alerts.push({ severity: 'info', code: 'SIGNATURE_ADDED', side: 'new', message: `${neu.label} is signed (${describeIdentity(sn.trust.signer)}); ${old.label} was not` });
  }
  if (neu.kind === 'absent') c.alerts.push({ severity: 'info', code: 'REMOVED', side: 'new', message: `${old.label} is removed in the new version` });
  if (old.kind === 'absent') c.alerts.push({ severity: 'info', code: 'ADDED', side: 'old', message: `${neu.label} is new: there is no previous version to compare with` });
  if ([so, sn].some((s) => s?.trust.state === 'not-checked')) {
    c.alerts.push({ severity: 'warning', code: 'SIGNATURE_NOT_CHECKED', message: 'signatures were not checked (no trust given): the signers shown are only what the bundles claim, and the facts read from them are unverified' });
  }

  // Subjects.
  if (old.subject || neu.subject) {
    c.subject = { ...(old.subject ? { old: old.subject } : {}), ...(neu.subject ? { new: neu.subject } : {}), changed: old.subject?.digest !== neu.subject?.digest };
  }
  if (old.files || neu.files) c.files = filesDiff(old.files ?? [], neu.files ?? []);
  const fo = signatureFacts(old);
  const fn = signatureFacts(neu);
  if (fo && fn) c.serialization = serializationDiff(fo, fn);
  if (old.attestation || neu.attestation) {
    if (old.attestation && neu.attestation) c.attestation = attestationDiff(old.attestation, neu.attestation);
    else if (old.kind !== 'absent' && neu.kind !== 'absent') c.predicate = predicateDiff(old, neu);
    else c.attestation = attestationDiff(old.attestation, neu.attestation);
  } else if (old.kind === 'attestation' || neu.kind === 'attestation') {
    c.predicate = predicateDiff(old, neu);
  }
  if (old.manifest || neu.manifest) c.manifest = manifestDiff(old, neu, Boolean(old.files && neu.files));
  for (const [s, which] of [
    [old, 'old'],
    [neu, 'new'],
  ] as const) {
    const sig = signatureSide(s);
    if (sig && sig.trust.state !== 'verified' && (s.kind !== 'model' || sig.files)) {
      c.notes.push(`the ${which} side's signed facts are unverified (${sig.trust.state === 'failed' ? 'its signature does not verify' : 'its signature was not checked'})`);
    }
    for (const n of s.notes) c.notes.push(`${which}: ${n}`);
    if (s.ownSignature) for (const n of s.ownSignature.notes) c.notes.push(`${which} signature: ${n}`);
    if (s.excluded?.length) c.notes.push(`${which}: ${s.excluded.length} file(s) present but left out by the signature's recorded ignore_paths: ${s.excluded.slice(0, 8).join(', ')}${s.excluded.length > 8 ? ', …' : ''}`);
  }
  return c;
}

/** A side's own problems: a signature that does not verify, integrity broken. */
function sideAlerts(s: DecodedSide, which: 'old' | 'new'): DiffAlert[] {
  const out: DiffAlert[] = [];
  const sig = signatureSide(s);
  if (sig?.trust.state === 'failed') {
    out.push({ severity: 'security', code: sig.trust.code ?? 'SIGNATURE_INVALID', side: which, message: `the ${which} signature (${sig.label}) does not verify: ${sig.trust.message ?? ''}`.trim() });
  }
  const problems = [...(s.ownSignature?.integrity ?? []), ...s.integrity];
  const byCode = new Map<string, typeof problems>();
  for (const p of problems) byCode.set(p.code, [...(byCode.get(p.code) ?? []), p]);
  for (const [code, list] of byCode) {
    const files = list.map((p) => p.file).filter((f): f is string => f !== undefined);
    const first = list[0]!;
    const message = files.length > 0 ? `${files.length} file(s) of ${s.label}: ${first.message} (${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''})` : `${s.ownSignature?.label ?? s.label}: ${first.message}`;
    out.push({ severity: 'security', code, side: which, message });
  }
  return out;
}

function signerDiff(old: SignerIdentity | undefined, neu: SignerIdentity | undefined): SignerDiff {
  if (!old || !neu) return { ...(old ? { old } : {}), ...(neu ? { new: neu } : {}), changed: true, details: [] };
  const s = sameSigner(old, neu);
  return { old, new: neu, changed: !s.same, details: s.details };
}

// ---- files --------------------------------------------------------------------------------

function view(f: FileEntry): NonNullable<FileChange['old']> {
  return { ...(f.digest ? { digest: f.digest } : {}), ...(f.shards ? { shards: f.shards.length } : {}), size: f.size, algorithm: f.algorithm };
}

function sameFile(a: FileEntry, b: FileEntry): boolean | 'incomparable' {
  if (a.algorithm !== b.algorithm || Boolean(a.shards) !== Boolean(b.shards)) return 'incomparable';
  if (a.digest !== undefined) return a.digest === b.digest;
  const sa = a.shards ?? [];
  const sb = b.shards ?? [];
  return sa.length === sb.length && sa.every((s, i) => s.range === sb[i]!.range && s.digest === sb[i]!.digest);
}

/**
 * Files added, removed, modified (by digest), unchanged. A single-file model's signature
 * names its file "." (model_signing): two one-file sides are the same file whatever
 * their names. Different hash algorithms or serializations are `incomparable`, never
 * "modified".
 */
export function filesDiff(old: readonly FileEntry[], neu: readonly FileEntry[]): FilesDiff {
  let a = old;
  let b = neu;
  if (a.length === 1 && b.length === 1 && (a[0]!.name === '.' || b[0]!.name === '.')) {
    const name = a[0]!.name === '.' ? b[0]!.name : a[0]!.name;
    a = [{ ...a[0]!, name }];
    b = [{ ...b[0]!, name }];
  }
  const nb = new Map(b.map((f) => [f.name, f]));
  const changes: FileChange[] = [];
  const out: FilesDiff = { added: 0, removed: 0, modified: 0, unchanged: 0, incomparable: 0, changes };
  for (const f of a) {
    const g = nb.get(f.name);
    if (!g) {
      out.removed++;
      changes.push({ name: f.name, status: 'removed', old: view(f) });
      continue;
    }
    nb.delete(f.name);
    const same = sameFile(f, g);
    if (same === true) {
      out.unchanged++;
    } else if (same === 'incomparable') {
      out.incomparable++;
      changes.push({ name: f.name, status: 'incomparable', old: view(f), new: view(g), reason: `hashed differently (${f.algorithm}${f.shards ? ' shards' : ''} vs ${g.algorithm}${g.shards ? ' shards' : ''})` });
    } else {
      out.modified++;
      changes.push({ name: f.name, status: 'modified', old: view(f), new: view(g) });
    }
  }
  for (const g of nb.values()) {
    out.added++;
    changes.push({ name: g.name, status: 'added', new: view(g) });
  }
  changes.sort((x, y) => comparePaths(x.name, y.name));
  return out;
}

// ---- values -------------------------------------------------------------------------------

const MAX_LEAVES = 10_000;

/** A JSON value as leaves by dotted path (`a.b[2].c`); arrays of scalars stay one leaf. */
export function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (out.size >= MAX_LEAVES) return out;
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) {
      out.set(prefix, value);
      return out;
    }
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
    if (value.length === 0) out.set(prefix, []);
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, {});
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  out.set(prefix, value);
  return out;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Leaf-by-leaf changes between two values, under `prefix`. */
export function valueChanges(old: unknown, neu: unknown, prefix: string): FieldChange[] {
  const a = flatten(old, prefix);
  const b = flatten(neu, prefix);
  const out: FieldChange[] = [];
  for (const [k, v] of a) {
    if (!b.has(k)) out.push({ field: k, old: v });
    else if (!same(v, b.get(k))) out.push({ field: k, old: v, new: b.get(k) });
  }
  for (const [k, v] of b) if (!a.has(k)) out.push({ field: k, new: v });
  return out;
}

function field(out: FieldChange[], name: string, a: unknown, b: unknown): void {
  if (!same(a, b)) out.push({ field: name, ...(a !== undefined ? { old: a } : {}), ...(b !== undefined ? { new: b } : {}) });
}

function serializationDiff(a: SignatureFacts, b: SignatureFacts): FieldChange[] {
  const out: FieldChange[] = [];
  field(out, 'predicateType', a.predicateType, b.predicateType);
  field(out, 'bundleVersion', a.bundleVersion, b.bundleVersion);
  field(out, 'serialization.method', a.method, b.method);
  field(out, 'serialization.hash_type', a.hashType, b.hashType);
  field(out, 'serialization.allow_symlinks', a.allowSymlinks, b.allowSymlinks);
  field(out, 'serialization.shard_size', a.shardSize, b.shardSize);
  field(out, 'serialization.ignore_paths', a.ignorePaths, b.ignorePaths);
  return out;
}

const accelerator = (x: { model: string; count?: number; driver?: string }): string => `${x.model}${x.count ? ` x${x.count}` : ''}${x.driver ? `, driver ${x.driver}` : ''}`;

function attestationDiff(a: AttestationFacts | undefined, b: AttestationFacts | undefined): AttestationDiff {
  const fields: FieldChange[] = [];
  field(fields, 'stage', a?.stage, b?.stage);
  field(fields, 'runId', a?.runId, b?.runId);
  field(fields, 'builder', a?.builderId, b?.builderId);
  const fw = (f: AttestationFacts['framework']): string | undefined => (f ? [f.name, f.version].filter(Boolean).join('@') : undefined);
  field(fields, 'framework', fw(a?.framework), fw(b?.framework));
  field(fields, 'hardware.accelerators', a?.accelerators.map(accelerator), b?.accelerators.map(accelerator));
  fields.push(...valueChanges(a?.hyperparameters ?? {}, b?.hyperparameters ?? {}, 'hyperparameters'));
  field(fields, 'recipe', a?.recipe, b?.recipe);
  fields.push(...valueChanges(a?.environment ?? {}, b?.environment ?? {}, 'environment'));
  field(fields, 'startedOn', a?.startedOn, b?.startedOn);
  field(fields, 'finishedOn', a?.finishedOn, b?.finishedOn);
  return { stage: { ...(a ? { old: a.stage } : {}), ...(b ? { new: b.stage } : {}) }, fields, dependencies: dependencyDiff(a?.dependencies ?? [], b?.dependencies ?? []) };
}

/**
 * Inputs matched by role and name (or uri, or digest): the same input with another digest
 * is `modified`. Of the inputs left unmatched, one removed and one added of the same role
 * are paired as a change of that input (a dataset swapped for another).
 */
function dependencyDiff(a: AttestationFacts['dependencies'], b: AttestationFacts['dependencies']): DependencyChange[] {
  const key = (d: AttestationFacts['dependencies'][number]): string => `${d.role}|${d.name ?? d.uri ?? d.digest}`;
  const nb = new Map(b.map((d) => [key(d), d]));
  const out: DependencyChange[] = [];
  const removed: typeof a = [];
  for (const d of a) {
    const e = nb.get(key(d));
    if (!e) {
      removed.push(d);
      continue;
    }
    nb.delete(key(d));
    if (!same(d, e)) out.push({ role: d.role, status: 'modified', ...(d.name ? { name: d.name } : {}), old: d, new: e });
  }
  const added = [...nb.values()];
  for (const d of removed) {
    const sameRole = removed.filter((x) => x.role === d.role);
    const candidates = added.filter((x) => x.role === d.role);
    if (sameRole.length === 1 && candidates.length === 1) {
      const e = candidates[0]!;
      added.splice(added.indexOf(e), 1);
      out.push({ role: d.role, status: 'modified', ...(e.name ?? d.name ? { name: e.name ?? d.name } : {}), old: d, new: e });
    } else {
      out.push({ role: d.role, status: 'removed', ...(d.name ? { name: d.name } : {}), old: d });
    }
  }
  for (const e of added) out.push({ role: e.role, status: 'added', ...(e.name ? { name: e.name } : {}), new: e });
  const order = ['base-model', 'adapter', 'dataset', 'tokenizer', 'code'];
  return out.sort((x, y) => order.indexOf(x.role) - order.indexOf(y.role));
}

const MAX_PREDICATE_CHANGES = 200;

function predicateDiff(a: DecodedSide, b: DecodedSide): NonNullable<DiffComparison['predicate']> {
  const pa = a.predicate ?? (a.document as { predicate?: unknown } | undefined)?.predicate;
  const pb = b.predicate ?? (b.document as { predicate?: unknown } | undefined)?.predicate;
  const all = valueChanges(pa ?? {}, pb ?? {}, 'predicate');
  return {
    predicateType: { ...(a.predicateType ? { old: a.predicateType } : {}), ...(b.predicateType ? { new: b.predicateType } : {}) },
    changes: all.slice(0, MAX_PREDICATE_CHANGES),
    truncated: Math.max(0, all.length - MAX_PREDICATE_CHANGES),
  };
}

function manifestDiff(a: DecodedSide, b: DecodedSide, filesShown: boolean): ManifestDiff {
  const ma = a.manifest;
  const mb = b.manifest;
  // Files are compared in the Files section; the model's file components are not repeated here.
  const keep = (c: { type: string }): boolean => !(filesShown && c.type === 'file');
  const ca = (ma?.components ?? []).filter(keep);
  const cb = new Map((mb?.components ?? []).filter(keep).map((c) => [c.key, c]));
  const components: ComponentChange[] = [];
  for (const c of ca) {
    const d = cb.get(c.key);
    if (!d) {
      components.push({ key: c.key, status: 'removed', old: c });
      continue;
    }
    cb.delete(c.key);
    const changed = (['version', 'purl', 'hashes', 'licenses'] as const).filter((k) => !same(c[k], d[k]));
    if (changed.length > 0) components.push({ key: c.key, status: 'modified', old: c, new: d, changed });
  }
  for (const d of cb.values()) components.push({ key: d.key, status: 'added', new: d });
  const licenses = (m: typeof ma): Set<string> => new Set([...(m?.licenses ?? []), ...(m?.components ?? []).flatMap((c) => c.licenses)]);
  const la = licenses(ma);
  const lb = licenses(mb);
  const fields: FieldChange[] = [];
  field(fields, 'specVersion', ma?.specVersion, mb?.specVersion);
  field(fields, 'model', ma?.model?.name, mb?.model?.name);
  field(fields, 'model.rootDigest', ma?.model?.rootDigest, mb?.model?.rootDigest);
  field(fields, 'licenses', ma?.licenses, mb?.licenses);
  return {
    components,
    licenses: { added: [...lb].filter((l) => !la.has(l)).sort(), removed: [...la].filter((l) => !lb.has(l)).sort() },
    properties: valueChanges(ma?.properties ?? {}, mb?.properties ?? {}, 'properties').map((f) => ({ ...f, field: f.field.replace(/^properties\./, '') })),
    fields,
  };
}
