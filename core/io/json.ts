import { createScanner, SyntaxKind, ScanError } from 'jsonc-parser';
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
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const at = syntaxError(text);
    const { line, column } = lineColumn(text, at.offset);
    throw new JsonError('JSON_MALFORMED', `malformed JSON at line ${line} column ${column}: ${at.reason}`, { file, cause: err, offset: at.offset });
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    const { line, column } = lineColumn(text, duplicate.offset);
    throw new JsonError('JSON_DUPLICATE_KEY', `duplicate key "${duplicate.key}" at line ${line} column ${column}`, { file, offset: duplicate.offset });
  }
  return value;
}

interface Frame {
  object: boolean;
  keys: Set<string>;
  expectKey: boolean;
}

function findDuplicateKey(text: string): { key: string; offset: number } | undefined {
  const scanner = createScanner(text, true);
  const stack: Frame[] = [];
  for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    const top = stack[stack.length - 1];
    switch (kind) {
      case SyntaxKind.OpenBraceToken:
        stack.push({ object: true, keys: new Set(), expectKey: true });
        break;
      case SyntaxKind.OpenBracketToken:
        stack.push({ object: false, keys: new Set(), expectKey: false });
        break;
      case SyntaxKind.CloseBraceToken:
      case SyntaxKind.CloseBracketToken:
        stack.pop();
        break;
      case SyntaxKind.CommaToken:
        if (top?.object) top.expectKey = true;
        break;
      case SyntaxKind.StringLiteral:
        if (top?.object && top.expectKey) {
          const key = scanner.getTokenValue();
          if (top.keys.has(key)) return { key, offset: scanner.getTokenOffset() };
          top.keys.add(key);
          top.expectKey = false;
        }
        break;
      default:
        break;
    }
  }
  return undefined;
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
  const scanner = createScanner(text, false);
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
