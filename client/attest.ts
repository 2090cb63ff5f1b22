import { basename, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type AttestResult, type RegistryArtifact } from '../core/editor/protocol';
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
type Step = 'stage' | 'runId' | 'base' | 'datasets' | 'key' | 'passphrase';

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
 * digests), datasets, signing key, passphrase. Escape at any step ends the flow with nothing
 * written. When the attestation fails, the step at fault opens again with everything that was
 * typed kept. At the end it says what was attested, by whom, and where it was stored.
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
  let step: Step = 'stage';
  let problem: string | undefined;
  const title = (n: number, what: string): string => `Attest ${model} (${n}/6): ${what}`;
  for (;;) {
    switch (step) {
      case 'stage': {
        const pick = await vscode.window.showQuickPick(
          STAGES.map((s) => ({ ...s, picked: s.label === a.stage })),
          { title: title(1, 'stage'), placeHolder: problem ?? 'Which lifecycle stage produced this model?' },
        );
        if (!pick) return undefined;
        a.stage = pick.label;
        step = 'runId';
        break;
      }
      case 'runId': {
        const v = await vscode.window.showInputBox({ title: title(2, 'run id'), prompt: 'Training or pipeline run id (optional)', value: a.runId });
        if (v === undefined) return undefined;
        a.runId = v.trim();
        step = 'base';
        break;
      }
      case 'base': {
        // The model's own digest is never offered as its base.
        const known = await client.sendRequest<RegistryArtifact[]>(REQUESTS.registryDigests, { exclude: target.modelPath }).catch(() => [] as RegistryArtifact[]);
        type Item = vscode.QuickPickItem & { value?: string; action?: 'none' | 'folder' | 'digest' };
        const items: Item[] = [
          { label: '(none)', description: 'a first stage: no base model', action: 'none' },
          ...known.map((k) => ({ label: `${k.name ?? 'model'}${k.stage ? ` · ${k.stage}` : ''}`, description: `${k.digest.slice(0, 19)}…`, detail: k.digest, value: k.digest })),
          { label: '$(folder) Choose a model folder or file to hash…', action: 'folder' },
          { label: '$(edit) Enter a digest (sha256:…)…', action: 'digest' },
        ];
        const pick = await vscode.window.showQuickPick<Item>(items, { title: title(3, 'base model'), placeHolder: problem ?? `What ${model} was made from (names and stages as the registry's attestations say)`, matchOnDescription: true, matchOnDetail: true });
        if (!pick) return undefined;
        if (pick.action === 'none') {
          a.base = undefined;
        } else if (pick.action === 'folder') {
          const chosen = await vscode.window.showOpenDialog({ title: 'Base model to hash', canSelectFiles: true, canSelectFolders: true, canSelectMany: false });
          if (!chosen?.[0]) return undefined;
          a.base = chosen[0].fsPath;
        } else if (pick.action === 'digest') {
          const d = await vscode.window.showInputBox({ title: title(3, 'base model digest'), value: a.base && DIGEST.test(a.base) ? a.base : '', prompt: 'The base model\'s OMS root digest', validateInput: (v) => (DIGEST.test(v.trim()) ? undefined : 'sha256: followed by 64 lowercase hex digits') });
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
          title: title(4, 'datasets'),
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
          const key = await vscode.window.showOpenDialog({
            title: title(5, problem ? `signing key — ${problem}` : 'signing key (a PEM private key)'),
            canSelectMany: false,
            defaultUri: vscode.Uri.file(a.key ?? defaultKeyFolder()),
            filters: { 'PEM private key': ['pem'] },
          });
          if (!key?.[0]) return undefined;
          a.key = key[0].fsPath;
        }
        step = 'passphrase';
        break;
      }
      case 'passphrase': {
        const encrypted = await isEncrypted(a.key!);
        if (encrypted) {
          const p = await vscode.window.showInputBox({ title: title(6, 'passphrase'), prompt: problem ?? `Passphrase of ${basename(a.key!)}`, password: true });
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
          const again = await vscode.window.showErrorMessage(`Attest failed: ${result.problem}`, 'Edit and retry');
          if (again !== 'Edit and retry') return undefined;
          problem = undefined;
        }
        break;
      }
    }
  }
}

async function run(client: LanguageClient, modelPath: string, a: Answers): Promise<{ result: AttestResult } | { step: Step; problem: string }> {
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
      }),
    );
    const where = r.location && r.registry ? `stored in the registry ${vscode.workspace.asRelativePath(r.registry)} as ${r.id ? `${r.id.slice(0, 19)}…` : vscode.workspace.asRelativePath(r.location)}` : 'NOT stored (no registry is configured or available)';
    void vscode.window.showInformationMessage(`Attested ${r.stage} of ${r.subjectName} (${r.digest.slice(0, 19)}…), signed by ${r.signer}; ${where}.`, ...(r.location ? ['Open attestation'] : []), 'Show lineage').then(async (choice) => {
      if (choice === 'Open attestation' && r.location) await vscode.window.showTextDocument(vscode.Uri.file(r.location), { preview: true });
      if (choice === 'Show lineage') await vscode.commands.executeCommand('modelProvenance.showLineage', vscode.Uri.file(modelPath));
    });
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
  try {
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(key));
    return /ENCRYPTED/.test(Buffer.from(bytes).toString('latin1'));
  } catch {
    return false;
  }
}
