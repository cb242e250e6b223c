/**
 * Real-time cadence for many streams at once: stream i of n sends frame k at
 * `start + (i / n) * period + k * period`, so the streams are spread evenly over the period instead of
 * firing together (real clients are not synchronised). The schedule hands out, in due order, every
 * frame whose time has come; the caller sends them and records how late each one was (the sender's own
 * lag, reported apart from the hop's delay).
 */
export class CadenceSchedule {
  private nextIndex = 0;
  readonly total: number;

  constructor(readonly streams: number, readonly periodMs: number, readonly startMs: number, readonly durationMs: number) {
    if (!Number.isInteger(streams) || streams < 0) throw new Error("streams must be a whole number");
    if (!(periodMs > 0)) throw new Error("period must be positive");
    // Frames per stream: every frame whose due time lies inside [start, start + duration).
    this.total = streams === 0 ? 0 : streams * Math.ceil(durationMs / periodMs);
  }

  /** Due time (ms, same clock as `startMs`) of the frame with this global index. */
  dueOf(index: number): number {
    const stream = index % this.streams;
    const seq = Math.floor(index / this.streams);
    return this.startMs + (stream * this.periodMs) / this.streams + seq * this.periodMs;
  }

  /** When the next frame is due, or undefined when the schedule is done. */
  nextDue(): number | undefined {
    return this.nextIndex < this.total ? this.dueOf(this.nextIndex) : undefined;
  }

  get done(): boolean {
    return this.nextIndex >= this.total;
  }

  /** Calls `send(stream, seq, dueMs)` for every frame due at or before `nowMs`, in due order; returns how many. */
  take(nowMs: number, send: (stream: number, seq: number, dueMs: number) => void): number {
    let sent = 0;
    while (this.nextIndex < this.total) {
      const due = this.dueOf(this.nextIndex);
      if (due > nowMs) break;
      const index = this.nextIndex++;
      send(index % this.streams, Math.floor(index / this.streams), due);
      sent++;
    }
    return sent;
  }
}
