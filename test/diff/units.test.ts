import assert from 'node:assert/strict';
import { createHash, createPrivateKey } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareSides, decodeDocument, filesDiff, flatten, parseLfsPointer, renderDecodedDocument } from '../../core/diff';
import { formatSize, shortDigest } from '../../core/diff/render';
import { renderFindingsSarif, generateKeyPair, signStatement, buildStatement, NO_TRUST, type FileEntry, type SideOrigin } from '../../core';
import { sarifErrors } from '../helpers/sarif';

const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');
const origin = (path: string): SideOrigin => ({ spec: path, source: 'disk', path, object: 'file' });

describe('diff units', () => {
  test('Git LFS pointers are read strictly (git-lfs spec v1)', () => {
    const oid = sha('weights');
    const ok = `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 7\n`;
    assert.deepEqual(parseLfsPointer(Buffer.from(ok)), { oid, size: 7 });
    assert.deepEqual(parseLfsPointer(Buffer.from(`version https://git-lfs.github.com/spec/v1\next-0-foo sha256:${oid}\noid sha256:${oid}\nsize 7\n`)), { oid, size: 7 });
    for (const bad of [
      ok.replace('\n', '\r\n'), // CRLF
      ok.slice(0, -1), // no final newline
      `oid sha256:${oid}\nversion https://git-lfs.github.com/spec/v1\nsize 7\n`, // version not first
      `version https://git-lfs.github.com/spec/v1\nsize 7\noid sha256:${oid}\n`, // keys not sorted
      ok.replace(oid, oid.toUpperCase()),
      ok.replace('size 7', 'size 07'),
      ok.replace('size 7', 'size -7'),
      `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\n`, // no size
      ok + 'x'.repeat(1100),
    ]) {
      assert.equal(parseLfsPointer(Buffer.from(bad)), undefined, JSON.stringify(bad.slice(0, 80)));
    }
  });

  test('files: added, removed, modified, unchanged; other algorithms are not comparable; a single-file "." aligns', () => {
    const f = (name: string, digest: string, algorithm = 'sha256'): FileEntry => ({ name, algorithm, digest: `${algorithm}:${digest}`, size: null });
    const d = filesDiff([f('a', '1'), f('b', '2'), f('c', '3'), f('d', '4', 'blake2b')], [f('b', '2'), f('c', '9'), f('d', '5'), f('e', '6')]);
    assert.deepEqual(
      d.changes.map((x) => [x.name, x.status]),
      [
        ['a', 'removed'],
        ['c', 'modified'],
        ['d', 'incomparable'],
        ['e', 'added'],
      ],
    );
    assert.deepEqual([d.added, d.removed, d.modified, d.unchanged, d.incomparable], [1, 1, 1, 1, 1]);
    assert.equal(d.changes[2]!.reason, 'hashed differently (blake2b vs sha256)');
    assert.deepEqual(filesDiff([f('.', '1')], [f('model.gguf', '1')]), { added: 0, removed: 0, modified: 0, unchanged: 1, incomparable: 0, changes: [] });
  });

  test('files: a diff of a list with itself is empty, and every name lands in exactly one bucket (property)', () => {
    const entry = fc.record({ name: fc.stringMatching(/^[a-c]{1,3}(\/[a-c]{1,2})?$/), digest: fc.constantFrom('1', '2', '3') });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.name }), fc.uniqueArray(entry, { selector: (e) => e.name }), (a, b) => {
        const fa = a.map((e) => ({ name: e.name, algorithm: 'sha256', digest: `sha256:${e.digest}`, size: null }));
        const fb = b.map((e) => ({ name: e.name, algorithm: 'sha256', digest: `sha256:${e.digest}`, size: null }));
        const self = filesDiff(fa, fa);
        assert.deepEqual([self.changes.length, self.unchanged], [0, fa.length]);
        const d = filesDiff(fa, fb);
        const names = new Set([...a, ...b].map((e) => e.name));
        assert.equal(d.added + d.removed + d.modified + d.unchanged, names.size);
        const back = filesDiff(fb, fa);
        assert.deepEqual([back.added, back.removed, back.modified], [d.removed, d.added, d.modified]);
      }),
    );
  });

  test('values flatten to dotted leaves; arrays of scalars stay one leaf', () => {
    assert.deepEqual([...flatten({ lr: 0.1, sched: { warmup: 10, kind: 'cosine' }, layers: [1, 2], opts: [{ a: 1 }], empty: {} }, 'h')], [
      ['h.lr', 0.1],
      ['h.sched.warmup', 10],
      ['h.sched.kind', 'cosine'],
      ['h.layers', [1, 2]],
      ['h.opts[0].a', 1],
      ['h.empty', {}],
    ]);
  });

  test('digests and sizes for people', () => {
    assert.equal(shortDigest(`sha256:${'0123456789abcdef'.repeat(4)}`), 'sha256:01234567…89abcdef');
    assert.equal(shortDigest('sha256:abc'), 'sha256:abc');
    assert.deepEqual([0, 1023, 1024, 1536, 5 * 1024 ** 3].map(formatSize), ['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '5.0 GiB']);
    assert.equal(formatSize(null), 'unknown');
  });

  test('decoded documents: the trust decision before the payload, deterministic text for a side-by-side view', () => {
    const key = generateKeyPair('P-256');
    const resources = [{ name: 'w.bin', algorithm: 'sha256', digest: sha('w') }];
    const st = buildStatement('m', resources, { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: ['model.sig'] });
    const bundle = signStatement(st, { kind: 'key', privateKey: createPrivateKey(key.privateKeyPem) });
    const side = decodeDocument(Buffer.from(bundle), origin('m/model.sig'), NO_TRUST)!;
    assert.equal(side.kind, 'model-signature');
    assert.equal(side.trust.state, 'not-checked');
    assert.deepEqual(side.files, [{ name: 'w.bin', algorithm: 'sha256', digest: `sha256:${sha('w')}`, size: null }]);
    const text = renderDecodedDocument(side);
    assert.equal(text, renderDecodedDocument(decodeDocument(Buffer.from(bundle), origin('m/model.sig'), NO_TRUST)!));
    const doc = JSON.parse(text);
    assert.deepEqual(Object.keys(doc), ['source', 'kind', 'envelope', 'trust', 'subject', 'statement']);
    assert.deepEqual(doc.statement, st);
    // A model file that is not JSON is not a document; a JSON file of no kind of ours is bad input.
    assert.equal(decodeDocument(Buffer.from([0x00, 0x01, 0xff]), origin('model.bin'), NO_TRUST), undefined);
    assert.throws(() => decodeDocument(Buffer.from('{"a":1}'), origin('x.json'), NO_TRUST), { code: 'DIFF_KIND_UNKNOWN' });
    assert.throws(() => decodeDocument(Buffer.from('{"a":1,"a":2}'), origin('model.sig'), NO_TRUST), { code: 'JSON_DUPLICATE_KEY' });
    assert.throws(() => compareSides(side, { ...side, kind: 'ml-attestation' }), { code: 'DIFF_KINDS_INCOMPATIBLE' });
  });

  test('every SARIF the project writes is valid SARIF 2.1.0 (manifest validate too)', () => {
    const log = JSON.parse(renderFindingsSarif([{ file: 'm.cdx.json', text: '{\n  "a": 1\n}\n', findings: [{ code: 'CDX_SCHEMA', severity: 'error', message: 'bad', offset: 4, length: 3, related: [{ message: 'here', offset: 0, length: 1 }] } as never] }]));
    assert.deepEqual(sarifErrors(log), []);
  });
});
