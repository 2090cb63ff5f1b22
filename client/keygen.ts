import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type KeyFolderCheck } from '../core/editor/protocol';
import { addToUserSetting } from './trust';
import { errorCode, errorMessage } from './target';
import { said } from './flow-steps';

const TOTAL = 4;

/** Where private keys go unless the person chooses: outside every workspace. */
export function defaultKeyFolder(): string {
  return join(homedir(), '.model-provenance', 'keys');
}

function insideWorkspace(path: string): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(path));
}

/**
 * Generate Key Pair: name, folder, curve, passphrase (each step says which of four it is).
 * Escape at any step, or at the confirmation to write inside the workspace, ends the flow
 * and writes nothing; the files are written only after the last answer, never over an
 * existing key. A private key goes outside the workspace unless the person confirms
 * otherwise. Afterwards it offers to trust the new public key in the USER settings.
 */
export async function generateKeyPair(client: LanguageClient): Promise<{ privatePath: string; publicPath: string } | undefined> {
  let name = 'signing-key';
  let folder: string | undefined;
  for (;;) {
    const typed = await vscode.window.showInputBox({
      title: `Generate Key Pair (1/${TOTAL}): name`,
      prompt: 'A name for the key: NAME.pem (private) and NAME.pub.pem (public) are written. Escape cancels.',
      value: name,
      validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v) ? undefined : 'letters, digits, ".", "_" and "-" only'),
    });
    if (typed === undefined) return undefined;
    name = typed;
    if (!folder) {
      const home = defaultKeyFolder();
      const where = await vscode.window.showQuickPick(
        [
          { label: '$(lock) Your key folder', description: home, detail: 'Outside every workspace: a private key here is never committed by accident (recommended)', path: home },
          { label: '$(folder) Choose a folder…', description: '', detail: 'A folder inside the workspace needs your confirmation', path: '' },
        ],
        { title: `Generate Key Pair (2/${TOTAL}): where`, placeHolder: 'Where to write the private key' },
      );
      if (!where) return undefined;
      if (where.path) folder = where.path;
      else {
        folder = await chooseFolder(client, name);
        if (!folder) return undefined;
      }
    }
    const privExists = await vscode.workspace.fs.stat(vscode.Uri.file(join(folder, `${name}.pem`))).then(() => true, () => false);
    const pubExists = await vscode.workspace.fs.stat(vscode.Uri.file(join(folder, `${name}.pub.pem`))).then(() => true, () => false);
    if (!privExists && !pubExists) break;
    void vscode.window.showWarningMessage(`${join(folder, `${name}.pem`)} already exists: keys are never overwritten. Choose another name.`);
  }
  const curve = await vscode.window.showQuickPick(
    [
      { label: 'P-256', description: 'ECDSA with SHA-256 (default, what model_signing uses most)', value: 'p256' },
      { label: 'P-384', description: 'ECDSA with SHA-384', value: 'p384' },
      { label: 'P-521', description: 'ECDSA with SHA-512', value: 'p521' },
    ],
    { title: `Generate Key Pair (3/${TOTAL}): curve`, placeHolder: 'Elliptic curve' },
  );
  if (!curve) return undefined;
  let passphrase: string | undefined;
  for (;;) {
    passphrase = await vscode.window.showInputBox({
      title: `Generate Key Pair (4/${TOTAL}): passphrase`,
      prompt: 'Passphrase that encrypts the private key (leave empty for an unencrypted key). Escape cancels: nothing is written.',
      password: true,
    });
    if (passphrase === undefined) return undefined;
    if (passphrase === '') break;
    const again = await vscode.window.showInputBox({ title: `Generate Key Pair (4/${TOTAL}): passphrase again`, prompt: 'Type the passphrase again. Escape cancels: nothing is written.', password: true });
    if (again === undefined) return undefined;
    if (again === passphrase) break;
    void vscode.window.showWarningMessage('The two passphrases differ; type it again.');
  }
  let r: { privatePath: string; publicPath: string; keyId: string };
  try {
    r = await client.sendRequest(REQUESTS.keygen, { prefix: join(folder, name), curve: curve.value, passphrase: passphrase || undefined });
  } catch (err) {
    void vscode.window.showErrorMessage(`${said('Generate Key Pair', errorMessage(err))}${errorCode(err) === 'FILE_EXISTS' ? ' (keys are never overwritten)' : ''}`);
    return undefined;
  }
  const choice = await vscode.window.showInformationMessage(
    `Key pair written: ${r.privatePath} (private, mode 0600, ${passphrase ? 'encrypted' : 'NOT encrypted'}) and ${r.publicPath}. Key ${r.keyId.slice(0, 8)}…. Trust this public key to verify what you sign with it?`,
    'Trust public key',
    'Use for signing',
  );
  if (choice === 'Trust public key') {
    await addToUserSetting('trustedKeys', r.publicPath);
    void vscode.window.showInformationMessage(`Trusted key ${r.keyId.slice(0, 8)}… (user settings, modelProvenance.trustedKeys).`);
  } else if (choice === 'Use for signing') {
    await vscode.workspace.getConfiguration('modelProvenance').update('signingKey', r.privatePath, vscode.ConfigurationTarget.Global);
  }
  return r;
}

const exists = (path: string): Thenable<boolean> => vscode.workspace.fs.stat(vscode.Uri.file(path)).then(() => true, () => false);

/**
 * "Choose a folder…": VS Code's folder picker, started at the workspace root (or your key
 * folder, or home) — never at the active editor's folder, which is often a signed model. A
 * folder that is (or is inside) a signed model folder is refused right here, with why, and
 * the picker opens again (the name typed is kept by the caller); Escape writes nothing. A
 * folder inside the workspace needs a confirmation.
 */
async function chooseFolder(client: LanguageClient, name: string): Promise<string | undefined> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let start = root ?? ((await exists(defaultKeyFolder())) ? defaultKeyFolder() : homedir());
  let refused: string | undefined;
  for (;;) {
    const picked = await vscode.window.showOpenDialog({
      title: refused ? `Folder for the key pair — not ${refused}` : 'Folder for the key pair',
      defaultUri: vscode.Uri.file(start),
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Use this folder',
    });
    if (!picked?.[0]) return undefined;
    const folder = picked[0].fsPath;
    const check = await client.sendRequest<KeyFolderCheck>(REQUESTS.keyFolder, { path: folder });
    if (!check.ok) {
      const again = await vscode.window.showWarningMessage(`${said('Generate Key Pair', check.message)}. Choose another folder (nothing was written).`, { modal: true }, 'Choose another folder…');
      if (again !== 'Choose another folder…') return undefined;
      refused = vscode.workspace.asRelativePath(folder);
      // Start again beside the signed folder rather than inside it.
      start = (await exists(dirname(folder))) ? dirname(folder) : (root ?? homedir());
      while (start !== dirname(start) && !(await client.sendRequest<KeyFolderCheck>(REQUESTS.keyFolder, { path: start })).ok) start = dirname(start);
      continue;
    }
    const ws = insideWorkspace(folder);
    if (ws) {
      const ok = await vscode.window.showWarningMessage(
        `Write the private key inside the workspace "${ws.name}"?`,
        { modal: true, detail: `${join(folder, `${name}.pem`)} would be inside the workspace, where it can be committed, shared or read by tasks and extensions. Your key folder (${defaultKeyFolder()}) is safer.` },
        'Write inside workspace',
      );
      if (ok !== 'Write inside workspace') return undefined;
    }
    return folder;
  }
}
