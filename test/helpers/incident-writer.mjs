#!/usr/bin/env node
// A registry writer or reader for test/incident/concurrency.test.ts, run as its own OS process
// on the built library (dist/core.js), the way two CI jobs and a responder share one registry.
//
//   node test/helpers/incident-writer.mjs CONFIG.json
//
// CONFIG: { mode: 'advisories' | 'attestations' | 'reader', registry, privateKeyPem?,
//           targets?: [digest] (advisories: one advisory each, id MP-CONC-<n>),
//           subjects?: [digest] (attestations: each a fine-tune of `base` on `dataset`),
//           base?, dataset?, finishedOn?, maxMs? }
// Prints {"ready":true}, waits for a line on stdin, then one JSON line per write
// ({"done":n,"id":…}) and {"finished":true,"count":n}. The reader loads the reverse index
// over and over (packing when the journal is long) and prints {"seen":n} for the consumers of
// `dataset` each time, until stdin says "stop".
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const core = createRequire(import.meta.url)(join(repo, 'dist', 'core.js'));
const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const registry = new core.LocalRegistry(config.registry);
const emit = (e) => process.stdout.write(`${JSON.stringify(e)}\n`);

let go;
let stop = false;
const released = new Promise((r) => (go = r));
process.stdin.on('data', (d) => {
  if (String(d).includes('stop')) stop = true;
  go();
});
process.stdin.on('end', () => process.exit(2));

async function main() {
  emit({ ready: true });
  await released;
  let n = 0;
  if (config.mode === 'advisories') {
    const signer = { kind: 'key', privateKey: createPrivateKey(config.privateKeyPem) };
    for (const digest of config.targets) {
      const w = await core.flag({ registry, signer, target: { kind: 'artifact', digest }, id: `MP-CONC-${String(n + 1).padStart(4, '0')}`, reason: `concurrency test ${n}`, severity: 'high' });
      emit({ done: n++, id: w.entry.id });
    }
  } else if (config.mode === 'attestations') {
    const signer = { kind: 'key', privateKey: createPrivateKey(config.privateKeyPem) };
    for (const digest of config.subjects) {
      const a = await core.attest({ subjectDigest: digest, subjectName: `conc-${n}`, stage: 'fine-tuning', baseModels: [config.base], datasets: [config.dataset], finishedOn: config.finishedOn, signer, registry });
      emit({ done: n++, id: a.id });
    }
  } else {
    const stopAt = Date.now() + (config.maxMs ?? 60_000);
    while (!stop && Date.now() < stopAt) {
      emit({ seen: registry.reverseView().consumersOf(config.dataset).length, generation: registry.reverse.generation() });
      n++;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  emit({ finished: true, count: n });
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`incident-writer: ${err?.stack ?? err}\n`);
  process.exit(1);
});
