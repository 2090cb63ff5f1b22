/// <reference types="mocha" />
// Runs inside the VS Code extension host against the UNPACKED .vsix: the packaged extension is
// the one tested, so a file missing from the package fails here. The workspace is made by the
// runner with the CLI (test/e2e/lib/workspace.mjs): keys/prod, models/classifier (signed),
// models/classifier.cdx.json and models/broken.cdx.json; user settings trust keys/prod.pub.pem.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, codeOf, hoverText, waitFor, workspaceRoot, type VerifyOutcome } from './helpers';

const COMMANDS = ['verifyModel', 'trustSigner', 'attestModel', 'generateKeyPair', 'generateManifest', 'showLineage', 'showDecodedPayload', 'compareSignedContents', 'resignModel'].map((c) => `modelProvenance.${c}`);

describe('Model Provenance extension (packaged .vsix, real extension host)', () => {
  let root: string;
  let model: string;
  let sigUri: vscode.Uri;

  before(() => {
    root = workspaceRoot();
    model = join(root, 'models', 'classifier');
    sigUri = vscode.Uri.file(join(model, 'model.sig'));
  });

  /** Writes `content` to a model file for the duration of `fn`, then puts the original back. */
  async function withChangedFile<T>(file: string, content: string | Buffer, fn: () => Thenable<T>): Promise<T> {
    const original = readFileSync(file);
    writeFileSync(file, content);
    try {
      return await fn();
    } finally {
      writeFileSync(file, original);
    }
  }

  it('activates from the unpacked .vsix and reports its activation time', async () => {
    const ext = vscode.extensions.getExtension<{ activationMs: number }>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    const wasActive = ext.isActive;
    const t0 = Date.now();
    const api = await ext.activate();
    const awaited = Date.now() - t0;
    assert.ok(ext.isActive);
    assert.equal(typeof api.activationMs, 'number');
    // The extension under test is the package's content: bundles, no sources, no node_modules.
    assert.ok(existsSync(join(ext.extensionPath, 'dist', 'extension.js')) && existsSync(join(ext.extensionPath, 'dist', 'server.js')));
    assert.ok(!existsSync(join(ext.extensionPath, 'node_modules')), 'the .vsix must not ship node_modules');
    assert.ok(!existsSync(join(ext.extensionPath, 'client')), `${ext.extensionPath} is a source tree, not the unpacked .vsix`);
    // Read by the runner, which prints it and fails the tier when it is missing.
    console.log(`E2E_ACTIVATION ${JSON.stringify({ activationMs: api.activationMs, alreadyActive: wasActive, activateAwaitedMs: awaited, vscode: vscode.version, uiKind: vscode.env.uiKind, remoteName: vscode.env.remoteName ?? null })}`);
    const commands = await vscode.commands.getCommands(true);
    for (const c of COMMANDS) assert.ok(commands.includes(c), `command ${c} is not registered`);
  });

  it('a manifest with an error gets a diagnostic from the server, with a code and a range', async () => {
    const uri = vscode.Uri.file(join(root, 'models', 'broken.cdx.json'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'model-provenance-json');
    const diag = await waitFor('a CDX_TYPE diagnostic on broken.cdx.json', () => vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'CDX_TYPE'));
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diag.source, 'model-provenance');
    assert.match(diag.message, /integer/);
    assert.equal(doc.getText(diag.range), '"one"');
    assert.equal(diag.range.start.line, 5);
    const target = typeof diag.code === 'object' ? diag.code.target.toString() : '';
    assert.match(target, /CDX_TYPE$/, 'the code links to its documentation');
  });

  it('hover over a field shows its description from the schema', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(root, 'models', 'broken.cdx.json')));
    const position = doc.positionAt(doc.getText().indexOf('"bomFormat"') + 3);
    const text = await waitFor('a hover on "bomFormat"', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, position);
      const t = hoverText(hovers ?? []);
      return /Specifies the format of the BOM/.test(t) ? t : undefined;
    });
    assert.match(text, /BOM Format/);
  });

  it('code lenses: verify and decoded payload on model.sig; verify and attest on a manifest', async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(sigUri));
    const lenses = await waitFor('code lenses on model.sig', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', sigUri, 10);
      return l && l.length >= 2 ? l : undefined;
    });
    const verify = lenses.find((l) => l.command?.command === 'modelProvenance.verifyModel');
    assert.ok(verify, JSON.stringify(lenses.map((l) => l.command)));
    assert.match(verify.command!.title, /^Verify this model$|— verify again$/);
    assert.ok(lenses.some((l) => l.command?.command === 'modelProvenance.showDecodedPayload'));
    const manifest = vscode.Uri.file(join(root, 'models', 'classifier.cdx.json'));
    await vscode.workspace.openTextDocument(manifest);
    const m = await waitFor('code lenses on the manifest', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', manifest, 10);
      return l && l.length >= 2 ? l : undefined;
    });
    assert.deepEqual(m.map((l) => l.command?.command).sort(), ['modelProvenance.attestModel', 'modelProvenance.verifyModel']);
  });

  it('modelProvenance.verifyModel on a signed model.sig: verified, naming the signer', async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(sigUri));
    const r = await vscode.commands.executeCommand<VerifyOutcome>('modelProvenance.verifyModel', sigUri);
    assert.ok(r, 'the command returned nothing');
    assert.equal(r.verdict, 'verified', r.report);
    assert.match(r.summary, /^verified: key [0-9a-f]{8}… \(prod\.pub\.pem\)$/);
    assert.match(r.signer ?? '', /^key [0-9a-f]{8}… \(prod\.pub\.pem\)$/);
    assert.deepEqual(r.problems, []);
    // After it, the lens shows the same state in the same words.
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', sigUri, 10);
    assert.equal(String(lenses?.find((l) => l.command?.command === 'modelProvenance.verifyModel')?.command?.title), `${r.summary} — verify again`);
  });

  it('after a model file changes on disk, verify names the modified file', async () => {
    const r = await withChangedFile(join(model, 'config.json'), '{"architectures":["Backdoored"]}\n', () => vscode.commands.executeCommand<VerifyOutcome>('modelProvenance.verifyModel', sigUri));
    assert.equal(r.verdict, 'failed');
    assert.equal(r.summary, 'modified: config.json differs from the signed digest');
    assert.deepEqual(r.problems.map((p) => [p.code, p.file]), [['FILE_MODIFIED', 'config.json']]);
    // And once it is back, verified again (the digest cache follows the file).
    assert.equal((await vscode.commands.executeCommand<VerifyOutcome>('modelProvenance.verifyModel', sigUri)).verdict, 'verified');
  });

  it('modelProvenance.verifyModel with a vscode.Uri of a binary .safetensors file (as the explorer passes it)', async () => {
    const weights = vscode.Uri.file(join(model, 'model.safetensors'));
    const ok = await vscode.commands.executeCommand<VerifyOutcome>('modelProvenance.verifyModel', weights);
    assert.equal(ok.verdict, 'verified', ok.report);
    assert.match(ok.signer ?? '', /\(prod\.pub\.pem\)$/);
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === weights.toString()), 'the binary file must not be opened as text');
    const bad = await withChangedFile(weights.fsPath, Buffer.alloc(64, 7), () => vscode.commands.executeCommand<VerifyOutcome>('modelProvenance.verifyModel', weights));
    assert.equal(bad.verdict, 'failed');
    assert.deepEqual(bad.problems.map((p) => [p.code, p.file]), [['FILE_MODIFIED', 'model.safetensors']]);
  });

  it('a model command from the palette with a binary .safetensors tab active (no text editor) acts on that model', async () => {
    const weights = vscode.Uri.file(join(model, 'model.safetensors'));
    await vscode.commands.executeCommand('vscode.open', weights);
    await waitFor('the binary tab to be active', async () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputText && input.uri.toString() === weights.toString();
    });
    assert.equal(vscode.window.activeTextEditor, undefined, 'VS Code shows a binary file without a text editor');
    const r = await vscode.commands.executeCommand<VerifyOutcome>('modelProvenance.verifyModel');
    assert.equal(r?.verdict, 'verified', r?.report);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Generate Manifest with a model.sig active (as from the palette) writes MODEL.cdx.json beside the folder, and the model still verifies', async () => {
    const second = join(root, 'models', 'second');
    const sig = vscode.Uri.file(join(second, 'model.sig'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(sig));
    const before = readdirSync(second).sort();
    const r = await vscode.commands.executeCommand<{ outputPath: string }>('modelProvenance.generateManifest');
    assert.equal(r?.outputPath, join(root, 'models', 'second.cdx.json'));
    assert.ok(existsSync(r.outputPath));
    assert.deepEqual(readdirSync(second).sort(), before, 'nothing written into the signed folder');
    const v = await vscode.commands.executeCommand<VerifyOutcome>('modelProvenance.verifyModel', sig);
    assert.equal(v.verdict, 'verified', v.report);
  });

  it('with no editor open a model command asks which model (it does not act silently); dismissing it writes nothing', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const before = readdirSync(join(root, 'models')).sort();
    let settled = false;
    const run = Promise.resolve(vscode.commands.executeCommand('modelProvenance.generateManifest')).finally(() => (settled = true));
    // Escape, as often as needed until the flow has ended (the picker may take a moment to appear).
    await waitFor('the Generate Manifest flow to end after Escape', async () => {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await new Promise((r) => setTimeout(r, 100));
      return settled;
    });
    assert.equal(await run, undefined);
    assert.deepEqual(readdirSync(join(root, 'models')).sort(), before);
  });
});
