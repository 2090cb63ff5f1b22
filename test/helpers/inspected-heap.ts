/**
 * The retained heap of another Node process, measured through its V8 inspector: a full
 * garbage collection (HeapProfiler.collectGarbage), then process.memoryUsage() evaluated
 * in that process. RSS alone says when V8 last chose to collect, which depends on the
 * machine's memory (CI's larger heap limit let garbage pile up to 600 MB in a run where
 * the same build stayed near 200 MB here); after a forced collection only what the
 * process still references is left.
 *
 * The process must have been started with `--inspect=127.0.0.1:0`; its stderr carries the
 * WebSocket address (Chrome DevTools Protocol over a WebSocket, `ws` as the client).
 */
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';

/** Megabytes (2^20 bytes), rounded to one decimal. */
export interface HeapFigures {
  /** V8's used heap after a full collection. */
  heapUsed: number;
  /** Memory of C++ objects bound to JS objects (Buffers included) after the collection. */
  external: number;
  /** Resident set size right after the collection. */
  rss: number;
}

/** Node's flag for an inspector on a free loopback port. */
export const INSPECT_ARG = '--inspect=127.0.0.1:0';

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

export class InspectedHeap {
  private next = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const m = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.error) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
    });
    socket.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('the inspector connection closed'));
      this.pending.clear();
    });
  }

  /**
   * Connects to the inspector of `child` (started with {@link INSPECT_ARG}), reading its
   * address from stderr. Rejects after `timeoutMs` without one.
   */
  static async attach(child: ChildProcess, timeoutMs = 10_000): Promise<InspectedHeap> {
    const url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`no inspector address on stderr within ${timeoutMs} ms: ${seen.slice(0, 300)}`)), timeoutMs);
      const onData = (d: Buffer): void => {
        seen += d.toString();
        const m = /Debugger listening on (ws:\/\/\S+)/.exec(seen);
        if (!m) return;
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(m[1]!);
      };
      child.stderr!.on('data', onData);
    });
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new InspectedHeap(socket);
  }

  private send(method: string, params: object = {}): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** A full collection (twice: the first may only finalise what the second frees), then the process's own figures. */
  async afterFullGc(): Promise<HeapFigures> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
    const r = (await this.send('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as {
      result: { value: string };
    };
    const u = JSON.parse(r.result.value) as NodeJS.MemoryUsage;
    return { heapUsed: mb(u.heapUsed), external: mb(u.external), rss: mb(u.rss) };
  }

  close(): void {
    this.socket.close();
  }
}
