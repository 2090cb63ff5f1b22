import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError, isProvenanceError, fsError } from '../../core/errors';
import type { exportSpdx3 } from '../../core/manifest/export-spdx';
import { lineColumn, isObject, parseStrictJson } from '../../core/io/json';
import { parseJsonDocument, rangeFor } from '../../core/json/document';
import { renderFindingsJson, renderFindingsSarif, renderFindingsText, type FileFindings } from '../../core/manifest/render-findings';
import { validateManifest } from '../../core/manifest/validate-manifest';
import { writeFileAtomic } from '../../core/io/atomic-write';
import { CLI_OPTION_NAMES, addModelScopeFlags, emit, modelScope, passphrase, passwordOption, printWarnings, registryCreated, requireOption, type ModelScopeFlags } from '../options';
import { declareForms } from '../forms';
import { progressReporter } from '../progress';
import { reportFailure } from '../failure';
import type { CliContext } from '../context';

export function registerManifest(program: Command, ctx: CliContext): void {
  const manifest = program.command('manifest').description('ML-BOM manifests: CycloneDX 1.6/1.7, exported to SPDX 3.0.1').enablePositionalOptions();

  addModelScopeFlags(manifest
    .command('init'))
    .description('generate a CycloneDX ML-BOM for a model, with its attestation chain where one exists')
    .argument('<model>', 'model file or folder')
    .option('--output <file>', 'where to write it (default: MODEL.cdx.json beside the model, so the model itself is unchanged)')
    .option('--registry <spec>', 'registry with the attestations (default: the workspace .provenance/)')
    .option('--policy <file>', 'verify the chain against this policy while reading it')
    .addOption(new Option('--spec-version <v>', 'CycloneDX version').choices(['1.6', '1.7']).default('1.6'))
    .addOption(new Option('--stdout', 'print the manifest instead of writing it').conflicts('output'))
    .addOption(new Option('--format <format>', 'output format of the summary (with --stdout the manifest itself is printed)').choices(['text', 'json']).default('text'))
    .option('--progress', 'show hashing progress on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show progress')
    .action(async (model: string, o: ModelScopeFlags & { output?: string; registry?: string; policy?: string; specVersion: '1.6' | '1.7'; stdout?: boolean; format: 'text' | 'json'; progress?: boolean }) => {
      // Loaded here, not at the top: `manifest validate` (a pre-commit hook) never needs them.
      const [{ generateManifest }, { loadPolicy, registryOrigin, registrySpecFor }, { openRegistryIfPresent }] = await Promise.all([
        import('../../core/manifest/generate'),
        import('../../core/policy/policy'),
        import('../../core/registry/open'),
      ]);
      const output = o.output ?? defaultManifestPath(model);
      const scope = modelScope(model, o);
      const policy = o.policy ? loadPolicy(o.policy) : undefined;
      const { bom, chain, warnings } = await generateManifest({
        modelPath: model,
        scope,
        outputPath: output,
        registry: openRegistryIfPresent(registrySpecFor(o.registry, policy), undefined, { origin: registryOrigin(o.registry, policy), optionNames: CLI_OPTION_NAMES }),
        policy,
        specVersion: o.specVersion,
        signal: ctx.signal,
        onProgress: progressReporter(o.progress),
        optionNames: CLI_OPTION_NAMES,
      });
      printWarnings(model, warnings);
      const text = `${JSON.stringify(bom, null, 2)}\n`;
      if (o.stdout) {
        emit(text);
        return;
      }
      writeFileAtomic(output, text);
      const meta = bom.metadata as { component: { components: unknown[]; pedigree?: { ancestors: unknown[] } } };
      const summary = {
        output,
        files: meta.component.components.length,
        datasets: ((bom.components as unknown[]) ?? []).length,
        ancestors: meta.component.pedigree?.ancestors.length ?? 0,
        attestedStages: chain?.links.length ?? 0,
        ...(chain ? { chain: { verdict: chain.verdict, problems: chain.problems.map((p) => p.code) } } : {}),
      };
      if (o.format === 'json') {
        emit(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      emit(
        `wrote ${output}: ${summary.files} file(s), ${summary.datasets} dataset(s), ` +
          `${summary.ancestors} ancestor(s), ${summary.attestedStages} attested stage(s)` +
          `${chain && chain.verdict !== 'verified' ? ` (chain ${chain.verdict}${chain.problems.length ? `: ${countCodes(chain.problems.map((p) => p.code))}` : ''})` : ''}\n`,
      );
    });

  const validate = manifest
    .command('validate')
    .description('check ML-BOMs: the CycloneDX schema, our ML-BOM profile, references, and the digests against the files on disk')
    .argument('<files...>', 'manifest files (*.cdx.json, bom.json)')
    .option('--model <path>', 'the model to check digests against (default: the manifest\'s model_path property)')
    .option('--no-check-disk', 'do not re-hash the model files')
    .option('--max-problems <n>', 'cap the findings per file', (v) => Number.parseInt(v, 10), 200)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--progress', 'show hashing progress on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show progress')
    .action(async (files: string[], o: { model?: string; checkDisk: boolean; maxProblems: number; format: 'text' | 'json' | 'sarif'; progress?: boolean }) => {
      const results: FileFindings[] = [];
      for (const file of files) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw fsError(err, file, 'read the manifest');
        }
        const v = await validateManifest(text, file, { modelPath: o.model, checkDisk: o.checkDisk, maxFindings: o.maxProblems, signal: ctx.signal, onProgress: progressReporter(o.progress), optionNames: CLI_OPTION_NAMES });
        results.push({ file, text, findings: v.findings });
      }
      emit(o.format === 'json' ? renderFindingsJson(results) : o.format === 'sarif' ? renderFindingsSarif(results) : renderFindingsText(results));
      ctx.exitCode = results.some((r) => r.findings.some((f) => f.severity === 'error')) ? 1 : 0;
      const bad = results.find((r) => r.findings.some((f) => f.severity === 'error'));
      if (bad) {
        const errors = bad.findings.filter((f) => f.severity === 'error');
        reportFailure(bad.file, `${errors.length} error(s)`, errors);
      }
    });
  const noDisk = 'it names the model whose files are re-hashed, and --no-check-disk skips that: drop one of them';
  declareForms(validate, [
    { name: 'manifest validate --no-check-disk', when: (g) => g.has('checkDisk'), sample: ['--no-check-disk'], options: '*', except: { model: noDisk } },
    { name: 'manifest validate', sample: [], options: '*' },
  ]);
  registerManifestExtras(manifest, ctx);
}

function readBomText(file: string): { text: string; bom: Record<string, unknown> } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fsError(err, file, 'read the manifest');
  }
  const bom = parseStrictJson(text, file);
  if (!isObject(bom) || bom.bomFormat !== 'CycloneDX') throw new InputError('CDX_NOT_A_BOM', 'not a CycloneDX BOM', { file });
  return { text, bom };
}

function readBom(file: string): Record<string, unknown> {
  return readBomText(file).bom;
}

/** `line L column C` of a JSON Pointer in the text, for messages about a file. */
function where(text: string, file: string, pointer: string): string {
  const { line, column } = lineColumn(text, rangeFor(parseJsonDocument(text, file), pointer, 'value').offset);
  return `line ${line} column ${column}`;
}

export function registerManifestExtras(manifest: Command, ctx: CliContext): void {
  manifest
    .command('export')
    .description('export an ML-BOM as SPDX 3.0.1 JSON-LD (Core, Software, AI, Dataset, SimpleLicensing profiles); every field without an SPDX counterpart is kept as an extension and listed')
    .argument('<file>', 'CycloneDX manifest')
    .addOption(new Option('--to <format>', 'target format').choices(['spdx3']).default('spdx3'))
    .option('--output <file>', 'where to write it (default: stdout)')
    .addOption(new Option('--format <format>', 'text: the SPDX document on stdout (or "wrote FILE"), the unmapped fields on stderr; json: one JSON object on stdout with the unmapped fields (and the document, without --output)').choices(['text', 'json']).default('text'))
    .action(async (file: string, o: { output?: string; format: 'text' | 'json' }) => {
      const { exportSpdx3, firstDuplicateBomRef } = await import('../../core/manifest/export-spdx');
      const { text: source, bom } = readBomText(file);
      let result: ReturnType<typeof exportSpdx3>;
      try {
        result = exportSpdx3(bom);
      } catch (err) {
        if (isProvenanceError(err) && err.code === 'CDX_BOM_REF_DUPLICATE' && err.pointer) {
          const dup = firstDuplicateBomRef(bom)!;
          throw new InputError(
            err.code,
            `bom-ref ${JSON.stringify(dup.ref)} at ${where(source, file, dup.pointer)} is already used at ${where(source, file, dup.firstPointer).replace(/ column \d+$/, '')}: the SPDX ids and relationships would be ambiguous; make every bom-ref unique (manifest validate shows each)`,
            { file, pointer: dup.pointer },
          );
        }
        throw err;
      }
      const { document, unmapped } = result;
      const names = new Map<string, string>();
      for (const e of (document['@graph'] as Record<string, unknown>[]) ?? []) if (typeof e.spdxId === 'string') names.set(e.spdxId, e.type === 'SpdxDocument' ? 'the SpdxDocument' : `${String(e.type)} ${JSON.stringify(e.name ?? e.spdxId)}`);
      const text = `${JSON.stringify(document, null, 2)}\n`;
      if (o.output) writeFileAtomic(o.output, text);
      if (o.format === 'json') {
        emit(`${JSON.stringify({ ...(o.output ? { output: o.output } : { document }), unmapped: unmapped.map((u) => ({ ...u, elementName: names.get(u.element) })) }, null, 2)}\n`);
        return;
      }
      if (!o.output) emit(text);
      // Never silently: say what had no SPDX home and where it went.
      if (unmapped.length > 0) {
        process.stderr.write(`note: ${unmapped.length} CycloneDX field(s) have no SPDX 3.0.1 counterpart; each is kept as an extension_CdxPropertyEntry "cdx:<pointer>":\n`);
        for (const u of unmapped) process.stderr.write(`  ${u.pointer} -> on ${names.get(u.element) ?? u.element}${u.reason ? ` (${u.reason})` : ''}\n`);
      }
      if (o.output) emit(`wrote ${o.output}\n`);
    });

  manifest
    .command('sign')
    .description('sign a manifest as an in-toto attestation (predicateType https://cyclonedx.org/bom) about the model, stored in the registry')
    .argument('<file>', 'CycloneDX manifest')
    .option('--private-key <file>', 'signing key (PEM)')
    .addOption(passwordOption('passphrase of an encrypted key (or MODEL_PROVENANCE_PASSPHRASE)'))
    .option('--password-file <file>', 'read the passphrase from a file')
    .option('--registry <spec>', 'registry (default: the workspace .provenance/)')
    .option('--output <file>', 'also write the signed bundle here')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file: string, o: { privateKey?: string; password?: string; passwordFile?: string; registry?: string; output?: string; format: string }) => {
      const [{ loadPrivateKey }, { signManifest }, { openRegistry }] = await Promise.all([
        import('../../core/keys/keys'),
        import('../../core/manifest/sign-manifest'),
        import('../../core/registry/open'),
      ]);
      const privateKey = loadPrivateKey(requireOption(o.privateKey, '--private-key'), passphrase(o), { optionNames: CLI_OPTION_NAMES });
      const store = openRegistry(o.registry, undefined, { access: 'write', onCreate: registryCreated, optionNames: CLI_OPTION_NAMES });
      const signed = await signManifest(readBom(file), file, { kind: 'key', privateKey }, store);
      if (o.output) writeFileAtomic(o.output, signed.bundle);
      if (o.format === 'json') emit(`${JSON.stringify({ id: signed.entry?.id, subject: signed.statement.subject[0], registry: store.location, location: signed.entry?.location, output: o.output }, null, 2)}\n`);
      else emit(`signed manifest ${file} for ${signed.statement.subject[0]!.name} sha256:${signed.statement.subject[0]!.digest.sha256}\n  stored  ${signed.entry?.id} in ${signed.entry?.location}\n`);
      void ctx;
    });
}

/** Beside the model, never inside it: a file added to the model would change its digest. */
export function defaultManifestPath(model: string): string {
  return join(dirname(model), `${basename(model)}.cdx.json`);
}

/** `FLAGGED_ARTIFACT ×52, ATTESTATION_EXPIRED`: each code once, with its count when it repeats, in order of first appearance. */
export function countCodes(codes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => (n > 1 ? `${c} ×${n}` : c)).join(', ');
}
