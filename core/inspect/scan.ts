import type { EnumerateOptions } from '../model/enumerate';
import type { Problem } from '../verify/result';
import { isDangerous } from './codes';
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
export async function scanModel(path: string, options: Pick<EnumerateOptions, 'ignorePaths' | 'signedIgnorePaths' | 'signaturePath' | 'allowSymlinks'> = {}): Promise<{ inspection: ModelInspection; problems: Problem[] }> {
  const inspection = await inspectModel(path, options);
  return { inspection, problems: scanProblems(inspection) };
}
