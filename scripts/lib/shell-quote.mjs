// POSIX shell quoting for commands people paste: a word made only of characters no shell
// treats specially stays as it is; anything else is single-quoted, with each ' written '\''.

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument as a POSIX shell word that expands back to exactly `s`. */
export function shellQuote(s) {
  const str = String(s);
  if (str === '') return "''";
  if (PLAIN.test(str)) return str;
  return `'${str.replace(/'/g, "'\\''")}'`;
}
