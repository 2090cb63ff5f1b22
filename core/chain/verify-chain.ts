import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError, isProvenanceError } from '../errors';
import type { HashProgress } from '../hash/hash-files';
import { mlProvenanceFromStatement, digestHex } from '../attest/statement';
import { signedDigestBeside } from '../attest/input-signature';
import { SLSA_PROVENANCE_V1, type Dependency, type MlProvenance, type Stage } from '../attest/types';
import { describeFlag, emptyFlags, loadEffectiveFlags, revocationsFor, withPolicyFlags, type EffectiveFlag, type EffectiveFlags, type IgnoredAdvisory } from '../incident/advisories';
import { parseStrictJson } from '../io/json';
import { hashModel } from '../model/hash-model';
import { hasScope, type ModelScope, type ScopeWarning } from '../model/enumerate';
import { DEFAULT_STAGE_RANK, type Policy } from '../policy/policy';
import type { Registry, RegistryEntry } from '../registry/registry';
import { parseBundle } from '../sigstore/bundle';
import type { Problem, Signer } from '../verify/result';
import { claimedSigner, verifyAttestationText } from './attestation-trust';
import { describeClaim, inputsBesides, pickProducer, sameInputs } from './producer';
import { optionName, type OptionNames } from '../option-names';

export { verifyAttestationText, type AttestationTrust, type RejectionCode } from './attestation-trust';

/** One attestation that passed signature verification under the policy. */
export interface VerifiedAttestation {
  id: string;
  location: string;
  /** Names of the policy signers whose trust verifies it. */
  signers: string[];
  signer?: Signer;
  provenance: MlProvenance;
}

export interface ChainLink {
  digest: string;
  name: string;
  stage: Stage;
  attestation: string;
  signer: string;
  signerDetail?: Signer;
  /** When the stage finished (or started), as the signed attestation says. */
  time?: string;
  runId?: string;
  builderId: string;
  inputs: Dependency[];
  /** What the producing stage recorded: hyperparameters, framework and hardware. */
  hyperparameters?: MlProvenance['hyperparameters'];
  framework?: MlProvenance['framework'];
  hardware?: MlProvenance['hardware'];
  /** Attestations that describe the artifact without producing it (evaluation, release, or a stage whose base model is the artifact itself). */
  annotations: { stage: Stage; attestation: string; signer: string; time?: string; inputs: Dependency[] }[];
  /**
   * Other trusted attestations that produced the same digest, older than the one used (or,
   * at the same time, later in id order): re-attestations leave them behind. Listed, never
   * silently dropped; `sameInputs` false means they disagree on what the model came from.
   */
  superseded?: { stage: Stage; attestation: string; signer: string; time?: string; runId?: string; inputs: Dependency[]; sameInputs: boolean }[];
  depth: number;
  /** The link that consumed this one, and how. */
  consumer?: { digest: string; role: 'base-model' | 'adapter' };
}

/** A base model or adapter the policy allows to start a chain without an attestation. */
export interface ChainRoot {
  digest: string;
  consumer: { digest: string; role: 'base-model' | 'adapter' };
  name?: string;
  uri?: string;
}

export interface ChainProblem extends Problem {
  /** The artifact the problem is about (the link's subject). */
  digest?: string;
  /** The attestation the problem is about (registry id), when it concerns one attestation. */
  attestation?: string;
  /** The input (dependency digest, as the attestation recorded it) the problem is about, when it concerns one input. */
  input?: string;
  /**
   * MISSING_LINK only: the digest that the recorded input's own OMS signature names, which has a
   * trusted attestation. The stage recorded other files than the signed ones; this digest is what
   * it would join if the input verifies against that signature (read unverified here).
   */
  signedDigest?: string;
  /** MISSING_LINK with signedDigest, of an input: the attestation that recorded the input, which a corrected one replaces (attest --replaces). */
  recordedBy?: string;
  /** ATTESTATION_CONFLICT only: the other attestations (registry ids) that say they produced the model from other inputs. */
  conflicting?: string[];
}

/**
 * An attestation found in the registry for an artifact on the chain that does not verify
 * under the policy. It is reported and takes no part in the verdict (unless `strict`).
 */
export interface IgnoredAttestation {
  /** Registry id (`sha256:` of the bundle bytes). */
  id: string;
  /** The artifact it was found under. */
  digest: string;
  /** UNTRUSTED_SIGNER, CERT_SUBJECT_MISMATCH, IDENTITY_MISMATCH, ATTESTATION_SIGNATURE_INVALID, ATTESTATION_MALFORMED, REGISTRY_INDEX_MISMATCH or REGISTRY_DANGLING_INDEX. */
  code: string;
  message: string;
  /** Who it claims to be signed by (unverified): `key 1715…`, `certificate "CN=…"`, `Sigstore identity "…"`. */
  signer?: string;
  /** The stage the registry index claims for it (unverified). */
  stage?: string;
  location?: string;
}

export interface ChainResult {
  verdict: 'verified' | 'failed' | 'unverified';
  model: { digest: string; path?: string };
  /** Where the attestations were read from (the registry's location). */
  registry: string;
  /** The policy file, and whether it was given or picked up by default; absent without a policy. */
  policy?: { path: string; origin: 'given' | 'default' };
  /** Whether attestations that do not verify fail the chain (`strict`) or are only reported. */
  strict: boolean;
  links: ChainLink[];
  externalRoots: ChainRoot[];
  problems: ChainProblem[];
  /**
   * With a gap in the chain: how many blobs the registry holds in quarantine (moved there by
   * `registry verify --repair` because they were altered after being stored); a missing link
   * may be one of them.
   */
  quarantined?: number;
  /** Attestations that do not verify under the policy: reported, never trusted. */
  ignored: IgnoredAttestation[];
  /**
   * Advisories found in the registry that do not count (untrusted signer, altered, invalid):
   * reported, never obeyed, and never a failure (not even with `strict`).
   */
  ignoredAdvisories: IgnoredAdvisory[];
  /** Ignore paths in `scope` that did nothing (outside the model, or matching nothing). */
  warnings?: ScopeWarning[];
  /**
   * Every input recorded with a local path (a `file://` uri or an absolute path), and what
   * re-hashing it found at that path: `match`, `mismatch` (DIGEST_MISMATCH), `unreadable`
   * (ARTIFACT_UNREADABLE), or `absent` (not on this machine: its bytes were not checked).
   * Empty when `checkArtifacts` is false.
   */
  artifactChecks?: ArtifactCheck[];
}

/** One input's bytes re-hashed at the path its attestation recorded (see ChainResult.artifactChecks). */
export interface ArtifactCheck {
  /** The digest the attestation recorded. */
  digest: string;
  name?: string;
  role: string;
  /** The path that was hashed (or looked for). */
  path: string;
  attestation: string;
  stage: Stage;
  status: 'match' | 'mismatch' | 'unreadable' | 'absent';
}

export interface VerifyChainOptions {
  registry: Registry;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
  /** Without a policy nothing is verified: the result is 'unverified', for drawing lineage only. */
  policy?: Policy;
  /** The deployed model on disk: hashed to find its attestations. */
  modelPath?: string;
  /** Which files of modelPath make up the model (ignore paths etc.), as it was signed and attested. */
  scope?: ModelScope;
  /** …or its digest, when the model is not at hand. */
  digest?: string;
  /**
   * Where the model of `digest` is on disk when the caller hashed it itself (the gate): never
   * hashed here, only read for hints (its own signature naming another, attested digest).
   */
  modelOnDisk?: string;
  now?: Date;
  /**
   * How far past `now` an attestation's finish time may lie before it is
   * ATTESTATION_FROM_FUTURE (default one day: signing machines' clocks drift, and `now` is
   * usually this machine's clock). A caller whose `now` is a declared moment (a report
   * date) passes 0.
   */
  clockSkewMs?: number;
  /**
   * What `now` is, for messages: evidence dated after it is "after the report date
   * (2026-11-30)" for a report, not "in the future" (default: now is the clock).
   */
  nowLabel?: string;
  /** Re-hash inputs whose uri is a local file or folder, to catch swaps (default true). */
  checkArtifacts?: boolean;
  /**
   * Fail the chain when any attestation found for an artifact on it does not verify
   * (default false: such attestations are reported in `ignored` and take no part).
   */
  strict?: boolean;
  /**
   * The flags in force, as `loadEffectiveFlags(registry, policy)` (core/incident/advisories.ts)
   * computes them: advisories signed by the policy's `advisorySigners`, plus the policy's own
   * `flagged` list. Default: computed from the registry and the policy. Give them to verify
   * many models against one reading of the advisories. The policy's `flagged` entries apply
   * whether or not these include them.
   */
  flags?: EffectiveFlags;
  /** How the policy was chosen, for the result ('given' unless the caller picked up a default file). */
  policyOrigin?: 'given' | 'default';
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
}

const DAY_MS = 86_400_000;
const GAP_CODES = new Set(['MISSING_LINK', 'ATTESTATION_INVALID', 'ATTESTATION_CONFLICT']);

/** What an absent policy means for the walk: no signer, stage or list rule applies. */
const OPEN_POLICY: Policy = {
  source: '(none)',
  signers: [],
  stageSigners: {},
  requiredStages: [],
  stageRank: DEFAULT_STAGE_RANK,
  datasets: { allow: [], deny: [] },
  baseModels: { allow: [], deny: [] },
  flagged: [],
  advisorySigners: [],
};

/**
 * Walks from a model's root digest through every attestation's base-model and adapter
 * inputs to the first stage, verifying each signature against the policy and checking
 * stage rules, order, flags, allow/deny lists, age and (optionally) the inputs on disk.
 * Every problem carries a reason code; nothing doubtful passes.
 */
export async function verifyChain(options: VerifyChainOptions): Promise<ChainResult> {
  const { registry } = options;
  const policy = options.policy ?? OPEN_POLICY;
  const now = options.now ?? new Date();
  const skew = options.clockSkewMs ?? DAY_MS;
  const problems: ChainProblem[] = [];
  const links: ChainLink[] = [];
  const externalRoots: ChainRoot[] = [];
  const ignored: IgnoredAttestation[] = [];
  const add = (code: string, message: string, digest?: string, about: Pick<ChainProblem, 'attestation' | 'input' | 'signedDigest' | 'recordedBy' | 'conflicting'> = {}): void => {
    problems.push({ code, message, ...(digest ? { digest } : {}), ...Object.fromEntries(Object.entries(about).filter(([, v]) => v !== undefined)) });
  };

  let top: string;
  let warnings: ScopeWarning[] = [];
  if (options.modelPath) {
    const hashed = await hashModel(options.modelPath, { ...options.scope, signal: options.signal, onProgress: options.onProgress, optionNames: options.optionNames });
    top = hashed.digest;
    warnings = hashed.warnings;
    if (options.digest && `sha256:${digestHex(options.digest, 'model digest')}` !== top) {
      add('DIGEST_MISMATCH', `the model on disk has digest ${top}, not ${options.digest}`, top);
    }
  } else if (options.digest) {
    if (options.scope && hasScope(options.scope)) throw new InputError('USAGE', 'a model scope (ignore paths, git paths, symlinks) applies to a model on disk: give modelPath, not only a digest');
    top = `sha256:${digestHex(options.digest, 'model digest')}`;
  } else {
    throw new Error('verifyChain needs modelPath or digest');
  }

  const flags = withPolicyFlags(options.flags ?? (options.policy ? await loadEffectiveFlags(registry, policy) : emptyFlags()), policy);
  const flaggedDigest = (d: string): EffectiveFlag[] => flags.digests.get(d) ?? [];
  const artifactFlag = (f: EffectiveFlag, what: string, digest: string, about: { attestation?: string; input?: string } = {}): void => {
    add('FLAGGED_ARTIFACT', f.source === 'policy' ? `${what} is flagged: ${f.reason}` : `${what} is flagged by ${describeFlag(f)}`, digest, about);
  };
  /**
   * A base model recorded by its files on disk, while its own signature (left out some of
   * them) names the digest that is attested: what `attest` warned as INPUT_NOT_AS_SIGNED,
   * said again where the chain breaks. Likewise the model itself, hashed here with other
   * files than it was signed with (`--ignore-paths` not given as when it was signed). Read
   * from the folder, unverified, only to point at the cause; the link stays missing. Not with
   * `checkArtifacts: false`, which keeps the walk off this machine's files.
   */
  const signedAndAttested = async (path: string | undefined, digest: string, consumer?: { dep: Dependency; attestation: string }): Promise<{ hint: string; named: string } | undefined> => {
    if (options.checkArtifacts === false) return undefined;
    const named = path && existsSync(path) ? signedDigestBeside(path) : undefined;
    if (!named || named === digest) return undefined;
    const other = await attestationsFor(registry, options.policy, named).catch(() => undefined);
    if (!other || !pickProducer(other.verified).producer) return undefined;
    if (!consumer) {
      return {
        named,
        hint: `its signature (in ${path}) names ${named}, which has a trusted attestation: the model was hashed here with other files than it was signed with. Give the model scope it was signed and attested with (${optionName(options.optionNames, 'ignorePaths')}, as on sign)`,
      };
    }
    const role = consumer.dep.role;
    return {
      named,
      hint: `the folder the stage recorded for it (${path}) holds a signature naming ${named}, which has a trusted attestation: the stage recorded other files than the signed ones (files the signature leaves out, or files changed since; attest warned INPUT_NOT_AS_SIGNED or INPUT_FILES_DIFFER). Verify that ${role} against its signature: only if it verifies, attest the stage again with ${named} as its ${role}, replacing ${consumer.attestation} (attest --replaces)`,
    };
  };
  const visited = new Set<string>();
  const artifactChecks = new Map<string, string | undefined>();

  const visit = async (digest: string, depth: number, consumer?: { digest: string; stage: Stage; role: 'base-model' | 'adapter'; dep: Dependency; attestation: string }): Promise<void> => {
    if (visited.has(digest)) return;
    visited.add(digest);
    const found = await attestationsFor(registry, options.policy, digest);
    for (const f of found.invalid) add(f.code, f.message, digest, { attestation: f.id });
    ignored.push(...found.ignored);
    const label = consumer ? `${consumer.role} ${consumer.dep.name ? `"${consumer.dep.name}" ` : ''}${digest} of the ${consumer.stage} stage` : `the model ${digest}`;
    const { producer, annotations, superseded } = pickProducer(found.verified);
    if (!producer) {
      if (consumer && policy.baseModels.allow.includes(digest)) {
        externalRoots.push({ digest, consumer: { digest: consumer.digest, role: consumer.role }, name: consumer.dep.name, uri: consumer.dep.uri });
        return;
      }
      if (found.invalid.length === 0) {
        const why: string[] = [];
        if (annotations.length > 0) {
          why.push(`it has only ${[...new Set(annotations.map((a) => a.provenance.stage))].join(' and ')} attestation(s), which describe a model but do not produce it`);
        }
        if (found.ignored.length > 0) why.push(`${ignoredSummary(found.ignored)}`);
        const beside = consumer ? await signedAndAttested(localPath(consumer.dep.uri), digest, consumer) : await signedAndAttested(options.modelPath ?? options.modelOnDisk, digest);
        if (beside) why.push(beside.hint);
        add('MISSING_LINK', `no trusted attestation produced ${label}${why.length ? `: ${why.join('; ')}` : ''}`, digest, beside ? { signedDigest: beside.named, ...(consumer ? { recordedBy: consumer.attestation } : {}) } : {});
      }
      // The model itself may be flagged even when nothing trusted produced it.
      if (!consumer) for (const f of flaggedDigest(digest)) artifactFlag(f, label, digest);
      return;
    }
    const p = producer.provenance;
    const link: ChainLink = {
      digest,
      name: p.subject.name,
      stage: p.stage,
      attestation: producer.id,
      signer: pickSigner(policy, producer, p.stage),
      signerDetail: producer.signer,
      time: p.finishedOn ?? p.startedOn,
      runId: p.trainingRunId,
      builderId: p.builderId,
      inputs: p.dependencies,
      ...(p.hyperparameters ? { hyperparameters: p.hyperparameters } : {}),
      ...(p.framework ? { framework: p.framework } : {}),
      ...(p.hardware ? { hardware: p.hardware } : {}),
      annotations: annotations.map((a) => ({ stage: a.provenance.stage, attestation: a.id, signer: pickSigner(policy, a, a.provenance.stage), time: a.provenance.finishedOn ?? a.provenance.startedOn, inputs: a.provenance.dependencies })),
      ...(superseded.length > 0
        ? {
            superseded: superseded.map((a) => ({
              stage: a.provenance.stage,
              attestation: a.id,
              signer: pickSigner(policy, a, a.provenance.stage),
              time: a.provenance.finishedOn ?? a.provenance.startedOn,
              ...(a.provenance.trainingRunId ? { runId: a.provenance.trainingRunId } : {}),
              inputs: a.provenance.dependencies,
              sameInputs: sameInputs(a.provenance.dependencies, p.dependencies),
            })),
          }
        : {}),
      depth,
      ...(consumer ? { consumer: { digest: consumer.digest, role: consumer.role } } : {}),
    };
    links.push(link);
    // Two trusted claims about what made the same bytes: the stated times are the attesters'
    // own, so the newer one is not thereby the true one. Said, and the gate fails.
    const conflicting = (link.superseded ?? []).filter((o) => !o.sameInputs);
    if (conflicting.length > 0) {
      const others = conflicting.map((o) => `${describeClaim(o.attestation, o)} records ${inputsBesides(o.inputs, p.dependencies)}`);
      const newest = `${describeClaim(producer.id, { stage: p.stage, time: link.time, runId: p.trainingRunId })} records ${inputsBesides(p.dependencies, conflicting[0]!.inputs)}`;
      add('ATTESTATION_CONFLICT', `${conflicting.length + 1} trusted attestations say they produced "${p.subject.name}" (${short(digest)}) from different inputs: ${newest}, the newest by its own stated time; ${others.join('; ')}. A stated time is the attester's own claim and does not settle which is right: find out, and remove the wrong ones (registry rm ID)`, digest, { attestation: producer.id, conflicting: conflicting.map((o) => o.attestation) });
    }

    for (const a of [producer, ...annotations]) {
      const stage = a.provenance.stage;
      const allowed = policy.stageSigners[stage];
      if (allowed && !a.signers.some((n) => allowed.includes(n))) {
        add('SIGNER_NOT_ALLOWED_FOR_STAGE', `the ${stage} attestation ${short(a.id)} is signed by ${whoSigned(a)} (policy signer ${a.signers.join(', ')}), which is not allowed for stage ${stage}: the policy allows only ${allowed.join(', ')}`, digest, { attestation: a.id });
      }
      const signedAt = a.provenance.finishedOn ?? a.provenance.startedOn;
      for (const f of revocationsFor(flags, a.signer, signedAt)) {
        if (f.source === 'policy') {
          const keyId = f.target.kind === 'key' ? f.target.keyId : a.signer?.keyId ?? '?';
          const who = a.signer?.method === 'key' ? 'flagged key' : `${whoSigned(a)}, whose flagged key is`;
          add('FLAGGED_SIGNER', `the ${stage} attestation is signed by ${who} ${keyId.slice(0, 16)}…${f.since ? ` (flagged for what it signed on or after ${f.since}; signed ${signedAt ? `at ${signedAt}` : 'at an unknown time'})` : ''}: ${f.reason}`, digest, { attestation: a.id });
        } else {
          const revoked = f.target.kind === 'key' ? `key ${f.target.keyId.slice(0, 16)}…` : f.target.kind === 'identity' ? `identity ${f.target.identity}` : 'a flagged signer';
          const who = a.signer?.method === 'certificate' && f.target.kind === 'key' ? `${whoSigned(a)}, whose ${revoked} is revoked,` : revoked;
          add('SIGNER_REVOKED', `the ${stage} attestation ${short(a.id)} was signed by ${who} ${signedAt ? `at ${signedAt} (the time its signed statement claims)` : '(its statement claims no time)'}${f.since ? `, on or after ${f.since}` : ''}, revoked by ${describeFlag(f)}`, digest, { attestation: a.id });
        }
      }
      checkAge(a, stage, digest);
      if (a !== producer && policy.stageRank[p.stage] > policy.stageRank[stage]) {
        add('STAGE_OUT_OF_ORDER', `${article(stage)} ${stage} attestation is about a model produced by ${p.stage}, which the policy orders after ${stage}`, digest, { attestation: a.id });
      }
    }
    // What an annotation used (an evaluation dataset, …) is on the chain too: flags and deny lists apply.
    for (const a of annotations) {
      for (const dep of a.provenance.dependencies) {
        if (dep.digest === digest) continue;
        const about = { attestation: a.id, input: dep.digest };
        for (const f of flaggedDigest(dep.digest)) artifactFlag(f, `${dep.role} ${dep.name ? `"${dep.name}" ` : ''}${dep.digest} used by the ${a.provenance.stage} stage`, digest, about);
        if (dep.role === 'dataset' && policy.datasets.deny.includes(dep.digest)) add('DATASET_DENIED', `dataset ${dep.name ?? dep.digest} used by ${a.provenance.stage} is denied by the policy`, digest, about);
        if ((dep.role === 'base-model' || dep.role === 'adapter') && policy.baseModels.deny.includes(dep.digest)) add('BASE_MODEL_DENIED', `${dep.role} ${dep.name ?? dep.digest} used by ${a.provenance.stage} is denied by the policy`, digest, about);
        // An evaluation set changed after the evaluation is evidence that no longer holds, as for training data.
        if (options.checkArtifacts !== false) await checkArtifact(dep, a.provenance.stage, digest, a.id);
      }
    }
    if (consumer && policy.stageRank[p.stage] > policy.stageRank[consumer.stage]) {
      add('STAGE_OUT_OF_ORDER', `${p.stage} (${short(digest)}) feeds ${consumer.stage} (${short(consumer.digest)}), but the policy orders ${p.stage} after ${consumer.stage}`, digest, { attestation: producer.id });
    }
    for (const f of flaggedDigest(digest)) artifactFlag(f, label, digest);
    if (p.stage !== 'pre-training' && !p.dependencies.some((d) => d.role === 'base-model')) {
      add('MISSING_LINK', `the ${p.stage} attestation ${short(producer.id)} names no base model`, digest, { attestation: producer.id });
    }
    for (const dep of p.dependencies) {
      const about = { attestation: producer.id, input: dep.digest };
      for (const f of flaggedDigest(dep.digest)) artifactFlag(f, `${dep.role} ${dep.name ? `"${dep.name}" ` : ''}${dep.digest} used by the ${p.stage} stage`, digest, about);
      if (dep.role === 'dataset') {
        if (policy.datasets.deny.includes(dep.digest)) add('DATASET_DENIED', `dataset ${dep.name ?? dep.digest} used by ${p.stage} is denied by the policy`, digest, about);
        else if (policy.datasets.allow.length > 0 && !policy.datasets.allow.includes(dep.digest)) {
          add('DATASET_NOT_ALLOWED', `dataset ${dep.name ?? dep.digest} used by ${p.stage} is not on the policy's allow list`, digest, about);
        }
      }
      if ((dep.role === 'base-model' || dep.role === 'adapter') && policy.baseModels.deny.includes(dep.digest)) {
        add('BASE_MODEL_DENIED', `${dep.role} ${dep.name ?? dep.digest} used by ${p.stage} is denied by the policy`, digest, about);
      }
      if (options.checkArtifacts !== false) await checkArtifact(dep, p.stage, digest, producer.id);
    }
    // Which inputs this model came from is in dispute: walking one claim's would present it as the chain.
    if (conflicting.length > 0) return;
    for (const dep of p.dependencies) {
      if ((dep.role === 'base-model' || dep.role === 'adapter') && dep.digest !== digest) {
        await visit(dep.digest, depth + 1, { digest, stage: p.stage, role: dep.role, dep, attestation: producer.id });
      }
    }
  };

  const checkAge = (a: VerifiedAttestation, stage: Stage, digest: string): void => {
    const max = policy.maxAttestationAgeDays;
    if (max === undefined) return;
    const t = a.provenance.finishedOn ?? a.provenance.startedOn;
    const ms = t ? Date.parse(t) : Number.NaN;
    if (Number.isNaN(ms)) {
      add('ATTESTATION_UNDATED', `the ${stage} attestation ${short(a.id)} has no finish time, so its age cannot be checked`, digest, { attestation: a.id });
    } else if (now.getTime() - ms > max * DAY_MS) {
      add('ATTESTATION_EXPIRED', `the ${stage} attestation ${short(a.id)} finished ${t}, more than ${max} day(s) ago`, digest, { attestation: a.id });
    } else if (ms - now.getTime() > skew) {
      add('ATTESTATION_FROM_FUTURE', `the ${stage} attestation ${short(a.id)} claims to finish ${t}, ${options.nowLabel ? `after ${options.nowLabel}` : 'in the future'}`, digest, { attestation: a.id });
    }
  };

  const checks: ArtifactCheck[] = [];
  const checkArtifact = async (dep: Dependency, stage: Stage, digest: string, attestation: string): Promise<void> => {
    const path = localPath(dep.uri);
    if (!path) return;
    const record = (status: ArtifactCheck['status']): void => void checks.push({ digest: dep.digest, ...(dep.name ? { name: dep.name } : {}), role: dep.role, path, attestation, stage, status });
    if (!existsSync(path)) return record('absent');
    let actual = artifactChecks.get(path);
    if (!artifactChecks.has(path)) {
      try {
        actual = (await hashModel(path, { signal: options.signal, optionNames: options.optionNames })).digest;
      } catch (err) {
        if (!isProvenanceError(err) || err.code === 'CANCELLED') throw err;
        actual = undefined;
        add('ARTIFACT_UNREADABLE', `${dep.role} at ${path} cannot be hashed: ${err.message}`, digest, { attestation, input: dep.digest });
      }
      artifactChecks.set(path, actual);
    }
    record(actual === undefined ? 'unreadable' : actual === dep.digest ? 'match' : 'mismatch');
    if (actual && actual !== dep.digest) {
      add('DIGEST_MISMATCH', `${dep.role} ${dep.name ? `"${dep.name}" ` : ''}at ${path} now has digest ${actual}, but the ${stage} stage attested ${dep.digest}: it was changed or swapped after it was used`, digest, { attestation, input: dep.digest });
    }
  };

  await visit(top, 0);
  const stages = new Set(links.flatMap((l) => [l.stage, ...l.annotations.map((a) => a.stage)]));
  // Past a gap nothing is known, so a stage missing there is the gap's consequence, already reported.
  const broken = problems.some((p) => GAP_CODES.has(p.code));
  for (const s of broken ? [] : policy.requiredStages) {
    if (!stages.has(s)) add('REQUIRED_STAGE_MISSING', `the policy requires ${article(s)} ${s} stage, and the chain has none`);
  }
  const strict = options.strict === true;
  if (strict) {
    for (const i of ignored) add(i.code, `strict: attestation ${short(i.id)}${i.stage ? ` (${i.stage})` : ''} about ${short(i.digest)} does not verify: ${i.message}`, i.digest, { attestation: i.id });
  }
  const verdict = problems.length > 0 ? 'failed' : options.policy ? 'verified' : 'unverified';
  return {
    verdict,
    model: { digest: top, ...(options.modelPath ? { path: options.modelPath } : {}) },
    registry: registry.location,
    ...(options.policy ? { policy: { path: options.policy.source, origin: options.policyOrigin ?? 'given' } } : {}),
    strict,
    links,
    externalRoots,
    problems,
    ignored,
    ignoredAdvisories: flags.ignored,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(checks.length > 0 ? { artifactChecks: checks } : {}),
    // A gap where repair moved an altered attestation aside must not read as "never attested".
    ...(broken && (registry.quarantined?.().length ?? 0) > 0 ? { quarantined: registry.quarantined!().length } : {}),
  };
}

/** "2 attestation(s) about it were ignored: UNTRUSTED_SIGNER sha256:ab…, …", for messages. */
function ignoredSummary(list: IgnoredAttestation[]): string {
  const shown = list.slice(0, 3).map((i) => `${i.code} ${short(i.id)}`);
  return `${list.length} attestation(s) about it were ignored because they do not verify under the policy (${shown.join(', ')}${list.length > 3 ? ', …' : ''})`;
}

/** The verified signer of an attestation in words: never "key …" for a certificate. */
function whoSigned(a: VerifiedAttestation): string {
  const s = a.signer;
  if (!s) return 'an unchecked signer';
  if (s.method === 'certificate') return `certificate subject "${s.subject ?? '?'}"`;
  if (s.method === 'sigstore') return `Sigstore identity "${s.identity ?? '?'}"`;
  return `key ${s.keyId ? `${s.keyId.slice(0, 16)}…` : '?'}`;
}

/** "a" or "an" before a stage name ("an evaluation stage", "a release stage"). */
function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function short(id: string): string {
  return `${id.slice(0, 19)}…`;
}

function localPath(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  if (uri.startsWith('file://')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }
  return uri.startsWith('/') ? uri : undefined;
}

/** The policy name to report: one allowed for the stage when there is one. */
function pickSigner(policy: Policy, a: VerifiedAttestation, stage: Stage): string {
  const allowed = policy.stageSigners[stage];
  return a.signers.find((n) => !allowed || allowed.includes(n)) ?? a.signers[0] ?? 'unknown';
}

/** The signer name reported when lineage is drawn without a policy: nothing was verified. */
export const UNCHECKED = '(signature not checked)';

interface Found {
  verified: VerifiedAttestation[];
  /** Attestations that do not verify under the policy, or are not about this digest. */
  ignored: IgnoredAttestation[];
  /** Attestations that verify under the policy but are not valid lifecycle statements: they fail the chain. */
  invalid: { code: string; message: string; id: string }[];
}

/**
 * Every SLSA attestation in the registry for `digest`, verified under the policy's
 * signers (without a policy: read, not verified). Entries removed while being read are
 * skipped as dangling index entries. `entries`: the ones to read, when the caller already
 * listed (and narrowed) the digest's entries; default all of them.
 */
export async function attestationsFor(registry: Registry, policy: Policy | undefined, digest: string, entries?: readonly RegistryEntry[]): Promise<Found> {
  const out: Found = { verified: [], ignored: [], invalid: [] };
  for (const entry of entries ?? (await registry.findBySubject(digest))) {
    if (entry.predicateType !== SLSA_PROVENANCE_V1) continue;
    const about = { id: entry.id, digest, ...(entry.stage ? { stage: entry.stage } : {}), location: entry.location };
    let text: string;
    try {
      text = await registry.read(entry.id);
    } catch (err) {
      if (!isProvenanceError(err) || err.code !== 'REGISTRY_ENTRY_NOT_FOUND') throw err;
      // Removed between listing and reading: its index entry goes next, and it was never there.
      if (!(await registry.findBySubject(digest)).some((e) => e.id === entry.id)) continue;
      out.ignored.push({ ...about, code: 'REGISTRY_DANGLING_INDEX', message: `the index names ${short(entry.id)}, but the registry holds no such entry (removed meanwhile, or damaged)` });
      continue;
    }
    let signers: string[];
    let signer: Signer | undefined;
    let payload: Buffer;
    let claimed: string | undefined;
    if (policy) {
      const v = verifyAttestationText(text, entry.location, policy);
      if (v.rejection || v.signers.length === 0) {
        const r = v.rejection ?? { code: 'UNTRUSTED_SIGNER', message: 'no signer of the policy verifies it' };
        out.ignored.push({ ...about, code: r.code, message: r.message, signer: v.claimed });
        continue;
      }
      ({ signers, signer, payload, claimed } = v);
    } else {
      try {
        const bundle = parseBundle(text, entry.location);
        payload = bundle.envelope.payload;
        claimed = claimedSigner(bundle, entry.location).text;
      } catch (err) {
        if (!isProvenanceError(err)) throw err;
        out.ignored.push({ ...about, code: 'ATTESTATION_MALFORMED', message: `not a readable attestation bundle: ${err.message} [${err.code}]` });
        continue;
      }
      signers = [UNCHECKED];
    }
    let provenance: MlProvenance;
    try {
      provenance = mlProvenanceFromStatement(parseStrictJson(payload.toString('utf8'), entry.location), entry.location);
    } catch (err) {
      if (!isProvenanceError(err)) throw err;
      const message = `attestation ${short(entry.id)}: ${err.message} [${err.code}]`;
      // Signed by a trusted signer, yet not a lifecycle statement: that signer's fault, and a failure.
      if (policy) out.invalid.push({ code: 'ATTESTATION_INVALID', message, id: entry.id });
      else out.ignored.push({ ...about, code: 'ATTESTATION_INVALID', message, signer: claimed });
      continue;
    }
    if (provenance.subject.digest !== digest) {
      out.ignored.push({ ...about, code: 'REGISTRY_INDEX_MISMATCH', message: `indexed under ${digest}, but the statement is about ${provenance.subject.digest}`, signer: claimed });
      continue;
    }
    out.verified.push({ id: entry.id, location: entry.location, signers, signer, provenance });
  }
  return out;
}
