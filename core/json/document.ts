import { createScanner, parseTree, SyntaxKind, type Node } from 'jsonc-parser';
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
  const s = createScanner(text, true);
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

/**
 * Where a problem should be underlined, by what kind of problem it is: an unknown key
 * at the key, a missing key at the parent's key, a bad value at the value.
 */
export function rangeFor(tree: Node | undefined, pointer: string, kind: 'key' | 'parent-key' | 'value', key?: string): Located {
  const path = pointerSegments(pointer);
  if (kind === 'key' && key !== undefined) {
    const prop = propertyAt(tree, [...path, key]);
    const k = prop?.children?.[0];
    if (k) return { offset: k.offset, length: k.length };
  }
  if (kind === 'parent-key' || kind === 'key') {
    const prop = propertyAt(tree, path);
    const k = prop?.children?.[0];
    if (k) return { offset: k.offset, length: k.length };
    // An array element or the root: the opening bracket.
    const node = nodeAt(tree, path);
    if (node) return { offset: node.offset, length: 1 };
  }
  const node = nodeAt(tree, path);
  if (node) return { offset: node.offset, length: node.type === 'object' || node.type === 'array' ? 1 : node.length };
  return { offset: 0, length: 1 };
}
