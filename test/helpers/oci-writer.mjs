#!/usr/bin/env node
// An OCI registry writer run as a child process by test/oci/concurrency.test.ts: plain JS on
// the built library (dist/core.js), a separate OS process per writer, as separate CI jobs
// pushing to one team registry would be.
//
//   node test/helpers/oci-writer.mjs CONFIG.json
//
// CONFIG: { registry: 'oci://…', privateKeyPem, writer: name, count: n,
//           subjects: [{ digest, name, baseModel, dataset }], finishedOn }
// The i-th attestation is about subjects[i % subjects.length]. Prints {"ready":true}, waits
// for a line on stdin (all writers start together), then one {"done":i,"id":…,"subject":…}
// per acknowledged put and {"finished":true}.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const core = createRequire(import.meta.url)(join(repo, 'dist', 'core.js'));
const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const registry = core.openRegistry(config.registry);
const signer = { kind: 'key', privateKey: createPrivateKey(config.privateKeyPem) };
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

let go;
const released = new Promise((r) => (go = r));
process.stdin.on('data', () => go());
process.stdin.on('end', () => process.exit(2));
emit({ ready: true });
await released;
try {
  for (let i = 0; i < config.count; i++) {
    const s = config.subjects[i % config.subjects.length];
    const a = await core.attest({
      subjectDigest: s.digest,
      subjectName: s.name,
      stage: 'fine-tuning',
      trainingRunId: `${config.writer}-${i}`,
      baseModels: [s.baseModel],
      datasets: [s.dataset],
      finishedOn: config.finishedOn,
      signer,
      registry,
    });
    emit({ done: i, id: a.id, subject: a.subject.digest });
  }
  emit({ finished: true });
  process.exit(0);
} catch (err) {
  process.stderr.write(`${err && err.oneLine ? err.oneLine() : String(err && err.stack)}\n`);
  process.exit(1);
}
