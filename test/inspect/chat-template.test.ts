/**
 * Chat templates read as Jinja reads them (CVE-2024-34359's class): escapes decoded,
 * names folded, the benign templates of real models clean.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkChatTemplate, decodeJinjaString, inspectFile, inspectModel, type ChatTemplateDetails } from '../../core/inspect';
import { makeModel, runCli, tempDir } from '../helpers/fixtures';
import { gguf, safetensors } from './builders';

const codes = (t: string): string[] => checkChatTemplate(t).map((f) => f.code);
const reasons = (t: string): string[] => checkChatTemplate(t).flatMap((f) => f.reasons);

/** Realistic templates, written after the ones these model families ship. */
const BENIGN: Record<string, string> = {
  'Llama 3': `{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}`,
  'Llama 3.1 with tools': `{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}
        {%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}
        {%- set date_string = "26 Jul 2024" %}
    {%- endif %}
{%- endif %}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{{- "Today Date: " + date_string + "\\n\\n" }}
{{- system_message }}
{{- "<|eot_id|>" }}
{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- set tool_call = message.tool_calls[0].function %}
        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
        {{- '{"name": "' + tool_call.name + '", ' }}
        {{- '"parameters": ' }}
        {{- tool_call.arguments | tojson }}
        {{- "}" }}
        {{- "<|eot_id|>" }}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
`,
  'ChatML (Qwen 2.5 with tools)': `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\\n<tool_call>\\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
`,
  'Mistral': `{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}`,
  'Gemma': `{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}`,
  'DeepSeek (namespace, full-width bars)': `{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set ns = namespace(is_first=false, is_tool=false, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor %}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜>'}}{% endif %}`,
  'a {% raw %} block that shows Jinja syntax (output as text, never evaluated)': "{%- raw -%}Call tools as {{ tool.__name__ }}({{ args }}){%- endraw -%}{% for m in messages %}{{ m['content'] }}{% endfor %}",
  'Phi 3 with a macro': `{%- macro render(content) -%}{%- if content is string -%}{{ content }}{%- else -%}{%- for item in content -%}{%- if item['type'] == 'text' -%}{{ item['text'] }}{%- endif -%}{%- endfor -%}{%- endif -%}{%- endmacro -%}{% for message in messages %}{{'<|' + message['role'] + '|>\\n' + render(message['content']) + '<|end|>\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}`,
};

/** Payloads that reach Python internals, in the spellings that escaped the old regex. */
const DANGEROUS: Record<string, string> = {
  'the classic cycler chain': "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
  '\\x5f escapes': "{{ x|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
  '\\X5F (upper-case hex)': "{{ x|attr('\\x5F\\x5Fclass\\x5F\\x5F') }}",
  '\\u005f escapes': "{{ x|attr('\\u005f\\u005fclass\\u005f\\u005f') }}",
  '\\U0000005f escapes': "{{ x|attr('\\U0000005f\\U0000005fclass\\U0000005f\\U0000005f') }}",
  '\\137 octal escapes': "{{ x|attr('\\137\\137class\\137\\137') }}",
  '\\N{LOW LINE} names (any case)': "{{ x|attr('\\N{LOW LINE}\\N{low line}class\\N{Low Line}\\N{LOW LINE}') }}",
  'letters spelt with \\N{…}': "{{ x['__\\N{LATIN SMALL LETTER C}lass__'] }}",
  'concatenation with ~': "{{ x['_' ~ '_class__'] }}",
  'concatenation with +': "{{ x|attr('__cla' + 'ss__') }}",
  'adjacent literals (Jinja2 joins them)': "{{ x['__cla' 'ss__'] }}",
  'adjacent literals, mixed quotes and escapes, in |attr': "{{ x|attr('\\x5f_cla' \"ss\" '_\\137') }}",
  'code after a {% raw %} block': "{% raw %}{{ x }}{% endraw %}{{ x.__class__ }}",
  'adjacent literals bound with set': "{% set k = '__cla' 'ss__' %}{{ x|attr(k) }}",
  'repetition': "{{ x|attr('_' * 2 ~ 'class' ~ '_' * 2) }}",
  'a constant bound with set': "{% set u = '_' %}{% set k = u ~ u ~ 'class' ~ u ~ u %}{{ x|attr(k) }}",
  'a namespace attribute': "{% set ns = namespace(k='__') %}{{ x[ns.k ~ 'class' ~ ns.k] }}",
  '|join': "{{ x|attr(['_','_','class','_','_']|join) }}",
  '|join with a separator': "{{ x|attr(['','class',''] | join('__')) }}",
  '|format with %c': "{{ x|attr('%c%cclass%c%c'|format(95, 95, 95, 95)) }}",
  '% formatting': "{{ x|attr('%s%sclass%s%s' % ('_', '_', '_', '_')) }}",
  '|replace': "{{ x|attr('XXclassXX'|replace('X', '_')) }}",
  '|reverse': "{{ x|attr('__ssalc__'|reverse) }}",
  '|lower': "{{ x|attr('__CLASS__'|lower) }}",
  'str.join method': "{{ x|attr('_'.join(['', '', 'class', '', ''])) }}",
  'str.format field': "{{ '{0.__class__.__mro__}'.format(x) }}",
  'map(attribute=)': "{{ messages|map(attribute='__class__')|list }}",
  "map('attr', …)": "{{ messages|map('attr', '\\x5f\\x5fclass\\x5f\\x5f')|list }}",
  'selectattr': "{{ messages|selectattr('__class__')|list }}",
  'a dunder keyword name': '{{ dict(__class__=1)|list|first }}',
  'TemplateReference context': '{{ self._TemplateReference__context.cycler }}',
  'a frame attribute': '{{ x.gi_frame.f_globals }}',
  'mro': '{{ x.mro() }}',
  'a set block': '{% set k %}__class__{% endset %}{{ x|attr(k) }}',
  'full-width low lines (NFKC)': '{{ x.＿＿class＿＿ }}',
};

const SUSPICIOUS: Record<string, string> = {
  'a computed |attr name': '{{ x|attr(name) }}',
  'a computed subscript built from strings': "{{ x[prefix ~ 'class'] }}",
  'a name bound to a value built at render time': "{% set k = messages[0]['content'] ~ '' %}{{ x[k] }}",
  'a subscript from a macro call': '{% macro k() %}x{% endmacro %}{{ x[k()] }}',
  'cycler alone': "{{ cycler('a', 'b').next() }}",
  'lipsum': '{{ lipsum() }}',
  'request (Flask SSTI)': '{{ request.application }}',
  'config': '{{ config.items() }}',
  'a look-alike that is not an internal': '{{ x.ｃontent }}',
  'an unknown \\N{…} name': "{{ x['\\N{SNOWMAN}'] }}",
  'str.format on a built string': "{{ (a ~ '{0}').format(x) }}",
};

describe('chat templates', () => {
  for (const [name, t] of Object.entries(BENIGN)) {
    test(`benign: ${name} is clean`, () => {
      assert.deepEqual(checkChatTemplate(t), []);
    });
  }

  for (const [name, t] of Object.entries(DANGEROUS)) {
    test(`dangerous: ${name}`, () => {
      assert.equal(codes(t)[0], 'CHAT_TEMPLATE_DANGEROUS', JSON.stringify(checkChatTemplate(t)));
    });
  }

  for (const [name, t] of Object.entries(SUSPICIOUS)) {
    test(`suspicious: ${name}`, () => {
      assert.deepEqual(codes(t).filter((c) => c !== 'CHAT_TEMPLATE_UNPARSEABLE'), ['CHAT_TEMPLATE_SUSPICIOUS'], JSON.stringify(checkChatTemplate(t)));
    });
  }

  test('what a reason says: the decoded value and where it is used', () => {
    assert.deepEqual(reasons("{{ x|attr('\\137\\137class\\137\\137') }}"), [
      'string literal "\\\\137\\\\137class\\\\137\\\\137" reads as "__class__", which names Python internals',
      'the name given to |attr is "__class__", a Python internal',
    ]);
    assert.deepEqual(reasons("{{ x['_' ~ '_class__'] }}"), ['a subscript key is "__class__", a Python internal']);
    // Adjacent literals are one string to Jinja2: the reason names what they spell, not the lexer's placeholders.
    assert.deepEqual(reasons("{{ x['__cla' 'ss__'] }}"), ['a subscript key is "__class__", a Python internal']);
    assert.deepEqual(checkChatTemplate("{{ 'Hello, ' 'world' }}{{ messages[0]['con' 'tent'] }}"), []);
    assert.deepEqual(reasons('{{ x.＿＿class＿＿ }}'), ['the name "＿＿class＿＿" reads as __class__ after Unicode normalisation (NFKC): a Python internal behind look-alike characters', 'the template cannot be tokenized as Jinja: Unexpected character: ＿']);
  });

  test('a template that cannot be tokenized or parsed is a finding, not a pass', () => {
    for (const t of ["{% include 'other.jinja' %}", "{% import 'm' as m %}{{ m.x }}", "{{ 'unterminated }}", "{{ '\\x5' }}", '{% for x in %}', '{% raw %}{{ x }}']) {
      assert.ok(codes(t).includes('CHAT_TEMPLATE_UNPARSEABLE'), `${t}: ${codes(t).join()}`);
    }
  });

  test('a {% raw %} block is text, as Jinja2 outputs it: what it shows is never evaluated, and what follows it is checked', () => {
    assert.deepEqual(checkChatTemplate("{% raw %}{{ ''.__class__.__mro__ }}{% endraw %}"), []);
    assert.deepEqual(checkChatTemplate("{%- raw -%}{{ x }}{%+ endraw +%}{{ 'a' }}"), []);
    assert.equal(codes("{% raw %}{{ x }}{% endraw %}{{ x.__class__ }}")[0], 'CHAT_TEMPLATE_DANGEROUS');
    // A comment that mentions raw is still a comment.
    assert.equal(codes("{# {% raw %} #}{{ x.__class__ }}{# {% endraw %} #}")[0], 'CHAT_TEMPLATE_DANGEROUS');
  });

  test('no look-alike or escape gets past: every dangerous template is dangerous whatever else is around it', () => {
    const benign = BENIGN['Llama 3']!;
    for (const t of Object.values(DANGEROUS)) assert.equal(codes(benign + t)[0], 'CHAT_TEMPLATE_DANGEROUS', t);
  });
});

describe('string literals decode as Jinja2 decodes them', () => {
  const CASES: [string, string][] = [
    ['\\x5f\\u005F\\U0000005f\\137\\N{LOW LINE}', '_____'],
    ['a\\qb', 'a\\qb'],
    ['\\n\\t\\\\\\\'\\"', '\n\t\\\'"'],
    ['caf\u00e9 ｜ ▁', 'caf\u00e9 ｜ ▁'],
    ['\\777', '\u01ff'],
    ['line\\\ncontinued', 'linecontinued'],
    ['\\N{latin small letter a}\\N{DIGIT SEVEN}', 'a7'],
  ];
  for (const [body, want] of CASES) {
    test(JSON.stringify(body), () => {
      const d = decodeJinjaString(body);
      assert.ok(d.ok);
      assert.equal(d.value, want);
    });
  }
  test('what Jinja2 refuses, this refuses', () => {
    for (const body of ['\\x5', '\\u12', '\\U00110000', '\\N{NOT A NAME!}', 'tail\\']) assert.equal(decodeJinjaString(body).ok, false, body);
  });

  // Interop: Python's jinja2, where it is installed, is the reference for every case above.
  const py = spawnSync('python3', ['-c', 'import jinja2'], { encoding: 'utf8' });
  test('the same values as jinja2 (Python) parses', { skip: py.status !== 0 ? 'python3 with jinja2 is not installed' : false }, () => {
    const bodies = [...CASES.map(([b]) => b), '\\x5F\\x5fclass', '\\N{LOW LINE}\\N{low line}', 'ｘ\\u005fy'];
    const script = `import sys, json, jinja2
env = jinja2.Environment()
out = []
for b in json.load(sys.stdin):
    out.append(env.parse("{{ '" + b + "' }}").body[0].nodes[0].value)
print(json.dumps(out))`;
    const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(bodies), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const want = JSON.parse(r.stdout) as string[];
    assert.deepEqual(bodies.map((b) => { const d = decodeJinjaString(b); return d.ok ? d.value : undefined; }), want);
  });

  test('jinja2 itself asks for the internal name each dangerous template spells; benign ones ask for none', { skip: py.status !== 0 ? 'python3 with jinja2 is not installed' : false }, () => {
    // A sandboxed environment that records every attribute name the template asks for
    // (getattr, getitem with a string, the attr filter, str.format fields) and grants none
    // of the unsafe ones, so nothing the payloads reach runs.
    const script = `import sys, json, jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
class Recorder(ImmutableSandboxedEnvironment):
    seen = []
    def is_safe_attribute(self, obj, attr, value):
        self.seen.append(attr)
        return super().is_safe_attribute(obj, attr, value)
    def getattr(self, obj, attribute):
        self.seen.append(attribute)
        return super().getattr(obj, attribute)
    def getitem(self, obj, argument):
        if isinstance(argument, str):
            self.seen.append(argument)
        return super().getitem(obj, argument)
env = Recorder(trim_blocks=True, lstrip_blocks=True)
def raise_exception(m): raise Exception(m)
def gen():
    yield 1
out = {}
for name, t in json.load(sys.stdin).items():
    Recorder.seen = []
    try:
        env.from_string(t).render(x=gen(), messages=[{'role': 'user', 'content': 'hi'}], bos_token='<s>', eos_token='</s>', add_generation_prompt=True, raise_exception=raise_exception, tools=None, prefix='p', name='n', a='a')
        outcome = 'rendered'
    except jinja2.TemplateSyntaxError:
        outcome = 'syntax'
    except Exception as e:
        outcome = 'error'
    out[name] = [outcome, sorted(set(str(s) for s in Recorder.seen))]
print(json.dumps(out))`;
    const run = (set: Record<string, string>): Record<string, [string, string[]]> => {
      const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(set), encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as Record<string, [string, string[]]>;
    };
    const internal = (a: string): boolean => a.startsWith('_') || ['mro', 'gi_frame', 'f_globals'].includes(a);
    for (const [name, [outcome, seen]] of Object.entries(run(BENIGN))) {
      assert.equal(outcome, 'rendered', name);
      assert.deepEqual(seen.filter(internal), [], name);
    }
    // Two dangerous templates request nothing in Jinja2 itself: dict(__class__=1) only makes the
    // string (a building block), and Jinja2 refuses full-width names, which an engine that
    // normalises names would read as __class__.
    const quiet = new Set(['a dunder keyword name', 'full-width low lines (NFKC)']);
    for (const [name, [outcome, seen]] of Object.entries(run(DANGEROUS))) {
      if (quiet.has(name)) continue;
      assert.ok(seen.some(internal), `${name}: ${outcome}, asked for ${JSON.stringify(seen)}`);
    }
  });
});

describe('templates outside GGUF', () => {
  const root = tempDir('mp-inspect-tpl-');
  let n = 0;

  test('tokenizer_config.json (string and list forms), chat_template.jinja and additional_chat_templates/*.jinja are checked', async () => {
    const d = makeModel(join(root, `m${n++}`), {
      'config.json': JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama' }),
      'model.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [2, 2] }]),
      'tokenizer_config.json': JSON.stringify({ bos_token: '<s>', chat_template: [{ name: 'default', template: BENIGN['Mistral'] }, { name: 'tool_use', template: DANGEROUS['\\x5f escapes'] }] }),
      'chat_template.jinja': BENIGN['ChatML (Qwen 2.5 with tools)']!,
      'additional_chat_templates/rag.jinja': "{{ cycler.__init__.__globals__ }}",
      'tokenizer.json': JSON.stringify({ version: '1.0' }),
    });
    const m = await inspectModel(d);
    assert.deepEqual(m.files.map((f) => [f.name, f.format, f.verdict]), [
      ['additional_chat_templates/rag.jinja', 'chat-template', 'dangerous'],
      ['chat_template.jinja', 'chat-template', 'ok'],
      ['model.safetensors', 'safetensors', 'ok'],
      ['tokenizer_config.json', 'chat-template', 'dangerous'],
    ]);
    assert.deepEqual(m.skipped, ['config.json', 'tokenizer.json']);
    const tc = m.files.find((f) => f.name === 'tokenizer_config.json')!;
    assert.deepEqual(tc.findings.map((f) => [f.code, f.data?.key]), [['CHAT_TEMPLATE_DANGEROUS', 'tokenizer_config.json chat_template[tool_use]']]);
    assert.deepEqual((tc.details as ChatTemplateDetails).templates.map((t) => t.key), ['tokenizer_config.json chat_template[default]', 'tokenizer_config.json chat_template[tool_use]']);
    assert.equal(m.summary.verdict, 'dangerous');
  });

  test('a repeated chat_template key is suspicious: JSON readers disagree on which applies', async () => {
    const d = join(root, `dup${n++}`);
    mkdirSync(d);
    writeFileSync(join(d, 'tokenizer_config.json'), `{"chat_template": "{{ cycler.__init__ }}", "chat_template": ${JSON.stringify(BENIGN['Mistral'])}}`);
    const r = await inspectFile(join(d, 'tokenizer_config.json'));
    assert.deepEqual(r.findings.map((f) => f.code), ['CHAT_TEMPLATE_SUSPICIOUS']);
    assert.match(r.findings[0]!.message, /repeats a key/);
  });

  test('verify --scan and inspect fail on a dangerous template in a signed model; the benign model passes', async () => {
    const d = tempDir('mp-inspect-tpl-cli-');
    const model = makeModel(join(d, 'model'), {
      'model.safetensors': safetensors([{ name: 'w', dtype: 'F32', shape: [2, 2] }]),
      'tokenizer_config.json': JSON.stringify({ chat_template: BENIGN['Gemma'] }),
      'tiny.gguf': gguf([['general.architecture', 'string', 'llama'], ['tokenizer.chat_template', 'string', DANGEROUS['\\N{LOW LINE} names (any case)']!]], [], 0),
    });
    assert.equal((await runCli(['keygen', '--out', join(d, 'k')])).code, 0);
    assert.equal((await runCli(['sign', 'key', model, '--private-key', join(d, 'k.pem')])).code, 0);
    const scanned = await runCli(['verify', 'key', model, '--public-key', join(d, 'k.pub.pem'), '--scan', '--format', 'json']);
    assert.equal(scanned.code, 1, scanned.stdout);
    const problems = JSON.parse(scanned.stdout).problems as { code: string; file?: string }[];
    assert.deepEqual(problems.map((p) => [p.code, p.file]), [['CHAT_TEMPLATE_DANGEROUS', 'tiny.gguf']]);
    const inspected = await runCli(['inspect', model]);
    assert.equal(inspected.code, 1);
    assert.match(inspected.stdout, /^DANGEROUS /);
    assert.match(inspected.stdout, /DANGER error CHAT_TEMPLATE_DANGEROUS tiny\.gguf@\d+: "tokenizer\.chat_template" reaches for Python internals/);
  });
});
