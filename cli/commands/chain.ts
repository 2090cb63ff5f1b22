import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError, loadPolicy, openRegistry, renderLineage, verifyChain, type ChainResult, type EffectiveFlags, type LineageFormat } from '../../core';
import { addModelScopeFlags, emit, modelScope, printWarnings, type ModelScopeFlags } from '../options';
import { progressReporter } from '../progress';
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

/** A model argument may be a path or a digest. */
export function modelOrDigest(arg: string | undefined, digest?: string): { modelPath?: string; digest?: string } {
  if (arg && /^sha256:[0-9a-f]{64}$/.test(arg)) return { digest: arg };
  return { ...(arg ? { modelPath: arg } : {}), ...(digest ? { digest } : {}) };
}

/** Verifies (or, without a policy, draws) a chain from the CLI options; `flags`: the flags in force when already read (default: read from the registry). */
export async function runChain(target: { modelPath?: string; digest?: string }, o: ChainCliOptions, ctx: CliContext, requirePolicy: boolean, flags?: EffectiveFlags): Promise<ChainResult> {
  const policyPath = o.policy ?? (existsSync(DEFAULT_POLICY) && statSync(DEFAULT_POLICY).isFile() ? join(process.cwd(), DEFAULT_POLICY) : undefined);
  const policy = policyPath ? loadPolicy(policyPath) : undefined;
  if (requirePolicy && !policy) throw new Error('unreachable: verify --policy always names a policy');
  if (!target.modelPath && (o.ignorePaths?.length || o.allowSymlinks || o.ignoreGitPaths === false)) {
    throw new InputError('USAGE', '--ignore-paths, --allow-symlinks and --no-ignore-git-paths describe a model on disk: give the model path, not a digest');
  }
  // A registry that does not exist is an input error (exit 2), never an empty registry.
  const registry = openRegistry(o.registry);
  const result = await verifyChain({
    registry,
    policy,
    policyOrigin: o.policy ? 'given' : 'default',
    strict: o.strict === true,
    ...(flags ? { flags } : {}),
    ...target,
    // The model is found by its digest: hash it with the scope it was signed and attested with.
    ...(target.modelPath ? { scope: modelScope(target.modelPath, { ignorePaths: o.ignorePaths, ignoreGitPaths: o.ignoreGitPaths ?? true, allowSymlinks: o.allowSymlinks }) } : {}),
    checkArtifacts: o.checkArtifacts,
    signal: ctx.signal,
    onProgress: progressReporter(o.progress),
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

export function registerLineage(program: Command, ctx: CliContext): void {
  addChainOptions(
    addModelScopeFlags(program
      .command('lineage')
      .description('show the chain of custody of a model as a tree, JSON or a Mermaid graph; verified when a policy is given')
      .argument('[model]', 'model path or sha256:… digest')
      .option('--policy <file>', `trust policy (default: ./${DEFAULT_POLICY} if present; without one, signatures are not checked)`)),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'mermaid', 'report']).default('text'))
    .action(async (model: string | undefined, o: ChainCliOptions & { format: LineageFormat }) => {
      const result = await runChain(modelOrDigest(model, o.digest), o, ctx, false);
      emit(renderLineage(result, o.format));
      ctx.exitCode = result.verdict === 'failed' ? 1 : 0;
    });
}
