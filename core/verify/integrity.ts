import type { DigestCache } from '../hash/digest-cache';
import type { HashProgress } from '../hash/hash-files';
import { parseOmsPayload, rootDigest } from '../oms/manifest';
import type { ParsedBundle } from '../sigstore/bundle';
import type { FileStatus, Problem } from './result';
import { countOf } from './untrusted';
import { compareWithDisk } from './verify-model';
import type { OptionNames } from '../option-names';

/** Files on disk against the digests a signature lists, whoever signed it. */
export interface IntegrityReport {
  state: 'ok' | 'modified';
  files: FileStatus[];
  /** FILE_MODIFIED / FILE_MISSING / FILE_UNEXPECTED per file, ROOT_DIGEST_MISMATCH, MANIFEST_EMPTY. */
  problems: Problem[];
  /** Signed files whose content matches, of all signed files. */
  matched: number;
  total: number;
  /** "3 of 3 files match the signed digests", "model.safetensors differs from the signed digest". */
  summary: string;
  /** With ignore paths given: those that left something out (model-relative). */
  appliedIgnorePaths?: string[];
}

export interface IntegrityOptions {
  modelPath: string;
  signaturePath: string;
  ignorePaths?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  cache?: DigestCache;
  /** How messages name the options (a symlink's advice); default the library's names. */
  optionNames?: OptionNames;
}

/**
 * Integrity without trust: the files on disk against the digests in the signature's
 * payload, read WITHOUT checking who signed it. A fact about the files that holds
 * whether or not anyone trusts the signer; it is never a verification verdict, and
 * every caller must say "signature not checked" beside it.
 */
export async function checkIntegrity(bundle: ParsedBundle, options: IntegrityOptions): Promise<IntegrityReport> {
  const manifest = parseOmsPayload(bundle.envelope.payload, options.signaturePath, { allowEmpty: true });
  const out: { files: FileStatus[]; problems: Problem[]; notes: string[]; appliedIgnorePaths?: string[] } = { files: [], problems: [], notes: [] };
  if (manifest.resources.length === 0) {
    // As verifyModel says it: an empty list (model_signing's shard mode over empty files) vouches for nothing.
    out.problems.push({ code: 'MANIFEST_EMPTY', message: 'the signature lists no files: it vouches for no content' });
  }
  if (manifest.rootDigest && rootDigest(manifest.resources) !== manifest.rootDigest) {
    out.problems.push({ code: 'ROOT_DIGEST_MISMATCH', message: 'the signed subject digest is not the digest of the signed resource list' });
  }
  await compareWithDisk(manifest, options, options.signaturePath, out);
  return { ...integrityOf(out.files, out.problems), ...(out.appliedIgnorePaths ? { appliedIgnorePaths: out.appliedIgnorePaths } : {}) };
}

/** An integrity report from a verification's file list (the trusted path computes the same facts). */
export function integrityOf(files: FileStatus[], problems: Problem[]): IntegrityReport {
  const integrityProblems = problems.filter((p) => p.code.startsWith('FILE_') || p.code === 'ROOT_DIGEST_MISMATCH' || p.code === 'MANIFEST_EMPTY');
  const signed = files.filter((f) => f.status !== 'unexpected');
  const matched = signed.filter((f) => f.status === 'ok').length;
  return {
    state: integrityProblems.length === 0 ? 'ok' : 'modified',
    files,
    problems: integrityProblems,
    matched,
    total: signed.length,
    summary: describeIntegrity(files, integrityProblems),
  };
}


/** The one-line wording of an integrity result, naming the first files at fault. */
export function describeIntegrity(files: FileStatus[], problems: Problem[] = []): string {
  const by = (s: FileStatus['status']): string[] => files.filter((f) => f.status === s).map((f) => f.name);
  const modified = by('modified');
  const missing = by('missing');
  const extra = by('unexpected');
  const parts: string[] = [];
  const names = (list: string[]): string => list.slice(0, 3).join(', ') + (list.length > 3 ? ` and ${list.length - 3} more` : '');
  if (modified.length === 1) parts.push(`${modified[0]} differs from the signed digest`);
  else if (modified.length > 1) parts.push(`${names(modified)} differ from the signed digests`);
  if (missing.length) parts.push(`${names(missing)} ${missing.length === 1 ? 'is' : 'are'} missing (signed)`);
  if (extra.length) parts.push(`${names(extra)} ${extra.length === 1 ? 'is' : 'are'} not covered by the signature`);
  if (problems.some((p) => p.code === 'ROOT_DIGEST_MISMATCH')) parts.push('the signed root digest does not match the signed file list');
  if (problems.some((p) => p.code === 'MANIFEST_EMPTY')) parts.push('the signature lists no files: it vouches for no content');
  if (parts.length) return parts.join('; ');
  const signed = files.filter((f) => f.status !== 'unexpected').length;
  return signed === 1 ? '1 of 1 file matches the signed digest' : `${signed} of ${countOf(signed, 'file')} match the signed digests`;
}
