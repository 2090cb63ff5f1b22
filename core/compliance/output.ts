import { existsSync, readFileSync, statSync } from 'node:fs';
import { InputError } from '../errors';
import { optionName, type OptionNames } from '../option-names';
import { writeFileAtomic } from '../io/atomic-write';
import { REPORT_SCHEMA_ID, type ComplianceReport } from './model';
import { CDXA_REPORT_PROPERTY, renderReportCdxa } from './render-cdxa';
import { HTML_GENERATOR, renderReportHtml } from './render-html';
import { MARKDOWN_MARKER, renderReportMarkdown } from './render-markdown';
import type { ComplianceFormat } from './sign-report';

export const REPORT_FORMATS: readonly ComplianceFormat[] = ['html', 'md', 'json', 'cdxa'];

/** The report in one format, as the exact bytes to write. */
export function renderReport(r: ComplianceReport, format: ComplianceFormat): string {
  switch (format) {
    case 'html':
      return renderReportHtml(r);
    case 'md':
      return renderReportMarkdown(r);
    case 'json':
      return `${JSON.stringify(r, null, 2)}\n`;
    case 'cdxa':
      return `${JSON.stringify(renderReportCdxa(r), null, 2)}\n`;
  }
}

/** Whether a file is one this command wrote (any format), so regenerating may replace it. */
export function isGeneratedReport(path: string): boolean {
  let head: string;
  try {
    if (statSync(path).size > 64 * 1024 * 1024) return false;
    head = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  if (head.startsWith(MARKDOWN_MARKER)) return true;
  if (head.startsWith('<!DOCTYPE html>') && head.slice(0, 2048).includes(`<meta name="generator" content="${HTML_GENERATOR} `)) return true;
  try {
    const v = JSON.parse(head) as Record<string, unknown>;
    if (v.$schema === REPORT_SCHEMA_ID) return true;
    const props = (v.metadata as { properties?: { name?: string }[] } | undefined)?.properties;
    return v.bomFormat === 'CycloneDX' && Array.isArray(props) && props.some((p) => p?.name === CDXA_REPORT_PROPERTY);
  } catch {
    return false;
  }
}

/**
 * Writes a report atomically. An existing file is replaced only when this command wrote it
 * (it carries our generator marker) or with `force`: a file a person wrote is never
 * overwritten by accident.
 */
export function writeReport(path: string, text: string, options: { force?: boolean; optionNames?: OptionNames } = {}): void {
  if (existsSync(path) && !options.force && !isGeneratedReport(path)) {
    throw new InputError('OUTPUT_EXISTS', `exists and was not written by model-provenance report; refusing to overwrite it (use ${optionName(options.optionNames, 'force')})`, { file: path });
  }
  writeFileAtomic(path, text);
}
