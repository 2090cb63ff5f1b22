#!/usr/bin/env node
// A registry writer run as a child process by test/registry/concurrency.test.ts.
// Plain JS on the built library (dist/core.js) so it starts fast and runs as a separate
// OS process, the way two CI jobs or a killed pipeline step would write one registry.
//
//   node test/helpers/registry-writer.mjs CONFIG.json
//
// CONFIG: {
//   mode: 'batch' | 'big',
//   registry: folder of the LocalRegistry,
//   privateKeyPem: this writer's own key (PKCS#8 PEM),
//   barrier?: true        print {"ready"} then wait for a line on stdin before writing
//   // batch: attest each subject once (stage fine-tuning), putting the pre-made bundle
//   //        files in sharedFiles first (all writers release together) and again in between
//   subjects?: [{ digest, name, baseModel, dataset }], sharedFiles?: [path], finishedOn?: string
//   // big: loop attesting random subjects with a `bigChars`-long byproduct until killed
//   //      (or, as a safety net, until maxMs have passed or stdin closes)
//   bigChars?: number, maxMs?: number
// }
//
// Events, one JSON object per line on stdout (pipe writes are synchronous on Linux, so a
// line the parent reads was written before the next step started):
//   {"ready":true}  {"put":n,"subject":…}  {"done":n,"id":…,"subject":…,"shared"?:true}  {"finished":true,"count":n}
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const core = createRequire(import.meta.url)(join(repo, 'dist', 'core.js'));

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const registry = new core.LocalRegistry(config.registry);
const signer = { kind: 'key', privateKey: createPrivateKey(config.privateKeyPem) };
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const digest = () => `sha256:${randomBytes(32).toString('hex')}`;

// The parent holds our stdin: when it goes away (it crashed, or a test failed before
// killing us), stop rather than write multi-MB blobs forever.
let go;
const released = new Promise((resolveGo) => (go = resolveGo));
process.stdin.on('data', () => go());
process.stdin.on('end', () => process.exit(2));

async function barrier() {
  if (!config.barrier) return;
  emit({ ready: true });
  await released;
}

async function putShared(files) {
  for (const f of files) {
    const e = await registry.put(readFileSync(f, 'utf8'));
    emit({ done: -1, id: e.id, subject: e.subjects[0], shared: true });
  }
}

async function batch() {
  const shared = config.sharedFiles ?? [];
  await barrier();
  // Every writer puts the same pre-made bundles at the same moment: the racing case.
  await putShared(shared);
  let n = 0;
  for (const s of config.subjects) {
    const a = await core.attest({
      subjectDigest: s.digest,
      subjectName: s.name,
      stage: 'fine-tuning',
      trainingRunId: s.name,
      baseModels: [s.baseModel],
      datasets: [s.dataset],
      finishedOn: config.finishedOn,
      signer,
      registry,
    });
    emit({ done: n, id: a.id, subject: a.subject.digest });
    n++;
    // …and again in between (an existing entry must stay untouched).
    if (n % 50 === 0) await putShared(shared);
  }
  emit({ finished: true, count: n });
  process.exit(0); // stdin is still open (the parent holds it)
}

async function big() {
  const chars = config.bigChars;
  // Base64 text: one long JSON string token, cheap to build, a few MB per blob.
  const filler = randomBytes(Math.ceil((chars * 3) / 4)).toString('base64').slice(0, chars);
  await barrier();
  const stopAt = Date.now() + (config.maxMs ?? 30_000); // a safety net: the test kills us long before
  for (let n = 0; Date.now() < stopAt; n++) {
    await new Promise((r) => setImmediate(r)); // let the stdin 'end' event through
    const subject = digest();
    const statement = core.buildAttestation({
      subject: { name: `big-${process.pid}-${n}`, digest: subject },
      stage: 'fine-tuning',
      dependencies: [{ role: 'base-model', digest: digest() }, { role: 'dataset', digest: digest() }],
      byproducts: [{ name: 'training-log', content: `${n.toString(16).padStart(8, '0')}${filler.slice(8)}` }],
    });
    const bundle = core.signStatement(statement, signer);
    emit({ put: n, subject });
    const e = await registry.put(bundle);
    emit({ done: n, id: e.id, subject });
  }
  process.stderr.write('registry-writer: not killed in time, stopping\n');
  process.exit(3);
}

(config.mode === 'big' ? big() : batch()).catch((err) => {
  process.stderr.write(`registry-writer: ${err?.stack ?? err}\n`);
  process.exit(1);
});
