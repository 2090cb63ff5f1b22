import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import { nodeAt, type DocumentAnalysis, type TrustOutcome } from '../../core';
import { SERVER_VERIFY } from '../../core/editor/protocol';
import type { ServerContext } from '../context';

/** Client commands the lenses and fixes invoke; `serverVerify` is the server's own. */
export const COMMANDS = {
  verify: 'modelProvenance.verifyModel',
  serverVerify: SERVER_VERIFY,
  showPayload: 'modelProvenance.showDecodedPayload',
  attest: 'modelProvenance.attestModel',
  trustSigner: 'modelProvenance.trustSigner',
  showImpact: 'modelProvenance.showImpact',
} as const;

/**
 * Lenses: the model's state above a signature's envelope (from the one model state, so it
 * always agrees with the diagnostics, hover, status and badges), "Trust this signer…" when
 * nobody trusted judged it, the decoded payload, and verify/attest on a manifest.
 */
export class CodeLensHandler {
  constructor(private readonly ctx: ServerContext) {}

  onCodeLens(params: CodeLensParams): CodeLens[] {
    if (!this.ctx.settings.codeLens) return [];
    const doc = this.ctx.documents.get(params.textDocument.uri);
    if (!doc) return [];
    // Asked before the first analysis of this document came back: analyse now rather than
    // answer nothing (a model state computed earlier would never trigger a refresh).
    let state: { analysis: DocumentAnalysis; signs?: { signature: string }; trust?: TrustOutcome } | undefined = this.ctx.states.get(doc.uri);
    if (!state) {
      const analysis = this.ctx.analyze(doc);
      const file = this.ctx.runtime.fileOf(doc.uri);
      state = { analysis, ...(file && analysis.detection?.kind === 'model-signature' ? { signs: { signature: file } } : {}) };
    }
    const detection = state.analysis.detection;
    if (!detection) return [];
    const tree = state.analysis.doc.tree;
    const at = (path: (string | number)[]): { start: { line: number; character: number }; end: { line: number; character: number } } => {
      const node = nodeAt(tree, path);
      const key = node?.parent?.type === 'property' ? node.parent : node;
      const offset = key?.offset ?? 0;
      return { start: doc.positionAt(offset), end: doc.positionAt(offset) };
    };
    const uri = doc.uri;
    const lenses: CodeLens[] = [];
    if (detection.kind === 'model-signature' && detection.envelope === 'bundle') {
      const range = at(['dsseEnvelope']);
      const view = state.signs ? this.ctx.models.get(state.signs.signature) : undefined;
      let title = 'Verify this model';
      if (view?.phase === 'done') title = view.state === 'too-large' ? `${view.headline} — Verify` : `${view.headline} — verify again`;
      else if (view) title = 'checking… — Verify now';
      lenses.push({ range, command: { title, command: COMMANDS.verify, arguments: [uri] } });
      if (view?.phase === 'done' && view.canTrust) lenses.push({ range, command: { title: 'Trust this signer…', command: COMMANDS.trustSigner, arguments: [uri] } });
    }
    if ((detection.kind === 'ml-attestation' || detection.kind === 'intoto') && detection.envelope === 'bundle' && state.trust && (state.trust.state === 'not-configured' || state.trust.state === 'untrusted')) {
      lenses.push({ range: at(['verificationMaterial']), command: { title: 'Trust this signer…', command: COMMANDS.trustSigner, arguments: [uri] } });
    }
    if (detection.envelope === 'bundle' || detection.envelope === 'envelope') {
      lenses.push({ range: at(detection.envelope === 'bundle' ? ['dsseEnvelope', 'payload'] : ['payload']), command: { title: 'Show decoded payload', command: COMMANDS.showPayload, arguments: [uri] } });
    }
    if (detection.kind === 'manifest' && nodeAt(tree, ['metadata', 'component'])) {
      const range = at(['metadata', 'component']);
      const last = this.ctx.lastVerification.get(uri);
      lenses.push({ range, command: { title: last ? `${last.summary} — verify again` : 'Verify this model', command: COMMANDS.verify, arguments: [uri] } });
      lenses.push({ range, command: { title: 'Attest…', command: COMMANDS.attest, arguments: [uri] } });
    }
    // Each flagged reference: what flags it, and its blast radius one click away.
    const seen = new Set<string>();
    for (const f of this.ctx.flagged(uri)) {
      const data = (f.data ?? {}) as { flagged?: string; kind?: string; advisories?: { advisoryId?: string }[] };
      if (typeof data.flagged !== 'string') continue;
      const key = `${f.offset}\n${data.flagged}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ids = [...new Set((data.advisories ?? []).map((a) => a.advisoryId ?? 'trust policy'))].join(', ');
      const start = doc.positionAt(f.offset);
      lenses.push({ range: { start, end: start }, command: { title: `⚑ ${f.code} (${ids}) — Show Impact`, command: COMMANDS.showImpact, arguments: [{ digest: data.flagged, kind: data.kind ?? 'artifact' }] } });
    }
    return lenses;
  }
}
