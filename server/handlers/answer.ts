import { ResponseError } from 'vscode-languageserver';
import { isProvenanceError } from '../../core';

/**
 * Runs a request handler and turns a core error into a JSON-RPC error (InvalidParams, -32602)
 * that carries its stable `code` and `file`, so the client shows one readable line and never a
 * crash; anything else propagates (the connection reports it as an internal error).
 */
export async function answer<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isProvenanceError(err)) throw new ResponseError(-32602, err.oneLine(), { code: err.code, ...(err.file ? { file: err.file } : {}) });
    throw err;
  }
}
