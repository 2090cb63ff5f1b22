import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  InputError,
  chainSarif,
  loadCertificates,
  loadEffectiveFlags,
  loadPolicy,
  loadPrivateKey,
  loadTrustedKeys,
  openRegistry,
  recordDeployment,
  renderLineage,
  renderResult,
  sha256Of,
  signatureFlagProblems,
  verifyModel,
  type ChainResult,
  type EffectiveFlags,
  type LineageFormat,
  type SigningIdentity,
  type Trust,
  type VerificationResult,
} from '../../core';
import { addChainOptions, modelOrDigest, runChain, type ChainCliOptions } from './chain';
import { addModelScopeOptions, collect, emit, modelScope, passphrase, printWarnings, registryCreated, requireOption, type ModelScopeOptions } from '../options';
import { progressReporter } from '../progress';
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

/** The deployment record's signer: checked before verifying, so a bad key never follows a long hash. */
function deploymentSigner(opts: VerifyOptions): SigningIdentity | undefined {
  if (!opts.recordDeployment) return undefined;
  return { kind: 'key', privateKey: loadPrivateKey(requireOption(opts.privateKey, '--private-key', '--record-deployment signs the deployment record'), passphrase(opts)) };
}

async function verifySignatureGate(model: string, opts: VerifyOptions, trust: Trust, ctx: CliContext): Promise<VerificationResult> {
  return verifyModel({
    modelPath: model,
    signaturePath: opts.signature ?? opts.attestation,
    trust,
    ignorePaths: modelScope(model, opts).ignorePaths,
    ignoreGitPaths: opts.ignoreGitPaths,
    ignoreUnsignedFiles: opts.ignoreUnsignedFiles,
    scan: opts.scan,
    signal: ctx.signal,
    onProgress: progressReporter(opts.progress),
  });
}

async function run(model: string, opts: VerifyOptions & { registry?: string }, trust: Trust, ctx: CliContext): Promise<void> {
  const signer = deploymentSigner(opts);
  const result = await verifySignatureGate(model, opts, trust, ctx);
  printWarnings(model, result.warnings);
  emit(renderResult(result, opts.format));
  ctx.exitCode = result.verdict === 'verified' ? 0 : 1;
  if (signer && result.verdict === 'verified') await recordSignatureDeployment(result, opts, trust, signer);
}

/** After a passed signature gate: a deployment record whose "policy" is the trusted keys. */
async function recordSignatureDeployment(result: VerificationResult, opts: VerifyOptions & { registry?: string }, trust: Trust, signer: SigningIdentity): Promise<void> {
  const keys = trust.kind === 'key' ? trust.keys.map((k) => k.hint).sort() : [];
  const registry = openRegistry(opts.registry, undefined, { access: 'write', onCreate: registryCreated });
  const { entry } = await recordDeployment(registry, signer, {
    model: { digest: result.subject!.digest, name: result.subject!.name, uri: pathToFileURL(resolve(result.model)).href },
    environment: opts.recordDeployment!,
    gate: 'signature',
    policy: { uri: pathToFileURL(resolve(opts.publicKey ?? opts.trustedKeys ?? '.')).href, digest: sha256Of(keys.join('\n')) },
    inputAttestations: [{ uri: pathToFileURL(resolve(result.signature)).href, digest: sha256Of(readFileSync(result.signature)) }],
    timeVerified: new Date().toISOString(),
    verifierVersion: VERSION,
  });
  process.stderr.write(`recorded deployment to ${opts.recordDeployment}: ${entry.id} in ${registry.location}\n`);
}

/** After a passed chain gate: a deployment record naming the policy file and every link. */
async function recordChainDeployment(result: ChainResult, opts: VerifyOptions & { registry?: string; policy?: string }, signer: SigningIdentity): Promise<void> {
  const registry = openRegistry(opts.registry, undefined, { access: 'write', onCreate: registryCreated });
  const top = result.links.find((l) => l.depth === 0);
  const { entry } = await recordDeployment(registry, signer, {
    model: { digest: result.model.digest, name: top?.name ?? 'model', ...(result.model.path ? { uri: pathToFileURL(resolve(result.model.path)).href } : {}) },
    environment: opts.recordDeployment!,
    gate: 'policy',
    policy: { uri: pathToFileURL(resolve(opts.policy!)).href, digest: sha256Of(readFileSync(opts.policy!)) },
    inputAttestations: result.links.flatMap((l) => [l.attestation, ...l.annotations.map((a) => a.attestation)]).map((digest) => ({ digest })),
    timeVerified: new Date().toISOString(),
    verifierVersion: VERSION,
  });
  process.stderr.write(`recorded deployment to ${opts.recordDeployment}: ${entry.id} in ${registry.location}\n`);
}

const keyTrust = (opts: VerifyOptions): Trust => ({
  kind: 'key',
  keys: loadTrustedKeys(requireOption(opts.publicKey ?? opts.trustedKeys, '--public-key or --trusted-keys')),
});

export function registerVerify(program: Command, ctx: CliContext): void {
  const verify = addChainOptions(
    addVerifyOptions(
      program
        .command('verify')
        .description('verify a model: its OMS signature (key|certificate|sigstore, or the gate form), or its whole chain with --policy; exit 0 verified, 1 failed, 2 bad input')
        .argument('[model]', 'model path (or sha256:… with --policy)')
        .option('--model <path>', 'model file or folder (deployment-gate form)')
        .option('--attestation <file>', 'the signature to check (deployment-gate form)')
        .option('--trusted-keys <fileOrDir>', 'a public key, or a folder of trusted *.pem / *.pub keys')
        .option('--policy <file>', 'verify the chain of custody against this trust policy')
        .option('--record-deployment <env>', 'after a successful verification, store a signed deployment record (SLSA VSA) for this environment')
        .option('--private-key <file>', 'the key that signs the deployment record')
        .option('--password <passphrase>', 'passphrase of an encrypted --private-key (or MODEL_PROVENANCE_PASSPHRASE)')
        .option('--password-file <file>', 'read the passphrase from a file')
        .enablePositionalOptions(),
    ),
  ).action(async (positional: string | undefined, opts: VerifyOptions & ChainCliOptions) => {
    if (opts.policy) {
      const signer = deploymentSigner(opts);
      // The gate form with a policy: the signature must verify and obey the policy's flags and
      // advisories, and the chain must verify; the verdict needs both.
      let sig: VerificationResult | undefined;
      let flags: EffectiveFlags | undefined;
      if (opts.attestation || opts.trustedKeys || opts.publicKey) {
        const model = requireOption(positional ?? opts.model, '--model');
        sig = await verifySignatureGate(model, opts, keyTrust(opts), ctx);
        if (sig.verdict === 'verified' || sig.signer) {
          // One reading of the advisories for both parts of the verdict.
          flags = await loadEffectiveFlags(openRegistry(opts.registry), loadPolicy(opts.policy));
          const extra = signatureFlagProblems(sig, flags);
          sig.problems.push(...extra);
          if (extra.length > 0) sig.verdict = 'failed';
        }
      }
      const result = await runChain(modelOrDigest(positional ?? opts.model, opts.digest), opts, ctx, true, flags);
      const format: LineageFormat = opts.format === 'json' ? 'json' : opts.format === 'report' ? 'report' : 'text';
      if (opts.format === 'sarif') {
        // One SARIF log: the chain gate's run, and the signature gate's run when it ran too.
        const chain = JSON.parse(chainSarif(result)) as { runs: unknown[] };
        if (sig) chain.runs.unshift(...(JSON.parse(renderResult(sig, 'sarif')) as { runs: unknown[] }).runs);
        emit(`${JSON.stringify(chain, null, 2)}\n`);
      } else if (sig && opts.format === 'json') emit(`${JSON.stringify({ verdict: sig.verdict === 'verified' && result.verdict === 'verified' ? 'verified' : 'failed', signature: sig, chain: result }, null, 2)}\n`);
      else {
        if (sig) emit(renderResult(sig, opts.format === 'report' ? 'report' : 'text'));
        emit(renderLineage(result, format));
      }
      const ok = result.verdict === 'verified' && (!sig || sig.verdict === 'verified');
      ctx.exitCode = ok ? 0 : 1;
      if (ok && signer) await recordChainDeployment(result, opts, signer);
      return;
    }
    if (opts.recordDeployment && opts.digest) throw new InputError('USAGE', '--record-deployment needs the model itself (or --policy with a digest)');
    const model = requireOption(positional ?? opts.model, '--model', 'or use "verify key|certificate|sigstore MODEL", or --policy');
    return run(model, opts, keyTrust(opts), ctx);
  });

  addVerifyOptions(verify.command('key').description('verify with a trusted public key, or a folder of them'))
    .argument('<model>', 'model file or folder')
    .option('--public-key <fileOrDir>', 'trusted public key (PEM), or a folder of them')
    .option('--trusted-keys <fileOrDir>', 'same as --public-key')
    .action((model: string, opts: VerifyOptions) => run(model, opts, keyTrust(opts), ctx));

  addVerifyOptions(verify.command('certificate').description('verify a certificate-chain signature against trusted CA certificates'))
    .argument('<model>', 'model file or folder')
    .option('--certificate-chain <file>', 'trusted CA certificate(s), PEM; repeatable', collect)
    .action((model: string, opts: VerifyOptions) => {
      const anchors = requireOption(opts.certificateChain, '--certificate-chain').flatMap((f) => loadCertificates(f));
      return run(model, opts, { kind: 'certificate', anchors }, ctx);
    });

  addVerifyOptions(verify.command('sigstore').description('verify a Sigstore keyless signature, offline'))
    .argument('<model>', 'model file or folder')
    .option('--identity <identity>', 'expected signer identity (exact match)')
    .option('--identity-provider <url>', 'expected OIDC issuer (exact match)')
    .option('--trusted-root <file>', 'Sigstore trusted_root.json (default: the public-good root shipped with @sigstore/tuf)')
    .option('--trust-config <file>', 'same as --trusted-root')
    .action((model: string, opts: VerifyOptions) =>
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
      ),
    );
}
