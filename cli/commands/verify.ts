import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option, type Command } from 'commander';
import { InputError, fsError, isProvenanceError } from '../../core/errors';
import { loadCertificates } from '../../core/keys/certificates';
import { loadPolicy, registryOrigin, registrySpecFor } from '../../core/policy/policy';
import { loadPrivateKey, loadTrustedKeys } from '../../core/keys/keys';
import { openRegistry, openRegistryIfPresent } from '../../core/registry/open';
import { advisoriesNotRead } from '../../core/incident/advisories';
import { recordGateDeployment, type GateRecordOptions } from '../../core/gate/deployment';
import { renderGate } from '../../core/gate/render';
import { renderResult } from '../../core/report/render';
import { sha256Of } from '../../core/incident/deployment';
import { verifyGate } from '../../core/gate/verify-gate';
import { verifyModel } from '../../core/verify/verify-model';
import type { RegistryEntry } from '../../core/registry/registry';
import type { Trust } from '../../core/verify/signature';
import { addChainOptions, isDigest, modelGiven, modelOrDigest, type ChainCliOptions } from './chain';
import { CLI_OPTION_NAMES, jsonWarnings, addModelScopeOptions, collect, emit, explicitOption, modelScope, passphrase, passwordOption, printWarnings, registryCreated, requireOption, type ModelScopeOptions } from '../options';
import { declareForms, type Given, type Needs } from '../forms';
import { progressReporter } from '../progress';
import { reportFailure } from '../failure';
import type { CliContext } from '../context';

interface VerifyOptions extends ModelScopeOptions {
  signature?: string;
  ignoreUnsignedFiles?: boolean;
  scan?: boolean;
  publicKey?: string;
  trustedKeys?: string;
  certificateChain?: string[];
  identity?: string;
  identityProvider?: string;
  trustedRoot?: string;
  trustConfig?: string;
  model?: string;
  attestation?: string;
  recordDeployment?: string;
  privateKey?: string;
  password?: string;
  passwordFile?: string;
}

declare const PACKAGE_VERSION: string;
const VERSION = typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev';

function addVerifyOptions(cmd: Command): Command {
  return addModelScopeOptions(cmd, ['text', 'json', 'report', 'sarif'])
    .option('--signature <file>', 'the signature (default: MODEL/model.sig, or MODEL.sig for a file)')
    .option('--ignore-unsigned-files', 'accept files the signature does not list (they are still reported)')
    .option('--scan', 'also inspect the model files (headers only, nothing executed): a dangerous pickle global or a disguised archive fails verification');
}

/** The trusted-key options, spelled as model_signing (`--public-key`) and as the gate form (`--trusted-keys`). */
function addKeyOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--public-key <fileOrDir>', 'trusted public key (PEM), or a folder of *.pem / *.pub keys').conflicts('trustedKeys'))
    .option('--trusted-keys <fileOrDir>', 'same as --public-key');
}

/**
 * What `--record-deployment ENV` needs, checked before anything is hashed (a bad key or
 * environment never follows a long verification). The registry is opened for write only
 * once the verdict passed: a failed gate creates nothing.
 */
function deploymentRecord(opts: VerifyOptions & { registry?: string }, policy: { uri: string; digest: string }): GateRecordOptions | undefined {
  if (opts.recordDeployment === undefined) return undefined;
  const privateKey = loadPrivateKey(requireOption(opts.privateKey, '--private-key', '--record-deployment signs the deployment record'), passphrase(opts), { optionNames: CLI_OPTION_NAMES });
  return {
    environment: opts.recordDeployment,
    signer: { kind: 'key', privateKey },
    registry: () => openRegistry(opts.registry, undefined, { access: 'write', onCreate: registryCreated, optionNames: CLI_OPTION_NAMES }),
    policy,
    verifierVersion: VERSION,
  };
}

/** The policy file as a VSA records it: its uri and the sha256 of its bytes. */
function policyRef(file: string): { uri: string; digest: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw fsError(err, file, 'read the policy');
  }
  return { uri: pathToFileURL(resolve(file)).href, digest: sha256Of(bytes) };
}

/** For a signature-only gate, the trust it ran under: the trusted keys' location and the digest of their sorted key ids. */
function keysRef(path: string | undefined, trust: Trust): { uri: string; digest: string } {
  const hints = trust.kind === 'key' ? trust.keys.map((k) => k.hint).sort() : [];
  return { uri: pathToFileURL(resolve(path ?? '.')).href, digest: sha256Of(hints.join('\n')) };
}

/**
 * A signature-only gate reads no advisory (it has no policy naming advisorySigners). When the
 * registry in reach holds some, say so on stderr: a flagged model or a revoked key would pass.
 * Best effort: a registry that cannot be read is named, never a failure of the signature check.
 */
async function warnAdvisoriesNotRead(model: string, registrySpec: string | undefined): Promise<void> {
  let message: string | undefined;
  try {
    const registry = openRegistryIfPresent(registrySpec, undefined, { optionNames: CLI_OPTION_NAMES });
    message = registry ? await advisoriesNotRead(registry, undefined, { withoutPolicy: 'verify with --policy P, a policy that names "advisorySigners"' }) : undefined;
  } catch (err) {
    message = `advisories could not be looked up in the registry (${isProvenanceError(err) ? err.message : String(err)}): a flagged model or a revoked key is not refused without --policy`;
  }
  if (message) advisoryWarning(model, message);
}

function advisoryWarning(model: string, message: string): void {
  process.stderr.write(`model-provenance: warning: ${model}: ${message} [ADVISORIES_NOT_READ]\n`);
}

function recorded(env: string, entry: RegistryEntry): void {
  process.stderr.write(`recorded deployment to ${env}: ${entry.id} in ${entry.location}\n`);
}

/** Signature only, the model_signing way: the result of verifyModel, as it always printed. */
async function run(model: string, opts: VerifyOptions & { registry?: string }, trust: Trust, ctx: CliContext, cmd: Command, record?: GateRecordOptions): Promise<void> {
  const result = await verifyModel({
    modelPath: model,
    signaturePath: opts.signature ?? opts.attestation,
    trust,
    ignorePaths: modelScope(model, opts).ignorePaths,
    ignoreGitPaths: explicitOption<boolean>(cmd, 'ignoreGitPaths'),
    allowSymlinks: opts.allowSymlinks,
    ignoreUnsignedFiles: opts.ignoreUnsignedFiles,
    scan: opts.scan,
    signal: ctx.signal,
    onProgress: progressReporter(opts.progress),
    optionNames: CLI_OPTION_NAMES,
  });
  printWarnings(model, result.warnings);
  if (opts.format === 'json') result.warnings = jsonWarnings(model, result.warnings);
  emit(renderResult(result, opts.format, { optionNames: CLI_OPTION_NAMES }));
  await warnAdvisoriesNotRead(model, opts.registry);
  ctx.exitCode = result.verdict === 'verified' ? 0 : 1;
  if (ctx.exitCode) reportFailure(model, `not verified${record ? '; no deployment record written' : ''}`, result.problems);
  else if (record) {
    // The same record the gate writes; a --scan here is folded into the signature's verdict.
    const checks = [{ check: 'signature' as const, verdict: 'verified' as const }, ...(opts.scan ? [{ check: 'scan' as const, verdict: 'verified' as const }] : [])];
    recorded(record.environment, await recordGateDeployment({ verdict: 'verified', model: { path: model, digest: result.subject?.digest }, checks, signature: result }, record));
  }
}

const keyTrust = (path: string | undefined, advice: string): Trust => ({
  kind: 'key',
  keys: loadTrustedKeys(requireOption(path, '--trusted-keys or --public-key', advice)),
});

// What selects and narrows the forms of `verify`.
const keysGiven = (g: Given): boolean => g.has('trustedKeys') || g.has('publicKey');
const needsModel: Needs = { test: modelGiven, needs: 'the model on disk (MODEL or --model), not only --digest', sample: [] };
const needsKeys: Needs = { test: keysGiven, needs: '--trusted-keys or --public-key (the keys that signature is checked with)', sample: ['--trusted-keys', 'keys'] };
const CHAIN_ONLY = 'it belongs to the chain of custody check: add --policy P';
const needsRecord: Needs = { test: (g) => g.has('recordDeployment'), needs: '--record-deployment ENV (it signs the deployment record)', sample: ['--record-deployment', 'production'] };

export function registerVerify(program: Command, ctx: CliContext): void {
  const verify = addChainOptions(
    addKeyOptions(
      addVerifyOptions(
        program
          .command('verify')
          .description(
            'verify a model before deployment: its OMS signature (key|certificate|sigstore, or MODEL with --trusted-keys), ' +
              'its chain of custody with --policy, or both; with --scan also its files. Exit 0 only when every check asked for passes, 1 failed, 2 bad input',
          )
          .argument('[model]', 'model path (or sha256:… with --policy)')
          .option('--model <path>', 'model file or folder (deployment-gate form)')
          .addOption(new Option('--attestation <file>', 'the model signature to check (deployment-gate spelling of --signature)').conflicts('signature'))
          .option('--policy <file>', 'verify the chain of custody against this trust policy (and the signature too when keys are given)')
          .option('--record-deployment <env>', 'after every check passed (and only then), store a signed deployment record (SLSA VSA) for this environment in the registry')
          .option('--private-key <file>', 'the key that signs the deployment record')
          .addOption(passwordOption('passphrase of an encrypted --private-key (or MODEL_PROVENANCE_PASSPHRASE)'))
          .option('--password-file <file>', 'read the passphrase of --private-key from a file')
          .enablePositionalOptions(),
      ),
    ),
  ).action(async (positional: string | undefined, opts: VerifyOptions & ChainCliOptions, cmd: Command) => {
    if (positional !== undefined && opts.model !== undefined) throw new InputError('OPTION_CONFLICT', 'the model was given twice (MODEL and --model): give it once');
    const model = positional ?? opts.model;
    const keysPath = opts.trustedKeys ?? opts.publicKey;
    if (!opts.policy) {
      const m = requireOption(model, 'the model (MODEL or --model)', 'or use --policy P for the chain of custody');
      if (isDigest(m)) throw new InputError('USAGE', `${m} is a digest: a signature is checked against the model on disk (give its path), a digest alone only with --policy P`);
      const trust = keyTrust(keysPath, 'the keys the signature is checked with; for certificate or Sigstore signatures use "verify certificate|sigstore MODEL", for the chain of custody --policy P');
      return run(m, opts, trust, ctx, cmd, deploymentRecord(opts, keysRef(keysPath, trust)));
    }
    const target = modelOrDigest(model, opts.digest);
    if (!target.modelPath && !target.digest) throw new InputError('USAGE', 'verify --policy needs the model (MODEL or --model) or its digest (--digest sha256:…)');
    const policy = loadPolicy(opts.policy);
    // The evidence is where --registry, MODEL_PROVENANCE_REGISTRY or else the policy says.
    const registrySpec = registrySpecFor(opts.registry, policy);
    const record = deploymentRecord({ ...opts, registry: registrySpec }, policyRef(opts.policy));
    const result = await verifyGate({
      ...target,
      signature: keysPath ? { path: opts.signature ?? opts.attestation, trust: keyTrust(keysPath, ''), ignoreUnsignedFiles: opts.ignoreUnsignedFiles } : undefined,
      // A registry that does not exist is an input error (exit 2), never an empty registry.
      chain: { registry: openRegistry(registrySpec, undefined, { origin: registryOrigin(opts.registry, policy), optionNames: CLI_OPTION_NAMES }), policy, checkArtifacts: opts.checkArtifacts, strict: opts.strict === true },
      scan: opts.scan,
      record,
      // --ignore-paths as model_signing resolves it: against the current directory.
      ignorePaths: target.modelPath ? modelScope(target.modelPath, opts).ignorePaths : undefined,
      ignoreGitPaths: explicitOption<boolean>(cmd, 'ignoreGitPaths'),
      allowSymlinks: opts.allowSymlinks,
      signal: ctx.signal,
      onProgress: progressReporter(opts.progress),
      optionNames: CLI_OPTION_NAMES,
    });
    if (target.modelPath) printWarnings(target.modelPath, result.warnings);
    if (opts.format === 'json' && target.modelPath) result.warnings = jsonWarnings(target.modelPath, result.warnings);
    emit(renderGate(result, opts.format, { optionNames: CLI_OPTION_NAMES }));
    if (result.advisoriesNotRead) advisoryWarning(target.modelPath ?? target.digest!, result.advisoriesNotRead);
    ctx.exitCode = result.verdict === 'verified' ? 0 : 1;
    const failed = result.checks.filter((c) => c.verdict !== 'verified').map((c) => c.check);
    if (ctx.exitCode) reportFailure(target.modelPath ?? target.digest!, `not verified (${failed.join(', ')} failed)${record ? '; no deployment record written' : ''}`, result.problems);
    if (result.deployment) recorded(record!.environment, result.deployment);
  });
  // Every option of verify is declared in one of these forms (test/cli/forms.test.ts keeps it so):
  // a new option is refused in a form until it is listed there.
  declareForms(verify, [
    {
      name: 'verify --policy',
      when: (g) => g.has('policy'),
      sample: ['--policy', 'policy.json', 'model'],
      options: {
        policy: true,
        registry: true,
        digest: true,
        checkArtifacts: true,
        strict: true,
        model: true,
        format: true,
        progress: true,
        trustedKeys: needsModel,
        publicKey: needsModel,
        scan: needsModel,
        ignorePaths: needsModel,
        ignoreGitPaths: needsModel,
        allowSymlinks: needsModel,
        attestation: needsKeys,
        signature: needsKeys,
        ignoreUnsignedFiles: needsKeys,
        recordDeployment: true,
        privateKey: needsRecord,
        password: needsRecord,
        passwordFile: needsRecord,
      },
    },
    {
      name: 'verify MODEL (signature)',
      sample: ['model', '--trusted-keys', 'keys'],
      options: {
        model: true,
        attestation: true,
        signature: true,
        trustedKeys: true,
        publicKey: true,
        ignoreUnsignedFiles: true,
        scan: true,
        ignorePaths: true,
        ignoreGitPaths: true,
        allowSymlinks: true,
        progress: true,
        format: true,
        recordDeployment: true,
        privateKey: needsRecord,
        password: needsRecord,
        passwordFile: needsRecord,
        // Without a policy the registry is only where a deployment record goes.
        registry: { ...needsRecord, needs: '--record-deployment ENV (the registry stores the deployment record); for the chain of custody add --policy P' },
      },
      except: { digest: CHAIN_ONLY, checkArtifacts: CHAIN_ONLY, strict: CHAIN_ONLY },
    },
  ]);

  addKeyOptions(addVerifyOptions(verify.command('key').description('verify with a trusted public key, or a folder of them')))
    .argument('<model>', 'model file or folder')
    .action((model: string, opts: VerifyOptions, cmd: Command) => run(model, opts, keyTrust(opts.publicKey ?? opts.trustedKeys, 'the keys the signature is checked with'), ctx, cmd));

  addVerifyOptions(verify.command('certificate').description('verify a certificate-chain signature against trusted CA certificates'))
    .argument('<model>', 'model file or folder')
    .option('--certificate-chain <file>', 'trusted CA certificate(s), PEM; repeatable', collect)
    .action((model: string, opts: VerifyOptions, cmd: Command) => {
      const anchors = requireOption(opts.certificateChain, '--certificate-chain').flatMap((f) => loadCertificates(f));
      return run(model, opts, { kind: 'certificate', anchors }, ctx, cmd);
    });

  addVerifyOptions(verify.command('sigstore').description('verify a Sigstore keyless signature, offline'))
    .argument('<model>', 'model file or folder')
    .option('--identity <identity>', 'expected signer identity (exact match)')
    .option('--identity-provider <url>', 'expected OIDC issuer (exact match)')
    .addOption(new Option('--trusted-root <file>', 'Sigstore trusted_root.json (default: the public-good root shipped with @sigstore/tuf)').conflicts('trustConfig'))
    .option('--trust-config <file>', 'same as --trusted-root')
    .action((model: string, opts: VerifyOptions, cmd: Command) =>
      run(
        model,
        opts,
        {
          kind: 'sigstore',
          identity: requireOption(opts.identity, '--identity'),
          issuer: requireOption(opts.identityProvider, '--identity-provider'),
          trustedRootPath: opts.trustedRoot ?? opts.trustConfig,
        },
        ctx,
        cmd,
      ),
    );
}
