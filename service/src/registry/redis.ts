/**
 * Session registry shared by every proxy instance through Redis.
 *
 *   voice:session:{id}          hash (userId, instanceId, upstream, startedAt), TTL refreshed by heartbeat
 *   voice:sessions              sorted set, member = session id, score = last heartbeat (ms, server clock)
 *   voice:user:{uid}:sessions   sorted set, same scoring, for the per-user limit
 *
 * Every membership is scored by its last heartbeat and stale members are pruned inside the same Lua
 * script that reads the set, so a crashed instance leaks nothing: its sessions drop out of every count
 * one TTL after its last heartbeat (the seed's `hSet('active_sessions')` kept them forever). Scripts read
 * the time from Redis (`TIME`), not from the instance, so clock skew between replicas cannot make one
 * instance prune another's live sessions.
 *
 * The scripts touch several keys; they need a non-clustered Redis (Azure Cache for Redis C/P tiers) or a
 * cluster policy that runs multi-key scripts (Azure Managed Redis "Enterprise" policy). See docs.
 */
import { createHash } from "node:crypto";
import { createClient } from "redis";
import type { AcquireResult, SessionRecord, SessionRegistry } from "./types";

export interface RedisRegistryOptions {
  /** A session not heartbeated for this long is gone. Must exceed the proxy's heartbeat interval. */
  ttlSeconds?: number;
  /** Key prefix; tests use their own to share one redis-server. */
  prefix?: string;
  /** Called on connection errors (the client reconnects by itself); never throws. */
  onError?: (error: Error) => void;
}

export const DEFAULT_REGISTRY_TTL_SECONDS = 45;

// KEYS: userSet, allSet, sessionHash. ARGV: ttlMs, maxPerUser, sessionId, then hash field/value pairs.
// Returns {admitted (0|1), activeForUser}.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local id = ARGV[3]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
if redis.call('ZSCORE', KEYS[1], id) then
  return {1, redis.call('ZCARD', KEYS[1])}
end
local active = redis.call('ZCARD', KEYS[1])
if active >= max then
  return {0, active}
end
redis.call('ZADD', KEYS[1], now, id)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now, id)
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[3], ttl)
return {1, active + 1}
`;

// KEYS: userSet, allSet, sessionHash. ARGV: ttlMs, sessionId. Refreshes only sessions still present,
// so a heartbeat racing a release cannot resurrect it.
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], 'XX', now, ARGV[2])
redis.call('PEXPIRE', KEYS[3], ttl)
return 1
`;

// KEYS: allSet. ARGV: ttlMs. Prunes, then counts.
const COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
return redis.call('ZCARD', KEYS[1])
`;

type Client = ReturnType<typeof createClient>;

/** EVALSHA with a fallback to EVAL when the server has not seen the script (restart, failover). */
class Script {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }
  async run(client: Client, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await client.evalSha(this.sha, { keys, arguments: args });
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return client.eval(this.source, { keys, arguments: args });
    }
  }
}

const acquireScript = new Script(ACQUIRE);
const heartbeatScript = new Script(HEARTBEAT);
const countScript = new Script(COUNT);

export async function createRedisRegistry(url: string, options: RedisRegistryOptions = {}): Promise<SessionRegistry> {
  const ttlMs = (options.ttlSeconds ?? DEFAULT_REGISTRY_TTL_SECONDS) * 1000;
  const prefix = options.prefix ?? "voice:";
  const client: Client = createClient({
    url,
    socket: {
      // Back off up to 5 s between reconnects; commands issued meanwhile fail instead of queueing for
      // ever, so admission answers 503 rather than hanging a client's upgrade.
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5000),
      connectTimeout: 5000,
    },
    disableOfflineQueue: true,
  });
  client.on("error", (error: Error) => options.onError?.(error));
  await client.connect();

  const keys = {
    all: `${prefix}sessions`,
    user: (userId: string) => `${prefix}user:${userId}:sessions`,
    session: (sessionId: string) => `${prefix}session:${sessionId}`,
  };
  // Sessions this instance holds, so heartbeat/release know the user key without a round trip.
  const held = new Map<string, string>();

  return {
    async acquire(record: SessionRecord, maxPerUser: number): Promise<AcquireResult> {
      const fields: string[] = [
        "userId", record.userId,
        "instanceId", record.instanceId,
        "startedAt", String(record.startedAt),
      ];
      if (record.upstream) fields.push("upstream", record.upstream);
      const reply = (await acquireScript.run(
        client,
        [keys.user(record.userId), keys.all, keys.session(record.sessionId)],
        [String(ttlMs), String(maxPerUser), record.sessionId, ...fields],
      )) as [number, number];
      const [admitted, active] = reply.map(Number);
      if (admitted !== 1) return { ok: false, reason: "user_limit", active, limit: maxPerUser };
      held.set(record.sessionId, record.userId);
      return { ok: true };
    },

    async heartbeat(sessionId: string): Promise<void> {
      const userId = held.get(sessionId);
      if (userId === undefined) return;
      await heartbeatScript.run(
        client,
        [keys.user(userId), keys.all, keys.session(sessionId)],
        [String(ttlMs), sessionId],
      );
    },

    async release(sessionId: string): Promise<void> {
      const userId = held.get(sessionId);
      if (userId === undefined) return;
      held.delete(sessionId);
      await client
        .multi()
        .zRem(keys.user(userId), sessionId)
        .zRem(keys.all, sessionId)
        .del(keys.session(sessionId))
        .exec();
    },

    async activeCount(): Promise<number> {
      return Number(await countScript.run(client, [keys.all], [String(ttlMs)]));
    },

    async close(): Promise<void> {
      held.clear();
      if (client.isOpen) await client.quit();
    },
  };
}
