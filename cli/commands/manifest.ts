import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import {
  InputError,
  exportSpdx3,
  isObject,
  loadPrivateKey,
  parseStrictJson,
  signManifest,
  fsError,
  generateManifest,
  loadPolicy,
  openRegistry,
  registrySpecFor,
  renderFindingsJson,
  renderFindingsSarif,
  renderFindingsText,
  validateManifest,
  writeFileAtomic,
  type FileFindings,
} from '../../core';
import { emit, passphrase, requireOption } from '../options';
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
      const policy = o.policy ? loadPolicy(o.policy) : undefined;
      const { bom, chain } = await generateManifest({
        modelPath: model,
        outputPath: output,
        registry: openRegistry(registrySpecFor(o.registry, policy)),
        policy,
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
  registerManifestExtras(manifest, ctx);
}

/** Beside the model, never inside it: a file added to the model would change its digest. */
function readBom(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fsError(err, file, 'read the manifest');
  }
  const bom = parseStrictJson(text, file);
  if (!isObject(bom) || bom.bomFormat !== 'CycloneDX') throw new InputError('CDX_NOT_A_BOM', 'not a CycloneDX BOM', { file });
  return bom;
}

export function registerManifestExtras(manifest: Command, ctx: CliContext): void {
  manifest
    .command('export')
    .description('export an ML-BOM as SPDX 3.0.1 JSON-LD (AI and Dataset profiles)')
    .argument('<file>', 'CycloneDX manifest')
    .addOption(new Option('--to <format>', 'target format').choices(['spdx3']).default('spdx3'))
    .option('--output <file>', 'where to write it (default: stdout)')
    .action((file: string, o: { output?: string }) => {
      const { document, unmapped } = exportSpdx3(readBom(file));
      const text = `${JSON.stringify(document, null, 2)}\n`;
      if (o.output) writeFileAtomic(o.output, text);
      else emit(text);
      // Never silently: say what had no SPDX home and where it went.
      if (unmapped.length > 0) {
        process.stderr.write(`note: ${unmapped.length} CycloneDX field(s) have no SPDX 3.0.1 counterpart:\n`);
        for (const u of unmapped) process.stderr.write(`  ${u.pointer} -> ${u.keptAs === 'comment' ? 'named in the SpdxDocument comment' : 'kept as a CycloneDX property extension'}\n`);
      }
      if (o.output) emit(`wrote ${o.output}\n`);
    });

  manifest
    .command('sign')
    .description('sign a manifest as an in-toto attestation (predicateType https://cyclonedx.org/bom) about the model, stored in the registry')
    .argument('<file>', 'CycloneDX manifest')
    .option('--private-key <file>', 'signing key (PEM)')
    .option('--password <passphrase>', 'passphrase of an encrypted key (or MODEL_PROVENANCE_PASSPHRASE)')
    .option('--password-file <file>', 'read the passphrase from a file')
    .option('--registry <spec>', 'registry (default: the workspace .provenance/)')
    .option('--output <file>', 'also write the signed bundle here')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file: string, o: { privateKey?: string; password?: string; passwordFile?: string; registry?: string; output?: string; format: string }) => {
      const privateKey = loadPrivateKey(requireOption(o.privateKey, '--private-key'), passphrase(o));
      const signed = await signManifest(readBom(file), file, { kind: 'key', privateKey }, openRegistry(o.registry));
      if (o.output) writeFileAtomic(o.output, signed.bundle);
      if (o.format === 'json') emit(`${JSON.stringify({ id: signed.entry?.id, subject: signed.statement.subject[0], registry: signed.entry?.location, output: o.output }, null, 2)}\n`);
      else emit(`signed manifest ${file} for ${signed.statement.subject[0]!.name} sha256:${signed.statement.subject[0]!.digest.sha256}\n  stored  ${signed.entry?.id} in ${signed.entry?.location}\n`);
      void ctx;
    });
}

export function defaultManifestPath(model: string): string {
  return join(dirname(model), `${basename(model)}.cdx.json`);
}
