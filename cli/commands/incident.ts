import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { IMPACT_FORMATS, renderImpact, type ImpactFormat } from '../../core/incident/render-impact';
import { INCIDENT_REPORT_FORMATS, renderIncidentReport, type IncidentReportFormat } from '../../core/incident/render-report';
import { InputError } from '../../core/errors';
import { SEVERITIES, targetLabel } from '../../core/incident/openvex';
import { buildIncidentReport } from '../../core/incident/report';
import { flag, readAdvisories, advisoryState, describeStatus, resolveFlags, updateAdvisory, type WrittenAdvisory, type ReadAdvisory } from '../../core/incident/advisories';
import { impact } from '../../core/incident/impact';
import { loadCertificates } from '../../core/keys/certificates';
import { loadPolicy, registryOrigin, registrySpecFor, type Policy } from '../../core/policy/policy';
import { loadPrivateKey } from '../../core/keys/keys';
import { openRegistry } from '../../core/registry/open';
import { resolveTarget } from '../../core/incident/target';
import { writeFileAtomic } from '../../core/io/atomic-write';
import type { AdvisorySeverity } from '../../core';
import type { SigningIdentity } from '../../core/sign/sign-model';
import { CLI_OPTION_NAMES, collect, emit, passphrase, passwordOption, registryCreated, requireOption } from '../options';
import { declareForms, type Given, type Needs } from '../forms';
import type { CliContext } from '../context';

declare const PACKAGE_VERSION: string;
const VERSION = typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev';
const DEFAULT_POLICY = 'provenance-policy.json';

interface SignOptions {
  privateKey?: string;
  password?: string;
  passwordFile?: string;
  signingCertificate?: string;
  certificateChain?: string[];
}

function addSignOptions(cmd: Command): Command {
  return cmd
    .option('--private-key <file>', 'signing key (PEM) of the advisory signer')
    .addOption(passwordOption('passphrase of an encrypted key (or MODEL_PROVENANCE_PASSPHRASE)'))
    .option('--password-file <file>', 'read the passphrase from a file')
    .option('--signing-certificate <file>', 'sign with this certificate (chain instead of key hint)')
    .option('--certificate-chain <file>', 'intermediate certificates; repeatable', collect);
}

function signer(o: SignOptions): SigningIdentity {
  const privateKey = loadPrivateKey(requireOption(o.privateKey, '--private-key', 'advisories are signed'), passphrase(o), { optionNames: CLI_OPTION_NAMES });
  if (!o.signingCertificate) return { kind: 'key', privateKey };
  const [leaf, ...rest] = loadCertificates(o.signingCertificate);
  return { kind: 'certificate', privateKey, signingCertificate: leaf!, chain: [...rest, ...(o.certificateChain ?? []).flatMap((f) => loadCertificates(f))] };
}

/** `--date ISO` (back-filling, tests), else SOURCE_DATE_EPOCH for reports, else now. */
function when(date: string | undefined, epoch = false): Date {
  if (date !== undefined) {
    const ms = Date.parse(date);
    if (Number.isNaN(ms)) throw new InputError('USAGE', `--date "${date}" is not a date (ISO 8601)`);
    return new Date(ms);
  }
  const sde = process.env.SOURCE_DATE_EPOCH;
  if (epoch && sde && /^\d+$/.test(sde)) return new Date(Number(sde) * 1000);
  return new Date();
}

function policyOf(path: string | undefined): Policy | undefined {
  const p = path ?? (existsSync(DEFAULT_POLICY) && statSync(DEFAULT_POLICY).isFile() ? join(process.cwd(), DEFAULT_POLICY) : undefined);
  return p ? loadPolicy(p) : undefined;
}

/**
 * The registry an incident command reads or writes: --registry, else MODEL_PROVENANCE_REGISTRY,
 * else the policy's `registry` (the --policy given, else ./provenance-policy.json when present),
 * else the workspace's. The same registry the gate (verify --policy) reads, so an advisory is
 * written where the gate finds it and listed from where the gate reads it.
 */
function incidentRegistry(flagValue: string | undefined, policy: Policy | undefined, write = false) {
  return openRegistry(registrySpecFor(flagValue, policy), undefined, { origin: registryOrigin(flagValue, policy), optionNames: CLI_OPTION_NAMES, ...(write ? { access: 'write' as const, onCreate: registryCreated } : {}) });
}

function advisoryTrust(policy: Policy | undefined): Policy['signers'] | undefined {
  return policy && policy.advisorySigners.length > 0 ? policy.signers.filter((s) => policy.advisorySigners.includes(s.name)) : undefined;
}

function written(list: WrittenAdvisory[], format: string, registry: string): void {
  for (const w of list) for (const m of w.warnings) process.stderr.write(`model-provenance: warning: ${m} [DIGEST_NOT_IN_REGISTRY]\n`);
  if (format === 'json') {
    emit(`${JSON.stringify({ registry, advisories: list.map((w) => ({ id: w.advisoryId, status: w.status, target: w.target, entry: w.entry.id, location: w.entry.location })) }, null, 2)}\n`);
    return;
  }
  // The entry's location: a file in a folder registry, the per-artifact tag in an OCI one (as attest prints it).
  for (const w of list) emit(`${w.advisoryId} ${w.status}: ${targetLabel(w.target)}\n  stored ${w.entry.id} in ${w.entry.location}\n`);
}

const ADVISORY_ID = /^[A-Za-z][A-Za-z0-9._-]*-\d+$/;

// Intermediates travel with a signing certificate; alone they would be dropped.
const withCertificate: Needs = { test: (g: Given) => g.has('signingCertificate'), needs: '--signing-certificate', sample: ['--signing-certificate', 'leaf.pem'] };
const signForms = (name: string, sample: string[] = []): Parameters<typeof declareForms>[1] => [{ name, sample, options: '*', needs: { certificateChain: withCertificate } }];

/** `--identity-provider` names the issuer of an identity: target; for any other target it would be dropped. */
function refuseIssuerFor(target: { kind: string }, issuer: string | undefined, command: string): void {
  if (issuer !== undefined && target.kind !== 'identity') {
    throw new InputError('OPTION_NOT_APPLICABLE', `--identity-provider does not apply to ${command} of a ${target.kind === 'key' ? 'key' : 'digest or path'}: it names the OIDC issuer of an identity:<email or URI> target`);
  }
}

export function registerIncident(program: Command, ctx: CliContext): void {
  const incident = program
    .command('incident')
    .description('incident response: signed advisories (OpenVEX) the gate obeys, blast radius, incident report')
    .enablePositionalOptions();
  const reg = ['--registry <spec>', 'registry (default: the policy\'s "registry", else the workspace .provenance/)'] as const;
  const fmt = (choices: readonly string[]): Option => new Option('--format <format>', 'output format').choices([...choices]).default(choices[0]);

  const flagCmd = addSignOptions(
    incident
      .command('flag')
      .description('sign an advisory that flags an artifact, key or identity, and store it in the registry')
      .argument('<target>', 'sha256:<digest>, a model or dataset path (hashed), a public key or certificate file, key:<key id>, or identity:<email or URI>'),
  )
    .requiredOption('--reason <text>', 'why it is flagged (the OpenVEX vulnerability description)')
    .option('--id <id>', 'advisory id (default: the next MP-<year>-<NNNN> in the registry)')
    .addOption(new Option('--severity <level>', 'severity').choices([...SEVERITIES]))
    .option('--atlas <technique>', 'MITRE ATLAS technique id (e.g. AML.T0020); repeatable', collect)
    .option('--since <date>', 'for a key or identity: revoke only what it signed at or after this time (ISO 8601)')
    .addOption(new Option('--status <status>', 'OpenVEX status; both make the gate refuse').choices(['affected', 'under_investigation']).default('affected'))
    .option('--identity-provider <url>', 'the OIDC issuer of an identity: target')
    .option('--author <text>', 'the OpenVEX author (default: the signing key id or certificate subject)')
    .option('--date <iso>', 'record this issue time instead of now (back-filling)')
    .option(...reg)
    .addOption(fmt(['text', 'json']))
    .action(async (targetArg: string, o: SignOptions & { reason: string; id?: string; severity?: AdvisorySeverity; atlas?: string[]; since?: string; status: 'affected' | 'under_investigation'; identityProvider?: string; author?: string; date?: string; registry?: string; format: string }) => {
      const s = signer(o);
      const target = await resolveTarget(targetArg, { issuer: o.identityProvider, signal: ctx.signal, optionNames: CLI_OPTION_NAMES });
      refuseIssuerFor(target, o.identityProvider, 'incident flag');
      const registry = incidentRegistry(o.registry, policyOf(undefined), true);
      const w = await flag({ registry, signer: s, target, id: o.id, reason: o.reason, severity: o.severity, atlas: o.atlas, since: o.since, status: o.status, author: o.author, now: when(o.date), tooling: `model-provenance ${VERSION}`, optionNames: CLI_OPTION_NAMES });
      written([w], o.format, registry.location);
    });
  declareForms(flagCmd, signForms('incident flag', ['--reason', 'why']));

  for (const [name, status, what] of [
    ['fixed', 'fixed', 'record that the advisory is fixed (OpenVEX fixed): the gate stops refusing its target'],
    ['withdraw', 'not_affected', 'withdraw the advisory (OpenVEX not_affected): the gate stops refusing its target'],
  ] as const) {
    const update = addSignOptions(incident.command(name).description(what).argument('<id>', 'advisory id, e.g. MP-2026-0001'))
      .option('--reason <text>', 'why (status notes)')
      .option('--policy <file>', "also accept the advisory when one of the policy's advisorySigners signed it (default: only this key's own); refuses a key that is not an advisory signer")
      .option('--force', 'with --policy: write the statement even though the signing key is not one of its advisorySigners (the gate will ignore it)')
      .option('--author <text>', 'the OpenVEX author')
      .option('--date <iso>', 'record this time instead of now')
      .option(...reg)
      .addOption(fmt(['text', 'json']))
      .action(async (id: string, o: SignOptions & { reason?: string; policy?: string; force?: boolean; author?: string; date?: string; registry?: string; format: string }) => {
        const s = signer(o);
        const policy = o.policy ? loadPolicy(o.policy) : undefined;
        // Only an explicit --policy decides whose statements count; the default policy, like the gate's, names the registry.
        const registry = incidentRegistry(o.registry, policy ?? policyOf(undefined), true);
        if (policy && policy.advisorySigners.length === 0) process.stderr.write(`model-provenance: warning: ${o.policy}: the policy names no advisorySigners, so its gate reads no advisory at all (this statement included) [POLICY_NO_ADVISORY_SIGNERS]\n`);
        const list = await updateAdvisory({ registry, signer: s, id, status, reason: o.reason, trust: advisoryTrust(policy), force: o.force, author: o.author, now: when(o.date), tooling: `model-provenance ${VERSION}`, optionNames: CLI_OPTION_NAMES });
        if (o.force && policy && advisoryTrust(policy)) process.stderr.write(`model-provenance: warning: written with --force: unless this key is one of the policy's advisorySigners, the gate ignores the statement\n`);
        written(list, o.format, registry.location);
      });
    declareForms(update, signForms(`incident ${name}`));
  }

  incident
    .command('ls')
    .description('list the advisories in the registry and what is in force (verified against --policy when given)')
    .option('--policy <file>', `trust policy (default: ./${DEFAULT_POLICY} if present): only its advisorySigners count`)
    .option(...reg)
    .addOption(fmt(['text', 'json']))
    .action(async (o: { policy?: string; registry?: string; format: string }) => {
      const policy = policyOf(o.policy);
      const registry = incidentRegistry(o.registry, policy);
      const trust = advisoryTrust(policy);
      const set = await readAdvisories(registry, trust);
      const flags = resolveFlags(set);
      if (o.format === 'json') {
        emit(`${JSON.stringify({ registry: registry.location, verified: trust !== undefined, advisories: set.advisories, ignored: set.ignored, inForce: [...flags.digests.values(), ...flags.keys.values(), ...flags.identities.values()].flat(), lifted: flags.lifted }, null, 2)}\n`);
        return;
      }
      if (!trust) emit(`!! NOT VERIFIED: ${policy ? 'the policy names no advisorySigners' : 'no policy'}; these are what the stored statements claim (give --policy with advisorySigners)\n`);
      // One line per advisory: what is in force now, then its statements.
      const byId = new Map<string, ReadAdvisory[]>();
      for (const a of set.advisories) byId.set(a.advisoryId, [...(byId.get(a.advisoryId) ?? []), a]);
      const states = [...byId.values()].map((docs) => advisoryState(docs)!);
      const active = states.filter((st) => st.inForce).length;
      emit(`${byId.size} advisor${byId.size === 1 ? 'y' : 'ies'} in ${registry.location}: ${active} in force (the gate refuses their targets), ${byId.size - active} lifted; ${set.advisories.length} statement(s)\n`);
      for (const st of states.sort((a, b) => Number(b.inForce) - Number(a.inForce) || a.id.localeCompare(b.id))) {
        const label = st.inForce ? 'IN FORCE' : st.status === 'fixed' ? 'fixed' : 'withdrawn';
        emit(`\n${st.id.padEnd(14)} ${label.padEnd(9)} ${st.current.targets.map(targetLabel).join(', ')}${st.severity ? `  ${st.severity}` : ''}${st.reason ? `  "${st.reason}"` : ''}\n`);
        if (!st.inForce) emit(`  ${describeStatus(st)}\n`);
        for (const a of st.history) emit(`  ${a === st.current ? '*' : ' '} ${a.status.padEnd(19)} ${a.timestamp}${a.signers.length ? `  signed by ${a.signers.join(', ')}` : a.author ? `  by ${a.author} (unverified)` : ''}${a.reason && a.status !== 'affected' && a.status !== 'under_investigation' ? `  "${a.reason}"` : ''}\n`);
      }
      if (set.ignored.length > 0) emit('\nIgnored (they do not count):\n');
      for (const i of set.ignored) emit(`  ${i.code}: ${i.message}\n`);
      if (byId.size > 0) emit('\n* the statement in force (the newest)\n');
    });

  const impactCmd = incident
    .command('impact')
    .description('the blast radius of a flagged artifact, key, identity or advisory: derived models, revoked signatures, deployments, workspace files')
    .argument('<target>', 'an advisory id (MP-2026-0001), sha256:<digest>, a path, a public key file, key:<key id>, or identity:<identity>')
    .option('--policy <file>', `trust policy (default: ./${DEFAULT_POLICY} if present): verifies advisories, attestations and deployment records`)
    .option('--since <date>', 'for a key or identity: what it signed at or after this time (default: the advisory\'s)')
    .option('--identity-provider <url>', 'the OIDC issuer of an identity: target')
    .option('--workspace <dir>', 'scan this folder for manifests, signatures and attestations naming an affected digest (default: the working directory)')
    .option('--no-workspace', 'do not scan the workspace')
    .addOption(new Option('--status <status>', 'OpenVEX status of the affected products (--format openvex)').choices(['under_investigation', 'affected']).default('under_investigation'))
    .option('--date <iso>', 'the time written into the OpenVEX, OSV and SARIF outputs (default SOURCE_DATE_EPOCH, else now)')
    .option(...reg)
    .addOption(fmt(IMPACT_FORMATS))
    .action(async (arg: string, o: { policy?: string; since?: string; identityProvider?: string; workspace?: string | boolean; status: 'under_investigation' | 'affected'; date?: string; registry?: string; format: ImpactFormat }) => {
      const policy = policyOf(o.policy);
      const registry = incidentRegistry(o.registry, policy);
      const workspace = o.workspace === false ? undefined : typeof o.workspace === 'string' ? o.workspace : process.cwd();
      if (o.since !== undefined && Number.isNaN(Date.parse(o.since))) throw new InputError('USAGE', `--since "${o.since}" is not a date (ISO 8601, e.g. 2026-11-01 or 2026-11-01T12:00:00Z)`);
      // A window applies to what a key or identity signed; for an artifact it would be dropped.
      const refuseSince = (kind: string): void => {
        if (o.since !== undefined && kind === 'artifact') throw new InputError('OPTION_NOT_APPLICABLE', '--since does not apply to the impact of an artifact: it bounds what a key or identity signed (an artifact is affected whole)');
      };
      let result;
      if (ADVISORY_ID.test(arg) && !existsSync(arg)) {
        if (o.identityProvider !== undefined) throw new InputError('OPTION_NOT_APPLICABLE', `--identity-provider does not apply to an advisory id: ${arg} names its target, issuer included`);
        const trust = advisoryTrust(policy);
        const set = await readAdvisories(registry, trust);
        const docs = set.advisories.filter((a) => a.advisoryId === arg);
        const newest = docs[docs.length - 1];
        if (!newest) {
          const ignored = set.ignored.find((i) => i.advisoryId === arg);
          throw new InputError('ADVISORY_NOT_FOUND', ignored ? `advisory ${arg} does not count: ${ignored.message}` : `no advisory ${arg} in ${registry.location}`);
        }
        refuseSince(newest.targets[0]!.kind);
        result = await impact({ registry, target: newest.targets[0]!, advisory: docs, since: o.since, policy, workspace, optionNames: CLI_OPTION_NAMES });
      } else {
        const target = await resolveTarget(arg, { issuer: o.identityProvider, signal: ctx.signal, optionNames: CLI_OPTION_NAMES });
        refuseIssuerFor(target, o.identityProvider, 'incident impact');
        refuseSince(target.kind);
        // The advisory in force about this target, if any, names the outputs (OpenVEX, OSV).
        const set = await readAdvisories(registry, advisoryTrust(policy));
        const flags = resolveFlags(set);
        const key = target.kind === 'artifact' ? flags.digests.get(target.digest) : target.kind === 'key' ? flags.keys.get(target.keyId) : undefined;
        const inForce = key?.find((f) => f.source === 'advisory');
        const docs = inForce ? set.advisories.filter((a) => a.advisoryId === inForce.advisoryId) : [];
        result = await impact({ registry, target, ...(docs.length > 0 ? { advisory: docs } : {}), since: o.since, policy, workspace, optionNames: CLI_OPTION_NAMES });
      }
      emit(renderImpact(result, o.format, { status: o.status, now: when(o.date, true), version: VERSION, optionNames: CLI_OPTION_NAMES }));
    });
  // --status and --date shape the standard documents only; with another format they would be dropped.
  const inFormat = (formats: string[], needs: string): Needs => ({ test: (g) => formats.includes(String(g.value('format'))), needs, sample: ['--format', formats[0]!] });
  declareForms(impactCmd, [
    {
      name: 'incident impact',
      sample: [],
      options: '*',
      needs: {
        status: inFormat(['openvex'], '--format openvex (the status of the OpenVEX statements)'),
        date: inFormat(['openvex', 'osv', 'sarif'], '--format openvex, osv or sarif (the time written into them)'),
      },
    },
  ]);

  const reportCmd = incident
    .command('report')
    .description("a responder's report for one advisory: custody timeline, entry point, keys to rotate, deployments, rollback candidates, ATLAS techniques")
    .argument('<id>', 'advisory id, e.g. MP-2026-0001')
    .option('--policy <file>', `trust policy (default: ./${DEFAULT_POLICY} if present): verifies the advisory, custody and rollback candidates`)
    .option('--workspace <dir>', 'scan this folder for files naming an affected digest (default: the working directory)')
    .option('--no-workspace', 'do not scan the workspace')
    .option('--output <file>', 'write the report here (atomically; refuses to replace a file unless --force)')
    .option('--force', 'replace an existing --output file')
    .option('--date <iso>', "the report's date (default SOURCE_DATE_EPOCH, else now)")
    .option(...reg)
    .addOption(fmt(INCIDENT_REPORT_FORMATS))
    .action(async (id: string, o: { policy?: string; workspace?: string | boolean; output?: string; force?: boolean; date?: string; registry?: string; format: IncidentReportFormat }) => {
      const policy = policyOf(o.policy);
      const registry = incidentRegistry(o.registry, policy);
      const workspace = o.workspace === false ? undefined : typeof o.workspace === 'string' ? o.workspace : process.cwd();
      const report = await buildIncidentReport({ registry, advisoryId: id, policy, workspace, now: when(o.date, true) });
      const text = renderIncidentReport(report, o.format, { optionNames: CLI_OPTION_NAMES });
      if (o.output) {
        writeFileAtomic(o.output, text, { exclusive: !o.force });
        emit(`wrote ${o.output}\n`);
      } else emit(text);
    });
  declareForms(reportCmd, [{ name: 'incident report', sample: [], options: '*', needs: { force: { test: (g) => g.has('output'), needs: '--output', sample: ['--output', 'report.md'] } } }]);
}
