/**
 * A one-line progress bar on stderr, only when stderr is a terminal (TERM=dumb has no cursor control): bytes read,
 * percentage, rows per second. stdout keeps only the command's output, whatever it is piped into.
 */
export class ProgressBar {
  private last = 0;
  private readonly started = performance.now();
  private drawn = false;

  /** Creates a bar for `totalBytes` bytes, drawn on `stream` only when it is a terminal. */
  constructor(
    private readonly totalBytes: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = progressEnabled(stream),
  ) {}

  /** Redraws at most ten times a second. */
  update(bytes: number, rows: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < 100) return;
    this.last = now;
    const fraction = this.totalBytes > 0 ? Math.min(1, bytes / this.totalBytes) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(rows / seconds) : 0;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${formatBytes(bytes)} / ${formatBytes(this.totalBytes)}  ${rows.toLocaleString('en-GB')} rows  ${rate.toLocaleString('en-GB')} rows/s`;
    this.stream.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the bar's line. */
  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
  }
}

/** True when a progress bar may be drawn on `stream`: a terminal that understands cursor control. */
export function progressEnabled(
  stream: Pick<NodeJS.WriteStream, 'isTTY'>,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** 1536 → "1.5 KB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
