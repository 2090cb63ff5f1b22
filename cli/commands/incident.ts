import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import {
  IMPACT_FORMATS,
  INCIDENT_REPORT_FORMATS,
  InputError,
  SEVERITIES,
  buildIncidentReport,
  flag,
  impact,
  loadCertificates,
  loadPolicy,
  loadPrivateKey,
  openRegistry,
  readAdvisories,
  renderImpact,
  renderIncidentReport,
  resolveFlags,
  resolveTarget,
  targetLabel,
  updateAdvisory,
  writeFileAtomic,
  type AdvisorySeverity,
  type ImpactFormat,
  type IncidentReportFormat,
  type Policy,
  type SigningIdentity,
  type WrittenAdvisory,
} from '../../core';
import { collect, emit, passphrase, registryCreated, requireOption } from '../options';
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
    .option('--password <passphrase>', 'passphrase of an encrypted key (or MODEL_PROVENANCE_PASSPHRASE)')
    .option('--password-file <file>', 'read the passphrase from a file')
    .option('--signing-certificate <file>', 'sign with this certificate (chain instead of key hint)')
    .option('--certificate-chain <file>', 'intermediate certificates; repeatable', collect);
}

function signer(o: SignOptions): SigningIdentity {
  const privateKey = loadPrivateKey(requireOption(o.privateKey, '--private-key', 'advisories are signed'), passphrase(o));
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

function advisoryTrust(policy: Policy | undefined): Policy['signers'] | undefined {
  return policy && policy.advisorySigners.length > 0 ? policy.signers.filter((s) => policy.advisorySigners.includes(s.name)) : undefined;
}

function written(list: WrittenAdvisory[], format: string, registry: string): void {
  if (format === 'json') {
    emit(`${JSON.stringify({ registry, advisories: list.map((w) => ({ id: w.advisoryId, status: w.status, target: w.target, entry: w.entry.id, location: w.entry.location })) }, null, 2)}\n`);
    return;
  }
  for (const w of list) emit(`${w.advisoryId} ${w.status}: ${targetLabel(w.target)}\n  stored ${w.entry.id} in ${registry}\n`);
}

const ADVISORY_ID = /^[A-Za-z][A-Za-z0-9._-]*-\d+$/;

export function registerIncident(program: Command, ctx: CliContext): void {
  const incident = program
    .command('incident')
    .description('incident response: signed advisories (OpenVEX) the gate obeys, blast radius, incident report')
    .enablePositionalOptions();
  const reg = ['--registry <spec>', 'registry: a folder or file:PATH (default: the workspace .provenance/)'] as const;
  const fmt = (choices: readonly string[]): Option => new Option('--format <format>', 'output format').choices([...choices]).default(choices[0]);

  addSignOptions(
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
      const registry = openRegistry(o.registry, undefined, { access: 'write', onCreate: registryCreated });
      const target = await resolveTarget(targetArg, { issuer: o.identityProvider, signal: ctx.signal });
      const w = await flag({ registry, signer: s, target, id: o.id, reason: o.reason, severity: o.severity, atlas: o.atlas, since: o.since, status: o.status, author: o.author, now: when(o.date), tooling: `model-provenance ${VERSION}` });
      written([w], o.format, registry.location);
    });

  for (const [name, status, what] of [
    ['fixed', 'fixed', 'record that the advisory is fixed (OpenVEX fixed): the gate stops refusing its target'],
    ['withdraw', 'not_affected', 'withdraw the advisory (OpenVEX not_affected): the gate stops refusing its target'],
  ] as const) {
    addSignOptions(incident.command(name).description(what).argument('<id>', 'advisory id, e.g. MP-2026-0001'))
      .option('--reason <text>', 'why (status notes)')
      .option('--policy <file>', "also accept the advisory when one of the policy's advisorySigners signed it (default: only this key's own)")
      .option('--author <text>', 'the OpenVEX author')
      .option('--date <iso>', 'record this time instead of now')
      .option(...reg)
      .addOption(fmt(['text', 'json']))
      .action(async (id: string, o: SignOptions & { reason?: string; policy?: string; author?: string; date?: string; registry?: string; format: string }) => {
        const s = signer(o);
        const registry = openRegistry(o.registry, undefined, { access: 'write', onCreate: registryCreated });
        const policy = o.policy ? loadPolicy(o.policy) : undefined;
        const list = await updateAdvisory({ registry, signer: s, id, status, reason: o.reason, trust: advisoryTrust(policy), author: o.author, now: when(o.date), tooling: `model-provenance ${VERSION}` });
        written(list, o.format, registry.location);
      });
  }

  incident
    .command('ls')
    .description('list the advisories in the registry and what is in force (verified against --policy when given)')
    .option('--policy <file>', `trust policy (default: ./${DEFAULT_POLICY} if present): only its advisorySigners count`)
    .option(...reg)
    .addOption(fmt(['text', 'json']))
    .action(async (o: { policy?: string; registry?: string; format: string }) => {
      const registry = openRegistry(o.registry);
      const policy = policyOf(o.policy);
      const trust = advisoryTrust(policy);
      const set = await readAdvisories(registry, trust);
      const flags = resolveFlags(set);
      if (o.format === 'json') {
        emit(`${JSON.stringify({ registry: registry.location, verified: trust !== undefined, advisories: set.advisories, ignored: set.ignored, inForce: [...flags.digests.values(), ...flags.keys.values(), ...flags.identities.values()].flat(), lifted: flags.lifted }, null, 2)}\n`);
        return;
      }
      emit(`${set.advisories.length} advisory statement(s) in ${registry.location}${trust ? '' : ' (not verified: no policy with advisorySigners)'}\n`);
      for (const a of set.advisories) emit(`  ${a.advisoryId.padEnd(14)} ${a.status.padEnd(19)} ${a.timestamp}  ${a.targets.map(targetLabel).join(', ')}${a.signers.length ? `  signed by ${a.signers.join(', ')}` : ''}\n`);
      for (const i of set.ignored) emit(`  ignored ${i.code}: ${i.message}\n`);
    });

  incident
    .command('impact')
    .description('the blast radius of a flagged artifact, key, identity or advisory: derived models, revoked signatures, deployments, workspace files')
    .argument('<target>', 'an advisory id (MP-2026-0001), sha256:<digest>, a path, a public key file, key:<key id>, or identity:<identity>')
    .option('--policy <file>', `trust policy (default: ./${DEFAULT_POLICY} if present): verifies advisories, attestations and deployment records`)
    .option('--since <date>', 'for a key or identity: what it signed at or after this time (default: the advisory\'s)')
    .option('--identity-provider <url>', 'the OIDC issuer of an identity: target')
    .option('--workspace <dir>', 'scan this folder for manifests, signatures and attestations naming an affected digest (default: the working directory)')
    .option('--no-workspace', 'do not scan the workspace')
    .addOption(new Option('--status <status>', 'OpenVEX status of the affected products (--format openvex)').choices(['under_investigation', 'affected']).default('under_investigation'))
    .option('--date <iso>', 'the time written into OpenVEX, OSV and SARIF outputs (default SOURCE_DATE_EPOCH, else now)')
    .option(...reg)
    .addOption(fmt(IMPACT_FORMATS))
    .action(async (arg: string, o: { policy?: string; since?: string; identityProvider?: string; workspace?: string | boolean; status: 'under_investigation' | 'affected'; date?: string; registry?: string; format: ImpactFormat }) => {
      const registry = openRegistry(o.registry);
      const policy = policyOf(o.policy);
      const workspace = o.workspace === false ? undefined : typeof o.workspace === 'string' ? o.workspace : process.cwd();
      let result;
      if (ADVISORY_ID.test(arg) && !existsSync(arg)) {
        const trust = advisoryTrust(policy);
        const set = await readAdvisories(registry, trust);
        const docs = set.advisories.filter((a) => a.advisoryId === arg);
        const newest = docs[docs.length - 1];
        if (!newest) {
          const ignored = set.ignored.find((i) => i.advisoryId === arg);
          throw new InputError('ADVISORY_NOT_FOUND', ignored ? `advisory ${arg} does not count: ${ignored.message}` : `no advisory ${arg} in ${registry.location}`);
        }
        const flagged = [...docs].reverse().find((d) => d.status === 'affected' || d.status === 'under_investigation');
        result = await impact({ registry, target: newest.targets[0]!, advisory: { ...newest, reason: newest.reason ?? flagged?.reason, severity: newest.severity ?? flagged?.severity }, since: o.since, policy, workspace });
      } else {
        const target = await resolveTarget(arg, { issuer: o.identityProvider, signal: ctx.signal });
        // The advisory in force about this target, if any, names the outputs (OpenVEX, OSV).
        const flags = resolveFlags(await readAdvisories(registry, advisoryTrust(policy)));
        const key = target.kind === 'artifact' ? flags.digests.get(target.digest) : target.kind === 'key' ? flags.keys.get(target.keyId) : undefined;
        const inForce = key?.find((f) => f.source === 'advisory');
        const advisory = inForce ? (await readAdvisories(registry, advisoryTrust(policy))).advisories.filter((a) => a.advisoryId === inForce.advisoryId && a.entryId === inForce.entryId)[0] : undefined;
        result = await impact({ registry, target, ...(advisory ? { advisory: { ...advisory, reason: inForce!.reason } } : {}), since: o.since, policy, workspace });
      }
      emit(renderImpact(result, o.format, { status: o.status, now: when(o.date, true), version: VERSION }));
    });

  incident
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
      const registry = openRegistry(o.registry);
      const workspace = o.workspace === false ? undefined : typeof o.workspace === 'string' ? o.workspace : process.cwd();
      const report = await buildIncidentReport({ registry, advisoryId: id, policy: policyOf(o.policy), workspace, now: when(o.date, true) });
      const text = renderIncidentReport(report, o.format);
      if (o.output) {
        writeFileAtomic(o.output, text, { exclusive: !o.force });
        emit(`wrote ${o.output}\n`);
      } else emit(text);
    });
}
