/**
 * Stall detection: an upstream event that is expected and does not come. An upstream that stalls keeps its
 * connection open, so no close event ever says so; each expected event has its own bound instead:
 * - the first event after the upgrade (session.created) within `firstEventMs` (LinkWatch);
 * - each ping answered before the next one is due (LinkWatch.ping);
 * - while the turns say an event is due (a commit's confirmation, an answer, its next delta), no silence
 *   of `upstreamSilenceMs` (watchSilence; turns.ts keeps the times and answers `stalled(now)`).
 * Timers come from the injected clock, so every bound is tested with a fake one (stall.test.ts).
 */
import type { Clock, Timer } from "./clock";

/**
 * How often the silence check runs: a fifth of the bound, so a stall is found at most 20% late, and no
 * more than ten times a second per session.
 */
export function silenceCheckEveryMs(silenceMs: number): number {
  return Math.max(100, Math.floor(silenceMs / 5));
}

/** One upstream link's liveness: its first event after the upgrade, and its pings answered. */
export class LinkWatch {
  private gotEvent = false;
  private alive = true;
  private readonly firstEvent: Timer;

  constructor(clock: Pick<Clock, "after">, firstEventMs: number, onStall: () => void) {
    this.firstEvent = clock.after(firstEventMs, () => {
      if (!this.gotEvent) onStall();
    });
  }

  /** An event arrived: true for the first one (the upstream answered its upgrade). */
  event(): boolean {
    if (this.gotEvent) return false;
    this.gotEvent = true;
    return true;
  }

  pong(): void {
    this.alive = true;
  }

  /** At each ping interval: false when the previous ping went unanswered (a stall; no new ping is sent). */
  ping(send: () => void): boolean {
    if (!this.alive) return false;
    this.alive = false;
    send();
    return true;
  }

  stop(): void {
    this.firstEvent.cancel();
  }
}

/**
 * Asks `stalled(now)` every fifth of `silenceMs`; when it names a subject (the upstream link that owes an
 * event and stays silent), `onStall` gets it. The returned timer stops the checks.
 */
export function watchSilence<T>(clock: Clock, silenceMs: number, stalled: (now: number) => T | undefined, onStall: (subject: T) => void): Timer {
  return clock.every(silenceCheckEveryMs(silenceMs), () => {
    const subject = stalled(clock.now());
    if (subject !== undefined) onStall(subject);
  });
}
