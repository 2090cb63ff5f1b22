import { fileURLToPath } from 'node:url';
import type { Connection } from 'vscode-languageserver';

/** What the server needs from its host, injected so tests can run it in memory. */
export interface Runtime {
  /** Turns a document URI into a file path, or undefined when it is not a file. */
  fileOf(uri: string): string | undefined;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
  now(): number;
}

export function nodeRuntime(): Runtime {
  return {
    fileOf(uri) {
      if (!uri.startsWith('file:')) return undefined;
      try {
        return fileURLToPath(uri);
      } catch {
        return undefined;
      }
    },
    setTimeout(fn, ms) {
      const t = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(t) };
    },
    now: () => Date.now(),
  };
}

export type { Connection };
