// Runner A: the same extension suite (test/e2e/suite) in desktop VS Code, through
// @vscode/test-electron, for machines that can download VS Code (it downloads a build into
// .vscode-test/). Not used here or in CI, where only the npm registry is reachable: there the
// suite runs in code-server (runner B, test/e2e/e2e.test.mjs, part of npm test).
//
//   npm run test:electron                    (VSCODE_VERSION=1.139.1 or stable, the default)
//   xvfb-run -a npm run test:electron        (Linux without a display)
//
// As in runner B, the packaged extension is the one tested: npm run package, then the unpacked .vsix
// is the extension development path, in a fresh workspace made with the CLI.
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildSuite } from './build-suite.mjs';
import { MAX_VSIX_BYTES, packageVsix, unpackVsix } from './lib/vsix.mjs';
import { makeMainWorkspace, tempDir, writeUserSettings } from './lib/workspace.mjs';

const vsix = packageVsix();
if (vsix.size > MAX_VSIX_BYTES) throw new Error(`${vsix.path} is ${vsix.size} bytes, over 5 MB`);
const { extensionPath } = unpackVsix(vsix.path, tempDir('mp-e2e-vsix-'));
const extensionTestsPath = await buildSuite(join(tempDir('mp-e2e-suite-'), 'index.js'));
const ws = makeMainWorkspace();
const profile = tempDir('mp-e2e-electron-');
const userDataDir = join(profile, 'user-data');
writeUserSettings(userDataDir, { 'modelProvenance.trustedKeys': [ws.pub], 'security.workspace.trust.enabled': false });

try {
  const code = await runTests({
    version: process.env.VSCODE_VERSION || 'stable',
    extensionDevelopmentPath: extensionPath,
    extensionTestsPath,
    launchArgs: [
      ws.root,
      `--user-data-dir=${userDataDir}`,
      `--extensions-dir=${join(profile, 'extensions')}`,
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--disable-gpu',
    ],
  });
  process.exit(code);
} catch (err) {
  console.error(`test:electron failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
