import { lineColumn } from '../io/json';
import type { Finding } from './findings';
import { sarifText, TOOL_VERSION } from '../report/sarif-log';

export interface FileFindings {
  file: string;
  text: string;
  findings: Finding[];
}

/** `file:line:col: severity CODE message`, the form editors and CI logs jump to. */
export function renderFindingsText(results: FileFindings[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.findings.length === 0) lines.push(`${r.file}: valid`);
    for (const f of r.findings) {
      const { line, column } = lineColumn(r.text, f.offset);
      lines.push(`${r.file}:${line}:${column}: ${f.severity} ${f.code} ${f.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function renderFindingsJson(results: FileFindings[]): string {
  return `${JSON.stringify(
    results.map((r) => ({
      file: r.file,
      findings: r.findings.map((f) => ({
        ...lineColumn(r.text, f.offset),
        ...f,
        ...(f.related ? { related: f.related.map((x) => ({ ...lineColumn(r.text, x.offset), ...x })) } : {}),
      })),
    })),
    null,
    2,
  )}\n`;
}

/** SARIF 2.1.0 for code-scanning upload and pull-request annotations. */
export function renderFindingsSarif(results: FileFindings[], docsBase = 'https://model-provenance.dev/docs/findings#'): string {
  const codes = [...new Set(results.flatMap((r) => r.findings.map((f) => f.code)))].sort();
  const level = (s: Finding['severity']): string => (s === 'info' ? 'note' : s);
  return sarifText({
    version: TOOL_VERSION,
    rules: codes.map((id) => ({ id, helpUri: `${docsBase}${id}` })),
    results: results.flatMap((r) =>
      r.findings.map((f) => {
        const region = (offset: number, length: number): Record<string, number> => {
          const start = lineColumn(r.text, offset);
          const end = lineColumn(r.text, offset + length);
          return { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column };
        };
        const artifactLocation = { uri: r.file.split('\\').join('/') };
        return {
          ruleId: f.code,
          ruleIndex: codes.indexOf(f.code),
          level: level(f.severity),
          message: { text: f.message },
          locations: [{ physicalLocation: { artifactLocation, region: region(f.offset, f.length) } }],
          ...(f.related?.length
            ? { relatedLocations: f.related.map((x, id) => ({ id, message: { text: x.message }, physicalLocation: { artifactLocation, region: region(x.offset, x.length) } })) }
            : {}),
        };
      }),
    ),
  });
}
