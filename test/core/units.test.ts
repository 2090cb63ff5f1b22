import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { canonicalResourceName, legacyPreAuthEncodingV020, parseStrictJson, preAuthEncoding, rootDigest } from '../../core';
import { decodeBase64 } from '../../core/io/encoding';
import { comparePaths, compareResourceNames, isIgnored } from '../../core/model/paths';
import { pythonBytesRepr } from '../../core/sigstore/dsse';
import { normaliseArgv } from '../../cli/argv';

describe('DSSE', () => {
  test('PAE matches the DSSE protocol test vector', () => {
    assert.equal(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });
  test('PAE lengths are byte lengths, not characters', () => {
    assert.equal(preAuthEncoding('t', Buffer.from('é', 'utf8')).toString('utf8'), 'DSSEv1 1 t 2 é');
  });
  test('the v0.2.0 encoding spells DSSEV1 and writes a Python bytes literal', () => {
    assert.equal(legacyPreAuthEncodingV020('a/b', Buffer.from('{"x": 1}\n')).toString(), 'DSSEV1 3 a/b 9 b\'{"x": 1}\\n\'');
    assert.equal(pythonBytesRepr(Buffer.from("it's")), 'b"it\'s"');
    assert.equal(pythonBytesRepr(Buffer.from('it\'s "q"')), "b'it\\'s \"q\"'");
    assert.equal(pythonBytesRepr(Buffer.from([0, 0x7f, 0x5c, 0xff])), "b'\\x00\\x7f\\\\\\xff'");
  });
});

describe('resource names', () => {
  test('canonical forms collapse ./ and //', () => {
    assert.equal(canonicalResourceName('./config.json'), 'config.json');
    assert.equal(canonicalResourceName('sub//./w.bin'), 'sub/w.bin');
    assert.equal(canonicalResourceName('.'), '.');
  });
  for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'C:\\x', 'a\\b', '', 'a\0b']) {
    test(`"${bad.replace('\0', '\\0')}" is refused`, () => {
      assert.throws(() => canonicalResourceName(bad), { code: 'PATH_UNSAFE' });
    });
  }
  test('paths sort component by component, as model_signing sorts them: a folder before a sibling name that extends it', () => {
    const names = ['tokenizer.json', 'tokenizer/vocab.txt', 'unet-fp16.bin', 'unet/x', 'a-b', 'a/b', 'a', 'a b/c', 'a/b/c', 'a/b.c', 'a.b/c', 'ab'];
    assert.deepEqual([...names].sort(comparePaths), ['a', 'a/b', 'a/b/c', 'a/b.c', 'a b/c', 'a-b', 'a.b/c', 'ab', 'tokenizer/vocab.txt', 'tokenizer.json', 'unet/x', 'unet-fp16.bin']);
  });
  test('within a component, code-point order, not UTF-16 order: an astral character sorts after U+FFFF', () => {
    const names = ['\u{1F600}.bin', '\uFF5E.bin', '\u00e9/x', 'e/x', 'z'];
    assert.deepEqual([...names].sort(comparePaths), ['e/x', 'z', '\u00e9/x', '\uFF5E.bin', '\u{1F600}.bin']);
  });
  test('shard names sort by path, then by offsets as numbers', () => {
    const names = ['w:10:11', 'w:2:3', 'w/x:0:1', 'w.bin:0:5', 'w:0:2'];
    assert.deepEqual([...names].sort((a, b) => compareResourceNames(a, b, 'shards')), ['w:0:2', 'w:2:3', 'w:10:11', 'w/x:0:1', 'w.bin:0:5']);
  });
  test('comparePaths agrees with a component-wise sort on random paths (fast-check)', () => {
    const seg = fc.constantFrom('a', 'b', 'a.b', 'a-b', 'ab', 'a b', 'a!', 'a+b', 'a,b', 'a\t', '\u00e9', '\uFF5E', '\uE000', '\u{1F600}', '\u{10FFFF}', '_', 'A');
    const path = fc.array(seg, { minLength: 1, maxLength: 4 }).map((p) => p.join('/'));
    const reference = (x: string, y: string): number => {
      const xs = x.split('/').map((c) => Buffer.from(c, 'utf8'));
      const ys = y.split('/').map((c) => Buffer.from(c, 'utf8'));
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const c = Buffer.compare(xs[i]!, ys[i]!);
        if (c !== 0) return c;
      }
      return xs.length - ys.length;
    };
    fc.assert(fc.property(path, path, (x, y) => Math.sign(comparePaths(x, y)) === Math.sign(reference(x, y))));
  });
  test('ignored paths cover everything below them, and only whole components', () => {
    const ign = new Set(['logs', 'a/b']);
    assert.ok(isIgnored('logs/x/y', ign));
    assert.ok(isIgnored('a/b', ign));
    assert.ok(!isIgnored('logsx', ign));
    assert.ok(!isIgnored('a/bc', ign));
  });
});

describe('strict JSON', () => {
  test('duplicate keys are refused with their line and column', () => {
    assert.throws(() => parseStrictJson('{\n  "a": 1,\n  "a": 2\n}', 'f.json'), (e: Error & { code?: string }) => e.code === 'JSON_DUPLICATE_KEY' && /line 3 column 3/.test(e.message));
  });
  test('nested duplicates are found; equal keys in sibling objects are fine', () => {
    assert.throws(() => parseStrictJson('{"a":{"b":1,"b":2}}', 'f'), { code: 'JSON_DUPLICATE_KEY' });
    assert.deepEqual(parseStrictJson('[{"b":1},{"b":2}]', 'f'), [{ b: 1 }, { b: 2 }]);
  });
  test('comments and trailing commas are not JSON', () => {
    assert.throws(() => parseStrictJson('{"a":1,}', 'f'), { code: 'JSON_MALFORMED' });
    assert.throws(() => parseStrictJson('{"a":1 // c\n}', 'f'), { code: 'JSON_MALFORMED' });
  });
  test('any text either parses or fails with a coded error, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          parseStrictJson(text, 'f');
        } catch (e) {
          assert.ok(['JSON_MALFORMED', 'JSON_DUPLICATE_KEY'].includes((e as { code?: string }).code ?? ''), String(e));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('base64', () => {
  test('standard and URL-safe are both accepted', () => {
    assert.deepEqual(decodeBase64('+/+/', 'x'), Buffer.from([0xfb, 0xff, 0xbf]));
    assert.deepEqual(decodeBase64('-_-_', 'x'), Buffer.from([0xfb, 0xff, 0xbf]));
  });
  test('garbage is refused instead of silently skipped', () => {
    for (const bad of ['!!!!', 'ab$d', 'a', 'ab=c', 42]) assert.throws(() => decodeBase64(bad, 'x'), { code: 'BASE64_INVALID' });
  });
});

describe('root digest', () => {
  test('is sha256 over the raw digests in order (v0.3.1 single-file vector values)', () => {
    assert.equal(
      rootDigest([{ name: '.', algorithm: 'sha256', digest: 'bc9a717db6064a32cbe9eae6fc40651dd6d36ef1757183f590eff2b1765d7ebc' }]),
      'afa48c8674afe334b8a7dea34f7b46ab256e9255edf8da2132792341b667a45b',
    );
  });
});

describe('CLI argv', () => {
  test('underscore option names become dashes; values and positionals are untouched', () => {
    assert.deepEqual(normaliseArgv(['verify', 'key', 'my_model', '--public_key', 'a_b.pem', '--ignore_paths=x_y', '--', '--not_an_option']), [
      'verify', 'key', 'my_model', '--public-key', 'a_b.pem', '--ignore-paths=x_y', '--', '--not_an_option',
    ]);
  });
});

describe('structural scan', () => {
  const naive = (v: unknown, text: string): boolean => {
    // Reference: jsonc-parser's tree, object by object.
    const { parseTree } = require('jsonc-parser') as typeof import('jsonc-parser');
    const walk = (n: import('jsonc-parser').Node | undefined): boolean => {
      if (!n) return false;
      if (n.type === 'object') {
        const seen = new Set<string>();
        for (const p of n.children ?? []) {
          const k = p.children?.[0]?.value as string;
          if (seen.has(k)) return true;
          seen.add(k);
        }
      }
      return (n.children ?? []).some(walk);
    };
    void v;
    return walk(parseTree(text));
  };
  test('finds a duplicate key exactly when one exists, escapes and nesting included', async () => {
    const { scanStructure } = await import('../../core/io/json');
    const withDup = fc.tuple(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), fc.boolean()).map(([obj, dup]) => {
      const text = JSON.stringify(obj);
      if (!dup) return text;
      const k = JSON.stringify(Object.keys(obj)[0]);
      return `{"outer":${text.slice(0, -1)},${k}:null}, "z": [${text}]}`;
    });
    fc.assert(
      fc.property(withDup, (text) => {
        assert.equal(scanStructure(text).duplicate !== undefined, naive(undefined, text), text);
      }),
      { numRuns: 400 },
    );
    assert.equal(scanStructure('{"a\\"b":1,"a\\u0022b":2}').duplicate?.key, 'a"b');
    assert.deepEqual([scanStructure('[[[{}]]]').maxDepth, scanStructure('[[[{}]]]').depthOffset], [4, 3]);
  });
});

describe('skimming locator', () => {
  test('finds every value and key exactly where the offset tree does', async () => {
    const { locate, nodeAt } = await import('../../core/json/document');
    const { parseTree } = await import('jsonc-parser');
    const paths = (v: unknown, at: (string | number)[] = []): (string | number)[][] => {
      const out = [at];
      if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
      return out;
    };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(0, 1, 2, 4), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const tree = parseTree(text);
        for (const p of paths(JSON.parse(text)).slice(0, 40)) {
          const node = nodeAt(tree, p)!;
          const span = locate(text, p)!;
          assert.ok(span, `${JSON.stringify(p)} in ${text}`);
          assert.deepEqual([span.valueStart, span.valueEnd], [node.offset, node.offset + node.length], JSON.stringify(p));
          const key = node.parent?.type === 'property' ? node.parent.children![0]! : undefined;
          assert.deepEqual(span.keyStart, key?.offset);
        }
        assert.equal(locate(text, ['\u0000missing']), undefined);
      }),
      { numRuns: 300 },
    );
  });
});
