import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type ReportPreview } from '../core/editor/protocol';
import { errorMessage, modelTarget } from './target';

/**
 * Generate Report…: the regulatory report of a model (core/compliance, built by the server
 * from signed evidence) previewed in a webview with scripts off; the report's own Content
 * Security Policy forbids every fetch. Save as HTML or Markdown from the notification.
 */
export async function generateReport(client: LanguageClient, arg?: unknown): Promise<ReportPreview | undefined> {
  const target = await modelTarget(client, arg, 'Generate Report');
  if (!target) return undefined;
  let r: ReportPreview;
  try {
    r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Generating the report' }, () => client.sendRequest<ReportPreview>(REQUESTS.report, { modelPath: target.modelPath }));
  } catch (err) {
    void vscode.window.showErrorMessage(`Generate Report: ${errorMessage(err)}`);
    return undefined;
  }
  const panel = vscode.window.createWebviewPanel('modelProvenance.report', r.title, vscode.ViewColumn.Active, { enableScripts: false, localResourceRoots: [], enableFindWidget: true });
  panel.webview.html = r.html;
  void vscode.window.showInformationMessage(`Report of ${vscode.workspace.asRelativePath(target.modelPath)}: ${r.summary}${r.inputs ? '' : ' — no report-inputs.json: what only a person can say is marked missing'}.`, 'Save as HTML…', 'Save as Markdown…').then(async (choice) => {
    if (!choice) return;
    const format = choice === 'Save as HTML…' ? 'html' : 'md';
    const dest = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(`${target.modelPath}.report.${format}`), filters: format === 'html' ? { HTML: ['html'] } : { Markdown: ['md'] }, title: 'Save the report' });
    if (!dest) return;
    try {
      await client.sendRequest(REQUESTS.saveReport, { modelPath: target.modelPath, format, path: dest.fsPath });
      void vscode.window.showInformationMessage(`Wrote ${vscode.workspace.asRelativePath(dest)}.`);
    } catch (err) {
      void vscode.window.showErrorMessage(`Save report: ${errorMessage(err)}`);
    }
  });
  return r;
}
