import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { fsError } from '../errors';

export interface AtomicWriteOptions {
  /** File mode for the new file; private keys use 0o600. */
  mode?: number;
  /** Refuse to replace an existing file (keygen must not clobber a key). */
  exclusive?: boolean;
  /**
   * false: skip the fsync. Only for caches whose every read is verified (content-addressed
   * and re-hashed), where a file torn by a power loss costs a refetch, never a wrong answer.
   */
  durable?: boolean;
}

/**
 * Writes through a temporary file in the same directory, fsyncs it and renames it
 * into place, so a crash or a kill never leaves half a signature or half a key.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw fsError(err, dir, 'create directory');
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', options.mode ?? 0o644);
  } catch (err) {
    throw fsError(err, path, 'write');
  }
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (options.durable !== false) fsyncSync(fd);
    closeSync(fd);
    if (options.exclusive) {
      // link() fails if the target exists, which rename() would silently replace.
      try {
        linkSync(tmp, path);
      } finally {
        unlinkSync(tmp);
      }
    } else {
      renameSync(tmp, path);
    }
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw fsError(err, path, 'write');
  }
}
