import { SymbolKind, type DocumentSymbol, type DocumentSymbolParams } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { decodePayload, isObject, nodeAt, type JsonDocument } from '../../core';
import type { ServerContext } from '../context';

/** The outline: components of a manifest, subjects and stage of a statement, signers and stages of a policy. */
export class SymbolHandler {
  constructor(private readonly ctx: ServerContext) {}

  onDocumentSymbol(params: DocumentSymbolParams): DocumentSymbol[] {
    const doc = this.ctx.documents.get(params.textDocument.uri);
    const state = this.ctx.states.get(params.textDocument.uri);
    const kind = state?.analysis.detection;
    if (!doc || !state || !kind || !isObject(state.analysis.doc.value)) return [];
    const v = state.analysis.doc.value;
    const j = state.analysis.doc;
    const sym = (name: string, detail: string, k: SymbolKind, path: (string | number)[], children: DocumentSymbol[] = []): DocumentSymbol => {
      const r = range(doc, j, path);
      return { name: name || '(unnamed)', detail, kind: k, range: r, selectionRange: r, children };
    };
    if (kind.kind === 'manifest') {
      const component = (c: unknown, path: (string | number)[]): DocumentSymbol | undefined => {
        if (!isObject(c)) return undefined;
        const kids = Array.isArray(c.components) ? c.components.map((x, i) => component(x, [...path, 'components', i])).filter((x): x is DocumentSymbol => !!x) : [];
        const ancestors = isObject(c.pedigree) && Array.isArray(c.pedigree.ancestors) ? c.pedigree.ancestors.map((x, i) => component(x, [...path, 'pedigree', 'ancestors', i])).filter((x): x is DocumentSymbol => !!x) : [];
        return sym(String(c.name ?? ''), String(c.type ?? ''), c.type === 'machine-learning-model' ? SymbolKind.Class : c.type === 'data' ? SymbolKind.Struct : SymbolKind.File, path, [...kids, ...ancestors]);
      };
      const out: DocumentSymbol[] = [];
      const meta = isObject(v.metadata) ? component(v.metadata.component, ['metadata', 'component']) : undefined;
      if (meta) out.push(meta);
      if (Array.isArray(v.components)) v.components.forEach((c, i) => { const s = component(c, ['components', i]); if (s) out.push(s); });
      return out;
    }
    if (kind.kind === 'policy') {
      const out: DocumentSymbol[] = [];
      if (isObject(v.signers)) out.push(sym('signers', '', SymbolKind.Namespace, ['signers'], Object.keys(v.signers).map((n) => sym(n, 'signer', SymbolKind.Key, ['signers', n]))));
      if (isObject(v.stages)) out.push(sym('stages', '', SymbolKind.Namespace, ['stages'], Object.keys(v.stages).map((n) => sym(n, 'stage', SymbolKind.Event, ['stages', n]))));
      return out;
    }
    // Statements, envelopes, bundles: what the statement is about.
    const st = kind.envelope === 'statement' ? v : decodePayload(kind.envelope === 'bundle' ? v.dsseEnvelope : v);
    if (!isObject(st)) return [];
    const anchor = kind.envelope === 'bundle' ? ['dsseEnvelope', 'payload'] : kind.envelope === 'envelope' ? ['payload'] : [];
    const out: DocumentSymbol[] = [];
    (Array.isArray(st.subject) ? st.subject : []).forEach((s, i) => {
      if (isObject(s)) out.push(sym(String(s.name ?? ''), `subject sha256:${isObject(s.digest) ? String(s.digest.sha256).slice(0, 12) : ''}…`, SymbolKind.Object, kind.envelope === 'statement' ? ['subject', i] : anchor));
    });
    const bd = isObject(st.predicate) && isObject(st.predicate.buildDefinition) ? st.predicate.buildDefinition : undefined;
    if (bd && isObject(bd.externalParameters) && typeof bd.externalParameters.stage === 'string') {
      out.push(sym(bd.externalParameters.stage, 'stage', SymbolKind.Event, kind.envelope === 'statement' ? ['predicate', 'buildDefinition', 'externalParameters', 'stage'] : anchor));
    }
    return out;
  }
}

function range(doc: TextDocument, j: JsonDocument, path: (string | number)[]): DocumentSymbol['range'] {
  const node = nodeAt(j.tree, path);
  const n = node?.parent?.type === 'property' ? node.parent : node;
  const start = n?.offset ?? 0;
  return { start: doc.positionAt(start), end: doc.positionAt(start + (n?.length ?? 0)) };
}
