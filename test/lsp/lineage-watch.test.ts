/**
 * The lineage view's freshness, outside VS Code: which paths invalidate a view, the debounce
 * (stale at once, once per burst; re-check after the changes settle), the remote registry's
 * poll, which registry the view names, the failed node's stored attestation, the labels.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { graphFromChain, type ChainResult } from '../../core';
import type { LineageChanged, LineageView } from '../../core/editor/protocol';
import { LINEAGE_DEBOUNCE_MS, LineageWatch, lineageWatchPlan, registryLine } from '../../server/services/lineage-watch';
import { FLAGS_POLL_REMOTE_MS } from '../../server/services/flags';
import { storedFailure, storedText } from '../../server/handlers/review';
import { DirWatchSet } from '../../server/services/dir-watch';
import { clockTime, lineageHtml, recheckingText } from '../../client/lineage-html';
import { tempDir } from '../helpers/fixtures';

/** Fake time: timers fire when the test advances the clock. */
function clock() {
  let now = 1_000;
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  return {
    now: () => now,
    setTimeout(fn: () => void, ms: number) {
      const t = { at: now + ms, fn, live: true };
      timers.push(t);
      return { cancel: () => void (t.live = false) };
    },
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((x) => x.live && x.at <= now)) {
        t.live = false;
        t.fn();
      }
    },
  };
}

function harness() {
  const c = clock();
  const sent: LineageChanged[] = [];
  const sets: { dirs: Map<string, Set<string> | undefined>; fire: () => void; closed: boolean }[] = [];
  const w = new LineageWatch({
    setTimeout: c.setTimeout,
    now: c.now,
    notify: (x) => void sent.push(x),
    watchSet: (onChange) => {
      const s = { dirs: new Map(), fire: onChange, closed: false, set: (d: Map<string, Set<string> | undefined>) => void (s.dirs = d), close: () => void (s.closed = true) };
      sets.push(s);
      return s;
    },
  });
  return { c, sent, sets, w };
}

describe('lineage view freshness', () => {
  test('the plan: the folder registry (bundles and subject index, not the reverse index), every folder of the model, the policy file by name', () => {
    const root = tempDir('mp-lw-', { untilExit: true });
    const model = join(root, 'models', 'ft');
    mkdirSync(join(model, 'sub'), { recursive: true });
    writeFileSync(join(model, 'model.safetensors'), 'w');
    writeFileSync(join(model, 'sub', 'tok.json'), '{}');
    const plan = lineageWatchPlan({ registry: { kind: 'local', path: join(root, '.provenance') }, model, policy: join(root, 'provenance-policy.json') });
    assert.deepEqual(plan.map((p) => p.reason), ['registry', 'model', 'policy']);
    assert.deepEqual([...plan[0]!.dirs.keys()], [join(root, '.provenance', 'blobs', 'sha256'), join(root, '.provenance', 'index')]);
    assert.deepEqual([...plan[1]!.dirs.keys()].sort(), [model, join(model, 'sub')]);
    assert.ok([...plan[1]!.dirs.values()].every((v) => v === undefined), 'anything in a model folder counts');
    assert.deepEqual([...plan[2]!.dirs], [[root, new Set(['provenance-policy.json'])]]);
    // A single-file model: its folder, only its own name counts. A remote registry: no folder.
    writeFileSync(join(root, 'one.gguf'), 'w');
    const single = lineageWatchPlan({ registry: { kind: 'oci', probe: async () => '' }, model: join(root, 'one.gguf') });
    assert.deepEqual(single.map((p) => p.reason), ['model']);
    // A single-file model: its file and its signature beside it (the view without a policy shows the signature's state).
    assert.deepEqual([...single[0]!.dirs], [[root, new Set(['one.gguf', 'one.gguf.sig'])]]);
  });

  test('a change: stale at once, once per burst; re-check after the changes settled; the last reason wins', () => {
    const { c, sent, sets, w } = harness();
    w.watch('m', { registry: { kind: 'local', path: '/nowhere/.provenance' }, model: '/nowhere/m', policy: '/nowhere/p.json' });
    assert.equal(sets.length, 3);
    sets[0]!.fire();
    assert.deepEqual(sent, [{ watch: 'm', phase: 'stale', reason: 'registry' }]);
    c.advance(LINEAGE_DEBOUNCE_MS - 1);
    sets[1]!.fire();
    c.advance(LINEAGE_DEBOUNCE_MS - 1);
    assert.equal(sent.length, 1, 'still settling: no re-check yet, no second stale');
    c.advance(1);
    assert.deepEqual(sent[1], { watch: 'm', phase: 'recheck', reason: 'model' });
    // Computed again (watch again): the next change is a new burst.
    w.watch('m', { model: '/nowhere/m' });
    assert.ok(sets.slice(0, 3).every((s) => s.closed), 'the old watchers are closed');
    sets[3]!.fire();
    assert.deepEqual(sent[2], { watch: 'm', phase: 'stale', reason: 'model' });
    // Settings: every view; closed views: nothing.
    w.watch('n', {});
    w.changedAll('settings');
    c.advance(LINEAGE_DEBOUNCE_MS);
    assert.deepEqual(sent.slice(3), [
      { watch: 'n', phase: 'stale', reason: 'settings' },
      { watch: 'm', phase: 'recheck', reason: 'settings' },
      { watch: 'n', phase: 'recheck', reason: 'settings' },
    ]);
    w.unwatch('m');
    w.changed('m', 'registry');
    sets[3]!.fire();
    c.advance(LINEAGE_DEBOUNCE_MS);
    assert.equal(sent.length, 6);
    assert.ok(sets[3]!.closed);
    w.dispose();
  });

  test('a remote registry: polled no more often than the flags poll one; a changed listing makes the view stale', async () => {
    const { c, sent, w } = harness();
    let listing = 'a,b';
    let asked = 0;
    w.watch('m', { registry: { kind: 'oci', probe: async () => (asked++, listing) } });
    await new Promise((r) => setImmediate(r));
    assert.equal(asked, 1);
    await w.poll();
    assert.equal(asked, 1, 'not before FLAGS_POLL_REMOTE_MS');
    c.advance(FLAGS_POLL_REMOTE_MS);
    await w.poll();
    assert.equal(asked, 2);
    assert.deepEqual(sent, []);
    listing = 'a,b,c';
    c.advance(FLAGS_POLL_REMOTE_MS);
    await w.poll();
    assert.deepEqual(sent, [{ watch: 'm', phase: 'stale', reason: 'registry' }]);
    w.dispose();
  });

  test('the folder watchers for real: an entry altered in place under blobs/sha256 counts; a registry created later counts through its parent', async () => {
    const root = tempDir('mp-lw-fs-', { untilExit: true });
    const seen: string[] = [];
    const set = new DirWatchSet((dir, file) => void seen.push(`${dir}|${file ?? ''}`));
    const plan = lineageWatchPlan({ registry: { kind: 'local', path: join(root, '.provenance') } });
    set.set(plan[0]!.dirs);
    assert.deepEqual(set.dirs(), [root], 'a missing registry is watched through the folder above it');
    mkdirSync(join(root, '.provenance', 'blobs', 'sha256'), { recursive: true });
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.some((s) => s.startsWith(`${root}|`)), JSON.stringify(seen));
    set.set(plan[0]!.dirs);
    assert.deepEqual(set.dirs().sort(), [join(root, '.provenance'), join(root, '.provenance', 'blobs', 'sha256')].sort());
    writeFileSync(join(root, '.provenance', 'blobs', 'sha256', 'x.json'), '{}');
    seen.length = 0;
    writeFileSync(join(root, '.provenance', 'blobs', 'sha256', 'x.json'), '{"altered":1}');
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.some((s) => s === `${join(root, '.provenance', 'blobs', 'sha256')}|x.json`), JSON.stringify(seen));
    set.close();
  });

  test('which registry: found in the workspace, the setting, or none found with the setting to set (never CLI flags)', () => {
    assert.deepEqual(registryLine({ kind: 'local', path: '/w/.provenance', explicit: false, source: 'workspace' }, true, '/w'), { text: 'Registry: .provenance/ (found in the workspace)', found: true });
    assert.deepEqual(registryLine({ kind: 'local', path: '/w/reg', explicit: true, source: 'flag' }, true, '/w'), { text: 'Registry: reg/ (modelProvenance.registry)', found: true });
    assert.deepEqual(registryLine({ kind: 'oci', spec: 'oci://localhost:5000/prov', explicit: true, source: 'flag' }, true, '/w'), { text: 'Registry: oci://localhost:5000/prov (modelProvenance.registry)', found: true });
    const none = registryLine({ kind: 'local', path: '/w/.provenance', explicit: false, source: 'default' }, false, '/w');
    assert.equal(none.found, false);
    assert.equal(none.setting, 'modelProvenance.registry');
    assert.match(none.text, /^No registry found: there is no \.provenance\/ folder in \/w or any folder above it, and modelProvenance\.registry is not set\. Set modelProvenance\.registry/);
    assert.doesNotMatch(none.text, /--registry/);
    const gone = registryLine({ kind: 'local', path: '/elsewhere/reg', explicit: true, source: 'flag' }, false, '/w');
    assert.deepEqual(gone, { text: 'No registry found: modelProvenance.registry names /elsewhere/reg, which does not exist. Check modelProvenance.registry.', found: false, setting: 'modelProvenance.registry' });
  });

  test('a failed node opens its stored attestation: the altered or refused one first, never an entry gone from the registry; the stored text keeps every value', () => {
    const ignored = [
      { id: 'sha256:gone', digest: 'sha256:m', code: 'REGISTRY_DANGLING_INDEX' },
      { id: 'sha256:other', digest: 'sha256:m', code: 'REGISTRY_INDEX_MISMATCH' },
      { id: 'sha256:altered', digest: 'sha256:m', code: 'ATTESTATION_SIGNATURE_INVALID', stage: 'conversion' },
      { id: 'sha256:x', digest: 'sha256:other-model', code: 'ATTESTATION_SIGNATURE_INVALID' },
    ];
    assert.deepEqual(storedFailure(ignored, 'sha256:m'), ignored[2]);
    assert.equal(storedFailure([ignored[0]!], 'sha256:m'), undefined);
    assert.equal(storedFailure(ignored, 'sha256:none'), undefined);
    assert.equal(storedText('{"sig":"MEUCIQ+/="}'), '{\n  "sig": "MEUCIQ+/="\n}\n');
    assert.equal(storedText('{"sig": "broken'), '{"sig": "broken');
  });

  test('the model node is named by its folder when no verified attestation names it', () => {
    const result: ChainResult = { verdict: 'failed', model: { digest: `sha256:${'a'.repeat(64)}` }, registry: '/r', strict: false, links: [], externalRoots: [], problems: [], ignored: [], ignoredAdvisories: [] };
    assert.equal(graphFromChain(result, { modelName: 'ft' }).nodes[0]!.label, 'ft');
    assert.equal(graphFromChain(result).nodes[0]!.label, 'the model');
  });

  test('the view says when it was checked, which registry it read, and has Refresh; Show Impact has neither time nor Refresh', () => {
    const at = new Date(2026, 0, 2, 9, 3, 5).getTime();
    assert.equal(clockTime(at), '09:03:05');
    assert.equal(recheckingText('registry'), 're-checking (the registry changed)…');
    assert.equal(recheckingText(undefined), 're-checking (something it was built from changed)…');
    const view: LineageView = { verdict: 'verified', title: 'ft (sha256:aa…)', basis: 'b', svg: '<svg viewBox="0 0 10 10"></svg>', nodes: [], problems: [], checkedAt: at, registry: { text: 'No registry found: … <x>', found: false, setting: 'modelProvenance.registry' } };
    const html = lineageHtml(view, { refresh: true });
    assert.match(html, /<span id="checked"[^>]*>checked 09:03:05<\/span>/);
    assert.match(html, /<button id="refresh"/);
    assert.match(html, /<p id="registry" class="missing">No registry found: … &#60;x&#62; <button id="set-registry" data-setting="modelProvenance.registry"/);
    // The empty page leads with it.
    assert.match(html, /<h2>Nothing to draw<\/h2><p><strong>No registry found/);
    const impact = lineageHtml({ ...view, checkedAt: undefined, registry: undefined });
    assert.doesNotMatch(impact, /id="checked"|id="refresh"|id="registry"/);
  });
});
