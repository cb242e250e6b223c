/**
 * The client's decisions, as pure functions: how long to wait before the next attempt, and whether a
 * close (or a refused upgrade) is worth another attempt. No sockets, no timers, no clock.
 */
import { CloseCode } from "../../../contracts/protocol";

export interface ReconnectPolicy {
  /** Consecutive failed attempts before giving up (a session that became ready resets the count). */
  maxAttempts: number;
  /** Delay before the first retry after an unexpected close; doubles (`multiplier`) per attempt. */
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /**
   * Share of each delay that is random: 0 = none, 1 = "full jitter" (uniform in [0, delay]). Clients
   * dropped together (a replica draining, a region failing) then come back spread out instead of in
   * one burst; Voice Live admits about 30 new connections a minute per resource (see the README).
   */
  jitter: number;
  /**
   * After 1012 (the instance is restarting, reconnect now) the first attempt waits a random time in
   * [0, restartSpreadMs]: soon, but not every client of the draining replica in the same millisecond.
   */
  restartSpreadMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = {
  maxAttempts: 8,
  initialDelayMs: 250,
  maxDelayMs: 8_000,
  multiplier: 2,
  jitter: 0.5,
  restartSpreadMs: 500,
};

/** Checks a policy once, where it is made; every bad field is named. */
export function validatePolicy(policy: ReconnectPolicy): ReconnectPolicy {
  const problems: string[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 0) problems.push(`maxAttempts must be a whole number >= 0, got ${policy.maxAttempts}`);
  for (const key of ["initialDelayMs", "maxDelayMs", "restartSpreadMs"] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0) problems.push(`${key} must be >= 0, got ${policy[key]}`);
  }
  if (!(policy.multiplier >= 1)) problems.push(`multiplier must be >= 1, got ${policy.multiplier}`);
  if (!(policy.jitter >= 0 && policy.jitter <= 1)) problems.push(`jitter must be in [0, 1], got ${policy.jitter}`);
  if (policy.maxDelayMs < policy.initialDelayMs) problems.push("maxDelayMs must be >= initialDelayMs");
  if (problems.length > 0) throw new RangeError(`reconnect policy: ${problems.join("; ")}`);
  return policy;
}

/**
 * Delay before retry number `attempt` (1 for the first retry): initial × multiplier^(attempt-1), capped
 * at maxDelayMs, of which the `jitter` share is scaled by `random()` (in [0, 1)).
 */
export function backoffDelay(attempt: number, policy: ReconnectPolicy, random: () => number): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent);
  return Math.round(ceiling * (1 - policy.jitter + policy.jitter * random()));
}

/**
 * What a close means to the client:
 * - `now`: reconnect at once (1012: this instance is going away; the session resumes elsewhere);
 * - `retry`: reconnect after a backoff delay (network loss, upstream trouble, capacity);
 * - `stop`: do not reconnect (a normal end, the client's own fault, the time limit, or another
 *   connection took the session over).
 */
export type CloseAction = "now" | "retry" | "stop";

export interface CloseInfo {
  code: number;
  /** The HTTP status of a refused upgrade, when the socket can see it (Node's `ws`; browsers cannot). */
  httpStatus?: number;
  /** Whether this connection got as far as the WebSocket upgrade. */
  opened: boolean;
}

/** Close codes after which another attempt is pointless or wrong (see contracts/protocol.ts CloseCode). */
const FINAL_CODES: ReadonlySet<number> = new Set<number>([
  CloseCode.normal,
  CloseCode.policy,
  CloseCode.tooBig,
  CloseCode.sessionTimeLimit,
  CloseCode.replaced,
]);

export function closeAction(close: CloseInfo): CloseAction {
  if (!close.opened && close.httpStatus !== undefined) {
    // Refused at the upgrade: 408, 429 and 5xx are the platform's (capacity, draining); any other
    // status (401 token, 403 origin or model, 404 path) repeats identically on every attempt.
    const status = close.httpStatus;
    return status === 408 || status === 429 || status >= 500 ? "retry" : "stop";
  }
  if (close.code === CloseCode.restart) return "now";
  if (FINAL_CODES.has(close.code)) return "stop";
  // Application codes the contract does not define (4002-4999, 3000-3999) are final by the same rule
  // the SDKs follow (openai 7 does not reconnect after 4000-range codes).
  if (close.code >= 3000) return "stop";
  // 1001 going away, 1005 no status, 1006 abnormal (also a refused upgrade a browser cannot see into),
  // 1011 internal, 1013 try again later, 1014 bad gateway.
  return "retry";
}
