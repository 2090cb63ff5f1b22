import { parseTree, SyntaxKind, type Node } from 'jsonc-parser';
import { createJsonScanner } from './scanner';
import { JsonError, parseStrictJsonWithStructure, type scanStructure } from '../io/json';

/** A problem located by UTF-16 offset and length; line and column are computed at the edge. */
export interface Located {
  offset: number;
  length: number;
}

export interface JsonDocument {
  text: string;
  /** The value as JSON.parse gives it (plain objects: ajv's deep-equal needs prototypes). */
  value?: unknown;
  /** The jsonc-parser tree, for offsets only; built on first use (most edits of a big BOM never need it). */
  readonly tree?: Node;
  /** Parse problems: JSON_MALFORMED, JSON_DUPLICATE_KEY, JSON_TOO_DEEP. */
  errors: (Located & { code: string; message: string })[];
}

export const MAX_DEPTH = 512;

/**
 * Parses once for both faces: the value for validation, the tree for ranges. Hostile
 * nesting is measured iteratively before the (recursive) tree parser runs.
 */
export function parseJsonDocument(text: string, file: string): JsonDocument {
  const errors: JsonDocument['errors'] = [];
  let value: unknown;
  let parsed = false;
  let structure: ReturnType<typeof scanStructure> | undefined;
  try {
    ({ value, structure } = parseStrictJsonWithStructure(text, file));
    parsed = true;
  } catch (err) {
    if (!(err instanceof JsonError)) throw err;
    errors.push({ code: err.code, message: err.message.replace(/ at line \d+ column \d+/, ''), offset: err.offset, length: 1 });
  }
  // The tree parser recurses: hostile nesting is measured first, without recursion.
  const depth = structure ?? maxDepth(text);
  const tooDeep = ('maxDepth' in depth ? depth.maxDepth : depth.depth) > MAX_DEPTH;
  if (tooDeep) {
    return { text, errors: [{ code: 'JSON_TOO_DEEP', message: `nesting deeper than ${MAX_DEPTH} levels`, offset: 'depthOffset' in depth ? depth.depthOffset : depth.offset, length: 1 }] };
  }
  let tree: Node | undefined;
  let built = false;
  return {
    text,
    errors,
    ...(parsed ? { value } : {}),
    get tree(): Node | undefined {
      if (!built) {
        built = true;
        tree = parseTree(text, [], { disallowComments: true, allowTrailingComma: false }) ?? undefined;
      }
      return tree;
    },
  };
}

function maxDepth(text: string): { depth: number; offset: number } {
  const s = createJsonScanner(text, true);
  let depth = 0;
  let max = 0;
  let at = 0;
  for (let k = s.scan(); k !== SyntaxKind.EOF; k = s.scan()) {
    if (k === SyntaxKind.OpenBraceToken || k === SyntaxKind.OpenBracketToken) {
      depth++;
      if (depth > max) {
        max = depth;
        at = s.getTokenOffset();
        if (max > MAX_DEPTH) break;
      }
    } else if (k === SyntaxKind.CloseBraceToken || k === SyntaxKind.CloseBracketToken) depth--;
  }
  return { depth: max, offset: at };
}

/** RFC 6901 pointer to path segments (numbers for array indices). */
export function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

/** The node at a path, walking the tree without recursion. */
export function nodeAt(tree: Node | undefined, path: (string | number)[]): Node | undefined {
  let node = tree;
  for (const seg of path) {
    if (!node) return undefined;
    if (node.type === 'object' && typeof seg === 'string') {
      const prop = node.children?.find((p) => p.children?.[0]?.value === seg);
      node = prop?.children?.[1];
    } else if (node.type === 'array' && typeof seg === 'number') {
      node = node.children?.[seg];
    } else {
      return undefined;
    }
  }
  return node;
}

/** The property node (key + value) that holds the value at `path`. */
export function propertyAt(tree: Node | undefined, path: (string | number)[]): Node | undefined {
  const value = nodeAt(tree, path);
  return value?.parent?.type === 'property' ? value.parent : undefined;
}

/** Start and end offsets of a value and, when it is a property, of its key. */
interface Span {
  valueStart: number;
  valueEnd: number;
  keyStart?: number;
  keyEnd?: number;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Finds the value at a path by skimming the text (no tree): for the first few findings
 * of a big document this is much cheaper than building the whole offset tree. Only for
 * text that parsed; returns undefined when the path is not there.
 */
export function locate(text: string, path: (string | number)[]): Span | undefined {
  const n = text.length;
  const ws = (i: number): number => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
    return i;
  };
  const endOfString = (i: number): number => {
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) i++;
      else if (c === 0x22) return i + 1;
    }
    return n;
  };
  const endOfValue = (i: number): number => {
    const c = text.charCodeAt(i);
    if (c === 0x22) return endOfString(i);
    if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x22) i = endOfString(i) - 1;
        else if (d === 0x7b || d === 0x5b) depth++;
        else if (d === 0x7d || d === 0x5d) {
          depth--;
          if (depth === 0) return i + 1;
        }
      }
      return n;
    }
    while (i < n && !WS.has(text.charCodeAt(i)) && ![0x2c, 0x7d, 0x5d].includes(text.charCodeAt(i))) i++;
    return i;
  };
  let i = ws(0);
  let keyStart: number | undefined;
  let keyEnd: number | undefined;
  for (const seg of path) {
    const c = text.charCodeAt(i);
    keyStart = keyEnd = undefined;
    if (typeof seg === 'string' && c === 0x7b) {
      i = ws(i + 1);
      let found = false;
      while (i < n && text.charCodeAt(i) === 0x22) {
        const ks = i;
        const ke = endOfString(i);
        const raw = text.slice(ks + 1, ke - 1);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(ks, ke)) as string) : raw;
        i = ws(ke);
        i = ws(i + 1); // the colon
        if (key === seg) {
          keyStart = ks;
          keyEnd = ke;
          found = true;
          break;
        }
        i = ws(endOfValue(i));
        if (text.charCodeAt(i) !== 0x2c) return undefined;
        i = ws(i + 1);
      }
      if (!found) return undefined;
    } else if (typeof seg === 'number' && c === 0x5b) {
      i = ws(i + 1);
      for (let k = 0; k < seg; k++) {
        if (text.charCodeAt(i) === 0x5d) return undefined;
        i = ws(endOfValue(i));
        if (text.charCodeAt(i) !== 0x2c) return undefined;
        i = ws(i + 1);
      }
      if (text.charCodeAt(i) === 0x5d) return undefined;
    } else {
      return undefined;
    }
  }
  return { valueStart: i, valueEnd: endOfValue(i), ...(keyStart !== undefined ? { keyStart, keyEnd } : {}) };
}

/** Lookups by skimming before the tree is worth building. */
const SKIM_LIMIT = 8;
const skims = new WeakMap<JsonDocument, number>();

function spanAt(doc: JsonDocument, path: (string | number)[]): Span | undefined {
  const used = skims.get(doc) ?? 0;
  if (doc.value !== undefined && used < SKIM_LIMIT) {
    skims.set(doc, used + 1);
    return locate(doc.text, path);
  }
  const node = nodeAt(doc.tree, path);
  if (!node) return undefined;
  const key = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
  return { valueStart: node.offset, valueEnd: node.offset + node.length, ...(key ? { keyStart: key.offset, keyEnd: key.offset + key.length } : {}) };
}

/**
 * Where a problem should be underlined, by what kind of problem it is: an unknown key
 * at the key, a missing key at the parent's key, a bad value at the value.
 */
export function rangeFor(doc: JsonDocument, pointer: string, kind: 'key' | 'parent-key' | 'value', key?: string): Located {
  const path = pointerSegments(pointer);
  const compound = (s: Span): boolean => [0x7b, 0x5b].includes(doc.text.charCodeAt(s.valueStart));
  if (kind === 'key' && key !== undefined) {
    const s = spanAt(doc, [...path, key]);
    if (s?.keyStart !== undefined) return { offset: s.keyStart, length: s.keyEnd! - s.keyStart };
  }
  const s = spanAt(doc, path);
  if (!s) return { offset: 0, length: 1 };
  if ((kind === 'parent-key' || kind === 'key') && s.keyStart !== undefined) return { offset: s.keyStart, length: s.keyEnd! - s.keyStart };
  if (kind !== 'value') return { offset: s.valueStart, length: 1 };
  return { offset: s.valueStart, length: compound(s) ? 1 : s.valueEnd - s.valueStart };
}
