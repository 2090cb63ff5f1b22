import { Option, type Command } from 'commander';
import { loadCertificates } from '../../core/keys/certificates';
import { loadPrivateKey } from '../../core/keys/keys';
import { signModel, type SigningIdentity } from '../../core/sign/sign-model';
import { InputError } from '../../core/errors';
import { CLI_OPTION_NAMES, jsonWarnings, addModelScopeOptions, collect, emit, modelScope, passphrase, passwordOption, printWarnings, requireOption, type ModelScopeOptions } from '../options';
import { progressReporter } from '../progress';
import type { CliContext } from '../context';

interface SignOptions extends ModelScopeOptions {
  signature?: string;
  privateKey?: string;
  password?: string;
  passwordFile?: string;
  signingCertificate?: string;
  certificateChain?: string[];
  hashType: 'sha256' | 'blake2b';
  bundleVersion: '0.1' | '0.2' | '0.3';
}

function addSignOptions(cmd: Command): Command {
  return addModelScopeOptions(cmd)
    .argument('<model>', 'model file or folder')
    .option('--signature <file>', 'where to write the signature (default: MODEL/model.sig, or MODEL.sig for a file)')
    .option('--private-key <file>', 'PEM private key (EC P-256, P-384 or P-521)')
    .addOption(passwordOption('passphrase of an encrypted private key (or MODEL_PROVENANCE_PASSPHRASE)'))
    .option('--password-file <file>', 'read the passphrase from a file')
    .addOption(new Option('--hash-type <alg>', 'file hash').choices(['sha256', 'blake2b']).default('sha256'))
    .addOption(new Option('--bundle-version <v>', 'Sigstore bundle version to write').choices(['0.1', '0.2', '0.3']).default('0.3'));
}

async function run(model: string, opts: SignOptions, signer: SigningIdentity, ctx: CliContext): Promise<void> {
  const signed = await signModel({
    modelPath: model,
    signaturePath: opts.signature,
    signer,
    ...modelScope(model, opts),
    hashType: opts.hashType,
    bundleVersion: opts.bundleVersion,
    signal: ctx.signal,
    onProgress: progressReporter(opts.progress),
    optionNames: CLI_OPTION_NAMES,
  });
  printWarnings(model, signed.warnings);
  if (opts.format === 'json') {
    const { bundle: _b, ...rest } = signed;
    emit(`${JSON.stringify({ ...rest, warnings: jsonWarnings(model, rest.warnings) }, null, 2)}\n`);
  } else {
    emit(`signed ${model} (${signed.resources.length} file(s)) -> ${signed.signaturePath}\n  subject ${signed.subject.name} ${signed.subject.digest}\n  key     ${signed.keyId.slice(0, 16)}\n`);
  }
}

function keySigner(opts: SignOptions): SigningIdentity {
  return { kind: 'key', privateKey: loadPrivateKey(requireOption(opts.privateKey, '--private-key'), passphrase(opts), { optionNames: CLI_OPTION_NAMES }) };
}

export function registerSign(program: Command, ctx: CliContext): void {
  const sign = program.command('sign').description('sign a model with an OpenSSF Model Signing (OMS) signature').enablePositionalOptions();
  addSignOptions(sign.command('key', { isDefault: true }).description('sign with a private key')).action((model: string, opts: SignOptions) =>
    run(model, opts, keySigner(opts), ctx),
  );
  addSignOptions(sign.command('certificate').description('sign with a private key and its certificate chain'))
    .option('--signing-certificate <file>', 'PEM certificate of the signing key')
    .option('--certificate-chain <file>', 'PEM intermediate certificate(s) to include; repeatable', collect)
    .action((model: string, opts: SignOptions) => {
      const cert = loadCertificates(requireOption(opts.signingCertificate, '--signing-certificate'));
      const chain = (opts.certificateChain ?? []).flatMap((f) => loadCertificates(f));
      const privateKey = loadPrivateKey(requireOption(opts.privateKey, '--private-key'), passphrase(opts), { optionNames: CLI_OPTION_NAMES });
      return run(model, opts, { kind: 'certificate', privateKey, signingCertificate: cert[0]!, chain: [...cert.slice(1), ...chain] }, ctx);
    });
  sign
    .command('sigstore')
    .description('keyless signing (needs Fulcio and Rekor on the network)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new InputError('UNSUPPORTED', 'keyless signing needs network access to Fulcio and Rekor, which this build does not use; sign with "sign key" or "sign certificate" (verification of keyless signatures works offline)');
    });
}
