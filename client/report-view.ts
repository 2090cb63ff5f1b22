import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type ReportPreview } from '../core/editor/protocol';
import { errorMessage, modelTarget } from './target';
import { said } from './flow-steps';

/** Open report previews: which model each shows, so Save acts on the one in front. */
const previews = new Map<vscode.WebviewPanel, string>();

/**
 * Generate Report…: the regulatory report of a model (core/compliance, built by the server
 * from signed evidence) previewed in a webview with scripts off; the report's own Content
 * Security Policy forbids every fetch. Save as HTML / Markdown stay on the preview's title bar
 * (editor/title, `activeWebviewPanelId == 'modelProvenance.report'`) for as long as it is open,
 * and are offered once on the notification.
 */
export async function generateReport(client: LanguageClient, arg?: unknown): Promise<ReportPreview | undefined> {
  const target = await modelTarget(client, arg, 'Generate Report');
  if (!target) return undefined;
  let r: ReportPreview;
  try {
    r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Generating the report' }, () => client.sendRequest<ReportPreview>(REQUESTS.report, { modelPath: target.modelPath }));
  } catch (err) {
    void vscode.window.showErrorMessage(said('Generate Report', errorMessage(err)));
    return undefined;
  }
  const panel = vscode.window.createWebviewPanel('modelProvenance.report', r.title, vscode.ViewColumn.Active, { enableScripts: false, localResourceRoots: [], enableFindWidget: true });
  panel.webview.html = r.html;
  previews.set(panel, target.modelPath);
  panel.onDidDispose(() => previews.delete(panel));
  const inputs = r.inputs ? '' : r.skipped?.length ? '' : ' — no report-inputs.json: what only a person can say is marked missing';
  const buttons = r.skipped?.length ? [] : ['Save as HTML…', 'Save as Markdown…'];
  void vscode.window.showInformationMessage(`Report of ${vscode.workspace.asRelativePath(target.modelPath)}: ${r.summary}${inputs}. Save from the preview's title bar.`, ...buttons).then((choice) => {
    if (choice) void saveReport(client, target.modelPath, choice === 'Save as HTML…' ? 'html' : 'md');
  });
  return r;
}

/** Save as HTML or Markdown: the report the active preview shows (the title-bar buttons), else the one given. */
export async function saveReport(client: LanguageClient, modelPath: string | undefined, format: 'html' | 'md'): Promise<string | undefined> {
  const model = modelPath ?? [...previews].find(([p]) => p.active)?.[1] ?? [...previews.values()].at(-1);
  if (!model) {
    void vscode.window.showWarningMessage('Save report: no report preview is open. Run Generate Report… first.');
    return undefined;
  }
  const dest = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(`${model}.report.${format}`), filters: format === 'html' ? { HTML: ['html'] } : { Markdown: ['md'] }, title: 'Save the report' });
  if (!dest) return undefined;
  try {
    await client.sendRequest(REQUESTS.saveReport, { modelPath: model, format, path: dest.fsPath });
    void vscode.window.showInformationMessage(`Wrote ${vscode.workspace.asRelativePath(dest)}.`);
    return dest.fsPath;
  } catch (err) {
    void vscode.window.showErrorMessage(said('Save report', errorMessage(err)));
    return undefined;
  }
}
