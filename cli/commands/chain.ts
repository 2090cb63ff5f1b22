import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError } from '../../core/errors';
import { loadPolicy, registryOrigin, registrySpecFor } from '../../core/policy/policy';
import { openRegistry } from '../../core/registry/open';
import { renderLineage, type LineageFormat } from '../../core/chain/lineage';
import { verifyChain, type ChainResult } from '../../core/chain/verify-chain';
import type { EffectiveFlags } from '../../core/incident/advisories';
import { CLI_OPTION_NAMES, addModelScopeFlags, emit, modelScope, printWarnings, type ModelScopeFlags } from '../options';
import { declareForms, type Given } from '../forms';
import { progressReporter } from '../progress';
import { reportFailure } from '../failure';
import type { CliContext } from '../context';

const DEFAULT_POLICY = 'provenance-policy.json';

export interface ChainCliOptions extends Partial<ModelScopeFlags> {
  policy?: string;
  registry?: string;
  digest?: string;
  checkArtifacts: boolean;
  strict?: boolean;
  progress?: boolean;
}

export const isDigest = (v: string): boolean => /^sha256:[0-9a-f]{64}$/.test(v);

/** A model argument may be a path or a digest; a digest argument and --digest must then agree. */
export function modelOrDigest(arg: string | undefined, digest?: string): { modelPath?: string; digest?: string } {
  if (arg && isDigest(arg)) {
    if (digest && digest !== arg) throw new InputError('OPTION_CONFLICT', `two digests given: ${arg} and --digest ${digest}`);
    return { digest: arg };
  }
  // Meant as a digest, not a file: say what is wrong with it rather than "no such file".
  if (arg && /^sha256:/i.test(arg) && !existsSync(arg)) {
    const hex = arg.slice(7);
    const why = /^[0-9a-fA-F]*$/.test(hex) ? (hex.length === 64 ? 'use lowercase hex digits' : `it has ${hex.length} hex digit(s), a sha256 digest has 64`) : 'it has characters that are not hex digits';
    throw new InputError('DIGEST_MALFORMED', `"${arg.length > 80 ? `${arg.slice(0, 77)}…` : arg}" is not a model digest: ${why} (sha256: followed by 64 lowercase hex digits)`);
  }
  return { ...(arg ? { modelPath: arg } : {}), ...(digest ? { digest } : {}) };
}

export async function runChain(target: { modelPath?: string; digest?: string }, o: ChainCliOptions, ctx: CliContext): Promise<ChainResult> {
  if (!target.modelPath && !target.digest) throw new InputError('USAGE', 'give the model (a path) or its digest (sha256:…)');
  const policyPath = o.policy ?? (existsSync(DEFAULT_POLICY) && statSync(DEFAULT_POLICY).isFile() ? join(process.cwd(), DEFAULT_POLICY) : undefined);
  const policy = policyPath ? loadPolicy(policyPath) : undefined;
  // A registry that does not exist is an input error (exit 2), never an empty registry.
  const registry = openRegistry(registrySpecFor(o.registry, policy), undefined, { origin: registryOrigin(o.registry, policy), optionNames: CLI_OPTION_NAMES });
  const result = await verifyChain({
    registry,
    policy,
    policyOrigin: o.policy ? 'given' : 'default',
    strict: o.strict === true,
    ...target,
    // The model is found by its digest: hash it with the scope it was signed and attested with.
    ...(target.modelPath ? { scope: modelScope(target.modelPath, { ignorePaths: o.ignorePaths, ignoreGitPaths: o.ignoreGitPaths ?? true, allowSymlinks: o.allowSymlinks }) } : {}),
    checkArtifacts: o.checkArtifacts,
    signal: ctx.signal,
    onProgress: progressReporter(o.progress),
    optionNames: CLI_OPTION_NAMES,
  });
  if (target.modelPath) printWarnings(target.modelPath, result.warnings);
  return result;
}

export function addChainOptions(cmd: Command): Command {
  return cmd
    .option('--registry <spec>', 'registry: a folder or file:PATH (default: the workspace .provenance/)')
    .option('--digest <sha256:…>', 'the model digest, when the model is not at hand')
    .option('--no-check-artifacts', 'do not re-hash inputs found on disk (file:// uris)')
    .option('--strict', 'fail when any attestation in the registry for an artifact on the chain does not verify (default: report it and ignore it)');
}

/** A model path was given (positionally, or as --model where the command has it), not only a digest. */
export const modelGiven = (g: Given): boolean => g.has('model') || (typeof g.args[0] === 'string' && !isDigest(g.args[0]));

/** What `--ignore-paths` and friends answer when only a digest names the model. */
export const SCOPE_NEEDS_MODEL = 'it says which files of a model on disk make up the model: give the model path, not only a digest';

export function registerLineage(program: Command, ctx: CliContext): void {
  const lineage = addChainOptions(
    addModelScopeFlags(program
      .command('lineage')
      .description('show the chain of custody of a model as a tree, JSON or a Mermaid graph; verified when a policy is given')
      .argument('[model]', 'model path or sha256:… digest')
      .option('--policy <file>', `trust policy (default: ./${DEFAULT_POLICY} if present; without one, signatures are not checked)`)),
  )
    .option('--progress', 'show hashing progress on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show progress')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'mermaid', 'report']).default('text'))
    .action(async (model: string | undefined, o: ChainCliOptions & { format: LineageFormat }) => {
      const result = await runChain(modelOrDigest(model, o.digest), o, ctx);
      emit(renderLineage(result, o.format));
      ctx.exitCode = result.verdict === 'failed' ? 1 : 0;
      if (ctx.exitCode) reportFailure(model ?? result.model.digest, 'chain of custody failed', result.problems);
    });
  const byDigest = { ignorePaths: SCOPE_NEEDS_MODEL, ignoreGitPaths: SCOPE_NEEDS_MODEL, allowSymlinks: SCOPE_NEEDS_MODEL };
  declareForms(lineage, [
    { name: 'lineage MODEL', when: modelGiven, sample: ['model'], options: '*' },
    { name: 'lineage sha256:…', sample: [`sha256:${'0'.repeat(64)}`], options: '*', except: byDigest },
  ]);
}
