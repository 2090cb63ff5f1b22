import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import {
  fsError,
  generateManifest,
  loadPolicy,
  openRegistry,
  renderFindingsJson,
  renderFindingsSarif,
  renderFindingsText,
  validateManifest,
  writeFileAtomic,
  type FileFindings,
} from '../../core';
import { emit } from '../options';
import type { CliContext } from '../context';

export function registerManifest(program: Command, ctx: CliContext): void {
  const manifest = program.command('manifest').description('ML-BOM manifests: CycloneDX 1.6/1.7, exported to SPDX 3.0.1').enablePositionalOptions();

  manifest
    .command('init')
    .description('generate a CycloneDX ML-BOM for a model, with its attestation chain where one exists')
    .argument('<model>', 'model file or folder')
    .option('--output <file>', 'where to write it (default: MODEL.cdx.json beside the model, so the model itself is unchanged)')
    .option('--registry <spec>', 'registry with the attestations (default: the workspace .provenance/)')
    .option('--policy <file>', 'verify the chain against this policy while reading it')
    .addOption(new Option('--spec-version <v>', 'CycloneDX version').choices(['1.6', '1.7']).default('1.6'))
    .option('--stdout', 'print the manifest instead of writing it')
    .action(async (model: string, o: { output?: string; registry?: string; policy?: string; specVersion: '1.6' | '1.7'; stdout?: boolean }) => {
      const output = o.output ?? defaultManifestPath(model);
      const { bom, chain } = await generateManifest({
        modelPath: model,
        outputPath: output,
        registry: openRegistry(o.registry),
        policy: o.policy ? loadPolicy(o.policy) : undefined,
        specVersion: o.specVersion,
        signal: ctx.signal,
      });
      const text = `${JSON.stringify(bom, null, 2)}\n`;
      if (o.stdout) {
        emit(text);
        return;
      }
      writeFileAtomic(output, text);
      const meta = bom.metadata as { component: { components: unknown[]; pedigree?: { ancestors: unknown[] } } };
      emit(
        `wrote ${output}: ${meta.component.components.length} file(s), ${((bom.components as unknown[]) ?? []).length} dataset(s), ` +
          `${meta.component.pedigree?.ancestors.length ?? 0} ancestor(s), ${chain?.links.length ?? 0} attested stage(s)` +
          `${chain && chain.verdict !== 'verified' ? ` (chain ${chain.verdict}${chain.problems.length ? `: ${chain.problems.map((p) => p.code).join(', ')}` : ''})` : ''}\n`,
      );
    });

  manifest
    .command('validate')
    .description('check ML-BOMs: the CycloneDX schema, our ML-BOM profile, references, and the digests against the files on disk')
    .argument('<files...>', 'manifest files (*.cdx.json, bom.json)')
    .option('--model <path>', 'the model to check digests against (default: the manifest\'s model_path property)')
    .option('--no-check-disk', 'do not re-hash the model files')
    .option('--max-problems <n>', 'cap the findings per file', (v) => Number.parseInt(v, 10), 200)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .action(async (files: string[], o: { model?: string; checkDisk: boolean; maxProblems: number; format: 'text' | 'json' | 'sarif' }) => {
      const results: FileFindings[] = [];
      for (const file of files) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw fsError(err, file, 'read the manifest');
        }
        const v = await validateManifest(text, file, { modelPath: o.model, checkDisk: o.checkDisk, maxFindings: o.maxProblems, signal: ctx.signal });
        results.push({ file, text, findings: v.findings });
      }
      emit(o.format === 'json' ? renderFindingsJson(results) : o.format === 'sarif' ? renderFindingsSarif(results) : renderFindingsText(results));
      ctx.exitCode = results.some((r) => r.findings.some((f) => f.severity === 'error')) ? 1 : 0;
    });
}

/** Beside the model, never inside it: a file added to the model would change its digest. */
export function defaultManifestPath(model: string): string {
  return join(dirname(model), `${basename(model)}.cdx.json`);
}
