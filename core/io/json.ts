import { visit, type JSONVisitor } from 'jsonc-parser';
import { InputError } from '../errors';

/** 1-based line and column of a UTF-16 offset, for messages a person can jump to. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses strict JSON (RFC 8259: no comments, no trailing commas) and rejects duplicate
 * object keys. Signed payloads must be unambiguous: two parsers that pick different
 * duplicates would verify one document and act on another.
 */
export function parseStrictJson(text: string, file: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /position (\d+)/.exec(msg);
    if (m) {
      const { line, column } = lineColumn(text, Number(m[1]));
      throw new InputError('JSON_MALFORMED', `malformed JSON at line ${line} column ${column}`, { file, cause: err });
    }
    throw new InputError('JSON_MALFORMED', `malformed JSON (${text.trim() === '' ? 'empty file' : 'unexpected end of input'})`, {
      file,
      cause: err,
    });
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    const { line, column } = lineColumn(text, duplicate.offset);
    throw new InputError('JSON_DUPLICATE_KEY', `duplicate key "${duplicate.key}" at line ${line} column ${column}`, { file });
  }
  return value;
}

function findDuplicateKey(text: string): { key: string; offset: number } | undefined {
  const stack: Set<string>[] = [];
  let found: { key: string; offset: number } | undefined;
  const visitor: JSONVisitor = {
    onObjectBegin: () => {
      stack.push(new Set());
    },
    onObjectEnd: () => {
      stack.pop();
    },
    onObjectProperty: (key, offset) => {
      const keys = stack[stack.length - 1];
      if (!keys || found) return;
      if (keys.has(key)) found = { key, offset };
      else keys.add(key);
    },
  };
  visit(text, visitor, { disallowComments: true });
  return found;
}

/** Reads an object field only when the parent is a plain object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
