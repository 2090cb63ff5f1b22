import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ResponseError, type Connection } from 'vscode-languageserver';
import { answer } from './answer';
import {
  FRAMEWORK_IDS,
  InputError,
  NO_TRUST,
  buildReport,
  decodeDocument,
  decodePayload,
  decodeSide,
  fileHistory,
  graphFromChain,
  impactView,
  describeStatus,
  isObject,
  isProvenanceError,
  loadPolicy,
  locateRegistry,
  LocalRegistry,
  SLSA_PROVENANCE_V1,
  advisoryEntryIds,
  renderDecodedDocument,
  renderGraphSvg,
  renderReport,
  resolveCommit,
  sideLabel,
  shortDigest,
  verifyChain,
  writeReport,
  UNCHECKED,
  type ComplianceReport,
  type DiffTrust,
  type NamedTrust,
  type TrustSet,
} from '../../core';
import {
  REQUESTS,
  type CompareTargets,
  type DecodedSideRequest,
  type DecodedSideResult,
  type ImpactRequest,
  type LineageNodeAction,
  type LineageGraphRequest,
  type LineageNodeInfo,
  type LineageView,
  type ReportPreview,
} from '../../core/editor/protocol';
import type { ServerContext } from '../context';
import { markAffected } from '../../core/render/lineage-graph';
import type { LineageGraph } from '../../core/render/graph';
import { editorWording, previewInputs, type SkippedInput } from '../services/report-inputs';
import { modelSignatureDetail, noPolicyNotice, type TrustKindsNotice } from '../services/trust-kinds';
import { editorModelScope } from '../services/model-scope';
import { registryLine, type LineageSources } from '../services/lineage-watch';

/**
 * Review surfaces: the lineage as a graph (computed and drawn here with core/chain and
 * core/render, the reports' own code, so the extension only shows it), the decoded payload
 * of a registry entry, and the two sides of Compare Signed Contents (decoded by core/diff,
 * trust decided before any payload fact is read).
 */
export class ReviewHandler {
  constructor(private readonly ctx: ServerContext) {}

  register(connection: Connection): void {
    connection.onRequest(REQUESTS.lineageGraph, (p: LineageGraphRequest) => answer(() => this.lineageGraph(p)));
    connection.onRequest(REQUESTS.lineageUnwatch, (p: { watch: string }) => answer(async () => {
      this.ctx.lineage.unwatch(p.watch);
      return {};
    }));
    connection.onRequest(REQUESTS.registryPayload, (p: { id: string; stored?: boolean }) => answer(() => this.registryPayload(p.id, p.stored === true)));
    connection.onRequest(REQUESTS.compareTargets, (p: { path: string }) => answer(() => this.compareTargets(p.path)));
    connection.onRequest(REQUESTS.decodedSide, (p: DecodedSideRequest) => answer(() => this.decodedSide(p)));
    connection.onRequest(REQUESTS.report, (p: { modelPath: string }) => answer(() => this.report(p.modelPath)));
    connection.onRequest(REQUESTS.impact, (p: ImpactRequest) => answer(() => this.impact(p)));
    connection.onRequest(REQUESTS.saveReport, (p: { modelPath: string; format: 'html' | 'md'; path: string }) => answer(async () => this.saveReport(p)));
  }

  /** The last report built per model, so that Save writes what the person saw. */
  private readonly reports = new Map<string, { report: ComplianceReport; skipped: SkippedInput[] }>();

  /**
   * A regulatory report of a model for every framework, from signed evidence (core/compliance,
   * the CLI's `report`): the policy of the settings, the workspace's report-inputs.json when
   * there is one. Without a policy nothing is verified, and the report says so.
   */
  async report(modelPath: string): Promise<ReportPreview> {
    const registry = this.ctx.registry();
    if (!registry) throw new InputError('REGISTRY_UNAVAILABLE', 'no attestation registry: set modelProvenance.registry, or attest a model first (it creates .provenance/ in the workspace)');
    const root = this.ctx.root();
    const file = root && existsSync(join(root, 'report-inputs.json')) ? join(root, 'report-inputs.json') : undefined;
    const date = new Date();
    // The preview uses every entry that is valid on its own and lists the others (server/services/report-inputs.ts).
    const prepared = file ? previewInputs(file, date) : undefined;
    const skipped: SkippedInput[] = [...(prepared?.skipped ?? [])];
    // The model is hashed (chain lookup, signature, inspection) with modelProvenance.ignorePaths, as its trust state is.
    const base = { registry, policy: this.policy(), modelPath, scope: editorModelScope(this.ctx.settings.ignorePaths, modelPath), frameworks: [...FRAMEWORK_IDS] };
    let r: ComplianceReport;
    let used = !!prepared;
    try {
      r = await buildReport({ ...base, ...(prepared ? { inputs: prepared.inputs } : {}) });
    } catch (err) {
      // Written for another model: the preview goes on without it and says so; the error names the editor's way out.
      if (!(isProvenanceError(err) && err.code === 'REPORT_INPUTS_OTHER_MODEL' && prepared)) throw this.reworded(err);
      skipped.unshift({ where: 'the whole file', reason: editorWording(err.message) });
      used = false;
      r = await buildReport(base);
    }
    this.reports.set(modelPath, { report: r, skipped });
    const notice = this.ctx.settings.policy ? undefined : await this.noPolicy(modelPath, 'report');
    const summary = `${r.frameworks.map((f) => `${f.short} ${f.completeness.score}%`).join(', ')}; chain ${r.verification.chain.verdict === 'unverified' ? 'not checked' : r.verification.chain.verdict}${notice ? ` — no trust policy is set (modelProvenance.policy), so nothing counts; the model's own signature is checked separately (see the top of the report)` : ''}${skipped.length ? `; ${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} of report-inputs.json not used (listed at the top)` : ''}`;
    const html = withNotice(withSkipped(renderReport(r, 'html'), skipped, file), notice);
    return { html, title: `Report: ${basename(modelPath)}`, summary, ...(file && used ? { inputs: file } : {}), ...(skipped.length ? { skipped } : {}) };
  }

  /** A core error in the editor's words (no CLI flags). */
  private reworded(err: unknown): unknown {
    if (!isProvenanceError(err)) return err;
    return new InputError(err.code, editorWording(err.message), { ...(err.file ? { file: err.file } : {}) });
  }

  private saveReport(p: { modelPath: string; format: 'html' | 'md'; path: string }): { path: string } {
    const built = this.reports.get(p.modelPath);
    if (!built) throw new InputError('REPORT_NOT_BUILT', 'generate the report first (Generate Report…)');
    // A report written to disk (and perhaps signed) is strict: it uses every entry of report-inputs.json, or is not written.
    if (built.skipped.length > 0) {
      throw new InputError('REPORT_INPUTS_INVALID', `${built.skipped.length} entr${built.skipped.length === 1 ? 'y' : 'ies'} of report-inputs.json could not be used (${built.skipped.map((x) => x.where).join(', ')}): a saved report uses all of the file or is not written; fix them (Problems lists them), then Generate Report again`);
    }
    try {
      writeReport(p.path, renderReport(built.report, p.format));
    } catch (err) {
      throw this.reworded(err);
    }
    return { path: p.path };
  }


  /**
   * With no policy: the notice that tells the two kinds of trust apart, with the model's own
   * signature as every other surface shows it (the server's one state, waited for briefly when
   * it is still being computed).
   */
  private async noPolicy(modelPath: string | undefined, view: 'lineage' | 'report'): Promise<{ notice: TrustKindsNotice; detail?: string }> {
    const state = modelPath ? await this.settledState(modelPath) : undefined;
    const root = this.ctx.root();
    const policyFile = root && existsSync(join(root, 'provenance-policy.json')) ? 'provenance-policy.json' : undefined;
    const detail = modelSignatureDetail(state);
    return { notice: noPolicyNotice(state, view, policyFile), ...(detail ? { detail } : {}) };
  }

  private async settledState(modelPath: string) {
    let state = this.ctx.models.forPath(modelPath);
    for (let waited = 0; waited < 5_000 && !('unsigned' in state) && state.phase !== 'done'; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
      state = this.ctx.models.forPath(modelPath);
    }
    return state;
  }

  private policy() {
    return this.ctx.settings.policy ? loadPolicy(this.ctx.resolvePath(this.ctx.settings.policy)) : undefined;
  }

  /** The chain of custody as core/render draws it for the reports, with what each node opens. */
  async lineageGraph(p: LineageGraphRequest): Promise<LineageView> {
    const checkedAt = this.ctx.runtime.now();
    // Watched from before it is computed: a change during the computation makes it stale too.
    if (p.watch) this.ctx.lineage.watch(p.watch, this.lineageSources(p.modelPath));
    const registry = this.ctx.registry();
    if (!registry) throw new InputError('REGISTRY_UNAVAILABLE', 'no attestation registry: set modelProvenance.registry, or attest a model first (it creates .provenance/ in the workspace)');
    const registryInfo = this.registryInfo();
    const policy = this.policy();
    // The flags in force as the gate reads them (advisories of the policy's advisorySigners, its flagged list).
    await this.ctx.flags.refresh();
    const index = policy ? this.ctx.flags.current() : undefined;
    // Found by the digest its signature carries: the model hashed with modelProvenance.ignorePaths, as its trust state is.
    const scope = p.modelPath ? { scope: editorModelScope(this.ctx.settings.ignorePaths, p.modelPath) } : {};
    const result = await verifyChain({ registry, policy, modelPath: p.modelPath, digest: p.digest, ...scope, ...(index ? { flags: index.flags } : {}) });
    // Flagged as the reports flag (core/compliance): the policy's flagged digests and denied datasets, and every digest an advisory in force flags.
    const flagged = [...(policy?.flagged.map((f) => f.digest).filter((d): d is string => !!d) ?? []), ...(policy?.datasets.deny ?? []), ...(index ? index.flags.digests.keys() : [])];
    // What is made from a flagged or failed input is drawn `affected`, never green (core/render has the status; the chain graph does not propagate it).
    const head = result.links.find((l) => l.depth === 0);
    const noPolicy = policy ? undefined : await this.noPolicy(p.modelPath, 'lineage');
    const name = head?.name ?? (p.modelPath ? basename(p.modelPath) : 'model');
    const graph = withoutPolicyWords(markAffected(graphFromChain(result, { flagged, modelName: name })), head?.digest, noPolicy?.detail);
    const title = `${name} (${shortDigest(result.model.digest)})`;
    const svg = renderGraphSvg(graph, { idPrefix: 'lineage', title: `Lineage of ${title}` });
    const links = new Map(result.links.map((l) => [l.digest, l]));
    const nodes: LineageNodeInfo[] = graph.nodes.map((n) => {
      const link = links.get(n.id);
      let action: LineageNodeAction | undefined;
      // A node whose attestation did not verify opens that attestation as stored (the altered bytes), not only its folder.
      const failed = link ? undefined : storedFailure(result.ignored, n.id);
      if (link) action = { kind: 'attestation', id: link.attestation, stage: link.stage };
      else if (failed) action = { kind: 'stored', id: failed.id, stage: failed.stage ?? 'attestation', code: failed.code };
      else {
        const path = this.localPath(result.links.flatMap((l) => l.inputs).find((i) => i.digest === n.id)?.uri);
        if (path) action = { kind: 'reveal', path };
      }
      return { id: n.id, kind: n.kind, status: n.status, label: n.label, ...(action ? { action } : {}) };
    });
    return {
      verdict: result.verdict,
      title,
      basis: policy ? `checked against the policy ${relativeTo(this.ctx.root(), policy.source)}` : result.verdict === 'failed' ? `signers not checked: no trust policy is set (modelProvenance.policy); the chain fails even so: ${result.problems[0]?.message ?? 'see the problems'}` : 'chain not checked: no trust policy is set (modelProvenance.policy)',
      ...(noPolicy ? { notice: noPolicy.notice } : {}),
      svg,
      nodes,
      problems: result.problems.map((x) => `${x.code}: ${x.message}`),
      // What the drawing leaves out beyond a link that is not verified, under the graph as the reports say it.
      ...(graph.notes?.length ? { sections: [{ title: 'Not checked', lines: graph.notes }] } : {}),
      ...(head ? { focus: head.digest } : {}),
      // Only a model the chain knows has a folder to reveal (a dataset, or nothing attested, has not).
      canReveal: !!head && !!p.modelPath,
      ...(registryInfo ? { registry: registryInfo } : {}),
      checkedAt,
    };
  }

  /** Which registry the editor reads (the setting, else the workspace's .provenance/), said on the view. */
  private registryInfo(): LineageView['registry'] {
    try {
      const loc = locateRegistry(this.ctx.settings.registry || undefined, this.ctx.root() ?? process.cwd());
      const exists = loc.kind === 'oci' || existsSync(join(loc.path, 'blobs')) || existsSync(join(loc.path, 'index'));
      return registryLine(loc, exists, this.ctx.root());
    } catch {
      return undefined;
    }
  }

  /** What a lineage view is built from: the registry (files, or a poll of a remote one), the model, the policy file. */
  private lineageSources(modelPath: string | undefined): LineageSources {
    let registry: LineageSources['registry'];
    try {
      const loc = locateRegistry(this.ctx.settings.registry || undefined, this.ctx.root() ?? process.cwd());
      if (loc.kind === 'local') registry = { kind: 'local', path: loc.path };
      else
        registry = {
          kind: 'oci',
          // The flags' probe: the ids of the attestations and advisories (a new, removed or replaced entry changes it).
          probe: async () => {
            const r = this.ctx.registry();
            if (!r || r instanceof LocalRegistry) return '';
            return `${(await r.findByPredicateType(SLSA_PROVENANCE_V1)).map((e) => e.id).sort().join(',')}\n${(await advisoryEntryIds(r)).join(',')}`;
          },
        };
    } catch {
      registry = undefined;
    }
    const policy = this.ctx.settings.policy ? this.ctx.resolvePath(this.ctx.settings.policy) : undefined;
    return { ...(registry ? { registry } : {}), ...(modelPath ? { model: modelPath } : {}), ...(policy ? { policy } : {}) };
  }

  /**
   * Show Impact: the blast radius of a flagged artifact or signer (core/incident: the
   * responder's report when an advisory flags it, which computes the radius with `impact` as
   * `incident impact` does; the radius alone for a policy flag), drawn with the incident
   * report's graph; each model opens the attestation that produced it, the flagged root the
   * attestation that consumed it first. Rollback candidates, deployments and workspace files
   * are listed under the graph.
   */
  async impact(p: ImpactRequest): Promise<LineageView> {
    const registry = this.ctx.registry();
    if (!registry) throw new InputError('REGISTRY_UNAVAILABLE', 'no attestation registry: set modelProvenance.registry');
    const policy = this.policy();
    if (!policy) throw new InputError('POLICY_NOT_SET', "no trust policy is set (modelProvenance.policy): the blast radius is read from advisories as the deployment gate reads them, only those signed by the policy's advisorySigners; set modelProvenance.policy to your provenance-policy.json");
    await this.ctx.flags.refresh();
    const kind = p.kind ?? 'artifact';
    const v = await impactView({ registry, policy, index: this.ctx.flags.current(), digest: p.digest, kind, ...(this.ctx.root() ? { workspace: this.ctx.root() } : {}) });
    const r = v.radius;
    const rootName = r.root.name ?? (v.target.kind === 'artifact' ? 'flagged artifact' : v.target.kind === 'key' ? `key ${v.target.keyId.slice(0, 16)}…` : v.target.identity);
    const title = `${rootName} (${shortDigest(r.root.digest)})`;
    const svg = renderGraphSvg(v.graph, { idPrefix: 'impact', title: `Impact of ${title}` });
    // What each node opens: the attestation that produced it (the report's custody), or for the root the first stage that consumed it.
    const producer = new Map<string, { id: string; stage: string }>();
    for (const s of v.report?.timeline ?? []) if (!producer.has(s.subject.digest)) producer.set(s.subject.digest, { id: s.attestation, stage: s.stage ?? 'attestation' });
    for (const n of r.affected) if (!producer.has(n.digest) && n.attestations[0]) producer.set(n.digest, { id: n.attestations[0], stage: n.stage ?? 'attestation' });
    const entry = v.report?.entryPoints[0] ?? (r.affected.find((n) => n.depth === 1)?.via[0] ? { attestation: r.affected.find((n) => n.depth === 1)!.via[0]!.attestation, stage: r.affected.find((n) => n.depth === 1)!.via[0]!.stage } : undefined);
    if (entry && !producer.has(r.root.digest)) producer.set(r.root.digest, { id: entry.attestation, stage: entry.stage ?? 'attestation' });
    const nodes: LineageNodeInfo[] = v.graph.nodes.map((n) => {
      const a = producer.get(n.id);
      return { id: n.id, kind: n.kind, status: n.status, label: n.label, ...(a ? { action: { kind: 'attestation' as const, id: a.id, stage: a.stage } } : {}) };
    });
    const flag = v.flags[0]!;
    const advisory = v.report?.advisory;
    const sections: { title: string; lines: string[] }[] = [];
    sections.push({
      title: advisory ? `Advisory ${advisory.id}` : 'Flagged by the trust policy',
      lines: advisory
        ? [`${describeStatus(advisory)}${advisory.severity ? `, severity ${advisory.severity}` : ''}${advisory.atlas.length ? `, ATLAS ${advisory.atlas.map((a) => a.id).join(', ')}` : ''}`, `statement: ${advisory.reason ?? flag.reason}`, `signed by ${flag.signers.join(', ') || 'an advisory signer'} (the policy's advisorySigners), published ${advisory.published}`]
        : [`${flag.reason}${flag.since ? ` (since ${flag.since})` : ''}`, 'no advisory: the rollback candidates of an incident report need one (model-provenance incident flag)'],
    });
    const withNone = (v.report?.rollback ?? []).filter((rb) => rb.candidates.length === 0);
    const rollback = (v.report?.rollback ?? []).flatMap((rb) => {
      const head = `${rb.model.name ?? 'model'} ${shortDigest(rb.model.digest)}${rb.deployed.length ? ` (deployed: ${rb.deployed.join(', ')})` : ''}`;
      if (rb.candidates.length === 0) return [];
      return rb.candidates.map((c) => `${head}: ${c.action === 'rollback' ? 'roll back to' : 'retrain from'} ${c.name ?? 'model'} ${shortDigest(c.digest)}${c.stage ? ` (${c.stage})` : ''} — ${c.check === 'verified' ? 'verified under the policy with every flag in force' : c.check === 'failed' ? `does not verify: ${c.problems.join('; ')}` : 'not checked'}`);
    });
    // Models with no candidate are said once, together, with what is left to do: retrain from something upstream of the flag.
    if (withNone.length > 0) {
      const names = withNone.map((rb) => `${rb.model.name ?? 'model'} ${shortDigest(rb.model.digest)}${rb.deployed.length ? ` (deployed: ${rb.deployed.join(', ')})` : ''}`).join(', ');
      rollback.push(`no candidate for ${names}: every ancestor and earlier version recorded is affected; retrain from a model or dataset upstream of ${rootName}, without it`);
    }
    if (v.report) sections.push({ title: `Rollback candidates (${rollback.length - (withNone.length > 0 ? 1 : 0)})`, lines: rollback });
    sections.push({ title: `Deployments of affected models (${r.deployments.length})`, lines: r.deployments.map((d) => `${d.environment}: ${d.model.name ?? 'model'} ${shortDigest(d.model.digest)} at ${d.timeVerified}`) });
    const ws = this.ctx.root();
    if (r.workspace.length) sections.push({ title: `Workspace files naming an affected digest (${r.workspace.length})`, lines: r.workspace.map((w) => `${w.file}:${w.line}`), ...(ws ? { files: r.workspace.map((w) => ({ path: join(ws, ...w.file.split('/')), line: w.line, column: w.column })) } : {}) });
    const modelCount = r.affected.length;
    return {
      verdict: 'failed',
      verdictText: `⚑ flagged${advisory ? `: ${advisory.id}` : ' by the policy'} · ${modelCount} affected`,
      heading: `Impact of ${title}`,
      title,
      basis: r.signaturesChecked ? `attestations verified under ${relativeTo(this.ctx.root(), policy.source)}` : 'attestations not verified (claims)',
      svg,
      nodes,
      problems: [...r.notes, ...(v.report?.notes ?? [])],
      focus: r.root.digest,
      hint: 'Click a model to open the attestation that produced it; the flagged artifact opens the stage that consumed it first.',
      canReveal: false,
      sections,
    };
  }

  /** A `file:` URI or a path an attestation names, when it is on this disk. */
  private localPath(uri: string | undefined): string | undefined {
    if (!uri) return undefined;
    let path: string | undefined;
    try {
      path = uri.startsWith('file:') ? fileURLToPath(uri) : isAbsolute(uri) ? uri : undefined;
    } catch {
      path = undefined;
    }
    return path && existsSync(path) ? path : undefined;
  }

  /** The decoded statement of a registry entry (a lineage node), as Open Decoded Payload shows one. */
  async registryPayload(id: string, stored = false): Promise<{ text: string }> {
    const registry = this.ctx.registry();
    if (!registry) throw new InputError('REGISTRY_UNAVAILABLE', 'no attestation registry');
    const text = await registry.read(id);
    // A failed node: the entry as stored, every value as it is (pretty-printed when it parses), so the altered bytes can be looked at.
    if (stored) return { text: storedText(text) };
    let bundle: unknown;
    try {
      bundle = JSON.parse(text);
    } catch {
      throw new InputError('JSON_MALFORMED', 'the registry entry is not JSON', { file: id });
    }
    const st = decodePayload(isObject(bundle) && isObject(bundle.dsseEnvelope) ? bundle.dsseEnvelope : bundle);
    if (st === undefined) throw new InputError('PAYLOAD_UNDECODABLE', 'the registry entry has no decodable DSSE payload', { file: id });
    return { text: `${JSON.stringify(st, null, 2)}\n` };
  }

  /**
   * The revisions a signed document can be compared with: HEAD when the working tree differs
   * from it, then the revision before the newest commit that changed it (the usual question
   * in review: "what did the last change do?").
   */
  async compareTargets(path: string): Promise<CompareTargets> {
    const h = await fileHistory(path, existsSync(path) ? dirname(path) : dirname(dirname(path)));
    if (!h) return { targets: [], reason: `${basename(path)} is not in a git repository` };
    const targets: CompareTargets['targets'] = [];
    if (h.changedSinceHead && h.inHead) targets.push({ rev: 'HEAD', label: 'HEAD', detail: 'the last commit: shows your uncommitted changes' });
    if (h.lastChange?.parent) {
      targets.push({ rev: h.lastChange.parent, label: `${h.lastChange.parent.slice(0, 8)}`, detail: `before ${h.lastChange.commit.slice(0, 8)} "${h.lastChange.subject}", the last commit that changed ${basename(path)}` });
    }
    if (targets.length === 0) return { targets, reason: h.inHead ? `${basename(path)} has no earlier revision (it was added in the first commit)` : `${basename(path)} has not been committed yet` };
    return { targets };
  }

  /** One side of Compare Signed Contents, decoded by core/diff under the editor's trust. */
  async decodedSide(p: DecodedSideRequest): Promise<DecodedSideResult> {
    const trust = this.diffTrust();
    const h = await fileHistory(p.path, existsSync(p.path) ? dirname(p.path) : dirname(dirname(p.path)));
    if ('text' in p) {
      const commit = h && p.rev ? await resolveCommit(p.rev, h.root).catch(() => undefined) : undefined;
      const origin = { spec: `${p.rev ?? 'editor'}:${h?.path ?? basename(p.path)}`, source: 'git' as const, path: h?.path ?? basename(p.path), ...(p.rev ? { rev: p.rev } : {}), ...(commit ? { commit } : {}), object: 'file' as const };
      const label = commit ? sideLabel(origin) : `${origin.path} @ ${p.rev ?? 'editor'}`;
      const side = decodeDocument(Buffer.from(p.text, 'utf8'), { ...origin, spec: label }, trust);
      if (!side) throw new InputError('DIFF_KIND_UNKNOWN', 'is not a model signature, an attestation or an ML-BOM', { file: label });
      return { text: renderDecodedDocument(side), label, trust: side.trust.state };
    }
    let spec: string;
    let cwd: string;
    if (p.rev) {
      if (!h) throw new InputError('GIT_NOT_A_REPOSITORY', 'is not in a git repository', { file: p.path });
      spec = `${p.rev}:${h.path}`;
      cwd = h.root;
    } else {
      cwd = h?.root ?? dirname(p.path);
      spec = h?.path ?? basename(p.path);
    }
    const side = await decodeSide(spec, { cwd, trust });
    const label = p.rev ? side.label : `${side.label} (working tree)`;
    return { text: renderDecodedDocument(side), label, trust: side.trust.state };
  }

  /** The editor's trust (user or workspace settings) as core/diff takes it. */
  private diffTrust(): DiffTrust {
    const set: TrustSet = this.ctx.trust.set;
    const flags: NamedTrust[] = [];
    if (set.keys.length > 0) flags.push({ name: 'modelProvenance.trustedKeys', trust: { kind: 'key', keys: set.keys } });
    if (set.anchors.length > 0) flags.push({ name: 'modelProvenance.certificateAnchors', trust: { kind: 'certificate', anchors: set.anchors.map((a) => a.certificate) } });
    for (const i of set.identities) flags.push({ name: `modelProvenance.trustedIdentities ${i.identity}`, trust: { kind: 'sigstore', identity: i.identity, issuer: i.issuer, ...(i.trustedRoot ? { trustedRootPath: i.trustedRoot } : {}) } });
    let policy;
    try {
      policy = this.policy();
    } catch {
      policy = undefined;
    }
    if (flags.length === 0 && !policy) return NO_TRUST;
    return { flags, ...(policy ? { policy } : {}) };
  }
}

/** The stored entry's text: indented when it is JSON (values unchanged), else as it is. */
export function storedText(text: string): string {
  try {
    return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch {
    return text;
  }
}

/** The codes by which a node's attestation failed (altered, signer not allowed) before those where it was merely not usable. */
const FAILED_FIRST = ['ATTESTATION_SIGNATURE_INVALID', 'UNTRUSTED_SIGNER', 'CERT_SUBJECT_MISMATCH', 'IDENTITY_MISMATCH', 'ATTESTATION_INVALID', 'ATTESTATION_MALFORMED', 'REGISTRY_INDEX_MISMATCH'];

/** The stored attestation a failed node opens: the one ignored about its digest, worst first; none for an entry gone from the registry. */
export function storedFailure(ignored: readonly { id: string; digest: string; code: string; stage?: string }[], digest: string): { id: string; code: string; stage?: string } | undefined {
  const here = ignored.filter((x) => x.digest === digest && x.code !== 'REGISTRY_DANGLING_INDEX');
  const rank = (c: string): number => (FAILED_FIRST.includes(c) ? FAILED_FIRST.indexOf(c) : FAILED_FIRST.length);
  return [...here].sort((a, b) => rank(a.code) - rank(b.code))[0];
}

/**
 * Without a policy the chain walker reports each stage's signer as "(signature not checked)";
 * on a node that reads as if the model's signature were unchecked. Say what is unchecked (the
 * attestation's signer, for want of a policy), and on the model's own node what its own
 * signature is (as the lens says).
 */
function withoutPolicyWords(graph: LineageGraph, head: string | undefined, modelSig: string | undefined): LineageGraph {
  return {
    ...graph,
    nodes: graph.nodes.map((n) => {
      const details = (n.details ?? []).map((d) => (d === `signed by ${UNCHECKED}` ? 'attestation signer not checked (no policy)' : d));
      if (n.id === head && modelSig) details.splice(1, 0, modelSig);
      return { ...n, details };
    }),
  };
}

/** The report with the two kinds of trust explained first, as plain elements (the report's CSP allows no inline style or script). */
function withNotice(html: string, notice: { notice: TrustKindsNotice } | undefined): string {
  if (!notice) return html;
  const esc = (x: string): string => x.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const n = notice.notice;
  const aside = `<aside role="note" id="mp-no-policy"><p><strong>${esc(n.title)}</strong></p><ul>${n.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></aside>`;
  return html.replace(/<body([^>]*)>/, (m) => `${m}${aside}`);
}

/** The preview with the entries it left out listed first, as plain elements (the report's CSP allows no inline style or script). */
function withSkipped(html: string, skipped: SkippedInput[], file: string | undefined): string {
  if (skipped.length === 0) return html;
  const esc = (x: string): string => x.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const banner = `<aside role="alert" id="mp-preview-skipped"><p><strong>Preview: ${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} of ${esc(file ? basename(file) : 'report-inputs.json')} not used.</strong> Save refuses until they are fixed.</p><ul>${skipped.map((x) => `<li><code>${esc(x.where)}</code>: ${esc(x.reason)}</li>`).join('')}</ul></aside>`;
  return html.replace(/<body([^>]*)>/, (m) => `${m}${banner}`);
}

function relativeTo(root: string | undefined, file: string): string {
  if (!root) return file;
  const r = relative(realpathSafe(root), realpathSafe(file));
  return r.startsWith('..') || isAbsolute(r) ? file : r.split(sep).join('/');
}

function realpathSafe(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
