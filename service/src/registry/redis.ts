/**
 * Shared session state in Redis, for every proxy instance.
 *
 *   voice:session:{id}           hash (userId, instanceId, startedAt), TTL refreshed by heartbeat
 *   voice:sessions               sorted set, member = session id, score = last heartbeat (ms, Redis clock)
 *   voice:user:{uid}:sessions    sorted set, same scoring, for the per-user limit
 *   voice:resume:{token}         hash: the resumable session (ids, user, path, model, start, generation,
 *                                state live|detached|ended, configuration as JSON, items' bytes, dropped,
 *                                region: where the current generation was taken (registry/replication.ts))
 *   voice:resume:{token}:items   list of the conversation's text items (JSON), oldest first
 *   voice:user:{uid}:detached    sorted set of the user's detached tokens, score = when detached
 *   voice:region                 this Redis's region name (REGION), written by registry/replication.ts
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
 * The scripts touch several keys (some named inside the script, e.g. the detached states a DETACH evicts):
 * they need a non-clustered Redis (Azure Cache for Redis C/P tiers, Azure Managed Redis with the
 * NoCluster policy).
 *
 * No reply or script is proportional to one user's input: resume state is bounded in bytes
 * (contracts/resumeState.ts), a claim reads the items in bounded pages, a user's detached sessions are
 * bounded in number, and re-registration after an outage keeps the per-user limit.
 */
import { createHash } from "node:crypto";
import { createClient, ErrorReply } from "redis";
import { OPEN_SESSIONS_KEY, type ResumeStateLimits } from "../../../contracts";
import type { ConversationItem } from "../session/conversation";
import { encodeItem } from "../session/resumeBudget";
import { DEFAULT_RESUME_TTL_SECONDS, DEFAULT_STATE_LIMITS } from "./memory";
import {
  RegistryUnavailable, type AcquireResult, type ClaimResult, type ResumeState, type ResumeStore, type SessionRecord,
  type SessionRegistry, type SharedState, type WriteResult,
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
  /** Resume-state bounds (bytes) and the detached sessions a user keeps. */
  limits?: ResumeStateLimits;
  /** Claim reads a session's items in pages: at most this many items, and about this many bytes, a reply. */
  claimPageItems?: number;
  claimPageBytes?: number;
  /** Connection errors (the client reconnects by itself); never throws. */
  onError?: (error: Error) => void;
  /** Written with each new generation (create, claim, restore): copies between regions are ordered by generation, then this. */
  region?: string;
}

/** Where a session's resume state lives under a key prefix (shared with registry/replication.ts). */
export function resumeKeys(prefix: string) {
  return {
    statePrefix: `${prefix}resume:`,
    state: (token: string) => `${prefix}resume:${token}`,
    items: (token: string) => `${prefix}resume:${token}:items`,
  };
}

/** The default key prefix: it puts the open-sessions set where the scale rule counts it (OPEN_SESSIONS_KEY). */
export const DEFAULT_PREFIX = OPEN_SESSIONS_KEY.slice(0, -"sessions".length);

export const DEFAULT_REGISTRY_TTL_SECONDS = 15;

/** Claim pages: 32 items or 64 KiB a reply, so the default 128 KiB conversation takes 2-3 round trips. */
export const DEFAULT_CLAIM_PAGE = { items: 32, bytes: 64 * 1024 };

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

// KEYS: allSet, then userSet_i, sessionHash_i per session. ARGV: ttlMs, maxPerUser, sessionPrefix, then
// id_i, userId_i, instanceId_i, startedAt_i (oldest admission first). Writes every membership again (a
// server that lost them gets them back), keeping the per-user limit: a session missing from its user's
// set joins only below the limit, or in place of a member admitted after it (that member's own instance
// then finds it missing and over the limit). Returns the ids refused. Work per call: the instance's
// sessions, each comparing at most its user's members.
const HEARTBEAT = `${NOW}
local ttl = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
-- The open-sessions set is what the scale rule counts: crashed instances' members leave it here too.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
local over = {}
for i = 0, (#KEYS - 1) / 2 - 1 do
  local id = ARGV[4 + i * 4]
  local started = tonumber(ARGV[7 + i * 4])
  local user, hash = KEYS[2 + i * 2], KEYS[3 + i * 2]
  local admit = true
  if not redis.call('ZSCORE', user, id) then
    redis.call('ZREMRANGEBYSCORE', user, '-inf', now - ttl)
    local members = redis.call('ZRANGE', user, 0, -1)
    local count = #members
    while count >= max do
      local newest, newestAt = nil, -1
      for _, m in ipairs(members) do
        if m then
          local at = tonumber(redis.call('HGET', ARGV[3] .. m, 'startedAt') or '0') or 0
          if at > newestAt or (at == newestAt and m > newest) then newest, newestAt = m, at end
        end
      end
      if newest == nil or newestAt < started or (newestAt == started and newest < id) then break end
      redis.call('ZREM', user, newest)
      redis.call('ZREM', KEYS[1], newest)
      for k, m in ipairs(members) do if m == newest then members[k] = false end end
      count = count - 1
    end
    admit = count < max
  end
  if admit then
    redis.call('ZADD', KEYS[1], now, id)
    redis.call('ZADD', user, now, id)
    redis.call('PEXPIRE', user, ttl)
    redis.call('HSET', hash, 'userId', ARGV[5 + i * 4], 'instanceId', ARGV[6 + i * 4], 'startedAt', ARGV[7 + i * 4])
    redis.call('PEXPIRE', hash, ttl)
  else
    over[#over + 1] = id
  end
end
return over
`;

// KEYS: allSet. ARGV: ttlMs. Prunes, then counts.
const COUNT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
return redis.call('ZCARD', KEYS[1])
`;

// KEYS: stateHash, items, userDetached. ARGV: userId, path, model, liveTtlMs, token, region.
// Returns {status, generation, itemCount, fields...}. The items are read in bounded pages (CLAIM_PAGE),
// never in this reply: one user's state must not make a reply, or a script, long for everyone else.
const CLAIM = `
local h = redis.call('HMGET', KEYS[1], 'userId', 'path', 'model', 'state')
if h[1] == false or h[4] == 'ended' then return {'not_found'} end
if h[1] ~= ARGV[1] then return {'other_user'} end
if h[2] ~= ARGV[2] or h[3] ~= ARGV[3] then return {'other_route'} end
local gen = redis.call('HINCRBY', KEYS[1], 'generation', 1)
redis.call('HSET', KEYS[1], 'state', 'live', 'region', ARGV[6])
redis.call('ZREM', KEYS[3], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local out = {'ok', gen, redis.call('LLEN', KEYS[2])}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all do out[#out + 1] = all[i] end
return out
`;

// KEYS: items. ARGV: start, maxCount, maxItemBytes, maxPageBytes. Returns {next, skipped, items...}: at
// most maxCount items from start, stopping once the page holds maxPageBytes (one item at least, so it
// always advances); items over maxItemBytes (written before the byte bounds) are skipped, not returned.
const CLAIM_PAGE = `
local start = tonumber(ARGV[1])
local raw = redis.call('LRANGE', KEYS[1], start, start + tonumber(ARGV[2]) - 1)
local maxItem, maxPage = tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {0, 0}
local bytes, taken, skipped = 0, 0, 0
for _, v in ipairs(raw) do
  if taken > 0 and bytes + math.min(#v, maxItem) > maxPage then break end
  taken = taken + 1
  if #v > maxItem then skipped = skipped + 1 else out[#out + 1] = v; bytes = bytes + #v end
end
out[1] = start + taken
out[2] = skipped
return out
`;

// KEYS: userDetached. ARGV: resumeTtlMs, path, model, statePrefix. Prunes expired tokens, returns the live
// ones on the route. The set is bounded by the user's detached limit (DETACH).
const DETACHED = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
local out = {}
for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local h = redis.call('HMGET', ARGV[4] .. token, 'state', 'path', 'model')
  if h[1] ~= 'detached' then redis.call('ZREM', KEYS[1], token)
  elseif h[2] == ARGV[2] and h[3] == ARGV[3] then out[#out + 1] = token end
end
return out
`;

// Fencing shared by the writes: -1 the state is absent (not a takeover), 0 another connection holds it
// (a higher generation) or it ended.
const FENCE = `
local fence = redis.call('HMGET', KEYS[1], 'generation', 'state')
if fence[1] == false then return -1 end
if fence[1] ~= ARGV[1] or fence[2] == 'ended' then return 0 end
`;

// KEYS: stateHash. ARGV: generation, config JSON, maxConfigBytes. -2: over the bound (the session checks first).
const SET_CONFIG = `${FENCE}
if #ARGV[2] > tonumber(ARGV[3]) then return -2 end
redis.call('HSET', KEYS[1], 'config', ARGV[2])
return 1
`;

// KEYS: stateHash, items. ARGV: generation, item JSON, maxItems, maxBytes, liveTtlMs, maxItemBytes.
// Appends, then drops the oldest items while over either bound, counting them. Sizes are the stored
// strings' byte lengths (Lua's #), so what is counted is exactly what Redis holds.
const APPEND = `${FENCE}
local size = #ARGV[2]
if size > tonumber(ARGV[6]) then return -2 end
redis.call('RPUSH', KEYS[2], ARGV[2])
local bytes = redis.call('HINCRBY', KEYS[1], 'bytes', size)
local count = redis.call('LLEN', KEYS[2])
while count > 0 and (count > tonumber(ARGV[3]) or bytes > tonumber(ARGV[4])) do
  local oldest = redis.call('LPOP', KEYS[2])
  bytes = redis.call('HINCRBY', KEYS[1], 'bytes', -#oldest)
  redis.call('HINCRBY', KEYS[1], 'dropped', 1)
  count = count - 1
end
if bytes < 0 then redis.call('HSET', KEYS[1], 'bytes', 0) end
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
`;

// KEYS: stateHash, items, userDetached. ARGV: generation, resumeTtlMs, token, maxDetached, statePrefix.
// Past the user's detached bound, the oldest detached sessions stop being resumable (deleted).
// Returns how many were evicted, -1 when this connection no longer holds the session.
const DETACH = `${NOW}
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'state', 'detached')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[2]))
local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[4])
local evicted = 0
if excess > 0 then
  for _, token in ipairs(redis.call('ZRANGE', KEYS[3], 0, excess)) do
    if evicted < excess and token ~= ARGV[3] then
      redis.call('ZREM', KEYS[3], token)
      local key = ARGV[5] .. token
      if redis.call('HGET', key, 'state') == 'detached' then redis.call('DEL', key, key .. ':items') end
      evicted = evicted + 1
    end
  end
end
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return evicted
`;

// KEYS: stateHash, items, userDetached. ARGV: generation, token, markerTtlMs. The state is deleted; a
// marker (generation, state=ended) stays for one registry TTL, so an older connection of the session
// that writes or refreshes meanwhile learns it was taken over instead of writing the state back.
const END = `
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 0 end
-- The marker keeps the generation's region: its copy in another region replaces that region's copy of the same generation.
local region = redis.call('HGET', KEYS[1], 'region') or ''
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'generation', ARGV[1], 'state', 'ended', 'region', region)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`;

// KEYS: stateHash_i, items_i pairs. ARGV: liveTtlMs, generation_i. Returns a status per lease: 1 kept, 0 taken over, -1 missing.
const REFRESH = `
local out = {}
for i = 1, #KEYS / 2 do
  local h = redis.call('HMGET', KEYS[i * 2 - 1], 'generation', 'state')
  if h[1] == false then out[i] = -1
  elseif h[1] ~= ARGV[i + 1] or h[2] == 'ended' then out[i] = 0
  else
    redis.call('PEXPIRE', KEYS[i * 2 - 1], ARGV[1])
    redis.call('PEXPIRE', KEYS[i * 2], ARGV[1])
    out[i] = 1
  end
end
return out
`;

// KEYS: stateHash, items. ARGV: generation, liveTtlMs, fieldCount, fields..., items... The whole state of
// a live connection, written again (Redis lost it, or writes missed it) only while no other connection
// took the session (a higher generation, or ended: 0) and this one has not handed it over (detached: 2).
const RESTORE = `
local h = redis.call('HMGET', KEYS[1], 'generation', 'state')
if h[1] ~= false and (h[1] ~= ARGV[1] or h[2] == 'ended') then return 0 end
if h[2] == 'detached' then return 2 end
redis.call('DEL', KEYS[1], KEYS[2])
local nf = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], unpack(ARGV, 4, 3 + nf))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local first = 4 + nf
if #ARGV >= first then
  for i = first, #ARGV, 500 do redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 499, #ARGV))) end
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
`;

export type Client = ReturnType<typeof createClient>;

/** EVALSHA with a fallback to EVAL when the server has not seen the script (restart, failover). */
export class Script {
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
  acquire: new Script(ACQUIRE), heartbeat: new Script(HEARTBEAT), count: new Script(COUNT), claim: new Script(CLAIM), claimPage: new Script(CLAIM_PAGE),
  detached: new Script(DETACHED), setConfig: new Script(SET_CONFIG), append: new Script(APPEND), detach: new Script(DETACH),
  end: new Script(END), refresh: new Script(REFRESH), restore: new Script(RESTORE),
};

export async function createRedisState(url: string, options: RedisStateOptions = {}): Promise<SharedState> {
  const ttlMs = (options.ttlSeconds ?? DEFAULT_REGISTRY_TTL_SECONDS) * 1000;
  const resumeTtlMs = (options.resumeTtlSeconds ?? DEFAULT_RESUME_TTL_SECONDS) * 1000;
  // The default prefix puts the open-sessions set where the scale rule counts it (OPEN_SESSIONS_KEY).
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const region = options.region ?? "local";
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const coolDownMs = options.coolDownMs ?? 2000;
  const limits = options.limits ?? DEFAULT_STATE_LIMITS;
  const pageItems = options.claimPageItems ?? DEFAULT_CLAIM_PAGE.items;
  const pageBytes = options.claimPageBytes ?? DEFAULT_CLAIM_PAGE.bytes;
  const client: Client = createClient({
    url,
    socket: {
      // Back off up to 1 s between reconnects, for ever: a proxy started before its Redis, or during an
      // outage, keeps serving on local limits and joins within a second of Redis answering again.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
      connectTimeout: 5000,
    },
    // Commands fail at once while disconnected instead of queueing for ever.
    disableOfflineQueue: true,
  });
  client.on("error", (error: Error) => options.onError?.(error));
  let unavailableUntil = 0;
  // Each connection after the first is Redis coming back: whoever listens heartbeats at once.
  const reconnectListeners: Array<() => void> = [];
  let connections = 0;
  client.on("ready", () => {
    if (connections++ === 0) return;
    // A fresh connection answered its handshake: the cool-down after the outage's failures is over.
    unavailableUntil = 0;
    for (const listener of reconnectListeners) listener();
  });
  let closing = false;
  const firstConnect = client.connect().catch((error: Error) => options.onError?.(error));
  await Promise.race([firstConnect, new Promise((r) => setTimeout(r, options.connectWaitMs ?? 2000).unref())]);

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
    sessionPrefix: `${prefix}session:`,
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
    async heartbeat(maxPerUser) {
      if (held.size === 0) {
        // Still a round trip (pruning the open-sessions set), so health comes back when Redis does even on an idle instance.
        await guarded(() => scripts.count.run(client, [keys.all], [String(ttlMs)]));
        return { overLimit: [] };
      }
      // Oldest admission first: within one instance, the newest of a user's sessions gives way.
      const records = [...held.values()].sort((a, b) => a.startedAt - b.startedAt);
      const overLimit = (await guarded(() => scripts.heartbeat.run(
        client,
        [keys.all, ...records.flatMap((r) => [keys.user(r.userId), keys.session(r.sessionId)])],
        [String(ttlMs), String(maxPerUser), keys.sessionPrefix, ...records.flatMap((r) => [r.sessionId, r.userId, r.instanceId, String(r.startedAt)])],
      ))) as string[];
      // Not heartbeated again: the caller closes them.
      for (const id of overLimit) held.delete(id);
      return { overLimit };
    },
    async activeCount() {
      return Number(await guarded(() => scripts.count.run(client, [keys.all], [String(ttlMs)])));
    },
    healthy: () => lastOk && client.isReady && Date.now() >= unavailableUntil,
    async close() {
      held.clear();
    },
  };

  const stateFields = (state: Omit<ResumeState, "items" | "dropped" | "config">, generation: number, bytes = 0, dropped = 0): string[] => [
    "sessionId", state.sessionId, "userId", state.userId, "path", state.path, "model", state.model,
    "startedAt", String(state.startedAt), "generation", String(generation), "state", "live", "bytes", String(bytes), "dropped", String(dropped), "region", region,
  ];
  const writeResult = (reply: unknown): WriteResult => {
    const n = Number(reply);
    if (n === -2) throw new RegistryUnavailable("a resume-state write over its bound reached the store");
    return n === 1 ? "ok" : n === -1 ? "missing" : "replaced";
  };
  /** An item as stored now (JSON), or as stored before the byte bounds ("<chars>:<json>"). */
  const decodeItem = (raw: string): { item?: ConversationItem; legacy: boolean } => {
    const legacy = !raw.startsWith("{");
    try {
      return { item: JSON.parse(legacy ? raw.slice(raw.indexOf(":") + 1) : raw) as ConversationItem, legacy };
    } catch {
      // A corrupt item is skipped, not fatal: the rest of the conversation still resumes.
      return { legacy: true };
    }
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
        client, [keys.state(token), keys.items(token), keys.detached(userId)], [userId, route.path, route.model, String(ttlMs), token, region],
      ))) as Array<string | number>;
      if (reply[0] !== "ok") return { ok: false, reason: reply[0] as "not_found" | "other_user" | "other_route" };
      const generation = Number(reply[1]);
      const count = Number(reply[2]);
      const fields: Record<string, string> = {};
      for (let i = 3; i < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
      // State written before the byte bounds has no byte counter: it is written again in today's form.
      let rewrite = fields.bytes === undefined;
      const items: ConversationItem[] = [];
      for (let start = 0; start < count;) {
        const page = (await guarded(() => scripts.claimPage.run(
          client, [keys.items(token)], [String(start), String(pageItems), String(limits.itemMaxBytes), String(pageBytes)],
        ))) as Array<string | number>;
        const next = Number(page[0]);
        if (Number(page[1]) > 0) rewrite = true;
        for (const raw of page.slice(2)) {
          const { item, legacy } = decodeItem(String(raw));
          if (legacy) rewrite = true;
          if (item) items.push(item);
        }
        // The list shrank meanwhile (a concurrent writer trimmed it): what was read is what there is.
        if (next <= start) break;
        start = next;
      }
      let config: Record<string, unknown> | undefined;
      try {
        config = fields.config ? (JSON.parse(fields.config) as Record<string, unknown>) : undefined;
      } catch {
        config = undefined;
      }
      if (fields.config !== undefined && Buffer.byteLength(fields.config) > limits.configMaxBytes) {
        config = undefined;
        rewrite = true;
      }
      return {
        ok: true,
        lease: { token, generation },
        rewrite,
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
      return writeResult(await guarded(() => scripts.setConfig.run(
        client, [keys.state(lease.token)], [String(lease.generation), JSON.stringify(config), String(limits.configMaxBytes)],
      )));
    },
    async append(lease, item) {
      return writeResult(await guarded(() => scripts.append.run(
        client, [keys.state(lease.token), keys.items(lease.token)],
        [String(lease.generation), encodeItem(item), String(limits.maxItems), String(limits.conversationMaxBytes), String(ttlMs), String(limits.itemMaxBytes)],
      )));
    },
    async detach(lease) {
      const userId = await guarded(() => client.hGet(keys.state(lease.token), "userId"));
      if (!userId) return;
      await guarded(() => scripts.detach.run(
        client, [keys.state(lease.token), keys.items(lease.token), keys.detached(userId)],
        [String(lease.generation), String(resumeTtlMs), lease.token, String(limits.maxDetachedPerUser), keys.statePrefix],
      ));
    },
    async end(lease) {
      const userId = await guarded(() => client.hGet(keys.state(lease.token), "userId"));
      if (!userId) return;
      await guarded(() => scripts.end.run(client, [keys.state(lease.token), keys.items(lease.token), keys.detached(userId)], [String(lease.generation), lease.token, String(ttlMs)]));
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
      // The live connection's conversation is already within the bounds (it counts the same bytes).
      const encoded = items.map(encodeItem);
      const bytes = encoded.reduce((a, e) => a + Buffer.byteLength(e), 0);
      const fields = stateFields(rest, lease.generation, bytes, dropped);
      if (config) fields.push("config", JSON.stringify(config));
      const reply = await guarded(() => scripts.restore.run(client, [keys.state(lease.token), keys.items(lease.token)], [String(lease.generation), String(ttlMs), String(fields.length), ...fields, ...encoded]));
      const n = Number(reply);
      return n === 1 ? "ok" : n === 2 ? "detached" : "replaced";
    },
  };

  return {
    registry,
    resume,
    describe: () => `redis (${client.isReady ? (registry.healthy() ? "connected" : "not answering") : "not connected"})`,
    onReconnect: (listener) => void reconnectListeners.push(listener),
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
