import type * as Jinja from '@huggingface/jinja';
import { decodeJinjaString } from './jinja-string';

let jinja: typeof Jinja | undefined;
/** The Jinja lexer and parser, loaded on the first template: commands that never meet one do not pay for it at start-up. */
function lib(): typeof Jinja {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (jinja ??= require('@huggingface/jinja') as typeof Jinja);
}

/**
 * Chat-template checks: a template is read the way Jinja reads it, with a real Jinja lexer
 * and parser (@huggingface/jinja, the one Hugging Face's JavaScript stack renders chat
 * templates with), its string literals decoded as Jinja2 (Python) decodes them, and
 * attribute names computed from literals folded to the string they spell. The rules, and
 * what is dangerous as against suspicious, are in docs/model-inspection.md.
 */
export type TemplateFindingCode = 'CHAT_TEMPLATE_DANGEROUS' | 'CHAT_TEMPLATE_SUSPICIOUS' | 'CHAT_TEMPLATE_UNPARSEABLE';

/** One finding per code and template: the message names the first reasons, `reasons` holds them all (up to 32). */
export interface TemplateFinding {
  code: TemplateFindingCode;
  message: string;
  reasons: string[];
}

/**
 * Attribute names Jinja's sandbox refuses, or that only Python internals answer to: any
 * leading underscore (jinja2.sandbox.is_internal_attribute and is_safe_attribute), the
 * frame, code and generator internals, `mro`, and module functions that run commands.
 */
const UNSAFE_ATTRIBUTES = new Set([
  'mro', 'func_globals', 'func_code', 'func_closure', 'func_defaults', 'func_dict', 'f_globals', 'f_locals', 'f_builtins', 'f_back', 'f_code', 'f_trace',
  'gi_frame', 'gi_code', 'gi_yieldfrom', 'cr_frame', 'cr_code', 'cr_await', 'ag_frame', 'ag_code', 'ag_await', 'tb_frame', 'tb_next',
  'im_func', 'im_self', 'im_class', 'co_code', 'popen', 'getoutput', 'check_output', 'import_module', 'load_module',
]);
/** A dunder or a name-mangled private (`_TemplateReference__context`). */
const INTERNAL_NAME = /^__\w*__$|^_[A-Za-z0-9]+__[A-Za-z]\w*$/;
/** The same inside a longer string: a str.format field, a dotted path, a payload. */
const INTERNAL_IN_TEXT = /__[A-Za-z][A-Za-z0-9_]*__|_[A-Za-z0-9]+__[A-Za-z]\w*/;
/**
 * Free names that are template-injection entry points (the Jinja globals whose
 * `__init__.__globals__` reach `os`, Flask's `request` and `config`) or Python builtins and
 * modules that Jinja does not provide: chat templates have no use for any of them.
 */
const ENTRY_POINTS = new Set([
  'self', 'cycler', 'joiner', 'lipsum', 'request', 'config', 'url_for', 'get_flashed_messages',
  'os', 'sys', 'subprocess', 'builtins', 'importlib', 'eval', 'exec', 'getattr', 'setattr', 'open', 'compile', 'globals', 'locals', 'vars', 'breakpoint',
]);
/** Filters whose result is a string made from their input: in a name position, they build a name. */
const STRING_FILTERS = new Set(['join', 'format', 'replace', 'lower', 'upper', 'reverse', 'string', 'trim', 'first', 'last', 'list', 'capitalize', 'title', 'center', 'urlencode', 'e', 'escape', 'safe', 'forceescape', 'striptags', 'indent', 'wordwrap', 'truncate', 'tojson', 'sum', 'random', 'batch', 'slice']);
/** Filters that look attributes up by a name given as an argument: positional index, or the `attribute` keyword. */
const NAME_ARGUMENTS: Record<string, { positional?: number; keyword?: string }> = {
  attr: { positional: 0 },
  selectattr: { positional: 0 },
  rejectattr: { positional: 0 },
  groupby: { positional: 0, keyword: 'attribute' },
  map: { keyword: 'attribute' },
  sort: { keyword: 'attribute' },
  sum: { keyword: 'attribute' },
  unique: { keyword: 'attribute' },
  min: { keyword: 'attribute' },
  max: { keyword: 'attribute' },
  dictsort: {},
};

type Folded = string | number | Folded[] | undefined;
/** What a name resolves to: a constant, something built from strings at render time, or a plain value. */
type Binding = { k: 'const'; v: Folded } | { k: 'built' } | { k: 'plain' };

interface Node {
  type: string;
  [key: string]: unknown;
}

class Findings {
  private readonly reasons = new Map<TemplateFindingCode, string[]>();
  add(code: TemplateFindingCode, reason: string): void {
    const l = this.reasons.get(code) ?? [];
    if (!l.includes(reason) && l.length < 32) l.push(reason);
    this.reasons.set(code, l);
  }
  get list(): TemplateFinding[] {
    const lead: Record<TemplateFindingCode, string> = {
      CHAT_TEMPLATE_DANGEROUS: 'reaches for Python internals (template injection)',
      CHAT_TEMPLATE_SUSPICIOUS: 'could not be cleared',
      CHAT_TEMPLATE_UNPARSEABLE: 'is not a Jinja template this check can read',
    };
    return (Object.keys(lead) as TemplateFindingCode[])
      .filter((c) => this.reasons.has(c))
      .map((code) => {
        const reasons = this.reasons.get(code)!;
        const more = reasons.length > 3 ? ` (and ${reasons.length - 3} more)` : '';
        return { code, message: `${lead[code]}: ${reasons.slice(0, 3).join('; ')}${more}`, reasons };
      });
  }
}

/**
 * Checks one chat template. Returns at most one finding per code, dangerous first; none for a clean
 * template. Never throws: a template that cannot be tokenized or parsed is itself a finding.
 */
export function checkChatTemplate(source: string): TemplateFinding[] {
  const out = new Findings();
  const pre = prelex(source);
  for (const p of pre.problems) out.add('CHAT_TEMPLATE_UNPARSEABLE', p);
  // Checks on the decoded literals and the names in blocks do not need the parser, so a
  // template the parser refuses still shows what it reaches for.
  pre.literals.forEach((lit) => {
    if (lit.decoded === undefined) return;
    if (INTERNAL_IN_TEXT.test(lit.decoded)) out.add('CHAT_TEMPLATE_DANGEROUS', `string literal ${quote(lit.raw)} reads as ${quote(lit.decoded)}, which names Python internals`);
    if (lit.unresolved.length > 0) out.add('CHAT_TEMPLATE_SUSPICIOUS', `string literal ${quote(lit.raw)} uses \\N{${lit.unresolved[0]}}, a character name this check cannot resolve`);
  });
  for (const word of pre.names) checkName(word, out);

  let tokens: ReturnType<typeof Jinja.tokenize>;
  try {
    tokens = lib().tokenize(pre.source);
  } catch (err) {
    out.add('CHAT_TEMPLATE_UNPARSEABLE', `the template cannot be tokenized as Jinja: ${message(err)}`);
    return out.list;
  }
  const values = new Map<string, string | undefined>();
  let mapped = 0;
  for (const t of tokens) {
    if (t.type !== 'StringLiteral') continue;
    const m = pre.placeholder.exec(t.value);
    if (!m || m[0] !== t.value) {
      out.add('CHAT_TEMPLATE_UNPARSEABLE', 'the template cannot be tokenized consistently: a string literal the Jinja lexer found is not one Jinja2 finds');
      return out.list;
    }
    mapped++;
    values.set(t.value, pre.literals[Number(m[1])]!.decoded);
  }
  if (mapped !== pre.literals.length) out.add('CHAT_TEMPLATE_UNPARSEABLE', `the template cannot be tokenized consistently: ${pre.literals.length} string literal(s) by Jinja2's rules, ${mapped} by the lexer`);
  for (const t of tokens) if (t.type === 'Identifier') checkName(t.value, out);

  let program: Node;
  try {
    program = lib().parse(tokens) as unknown as Node;
  } catch (err) {
    out.add('CHAT_TEMPLATE_UNPARSEABLE', `the template cannot be parsed as Jinja: ${message(err)}`);
    return out.list;
  }
  try {
    new AstCheck(values, pre.placeholders, out).run(program);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    out.add('CHAT_TEMPLATE_UNPARSEABLE', 'the template nests too deeply to be checked');
  }
  return out.list;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 200);
const quote = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** A name token (identifier, attribute, keyword): dunders are dangerous, non-ASCII suspicious unless NFKC makes it dangerous. */
function checkName(word: string, out: Findings): void {
  if (/^[\x00-\x7f]*$/.test(word)) {
    if (INTERNAL_NAME.test(word)) out.add('CHAT_TEMPLATE_DANGEROUS', `the name ${word} is a Python internal`);
    return;
  }
  const nfkc = word.normalize('NFKC').replace(/[\u2017\u0332\u02cd\uff3f]/g, '_');
  if (INTERNAL_NAME.test(nfkc) || (nfkc.startsWith('_') && UNSAFE_ATTRIBUTES.has(nfkc.slice(1)))) {
    out.add('CHAT_TEMPLATE_DANGEROUS', `the name ${quote(word)} reads as ${nfkc} after Unicode normalisation (NFKC): a Python internal behind look-alike characters`);
  } else out.add('CHAT_TEMPLATE_SUSPICIOUS', `the name ${quote(word)} has non-ASCII characters (look-alikes of ${quote(nfkc)}?)`);
}

interface Literal {
  raw: string;
  decoded: string | undefined;
  unresolved: string[];
}

/**
 * Finds the string literals in the template's blocks as Jinja2's lexer does (a quote, then
 * characters or backslash escapes, then the same quote), decodes them as Jinja2 does, and
 * puts a placeholder in their place, so the Jinja lexer (which knows only \x and \u) sees
 * every literal and the checks see Jinja2's value. Also collects the words in blocks.
 */
const RAW_OPEN = /\{%[-+]?\s*raw\s*[-+]?%\}/y;
const RAW_CLOSE = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;

function prelex(source: string): { source: string; literals: Literal[]; names: string[]; problems: string[]; placeholder: RegExp; placeholders: RegExp } {
  let mark = 0xe000;
  while (source.includes(String.fromCharCode(mark)) && mark < 0xf8ff) mark++;
  const m = String.fromCharCode(mark);
  const literals: Literal[] = [];
  const names: string[] = [];
  const problems: string[] = [];
  let i = 0;
  const n = source.length;
  const OPEN = /\{[%{#]/g;
  const WORD = /[\p{L}\p{N}\p{M}\p{Pc}]+/uy;
  const parts: string[] = [];
  const emit = (x: string): void => {
    parts.push(x);
  };
  while (i < n) {
    OPEN.lastIndex = i;
    const found = OPEN.exec(source);
    if (!found) {
      emit(source.slice(i));
      break;
    }
    emit(source.slice(i, found.index));
    i = found.index;
    if (source[i + 1] === '#') {
      const end = source.indexOf('#}', i + 2);
      const stop = end < 0 ? n : end + 2;
      emit(source.slice(i, stop));
      i = stop;
      continue;
    }
    // {% raw %}…{% endraw %}: Jinja2 outputs the content as text and never evaluates it, so
    // nothing in it is a name or a literal (and the JS lexer, which has no raw, never sees it).
    RAW_OPEN.lastIndex = i;
    const raw = source[i + 1] === '%' ? RAW_OPEN.exec(source) : null;
    if (raw) {
      RAW_CLOSE.lastIndex = i + raw[0].length;
      const end = RAW_CLOSE.exec(source);
      if (!end) {
        problems.push('a {% raw %} block is not closed');
        i = n;
        break;
      }
      i = end.index + end[0].length;
      continue;
    }
    const closer = source[i + 1] === '%' ? '%}' : '}}';
    emit(source.slice(i, i + 2));
    i += 2;
    let depth = 0;
    while (i < n) {
      const c = source[i]!;
      if (c === '"' || c === "'") {
        let j = i + 1;
        while (j < n && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
        if (j >= n) {
          problems.push('a string literal is not closed');
          emit(source.slice(i));
          i = n;
          break;
        }
        const raw = source.slice(i + 1, j);
        const d = decodeJinjaString(raw);
        if (!d.ok) problems.push(`string literal ${quote(raw)} cannot be decoded as Jinja2 decodes it: ${d.error}`);
        literals.push({ raw, decoded: d.ok ? d.value : undefined, unresolved: d.ok ? d.unresolved : [] });
        emit(`"${m}${literals.length - 1}${m}"`);
        i = j + 1;
        continue;
      }
      if (source.startsWith(closer, i) && !(closer === '}}' && depth > 0)) {
        emit(closer);
        i += 2;
        break;
      }
      if (c === '{') depth++;
      else if (c === '}' && depth > 0) depth--;
      WORD.lastIndex = i;
      const w = WORD.exec(source);
      if (w) {
        names.push(w[0]);
        emit(w[0]);
        i += w[0].length;
        continue;
      }
      emit(c);
      i++;
    }
  }
  return {
    source: parts.join(''),
    literals,
    names,
    problems,
    placeholder: new RegExp(`^${m}(\\d+)${m}$`),
    // Adjacent literals ('__cla' 'ss__'): Jinja2 joins them into one, and so does the parser.
    placeholders: new RegExp(`^(?:${m}\\d+${m})+$`),
  };
}

/** Walks the parsed template: attribute names, subscripts, name-taking filters, str.format, free names. */
class AstCheck {
  private readonly bindings = new Map<string, Binding[]>();
  private readonly assigned = new Set<string>();

  constructor(
    private readonly strings: Map<string, string | undefined>,
    private readonly joined: RegExp,
    private readonly out: Findings,
  ) {}

  run(program: Node): void {
    this.collect(program);
    this.visit(program);
  }

  /** First pass: every name the template assigns (set, for, macro, call), and what it assigns. */
  private collect(node: unknown): void {
    if (!isNode(node)) {
      if (Array.isArray(node)) node.forEach((x) => this.collect(x));
      return;
    }
    switch (node.type) {
      case 'Set': {
        const target = node.assignee as Node;
        const key = this.pathOf(target);
        const value = node.value as Node | null;
        const binding: Binding = value ? this.bind(value) : this.blockBinding(node.body as Node[]);
        for (const name of this.targets(target)) this.assigned.add(name);
        if (key) this.bindings.set(key, [...(this.bindings.get(key) ?? []), binding]);
        // namespace(k=…) binds each keyword as an attribute: ns.k.
        const callee = value?.type === 'CallExpression' ? (value.callee as Node) : undefined;
        if (key && callee?.type === 'Identifier' && callee.value === 'namespace') {
          for (const a of value!.args as Node[]) {
            if (a.type !== 'KeywordArgumentExpression') continue;
            const attr = `${key}.${(a.key as Node).value as string}`;
            this.bindings.set(attr, [...(this.bindings.get(attr) ?? []), this.bind(a.value as Node)]);
          }
        }
        break;
      }
      case 'For':
        for (const name of this.targets(node.loopvar as Node)) {
          this.assigned.add(name);
          this.bindings.set(name, [...(this.bindings.get(name) ?? []), { k: 'plain' }]);
        }
        break;
      case 'Macro':
        this.assigned.add(((node.name as Node).value as string) ?? '');
        for (const a of node.args as Node[]) {
          const name = a.type === 'Identifier' ? (a.value as string) : a.type === 'KeywordArgumentExpression' ? ((a.key as Node).value as string) : undefined;
          if (name) this.assigned.add(name);
        }
        break;
      case 'CallStatement':
        for (const a of (node.callerArgs as Node[] | null) ?? []) if (a.type === 'Identifier') this.assigned.add(a.value as string);
        break;
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'type' && k !== 'operator') this.collect(v);
  }

  private targets(n: Node): string[] {
    if (n.type === 'Identifier') return [n.value as string];
    if (n.type === 'TupleLiteral' || n.type === 'ArrayLiteral') return (n.value as Node[]).flatMap((x) => this.targets(x));
    return [];
  }

  /** `ns.attr` and plain names, as binding keys. */
  private pathOf(n: Node): string | undefined {
    if (n.type === 'Identifier') return n.value as string;
    if (n.type === 'MemberExpression' && !n.computed) {
      const base = this.pathOf(n.object as Node);
      const prop = n.property as Node;
      return base && prop.type === 'Identifier' ? `${base}.${prop.value as string}` : undefined;
    }
    return undefined;
  }

  private bind(value: Node): Binding {
    const v = this.fold(value, 0);
    if (v !== undefined) return { k: 'const', v };
    return this.builds(value, 0) ? { k: 'built' } : { k: 'plain' };
  }

  /** `{% set x %}…{% endset %}`: its value is text; text naming internals is dangerous. */
  private blockBinding(body: Node[]): Binding {
    const texts = body.filter((b) => b.type === 'StringLiteral' && typeof b.value === 'string' && !this.strings.has(b.value as string));
    for (const t of texts) this.checkText(t.value as string, 'a set block');
    return { k: 'built' };
  }

  private checkText(text: string, where: string): void {
    if (INTERNAL_IN_TEXT.test(text)) this.out.add('CHAT_TEMPLATE_DANGEROUS', `${where} holds ${quote(text)}, which names Python internals`);
  }

  private lookup(key: string, depth: number): Binding | undefined {
    const bs = this.bindings.get(key);
    if (!bs || depth > 8) return undefined;
    if (bs.some((b) => b.k === 'built')) return { k: 'built' };
    const consts = bs.filter((b): b is { k: 'const'; v: Folded } => b.k === 'const');
    if (consts.length === bs.length && consts.every((c) => JSON.stringify(c.v) === JSON.stringify(consts[0]!.v))) return consts[0];
    return { k: 'plain' };
  }

  private str(n: Node): string | undefined {
    if (n.type !== 'StringLiteral') return undefined;
    const raw = n.value as string;
    // Placeholders carry the Jinja2-decoded value; text tokens (parsed as StringLiteral) are themselves.
    if (this.strings.has(raw)) return this.strings.get(raw);
    // Adjacent literals, which Jinja2's parser (and this one) concatenate into one string.
    if (this.joined.test(raw)) {
      const parts = raw.match(/(.)\d+\1/gu)!.map((p) => this.strings.get(p));
      return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
    }
    return raw;
  }

  /** The constant an expression spells, when it is built only from literals and constant names. */
  private fold(n: Node, depth: number): Folded {
    if (depth > 32) return undefined;
    switch (n.type) {
      case 'StringLiteral':
        return this.str(n);
      case 'IntegerLiteral':
      case 'FloatLiteral':
        return n.value as number;
      case 'ArrayLiteral':
      case 'TupleLiteral': {
        const items = (n.value as Node[]).map((x) => this.fold(x, depth + 1));
        return items.every((x) => x !== undefined) ? items : undefined;
      }
      case 'Identifier':
      case 'MemberExpression': {
        const key = this.pathOf(n);
        const b = key ? this.lookup(key, depth) : undefined;
        return b?.k === 'const' ? b.v : undefined;
      }
      case 'BinaryExpression': {
        const op = (n.operator as { value: string }).value;
        const l = this.fold(n.left as Node, depth + 1);
        const r = this.fold(n.right as Node, depth + 1);
        if (l === undefined || r === undefined) return undefined;
        if (op === '~') return flat(l) + flat(r);
        if (op === '+') return typeof l === 'number' && typeof r === 'number' ? l + r : typeof l === 'string' && typeof r === 'string' ? l + r : Array.isArray(l) && Array.isArray(r) ? [...l, ...r] : undefined;
        if (op === '*') return typeof l === 'string' && typeof r === 'number' ? l.repeat(Math.max(0, Math.min(r, 1024))) : typeof l === 'number' && typeof r === 'string' ? r.repeat(Math.max(0, Math.min(l, 1024))) : typeof l === 'number' && typeof r === 'number' ? l * r : undefined;
        if (op === '%' && typeof l === 'string') return printf(l, Array.isArray(r) ? r : [r]);
        return undefined;
      }
      case 'FilterExpression': {
        const operand = this.fold(n.operand as Node, depth + 1);
        const f = n.filter as Node;
        const name = f.type === 'Identifier' ? (f.value as string) : ((f.callee as Node).value as string);
        const args = f.type === 'CallExpression' ? (f.args as Node[]).filter((a) => a.type !== 'KeywordArgumentExpression').map((a) => this.fold(a, depth + 1)) : [];
        if (operand === undefined || args.some((a) => a === undefined)) return undefined;
        return applyFilter(name, operand, args);
      }
      case 'CallExpression': {
        // Python str methods on a constant: '_'.join([...]), 'x'.replace(…), '{}'.format(…), 'A'.lower().
        const callee = n.callee as Node;
        if (callee.type !== 'MemberExpression' || callee.computed) return undefined;
        const recv = this.fold(callee.object as Node, depth + 1);
        const method = (callee.property as Node).value as string;
        const args = (n.args as Node[]).map((a) => this.fold(a, depth + 1));
        if (typeof recv !== 'string' || args.some((a) => a === undefined)) return undefined;
        if (method === 'join' && Array.isArray(args[0])) return args[0].map(flat).join(recv);
        if (method === 'format') return recv.replace(/\{(\d*)\}/g, (_, k: string) => flat(args[k === '' ? 0 : Number(k)]));
        return applyFilter(method, recv, args);
      }
      default:
        return undefined;
    }
  }

  /** Whether an expression makes a string at render time (from literals, ~, string filters, calls, or names bound to such). */
  private builds(n: Node, depth: number): boolean {
    if (depth > 32) return true;
    switch (n.type) {
      case 'StringLiteral':
        return true;
      case 'Identifier':
      case 'MemberExpression': {
        const key = this.pathOf(n);
        if (key) return this.lookup(key, depth)?.k === 'built';
        return n.type === 'MemberExpression' && (n.computed as boolean) && this.builds(n.property as Node, depth + 1);
      }
      case 'BinaryExpression': {
        const op = (n.operator as { value: string }).value;
        if (op === '~') return true;
        return ['+', '*', '%'].includes(op) && (this.builds(n.left as Node, depth + 1) || this.builds(n.right as Node, depth + 1));
      }
      case 'FilterExpression': {
        const f = n.filter as Node;
        const name = f.type === 'Identifier' ? (f.value as string) : ((f.callee as Node).value as string);
        return STRING_FILTERS.has(name) || this.builds(n.operand as Node, depth + 1);
      }
      case 'CallExpression':
        return true;
      case 'Ternary':
        return this.builds(n.trueExpr as Node, depth + 1) || this.builds(n.falseExpr as Node, depth + 1);
      case 'ArrayLiteral':
      case 'TupleLiteral':
        return (n.value as Node[]).some((x) => this.builds(x, depth + 1));
      default:
        return false;
    }
  }

  /** An expression used as an attribute name: a constant is checked, one built at render time is suspicious. */
  private nameExpression(n: Node, where: string, alwaysSuspicious = false): void {
    const v = this.fold(n, 0);
    if (typeof v === 'string') {
      const bad = v.split('.').find((seg) => seg.startsWith('_') || UNSAFE_ATTRIBUTES.has(seg) || INTERNAL_NAME.test(seg));
      if (bad !== undefined) this.out.add('CHAT_TEMPLATE_DANGEROUS', `${where} is ${quote(v)}, a Python internal`);
      else if (!/^[\x00-\x7f]*$/.test(v)) this.out.add('CHAT_TEMPLATE_SUSPICIOUS', `${where} is ${quote(v)}, with non-ASCII characters`);
      return;
    }
    if (v !== undefined) return;
    if (alwaysSuspicious || this.builds(n, 0)) this.out.add('CHAT_TEMPLATE_SUSPICIOUS', `${where} is built at render time and cannot be checked`);
  }

  private visit(node: unknown, parent?: Node, field?: string): void {
    if (!isNode(node)) {
      if (Array.isArray(node)) node.forEach((x) => this.visit(x, parent, field));
      return;
    }
    switch (node.type) {
      case 'MemberExpression': {
        const prop = node.property as Node;
        if (!node.computed && prop.type === 'Identifier') {
          const name = prop.value as string;
          if (name.startsWith('_') || UNSAFE_ATTRIBUTES.has(name)) this.out.add('CHAT_TEMPLATE_DANGEROUS', `the attribute .${name} is a Python internal`);
        } else if (node.computed && prop.type !== 'SliceExpression') {
          // Jinja's subscript falls back to getattr for a string key: x['__class__'] is x.__class__.
          this.nameExpression(prop, 'a subscript key');
        }
        break;
      }
      case 'FilterExpression':
      case 'FilterStatement':
        this.filter(node.filter as Node);
        break;
      case 'CallExpression': {
        const callee = node.callee as Node;
        if (callee.type === 'MemberExpression' && !callee.computed && ['format', 'format_map'].includes((callee.property as Node).value as string)) {
          // str.format reads attributes named in its fields: '{0.__class__}'.format(x).
          const recv = this.fold(callee.object as Node, 0);
          if (typeof recv === 'string') {
            const field = /\{[^{}]*[.[][^{}]*\}/.exec(recv);
            if (field && INTERNAL_IN_TEXT.test(field[0])) this.out.add('CHAT_TEMPLATE_DANGEROUS', `str.format field ${quote(field[0])} names Python internals`);
          } else if (this.builds(callee.object as Node, 0)) this.out.add('CHAT_TEMPLATE_SUSPICIOUS', 'str.format is called on a format string built at render time');
        }
        break;
      }
      case 'Identifier': {
        const name = node.value as string;
        const position = parent ? `${parent.type}.${field}` : '';
        const loads = !['MemberExpression.property', 'KeywordArgumentExpression.key', 'FilterExpression.filter', 'FilterStatement.filter', 'TestExpression.test', 'Macro.name'].includes(position);
        if (loads && ENTRY_POINTS.has(name) && !this.assigned.has(name)) {
          this.out.add('CHAT_TEMPLATE_SUSPICIOUS', `the template uses ${name}, a template-injection entry point or Python name chat templates have no use for`);
        }
        break;
      }
      case 'Macro':
        for (const b of node.body as Node[]) if (b.type === 'StringLiteral' && !this.strings.has(b.value as string)) this.checkText(b.value as string, 'a macro body');
        break;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === 'type' || k === 'operator') continue;
      // A filter given by name (FilterExpression.filter, a call's callee inside it) is not a variable.
      if ((node.type === 'FilterExpression' || node.type === 'FilterStatement') && k === 'filter') {
        const f = v as Node;
        if (f.type === 'CallExpression') this.visit(f.args, f, 'args');
        continue;
      }
      this.visit(v, node, k);
    }
  }

  private filter(f: Node): void {
    const name = f.type === 'Identifier' ? (f.value as string) : ((f.callee as Node)?.value as string);
    const spec = NAME_ARGUMENTS[name];
    if (!spec || f.type !== 'CallExpression') {
      if (name === 'attr') this.out.add('CHAT_TEMPLATE_SUSPICIOUS', 'the attr filter is used without a name');
      return;
    }
    const args = f.args as Node[];
    const positional = args.filter((a) => a.type !== 'KeywordArgumentExpression');
    const keyword = args.filter((a) => a.type === 'KeywordArgumentExpression');
    if (spec.positional !== undefined && positional[spec.positional]) this.nameExpression(positional[spec.positional]!, `the name given to |${name}`, name === 'attr');
    if (spec.keyword) {
      const kw = keyword.find((a) => (a.key as Node).value === spec.keyword);
      if (kw) this.nameExpression(kw.value as Node, `the ${spec.keyword}= of |${name}`);
    }
    // map('attr', name) applies the attr filter to each item.
    if (name === 'map' && positional[0] && this.fold(positional[0], 0) === 'attr' && positional[1]) this.nameExpression(positional[1], 'the name given to |map(\'attr\')', true);
  }
}

function isNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as Node).type === 'string';
}

function flat(v: Folded): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return `[${v.map(flat).join(', ')}]`;
  return String(v);
}

/** The string filters and str methods that fold: enough to follow how a name is spelled. */
function applyFilter(name: string, v: Folded, args: Folded[]): Folded {
  const s = typeof v === 'string' ? v : undefined;
  switch (name) {
    case 'join':
      return Array.isArray(v) ? v.map(flat).join(typeof args[0] === 'string' ? args[0] : '') : s !== undefined ? [...s].join(typeof args[0] === 'string' ? args[0] : '') : undefined;
    case 'format':
      return s !== undefined ? printf(s, args) : undefined;
    case 'replace':
      return s !== undefined && typeof args[0] === 'string' && typeof args[1] === 'string' ? s.split(args[0]).join(args[1]) : undefined;
    case 'lower':
      return s?.toLowerCase();
    case 'upper':
      return s?.toUpperCase();
    case 'reverse':
      return s !== undefined ? [...s].reverse().join('') : Array.isArray(v) ? [...v].reverse() : undefined;
    case 'string':
      return flat(v);
    case 'trim':
    case 'strip':
      return s?.trim();
    case 'first':
      return s !== undefined ? s[0] : Array.isArray(v) ? v[0] : undefined;
    case 'last':
      return s !== undefined ? s[s.length - 1] : Array.isArray(v) ? v[v.length - 1] : undefined;
    case 'list':
      return s !== undefined ? [...s] : Array.isArray(v) ? v : undefined;
    case 'capitalize':
      return s !== undefined ? s.charAt(0).toUpperCase() + s.slice(1).toLowerCase() : undefined;
    default:
      return undefined;
  }
}

/** Python %-formatting, for the conversions that spell names: %s %r %c %d %i %x %o %%. */
function printf(fmt: string, args: Folded[]): string | undefined {
  let k = 0;
  let failed = false;
  const out = fmt.replace(/%([srcdixo%])/g, (_, c: string) => {
    if (c === '%') return '%';
    const a = args[k++];
    if (a === undefined) {
      failed = true;
      return '';
    }
    if (c === 'c') return typeof a === 'number' ? String.fromCodePoint(Math.max(0, Math.min(a, 0x10ffff))) : flat(a);
    if (c === 'x') return typeof a === 'number' ? a.toString(16) : flat(a);
    if (c === 'o') return typeof a === 'number' ? a.toString(8) : flat(a);
    return flat(a);
  });
  return failed ? undefined : out;
}

/**
 * Checks a template and turns its findings into inspection findings for `sink`, each
 * message naming where the template was found (`what`: a GGUF key, a JSON key, a file).
 */
export function reportChatTemplate(
  text: string,
  what: string,
  add: (code: TemplateFindingCode, message: string, reasons: string[]) => void,
): void {
  for (const f of checkChatTemplate(text)) add(f.code, `${what} ${f.message}`, f.reasons);
}
