import { InputError } from '../errors';

/** Paths excluded from every model by default, at the model root only (OMS §6.2). */
export const DEFAULT_GIT_IGNORES = ['.git', '.gitattributes', '.github', '.gitignore'] as const;

/**
 * Canonicalises a relative POSIX path per OMS §6.1.2 (collapse `.` and `//`, drop a
 * trailing `/`) and rejects anything that could leave the model root.
 */
export function canonicalResourceName(name: unknown, file?: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InputError('PATH_UNSAFE', 'resource name is empty or not a string', { file });
  }
  if (name.includes('\0')) throw new InputError('PATH_UNSAFE', 'resource name contains a NUL byte', { file });
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name) || name.startsWith('\\')) {
    throw new InputError('PATH_UNSAFE', `resource "${name}" is an absolute path`, { file });
  }
  if (name.includes('\\')) {
    throw new InputError('PATH_UNSAFE', `resource "${name}" uses a backslash, not a POSIX separator`, { file });
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) {
    throw new InputError('PATH_UNSAFE', `resource "${name}" climbs out of the model root with ".."`, { file });
  }
  // "." alone is the Python tool's name for a single-file model; keep it as is.
  return parts.length === 0 ? '.' : parts.join('/');
}

/** Code-point order of the path, the order OMS §5.2.1 prescribes (UTF-8 bytes sort the same). */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Normalises an ignore path given by a user or a payload to a model-relative POSIX
 * path; returns undefined for one that points outside the model (it cannot match).
 */
export function normaliseIgnorePath(p: string): string | undefined {
  const parts = p.replace(/\\/g, '/').split('/').filter((x) => x !== '' && x !== '.');
  if (parts.length === 0 || parts.includes('..')) return undefined;
  return parts.join('/');
}

/** True when `rel` is an ignored path or lies below one. */
export function isIgnored(rel: string, ignores: ReadonlySet<string>): boolean {
  if (ignores.has(rel)) return true;
  let i = rel.indexOf('/');
  while (i !== -1) {
    if (ignores.has(rel.slice(0, i))) return true;
    i = rel.indexOf('/', i + 1);
  }
  return false;
}
