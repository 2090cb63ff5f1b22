import { createScanner, SyntaxKind, type JSONScanner } from 'jsonc-parser';

/**
 * jsonc-parser's scanner, stepping over whitespace and line breaks itself.
 *
 * jsonc-parser 3.3 builds each whitespace token's value one character at a time, so a run of
 * N spaces costs O(N²) time and memory (50 MB of spaces: minutes and 1.8 GB). Hostile input
 * reaches the scanner whenever strict parsing fails, so every scan of untrusted text goes
 * through this wrapper. Whitespace and line breaks are never reported as tokens; everything
 * else (comments included, unless `ignoreTrivia`) comes back as jsonc-parser reports it, with the
 * same offsets.
 */
export function createJsonScanner(text: string, ignoreTrivia: boolean): JSONScanner {
  // Trivia is skipped here, not inside jsonc-parser, so whitespace after a comment is stepped
  // over too. With ignoreTrivia false, comments come back as tokens (strict JSON rejects them).
  const inner = createScanner(text, false);
  const n = text.length;
  const skip = (): void => {
    const from = inner.getPosition();
    let at = from;
    // Exactly the four characters JSON (and jsonc-parser) treat as whitespace; anything else is a token.
    for (let c = text.charCodeAt(at); at < n && (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d); c = text.charCodeAt(++at));
    if (at > from) inner.setPosition(at);
  };
  return {
    ...inner,
    scan: () => {
      for (;;) {
        skip();
        const kind = inner.scan();
        if (!ignoreTrivia || (kind !== SyntaxKind.LineCommentTrivia && kind !== SyntaxKind.BlockCommentTrivia && kind !== SyntaxKind.LineBreakTrivia && kind !== SyntaxKind.Trivia)) return kind;
      }
    },
  };
}
