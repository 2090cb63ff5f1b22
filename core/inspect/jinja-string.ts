/**
 * Jinja2's reading of a string literal: the body between the quotes, newlines normalised,
 * encoded to ASCII with backslashreplace, then decoded with Python's `unicode-escape`
 * codec (jinja2/lexer.py, TOKEN_STRING). So `\x5f`, `\u005f`, `\U0000005f`, `\137` and
 * `\N{LOW LINE}` are all `_`, and an unknown escape such as `\q` stays as written.
 */
export type DecodedString =
  | { ok: true; value: string; /** `\N{…}` names this table cannot resolve (the value holds U+FFFD there). */ unresolved: string[] }
  | { ok: false; error: string };

export function decodeJinjaString(body: string): DecodedString {
  const s = asciiBackslashReplace(body.replace(/\r\n|\r/g, '\n'));
  let out = '';
  const unresolved: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    if (i + 1 >= s.length) return { ok: false, error: '\\ at end of string' };
    const n = s[++i]!;
    const simple = SIMPLE[n];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    if (n >= '0' && n <= '7') {
      const m = /^[0-7]{1,3}/.exec(s.slice(i))![0];
      out += String.fromCodePoint(parseInt(m, 8));
      i += m.length - 1;
      continue;
    }
    if (n === 'x' || n === 'u' || n === 'U') {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = s.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return { ok: false, error: `truncated \\${n} escape` };
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) return { ok: false, error: 'illegal Unicode character' };
      out += String.fromCodePoint(cp);
      i += len;
      continue;
    }
    if (n === 'N') {
      const m = /^\{([^}]*)\}/.exec(s.slice(i + 1));
      if (!m) return { ok: false, error: 'malformed \\N character escape' };
      const name = m[1]!.toUpperCase();
      const cp = NAMES.get(name);
      if (cp === undefined) {
        if (!/^[A-Z0-9 -]+$/.test(name)) return { ok: false, error: 'unknown Unicode character name' };
        unresolved.push(m[1]!);
        out += '\ufffd';
      } else out += String.fromCodePoint(cp);
      i += m[0].length;
      continue;
    }
    // Python keeps unknown escapes as written.
    out += `\\${n}`;
  }
  return { ok: true, value: out, unresolved };
}

const SIMPLE: Record<string, string> = { '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Python's str.encode('ascii', 'backslashreplace'), kept as a string. */
function asciiBackslashReplace(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out;
}

/**
 * `\N{…}` names this decoder resolves: every ASCII character's Unicode name and the aliases
 * Python accepts for the C0 controls (case-insensitive, as Python looks them up), plus the
 * look-alikes of the low line. Any other name decodes to U+FFFD and is reported.
 */
const NAMES: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  const punct = [
    'SPACE', 'EXCLAMATION MARK', 'QUOTATION MARK', 'NUMBER SIGN', 'DOLLAR SIGN', 'PERCENT SIGN', 'AMPERSAND', 'APOSTROPHE',
    'LEFT PARENTHESIS', 'RIGHT PARENTHESIS', 'ASTERISK', 'PLUS SIGN', 'COMMA', 'HYPHEN-MINUS', 'FULL STOP', 'SOLIDUS',
  ];
  punct.forEach((n, i) => m.set(n, 0x20 + i));
  ['ZERO', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE', 'SIX', 'SEVEN', 'EIGHT', 'NINE'].forEach((d, i) => m.set(`DIGIT ${d}`, 0x30 + i));
  ['COLON', 'SEMICOLON', 'LESS-THAN SIGN', 'EQUALS SIGN', 'GREATER-THAN SIGN', 'QUESTION MARK', 'COMMERCIAL AT'].forEach((n, i) => m.set(n, 0x3a + i));
  for (let i = 0; i < 26; i++) {
    m.set(`LATIN CAPITAL LETTER ${String.fromCharCode(65 + i)}`, 65 + i);
    m.set(`LATIN SMALL LETTER ${String.fromCharCode(65 + i)}`, 97 + i);
  }
  ['LEFT SQUARE BRACKET', 'REVERSE SOLIDUS', 'RIGHT SQUARE BRACKET', 'CIRCUMFLEX ACCENT', 'LOW LINE', 'GRAVE ACCENT'].forEach((n, i) => m.set(n, 0x5b + i));
  ['LEFT CURLY BRACKET', 'VERTICAL LINE', 'RIGHT CURLY BRACKET', 'TILDE'].forEach((n, i) => m.set(n, 0x7b + i));
  const c0: [string, number][] = [
    ['NULL', 0], ['NUL', 0], ['ALERT', 7], ['BEL', 7], ['BACKSPACE', 8], ['BS', 8], ['CHARACTER TABULATION', 9], ['HORIZONTAL TABULATION', 9],
    ['HT', 9], ['TAB', 9], ['LINE FEED', 10], ['NEW LINE', 10], ['END OF LINE', 10], ['LF', 10], ['NL', 10], ['EOL', 10],
    ['LINE TABULATION', 11], ['VERTICAL TABULATION', 11], ['VT', 11], ['FORM FEED', 12], ['FF', 12], ['CARRIAGE RETURN', 13], ['CR', 13],
    ['ESCAPE', 27], ['ESC', 27], ['SP', 32], ['DELETE', 127], ['DEL', 127],
  ];
  for (const [n, cp] of c0) m.set(n, cp);
  // Look-alikes of "_" that a name check must see as such.
  m.set('FULLWIDTH LOW LINE', 0xff3f);
  m.set('DOUBLE LOW LINE', 0x2017);
  m.set('COMBINING LOW LINE', 0x0332);
  m.set('MODIFIER LETTER LOW MACRON', 0x02cd);
  return m;
})();
