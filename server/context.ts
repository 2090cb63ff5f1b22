import type { Connection, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DigestCache, DocumentAnalysis, Finding, Registry } from '../core';
import type { Runtime } from './runtime';
import type { SchemaService } from './services/schema-service';
import type { DocumentState, LastVerification } from './services/documents-state';
import type { FlagsService } from './services/flags';
import type { LineageWatch } from './services/lineage-watch';
import type { ModelStates } from './services/model-states';
import type { LoadedTrust } from './services/trust';
import type { Settings } from './settings';

/** What every handler shares; handlers hold no state of their own beyond it. */
export interface ServerContext {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  runtime: Runtime;
  settings: Settings;
  /** Keys, certificate anchors and keyless identities, loaded from the settings the client sent. */
  trust: LoadedTrust;
  /** Where the trust settings came from (user settings only in an untrusted workspace). */
  trustSource: string;
  /** The workspace folder, when there is one. */
  root(): string | undefined;
  states: Map<string, DocumentState>;
  /** The one verification state per signed model: every surface renders it. */
  models: ModelStates;
  /** The flags in force (advisories under the policy, its flagged list): read as the gate reads them. */
  flags: FlagsService;
  /** Open lineage views, watched on what they were built from (registry, model, policy, settings). */
  lineage: LineageWatch;
  /** The last "Verify" of a manifest (signatures have their model state instead). */
  lastVerification: Map<string, LastVerification>;
  schemas: SchemaService;
  /** File digests by device, inode, size and mtime: re-checks hash only what changed. */
  cache: DigestCache;
  registry(): Registry | undefined;
  /** Re-runs analysis of every open document (settings changed). */
  refreshAll(): void;
  /** A settings path, relative to the workspace root. */
  resolvePath(p: string): string;
  /** The static analysis of a document now (no hashing). */
  analyze(doc: TextDocument): DocumentAnalysis;
  /** The flagged references of an open document (error per flagged digest or revoked signer; info per advisory not applied). */
  flagged(uri: string): Finding[];
  /** Publishes the current findings of a document. */
  publish(doc: TextDocument): void;
}

export const DOCS_BASE = 'https://model-provenance.dev/docs/findings#';
