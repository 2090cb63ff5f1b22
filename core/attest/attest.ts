import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HashProgress } from '../hash/hash-files';
import { hashModel } from '../model/hash-model';
import { hasScope, type ModelScope, type ScopeWarning } from '../model/enumerate';
import type { Registry, RegistryEntry } from '../registry/registry';
import { signStatement, type SigningIdentity } from '../sign/sign-model';
import type { Statement } from '../oms/types';
import { buildAttestation, digestHex, type AttestationParams, type DependencyInput } from './statement';
import type { Role, Stage } from './types';
import { checkInputSignature, type InputWarning } from './input-signature';
import type { OptionNames } from '../option-names';
import { conflictingClaims, findOrNone, type ConflictingClaim } from '../chain/conflicts';
import { InputError, isProvenanceError } from '../errors';

/** An input given as `sha256:<hex>`, a path to hash, or a descriptor. */
export type InputRef = string | (Partial<DependencyInput> & { path?: string });

export interface AttestOptions extends Omit<AttestationParams, 'subject' | 'dependencies'>, ModelScope {
  /**
   * The model this stage produced; hashed for the subject digest with the model scope
   * (ignorePaths, ignoreGitPaths, allowSymlinks, signaturePath) exactly as signModel
   * hashes it, so the attestation's subject joins the model's OMS signature.
   */
  modelPath?: string;
  /** …or its digest when it is not at hand (then `subjectName` names it). */
  subjectDigest?: string;
  subjectName?: string;
  baseModels?: InputRef[];
  adapters?: InputRef[];
  datasets?: InputRef[];
  tokenizer?: InputRef;
  code?: InputRef[];
  signer: SigningIdentity;
  registry?: Registry;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  /** How messages name options a reader can set: the CLI passes its flags; default the library's names (core/option-names). */
  optionNames?: OptionNames;
  /**
   * Registry ids (`sha256:…`) of attestations of this same model that this one replaces (a
   * stage attested again with corrected inputs): each must be indexed under the subject, or
   * nothing is signed or stored; each is removed from under the subject once this one is stored.
   */
  replaces?: string[];
  /**
   * Read the registry's attestations of this model first and list those that say they produced
   * it from other inputs (`conflicts`). One read per stored producer attestation of the subject:
   * the CLI and the editor ask for it; a pipeline attesting in bulk leaves it off (default).
   */
  checkConflicts?: boolean;
}

export interface Attestation {
  /** Registry id: `sha256:` of the bundle bytes (present when stored). */
  id?: string;
  subject: { name: string; digest: string };
  stage: Stage;
  statement: Statement;
  bundle: string;
  entry?: RegistryEntry;
  /** Ignore paths that did nothing (outside the model, or matching nothing). */
  warnings: ScopeWarning[];
  /**
   * The model (role `model`, first) and path inputs whose recorded digest is not the one their
   * own signature names: they would not join it in a chain (checkInputSignature).
   */
  inputWarnings: InputWarning[];
  /**
   * Attestations already stored that say they produced the same model from other inputs (read
   * unverified): left there, a chain fails with ATTESTATION_CONFLICT. Empty when not stored or
   * not asked for (checkConflicts).
   */
  conflicts: ConflictingClaim[];
  /** The ids of `replaces`, removed from under the subject (one already gone is not listed). */
  replaced: string[];
}

/** Resolves an input reference to a digest, hashing a path (file or folder) like a model. */
export async function resolveInput(ref: InputRef, role: Role, signal?: AbortSignal, optionNames?: OptionNames): Promise<DependencyInput & { role: Role }> {
  return (await resolveCheckedInput(ref, role, signal, optionNames)).input;
}

/** resolveInput, and for a path, what its own signature says of the digest recorded (checkInputSignature). */
async function resolveCheckedInput(ref: InputRef, role: Role, signal?: AbortSignal, optionNames?: OptionNames): Promise<{ input: DependencyInput & { role: Role }; warning?: InputWarning }> {
  const r = typeof ref === 'string' ? (/^sha256:/.test(ref) ? { digest: ref } : { path: ref }) : ref;
  if (r.digest) return { input: { role, digest: `sha256:${digestHex(r.digest, role)}`, ...(r.name ? { name: r.name } : {}), ...(r.uri ? { uri: r.uri } : {}), ...(r.usage ? { usage: r.usage } : {}) } };
  if (!r.path) throw new InputError('USAGE', `a ${role} needs a digest (sha256:…) or a path`);
  if (!existsSync(r.path)) throw new InputError('FILE_NOT_FOUND', `${role} not found (give a path to hash, or sha256:<digest>)`, { file: r.path });
  const d = await hashModel(r.path, { signal, optionNames });
  const warning = checkInputSignature(r.path, role, d, r.name ? { name: r.name } : {});
  return {
    input: {
      role,
      digest: d.digest,
      name: r.name ?? basename(resolve(r.path)),
      uri: r.uri ?? pathToFileURL(resolve(r.path)).href,
      ...(r.usage ? { usage: r.usage } : {}),
    },
    ...(warning ? { warning } : {}),
  };
}

/** Hashes the model, builds the stage's attestation, signs it and stores it in the registry. */
export async function attest(options: AttestOptions): Promise<Attestation> {
  let subject: { name: string; digest: string };
  let warnings: ScopeWarning[] = [];
  let subjectWarning: InputWarning | undefined;
  if (options.modelPath) {
    const scope: ModelScope = { ignorePaths: options.ignorePaths, ignoreGitPaths: options.ignoreGitPaths, allowSymlinks: options.allowSymlinks, signaturePath: options.signaturePath };
    const d = await hashModel(options.modelPath, { ...scope, signal: options.signal, onProgress: options.onProgress, optionNames: options.optionNames });
    warnings = d.warnings;
    subject = { name: options.subjectName ?? d.name, digest: d.digest };
    // The model's own signature, if it names another digest: the attestation would never join it.
    subjectWarning = checkInputSignature(options.modelPath, 'model', d, options.signaturePath ? { signaturePath: options.signaturePath } : {});
    if (options.subjectDigest && `sha256:${digestHex(options.subjectDigest, 'subject digest')}` !== d.digest) {
      throw new InputError('DIGEST_MISMATCH', `the model on disk has digest ${d.digest}, not ${options.subjectDigest}`, { file: options.modelPath });
    }
  } else if (options.subjectDigest) {
    if (hasScope(options)) throw new InputError('USAGE', 'ignorePaths, ignoreGitPaths, allowSymlinks and signaturePath describe the model on disk: give modelPath, not only subjectDigest');
    subject = { name: options.subjectName ?? 'model', digest: `sha256:${digestHex(options.subjectDigest, 'subject digest')}` };
  } else {
    throw new InputError('USAGE', 'attest needs the model (a path) or its digest');
  }
  const deps: (DependencyInput & { role: Role })[] = [];
  const inputWarnings: InputWarning[] = subjectWarning ? [subjectWarning] : [];
  const add = async (refs: InputRef[] | undefined, role: Role): Promise<void> => {
    for (const r of refs ?? []) {
      const { input, warning } = await resolveCheckedInput(r, role, options.signal, options.optionNames);
      deps.push(input);
      if (warning) inputWarnings.push(warning);
    }
  };
  await add(options.baseModels, 'base-model');
  await add(options.adapters, 'adapter');
  await add(options.datasets, 'dataset');
  await add(options.tokenizer ? [options.tokenizer] : undefined, 'tokenizer');
  await add(options.code, 'code');
  const replaces = [...new Set((options.replaces ?? []).map((r) => `sha256:${digestHex(r, 'replaced attestation id')}`))];
  if (replaces.length > 0) {
    if (!options.registry) throw new InputError('USAGE', 'replaces removes attestations from the registry the new one is stored in: give a registry');
    const indexed = new Set((await findOrNone(options.registry, subject.digest)).map((e) => e.id));
    const stray = replaces.filter((r) => !indexed.has(r));
    if (stray.length > 0) {
      throw new InputError('REGISTRY_ENTRY_NOT_FOUND', `${stray.join(', ')} ${stray.length === 1 ? 'is not an attestation' : 'are not attestations'} of ${subject.name} (${subject.digest}) in ${options.registry.location}: nothing was signed or stored`);
    }
  }
  const statement = buildAttestation({ ...options, subject, dependencies: deps });
  const bundle = signStatement(statement, options.signer);
  const conflicts = options.registry && options.checkConflicts ? await conflictingClaims(options.registry, subject.digest, options.stage, deps, replaces) : [];
  const entry = options.registry ? await options.registry.put(bundle) : undefined;
  const replaced: string[] = [];
  for (const r of replaces) {
    if (!options.registry || r === entry?.id) continue;
    try {
      await options.registry.remove(r, { subject: subject.digest });
      replaced.push(r);
    } catch (err) {
      // Removed meanwhile: what was asked for.
      if (!isProvenanceError(err) || err.code !== 'REGISTRY_ENTRY_NOT_FOUND') throw err;
    }
  }
  return { ...(entry ? { id: entry.id, entry } : {}), subject, stage: options.stage, statement, bundle, warnings, inputWarnings, conflicts: conflicts.filter((c) => c.id !== entry?.id), replaced };
}
