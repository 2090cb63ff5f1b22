import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { SLSA_PROVENANCE_V1 } from '../attest/types';
import { verifyAttestationText } from '../chain/verify-chain';
import { isProvenanceError } from '../errors';
import { isObject } from '../io/json';
import { OMS_PREDICATE_V1 } from '../oms/types';
import type { Policy } from '../policy/policy';
import { entryFacts, identityDigest, type EntryFacts } from '../registry/facts';
import { LocalRegistry } from '../registry/local';
import type { Registry } from '../registry/registry';
import type { DownstreamNode } from '../registry/reverse-index';
import type { ReadAdvisory } from './advisories';
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
  downstream?(starts: string[], type: string, about?: string): Promise<Map<string, DownstreamNode>>;
}

/**
 * The graph view of a registry: the local registry's reverse index read once (one pack read
 * plus the journal), or, for any other backend, its `findByInput` / `findBySubject` with each
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
  advisory?: { id: string; reason?: string; severity?: string; atlas: string[]; status?: VexStatus; since?: string; verified: boolean; signers: string[] };
  since?: string;
  /** Everything downstream, ordered by depth then digest. */
  affected: ImpactNode[];
  /** For a key or identity: everything it signed, marked in or out of the window. */
  signed: SignedByFlagged[];
  deployments: DeploymentRecord[];
  workspace: WorkspaceHit[];
  notes: string[];
}

export interface ImpactOptions {
  registry: Registry;
  target: AdvisoryTarget;
  /** For a key or identity: only what it signed at or after this time starts the radius. */
  since?: string;
  advisory?: ReadAdvisory;
  /** With a policy: producing attestations and deployment records are verified under it. */
  policy?: Policy;
  /** Scan this folder for manifests, signatures and attestation files naming an affected digest. */
  workspace?: string;
  graph?: GraphSource;
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
  const since = o.since ?? o.advisory?.since;
  const result: ImpactResult = {
    target: t,
    root: { digest: targetDigest(t), ...(t.kind === 'artifact' && t.name ? { name: t.name } : {}) },
    ...(o.advisory
      ? {
          advisory: {
            id: o.advisory.advisoryId,
            ...(o.advisory.reason ? { reason: o.advisory.reason } : {}),
            ...(o.advisory.severity ? { severity: o.advisory.severity } : {}),
            atlas: o.advisory.atlas,
            status: o.advisory.status,
            ...(o.advisory.since ? { since: o.advisory.since } : {}),
            verified: o.advisory.verified,
            signers: o.advisory.signers,
          },
        }
      : {}),
    ...(since ? { since } : {}),
    affected: [],
    signed: [],
    deployments: [],
    workspace: [],
    notes,
  };

  const nodes = new Map<string, ImpactNode>();
  /** Deployment record ids per affected digest, when the walk collected them. */
  const deploymentIds = new Map<string, string[]>();
  const queue: { digest: string; depth: number }[] = [];
  const seen = new Set<string>();
  if (t.kind === 'artifact') {
    seen.add(t.digest);
    queue.push({ digest: t.digest, depth: 0 });
    if (t.name === undefined) {
      // Its name as its producer or its consumers recorded it (never an advisory's placeholder).
      const produced = (await graph.bySubject(t.digest)).filter((f) => f.predicateType === SLSA_PROVENANCE_V1).flatMap((f) => f.subjects).find((s) => s.digest === t.digest && s.name);
      const consumed = produced ? undefined : (await graph.consumersOf(t.digest)).flatMap((f) => f.inputs).find((i) => i.digest === t.digest && i.name);
      const name = produced?.name ?? consumed?.name;
      if (name) result.root.name = name;
    }
  } else {
    const key = t.kind === 'key' ? `key:${t.keyId}` : `identity:${identityDigest(t.identity, t.issuer).slice(7)}`;
    const signed = (await graph.bySigner(key)).sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '') || a.id.localeCompare(b.id));
    for (const f of signed) {
      const inWindow = windowed(since, f.time);
      result.signed.push({ attestation: f.id, predicateType: f.predicateType, subjects: f.subjects, ...(f.stage ? { stage: f.stage } : {}), ...(f.time ? { time: f.time } : {}), inWindow });
      if (!inWindow || !STARTS.has(f.predicateType)) continue;
      for (const s of f.subjects) {
        let n = nodes.get(s.digest);
        if (!n) {
          n = { digest: s.digest, ...(s.name ? { name: s.name } : {}), depth: 0, via: [], attestations: [], ...factsOf(f) };
          nodes.set(s.digest, n);
        }
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
    for (const [digest, d] of await graph.downstream(starts, SLSA_PROVENANCE_V1, SLSA_VSA_V1)) {
      deploymentIds.set(digest, d.about ?? []);
      const existing = nodes.get(digest);
      if (existing) {
        // Signed in the window and also derived from something signed in the window.
        existing.via.push(...d.via);
        for (const a of d.attestations) if (!existing.attestations.includes(a)) existing.attestations.push(a);
        continue;
      }
      if (depth0.has(digest)) continue;
      nodes.set(digest, { digest, ...(d.name !== undefined ? { name: d.name } : {}), depth: d.depth, via: d.via, attestations: d.attestations, ...d.meta });
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
  result.affected = [...nodes.values()].sort((a, b) => a.depth - b.depth || byDigest(a, b));
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
          for (const name of verifyAttestationText(await o.registry.read(id), id, o.policy).signers) names.add(name);
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
  for (const d of deployed) {
    const known = deploymentIds.get(d);
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
  if (!o.policy) notes.push('no policy: the graph is what the stored statements claim; signatures were not checked (give --policy to verify them)');
  return result;
}

function windowed(since: string | undefined, time: string | undefined): boolean {
  if (!since) return true;
  const ms = time ? Date.parse(time) : Number.NaN;
  return Number.isNaN(ms) || ms >= Date.parse(since);
}

function factsOf(f: EntryFacts): Partial<ImpactNode> {
  const out: Partial<ImpactNode> = {};
  if (f.stage) out.stage = f.stage;
  if (f.signer) out.signer = f.signer;
  if (f.signerLabel) out.signerLabel = f.signerLabel;
  if (f.time) out.time = f.time;
  if (f.runId) out.runId = f.runId;
  if (f.builderId) out.builderId = f.builderId;
  return out;
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
      const hit = scanText(text, hexes);
      if (hit) hits.push({ file: relative(root, p).split(sep).join('/'), kind, ...hit });
    }
  };
  walk(root);
  return hits;
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
