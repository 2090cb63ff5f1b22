import { Option, type Command } from 'commander';
import { CancelledError, InputError, isProvenanceError } from '../../core/errors';
import { LocalRegistry } from '../../core/registry/local';
import { OciRegistry } from '../../core/registry/oci/oci-registry';
import { copyRegistry } from '../../core/registry/copy';
import { openRegistry, refuseTransportForFolder } from '../../core/registry/open';
import { parseBundle } from '../../core/sigstore/bundle';
import { isObject } from '../../core/io/json';
import type { RemovedEntry } from '../../core/registry/registry';
import { transportOptions } from '../registry-options';
import { CLI_OPTION_NAMES, emit, registryCreated } from '../options';
import type { CliContext } from '../context';
import { reportFailure } from '../failure';
import { readFileSync } from 'node:fs';
import { fsError } from '../../core/errors';

/** Problems repair answers by moving the blob aside: the entry is gone afterwards, not fixed. */
const QUARANTINED = new Set(['REGISTRY_BLOB_CORRUPT', 'REGISTRY_BLOB_UNREADABLE']);

export function registerRegistry(program: Command, ctx: CliContext): void {
  const registry = program.command('registry').description('the store of signatures and attestations, found by subject digest: a local folder or an OCI registry').enablePositionalOptions();
  const fmt = (): Option => new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');
  const reg = '--registry <spec>';
  const regHelp = 'registry: a folder or file:PATH (default: the workspace .provenance/)';

  registry
    .command('ls')
    .description('list entries, or those about one subject')
    .option(reg, regHelp)
    .option('--subject <sha256:…>', 'only entries about this digest')
    .addOption(fmt())
    .action(async (o: { registry?: string; subject?: string; format: string }) => {
      const r = openRegistry(o.registry, undefined, { optionNames: CLI_OPTION_NAMES });
      const entries = o.subject ? await r.findBySubject(o.subject) : await r.list();
      if (o.format === 'json') emit(`${JSON.stringify({ registry: r.location, entries }, null, 2)}\n`);
      else {
        emit(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} in ${r.location}\n`);
        // The location last: a file in a folder, the per-artifact tag (oci://HOST/REPO:TAG) in an OCI registry, for oras and crane.
        for (const e of entries) emit(`${e.id}  ${(e.stage ?? kind(e.predicateType)).padEnd(14)} ${e.subjects.join(' ')}  ${e.location}\n`);
      }
    });

  registry
    .command('show')
    .description('print an entry and its decoded (unverified) statement')
    .argument('<id>', 'entry id (sha256:…)')
    .option(reg, regHelp)
    .addOption(fmt())
    .action(async (id: string, o: { registry?: string; format: string }) => {
      const r = openRegistry(o.registry, undefined, { optionNames: CLI_OPTION_NAMES });
      const text = await r.read(id);
      const bundle = parseBundle(text, id);
      const statement: unknown = JSON.parse(bundle.envelope.payload.toString('utf8'));
      if (o.format === 'json') emit(`${JSON.stringify({ id, mediaType: bundle.json.mediaType, verificationMaterial: bundle.material.kind, statement }, null, 2)}\n`);
      else {
        emit(`${id}  (${bundle.material.kind}, bundle v${bundle.version}; signature not checked here: use verify or lineage --policy)\n`);
        emit(`${JSON.stringify(isObject(statement) ? statement : {}, null, 2)}\n`);
      }
    });

  registry
    .command('add')
    .description('store existing signature or attestation bundles')
    .argument('<files...>', 'bundle files (model.sig, *.sigstore.json, …)')
    .option(reg, regHelp)
    .addOption(fmt())
    .action(async (files: string[], o: { registry?: string; format: string }) => {
      const r = openRegistry(o.registry, undefined, { access: 'write', onCreate: registryCreated, optionNames: CLI_OPTION_NAMES });
      const added = [];
      for (const f of files) {
        let text: string;
        try {
          text = readFileSync(f, 'utf8');
        } catch (err) {
          throw fsError(err, f, 'read the bundle');
        }
        try {
          added.push({ file: f, ...(await r.put(text)) });
        } catch (err) {
          // The registry does not know which file the text came from and calls it "bundle": name
          // the file. Errors about anything else (the registry itself, a blob it could not write)
          // already name what they are about.
          if (isProvenanceError(err) && err.file === 'bundle') throw new InputError(err.code, err.message, { file: f, cause: err });
          throw err;
        }
      }
      if (o.format === 'json') emit(`${JSON.stringify({ registry: r.location, added }, null, 2)}\n`);
      else for (const a of added) emit(`added ${a.id} (${a.stage ?? kind(a.predicateType)}) from ${a.file} to ${r.location}\n`);
    });

  registry
    .command('rm')
    .description('remove entries by id, or every entry indexed under a subject; a bundle shared with other subjects stays for them')
    .argument('[ids...]', 'entry ids (sha256:…) to remove')
    .option('--subject <sha256:…>', 'remove the index entries of this subject (bundles no other subject indexes are deleted)')
    .option(reg, regHelp)
    .addOption(fmt())
    .action(async (ids: string[], o: { registry?: string; subject?: string; format: string }) => {
      if (ids.length === 0 && !o.subject) throw new InputError('USAGE', 'registry rm needs entry ids or --subject sha256:…');
      if (ids.length > 0 && o.subject) throw new InputError('USAGE', 'give entry ids or --subject, not both');
      const r = openRegistry(o.registry, undefined, { optionNames: CLI_OPTION_NAMES });
      const removed: RemovedEntry[] = [];
      if (o.subject) {
        const entries = await r.findBySubject(o.subject);
        if (entries.length === 0) throw new InputError('REGISTRY_ENTRY_NOT_FOUND', `no entry is indexed under ${o.subject}`, { file: r.location });
        for (const e of entries) removed.push(await r.remove(e.id, { subject: o.subject }));
      } else {
        // Every id is checked before anything is removed, so a typo removes nothing.
        for (const id of ids) await r.read(id);
        for (const id of ids) removed.push(await r.remove(id));
      }
      if (o.format === 'json') emit(`${JSON.stringify({ registry: r.location, removed }, null, 2)}\n`);
      else {
        for (const x of removed) {
          const kept = x.keptFor.length > 0 ? `; kept for ${x.keptFor.length} other subject(s)` : '';
          emit(`removed ${x.id} from ${r.location}${x.blobRemoved ? '' : ' (index only)'}${kept}\n`);
        }
      }
    });

  registry
    .command('index')
    .description('the reverse index (who consumed a digest, who signed what): show its state, or --rebuild it from every blob')
    .option(reg, regHelp)
    .option('--rebuild', 'rebuild it from scratch (a registry written by an older version, or after damage)')
    .addOption(fmt())
    .action(async (o: { registry?: string; rebuild?: boolean; format: string }) => {
      // Maintenance of an existing registry, like rm and verify --repair: a missing one is an
      // input error, not a new empty registry under a mistyped name.
      // An OCI registry's reverse index is its local mirror's, synced first (docs/registry.md).
      const opened = openRegistry(o.registry, undefined, { optionNames: CLI_OPTION_NAMES });
      const r = opened instanceof OciRegistry ? await opened.synced() : opened;
      if (!(r instanceof LocalRegistry)) throw new InputError('UNSUPPORTED', `${r.location} keeps no local reverse index`);
      const where = opened === r ? r.location : `${opened.location} (its synced mirror ${r.location})`;
      const t0 = Date.now();
      const built = o.rebuild ? r.rebuildIndex() : undefined;
      const view = r.reverseView();
      const state = { registry: opened.location, ...(opened === r ? {} : { mirror: r.location }), entries: view.ids().size, generation: r.reverse.generation(), ...(built ? { rebuilt: built.entries, skipped: built.skipped, ms: Date.now() - t0 } : {}) };
      if (o.format === 'json') emit(`${JSON.stringify(state, null, 2)}\n`);
      else {
        emit(`${built ? `rebuilt from ${built.entries} blob(s) in ${state.ms} ms; ` : ''}${state.entries} entr${state.entries === 1 ? 'y' : 'ies'} indexed in ${where} (pack generation ${state.generation})\n`);
        for (const s of built?.skipped ?? []) emit(`  skipped unreadable blob ${s}\n`);
      }
    });

  registry
    .command('verify')
    .description('check the registry for damage: every blob re-hashed, every index entry resolved')
    .option(reg, regHelp)
    .option('--repair', 'repair what verify reports: index whole blobs that lack their marker, remove temporary files and index entries that point nowhere or under the wrong subject, move damaged blobs to quarantine/')
    .addOption(fmt())
    .action(async (o: { registry?: string; format: string; repair?: boolean }) => {
      const r = openRegistry(o.registry, undefined, { optionNames: CLI_OPTION_NAMES });
      const check = o.repair ? await r.repair() : await r.verify();
      if (o.format === 'json') emit(`${JSON.stringify({ registry: r.location, ...check }, null, 2)}\n`);
      else {
        emit(`${check.ok ? 'OK' : 'DAMAGED'} ${r.location}: ${check.entries} index entr${check.entries === 1 ? 'y' : 'ies'} for ${check.subjects} subject(s)\n`);
        for (const x of check.repaired ?? []) emit(`  repaired ${x.code} ${x.location}: ${x.action}\n`);
        for (const p of check.problems) emit(`  ${p.code} ${p.location ?? ''}: ${p.message}${p.repairable ? (QUARANTINED.has(p.code) ? ' (--repair moves it to quarantine/ as evidence; restore the signed original from a trusted copy)' : ' (--repair fixes it)') : ''}\n`);
        if (check.quarantined?.length) emit(`  note: ${check.quarantined.length} blob(s) in quarantine/, moved there by --repair because they were altered or damaged after being stored: evidence to keep; restore the signed originals from a trusted copy and find out who changed them\n`);
        if (check.strayTempFiles.length > 0) emit(`  note: ${check.strayTempFiles.length} leftover temporary file(s) from interrupted writes (never visible to readers; --repair removes them)\n`);
        if (check.unindexedBlobs.length > 0) emit(`  note: ${check.unindexedBlobs.length} whole blob(s) from interrupted writes are not indexed yet (invisible to readers; --repair indexes them)\n`);
        if (check.unlistedReferrers?.length) emit(`  note: ${check.unlistedReferrers.length} artifact(s) missing from their referrers tag-schema index (found by this tool through their tags; --repair lists them for oras and crane)\n`);
      }
      ctx.exitCode = check.ok ? 0 : 1;
      if (!check.ok) reportFailure(r.location, 'damaged', check.problems.map((p) => ({ code: p.code, message: p.message })));
    });

  transportOptions(
    registry
      .command('copy')
      .description('copy every entry from one registry to another (folder to OCI, OCI to folder, or alike); idempotent')
      .argument('<src>', 'source registry: a folder, file:PATH or oci://HOST[:PORT]/REPOSITORY')
      .argument('<dst>', 'destination registry, in the same forms')
      .addOption(fmt()),
  ).action(async (src: string, dst: string, o: { format: string }) => {
    const from = openRegistry(src, undefined, { origin: 'the SRC argument', refuseTransportForFolder: false, optionNames: CLI_OPTION_NAMES });
    const to = openRegistry(dst, undefined, { access: 'write', onCreate: registryCreated, origin: 'the DST argument', refuseTransportForFolder: false, optionNames: CLI_OPTION_NAMES });
    if (from.location === to.location) throw new InputError('USAGE', `source and destination are the same registry (${from.location})`);
    // The transport flags tune whichever side is an OCI registry; with two folders they would be dropped.
    if (!(from instanceof OciRegistry) && !(to instanceof OciRegistry)) refuseTransportForFolder(to.location);
    // A kill (SIGTERM) or Ctrl-C stops between entries, saying how far it got; each entry is stored whole or not at all.
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    ctx.signal.addEventListener('abort', onSignal);
    process.once('SIGTERM', onSignal);
    let r;
    try {
      r = await copyRegistry(from, to, { signal: stop.signal });
    } catch (err) {
      // The registry written to, and how far the copy got, in the one line the CLI prints.
      if (err instanceof CancelledError) throw new CancelledError(`registry ${err.message}`, { file: to.location });
      throw err;
    } finally {
      process.removeListener('SIGTERM', onSignal);
      ctx.signal.removeEventListener('abort', onSignal);
    }
    if (o.format === 'json') emit(`${JSON.stringify({ from: from.location, to: to.location, ...r }, null, 2)}\n`);
    else emit(`copied ${r.copied} entr${r.copied === 1 ? 'y' : 'ies'} from ${from.location} to ${to.location} (${r.present} already there)\n`);
  });

  registry
    .command('sync')
    .description('bring the local mirror of an OCI registry up to date (what list, lineage and incident queries read); a local folder needs none')
    .option(reg, regHelp)
    .addOption(fmt())
    .action(async (o: { registry?: string; format: string }) => {
      const r = openRegistry(o.registry, undefined, { optionNames: CLI_OPTION_NAMES });
      if (!(r instanceof OciRegistry)) throw new InputError('USAGE', `${r.location} is a local folder; only OCI registries are synced`);
      const s = await r.sync();
      if (o.format === 'json') emit(`${JSON.stringify({ registry: r.location, mirror: r.mirror.location, ...s }, null, 2)}\n`);
      else {
        // The counts add up: entries = unchanged + added + failed (listed below).
        const failed = s.entries - s.unchanged - s.added;
        emit(
          `synced ${r.location}: ${s.entries} entr${s.entries === 1 ? 'y' : 'ies'}: ${s.unchanged} unchanged, ${s.added} added (bundles: ${s.fetched} fetched, ${s.cached} from the local cache)${failed ? `, ${failed} failed` : ''}; ${s.removed} removed; into ${r.mirror.location}\n`,
        );
        for (const p of s.problems) emit(`  ${p.code} ${p.location ?? ''}: ${p.message}\n`);
      }
      ctx.exitCode = s.problems.length === 0 ? 0 : 1;
    });
}

function kind(predicateType: string): string {
  if (predicateType.startsWith('https://model_signing/')) return 'model-signature';
  return predicateType.replace(/^https?:\/\//, '');
}
