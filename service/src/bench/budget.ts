/**
 * The run's time budget: waiting for a quiet machine and repeating disturbed runs are only done while
 * the runs still to come fit in what is left, so the whole bench stays bounded on a busy machine.
 */
export class TimeBudget {
  private readonly durations: number[] = [];

  /**
   * @param budgetMs the whole run (0: unbounded)
   * @param estimateMs a run's duration until one has been measured
   */
  constructor(private readonly budgetMs: number, private readonly estimateMs: number, private readonly startedAt: number) {}

  /** Records how long a run took. */
  ran(ms: number): void {
    this.durations.push(ms);
  }

  /** Expected duration of one run: the mean of those measured, else the estimate. */
  perRunMs(): number {
    return this.durations.length ? this.durations.reduce((a, b) => a + b, 0) / this.durations.length : this.estimateMs;
  }

  /** Time left after the `runsLeft` runs still to come (Infinity when unbounded). */
  slackMs(now: number, runsLeft: number): number {
    if (this.budgetMs === 0) return Infinity;
    return this.budgetMs - (now - this.startedAt) - runsLeft * this.perRunMs();
  }

  /** How long to wait for quiet before the next run (`runsLeft` counts it). */
  quietWaitMs(now: number, runsLeft: number, wantedMs: number): number {
    return Math.max(0, Math.min(wantedMs, this.slackMs(now, runsLeft)));
  }

  /** Whether one more run fits besides the `runsLeft` still to come. */
  canRepeat(now: number, runsLeft: number): boolean {
    return this.slackMs(now, runsLeft + 1) >= 0;
  }
}
