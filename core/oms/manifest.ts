import { createHash } from 'node:crypto';
import { InputError } from '../errors';
import { describeValue, isObject, parseStrictJsonWithStructure } from '../io/json';

export const MAX_PAYLOAD_DEPTH = 64;
import { canonicalResourceName } from '../model/paths';
import {
  INTOTO_STATEMENT_V1,
  OMS_PREDICATE_LEGACY_V01,
  OMS_PREDICATE_V1,
  type OmsManifest,
  type Resource,
  type Serialization,
  type Statement,
} from './types';

const HEX = /^[0-9a-f]+$/;

/** OMS §6.5: SHA-256 over the raw bytes of every resource digest, in payload order. */
export function rootDigest(resources: readonly Resource[]): string {
  const h = createHash('sha256');
  for (const r of resources) h.update(Buffer.from(r.digest, 'hex'));
  return h.digest('hex');
}

export function buildStatement(subjectName: string, resources: Resource[], serialization: Serialization): Statement {
  return {
    _type: INTOTO_STATEMENT_V1,
    subject: [{ name: subjectName, digest: { sha256: rootDigest(resources) } }],
    predicateType: OMS_PREDICATE_V1,
    predicate: { resources, serialization },
  };
}

/**
 * Reads an OMS statement from payload bytes that have already passed signature
 * verification. Anything ambiguous (duplicate keys, unsafe names, duplicate
 * resources) is an error, never a guess. An empty `resources` list (OMS §5.2.1 wants
 * one; model_signing writes none for a folder of only empty files in shard mode) is
 * MANIFEST_EMPTY, unless `allowEmpty`: then the verifier reports it as a failure itself.
 */
export function parseOmsPayload(payload: Buffer, file: string, options: { allowEmpty?: boolean } = {}): OmsManifest {
  const text = decodeUtf8(payload, file);
  const { value: doc, structure } = parseStrictJsonWithStructure(text, `${file} (signed payload)`);
  // A statement is a few levels deep; anything deeper is hostile and must not reach recursive code.
  if (structure.maxDepth > MAX_PAYLOAD_DEPTH) throw new InputError('PAYLOAD_MALFORMED', `signed payload: nested ${structure.maxDepth} levels deep (at most ${MAX_PAYLOAD_DEPTH})`, { file });
  const bad = (message: string): InputError => new InputError('PAYLOAD_MALFORMED', `signed payload: ${message}`, { file });
  if (!isObject(doc)) throw bad('is not a JSON object');
  if (doc._type !== INTOTO_STATEMENT_V1) throw bad(`_type is ${describeValue(doc._type)}, expected ${INTOTO_STATEMENT_V1}`);
  if (!Array.isArray(doc.subject) || doc.subject.length === 0) throw bad('subject is missing or empty');

  if (doc.predicateType === OMS_PREDICATE_LEGACY_V01) return parseLegacy(doc.subject, bad, file);
  if (doc.predicateType !== OMS_PREDICATE_V1) {
    throw new InputError(
      'PREDICATE_UNSUPPORTED',
      `predicateType ${describeValue(doc.predicateType)} is not an OMS model signature (${OMS_PREDICATE_V1})`,
      { file },
    );
  }
  if (doc.subject.length !== 1) throw bad(`expected exactly one subject, found ${doc.subject.length}`);
  const subject = doc.subject[0];
  if (!isObject(subject) || typeof subject.name !== 'string' || subject.name === '') throw bad('subject[0].name is missing');
  const subjectDigest = isObject(subject.digest) ? subject.digest.sha256 : undefined;
  if (typeof subjectDigest !== 'string' || subjectDigest.length !== 64 || !HEX.test(subjectDigest)) {
    throw bad('subject[0].digest.sha256 is not a 64-character lowercase hex digest');
  }
  const predicate = doc.predicate;
  if (!isObject(predicate)) throw bad('predicate is missing');
  const serialization = parseSerialization(predicate.serialization, bad);
  if (!Array.isArray(predicate.resources)) throw bad('predicate.resources is missing');
  if (predicate.resources.length === 0 && !options.allowEmpty) {
    throw new InputError('MANIFEST_EMPTY', 'signed payload: predicate.resources is empty, so the signature vouches for no content', { file });
  }
  const seen = new Set<string>();
  const resources: Resource[] = predicate.resources.map((r, i) => {
    if (!isObject(r)) throw bad(`resources[${i}] is not an object`);
    if (typeof r.algorithm !== 'string') throw bad(`resources[${i}].algorithm is missing`);
    if (typeof r.digest !== 'string' || r.digest.length === 0 || r.digest.length % 2 !== 0 || !HEX.test(r.digest)) {
      throw bad(`resources[${i}].digest is not a lowercase hex digest`);
    }
    const name = canonicalResourceName(serialization.method === 'shards' ? shardPath(r.name, bad, i) : r.name, file);
    const key = serialization.method === 'shards' ? String(r.name) : name;
    if (seen.has(key)) throw bad(`resource "${key}" is listed twice`);
    seen.add(key);
    return { name: serialization.method === 'shards' ? String(r.name) : name, algorithm: r.algorithm, digest: r.digest };
  });
  return { predicateType: OMS_PREDICATE_V1, subjectName: subject.name, rootDigest: subjectDigest, resources, serialization };
}

function shardPath(name: unknown, bad: (m: string) => InputError, i: number): string {
  if (typeof name !== 'string') throw bad(`resources[${i}].name is not a string`);
  const m = /^(.*):(\d+):(\d+)$/.exec(name);
  if (!m || Number(m[2]) > Number(m[3])) throw bad(`resources[${i}].name "${name}" is not a shard name (path:start:end)`);
  return m[1]!;
}

function parseSerialization(s: unknown, bad: (m: string) => InputError): Serialization {
  if (!isObject(s)) throw bad('predicate.serialization is missing');
  if (s.method !== 'files' && s.method !== 'shards') throw bad(`serialization.method ${describeValue(s.method)} is not "files" or "shards"`);
  if (typeof s.hash_type !== 'string') throw bad('serialization.hash_type is missing');
  if (s.allow_symlinks !== undefined && typeof s.allow_symlinks !== 'boolean') throw bad('serialization.allow_symlinks is not a boolean');
  const out: Serialization = { method: s.method, hash_type: s.hash_type, allow_symlinks: s.allow_symlinks === true };
  if (s.ignore_paths !== undefined) {
    if (!Array.isArray(s.ignore_paths) || s.ignore_paths.some((p) => typeof p !== 'string')) {
      throw bad('serialization.ignore_paths is not an array of strings');
    }
    out.ignore_paths = s.ignore_paths as string[];
  }
  if (s.method === 'shards') {
    // The Python tool writes shard_size as a float (1000000000.0): accept any positive integer value.
    if (typeof s.shard_size !== 'number' || !Number.isInteger(s.shard_size) || s.shard_size <= 0) {
      throw bad('serialization.shard_size must be a positive integer for the shards method');
    }
    out.shard_size = s.shard_size;
  }
  return out;
}

function parseLegacy(subjects: unknown[], bad: (m: string) => InputError, file: string): OmsManifest {
  const seen = new Set<string>();
  const resources = subjects.map((s, i) => {
    if (!isObject(s) || typeof s.name !== 'string') throw bad(`subject[${i}].name is missing`);
    const digest = isObject(s.digest) ? s.digest.sha256 : undefined;
    if (typeof digest !== 'string' || digest.length !== 64 || !HEX.test(digest)) throw bad(`subject[${i}].digest.sha256 is not a hex digest`);
    const name = canonicalResourceName(s.name, file);
    if (seen.has(name)) throw bad(`subject "${name}" is listed twice`);
    seen.add(name);
    return { name, algorithm: 'sha256', digest };
  });
  return {
    predicateType: OMS_PREDICATE_LEGACY_V01,
    subjectName: resources.length === 1 ? resources[0]!.name : 'model',
    resources,
    serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false },
  };
}

function decodeUtf8(payload: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    throw new InputError('PAYLOAD_MALFORMED', 'signed payload is not valid UTF-8', { file });
  }
}
