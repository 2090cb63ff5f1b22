/**
 * Random edits and requests for fuzzing the language server, as plain data: fast-check
 * draws descriptors (fractions, choices, snippets) without knowing the documents; `plan`
 * turns one into concrete offsets on the text as it is when the edit is applied.
 */
import fc from 'fast-check';

/** Text to put in; `repeat` is materialised only when applied (huge strings, deep nesting). */
export type Content = { k: 'text'; s: string } | { k: 'repeat'; s: string; n: number; mid?: string; close?: string };

export type Garbage =
  | { g: 'chars'; s: string }
  | { g: 'bytes'; b: number[] }
  | { g: 'json'; mutation: Mutation; encoding: 'std' | 'url' | 'nopad' | 'spaced' }
  | { g: 'urlsafe' };

/** A mutation of a JSON text that usually keeps it JSON: a value replaced, a key duplicated, a snippet inserted. */
export type Mutation = { m: 'value'; pick: number; content: Content } | { m: 'dupKey'; pick: number; value: string } | { m: 'insert'; at: number; content: Content };

/** A whole new text: a document's original (another kind's, too), its DSSE envelope or statement alone, a stub, random JSON. */
export type DocText = { k: 'original' | 'envelope' | 'statement'; of: number } | { k: 'stub'; s: string } | { k: 'json'; s: string } | { k: 'content'; content: Content };

export type Edit =
  | { op: 'insert'; doc: number; at: number; content: Content; full: boolean }
  | { op: 'delete'; doc: number; at: number; len: number; full: boolean }
  | { op: 'replace'; doc: number; at: number; len: number; content: Content; full: boolean }
  | { op: 'multi'; doc: number; parts: { at: number; len: number; content: Content }[] }
  | { op: 'mutate'; doc: number; mutation: Mutation; full: boolean }
  | { op: 'payload'; doc: number; garbage: Garbage; full: boolean }
  | { op: 'document'; doc: number; text: DocText }
  | { op: 'reset'; doc: number }
  | { op: 'reopen'; doc: number };

export type Request =
  | { m: 'hover' | 'completion'; doc: number; at: number; beyond: boolean }
  | { m: 'codeLens' | 'documentSymbol' | 'status' | 'decodedPayload' | 'verify'; doc: number }
  | { m: 'codeAction'; doc: number; at: number; len: number; synthetic: SyntheticDiagnostic | null };

export interface SyntheticDiagnostic {
  code: string;
  pointer: string;
  missingProperty?: string;
  replacement?: string;
}

export interface Step {
  edit: Edit;
  request: Request | null;
  /** Wait for the server's diagnostics of this very version (so intermediate texts get analysed too). */
  wait: boolean;
}

/** One concrete change: replace [start, end) of the text it is applied to. */
export interface Splice {
  start: number;
  end: number;
  text: string;
}

/** What to send: a whole new text, or splices each computed on the text the previous ones left. */
export type Planned = { kind: 'full'; text: string } | { kind: 'splices'; splices: ((current: string) => Splice)[] };

/** A place in a text, as a fraction of its length: uniform, and now and then the very start or end. */
export const frac = fc.oneof({ weight: 9, arbitrary: fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((x) => x / 1_000_000) }, { weight: 1, arbitrary: fc.constantFrom(0, 0.999_999) });
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const control = fc.constantFrom(...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)), '\u007f', '\u0085', '\u2028', '\u2029', '\ufeff', '\u200b', '\ufffe', '\uffff');
const surrogatePair = fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c));

/** JSON tokens and fragments that break or bend a document in interesting ways. */
const TOKENS = [
  '{', '}', '[', ']', '"', ':', ',', '\\', '\\"', '\\u', '\\ud800', '\\udc00', '"\\ud83d\\ude00"', '"\\u0000"', 'null', 'true', 'false', '-', '0', '-0', '01', '1e309', '-1e309', '1e-400',
  '123456789012345678901234567890', '0.1e+999999999', 'NaN', 'Infinity', '/*', '*/', '//', '\n', '\r', '\r\n', '\t', ' ', '"a":1,', '"a":1,"a":2', ',,', '[,]', '{"":""}',
  '"bomFormat":"CycloneDX",', '"specVersion":"1.7",', '"$schema":"https://model-provenance.dev/schemas/provenance-policy/v1.json",', '"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",',
  '"payload":"', '"payloadType":"application/vnd.in-toto+json",', '"signatures":[],', '"_type":"https://in-toto.io/Statement/v1",', '"predicateType":"https://model_signing/signature/v1.0",',
  '"hashes":[{"alg":"SHA-256","content":"sha256:00"}]', '"components":[{}]', '"name":"../../../../etc/passwd"', '"publicKey":"/dev/zero"', '"stage":"vibes"', '"__proto__":{"x":1},', '"constructor":1,',
];

const snippet: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.oneof(loneSurrogate, surrogatePair, control), minLength: 1, maxLength: 6 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...TOKENS), { minLength: 2, maxLength: 10 }).map((a) => a.join('')) },
);

const SHAPES = ['[', '{"a":', '[{"k":', '{"a":['];
const closing = (shape: string): string => [...shape.replace(/"[a-z]":/g, '')].reverse().map((c) => (c === '[' ? ']' : '}')).join('');

/** A value nested n levels deep: valid JSON, deeper than any recursive walker can follow. */
const deepValue = (max: number): fc.Arbitrary<Content> =>
  fc.record({ n: fc.constantFrom(...[600, 5_000, 20_000, 100_000].filter((n) => n <= max)), shape: fc.constantFrom(...SHAPES) }).map(({ n, shape }): Content => ({ k: 'repeat', s: shape, n, mid: '0', close: closing(shape) }));

/** Deep nesting: an unbalanced prefix (`[`×n) or a balanced value n levels deep. */
const deep: fc.Arbitrary<Content> = fc.oneof(
  fc.record({ n: fc.constantFrom(600, 5_000, 20_000, 100_000), shape: fc.constantFrom(...SHAPES) }).map(({ n, shape }): Content => ({ k: 'repeat', s: shape, n })),
  deepValue(100_000),
);

/** Huge: 1–5 MB of one character in one edit (rare: the runner places a few of these). */
export const hugeContent: fc.Arbitrary<Content> = fc.record({ mb: fc.integer({ min: 1, max: 5 }), ch: fc.constantFrom('x', 'A', '"', '[', ' ', '\u00e9', '\ud83d\ude00', '\\') }).map(({ mb, ch }) => ({
  k: 'repeat' as const,
  s: ch,
  n: Math.floor((mb * 1024 * 1024) / ch.length),
}));

const content: fc.Arbitrary<Content> = fc.oneof({ weight: 40, arbitrary: snippet.map((s) => ({ k: 'text' as const, s })) }, { weight: 1, arbitrary: deep });

const len = fc.oneof({ weight: 5, arbitrary: fc.nat({ max: 8 }) }, { weight: 3, arbitrary: fc.nat({ max: 200 }) }, { weight: 1, arbitrary: fc.nat({ max: 5000 }) });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      m: fc.constant('value' as const),
      pick: frac,
      content: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('1e309', '-1e309', '1e-400', '-0', '123456789012345678901234567890', '0.30000000000000004', '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '""', '[]', '{}', 'null', 'true', '{"a":1,"a":2}', '"sha256:0"', '"1.7"', '"1.5"', '"CycloneDX"', '"file"', '"machine-learning-model"', '"fine-tuning"').map((s) => ({ k: 'text' as const, s })) },
        { weight: 3, arbitrary: fc.string({ unit: fc.oneof(loneSurrogate, surrogatePair, control, fc.constantFrom('"', '\\')), maxLength: 6 }).map((s) => ({ k: 'text' as const, s: `"${s}"` })) },
        { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ k: 'text' as const, s: JSON.stringify(v) ?? 'null' })) },
        { weight: 1, arbitrary: deep },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ m: fc.constant('dupKey' as const), pick: frac, value: fc.constantFrom('0', 'null', '"dup"', '{}', '[]', '1e309', '"\\ud800"') }) },
  { weight: 1, arbitrary: fc.record({ m: fc.constant('insert' as const), at: frac, content }) },
);

/**
 * Inside a signed payload, hostile values matter most: nesting there is not limited by
 * the document's depth check (20,000 levels is plenty deep, and keeps a payload < 200 kB).
 */
const payloadMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: mutation },
  { weight: 1, arbitrary: fc.record({ m: fc.constant('value' as const), pick: frac, content: deepValue(20_000) }) },
);

const garbage: fc.Arbitrary<Garbage> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\\'), maxLength: 300 }).map((s) => ({ g: 'chars' as const, s })) },
  { weight: 2, arbitrary: fc.array(fc.nat({ max: 255 }), { maxLength: 400 }).map((b) => ({ g: 'bytes' as const, b })) },
  { weight: 4, arbitrary: fc.record({ g: fc.constant('json' as const), mutation: payloadMutation, encoding: fc.constantFrom('std' as const, 'std' as const, 'url' as const, 'nopad' as const, 'spaced' as const) }) },
  { weight: 1, arbitrary: fc.constant({ g: 'urlsafe' as const }) },
);

const STUBS = [
  '', ' ', '{', '}', '[]', '{}', 'null', '0', '"', '\ufeff{}', '{}\u0000', '{"bomFormat":"CycloneDX"}', '{"bomFormat":"CycloneDX","specVersion":"1.6"}',
  '{"bomFormat":"CycloneDX","specVersion":"1.7","metadata":{"component":{"type":"machine-learning-model","name":"m","properties":[{"name":"model-provenance:model_path","value":"/"}]}},"components":[{},{}]}',
  '{"$schema":"https://model-provenance.dev/schemas/provenance-policy/v1.json","signers":{"a/b~c":{"publicKey":"../../../../../dev/null"}},"stages":{"vibes":{}}}',
  '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}',
  '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":""}},"dsseEnvelope":{"payload":"!!!","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":""}]}}',
  '{"payloadType":"application/vnd.in-toto+json","signatures":[],"payload":"e30="}',
  '{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://model-provenance.dev/ml-lifecycle/v1","externalParameters":{"stage":"vibes"}}}}',
  '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"zz"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{}}',
];

const docText: fc.Arbitrary<DocText> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('original' as const), of: fc.nat({ max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constantFrom('envelope' as const, 'statement' as const), of: fc.nat({ max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('stub' as const), s: fc.constantFrom(...STUBS) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('json' as const), s: fc.json({ maxDepth: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('content' as const), content }) },
);

/** An edit to one of `docs` documents. */
export function editArb(docs: number): fc.Arbitrary<Edit> {
  const doc = fc.nat({ max: docs - 1 });
  const full = fc.boolean();
  return fc.oneof(
    { weight: 14, arbitrary: fc.record({ op: fc.constant('insert' as const), doc, at: frac, content, full }) },
    { weight: 8, arbitrary: fc.record({ op: fc.constant('delete' as const), doc, at: frac, len, full }) },
    { weight: 8, arbitrary: fc.record({ op: fc.constant('replace' as const), doc, at: frac, len, content, full }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('multi' as const), doc, parts: fc.array(fc.record({ at: frac, len, content }), { minLength: 2, maxLength: 5 }) }) },
    { weight: 14, arbitrary: fc.record({ op: fc.constant('mutate' as const), doc, mutation, full }) },
    { weight: 12, arbitrary: fc.record({ op: fc.constant('payload' as const), doc, garbage, full }) },
    { weight: 8, arbitrary: fc.record({ op: fc.constant('document' as const), doc, text: docText }) },
    { weight: 8, arbitrary: fc.record({ op: fc.constant('reset' as const), doc }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const), doc }) },
  );
}

const synthetic: fc.Arbitrary<SyntheticDiagnostic> = fc.record(
  {
    code: fc.constantFrom('MLBOM_DIGEST_MISMATCH', 'MLBOM_ROOT_DIGEST_MISMATCH', 'MLBOM_HASH_PREFIXED', 'CDX_REQUIRED', 'SCHEMA_REQUIRED', 'MLBOM_NEEDS_PERSON', 'MLBOM_MODEL_CARD_MISSING', 'FILE_MODIFIED', 'SIGNATURE_INVALID', 'NOPE'),
    pointer: fc.constantFrom('', '/', '/metadata', '/metadata/component', '/components/0', '/components/99', '/signers', '/stages/fine-tuning', '/dsseEnvelope', '/a~1b/~0', '/0/0/0'),
    missingProperty: fc.constantFrom('name', 'type', 'hashes', 'a.b', '"', '\ud800', ''),
    replacement: fc.oneof(fc.constant('0'.repeat(64)), fc.string({ maxLength: 10 })),
  },
  { requiredKeys: ['code', 'pointer'] },
);

/** A request to one of `docs` documents. */
export function requestArb(docs: number): fc.Arbitrary<Request> {
  const doc = fc.nat({ max: docs - 1 });
  return fc.oneof(
    { weight: 50, arbitrary: fc.record({ m: fc.constantFrom('hover' as const, 'completion' as const), doc, at: frac, beyond: fc.constant(false) }) },
    { weight: 10, arbitrary: fc.record({ m: fc.constantFrom('hover' as const, 'completion' as const), doc, at: frac, beyond: fc.constant(true) }) },
    { weight: 20, arbitrary: fc.record({ m: fc.constantFrom('codeLens' as const, 'documentSymbol' as const), doc }) },
    { weight: 10, arbitrary: fc.record({ m: fc.constantFrom('status' as const, 'decodedPayload' as const), doc }) },
    { weight: 30, arbitrary: fc.record({ m: fc.constant('codeAction' as const), doc, at: frac, len, synthetic: fc.option(synthetic, { freq: 2 }) }) },
    { weight: 2, arbitrary: fc.record({ m: fc.constant('verify' as const), doc }) },
  );
}

/**
 * How often (%) the runner waits for the diagnostics of the version an edit made. The
 * server analyses a document once it has been left alone for a moment, so without
 * waits most intermediate texts are never analysed; structural edits, which reach
 * deep into the checks, are waited for more often than typing.
 */
const WAIT_PERCENT: Record<Edit['op'], number> = { payload: 30, document: 30, reopen: 50, mutate: 15, insert: 5, delete: 5, replace: 5, multi: 5, reset: 5 };

/** Whether an edit carries deep nesting or a huge string (those are always waited for). */
const hostile = (edit: Edit): boolean => JSON.stringify(edit).includes('"k":"repeat"');

/** An edit; about one time in five a request after it; sometimes a wait for its diagnostics. */
export function stepArb(docs: number): fc.Arbitrary<Step> {
  return editArb(docs).chain((edit) =>
    fc.record({
      edit: fc.constant(edit),
      request: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: requestArb(docs) }),
      wait: fc.noBias(fc.integer({ min: 0, max: 99 })).map((x) => hostile(edit) || x < WAIT_PERCENT[edit.op]),
    }),
  );
}

export function materialise(c: Content): string {
  if (c.k === 'text') return c.s;
  return c.s.repeat(c.n) + (c.mid ?? '') + (c.close ?? '').repeat(c.n);
}

/** Where `at` (a fraction) falls in a text of length `n`. */
const offset = (at: number, n: number): number => Math.min(n, Math.floor(at * (n + 1)));

const VALUE = /:\s*("(?:[^"\\\n]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/g;
const KEY = /"((?:[^"\\\n]|\\.)*)"\s*:/g;
const PAYLOAD = /"payload"\s*:\s*"([^"\\]*)"/;

/** The n-th match (by fraction) of a global regex, scanning at most `limit` matches. */
function pickMatch(re: RegExp, text: string, pick: number, limit = 20_000): RegExpExecArray | undefined {
  const found: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m && found.length < limit; m = re.exec(text)) found.push(m);
  return found.length ? found[Math.floor(pick * found.length)] : undefined;
}

/** A mutation as a splice of `text`. */
export function mutationSplice(mutation: Mutation, text: string): Splice {
  if (mutation.m === 'value') {
    const m = pickMatch(VALUE, text, mutation.pick);
    if (m) {
      const start = m.index + m[0].length - m[1]!.length;
      return { start, end: m.index + m[0].length, text: materialise(mutation.content) };
    }
    const at = offset(mutation.pick, text.length);
    return { start: at, end: at, text: materialise(mutation.content) };
  }
  if (mutation.m === 'dupKey') {
    const m = pickMatch(KEY, text, mutation.pick);
    if (m) return { start: m.index, end: m.index, text: `"${m[1]}": ${mutation.value}, ` };
    return { start: 0, end: 0, text: `{"k": 1, "k": ${mutation.value}}` };
  }
  const at = offset(mutation.at, text.length);
  return { start: at, end: at, text: materialise(mutation.content) };
}

function garbageText(g: Garbage, current: string): string {
  switch (g.g) {
    case 'chars':
      return g.s.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : c === '"' ? '=' : '\\\\'));
    case 'bytes':
      return Buffer.from(g.b).toString('base64');
    case 'urlsafe':
      return current.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    case 'json': {
      const statement = Buffer.from(current, 'base64').toString('utf8');
      const s = mutationSplice(g.mutation, statement);
      const mutated = statement.slice(0, s.start) + s.text + statement.slice(s.end);
      const b = Buffer.from(mutated, 'utf8');
      if (g.encoding === 'url') return b.toString('base64url');
      if (g.encoding === 'nopad') return b.toString('base64').replace(/=+$/, '');
      if (g.encoding === 'spaced') return b.toString('base64').replace(/(.{76})/g, '$1\\n');
      return b.toString('base64');
    }
  }
}

/** Turns an edit into what to send, on the text of its document now (`allowFull`: whether a splice may be sent as the whole new text). */
export function plan(edit: Exclude<Edit, { op: 'reopen' }>, text: string, originals: readonly string[], allowFull = true): Planned {
  const splice = (f: (current: string) => Splice): Planned => {
    if ('full' in edit && edit.full && allowFull) {
      const s = f(text);
      return { kind: 'full', text: text.slice(0, s.start) + s.text + text.slice(s.end) };
    }
    return { kind: 'splices', splices: [f] };
  };
  switch (edit.op) {
    case 'insert':
      return splice((t) => {
        const at = offset(edit.at, t.length);
        return { start: at, end: at, text: materialise(edit.content) };
      });
    case 'delete':
      return splice((t) => {
        const at = offset(edit.at, t.length);
        return { start: at, end: Math.min(t.length, at + edit.len), text: '' };
      });
    case 'replace':
      return splice((t) => {
        const at = offset(edit.at, t.length);
        return { start: at, end: Math.min(t.length, at + edit.len), text: materialise(edit.content) };
      });
    case 'multi':
      return {
        kind: 'splices',
        splices: edit.parts.map((p) => (t: string) => {
          const at = offset(p.at, t.length);
          return { start: at, end: Math.min(t.length, at + p.len), text: materialise(p.content) };
        }),
      };
    case 'mutate':
      return splice((t) => mutationSplice(edit.mutation, t));
    case 'payload':
      return splice((t) => {
        const m = PAYLOAD.exec(t);
        if (!m) {
          const at = t.indexOf('{') + 1;
          return { start: at, end: at, text: `"payload": "${garbageText(edit.garbage, '')}", ` };
        }
        const start = m.index + m[0].length - 1 - m[1]!.length;
        return { start, end: start + m[1]!.length, text: garbageText(edit.garbage, m[1]!) };
      });
    case 'document':
      return { kind: 'full', text: documentText(edit.text, originals) };
    case 'reset':
      return { kind: 'full', text: originals[edit.doc] ?? '' };
  }
}

function documentText(d: DocText, originals: readonly string[]): string {
  switch (d.k) {
    case 'original':
      return originals[d.of] ?? '';
    case 'envelope':
    case 'statement': {
      // From whichever original is a bundle (the attestation, the model signature); others stay as they are.
      const bundle = safeJson(originals[d.of] ?? '');
      const env = isRecord(bundle) && isRecord(bundle.dsseEnvelope) ? bundle.dsseEnvelope : undefined;
      if (!env || typeof env.payload !== 'string') return originals[d.of] ?? '';
      return d.k === 'envelope' ? JSON.stringify(env, null, 2) : JSON.stringify(safeJson(Buffer.from(env.payload, 'base64').toString('utf8')), null, 2);
    }
    case 'stub':
    case 'json':
      return d.s;
    case 'content':
      return materialise(d.content);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A one-line description of a step, for failure reports (no huge strings). */
export function describeStep(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v));
}
