import { statSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where a model's OMS signature lives by default: MODEL/model.sig, or MODEL.sig for a single file. */
export function defaultSignaturePath(modelPath: string): string {
  let dir = false;
  try {
    dir = statSync(modelPath).isDirectory();
  } catch {
    /* reported when the model is read */
  }
  return dir ? resolve(modelPath, 'model.sig') : `${modelPath}.sig`;
}
