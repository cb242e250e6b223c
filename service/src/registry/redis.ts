/**
 * Shared session state in Redis, for every proxy instance.
 *
 *   voice:session:{id}           hash (userId, instanceId, startedAt), TTL refreshed by heartbeat
 *   voice:sessions               sorted set, member = session id, score = last heartbeat (ms, Redis clock)
 *   voice:user:{uid}:sessions    sorted set, same scoring, for the per-user limit
 *   voice:resume:{token}         hash: the resumable session (ids, user, path, model, start, generation,
 *                                state live|detached, configuration as JSON, item count and size)
 *   voice:resume:{token}:items   list of the conversation's text items ("<chars>:<json>"), oldest first
 *   voice:user:{uid}:detached    sorted set of the user's detached tokens, score = when detached
 *
 * Memberships are scored by their last heartbeat and stale members are pruned inside the scripts that
 * read the sets, so a crashed instance leaks nothing: its sessions drop out of every count one TTL after
 * its last heartbeat. Each instance heartbeats all its sessions in one script call, writing back any
 * membership the server lost (a Redis restarted empty). Scripts read the time from Redis (`TIME`), so
 * clock skew between replicas cannot make one instance prune another's live sessions.
 *
 * Every command has a deadline. A command that misses it, or a connection that is down, makes the
 * store unavailable for a short cool-down: callers get RegistryUnavailable at once (admission then runs
 * on the instance's own limits) instead of queueing behind a frozen server.
 *
 * The scripts touch several keys: they need a non-clustered Redis (Azure Cache for Redis C/P tiers) or a
 * cluster policy that runs multi-key scripts in one shard (Azure Managed Redis "EnterpriseCluster").
 */
import { createHash } from "node:crypto";
import { createClient, ErrorReply } from "redis";
import { OPEN_SESSIONS_KEY } from "../../../contracts";
import { DEFAULT_CONVERSATION_LIMITS, itemChars, type ConversationItem, type ConversationLimits } from "../session/conversation";
import { DEFAULT_RESUME_TTL_SECONDS } from "./memory";
import {
  RegistryUnavailable, type AcquireResult, type ClaimResult, type ResumeState, type ResumeStore, type SessionRecord,
  type SessionRegistry, type SharedState,
} from "./types";

export interface RedisStateOptions {
  /** A session not heartbeated for this long is gone. Must exceed the proxy's heartbeat interval (several times). */
  ttlSeconds?: number;
  /** How long a detached session stays resumable. */
  resumeTtlSeconds?: number;
  /** Key prefix; tests use their own to share one redis-server. */
  prefix?: string;
  /** Deadline of every command. */
  commandTimeoutMs?: number;
  /** After a failure, how long commands are not tried at all. */
  coolDownMs?: number;
  /** How long `createRedisState` waits for the first connection before returning anyway. */
  connectWaitMs?: number;
  conversation?: ConversationLimits;
  /** Connection errors (the client reconnects by itself); never throws. */
  onError?: (error: Error) => void;
}

export const DEFAULT_REGISTRY_TTL_SECONDS = 15;

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS: userSet, allSet, sessionHash. ARGV: ttlMs, maxPerUser, sessionId, then hash field/value pairs.
// Returns {admitted (0|1), activeForUser}. A session the user already holds is admitted again (a resume).
const ACQUIRE = `${NOW}
local ttl = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local id = ARGV[3]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
local active = redis.call('ZCARD', KEYS[1])
if not redis.call('ZSCORE', KEYS[1], id) then
  if active >= max then return {0, active} end
  active = active + 1
end
redis.call('ZADD', KEYS[1], now, id)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now, id)
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[3], ttl)
return {1, active}
`;

// KEYS: allSet, then userSet_i, sessionHash_i per session. ARGV: ttlMs, then id_i, userId_i, instanceId_i,
// startedAt_i. Writes every membership again (ZADD without XX): a server that lost them gets them back.
const HEARTBEAT = `${NOW}
local ttl = tonumber(ARGV[1])
-- The open-sessions set is what the scale rule counts: crashed instances' members leave it here too.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
for i = 0, (#KEYS - 1) / 2 - 1 do
  local id = ARGV[2 + i * 4]
  local user, hash = KEYS[2 + i * 2], KEYS[3 + i * 2]
  redis.call('ZADD', KEYS[1], now, id)
  redis.call('ZADD', user, now, id)
  redis.call('PEXPIRE', user, ttl)
  redis.call('HSET', hash, 'userId', ARGV[3 + i * 4], 'instanceId', ARGV[4 + i * 4], 'startedAt', ARGV[5 + i * 4])
  redis.call('PEXPIRE', hash, ttl)
end
return 1
`;

// KEYS: allSet. ARGV: ttlMs. Prunes, then counts.
const COUNT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
return redis.call('ZCARD', KEYS[1])
`;

// KEYS: stateHash, items, userDetached. ARGV: userId, path, model, liveTtlMs, token.
// Returns {status, generation, fields..., '--', items...}.
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
local h = redis.call('HMGET', KEYS[1], 'userId', 'path', 'model')
if h[1] ~= ARGV[1] then return {'other_user'} end
if h[2] ~= ARGV[2] or h[3] ~= ARGV[3] then return {'other_route'} end
local gen = redis.call('HINCRBY', KEYS[1], 'generation', 1)
redis.call('HSET', KEYS[1], 'state', 'live')
redis.call('ZREM', KEYS[3], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local out = {'ok', gen}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all do out[#out + 1] = all[i] end
out[#out + 1] = '--'
local items = redis.call('LRANGE', KEYS[2], 0, -1)
for i = 1, #items do out[#out + 1] = items[i] end
return out
`;

// KEYS: userDetached. ARGV: resumeTtlMs, path, model, statePrefix. Prunes expired tokens, returns the live ones on the route.
const DETACHED = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
local out = {}
for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local h = redis.call('HMGET', ARGV[4] .. token, 'state', 'path', 'model')
  if h[1] == 'detached' and h[2] == ARGV[2] and h[3] == ARGV[3] then out[#out + 1] = token
  elseif h[1] == false then redis.call('ZREM', KEYS[1], token) end
end
return out
`;

// KEYS: stateHash. ARGV: generation, config JSON.
const SET_CONFIG = `
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'config', ARGV[2])
return 1
`;

// KEYS: stateHash, items. ARGV: generation, "<chars>:<json>", chars, maxItems, maxChars, liveTtlMs.
// Appends, then drops the oldest items while over either bound, counting them.
const APPEND = `
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
local chars = redis.call('HINCRBY', KEYS[1], 'chars', tonumber(ARGV[3]))
local count = redis.call('LLEN', KEYS[2])
while count > 0 and (count > tonumber(ARGV[4]) or chars > tonumber(ARGV[5])) do
  local oldest = redis.call('LPOP', KEYS[2])
  chars = redis.call('HINCRBY', KEYS[1], 'chars', -tonumber(string.match(oldest, '^(%d+):')))
  redis.call('HINCRBY', KEYS[1], 'dropped', 1)
  count = count - 1
end
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
`;

// KEYS: stateHash, items, userDetached. ARGV: generation, resumeTtlMs, token.
const DETACH = `${NOW}
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'detached')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], now, ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1
`;

// KEYS: stateHash, items, userDetached. ARGV: generation, token.
const END = `
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`;

// KEYS: stateHash_i, items_i pairs. ARGV: liveTtlMs, generation_i. Returns a status per lease: 1 kept, 0 taken over, -1 missing.
const REFRESH = `
local out = {}
for i = 1, #KEYS / 2 do
  local gen = redis.call('HGET', KEYS[i * 2 - 1], 'generation')
  if gen == false then out[i] = -1
  elseif gen ~= ARGV[i + 1] then out[i] = 0
  else
    redis.call('PEXPIRE', KEYS[i * 2 - 1], ARGV[1])
    redis.call('PEXPIRE', KEYS[i * 2], ARGV[1])
    out[i] = 1
  end
end
return out
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

const scripts = {
  acquire: new Script(ACQUIRE), heartbeat: new Script(HEARTBEAT), count: new Script(COUNT), claim: new Script(CLAIM),
  detached: new Script(DETACHED), setConfig: new Script(SET_CONFIG), append: new Script(APPEND), detach: new Script(DETACH),
  end: new Script(END), refresh: new Script(REFRESH),
};

export async function createRedisState(url: string, options: RedisStateOptions = {}): Promise<SharedState> {
  const ttlMs = (options.ttlSeconds ?? DEFAULT_REGISTRY_TTL_SECONDS) * 1000;
  const resumeTtlMs = (options.resumeTtlSeconds ?? DEFAULT_RESUME_TTL_SECONDS) * 1000;
  // The default prefix puts the open-sessions set where the scale rule counts it (OPEN_SESSIONS_KEY).
  const prefix = options.prefix ?? OPEN_SESSIONS_KEY.slice(0, -"sessions".length);
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const coolDownMs = options.coolDownMs ?? 2000;
  const limits = options.conversation ?? DEFAULT_CONVERSATION_LIMITS;
  const client: Client = createClient({
    url,
    socket: {
      // Back off up to 5 s between reconnects, for ever: a proxy started before its Redis, or during an
      // outage, keeps serving on local limits and joins as soon as Redis answers.
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5000),
      connectTimeout: 5000,
    },
    // Commands fail at once while disconnected instead of queueing for ever.
    disableOfflineQueue: true,
  });
  client.on("error", (error: Error) => options.onError?.(error));
  let closing = false;
  const firstConnect = client.connect().catch((error: Error) => options.onError?.(error));
  await Promise.race([firstConnect, new Promise((r) => setTimeout(r, options.connectWaitMs ?? 2000).unref())]);

  let unavailableUntil = 0;
  let lastOk = client.isReady;
  /** Runs a command under the deadline; any failure opens the cool-down. */
  async function guarded<T>(run: () => Promise<T>): Promise<T> {
    if (closing) throw new RegistryUnavailable("closing");
    if (!client.isReady) {
      lastOk = false;
      throw new RegistryUnavailable("redis is not connected");
    }
    if (Date.now() < unavailableUntil) throw new RegistryUnavailable("redis missed a deadline moments ago");
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RegistryUnavailable(`redis did not answer within ${commandTimeoutMs} ms`)), commandTimeoutMs);
        }),
      ]);
      lastOk = true;
      return result;
    } catch (error) {
      // Redis answered, with an error (a command's fault, not the server's): no cool-down for everyone.
      if (error instanceof ErrorReply) throw new RegistryUnavailable(`redis refused a command: ${error.message}`);
      lastOk = false;
      unavailableUntil = Date.now() + coolDownMs;
      if (error instanceof RegistryUnavailable) throw error;
      throw new RegistryUnavailable(`redis: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  const keys = {
    all: `${prefix}sessions`,
    user: (userId: string) => `${prefix}user:${userId}:sessions`,
    session: (sessionId: string) => `${prefix}session:${sessionId}`,
    statePrefix: `${prefix}resume:`,
    state: (token: string) => `${prefix}resume:${token}`,
    items: (token: string) => `${prefix}resume:${token}:items`,
    detached: (userId: string) => `${prefix}user:${userId}:detached`,
  };
  // Sessions this instance holds, with their records: heartbeats write them back if Redis lost them.
  const held = new Map<string, SessionRecord>();

  const registry: SessionRegistry = {
    async acquire(record, maxPerUser): Promise<AcquireResult> {
      const reply = (await guarded(() => scripts.acquire.run(
        client,
        [keys.user(record.userId), keys.all, keys.session(record.sessionId)],
        [String(ttlMs), String(maxPerUser), record.sessionId, "userId", record.userId, "instanceId", record.instanceId, "startedAt", String(record.startedAt)],
      ))) as [number, number];
      const [admitted, active] = reply.map(Number);
      if (admitted !== 1) return { ok: false, reason: "user_limit", active, limit: maxPerUser };
      held.set(record.sessionId, record);
      return { ok: true };
    },
    adopt: (record) => void held.set(record.sessionId, record),
    forget: (sessionId) => void held.delete(sessionId),
    async release(sessionId) {
      const record = held.get(sessionId);
      held.delete(sessionId);
      if (!record) return;
      await guarded(() => client.multi().zRem(keys.user(record.userId), sessionId).zRem(keys.all, sessionId).del(keys.session(sessionId)).exec());
    },
    async heartbeat() {
      if (held.size === 0) {
        // Still a round trip (pruning the open-sessions set), so health comes back when Redis does even on an idle instance.
        await guarded(() => scripts.count.run(client, [keys.all], [String(ttlMs)]));
        return;
      }
      const records = [...held.values()];
      await guarded(() => scripts.heartbeat.run(
        client,
        [keys.all, ...records.flatMap((r) => [keys.user(r.userId), keys.session(r.sessionId)])],
        [String(ttlMs), ...records.flatMap((r) => [r.sessionId, r.userId, r.instanceId, String(r.startedAt)])],
      ));
    },
    async activeCount() {
      return Number(await guarded(() => scripts.count.run(client, [keys.all], [String(ttlMs)])));
    },
    healthy: () => lastOk && client.isReady && Date.now() >= unavailableUntil,
    async close() {
      held.clear();
    },
  };

  const stateFields = (state: Omit<ResumeState, "items" | "dropped" | "config">, generation: number): string[] => [
    "sessionId", state.sessionId, "userId", state.userId, "path", state.path, "model", state.model,
    "startedAt", String(state.startedAt), "generation", String(generation), "state", "live", "chars", "0", "dropped", "0",
  ];
  const encodeItem = (item: ConversationItem) => {
    const chars = itemChars(item);
    return { chars, value: `${chars}:${JSON.stringify(item)}` };
  };

  const resume: ResumeStore = {
    async create(token, state) {
      await guarded(() => client.multi()
        .del([keys.state(token), keys.items(token)])
        .hSet(keys.state(token), stateFields(state, 1))
        .pExpire(keys.state(token), ttlMs)
        .exec());
      return { token, generation: 1 };
    },
    async claim(token, userId, route): Promise<ClaimResult> {
      const reply = (await guarded(() => scripts.claim.run(
        client, [keys.state(token), keys.items(token), keys.detached(userId)], [userId, route.path, route.model, String(ttlMs), token],
      ))) as string[];
      if (reply[0] !== "ok") return { ok: false, reason: reply[0] as "not_found" | "other_user" | "other_route" };
      const generation = Number(reply[1]);
      const split = reply.indexOf("--");
      const fields: Record<string, string> = {};
      for (let i = 2; i < split; i += 2) fields[reply[i]] = reply[i + 1];
      const items: ConversationItem[] = [];
      for (const raw of reply.slice(split + 1)) {
        try {
          items.push(JSON.parse(raw.slice(raw.indexOf(":") + 1)) as ConversationItem);
        } catch {
          // A corrupt item is skipped, not fatal: the rest of the conversation still resumes.
        }
      }
      let config: Record<string, unknown> | undefined;
      try {
        config = fields.config ? (JSON.parse(fields.config) as Record<string, unknown>) : undefined;
      } catch {
        config = undefined;
      }
      return {
        ok: true,
        lease: { token, generation },
        state: {
          sessionId: fields.sessionId, userId: fields.userId, path: fields.path, model: fields.model,
          startedAt: Number(fields.startedAt), config, items, dropped: Number(fields.dropped ?? 0),
        },
      };
    },
    async detached(userId, route) {
      return (await guarded(() => scripts.detached.run(client, [keys.detached(userId)], [String(resumeTtlMs), route.path, route.model, keys.statePrefix]))) as string[];
    },
    async setConfig(lease, config) {
      return Number(await guarded(() => scripts.setConfig.run(client, [keys.state(lease.token)], [String(lease.generation), JSON.stringify(config)]))) === 1;
    },
    async append(lease, item) {
      const { chars, value } = encodeItem(item);
      return Number(await guarded(() => scripts.append.run(
        client, [keys.state(lease.token), keys.items(lease.token)],
        [String(lease.generation), value, String(chars), String(limits.maxItems), String(limits.maxChars), String(ttlMs)],
      ))) === 1;
    },
    async detach(lease) {
      const userId = await guarded(() => client.hGet(keys.state(lease.token), "userId"));
      if (!userId) return;
      await guarded(() => scripts.detach.run(client, [keys.state(lease.token), keys.items(lease.token), keys.detached(userId)], [String(lease.generation), String(resumeTtlMs), lease.token]));
    },
    async end(lease) {
      const userId = await guarded(() => client.hGet(keys.state(lease.token), "userId"));
      if (!userId) return;
      await guarded(() => scripts.end.run(client, [keys.state(lease.token), keys.items(lease.token), keys.detached(userId)], [String(lease.generation), lease.token]));
    },
    async refresh(leases) {
      if (leases.length === 0) return { replaced: [], missing: [] };
      const reply = (await guarded(() => scripts.refresh.run(
        client, leases.flatMap((l) => [keys.state(l.token), keys.items(l.token)]), [String(ttlMs), ...leases.map((l) => String(l.generation))],
      ))) as number[];
      return {
        replaced: leases.filter((_, i) => Number(reply[i]) === 0).map((l) => l.token),
        missing: leases.filter((_, i) => Number(reply[i]) === -1).map((l) => l.token),
      };
    },
    async restore(lease, state) {
      const { items, dropped, config, ...rest } = state;
      const encoded = items.map(encodeItem);
      const chars = encoded.reduce((a, e) => a + e.chars, 0);
      const fields = stateFields(rest, lease.generation).map((v, i, all) => (all[i - 1] === "chars" ? String(chars) : all[i - 1] === "dropped" ? String(dropped) : v));
      if (config) fields.push("config", JSON.stringify(config));
      const tx = client.multi().del([keys.state(lease.token), keys.items(lease.token)]).hSet(keys.state(lease.token), fields).pExpire(keys.state(lease.token), ttlMs);
      if (encoded.length > 0) tx.rPush(keys.items(lease.token), encoded.map((e) => e.value)).pExpire(keys.items(lease.token), ttlMs);
      await guarded(() => tx.exec());
    },
  };

  return {
    registry,
    resume,
    describe: () => `redis (${client.isReady ? (registry.healthy() ? "connected" : "not answering") : "not connected"})`,
    async close() {
      closing = true;
      held.clear();
      // Never wait on a frozen server: quit if it answers in time, else drop the connection.
      const quit = client.isOpen ? client.quit().catch(() => undefined) : Promise.resolve();
      const timedOut = await Promise.race([quit.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 1000).unref())]);
      if (timedOut && client.isOpen) await client.disconnect().catch(() => undefined);
    },
  };
}
