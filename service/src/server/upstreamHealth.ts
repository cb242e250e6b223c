/**
 * A circuit breaker per upstream entry, and the load each carries from this instance. New sessions go to
 * the best usable upstream: lowest priority number, then fewest open sessions. An upstream that refuses
 * (429, with its Retry-After), errs (5xx, connect failure) or stalls is set aside for a while, growing
 * with each consecutive failure; when the while is over one session probes it (half-open) and its
 * outcome decides. Pure, with an injected clock.
 */
import type { Clock } from "../session/clock";

export type UpstreamFailure = "rate_limited" | "server_error" | "connect" | "stall" | "lost";

export interface HealthOptions {
  /** Consecutive failures (other than 429) before the breaker opens. */
  failureThreshold: number;
  /** First open period; doubles with each further failure. */
  baseOpenMs: number;
  maxOpenMs: number;
}

export const DEFAULT_HEALTH: HealthOptions = { failureThreshold: 2, baseOpenMs: 2_000, maxOpenMs: 60_000 };

interface Breaker {
  consecutiveFailures: number;
  openUntil: number;
  opens: number;
  probing: boolean;
  sessions: number;
}

export type BreakerState = "closed" | "open" | "half_open";

export class UpstreamHealth {
  private readonly breakers = new Map<string, Breaker>();

  constructor(names: string[], private readonly clock: Clock, private readonly options: HealthOptions = DEFAULT_HEALTH) {
    for (const name of names) this.breakers.set(name, { consecutiveFailures: 0, openUntil: 0, opens: 0, probing: false, sessions: 0 });
  }

  state(name: string): BreakerState {
    const b = this.get(name);
    if (b.openUntil === 0) return "closed";
    return this.clock.now() < b.openUntil ? "open" : "half_open";
  }

  /** May a new connection go to this upstream now? A half-open one admits one probe at a time. */
  usable(name: string): boolean {
    const state = this.state(name);
    return state === "closed" || (state === "half_open" && !this.get(name).probing);
  }

  /** Any upstream usable now, or soon (half-open): what /readyz reports. */
  anyUsable(): boolean {
    return [...this.breakers.keys()].some((name) => this.state(name) !== "open");
  }

  /** A connection attempt starts (marks the half-open probe in flight). */
  attempt(name: string): void {
    if (this.state(name) === "half_open") this.get(name).probing = true;
  }

  success(name: string): void {
    const b = this.get(name);
    b.consecutiveFailures = 0;
    b.openUntil = 0;
    b.opens = 0;
    b.probing = false;
  }

  /** An attempt that says nothing of the upstream (the request's own shape was refused): a probe may run again. */
  inconclusive(name: string): void {
    this.get(name).probing = false;
  }

  failure(name: string, kind: UpstreamFailure, retryAfterMs?: number): void {
    const b = this.get(name);
    b.probing = false;
    if (kind === "rate_limited") {
      // The upstream's quota, not its health: aside for exactly its Retry-After (or the base period), no
      // growing backoff, no failure counted towards opening the breaker for longer.
      b.openUntil = this.clock.now() + Math.min(this.options.maxOpenMs, retryAfterMs ?? this.options.baseOpenMs);
      return;
    }
    b.consecutiveFailures++;
    const wasProbe = b.openUntil !== 0;
    if (wasProbe || b.consecutiveFailures >= this.options.failureThreshold) {
      const backoff = Math.min(this.options.maxOpenMs, this.options.baseOpenMs * 2 ** b.opens);
      b.opens++;
      b.openUntil = this.clock.now() + Math.max(backoff, Math.min(this.options.maxOpenMs, retryAfterMs ?? 0));
    }
  }

  opened(name: string): void {
    this.get(name).sessions++;
  }

  closed(name: string): void {
    const b = this.get(name);
    b.sessions = Math.max(0, b.sessions - 1);
  }

  sessions(name: string): number {
    return this.get(name).sessions;
  }

  snapshot(): Record<string, { state: BreakerState; sessions: number }> {
    return Object.fromEntries([...this.breakers.keys()].map((name) => [name, { state: this.state(name), sessions: this.get(name).sessions }]));
  }

  private get(name: string): Breaker {
    const b = this.breakers.get(name);
    if (!b) throw new Error(`unknown upstream "${name}"`);
    return b;
  }
}

/** Retry-After as milliseconds (seconds or an HTTP date), bounded to an hour; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 3_600_000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.min(Math.max(0, date - now), 3_600_000) : undefined;
}

/**
 * What a failed upgrade says about the upstream. 429 is its quota; 400, 404 and 422 answer the request's
 * shape (a parameter the client chose): they say nothing of the upstream's health and never open its
 * breaker ("client"). 401 and 403 answer this proxy's own credentials for that entry, 5xx and no answer
 * its health: both set it aside so sessions go elsewhere.
 */
export function connectFailureKind(status: number | undefined, timedOut: boolean): UpstreamFailure | "client" {
  if (status === 429) return "rate_limited";
  if (status === 400 || status === 404 || status === 422) return "client";
  if (status !== undefined) return "server_error";
  return timedOut ? "stall" : "connect";
}
