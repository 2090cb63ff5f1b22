import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { nodeAt, pointerSegments } from '../../core';
import type { ServerContext } from '../context';
import { COMMANDS } from './code-lens';

/** Placeholders a person must fill in when a required property is added. */
const DEFAULTS: Record<string, string> = { type: '"file"', name: '""', version: '""', hashes: '[]', components: '[]', alg: '"SHA-256"', content: '""', ref: '""', signers: '{}' };

/**
 * Quick fixes from the `data` each diagnostic carries: update a stale digest (old and
 * new shown), drop a `sha256:` prefix, add a missing property, re-sign a model.
 */
export class CodeActionHandler {
  constructor(private readonly ctx: ServerContext) {}

  onCodeAction(params: CodeActionParams): CodeAction[] {
    const doc = this.ctx.documents.get(params.textDocument.uri);
    if (!doc) return [];
    const actions: CodeAction[] = [];
    for (const d of params.context.diagnostics) {
      const data = (d.data ?? {}) as Record<string, unknown>;
      const code = String(d.code ?? data.code ?? '');
      if ((code === 'MLBOM_DIGEST_MISMATCH' || code === 'MLBOM_ROOT_DIGEST_MISMATCH') && typeof data.replacement === 'string') {
        const old = doc.getText(d.range).replace(/"/g, '');
        actions.push(this.replace(doc, d, `"${data.replacement}"`, `Update digest: ${old.slice(0, 12)}… → ${data.replacement.slice(0, 12)}… (the file on disk now)`, true));
      } else if (code === 'MLBOM_HASH_PREFIXED' && typeof data.replacement === 'string') {
        actions.push(this.replace(doc, d, `"${data.replacement}"`, 'Remove the "sha256:" prefix (CycloneDX hashes are plain hex)', true));
      } else if (typeof data.missingProperty === 'string' && /(_REQUIRED|MLBOM_NEEDS_PERSON|MLBOM_MODEL_CARD_MISSING)$/.test(code) && !data.missingProperty.includes('.')) {
        const add = this.addProperty(doc, d, String(data.pointer ?? ''), data.missingProperty);
        if (add) actions.push(add);
      } else if (/^(FILE_MODIFIED|FILE_MISSING|FILE_UNEXPECTED|SIGNATURE_INVALID|KEY_UNTRUSTED)$/.test(code)) {
        actions.push({
          title: 'Re-sign this model…',
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          command: { title: 'Re-sign this model…', command: COMMANDS.resign, arguments: [doc.uri] },
        });
      }
    }
    return actions;
  }

  private replace(doc: TextDocument, d: Diagnostic, newText: string, title: string, preferred: boolean): CodeAction {
    return { title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: preferred, edit: { changes: { [doc.uri]: [{ range: d.range, newText }] } } };
  }

  private addProperty(doc: TextDocument, d: Diagnostic, pointer: string, property: string): CodeAction | undefined {
    const state = this.ctx.states.get(doc.uri);
    const node = nodeAt(state?.analysis.doc.tree, pointerSegments(pointer));
    if (!node || node.type !== 'object') return undefined;
    const value = DEFAULTS[property] ?? '""';
    const empty = !node.children || node.children.length === 0;
    const at = doc.positionAt(node.offset + 1);
    const indent = ' '.repeat(doc.positionAt(node.offset).character + 2);
    const newText = empty ? `"${property}": ${value}` : `\n${indent}"${property}": ${value},`;
    return {
      title: `Add missing property "${property}"`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      edit: { changes: { [doc.uri]: [{ range: { start: at, end: at }, newText }] } },
    };
  }
}
