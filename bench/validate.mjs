#!/usr/bin/env node
// Validation benchmark: CycloneDX 1.6 ML-BOMs with 10,000 and 50,000 components, validated
// by ours (`cycloneDxValidator('1.6', 'fast')`, linear-time uniqueItems; and the whole
// `validateManifestStatic`: parse with offsets + schema + ML-BOM profile), by stock ajv
// with the same schema (`cycloneDxValidator('1.6', 'plain')`, quadratic uniqueItems), and
// by vscode-json-languageservice 5.7.2 with the same schema (quadratic as well).
// Then: ours and plain ajv must give identical findings on a set of invalid BOMs.
// Run: `npm run build && node bench/validate.mjs` (add `--json` for JSON).
//
// Targets: ours validates the parsed 10,000-component BOM in under 150 ms and the
// 50,000-component one in under 1 s (schema validation; validateManifestStatic is printed
// too, without a target).
//
// Env: BENCH_RUNS=5 (timed runs of ours after one warm-up), BENCH_SIZES=10000,50000,
// BENCH_DIFF_COMPONENTS=3000 (size of the invalid BOMs), BENCH_PLAIN_50K=1 (really run plain
// ajv once at the larger sizes, in a child with BENCH_PLAIN_TIMEOUT_S=300, instead of
// extrapolating from the 10,000 run), BENCH_VSCODE_TIMEOUT_S=120.
// Exit 0 whatever the timings; exit 1 if a generated BOM is not valid, if ours and plain
// ajv differ on any invalid BOM, or on any error; 130/143 on SIGINT/SIGTERM. Temp files
// (the BOM texts handed to child processes) are removed in every case.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { log, machine, scratch } from './lib/common.mjs';
import { MODEL_REF, buildBom as buildBomFor } from './lib/bom.mjs';
import { cycloneDxJsonService } from './lib/vscode-json.mjs';

const TARGETS_MS = { 10000: 150, 50000: 1000 };
const VERSION = '1.6';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const core = require(join(repo, 'dist', 'core.js'));

// ---------------------------------------------------------------- child modes
// `node bench/validate.mjs --child plain|vscode BOM_FILE [WARMUP_FILE]`: one measurement,
// printed as one JSON line on stdout, so the parent can stop it with a timeout.
if (process.argv[2] === '--child') {
  const [, , , mode, file, warmFile] = process.argv;
  const text = readFileSync(file, 'utf8');
  if (mode === 'plain') {
    const bom = JSON.parse(text);
    const validate = core.cycloneDxValidator(VERSION, 'plain');
    const t0 = performance.now();
    const valid = validate(bom);
    process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0, valid, errors: validate.errors?.length ?? 0 })}\n`);
  } else if (mode === 'vscode') {
    process.stdout.write(`${JSON.stringify(await vscodeMeasure(text, warmFile ? readFileSync(warmFile, 'utf8') : undefined))}\n`);
  } else {
    log(`unknown child mode ${mode}`);
    process.exit(2);
  }
  process.exit(0);
}

async function vscodeMeasure(text, warmText) {
  const { once: validate, requested, serviceVersion } = cycloneDxJsonService(repo, VERSION);
  let warmDiagnostics;
  if (warmText !== undefined) warmDiagnostics = (await validate(warmText, 'file:///warm.cdx.json')).diagnostics;
  const r = await validate(text, 'file:///bench.cdx.json');
  return {
    version: serviceVersion,
    parseMs: r.parseMs,
    ms: r.validateMs,
    diagnostics: r.diagnostics.length,
    firstDiagnostics: r.diagnostics.slice(0, 3).map((d) => d.message),
    warmDiagnostics: warmDiagnostics?.map((d) => d.message).slice(0, 3),
    requested,
  };
}

// ---------------------------------------------------------------- options
const json = process.argv.includes('--json');
const intEnv = (name, dflt) => {
  const raw = process.env[name] ?? String(dflt);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    log(`${name} must be an integer >= 1, got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return n;
};
const RUNS = intEnv('BENCH_RUNS', 5);
const DIFF_COMPONENTS = Math.max(200, intEnv('BENCH_DIFF_COMPONENTS', 3000));
const VSCODE_TIMEOUT_S = intEnv('BENCH_VSCODE_TIMEOUT_S', 120);
const PLAIN_TIMEOUT_S = intEnv('BENCH_PLAIN_TIMEOUT_S', 300);
const PLAIN_LARGE = process.env.BENCH_PLAIN_50K === '1';
const SIZES = (process.env.BENCH_SIZES ?? '10000,50000').split(',').map(Number);
if (SIZES.some((n) => !Number.isInteger(n) || n < 100)) {
  log(`BENCH_SIZES must be a comma-separated list of integers >= 100, got ${JSON.stringify(process.env.BENCH_SIZES)}`);
  process.exit(1);
}

// ---------------------------------------------------------------- temp files and cleanup
const work = scratch('mp-bench-validate-');
const tmp = work.dir;
const children = work.children;

// ---------------------------------------------------------------- helpers
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtMs = (x) => (x >= 10000 ? `${(x / 1000).toFixed(1)} s` : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const time = (fn) => {
  const t0 = performance.now();
  const r = fn();
  return [performance.now() - t0, r];
};
/** One warm-up, then RUNS timed runs: the median and every run. */
function measure(fn, runs = RUNS) {
  fn();
  const all = [];
  const a = cpuSnapshot();
  for (let i = 0; i < runs; i++) all.push(time(fn)[0]);
  return { ms: median(all), runs: all, otherCores: otherCores(a, cpuSnapshot()) };
}

/** Runs `node bench/validate.mjs --child …` with a timeout: its JSON line, or { timedOut }. */
function child(args, timeoutS) {
  return new Promise((resolvePromise, rejectPromise) => {
    const t0 = performance.now();
    const c = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(c);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      c.kill('SIGKILL');
    }, timeoutS * 1000);
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('error', rejectPromise);
    c.on('close', (code) => {
      clearTimeout(timer);
      children.delete(c);
      const wallMs = performance.now() - t0;
      if (timedOut) return resolvePromise({ timedOut: true, wallMs });
      if (code !== 0) return rejectPromise(new Error(`child ${args[0]} exited ${code}: ${stderr.trim().slice(-2000)}`));
      resolvePromise({ ...JSON.parse(stdout.trim().split('\n').pop()), wallMs });
    });
  });
}

/**
 * Noise meter: CPU time used by *other* processes (machine-wide busy time from /proc/stat
 * minus this process's and its waited-for children's, from /proc/self/stat), in cores.
 * undefined where /proc is not there.
 */
function cpuSnapshot() {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7];
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    return { at: performance.now(), busy, own: f[11] + f[12] + f[13] + f[14] };
  } catch {
    return undefined;
  }
}
const otherCores = (a, b) => (a && b ? Math.max(0, (b.busy - a.busy - (b.own - a.own)) / 100 / ((b.at - a.at) / 1000)) : undefined);
const fmtCores = (x) => (x === undefined ? 'n/a' : x.toFixed(2));


// ---------------------------------------------------------------- the BOMs

const clone = (x) => structuredClone(x);
/** The same object with its keys in reverse order: equal for uniqueItems (fast-deep-equal). */
const reversedKeys = (o) => Object.fromEntries(Object.entries(o).reverse().map(([k, v]) => [k, v && typeof v === 'object' && !Array.isArray(v) ? reversedKeys(v) : v]));

/** Invalid variants of an n-component BOM: [name, mutate(bom)]. */
function invalidVariants(n) {
  const lib = (b, i) => b.components[i - (i % 10 === 9 ? 1 : 0)];
  return [
    ['duplicate component, adjacent', (b) => b.components.splice(101, 0, clone(b.components[100]))],
    ['duplicate component, keys reordered, far apart', (b) => b.components.splice(n - 5, 0, reversedKeys(b.components[7]))],
    ['three duplicate pairs (reported pair = ajv\'s)', (b) => {
      b.components.push(clone(b.components[3]));
      b.components.splice(n >> 1, 0, clone(b.components[n - 1]));
      b.components.splice(10, 0, clone(b.components[n >> 2]));
    }],
    ['duplicate model file sub-component', (b) => b.metadata.component.components.push(clone(b.metadata.component.components[2]))],
    ['duplicate strings in compositions[].dependencies (scalar uniqueItems)', (b) => b.compositions[0].dependencies.push('a', MODEL_REF, 'b', 'a')],
    ['duplicate refs in dependsOn ($ref items)', (b) => b.dependencies[0].dependsOn.push(b.dependencies[0].dependsOn[4])],
    ['near-duplicates (one hash digit differs): valid', (b) => {
      const c = clone(b.components[(n >> 1) + 3]);
      c.hashes[0].content = `${c.hashes[0].content.slice(0, -1)}${c.hashes[0].content.endsWith('0') ? '1' : '0'}`;
      b.components.push(c);
    }],
    ['wrong enum (component type)', (b) => (lib(b, 42).type = 'libary')],
    ['wrong enum (hash alg)', (b) => (lib(b, 43).hashes[0].alg = 'SHA256')],
    ['bad hash pattern', (b) => (lib(b, 44).hashes[0].content = 'sha256:not-hex')],
    ['missing required (name)', (b) => delete lib(b, 45).name],
    ['additional property', (b) => (lib(b, 46).colour = 'blue')],
    ['wrong type (version: number)', (b) => (lib(b, 47).version = 1.2)],
    ['bad format date-time', (b) => (b.metadata.timestamp = '26/11/2026 08:00')],
    ['license with both id and name (oneOf)', (b) => (lib(b, 48).licenses = [{ license: { id: 'MIT', name: 'MIT License' } }])],
    ['mixed: all of the above at once, with duplicates', (b) => {
      lib(b, 50).type = 'libary';
      lib(b, 51).hashes[0].content = 'xyz';
      delete lib(b, 52).name;
      lib(b, 53).colour = 'blue';
      b.metadata.timestamp = 'yesterday';
      b.compositions[0].dependencies.push(MODEL_REF);
      b.components.push(clone(b.components[60]), reversedKeys(b.components[61]));
      b.components.splice(5, 0, clone(lib(b, 50)));
    }],
  ];
}

const findingKey = (errors) => (errors ?? []).map((e) => JSON.stringify([e.instancePath, e.keyword, e.message, e.params])).sort();

const buildBom = (n) => buildBomFor(n, VERSION);

function identicalFindings(n) {
  const fast = core.cycloneDxValidator(VERSION, 'fast');
  const plain = core.cycloneDxValidator(VERSION, 'plain');
  const base = buildBom(n);
  const rows = [];
  for (const [name, mutate] of invalidVariants(n)) {
    const bom = clone(base);
    mutate(bom);
    const [fastMs, fastValid] = time(() => fast(bom));
    const fastKeys = findingKey(fast.errors);
    const [plainMs, plainValid] = time(() => plain(bom));
    const plainKeys = findingKey(plain.errors);
    const same = fastValid === plainValid && JSON.stringify(fastKeys) === JSON.stringify(plainKeys);
    const row = { variant: name, valid: fastValid, findings: fastKeys.length, same, fastMs, plainMs, keywords: [...new Set((fast.errors ?? []).map((e) => e.keyword))].sort() };
    if (!same) {
      row.onlyFast = fastKeys.filter((k) => !plainKeys.includes(k));
      row.onlyPlain = plainKeys.filter((k) => !fastKeys.includes(k));
      row.plainValid = plainValid;
    }
    rows.push(row);
    log(`  ${same ? 'OK  ' : 'DIFF'} ${name}: ${fastKeys.length} finding(s) [${row.keywords.join(', ')}], ours ${fmtMs(fastMs)}, plain ${fmtMs(plainMs)}`);
    if (!same) log(`       only ours: ${JSON.stringify(row.onlyFast)}\n       only plain: ${JSON.stringify(row.onlyPlain)}`);
  }
  return rows;
}

// ---------------------------------------------------------------- main
async function main() {
  const m = machine();
  const loadStart = os.loadavg();
  const cpuStart = cpuSnapshot();
  log(`validate bench: CycloneDX ${VERSION}, sizes ${SIZES.join(', ')}, ${RUNS} timed run(s) after one warm-up; ${m.cpu}, ${m.cores} cores, node ${m.node}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);

  // Compiling the schema happens once per process (the CLI pays it once per run).
  const [compileFastMs] = time(() => core.cycloneDxValidator(VERSION, 'fast'));
  const [compilePlainMs] = time(() => core.cycloneDxValidator(VERSION, 'plain'));
  const fast = core.cycloneDxValidator(VERSION, 'fast');
  const plain = core.cycloneDxValidator(VERSION, 'plain');
  log(`compile: ours ${fmtMs(compileFastMs)}, plain ${fmtMs(compilePlainMs)}`);

  const warmText = JSON.stringify(buildBom(200));
  const warmFile = join(tmp, 'warm.cdx.json');
  writeFileSync(warmFile, warmText);
  // Warm both validators and validateManifestStatic (and the profile schema) on a small BOM.
  for (let i = 0; i < 3; i++) {
    fast(JSON.parse(warmText));
    plain(JSON.parse(warmText));
    core.validateManifestStatic(warmText, 'warm.cdx.json');
  }

  const sizes = [];
  let plainSmallest;
  for (const n of SIZES) {
    log(`\n${n} components:`);
    const [genMs, bom] = time(() => buildBom(n));
    // Compact, as most generators write large BOMs (~3.3 MB at 10,000 components).
    const text = JSON.stringify(bom);
    const file = join(tmp, `bom-${n}.cdx.json`);
    writeFileSync(file, text);
    const bytes = Buffer.byteLength(text);
    log(`  generated in ${fmtMs(genMs)}: ${(bytes / 1e6).toFixed(2)} MB`);
    const parsed = JSON.parse(text);

    // Sanity: the BOM is valid for us (schema and profile), else the timings mean nothing.
    if (!fast(parsed)) throw new Error(`the generated ${n}-component BOM is not valid: ${JSON.stringify(fast.errors.slice(0, 5))}`);
    const staticFindings = core.validateManifestStatic(text, 'bench.cdx.json').findings;
    if (staticFindings.length > 0) throw new Error(`validateManifestStatic reports ${staticFindings.length} finding(s) on the generated ${n}-component BOM: ${JSON.stringify(staticFindings.slice(0, 5))}`);

    const parse = measure(() => JSON.parse(text));
    const ours = measure(() => {
      if (!fast(parsed)) throw new Error('ours: not valid');
    });
    log(`  ours (schema, parsed BOM): median ${fmtMs(ours.ms)} [${ours.runs.map(fmtMs).join(', ')}]; other processes ${fmtCores(ours.otherCores)} cores`);
    const full = measure(() => {
      if (core.validateManifestStatic(text, 'bench.cdx.json').findings.length !== 0) throw new Error('validateManifestStatic: findings');
    });
    log(`  ours (validateManifestStatic, text): median ${fmtMs(full.ms)} [${full.runs.map(fmtMs).join(', ')}]; other processes ${fmtCores(full.otherCores)} cores; JSON.parse alone ${fmtMs(parse.ms)}`);
    // Where validateManifestStatic's time goes: parsing with offsets vs everything after it.
    const docParse = measure(() => core.parseJsonDocument(text, 'bench.cdx.json'));
    const doc = core.parseJsonDocument(text, 'bench.cdx.json');
    const afterParse = measure(() => {
      if (core.validateManifestStatic(text, 'bench.cdx.json', undefined, doc).findings.length !== 0) throw new Error('validateManifestStatic: findings');
    });
    log(`    of which parseJsonDocument (value + offset tree) ${fmtMs(docParse.ms)} [${docParse.runs.map(fmtMs).join(', ')}], schema + profile given the parsed document ${fmtMs(afterParse.ms)} [${afterParse.runs.map(fmtMs).join(', ')}]`);

    // Plain ajv: once (it is quadratic); at larger sizes extrapolated unless asked for.
    let plainRow;
    if (plainSmallest === undefined || PLAIN_LARGE) {
      if (plainSmallest === undefined) {
        log('  plain ajv: one run…');
        const a = cpuSnapshot();
        const [ms, valid] = time(() => plain(parsed));
        if (!valid) throw new Error('plain ajv: the BOM is not valid');
        plainRow = { ms, kind: 'measured', otherCores: otherCores(a, cpuSnapshot()) };
        plainSmallest = { n, ms };
      } else {
        log(`  plain ajv: one run in a child process (timeout ${PLAIN_TIMEOUT_S} s)…`);
        const a = cpuSnapshot();
        const r = await child(['plain', file], PLAIN_TIMEOUT_S);
        const noise = otherCores(a, cpuSnapshot());
        plainRow = r.timedOut ? { ms: undefined, kind: 'timeout', timeoutS: PLAIN_TIMEOUT_S } : { ms: r.ms, kind: 'measured (child process)', otherCores: noise };
        if (!r.timedOut && !r.valid) throw new Error('plain ajv (child): the BOM is not valid');
      }
    } else {
      const ms = plainSmallest.ms * (n / plainSmallest.n) ** 2;
      plainRow = { ms, kind: `extrapolated (× (${n}/${plainSmallest.n})², from the ${plainSmallest.n} run)` };
    }
    log(`  plain ajv: ${plainRow.ms === undefined ? `>${PLAIN_TIMEOUT_S} s (stopped)` : fmtMs(plainRow.ms)} ${plainRow.kind}${plainRow.otherCores !== undefined ? `; other processes ${fmtCores(plainRow.otherCores)} cores` : ''}`);

    // vscode-json-languageservice: at the smallest size only, in a child with a timeout.
    let vscodeRow;
    if (n === SIZES[0]) {
      log(`  vscode-json-languageservice: one run in a child process (timeout ${VSCODE_TIMEOUT_S} s)…`);
      const a = cpuSnapshot();
      const r = await child(['vscode', file, warmFile], VSCODE_TIMEOUT_S);
      const noise = otherCores(a, cpuSnapshot());
      if (r.timedOut) vscodeRow = { ms: undefined, kind: 'timeout', timeoutS: VSCODE_TIMEOUT_S, otherCores: noise };
      else {
        vscodeRow = { ms: r.ms, parseMs: r.parseMs, kind: 'measured (child process)', otherCores: noise, version: r.version, diagnostics: r.diagnostics, firstDiagnostics: r.firstDiagnostics, warmDiagnostics: r.warmDiagnostics, schemasRequested: r.requested };
        if (r.diagnostics > 0 || r.warmDiagnostics?.length) log(`  warning: vscode-json-languageservice reports ${r.diagnostics} diagnostic(s): ${JSON.stringify(r.firstDiagnostics)} (warm-up: ${JSON.stringify(r.warmDiagnostics)})`);
      }
      log(`  vscode-json-languageservice ${r.version ?? ''}: ${vscodeRow.ms === undefined ? `>${VSCODE_TIMEOUT_S} s (stopped)` : `doValidation ${fmtMs(vscodeRow.ms)} (+ parseJSONDocument ${fmtMs(vscodeRow.parseMs)})`}; other processes ${fmtCores(vscodeRow.otherCores)} cores`);
    } else {
      vscodeRow = { ms: undefined, kind: 'not run (quadratic)' };
    }

    const target = TARGETS_MS[n];
    sizes.push({
      components: n,
      bytes,
      ours: { schemaMs: ours.ms, schemaRuns: ours.runs, schemaOtherCores: ours.otherCores, fullMs: full.ms, fullRuns: full.runs, fullOtherCores: full.otherCores, parseJsonDocumentMs: docParse.ms, parseJsonDocumentRuns: docParse.runs, staticGivenParsedMs: afterParse.ms, staticGivenParsedRuns: afterParse.runs, jsonParseMs: parse.ms },
      plain: plainRow,
      vscode: vscodeRow,
      ratios: { plainOverOurs: plainRow.ms !== undefined ? plainRow.ms / ours.ms : undefined, vscodeOverOurs: vscodeRow.ms !== undefined ? vscodeRow.ms / ours.ms : undefined },
      target: target !== undefined ? { ms: target, pass: ours.ms < target } : undefined,
    });
  }

  log(`\nidentical findings, ours vs plain ajv, on invalid ${DIFF_COMPONENTS}-component BOMs:`);
  const identical = identicalFindings(DIFF_COMPONENTS);
  const diffs = identical.filter((r) => !r.same).length;
  const loadEnd = os.loadavg();
  const othersWhole = otherCores(cpuStart, cpuSnapshot());

  const result = { date: new Date().toISOString(), machine: m, load: { start: loadStart, end: loadEnd, otherCoresWholeRun: othersWhole }, runs: RUNS, compile: { oursMs: compileFastMs, plainMs: compilePlainMs }, sizes, identical: { components: DIFF_COMPONENTS, variants: identical.length, diffs, rows: identical } };

  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const out = [];
    out.push('');
    out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, node ${m.node}, ${m.platform}; load average ${loadStart[0].toFixed(2)} at start, ${loadEnd[0].toFixed(2)} at end; other processes used ${fmtCores(othersWhole)} cores on average${othersWhole > 0.15 ? ' (NOISY)' : ''}`);
    out.push(`Compile once per process: ours ${fmtMs(compileFastMs)}, plain ajv ${fmtMs(compilePlainMs)}`);
    out.push('');
    const head = ['components', 'size', `ours schema (median of ${RUNS})`, 'ours validateManifestStatic', 'plain ajv', 'vscode-json-languageservice', 'plain/ours', 'vscode/ours', 'target'];
    const rows = sizes.map((s) => [
      String(s.components),
      `${(s.bytes / 1e6).toFixed(2)} MB`,
      fmtMs(s.ours.schemaMs),
      fmtMs(s.ours.fullMs),
      s.plain.ms === undefined ? `>${s.plain.timeoutS} s (stopped)` : `${fmtMs(s.plain.ms)}${s.plain.kind.startsWith('extrapolated') ? ' (extrapolated)' : ''}`,
      s.vscode.ms === undefined ? (s.vscode.kind === 'timeout' ? `>${s.vscode.timeoutS} s (stopped)` : s.vscode.kind) : fmtMs(s.vscode.ms),
      s.ratios.plainOverOurs === undefined ? '-' : `${Math.round(s.ratios.plainOverOurs)}×${s.plain.kind.startsWith('extrapolated') ? ' (extrap.)' : ''}`,
      s.ratios.vscodeOverOurs === undefined ? '-' : `${Math.round(s.ratios.vscodeOverOurs)}×`,
      s.target ? `< ${fmtMs(s.target.ms)}: ${s.target.pass ? 'PASS' : 'MISS'}` : '-',
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    out.push(line(head));
    out.push(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of rows) out.push(line(r));
    for (const s of sizes) {
      out.push(`${s.components}: validateManifestStatic ${fmtMs(s.ours.fullMs)} ≈ parseJsonDocument ${fmtMs(s.ours.parseJsonDocumentMs)} (JSON.parse alone ${fmtMs(s.ours.jsonParseMs)}) + schema and profile ${fmtMs(s.ours.staticGivenParsedMs)} (medians, measured separately)`);
    }
    for (const s of sizes) if (s.plain.kind.startsWith('extrapolated')) out.push(`plain ajv at ${s.components}: ${s.plain.kind}; set BENCH_PLAIN_50K=1 to run it (minutes).`);
    out.push('');
    out.push(`Identical findings (ours vs plain ajv, ${DIFF_COMPONENTS} components): ${identical.length - diffs}/${identical.length} OK${diffs ? `, ${diffs} DIFF` : ''}`);
    for (const r of identical) out.push(`  ${r.same ? 'OK  ' : 'DIFF'} ${r.variant} (${r.valid ? 'valid' : `${r.findings} finding(s)`})`);
    console.log(out.join('\n'));
  }
  if (diffs > 0) process.exit(1);
}

main().catch((err) => {
  log(err?.stack ?? String(err));
  process.exit(1);
});
