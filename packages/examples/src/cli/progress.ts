/**
 * A progress bar with an ETA on stderr.
 *
 * On a terminal it redraws one line in place; when stderr is a file or a
 * pipe (CI logs, batch schedulers) it prints a plain line at every 10% step
 * instead, so logs stay readable. Progress never goes to stdout, which is
 * kept for the final list of files written.
 */

/** Where progress is drawn: stderr, or a fake in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Tracks `total` units of work.
 *
 * @example
 * const progress = new Progress('relu', 1250);
 * for (…) progress.tick(1, `loss 0.41`);
 * progress.done();
 */
export class Progress {
  private completed = 0;
  private readonly startedAt = Date.now();
  private lastDrawAt = 0;
  private lastMilestone = -1;
  private note = '';

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly enabled = true,
  ) {}

  /** Marks `units` more as done; `note` (e.g. the current loss) is shown beside the bar. */
  tick(units = 1, note?: string): void {
    this.completed = Math.min(this.total, this.completed + units);
    if (note !== undefined) this.note = note;
    this.draw(false);
  }

  /**
   * Prints a line of its own above the bar: on a terminal the bar's line is
   * cleared first and redrawn by the next tick.
   */
  log(message: string): void {
    if (!this.enabled) return;
    if (this.stream.isTTY) this.stream.write('\r\x1b[2K');
    this.stream.write(`${message}\n`);
    this.lastDrawAt = 0;
  }

  /** Draws the final state and ends the line. */
  done(note?: string): void {
    if (note !== undefined) this.note = note;
    this.completed = this.total;
    this.draw(true);
  }

  private draw(final: boolean): void {
    if (!this.enabled) return;
    const fraction = this.total === 0 ? 1 : this.completed / this.total;
    const elapsedSeconds = (Date.now() - this.startedAt) / 1000;
    if (this.stream.isTTY) {
      // Redrawing more often than ~12 times a second only costs time.
      if (!final && Date.now() - this.lastDrawAt < 80) return;
      this.lastDrawAt = Date.now();
      const barWidth = 24;
      const filled = Math.round(fraction * barWidth);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`;
      const timing = final ? `in ${formatDuration(elapsedSeconds)}` : `ETA ${eta(fraction, elapsedSeconds)}`;
      let line = `${this.label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${this.completed}/${this.total} ${timing}${this.note ? `  ${this.note}` : ''}`;
      const columns = this.stream.columns ?? 100;
      if (line.length > columns - 1) line = line.slice(0, columns - 1);
      this.stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
      return;
    }
    const milestone = Math.floor(fraction * 10);
    if (milestone === this.lastMilestone && !final) return;
    if (final && this.lastMilestone === 10) return;
    this.lastMilestone = milestone;
    const timing = fraction >= 1 ? `in ${formatDuration(elapsedSeconds)}` : `ETA ${eta(fraction, elapsedSeconds)}`;
    this.stream.write(`${this.label}: ${(fraction * 100).toFixed(0)}% (${this.completed}/${this.total}) ${timing}${this.note ? `  ${this.note}` : ''}\n`);
  }
}

function eta(fraction: number, elapsedSeconds: number): string {
  if (fraction <= 0) return '--:--';
  return formatDuration((elapsedSeconds * (1 - fraction)) / fraction);
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}
