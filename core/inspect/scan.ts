import type { EnumerateOptions } from '../model/enumerate';
import type { Problem } from '../verify/result';
import { findingVerdict, isDangerous } from './codes';
import { inspectModel } from './inspect-model';
import type { ModelInspection } from './types';

/** Every dangerous finding of an inspection, as verification problems naming the file. */
export function scanProblems(inspection: ModelInspection): Problem[] {
  const out: Problem[] = [];
  for (const f of inspection.findings) if (isDangerous(f)) out.push({ code: f.code, message: f.message });
  for (const file of inspection.files) {
    for (const f of file.findings) {
      if (!isDangerous(f)) continue;
      const at = f.offset !== undefined ? ` (byte ${f.offset}${f.member ? ` of ${f.member}` : ''})` : '';
      out.push({ code: f.code, message: `${f.message}${at}`, file: file.name });
    }
  }
  return out;
}

/** Header-only scan of a model: nothing is loaded or executed. */
export async function scanModel(path: string, options: Pick<EnumerateOptions, 'ignorePaths' | 'ignoreGitPaths' | 'signedIgnorePaths' | 'signaturePath' | 'allowSymlinks' | 'optionNames'> = {}): Promise<{ inspection: ModelInspection; problems: Problem[] }> {
  const inspection = await inspectModel(path, options);
  return { inspection, problems: scanProblems(inspection) };
}

/**
 * The scan's failing findings in words, by verdict: "2 dangerous finding(s)", "1 finding(s)
 * that could not be cleared (suspicious)", or both. A suspicious finding is never called
 * dangerous: it says the file could not be cleared, not that it runs code.
 */
export function describeScan(inspection: ModelInspection): { dangerous: number; suspicious: number; text: string } {
  let dangerous = 0;
  let suspicious = 0;
  for (const f of [...inspection.findings, ...inspection.files.flatMap((x) => x.findings)]) {
    const v = findingVerdict(f);
    if (v === 'dangerous') dangerous++;
    else if (v === 'suspicious') suspicious++;
  }
  const parts = [dangerous ? `${dangerous} dangerous finding(s)` : '', suspicious ? `${suspicious} finding(s) that could not be cleared (suspicious)` : ''].filter(Boolean);
  return { dangerous, suspicious, text: parts.length ? parts.join(' and ') : 'no dangerous content found in the model files' };
}
