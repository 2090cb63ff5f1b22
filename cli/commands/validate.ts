import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { detectKind } from '../../core/documents/kind';
import { fsError, isProvenanceError } from '../../core/errors';
import { inspectSignatureText } from '../../core/oms/inspect';
import { isObject, lineColumn } from '../../core/io/json';
import { validateManifestStatic } from '../../core/manifest/validate-manifest';
import { emit } from '../options';
import type { CliContext } from '../context';
import { reportFailure } from '../failure';

interface Finding {
  file: string;
  valid: boolean;
  code?: string;
  message?: string;
  subject?: string;
  predicateType?: string;
  resources?: number;
  /** For a CycloneDX manifest: every finding of the one manifest validator, located. */
  findings?: { line: number; column: number; severity: string; code: string; message: string; pointer?: string }[];
}

/**
 * A CycloneDX manifest goes through the one manifest validator (the static pass: schema,
 * profile, bom-refs; `manifest validate` also re-hashes the model). undefined when the
 * file is not a manifest.
 */
function manifestFinding(file: string): Finding | undefined {
  // By content first, file name second, as the editor decides; a file that cannot be read is
  // left to the signature path, which reports it.
  const byName = detectKind(file, undefined)?.kind === 'manifest';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (!byName && !text.includes('"bomFormat"')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (detectKind(file, value)?.kind !== 'manifest') return undefined;
  const v = validateManifestStatic(text, file);
  const findings = v.findings.map((f) => ({ ...lineColumn(text, f.offset), severity: f.severity, code: f.code, message: f.message, ...(f.pointer !== undefined ? { pointer: f.pointer } : {}) }));
  const firstError = findings.find((f) => f.severity === 'error');
  return {
    file,
    valid: !firstError,
    ...(firstError ? { code: firstError.code, message: firstError.message } : {}),
    subject: `CycloneDX ${isObject(value) ? String(value.specVersion) : '?'} manifest`,
    findings,
  };
}

/**
 * Format checks without keys: does each file parse as the document it claims to be?
 * Exit 0 all valid, 1 any invalid, 2 when a file cannot be read. Trust is `verify`'s job, not this one's.
 */
export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('check the format of OMS signature files (bundle, envelope, statement, predicate) and CycloneDX manifests; no keys, no trust')
    .argument('<files...>', 'signature files or CycloneDX manifests')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((files: string[], opts: { format: 'text' | 'json' }) => {
      // A file that cannot be read was not validated at all: bad input (exit 2), not an invalid file.
      const texts = files.map((file) => {
        try {
          return readFileSync(file, 'utf8');
        } catch (err) {
          throw fsError(err, file, 'read the file');
        }
      });
      const findings: Finding[] = files.map((file, i) => {
        const manifest = manifestFinding(file);
        if (manifest) return manifest;
        try {
          const { bundle, unverifiedManifest: m } = inspectSignatureText(texts[i]!, file);
          return {
            file,
            valid: true,
            subject: m.rootDigest ? `${m.subjectName} sha256:${m.rootDigest}` : m.subjectName,
            predicateType: m.predicateType,
            resources: m.resources.length,
            bundleVersion: bundle.version,
          };
        } catch (err) {
          if (!isProvenanceError(err)) throw err;
          return { file, valid: false, code: err.code, message: err.message };
        }
      });
      if (opts.format === 'json') emit(`${JSON.stringify(findings, null, 2)}\n`);
      else
        for (const f of findings) {
          if (f.findings) {
            const errors = f.findings.filter((x) => x.severity === 'error');
            if (errors.length === 0) emit(`valid   ${f.file}: ${f.subject}, ${f.findings.length} warning(s)\n`);
            for (const x of errors) emit(`invalid ${f.file}:${x.line}:${x.column}: ${x.message} [${x.code}]\n`);
            continue;
          }
          emit(f.valid ? `valid   ${f.file}: ${f.resources} resource(s), subject ${f.subject}\n` : `invalid ${f.file}: ${f.message} [${f.code}]\n`);
        }
      ctx.exitCode = findings.every((f) => f.valid) ? 0 : 1;
      const invalid = findings.filter((f) => !f.valid);
      if (invalid.length > 0) reportFailure(invalid[0]!.file, `invalid${files.length > 1 ? ` (${invalid.length} of ${files.length} files)` : ''}`, [{ code: invalid[0]!.code!, message: invalid[0]!.message! }]);
    });
}
