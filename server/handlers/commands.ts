import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ResponseError, type Connection, type WorkDoneProgressReporter } from 'vscode-languageserver';
import { answer } from './answer';
import {
  CancelledError,
  InputError,
  attest,
  certificateSubjectText,
  claimedSigner,
  decodePayload,
  describeSigner,
  findSignatureFor,
  generateKeyPair,
  generateManifest,
  hashModel,
  isInside,
  isObject,
  isProvenanceError,
  keyHint,
  loadPolicy,
  loadPrivateKey,
  manifestPathFor,
  mergeManifest,
  parseBundle,
  parseCertificate,
  parseCurve,
  publicKeyFromBytes,
  publicKeyPem,
  renderEvaluation,
  renderLineage,
  resolveModelTarget,
  signedFolderContaining,
  validateChain,
  validateManifest,
  verifyChain,
  writeFileAtomic,
  writeKeyPair,
  type HashProgress,
  type ModelEvaluation,
  type Stage,
} from '../../core';
import {
  NOTIFICATIONS,
  REQUESTS,
  type AttestRequest,
  type AttestResult,
  type KeyFolderCheck,
  type KeygenRequest,
  type ManifestRequest,
  type ManifestResult,
  type ModelStateView,
  type RegistryArtifact,
  type ResolvedTarget,
  type TrustCandidate,
  type TrustCandidates,
  type UnsignedView,
  type VerifyOutcome,
} from '../../core/editor/protocol';
import type { ServerContext } from '../context';
import type { RemovedEntry } from '../../core/registry/registry';
import { schemaFor } from '../services/schema-service';
import { categoryOf } from '../settings';
import { describeTrustProblem, trustCounts } from '../services/trust';
import { editorModelScope } from '../services/model-scope';
import { COMMANDS } from './code-lens';

/** Folders never searched for keys and certificates a person could trust. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.provenance', 'dist', '.venv', '__pycache__']);
const MAX_CANDIDATE_FILES = 2000;

/** Commands and custom requests: verify a model (with progress), status, targets, trust, generators. */
export class CommandHandler {
  constructor(private readonly ctx: ServerContext) {}

  register(connection: Connection): void {
    connection.onExecuteCommand(async (params, token, workDone) => {
      if (params.command !== COMMANDS.serverVerify) throw new ResponseError(-32601, `unknown command ${params.command}`);
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return this.verify(params.arguments?.[0], workDone, abort.signal);
    });
    connection.onRequest(REQUESTS.decodedPayload, (p: { uri: string; text?: string }) => this.decodedPayload(p.uri, p.text));
    connection.onRequest(REQUESTS.status, (p: { uri: string }) => this.status(p.uri));
    connection.onRequest(REQUESTS.modelState, (p: { path: string }): unknown => this.ctx.models.forPath(p.path) satisfies ModelStateView | UnsignedView);
    connection.onRequest(REQUESTS.resolveTarget, (p: { path: string }): unknown => this.resolveTarget(p.path));
    connection.onRequest(REQUESTS.trustCandidates, (p: { uri: string }) => answer(async () => this.trustCandidates(p.uri)));
    connection.onRequest(REQUESTS.pinTrust, (p: { candidate: TrustCandidate; dir: string }) => answer(async () => this.pinTrust(p.candidate, p.dir)));
    connection.onRequest(REQUESTS.attest, (p: AttestRequest) => answer(() => this.attest(p)));
    connection.onRequest(REQUESTS.removeAttestation, (p: { id: string; subject: string }) => answer(() => this.removeAttestation(p)));
    connection.onRequest(REQUESTS.keygen, (p: KeygenRequest) => answer(async () => this.keygen(p)));
    connection.onRequest(REQUESTS.keyFolder, (p: { path: string }): unknown => this.keyFolder(p.path) satisfies KeyFolderCheck);
    connection.onRequest(REQUESTS.manifest, (p: ManifestRequest) => answer(() => this.manifest(p)));
    connection.onRequest(REQUESTS.lineage, (p: { modelPath?: string; digest?: string; format?: 'text' | 'mermaid' | 'json' }) =>
      answer(async () => {
        const registry = this.ctx.registry();
        if (!registry) throw new InputError('REGISTRY_UNAVAILABLE', 'no attestation registry: set modelProvenance.registry, or attest a model first (it creates .provenance/ in the workspace)');
        const policy = this.ctx.settings.policy ? loadPolicy(this.resolve(this.ctx.settings.policy)) : undefined;
        // Found by the digest its signature and attestations carry: hashed with modelProvenance.ignorePaths, as its trust state is.
        const result = await verifyChain({ registry, policy, modelPath: p.modelPath, digest: p.digest, ...(p.modelPath ? { scope: this.scope(p.modelPath) } : {}) });
        return { verdict: result.verdict, text: renderLineage(result, p.format ?? 'text') };
      }),
    );
    connection.onRequest(REQUESTS.registryDigests, (p?: { exclude?: string }) => answer(() => this.registryArtifacts(p?.exclude)));
  }

  /** Tells the client a model's state changed; the client repaints badges and the status item. */
  notify(view: ModelStateView): void {
    void this.ctx.connection.sendNotification(NOTIFICATIONS.modelState, view);
  }

  private resolve(p: string): string {
    return this.ctx.resolvePath(p);
  }

  /** modelProvenance.ignorePaths placed in one model, as its trust state places them (server/services/model-scope.ts). */
  private scope(modelPath: string) {
    return editorModelScope(this.ctx.settings.ignorePaths, modelPath);
  }


  resolveTarget(path: string): ResolvedTarget {
    const t = resolveModelTarget(path);
    if (!t.ok) return t;
    const manifestPath = manifestPathFor(t.modelPath);
    return { ...t, ...(manifestPath ? { manifestPath } : {}) };
  }

  private async attest(p: AttestRequest): Promise<AttestResult> {
    const privateKey = loadPrivateKey(p.privateKey, p.passphrase || undefined);
    const registry = this.ctx.registry();
    const a = await attest({
      modelPath: p.modelPath,
      // The subject digest joins the model's signature only when the model is hashed with the
      // scope it is verified with: modelProvenance.ignorePaths, as the CLI's attest takes --ignore-paths.
      ...this.scope(p.modelPath),
      stage: p.stage as Stage,
      trainingRunId: p.runId || undefined,
      baseModels: p.baseModels ?? [],
      datasets: (p.datasets ?? []).map((d) => (/^sha256:/.test(d) ? d : this.resolve(d))),
      signer: { kind: 'key', privateKey },
      registry,
      ...(p.replaces && registry ? { replaces: [p.replaces] } : {}),
      checkConflicts: true,
    });
    const replaced = a.replaced[0];
    return {
      ...(a.id ? { id: a.id } : {}),
      ...(replaced ? { replaced } : {}),
      digest: a.subject.digest,
      stage: a.stage,
      subjectName: a.subject.name,
      signer: describeSigner({ method: 'key', keyId: keyHint(privateKey), keySource: p.privateKey }),
      ...(registry ? { registry: registry.location } : {}),
      ...(a.entry?.location ? { location: a.entry.location } : {}),
      ...(a.conflicts.length ? { conflicts: a.conflicts.map((c) => ({ id: c.id, stage: c.stage, ...(c.time ? { time: c.time } : {}), ...(c.runId ? { runId: c.runId } : {}), records: c.records, ours: c.ours })) } : {}),
      ...(a.inputWarnings.length ? { inputWarnings: a.inputWarnings.map((w) => ({ code: w.code, role: w.role, message: w.message, ...(w.signedDigest ? { signedDigest: w.signedDigest } : {}) })) } : {}),
    };
  }

  /** The editor's `registry rm ID`: one attestation, from under one model only (a bundle shared with another model stays for it). */
  private async removeAttestation(p: { id: string; subject: string }): Promise<RemovedEntry> {
    const registry = this.ctx.registry();
    if (!registry) throw new InputError('REGISTRY_NOT_FOUND', 'no registry is configured or found in the workspace (modelProvenance.registry)');
    return registry.remove(p.id, { subject: p.subject });
  }

  /**
   * Whether keys may be written into `folder`: not into a signed model folder (nor below one),
   * where they would be unexpected files and fail its verification. Asked by Generate Key Pair
   * when the folder is picked, so the person learns it before typing a curve and a passphrase.
   */
  keyFolder(folder: string): KeyFolderCheck {
    const signed = signedFolderContaining(folder);
    if (!signed) return { ok: true };
    const where = signed === resolve(folder) ? `${folder} is a signed model folder (it has a model.sig)` : `${folder} is inside the signed model folder ${signed}`;
    return { ok: false, code: 'WOULD_MODIFY_SIGNED_MODEL', message: `${where}: keys written there would be unexpected files and fail the model's verification` };
  }

  private keygen(p: KeygenRequest): { privatePath: string; publicPath: string; keyId: string } {
    const check = this.keyFolder(dirname(p.prefix));
    if (!check.ok) throw new InputError(check.code, check.message, { file: p.prefix });
    const pair = generateKeyPair(parseCurve(p.curve ?? 'p256'), p.passphrase || undefined);
    // A folder that holds private keys is the owner's alone: created 0700 (the keys themselves are 0600),
    // and the default key folder tightened if an earlier version made it 0755.
    const dir = dirname(p.prefix);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (dir === join(homedir(), '.model-provenance', 'keys')) chmodSync(dir, 0o700);
    const paths = writeKeyPair(p.prefix, pair);
    return { ...paths, keyId: pair.hint };
  }

  private async manifest(p: ManifestRequest): Promise<ManifestResult> {
    const signed = signedFolderContaining(dirname(p.outputPath));
    if (signed && isInside(signed, p.outputPath)) {
      throw new InputError('WOULD_MODIFY_SIGNED_MODEL', `refusing to write the manifest into the signed model folder ${signed}: it would be an unexpected file and fail verification; write it beside the folder`, { file: p.outputPath });
    }
    let existing: string | undefined;
    try {
      existing = readFileSync(p.outputPath, 'utf8');
    } catch {
      existing = undefined;
    }
    if (existing !== undefined && p.mode === 'create') throw new InputError('MANIFEST_EXISTS', 'the manifest already exists', { file: p.outputPath });
    const policy = this.ctx.settings.policy ? loadPolicy(this.resolve(this.ctx.settings.policy)) : undefined;
    // The oms root digest joins the signature with the same scope; the ML-BOM records it (oms_ignore_path) as the CLI's manifest generate does.
    const { bom } = await generateManifest({ modelPath: p.modelPath, outputPath: p.outputPath, registry: this.ctx.registry(), policy, cache: this.ctx.cache, scope: this.scope(p.modelPath) });
    if (existing !== undefined && p.mode === 'merge') {
      let current: unknown;
      try {
        current = JSON.parse(existing);
      } catch {
        throw new InputError('MANIFEST_UNREADABLE', 'the existing manifest is not valid JSON, so it cannot be merged without losing text; fix it or replace it', { file: p.outputPath });
      }
      const m = mergeManifest(current, bom);
      writeFileAtomic(p.outputPath, `${JSON.stringify(m.bom, null, 2)}\n`);
      return { outputPath: p.outputPath, merged: { updated: m.updated, added: m.added, removed: m.removed, references: m.references } };
    }
    writeFileAtomic(p.outputPath, `${JSON.stringify(bom, null, 2)}\n`);
    return { outputPath: p.outputPath };
  }

  /**
   * Registry artifacts with the name and stage each attestation gives, for pickers. `exclude`
   * is a model path whose own digest (as its files are now, through the digest cache) is left
   * out: a model is never offered as its own base.
   */
  private async registryArtifacts(exclude?: string): Promise<RegistryArtifact[]> {
    const r = this.ctx.registry();
    if (!r) return [];
    let own: string | undefined;
    if (exclude) own = (await hashModel(exclude, { ...this.scope(exclude), cache: this.ctx.cache }).catch(() => undefined))?.digest;
    const out = new Map<string, RegistryArtifact>();
    for (const e of (await r.list()).slice(0, 500)) {
      let name: string | undefined;
      try {
        const st = decodePayload(JSON.parse(await r.read(e.id)).dsseEnvelope);
        const s = isObject(st) && Array.isArray(st.subject) ? st.subject[0] : undefined;
        name = isObject(s) && typeof s.name === 'string' ? s.name : undefined;
      } catch {
        name = undefined;
      }
      for (const d of e.subjects) if (!out.has(d)) out.set(d, { digest: d, ...(e.stage ? { stage: e.stage } : {}), ...(name ? { name } : {}) });
    }
    if (own) out.delete(own);
    return [...out.values()];
  }

  /** `arg` is a document URI, or `{ modelPath }` for a model file or folder with no document open. */
  async verify(arg: unknown, workDone: WorkDoneProgressReporter | undefined, signal: AbortSignal): Promise<VerifyOutcome> {
    const ctx = this.ctx;
    let progress: WorkDoneProgressReporter | undefined = workDone;
    if (!progress) progress = await ctx.connection.window.createWorkDoneProgress().catch(() => undefined);
    progress?.begin('Verifying model', 0, 'hashing files', true);
    const onProgress = (p: HashProgress): void => progress?.report(Math.floor((p.bytesDone / Math.max(1, p.bytesTotal)) * 100), `${p.filesDone}/${p.filesTotal} files`);
    try {
      const uri = typeof arg === 'string' ? arg : undefined;
      const state = uri ? ctx.states.get(uri) : undefined;
      if (uri && state?.analysis.detection?.kind === 'manifest') return await this.verifyManifest(uri, signal);
      let path: string | undefined;
      if (uri) path = ctx.runtime.fileOf(uri);
      else if (isObject(arg) && typeof arg.modelPath === 'string') path = arg.modelPath;
      if (!path) throw new ResponseError(-32602, 'verify needs a document URI or { modelPath }');
      const target = resolveModelTarget(path);
      if (!target.ok) return { verdict: 'failed', summary: target.message, report: `${target.message}.\n${target.hint}`, problems: [{ code: target.code, message: target.message }] };
      const sig = target.signaturePath ?? findSignatureFor(target.modelPath)?.signaturePath;
      if (!sig) {
        return { verdict: 'failed', summary: `unsigned: no signature covers ${basename(target.modelPath)} (sign it with: model-provenance sign key MODEL --private-key KEY)`, report: `No signature found for ${target.modelPath} (looked for MODEL.sig, MODEL/model.sig and a model.sig in the folders above).`, problems: [{ code: 'SIGNATURE_NOT_FOUND', message: 'no signature found' }] };
      }
      const ev = await ctx.models.verifyNow(target.modelPath, sig, { signal, onProgress });
      return outcomeOf(ev, ctx.models.get(sig));
    } catch (err) {
      if (err instanceof CancelledError) return { verdict: 'failed', summary: 'cancelled', report: 'Verification was cancelled.', problems: [{ code: 'CANCELLED', message: 'cancelled' }] };
      if (isProvenanceError(err)) return { verdict: 'failed', summary: err.code, report: err.oneLine(), problems: [{ code: err.code, message: err.message, ...(err.file ? { file: err.file } : {}) }] };
      throw err;
    } finally {
      progress?.done();
    }
  }

  private async verifyManifest(uri: string, signal: AbortSignal): Promise<VerifyOutcome> {
    const ctx = this.ctx;
    const doc = ctx.documents.get(uri);
    const state = ctx.states.get(uri);
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
    ctx.lastVerification.set(uri, { at: ctx.runtime.now(), verdict: outcome.verdict, summary: outcome.summary });
    if (doc) ctx.publish(doc);
    void ctx.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    return outcome;
  }

  /**
   * The statement inside a document's DSSE envelope. `text` is the document as the editor
   * read it (a `git:` side of a diff, which the server cannot read from its address);
   * otherwise the open document's analysis, else the file on disk.
   */
  decodedPayload(uri: string, text?: string): { text: string; predicateType?: string } {
    let v: unknown;
    const source = text ?? (this.ctx.states.get(uri) ? undefined : this.diskText(uri));
    if (source !== undefined) {
      try {
        v = JSON.parse(source);
      } catch {
        throw new ResponseError(-32602, 'this document is not JSON, so it has no DSSE payload', { code: 'JSON_MALFORMED' });
      }
    } else v = this.ctx.states.get(uri)?.analysis.doc.value;
    const env = isObject(v) ? (isObject(v.dsseEnvelope) ? v.dsseEnvelope : v) : undefined;
    const st = decodePayload(env);
    if (st === undefined) throw new ResponseError(-32602, 'this document has no decodable DSSE payload');
    return { text: `${JSON.stringify(st, null, 2)}\n`, ...(isObject(st) && typeof st.predicateType === 'string' ? { predicateType: st.predicateType } : {}) };
  }

  private diskText(uri: string): string | undefined {
    const file = this.ctx.runtime.fileOf(uri);
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }

  /**
   * The language status: which kind and schema, why, where trust comes from and how much of
   * it there is, and (for a signature) its model's state. Detected on demand, so a document
   * the server has not analysed yet still says what it is.
   */
  status(uri: string): Record<string, unknown> {
    const state = this.ctx.states.get(uri);
    const doc = this.ctx.documents.get(uri);
    let analysis = state?.analysis;
    if (!analysis && doc) {
      try {
        analysis = this.ctx.analyze(doc);
      } catch {
        analysis = undefined;
      }
    }
    const d = analysis?.detection;
    const file = this.ctx.runtime.fileOf(uri);
    const signs = state?.signs ?? (d?.kind === 'model-signature' && file ? { signature: file } : undefined);
    const model = signs ? this.ctx.models.get(signs.signature) : undefined;
    const last = this.ctx.lastVerification.get(uri);
    const t = state?.trust;
    // The worst diagnostic of the document, as Problems shows it (severity overrides applied):
    // the status never says "verified" beside an error.
    const findings = state ? [...state.analysis.findings, ...state.semantic, ...(state.signs ? [] : this.ctx.flagged(uri))] : [];
    const effective = (f: { code: string; severity: string }): string => this.ctx.settings.severity[categoryOf(f.code)] ?? f.severity;
    const worst = findings.find((f) => effective(f) === 'error');
    const flags = this.ctx.flags;
    return {
      kind: d?.kind,
      by: d?.by,
      reason: d?.reason,
      schema: d ? (schemaFor(d.kind, analysis?.doc.value) ?? (d.kind === 'model-signature' ? 'OpenSSF Model Signing v1.0 (checked in code)' : 'in-toto / Sigstore bundle (checked in code)')) : undefined,
      trustSource: this.ctx.trustSource,
      trust: trustCounts(this.ctx.trust.set),
      // Trust entries that cannot be used, and settings whose value cannot be (modelProvenance.ignorePaths): said once as a notification.
      trustProblems: [...this.ctx.trust.problems.map(describeTrustProblem), ...this.ctx.settings.problems],
      ...(model ? { model } : {}),
      ...(t
        ? {
            attestation: {
              state: t.state,
              signer: describeSigner(t.signer),
              ...(t.code ? { code: t.code } : {}),
              ...(t.message ? { message: t.message } : {}),
              ...(t.unchecked ? { unchecked: t.unchecked } : {}),
              ...(t.nothingConfigured ? { nothingConfigured: true } : {}),
            },
          }
        : {}),
      ...(last ? { lastVerification: { verdict: last.verdict, summary: last.summary, at: last.at } } : {}),
      ...(worst ? { worst: { code: worst.code, message: worst.message } } : {}),
      advisories: flags.problem ? flags.problem.message : (flags.notRead ?? flags.why ?? 'read under the trust policy (its advisorySigners)'),
      ...(flags.problem ? { policyProblem: flags.problem } : {}),
    };
  }

  /**
   * Who signed a bundle, exactly as it says, and the ways to trust that signer: public key
   * files in the workspace whose fingerprint matches, CA certificates in the workspace that
   * issued the signing certificate, or the keyless identity and issuer. The person confirms
   * before anything is added, and it is added to their user settings only.
   */
  private trustCandidates(uri: string): TrustCandidates {
    const file = this.ctx.runtime.fileOf(uri) ?? uri;
    const text = this.ctx.documents.get(uri)?.getText() ?? readText(file);
    const bundle = parseBundle(text, file);
    const signer = claimedSigner(bundle, file);
    const out: TrustCandidates = { signature: file, method: signer.method, signer: describeSigner(signer), candidates: [] };
    const root = this.ctx.root();
    const where = [root, dirname(file), dirname(dirname(file))].filter((d): d is string => !!d);
    if (signer.method === 'sigstore') {
      if (signer.identity && signer.identityProvider) out.candidates.push({ kind: 'identity', identity: signer.identity, issuer: signer.identityProvider });
      else out.reason = 'the keyless certificate names no identity or no OIDC issuer, so there is nothing exact to trust';
      return out;
    }
    if (signer.method === 'key') {
      if (!signer.keyId) {
        out.reason = 'the signature names no key (no key hint): add the public key you expect to modelProvenance.trustedKeys';
        return out;
      }
      for (const f of candidateFiles(where)) {
        const key = publicKeyIn(f);
        if (key && key === signer.keyId) out.candidates.push({ kind: 'key', file: f, keyId: key, inWorkspace: !!root && isInside(root, f) });
      }
      if (out.candidates.length === 0) out.reason = `no public key with the fingerprint ${signer.keyId.slice(0, 8)}… was found in the workspace: ask the signer for their public key and add its file to modelProvenance.trustedKeys`;
      return out;
    }
    // A certificate chain: the CA certificates at hand that issued it.
    const m = bundle.material;
    if (m.kind !== 'x509CertificateChain') return out;
    const certs = m.certificates.map((c, i) => parseCertificate(c, `certificate ${i + 1}`, file));
    const leaf = certs[0]!;
    const found: { candidate: TrustCandidate; root: boolean }[] = [];
    for (const f of candidateFiles(where)) {
      for (const ca of caCertificatesIn(f)) {
        const check = validateChain(leaf, certs.slice(1), [ca], new Date(leaf.validFrom));
        if (check.ok) found.push({ candidate: { kind: 'anchor', file: f, subject: certificateSubjectText(ca), inWorkspace: !!root && isInside(root, f) }, root: ca.subject === ca.issuer });
      }
    }
    // Roots (self-issued) first: trusting the top of the chain is the usual choice.
    out.candidates = [...found.filter((x) => x.root), ...found.filter((x) => !x.root)].map((x) => x.candidate);
    if (out.candidates.length === 0) out.reason = `no CA certificate in the workspace issued ${describeSigner(signer)}: add the certificate of the CA you expect to modelProvenance.certificateAnchors`;
    return out;
  }

  /**
   * Copies a key or CA certificate the person chose to trust into `dir` (the extension's own
   * storage), so the user setting names a copy the repository cannot change afterwards.
   */
  private pinTrust(c: TrustCandidate, dir: string): { path: string } {
    if (c.kind === 'key') {
      const key = publicKeyFromBytes(readFileSync(c.file), c.file);
      const hint = keyHint(key);
      if (hint !== c.keyId) throw new InputError('KEY_CHANGED', 'the key file changed since it was shown; run Trust this signer… again', { file: c.file });
      // trusted-keys/<fingerprint>/<the file's own name>: the lens keeps saying "(prod.pub.pem)".
      const stem = basename(c.file).replace(/(\.pub)?\.pem$|\.pub$/i, '').replace(/[^\w.-]/g, '_') || 'key';
      const path = join(dir, 'trusted-keys', hint.slice(0, 16), `${stem}.pub.pem`);
      writeFileAtomic(path, publicKeyPem(key), { mode: 0o644 });
      return { path };
    }
    if (c.kind === 'anchor') {
      const ca = caCertificatesIn(c.file).find((x) => certificateSubjectText(x) === c.subject);
      if (!ca) throw new InputError('CERT_CHANGED', 'the certificate file changed since it was shown; run Trust this signer… again', { file: c.file });
      const path = join(dir, 'certificate-anchors', `${ca.fingerprint256.replace(/:/g, '').slice(0, 16).toLowerCase()}.pem`);
      writeFileAtomic(path, ca.toString(), { mode: 0o644 });
      return { path };
    }
    throw new InputError('USAGE', 'an identity is added to the settings as it is; nothing to copy');
  }
}

/** A verify outcome from a model evaluation: the same words as the lens and status. */
function outcomeOf(ev: ModelEvaluation, view: ModelStateView | undefined): VerifyOutcome {
  const problems = ev.state === 'verified' ? [] : [...(ev.flags ?? []).map((h) => ({ code: h.code, message: h.message })), ...(ev.integrity?.problems ?? []), ...(ev.trust.state !== 'verified' && ev.trust.code ? [{ code: ev.trust.code, message: ev.trust.message ?? '' }] : [])];
  return {
    verdict: ev.state === 'verified' ? 'verified' : 'failed',
    // The notification names what the person's ignore paths left out, beside the verdict.
    summary: `${ev.headline}${ev.ignorePaths?.applied.length ? `; left out by ${ev.ignorePaths.source}: ${ev.ignorePaths.applied.join(', ')}` : ''}`,
    report: renderEvaluation(ev),
    problems: problems.map((p) => ({ code: p.code, message: p.message, ...('file' in p && p.file ? { file: p.file } : {}) })),
    signer: ev.signerText,
    ...(view ? { state: view } : {}),
  };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError('FILE_NOT_FOUND', `cannot read ${basename(file)}: ${(err as Error).message}`, { file });
  }
}

/** PEM-ish files under the given folders (bounded, skipping dependency and VCS folders). */
function candidateFiles(roots: string[]): string[] {
  const out = new Set<string>();
  let seen = 0;
  const walk = (dir: string, depth: number): void => {
    if (depth > 6 || seen > MAX_CANDIDATE_FILES) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (++seen > MAX_CANDIDATE_FILES) return;
      const p = join(dir, n);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(n)) walk(p, depth + 1);
      } else if (/\.(pem|pub|crt|cer)$/i.test(n) && st.size <= 64 * 1024) out.add(p);
    }
  };
  for (const r of roots) walk(r, 0);
  return [...out];
}

/** The fingerprint (OMS key hint) of the public key in a file, or undefined for anything else. */
function publicKeyIn(file: string): string | undefined {
  try {
    const data = readFileSync(file);
    if (/PRIVATE KEY-----|BEGIN CERTIFICATE/.test(data.toString('latin1'))) return undefined;
    return keyHint(publicKeyFromBytes(data, file));
  } catch {
    return undefined;
  }
}

function caCertificatesIn(file: string) {
  try {
    const text = readFileSync(file, 'latin1');
    const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    return pems.map((p) => parseCertificate(Buffer.from(p), 'certificate', file)).filter((c) => c.ca);
  } catch {
    return [];
  }
}

