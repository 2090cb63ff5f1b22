import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { REPO } from './fixtures';

/**
 * The SARIF 2.1.0 JSON schema as Microsoft's SARIF SDK ships it (`sarif-2.1.0-rtm.5.json`,
 * the schema of the OASIS 2.1.0 standard, as json.schemastore.org serves it), loaded from
 * the pinned devDependency, never copied. It is draft-04, hence ajv-draft-04.
 */
const SCHEMA_PATH = join(REPO, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');

let validate: ReturnType<Ajv['compile']> | undefined;

/** The schema errors of a SARIF log (empty when it is valid SARIF 2.1.0). */
export function sarifErrors(log: unknown): string[] {
  if (!validate) {
    // The schema's language pattern has a stray ']' that is only valid without the u flag (as JSON Schema draft-04 regexes are ECMA 262 without it).
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  }
  if (validate(log)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
