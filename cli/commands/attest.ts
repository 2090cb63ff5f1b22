import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { InputError } from '../../core/errors';
import { STAGES, type Stage } from '../../core/attest/types';
import { attest, type AttestOptions, type InputRef } from '../../core/attest/attest';
import { attestOptionsFromParams, parseFramework, readAttestParams } from '../../core/attest/params';
import { describeClaim } from '../../core/chain/producer';
import { loadCertificates } from '../../core/keys/certificates';
import { loadPrivateKey } from '../../core/keys/keys';
import { openRegistry } from '../../core/registry/open';
import { writeFileAtomic } from '../../core/io/atomic-write';
import type { SigningIdentity } from '../../core/sign/sign-model';
import { CLI_OPTION_NAMES, jsonWarnings, addModelScopeFlags, collect, emit, modelScope, passphrase, passwordOption, printWarnings, registryCreated, requireOption, type ModelScopeFlags } from '../options';
import { declareForms, type Given } from '../forms';
import { progressReporter } from '../progress';
import type { CliContext } from '../context';

interface AttestCliOptions extends ModelScopeFlags {
  stage?: Stage;
  signature?: string;
  params?: string;
  privateKey?: string;
  password?: string;
  passwordFile?: string;
  signingCertificate?: string;
  certificateChain?: string[];
  subjectDigest?: string;
  subjectName?: string;
  runId?: string;
  baseModel?: string[];
  adapter?: string[];
  dataset?: string[];
  evalDataset?: string[];
  tokenizer?: string;
  code?: string[];
  hyperparameter?: string[];
  framework?: string;
  accelerator?: string[];
  env?: string[];
  builderId?: string;
  startedOn?: string;
  finishedOn?: string;
  registry?: string;
  store: boolean;
  replaces?: string[];
  output?: string;
  progress?: boolean;
  format: 'text' | 'json';
}

/**
 * An input as given on the command line: `sha256:…`, a path, or either named, `NAME=sha256:…`
 * or `NAME=PATH` (a named local dataset or model: hashed like a path, recorded with the
 * name). A value that exists as a path as written is that path, `=` and all.
 */
function ref(value: string, usage?: 'training' | 'evaluation'): InputRef {
  const m = /^([^=/\\]+)=(.+)$/.exec(value);
  const named = m && !existsSync(value) ? { name: m[1]!, rest: m[2]! } : undefined;
  const target = named?.rest ?? value;
  const base: InputRef = target.startsWith('sha256:') ? { digest: target } : { path: target };
  const out = named ? { ...base, name: named.name } : base;
  return usage ? { ...out, usage } : out;
}

/** `key=value` pairs; values that parse as JSON (numbers, booleans) keep their type. */
function pairs(values: string[] | undefined, flag: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    if (i <= 0) throw new InputError('USAGE', `${flag} expects key=value, got "${v}"`);
    const raw = v.slice(i + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* a plain string */
    }
    out[v.slice(0, i)] = value;
  }
  return out;
}

/** "NVIDIA H100x8,driver=550.54" -> { model, count, driver } */
function accelerator(v: string): { model: string; count?: number; driver?: string } {
  const [head, ...rest] = v.split(',');
  const m = /^(.*?)(?:\s*[x×]\s*(\d+))?$/.exec(head!.trim())!;
  const driver = rest.map((r) => r.trim()).find((r) => r.startsWith('driver='))?.slice(7);
  return { model: m[1]!, ...(m[2] ? { count: Number(m[2]) } : {}), ...(driver ? { driver } : {}) };
}

/** An option that may be given once: a second value is refused, never silently dropped. */
function once(flag: string, why: string): (value: string, previous: string | undefined) => string {
  return (value, previous) => {
    if (previous !== undefined) throw new InputError('OPTION_REPEATED', `${flag} is given twice ("${previous}", "${value}"): ${why}.`);
    return value;
  };
}

export function registerAttest(program: Command, ctx: CliContext): void {
  const cmd = addModelScopeFlags(program
    .command('attest')
    .description('attest one lifecycle stage: sign an SLSA provenance statement about MODEL and store it in the registry')
    .argument('[model]', 'the model this stage produced (file or folder); or give --subject-digest')
    .addOption(new Option('--stage <stage>', 'lifecycle stage').choices([...STAGES]))
    .option('--signature <file>', 'the model\'s signature, left out of the model as sign leaves it out (default: MODEL/model.sig)')
    .option('--params <file>', 'a JSON file with the stage fields (schemas/attest-params.schema.json; unknown keys are an error, flags win)')
    .option('--private-key <file>', 'signing key (PEM)')
    .addOption(passwordOption('passphrase of an encrypted key (or MODEL_PROVENANCE_PASSPHRASE)'))
    .option('--password-file <file>', 'read the passphrase from a file')
    .option('--signing-certificate <file>', 'sign with this certificate (chain instead of key hint)')
    .option('--certificate-chain <file>', 'intermediate certificates; repeatable', collect)
    .option('--subject-digest <sha256:…>', 'the model digest, when the model is not at hand')
    .option('--subject-name <name>', 'the model name (default: its folder or file name)')
    .option('--run-id <id>', 'training or pipeline run id')
    .option('--base-model <ref>', 'base model: a path (hashed) or sha256:…, or NAME=sha256:…; repeatable', collect)
    .option('--adapter <ref>', 'adapter merged or used; repeatable', collect)
    .option('--dataset <ref>', 'training dataset; repeatable', collect)
    .option('--eval-dataset <ref>', 'evaluation dataset; repeatable', collect)
    .option('--tokenizer <ref>', 'tokenizer')
    .option('--code <ref>', 'training code or recipe; repeatable', collect)
    .option('--hyperparameter <k=v>', 'hyperparameter; repeatable', collect)
    .option('--framework <name@version>', 'the ML framework, e.g. pytorch@2.6.0; once (other libraries: --env NAME=VERSION)', once('--framework', 'a stage records one framework; record other libraries and their versions with --env NAME=VERSION'))
    .option('--accelerator <spec>', 'hardware, e.g. "NVIDIA H100 x8,driver=550.54"; repeatable', collect)
    .option('--env <k=v>', 'environment detail (CUDA version, image digest); repeatable', collect)
    .option('--builder-id <uri>', 'the pipeline that ran the stage')
    .option('--started-on <time>', 'ISO 8601 start time')
    .option('--finished-on <time>', 'ISO 8601 finish time (default: now)')
    .option('--registry <spec>', 'registry: a folder or file:PATH (default: the workspace .provenance/)')
    .option('--replaces <id>', 'the registry id (sha256:…) of an attestation of this model that this one replaces, removed once this one is stored; repeatable', collect)
    .option('--no-store', 'do not store the attestation in the registry')
    .option('--output <file>', 'also write the signed bundle here')
    .option('--progress', 'show hashing progress on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show progress')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text')))
    .action(async (model: string | undefined, o: AttestCliOptions) => {
      // The file first, then every flag given replaces its key: flags win, nothing is merged silently.
      const p = o.params ? attestOptionsFromParams(readAttestParams(o.params), o.params) : {};
      const stage = o.stage ?? p.stage;
      if (!stage || !STAGES.includes(stage)) throw new InputError('USAGE', `missing or unknown --stage (one of ${STAGES.join(', ')})`);
      const privateKey = loadPrivateKey(requireOption(o.privateKey, '--private-key'), passphrase(o), { optionNames: CLI_OPTION_NAMES });
      let signer: SigningIdentity = { kind: 'key', privateKey };
      if (o.signingCertificate) {
        const [leaf, ...rest] = loadCertificates(o.signingCertificate);
        signer = { kind: 'certificate', privateKey, signingCertificate: leaf!, chain: [...rest, ...(o.certificateChain ?? []).flatMap((f) => loadCertificates(f))] };
      }
      const hyper = { ...(p.hyperparameters ?? {}), ...pairs(o.hyperparameter, '--hyperparameter') };
      const environment = { ...(p.environment ?? {}), ...pairs(o.env, '--env') };
      const modelPath = model ?? p.modelPath;
      if (!modelPath && (o.ignorePaths?.length || o.signature || o.allowSymlinks || !o.ignoreGitPaths)) {
        throw new InputError('USAGE', '--ignore-paths, --signature, --allow-symlinks and --no-ignore-git-paths describe the model on disk: give the model path, not only --subject-digest');
      }
      const store = o.store ? openRegistry(o.registry, undefined, { access: 'write', onCreate: registryCreated, optionNames: CLI_OPTION_NAMES }) : undefined;
      const options: AttestOptions = {
        ...(modelPath ? modelScope(modelPath, o, { signaturePath: o.signature }) : {}),
        modelPath,
        subjectDigest: o.subjectDigest ?? p.subjectDigest,
        subjectName: o.subjectName ?? p.subjectName,
        stage,
        trainingRunId: o.runId ?? p.trainingRunId,
        baseModels: o.baseModel ? o.baseModel.map((v) => ref(v)) : p.baseModels,
        adapters: o.adapter ? o.adapter.map((v) => ref(v)) : p.adapters,
        datasets: [...(o.dataset ? o.dataset.map((v) => ref(v, 'training')) : (p.datasets ?? [])), ...(o.evalDataset ? o.evalDataset.map((v) => ref(v, 'evaluation')) : (p.evalDatasets ?? []))],
        tokenizer: o.tokenizer ? ref(o.tokenizer) : p.tokenizer,
        code: o.code ? o.code.map((v) => ref(v)) : p.code,
        hyperparameters: Object.keys(hyper).length > 0 ? hyper : undefined,
        recipe: p.recipe,
        framework: o.framework ? parseFramework(o.framework) : p.framework,
        hardware: o.accelerator ? { accelerators: o.accelerator.map(accelerator) } : p.hardware,
        environment: Object.keys(environment).length > 0 ? environment : undefined,
        builderId: o.builderId ?? p.builderId,
        startedOn: o.startedOn ?? p.startedOn,
        finishedOn: o.finishedOn ?? p.finishedOn,
        byproducts: p.byproducts,
        signer,
        registry: store,
        signal: ctx.signal,
        onProgress: progressReporter(o.progress),
        optionNames: CLI_OPTION_NAMES,
        ...(o.replaces ? { replaces: o.replaces } : {}),
        checkConflicts: true,
      };
      const a = await attest(options);
      // `registry` is the registry (its spec), `location` where the entry sits in it (a file, or an OCI tag), as in every other JSON output.
      if (modelPath) printWarnings(modelPath, a.warnings);
      // An input given as a path whose own signature names another digest: it would not join in a chain.
      for (const w of a.inputWarnings) process.stderr.write(`model-provenance: warning: ${w.message} [${w.code}]\n`);
      if (a.inputWarnings.length > 0 && a.id && store) {
        // Stored all the same (a warning never changes the outcome): say how to take it back once re-attested.
        const scopeNote = o.ignorePaths?.length && a.inputWarnings.some((w) => w.role !== 'model') ? ' (--ignore-paths applies to MODEL, never to an input)' : '';
        const again = a.inputWarnings.every((w) => w.code === 'INPUT_NOT_AS_SIGNED') ? 'when you attest the stage again with the signed digest' : 'when you attest the stage again as the warnings above say';
        // Left beside its correction, the two would be conflicting claims (ATTESTATION_CONFLICT).
        process.stderr.write(`model-provenance: warning: the attestation is stored (${a.id}) with the digests of the files on disk${scopeNote}; ${again}, add --replaces ${a.id} so that this one is removed, or remove it: model-provenance registry rm ${a.id}${o.registry ? ` --registry ${o.registry}` : ''} [INPUT_WARNINGS_STORED]\n`);
      }
      if (a.conflicts.length > 0 && a.id) {
        // Stored all the same: which claim is right is for a person to find out; the gate fails until then.
        const reg = o.registry ? ` --registry ${o.registry}` : '';
        for (const c of a.conflicts) {
          process.stderr.write(`model-provenance: warning: the registry already holds ${describeClaim(c.id, c)}, which says it produced ${a.subject.name} from other inputs: it records ${c.records}, where this one records ${c.ours} [ATTESTATION_CONFLICT]\n`);
        }
        process.stderr.write(`model-provenance: warning: until the wrong claim is removed, the chain of ${a.subject.name} fails with ATTESTATION_CONFLICT: if this attestation corrects ${a.conflicts.length === 1 ? 'that one' : 'those'}, run model-provenance registry rm ${a.conflicts.map((c) => c.id).join(' ')}${reg} (or attest with --replaces ID next time); if ${a.conflicts.length === 1 ? 'that one is' : 'they are'} right, model-provenance registry rm ${a.id}${reg} [ATTESTATION_CONFLICT]\n`);
      }
      if (o.output) writeFileAtomic(o.output, a.bundle);
      if (o.format === 'json') {
        emit(`${JSON.stringify({ id: a.id, subject: a.subject, stage: a.stage, registry: store?.location, location: a.entry?.location, output: o.output, warnings: modelPath ? jsonWarnings(modelPath, a.warnings) : a.warnings, inputWarnings: a.inputWarnings, conflicts: a.conflicts, replaced: a.replaced, statement: a.statement }, null, 2)}\n`);
      } else {
        emit(`attested ${a.stage} of ${a.subject.name} ${a.subject.digest}\n`);
        if (a.entry) emit(`  stored  ${a.id} in ${a.entry.location}\n`);
        for (const r of a.replaced) emit(`  replaced ${r} (removed)\n`);
        if (o.output) emit(`  written ${o.output}\n`);
      }
    });
  // Intermediates travel with a signing certificate; alone they would be dropped.
  const needs = { certificateChain: { test: (g: Given) => g.has('signingCertificate'), needs: '--signing-certificate', sample: ['--signing-certificate', 'leaf.pem'] } };
  declareForms(cmd, [
    {
      name: 'attest --no-store',
      when: (g) => g.flags.some((f) => f.flag === '--no-store'),
      sample: ['--no-store'],
      options: '*',
      except: { registry: 'with --no-store nothing is written to a registry: drop --registry, or --no-store', replaces: 'with --no-store nothing is stored, so nothing is replaced: drop --replaces, or --no-store' },
      needs,
    },
    { name: 'attest', sample: [], options: '*', needs },
  ]);
}
