/**
 * The deployment gate's verdict as SARIF 2.1.0, for code scanning: one result per problem
 * (its reason code is the rule), located at the file it is about (a weight file, the
 * signature, the model, the policy), with paths relative to the working directory under
 * `%SRCROOT%` (a CI job runs in the repository's root). A passing check is a log with no
 * results, so code scanning closes the alerts a previous run opened.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChainResult } from '../chain/verify-chain';
import type { Problem, VerificationResult } from '../verify/result';

declare const PACKAGE_VERSION: string;

const DOCS = 'https://model-provenance.dev/docs/codes#';

interface SarifFinding {
  code: string;
  message: string;
  /** A path as the command was given it (relative to the working directory, or absolute). */
  path: string;
}

function uri(path: string, cwd: string): { uri: string; uriBaseId?: string } {
  const abs = resolve(cwd, path);
  const rel = relative(cwd, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

/**
 * A SARIF 2.1.0 log of one run of the gate.
 *
 * @param category the run's `automationDetails.id` (`model-provenance/verify-signature/`), so two gate checks uploaded together stay apart
 */
export function gateSarif(findings: readonly SarifFinding[], category: string, cwd = process.cwd()): string {
  const codes = [...new Set(findings.map((f) => f.code))].sort();
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'model-provenance',
            version: typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev',
            informationUri: 'https://model-provenance.dev',
            rules: codes.map((id) => ({
              id,
              shortDescription: { text: id.toLowerCase().replace(/_/g, ' ') },
              helpUri: `${DOCS}${id}`,
              defaultConfiguration: { level: 'error' },
              properties: { tags: ['security', 'supply-chain'], 'security-severity': '8.0' },
            })),
          },
        },
        automationDetails: { id: category },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(`${resolve(cwd)}${sep}`).href } },
        invocations: [{ executionSuccessful: true }],
        results: findings.map((f) => ({
          ruleId: f.code,
          ruleIndex: codes.indexOf(f.code),
          level: 'error',
          message: { text: f.message },
          locations: [{ physicalLocation: { artifactLocation: uri(f.path, cwd) } }],
          // Stable across runs without reading the (possibly huge, binary) file it points at.
          partialFingerprints: { 'modelProvenance/v1': createHash('sha256').update(`${f.code}\0${f.path}\0${f.message}`).digest('hex') },
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function joinModel(model: string, file: string | undefined, singleFile: boolean): string {
  if (!file || singleFile) return model;
  return `${model.replace(/[\\/]+$/, '')}/${file}`;
}

/** `verify` (the signature) as SARIF: file problems at the file, the others at the signature. */
export function verificationSarif(r: VerificationResult, cwd = process.cwd()): string {
  let single = false;
  try {
    single = statSync(resolve(cwd, r.model)).isFile();
  } catch {
    /* a model that is gone: its problems are located at the path given */
  }
  const findings = r.problems.map((p: Problem) => ({
    code: p.code,
    message: `${p.file ? `${p.file}: ` : ''}${p.message}`,
    path: p.file ? joinModel(r.model, p.file, single) : r.signature,
  }));
  return gateSarif(findings, 'model-provenance/verify-signature/', cwd);
}

/** `verify --policy` (the chain of custody) as SARIF: each problem at the model, or at the policy when only a digest was given. */
export function chainSarif(r: ChainResult, cwd = process.cwd()): string {
  const at = r.model.path ?? r.policy?.path ?? r.registry;
  const findings = r.problems.map((p) => ({ code: p.code, message: `${p.digest ? `${p.digest}: ` : ''}${p.message}`, path: at }));
  return gateSarif(findings, 'model-provenance/verify-chain/', cwd);
}
