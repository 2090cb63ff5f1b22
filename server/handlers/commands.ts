import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ResponseError, type Connection, type WorkDoneProgressReporter } from 'vscode-languageserver';
import {
  CancelledError,
  attest,
  generateKeyPair,
  generateManifest,
  loadPolicy,
  loadPrivateKey,
  parseCurve,
  renderLineage,
  verifyChain,
  writeFileAtomic,
  writeKeyPair,
  type Stage,
  decodePayload,
  defaultSignaturePath,
  isObject,
  isProvenanceError,
  renderResult,
  validateManifest,
  verifyModel,
  type HashProgress,
} from '../../core';
import type { ServerContext } from '../context';
import { schemaFor } from '../services/schema-service';
import { verificationFindings } from '../services/semantic';
import { summarise } from './diagnostics';
import { COMMANDS } from './code-lens';

export interface AttestRequest {
  modelPath: string;
  stage: string;
  runId?: string;
  baseModels?: string[];
  datasets?: string[];
  privateKey: string;
  passphrase?: string;
}

export interface VerifyOutcome {
  verdict: 'verified' | 'failed';
  summary: string;
  /** The core's one-screen report, for "Show details". */
  report: string;
  problems: { code: string; message: string; file?: string }[];
  signer?: string;
}

export const REQUESTS = {
  decodedPayload: 'modelProvenance/decodedPayload',
  status: 'modelProvenance/status',
  attest: 'modelProvenance/attest',
  keygen: 'modelProvenance/keygen',
  manifest: 'modelProvenance/generateManifest',
  lineage: 'modelProvenance/lineage',
  registryDigests: 'modelProvenance/registryDigests',
} as const;

/** Commands and custom requests: verify a model (with progress), decode a payload, report status. */
export class CommandHandler {
  constructor(private readonly ctx: ServerContext) {}

  register(connection: Connection): void {
    connection.onExecuteCommand(async (params, token, workDone) => {
      if (params.command !== COMMANDS.serverVerify) throw new ResponseError(-32601, `unknown command ${params.command}`);
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return this.verify(params.arguments?.[0], workDone, abort.signal);
    });
    connection.onRequest(REQUESTS.decodedPayload, (p: { uri: string }) => this.decodedPayload(p.uri));
    connection.onRequest(REQUESTS.status, (p: { uri: string }) => this.status(p.uri));
    connection.onRequest(REQUESTS.attest, (p: AttestRequest) => this.wrap(() => this.attest(p)));
    connection.onRequest(REQUESTS.keygen, (p: { prefix: string; curve?: string; passphrase?: string }) =>
      this.wrap(async () => {
        const pair = generateKeyPair(parseCurve(p.curve ?? 'p256'), p.passphrase || undefined);
        const paths = writeKeyPair(p.prefix, pair);
        return { ...paths, keyId: pair.hint };
      }),
    );
    connection.onRequest(REQUESTS.manifest, (p: { modelPath: string; outputPath?: string }) =>
      this.wrap(async () => {
        const outputPath = p.outputPath ?? join(dirname(p.modelPath), `${basename(p.modelPath)}.cdx.json`);
        const policy = this.ctx.settings.policy ? loadPolicy(this.resolve(this.ctx.settings.policy)) : undefined;
        const { bom } = await generateManifest({ modelPath: p.modelPath, outputPath, registry: this.ctx.registry(), policy, cache: this.ctx.cache });
        writeFileAtomic(outputPath, `${JSON.stringify(bom, null, 2)}\n`);
        return { outputPath };
      }),
    );
    connection.onRequest(REQUESTS.lineage, (p: { modelPath?: string; digest?: string; format?: 'text' | 'mermaid' | 'json' }) =>
      this.wrap(async () => {
        const registry = this.ctx.registry();
        if (!registry) throw new ResponseError(-32603, 'no registry');
        const policy = this.ctx.settings.policy ? loadPolicy(this.resolve(this.ctx.settings.policy)) : undefined;
        const result = await verifyChain({ registry, policy, modelPath: p.modelPath, digest: p.digest });
        return { verdict: result.verdict, text: renderLineage(result, p.format ?? 'text') };
      }),
    );
    connection.onRequest(REQUESTS.registryDigests, () =>
      this.wrap(async () => {
        const r = this.ctx.registry();
        return r ? (await r.list()).flatMap((e) => e.subjects.map((s) => ({ digest: s, stage: e.stage ?? e.predicateType }))) : [];
      }),
    );
  }

  private resolve(p: string): string {
    return this.ctx.resolvePath(p);
  }

  /** Core errors reach the client as readable JSON-RPC errors, not crashes. */
  private async wrap<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isProvenanceError(err)) throw new ResponseError(-32602, err.oneLine(), { code: err.code });
      throw err;
    }
  }

  private async attest(p: AttestRequest): Promise<{ id?: string; digest: string; stage: string }> {
    const privateKey = loadPrivateKey(p.privateKey, p.passphrase || undefined);
    const a = await attest({
      modelPath: p.modelPath,
      stage: p.stage as Stage,
      trainingRunId: p.runId || undefined,
      baseModels: p.baseModels ?? [],
      datasets: p.datasets ?? [],
      signer: { kind: 'key', privateKey },
      registry: this.ctx.registry(),
    });
    return { id: a.id, digest: a.subject.digest, stage: a.stage };
  }

  /** `arg` is a document URI, or `{ modelPath, signaturePath? }` for a model file or folder with no document open. */
  async verify(arg: unknown, workDone: WorkDoneProgressReporter | undefined, signal: AbortSignal): Promise<VerifyOutcome> {
    const ctx = this.ctx;
    let progress: WorkDoneProgressReporter | undefined = workDone;
    if (!progress) progress = await ctx.connection.window.createWorkDoneProgress().catch(() => undefined);
    progress?.begin('Verifying model', 0, 'hashing files', true);
    const onProgress = (p: HashProgress): void => progress?.report(Math.floor((p.bytesDone / Math.max(1, p.bytesTotal)) * 100), `${p.filesDone}/${p.filesTotal} files`);
    try {
      const uri = typeof arg === 'string' ? arg : undefined;
      const state = uri ? ctx.states.get(uri) : undefined;
      if (uri && state?.analysis.detection?.kind === 'manifest') {
        const doc = ctx.documents.get(uri);
        const file = ctx.runtime.fileOf(uri) ?? uri;
        const v = await validateManifest(doc?.getText() ?? '', file, { checkDisk: true, signal, cache: ctx.cache });
        const errors = v.findings.filter((f) => f.severity === 'error');
        const digestProblems = errors.filter((f) => /DIGEST_MISMATCH|FILE_MISSING/.test(f.code));
        const outcome: VerifyOutcome = {
          verdict: errors.length === 0 && v.checkedAgainst ? 'verified' : 'failed',
          summary: !v.checkedAgainst ? 'model not found: nothing checked' : digestProblems.length ? `${digestProblems.length} file${digestProblems.length > 1 ? 's' : ''} modified` : errors.length ? `${errors.length} problem(s)` : 'verified: every digest matches',
          report: errors.map((f) => `${f.code}: ${f.message}`).join('\n') || `every file digest matches the model at ${v.checkedAgainst ?? '?'}`,
          problems: errors.map((f) => ({ code: f.code, message: f.message })),
        };
        if (state) state.semantic = v.findings.filter((f) => /^MLBOM_(DIGEST_MISMATCH|ROOT_DIGEST_MISMATCH|FILE_MISSING|MODEL_NOT_FOUND)$/.test(f.code));
        this.remember(uri, outcome);
        return outcome;
      }
      let modelPath: string;
      let signaturePath: string | undefined;
      if (uri) {
        const file = ctx.runtime.fileOf(uri);
        if (!file) throw new ResponseError(-32602, `${uri} is not a file`);
        signaturePath = file;
        modelPath = dirname(file);
      } else if (isObject(arg) && typeof arg.modelPath === 'string') {
        const found = typeof arg.signaturePath === 'string' ? { modelPath: arg.modelPath, signaturePath: arg.signaturePath } : findSignature(arg.modelPath);
        if (!found) {
          return { verdict: 'failed', summary: 'unsigned', report: `No signature found for ${arg.modelPath} (looked for MODEL.sig, MODEL/model.sig and model.sig beside it).`, problems: [{ code: 'SIGNATURE_NOT_FOUND', message: 'no signature found' }] };
        }
        ({ modelPath, signaturePath } = found);
      } else {
        throw new ResponseError(-32602, 'verify needs a document URI or { modelPath }');
      }
      if (ctx.trust.keys.length === 0) {
        return { verdict: 'failed', summary: 'no trusted keys configured', report: `No trusted keys are configured (${ctx.trustSource}). Set modelProvenance.trustedKeys.`, problems: [{ code: 'NO_TRUSTED_KEYS', message: 'no trusted keys configured' }] };
      }
      const result = await verifyModel({ modelPath, signaturePath, trust: { kind: 'key', keys: ctx.trust.keys }, signal, onProgress, cache: ctx.cache });
      const outcome: VerifyOutcome = {
        verdict: result.verdict,
        summary: summarise(result),
        report: renderResult(result, 'report'),
        problems: result.problems,
        ...(result.signer?.keySource ? { signer: result.signer.keySource } : {}),
      };
      if (uri && state) state.semantic = verificationFindings(result, state.analysis);
      this.remember(uri ?? `file-model:${modelPath}`, outcome, result);
      return outcome;
    } catch (err) {
      if (err instanceof CancelledError) return { verdict: 'failed', summary: 'cancelled', report: 'Verification was cancelled.', problems: [{ code: 'CANCELLED', message: 'cancelled' }] };
      if (isProvenanceError(err)) return { verdict: 'failed', summary: err.code, report: err.oneLine(), problems: [{ code: err.code, message: err.message, ...(err.file ? { file: err.file } : {}) }] };
      throw err;
    } finally {
      progress?.done();
    }
  }

  private remember(key: string, outcome: VerifyOutcome, result?: Parameters<typeof summarise>[0] & { verdict: 'verified' | 'failed' }): void {
    const ctx = this.ctx;
    ctx.lastVerification.set(key, { at: ctx.runtime.now(), verdict: outcome.verdict, summary: outcome.summary, ...(result ? { result: result as never } : {}) });
    const doc = ctx.documents.get(key);
    if (doc) ctx.publish(doc);
    void ctx.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  decodedPayload(uri: string): { text: string; predicateType?: string } {
    const state = this.ctx.states.get(uri);
    const v = state?.analysis.doc.value;
    const env = isObject(v) ? (isObject(v.dsseEnvelope) ? v.dsseEnvelope : v) : undefined;
    const st = decodePayload(env);
    if (st === undefined) throw new ResponseError(-32602, 'this document has no decodable DSSE payload');
    return { text: `${JSON.stringify(st, null, 2)}\n`, ...(isObject(st) && typeof st.predicateType === 'string' ? { predicateType: st.predicateType } : {}) };
  }

  status(uri: string): Record<string, unknown> {
    const state = this.ctx.states.get(uri);
    const d = state?.analysis.detection;
    const last = this.ctx.lastVerification.get(uri);
    return {
      kind: d?.kind,
      by: d?.by,
      reason: d?.reason,
      schema: d ? (schemaFor(d.kind, state?.analysis.doc.value) ?? (d.kind === 'model-signature' ? 'OpenSSF Model Signing v1.0 (checked in code)' : 'in-toto / Sigstore bundle (checked in code)')) : undefined,
      trustSource: this.ctx.trustSource,
      trustedKeys: this.ctx.trust.keys.length,
      trustProblems: this.ctx.trust.problems,
      lastVerification: last ? { verdict: last.verdict, summary: last.summary, at: last.at } : undefined,
    };
  }
}

/**
 * The signature that covers a model file or folder: MODEL/model.sig or MODEL.sig; for a
 * file inside a signed folder, the folder's model.sig (the folder is then verified).
 */
export function findSignature(modelPath: string): { modelPath: string; signaturePath: string } | undefined {
  const isFile = (p: string): boolean => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  const own = defaultSignaturePath(modelPath);
  if (isFile(own)) return { modelPath, signaturePath: own };
  if (isFile(modelPath)) {
    const folderSig = join(dirname(modelPath), 'model.sig');
    if (isFile(folderSig)) return { modelPath: dirname(modelPath), signaturePath: folderSig };
  }
  return undefined;
}
