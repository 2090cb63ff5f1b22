/**
 * Every error the library raises carries a stable string `code` so that callers
 * (CLI exit codes, editor diagnostics, tests) branch on the code, never on the text.
 */
export class ProvenanceError extends Error {
  readonly code: string;
  /** The file the problem is about, when there is one; renderers put it first. */
  readonly file: string | undefined;
  /** JSON Pointer of the offending value inside that file, for editors. */
  readonly pointer: string | undefined;
  /**
   * Further problems of the same kind in the same file, each in a place of its own (a
   * second bad entry): printed one line each, never folded into "(and 1 more)".
   */
  readonly also: readonly { message: string; pointer?: string }[];

  constructor(code: string, message: string, options: { file?: string; cause?: unknown; pointer?: string; also?: { message: string; pointer?: string }[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.file = options.file;
    this.pointer = options.pointer;
    this.also = options.also ?? [];
  }

  /** One line per problem, file first: what a person reads in a terminal or a CI log. */
  oneLine(): string {
    const where = this.file ? `${this.file}: ` : '';
    return [this.message, ...this.also.map((a) => a.message)].map((m) => `${where}${m} [${this.code}]`).join('\n');
  }
}

/** The input could not be evaluated at all (bad file, bad flag, missing key): exit 2. */
export class InputError extends ProvenanceError {}

/** Hashing or verification was cancelled through an AbortSignal. */
export class CancelledError extends ProvenanceError {
  constructor(message = 'operation cancelled', options: { file?: string } = {}) {
    super('CANCELLED', message, options);
  }
}

export function isProvenanceError(e: unknown): e is ProvenanceError {
  return e instanceof ProvenanceError;
}

/** Maps a Node fs error to an InputError that names the file, never leaking a stack. */
export function fsError(err: unknown, file: string, what = 'read'): InputError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new InputError('FILE_NOT_FOUND', 'no such file or directory', { file, cause: err });
    case 'EACCES':
    case 'EPERM':
      return new InputError('FILE_UNREADABLE', `permission denied (cannot ${what})`, { file, cause: err });
    case 'EISDIR':
      return new InputError('FILE_IS_DIRECTORY', 'is a directory, expected a file', { file, cause: err });
    case 'ENOTDIR':
      return new InputError('FILE_NOT_FOUND', 'a path component is not a directory', { file, cause: err });
    case 'EEXIST':
      return new InputError('FILE_EXISTS', 'already exists (refusing to overwrite)', { file, cause: err });
    case 'ELOOP':
      return new InputError('SYMLINK_LOOP', 'too many levels of symbolic links', { file, cause: err });
    default:
      return new InputError('FILE_UNREADABLE', `cannot ${what}: ${(err as Error)?.message ?? String(err)}`, {
        file,
        cause: err,
      });
  }
}
