import { findNodeAtOffset, getNodePath } from 'jsonc-parser';
import { CompletionItemKind, type CompletionItem, type CompletionList, type CompletionParams } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { STAGES } from '../../core';
import type { ServerContext } from '../context';
import { schemaFor } from '../services/schema-service';

/** Keys whose values are digests of artifacts: the registry can fill them in. */
const DIGEST_KEYS = new Set(['sha256', 'digest', 'allow', 'deny', 'content', 'subjectDigest']);

/** Completion: property names and enum values from the schema, plus digests the registry knows. */
export class CompletionHandler {
  constructor(private readonly ctx: ServerContext) {}

  async onCompletion(params: CompletionParams): Promise<CompletionList | null> {
    const doc = this.ctx.documents.get(params.textDocument.uri);
    const state = this.ctx.states.get(params.textDocument.uri);
    if (!doc || !state?.analysis.detection) return null;
    const schema = schemaFor(state.analysis.detection.kind, state.analysis.doc.value);
    let list: CompletionList = { isIncomplete: false, items: [] };
    if (schema && this.ctx.schemas.usable(doc, state.analysis.doc.errors.some((e) => e.code === 'JSON_TOO_DEEP'))) {
      this.ctx.schemas.associate(doc.uri, schema);
      list = (await this.ctx.schemas.service.doComplete(doc, params.position, this.ctx.schemas.parse(doc))) ?? list;
    }
    list.items.push(...(await this.digests(doc, doc.offsetAt(params.position), state.analysis.doc.tree)));
    if (state.analysis.detection.kind === 'policy') list.items.push(...this.stageKeys(doc, doc.offsetAt(params.position), state.analysis.doc.tree));
    return list;
  }

  /** Stage names as keys of a policy's `stages` (the schema says so with propertyNames, which JSON completion does not read). */
  private stageKeys(doc: TextDocument, offset: number, tree: Parameters<typeof findNodeAtOffset>[0] | undefined): CompletionItem[] {
    if (!tree) return [];
    const node = findNodeAtOffset(tree, offset, true);
    const isKey = node?.type === 'string' && node.parent?.type === 'property' && node.parent.children?.[0] === node;
    const owner = isKey ? node!.parent!.parent : node?.type === 'object' ? node : undefined;
    const ownerKey = owner?.parent?.type === 'property' ? owner.parent.children?.[0]?.value : undefined;
    if (ownerKey !== 'stages' || owner?.parent?.parent !== tree) return [];
    const present = new Set((owner.children ?? []).map((p) => p.children?.[0]?.value));
    return STAGES.filter((s) => !present.has(s)).map((s) => ({
      label: s,
      kind: CompletionItemKind.EnumMember,
      detail: 'lifecycle stage',
      textEdit: isKey
        ? { range: { start: doc.positionAt(node!.offset), end: doc.positionAt(node!.offset + node!.length) }, newText: `"${s}": { "signers": [] }` }
        : { range: { start: doc.positionAt(offset), end: doc.positionAt(offset) }, newText: `"${s}": { "signers": [] }` },
    }));
  }

  private async digests(doc: TextDocument, offset: number, tree: Parameters<typeof findNodeAtOffset>[0] | undefined): Promise<CompletionItem[]> {
    const registry = this.ctx.registry();
    if (!registry || !tree) return [];
    const node = findNodeAtOffset(tree, offset, true);
    if (!node || node.type !== 'string') return [];
    const path = getNodePath(node);
    const key = [...path].reverse().find((p) => typeof p === 'string');
    if (!key || !DIGEST_KEYS.has(String(key))) return [];
    const bare = key === 'sha256' || key === 'content';
    let entries;
    try {
      entries = await registry.list();
    } catch {
      return [];
    }
    const seen = new Set<string>();
    const items: CompletionItem[] = [];
    for (const e of entries) {
      for (const s of e.subjects) {
        if (seen.has(s)) continue;
        seen.add(s);
        const value = bare ? s.slice(7) : s;
        items.push({
          label: value,
          kind: CompletionItemKind.Value,
          detail: `${e.stage ?? e.predicateType} (registry)`,
          textEdit: { range: { start: doc.positionAt(node.offset + 1), end: doc.positionAt(node.offset + node.length - 1) }, newText: value },
          sortText: `~${e.stage ?? ''}`,
        });
      }
    }
    return items;
  }
}
