/**
 * Escaping for everything the presentation layer writes. Text that reaches a report comes
 * from signed payloads, file names and people: none of it is markup.
 */

/** Text for HTML element content and attribute values (both quote kinds escaped). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESC[c]!);
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Markup that is already safe: produced by `html` or by a renderer that escaped its text. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

/** Escapes one interpolated value: SafeHtml as is, lists joined, absent values as nothing. */
export function htmlValue(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return (v as readonly HtmlValue[]).map(htmlValue).join('');
  return escapeHtml(String(v));
}

/**
 * Tagged template for HTML: every interpolation is escaped unless it is SafeHtml, so no
 * caller can forget. `html\`<td>${name}</td>\`` with name `<script>` writes `&lt;script&gt;`.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += htmlValue(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Marks trusted markup (our own constants) as safe. Never pass text that came from input. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * Text for Markdown (CommonMark / GitHub): backslash-escapes the characters that make
 * inline markup (emphasis, code, links, tables, raw HTML) and a leading block marker, so
 * a payload cannot inject markup, while plain prose (dots, dashes) stays readable in a diff.
 * Newlines become spaces: one value never breaks a table row or a list item.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(/[\\`*[\]|<>~]/g, (c) => `\\${c}`)
    // An underscore inside a word (classifier_v2) never makes emphasis in CommonMark.
    .replace(/(^|[^A-Za-z0-9])_|_(?=$|[^A-Za-z0-9])/g, (m) => m.replace('_', '\\_'))
    // Block markers only matter where a line starts, and a value always starts one.
    .replace(/^(\s*)([#+-])(?=\s|$)/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2');
}

/** An inline code span that holds any text, backticks included (CommonMark's longer fence). */
export function markdownCode(text: string): string {
  const flat = text.replace(/\r\n?|\n/g, ' ');
  let fence = '`';
  while (flat.includes(fence)) fence += '`';
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Text for XML (SVG) content and double-quoted attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESC[c]!);
}
