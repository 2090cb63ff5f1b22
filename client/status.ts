import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

interface Status {
  kind?: string;
  by?: string;
  reason?: string;
  schema?: string;
  trustSource?: string;
  trustedKeys?: number;
  trustProblems?: string[];
  lastVerification?: { verdict: string; summary: string; at: number };
}

const LABELS: Record<string, string> = {
  manifest: 'ML-BOM',
  'model-signature': 'Model signature',
  'ml-attestation': 'ML attestation',
  intoto: 'in-toto',
  policy: 'Trust policy',
  'intoto-jsonl': 'Attestations (JSONL)',
};

/** Language status: which schema validates this file and why, the trust source, and the last verification. */
export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly client: LanguageClient) {
    this.item = vscode.languages.createLanguageStatusItem('modelProvenance.status', [{ language: 'json' }, { language: 'jsonc' }, { language: 'model-provenance-json' }, { language: 'jsonl' }]);
    this.item.name = 'Model Provenance';
    this.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(() => void this.refresh()));
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc) return;
    let s: Status;
    try {
      s = await this.client.sendRequest<Status>('modelProvenance/status', { uri: doc.uri.toString() });
    } catch {
      return;
    }
    if (!s.kind) {
      this.item.text = 'Not a provenance file';
      this.item.detail = '';
      return;
    }
    const last = s.lastVerification ? ` · ${s.lastVerification.summary}` : '';
    this.item.text = `${LABELS[s.kind] ?? s.kind}${last}`;
    this.item.detail = `${s.schema ?? ''} — detected by ${s.by}: ${s.reason}. Trust: ${s.trustSource} (${s.trustedKeys ?? 0} key(s))`;
    this.item.severity = s.trustProblems && s.trustProblems.length ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
    this.item.command = { title: 'Verify', command: 'modelProvenance.verifyModel', arguments: [doc.uri.toString()] };
  }

  dispose(): void {
    this.item.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}
