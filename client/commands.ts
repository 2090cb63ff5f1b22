import * as vscode from 'vscode';
import { ExecuteCommandRequest, WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, SERVER_VERIFY, type VerifyOutcome } from '../core/editor/protocol';
import { attestModel } from './attest';
import { generateKeyPair } from './keygen';
import { LineagePanels } from './lineage-view';
import { generateManifest } from './manifest';
import { PayloadProvider } from './payload';
import { generateReport, saveReport } from './report-view';
import { DecodedProvider, DECODED_SCHEME, compareSignedContents } from './review';
import type { StatusItem } from './status';
import { aimedAt, errorMessage, modelTarget, signedDocumentTarget } from './target';
import { trustSigner } from './trust';
import { said } from './flow-steps';

export function registerCommands(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.OutputChannel, status: StatusItem): void {
  const lineage = new LineagePanels(client);
  const decoded = new DecodedProvider(client);
  context.subscriptions.push(lineage, decoded, vscode.workspace.registerTextDocumentContentProvider(DECODED_SCHEME, decoded));
  let token = 0;
  const verify = async (arg?: unknown): Promise<VerifyOutcome | undefined> => {
    const uri = aimedAt(arg);
    // An open manifest is verified against its model's files; anything else is resolved to its model by the server.
    const isManifest = !!uri && vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()) && /(\.cdx\.json|\/bom\.json)$/.test(uri.path);
    let argument: unknown;
    if (uri && isManifest) argument = uri.toString();
    else {
      const target = await modelTarget(client, arg, 'Verify Model');
      if (!target) return undefined;
      argument = { modelPath: target.modelPath, ...(target.signaturePath ? { signaturePath: target.signaturePath } : {}) };
    }
    // Long hashing: a cancellable notification fed by the server's work-done progress.
    const outcome = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Verifying model', cancellable: true }, async (progress, cancel) => {
      const workDoneToken = `mp-verify-${++token}`;
      let last = 0;
      const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
        if (v.kind === 'report' && typeof v.percentage === 'number') {
          progress.report({ increment: v.percentage - last, message: v.message });
          last = v.percentage;
        }
      });
      try {
        return await client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_VERIFY, arguments: [argument], workDoneToken }, cancel);
      } finally {
        sub.dispose();
      }
    })) as VerifyOutcome;
    output.appendLine(`--- ${new Date().toISOString()} ${uri?.fsPath ?? ''}`);
    output.appendLine(outcome.report);
    void status.refresh();
    const message = outcome.verdict === 'verified' ? `Model verified — ${outcome.summary}` : `Model NOT verified — ${outcome.summary}`;
    const show = outcome.verdict === 'verified' ? vscode.window.showInformationMessage : outcome.state?.state === 'not-configured' || outcome.state?.state === 'too-large' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    const buttons = ['Show details', ...(outcome.state?.canTrust ? ['Trust this signer…'] : [])];
    void show(message, ...buttons).then((choice) => {
      if (choice === 'Show details') output.show(true);
      if (choice === 'Trust this signer…' && outcome.state) void vscode.commands.executeCommand('modelProvenance.trustSigner', vscode.Uri.file(outcome.state.signature));
    });
    return outcome;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('modelProvenance.verifyModel', verify),
    vscode.commands.registerCommand('modelProvenance.resignModel', () =>
      vscode.window.showInformationMessage('Re-sign a model you produced with: model-provenance sign key MODEL --private-key KEY. Re-signing makes the current files the signed ones: never do it to make a modified model pass.'),
    ),
    vscode.commands.registerCommand('modelProvenance.attestModel', (arg?: unknown) => attestModel(client, arg)),
    vscode.commands.registerCommand('modelProvenance.generateKeyPair', () => generateKeyPair(client)),
    vscode.commands.registerCommand('modelProvenance.generateManifest', (arg?: unknown) => generateManifest(client, arg)),
    vscode.commands.registerCommand('modelProvenance.trustSigner', (arg?: unknown) => trustSigner(client, context.globalStorageUri, arg)),
    vscode.commands.registerCommand('modelProvenance.showLineage', (arg?: unknown) => lineage.show(arg)),
    vscode.commands.registerCommand('modelProvenance.showImpact', (arg?: unknown) => lineage.showImpact(arg)),
    vscode.commands.registerCommand('modelProvenance.generateReport', (arg?: unknown) => generateReport(client, arg)),
    vscode.commands.registerCommand('modelProvenance.saveReportHtml', () => saveReport(client, undefined, 'html')),
    vscode.commands.registerCommand('modelProvenance.saveReportMarkdown', () => saveReport(client, undefined, 'md')),
    vscode.commands.registerCommand('modelProvenance.compareSignedContents', (arg?: unknown) => compareSignedContents(client, decoded, arg)),
    vscode.commands.registerCommand('modelProvenance.showDecodedPayload', async (arg?: unknown) => {
      if (aimedAt(arg)?.scheme === DECODED_SCHEME) {
        void vscode.window.showWarningMessage('Open Decoded Payload: this is already a decoded document; run it on the signature (model.sig) or attestation itself.');
        return;
      }
      // With nothing open (or a model file), the person is asked which signature or attestation.
      const uri = await signedDocumentTarget(client, arg, 'Open Decoded Payload', 'payload');
      if (!uri) return;
      try {
        const doc = await vscode.workspace.openTextDocument(PayloadProvider.uriFor(uri));
        await vscode.languages.setTextDocumentLanguage(doc, 'json');
        await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
        return doc.uri;
      } catch (err) {
        void vscode.window.showErrorMessage(said('Open Decoded Payload', errorMessage(err)));
      }
    }),
  );
}
