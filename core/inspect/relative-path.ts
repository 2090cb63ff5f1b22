/**
 * Why a file name taken from inside a model (an ONNX external-data location, a shard name
 * in an index) could reach outside the model's folder, or undefined when it cannot.
 * Stricter than any one loader on purpose: a name that is safe on Linux but climbs on
 * Windows (`..\\x`) is refused too, since the same model is loaded on both.
 */
export function unsafeRelativePath(p: string): string | undefined {
  if (p.length === 0) return 'is empty';
  if (p.includes('\0')) return 'contains a NUL byte';
  if (p.startsWith('/') || p.startsWith('\\')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(p)) return 'starts with a drive letter';
  if (p.includes('\\')) return 'uses a backslash, which is a separator on Windows';
  if (p.split('/').some((part) => part === '..')) return 'climbs out of the folder with ".."';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return 'is a URL';
  return undefined;
}
