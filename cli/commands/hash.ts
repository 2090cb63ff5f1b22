import type { Command } from 'commander';
import { hashModel } from '../../core';
import { addModelScopeOptions, emit, type ModelScopeOptions } from '../options';
import { progressReporter } from '../progress';
import type { CliContext } from '../context';

export function registerHash(program: Command, ctx: CliContext): void {
  addModelScopeOptions(
    program
      .command('hash')
      .description('print the OMS root digest of a model or dataset (file or folder), the join key for attestations')
      .argument('<path>', 'model or dataset file or folder')
      .option('--signature <file>', 'signature to leave out, as sign does (default: PATH/model.sig)'),
  ).action(async (path: string, opts: ModelScopeOptions & { signature?: string }) => {
    const d = await hashModel(path, {
      signaturePath: opts.signature,
      ignorePaths: opts.ignorePaths,
      ignoreGitPaths: opts.ignoreGitPaths,
      allowSymlinks: opts.allowSymlinks,
      signal: ctx.signal,
      onProgress: progressReporter(opts.progress),
    });
    if (opts.format === 'json') {
      emit(`${JSON.stringify({ name: d.name, digest: d.digest, totalBytes: d.totalBytes, resources: d.resources }, null, 2)}\n`);
    } else {
      emit(`${d.digest}  ${path}\n`);
    }
  });
}
