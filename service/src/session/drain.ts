/**
 * How long each step of a drain may take, from the grace the platform gives between SIGTERM and SIGKILL
 * (Container Apps: `terminationGracePeriodSeconds`) and the delay before clients are told to reconnect
 * (DRAIN_DELAY_SECONDS: the load balancer must first see readiness fail). Pure: one place for the numbers.
 */
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
