/**
 * Fuzzing the bundled language server over real stdio, the way an editor drives it:
 * 5,000 random edits (full-text and incremental, several changes per notification,
 * hostile content) across every file kind, with requests in between. Every request
 * must be answered, the process must never die, every document version we wait for
 * must get diagnostics that are the core's analysis of exactly the text we sent
 * (incremental sync never drifts), memory must stay flat, and the server must exit
 * cleanly at the end.
 *
 * Replay a failure with FUZZ_SEED=<seed> (FUZZ_EDITS=<n> for a shorter run).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import fc from 'fast-check';
import { ResponseError, type Diagnostic, type Position, type PublishDiagnosticsParams, type TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../../core';
import { describeStep, frac, hugeContent, plan, stepArb, type Edit, type Request, type Step } from '../helpers/fuzz-edits';
import { InspectedHeap, INSPECT_ARG, type HeapFigures } from '../helpers/inspected-heap';
import { LspClient } from '../helpers/lsp-client';
import { makeWorkspace } from '../helpers/workspace';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2024);
const EDITS = Number(process.env.FUZZ_EDITS ?? 5000);
/** RSS is first measured after this many edits (by then the server has seen every kind of edit, a huge one included). */
const WARMUP = Math.min(500, EDITS);
/** Edits of 1–5 MB of one character, spread over the run (the first one within the warm-up). */
const HUGE = 4;
const REQUEST_TIMEOUT_MS = 10_000;
/** Outstanding requests are awaited every this many edits, so nothing piles up unboundedly. */
const DRAIN_EVERY = 25;
/** Every this many edits: every document settled and checked, RSS sampled. */
const CHECK_EVERY = 1000;
/** Documents larger than this get incremental changes only (a full text would resend megabytes each time). */
const FULL_LIMIT = 256 * 1024;

interface Doc {
  name: string;
  uri: string;
  original: string;
  /** The text as we sent it: ranges are computed on it, the server must see the same. */
  local: TextDocument;
  version: number;
  /** client.logs.length when the current version was sent. */
  logMark: number;
  /** didClose notifications sent: versions restart at 1 on reopen, so diagnostics count only after the server's answer to the last close. */
  closes: number;
}

interface Failure {
  step: number;
  what: string;
  detail: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`, or `fallback` after `ms` (the timer does not outlive the race). */
async function within<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<F>((r) => (timer = setTimeout(() => r(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function memoryMB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), hwm: Math.round(kb('VmHWM') / 1024) };
}

test('the bundled server survives 5,000 random edits with requests in between; memory stays flat', { timeout: 300_000 }, async (t) => {
  const started = Date.now();
  const ws = await makeWorkspace();
  // An inspector, so memory is measured after a full collection (see quiesce).
  const client = LspClient.stdio([INSPECT_ARG]);
  const child = client.child!;
  const pid = child.pid!;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  let heap: InspectedHeap | undefined;
  try {
    heap = await InspectedHeap.attach(child);
    const init = await client.initialize(ws.rootUri, { modelProvenance: { trustedKeys: [ws.pub] }, trustSource: 'user settings' });
    // The server's own verify command, by the name it advertises.
    const verifyCommand = init.capabilities.executeCommandProvider?.commands[0] ?? 'modelProvenance.verify';

    const files: [string, string][] = [
      ['manifest', ws.manifest],
      ['attestation', ws.attestation],
      ['model.sig', ws.sig],
      ['policy', ws.policy],
      ['empty', join(ws.root, 'untitled.cdx.json')],
    ];
    const originals = files.map(([name, f]) => (name === 'empty' ? '' : readFileSync(f, 'utf8')));
    const docs: Doc[] = files.map(([name, file], i) => {
      const uri = ws.uri(file);
      return { name, uri, original: originals[i]!, local: TextDocument.create(uri, 'json', 1, originals[i]!), version: 1, logMark: 0, closes: 0 };
    });
    // Count what the server publishes (the client keeps only the latest per document), and
    // the empty, unversioned diagnostics it sends when a document is closed.
    const published = { count: 0, codes: new Set<string>(), closes: new Map<string, number>() };
    const set = client.diagnostics.set.bind(client.diagnostics);
    client.diagnostics.set = (uri, p) => {
      published.count++;
      if (p.version === undefined || p.version === null) published.closes.set(uri, (published.closes.get(uri) ?? 0) + 1);
      for (const x of p.diagnostics) published.codes.add(String(x.code));
      return set(uri, p);
    };
    for (const d of docs) client.open(d.uri, d.original);

    // The steps, reproducible from the seed: edits, a request about one time in five, now
    // and then a wait for the diagnostics of the version an edit made (always after deep
    // nesting); and a few huge edits at fixed places, each followed by a hover.
    const steps: Step[] = fc.sample(stepArb(docs.length), { seed: SEED, numRuns: EDITS - Math.min(HUGE, EDITS) });
    const huge = fc.sample(
      fc.record({ doc: fc.nat({ max: docs.length - 1 }), at: frac, content: hugeContent, full: fc.boolean() }),
      { seed: SEED + 1, numRuns: Math.min(HUGE, EDITS) },
    );
    huge.forEach((h, i) => {
      steps.splice(Math.floor(((i + 0.2) * EDITS) / huge.length), 0, { edit: { op: 'insert', ...h }, request: { m: 'hover', doc: h.doc, at: h.at, beyond: false }, wait: true });
    });

    const failures: Failure[] = [];
    const recent: string[] = [];
    const stats = {
      edits: 0,
      full: 0,
      incremental: 0,
      changes: 0,
      charsSent: 0,
      byOp: {} as Record<string, number>,
      requests: 0,
      byMethod: {} as Record<string, number>,
      results: 0,
      errors: {} as Record<string, number>,
      slowestMs: 0,
      checks: 0,
      checkedValid: 0,
    };
    let pending: Promise<void>[] = [];
    let step = -1;

    const alive = (): string | undefined => (exited || child.exitCode !== null ? `server exited: ${JSON.stringify(exited ?? { code: child.exitCode })}` : undefined);
    const report = (): string =>
      [
        `seed ${SEED} (FUZZ_SEED=${SEED} replays it), step ${step} of ${steps.length}`,
        ...failures.slice(0, 10).map((f) => `  at step ${f.step}: ${f.what}: ${f.detail}`),
        failures.length > 10 ? `  … ${failures.length - 10} more` : '',
        'steps before the first failure:',
        ...recent.map((r) => `  ${r}`),
        `stderr: ${client.stderr.slice(-3000)}`,
      ].join('\n');
    /** A failure the run cannot go on after (no answer, the server died). */
    const fatal = (what: string, detail: string): never => {
      failures.push({ step, what, detail });
      assert.fail(report());
    };
    /** A failure worth recording, after which the fuzzing goes on (the end result still fails). */
    const record = (what: string, detail: string): void => {
      if (failures.length === 0) recent.push('(first failure here)');
      failures.push({ step, what, detail });
    };

    const send = (d: Doc, changes: TextDocumentContentChangeEvent[]): void => {
      d.version++;
      d.logMark = client.logs.length;
      // A failed write means the server is gone: the next drain says so.
      client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: d.uri, version: d.version }, contentChanges: changes }).catch(() => undefined);
      stats.changes += changes.length;
      for (const c of changes) stats.charsSent += c.text.length;
    };

    const apply = (edit: Edit): void => {
      const d = docs[edit.doc]!;
      stats.edits++;
      stats.byOp[edit.op] = (stats.byOp[edit.op] ?? 0) + 1;
      if (edit.op === 'reopen') {
        client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: d.uri } }).catch(() => undefined);
        d.closes++;
        const text = d.local.getText();
        d.version = 1;
        d.logMark = client.logs.length;
        d.local = TextDocument.create(d.uri, 'json', 1, text);
        client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: d.uri, languageId: 'json', version: 1, text } }).catch(() => undefined);
        return;
      }
      const p = plan(edit, d.local.getText(), originals, d.local.getText().length < FULL_LIMIT);
      if (p.kind === 'full') {
        stats.full++;
        send(d, [{ text: p.text }]);
        d.local = TextDocument.update(d.local, [{ text: p.text }], d.version);
        return;
      }
      // Incremental: each range is computed on the text the previous changes left, as an editor does.
      stats.incremental++;
      const changes: TextDocumentContentChangeEvent[] = [];
      for (const f of p.splices) {
        const s = f(d.local.getText());
        const change = { range: { start: d.local.positionAt(s.start), end: d.local.positionAt(s.end) }, text: s.text };
        changes.push(change);
        d.local = TextDocument.update(d.local, [change], d.local.version);
      }
      send(d, changes);
      d.local = TextDocument.update(d.local, [], d.version);
    };

    const position = (d: Doc, at: number, beyond: boolean): Position => {
      const text = d.local.getText();
      const p = d.local.positionAt(Math.min(text.length, Math.floor(at * (text.length + 1))));
      if (!beyond) return p;
      return at < 0.5 ? { line: d.local.lineCount + 3, character: 7 } : { line: p.line, character: p.character + 100_000 };
    };

    const request = (r: Request): Promise<void> => {
      const d = docs[r.doc]!;
      const textDocument = { uri: d.uri };
      let method: string;
      let params: unknown;
      switch (r.m) {
        case 'hover':
        case 'completion':
          method = `textDocument/${r.m}`;
          params = { textDocument, position: position(d, r.at, r.beyond) };
          break;
        case 'codeLens':
        case 'documentSymbol':
          method = `textDocument/${r.m}`;
          params = { textDocument };
          break;
        case 'status':
        case 'decodedPayload':
          method = `modelProvenance/${r.m}`;
          params = { uri: d.uri };
          break;
        case 'verify':
          method = 'workspace/executeCommand';
          params = { command: verifyCommand, arguments: [d.uri] };
          break;
        case 'codeAction': {
          const start = position(d, r.at, false);
          const end = d.local.positionAt(d.local.offsetAt(start) + r.len);
          const range = { start, end };
          // What the editor would send: the diagnostics it shows there (maybe stale), or a made-up one with odd data.
          const diagnostics: Diagnostic[] = r.synthetic
            ? [{ range, message: 'fuzz', code: r.synthetic.code, data: { code: r.synthetic.code, pointer: r.synthetic.pointer, missingProperty: r.synthetic.missingProperty, replacement: r.synthetic.replacement } }]
            : (client.diagnostics.get(d.uri)?.diagnostics ?? []).slice(0, 50);
          method = 'textDocument/codeAction';
          params = { textDocument, range, context: { diagnostics } };
          break;
        }
      }
      stats.requests++;
      stats.byMethod[r.m] = (stats.byMethod[r.m] ?? 0) + 1;
      const at = step;
      const t0 = Date.now();
      const what = `${method} on ${d.name} (v${d.version}, ${d.local.getText().length} chars)`;
      const silence = Symbol('silence');
      let sent: Promise<unknown>;
      try {
        sent = client.connection.sendRequest(method, params);
      } catch (err) {
        sent = Promise.reject(err);
      }
      return within(sent, REQUEST_TIMEOUT_MS, silence).then(
        (result) => {
          stats.slowestMs = Math.max(stats.slowestMs, Date.now() - t0);
          if (result === silence) failures.push({ step: at, what, detail: `no answer within ${REQUEST_TIMEOUT_MS} ms; ${alive() ?? 'server still running'}` });
          else stats.results++;
        },
        (err: unknown) => {
          // A JSON-RPC error response is an answer; the errors the client makes up itself (the
          // connection failed or was disposed, -32099…-32096) are not.
          if (err instanceof ResponseError && !(err.code >= -32099 && err.code <= -32096)) {
            const key = `${method} ${err.code}`;
            stats.errors[key] = (stats.errors[key] ?? 0) + 1;
          } else {
            failures.push({ step: at, what, detail: `${(err as Error)?.message ?? String(err)}; ${alive() ?? 'server still running'}` });
          }
        },
      );
    };

    const drain = async (): Promise<void> => {
      const batch = pending;
      pending = [];
      const before = failures.length;
      await Promise.all(batch);
      if (failures.length > before) fatal('unanswered request', 'see above');
      const dead = alive();
      if (dead) fatal('crash', dead);
    };

    /** The diagnostics of a document's current version; a log line saying its analysis failed ends the wait early. */
    const diagnosticsNow = async (d: Doc): Promise<PublishDiagnosticsParams | string> => {
      const failed = `analysis of ${d.uri} failed`;
      const deadline = Date.now() + REQUEST_TIMEOUT_MS;
      for (;;) {
        const p = client.diagnostics.get(d.uri);
        // Before the server has answered the last close, a matching version is the previous life's.
        if (p?.version === d.version && (published.closes.get(d.uri) ?? 0) >= d.closes) return p;
        const log = client.logs.slice(d.logMark).find((l) => l.startsWith(failed));
        if (log) return `none; the server logged "${log.replace(d.uri, d.name).slice(0, 200)}"`;
        if (Date.now() > deadline) return `none within ${REQUEST_TIMEOUT_MS} ms; ${alive() ?? 'server still running'}`;
        await sleep(2);
      }
    };

    /** Waits for a document's current version to be analysed: its diagnostics must be the core's analysis of our text. */
    const check = async (d: Doc): Promise<void> => {
      stats.checks++;
      const got = await diagnosticsNow(d);
      const text = d.local.getText();
      const where = `${d.name} v${d.version} (${text.length} chars)`;
      if (typeof got === 'string') return record(`no diagnostics for ${where}`, got);
      let findings;
      try {
        // The static pass; who signed is judged in the background (the model's state, or the attestation's trust) and comes after.
        findings = analyzeDocument(fileURLToPath(d.uri), text, { maxFindings: 200 }).findings;
      } catch (err) {
        return record(`the core's analysis of ${where} throws`, (err as Error).message);
      }
      if (!findings.some((f) => f.code.startsWith('JSON_'))) stats.checkedValid++;
      const expected = findings.map((f) => ({ code: f.code, message: f.message, range: { start: d.local.positionAt(f.offset), end: d.local.positionAt(f.offset + Math.max(1, f.length)) } }));
      // The static findings come first; the background checks (hashing) may add more after them.
      const actual = got.diagnostics.slice(0, expected.length).map((x) => ({ code: x.code, message: x.message, range: x.range }));
      try {
        assert.deepEqual(actual, expected);
      } catch (err) {
        record(`the diagnostics of ${where} are not the analysis of the text we sent`, (err as Error).message.slice(0, 1500));
      }
    };

    const settle = async (): Promise<void> => {
      await drain();
      for (const d of docs) await check(d);
    };

    /** All documents back to their original texts, settled, background checks done: then the heap after a full collection. */
    const quiesce = async (): Promise<HeapFigures & { hwm: number }> => {
      for (const d of docs) {
        if (d.local.getText() === d.original) continue;
        send(d, [{ text: d.original }]);
        d.local = TextDocument.update(d.local, [{ text: d.original }], d.version);
      }
      await settle();
      await sleep(1500);
      return { ...(await heap!.afterFullGc()), hwm: memoryMB(pid).hwm };
    };

    // RSS is sampled at every drain, for the record only: a reading depends on when V8 last
    // collected garbage, which depends on the machine's memory (on CI it did not for the last
    // thousand edits). What is judged is the heap after a full collection, once the documents
    // are back to their original texts: after the warm-up and at the end.
    const rss: { step: number; mb: number }[] = [];
    let warm: (HeapFigures & { hwm: number }) | undefined;
    for (step = 0; step < steps.length; step++) {
      const s = steps[step]!;
      if (failures.length === 0) {
        recent.push(`#${step} ${describeStep(s)}`);
        if (recent.length > 12) recent.shift();
      }
      try {
        apply(s.edit);
      } catch (err) {
        fatal('the edit could not be sent', `${(err as Error).message}; ${alive() ?? 'server still running'}`);
      }
      if (s.request) pending.push(request(s.request));
      if (s.wait) await check(docs[s.edit.doc]!);
      if ((step + 1) % DRAIN_EVERY === 0) {
        await drain();
        rss.push({ step: step + 1, mb: memoryMB(pid).rss });
      }
      if (step + 1 === WARMUP) warm = await quiesce();
      else if ((step + 1) % CHECK_EVERY === 0) await settle();
    }
    step = steps.length;
    await drain();
    const end = await quiesce();
    const series = rss.filter((r) => r.step % CHECK_EVERY === 0).map((r) => `${r.step}: ${r.mb}`);

    const logged = [...new Set(client.logs.map((l) => l.replace(/file:\/\/\S+/g, '<uri>').slice(0, 160)))];
    t.diagnostic(`seed ${SEED}; ${stats.edits} edits (${stats.full} full-text, ${stats.incremental} incremental with ${stats.changes - stats.full} ranges; ${(stats.charsSent / 1024 / 1024).toFixed(1)} M chars sent) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    t.diagnostic(`edits by kind: ${JSON.stringify(stats.byOp)}`);
    t.diagnostic(`${stats.requests} requests ${JSON.stringify(stats.byMethod)}: ${stats.results} results, error responses ${JSON.stringify(stats.errors)}; slowest answer ${stats.slowestMs} ms`);
    t.diagnostic(`${published.count} diagnostics notifications, ${stats.checks} versions (${stats.checkedValid} of them JSON) checked against the core's analysis of our text; ${published.codes.size} codes seen: ${[...published.codes].sort().join(' ')}`);
    const retained = (h: HeapFigures | undefined): number => Math.round(((h?.heapUsed ?? NaN) + (h?.external ?? NaN)) * 10) / 10;
    t.diagnostic(`server heap after a full collection (MB, used + external; documents reset, settled): ${retained(warm)} after the warm-up (edit ${WARMUP}), ${retained(end)} at the end; RSS then ${warm?.rss} and ${end.rss}`);
    t.diagnostic(`server RSS before collections (MB): peak ${end.hwm}; at edit ${series.join(', ')}`);
    t.diagnostic(`${client.logs.length} window/logMessage lines, ${logged.length} distinct${logged.length ? `: ${logged.slice(0, 8).join(' | ')}` : ''}`);

    // Node waits at exit for an attached debugger to disconnect.
    heap!.close();
    const exitCode = await within(client.shutdown().then(() => child.exitCode), REQUEST_TIMEOUT_MS, 'no exit after shutdown/exit');

    // Everything that went wrong, at once.
    const problems: string[] = [];
    if (failures.length) problems.push(report());
    // A document whose analysis throws gets no diagnostics: the editor keeps showing the previous version's.
    const analysisFailed = client.logs.filter((l) => /^analysis of .* failed/.test(l));
    if (analysisFailed.length) problems.push(`the analysis of a document failed ${analysisFailed.length} time(s): ${analysisFailed[0]}`);
    if (/Maximum call stack|Error|Uncaught|\n\s+at \S/.test(client.stderr)) problems.push(`stderr: ${client.stderr.slice(0, 3000)}`);
    // Caches the server keeps on purpose (compiled validators, the last analyses) are full after
    // the warm-up; 4,500 edits later the same documents may hold a little more, not a leak's worth
    // (10 MB kept over the run, 2 KB an edit, fails this).
    const bound = Math.round(retained(warm) * 1.1 + 4);
    if (!(retained(end) < bound)) problems.push(`memory did not stay flat: after a full collection the server holds ${retained(end)} MB at the end, ${retained(warm)} MB after the warm-up (bound ${bound} MB)`);
    if (exitCode !== 0) problems.push(`shutdown/exit: ${String(exitCode)} ${JSON.stringify(exited)}`);
    assert.ok(problems.length === 0, problems.join('\n\n'));
  } finally {
    heap?.close();
    if (child.exitCode === null && !exited) child.kill();
  }
});
