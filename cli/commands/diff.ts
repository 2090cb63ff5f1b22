import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { CLI_OPTION_NAMES, addModelScopeFlags, collect, emit, type ModelScopeFlags } from '../options';
import { progressReporter } from '../progress';

// The diff modules (git, decoding, rendering) load inside the action.
type Core = typeof import('../../core');
const core = (): Promise<Core> => import('../../core');

interface DiffCliOptions extends ModelScopeFlags {
  base?: string;
  format: 'text' | 'json' | 'md';
  output?: string;
  force?: boolean;
  publicKey?: string;
  trustedKeys?: string;
  certificateChain?: string[];
  identity?: string;
  identityProvider?: string;
  trustedRoot?: string;
  policy?: string;
  progress?: boolean;
  failOn: 'security' | 'never';
}

/** The trust flags, as `verify` spells them, into named trust sources. */
function trustFrom(c: Core, o: DiffCliOptions): import('../../core').DiffTrust {
  const flags: import('../../core').NamedTrust[] = [];
  if (o.publicKey !== undefined && o.trustedKeys !== undefined) throw new c.InputError('OPTION_CONFLICT', '--public-key and --trusted-keys are the same option: give one');
  const keys = o.publicKey ?? o.trustedKeys;
  if (keys !== undefined) flags.push({ name: `${o.publicKey !== undefined ? '--public-key' : '--trusted-keys'} ${keys}`, trust: { kind: 'key', keys: c.loadTrustedKeys(keys) } });
  if (o.certificateChain?.length) {
    flags.push({ name: `--certificate-chain ${o.certificateChain.join(', ')}`, trust: { kind: 'certificate', anchors: o.certificateChain.flatMap((f) => c.loadCertificates(f)) } });
  }
  if (o.identity !== undefined || o.identityProvider !== undefined) {
    if (o.identity === undefined || o.identityProvider === undefined) throw new c.InputError('USAGE', '--identity and --identity-provider go together (both are matched exactly)');
    flags.push({ name: `--identity ${o.identity} (${o.identityProvider})`, trust: { kind: 'sigstore', identity: o.identity, issuer: o.identityProvider, ...(o.trustedRoot ? { trustedRootPath: o.trustedRoot } : {}) } });
  } else if (o.trustedRoot !== undefined) {
    throw new c.InputError('USAGE', '--trusted-root applies to Sigstore signatures: give --identity and --identity-provider too');
  }
  return { flags, ...(o.policy ? { policy: c.loadPolicy(o.policy) } : {}) };
}

/**
 * `--ignore-paths` as model_signing means them (relative to the working directory), made
 * relative to whichever side's model folder on disk they lie in; the model-relative path
 * then applies to both sides. With no side on disk they are taken as model-relative.
 */
function ignorePaths(c: Core, given: readonly string[], roots: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of given) {
    let placed: string | undefined;
    for (const root of roots) {
      const r = c.resolveIgnorePathsFromCwd(root, [p]);
      if (r.root.length) throw new c.InputError('IGNORE_PATH_IS_MODEL', `--ignore-paths "${p}" names the model itself, which would leave nothing to compare`, { file: root });
      if (r.paths[0] !== undefined) {
        placed = r.paths[0];
        break;
      }
    }
    if (placed !== undefined) out.push(placed);
    else if (roots.length === 0) out.push(p);
    else process.stderr.write(`model-provenance: warning: ignore path "${p}" is outside every model compared; dropped [IGNORE_PATH_OUTSIDE]\n`);
  }
  return out;
}

/** Whether `diff` wrote this file (so `--output` may replace it): the Markdown marker, or the JSON report's $schema. */
function writtenByDiff(c: Core, path: string): boolean {
  let text: string;
  try {
    if (statSync(path).size > 64 * 1024 * 1024) return false;
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  if (text.trimEnd().endsWith(c.DIFF_MARKDOWN_MARKER)) return true;
  try {
    return (JSON.parse(text) as { $schema?: unknown }).$schema === c.DIFF_SCHEMA_ID;
  } catch {
    return false;
  }
}

export function registerDiff(program: Command, ctx: CliContext): void {
  addModelScopeFlags(
    program
      .command('diff')
      .description(
        'what changed between two versions of a model signature, attestation, ML-BOM or model folder (on disk or GIT_REV:PATH); ' +
          'exit 0 no security-relevant change, 1 a signature does not verify, the signer changed, integrity is broken or a signature was removed, 2 bad input',
      )
      .argument('<sides...>', 'OLD NEW (each a file, a folder, GIT_REV:PATH or FILE.jsonl#LINE); with --base: the PATHs to compare with that revision')
      .option('--base <rev>', 'compare each PATH on disk with its version at this git revision (the pull-request form)')
      .addOption(new Option('--format <format>', 'output format: text, json, or md (Markdown for a pull-request comment or job summary)').choices(['text', 'json', 'md']).default('text'))
      .option('--output <file>', 'write the report here (atomically); an existing file is replaced only when diff wrote it (Markdown or JSON), or with --force')
      .option('--force', 'replace an existing --output file whoever wrote it')
      .option('--public-key <fileOrDir>', 'trusted public key (PEM), or a folder of *.pem / *.pub keys: model signatures (and attestations, without --policy) are verified with it')
      .option('--trusted-keys <fileOrDir>', 'same as --public-key')
      .option('--certificate-chain <file>', 'trusted CA certificate(s) for certificate signatures, PEM; repeatable', collect)
      .option('--identity <identity>', 'Sigstore keyless signer identity (exact match); with --identity-provider')
      .option('--identity-provider <url>', 'Sigstore OIDC issuer (exact match)')
      .option('--trusted-root <file>', 'Sigstore trusted_root.json (default: the public-good root shipped with @sigstore/tuf)')
      .option('--policy <file>', "trust policy: attestations are verified against its signers (and model signatures too, when no key, anchor or identity is given)")
      .addOption(new Option('--fail-on <when>', 'exit 1 on a security-relevant change (default), or never (the report still says it; bad input is still exit 2)').choices(['security', 'never']).default('security'))
      .option('--progress', 'show hashing progress on stderr (default: when stderr is a terminal)')
      .option('--no-progress', 'never show progress'),
  ).action(async (sides: string[], o: DiffCliOptions) => {
    const c = await core();
    const trust = trustFrom(c, o);
    const cwd = process.cwd();
    if (!o.base && sides.length !== 2) throw new c.InputError('USAGE', `diff compares two sides, OLD NEW (got ${sides.length}); to compare paths with a git revision use --base REV PATH…`);
    const roots = sides.filter((s) => existsSync(resolve(cwd, s)));
    const warnings: import('../../core').ScopeWarning[] = [];
    const options = {
      trust,
      scope: { ignorePaths: ignorePaths(c, o.ignorePaths ?? [], roots), ignoreGitPaths: o.ignoreGitPaths, allowSymlinks: o.allowSymlinks },
      cwd,
      signal: ctx.signal,
      onProgress: progressReporter(o.progress),
      warnings,
      optionNames: CLI_OPTION_NAMES,
    };
    const report = o.base ? await c.diffAgainstRevision(o.base, sides, options) : await c.diffSides(sides[0]!, sides[1]!, options);
    for (const w of warnings) process.stderr.write(`model-provenance: warning: ${w.message} [${w.code}]\n`);
    const text = c.renderDiff(report, o.format);
    if (o.output) {
      if (existsSync(o.output) && !o.force && !writtenByDiff(c, o.output)) {
        throw new c.InputError('OUTPUT_EXISTS', 'exists and was not written by model-provenance diff; refusing to overwrite it (use --force)', { file: o.output });
      }
      c.writeFileAtomic(o.output, text);
      process.stderr.write(`wrote ${o.output}: ${report.verdict}\n`);
    } else emit(text);
    ctx.exitCode = report.verdict === 'security-change' && o.failOn === 'security' ? 1 : 0;
  });
}
