import type { ChainLink, ChainResult, IgnoredAttestation } from './verify-chain';
import { FLAGGED_NEXT } from '../incident/next-step';
import { disputedInputs, lineageNotes, type LineageNote } from '../render/lineage-graph';

export type LineageFormat = 'text' | 'json' | 'mermaid' | 'report';

/**
 * Renders a chain result: `text` (a tree), `json` (the result, with `notes`), `mermaid` (a
 * flowchart) or `report` (one screen a person can act on). Every format names the registry
 * and the policy used, shows the attestations and the advisories that were ignored, and
 * carries the lineage graph's notes (core/render lineageNotes): where the chain stops because
 * a link is not verified, that nothing beyond it was checked. Never a silent drop.
 */
export function renderLineage(result: ChainResult, format: LineageFormat, options: { nextStep?: boolean } = {}): string {
  const notes = lineageNotes(result);
  switch (format) {
    case 'json':
      return `${JSON.stringify(lineageJson(result, notes), null, 2)}\n`;
    case 'mermaid':
      return renderMermaid(result, notes);
    case 'report':
      return renderChainReport(result, notes, options.nextStep ?? true);
    default:
      return renderTree(result, notes);
  }
}

/** `lineage --format json`: the chain result as is, with the graph's notes (an empty list when there are none). */
export function lineageJson(result: ChainResult, notes: readonly LineageNote[] = lineageNotes(result)): ChainResult & { notes: string[] } {
  return { ...result, notes: notes.map((n) => n.text) };
}

/** "registry /x/.provenance; policy /x/provenance-policy.json (picked up from the working directory)". */
export function describeSources(result: ChainResult): string {
  const policy = result.policy
    ? `policy ${result.policy.path}${result.policy.origin === 'default' ? ' (picked up by default from the working directory)' : ''}`
    : 'no policy (signatures not checked)';
  return `registry ${result.registry}; ${policy}${result.strict ? '; strict' : ''}`;
}

function ignoredLine(i: IgnoredAttestation): string {
  return `${i.code} ${short(i.id)}${i.stage ? ` (${i.stage})` : ''} about ${short(i.digest)}: ${i.message}`;
}

function ignoredSection(result: ChainResult, indent: string): string[] {
  // In strict mode they are problems already, listed with the others.
  if (result.ignored.length === 0 || result.strict) return [];
  return ['', `${indent}Ignored (${result.ignored.length}): attestations that do not verify under the policy, reported and not trusted:`, ...result.ignored.map((i) => `${indent}  ${ignoredLine(i)}`)];
}

/** Advisories that do not count (untrusted signer, altered, invalid): never problems, even when strict. */
function ignoredAdvisorySection(result: ChainResult, indent: string): string[] {
  if (result.ignoredAdvisories.length === 0) return [];
  return ['', `${indent}Ignored advisories (reported, not obeyed):`, ...result.ignoredAdvisories.map((a) => `${indent}  ${a.code}: ${a.message}`)];
}

const short = (d: string): string => `${d.slice(0, 19)}…`;

function children(result: ChainResult, link: ChainLink): ChainLink[] {
  return result.links.filter((l) => l.consumer?.digest === link.digest);
}

function describeLink(l: ChainLink): string {
  const parts = [`${l.stage}`, `"${l.name}"`, short(l.digest), `signed by ${l.signer}`];
  if (l.time) parts.push(l.time);
  if (l.runId) parts.push(`run ${l.runId}`);
  for (const a of l.annotations) parts.push(`+ ${a.stage} by ${a.signer}`);
  return parts.join('  ');
}

/** The chain as a tree, deployed model first, inputs indented below what consumed them. */
function renderTree(result: ChainResult, notes: readonly LineageNote[]): string {
  const out: string[] = [];
  const datasets = new Set(result.links.flatMap((l) => l.inputs.filter((i) => i.role === 'dataset').map((i) => i.digest)));
  const head = { verified: 'VERIFIED', failed: 'FAILED', unverified: 'UNVERIFIED (no policy: signatures not checked)' }[result.verdict];
  out.push(`${head} lineage of ${result.model.path ?? result.model.digest}  ${result.model.digest}`);
  out.push(`  ${result.links.length} stage(s), ${datasets.size} dataset(s)`);
  out.push(`  ${describeSources(result)}`);
  const root = result.links.find((l) => l.depth === 0);
  const walk = (l: ChainLink, prefix: string, last: boolean, role?: string): void => {
    const branch = role ? (last ? '└─ ' : '├─ ') : '';
    // A link whose own attestation has a problem (a conflict, a flagged signer…) is not drawn as if it stood.
    const own = [...new Set(result.problems.filter((p) => p.attestation === l.attestation && !p.input).map((p) => p.code))];
    out.push(`${prefix}${branch}${role ? `${role}: ` : ''}${describeLink(l)}${own.length ? `  ✘ ${own.join(', ')}` : ''}`);
    const next = prefix + (role ? (last ? '   ' : '│  ') : '');
    // Each child renders itself once it knows whether it is the last one.
    const rows: ((isLast: boolean) => void)[] = [];
    // Inputs in dispute (ATTESTATION_CONFLICT) are not drawn as if one claim stood: the note lists each.
    const inputs = disputedInputs(result, l) ? [] : l.inputs;
    for (const dep of inputs.filter((x) => x.role !== 'base-model' && x.role !== 'adapter')) {
      // The problem is filed under the stage that used the input, and names the input's digest.
      const flagged = result.problems.some((p) => p.code === 'FLAGGED_ARTIFACT' && (p.digest === dep.digest || (p.digest === l.digest && p.message.includes(dep.digest))));
      rows.push((isLast) => out.push(`${next}${isLast ? '└─ ' : '├─ '}${dep.role}${dep.usage ? ` (${dep.usage})` : ''}: ${dep.name ? `"${dep.name}" ` : ''}${short(dep.digest)}${flagged ? '  ✘ FLAGGED' : ''}`));
    }
    for (const r of result.externalRoots.filter((x) => x.consumer.digest === l.digest)) {
      rows.push((isLast) => out.push(`${next}${isLast ? '└─ ' : '├─ '}${r.consumer.role}: ${r.name ? `"${r.name}" ` : ''}${short(r.digest)}  allowed by policy (no attestation)`));
    }
    for (const k of children(result, l)) rows.push((isLast) => walk(k, next, isLast, k.consumer?.role));
    for (const dep of inputs.filter((x) => (x.role === 'base-model' || x.role === 'adapter') && x.digest !== l.digest)) {
      const shown = result.links.some((x) => x.digest === dep.digest) || result.externalRoots.some((x) => x.digest === dep.digest);
      if (!shown) rows.push((isLast) => out.push(`${next}${isLast ? '└─ ' : '├─ '}${dep.role}: ${dep.name ? `"${dep.name}" ` : ''}${short(dep.digest)}  NO TRUSTED ATTESTATION`));
    }
    rows.forEach((row, i) => row(i === rows.length - 1));
  };
  if (root) walk(root, '', true);
  // What the tree leaves out beyond a link that is not verified, one line each.
  if (notes.length > 0) out.push('', ...notes.map((n) => `note: ${n.text}`));
  if (result.problems.length > 0) {
    out.push('');
    out.push('Problems:');
    for (const p of result.problems) out.push(`  ${p.code}${p.digest ? ` ${short(p.digest)}` : ''}: ${p.message}`);
  }
  out.push(...ignoredSection(result, ''));
  out.push(...ignoredAdvisorySection(result, ''));
  return `${out.join('\n')}\n`;
}

/** One screen: the verdict, what was used, what is wrong, what was ignored, what to do. */
function renderChainReport(result: ChainResult, notes: readonly LineageNote[], withNext: boolean): string {
  const out: string[] = [];
  const head = { verified: '✔ Chain of custody verified', failed: '✘ Chain of custody NOT verified', unverified: '? Chain of custody not verified (no policy)' }[result.verdict];
  out.push(head, '');
  out.push(`  Model       ${result.model.path ? `${result.model.path} ` : ''}${result.model.digest}`);
  out.push(`  Registry    ${result.registry}`);
  out.push(`  Policy      ${result.policy ? `${result.policy.path}${result.policy.origin === 'default' ? ' (picked up by default)' : ''}` : '(none: signatures not checked)'}${result.strict ? ', strict' : ''}`);
  const top = result.links.find((l) => l.depth === 0);
  if (top) out.push(`  Produced by ${top.stage}, signed by ${top.signer}${top.time ? ` at ${top.time}` : ''}`);
  out.push(`  Chain       ${result.links.length} stage(s): ${result.links.map((l) => l.stage).join(' ← ') || '(none)'}`);
  if (result.problems.length > 0) {
    out.push('');
    for (const p of result.problems) out.push(`  ${p.code}: ${p.message}`);
  }
  if (notes.length > 0) out.push('', ...notes.map((n) => `  note: ${n.text}`));
  out.push(...ignoredSection(result, '  '));
  out.push(...ignoredAdvisorySection(result, '  '));
  if (result.verdict === 'failed' && withNext) out.push('', `  Next: ${chainNextStep(result)}`);
  return `${out.join('\n')}\n`;
}

/** What to do about a chain that failed, in one sentence (the report's "Next:" line). */
export function chainNextStep(result: ChainResult): string {
  const codes = new Set(result.problems.map((p) => p.code));
  if (codes.has('FLAGGED_ARTIFACT') || codes.has('SIGNER_REVOKED')) return FLAGGED_NEXT;
  // A link whose attestation names a trusted signer but does not verify was altered: attesting
  // the stage again would paper over the tampering, so the advice is to find out, not to re-attest.
  const altered = result.ignored.filter((i) => i.code === 'ATTESTATION_SIGNATURE_INVALID').length;
  if (altered > 0) return `${altered === 1 ? 'an attestation in the registry names a signer you trust but does' : `${altered} attestations in the registry name a signer you trust but do`} not verify (altered after signing): do not deploy; find out who changed the registry (registry verify) and restore the signed original from a trusted copy, rather than attesting the stage again.`;
  if (codes.has('MISSING_LINK') && result.quarantined) return `a stage has no attestation from a signer you trust, and the registry holds ${result.quarantined} blob(s) in quarantine/ that registry verify --repair moved aside (altered after being stored): the missing attestation may be one of them. Do not deploy; restore the signed originals from a trusted copy and find out who changed them, rather than attesting again.`;
  const signed = result.problems.find((p) => p.code === 'MISSING_LINK' && p.signedDigest);
  if (signed?.recordedBy) return `a stage recorded its input by other files than the input's signature covers: do not deploy; verify that input against its signature, and only if it verifies, attest the stage again with ${signed.signedDigest} and --replaces ${signed.recordedBy}.`;
  if (signed) return `the model was hashed with other files than it was signed with (its signature names ${signed.signedDigest}, which is attested): give the --ignore-paths it was signed with.`;
  if (codes.has('MISSING_LINK')) return 'a stage has no attestation from a signer you trust: do not deploy; attest it, or allow its base model by digest in the policy.';
  if (codes.has('ATTESTATION_CONFLICT')) return 'trusted attestations disagree on what a model was made from: do not deploy; find out which is right, and remove the other from the registry (registry rm ID).';
  if (codes.has('DIGEST_MISMATCH')) return 'an input changed after it was attested: do not deploy; restore it from a trusted source.';
  return 'do not deploy until the problems above are resolved.';
}

/** A Mermaid flowchart: inputs at the top, the deployed model at the bottom. */
function renderMermaid(result: ChainResult, notes: readonly LineageNote[]): string {
  const ids = new Map<string, string>();
  const id = (digest: string, prefix: string): string => {
    let v = ids.get(digest);
    if (!v) ids.set(digest, (v = `${prefix}${ids.size}`));
    return v;
  };
  const esc = (s: string): string => s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  const out = ['graph TD'];
  for (const l of result.links) {
    out.push(`  ${id(l.digest, 'm')}["${esc(l.name)}<br/>${l.stage}<br/>${short(l.digest)}<br/>by ${esc(l.signer)}"]`);
  }
  for (const r of result.externalRoots) out.push(`  ${id(r.digest, 'x')}["${esc(r.name ?? 'external model')}<br/>${short(r.digest)}<br/>allowed by policy"]`);
  for (const l of result.links) {
    for (const i of disputedInputs(result, l) ? [] : l.inputs) {
      if (i.role === 'base-model' || i.role === 'adapter') {
        if (!ids.has(i.digest)) out.push(`  ${id(i.digest, 'u')}["${esc(i.name ?? 'unattested')}<br/>${short(i.digest)}<br/>MISSING"]`);
        out.push(`  ${id(i.digest, 'u')} -->|${i.role}| ${id(l.digest, 'm')}`);
      } else {
        if (!ids.has(i.digest)) out.push(`  ${id(i.digest, 'd')}[("${esc(i.name ?? i.role)}<br/>${short(i.digest)}")]`);
        out.push(`  ${id(i.digest, 'd')} -.->|${i.role}| ${id(l.digest, 'm')}`);
      }
    }
  }
  const flagged = new Set(result.problems.filter((p) => p.digest).map((p) => p.digest!));
  for (const d of flagged) if (ids.has(d)) out.push(`  style ${ids.get(d)} stroke:#d00,stroke-width:3px`);
  // Ignored attestations hang off what they claim to be about, drawn apart from the chain.
  result.ignored.forEach((i, n) => {
    if (!ids.has(i.digest)) out.push(`  ${id(i.digest, 'm')}["${short(i.digest)}<br/>no trusted attestation"]`);
    out.push(`  ig${n}["ignored: ${i.code}<br/>${short(i.id)}${i.stage ? `<br/>${esc(i.stage)}` : ''}"]`);
    out.push(`  ig${n} -.-x|ignored| ${id(i.digest, 'm')}`);
    out.push(`  style ig${n} stroke-dasharray:4 4`);
  });
  // Ignored advisories name no node of the chain: drawn apart, dashed, so a reader sees them.
  result.ignoredAdvisories.forEach((a, n) => {
    out.push(`  iga${n}["ignored advisory: ${a.code}<br/>${esc(a.advisoryId ?? short(a.entryId))}"]`);
    out.push(`  style iga${n} stroke-dasharray:4 4`);
  });
  // What the drawing leaves out beyond an unverified link: a note node beside the node it is
  // about (GitHub renders nodes; a %% comment would not be seen).
  notes.forEach((n, i) => {
    out.push(`  note${i}["note: ${wrap(esc(n.text).replace(/\[/g, '#91;').replace(/\]/g, '#93;'), 60).join('<br/>')}"]`);
    if (ids.has(n.digest)) out.push(`  note${i} -.- ${ids.get(n.digest)}`);
    out.push(`  style note${i} fill:#fff8c5,stroke:#9a6700,stroke-dasharray:4 4`);
  });
  // The verdict and every problem are part of the picture, not only of the text output.
  if (result.verdict === 'failed') {
    const lines = result.problems.map((p) => `${p.code}${p.digest ? ` ${short(p.digest)}` : ''}: ${esc(p.message)}`);
    out.push(`  problems["FAILED: ${result.problems.length} problem(s)<br/>${lines.join('<br/>')}"]`);
    out.push('  style problems fill:#fee,stroke:#d00,stroke-width:3px');
    for (const d of flagged) if (ids.has(d)) out.push(`  problems -.- ${ids.get(d)}`);
  } else if (result.verdict === 'unverified') {
    out.push('  verdict["UNVERIFIED: no policy, signatures not checked"]');
    out.push('  style verdict fill:#ffd,stroke:#b80');
  }
  out.push(`  %% ${describeSources(result).replace(/\n/g, ' ')}`);
  return `${out.join('\n')}\n`;
}

/** Words in lines of at most `width` characters (a longer word keeps its own line): a note node stays narrow enough to read. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
