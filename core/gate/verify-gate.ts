import { existsSync } from 'node:fs';
import { verifyChain, type ChainResult } from '../chain/verify-chain';
import { digestHex } from '../attest/statement';
import { InputError } from '../errors';
import { DigestCache } from '../hash/digest-cache';
import type { HashProgress } from '../hash/hash-files';
import { optionName, type OptionNames } from '../option-names';
import { describeScan, scanModel } from '../inspect/scan';
import { relativeInside, type ScopeWarning } from '../model/enumerate';
import { hashModel } from '../model/hash-model';
import { defaultSignaturePath } from '../model/signature-path';
import { advisoriesNotRead, loadEffectiveFlags, withPolicyFlags, type EffectiveFlags, type IgnoredAdvisory } from '../incident/advisories';
import type { Policy } from '../policy/policy';
import type { Registry, RegistryEntry } from '../registry/registry';
import type { Problem, VerificationResult } from '../verify/result';
import type { Trust } from '../verify/signature';
import { verifyModel } from '../verify/verify-model';
import { signatureFlagProblems } from './advisories';
import { checkDeploymentRecord, recordGateDeployment, type GateRecordOptions } from './deployment';

/** The checks a deployment gate can run on one model. */
export type GateCheckName = 'signature' | 'chain' | 'scan';

export interface GateOptions {
  /** The model on disk: needed for the signature and the scan; hashed for the chain. */
  modelPath?: string;
  /** The model's OMS root digest (`sha256:…`): the chain alone can run on it; with a model path it must match. */
  digest?: string;
  /** Check the model's OMS signature under this trust. */
  signature?: { path?: string; trust: Trust; ignoreUnsignedFiles?: boolean };
  /** Check the chain of custody against a trust policy. */
  chain?: {
    registry: Registry;
    policy: Policy;
    checkArtifacts?: boolean;
    strict?: boolean;
    /**
     * The flags in force (the policy's `flagged` list and the advisories signed by its
     * `advisorySigners`), as `loadEffectiveFlags(registry, policy)` reads them (the default).
     * Read once and applied to every check: the signature's subject and signer, and the chain.
     */
    flags?: EffectiveFlags;
  };
  /** Inspect the model files (headers only): a dangerous pickle global or a disguised archive fails the gate. */
  scan?: boolean;
  /** Model scope, as for `hash`: model-relative paths to leave out. */
  ignorePaths?: readonly string[];
  /** Undefined: the default of each check (for a signature, what it records). */
  ignoreGitPaths?: boolean;
  allowSymlinks?: boolean;
  /** After a verdict that passed (and only then): store a signed deployment record (SLSA VSA v1). */
  record?: GateRecordOptions;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
}

export type GateProblem = Problem & { check: GateCheckName; digest?: string };

export interface GateResult {
  /** `verified` only when every check that ran verified. */
  verdict: 'verified' | 'failed';
  model: { path?: string; digest?: string };
  /** Each check that ran, in the order it ran, with its own verdict. */
  checks: { check: GateCheckName; verdict: 'verified' | 'failed' }[];
  /** Every problem of every check, tagged with the check that found it. */
  problems: GateProblem[];
  signature?: VerificationResult;
  chain?: ChainResult;
  /** `summary`: the failing findings in words, by verdict (describeScan): suspicious is never called dangerous. */
  scan?: { filesInspected: number; problems: Problem[]; dangerous: number; suspicious: number; summary: string };
  notes: string[];
  /** Ignore paths that did nothing (outside the model, or matching nothing), once each. */
  warnings: ScopeWarning[];
  /** Advisories that do not count (untrusted signer, altered, invalid): reported, never obeyed, never a failure. */
  ignoredAdvisories: IgnoredAdvisory[];
  /**
   * Set when the registry holds advisory statements that this gate did not read because the
   * policy names no `advisorySigners`: a flagged model or a revoked key would pass. A warning,
   * never a failure (the policy's owner decides whom to trust for advisories).
   */
  advisoriesNotRead?: string;
  /** The deployment record stored after the verdict passed (with `record`). */
  deployment?: RegistryEntry;
}

/**
 * The deployment gate: runs every check asked for on one model and passes only when all
 * of them pass. The signature is checked against the files on disk, the chain of custody
 * is walked from the model's digest (hashed with the same scope), and the scan reads the
 * model files' headers. Nothing asked for is skipped: a check that cannot run because its
 * input is missing is an InputError (exit 2), never a pass.
 *
 * With a policy, the flags in force (its `flagged` list and the advisories of its
 * `advisorySigners`) are read once and obeyed by every check: a flagged model or a revoked
 * signer fails the signature (FLAGGED_ARTIFACT, SIGNER_REVOKED) as it fails the chain;
 * advisories that do not count are reported in `ignoredAdvisories`. With `record`, a signed
 * deployment record is stored once every check passed, never otherwise.
 *
 * The model is hashed once: the checks share a digest cache.
 */
export async function verifyGate(options: GateOptions): Promise<GateResult> {
  const { modelPath } = options;
  if (!options.signature && !options.chain && !options.scan) throw new InputError('USAGE', `nothing to check: give a signature trust, a policy or ${optionName(options.optionNames, 'scan')}`);
  if ((options.signature || options.scan) && !modelPath) {
    throw new InputError('USAGE', `${options.signature ? 'the signature' : 'the scan'} is checked against the model on disk: give the model path`);
  }
  if (!modelPath && !options.digest) throw new InputError('USAGE', 'give the model path or its digest');
  // A record that could not be written is known before a long hash, not after it.
  if (options.record) checkDeploymentRecord(options.record);
  const cache = new DigestCache();
  const result: GateResult = { verdict: 'failed', model: { ...(modelPath ? { path: modelPath } : {}) }, checks: [], problems: [], notes: [], warnings: [], ignoredAdvisories: [] };
  // One reading of the advisories for every check.
  const flags = options.chain ? withPolicyFlags(options.chain.flags ?? (await loadEffectiveFlags(options.chain.registry, options.chain.policy)), options.chain.policy) : undefined;
  if (flags) result.ignoredAdvisories = flags.ignored;
  if (options.chain && !options.chain.flags) {
    const unread = await advisoriesNotRead(options.chain.registry, options.chain.policy);
    if (unread) result.advisoriesNotRead = unread;
  }
  const tally = (check: GateCheckName, problems: readonly (Problem & { digest?: string })[], verified: boolean): void => {
    result.checks.push({ check, verdict: verified ? 'verified' : 'failed' });
    for (const p of problems) result.problems.push({ check, ...p });
  };
  const sigPath = modelPath ? (options.signature?.path ?? defaultSignaturePath(modelPath)) : undefined;
  // Each check enumerates the model with the same ignore paths: say each warning once.
  const warn = (list: readonly ScopeWarning[] | undefined): void => {
    for (const w of list ?? []) if (!result.warnings.some((x) => x.code === w.code && x.path === w.path)) result.warnings.push(w);
  };

  if (options.signature && modelPath) {
    const sig = await verifyModel({
      modelPath,
      signaturePath: sigPath,
      trust: options.signature.trust,
      ignorePaths: options.ignorePaths,
      ignoreGitPaths: options.ignoreGitPaths,
      allowSymlinks: options.allowSymlinks,
      ignoreUnsignedFiles: options.signature.ignoreUnsignedFiles,
      signal: options.signal,
      onProgress: options.onProgress,
      cache,
      optionNames: options.optionNames,
    });
    if (flags && (sig.verdict === 'verified' || sig.signer)) {
      const flagged = signatureFlagProblems(sig, flags);
      if (flagged.length > 0) {
        sig.problems.push(...flagged);
        sig.verdict = 'failed';
      }
    }
    result.signature = sig;
    tally('signature', sig.problems, sig.verdict === 'verified');
    warn(sig.warnings);
  }

  if (options.chain) {
    let top: string;
    const mismatch: Problem[] = [];
    if (modelPath) {
      // Hashed as attest and hash do: without the signature, and without MODEL/model.sig
      // when another signature is checked (a folder's own model.sig is never model content).
      const own = defaultSignaturePath(modelPath);
      const ownInside = sigPath !== own && existsSync(own) ? relativeInside(modelPath, own) : undefined;
      const d = await hashModel(modelPath, {
        ignorePaths: [...(options.ignorePaths ?? []), ...(ownInside ? [ownInside] : [])],
        ignoreGitPaths: options.ignoreGitPaths,
        allowSymlinks: options.allowSymlinks,
        signaturePath: sigPath,
        signal: options.signal,
        onProgress: options.onProgress,
        cache,
        optionNames: options.optionNames,
      });
      top = d.digest;
      warn(d.warnings);
      if (options.digest && `sha256:${digestHex(options.digest, 'model digest')}` !== top) {
        mismatch.push({ code: 'DIGEST_MISMATCH', message: `the model on disk has digest ${top}, not ${options.digest}` });
      }
    } else {
      top = `sha256:${digestHex(options.digest!, 'model digest')}`;
    }
    const chain = await verifyChain({
      registry: options.chain.registry,
      policy: options.chain.policy,
      policyOrigin: 'given',
      strict: options.chain.strict,
      flags,
      digest: top,
      ...(modelPath ? { modelOnDisk: modelPath } : {}),
      checkArtifacts: options.chain.checkArtifacts,
      signal: options.signal,
      optionNames: options.optionNames,
    });
    if (modelPath) chain.model.path = modelPath;
    if (mismatch.length > 0) {
      chain.problems.unshift(...mismatch.map((p) => ({ ...p, digest: top })));
      chain.verdict = 'failed';
    }
    result.chain = chain;
    result.model.digest = top;
    tally('chain', chain.problems, chain.verdict === 'verified');
    const signed = result.signature?.verdict === 'verified' ? result.signature.subject?.digest : undefined;
    if (signed && signed !== top) {
      result.notes.push(`the signature's subject digest ${signed} is not the digest the chain was looked up by (${top}): they cover different files (check ${optionName(options.optionNames, 'ignorePaths')})`);
    }
  }

  if (options.scan && modelPath) {
    const { inspection, problems } = await scanModel(modelPath, { ignorePaths: options.ignorePaths, ignoreGitPaths: options.ignoreGitPaths, signaturePath: sigPath, allowSymlinks: options.allowSymlinks, optionNames: options.optionNames });
    const d = describeScan(inspection);
    result.scan = { filesInspected: inspection.files.length, problems, dangerous: d.dangerous, suspicious: d.suspicious, summary: d.text };
    tally('scan', problems, problems.length === 0);
  }

  result.verdict = result.checks.every((c) => c.verdict === 'verified') ? 'verified' : 'failed';
  if (options.record && result.verdict === 'verified') result.deployment = await recordGateDeployment(result, options.record);
  return result;
}
