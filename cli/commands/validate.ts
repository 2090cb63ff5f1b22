import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { fsError, inspectSignatureText, isProvenanceError } from '../../core';
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
}

/**
 * Format checks without keys: does each file parse as the document it claims to be?
 * Exit 0 all valid, 1 any invalid, 2 when a file cannot be read. Trust is `verify`'s job, not this one's.
 */
export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('check the format of OMS signature files (bundle, envelope, statement, predicate); no keys, no trust')
    .argument('<files...>', 'signature files')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((files: string[], opts: { format: 'text' | 'json' }) => {
      // A file that cannot be read was not validated at all: bad input (exit 2), not an invalid file.
      const texts = files.map((file) => {
        try {
          return readFileSync(file, 'utf8');
        } catch (err) {
          throw fsError(err, file, 'read the signature');
        }
      });
      const findings: Finding[] = files.map((file, i) => {
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
          emit(f.valid ? `valid   ${f.file}: ${f.resources} resource(s), subject ${f.subject}\n` : `invalid ${f.file}: ${f.message} [${f.code}]\n`);
        }
      ctx.exitCode = findings.every((f) => f.valid) ? 0 : 1;
      const invalid = findings.filter((f) => !f.valid);
      if (invalid.length > 0) reportFailure(invalid[0]!.file, `invalid${files.length > 1 ? ` (${invalid.length} of ${files.length} files)` : ''}`, [{ code: invalid[0]!.code!, message: invalid[0]!.message! }]);
    });
}
