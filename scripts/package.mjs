// Builds the .vsix from the bundles: no node_modules inside (everything is in dist/).
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const out = `model-provenance-${pkg.version}.vsix`;
execFileSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--baseContentUrl', 'https://model-provenance.dev/', '--baseImagesUrl', 'https://model-provenance.dev/', '--out', out], { stdio: 'inherit' });
const size = statSync(out).size;
console.log(`${out}: ${(size / 1024 / 1024).toFixed(2)} MB`);
if (size > 5 * 1024 * 1024) {
  console.error(`${out} is over 5 MB`);
  process.exit(1);
}
