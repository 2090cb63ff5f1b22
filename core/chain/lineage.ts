import type { ChainLink, ChainResult, IgnoredAttestation } from './verify-chain';

export type LineageFormat = 'text' | 'json' | 'mermaid' | 'report';

/**
 * Renders a chain result: `text` (a tree), `json` (the result as is), `mermaid` (a
 * flowchart) or `report` (one screen a person can act on). Every format names the registry
 * and the policy used and shows the attestations and the advisories that were ignored.
 */
export function renderLineage(result: ChainResult, format: LineageFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(result, null, 2)}\n`;
    case 'mermaid':
      return renderMermaid(result);
    case 'report':
      return renderChainReport(result);
    default:
      return renderTree(result);
  }
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
function renderTree(result: ChainResult): string {
  const out: string[] = [];
  const datasets = new Set(result.links.flatMap((l) => l.inputs.filter((i) => i.role === 'dataset').map((i) => i.digest)));
  const head = { verified: 'VERIFIED', failed: 'FAILED', unverified: 'UNVERIFIED (no policy: signatures not checked)' }[result.verdict];
  out.push(`${head} lineage of ${result.model.path ?? result.model.digest}  ${result.model.digest}`);
  out.push(`  ${result.links.length} stage(s), ${datasets.size} dataset(s)`);
  out.push(`  ${describeSources(result)}`);
  const root = result.links.find((l) => l.depth === 0);
  const walk = (l: ChainLink, prefix: string, last: boolean, role?: string): void => {
    const branch = role ? (last ? '└─ ' : '├─ ') : '';
    out.push(`${prefix}${branch}${role ? `${role}: ` : ''}${describeLink(l)}`);
    const next = prefix + (role ? (last ? '   ' : '│  ') : '');
    // Each child renders itself once it knows whether it is the last one.
    const rows: ((isLast: boolean) => void)[] = [];
    for (const dep of l.inputs.filter((x) => x.role !== 'base-model' && x.role !== 'adapter')) {
      rows.push((isLast) => out.push(`${next}${isLast ? '└─ ' : '├─ '}${dep.role}${dep.usage ? ` (${dep.usage})` : ''}: ${dep.name ? `"${dep.name}" ` : ''}${short(dep.digest)}`));
    }
    for (const r of result.externalRoots.filter((x) => x.consumer.digest === l.digest)) {
      rows.push((isLast) => out.push(`${next}${isLast ? '└─ ' : '├─ '}${r.consumer.role}: ${r.name ? `"${r.name}" ` : ''}${short(r.digest)}  allowed by policy (no attestation)`));
    }
    for (const k of children(result, l)) rows.push((isLast) => walk(k, next, isLast, k.consumer?.role));
    for (const dep of l.inputs.filter((x) => (x.role === 'base-model' || x.role === 'adapter') && x.digest !== l.digest)) {
      const shown = result.links.some((x) => x.digest === dep.digest) || result.externalRoots.some((x) => x.digest === dep.digest);
      if (!shown) rows.push((isLast) => out.push(`${next}${isLast ? '└─ ' : '├─ '}${dep.role}: ${dep.name ? `"${dep.name}" ` : ''}${short(dep.digest)}  NO TRUSTED ATTESTATION`));
    }
    rows.forEach((row, i) => row(i === rows.length - 1));
  };
  if (root) walk(root, '', true);
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
function renderChainReport(result: ChainResult): string {
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
  out.push(...ignoredSection(result, '  '));
  out.push(...ignoredAdvisorySection(result, '  '));
  if (result.verdict === 'failed') {
    const codes = new Set(result.problems.map((p) => p.code));
    let next = 'do not deploy until the problems above are resolved.';
    if (codes.has('MISSING_LINK')) next = 'a stage has no attestation from a signer you trust: do not deploy; attest it, or allow its base model by digest in the policy.';
    else if (codes.has('DIGEST_MISMATCH')) next = 'an input changed after it was attested: do not deploy; restore it from a trusted source.';
    out.push('', `  Next: ${next}`);
  }
  return `${out.join('\n')}\n`;
}

/** A Mermaid flowchart: inputs at the top, the deployed model at the bottom. */
function renderMermaid(result: ChainResult): string {
  const ids = new Map<string, string>();
  const id = (digest: string, prefix: string): string => {
    let v = ids.get(digest);
    if (!v) ids.set(digest, (v = `${prefix}${ids.size}`));
    return v;
  };
  const esc = (s: string): string => s.replace(/"/g, '#quot;');
  const out = ['graph TD'];
  for (const l of result.links) {
    out.push(`  ${id(l.digest, 'm')}["${esc(l.name)}<br/>${l.stage}<br/>${short(l.digest)}<br/>by ${esc(l.signer)}"]`);
  }
  for (const r of result.externalRoots) out.push(`  ${id(r.digest, 'x')}["${esc(r.name ?? 'external model')}<br/>${short(r.digest)}<br/>allowed by policy"]`);
  for (const l of result.links) {
    for (const i of l.inputs) {
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
    out.push(`  iga${n}["ignored advisory: ${a.code}<br/>${esc(a.advisoryId ?? short(a.entryId)).replace(/</g, '#lt;').replace(/>/g, '#gt;')}"]`);
    out.push(`  style iga${n} stroke-dasharray:4 4`);
  });
  out.push(`  %% ${describeSources(result).replace(/\n/g, ' ')}`);
  return `${out.join('\n')}\n`;
}
