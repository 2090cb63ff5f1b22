import type { Command } from 'commander';
import { hashModel } from '../../core/model/hash-model';
import { CLI_OPTION_NAMES, jsonWarnings, addModelScopeOptions, emit, modelScope, printWarnings, type ModelScopeOptions } from '../options';
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
      ...modelScope(path, opts, { signaturePath: opts.signature }),
      signal: ctx.signal,
      onProgress: progressReporter(opts.progress),
      optionNames: CLI_OPTION_NAMES,
    });
    printWarnings(path, d.warnings);
    if (opts.format === 'json') {
      emit(`${JSON.stringify({ name: d.name, digest: d.digest, totalBytes: d.totalBytes, resources: d.resources, warnings: jsonWarnings(path, d.warnings) }, null, 2)}\n`);
    } else {
      emit(`${d.digest}  ${path}\n`);
    }
  });
}
