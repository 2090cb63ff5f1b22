import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type ModelStateView } from '../core/editor/protocol';
import { statusSeverity } from './status-severity';

interface Status {
  kind?: string;
  by?: string;
  reason?: string;
  schema?: string;
  trustSource?: string;
  trust?: string;
  trustProblems?: string[];
  model?: ModelStateView;
  attestation?: { state: string; signer: string; code?: string; message?: string; unchecked?: string; nothingConfigured?: boolean };
  lastVerification?: { verdict: string; summary: string; at: number };
  /** The document's worst diagnostic when it is an error. */
  worst?: { code: string; message: string };
  /** Whether advisories are read, and why not. */
  advisories?: string;
  policyProblem?: { code: string; file: string; message: string };
}

const LABELS: Record<string, string> = {
  manifest: 'ML-BOM',
  'model-signature': 'Model signature',
  'ml-attestation': 'ML attestation',
  intoto: 'in-toto',
  policy: 'Trust policy',
  'intoto-jsonl': 'Attestations (JSONL)',
  'report-inputs': 'Report inputs',
};

/**
 * Language status: which kind and schema and why, where trust comes from and how much of it
 * there is, and for a signature its model's one state (the same words as the lens and the
 * Problems entry). Refreshed when the active editor, its diagnostics or its model's state change.
 */
export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly client: LanguageClient) {
    this.item = vscode.languages.createLanguageStatusItem('modelProvenance.status', [{ language: 'json' }, { language: 'jsonc' }, { language: 'model-provenance-json' }, { language: 'jsonl' }]);
    this.item.name = 'Model Provenance';
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.soon()),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (active && e.uris.some((u) => u.toString() === active)) this.soon();
      }),
    );
    void this.refresh();
  }

  /** A model's state changed: repaint if the active document shows it. */
  changed(view: ModelStateView): void {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === 'file' && active.fsPath === view.signature) this.soon();
  }

  private soon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), 50);
  }

  async refresh(): Promise<void> {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc) return;
    let s: Status;
    try {
      s = await this.client.sendRequest<Status>(REQUESTS.status, { uri: doc.uri.toString() });
    } catch {
      return;
    }
    if (!s.kind) {
      this.item.text = 'Not a provenance file';
      this.item.detail = 'Model Provenance checks signatures, attestations, ML-BOMs and trust policies';
      this.item.severity = vscode.LanguageStatusSeverity.Information;
      this.item.command = undefined;
      return;
    }
    const m = s.model;
    // The worst diagnostic wins over a signature that verified: an attestation with a FLAGGED_ARTIFACT error is not "verified".
    const worst = !m && s.worst ? ` · NOT verified: ${s.worst.code}` : '';
    const state = m ? ` · ${m.headline}` : worst || (s.attestation ? ` · ${attestationLine(s.attestation)}` : s.lastVerification ? ` · ${s.lastVerification.summary}` : '');
    this.item.text = `${LABELS[s.kind] ?? s.kind}${state}`;
    const problems = s.trustProblems?.length ? ` ⚠ ${s.trustProblems.join(' · ')}` : '';
    const advisories = s.advisories ? ` Advisories: ${s.advisories}.` : '';
    const ignored = m?.ignorePaths ? ` ${m.ignorePaths.text}` : '';
    this.item.detail = `${s.worst && !m ? `${s.worst.code}: ${s.worst.message}. ` : ''}${s.schema ?? ''} — detected by ${s.by}: ${s.reason}. Trust: ${s.trustSource} (${s.trust ?? 'nothing configured'})${problems}${advisories}${ignored}`;
    const nothingConfigured = m ? !!m.trust?.nothingConfigured : !!s.attestation?.nothingConfigured;
    const severity = statusSeverity({ modelState: m?.state, attestationState: s.attestation?.state, worstIsError: !!s.worst, policyProblem: !!s.policyProblem, trustProblems: s.trustProblems?.length, nothingConfigured });
    this.item.severity = severity === 'error' ? vscode.LanguageStatusSeverity.Error : severity === 'warning' ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
    this.item.command = m?.canTrust && m.state === 'not-configured'
      ? { title: 'Trust this signer…', command: 'modelProvenance.trustSigner', arguments: [doc.uri.toString()] }
      : { title: 'Verify', command: 'modelProvenance.verifyModel', arguments: [doc.uri.toString()] };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.item.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}

function attestationLine(a: NonNullable<Status['attestation']>): string {
  if (a.state === 'verified') return `verified: ${a.signer}`;
  if (a.state === 'not-configured') return `signature not checked: ${a.unchecked ?? 'no trusted signer configured'}`;
  return `NOT verified: ${a.code ?? a.state}`;
}
