import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { CLI_OPTION_NAMES, addModelScopeFlags, collect, emit, modelScope, passphrase, passwordOption, requireOption, type ModelScopeFlags } from '../options';
import { declareForms, type Given } from '../forms';
import { reportFailure } from '../failure';
import { SCOPE_NEEDS_MODEL, modelGiven, modelOrDigest } from './chain';

// The report's modules (frameworks, renderers, graph layout) load inside the actions, so
// that other commands do not pay for them at start-up.
type Core = typeof import('../../core');
const core = (): Promise<Core> => import('../../core');

const DEFAULT_POLICY = 'provenance-policy.json';
const DEFAULT_INPUTS = 'report-inputs.json';
const FRAMEWORK_CHOICES = ['eu-ai-act-annex-iv', 'eu-ai-act-annex-xi', 'eu-ai-act-annex-xii', 'nist-ai-rmf'];

interface ReportCliOptions extends ModelScopeFlags {
  framework?: string[];
  policy?: string;
  registry?: string;
  digest?: string;
  inputs?: string;
  manifest?: string;
  signature?: string;
  format: 'html' | 'md' | 'json' | 'cdxa';
  output?: string;
  force?: boolean;
  date?: string;
  failUnder?: string;
  requireVerified?: boolean;
  sign?: boolean;
  privateKey?: string;
  password?: string;
  passwordFile?: string;
  checkArtifacts: boolean;
  allowUnattested?: boolean;
}

function defaultPolicy(given: string | undefined): string | undefined {
  if (given) return given;
  return existsSync(DEFAULT_POLICY) && statSync(DEFAULT_POLICY).isFile() ? join(process.cwd(), DEFAULT_POLICY) : undefined;
}

function percent(value: string): number {
  const n = Number(value.replace(/%$/, ''));
  if (!/^\d+(\.\d+)?%?$/.test(value) || n > 100) throw new Error(`--fail-under expects a percentage from 0 to 100, got "${value}"`);
  return n;
}

export function registerReport(program: Command, ctx: CliContext): void {
  const report = addModelScopeFlags(program
    .command('report')
    .description('regulatory report from signed evidence (EU AI Act Annex IV/XI/XII, NIST AI RMF): every fact cites a verified attestation, every other sentence a named person')
    .argument('[model]', 'model path, or sha256:… digest (then the files are not inspected)')
    .addOption(new Option('--framework <id>', 'framework to report on; repeatable (default: all four)').choices(FRAMEWORK_CHOICES).argParser(collect as (v: string, p: unknown) => string[]))
    .option('--policy <file>', `trust policy the evidence is verified against (default: ./${DEFAULT_POLICY}; without one nothing verifies)`)
    .option('--registry <spec>', 'registry: a folder or file:PATH (default: the workspace .provenance/)')
    .option('--digest <sha256:…>', 'the model digest, when the model is not at hand')
    .option('--inputs <file>', `what people wrote: report-inputs.json (default: ./${DEFAULT_INPUTS} if present)`)
    .option('--manifest <file>', 'the ML-BOM (default: MODEL.cdx.json beside the model, else a signed one in the registry)')
    .option('--signature <file>', 'the model signature (default: MODEL/model.sig, or MODEL.sig for a file)'))
    .addOption(
      new Option('--format <format>', 'output format: html, md, json or cdxa (for PDF, print the HTML: its print stylesheet gives A4 pages)')
        .default('html')
        // choices first (help and completion list them), then our parser, which explains pdf.
        .choices(['html', 'md', 'json', 'cdxa'])
        .argParser((v: string) => {
          if (['html', 'md', 'json', 'cdxa'].includes(v)) return v;
          // PDF is the one asked for most: say how to get it rather than only what is allowed.
          throw new InvalidArgumentError(v === 'pdf' ? 'no PDF writer: write --format html and print it to PDF (a browser, or chromium --headless --print-to-pdf); its print stylesheet gives clean A4 pages' : `"${v}" is not a report format (html, md, json, cdxa)`);
        }),
    )
    .option('--output <file>', 'write the report here (atomically); an existing file is replaced only if this command wrote it, or with --force')
    .option('--force', 'replace an existing --output file even if a person wrote it')
    .option('--date <iso>', 'the report date (YYYY-MM-DD or ISO 8601; default: SOURCE_DATE_EPOCH, else now)')
    .option('--fail-under <percent>', 'exit 1 when any framework\'s completeness is below this percentage (for CI)')
    .option('--require-verified', 'exit 1 unless the chain verified against the policy and the model signature (when there is one) verified (for CI; the report is still written)')
    .option('--sign', 'sign the report (in-toto attestation, subject = the --output file\'s digest) into the registry')
    .option('--private-key <file>', 'signing key for --sign (PEM)')
    .addOption(passwordOption('passphrase of an encrypted key (or MODEL_PROVENANCE_PASSPHRASE)'))
    .option('--password-file <file>', 'read the passphrase from a file')
    .option('--no-check-artifacts', 'do not re-hash inputs found on disk (file:// uris)')
    .option('--allow-unattested', 'by digest: write the report of a digest the registry knows nothing of (every point missing) instead of refusing it [DIGEST_NOT_IN_REGISTRY]')
    .action(async (model: string | undefined, o: ReportCliOptions) => {
      const c = await core();
      const failUnder = o.failUnder === undefined ? undefined : (() => {
        try {
          return percent(o.failUnder!);
        } catch (err) {
          throw new c.InputError('USAGE', (err as Error).message);
        }
      })();
      if (o.sign && !o.output) throw new c.InputError('USAGE', '--sign needs --output: the signed subject is the report file');
      // A key given without --sign would silently sign nothing: say so instead.
      if (o.output) {
        const parent = dirname(resolve(o.output));
        if (!existsSync(parent) || !statSync(parent).isDirectory()) throw new c.InputError('FILE_NOT_FOUND', `the folder for --output does not exist (${parent}); create it first`, { file: o.output });
      }
      const privateKey = o.sign ? c.loadPrivateKey(requireOption(o.privateKey, '--private-key', 'to sign the report'), passphrase(o), { optionNames: CLI_OPTION_NAMES }) : undefined;
      const target = modelOrDigest(model, o.digest);
      if (!target.modelPath && !target.digest) throw new c.InputError('USAGE', 'report needs the model (a path) or its digest (sha256:…)');
      const policyPath = defaultPolicy(o.policy);
      const policy = policyPath ? c.loadPolicy(policyPath) : undefined;
      let reportSigner: string | undefined;
      if (privateKey) {
        // report verify accepts only signers of the policy: a report signed with another key could never be verified.
        if (!policy) throw new c.InputError('USAGE', `--sign needs the trust policy (--policy or ./${DEFAULT_POLICY}) that names who may sign reports`);
        reportSigner = c.policySignerForKey(privateKey, policy);
        if (!reportSigner) throw new c.InputError('REPORT_SIGNER_NOT_IN_POLICY', `the --private-key is not the key of any signer of the trust policy ${policyPath}: report verify would reject the report; sign with a policy signer's key, or add this key's public half to the policy`, { file: o.privateKey });
      }
      const inputs = o.inputs ?? (existsSync(DEFAULT_INPUTS) ? DEFAULT_INPUTS : undefined);
      // A report reads the evidence; --sign also stores the signed report.
      const registry = c.openRegistry(c.registrySpecFor(o.registry, policy), undefined, { access: o.sign ? 'write' : 'read', origin: c.registryOrigin(o.registry, policy), optionNames: CLI_OPTION_NAMES });
      const r = await c.buildReport({
        registry,
        policy,
        ...target,
        frameworks: (o.framework?.length ? o.framework : FRAMEWORK_CHOICES) as Parameters<Core['buildReport']>[0]['frameworks'],
        inputs,
        manifestPath: o.manifest,
        signaturePath: o.signature,
        // The files that make up the model, as it was signed and attested: its digest is the join key.
        ...(target.modelPath ? { scope: modelScope(target.modelPath, o) } : {}),
        date: o.date,
        checkArtifacts: o.checkArtifacts,
        allowUnattested: o.allowUnattested,
        signal: ctx.signal,
        optionNames: CLI_OPTION_NAMES,
      });
      const text = c.renderReport(r, o.format);
      const summary = r.frameworks.map((f) => `${f.short} ${f.completeness.score}% (${f.completeness.evidence} evidence, ${f.completeness.person} person, ${f.completeness.partial} partial, ${f.completeness.missing} missing)`).join('; ');
      if (o.output) {
        c.writeReport(o.output, text, { force: o.force, optionNames: CLI_OPTION_NAMES });
        const causes = c.chainCauses(r);
        process.stderr.write(`wrote ${o.output}: ${summary}; chain ${c.CHECK_WORDS.chain[r.verification.chain.verdict]}${causes.length ? ` (${causes.join('; ')})` : ''}\n`);
        if (o.sign) {
          const signed = await c.signReport(readFileSync(o.output), o.output, r, o.format, { kind: 'key', privateKey: privateKey! }, registry);
          process.stderr.write(`signed ${o.output} sha256:${signed.statement.subject[0]!.digest.sha256} as ${reportSigner}\n  stored  ${signed.entry.id} in ${signed.entry.location}\n`);
        }
      } else emit(text);
      if (r.inputs && !r.inputs.subject) process.stderr.write(`model-provenance: warning: ${r.inputs.file} names no model ("subject"), so nothing ties its text to ${r.model.name}; report init MODEL writes one [REPORT_INPUTS_UNBOUND]\n`);
      const below = failUnder === undefined ? [] : r.frameworks.filter((f) => f.completeness.score < failUnder);
      for (const f of below) process.stderr.write(`model-provenance: ${f.short} completeness ${f.completeness.score}% is below --fail-under ${failUnder}% [COMPLETENESS_BELOW_THRESHOLD]\n`);
      const unverified: string[] = [];
      if (o.requireVerified) {
        const v = r.verification;
        if (v.chain.verdict !== 'verified') unverified.push(`the chain is ${c.CHECK_WORDS.chain[v.chain.verdict]}${v.chain.problems.length ? ` (${c.chainCauses(r).join('; ')})` : ''} [CHAIN_NOT_VERIFIED]`);
        if (v.signature.status === 'failed' || v.signature.status === 'not-checked') unverified.push(`the model signature is ${c.CHECK_WORDS.signature[v.signature.status]}${v.signature.problems.length ? ` (${v.signature.problems.map((p) => p.code).join(', ')})` : ''} [SIGNATURE_NOT_VERIFIED]`);
        for (const u of unverified) process.stderr.write(`model-provenance: --require-verified: ${u}\n`);
      }
      ctx.exitCode = below.length || unverified.length ? 1 : 0;
    });

  const init = addModelScopeFlags(report
    .command('init')
    .description(`write a ${DEFAULT_INPUTS} skeleton: an empty entry (text, author, date) for every point a person must write that has none yet; never changes an existing entry`)
    .argument('[model]', 'the model the text is for (path or sha256:…): written as "subject", so that a report of another model refuses the file')
    .addOption(new Option('--framework <id>', 'framework; repeatable (default: all four)').choices(FRAMEWORK_CHOICES).argParser(collect as (v: string, p: unknown) => string[]))
    .option('--output <file>', `the inputs file to create or extend (default: ./${DEFAULT_INPUTS})`))
    .action(async (model: string | undefined, o: ModelScopeFlags & { framework?: string[]; output?: string }) => {
      const c = await core();
      const file = o.output ?? DEFAULT_INPUTS;
      const target = modelOrDigest(model);
      const subject = target.digest ? { digest: target.digest } : target.modelPath ? { name: basename(resolve(target.modelPath)), digest: (await c.hashModel(target.modelPath, { ...modelScope(target.modelPath, o), signal: ctx.signal, optionNames: CLI_OPTION_NAMES })).digest } : undefined;
      let existing: string | undefined;
      if (existsSync(file)) {
        try {
          existing = readFileSync(file, 'utf8');
        } catch (err) {
          throw c.fsError(err, file, 'read the report inputs');
        }
      }
      const { text, added } = c.initInputs(existing, (o.framework?.length ? o.framework : FRAMEWORK_CHOICES) as Parameters<Core['initInputs']>[1], file, subject);
      if (added.length === 0 && existing !== undefined) {
        emit(`${file}: every point a person must write already has an entry; nothing changed\n`);
        return;
      }
      c.writeFileAtomic(file, text);
      const entries = added.filter((a) => a !== 'subject').length;
      emit(`${existing === undefined ? 'wrote' : 'extended'} ${file}: ${entries} empty entr${entries === 1 ? 'y' : 'ies'} to fill (text, author, date)${added.includes('subject') ? `; for ${subject!.name ? `"${subject!.name}" ` : ''}${subject!.digest}` : ''}\n`);
    });

  report
    .command('verify')
    .description('check a signed report: its digest is attested in the registry by a signer of the policy, and the evidence it names is unchanged; exit 0 verified, 1 failed')
    .argument('<report>', 'the report file')
    .option('--policy <file>', `trust policy naming who may sign reports (default: ./${DEFAULT_POLICY})`)
    .option('--registry <spec>', 'registry (default: the workspace .provenance/)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file: string, o: { policy?: string; registry?: string; format: 'text' | 'json' }) => {
      const c = await core();
      const policyPath = defaultPolicy(o.policy);
      if (!policyPath) throw new c.InputError('USAGE', `report verify needs --policy (or ./${DEFAULT_POLICY}): it names the signers to trust`);
      const policy = c.loadPolicy(policyPath);
      const check = await c.verifyReport(file, c.openRegistry(c.registrySpecFor(o.registry, policy), undefined, { origin: c.registryOrigin(o.registry, policy), optionNames: CLI_OPTION_NAMES }), policy);
      if (o.format === 'json') emit(`${JSON.stringify(check, null, 2)}\n`);
      else if (check.verdict === 'verified') {
        const p = check.predicate!;
        emit(`VERIFIED ${file} ${check.digest}\n  signed by ${check.signer} (${check.attestation})\n  ${p.frameworks.map((f) => `${f.id} ${f.completeness}%`).join(', ')}; ${p.evidence.length} piece(s) of evidence, dated ${p.date}\n`);
      } else emit(`FAILED ${file} ${check.digest}\n${check.problems.map((p) => `  ${p.code}: ${p.message}\n`).join('')}`);
      ctx.exitCode = check.verdict === 'verified' ? 0 : 1;
      if (ctx.exitCode) reportFailure(file, 'not verified', check.problems);
    });
  // The signing key and the overwrite switch only act with what they serve; alone they would be dropped.
  const withSign = { test: (g: Given) => g.has('sign'), needs: '--sign', sample: ['--sign'] };
  const needs = { privateKey: withSign, password: withSign, passwordFile: withSign, force: { test: (g: Given) => g.has('output'), needs: '--output', sample: ['--output', 'report.html'] } };
  // A digest names no files: the model-scope flags need the model on disk.
  const byDigest = { ignorePaths: SCOPE_NEEDS_MODEL, ignoreGitPaths: SCOPE_NEEDS_MODEL, allowSymlinks: SCOPE_NEEDS_MODEL };
  declareForms(report, [
    // --allow-unattested is about a digest the registry does not know; a model on disk is always reported.
    { name: 'report', when: modelGiven, sample: ['model'], options: '*', except: { allowUnattested: 'a model on disk is reported whether or not anything attests it: the option is for a digest alone' }, needs },
    { name: 'report sha256:…', sample: [`sha256:${'0'.repeat(64)}`], options: '*', except: byDigest, needs },
  ]);
  declareForms(init, [
    { name: 'report init MODEL', when: modelGiven, sample: ['model'], options: '*' },
    { name: 'report init sha256:…', sample: [`sha256:${'0'.repeat(64)}`], options: '*', except: byDigest },
  ]);
}
