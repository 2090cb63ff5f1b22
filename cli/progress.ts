import type { HashProgress } from '../core/hash/hash-files';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function size(n: number): string {
  return n >= GiB ? `${(n / GiB).toFixed(2)} GiB` : `${(n / MiB).toFixed(1)} MiB`;
}

/**
 * A one-line progress display on stderr, only when stderr is a terminal (or forced):
 * CI logs and pipes stay clean.
 */
export function progressReporter(enabled: boolean | undefined): ((p: HashProgress) => void) | undefined {
  const on = enabled ?? Boolean(process.stderr.isTTY);
  if (!on) return undefined;
  let last = 0;
  const started = Date.now();
  return (p) => {
    const now = Date.now();
    const finished = p.filesDone === p.filesTotal;
    if (!finished && now - last < 100) return;
    last = now;
    const pct = p.bytesTotal === 0 ? 100 : Math.floor((p.bytesDone / p.bytesTotal) * 100);
    const secs = (now - started) / 1000;
    const rate = secs > 0 ? ` ${size(p.bytesDone / secs)}/s` : '';
    process.stderr.write(`\rhashing ${size(p.bytesDone)} / ${size(p.bytesTotal)} (${pct}%) ${p.filesDone}/${p.filesTotal} files${rate}\x1b[K`);
    if (finished) process.stderr.write('\n');
  };
}
