import { SyntaxKind, ScanError } from 'jsonc-parser';
import { createJsonScanner } from '../json/scanner';
import { InputError } from '../errors';

/** A JSON syntax or duplicate-key error that knows where it is, for editors. */
export class JsonError extends InputError {
  readonly offset: number;
  constructor(code: string, message: string, options: { file?: string; offset: number; cause?: unknown }) {
    super(code, message, options);
    this.offset = options.offset;
  }
}

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
 * duplicates would verify one document and act on another. Both checks walk the tokens
 * with an explicit stack, so hostile nesting cannot exhaust the call stack.
 */
export function parseStrictJson(text: string, file: string): unknown {
  return parseStrictJsonWithStructure(text, file).value;
}

/** parseStrictJson, also returning what the structural pass learned (depth), so callers need not scan twice. */
export function parseStrictJsonWithStructure(text: string, file: string): { value: unknown; structure: Structure } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const at = syntaxError(text);
    const { line, column } = lineColumn(text, at.offset);
    throw new JsonError('JSON_MALFORMED', `malformed JSON at line ${line} column ${column}: ${at.reason}`, { file, cause: err, offset: at.offset });
  }
  const structure = scanStructure(text);
  const duplicate = structure.duplicate;
  if (duplicate) {
    const { line, column } = lineColumn(text, duplicate.offset);
    throw new JsonError('JSON_DUPLICATE_KEY', `duplicate key "${duplicate.key}" at line ${line} column ${column}`, { file, offset: duplicate.offset });
  }
  return { value, structure };
}

export interface Structure {
  /** The first repeated key of an object, if any. */
  duplicate?: { key: string; offset: number };
  maxDepth: number;
  /** Where the deepest nesting starts. */
  depthOffset: number;
}

/**
 * One pass over text that JSON.parse has accepted: duplicate keys and nesting depth.
 * A plain character loop with an explicit stack (no tokens built, no recursion): it is
 * on the keystroke path of multi-megabyte BOMs.
 */
export function scanStructure(text: string): Structure {
  const keys: (Set<string> | null)[] = [];
  const expectKey: boolean[] = [];
  let maxDepth = 0;
  let depthOffset = 0;
  let duplicate: Structure['duplicate'];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const top = keys.length - 1;
      if (top >= 0 && keys[top] !== null && expectKey[top] && duplicate === undefined) {
        const raw = text.slice(start + 1, i);
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : raw;
        const set = keys[top]!;
        if (set.has(key)) duplicate = { key, offset: start };
        else set.add(key);
        expectKey[top] = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      keys.push(c === 0x7b ? new Set() : null);
      expectKey.push(c === 0x7b);
      if (keys.length > maxDepth) {
        maxDepth = keys.length;
        depthOffset = i;
      }
    } else if (c === 0x7d || c === 0x5d) {
      keys.pop();
      expectKey.pop();
    } else if (c === 0x2c /* , */) {
      const top = keys.length - 1;
      if (top >= 0 && keys[top] !== null) expectKey[top] = true;
    }
  }
  return { ...(duplicate ? { duplicate } : {}), maxDepth, depthOffset };
}

const VALUE_START = new Set([
  SyntaxKind.OpenBraceToken,
  SyntaxKind.OpenBracketToken,
  SyntaxKind.StringLiteral,
  SyntaxKind.NumericLiteral,
  SyntaxKind.TrueKeyword,
  SyntaxKind.FalseKeyword,
  SyntaxKind.NullKeyword,
]);

/** Finds the first offending token of text that JSON.parse refused, iteratively. */
function syntaxError(text: string): { offset: number; reason: string } {
  const scanner = createJsonScanner(text, false);
  // What may come next: a value, an object key (or '}' right after '{'), ':', or the
  // token after a value, which depends on the enclosing container.
  type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'after';
  let expect: Expect = 'value';
  const stack: ('{' | '[')[] = [];
  for (;;) {
    const kind = scanner.scan();
    const offset = scanner.getTokenOffset();
    if (kind === SyntaxKind.Trivia || kind === SyntaxKind.LineBreakTrivia) continue;
    if (kind === SyntaxKind.LineCommentTrivia || kind === SyntaxKind.BlockCommentTrivia) return { offset, reason: 'comments are not allowed in JSON' };
    if (scanner.getTokenError() !== ScanError.None) return { offset, reason: scanErrorText(scanner.getTokenError()) };
    if (kind === SyntaxKind.Unknown) return { offset, reason: `unexpected character ${JSON.stringify(text.charAt(offset))}` };
    if (kind === SyntaxKind.EOF) {
      if (expect === 'after' && stack.length === 0) return { offset: text.length, reason: 'unexpected content' };
      return { offset: text.length, reason: text.trim() === '' ? 'the file is empty' : 'unexpected end of input' };
    }
    const top = stack[stack.length - 1];
    const closes = (kind === SyntaxKind.CloseBraceToken && top === '{') || (kind === SyntaxKind.CloseBracketToken && top === '[');
    switch (expect) {
      case 'value':
      case 'value-or-close':
        if (expect === 'value-or-close' && closes) {
          stack.pop();
          expect = 'after';
          continue;
        }
        if (!VALUE_START.has(kind)) return { offset, reason: kind === SyntaxKind.CloseBracketToken || kind === SyntaxKind.CloseBraceToken ? 'a value is missing (trailing comma?)' : `expected a value, found ${JSON.stringify(scanner.getTokenValue())}` };
        if (kind === SyntaxKind.OpenBraceToken) {
          stack.push('{');
          expect = 'key-or-close';
        } else if (kind === SyntaxKind.OpenBracketToken) {
          stack.push('[');
          expect = 'value-or-close';
        } else expect = 'after';
        continue;
      case 'key':
      case 'key-or-close':
        if (expect === 'key-or-close' && closes) {
          stack.pop();
          expect = 'after';
          continue;
        }
        if (kind !== SyntaxKind.StringLiteral) return { offset, reason: kind === SyntaxKind.CloseBraceToken ? 'a property is missing (trailing comma?)' : 'expected a property name in double quotes' };
        expect = 'colon';
        continue;
      case 'colon':
        if (kind !== SyntaxKind.ColonToken) return { offset, reason: 'expected ":" after the property name' };
        expect = 'value';
        continue;
      case 'after':
        if (!top) return { offset, reason: 'unexpected content after the JSON value' };
        if (closes) {
          stack.pop();
          continue;
        }
        if (kind === SyntaxKind.CommaToken) {
          expect = top === '{' ? 'key' : 'value';
          continue;
        }
        return { offset, reason: top === '{' ? 'expected "," or "}"' : 'expected "," or "]"' };
    }
  }
}

function scanErrorText(e: ScanError): string {
  switch (e) {
    case ScanError.UnexpectedEndOfString:
      return 'unterminated string';
    case ScanError.UnexpectedEndOfNumber:
      return 'invalid number';
    case ScanError.InvalidEscapeCharacter:
    case ScanError.InvalidUnicode:
      return 'invalid escape in a string';
    case ScanError.InvalidCharacter:
      return 'control character in a string';
    default:
      return 'invalid token';
  }
}

/** Reads an object field only when the parent is a plain object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short, safe description of an untrusted value for messages: never recursion over its depth. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || v === undefined) return String(v);
  return Array.isArray(v) ? 'a list' : 'an object';
}
