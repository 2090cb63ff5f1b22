import type { Located } from '../json/document';

export type Severity = 'error' | 'warning' | 'info';

/** One problem in a document, located by offsets; the CLI and the editor format it. */
export interface Finding extends Located {
  code: string;
  severity: Severity;
  message: string;
  /** JSON Pointer of the value concerned, when there is one. */
  pointer?: string;
  /** What a quick fix needs (replacement text, the missing property, the new digest…). */
  data?: Record<string, unknown>;
  /** Other places in the same document that explain this one (the first of two duplicates…). */
  related?: RelatedLocation[];
}

/** A second place a finding points at, in the same document (LSP relatedInformation, SARIF relatedLocations). */
export interface RelatedLocation extends Located {
  message: string;
  pointer?: string;
}

export const DEFAULT_MAX_FINDINGS = 200;

/** Sorts by position and caps the list, saying so when it is cut. */
export function capFindings(findings: Finding[], max = DEFAULT_MAX_FINDINGS): Finding[] {
  const sorted = [...findings].sort((a, b) => a.offset - b.offset || a.code.localeCompare(b.code));
  if (sorted.length <= max) return sorted;
  const cut = sorted.slice(0, max);
  cut.push({ code: 'TOO_MANY_PROBLEMS', severity: 'info', message: `${sorted.length - max} more problem(s) not shown (limit ${max})`, offset: 0, length: 1 });
  return cut;
}
