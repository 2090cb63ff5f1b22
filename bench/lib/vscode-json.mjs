// vscode-json-languageservice set up with the CycloneDX schema, as an editor would have it:
// the baseline the validation and language-server benchmarks compare against.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export function cycloneDxJsonService(repo, version) {
  const require = createRequire(join(repo, 'package.json'));
  const { getLanguageService, TextDocument } = require('vscode-json-languageservice');
  const res = (f) => join(repo, 'node_modules', '@cyclonedx', 'cyclonedx-library', 'res', 'schema', f);
  // The BOM schema's $id is http://cyclonedx.org/schema/bom-1.6.schema.json and it $refs the
  // SNAPSHOT files relative to that: they are served from memory under the same folder.
  const served = {};
  for (const f of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json', 'cryptography-defs.SNAPSHOT.schema.json']) {
    served[`http://cyclonedx.org/schema/${f}`] = readFileSync(res(f), 'utf8');
  }
  const requested = [];
  const ls = getLanguageService({
    schemaRequestService: (uri) => {
      requested.push(uri);
      return served[uri] !== undefined ? Promise.resolve(served[uri]) : Promise.reject(new Error(`no schema at ${uri}`));
    },
    workspaceContext: { resolveRelativePath: (rel, resource) => new URL(rel, resource).toString() },
  });
  const schema = JSON.parse(readFileSync(res(`bom-${version}.SNAPSHOT.schema.json`), 'utf8'));
  ls.configure({ validate: true, allowComments: false, schemas: [{ uri: schema.$id, fileMatch: ['*.cdx.json'], schema }] });
  /** Parses and validates one text, timing both. */
  const once = async (text, uri) => {
    const doc = TextDocument.create(uri, 'json', 2, text);
    const t0 = performance.now();
    const parsed = ls.parseJSONDocument(doc);
    const t1 = performance.now();
    const diagnostics = await ls.doValidation(doc, parsed);
    return { parseMs: t1 - t0, validateMs: performance.now() - t1, diagnostics };
  };
  return { once, requested, serviceVersion: require('vscode-json-languageservice/package.json').version };
}
