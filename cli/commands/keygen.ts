import { Option, type Command } from 'commander';
import { CURVES, generateKeyPair, parseCurve, writeKeyPair } from '../../core/keys/keys';
import { emit, passphrase, passwordOption } from '../options';

interface KeygenOptions {
  curve: string;
  out: string;
  password?: string;
  passwordFile?: string;
  encrypt?: boolean;
  force?: boolean;
  format: 'text' | 'json';
}

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('generate an EC signing key pair: PREFIX.pem (private, mode 0600) and PREFIX.pub.pem')
    .option('--curve <curve>', `curve: ${CURVES.map((c) => c.toLowerCase().replace('-', '')).join(', ')}`, 'p256')
    .option('--out <prefix>', 'path prefix of the key files', 'signing-key')
    .addOption(passwordOption('encrypt the private key with this passphrase'))
    .option('--password-file <file>', 'read the passphrase from a file')
    .option('--force', 'replace existing key files')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: KeygenOptions) => {
      const curve = parseCurve(opts.curve);
      const pair = generateKeyPair(curve, passphrase(opts));
      const { privatePath, publicPath } = writeKeyPair(opts.out, pair, { overwrite: opts.force });
      if (opts.format === 'json') {
        emit(`${JSON.stringify({ curve, privateKey: privatePath, publicKey: publicPath, keyId: pair.hint }, null, 2)}\n`);
      } else {
        emit(`generated ${curve} key ${pair.hint.slice(0, 16)}\n  private ${privatePath} (mode 0600)\n  public  ${publicPath}\n`);
      }
    });
}
