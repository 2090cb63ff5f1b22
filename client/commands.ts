import * as vscode from 'vscode';
import { ExecuteCommandRequest, WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import type { ModelDecorations } from './decorations';
import { PayloadProvider } from './payload';
import type { StatusItem } from './status';
import type { VerifyOutcome } from '../server/handlers/commands';


const STAGES = ['pre-training', 'fine-tuning', 'adapter-merge', 'quantization', 'distillation', 'conversion', 'evaluation', 'release'];

/** The target of a command: the clicked explorer item, the argument a lens passed, or the active editor. */
function target(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  return vscode.window.activeTextEditor?.document.uri;
}

export function registerCommands(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.OutputChannel, decorations: ModelDecorations, status: StatusItem): void {
  let token = 0;
  const verify = async (arg?: unknown): Promise<VerifyOutcome | undefined> => {
    const uri = target(arg);
    if (!uri) {
      void vscode.window.showWarningMessage('Model Provenance: open or select a model, a model.sig or a manifest first.');
      return undefined;
    }
    const isDocument = vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()) && /\.(sig|json|jsonl)$/.test(uri.path);
    const argument = isDocument ? uri.toString() : { modelPath: uri.fsPath };
    // Long hashing: a cancellable notification fed by the server's work-done progress.
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Verifying model', cancellable: true },
      async (progress, cancel) => {
        const workDoneToken = `mp-verify-${++token}`;
        let last = 0;
        const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
          if (v.kind === 'report' && typeof v.percentage === 'number') {
            progress.report({ increment: v.percentage - last, message: v.message });
            last = v.percentage;
          }
        });
        try {
          return await client.sendRequest(ExecuteCommandRequest.type, { command: 'modelProvenance.server.verify', arguments: [argument], workDoneToken }, cancel);
        } finally {
          sub.dispose();
        }
      },
    ) as VerifyOutcome;
    output.appendLine(`--- ${new Date().toISOString()} ${uri.fsPath}`);
    output.appendLine(outcome.report);
    if (!isDocument) decorations.record(uri, outcome.verdict === 'verified' ? 'verified' : outcome.problems.some((p) => p.code === 'SIGNATURE_NOT_FOUND') ? 'unsigned' : 'modified');
    void status.refresh();
    const detail = outcome.problems.filter((p) => p.file).slice(0, 3).map((p) => p.file).join(', ');
    const message = outcome.verdict === 'verified'
      ? `Model verified — ${outcome.summary}${outcome.signer ? ` (${outcome.signer})` : ''}`
      : `Model NOT verified — ${outcome.summary}${detail ? `: ${detail}` : ''}`;
    const show = outcome.verdict === 'verified' ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
    void show(message, 'Show details').then((choice) => {
      if (choice === 'Show details') output.show(true);
    });
    return outcome;
  };

  const attest = async (arg?: unknown): Promise<void> => {
    const uri = target(arg);
    const model = uri && /\.cdx\.json$/.test(uri.path) ? vscode.Uri.file(uri.fsPath.replace(/\.cdx\.json$/, '')) : uri;
    if (!model) return;
    const stage = await vscode.window.showQuickPick(STAGES, { title: 'Attest model: stage', placeHolder: 'Which lifecycle stage produced this model?' });
    if (!stage) return;
    const runId = await vscode.window.showInputBox({ title: 'Attest model: run id', prompt: 'Training or pipeline run id (optional)' });
    if (runId === undefined) return;
    const known = await client.sendRequest<{ digest: string; stage: string }[]>('modelProvenance/registryDigests', {}).catch(() => []);
    const base = await vscode.window.showQuickPick([{ label: '(none)', description: 'first stage' }, ...known.map((k) => ({ label: k.digest, description: k.stage }))], { title: 'Attest model: base model', placeHolder: 'Base model digest (from the registry)' });
    if (!base) return;
    const datasets = await vscode.window.showInputBox({ title: 'Attest model: datasets', prompt: 'Dataset digests (sha256:…) or paths, comma-separated (optional)' });
    if (datasets === undefined) return;
    const configured = vscode.workspace.getConfiguration('modelProvenance').get<string>('signingKey');
    const key = configured ? [vscode.Uri.file(configured)] : await vscode.window.showOpenDialog({ title: 'Attest model: signing key', canSelectMany: false, filters: { 'PEM private key': ['pem'] } });
    if (!key?.[0]) return;
    try {
      const r = await client.sendRequest<{ id?: string; digest: string; stage: string }>('modelProvenance/attest', {
        modelPath: model.fsPath,
        stage,
        runId,
        baseModels: base.label === '(none)' ? [] : [base.label],
        datasets: datasets.split(',').map((d) => d.trim()).filter(Boolean),
        privateKey: key[0].fsPath,
      });
      void vscode.window.showInformationMessage(`Attested ${r.stage} of ${r.digest.slice(0, 19)}… (${r.id ?? 'not stored'})`);
    } catch (err) {
      void vscode.window.showErrorMessage(`Attest failed: ${(err as Error).message}`);
    }
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('modelProvenance.verifyModel', verify),
    vscode.commands.registerCommand('modelProvenance.resignModel', () => vscode.window.showInformationMessage('Re-sign with: model-provenance sign key MODEL --private-key KEY (signing keys never pass through the editor).')),
    vscode.commands.registerCommand('modelProvenance.attestModel', attest),
    vscode.commands.registerCommand('modelProvenance.generateKeyPair', async () => {
      const where = await vscode.window.showSaveDialog({ title: 'Generate key pair: private key file', filters: { 'PEM private key': ['pem'] } });
      if (!where) return;
      const curve = (await vscode.window.showQuickPick(['p256', 'p384', 'p521'], { title: 'Curve' })) ?? 'p256';
      const passphrase = await vscode.window.showInputBox({ title: 'Passphrase (optional)', password: true });
      try {
        const r = await client.sendRequest<{ privatePath: string; publicPath: string; keyId: string }>('modelProvenance/keygen', { prefix: where.fsPath.replace(/\.pem$/, ''), curve, passphrase });
        void vscode.window.showInformationMessage(`Key ${r.keyId.slice(0, 16)} written: ${r.privatePath} (mode 0600) and ${r.publicPath}`);
      } catch (err) {
        void vscode.window.showErrorMessage(`Key generation failed: ${(err as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('modelProvenance.generateManifest', async (arg?: unknown) => {
      const uri = target(arg);
      if (!uri) return;
      try {
        const r = await client.sendRequest<{ outputPath: string }>('modelProvenance/generateManifest', { modelPath: uri.fsPath });
        await vscode.window.showTextDocument(vscode.Uri.file(r.outputPath));
      } catch (err) {
        void vscode.window.showErrorMessage(`Manifest generation failed: ${(err as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('modelProvenance.showLineage', async (arg?: unknown) => {
      const uri = target(arg);
      if (!uri) return;
      const modelPath = /\.(sig|cdx\.json)$/.test(uri.path) ? uri.fsPath.replace(/\/model\.sig$|\.sig$|\.cdx\.json$/, '') : uri.fsPath;
      try {
        const r = await client.sendRequest<{ text: string }>('modelProvenance/lineage', { modelPath, format: 'text' });
        const doc = await vscode.workspace.openTextDocument({ content: r.text, language: 'plaintext' });
        await vscode.window.showTextDocument(doc, { preview: true });
      } catch (err) {
        void vscode.window.showErrorMessage(`Lineage failed: ${(err as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('modelProvenance.showDecodedPayload', async (arg?: unknown) => {
      const uri = target(arg);
      if (!uri) return;
      const doc = await vscode.workspace.openTextDocument(PayloadProvider.uriFor(uri));
      await vscode.languages.setTextDocumentLanguage(doc, 'json');
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    }),
  );
}
