import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { findingVerdict } from '../../core/inspect/codes';
import { scanModel } from '../../core/inspect/scan';
import { CLI_OPTION_NAMES, addModelScopeFlags, emit, modelScope, type ModelScopeFlags } from '../options';
import type { CliContext } from '../context';
import { reportFailure } from '../failure';

/** How each finding line starts, by its verdict. */
const TAG = { dangerous: 'DANGER ', suspicious: 'SUSPECT ', ok: '' } as const;

const isDirectory = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;

/** `inspect MODEL`: what the files say about themselves, read from headers only. Exit 1 if anything is dangerous. */
export function registerInspect(program: Command, ctx: CliContext): void {
  addModelScopeFlags(program
    .command('inspect')
    .description('read model file headers (safetensors, GGUF, PyTorch/pickle, ONNX, NumPy, shard indexes, chat templates) without loading or executing anything; exit 1 if anything is dangerous or suspicious')
    .argument('<model>', 'model file or folder')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text')))
    // The same model-scope flags as sign, hash and attest: a model is inspected as it is signed.
    .action(async (model: string, o: ModelScopeFlags & { format: 'text' | 'json' }) => {
      const scope = modelScope(model, o);
      // A folder's model.sig is its signature, left out as sign leaves it out.
      const signaturePath = isDirectory(model) ? join(model, 'model.sig') : undefined;
      const { inspection, problems } = await scanModel(model, { ignorePaths: scope.ignorePaths, ignoreGitPaths: scope.ignoreGitPaths, allowSymlinks: scope.allowSymlinks, ...(signaturePath ? { signaturePath } : {}), optionNames: CLI_OPTION_NAMES });
      if (o.format === 'json') emit(`${JSON.stringify(inspection, null, 2)}\n`);
      else {
        const s = inspection.summary;
        emit(`${s.verdict.toUpperCase()} ${model}: ${inspection.files.length} model file(s) inspected (${s.formats.join(', ') || 'none'}), ${inspection.skipped.length} other file(s) not a model format\n`);
        const facts = [
          s.architecture && `architecture ${s.architecture}`,
          s.task && `task ${s.task}`,
          s.parameterCount !== undefined && `${s.parameterCount.toLocaleString('en')} parameters`,
          s.quantization && `quantization ${s.quantization}`,
          s.baseModels.length > 0 && `base ${s.baseModels.map((b) => b.name).join(', ')}`,
        ].filter(Boolean);
        if (facts.length) emit(`  ${facts.join('; ')}\n`);
        const aliases = inspection.files.filter((f) => f.sameAs !== undefined);
        if (aliases.length) emit(`  the same file under another name, counted once: ${aliases.map((f) => `${f.name} is ${f.sameAs}`).join(', ')}\n`);
        for (const f of inspection.files) {
          for (const x of f.findings) emit(`  ${TAG[findingVerdict(x) ?? 'ok']}${x.severity} ${x.code} ${f.name}${x.member ? `!/${x.member}` : ''}${x.offset !== undefined ? `@${x.offset}` : ''}: ${x.message}\n`);
        }
        for (const x of inspection.findings) emit(`  ${x.severity} ${x.code}: ${x.message}\n`);
      }
      ctx.exitCode = problems.length ? 1 : 0;
      // A suspicious verdict (could not be cleared) is not called dangerous: the cause is named as it is.
      if (ctx.exitCode) reportFailure(model, inspection.summary.verdict === 'dangerous' ? 'dangerous content' : 'suspicious content (could not be cleared)', problems);
    });
}
