import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type TrustCandidate, type TrustCandidates } from '../core/editor/protocol';
import { errorMessage, signedDocumentTarget } from './target';
import { said } from './flow-steps';
import { pickTitle, trustedToast, trustTitle } from './trust-wording';

type Setting = 'trustedKeys' | 'certificateAnchors' | 'trustedIdentities';

/** Appends to a USER setting (never the workspace's), from the user value alone so no workspace value is copied over. */
export async function addToUserSetting(setting: Setting, value: unknown): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('modelProvenance');
  const current = (cfg.inspect<unknown[]>(setting)?.globalValue ?? []).filter((v) => JSON.stringify(v) !== JSON.stringify(value));
  await cfg.update(setting, [...current, value], vscode.ConfigurationTarget.Global);
}

/**
 * "Trust this signer…": shows exactly who signed (as the signature says), asks, and only then
 * adds that key, certificate anchor or keyless identity to the person's USER settings. Keys
 * and CA certificates are copied into the extension's storage first, so the setting names a
 * copy that the repository cannot swap later. Escape or Cancel at any step writes nothing.
 */
export async function trustSigner(client: LanguageClient, storage: vscode.Uri, arg: unknown): Promise<boolean> {
  // A model file or folder: its signature; nothing open: the workspace's signatures are offered.
  const uri = await signedDocumentTarget(client, arg, 'Trust this signer', 'signature');
  if (!uri) return false;
  let c: TrustCandidates;
  try {
    c = await client.sendRequest<TrustCandidates>(REQUESTS.trustCandidates, { uri: uri.toString() });
  } catch (err) {
    void vscode.window.showErrorMessage(said('Trust this signer', errorMessage(err)));
    return false;
  }
  if (c.candidates.length === 0) {
    const open = await vscode.window.showWarningMessage(`Signed by ${c.signer}. Nothing to trust automatically: ${c.reason ?? 'no way to identify the signer'}.`, 'Open Settings');
    if (open) await vscode.commands.executeCommand('workbench.action.openSettings', 'modelProvenance.');
    return false;
  }
  let chosen: TrustCandidate = c.candidates[0]!;
  if (c.candidates.length > 1) {
    const pick = await vscode.window.showQuickPick(
      c.candidates.map((x) => ({ label: label(x), description: x.kind === 'identity' ? '' : vscode.workspace.asRelativePath(x.file), candidate: x })),
      { title: pickTitle(c.candidates[0]!, c.signer), placeHolder: 'These all identify the signer; the chosen one is copied to your own storage' },
    );
    if (!pick) return false;
    chosen = pick.candidate;
  }
  const setting: Setting = chosen.kind === 'key' ? 'trustedKeys' : chosen.kind === 'anchor' ? 'certificateAnchors' : 'trustedIdentities';
  const answer = await vscode.window.showWarningMessage(
    trustTitle(chosen, c.signer),
    {
      modal: true,
      detail: [
        exactly(chosen),
        '',
        `This adds it to your USER settings (modelProvenance.${setting}): every model it signs will show as verified, in every workspace.${chosen.kind !== 'identity' && chosen.inWorkspace ? ' The file is inside this workspace; a copy is kept in your own storage so the repository cannot change it later.' : ''}`,
        ...(chosen.kind !== 'identity' && chosen.inWorkspace && !vscode.workspace.isTrusted
          ? ['This folder is in Restricted Mode: whoever wrote it chose this file. Trusting it here trusts them everywhere.']
          : []),
        'Only trust a signer you know.',
      ].join('\n'),
    },
    'Trust',
  );
  if (answer !== 'Trust') return false;
  try {
    if (chosen.kind === 'identity') {
      await addToUserSetting('trustedIdentities', { identity: chosen.identity, issuer: chosen.issuer });
    } else {
      const pinned = await client.sendRequest<{ path: string }>(REQUESTS.pinTrust, { candidate: chosen, dir: storage.fsPath });
      await addToUserSetting(setting, pinned.path);
    }
  } catch (err) {
    void vscode.window.showErrorMessage(said('Trust this signer', errorMessage(err)));
    return false;
  }
  void vscode.window.showInformationMessage(trustedToast(chosen, c.signer, setting));
  return true;
}

function label(c: TrustCandidate): string {
  if (c.kind === 'identity') return `keyless identity ${c.identity} via ${c.issuer}`;
  if (c.kind === 'key') return `key ${c.keyId.slice(0, 16)}…`;
  return `CA ${c.subject}`;
}

/** The exact thing being trusted, in full: no abbreviations in a trust decision. */
function exactly(c: TrustCandidate): string {
  if (c.kind === 'identity') return `Keyless (Sigstore) identity: ${c.identity}\nOIDC issuer: ${c.issuer}\nBoth must match exactly.`;
  if (c.kind === 'key') return `Public key fingerprint (sha256 of the PEM, the OMS key hint):\n${c.keyId}\nFrom: ${c.file}`;
  return `Certificate authority: ${c.subject}\nFrom: ${c.file}\nEvery certificate it issues will be trusted to sign models.`;
}
