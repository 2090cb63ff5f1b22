import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findNodeAtOffset, getNodePath, type Node } from 'jsonc-parser';
import type { Hover, HoverParams } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { claimedSigner, decodePayload, describeSigner, flagHoverLines, isObject, MODEL_PATH_PROPERTY, type FlagSummary } from '../../core';
import { COMMANDS } from './code-lens';
import type { ServerContext } from '../context';
import { schemaFor } from '../services/schema-service';

const DIGEST = /^(sha256:)?([0-9a-f]{64})$/;

/** An untrusted payload value for display: strings as they are, anything else by its kind. */
const text = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 200) : Array.isArray(v) ? '(a list)' : typeof v === 'object' && v !== null ? '(an object)' : String(v));

/** Hover: digests, payloads and key hints explained from what we know; anything else from the schema. */
export class HoverHandler {
  constructor(private readonly ctx: ServerContext) {}

  async onHover(params: HoverParams): Promise<Hover | null> {
    const doc = this.ctx.documents.get(params.textDocument.uri);
    const state = this.ctx.states.get(params.textDocument.uri);
    if (!doc || !state?.analysis.detection) return null;
    const offset = doc.offsetAt(params.position);
    const node = state.analysis.doc.tree ? findNodeAtOffset(state.analysis.doc.tree, offset, true) : undefined;
    const custom = node ? await this.custom(doc, node) : undefined;
    // A flagged reference under the cursor: the advisory first, then what else is known.
    const flagged = this.flagged(doc.uri, offset);
    if (flagged) {
      const value = custom ? `${flagged.text}\n\n---\n\n${custom}` : flagged.text;
      return { contents: { kind: 'markdown', value }, range: { start: doc.positionAt(flagged.offset), end: doc.positionAt(flagged.offset + flagged.length) } };
    }
    if (custom) return { contents: { kind: 'markdown', value: custom }, range: { start: doc.positionAt(node!.offset), end: doc.positionAt(node!.offset + node!.length) } };
    const schema = schemaFor(state.analysis.detection.kind, state.analysis.doc.value);
    if (!schema || !this.ctx.schemas.usable(doc, state.analysis.doc.errors.some((e) => e.code === 'JSON_TOO_DEEP'))) return null;
    this.ctx.schemas.associate(doc.uri, schema);
    return this.ctx.schemas.service.doHover(doc, params.position, this.ctx.schemas.parse(doc));
  }

  /**
   * The flags on what the cursor is on: each flagged reference with its advisory (id, status,
   * statement, who signed it, when) and a Show Impact link; an advisory that is not applied
   * says why. Undefined when nothing flagged is there.
   */
  private flagged(uri: string, offset: number): { text: string; offset: number; length: number } | undefined {
    const here = this.ctx.flagged(uri).filter((f) => offset >= f.offset && offset <= f.offset + Math.max(1, f.length));
    if (here.length === 0) return undefined;
    const sections: string[] = [];
    const digests = new Set<string>();
    for (const f of here) {
      const data = (f.data ?? {}) as { flagged?: string; kind?: string; advisories?: FlagSummary[] };
      if (typeof data.flagged !== 'string') {
        sections.push(`**${f.code}** — ${f.message}`);
        continue;
      }
      sections.push([`**⚑ ${f.code}** — ${f.message}`, ...flagHoverLines(data.advisories ?? [])].join('\n\n'));
      if (data.kind === 'artifact' || data.kind === 'signer') digests.add(`${data.kind}\n${data.flagged}`);
    }
    const links = [...digests].map((k) => {
      const [kind, digest] = k.split('\n') as [string, string];
      const arg = encodeURIComponent(JSON.stringify([{ digest, kind }]));
      return `[Show Impact of ${digest.slice(0, 19)}…](command:${COMMANDS.showImpact}?${arg} "The blast radius: what derives from it, deployments, rollback candidates")`;
    });
    if (links.length) sections.push(links.join(' · '));
    const first = here[0]!;
    return { text: sections.join('\n\n'), offset: first.offset, length: first.length };
  }

  private async custom(doc: TextDocument, node: Node): Promise<string | undefined> {
    if (node.type !== 'string' || !node.parent || node.parent.type !== 'property') return undefined;
    const key = node.parent.children?.[0]?.value;
    if (node.parent.children?.[1] !== node) return undefined;
    const path = getNodePath(node);
    const value = String(node.value);
    if (key === 'payload') return this.payload(doc, value);
    if (key === 'hint' && path.includes('publicKey')) return this.hint(value);
    if (key === 'rawBytes' && path[0] === 'verificationMaterial') return this.signer(doc);
    const m = DIGEST.exec(value);
    if (m) return this.digest(doc, path, m[2]!);
    return undefined;
  }

  /** Where this document's signature stands, in the words every other surface uses. */
  private standing(doc: TextDocument): string {
    const state = this.ctx.states.get(doc.uri);
    if (state?.signs) {
      const view = this.ctx.models.get(state.signs.signature);
      if (!view || view.phase !== 'done') return 'checking the model against its signature…';
      return view.headline;
    }
    const t = state?.trust;
    if (!t) return state?.analysis.bundle ? 'signature not checked yet' : 'no signature around it: an unsigned statement';
    if (t.state === 'verified') return `verified: signed by ${describeSigner(t.signer)}`;
    if (t.state === 'not-configured') return t.message ?? `signature not checked: no trusted signer configured (signed by ${describeSigner(t.signer)})`;
    return `NOT verified (${t.code}): ${t.message}`;
  }

  /** The ignore paths that applied to this signature's model (modelProvenance.ignorePaths), when any are set. */
  private ignored(doc: TextDocument): string | undefined {
    const signs = this.ctx.states.get(doc.uri)?.signs;
    const view = signs ? this.ctx.models.get(signs.signature) : undefined;
    // Paths are shown as text, never as Markdown (a file name may hold `_`, `*` or brackets).
    return view?.phase === 'done' ? view.ignorePaths?.text.replace(/[\\`*_[\]<>|]/g, '\\$&') : undefined;
  }

  private signer(doc: TextDocument): string | undefined {
    const state = this.ctx.states.get(doc.uri);
    const bundle = state?.analysis.bundle;
    if (!bundle) return undefined;
    let who: string;
    try {
      who = describeSigner(claimedSigner(bundle, this.ctx.runtime.fileOf(doc.uri) ?? doc.uri));
    } catch {
      return '**Signer**: the certificate cannot be read';
    }
    return `**Signed by** ${who}\n\n${this.standing(doc)}`;
  }

  private payload(doc: TextDocument, b64: string): string {
    const st = decodePayload({ payload: b64 });
    if (!isObject(st)) return '**DSSE payload**: not a JSON statement (cannot be decoded)';
    const subjects = Array.isArray(st.subject) ? st.subject : [];
    const bd = isObject(st.predicate) && isObject(st.predicate.buildDefinition) ? st.predicate.buildDefinition : undefined;
    const stage = bd && isObject(bd.externalParameters) ? bd.externalParameters.stage : undefined;
    const rd = isObject(st.predicate) && isObject(st.predicate.runDetails) ? st.predicate.runDetails : undefined;
    const resources = isObject(st.predicate) && Array.isArray(st.predicate.resources) ? st.predicate.resources.length : undefined;
    const ignored = this.ignored(doc);
    const lines = [`**Decoded DSSE payload** (in-toto statement) — ${this.standing(doc)}`, ...(ignored ? ['', ignored] : []), '', `- predicateType: \`${text(st.predicateType)}\``];
    for (const s of subjects.slice(0, 5)) {
      if (isObject(s)) lines.push(`- subject: \`${text(s.name)}\` sha256:${isObject(s.digest) ? text(s.digest.sha256) : '?'}`);
    }
    if (stage) lines.push(`- stage: **${text(stage)}**`);
    if (rd && isObject(rd.builder)) lines.push(`- builder: ${text(rd.builder.id)}`);
    if (resources !== undefined) lines.push(`- ${resources} signed file(s)`);
    lines.push('', 'Run **Show decoded payload** to open it as a document.');
    return lines.join('\n');
  }

  private hint(hint: string): string {
    const keys = this.ctx.trust.set.keys;
    const match = keys.find((k) => k.hint === hint);
    if (match) return `**Key hint** matches the trusted key \`${match.source}\``;
    const n = keys.length;
    return `**Key hint** \`${hint.slice(0, 16)}…\` matches none of the ${n} trusted key(s)${n === 0 ? ' (set modelProvenance.trustedKeys, or use Trust this signer…)' : ''}. Hints only help find a key: every trusted key is tried when verifying.`;
  }

  private async digest(doc: TextDocument, path: (string | number)[], hex: string): Promise<string> {
    const state = this.ctx.states.get(doc.uri)!;
    const lines = [`**sha256:${hex.slice(0, 16)}…**`];
    const value = state.analysis.doc.value;
    // A manifest file component: name the file on disk, its size and its status now.
    const hashesAt = path.lastIndexOf('hashes');
    if (state.analysis.detection?.kind === 'manifest' && hashesAt > 0) {
      const component = path.slice(0, hashesAt).reduce<unknown>((v, seg) => (isObject(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[seg] : undefined), value);
      if (isObject(component) && typeof component.name === 'string') {
        lines.push(`${component.type === 'data' ? 'dataset' : component.type === 'file' ? 'file' : String(component.type)} \`${component.name}\``);
        const root = this.modelRoot(doc, value);
        if (root && component.type === 'file') {
          const p = existsSync(root) && statSync(root).isDirectory() ? join(root, component.name) : root;
          if (existsSync(p)) {
            lines.push(`on disk: \`${p}\`, ${statSync(p).size.toLocaleString('en')} bytes`);
            const stale = state.semantic.some((f) => f.code === 'MLBOM_DIGEST_MISMATCH' && f.data?.file === p);
            lines.push(stale ? '**status: modified** since this digest was written' : state.semantic.length || state.abort?.signal.aborted === false ? 'status: matches the file on disk' : 'status: not checked yet');
          } else lines.push(`**status: missing** (\`${p}\` does not exist)`);
        }
      }
    }
    const registry = this.ctx.registry();
    if (registry) {
      try {
        const entries = await registry.findBySubject(`sha256:${hex}`);
        if (entries.length) lines.push(`registry: ${entries.map((e) => e.stage ?? e.predicateType).join(', ')} (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'})`);
      } catch {
        /* a registry problem is not a hover's business */
      }
    }
    return lines.join('\n\n');
  }

  private modelRoot(doc: TextDocument, value: unknown): string | undefined {
    const file = this.ctx.runtime.fileOf(doc.uri);
    const meta = isObject(value) && isObject(value.metadata) ? value.metadata : undefined;
    const model = meta && isObject(meta.component) ? meta.component : undefined;
    const prop = model && Array.isArray(model.properties) ? model.properties.find((p) => isObject(p) && p.name === MODEL_PATH_PROPERTY) : undefined;
    if (!file || !isObject(prop) || typeof prop.value !== 'string') return undefined;
    return resolve(dirname(file), prop.value);
  }
}
