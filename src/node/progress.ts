/** A one-line progress bar on stderr (redrawn in place on a TTY, one line per update otherwise). */

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export class ProgressLine {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastUpdateMs = 0;

  /** A transient line; throttled (10/s on a terminal, every 5 s in a log file). */
  update(text: string): void {
    const now = Date.now();
    if (now - this.lastUpdateMs < (this.tty ? 100 : 5000)) return;
    this.lastUpdateMs = now;
    if (this.tty) process.stderr.write(`\r\x1b[2K${text}`);
    else process.stderr.write(`${text}\n`);
  }

  /** A line that stays (epoch summaries). */
  log(text: string): void {
    if (this.tty) process.stderr.write(`\r\x1b[2K${text}\n`);
    else process.stderr.write(`${text}\n`);
  }
}
