// Derives core/data/openvex-0.2.0.schema.json from the OpenVEX v0.2.0 JSON schema (openvex/spec,
// CC0-1.0) so that the library validates every advisory predicate it writes or reads against
// the published schema, offline. No npm package ships this schema. Run it again when a new
// OpenVEX version is adopted:
//
//   node scripts/derive-openvex.mjs [openvex_json_schema.json [OUT.json]]
//   (defaults: ../shared/specs/openvex/openvex_json_schema.json, core/data/openvex-0.2.0.schema.json)
//
// The schema is kept as published; only its formatting is normalised (two-space JSON). The
// licence notice travels beside it (core/data/OPENVEX-NOTICE). test/incident checks that the
// derived file still equals the published one.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2] ?? join(root, '..', 'shared', 'specs', 'openvex', 'openvex_json_schema.json');
const out = process.argv[3] ?? join(root, 'core', 'data', 'openvex-0.2.0.schema.json');
const schema = JSON.parse(readFileSync(source, 'utf8'));
if (schema.$id !== 'https://github.com/openvex/spec/openvex_json_schema_0.2.0.json') throw new Error(`${source}: not the OpenVEX 0.2.0 schema ($id ${schema.$id})`);
writeFileSync(`${out}.tmp`, `${JSON.stringify(schema, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out}`);
