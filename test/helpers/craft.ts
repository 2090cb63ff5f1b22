/**
 * Builders for hostile inputs: signatures that are signed properly but carry a
 * payload a careful verifier must refuse, and snapshots to prove a failed run
 * left nothing behind.
 */
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  INTOTO_PAYLOAD_TYPE,
  INTOTO_STATEMENT_V1,
  OMS_PREDICATE_V1,
  generateKeyPair,
  keyHint,
  rootDigest,
  serializeBundle,
  signEnvelope,
  writeKeyPair,
  type Resource,
} from '../../core';

export interface TestKey {
  privatePath: string;
  publicPath: string;
  privateKey: KeyObject;
}

/** A P-256 key pair written as PREFIX.pem / PREFIX.pub.pem, plus the private KeyObject. */
export function makeKey(prefix: string): TestKey {
  const pair = generateKeyPair('P-256');
  const { privatePath, publicPath } = writeKeyPair(prefix, pair);
  return { privatePath, publicPath, privateKey: createPrivateKey(pair.privateKeyPem) };
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Signs arbitrary payload text (not re-serialised, so duplicate keys and odd names
 * survive byte for byte) into a v0.3 bundle with a public-key hint, as `sign key` does.
 */
export function signPayloadText(text: string, privateKey: KeyObject): string {
  const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(text, 'utf8'), privateKey);
  return serializeBundle({ material: { kind: 'publicKey', hint: keyHint(privateKey) }, envelope });
}

/**
 * The resources a `sign key` of `files` (name -> content) would list, in model_signing's
 * order (path components compared one by one, each by its UTF-8 bytes), written here
 * independently of core's comparator.
 */
export function resourcesFor(files: Record<string, string | Buffer>): Resource[] {
  return Object.entries(files)
    .map(([name, content]) => ({ name, algorithm: 'sha256', digest: sha256Hex(content) }))
    .sort((a, b) => byComponents(a.name, b.name));
}

/** Component-wise path order, each component by UTF-8 bytes (Python's PurePosixPath order). */
export function byComponents(x: string, y: string): number {
  const xs = x.split('/');
  const ys = y.split('/');
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const c = Buffer.compare(Buffer.from(xs[i]!, 'utf8'), Buffer.from(ys[i]!, 'utf8'));
    if (c !== 0) return c;
  }
  return xs.length - ys.length;
}

/** Hand-written statement text pieces, so a test can splice a duplicate key anywhere. */
export const STATEMENT = {
  type: JSON.stringify(INTOTO_STATEMENT_V1),
  predicateType: JSON.stringify(OMS_PREDICATE_V1),
  serialization: JSON.stringify({ method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: ['.git', '.gitattributes', '.github', '.gitignore'] }),
  subject: (name: string, resources: Resource[]): string => JSON.stringify([{ name, digest: { sha256: rootDigest(resources) } }]),
};

export interface Entry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** sha256 of the content for files, the target for symlinks. */
  detail: string;
}

/** Every path under `dir` (not following symlinks) with what it is, to compare before and after a run. */
export function snapshot(dir: string): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const walk = (abs: string, rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(abs).sort();
    } catch {
      return; // an unreadable folder (a test made it so): its entry above says it exists
    }
    for (const name of names) {
      const p = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = { type: 'symlink', detail: readlinkSync(p) };
      else if (st.isDirectory()) {
        out[r] = { type: 'dir', detail: '' };
        walk(p, r);
      } else if (st.isFile()) {
        let detail: string;
        try {
          detail = sha256Hex(readFileSync(p));
        } catch {
          detail = `unreadable, ${st.size} bytes`;
        }
        out[r] = { type: 'file', detail };
      } else out[r] = { type: 'other', detail: '' };
    }
  };
  walk(dir, '');
  return out;
}
