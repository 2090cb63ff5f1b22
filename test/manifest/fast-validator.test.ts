/**
 * The fast CycloneDX validator (linear-time `uniqueItems`) must report exactly what stock
 * ajv reports with the same schema: the same validity and the same findings (instancePath,
 * keyword, message, params), including *which* pair of duplicates uniqueItems names. Checked
 * on moderately sized ML-BOMs (a few hundred components, so plain ajv's quadratic
 * uniqueItems stays fast) with hand-written and fast-check generated invalid variants.
 * The timings at 10,000 and 50,000 components are in bench/validate.mjs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { cycloneDxValidator, validateManifestStatic, type CycloneDxVersion } from '../../core';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const N = 300;
const MODEL_REF = 'pkg:huggingface/acme/llama-ft-7b@1.0.0';
const PACKAGES = ['numpy', 'torch', 'transformers', 'tokenizers', 'safetensors', 'accelerate', 'datasets', 'requests', 'pydantic', 'protobuf', 'tqdm'];
const LICENSES = ['Apache-2.0', 'MIT', 'BSD-3-Clause', 'ISC'];
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const prop = (name: string, value: string): Json => ({ name, value });

/** An ML-BOM like the one `manifest generate` writes: the model with its files, then n libraries and datasets. */
function buildBom(n: number, version: CycloneDxVersion = '1.6'): Json {
  const components: Json[] = [];
  const dataRefs: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 10 === 9) {
      const h = sha(`dataset ${i}`);
      const ref = `dataset:${h.slice(0, 16)}`;
      dataRefs.push(ref);
      components.push({
        type: 'data',
        'bom-ref': ref,
        name: `corpus-shard-${i}`,
        hashes: [{ alg: 'SHA-256', content: h }],
        data: [{ type: 'dataset', name: `corpus-shard-${i}` }],
        properties: [prop('model-provenance:oms_root_digest', h)],
      });
    } else {
      const name = `${PACKAGES[i % PACKAGES.length]}-${i}`;
      const v = `${1 + (i % 5)}.${i % 7}.0`;
      const purl = `pkg:pypi/${name}@${v}`;
      components.push({ type: 'library', 'bom-ref': purl, name, version: v, hashes: [{ alg: 'SHA-256', content: sha(purl) }], licenses: [{ license: { id: LICENSES[i % LICENSES.length] } }], purl });
    }
  }
  const files = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'config.json', 'tokenizer.json'].map((f) => ({
    type: 'file',
    'bom-ref': `${MODEL_REF}/file:${f}`,
    name: f,
    hashes: [{ alg: 'SHA-256', content: sha(f) }],
  }));
  return {
    $schema: `http://cyclonedx.org/schema/bom-${version}.schema.json`,
    bomFormat: 'CycloneDX',
    specVersion: version,
    serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
    version: 1,
    metadata: {
      timestamp: '2026-11-26T08:00:00Z',
      tools: { components: [{ type: 'application', name: 'model-provenance', version: '0.1.0' }] },
      component: {
        type: 'machine-learning-model',
        'bom-ref': MODEL_REF,
        name: 'llama-ft-7b',
        version: '1.0.0',
        licenses: [{ license: { id: 'Apache-2.0' } }],
        modelCard: {
          modelParameters: { task: 'text-generation', architectureFamily: 'llama', datasets: dataRefs.slice(0, 5).map((ref) => ({ ref })) },
          considerations: { useCases: ['chat assistant'] },
        },
        properties: [prop('model-provenance:oms_root_digest', sha('root'))],
        components: files,
      },
    },
    components,
    dependencies: [{ ref: MODEL_REF, dependsOn: dataRefs.slice(0, 10) }],
    compositions: [{ aggregate: 'incomplete', assemblies: [MODEL_REF], dependencies: [MODEL_REF] }],
  };
}

const findings = (validate: ReturnType<typeof cycloneDxValidator>, bom: Json): { valid: boolean; errors: string[] } => {
  const valid = validate(bom) as boolean;
  return { valid, errors: (validate.errors ?? []).map((e) => JSON.stringify([e.instancePath, e.keyword, e.message, e.params])).sort() };
};

/** Asserts fast and plain agree on `bom`; returns what they found. */
function same(bom: Json, version: CycloneDxVersion = '1.6', label = ''): { valid: boolean; errors: string[] } {
  const f = findings(cycloneDxValidator(version, 'fast'), bom);
  const p = findings(cycloneDxValidator(version, 'plain'), bom);
  assert.deepEqual(f, p, `fast and plain ajv differ${label ? ` (${label})` : ''}`);
  return f;
}

const clone = <T>(x: T): T => structuredClone(x);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A deep copy with every object's keys in another order (a seeded permutation): equal for fast-deep-equal. */
function permuteKeys(v: Json, seed: number): Json {
  if (Array.isArray(v)) return v.map((x, i) => permuteKeys(x, seed + i));
  if (!isPlainObject(v)) return v;
  const entries = Object.entries(v);
  let s = (seed >>> 0) || 1;
  for (let i = entries.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, x], i) => [k, permuteKeys(x, seed * 31 + i)]));
}

const uniqueItemsPairs = (r: { errors: string[] }): unknown[] => r.errors.map((e) => JSON.parse(e)).filter((e) => e[1] === 'uniqueItems');

const BASE = buildBom(N);

describe('fast CycloneDX validator: identical findings to plain ajv', () => {
  test('the generated ML-BOM is valid for both, and for validateManifestStatic', () => {
    assert.deepEqual(same(BASE), { valid: true, errors: [] });
    assert.deepEqual(validateManifestStatic(JSON.stringify(BASE), 'm.cdx.json').findings, []);
  });

  const lib = (b: Json, i: number): Json => b.components[i % 10 === 9 ? i - 1 : i];
  const variants: [string, (b: Json) => void][] = [
    ['duplicate component, adjacent', (b) => b.components.splice(11, 0, clone(b.components[10]))],
    ['duplicate component, first and last', (b) => b.components.push(clone(b.components[0]))],
    ['duplicate component, keys reordered deeply', (b) => b.components.splice(N - 3, 0, permuteKeys(b.components[4], 7))],
    ['the same component three times', (b) => b.components.push(clone(b.components[5]), clone(b.components[5]))],
    ['several duplicate pairs: ajv names the last item that repeats an earlier one', (b) => {
      b.components.splice(20, 0, clone(b.components[200]));
      b.components.splice(150, 0, clone(b.components[30]));
      b.components.push(clone(b.components[100]));
    }],
    ['duplicate data component', (b) => b.components.push(clone(b.components[19]))],
    ['duplicate model file sub-component', (b) => b.metadata.component.components.push(clone(b.metadata.component.components[1]))],
    ['duplicate nested components of a library', (b) => (lib(b, 3).components = [clone(lib(b, 1)), clone(lib(b, 2)), permuteKeys(lib(b, 1), 3)])],
    ['duplicate tools', (b) => b.metadata.tools.components.push(permuteKeys(b.metadata.tools.components[0], 5))],
    ['duplicate strings in compositions[].dependencies', (b) => b.compositions[0].dependencies.push('a', 'b', MODEL_REF, 'a')],
    ['non-strings among the strings (skipped by uniqueItems, caught by type)', (b) => b.compositions[0].dependencies.push(1, '1', 1, null, null, true, 'true')],
    ['duplicate refs in dependsOn', (b) => b.dependencies[0].dependsOn.push(b.dependencies[0].dependsOn[2])],
    ['duplicate dependency entries', (b) => b.dependencies.push(clone(b.dependencies[0]))],
    ['duplicate hashes inside one component (not a uniqueItems array)', (b) => lib(b, 6).hashes.push(clone(lib(b, 6).hashes[0]))],
    ['near-duplicates: one character differs', (b) => {
      const c = clone(b.components[40]);
      c.purl = `${c.purl}x`;
      b.components.push(c);
    }],
    ['near-duplicates: one extra key', (b) => b.components.push({ ...clone(b.components[41]), description: 'x' })],
    ['wrong enum', (b) => (lib(b, 42).type = 'libary')],
    ['wrong hash alg', (b) => (lib(b, 43).hashes[0].alg = 'SHA256')],
    ['bad hash pattern', (b) => (lib(b, 44).hashes[0].content = 'sha256:abc')],
    ['missing required', (b) => delete lib(b, 45).name],
    ['additional property', (b) => (lib(b, 46).colour = 'blue')],
    ['wrong type', (b) => (lib(b, 47).version = 1)],
    ['bad date-time', (b) => (b.metadata.timestamp = '2026-11-26 08:00')],
    ['oneOf: license with id and name', (b) => (lib(b, 48).licenses = [{ license: { id: 'MIT', name: 'MIT' } }])],
    ['components is not an array', (b) => (b.components = { a: 1 })],
    ['everything at once', (b) => {
      lib(b, 50).type = 'libary';
      delete lib(b, 51).name;
      lib(b, 52).hashes[0].content = 'xyz';
      b.metadata.timestamp = 'yesterday';
      b.components.push(clone(b.components[60]), permuteKeys(b.components[61], 1));
      b.compositions[0].dependencies.push(MODEL_REF);
      b.metadata.component.components.unshift(clone(b.metadata.component.components[3]));
    }],
  ];
  for (const version of ['1.6', '1.7'] as const) {
    const base = version === '1.6' ? BASE : buildBom(N, version);
    test(`hand-written invalid variants, CycloneDX ${version}`, () => {
      for (const [name, mutate] of variants) {
        const bom = clone(base);
        mutate(bom);
        const r = same(bom, version, name);
        if (name.startsWith('near-duplicates') || name.startsWith('duplicate hashes')) assert.deepEqual(uniqueItemsPairs(r), [], name);
        else if (name.includes('duplicate') || name.includes('three times')) assert.ok(uniqueItemsPairs(r).length > 0, `${name}: no uniqueItems finding`);
      }
    });
  }

  test('objects equal up to key order are duplicates, and the reported pair is ajv\'s (spot check)', () => {
    const b = clone(BASE);
    b.components.splice(50, 0, permuteKeys(b.components[250], 11));
    b.components.push(permuteKeys(b.components[7], 2));
    const r = same(b);
    // The last item repeating an earlier one, with the nearest earlier copy.
    assert.deepEqual(uniqueItemsPairs(r), [['/components', 'uniqueItems', 'must NOT have duplicate items (items ## 7 and 301 are identical)', { i: 301, j: 7 }]]);
  });

  test('validateManifestStatic locates the duplicate the fast validator reports', () => {
    const b = clone(BASE);
    b.components.push(clone(b.components[3]));
    const text = JSON.stringify(b);
    const dup = validateManifestStatic(text, 'm.cdx.json').findings.filter((f) => f.code === 'CDX_UNIQUE_ITEMS');
    assert.equal(dup.length, 1);
    assert.equal(dup[0]!.pointer, '/components');
    // Objects are located by their opening brace: the copy at index N, the item ajv names as i.
    assert.equal(dup[0]!.length, 1);
    assert.ok(text.startsWith(`,${JSON.stringify(b.components[N])}]`, dup[0]!.offset - 1), 'the range is not at the copy');
  });

  // ------------------------------------------------------------ generated variants
  const permutation = fc.integer({ min: 1, max: 2 ** 31 - 1 });

  test('fast-check: duplicate components at random positions (some with keys reordered, some near-duplicates)', () => {
    const dup = fc.record({ src: fc.nat(), dst: fc.nat(), kind: fc.constantFrom('same', 'reordered', 'near'), seed: permutation });
    fc.assert(
      fc.property(fc.array(dup, { minLength: 1, maxLength: 6 }), (dups) => {
        const b = clone(BASE);
        for (const d of dups) {
          const src = b.components[d.src % b.components.length];
          let copy = d.kind === 'reordered' ? permuteKeys(src, d.seed) : clone(src);
          if (d.kind === 'near') copy = { ...copy, name: `${copy.name}~` };
          b.components.splice(d.dst % (b.components.length + 1), 0, copy);
        }
        const r = same(b);
        if (dups.some((d) => d.kind !== 'near')) assert.equal(uniqueItemsPairs(r).length, 1);
      }),
      { numRuns: 150 },
    );
  });

  test('fast-check: duplicate scalar items (compositions[].dependencies, items of type string)', () => {
    const item = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'c', '1', 'true', 'null', '', MODEL_REF, 'a_', 'toString', 'constructor') },
      { weight: 2, arbitrary: fc.string({ maxLength: 2 }) },
      { weight: 1, arbitrary: fc.constantFrom(1, 0, -0, 1.5, true, false, null) },
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 40 }), fc.nat(), (items, at) => {
        const b = clone(BASE);
        b.compositions[0].dependencies = items;
        // Also as a second composition, next to a valid one.
        b.compositions.splice(at % 2, 0, { aggregate: 'unknown', dependencies: [...items].reverse() });
        same(b);
      }),
      { numRuns: 200 },
    );
  });

  test('fast-check: arrays of arbitrary JSON values with duplicates (deep equality vs key-order-insensitive identity)', () => {
    // Keys from a small pool so that objects repeat up to key order; no __proto__, constructor,
    // valueOf or toString keys (see the known divergences below).
    const key = fc.constantFrom('a', 'b', 'type', 'name', '0', '');
    const { value } = fc.letrec<{ value: Json }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(null, true, false, 0, -0, 1, 1.5, '', 'a', '1', 'library'),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(key, tie('value'), { maxKeys: 3, noNullPrototype: true }),
      ),
    }));
    const withDuplicates = fc
      .tuple(fc.array(value, { minLength: 1, maxLength: 12 }), fc.array(fc.tuple(fc.nat(), fc.nat(), permutation), { maxLength: 4 }))
      .map(([xs, dups]) => {
        const out = [...xs];
        for (const [s, d, seed] of dups) out.splice(d % (out.length + 1), 0, permuteKeys(out[s % out.length], seed));
        return out;
      });
    fc.assert(
      fc.property(withDuplicates, fc.constantFrom('components', 'dependsOn', 'tools', 'files'), (xs, where) => {
        const b = clone(BASE);
        if (where === 'components') b.components = xs;
        else if (where === 'dependsOn') b.dependencies[0].dependsOn = xs;
        else if (where === 'tools') b.metadata.tools.components = xs;
        else b.metadata.component.components = xs;
        same(b);
      }),
      { numRuns: 300 },
    );
  });

  test('fast-check: mixed mutations of the ML-BOM', () => {
    const at = fc.nat();
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('dup' as const), at, dst: fc.nat(), seed: permutation }),
      fc.record({ op: fc.constant('type' as const), at, value: fc.constantFrom<Json>('library', 'data', 'file', 'libary', 42, null) }),
      fc.record({ op: fc.constant('delete' as const), at, key: fc.constantFrom('name', 'type', 'hashes', 'version', 'bom-ref', 'purl') }),
      fc.record({ op: fc.constant('add' as const), at, key: fc.constantFrom('colour', 'scope', 'author', 'x'), value: fc.constantFrom<Json>('blue', 'required', 'excluded', 1, [], {}) }),
      fc.record({ op: fc.constant('hash' as const), at, content: fc.constantFrom('xyz', 'ABCDEF0123456789'.repeat(4), sha('x'), '', 'sha256:00') }),
      fc.record({ op: fc.constant('alg' as const), at, alg: fc.constantFrom<Json>('SHA-256', 'SHA256', 'MD5', 'SHA3-512', 256) }),
      fc.record({ op: fc.constant('timestamp' as const), value: fc.constantFrom<Json>('2026-11-26T08:00:00Z', '2026-11-26', 'yesterday', 5, '2026-11-26T08:00:00+01:00') }),
      fc.record({ op: fc.constant('composition' as const), value: fc.constantFrom<Json>(MODEL_REF, 'a', 'a', 3) }),
      fc.record({ op: fc.constant('file' as const), at, dst: fc.nat(), seed: permutation }),
      fc.record({ op: fc.constant('nested' as const), at, seed: permutation }),
      fc.record({ op: fc.constant('dependsOn' as const), at }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), (ms) => {
        const b = clone(BASE);
        const cs = b.components;
        const pick = (i: number): Json => cs[i % cs.length];
        for (const m of ms) {
          switch (m.op) {
            case 'dup':
              cs.splice(m.dst % (cs.length + 1), 0, permuteKeys(pick(m.at), m.seed));
              break;
            case 'type':
              pick(m.at).type = m.value;
              break;
            case 'delete':
              delete pick(m.at)[m.key];
              break;
            case 'add':
              pick(m.at)[m.key] = m.value;
              break;
            case 'hash':
              if (Array.isArray(pick(m.at).hashes)) pick(m.at).hashes[0].content = m.content;
              break;
            case 'alg':
              if (Array.isArray(pick(m.at).hashes)) pick(m.at).hashes[0].alg = m.alg;
              break;
            case 'timestamp':
              b.metadata.timestamp = m.value;
              break;
            case 'composition':
              b.compositions[0].dependencies.push(m.value);
              break;
            case 'file': {
              const files = b.metadata.component.components;
              files.splice(m.dst % (files.length + 1), 0, permuteKeys(files[m.at % files.length], m.seed));
              break;
            }
            case 'nested': {
              const c = pick(m.at);
              c.components = [clone(pick(m.at + 1)), permuteKeys(pick(m.at + 1), m.seed), clone(pick(m.at + 2))];
              break;
            }
            case 'dependsOn': {
              const d = b.dependencies[0].dependsOn;
              d.push(d[m.at % d.length]);
              break;
            }
          }
        }
        same(b);
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------- known divergences
// Inputs where stock ajv's uniqueItems does not do what JSON Schema says (it compares with
// fast-deep-equal, which looks at `constructor`, `valueOf` and `toString` of the values,
// and it counts scalar items in a plain object, where "__proto__" never sticks), so the
// fast validator, which follows JSON equality, reports something else. None of these keys
// is allowed by the CycloneDX schema (additionalProperties: false), so such a BOM is
// invalid either way; only its uniqueItems finding (or plain ajv's crash) differs.
// Each test asserts the JSON-Schema answer from the fast validator, and plain ajv's answer as
// it is today: if ajv changes, the test says so and the divergence can go.
describe('fast CycloneDX validator: known divergences from plain ajv', () => {
  const withComponents = (...extra: Json[]): Json => {
    const b = clone(BASE);
    b.components.push(...extra);
    return b;
  };
  const additional = (i: number, key: string): string => JSON.stringify([`/components/${i}`, 'additionalProperties', 'must NOT have additional properties', { additionalProperty: key }]);
  // ajv's own message and params: for objects i is the later index, for scalars the earlier one.
  const duplicate = (path: string, i: number, j: number): string => JSON.stringify([path, 'uniqueItems', `must NOT have duplicate items (items ## ${j} and ${i} are identical)`, { i, j }]);

  test('two components with an object-valued "constructor" key: fast reports the duplicate, plain ajv does not (fast-deep-equal compares a.constructor by identity)', () => {
    const n = BASE.components.length;
    const b = withComponents({ type: 'library', name: 'x', constructor: {} }, { type: 'library', name: 'x', constructor: {} });
    const shapeErrors = [additional(n, 'constructor'), additional(n + 1, 'constructor')];
    assert.deepEqual(findings(cycloneDxValidator('1.6', 'fast'), b), { valid: false, errors: [duplicate('/components', n + 1, n), ...shapeErrors].sort() });
    assert.deepEqual(findings(cycloneDxValidator('1.6', 'plain'), b), { valid: false, errors: shapeErrors.sort() });
  });
  test('duplicate "__proto__" strings in compositions[].dependencies: fast reports the duplicate, plain ajv does not (it counts scalar items in {}, where "__proto__" never holds a number)', () => {
    const b = clone(BASE);
    const deps = b.compositions[0].dependencies as string[];
    const i = deps.length;
    deps.push('__proto__', '__proto__');
    assert.deepEqual(findings(cycloneDxValidator('1.6', 'fast'), b), { valid: false, errors: [duplicate('/compositions/0/dependencies', i, i + 1)] });
    assert.deepEqual(findings(cycloneDxValidator('1.6', 'plain'), b), { valid: true, errors: [] });
  });
  test('a component with a non-function "valueOf" or "toString" key: fast reports additionalProperties, plain ajv throws (fast-deep-equal calls them)', () => {
    const n = BASE.components.length;
    for (const k of ['valueOf', 'toString']) {
      const b = withComponents({ type: 'library', name: 'x', [k]: 1 });
      assert.deepEqual(findings(cycloneDxValidator('1.6', 'fast'), b), { valid: false, errors: [additional(n, k)] }, k);
      assert.throws(() => cycloneDxValidator('1.6', 'plain')(b), TypeError, k);
    }
  });
});
