/** One argument as a POSIX shell word that expands back to exactly `s`. */
export function shellQuote(s: string): string;
