// Derives core/data/atlas.json from MITRE ATLAS (ATLAS.yaml, Apache-2.0) so that the library can
// name techniques and mitigations and validate technique ids offline, without shipping the whole
// 450 KB file or a YAML parser. Run it again when a new ATLAS release is adopted:
//
//   node scripts/derive-atlas.mjs [ATLAS.yaml [OUT.json]]
//   (defaults: ../shared/vectors/atlas/ATLAS.yaml, core/data/atlas.json)
//
// Kept: tactics (id, name), techniques (id, name, tactics, parent, maturity), mitigations (id, name,
// description, and the techniques each addresses with MITRE's "use" text). Dropped: case studies and
// technique descriptions. The licence notice travels beside the data (core/data/ATLAS-NOTICE).
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2] ?? join(root, '..', 'shared', 'vectors', 'atlas', 'ATLAS.yaml');
const doc = parse(readFileSync(source, 'utf8'));
const matrix = doc.matrices?.[0];
if (!matrix) throw new Error(`${source}: no matrices[0]`);

const clean = (s) => (typeof s === 'string' ? s.replace(/\s+/g, ' ').trim() : undefined);
const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const out = {
  source: 'MITRE ATLAS',
  version: String(doc.version),
  licence: 'Apache-2.0, Copyright 2021-2025 MITRE; derived (identifiers, names, mitigation texts) under the Apache License, Version 2.0: https://www.apache.org/licenses/LICENSE-2.0',
  tactics: matrix.tactics.map((t) => ({ id: t.id, name: t.name })).sort(byId),
  techniques: matrix.techniques
    .map((t) => ({
      id: t.id,
      name: t.name,
      ...(t.tactics ? { tactics: t.tactics } : {}),
      ...(t['subtechnique-of'] ? { parent: t['subtechnique-of'] } : {}),
      ...(t.maturity ? { maturity: t.maturity } : {}),
    }))
    .sort(byId),
  mitigations: matrix.mitigations
    .map((m) => ({
      id: m.id,
      name: m.name,
      description: clean(m.description),
      techniques: (m.techniques ?? []).map((t) => ({ id: t.id, use: clean(t.use) })).sort(byId),
    }))
    .sort(byId),
};

const target = process.argv[3] ?? join(root, 'core', 'data', 'atlas.json');
writeFileSync(`${target}.tmp`, `${JSON.stringify(out, null, 1)}\n`);
renameSync(`${target}.tmp`, target);
console.log(`atlas ${out.version}: ${out.tactics.length} tactics, ${out.techniques.length} techniques, ${out.mitigations.length} mitigations -> ${target}`);
