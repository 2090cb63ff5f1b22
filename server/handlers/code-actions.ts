import type { Node } from 'jsonc-parser';
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { nodeAt, pointerSegments } from '../../core';
import type { ServerContext } from '../context';
import { schemaFor } from '../services/schema-service';
import { placeholderFor, type SchemaLike } from '../services/placeholder';
import { COMMANDS } from './code-lens';

/**
 * Quick fixes from the `data` each diagnostic carries: update a stale manifest digest (old
 * and new shown), drop a `sha256:` prefix, add a missing property with a value of the
 * schema's type at the document's indentation, rename a misspelt key, and trust a signer
 * (after the person confirms who it is). Nothing is offered that would hide a verification
 * failure: a modified, missing or unexpected file, or a signature that does not verify,
 * has no quick fix.
 */
export class CodeActionHandler {
  constructor(private readonly ctx: ServerContext) {}

  async onCodeAction(params: CodeActionParams): Promise<CodeAction[]> {
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
      } else if (typeof data.missingProperty === 'string' && /(_REQUIRED|MLBOM_MODEL_CARD_MISSING)$/.test(code) && !data.missingProperty.includes('.')) {
        const add = await this.addProperty(doc, d, String(data.pointer ?? ''), data.missingProperty);
        if (add) actions.push(add);
      } else if (typeof data.suggestion === 'string' && typeof data.property === 'string') {
        const rename = this.rename(doc, d, String(data.pointer ?? ''), data.property, data.suggestion);
        if (rename) actions.push(rename);
      } else if (typeof data.flagged === 'string') {
        // Not a fix (nothing here can lift a flag): the way to the blast radius.
        actions.push({
          title: `Show Impact of ${data.flagged.slice(0, 19)}…`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          command: { title: 'Show Impact', command: COMMANDS.showImpact, arguments: [{ digest: data.flagged, kind: data.kind ?? 'artifact' }] },
        });
      } else if (data.trustSigner === true && typeof data.signature === 'string') {
        actions.push({
          title: 'Trust this signer…',
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: true,
          command: { title: 'Trust this signer…', command: COMMANDS.trustSigner, arguments: [doc.uri] },
        });
      }
    }
    return actions;
  }

  private replace(doc: TextDocument, d: Diagnostic, newText: string, title: string, preferred: boolean): CodeAction {
    return { title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: preferred, edit: { changes: { [doc.uri]: [{ range: d.range, newText }] } } };
  }

  /** The object a pointer names in the document's tree, when it is one. */
  private objectAt(doc: TextDocument, pointer: string): Node | undefined {
    const node = nodeAt(this.ctx.states.get(doc.uri)?.analysis.doc.tree, pointerSegments(pointer));
    return node?.type === 'object' ? node : undefined;
  }

  private rename(doc: TextDocument, d: Diagnostic, pointer: string, property: string, suggestion: string): CodeAction | undefined {
    const obj = this.objectAt(doc, pointer);
    // Renaming onto a key that is already there would make a duplicate key: no fix then.
    if (obj?.children?.some((p) => p.children?.[0]?.value === suggestion)) return undefined;
    return this.replace(doc, d, JSON.stringify(suggestion), `Change "${property}" to "${suggestion}"`, true);
  }

  /** The schema of `property` inside the object at `pointer`, resolved by the editing service. */
  private async propertySchema(doc: TextDocument, obj: Node, property: string): Promise<SchemaLike | undefined> {
    const state = this.ctx.states.get(doc.uri);
    const schema = schemaFor(state?.analysis.detection?.kind, state?.analysis.doc.value);
    if (!schema || !state || !this.ctx.schemas.usable(doc, false)) return undefined;
    this.ctx.schemas.associate(doc.uri, schema);
    return this.ctx.schemas.propertySchema(doc, obj.offset, property);
  }

  private async addProperty(doc: TextDocument, d: Diagnostic, pointer: string, property: string): Promise<CodeAction | undefined> {
    const obj = this.objectAt(doc, pointer);
    if (!obj) return undefined;
    const text = doc.getText();
    const unit = indentUnit(text);
    const schema = await this.propertySchema(doc, obj, property);
    const value = placeholderFor(schema, property);
    const lineIndent = (offset: number): string => {
      const start = text.lastIndexOf('\n', offset - 1) + 1;
      return /^[ \t]*/.exec(text.slice(start, offset))![0];
    };
    const objIndent = lineIndent(obj.offset);
    const children = obj.children ?? [];
    const first = children[0];
    const sameLine = first !== undefined && !text.slice(obj.offset, first.offset).includes('\n');
    let range: { start: number; end: number };
    let newText: string;
    if (children.length === 0) {
      const inner = `${objIndent}${unit}`;
      range = { start: obj.offset + 1, end: obj.offset + obj.length - 1 };
      newText = `\n${inner}${JSON.stringify(property)}: ${reindent(JSON.stringify(value, null, unit), inner)}\n${objIndent}`;
    } else if (sameLine) {
      // First in the object: right below the key the diagnostic marks (a missing property is
      // reported on its parent's key), in view where the person clicked, never 60 lines down.
      range = { start: first!.offset, end: first!.offset };
      newText = `${JSON.stringify(property)}: ${JSON.stringify(value)}, `;
    } else {
      const inner = lineIndent(first!.offset);
      range = { start: first!.offset, end: first!.offset };
      newText = `${JSON.stringify(property)}: ${reindent(JSON.stringify(value, null, unit), inner)},\n${inner}`;
    }
    const edit = { range: { start: doc.positionAt(range.start), end: doc.positionAt(range.end) }, newText };
    // Offered only when the one validator finds no new schema problem afterwards: a value the
    // schema rejects (an empty map where one entry is required) would trade one error for another.
    if (!this.schemaValidAfter(doc, edit)) return undefined;
    return {
      title: `Add missing property "${property}"`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      edit: { changes: { [doc.uri]: [edit] } },
    };
  }

  private schemaValidAfter(doc: TextDocument, edit: { range: Diagnostic['range']; newText: string }): boolean {
    const schemaProblems = (d: TextDocument): Set<string> =>
      new Set(this.ctx.analyze(d).findings.filter((f) => /^(SCHEMA_|CDX_|JSON_)/.test(f.code)).map((f) => `${f.code} ${f.pointer ?? ''} ${f.message}`));
    const before = schemaProblems(doc);
    const after = schemaProblems(TextDocument.create(doc.uri, doc.languageId, doc.version + 1, TextDocument.applyEdits(doc, [edit])));
    return [...after].every((k) => before.has(k));
  }
}

/** The document's indentation unit: the first indented line's leading whitespace (default two spaces). */
export function indentUnit(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1]! : '  ';
}

/** A multi-line value placed at `indent`: every line after the first moves right by it. */
function reindent(json: string, indent: string): string {
  return json.split('\n').map((l, i) => (i === 0 ? l : `${indent}${l}`)).join('\n');
}
