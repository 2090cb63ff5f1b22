// The end-to-end tier (npm test runs it last; npm run test:e2e alone). Real VS Code (code-server
// 4.139.1, a Node extension host) driven by headless Debian chromium through playwright-core.
// Prerequisites: scripts/setup-e2e.sh. The packaged extension is the one tested: npm run package,
// the .vsix unpacked as the development extension for the API suite and installed for the UI walks.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildSuite } from './build-suite.mjs';
import { runDir, runExtensionTests, startCodeServer } from './lib/codeserver.mjs';
import { HAVE_MT_VECTORS, MT_VECTORS, OUT, prerequisites } from './lib/env.mjs';
import { MAX_VSIX_BYTES, packageVsix, unpackVsix } from './lib/vsix.mjs';
import { firstRunWalk, hostileWalk, incidentWalk, mainWalk, reviewWalk, vectorsWalk } from './lib/walks.mjs';
import { makeHostileWorkspace, makeIncidentWorkspace, makeMainWorkspace, makeReviewWorkspace, tempDir, writeUserSettings } from './lib/workspace.mjs';

// Generous for a loaded shared 2-core machine (a workbench alone can take a minute to load there); every wait inside is on a condition.
const STEP = { timeout: 360_000 };
const LONG = { timeout: 600_000 };

describe('e2e: the packaged extension in code-server + chromium', () => {
  let pre;
  let vsix;
  let unpacked;
  let suite;

  const started = Date.now();
  after(() => console.log(`  e2e tier: ${((Date.now() - started) / 1000).toFixed(1)} s`));

  before(async () => {
    pre = prerequisites();
    if ('missing' in pre) throw new Error(`e2e prerequisites missing: ${pre.missing}. Run scripts/setup-e2e.sh`);
    // This run's screenshots and logs only (the CI artifact).
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const t = Date.now();
    vsix = packageVsix();
    unpacked = unpackVsix(vsix.path, tempDir('mp-e2e-vsix-'));
    suite = await buildSuite(join(tempDir('mp-e2e-suite-'), 'index.js'));
    console.log(`  npm run package + unpack + suite bundle: ${((Date.now() - t) / 1000).toFixed(1)} s; ${vsix.path} ${(vsix.size / 1024 / 1024).toFixed(2)} MB`);
  });

  test('npm run package: a .vsix under 5 MB with the bundles, schemas and grammars, no node_modules', () => {
    assert.ok(vsix.size < MAX_VSIX_BYTES, `${vsix.size} bytes`);
    for (const f of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/server.js', 'extension/syntaxes/model-provenance-json.tmLanguage.json', 'extension/schemas/ml-provenance.schema.json']) {
      assert.ok(unpacked.names.includes(f), `${f} is not in the .vsix`);
    }
    assert.deepEqual(unpacked.names.filter((n) => /node_modules|\.ts$|\.map$/.test(n)), []);
    // VS Code's own layer of the hostile-workspace defence (the client filters too; see the walks below).
    const manifest = JSON.parse(readFileSync(join(unpacked.extensionPath, 'package.json'), 'utf8'));
    const restricted = manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? [];
    for (const k of ['trustedKeys', 'certificateAnchors', 'trustedIdentities', 'policy', 'registry', 'signingKey']) assert.ok(restricted.includes(`modelProvenance.${k}`), `modelProvenance.${k} is not a restricted configuration`);
  });

  test('extension tests (test/e2e/suite) in the extension host, on the unpacked .vsix', STEP, async () => {
    const ws = makeMainWorkspace();
    const run = runDir('mp-e2e-ext-');
    writeUserSettings(run.userDataDir, { 'modelProvenance.trustedKeys': [ws.pub], 'security.workspace.trust.enabled': false });
    const server = await startCodeServer(pre, { ...run, install: vsix.path, testDriver: true });
    let result;
    try {
      result = await runExtensionTests(pre, server, {
        extensionDevelopmentPath: unpacked.extensionPath,
        extensionTestsPath: suite,
        folder: ws.root,
        onLog: (line) => {
          if (/^\s*(✔|✗|✘|\d+\)|\d+ (passing|failing|pending)|Model Provenance|E2E_|AssertionError|Error)/.test(line) || /^\s{4,}/.test(line)) console.log(`    │ ${line}`);
        },
      });
    } finally {
      await server.stop();
    }
    writeFileSync(join(OUT, 'extension-tests.log'), `${result.lines.join('\n')}\n`);
    assert.notEqual(result.code, 'timeout', `no exit code from the extension host in time (log: ${join(OUT, 'extension-tests.log')}; server log tail:\n${server.log().slice(-2000)})`);
    const passing = Number(/(\d+) passing/.exec(result.lines.join('\n'))?.[1] ?? 0);
    assert.equal(result.code, 0, `extension tests failed (exit ${result.code}); see ${join(OUT, 'extension-tests.log')}`);
    assert.ok(passing >= 9, `only ${passing} extension tests passed`);
    const activation = result.lines.map((l) => /E2E_ACTIVATION (\{.*\})/.exec(l)?.[1]).find(Boolean);
    assert.ok(activation, 'the suite did not report the activation time');
    const a = JSON.parse(activation);
    writeFileSync(join(OUT, 'activation.json'), `${JSON.stringify({ ...a, installMs: server.installMs, at: new Date().toISOString() }, null, 2)}\n`);
    console.log(`  extension activation: ${a.activationMs} ms (activate() until the language server answered initialize); VS Code ${a.vscode}; --install-extension ${server.installMs} ms`);
  });

  test('main walk: one state on four surfaces (flip a byte, restore; a tab switch after each; a change while the tab is hidden), commands from the palette act on the model folder, Escape at every step of Generate Key Pair writes nothing', LONG, async () => {
    const shots = await mainWalk(pre, { vsix: vsix.path, ws: makeMainWorkspace() });
    console.log(`  screenshots: ${shots.map((s) => s.split('/').pop()).join(', ')}`);
  });

  test('first run, no trust configured: files match, signature not checked (status severity information); a changed file is modified (error); Trust this signer… asks, adds to user settings, then verified', STEP, async () => {
    await firstRunWalk(pre, { vsix: vsix.path, ws: makeMainWorkspace() });
  });

  test('keyless and certificate vectors: verified with trustedIdentities and certificateAnchors; a wrong identity and a wrong anchor say why; a CA in trustedKeys says where it belongs', { ...STEP, skip: HAVE_MT_VECTORS ? false : `the model-transparency vectors are not at ${MT_VECTORS}` }, async () => {
    await vectorsWalk(pre, { vsix: vsix.path });
  });

  test('hostile repository: Restricted Mode ignores its own .vscode trustedKeys, trustedIdentities and certificateAnchors (NOT verified on the lens, Problems, status and badge of each model); once the user trusts the folder they count (so the difference is workspace trust)', STEP, async () => {
    await hostileWalk(pre, { vsix: vsix.path, ws: makeHostileWorkspace() });
  });

  test('pull-request review: Show Lineage draws the four-stage pipeline as a graph and a click opens the payload of a stage; Compare Signed Contents… on a model.sig changed in the last commit shows the decoded diff; Open Decoded Payload on the git side of a diff', LONG, async () => {
    const shots = await reviewWalk(pre, { vsix: vsix.path, ws: makeReviewWorkspace() });
    console.log(`  screenshots: ${shots.map((s) => s.split('/').pop()).join(', ')}`);
  });

  test('incident in the editor: the security team flags the dataset; its references turn red with the advisory in the hover, the descendant model.sig is not verified (FLAGGED_ARTIFACT) on all four surfaces, Show Impact draws the affected models', LONG, async () => {
    const shots = await incidentWalk(pre, { vsix: vsix.path, ws: makeIncidentWorkspace() });
    console.log(`  screenshots: ${shots.map((s) => s.split('/').pop()).join(', ')}`);
  });
});
