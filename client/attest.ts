import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { describeClaim } from '../core/chain/producer';
import { REQUESTS, type AttestResult, type RegistryArtifact } from '../core/editor/protocol';
import { attestPlan, attestTitle, privateKeyPem, said, type AttestStep } from './flow-steps';
import { defaultKeyFolder } from './keygen';
import { errorCode, errorMessage, modelTarget } from './target';

const STAGES: { label: string; detail: string }[] = [
  { label: 'pre-training', detail: 'trained from scratch' },
  { label: 'fine-tuning', detail: 'trained further from a base model' },
  { label: 'adapter-merge', detail: 'adapters (LoRA…) merged into a base model' },
  { label: 'quantization', detail: 'weights quantized from a base model' },
  { label: 'distillation', detail: 'distilled from a teacher model' },
  { label: 'conversion', detail: 'converted to another format' },
  { label: 'evaluation', detail: 'evaluated (describes the model, does not produce it)' },
  { label: 'release', detail: 'released (describes the model, does not produce it)' },
];

const DIGEST = /^sha256:[0-9a-f]{64}$/;
type Step = AttestStep | 'passphrase';

interface Answers {
  stage?: string;
  runId: string;
  base?: string;
  baseLabel?: string;
  datasets: string;
  key?: string;
  passphrase?: string;
}

/**
 * Attest Model…: stage, run id, base model (registry entries by name and stage beside their
 * digests; not asked for pre-training, the first stage), datasets, signing key (the configured
 * one, else the private keys found in the workspace and your key folder), its passphrase when
 * it is encrypted. The "(n/N)" of each title counts the steps that will really be shown.
 * Escape at any step ends the flow with nothing written. When the attestation fails, the step
 * at fault opens again with everything that was typed kept. At the end it says what was
 * attested, by whom, and where it was stored.
 */
export async function attestModel(client: LanguageClient, arg: unknown): Promise<AttestResult | undefined> {
  const target = await modelTarget(client, arg, 'Attest Model');
  if (!target) return undefined;
  const model = basename(target.modelPath);
  const a: Answers = { runId: '', datasets: '' };
  const cfg = vscode.workspace.getConfiguration('modelProvenance');
  const inspected = cfg.inspect<string>('signingKey');
  // Restricted: a repository must not pick the key that signs in your name.
  const configuredKey = (vscode.workspace.isTrusted ? cfg.get<string>('signingKey') : inspected?.globalValue) || undefined;
  if (configuredKey) a.key = configuredKey;
  // A configured key that is not encrypted asks nothing: no key step is counted, until it fails.
  let keyStep = !configuredKey || (await isEncrypted(configuredKey));
  let step: Step = 'stage';
  let problem: string | undefined;
  const title = (at: AttestStep, what: string): string => attestTitle(model, at, attestPlan({ stage: a.stage, keyStep }), what);
  for (;;) {
    switch (step) {
      case 'stage': {
        const pick = await vscode.window.showQuickPick(
          STAGES.map((s) => ({ ...s, picked: s.label === a.stage })),
          { title: title('stage', 'stage'), placeHolder: problem ?? 'Which lifecycle stage produced this model?' },
        );
        if (!pick) return undefined;
        a.stage = pick.label;
        // The first stage has no base model: not asked, and none recorded.
        if (a.stage === 'pre-training') a.base = undefined;
        step = 'runId';
        break;
      }
      case 'runId': {
        const v = await vscode.window.showInputBox({ title: title('runId', 'run id'), prompt: 'Training or pipeline run id (optional)', value: a.runId });
        if (v === undefined) return undefined;
        a.runId = v.trim();
        step = a.stage === 'pre-training' ? 'datasets' : 'base';
        break;
      }
      case 'base': {
        // The model's own digest is never offered as its base.
        const known = await client.sendRequest<RegistryArtifact[]>(REQUESTS.registryDigests, { exclude: target.modelPath }).catch(() => [] as RegistryArtifact[]);
        type Item = vscode.QuickPickItem & { value?: string; action?: 'none' | 'folder' | 'digest' };
        // This step is shown for stages after pre-training, which start from a base: "(none)" is last, and says what it costs.
        const items: Item[] = [
          ...known.map((k) => ({ label: `${k.name ?? 'model'}${k.stage ? ` · ${k.stage}` : ''}`, description: `${k.digest.slice(0, 19)}…`, detail: k.digest, value: k.digest })),
          { label: '$(folder) Choose a model folder or file to hash…', action: 'folder' },
          { label: '$(edit) Enter a digest (sha256:…)…', action: 'digest' },
          { label: '(none)', description: `no base model: a ${a.stage} stage without one breaks the chain (MISSING_LINK)`, action: 'none' },
        ];
        const pick = await vscode.window.showQuickPick<Item>(items, { title: title('base', 'base model'), placeHolder: problem ?? `What ${model} was made from (names and stages as the registry's attestations say)`, matchOnDescription: true, matchOnDetail: true });
        if (!pick) return undefined;
        if (pick.action === 'none') {
          a.base = undefined;
        } else if (pick.action === 'folder') {
          // Beside the model, not inside it: a base model is never a part of the model attested.
          const chosen = await vscode.window.showOpenDialog({ title: 'Base model to hash', canSelectFiles: true, canSelectFolders: true, canSelectMany: false, defaultUri: vscode.Uri.file(dirname(target.modelPath)) });
          if (!chosen?.[0]) return undefined;
          a.base = chosen[0].fsPath;
        } else if (pick.action === 'digest') {
          const d = await vscode.window.showInputBox({ title: title('base', 'base model digest'), value: a.base && DIGEST.test(a.base) ? a.base : '', prompt: 'The base model\'s OMS root digest', validateInput: (v) => (DIGEST.test(v.trim()) ? undefined : 'sha256: followed by 64 lowercase hex digits') });
          if (d === undefined) return undefined;
          a.base = d.trim();
        } else {
          a.base = pick.value;
        }
        step = 'datasets';
        break;
      }
      case 'datasets': {
        const v = await vscode.window.showInputBox({
          title: title('datasets', 'datasets'),
          prompt: problem ?? 'Dataset digests (sha256:…) or paths to hash, comma-separated (optional)',
          value: a.datasets,
          validateInput: (text) => validateDatasets(text),
        });
        if (v === undefined) return undefined;
        a.datasets = v;
        step = 'key';
        break;
      }
      case 'key': {
        if (!a.key || problem) {
          keyStep = true;
          const key = await chooseKey(title('key', problem ? `signing key — ${problem}` : 'signing key (a PEM private key)'), a.key, problem);
          if (!key) return undefined;
          a.key = key;
        }
        step = 'passphrase';
        break;
      }
      case 'passphrase': {
        const encrypted = await isEncrypted(a.key!);
        if (encrypted) {
          // Part of the key step (its number), so the count never promises a step that is not shown.
          keyStep = true;
          const p = await vscode.window.showInputBox({ title: title('key', `passphrase of ${basename(a.key!)}`), prompt: problem ?? `Passphrase of ${basename(a.key!)}`, password: true });
          if (p === undefined) return undefined;
          a.passphrase = p;
        } else a.passphrase = undefined;
        problem = undefined;
        const result = await run(client, target.modelPath, a);
        if ('result' in result) return result.result;
        // Back to the step at fault, with everything typed kept.
        step = result.step;
        problem = result.problem;
        if (step === 'stage') {
          const again = await vscode.window.showErrorMessage(said('Attest Model', result.problem), 'Edit and retry');
          if (again !== 'Edit and retry') return undefined;
          problem = undefined;
        }
        break;
      }
    }
  }
}

/** Sends the attestation; `replaces` is the id of one it stands in for (removed once this one is stored). */
async function run(client: LanguageClient, modelPath: string, a: Answers, replaces?: string): Promise<{ result: AttestResult } | { step: Step; problem: string }> {
  try {
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Attesting ${basename(modelPath)} (${a.stage})…` }, () =>
      client.sendRequest<AttestResult>(REQUESTS.attest, {
        modelPath,
        stage: a.stage,
        runId: a.runId || undefined,
        baseModels: a.base ? [a.base] : [],
        datasets: a.datasets.split(',').map((d) => d.trim()).filter(Boolean),
        privateKey: a.key,
        passphrase: a.passphrase,
        ...(replaces ? { replaces } : {}),
      }),
    );
    const where = r.location && r.registry ? `stored in the registry ${vscode.workspace.asRelativePath(r.registry)} as ${r.id ? `${r.id.slice(0, 19)}…` : vscode.workspace.asRelativePath(r.location)}` : 'NOT stored (no registry is configured or available)';
    if (r.inputWarnings?.length) void recordedNotSigned(client, modelPath, a, r, where);
    else if (r.conflicts?.length) void conflictingClaims(client, modelPath, r, where);
    else {
      const replaced = r.replaced ? ` It replaces ${r.replaced.slice(0, 19)}…, which was removed.` : '';
      void vscode.window.showInformationMessage(`Attested ${r.stage} of ${r.subjectName} (${r.digest.slice(0, 19)}…), signed by ${r.signer}; ${where}.${replaced}`, ...(r.location ? ['Open attestation'] : []), 'Show lineage').then(async (choice) => {
        if (choice === 'Open attestation' && r.location) await vscode.window.showTextDocument(vscode.Uri.file(r.location), { preview: true });
        if (choice === 'Show lineage') await vscode.commands.executeCommand('modelProvenance.showLineage', vscode.Uri.file(modelPath));
      });
    }
    return { result: r };
  } catch (err) {
    const code = errorCode(err) ?? '';
    const message = errorMessage(err);
    if (code === 'KEY_PASSPHRASE') return { step: 'passphrase', problem: `${message} — try again` };
    if (/^KEY_/.test(code)) return { step: 'key', problem: message };
    if (/^DIGEST_|^FILE_/.test(code) && /dataset/i.test(message)) return { step: 'datasets', problem: message };
    if (/^DIGEST_|^FILE_/.test(code) && /base/i.test(message)) return { step: 'base', problem: message };
    return { step: 'stage', problem: message };
  }
}

async function validateDatasets(text: string): Promise<string | undefined> {
  for (const raw of text.split(',').map((d) => d.trim()).filter(Boolean)) {
    if (raw.startsWith('sha256:')) {
      if (!DIGEST.test(raw)) return `${raw}: sha256: followed by 64 lowercase hex digits`;
      continue;
    }
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const path = isAbsolute(raw) || !root ? raw : join(root, raw);
    const exists = await vscode.workspace.fs.stat(vscode.Uri.file(path)).then(() => true, () => false);
    if (!exists) return `${raw}: no such file or folder (paths are relative to the workspace)`;
  }
  return undefined;
}

async function isEncrypted(key: string): Promise<boolean> {
  return (await pemKind(vscode.Uri.file(key))) === 'encrypted';
}

async function pemKind(uri: vscode.Uri): Promise<'encrypted' | 'plain' | undefined> {
  try {
    return privateKeyPem(Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('latin1'));
  } catch {
    return undefined;
  }
}

const exists = (path: string): Thenable<boolean> => vscode.workspace.fs.stat(vscode.Uri.file(path)).then(() => true, () => false);

/**
 * The signing key step: the private keys of the workspace (*.pem that hold a private key) and
 * of your key folder, each with whether it is encrypted, then a file picker that starts where
 * keys are (the current key's folder, the workspace's keys/ folder, your key folder, the
 * workspace) — never in a folder that does not exist.
 */
async function chooseKey(title: string, current: string | undefined, problem: string | undefined): Promise<string | undefined> {
  const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const home = defaultKeyFolder();
  const found = [...(await vscode.workspace.findFiles('**/*.pem', '**/{node_modules,.git,.provenance}/**', 200))];
  if (await exists(home)) found.push(...(await vscode.workspace.fs.readDirectory(vscode.Uri.file(home)).then((es) => es.filter(([n]) => n.endsWith('.pem')).map(([n]) => vscode.Uri.file(join(home, n))), () => [])));
  type Item = vscode.QuickPickItem & { path?: string; choose?: true };
  const items: Item[] = [];
  for (const u of found) {
    const kind = await pemKind(u);
    if (!kind) continue;
    const inHome = u.fsPath.startsWith(`${home}/`);
    items.push({ label: `$(key) ${inHome ? `~/${u.fsPath.slice(homedir().length + 1)}` : vscode.workspace.asRelativePath(u)}`, description: `${kind === 'encrypted' ? 'encrypted' : 'not encrypted'}${inHome ? ' · your key folder' : ' · in the workspace'}${u.fsPath === current ? ' · current' : ''}`, path: u.fsPath });
  }
  items.push({ label: '$(folder-opened) Choose a key file…', description: 'a PEM private key anywhere', choose: true });
  const pick = items.length > 1 ? await vscode.window.showQuickPick(items, { title, placeHolder: problem ?? 'The private key that signs the attestation (Escape cancels)', matchOnDescription: true }) : items[0];
  if (!pick) return undefined;
  if (pick.path) return pick.path;
  const starts = [current ? dirname(current) : undefined, ...roots.map((r) => join(r, 'keys')), home, ...roots, homedir()].filter((x): x is string => !!x);
  let start = homedir();
  for (const s of starts) {
    if (await exists(s)) {
      start = s;
      break;
    }
  }
  const key = await vscode.window.showOpenDialog({ title, canSelectMany: false, defaultUri: vscode.Uri.file(start), filters: { 'PEM private key': ['pem'] }, openLabel: 'Sign with this key' });
  return key?.[0]?.fsPath;
}

/** Removes attestations from under the model in the editor's registry; says what failed. True when all went. */
async function removeAttestations(client: LanguageClient, ids: string[], subject: string): Promise<boolean> {
  for (const id of ids) {
    try {
      await client.sendRequest(REQUESTS.removeAttestation, { id, subject });
    } catch (err) {
      void vscode.window.showErrorMessage(`Model Provenance: could not remove ${id}: ${errorMessage(err)}`);
      return false;
    }
  }
  return true;
}

/**
 * Stored beside other attestations that say they produced the same model from other inputs:
 * the chain fails (ATTESTATION_CONFLICT) until the wrong claims go. A success toast would hide
 * that, so a modal says what each records, and removing either side is one click.
 */
async function conflictingClaims(client: LanguageClient, modelPath: string, r: AttestResult, where: string): Promise<void> {
  const others = r.conflicts ?? [];
  const one = others.length === 1;
  const short = (id: string): string => `${id.slice(0, 19)}…`;
  const claims = others.map((c) => `• ${describeClaim(short(c.id), c)} records ${c.records}; this one records ${c.ours}`);
  const keepNew = one ? 'Keep This One, Remove the Other' : `Keep This One, Remove the ${others.length} Others`;
  const keepOld = 'Remove This One';
  const detail = [
    `This attestation is ${where}. ${one ? 'The registry also holds an attestation' : `The registry also holds ${others.length} attestations`} of ${r.subjectName} that ${one ? 'says' : 'say'} it was made from other inputs:`,
    claims.join('\n'),
    'Two claims about where the same bytes came from: the chain fails (ATTESTATION_CONFLICT) until the wrong one is removed. A stated time does not settle which is right, and a removal cannot be undone: check which is right first (Show lineage).',
  ].join('\n\n');
  // The safe choice first: the first button is the one Enter presses.
  const choice = await vscode.window.showWarningMessage(`Attested ${r.stage} of ${r.subjectName}, but the registry already says it was made from other inputs.`, { modal: true, detail }, 'Show lineage', keepOld, keepNew);
  let done: string | undefined;
  if (choice === keepNew && (await removeAttestations(client, others.map((c) => c.id), r.digest))) done = `removed ${one ? 'the conflicting attestation' : `${others.length} conflicting attestations`}; ${r.id ? short(r.id) : 'this one'} stands.`;
  else if (choice === keepOld && r.id && (await removeAttestations(client, [r.id], r.digest))) done = `removed the new attestation ${short(r.id)}; ${one ? 'the other one stands' : 'the others stand (if they differ from each other, they still conflict)'}.`;
  if (done) {
    const next = await vscode.window.showInformationMessage(`Model Provenance: ${done}`, 'Show lineage');
    if (next) await vscode.commands.executeCommand('modelProvenance.showLineage', vscode.Uri.file(modelPath));
  } else if (choice === 'Show lineage') await vscode.commands.executeCommand('modelProvenance.showLineage', vscode.Uri.file(modelPath));
}

/**
 * The attestation is stored, but what it records of the model or an input is not what that
 * path's own signature names, so it will not join in a chain: said in place of the success (a
 * modal, since the stored attestation is the one lineage will read), with the fix one click
 * away when the signed digest of the base model is known.
 */
async function recordedNotSigned(client: LanguageClient, modelPath: string, a: Answers, r: AttestResult, where: string): Promise<void> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const short = (m: string): string => (root ? m.split(`${root}/`).join('') : m);
  const warnings = r.inputWarnings ?? [];
  const fix = warnings.find((w) => w.code === 'INPUT_NOT_AS_SIGNED' && w.role === 'base-model' && w.signedDigest);
  const what = warnings.some((w) => w.role === 'model') ? 'the model\'s own signature' : `its ${[...new Set(warnings.map((w) => w.role.replace('-', ' ')))].join(', ')}'s signature`;
  const again = fix ? 'Attest Again with the Signed Base Digest' : undefined;
  const detail = [
    // Digests cut to 12 hex digits: the buttons act on them, and three full ones in a paragraph are unreadable.
    ...warnings.map((w) => `${short(w.message).replace(/sha256:([0-9a-f]{12})[0-9a-f]{52}/g, 'sha256:$1…')}. [${w.code}]`),
    `The attestation is ${where}. ${fix ? 'Attesting again with the signed digest replaces it (this one is removed once the new one is stored)' : 'Remove it, and attest again once this is resolved'}: left beside another attestation of the model with other inputs, the chain fails (ATTESTATION_CONFLICT).`,
  ].join('\n\n');
  const remove = r.id ? 'Remove This Attestation' : undefined;
  const choice = await vscode.window.showWarningMessage(`Attested ${r.stage} of ${r.subjectName}, but what it records will not join ${what} in a chain.`, { modal: true, detail }, ...(again ? [again] : []), ...(remove ? [remove] : []), 'Show lineage');
  if (choice === remove && r.id) {
    if (await removeAttestations(client, [r.id], r.digest)) void vscode.window.showInformationMessage(`Model Provenance: removed ${r.id.slice(0, 19)}…; nothing of this attempt is left in the registry.`);
  } else if (choice === again && fix?.signedDigest) {
    const next = await run(client, modelPath, { ...a, base: fix.signedDigest }, r.id);
    if ('problem' in next) void vscode.window.showErrorMessage(`Model Provenance: ${next.problem}`);
  } else if (choice === 'Show lineage') await vscode.commands.executeCommand('modelProvenance.showLineage', vscode.Uri.file(modelPath));
}
