import { atlasTechnique } from '../data/atlas';
import type { ImpactNode, ImpactResult } from './impact';
import { describeStatus } from './advisories';
import { OPENVEX_CONTEXT, ADVISORY_IRI, targetLabel, targetProduct, validateOpenVex } from './openvex';
import { sarifLog } from '../report/sarif-log';
import { optionName, type OptionNames } from '../option-names';

export type ImpactFormat = 'text' | 'json' | 'mermaid' | 'sarif' | 'openvex' | 'osv';
export const IMPACT_FORMATS: readonly ImpactFormat[] = ['text', 'json', 'mermaid', 'sarif', 'openvex', 'osv'];

export interface RenderImpactOptions {
  /** OpenVEX status of every affected product (default under_investigation). */
  status?: 'under_investigation' | 'affected';
  /** Time written into OpenVEX/OSV/SARIF outputs (default now; SOURCE_DATE_EPOCH for builds). */
  now?: Date;
  /** Tool version for SARIF and OpenVEX `tooling`. */
  version?: string;
  /** How the text names options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

const short = (d: string): string => `${d.slice(0, 19)}…`;

/** Renders an impact result; every format is deterministic for the same result and `now`. */
export function renderImpact(r: ImpactResult, format: ImpactFormat, o: RenderImpactOptions = {}): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(r, null, 2)}\n`;
    case 'mermaid':
      return renderMermaid(r);
    case 'sarif':
      return `${JSON.stringify(impactSarif(r, o), null, 2)}\n`;
    case 'openvex':
      return `${JSON.stringify(impactOpenVex(r, o), null, 2)}\n`;
    case 'osv':
      return `${JSON.stringify(impactOsv(r, o), null, 2)}\n`;
    default:
      return renderText(r, o.optionNames);
  }
}

/** The advisory id, or a stable name for an impact query that has no advisory yet. */
function vulnName(r: ImpactResult): string {
  return r.advisory?.id ?? `MP-UNFILED-${r.root.digest.slice(7, 19)}`;
}

function describeNode(n: ImpactNode): string {
  const parts = [`${n.stage ?? 'stage?'}`, n.name ? `"${n.name}"` : '', short(n.digest)];
  if (n.verifiedBy) parts.push(`signed by ${n.verifiedBy.join(', ')}`);
  else if (n.signerLabel ?? n.signer) parts.push(`signed by ${n.signerLabel ?? shortSigner(n.signer!)}`);
  if (n.time) parts.push(n.time);
  if (n.runId) parts.push(`run ${n.runId}`);
  if (n.verification) parts.push(n.verification === 'verified' ? '(verified)' : '(NOT verified under the policy)');
  return parts.filter(Boolean).join('  ');
}

function shortSigner(s: string): string {
  return s.startsWith('key:') ? `key ${s.slice(4, 20)}…` : `identity ${s.slice(9, 25)}…`;
}

/**
 * The warning a reader must see first when nothing was verified: without a policy every fact
 * is what the stored statements claim (an attacker who can write to the registry can write
 * them), and an advisory read without advisorySigners may be anyone's. Undefined when both
 * were checked.
 */
export function uncheckedWarning(r: Pick<ImpactResult, 'signaturesChecked' | 'advisory'>, optionNames?: OptionNames): string | undefined {
  if (!r.signaturesChecked) return `SIGNATURES NOT CHECKED: no policy was given, so the advisory, the graph and the deployment records are what the stored statements claim, and anyone who can write to the registry can write them. Give ${optionName(optionNames, 'policy')} to verify.`;
  if (r.advisory && !r.advisory.verified) return "ADVISORY NOT VERIFIED: the policy names no advisorySigners, so this advisory's signer was not checked and anyone who can write to the registry could have written it.";
  return undefined;
}

function renderText(r: ImpactResult, optionNames: OptionNames | undefined): string {
  const out: string[] = [];
  const warning = uncheckedWarning(r, optionNames);
  if (warning) out.push(`!! ${warning}`, '');
  const adv = r.advisory ? ` (advisory ${r.advisory.id}${r.advisory.severity ? `, ${r.advisory.severity}` : ''}${r.advisory.reason ? `: ${r.advisory.reason}` : ''})` : '';
  out.push(`IMPACT of ${targetLabel(r.target)}${adv}`);
  if (r.advisory) out.push(`  status: ${describeStatus(r.advisory)}; published ${r.advisory.published}`);
  if (r.since) out.push(`  window: signed at or after ${r.since}`);
  const envs = new Set(r.deployments.map((d) => d.environment));
  out.push(`  ${r.affected.length} affected artifact(s), ${r.deployments.length} deployment record(s) in ${envs.size} environment(s), ${r.workspace.length} workspace file(s)`);
  const deployedAt = new Map<string, string[]>();
  for (const d of r.deployments) deployedAt.set(d.model.digest, [...(deployedAt.get(d.model.digest) ?? []), d.environment]);
  const tag = (digest: string): string => (deployedAt.has(digest) ? `  [deployed: ${[...new Set(deployedAt.get(digest))].sort().join(', ')}]` : '');
  if (r.signed.length > 0) {
    out.push('');
    out.push(`Signed by the flagged ${r.target.kind}:`);
    for (const s of r.signed) {
      const when = s.time ?? (s.predicateType.startsWith('https://model_signing/') ? '(no time: a model signature made with a key states none, so a window cannot exclude it)' : '(undated)');
      out.push(`  ${s.inWindow ? 'REVOKED ' : 'before  '} ${s.stage ?? kindOf(s.predicateType)}  ${s.subjects.map((x) => `${x.name ? `"${x.name}" ` : ''}${short(x.digest)}`).join(', ')}  ${when}  ${s.file ? `${s.file} (workspace)` : short(s.attestation)}`);
    }
  }
  out.push('');
  // Every derivation edge (`via`) is drawn: a node reached along several paths (a model
  // evaluated on the flagged dataset and also derived from a model trained on it) appears under
  // each parent; its subtree is drawn once, at its first appearance, and later ones say so.
  const children = new Map<string, ImpactNode[]>();
  const affected = new Set(r.affected.map((n) => n.digest));
  const addChild = (key: string, n: ImpactNode): void => {
    const list = children.get(key) ?? [];
    if (!list.includes(n)) children.set(key, [...list, n]);
  };
  for (const n of r.affected) {
    if (n.depth === 0) addChild('', n);
    const parents = n.via.filter((v) => affected.has(v.from) || v.from === r.root.digest).map((v) => v.from);
    if (parents.length === 0 && n.depth !== 0) addChild('', n);
    for (const p of parents) addChild(p, n);
  }
  const shown = new Set<string>();
  const walk = (digest: string, prefix: string): void => {
    const kids = children.get(digest) ?? [];
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      const roles = [...new Set(k.via.filter((v) => v.from === digest).map((v) => v.role))];
      const again = shown.has(k.digest) && (children.get(k.digest)?.length ?? 0) > 0;
      out.push(`${prefix}${last ? '└─ ' : '├─ '}${roles.length ? `${roles.join(', ')} → ` : ''}${describeNode(k)}${tag(k.digest)}${again ? '  (its derivations are shown above)' : ''}`);
      if (shown.has(k.digest)) return;
      shown.add(k.digest);
      walk(k.digest, prefix + (last ? '   ' : '│  '));
    });
  };
  if (r.target.kind === 'artifact') {
    out.push(`${r.root.name ? `"${r.root.name}" ` : ''}${r.root.digest}  FLAGGED${tag(r.root.digest)}`);
    walk(r.root.digest, '');
  } else {
    for (const n of children.get('') ?? []) {
      out.push(`${describeNode(n)}  ${n.stage === 'model signature' ? 'SIGNATURE REVOKED' : 'SIGNED IN WINDOW'}${tag(n.digest)}`);
      walk(n.digest, '');
    }
  }
  if (r.affected.length === 0) out.push('  (nothing derived from it is recorded in the registry)');
  if (r.deployments.length > 0) {
    out.push('');
    out.push('Deployments:');
    for (const d of r.deployments) out.push(`  ${d.environment.padEnd(14)} "${d.model.name}" ${short(d.model.digest)}  verified ${d.timeVerified}  record ${short(d.entryId)}${d.verified ? '' : ' (claim)'}`);
  }
  if (r.workspace.length > 0) {
    out.push('');
    out.push('Workspace files naming an affected digest:');
    for (const w of r.workspace) out.push(`  ${w.file}:${w.line}:${w.column}  ${w.kind}  ${w.digests.map(short).join(', ')}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  if (warning) out.push('', `!! ${warning}`);
  return `${out.join('\n')}\n`;
}

function kindOf(predicateType: string): string {
  if (predicateType.startsWith('https://model_signing/')) return 'model-signature';
  if (predicateType === 'https://slsa.dev/verification_summary/v1') return 'deployment';
  if (predicateType.startsWith('https://openvex.dev/')) return 'advisory';
  return predicateType;
}

function renderMermaid(r: ImpactResult): string {
  const ids = new Map<string, string>();
  const id = (d: string): string => {
    let v = ids.get(d);
    if (!v) ids.set(d, (v = `n${ids.size}`));
    return v;
  };
  const esc = (s: string): string => s.replace(/"/g, '#quot;');
  const out = ['graph TD'];
  out.push(`  ${id(r.root.digest)}["${esc(r.target.kind === 'artifact' ? (r.root.name ?? 'flagged artifact') : targetLabel(r.target))}<br/>${short(r.root.digest)}<br/>FLAGGED${r.advisory ? ` ${esc(r.advisory.id)}` : ''}"]`);
  for (const n of r.affected) out.push(`  ${id(n.digest)}["${esc(n.name ?? 'model')}<br/>${n.stage ?? ''}<br/>${short(n.digest)}"]`);
  for (const n of r.affected) {
    if (n.depth === 0) out.push(`  ${id(r.root.digest)} -.->|signed| ${id(n.digest)}`);
    for (const v of n.via) out.push(`  ${id(v.from)} -->|${v.role}| ${id(n.digest)}`);
  }
  r.deployments.forEach((d, i) => {
    out.push(`  dep${i}{{"${esc(d.environment)}<br/>${d.timeVerified}"}}`);
    out.push(`  ${id(d.model.digest)} -->|deployed| dep${i}`);
  });
  out.push(`  style ${id(r.root.digest)} stroke:#d00,stroke-width:3px`);
  for (const n of r.affected) out.push(`  style ${id(n.digest)} stroke:#e80,stroke-width:2px`);
  return `${out.join('\n')}\n`;
}

/** SARIF 2.1.0: one result per workspace file that names an affected digest; `now` is the invocation's `endTimeUtc`. */
export function impactSarif(r: ImpactResult, o: RenderImpactOptions = {}): Record<string, unknown> {
  const why = r.advisory ? `advisory ${r.advisory.id}${r.advisory.reason ? `: ${r.advisory.reason}` : ''}` : `flagged ${targetLabel(r.target)}`;
  return sarifLog({
    version: o.version,
    informationUri: 'https://model-provenance.dev/docs/incidents',
    rules: [
      {
        id: 'AFFECTED_DIGEST',
        name: 'AffectedDigest',
        shortDescription: { text: 'The file names an artifact affected by an incident' },
        fullDescription: { text: 'A manifest, signature or attestation names the digest of a flagged artifact or of something derived from it; the model it describes must not be deployed until the incident is resolved.' },
        helpUri: 'https://model-provenance.dev/docs/incidents#impact',
        defaultConfiguration: { level: 'error' },
      },
    ],
    results: r.workspace.map((w) => ({
      ruleId: 'AFFECTED_DIGEST',
      ruleIndex: 0,
      level: 'error',
      message: { text: `${w.file} names ${w.digests.length === 1 ? 'an affected digest' : `${w.digests.length} affected digests`} (${w.digests.join(', ')}), affected by ${why}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: w.file, uriBaseId: 'WORKSPACE' }, region: { startLine: w.line, startColumn: w.column } } }],
      partialFingerprints: { affectedDigests: w.digests.join(',') },
    })),
    run: {
      originalUriBaseIds: { WORKSPACE: { description: { text: 'the scanned workspace folder' } } },
      // When the run happened (the CLI's --date, SOURCE_DATE_EPOCH or now): SARIF's place for the time.
      invocations: [{ executionSuccessful: true, ...(o.now ? { endTimeUtc: o.now.toISOString() } : {}) }],
    },
  });
}

/**
 * OpenVEX 0.2.0 statements for every affected product: the flagged artifact and everything
 * derived from it, each naming the flagged artifact as the subcomponent the problem comes from.
 */
export function impactOpenVex(r: ImpactResult, o: RenderImpactOptions = {}): Record<string, unknown> {
  const now = (o.now ?? new Date()).toISOString();
  // A lifted advisory keeps its status (fixed, or not_affected when withdrawn); --status only
  // chooses between the blocking ones.
  const lifted = r.advisory && !r.advisory.inForce ? r.advisory : undefined;
  const status = lifted ? lifted.status : (o.status ?? 'under_investigation');
  const name = vulnName(r);
  const origin = r.target.kind === 'artifact' ? targetProduct({ kind: 'artifact', digest: r.root.digest, ...(r.root.name ? { name: r.root.name } : {}) }) : targetProduct(r.target);
  const sub = { '@id': origin['@id'], ...(origin.hashes ? { hashes: origin.hashes } : {}) };
  const products = [
    ...(r.target.kind === 'artifact' ? [origin] : []),
    ...r.affected.map((n) => ({ ...targetProduct({ kind: 'artifact', digest: n.digest, ...(n.name ? { name: n.name } : {}) }), subcomponents: [sub] })),
  ];
  const statement: Record<string, unknown> = {
    vulnerability: { '@id': `${ADVISORY_IRI}${encodeURIComponent(name)}`, name, ...(r.advisory?.reason ? { description: r.advisory.reason } : {}) },
    timestamp: now,
    products,
    status,
    ...(status === 'affected'
      ? { action_statement: 'Do not deploy these models; roll back to a candidate from `model-provenance incident report`.', action_statement_timestamp: now }
      : status === 'fixed'
        ? { status_notes: `Advisory ${name} fixed at ${lifted!.statusTime}${lifted!.statusNote ? `: ${lifted!.statusNote}` : ''}. Derived from ${targetLabel(r.target)}.` }
        : status === 'not_affected'
          ? { impact_statement: `Advisory ${name} withdrawn at ${lifted!.statusTime}${lifted!.statusNote ? `: ${lifted!.statusNote}` : ''}.` }
          : { status_notes: `Derived from ${targetLabel(r.target)}; found by model-provenance incident impact.` }),
  };
  const doc = {
    '@context': OPENVEX_CONTEXT,
    '@id': `${ADVISORY_IRI}${encodeURIComponent(name)}/impact-${now.replace(/[^0-9TZ]/g, '')}`,
    author: 'model-provenance incident impact',
    role: 'incident responder',
    timestamp: now,
    version: 1,
    ...(o.version ? { tooling: `model-provenance ${o.version}` } : {}),
    statements: products.length > 0 ? [statement] : [],
  };
  if (products.length === 0) doc.statements = [{ ...statement, products: [sub] }];
  const errors = validateOpenVex(doc);
  if (errors.length > 0) throw new Error(`internal: impact OpenVEX does not validate: ${errors[0]}`);
  return doc;
}

/**
 * An OSV record (schema 1.7) for vulnerability databases. OSV ids need a registered database
 * prefix, so ours use the private `x_` prefix; OSV's ecosystems have no entry for ML artifacts,
 * so affected artifacts are listed without a package, identified by digest and purl in
 * `database_specific`; our severity and the ATLAS techniques ride there too, as GitHub's
 * advisories carry their severity.
 */
export function impactOsv(r: ImpactResult, o: RenderImpactOptions = {}): Record<string, unknown> {
  const osvTime = (iso: string): string => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const now = osvTime((o.now ?? new Date()).toISOString());
  const name = vulnName(r);
  const a = r.advisory;
  // published: when the advisory was first stated; withdrawn: when the withdrawal was;
  // modified: the export (--date), since the blast radius is recomputed each time.
  const published = a ? osvTime(a.published) : now;
  const modified = now;
  const atlas = (r.advisory?.atlas ?? []).map((id) => ({ id, name: atlasTechnique(id)?.name ?? id }));
  const artifact = (digest: string, n?: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    database_specific: { digest, ...(n ? { name: n } : {}), purl: targetProduct({ kind: 'artifact', digest, ...(n ? { name: n } : {}) })['@id'], ...extra },
  });
  return {
    schema_version: '1.7.5',
    id: `x_${name}`,
    modified,
    published,
    ...(a?.status === 'not_affected' ? { withdrawn: osvTime(a.statusTime) } : {}),
    // OSV: the rationale for a withdrawal goes into the summary.
    summary: `${a?.status === 'not_affected' ? `Withdrawn${a.statusNote ? `: ${a.statusNote}` : ''}. ` : a?.status === 'fixed' ? 'Fixed. ' : ''}${a?.reason ?? `Artifacts derived from ${targetLabel(r.target)}`}`.split('\n')[0]!.slice(0, 120),
    details: [
      `Flagged: ${targetLabel(r.target)}${r.since ? `, signed at or after ${r.since}` : ''}.`,
      a?.reason ? `Reason: ${a.reason}` : '',
      a && !a.inForce ? `${a.status === 'fixed' ? 'Fixed' : 'Withdrawn'} at ${a.statusTime}${a.statusNote ? `: ${a.statusNote}` : ''}.` : '',
      `${r.affected.length} derived artifact(s) and ${r.deployments.length} deployment record(s) were found through signed lifecycle attestations (model-provenance incident impact).`,
    ]
      .filter(Boolean)
      .join('\n\n'),
    affected: [
      ...(r.target.kind === 'artifact' ? [artifact(r.root.digest, r.root.name, { flagged: true })] : []),
      ...r.affected.map((n) => artifact(n.digest, n.name, { ...(n.stage ? { stage: n.stage } : {}), derived_from: n.via.map((v) => v.from) })),
    ],
    database_specific: {
      source: 'model-provenance',
      advisory: name,
      ...(a ? { status: a.status, status_time: osvTime(a.statusTime), ...(a.statusNote ? { status_note: a.statusNote } : {}) } : {}),
      ...(r.advisory?.severity ? { severity: r.advisory.severity.toUpperCase() } : {}),
      ...(atlas.length > 0 ? { atlas } : {}),
      target: r.target,
      deployments: r.deployments.map((d) => ({ environment: d.environment, digest: d.model.digest, time_verified: d.timeVerified, record: d.entryId })),
    },
  };
}
