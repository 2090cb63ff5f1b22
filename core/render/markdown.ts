import { escapeMarkdown, markdownCode } from './escape';

/**
 * Markdown helpers for reports read in repositories and pull requests (GitHub-flavoured
 * Markdown: tables, task lists). Cell text is escaped; pass `{ code }` for digests and ids.
 */
export type MdCell = string | number | { code: string } | { md: string };

function cell(c: MdCell): string {
  if (typeof c === 'number') return String(c);
  if (typeof c === 'string') return escapeMarkdown(c);
  if ('code' in c) return markdownCode(c.code);
  return c.md.replace(/\r\n?|\n/g, ' ');
}

/** A GFM table; an empty row list gives an empty string (no orphan header). */
export function mdTable(headers: string[], rows: MdCell[][]): string {
  if (rows.length === 0) return '';
  const head = `| ${headers.map(escapeMarkdown).join(' | ')} |`;
  const rule = `|${headers.map(() => ' --- ').join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n') + '\n';
}

/** An ATX heading, level 1-6, with escaped text and an explicit anchor-free form. */
export function mdHeading(level: number, text: string): string {
  return `${'#'.repeat(Math.min(6, Math.max(1, level)))} ${escapeMarkdown(text)}\n`;
}

/** A bullet list; each item is Markdown already built with the helpers (not escaped again). */
export function mdList(items: string[]): string {
  return items.map((i) => `- ${i.replace(/\r\n?|\n/g, '\n  ')}`).join('\n') + (items.length ? '\n' : '');
}

/** A block quote around text a person wrote, escaped, line breaks kept. */
export function mdQuote(text: string): string {
  return (
    text
      .split(/\r\n?|\n/)
      .map((l) => `> ${escapeMarkdown(l)}`)
      .join('\n') + '\n'
  );
}

export { escapeMarkdown, markdownCode };
