import { createHash } from 'node:crypto';
import { parseStrictJson } from '../io/json';
import { reportChatTemplate } from './chat-template';
import type { FindingSink } from './codes';
import { Malformed, type ByteSource } from './source';
import type { ChatTemplateDetails, ChatTemplateSummary } from './types';

/** JSON configs that carry chat templates (`chat_template`), as transformers saves them. */
const TEMPLATE_CONFIGS = new Set(['tokenizer_config.json', 'chat_template.json', 'processor_config.json']);
/** Configs are small; a bigger one is not read. */
const MAX_CONFIG = 16 * 1024 * 1024;

/** Whether a file (by its name) holds chat templates: a Jinja file, or a config that carries them. */
export function templateFile(name: string): 'jinja' | 'config' | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  if (/\.(jinja|jinja2|j2)$/.test(base)) return 'jinja';
  if (TEMPLATE_CONFIGS.has(base)) return 'config';
  return undefined;
}

/**
 * The chat templates of a `*.jinja` file (the whole file; transformers writes
 * `chat_template.jinja` and `additional_chat_templates/NAME.jinja`) or of a config's
 * `chat_template` (a string, a list of `{name, template}`, or an object of name → template),
 * each checked as Jinja reads it. Undefined when a config holds none.
 */
export function inspectTemplateFile(src: ByteSource, sink: FindingSink, name: string, maxTemplateBytes: number): ChatTemplateDetails | undefined {
  const kind = templateFile(name);
  const base = name.slice(name.lastIndexOf('/') + 1);
  const templates: ChatTemplateSummary[] = [];
  const check = (key: string, text: string): void => {
    const bytes = Buffer.byteLength(text, 'utf8');
    templates.push({ key, sha256: createHash('sha256').update(text, 'utf8').digest('hex'), length: bytes });
    if (bytes > maxTemplateBytes) sink.add('INSPECTION_LIMIT', `${key} is ${bytes} bytes, over the ${maxTemplateBytes}-byte limit for checking a chat template`, { data: { key } });
    else reportChatTemplate(text, key, (code, message, reasons) => sink.add(code, message, { data: { key, reasons } }));
  };
  if (kind === 'jinja') {
    if (src.size > maxTemplateBytes) throw new Malformed('INSPECTION_LIMIT', `${base} is ${src.size} bytes, over the ${maxTemplateBytes}-byte limit for checking a chat template`);
    check(base, src.read(0, src.size).toString('utf8'));
    return { kind: 'chat-template', templates };
  }
  if (src.size > MAX_CONFIG) throw new Malformed('INSPECTION_LIMIT', `${base} is over ${MAX_CONFIG} bytes; its chat templates were not checked`);
  const text = src.read(0, src.size).toString('utf8');
  if (!text.includes('chat_template')) return undefined;
  let doc: unknown;
  try {
    // Python's json (what transformers reads it with) keeps the last of duplicate keys, as JSON.parse does.
    doc = JSON.parse(text);
  } catch (err) {
    sink.add('CONFIG_INVALID', `${base} could not be read as JSON: ${(err as Error).message}`);
    return undefined;
  }
  try {
    parseStrictJson(text, base);
  } catch (err) {
    // Parsers that keep the first duplicate would see another template than the one checked.
    if ((err as { code?: string }).code === 'JSON_DUPLICATE_KEY') sink.add('CHAT_TEMPLATE_SUSPICIOUS', `${base} repeats a key (${(err as Error).message}): JSON readers disagree on which value applies`);
  }
  const t = (doc as Record<string, unknown> | null)?.chat_template;
  if (typeof t === 'string') check(`${base} chat_template`, t);
  else if (Array.isArray(t)) {
    t.forEach((x, i) => {
      const rec = x as Record<string, unknown> | null;
      if (typeof rec?.template === 'string') check(`${base} chat_template[${typeof rec.name === 'string' ? rec.name : i}]`, rec.template);
    });
  } else if (t && typeof t === 'object') {
    for (const [k, v] of Object.entries(t)) if (typeof v === 'string') check(`${base} chat_template.${k}`, v);
  }
  return templates.length > 0 ? { kind: 'chat-template', templates } : undefined;
}
