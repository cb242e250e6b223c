/**
 * How long each step of a drain may take, from the grace the platform gives between SIGTERM and SIGKILL
 * (Container Apps: `terminationGracePeriodSeconds`) and the delay before clients are told to reconnect
 * (DRAIN_DELAY_SECONDS: the load balancer must first see readiness fail), pure: one place for the numbers;
 * and each session's wait for its quiet point within them (DrainWait, on the injected clock).
 */
import type { Clock } from "./clock";

export interface DrainTimings {
  /** SIGTERM to the first `proxy.reconnect`: new upgrades stop arriving meanwhile. */
  delayMs: number;
  /** After the delay: the longest wait for a session's utterance and answer in progress to finish. */
  quietMaxMs: number;
  /** The whole drain (delay, quiet wait, the state's last writes); past it what is left is cut. */
  closeMs: number;
  /** The process exits by then whatever happens (a little before the platform's SIGKILL). */
  exitMs: number;
}

/** The last writes and the hand-over of the state (2 s, withDeadline in the proxy) and the close handshakes (1 s). */
export const DRAIN_FLUSH_MS = 2_000;
export const DRAIN_CLOSE_MS = 1_000;
/** Kept back from the grace for the process to exit and for clocks that disagree. */
export const DRAIN_MARGIN_MS = 2_000;

export function drainTimings(terminationGraceSeconds: number, drainDelaySeconds: number): DrainTimings {
  if (!Number.isFinite(terminationGraceSeconds) || terminationGraceSeconds < 1) {
    throw new Error(`termination grace must be at least 1 s, got ${terminationGraceSeconds}`);
  }
  if (!Number.isFinite(drainDelaySeconds) || drainDelaySeconds < 0) throw new Error(`drain delay must be >= 0 s, got ${drainDelaySeconds}`);
  const graceMs = terminationGraceSeconds * 1000;
  const reserveMs = DRAIN_FLUSH_MS + DRAIN_CLOSE_MS + DRAIN_MARGIN_MS;
  const usableMs = Math.max(0, graceMs - reserveMs);
  // The delay never takes more than half of what is usable: answers in progress need the rest.
  const delayMs = Math.min(drainDelaySeconds * 1000, Math.floor(usableMs / 2));
  const quietMaxMs = usableMs - delayMs;
  return { delayMs, quietMaxMs, closeMs: delayMs + quietMaxMs + DRAIN_FLUSH_MS, exitMs: Math.max(0, graceMs - DRAIN_MARGIN_MS / 2) };
}

/** What the wait for a session's quiet point asks of the session. */
export interface QuietSubject {
  /** No utterance, commit, transcript or answer in progress, nothing waiting to be sent (turns.ts). */
  quiet(): boolean;
  ended(): boolean;
  /** The session's shared-state writes in flight have settled (an answer may be asked for meanwhile). */
  settle(): Promise<void>;
}

/**
 * A drain's wait for a session's quiet point, at most `maxMs` (DrainTimings.quietMaxMs): the client is
 * told to reconnect only once nothing it said or asked for would be lost with this instance. The writes
 * in flight are awaited, and the quiet point is checked again after them. The session calls
 * `quietPoint()` after each event that may end what is in progress, and `stop()` when it ends.
 */
export class DrainWait {
  private wake?: () => void;
  private subject?: QuietSubject;

  constructor(private readonly clock: Pick<Clock, "now" | "after">, private readonly maxMs: number) {}

  /** Resolves true at a quiet point or at the deadline (hand the session over), false when it ended meanwhile. */
  async until(subject: QuietSubject): Promise<boolean> {
    this.subject = subject;
    const deadline = this.clock.now() + this.maxMs;
    for (;;) {
      const left = deadline - this.clock.now();
      if (!subject.quiet() && left > 0) {
        await new Promise<void>((resolve) => {
          const timer = this.clock.after(left, resolve);
          this.wake = () => {
            timer.cancel();
            resolve();
          };
        });
        this.wake = undefined;
      }
      if (subject.ended()) return false;
      await subject.settle();
      if (subject.ended()) return false;
      if (subject.quiet() || this.clock.now() >= deadline) return true;
    }
  }

  /** An event that may have ended what was in progress: look again now if it is quiet. */
  quietPoint(): void {
    if (this.wake && this.subject?.quiet()) this.wake();
  }

  /** The session ended: the wait is over. */
  stop(): void {
    this.wake?.();
  }
}
