import type { Command } from 'commander';
import { chainSarif, loadCertificates, loadTrustedKeys, renderLineage, renderResult, verifyModel, type Trust } from '../../core';
import { addChainOptions, modelOrDigest, runChain, type ChainCliOptions } from './chain';
import { addModelScopeOptions, collect, emit, modelScope, printWarnings, requireOption, type ModelScopeOptions } from '../options';
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
}

function addVerifyOptions(cmd: Command): Command {
  return addModelScopeOptions(cmd, ['text', 'json', 'report', 'sarif'])
    .option('--signature <file>', 'the signature (default: MODEL/model.sig, or MODEL.sig for a file)')
    .option('--ignore-unsigned-files', 'accept files the signature does not list (they are still reported)')
    .option('--scan', 'also inspect the model files (headers only, nothing executed): a dangerous pickle global or a disguised archive fails verification');
}

async function run(model: string, opts: VerifyOptions, trust: Trust, ctx: CliContext): Promise<void> {
  const result = await verifyModel({
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
  printWarnings(model, result.warnings);
  emit(renderResult(result, opts.format));
  ctx.exitCode = result.verdict === 'verified' ? 0 : 1;
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
        .enablePositionalOptions(),
    ),
  ).action(async (positional: string | undefined, opts: VerifyOptions & ChainCliOptions) => {
    if (opts.policy) {
      const result = await runChain(modelOrDigest(positional ?? opts.model, opts.digest), opts, ctx, true);
      emit(opts.format === 'sarif' ? chainSarif(result) : renderLineage(result, opts.format === 'json' ? 'json' : opts.format === 'report' ? 'report' : 'text'));
      ctx.exitCode = result.verdict === 'verified' ? 0 : 1;
      return;
    }
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
