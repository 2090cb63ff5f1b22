import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export const MODEL_EXTENSIONS = /\.(safetensors|gguf|bin|pt|pth|ckpt|onnx|keras|h5|pkl|msgpack|tflite|mlmodel)$/i;

interface Badge {
  state: 'verified' | 'modified' | 'unsigned' | 'failed';
  mtime: number;
}

/**
 * Explorer badges for model files: verified, modified or unsigned. Computed lazily, only
 * when VS Code asks for a visible file, one at a time, and cached by modification time.
 */
export class ModelDecorations implements vscode.FileDecorationProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.emitter.event;
  private readonly badges = new Map<string, Badge>();
  private readonly queue: vscode.Uri[] = [];
  private running = false;

  constructor(private readonly client: LanguageClient) {}

  async provideFileDecoration(uri: vscode.Uri): Promise<vscode.FileDecoration | undefined> {
    if (uri.scheme !== 'file' || !MODEL_EXTENSIONS.test(uri.path)) return undefined;
    let mtime: number;
    try {
      mtime = (await vscode.workspace.fs.stat(uri)).mtime;
    } catch {
      return undefined;
    }
    const badge = this.badges.get(uri.toString());
    if (badge && badge.mtime === mtime) return decoration(badge.state);
    if (!this.queue.some((u) => u.toString() === uri.toString())) this.queue.push(uri);
    void this.drain();
    return undefined;
  }

  /** Records a result the user asked for, so the badge follows it at once. */
  record(uri: vscode.Uri, state: Badge['state']): void {
    void vscode.workspace.fs.stat(uri).then(
      (st) => {
        this.badges.set(uri.toString(), { state, mtime: st.mtime });
        this.emitter.fire([uri]);
      },
      () => undefined,
    );
  }

  reset(): void {
    this.badges.clear();
    this.emitter.fire(undefined);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let uri = this.queue.shift(); uri; uri = this.queue.shift()) {
        const st = await vscode.workspace.fs.stat(uri).then((s) => s, () => undefined);
        if (!st) continue;
        const limit = (vscode.workspace.getConfiguration('modelProvenance').get<number>('autoVerifySizeLimitMB') ?? 512) * 1024 * 1024;
        if (st.size > limit) continue;
        const r = await this.client
          .sendRequest<{ verdict: string; problems: { code: string; file?: string }[] }>('workspace/executeCommand', { command: 'modelProvenance.server.verify', arguments: [{ modelPath: uri.fsPath }] })
          .catch(() => undefined);
        if (!r) continue;
        const name = uri.path.split('/').pop();
        const codes = r.problems.map((p) => p.code);
        const state: Badge['state'] =
          r.verdict === 'verified' ? 'verified' : codes.includes('SIGNATURE_NOT_FOUND') ? 'unsigned' : r.problems.some((p) => p.file === name || p.code === 'FILE_MODIFIED') ? 'modified' : 'failed';
        this.badges.set(uri.toString(), { state, mtime: st.mtime });
        this.emitter.fire([uri]);
      }
    } finally {
      this.running = false;
    }
  }
}

function decoration(state: Badge['state']): vscode.FileDecoration {
  switch (state) {
    case 'verified':
      return new vscode.FileDecoration('✓', 'Model Provenance: verified', new vscode.ThemeColor('testing.iconPassed'));
    case 'modified':
      return new vscode.FileDecoration('M', 'Model Provenance: modified since it was signed', new vscode.ThemeColor('errorForeground'));
    case 'unsigned':
      return new vscode.FileDecoration('U', 'Model Provenance: no signature found', new vscode.ThemeColor('editorWarning.foreground'));
    default:
      return new vscode.FileDecoration('!', 'Model Provenance: verification failed', new vscode.ThemeColor('errorForeground'));
  }
}
