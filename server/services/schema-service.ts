import { getLanguageService, type JSONDocument, type JSONSchema, type LanguageService } from 'vscode-json-languageservice';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { SCHEMAS, cycloneDxSchema, type DocumentKind } from '../../core';
import spdx from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/spdx.SNAPSHOT.schema.json';
import jsf from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/jsf-0.82.SNAPSHOT.schema.json';
import cryptoDefs from '../../node_modules/@cyclonedx/cyclonedx-library/res/schema/cryptography-defs.SNAPSHOT.schema.json';

const CDX = 'http://cyclonedx.org/schema/';

/** Every schema the editor knows, served from memory: nothing is fetched. */
const KNOWN: Record<string, unknown> = {
  [`${CDX}bom-1.6.schema.json`]: cycloneDxSchema('1.6'),
  [`${CDX}bom-1.7.schema.json`]: cycloneDxSchema('1.7'),
  [`${CDX}spdx.SNAPSHOT.schema.json`]: spdx,
  [`${CDX}jsf-0.82.SNAPSHOT.schema.json`]: jsf,
  [`${CDX}cryptography-defs.SNAPSHOT.schema.json`]: cryptoDefs,
  [SCHEMAS['ml-provenance'].$id]: SCHEMAS['ml-provenance'],
  [SCHEMAS['provenance-policy'].$id]: SCHEMAS['provenance-policy'],
  [SCHEMAS['report-inputs'].$id]: SCHEMAS['report-inputs'],
};

/**
 * The schemas as the editing service sees them: without uniqueItems. That service never
 * validates here, but its hover and completion still evaluate uniqueItems around the
 * cursor, quadratically: 70 s inside a 10,000-component array.
 */
function withoutUniqueItems(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutUniqueItems);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'uniqueItems') out[k] = withoutUniqueItems(v);
  return out;
}

/**
 * Documents larger than this get our own hover and completion only: the editing service
 * builds a full tree per document version, and a few megabytes of it leave the server's
 * heap large for a long time afterwards.
 */
export const SCHEMA_SERVICE_MAX_BYTES = 1024 * 1024;

/** The schema a document kind is read against, for hover and completion. */
export function schemaFor(kind: DocumentKind | undefined, value: unknown): string | undefined {
  if (kind === 'manifest') {
    const v = typeof value === 'object' && value !== null ? (value as { specVersion?: unknown }).specVersion : undefined;
    return `${CDX}bom-${v === '1.7' ? '1.7' : '1.6'}.schema.json`;
  }
  if (kind === 'policy') return SCHEMAS['provenance-policy'].$id;
  if (kind === 'report-inputs') return SCHEMAS['report-inputs'].$id;
  if (kind === 'ml-attestation') return SCHEMAS['ml-provenance'].$id;
  return undefined;
}

/**
 * vscode-json-languageservice for what it does well (schema hover, completion,
 * symbols), configured with our schemas and fed from memory. Validation is not its
 * job here: the core validator does it.
 */
export class SchemaService {
  readonly service: LanguageService;
  private readonly associations = new Map<string, string>();

  constructor() {
    this.service = getLanguageService({
      schemaRequestService: async (uri) => {
        const s = KNOWN[uri];
        if (!s) throw new Error(`schema ${uri} is not bundled`);
        return JSON.stringify(withoutUniqueItems(s));
      },
    });
    this.configure();
  }

  private configure(): void {
    const schemas = Object.keys(KNOWN).map((uri) => ({ uri, fileMatch: [...this.associations].filter(([, s]) => s === uri).map(([doc]) => doc) }));
    this.service.configure({ validate: false, allowComments: false, schemas });
  }

  /** Binds a document to its schema; reconfigures only when the binding changes. */
  associate(uri: string, schema: string | undefined): void {
    if (this.associations.get(uri) === schema) return;
    if (schema) this.associations.set(uri, schema);
    else this.associations.delete(uri);
    this.configure();
  }

  private parsed?: { uri: string; version: number; json: JSONDocument };

  /** One parse per document version, shared by hover and completion. */
  parse(doc: TextDocument): JSONDocument {
    const p = this.parsed;
    if (p && p.uri === doc.uri && p.version === doc.version) return p.json;
    const json = this.service.parseJSONDocument(doc);
    this.parsed = { uri: doc.uri, version: doc.version, json };
    return json;
  }

  /** Whether the editing service may look at this document at all (size, and nesting its recursive parser survives). */
  usable(doc: TextDocument, tooDeep: boolean): boolean {
    return !tooDeep && doc.getText().length <= SCHEMA_SERVICE_MAX_BYTES;
  }

  /**
   * The schema of `property` in the object starting at `objectOffset`, with references
   * resolved by the editing service (the schema must be associated with the document).
   */
  async propertySchema(doc: TextDocument, objectOffset: number, property: string): Promise<JSONSchema | undefined> {
    const matches = await this.service.getMatchingSchemas(doc, this.parse(doc));
    for (const m of matches) {
      if (m.node.type !== 'object' || m.node.offset !== objectOffset) continue;
      const p = typeof m.schema === 'object' ? m.schema.properties?.[property] : undefined;
      if (p && typeof p === 'object') return p;
    }
    return undefined;
  }

  forget(uri: string): void {
    if (this.parsed?.uri === uri) this.parsed = undefined;
    if (this.associations.delete(uri)) this.configure();
  }
}
