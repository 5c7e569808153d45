// A one-line progress bar on stderr: done/total, ETA, and the current loss
// terms. Redraws in place on a terminal; prints occasional lines otherwise.
export class Progress {
  private readonly start = performance.now();
  private lastLine = 0;
  /** The first update: the rate is measured from it on, so set-up and warm-up stay out of the ETA. */
  private first?: { done: number; at: number; frac: number };
  private announced = false;
  constructor(
    private readonly label: string,
    private readonly total: number,
    /** Work already done before this run (a resumed run): excluded from the ETA. */
    private readonly offset = 0,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** Say once, early, how long the whole job will take when that is longer than this (seconds). */
    private readonly announceOver = Infinity,
  ) {}

  /**
   * `fraction`, when given, is the share of the job's work done (where items differ in cost, as optimize's
   * scales do); the ETA then follows it instead of the count.
   */
  update(done: number, terms: Record<string, number> = {}, fraction?: number): void {
    const now = performance.now();
    const elapsed = (now - this.start) / 1000;
    const frac = fraction ?? (this.total ? done / this.total : 1);
    const finished = done >= this.total;
    this.first ??= { done: Math.max(done, this.offset), at: now, frac };
    const ran = done - this.first.done;
    const eta = finished
      ? 0
      : fraction !== undefined
        ? // Not from the first percent or two: an early estimate of a long job is mostly noise (optimize's first
          // L-BFGS iterations search longer than the rest, so 2 of 300 iterations once said 1 h 44 min).
          frac - this.first.frac >= 0.02
          ? ((now - this.first.at) / 1000 / (frac - this.first.frac)) * (1 - frac)
          : NaN
        : ran > 0
          ? ((now - this.first.at) / 1000 / ran) * (this.total - done)
          : NaN;
    // Not before a tenth of the job (at least 10 steps): L-BFGS's first iterations search longer than the rest.
    if (!this.announced && ran >= Math.max(10, this.total / 10) && Number.isFinite(eta)) {
      this.announced = true;
      if (eta > this.announceOver)
        this.stream.write(
          `${this.stream.isTTY ? '\r\x1b[K' : ''}${this.label}: this will take about ${formatTime(eta)} more at ${formatTime((now - this.first.at) / 1000 / ran)} per step\n`,
        );
    }
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const loss = Object.entries(terms)
      .map(([k, v]) => `${k} ${formatNumber(v)}`)
      .join('  ');
    const shown = Number.isInteger(done) ? String(done) : done.toFixed(2); // within one item (tiles of a big photo)
    const line = `${this.label} ${bar} ${shown}/${this.total}  ${formatTime(elapsed)} elapsed, ETA ${Number.isFinite(eta) ? formatTime(eta) : '?'}${loss ? `  ${loss}` : ''}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[K${line}`);
      if (done >= this.total) this.stream.write('\n');
    } else if (done >= this.total || now - this.lastLine > 10_000 || done === 1) {
      this.stream.write(`${line}\n`);
      this.lastLine = now;
    }
  }
}

export function formatTime(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : v.toPrecision(4);
}
