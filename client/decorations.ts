import { basename, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { REQUESTS, type ModelStateView, type UnsignedView } from '../core/editor/protocol';
import { MODEL_EXTENSIONS } from './target';

export { MODEL_EXTENSIONS };

/** Never asked about: tooling folders that are no model's content. */
const SKIPPED = /\/(\.git|node_modules|\.provenance|\.vscode)(\/|$)/;

/**
 * Explorer badges for model files and signatures. They keep no state of their own: each
 * badge is the server's one model state, asked for when VS Code shows the file, and asked
 * again when the server says that state changed.
 */
export class ModelDecorations implements vscode.FileDecorationProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.emitter.event;
  /** Which shown files belong to which signature, to repaint exactly those on a change. */
  private readonly shown = new Map<string, Map<string, vscode.Uri>>();

  constructor(private readonly client: LanguageClient) {}

  async provideFileDecoration(uri: vscode.Uri): Promise<vscode.FileDecoration | undefined> {
    if (uri.scheme !== 'file' || SKIPPED.test(uri.path)) return undefined;
    // Weights and signatures always; any other file (config.json, tokenizer files, a file
    // someone dropped in) only as the signature lists it, so a changed or added one is marked too.
    const known = MODEL_EXTENSIONS.test(uri.path) || /\.sig$/.test(uri.path);
    let view: ModelStateView | UnsignedView;
    try {
      view = await this.client.sendRequest<ModelStateView | UnsignedView>(REQUESTS.modelState, { path: uri.fsPath });
    } catch {
      return undefined;
    }
    if ('unsigned' in view) return MODEL_EXTENSIONS.test(uri.path) ? new vscode.FileDecoration('U', 'Model Provenance: no signature found', new vscode.ThemeColor('editorWarning.foreground')) : undefined;
    const files = this.shown.get(view.signature) ?? new Map<string, vscode.Uri>();
    files.set(uri.toString(), uri);
    this.shown.set(view.signature, files);
    if (!known && !view.integrity?.files.some((f) => f.name === nameInModel(view, uri))) return undefined;
    return decorationFor(view, uri);
  }

  /** The server's state for a model changed: repaint the files shown for it. */
  changed(view: ModelStateView): void {
    const files = this.shown.get(view.signature);
    if (files?.size) this.emitter.fire([...files.values()]);
  }

  reset(): void {
    this.emitter.fire(undefined);
  }
}

/** A file's name inside its model, as the signature lists it. */
function nameInModel(view: ModelStateView, uri: vscode.Uri): string {
  const rel = relative(view.model, uri.fsPath);
  return rel === '' ? basename(uri.fsPath) : rel.split(sep).join('/');
}

export function decorationFor(view: ModelStateView, uri: vscode.Uri): vscode.FileDecoration | undefined {
  if (view.phase !== 'done' || !view.state) return undefined;
  const tip = `Model Provenance: ${view.headline}`;
  const red = new vscode.ThemeColor('errorForeground');
  switch (view.state) {
    case 'verified':
      return new vscode.FileDecoration('✓', tip, new vscode.ThemeColor('testing.iconPassed'));
    case 'modified': {
      const name = nameInModel(view, uri);
      const own = view.integrity?.files.find((f) => f.name === name);
      if (own && own.status !== 'ok') return new vscode.FileDecoration('✗', `Model Provenance: ${name} ${own.status === 'modified' ? 'differs from the signed digest' : own.status === 'unexpected' ? 'is not covered by the signature' : own.status}`, red);
      if (/\.sig$/.test(uri.path)) return new vscode.FileDecoration('✗', tip, red);
      return new vscode.FileDecoration('!', `Model Provenance: this file matches, but the model is ${view.headline}`, red);
    }
    case 'not-configured':
      // A first run (nothing configured at all) is a step not taken: '?'. With other trust configured,
      // a signer not covered is "not trusted", as an untrusted key is: '!' in red (finding 10).
      if (!view.trust?.nothingConfigured) return new vscode.FileDecoration('!', tip, red);
      return new vscode.FileDecoration('?', `Model Provenance: ${view.integrity?.summary ?? 'files match'}; signature not checked: no trusted signer configured (signed by ${view.signer ?? 'unknown'})`, new vscode.ThemeColor('editorInfo.foreground'));
    case 'too-large':
      return new vscode.FileDecoration('…', `${tip}. Right-click › Verify Model to hash it now.`, new vscode.ThemeColor('editorWarning.foreground'));
    default:
      return new vscode.FileDecoration('!', tip, red);
  }
}
