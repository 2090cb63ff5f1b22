import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type ManifestResult } from '../core/editor/protocol';
import { errorCode, errorMessage, modelTarget } from './target';
import { said } from './flow-steps';

/**
 * Generate Manifest: an ML-BOM for the model (never for the signature or manifest aimed at),
 * written beside the model folder (MODEL.cdx.json), never into a signed folder. When the
 * manifest exists, the person chooses: update it (every word they wrote kept, the file
 * digests and model digest refreshed) or replace it; Escape leaves it untouched.
 */
export async function generateManifest(client: LanguageClient, arg: unknown): Promise<ManifestResult | undefined> {
  const target = await modelTarget(client, arg, 'Generate Manifest');
  if (!target) return undefined;
  let outputPath = target.manifestPath;
  if (!outputPath) {
    const chosen = await vscode.window.showSaveDialog({
      title: `Manifest for ${basename(target.modelPath)}: where? (not inside a signed model folder)`,
      defaultUri: vscode.Uri.file(join(dirname(dirname(target.modelPath)), `${basename(target.modelPath)}.cdx.json`)),
      filters: { 'CycloneDX ML-BOM': ['json'] },
    });
    if (!chosen) return undefined;
    outputPath = chosen.fsPath;
  }
  const send = (mode: 'create' | 'merge' | 'replace'): Thenable<ManifestResult> =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Generating the manifest of ${basename(target.modelPath)}…` }, () =>
      client.sendRequest<ManifestResult>(REQUESTS.manifest, { modelPath: target.modelPath, outputPath, mode }),
    );
  let r: ManifestResult;
  try {
    r = await send('create');
  } catch (err) {
    if (errorCode(err) !== 'MANIFEST_EXISTS') {
      void vscode.window.showErrorMessage(said('Generate Manifest', errorMessage(err)));
      return undefined;
    }
    const choice = await vscode.window.showWarningMessage(
      `${basename(outputPath)} already exists.`,
      {
        modal: true,
        detail: 'Update keeps everything in it (licence, model card, descriptions, your own properties) and refreshes only what the generator measures: the file list and digests, the model digest, signature and attestation references. Replace writes a fresh manifest: what you added to it is lost.',
      },
      'Update (keep my text)',
      'Replace',
    );
    if (!choice) return undefined;
    try {
      r = await send(choice === 'Replace' ? 'replace' : 'merge');
    } catch (err2) {
      void vscode.window.showErrorMessage(said('Generate Manifest', errorMessage(err2)));
      return undefined;
    }
  }
  await vscode.window.showTextDocument(vscode.Uri.file(r.outputPath));
  const m = r.merged;
  const what = m
    ? `updated ${basename(r.outputPath)}: ${m.updated.length} digest(s) refreshed, ${m.added.length} file(s) added, ${m.removed.length} removed${referencesLine(m.references)}; your text kept`
    : `wrote ${basename(r.outputPath)} beside the model`;
  void vscode.window.showInformationMessage(`Manifest of ${basename(target.modelPath)}: ${what}.`);
  return r;
}

/** "; 2 attestation references of the old digest removed, 1 added" (nothing when the evidence did not change). */
export function referencesLine(refs: NonNullable<ManifestResult['merged']>['references']): string {
  if (!refs || (refs.removed.length === 0 && refs.added.length === 0)) return '';
  const words = (list: { type: string }[]): string => {
    const by = new Map<string, number>();
    for (const r of list) by.set(r.type, (by.get(r.type) ?? 0) + 1);
    return [...by].map(([t, n]) => `${n} ${t === 'digital-signature' ? 'signature' : t} reference${n === 1 ? '' : 's'}`).join(' and ');
  };
  const parts: string[] = [];
  if (refs.removed.length) parts.push(`${words(refs.removed)} of the old digest removed`);
  if (refs.added.length) parts.push(refs.removed.length ? `${refs.added.length} added` : `${words(refs.added)} added`);
  return `; ${parts.join(', ')}`;
}
