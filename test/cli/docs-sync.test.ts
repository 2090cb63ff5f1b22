/**
 * docs/cli.md matches the CLI: every command and option that exists (walked from the
 * commander definitions) is documented, and nothing documented is missing or stale.
 *
 * The page's convention, which this test reads:
 * - one `## ` section per command, whose first code span starts with the command path
 *   (`## \`verify key MODEL\``); a command may have several sections;
 * - in it, a table whose first column names the options (`| \`--signature FILE\` | … |`);
 * - a link to a shared section (`[model-scope options](#model-scope-options)`) includes that
 *   section's options table.
 * Failure messages say exactly what to add or remove, for whoever adds the next command.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { longFlag } from '../../cli/forms';
import { REPO } from '../helpers/fixtures';
import { commands, type CommandInfo } from '../helpers/program';

const DOC = 'docs/cli.md';

interface Section {
  heading: string;
  anchor: string;
  body: string[];
  /** Flags named in the first column of its tables. */
  flags: Set<string>;
  /** Anchors of sections in this page that it links to. */
  links: string[];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function sections(text: string): Section[] {
  const out: Section[] = [];
  for (const line of text.split('\n')) {
    const h = /^## (.*)$/.exec(line);
    if (h) {
      out.push({ heading: h[1]!, anchor: anchorOf(h[1]!), body: [], flags: new Set(), links: [] });
      continue;
    }
    const s = out[out.length - 1];
    if (!s) continue;
    s.body.push(line);
    const row = /^\|([^|]*(?:\\\|[^|]*)*)\|/.exec(line);
    if (row && !/^\|\s*-/.test(line)) for (const m of row[1]!.matchAll(/`(--[a-z0-9-]+)/g)) s.flags.add(m[1]!);
    for (const m of line.matchAll(/\]\(#([a-z0-9-]+)\)/g)) s.links.push(m[1]!);
  }
  return out;
}

/** The command path a section documents, or undefined for a section that is not about a command. */
function commandOf(s: Section): string[] | undefined {
  const code = /`([^`]*)`/.exec(s.heading);
  if (!code || !s.heading.startsWith('`')) return undefined;
  const words: string[] = [];
  for (const t of code[1]!.split(/\s+/)) {
    if (!/^[a-z][a-z0-9-]*$/.test(t)) break;
    words.push(t);
  }
  return words;
}

test(`${DOC} documents every command and option, and nothing that does not exist`, async () => {
  const text = readFileSync(join(REPO, DOC), 'utf8');
  const all = sections(text);
  const byAnchor = new Map(all.map((s) => [s.anchor, s]));
  const cmds = await commands();
  const byPath = new Map<string, CommandInfo>(cmds.map((c) => [c.path.join(' '), c]));
  const problems: string[] = [];
  const documented = new Map<string, Section[]>();

  for (const s of all) {
    const path = commandOf(s);
    if (!path) continue;
    const key = path.join(' ');
    if (!byPath.has(key)) {
      problems.push(`${DOC}: the section "## ${s.heading}" documents "model-provenance ${key}", which does not exist: remove the section or rename it to the command it is about`);
      continue;
    }
    documented.set(key, [...(documented.get(key) ?? []), s]);
  }

  for (const c of cmds) {
    const key = c.path.join(' ');
    const usage = `${key}${c.command.registeredArguments.map((a) => ` ${a.required ? '' : '['}${a.name().toUpperCase()}${a.variadic ? '…' : ''}${a.required ? '' : ']'}`).join('')}`;
    const own = documented.get(key);
    // Groups (`registry`, `manifest`, `sign`) only dispatch; their subcommands are documented instead.
    if (!own) {
      if (c.runs || c.options.length > 0) {
        problems.push(`${DOC}: "model-provenance ${key}" is not documented: add a section "## \`${usage}\`" with what it does and an options table (| option | meaning |)`);
      }
      continue;
    }
    const flags = new Set<string>();
    const included: Section[] = [];
    for (const s of own) {
      s.flags.forEach((f) => flags.add(f));
      for (const a of s.links) {
        const shared = byAnchor.get(a);
        if (shared && !commandOf(shared)) {
          included.push(shared);
          shared.flags.forEach((f) => flags.add(f));
        }
      }
    }
    const existing = new Set(c.options.map(longFlag));
    for (const o of c.options) {
      const f = longFlag(o);
      if (!flags.has(f)) {
        problems.push(`${DOC}: "model-provenance ${key}" does not document ${f}: add a row "| \`${f}${o.required ? ' VALUE' : ''}\` | ${o.description} |" to the options table under "## ${own[0]!.heading}"`);
      }
    }
    for (const s of own) {
      for (const f of s.flags) {
        if (!existing.has(f)) problems.push(`${DOC}: "## ${s.heading}" documents ${f}, which "model-provenance ${key}" does not have: remove the row, or add the option`);
      }
    }
    for (const s of included) {
      for (const f of s.flags) {
        if (!existing.has(f)) problems.push(`${DOC}: "## ${own[0]!.heading}" links to "## ${s.heading}", whose ${f} "model-provenance ${key}" does not have: do not link it, or add the option`);
      }
    }
  }
  assert.deepEqual(problems, [], `\n${problems.join('\n')}\n`);
  // The walk itself saw the whole tree (a broken walk must not pass by finding nothing).
  assert.ok(cmds.length >= 20 && documented.size >= 20, `${cmds.length} commands, ${documented.size} documented`);
});
