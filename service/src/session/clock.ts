/** Time as the session core sees it: injected, so rotation, deadlines and drains are tested with a fake clock. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  after(ms: number, fn: () => void): Timer;
  every(ms: number, fn: () => void): Timer;
}

export const realClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  },
};

/** A clock the tests move by hand: timers fire in order when `advance` passes them. */
export class FakeClock implements Clock {
  private current = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void; every?: number }>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): Timer {
    const id = ++this.seq;
    this.timers.set(id, { at: this.current + Math.max(0, ms), fn });
    return { cancel: () => this.timers.delete(id) };
  }

  every(ms: number, fn: () => void): Timer {
    const id = ++this.seq;
    this.timers.set(id, { at: this.current + ms, fn, every: Math.max(1, ms) });
    return { cancel: () => this.timers.delete(id) };
  }

  /** Moves time forward, firing every timer due on the way (timers set while firing included). */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      let nextId: number | undefined;
      let next: { at: number; fn: () => void; every?: number } | undefined;
      for (const [id, t] of this.timers) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && id < nextId!))) { next = t; nextId = id; }
      if (!next || nextId === undefined) break;
      this.current = Math.max(this.current, next.at);
      if (next.every) next.at += next.every;
      else this.timers.delete(nextId);
      next.fn();
    }
    this.current = end;
  }

  pending(): number {
    return this.timers.size;
  }
}
