import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CancelledError, analyzeDocument, type Finding } from '../../core';
import { DOCS_BASE, type ServerContext } from '../context';
import { semanticFindings } from '../services/semantic';
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
 * Validates as people type: the static pass (parse, schema, profile, signature against
 * trusted keys) right away, then the pass that hashes files in the background, with
 * work-done progress, cancelled by the next edit. Stale results are dropped.
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
    this.ctx.states.get(uri)?.abort?.abort();
    this.ctx.states.delete(uri);
    this.ctx.schemas.forget(uri);
    void this.ctx.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  run(doc: TextDocument): void {
    const ctx = this.ctx;
    const previous = ctx.states.get(doc.uri);
    previous?.abort?.abort();
    const file = ctx.runtime.fileOf(doc.uri) ?? doc.uri;
    let analysis;
    try {
      analysis = analyzeDocument(file, doc.getText(), { trustedKeys: ctx.trust.keys, maxFindings: ctx.settings.maxProblems });
    } catch (err) {
      // The server must survive anything a document contains.
      ctx.connection.console.error(`analysis of ${doc.uri} failed: ${(err as Error).message}`);
      return;
    }
    const abort = new AbortController();
    const state = { uri: doc.uri, version: doc.version, analysis, semantic: [], abort };
    ctx.states.set(doc.uri, state);
    this.publish(doc);
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
    if (kind !== 'manifest' && kind !== 'model-signature') return;
    let progress: Awaited<ReturnType<typeof ctx.connection.window.createWorkDoneProgress>> | undefined;
    try {
      const { findings, verification } = await semanticFindings({
        file,
        text: doc.getText(),
        analysis: state.analysis,
        keys: ctx.trust.keys,
        sizeLimitBytes: ctx.settings.autoVerifySizeLimitMB * 1024 * 1024,
        signal: abort.signal,
        cache: ctx.cache,
        onProgress: (p) => {
          if (!progress && p.bytesTotal > 64 * 1024 * 1024) {
            void ctx.connection.window.createWorkDoneProgress().then((r) => {
              progress = r;
              r.begin('Hashing model files', 0, undefined, true);
            });
          }
          progress?.report(Math.floor((p.bytesDone / Math.max(1, p.bytesTotal)) * 100), `${p.filesDone}/${p.filesTotal} files`);
        },
      });
      const current = ctx.states.get(doc.uri);
      if (!current || current.version !== version || abort.signal.aborted) return;
      current.semantic = findings;
      if (verification) {
        ctx.lastVerification.set(doc.uri, {
          at: ctx.runtime.now(),
          verdict: verification.verdict,
          summary: summarise(verification),
          result: verification,
        });
      }
      this.publish(doc);
    } catch (err) {
      if (!(err instanceof CancelledError)) ctx.connection.console.error(`background check of ${doc.uri} failed: ${(err as Error).message}`);
    } finally {
      progress?.done();
    }
  }

  publish(doc: TextDocument): void {
    const state = this.ctx.states.get(doc.uri);
    if (!state) return;
    const findings = [...state.analysis.findings, ...state.semantic];
    const diagnostics = findings.map((f) => toDiagnostic(doc, f, this.ctx)).filter((d): d is Diagnostic => d !== undefined);
    void this.ctx.connection.sendDiagnostics({ uri: doc.uri, version: state.version, diagnostics });
  }
}

export function summarise(r: { verdict: string; signer?: { keyId?: string; keySource?: string; subject?: string; identity?: string }; files: { status: string }[]; problems?: { code: string; message: string }[] }): string {
  if (r.verdict === 'verified') {
    const who = r.signer?.keySource?.split(/[\\/]/).pop()?.replace(/\.pub\.pem$|\.pem$/, '') ?? r.signer?.subject ?? r.signer?.identity ?? r.signer?.keyId?.slice(0, 12) ?? 'trusted key';
    return `verified: ${who}`;
  }
  const modified = r.files.filter((f) => f.status === 'modified').length;
  const missing = r.files.filter((f) => f.status === 'missing').length;
  const extra = r.files.filter((f) => f.status === 'unexpected').length;
  const parts = [modified && `${modified} file${modified > 1 ? 's' : ''} modified`, missing && `${missing} missing`, extra && `${extra} unexpected`].filter(Boolean);
  if (parts.length) return parts.join(', ');
  // No file problem: say why the signature itself was refused.
  const p = r.problems?.[0];
  return p ? `${p.code}: ${p.message}` : 'not verified';
}
