/** createJsonScanner gives jsonc-parser's token stream without its quadratic whitespace tokens. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createScanner, SyntaxKind } from 'jsonc-parser';
import { createJsonScanner } from '../../core/json/scanner';

const WS = new Set<number>([SyntaxKind.Trivia, SyntaxKind.LineBreakTrivia]);
const TRIVIA = new Set<number>([SyntaxKind.Trivia, SyntaxKind.LineBreakTrivia, SyntaxKind.LineCommentTrivia, SyntaxKind.BlockCommentTrivia]);

function tokens(scan: { scan(): number; getTokenOffset(): number; getTokenLength(): number; getTokenError(): number }, drop: Set<number>): string[] {
  const out: string[] = [];
  for (let k = scan.scan(), i = 0; i < 10_000; k = scan.scan(), i++) {
    if (!drop.has(k)) out.push(`${k}@${scan.getTokenOffset()}+${scan.getTokenLength()}e${scan.getTokenError()}`);
    if (k === SyntaxKind.EOF) break;
  }
  return out;
}

const pieces = fc.constantFrom(' ', '\t', '\n', '\r\n', '  \n ', '{', '}', '[', ']', ':', ',', '"a"', '"\\u00e9"', '"unterminated', '12', '-1.5e3', 'true', 'null', 'x', '/* c */', '// c\n', '/*', '\u00a0', '\u2028');

test('same tokens (kind, offset, length, error) as jsonc-parser, minus whitespace; comments kept unless trivia is ignored', () => {
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
      const text = parts.join('');
      assert.deepEqual(tokens(createJsonScanner(text, false), new Set()), tokens(createScanner(text, false), WS));
      assert.deepEqual(tokens(createJsonScanner(text, true), new Set()), tokens(createScanner(text, false), TRIVIA));
    }),
    { numRuns: 2000 },
  );
});

test('a 20 MB run of spaces, line breaks and a comment is one step, not a token per character', () => {
  const text = `${' '.repeat(10_000_000)}/**/${'\n'.repeat(10_000_000)}garbage`;
  const s = createJsonScanner(text, true);
  assert.equal(s.scan(), SyntaxKind.Unknown);
  assert.equal(s.getTokenOffset(), 20_000_004);
  assert.equal(s.scan(), SyntaxKind.EOF);
});
