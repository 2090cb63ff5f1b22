import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CancelledError, analyzeDocument, bundleStatement, claimedSigner, decodePayload, documentHits, documentReferences, flagFindings, ignoredHits, modelForSignature, rangeFor, type Finding } from '../../core';
import type { DocumentState } from '../services/documents-state';
import { DOCS_BASE, type ServerContext } from '../context';
import { subjectFindings } from '../services/report-inputs';
import { semanticFindings } from '../services/semantic';
import { modelStateFindings, policyFinding } from '../services/state-findings';
import { categoryOf } from '../settings';

const SEVERITY: Record<string, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** A core finding at the LSP edge: offsets become positions only here. */
export function toDiagnostic(doc: TextDocument, f: Finding, ctx: ServerContext): Diagnostic | undefined {
  const override = ctx.settings.severity[categoryOf(f.code)];
  if (override === 'off') return undefined;
  return {
    range: { start: doc.positionAt(f.offset), end: doc.positionAt(f.offset + Math.max(1, f.length)) },
    severity: SEVERITY[override ?? f.severity] ?? DiagnosticSeverity.Error,
    code: f.code,
    codeDescription: { href: `${DOCS_BASE}${f.code}` },
    source: 'model-provenance',
    message: f.message,
    data: { code: f.code, pointer: f.pointer, ...(f.data ?? {}) },
    ...(f.related?.length
      ? {
          relatedInformation: f.related.map((r) => ({
            location: { uri: doc.uri, range: { start: doc.positionAt(r.offset), end: doc.positionAt(r.offset + Math.max(1, r.length)) } },
            message: r.message,
          })),
        }
      : {}),
  };
}

/**
 * Validates as people type: the static pass (parse, schema, profile) right away, then the
 * pass that reads files or verifies signatures in the background, cancelled by the next
 * edit; stale results are dropped. A model signature's trust and integrity come from its
 * model's one state (ctx.models), republished whenever that state changes.
 */
export class DiagnosticsHandler {
  private readonly pending = new Map<string, { cancel(): void }>();

  constructor(private readonly ctx: ServerContext) {}

  // Short: it only merges changes that arrive together; the analysis itself is the pacing.
  schedule(doc: TextDocument, delayMs = 5): void {
    this.pending.get(doc.uri)?.cancel();
    this.pending.set(
      doc.uri,
      this.ctx.runtime.setTimeout(() => {
        this.pending.delete(doc.uri);
        this.run(doc);
      }, delayMs),
    );
  }

  close(uri: string): void {
    this.pending.get(uri)?.cancel();
    this.pending.delete(uri);
    const state = this.ctx.states.get(uri);
    state?.abort?.abort();
    if (state?.signs) this.ctx.models.unpin(state.signs.signature);
    this.ctx.states.delete(uri);
    this.ctx.schemas.forget(uri);
    void this.ctx.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** The static analysis of the document now (the status item asks before the first run). */
  analyze(doc: TextDocument) {
    const file = this.ctx.runtime.fileOf(doc.uri) ?? doc.uri;
    return analyzeDocument(file, doc.getText(), { maxFindings: this.ctx.settings.maxProblems });
  }

  run(doc: TextDocument): void {
    const ctx = this.ctx;
    const previous = ctx.states.get(doc.uri);
    previous?.abort?.abort();
    let analysis;
    try {
      analysis = this.analyze(doc);
    } catch (err) {
      // The server must survive anything a document contains.
      ctx.connection.console.error(`analysis of ${doc.uri} failed: ${(err as Error).message}`);
      return;
    }
    const abort = new AbortController();
    const file = ctx.runtime.fileOf(doc.uri);
    const signs = file && analysis.detection?.kind === 'model-signature' ? { model: modelForSignature(file), signature: file } : undefined;
    // Pin the model state while the document shows it (once per document), and follow a rename.
    if (previous?.signs && previous.signs.signature !== signs?.signature) ctx.models.unpin(previous.signs.signature);
    if (signs && previous?.signs?.signature !== signs.signature) ctx.models.pin(signs.model, signs.signature);
    const state = { uri: doc.uri, version: doc.version, analysis, semantic: [], abort, ...(signs ? { signs } : {}) };
    ctx.states.set(doc.uri, state);
    if (signs) ctx.models.forSignature(signs.model, signs.signature);
    this.publish(doc);
    // Lenses asked for before this first analysis came back empty; a model state computed
    // earlier (for an explorer badge) will not change again to trigger a refresh.
    if (!previous && analysis.detection) void ctx.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    if (!analysis.detection) return;
    // Let the static diagnostics leave before the background pass takes the thread.
    setImmediate(() => {
      if (!abort.signal.aborted) void this.background(doc, state.version, abort);
    });
  }

  private async background(doc: TextDocument, version: number, abort: AbortController): Promise<void> {
    const ctx = this.ctx;
    const state = ctx.states.get(doc.uri);
    const file = ctx.runtime.fileOf(doc.uri);
    if (!state || !file) return;
    const kind = state.analysis.detection?.kind;
    if (kind === 'report-inputs') {
      // The subject binding, said before Generate Report refuses the file.
      const findings = await subjectFindings(state.analysis, ctx.registry()).catch(() => []);
      const current = ctx.states.get(doc.uri);
      if (!current || current.version !== version || abort.signal.aborted) return;
      current.semantic = findings;
      this.publish(doc);
      return;
    }
    if (kind !== 'manifest' && kind !== 'ml-attestation' && kind !== 'intoto') return;
    try {
      const { findings, trust } = await semanticFindings({ file, analysis: state.analysis, trust: ctx.trust.set, problems: ctx.trust.problems, ignored: ctx.trust.ignored, signal: abort.signal, cache: ctx.cache });
      const current = ctx.states.get(doc.uri);
      if (!current || current.version !== version || abort.signal.aborted) return;
      current.semantic = findings;
      if (trust) current.trust = trust;
      this.publish(doc);
    } catch (err) {
      if (!(err instanceof CancelledError)) ctx.connection.console.error(`background check of ${doc.uri} failed: ${(err as Error).message}`);
    }
  }

  /**
   * The flagged references of a document (an attestation's subject and dependencies and its
   * signer, an ML-BOM's component hashes) under the flags in force, computed once per version
   * and flags version; for a model signature, the flags its model state carries.
   */
  flagged(state: DocumentState): Finding[] {
    if (state.signs) {
      // A model signature's flags come with its model state, rendered as the diagnostics render them.
      const ev = this.ctx.models.get(state.signs.signature)?.phase === 'done' ? this.ctx.models.evaluation(state.signs.signature) : undefined;
      return ev?.flags?.length ? flagFindings(state.analysis.doc, ev.flags) : [];
    }
    const kind0 = state.analysis.detection?.kind;
    const problem = this.ctx.flags.problem;
    // A configured policy that cannot be loaded: no flag can be checked, and the document says so (fail closed).
    if (problem && state.analysis.doc.value !== undefined && (kind0 === 'manifest' || kind0 === 'ml-attestation' || kind0 === 'intoto')) {
      const env = state.analysis.detection?.envelope;
      const pointer = env === 'bundle' ? '/dsseEnvelope/payload' : env === 'envelope' ? '/payload' : kind0 === 'manifest' ? '/components' : '/subject';
      return [policyFinding(problem, 'document', rangeFor(state.analysis.doc, pointer, 'key'), pointer)];
    }
    const index = this.ctx.flags.current();
    const version = this.ctx.flags.version;
    if (!index) return [];
    if (state.flagged?.flagsVersion === version) return state.flagged.findings;
    let findings: Finding[] = [];
    const a = state.analysis;
    const kind = a.detection?.kind;
    if (a.doc.value !== undefined && (kind === 'manifest' || kind === 'ml-attestation' || kind === 'intoto')) {
      try {
        const env = a.detection?.envelope;
        const statement = env === 'bundle' ? bundleStatement(a.bundle) : env === 'envelope' ? decodePayload(a.doc.value) : a.doc.value;
        const file = this.ctx.runtime.fileOf(state.uri) ?? state.uri;
        let signer;
        try {
          signer = a.bundle ? { signer: claimedSigner(a.bundle, file) } : undefined;
        } catch {
          signer = undefined;
        }
        const refs = documentReferences(kind, env, a.doc.value, statement, signer);
        findings = flagFindings(a.doc, documentHits(refs, index.flags), ignoredHits(refs.refs, index.flags));
      } catch (err) {
        this.ctx.connection.console.error(`flag check of ${state.uri} failed: ${(err as Error).message}`);
      }
    }
    state.flagged = { flagsVersion: version, findings };
    return findings;
  }

  publish(doc: TextDocument): void {
    const state = this.ctx.states.get(doc.uri);
    if (!state) return;
    const findings = [...state.analysis.findings, ...state.semantic, ...(state.signs ? [] : this.flagged(state))];
    if (state.signs && state.analysis.bundle && state.analysis.findings.length === 0) {
      const view = this.ctx.models.get(state.signs.signature);
      const ev = view?.phase === 'done' ? this.ctx.models.evaluation(state.signs.signature) : undefined;
      if (ev) findings.push(...modelStateFindings(ev, state.analysis, state.signs.signature, this.ctx.trust.problems, this.ctx.settings.problems));
    }
    const diagnostics = findings.map((f) => toDiagnostic(doc, f, this.ctx)).filter((d): d is Diagnostic => d !== undefined);
    void this.ctx.connection.sendDiagnostics({ uri: doc.uri, version: state.version, diagnostics });
  }
}
