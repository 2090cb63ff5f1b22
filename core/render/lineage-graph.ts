import type { ChainLink, ChainProblem, ChainResult } from '../chain/verify-chain';
import type { Dependency } from '../attest/types';
import { describeClaim, describeInput } from '../chain/producer';
import type { GraphEdge, GraphNode, GraphNodeKind, GraphNodeStatus, LineageGraph } from './graph';

/**
 * Codes of ignored attestations that make the artifact's node `failed`: the attestation is
 * there and names what the policy trusts or rules on, and a check on it failed (altered
 * bytes, a signer the policy does not accept). The others (a blob gone, unreadable, filed
 * under another subject) leave it `not verified`.
 */
const FAILED_IGNORED = new Set(['ATTESTATION_SIGNATURE_INVALID', 'UNTRUSTED_SIGNER', 'CERT_SUBJECT_MISMATCH', 'IDENTITY_MISMATCH', 'ATTESTATION_INVALID']);
/** What each ignored attestation's code says, on the node. */
const IGNORED_WORDS: Record<string, string> = {
  ATTESTATION_SIGNATURE_INVALID: 'attestation altered after signing',
  UNTRUSTED_SIGNER: 'attestation by an untrusted signer',
  CERT_SUBJECT_MISMATCH: 'signer certificate not allowed',
  IDENTITY_MISMATCH: 'signer identity not allowed',
  ATTESTATION_INVALID: 'attestation not a valid statement',
  ATTESTATION_MALFORMED: 'attestation unreadable',
  REGISTRY_INDEX_MISMATCH: 'attestation about another artifact',
  REGISTRY_DANGLING_INDEX: 'attestation missing from the registry',
};
/** An input whose bytes on disk are no longer the ones attested. */
const CHANGED_CODES = new Set(['DIGEST_MISMATCH']);

/** Datasets of one stage beyond this many are drawn as one node listing them, so that a wide stage stays legible. */
export const DATASET_GROUP_THRESHOLD = 3;

export interface ChainGraphOptions {
  /** Digests an advisory or the policy flags (datasets included), drawn as flagged. */
  flagged?: Iterable<string>;
  /** Nodes and edges another view adds: deployments, advisories, evaluations. */
  extraNodes?: GraphNode[];
  extraEdges?: GraphEdge[];
  /** The model's name (its folder or file name), for its node when no verified attestation names it (default "the model"). */
  modelName?: string;
  /** Draw a stage's datasets as one node when it has more than this many (default {@link DATASET_GROUP_THRESHOLD}; Infinity: never). */
  groupDatasetsOver?: number;
}

/** `sha256:abcdef0123…` for node text. */
export function shortDigest(d: string): string {
  return `${d.slice(0, 19)}…`;
}

/**
 * For a link whose producing attestations disagree on its inputs (ATTESTATION_CONFLICT): each
 * claim and the base models, adapters and datasets it records, for a note. Undefined otherwise.
 */
export function disputedInputs(result: ChainResult, l: ChainLink): string | undefined {
  if (!result.problems.some((p) => p.code === 'ATTESTATION_CONFLICT' && p.attestation === l.attestation)) return undefined;
  const records = (inputs: readonly Dependency[]): string => inputs.map((d) => describeInput(d)).join(', ') || 'no inputs';
  const claims = [
    `${describeClaim(l.attestation, l)} records ${records(l.inputs)}`,
    ...(l.superseded ?? []).filter((o) => !o.sameInputs).map((o) => `${describeClaim(o.attestation, o)} records ${records(o.inputs)}`),
  ];
  return `${claims.join('; ')}.`;
}

/**
 * A link attested again with the same inputs: which attestation the chain used, and the
 * older ones it left aside (those with other inputs are ATTESTATION_CONFLICT, a problem).
 */
function supersededNote(l: ChainLink): string {
  const same = (l.superseded ?? []).filter((o) => o.sameInputs);
  const list = same.map((o) => `${o.attestation} (${o.stage}, signed by ${o.signer}${o.time ? ` at ${o.time}` : ''})`);
  const used = `${l.attestation} (${l.stage}, signed by ${l.signer}${l.time ? ` at ${l.time}` : ''})`;
  return `"${l.name}" (${shortDigest(l.digest)}) was attested ${same.length + 1} times with the same inputs; the newest, ${used}, is used, and ${same.length === 1 ? 'this one is' : 'these are'} not: ${list.join('; ')}.`;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The worst of several statuses, for a node that stands for several things. */
const RANK: Record<GraphNodeStatus, number> = { verified: 0, unverified: 1, missing: 2, failed: 3, changed: 4, affected: 5, flagged: 6 };
const worst = (a: GraphNodeStatus, b: GraphNodeStatus): GraphNodeStatus => (RANK[b] > RANK[a] ? b : a);

/**
 * The chain of custody as a lineage graph: every attested link, every input it names
 * (base models, adapters, datasets), the policy-allowed external roots. Each node is
 * marked by what happened to *it*:
 * - `flagged`: the policy's `flagged` list or an advisory names it (the `flagged` option,
 *   or a FLAGGED_ARTIFACT problem about it);
 * - `changed`: the input on disk no longer has the digest the stage attested (DIGEST_MISMATCH);
 * - `failed`: a chain check about it, or about the attestation that produced it, failed
 *   (expired, dated in the future, signer not allowed for the stage, denied by the policy…);
 * - `missing`: referenced, but no trusted attestation produced it; `unverified`: one exists but
 *   does not verify, or the chain was drawn without a policy, or only an unverified
 *   attestation vouches for it;
 * - `verified`: otherwise.
 * A node that is not verified names its reason codes on its last detail line. Inputs the
 * problem does not concern keep their own status.
 */
export function graphFromChain(result: ChainResult, options: ChainGraphOptions = {}): LineageGraph {
  const { graph, gaps } = chainGraph(result, options);
  return { ...graph, ...(gaps.length ? { notes: gaps.map((g) => g.text) } : {}) };
}

/** A node of the chain beyond which nothing was checked, and the note that says so (the graph's `notes`, in order). */
export interface LineageNote {
  /** The digest of the node the note is about (the node's id in graphFromChain's graph). */
  digest: string;
  text: string;
}

/**
 * The notes graphFromChain puts on the graph, with the node each is about: for each base
 * model, adapter or the model itself that no trusted attestation produced, that nothing beyond
 * it was checked. For the outputs that draw the chain without that graph (`lineage`, the
 * gate), so that every format says what the drawing leaves out.
 */
export function lineageNotes(result: ChainResult): LineageNote[] {
  return chainGraph(result, {}).gaps;
}

function chainGraph(result: ChainResult, options: ChainGraphOptions): { graph: LineageGraph; gaps: LineageNote[] } {
  const flagged = new Set(options.flagged ?? []);
  const groupOver = options.groupDatasetsOver ?? DATASET_GROUP_THRESHOLD;
  const checked = result.verdict !== 'unverified';
  // Problems by what they are about: an attestation, an input digest, or an artifact.
  const byAttestation = new Map<string, ChainProblem[]>();
  const byInput = new Map<string, ChainProblem[]>();
  const byArtifact = new Map<string, ChainProblem[]>();
  const push = (m: Map<string, ChainProblem[]>, k: string, p: ChainProblem): void => void m.set(k, [...(m.get(k) ?? []), p]);
  for (const p of result.problems) {
    if (p.input) push(byInput, p.input, p);
    else if (p.attestation) push(byAttestation, p.attestation, p);
    else if (p.digest) push(byArtifact, p.digest, p);
  }
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];

  /** The status an input problem gives the input itself. */
  const inputStatus = (digest: string): { status: GraphNodeStatus; codes: string[] } | undefined => {
    const ps = byInput.get(digest) ?? [];
    if (flagged.has(digest) || ps.some((p) => p.code === 'FLAGGED_ARTIFACT')) return { status: 'flagged', codes: [...new Set(ps.map((p) => p.code))] };
    if (ps.length === 0) return undefined;
    return { status: ps.some((p) => CHANGED_CODES.has(p.code)) ? 'changed' : 'failed', codes: [...new Set(ps.map((p) => p.code))] };
  };
  const withCodes = (details: string[], codes: string[]): string[] => (codes.length ? [...details, codes.join(', ')] : details);
  /**
   * Whether an input's bytes were re-hashed here: a verified attestation says which bytes
   * were used; only a re-hash says these are they. An input recorded with a local path that
   * is not on this machine says so, so that it is never read as checked on disk.
   */
  const disk = (digest: string): string[] => {
    const st = new Set((result.artifactChecks ?? []).filter((c) => c.digest === digest).map((c) => c.status));
    return st.has('match') ? ['bytes re-hashed here: match'] : st.has('absent') && st.size === 1 ? ['not on this machine: not re-hashed'] : [];
  };

  /**
   * A base model, adapter or the model itself that no trusted attestation produced: why,
   * by the codes of the attestations the walk ignored for it. One whose attestation names a
   * signer the policy trusts but does not verify (altered after signing), or that the policy
   * does not accept, is `failed` with that code: it is the cause of the gap, not a milder
   * "not verified". Beyond it nothing was checked: a note says so (never a silent drop).
   */
  const unlinked = (digest: string, kind: GraphNodeKind, label: string): GraphNode => {
    const asInput = inputStatus(digest);
    const ignoredHere = result.ignored.filter((x) => x.digest === digest);
    const ignoredCodes = [...new Set(ignoredHere.map((x) => x.code))].sort();
    // The cause first (the ignored attestation's code), then what the walk concluded (MISSING_LINK).
    const codes = [...new Set([...ignoredCodes, ...(byArtifact.get(digest) ?? []).map((p) => p.code)])];
    let status: GraphNodeStatus = asInput?.status ?? (flagged.has(digest) ? 'flagged' : !checked ? 'unverified' : ignoredCodes.some((c) => FAILED_IGNORED.has(c)) ? 'failed' : ignoredCodes.length ? 'unverified' : 'missing');
    if (flagged.has(digest)) status = worst(status, 'flagged');
    const why = ignoredHere.length ? [...new Set(ignoredHere.map((x) => IGNORED_WORDS[x.code] ?? 'attestation not verified'))] : [checked ? 'no trusted attestation' : 'attestation not checked'];
    if (checked || ignoredHere.length) gaps.push({ digest, text: `Beyond ${kind === 'model' ? (label === 'the model' ? 'the model' : `the model "${label}"`) : `${kind === 'base-model' ? 'base model' : kind} "${label}"`} (${shortDigest(digest)}) nothing was checked: ${ignoredHere.length ? `its attestation did not verify [${[...new Set(ignoredHere.map((x) => x.code))].join(', ')}]` : 'no trusted attestation produced it'}, so what it claims to derive from (base models, adapters, datasets) is not drawn.` });
    return { id: digest, kind, status, label, details: withCodes([shortDigest(digest), ...why], [...new Set([...codes, ...(asInput?.codes ?? [])])]) };
  };
  const gaps: LineageNote[] = [];

  // Whether each link's own attestations passed every check about them.
  const linkOk = new Map<string, boolean>();
  for (const l of result.links) {
    const kind: GraphNodeKind = l.depth === 0 ? 'model' : l.consumer?.role === 'adapter' ? 'adapter' : 'base-model';
    const details = [`${l.stage}  ${shortDigest(l.digest)}`, `signed by ${l.signer}`];
    if (l.time) details.push(l.time);
    for (const a of l.annotations) details.push(`+ ${a.stage} by ${a.signer}`);
    if (l.superseded?.length) {
      const disputing = l.superseded.filter((o) => !o.sameInputs).length;
      const older = l.superseded.length - disputing;
      // A claim with other inputs did not lose to a newer one: it is in dispute with it.
      if (disputing) details.push(`${disputing} conflicting claim(s) about its inputs`);
      if (older) details.push(`${older} older attestation(s) with the same inputs not used`);
      // Those with other inputs are a problem (ATTESTATION_CONFLICT), not a note.
      if (l.superseded.some((o) => o.sameInputs)) gaps.push({ digest: l.digest, text: supersededNote(l) });
    }
    const own = [l.attestation, ...l.annotations.map((a) => a.attestation)].flatMap((id) => byAttestation.get(id) ?? []);
    const onArtifact = (byArtifact.get(l.digest) ?? []).filter((p) => p.code === 'FLAGGED_ARTIFACT');
    let status: GraphNodeStatus = !checked ? 'unverified' : own.length ? 'failed' : 'verified';
    if (flagged.has(l.digest) || onArtifact.length) status = 'flagged';
    const asInput = inputStatus(l.digest);
    if (asInput) status = worst(status, asInput.status);
    linkOk.set(l.digest, checked && own.length === 0);
    nodes.set(l.digest, { id: l.digest, kind, status, label: l.name, details: withCodes([...details, ...disk(l.digest)], [...new Set([...own, ...onArtifact].map((p) => p.code)), ...(asInput?.codes ?? [])]) });
  }
  // The model itself, when nothing trusted produced it: drawn with the cause, not left out.
  if (!result.links.some((l) => l.depth === 0)) nodes.set(result.model.digest, unlinked(result.model.digest, 'model', options.modelName ?? 'the model'));
  for (const r of result.externalRoots) {
    if (nodes.has(r.digest)) continue;
    const asInput = inputStatus(r.digest);
    const status: GraphNodeStatus = asInput?.status ?? (flagged.has(r.digest) ? 'flagged' : checked ? 'verified' : 'unverified');
    nodes.set(r.digest, { id: r.digest, kind: 'external', status, label: r.name ?? 'external model', details: withCodes([shortDigest(r.digest), 'allowed by policy (no attestation)'], asInput?.codes ?? []) });
  }
  // Datasets (and other non-model inputs) of each link; many on one stage become one node.
  const dataOf = new Map<string, Dependency[]>();
  for (const l of result.links) {
    const dispute = disputedInputs(result, l);
    if (dispute) {
      // One claim's inputs drawn as edges would read as the chain: the claims are a note instead.
      gaps.push({ digest: l.digest, text: `Beyond "${l.name}" (${shortDigest(l.digest)}) nothing was checked: trusted attestations disagree on what it was made from [ATTESTATION_CONFLICT]. ${dispute}` });
      continue;
    }
    for (const i of l.inputs) {
      if (i.role === 'base-model' && i.digest === l.digest) continue;
      if (i.role === 'base-model' || i.role === 'adapter') {
        if (!nodes.has(i.digest)) nodes.set(i.digest, unlinked(i.digest, i.role, i.name ?? i.role));
        edges.push({ from: i.digest, to: l.digest, role: i.role, dashed: false });
      } else dataOf.set(l.digest, [...(dataOf.get(l.digest) ?? []), i]);
    }
    // What an evaluation (or another annotation) used is drawn too: its data is on the chain, and flags apply to it.
    for (const a of l.annotations) {
      for (const i of a.inputs) {
        if (i.digest === l.digest || i.role === 'base-model' || i.role === 'adapter') continue;
        if (!(dataOf.get(l.digest) ?? []).some((d) => d.digest === i.digest)) dataOf.set(l.digest, [...(dataOf.get(l.digest) ?? []), i]);
      }
    }
  }
  // A dataset is as trustworthy as the attestations that name it, unless a problem concerns it.
  const vouched = new Map<string, boolean>();
  for (const l of result.links) for (const i of dataOf.get(l.digest) ?? []) vouched.set(i.digest, (vouched.get(i.digest) ?? false) || linkOk.get(l.digest) === true);
  const dataStatus = (d: Dependency): { status: GraphNodeStatus; codes: string[] } => inputStatus(d.digest) ?? { status: flagged.has(d.digest) ? 'flagged' : vouched.get(d.digest) ? 'verified' : 'unverified', codes: [] };
  const MARK: Record<GraphNodeStatus, string> = { verified: '✔', unverified: '?', flagged: '⚑', affected: '⚠', missing: '∅', changed: '≠', failed: '✘' };
  for (const l of result.links) {
    const data = dataOf.get(l.digest) ?? [];
    if (data.length > groupOver) {
      // One node per stage listing its datasets: a row of twelve boxes would shrink every label to nothing.
      const id = `${l.digest}#inputs`;
      let status: GraphNodeStatus = 'verified';
      const lines = [...data]
        .sort((a, b) => (a.name ?? a.digest).localeCompare(b.name ?? b.digest, 'en', { numeric: true }) || cmp(a.digest, b.digest))
        .map((d) => {
          const s = dataStatus(d);
          status = worst(status, s.status);
          // A short digest here, so that the name still fits the node's line; the table lists the full one.
          return `${MARK[s.status]} ${d.name ?? d.role} ${d.digest.slice(0, 15)}…${s.codes.length ? ` ${s.codes.join(',')}` : ''}`;
        });
      const usages = [...new Set(data.map((d) => (d.role === 'dataset' ? d.usage ?? 'data' : d.role)))].sort();
      nodes.set(id, { id, kind: 'dataset', status, label: `${data.length} inputs of ${l.name}`, details: [usages.join(', '), ...lines] });
      edges.push({ from: id, to: l.digest, role: `${data.length} inputs`, dashed: true });
      continue;
    }
    for (const i of data) {
      if (!nodes.has(i.digest)) {
        const s = dataStatus(i);
        nodes.set(i.digest, { id: i.digest, kind: i.role === 'dataset' ? 'dataset' : 'other', status: s.status, label: i.name ?? i.role, details: withCodes([`${i.role}${i.usage ? ` (${i.usage})` : ''}`, shortDigest(i.digest), ...disk(i.digest)], s.codes) });
      }
      edges.push({ from: i.digest, to: l.digest, role: i.role === 'dataset' && i.usage ? `${i.usage} data` : i.role, dashed: true });
    }
  }
  for (const n of options.extraNodes ?? []) nodes.set(n.id, n);
  return { graph: { nodes: [...nodes.values()], edges: [...edges, ...(options.extraEdges ?? [])] }, gaps };
}

/**
 * Statuses that taint what is made from them: a flagged input (an advisory or the policy says it
 * is bad). A `changed` input (its bytes on disk differ from what was attested) or a `failed` one
 * (its own attestation did not verify) is a gap in the evidence, not a known-bad input: what was
 * made from it was made from the attested bytes, so it keeps its own status and the chain verdict
 * and the failed node say what is wrong.
 */
const TAINTING = new Set<GraphNodeStatus>(['flagged', 'affected']);

/**
 * The lineage as the reports and the editor draw it: a node that would be drawn `verified` but is made
 * (directly or through other stages) from a flagged input is `affected`
 * (core/render's status for "not flagged itself, but derived from something flagged"), with a
 * detail line naming the nearest such input. Nothing downstream of a bad input is ever green:
 * Show Impact and the chain verdict already say so, and every picture must agree.
 * Edges run from input to consumer (core/render `graphFromChain`). Pure; returns a new graph.
 */
export function markAffected(graph: LineageGraph): LineageGraph {
  const byId = new Map(graph.nodes.map((n) => [n.id, { ...n, details: [...(n.details ?? [])] } as GraphNode]));
  const out = new Map<string, string[]>();
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const queue: { id: string; cause: GraphNode }[] = graph.nodes.filter((n) => TAINTING.has(n.status)).map((n) => ({ id: n.id, cause: byId.get(n.id)! }));
  const seen = new Set(queue.map((q) => q.id));
  while (queue.length > 0) {
    const { id, cause } = queue.shift()!;
    for (const to of out.get(id) ?? []) {
      const n = byId.get(to);
      if (!n || seen.has(to)) continue;
      seen.add(to);
      if (n.status === 'verified') {
        n.status = 'affected';
        n.details = [...(n.details ?? []), `derives from ${cause.label} (${cause.status})`];
      }
      queue.push({ id: to, cause });
    }
  }
  return { ...graph, nodes: graph.nodes.map((n) => byId.get(n.id)!) };
}
