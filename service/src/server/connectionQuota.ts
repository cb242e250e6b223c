/**
 * New upstream connections are a quota: each upstream resource accepts a bounded number a minute
 * (Voice Live S0: 30), and every admission, resume, rotation and failover opens one. This module keeps
 * the proxy under that rate, counted in one place for every instance (a sliding window of one minute in
 * Redis, timed by Redis's own clock), and under a per-user rate of new sessions and resumes, so one user
 * looping connect/close cannot spend the resource's quota for everyone.
 *
 * While Redis does not answer, each instance counts on its own (a local window of the same size): the
 * rate may then reach the number of instances times the quota, and the upstream's own 429 (with its
 * Retry-After) sets that upstream aside until then.
 */
import { createHash, randomBytes } from "node:crypto";
import { createClient } from "redis";
import type { Clock } from "../session/clock";

export const WINDOW_MS = 60_000;

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

/** Takes one event from the window of `key` if fewer than `perWindow` happened in the last `WINDOW_MS`. */
export interface RateWindow {
  take(key: string, perWindow: number): Promise<RateDecision>;
  close(): Promise<void>;
}

/** Pure, in-process: the fallback, and the only counter of a single instance without Redis. Bounded: `perWindow` timestamps per key, idle keys pruned. */
export class LocalWindow implements RateWindow {
  private readonly events = new Map<string, number[]>();
  private lastPrune = 0;

  constructor(private readonly clock: Pick<Clock, "now">, private readonly maxKeys = 100_000) {}

  async take(key: string, perWindow: number): Promise<RateDecision> {
    return this.takeNow(key, perWindow);
  }

  takeNow(key: string, perWindow: number): RateDecision {
    const now = this.clock.now();
    this.prune(now);
    const times = (this.events.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    if (times.length < perWindow) {
      times.push(now);
      this.events.set(key, times);
      return { ok: true };
    }
    this.events.set(key, times);
    return { ok: false, retryAfterMs: Math.max(1, times[0] + WINDOW_MS - now) };
  }

  async close(): Promise<void> {
    this.events.clear();
  }

  private prune(now: number): void {
    if (now - this.lastPrune < WINDOW_MS && this.events.size < this.maxKeys) return;
    this.lastPrune = now;
    for (const [key, times] of this.events) if (times.every((t) => t <= now - WINDOW_MS)) this.events.delete(key);
    // Still full (a flood of distinct keys within a minute): the oldest keys go first.
    for (const key of this.events.keys()) {
      if (this.events.size < this.maxKeys) break;
      this.events.delete(key);
    }
  }
}

/**
 * The sliding window as one script: Redis's clock (TIME), so instances with skewed clocks share one
 * window; the sorted set holds at most `perWindow` members and expires with the window.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
`;

export interface RedisWindowOptions {
  /** Key prefix (keys are `<prefix>quota:<key>`). */
  prefix?: string;
  /** A take that Redis has not answered within this falls back to the local window. */
  commandTimeoutMs?: number;
  /** After a failure, Redis is not asked again for this long (the local window counts meanwhile). */
  coolDownMs?: number;
  onError?: (error: Error) => void;
  clock: Pick<Clock, "now">;
}

/** The shared window in Redis, with the local window while Redis is away. */
export async function createRedisWindow(url: string, options: RedisWindowOptions): Promise<RateWindow & { shared(): boolean }> {
  const prefix = options.prefix ?? "voice:";
  // The registry's production deadline (registry/redis.ts): on a loaded replica a 250 ms deadline sent
  // takes Redis would have refused to the local window, and both admitted (measured: 31 of 30 across two
  // instances in a full test run).
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const coolDownMs = options.coolDownMs ?? 2_000;
  const local = new LocalWindow(options.clock);
  const client = createClient({
    url,
    socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5000), connectTimeout: 5000 },
    disableOfflineQueue: true,
  });
  client.on("error", (error: Error) => options.onError?.(error));
  // Until the first connection attempt settles, a take waits for it (within the deadline) instead of
  // counting locally: a replica admitting its first clients while its client still connects would otherwise
  // count them where no other instance sees them. A first attempt that fails ends the wait too: a Redis
  // that is not there must not add the deadline to every admission.
  let connecting = true;
  const firstAttempt = new Promise<void>((resolve) => {
    const settle = () => {
      connecting = false;
      resolve();
    };
    client.once("ready", settle);
    client.once("error", settle);
  });
  client.connect().catch((error: Error) => options.onError?.(error));
  const sha = createHash("sha1").update(TAKE).digest("hex");
  let awayUntil = 0;
  let closing = false;

  const run = async (key: string, perWindow: number): Promise<[number, number]> => {
    const args = { keys: [`${prefix}quota:${key}`], arguments: [String(perWindow), String(WINDOW_MS), randomBytes(8).toString("hex")] };
    try {
      return (await client.evalSha(sha, args)) as [number, number];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return (await client.eval(TAKE, args)) as [number, number];
    }
  };

  return {
    shared: () => client.isReady && options.clock.now() >= awayUntil,
    async take(key, perWindow) {
      if (connecting && !closing) {
        let wait: NodeJS.Timeout | undefined;
        await Promise.race([firstAttempt, new Promise<void>((resolve) => (wait = setTimeout(resolve, commandTimeoutMs)))]);
        clearTimeout(wait);
      }
      if (closing || !client.isReady || options.clock.now() < awayUntil) return local.takeNow(key, perWindow);
      let timer: NodeJS.Timeout | undefined;
      try {
        const [ok, wait] = await Promise.race([
          run(key, perWindow),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`redis did not answer within ${commandTimeoutMs} ms`)), commandTimeoutMs);
          }),
        ]);
        return Number(ok) === 1 ? { ok: true } : { ok: false, retryAfterMs: Math.max(1, Number(wait)) };
      } catch (error) {
        awayUntil = options.clock.now() + coolDownMs;
        options.onError?.(error as Error);
        return local.takeNow(key, perWindow);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      closing = true;
      // Nothing to flush: drop the connection at once (a frozen or absent Redis must not hold a shutdown).
      try {
        client.destroy();
      } catch {
        // never connected, or closed already
      }
    },
  };
}

export interface QuotaOptions {
  /** New sessions and resumes one user may start a minute (across instances). */
  userPerMinute: number;
  /** Each upstream entry's quota of new connections a minute. */
  upstreamPerMinute: (name: string) => number;
}

/**
 * The two rates the proxy keeps: per user (new sessions and resumes) and per upstream resource (every
 * new upstream connection). Remembers, per upstream, until when its window is known to be full, so
 * readiness can say when no upstream can take a session.
 */
export class ConnectionQuota {
  private readonly fullUntil = new Map<string, number>();

  constructor(private readonly window: RateWindow, private readonly options: QuotaOptions, private readonly clock: Pick<Clock, "now">) {}

  /** One new session or resume for this user. The id is hashed: a user id of any length makes a key of one size. */
  user(userId: string): Promise<RateDecision> {
    return this.window.take(`user:${createHash("sha256").update(userId).digest("base64url")}`, this.options.userPerMinute);
  }

  /** One new connection to this upstream. */
  async upstream(name: string): Promise<RateDecision> {
    const decision = await this.window.take(`upstream:${name}`, this.options.upstreamPerMinute(name));
    if (decision.ok) this.fullUntil.delete(name);
    else this.fullUntil.set(name, this.clock.now() + decision.retryAfterMs);
    return decision;
  }

  /** The first of `names` (in order) with room for a new connection; else when the soonest has room again. */
  async first(names: string[]): Promise<{ ok: true; name: string } | { ok: false; retryAfterMs: number }> {
    let soonest = Infinity;
    for (const name of names) {
      const decision = await this.upstream(name);
      if (decision.ok) return { ok: true, name };
      soonest = Math.min(soonest, decision.retryAfterMs);
    }
    return { ok: false, retryAfterMs: Number.isFinite(soonest) ? soonest : WINDOW_MS };
  }

  /** False while this upstream's window was last seen full (readiness). */
  hasRoom(name: string): boolean {
    return (this.fullUntil.get(name) ?? 0) <= this.clock.now();
  }

  close(): Promise<void> {
    return this.window.close();
  }
}

/** Retry-After in whole seconds (rounded up, at least 1), as HTTP wants it. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
