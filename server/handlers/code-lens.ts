import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import { nodeAt } from '../../core';
import type { ServerContext } from '../context';
import { ago } from '../services/documents-state';

/** Client commands the lenses and fixes invoke; `serverVerify` is the server's own. */
export const COMMANDS = {
  verify: 'modelProvenance.verifyModel',
  serverVerify: 'modelProvenance.server.verify',
  showPayload: 'modelProvenance.showDecodedPayload',
  attest: 'modelProvenance.attestModel',
  resign: 'modelProvenance.resignModel',
} as const;

/** Lenses: verify the model (with the last result), show a decoded payload, attest from a manifest. */
export class CodeLensHandler {
  constructor(private readonly ctx: ServerContext) {}

  onCodeLens(params: CodeLensParams): CodeLens[] {
    if (!this.ctx.settings.codeLens) return [];
    const doc = this.ctx.documents.get(params.textDocument.uri);
    const state = this.ctx.states.get(params.textDocument.uri);
    const detection = state?.analysis.detection;
    if (!doc || !state || !detection) return [];
    const tree = state.analysis.doc.tree;
    const at = (path: (string | number)[]): { start: { line: number; character: number }; end: { line: number; character: number } } => {
      const node = nodeAt(tree, path);
      const key = node?.parent?.type === 'property' ? node.parent : node;
      const offset = key?.offset ?? 0;
      return { start: doc.positionAt(offset), end: doc.positionAt(offset) };
    };
    const uri = doc.uri;
    const last = this.ctx.lastVerification.get(uri);
    const verifyTitle = last ? `${last.summary}, ${ago(this.ctx.runtime.now() - last.at)} — verify again` : 'Verify this model';
    const lenses: CodeLens[] = [];
    if (detection.kind === 'model-signature' && detection.envelope === 'bundle') {
      lenses.push({ range: at(['dsseEnvelope']), command: { title: verifyTitle, command: COMMANDS.verify, arguments: [uri] } });
    }
    if (detection.envelope === 'bundle' || detection.envelope === 'envelope') {
      lenses.push({ range: at(detection.envelope === 'bundle' ? ['dsseEnvelope', 'payload'] : ['payload']), command: { title: 'Show decoded payload', command: COMMANDS.showPayload, arguments: [uri] } });
    }
    if (detection.kind === 'manifest' && nodeAt(tree, ['metadata', 'component'])) {
      const range = at(['metadata', 'component']);
      lenses.push({ range, command: { title: verifyTitle, command: COMMANDS.verify, arguments: [uri] } });
      lenses.push({ range, command: { title: 'Attest…', command: COMMANDS.attest, arguments: [uri] } });
    }
    return lenses;
  }
}
