import type { ErrorObject } from 'ajv';

/**
 * A JSON schema validator compiled at build time (ajv standalone code): call it with a parsed
 * JSON value; it returns true when the value is valid, and otherwise leaves ajv's error objects
 * (`allErrors`) in `errors` until the next call. The same shape as ajv's `ValidateFunction` for
 * everything callers use, without the compiler behind it.
 */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}
