import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { SLSA_PROVENANCE_V1 } from '../attest/types';
import { verifyAttestationText } from '../chain/verify-chain';
import { InputError, isProvenanceError } from '../errors';
import { optionName, type OptionNames } from '../option-names';
import { isObject } from '../io/json';
import { OMS_PREDICATE_V1 } from '../oms/types';
import type { Policy } from '../policy/policy';
import { copyStatementFacts, entryFacts, identityDigest, type EntryFacts } from '../registry/facts';
import { LocalRegistry } from '../registry/local';
import type { Registry } from '../registry/registry';
import { OciRegistry } from '../registry/oci/oci-registry';
import type { Downstream, ReverseView } from '../registry/reverse-index';
import { advisoryState, type ReadAdvisory } from './advisories';
import { SLSA_VSA_V1, parseDeployment, readDeployments, type DeploymentRecord } from './deployment';
import { targetDigest, type AdvisoryTarget, type VexStatus } from './openvex';

/** The lookups impact needs, answered by the registry's reverse index. */
export interface GraphSource {
  consumersOf(digest: string): Promise<EntryFacts[]>;
  bySubject(digest: string): Promise<EntryFacts[]>;
  /** Entries about `digest` with this predicate type (deployment records). */
  bySubjectOfType(digest: string, type: string): Promise<EntryFacts[]>;
  /** `key:<hex>` or `identity:<hex>` (see EntryFacts.signer). */
  bySigner(signer: string): Promise<EntryFacts[]>;
  /** The whole downstream walk in one call, when the source can do it faster than hop by hop. */
  downstream?(starts: string[], type: string, about?: string): Promise<Downstream>;
}

/**
 * The graph view of a registry: the local registry's reverse index read once (one pack read
 * plus the journal), an OCI registry's synced mirror's the same way, or, for any other backend, its `findByInput` / `findBySubject` with each
 * entry read and summarised (signer lookups there fall back to listing every entry).
 */
export function graphOf(registry: Registry): GraphSource {
  if (registry instanceof LocalRegistry) {
    const view = registry.reverseView();
    return {
      consumersOf: async (d) => view.consumersOf(d),
      bySubject: async (d) => view.bySubject(d),
      bySubjectOfType: async (d, t) => view.bySubjectOfType(d, t),
      bySigner: async (s) => view.bySigner(s),
      downstream: async (starts, type, about) => view.downstream(starts, type, about),
    };
  }
  if (registry instanceof OciRegistry) {
    // The local mirror's reverse index, synced once for the whole walk (docs/registry.md).
    let pending: Promise<ReverseView> | undefined;
    const view = (): Promise<ReverseView> => (pending ??= registry.synced().then((m) => m.reverseView()));
    return {
      consumersOf: async (d) => (await view()).consumersOf(d),
      bySubject: async (d) => (await view()).bySubject(d),
      bySubjectOfType: async (d, t) => (await view()).bySubjectOfType(d, t),
      bySigner: async (s) => (await view()).bySigner(s),
      downstream: async (starts, type, about) => (await view()).downstream(starts, type, about),
    };
  }
  const facts = async (entries: { id: string; location: string }[]): Promise<EntryFacts[]> => {
    const out: EntryFacts[] = [];
    for (const e of entries) {
      try {
        out.push(entryFacts(await registry.read(e.id), e.id, e.location));
      } catch (err) {
        if (!isProvenanceError(err)) throw err;
      }
    }
    return out;
  };
  return {
    consumersOf: async (d) => facts(await registry.findByInput(d)),
    bySubject: async (d) => facts(await registry.findBySubject(d)),
    bySubjectOfType: async (d, t) => facts((await registry.findBySubject(d)).filter((e) => e.predicateType === t)),
    bySigner: async (s) => (await facts(await registry.list())).filter((f) => f.signer === s),
  };
}

/** How an affected artifact was reached: `from` was consumed, in `role`, by `attestation`. */
export interface ImpactEdge {
  from: string;
  role: string;
  attestation: string;
  stage?: string;
}

export interface ImpactNode {
  digest: string;
  name?: string;
  /** The stage that produced it (from the attestation that consumed the affected input). */
  stage?: string;
  /** Hops from the flagged artifact (1 = consumed it directly). */
  depth: number;
  via: ImpactEdge[];
  /** Attestations that produced it from an affected input. */
  attestations: string[];
  signer?: string;
  signerLabel?: string;
  time?: string;
  runId?: string;
  builderId?: string;
  /** With a policy: whether the producing attestation verifies under it. */
  verification?: 'verified' | 'untrusted';
  /** With a policy: the policy's names for the signers that verified it. */
  verifiedBy?: string[];
}

/** An attestation or signature made by the flagged key or identity. */
export interface SignedByFlagged {
  attestation: string;
  predicateType: string;
  subjects: { digest: string; name?: string }[];
  stage?: string;
  time?: string;
  /** In the window (at or after `since`, or undated): revoked. */
  inWindow: boolean;
  /**
   * Where it was found: `registry` (an entry), or `workspace` (a signature or attestation file
   * in the scanned workspace, e.g. a `model.sig` never stored in the registry; `attestation` is
   * then the sha256 of the file's bytes).
   */
  source: 'registry' | 'workspace';
  /** For a workspace find: the file, relative to the workspace, POSIX separators. */
  file?: string;
}

export interface WorkspaceHit {
  /** Path relative to the workspace, POSIX separators. */
  file: string;
  kind: 'manifest' | 'signature' | 'attestation';
  digests: string[];
  /** 1-based position of the first reference (for a DSSE payload: the payload field). */
  line: number;
  column: number;
}

export interface ImpactResult {
  target: AdvisoryTarget;
  /** The root digest the blast radius starts from (the artifact, key id or identity digest). */
  root: { digest: string; name?: string };
  /**
   * The advisory, as its statements stand: `status` is the statement in force (the newest),
   * `reason` why it was raised, `statusNote` the note of a `fixed`/`withdraw` statement,
   * `published` the first statement's time and `statusTime` the time of the one in force.
   */
  advisory?: {
    id: string;
    reason?: string;
    severity?: string;
    atlas: string[];
    status: VexStatus;
    /** Whether the gate refuses its target now (status affected or under_investigation). */
    inForce: boolean;
    statusNote?: string;
    published: string;
    statusTime: string;
    since?: string;
    verified: boolean;
    signers: string[];
  };
  since?: string;
  /** Everything downstream, ordered by depth then digest. */
  affected: ImpactNode[];
  /** For a key or identity: everything it signed, marked in or out of the window. */
  signed: SignedByFlagged[];
  deployments: DeploymentRecord[];
  workspace: WorkspaceHit[];
  /** Whether signatures were checked (a policy was given); false: every fact is a claim. */
  signaturesChecked: boolean;
  notes: string[];
}

export interface ImpactOptions {
  registry: Registry;
  target: AdvisoryTarget;
  /** For a key or identity: only what it signed at or after this time starts the radius. */
  since?: string;
  /**
   * The advisory: all of its statements (the flag and any later fixed/withdraw statements; the
   * one in force decides the status, the flag gives the reason), or one statement.
   */
  advisory?: ReadAdvisory | readonly ReadAdvisory[];
  /** With a policy: producing attestations and deployment records are verified under it. */
  policy?: Policy;
  /** Scan this folder for manifests, signatures and attestation files naming an affected digest. */
  workspace?: string;
  graph?: GraphSource;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

const STARTS = new Set([SLSA_PROVENANCE_V1, OMS_PREDICATE_V1]);
const byDigest = (a: { digest: string }, b: { digest: string }): number => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);

/**
 * The blast radius of a flagged artifact, key or identity: everything derived from it through
 * attestation inputs of every role (base-model, adapter, dataset, tokenizer, code),
 * transitively; for a key or identity, everything it signed in the window and what derives
 * from that; every deployment record of an affected model; and workspace files naming an
 * affected digest. Lookups go through the registry's reverse index (never a scan of every
 * attestation). Facts are claims unless a policy is given, in which case producing
 * attestations and deployment records are verified and marked.
 */
export async function impact(o: ImpactOptions): Promise<ImpactResult> {
  const graph = o.graph ?? graphOf(o.registry);
  const t = o.target;
  const notes: string[] = [];
  const state = o.advisory === undefined ? undefined : advisoryState(Array.isArray(o.advisory) ? o.advisory : [o.advisory as ReadAdvisory]);
  const since = o.since ?? state?.since;
  const result: ImpactResult = {
    target: t,
    root: { digest: targetDigest(t), ...(t.kind === 'artifact' && t.name ? { name: t.name } : {}) },
    ...(state
      ? {
          advisory: {
            id: state.id,
            ...(state.reason ? { reason: state.reason } : {}),
            ...(state.severity ? { severity: state.severity } : {}),
            atlas: state.atlas,
            status: state.status,
            inForce: state.inForce,
            ...(state.statusNote ? { statusNote: state.statusNote } : {}),
            published: state.published,
            statusTime: state.statusTime,
            ...(state.since ? { since: state.since } : {}),
            verified: state.current.verified,
            signers: state.current.signers,
          },
        }
      : {}),
    ...(since ? { since } : {}),
    affected: [],
    signed: [],
    deployments: [],
    workspace: [],
    signaturesChecked: o.policy !== undefined,
    notes,
  };

  const nodes = new Map<string, ImpactNode>();
  /** Bundles found in the workspace, not in the registry, by id. */
  const workspaceTexts = new Map<string, string>();
  /** Deployment record ids of the nodes in `nodes` (signed in the window), when the walk collected them. */
  const deploymentIds = new Map<string, string[]>();
  /**
   * The nodes the downstream walk found that `nodes` does not hold, kept as lists (a map keyed
   * by digest costs more than the rest of a 10,000-node answer): each node, its pack digest
   * index (-1: none) and its deployment record ids.
   */
  const walked: { nodes: ImpactNode[]; index: number[]; about: string[][] } = { nodes: [], index: [], about: [] };
  const queue: { digest: string; depth: number }[] = [];
  const seen = new Set<string>();
  if (t.kind === 'artifact') {
    seen.add(t.digest);
    queue.push({ digest: t.digest, depth: 0 });
    // One lookup each (the index answers from memory), for the unknown-digest check and the name.
    const about = !state || t.name === undefined ? await graph.bySubject(t.digest) : [];
    let consumers: EntryFacts[] | undefined;
    const consumersOf = async (): Promise<EntryFacts[]> => (consumers ??= await graph.consumersOf(t.digest));
    if (!state && about.length === 0 && (await consumersOf()).length === 0) {
      // A mistyped digest would otherwise read as "nothing affected": the worst answer to give.
      throw new InputError('DIGEST_NOT_IN_REGISTRY', `${t.name ? `"${t.name}" ` : ''}${t.digest} is not in ${o.registry.location}: no attestation names it as a subject or an input and no advisory flags it (check the digest; \`incident ls\` lists the advisories)`);
    }
    if (t.name === undefined) {
      // Its name as its producer or its consumers recorded it (never an advisory's placeholder).
      const produced = about.filter((f) => f.predicateType === SLSA_PROVENANCE_V1).flatMap((f) => f.subjects).find((s) => s.digest === t.digest && s.name);
      const consumed = produced ? undefined : (await consumersOf()).flatMap((f) => f.inputs).find((i) => i.digest === t.digest && i.name);
      const name = produced?.name ?? consumed?.name;
      if (name) result.root.name = name;
    }
  } else {
    const key = t.kind === 'key' ? `key:${t.keyId}` : `identity:${identityDigest(t.identity, t.issuer).slice(7)}`;
    const signed: (EntryFacts & { file?: string; text?: string })[] = await graph.bySigner(key);
    // Model signatures (model.sig) and attestations in the workspace that the registry does not
    // hold: the gate refuses a revoked model signature wherever it lives, so they count too.
    if (o.workspace) {
      const stored = new Set(signed.map((f) => f.id));
      for (const w of signedInWorkspace(o.workspace, key)) {
        if (stored.has(w.id)) continue;
        stored.add(w.id);
        signed.push(w);
        workspaceTexts.set(w.id, w.text);
      }
    }
    signed.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '') || a.id.localeCompare(b.id) || (a.file ?? '').localeCompare(b.file ?? ''));
    for (const f of signed) {
      const inWindow = windowed(since, f.time);
      result.signed.push({ attestation: f.id, predicateType: f.predicateType, subjects: f.subjects, ...(f.stage ? { stage: f.stage } : {}), ...(f.time ? { time: f.time } : {}), inWindow, source: f.file === undefined ? 'registry' : 'workspace', ...(f.file !== undefined ? { file: f.file } : {}) });
      if (!inWindow || !STARTS.has(f.predicateType)) continue;
      for (const s of f.subjects) {
        let n = nodes.get(s.digest);
        if (!n) {
          n = { digest: s.digest, ...(s.name ? { name: s.name } : {}), depth: 0, via: [], attestations: [], ...factsOf(f), ...(f.predicateType === OMS_PREDICATE_V1 ? { stage: f.stage ?? 'model signature' } : {}) };
          nodes.set(s.digest, n);
        }
        else if (n.stage === 'model signature' && f.predicateType === SLSA_PROVENANCE_V1) Object.assign(n, factsOf(f)); // the stage that produced it says more
        if (!n.attestations.includes(f.id)) n.attestations.push(f.id);
        if (!seen.has(s.digest)) {
          seen.add(s.digest);
          queue.push({ digest: s.digest, depth: 0 });
        }
      }
    }
  }

  // Breadth first, so each artifact's depth is its shortest distance from the flagged one.
  if (graph.downstream) {
    const starts = queue.map((q) => q.digest);
    const depth0 = new Set(t.kind === 'artifact' ? [] : starts);
    const found = await graph.downstream(starts, SLSA_PROVENANCE_V1, SLSA_VSA_V1);
    for (let j = 0; j < found.nodes.length; j++) {
      const d = found.nodes[j]!;
      // Only a key or identity target has nodes before the walk (what it signed).
      const existing = nodes.size > 0 ? nodes.get(d.digest) : undefined;
      if (existing) {
        // Signed in the window and also derived from something signed in the window.
        deploymentIds.set(d.digest, found.about[j]!);
        existing.via.push(...d.via);
        for (const a of d.attestations) if (!existing.attestations.includes(a)) existing.attestations.push(a);
        continue;
      }
      if (depth0.has(d.digest)) continue;
      // Already shaped as an ImpactNode, keys in report order (see DownstreamNode), and the
      // walk's digests are unique: no copy and no map.
      walked.nodes.push(d);
      walked.index.push(found.index[j]!);
      walked.about.push(found.about[j]!);
    }
  } else {
    for (let i = 0; i < queue.length; i++) {
      const { digest, depth } = queue[i]!;
      for (const f of await graph.consumersOf(digest)) {
        if (f.predicateType !== SLSA_PROVENANCE_V1) continue;
        const roles = f.inputs.filter((x) => x.digest === digest).map((x) => x.role);
        for (const s of f.subjects) {
          if (s.digest === digest) continue; // an evaluation or release about the same artifact
          let n = nodes.get(s.digest);
          if (!n) {
            n = { digest: s.digest, ...(s.name ? { name: s.name } : {}), depth: depth + 1, via: [], attestations: [], ...factsOf(f) };
            nodes.set(s.digest, n);
          }
          for (const role of roles) if (!n.via.some((v) => v.from === digest && v.role === role && v.attestation === f.id)) n.via.push({ from: digest, role, attestation: f.id, ...(f.stage ? { stage: f.stage } : {}) });
          if (!n.attestations.includes(f.id)) n.attestations.push(f.id);
          if (!seen.has(s.digest)) {
            seen.add(s.digest);
            queue.push({ digest: s.digest, depth: depth + 1 });
          }
        }
      }
    }
  }
  // By depth, then digest. Nodes the pack names compare by their digest index (the pack's
  // digests are sorted, so the order is the same), sparing 100,000 string comparisons.
  const all = [...nodes.values(), ...walked.nodes];
  const index = [...nodes.keys()].map(() => -1).concat(walked.index);
  const known = [...nodes.keys()].map((d) => deploymentIds.get(d)).concat(walked.about);
  const order = all.map((_, i) => i);
  order.sort((a, b) => all[a]!.depth - all[b]!.depth || (index[a]! >= 0 && index[b]! >= 0 ? index[a]! - index[b]! : byDigest(all[a]!, all[b]!)));
  result.affected = order.map((i) => all[i]!);
  /** Deployment record ids per affected node (same order), when the walk collected them. */
  const knownDeployments = order.map((i) => known[i]);
  const key = (v: ImpactEdge): string => `${v.from} ${v.role} ${v.attestation}`;
  for (const n of result.affected) {
    if (n.via.length > 1) n.via.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    if (n.attestations.length > 1) n.attestations.sort();
  }

  if (o.policy) {
    for (const n of result.affected) {
      const names = new Set<string>();
      for (const id of n.attestations) {
        try {
          for (const name of verifyAttestationText(workspaceTexts.get(id) ?? (await o.registry.read(id)), id, o.policy).signers) names.add(name);
        } catch (err) {
          if (!isProvenanceError(err)) throw err;
        }
      }
      n.verification = names.size > 0 ? 'verified' : 'untrusted';
      if (names.size > 0) n.verifiedBy = [...names].sort();
    }
  }

  // Deployments of the flagged artifact itself and of everything downstream.
  const deployed = [...(t.kind === 'artifact' ? [t.digest] : []), ...result.affected.map((n) => n.digest)];
  const knownOf = [...(t.kind === 'artifact' ? [undefined] : []), ...knownDeployments];
  for (let j = 0; j < deployed.length; j++) {
    const d = deployed[j]!;
    const known = knownOf[j];
    if (known && known.length === 0) continue;
    const hits = await graph.bySubjectOfType(d, SLSA_VSA_V1);
    if (hits.length === 0) continue;
    if (o.policy) {
      const { records, untrusted } = await readDeployments(o.registry, d, o.policy.signers);
      result.deployments.push(...records);
      if (untrusted > 0) notes.push(`${untrusted} deployment record(s) of ${d} are not signed by a signer of the policy and are left out`);
    } else {
      for (const f of hits) {
        try {
          const bundle = JSON.parse(await o.registry.read(f.id));
          const payload = Buffer.from(String(bundle?.dsseEnvelope?.payload ?? ''), 'base64').toString('utf8');
          const rec = parseDeployment(JSON.parse(payload), f.id, f.id);
          if (rec.model.digest === d) result.deployments.push(rec);
        } catch {
          notes.push(`deployment record ${f.id} could not be read`);
        }
      }
    }
  }
  const dkey = (d: DeploymentRecord): string => `${d.model.digest} ${d.environment} ${d.timeVerified} ${d.entryId}`;
  result.deployments.sort((a, b) => (dkey(a) < dkey(b) ? -1 : dkey(a) > dkey(b) ? 1 : 0));

  if (o.workspace) {
    const digests = new Set([...(t.kind === 'artifact' ? [t.digest.slice(7)] : []), ...result.affected.map((n) => n.digest.slice(7))]);
    result.workspace = scanWorkspace(o.workspace, digests);
  }
  if (!o.policy) notes.push(`no policy: the graph is what the stored statements claim; signatures were not checked (give ${optionName(o.optionNames, 'policy')} to verify them)`);
  return result;
}

function windowed(since: string | undefined, time: string | undefined): boolean {
  if (!since) return true;
  const ms = time ? Date.parse(time) : Number.NaN;
  return Number.isNaN(ms) || ms >= Date.parse(since);
}

function factsOf(f: EntryFacts): Partial<ImpactNode> {
  return copyStatementFacts<Partial<ImpactNode>>({}, f);
}

// ------------------------------------------------------------------ workspace scan

const SKIP_DIRS = new Set(['node_modules', '.git', '.provenance', '.hg', '.svn', '.venv', '__pycache__']);
const MAX_FILE = 64 * 1024 * 1024;

function kindOf(name: string): WorkspaceHit['kind'] | undefined {
  if (/\.cdx\.json$/i.test(name) || name === 'bom.json') return 'manifest';
  if (name === 'model.sig' || /\.sig$/i.test(name)) return 'signature';
  if (/\.(intoto\.jsonl?|sigstore\.json|sigstore|dsse\.json|att\.json)$/i.test(name)) return 'attestation';
  return undefined;
}

/**
 * Every manifest (`*.cdx.json`), signature (`model.sig`, `*.sig`) and attestation file
 * (`*.intoto.json[l]`, `*.sigstore.json`, `*.dsse.json`) under `root` that names one of
 * `hexes`, in plain text or inside a base64 DSSE payload. Skips VCS folders, node_modules and
 * the registry itself; files are visited in sorted order so the answer is deterministic.
 */
export function scanWorkspace(root: string, hexes: Set<string>): WorkspaceHit[] {
  const hits: WorkspaceHit[] = [];
  walkWorkspace(root, (file, kind, text) => {
    const hit = scanText(text, hexes);
    if (hit) hits.push({ file, kind, ...hit });
  });
  return hits;
}

/**
 * Signature and attestation files under `root` (the same walk as `scanWorkspace`) whose bundle
 * names `signer` (`key:<hex>` or `identity:<hex>`, as EntryFacts.signer), with their facts;
 * `id` is the sha256 of the file's bytes, as a registry entry id would be. Unreadable or
 * non-bundle files are skipped: these are claims that only widen the radius.
 */
export function signedInWorkspace(root: string, signer: string): (EntryFacts & { file: string; text: string })[] {
  const out: (EntryFacts & { file: string; text: string })[] = [];
  walkWorkspace(root, (file, kind, text) => {
    if (kind === 'manifest') return;
    for (const doc of jsonDocuments(text)) {
      try {
        const f = entryFacts(doc, `sha256:${createHash('sha256').update(doc, 'utf8').digest('hex')}`, file);
        if (f.signer === signer) out.push({ ...f, file, text: doc });
      } catch (err) {
        if (!isProvenanceError(err)) throw err;
      }
    }
  });
  return out;
}

/** One JSON document, or JSON Lines (one bundle a line, as `*.intoto.jsonl` holds). */
function jsonDocuments(text: string): string[] {
  try {
    JSON.parse(text);
    return [text];
  } catch {
    return text.split('\n').filter((l) => l.trim().length > 0);
  }
}

function walkWorkspace(root: string, visit: (file: string, kind: WorkspaceHit['kind'], text: string) => void): void {
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(p);
        continue;
      }
      const kind = kindOf(name);
      if (!kind || !st.isFile() || st.size > MAX_FILE) continue;
      let text: string;
      try {
        text = readFileSync(p, 'utf8');
      } catch {
        continue;
      }
      visit(relative(root, p).split(sep).join('/'), kind, text);
    }
  };
  walk(root);
}

function scanText(text: string, hexes: Set<string>): { digests: string[]; line: number; column: number } | undefined {
  const found = new Set<string>();
  let first = -1;
  for (const m of text.matchAll(/[0-9a-f]{64}/g)) {
    if (hexes.has(m[0])) {
      found.add(`sha256:${m[0]}`);
      if (first < 0) first = m.index!;
    }
  }
  // Signatures and attestations carry their statement base64-encoded in a DSSE payload.
  const payloads: { text: string; at: number }[] = [];
  const collect = (line: string, base: number): void => {
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      return;
    }
    const env = isObject(doc) && isObject(doc.dsseEnvelope) ? doc.dsseEnvelope : doc;
    if (isObject(env) && typeof env.payload === 'string') {
      const at = text.indexOf('"payload"', base);
      payloads.push({ text: Buffer.from(env.payload, 'base64').toString('utf8'), at: at < 0 ? base : at });
    }
  };
  if (text.includes('"payload"')) {
    collect(text, 0);
    if (payloads.length === 0) {
      let off = 0;
      for (const line of text.split('\n')) {
        if (line.includes('"payload"')) collect(line, off);
        off += line.length + 1;
      }
    }
  }
  for (const p of payloads) {
    for (const m of p.text.matchAll(/[0-9a-f]{64}/g)) {
      if (hexes.has(m[0])) {
        found.add(`sha256:${m[0]}`);
        if (first < 0 || p.at < first) first = p.at;
      }
    }
  }
  if (found.size === 0) return undefined;
  const before = text.slice(0, first);
  const line = before.split('\n').length;
  const column = first - before.lastIndexOf('\n');
  return { digests: [...found].sort(), line, column };
}
