/**
 * Resume state copied to the other regions' Redis, so a region that dies (its proxies and its Redis) does
 * not take its sessions with it: their clients reconnect through the same hostname, land in another
 * region, and resume there from the copy.
 *
 * How (docs/resume-replication.md says why, and what it costs):
 * - It wraps the ResumeStore the proxy already uses; the session logic does not know about it. Every
 *   local change (create, claim, configuration, item, detach, end, restore) marks the session dirty for
 *   each peer (registry/replicationTracker.ts: a set, bounded by the sessions this instance wrote).
 * - One loop copies dirty sessions to each peer, whole (the hash and the item list, bounded by the
 *   per-session resume budget), at most once every PEER_COPY_INTERVAL_MS per session, with up to 32 copies
 *   in flight per peer. The copy is applied on the peer by a script that refuses it when the peer holds a
 *   newer generation, or the same generation taken in another region: a stale copy never overwrites a
 *   resumed session. Copies of live sessions last a resume TTL on the peer (peers see no heartbeats);
 *   live sessions that do not change are touched (TTL only) every third of it.
 * - A peer that fails is backed off (100 ms doubling to 5 s); nothing queues but the dirty set, and the
 *   local path never waits for a peer. When the peer's connection is ready again, every session known
 *   here is copied again whole.
 * - On a resume (claim), the peers are asked first, within a deadline (400 ms by default), for the
 *   session's generation: when one holds a newer one than the local Redis (or the local Redis has none),
 *   its copy is brought in before the local claim, which then takes generation + 1 here. The registry,
 *   per-user counts and detached lists stay per region.
 */
import { createClient } from "redis";
import { RESUME_STATE_DEFAULTS, type ResumeStateLimits } from "../../../contracts";
import { DEFAULT_PREFIX, DEFAULT_REGISTRY_TTL_SECONDS, resumeKeys, Script, type Client } from "./redis";
import { DEFAULT_RESUME_TTL_SECONDS } from "./memory";
import { peerCopyTtlMs, ReplicationTracker } from "./replicationTracker";
import type { ResumeStore, SharedState } from "./types";

export interface ReplicationOptions {
  /** This region's name (REGION), as written in each state's `region` field by the local store. */
  region: string;
  /** This region's Redis (REDIS_URL). */
  localUrl: string;
  /** The other regions' Redis (PEER_REDIS_URLS). */
  peerUrls: string[];
  prefix?: string;
  copyIntervalMs?: number;
  /** The registry TTL (a live state's local TTL, an ended marker's). */
  liveTtlMs?: number;
  resumeTtlMs?: number;
  /** How long a resume waits for the peers' answer before going on with the local state. */
  pullDeadlineMs?: number;
  /** Deadline of a copy or touch on a peer. */
  commandTimeoutMs?: number;
  /** Copies in flight per peer (default 32). */
  concurrency?: number;
  limits?: Pick<ResumeStateLimits, "conversationMaxBytes">;
  /** A peer became unreachable, or reachable again (for logs). */
  onPeer?: (event: { peer: string; up: boolean; error?: string }) => void;
  now?: () => number;
}

export interface PeerStats {
  /** host:port of the peer (no credentials). */
  peer: string;
  region?: string;
  up: boolean;
  dirty: number;
  inFlight: number;
  copies: number;
  /** Copies the peer refused because it holds a newer generation (or the same one taken elsewhere). */
  refusedAsOlder: number;
  touches: number;
  failures: number;
  bytes: number;
  /** Replication lag of the last copies (ms from the first change not yet copied to the copy applied). */
  lagMs: number[];
}

export interface ReplicationStats {
  region: string;
  /** Sessions this instance tracks (live, recently detached or ended). */
  tracked: number;
  peers: PeerStats[];
  pulls: { asked: number; imported: number; failed: number };
}

export interface Replication {
  wrap(store: ResumeStore): ResumeStore;
  stats(): ReplicationStats;
  /** Stops at once (in-flight copies are abandoned): a dying process copies nothing more. */
  close(): Promise<void>;
}

// KEYS: stateHash, items. ARGV: generation, region, stateTtlMs, itemsTtlMs, fieldCount, field/value
// pairs, then the items (oldest first). Applies the whole state unless the target holds a newer generation,
// or the same generation taken in another region (two regions resumed one session while cut off from each
// other: neither overwrites the other). Returns 1 applied, 0 refused.
const APPLY = `
local cur = redis.call('HMGET', KEYS[1], 'generation', 'region')
local gen = tonumber(ARGV[1])
if cur[1] then
  local have = tonumber(cur[1]) or 0
  if have > gen then return 0 end
  if have == gen and (cur[2] or '') ~= ARGV[2] then return 0 end
end
redis.call('DEL', KEYS[1], KEYS[2])
local n = tonumber(ARGV[5])
for i = 6, 5 + n * 2, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local first = 6 + n * 2
for i = first, #ARGV, 100 do
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 99, #ARGV)))
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if #ARGV >= first then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 1
`;

// KEYS: stateHash_i, items_i pairs. ARGV: ttlMs, region, generation_i. Extends a copy's TTL when the peer
// holds exactly this generation from this region. Returns per session 1 extended, 0 needs a whole copy.
const TOUCH = `
local out = {}
for i = 1, #KEYS / 2 do
  local h = redis.call('HMGET', KEYS[i * 2 - 1], 'generation', 'region')
  if h[1] == ARGV[i + 2] and h[2] == ARGV[2] then
    redis.call('PEXPIRE', KEYS[i * 2 - 1], ARGV[1])
    redis.call('PEXPIRE', KEYS[i * 2], ARGV[1])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`;

const scripts = { apply: new Script(APPLY), touch: new Script(TOUCH) };

interface FullState {
  fields: Record<string, string>;
  items: string[];
  stateTtlMs: number;
  itemsTtlMs: number;
  bytes: number;
}

/** A promise that rejects after `ms` (the command is abandoned, not cancelled). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), Math.max(1, ms));
    }),
  ]).finally(() => clearTimeout(timer));
}

/** host:port only: URLs may carry a password. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "6379"}`;
  } catch {
    return "peer";
  }
}

function redisClient(url: string): Client {
  return createClient({
    url,
    socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000), connectTimeout: 2000 },
    // A peer that is away fails each command at once instead of queueing it.
    disableOfflineQueue: true,
  });
}

export async function createReplication(options: ReplicationOptions): Promise<Replication> {
  const now = options.now ?? (() => Date.now());
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const keys = resumeKeys(prefix);
  const regionKey = `${prefix}region`;
  const copyIntervalMs = options.copyIntervalMs ?? 250;
  const liveTtlMs = options.liveTtlMs ?? DEFAULT_REGISTRY_TTL_SECONDS * 1000;
  const resumeTtlMs = options.resumeTtlMs ?? DEFAULT_RESUME_TTL_SECONDS * 1000;
  const pullDeadlineMs = options.pullDeadlineMs ?? 400;
  const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
  // Each copy is one round trip to the peer: a peer reached in RTT ms takes up to concurrency x 1000 / RTT
  // copies a second (320 at 100 ms), several times what a replica's sessions ask at one copy per turn.
  const concurrency = options.concurrency ?? 32;
  const conversationMaxBytes = (options.limits ?? RESUME_STATE_DEFAULTS).conversationMaxBytes;
  const tracker = new ReplicationTracker(options.peerUrls.length, {
    copyIntervalMs, liveTtlMs, resumeTtlMs, endedTtlMs: liveTtlMs, touchEveryMs: Math.floor(resumeTtlMs / 3),
  });
  let closed = false;

  const local = redisClient(options.localUrl);
  local.on("error", () => undefined);
  // Each Redis says which region it is: a resume prefers the copy in the region that took the generation.
  local.on("ready", () => void local.set(regionKey, options.region).catch(() => undefined));
  void local.connect().catch(() => undefined);

  const peers = options.peerUrls.map((url, index) => {
    const client = redisClient(url);
    const peer = {
      client, name: describeUrl(url), region: undefined as string | undefined, up: false,
      copies: 0, refusedAsOlder: 0, touches: 0, failures: 0, bytes: 0, lags: [] as number[], touching: false, lastError: "",
    };
    client.on("error", (error: Error) => {
      peer.lastError = error.message;
      if (peer.up) options.onPeer?.({ peer: peer.name, up: false, error: error.message });
      peer.up = false;
    });
    client.on("ready", () => {
      peer.up = true;
      options.onPeer?.({ peer: peer.name, up: true });
      // Back (or there for the first time): whatever it missed is copied again, whole.
      tracker.resync(index, now());
      void client.get(regionKey).then((r) => (peer.region = r ?? undefined)).catch(() => undefined);
    });
    void client.connect().catch(() => undefined);
    return peer;
  });

  async function readFull(client: Client, token: string, deadlineMs: number): Promise<FullState | undefined> {
    const [fields, items, stateTtl, itemsTtl] = (await within(
      client.multi().hGetAll(keys.state(token)).lRange(keys.items(token), 0, -1).pTTL(keys.state(token)).pTTL(keys.items(token)).exec(),
      deadlineMs,
    )) as unknown as [Record<string, string>, string[], number, number];
    if (!fields || Object.keys(fields).length === 0 || fields.generation === undefined) return undefined;
    // The store keeps a conversation within its byte bound; a state written before the bounds is cut to it here (newest items kept).
    let bytes = items.reduce((a, v) => a + Buffer.byteLength(v), 0);
    while (items.length > 0 && bytes > conversationMaxBytes) bytes -= Buffer.byteLength(items.shift()!);
    bytes += Object.entries(fields).reduce((a, [k, v]) => a + k.length + Buffer.byteLength(v), 0);
    return { fields, items, stateTtlMs: Number(stateTtl), itemsTtlMs: Number(itemsTtl), bytes };
  }

  function applyArgs(full: FullState): string[] {
    const pairs = Object.entries(full.fields).flat();
    const stateTtl = peerCopyTtlMs(full.fields.state, full.stateTtlMs, resumeTtlMs);
    const itemsTtl = peerCopyTtlMs(full.fields.state, full.itemsTtlMs > 0 ? full.itemsTtlMs : full.stateTtlMs, resumeTtlMs);
    return [full.fields.generation, full.fields.region ?? "", String(stateTtl), String(itemsTtl), String(pairs.length / 2), ...pairs, ...full.items];
  }

  async function copy(index: number, token: string): Promise<void> {
    const peer = peers[index];
    try {
      const full = await readFull(local, token, commandTimeoutMs);
      if (full) {
        const applied = Number(await within(scripts.apply.run(peer.client, [keys.state(token), keys.items(token)], applyArgs(full)), commandTimeoutMs));
        if (applied === 1) {
          peer.copies++;
          peer.bytes += full.bytes;
        } else peer.refusedAsOlder++;
      }
      const lag = tracker.done(index, token, now());
      if (lag !== undefined && full) {
        peer.lags.push(lag);
        if (peer.lags.length > 2048) peer.lags.shift();
      }
    } catch (error) {
      if (closed) return;
      peer.failures++;
      peer.lastError = (error as Error).message;
      tracker.failed(index, token, now());
    }
  }

  async function touch(index: number, due: Array<{ token: string; generation: number }>): Promise<void> {
    const tokens = due.map((d) => d.token);
    const peer = peers[index];
    peer.touching = true;
    try {
      const reply = (await within(scripts.touch.run(
        peer.client, tokens.flatMap((t) => [keys.state(t), keys.items(t)]), [String(resumeTtlMs), options.region, ...due.map((d) => String(d.generation))],
      ), commandTimeoutMs)) as number[];
      tokens.forEach((t, i) => (Number(reply[i]) === 1 ? peer.touches++ : tracker.needsCopy(index, t, now())));
    } catch {
      if (!closed) tracker.peerFailed(index, now());
    } finally {
      peer.touching = false;
    }
  }

  const tickMs = Math.max(10, Math.min(50, Math.floor(copyIntervalMs / 2)));
  const timer = setInterval(() => {
    const t = now();
    tracker.sweep(t);
    peers.forEach((peer, index) => {
      if (!peer.client.isReady || !local.isReady || !tracker.ready(index, t)) return;
      const free = concurrency - tracker.sizes(index).inFlight;
      for (const { token } of tracker.takeDue(index, t, free)) void copy(index, token);
      if (!peer.touching) {
        const due = tracker.takeTouches(index, t, 200);
        if (due.length > 0) void touch(index, due);
      }
    });
  }, tickMs);
  timer.unref();

  const pulls = { asked: 0, imported: 0, failed: 0 };

  /** Brings in a peer's copy when it is newer than the local one (or there is none here). Never throws. */
  async function pull(token: string): Promise<void> {
    if (peers.length === 0) return;
    pulls.asked++;
    const started = now();
    const head = (client: Client) => within(client.hmGet(keys.state(token), ["generation", "region", "state"]), pullDeadlineMs)
      .then(([generation, region, state]) => (generation == null ? undefined : { generation: Number(generation), region: region ?? "", state: state ?? "" }))
      .catch(() => undefined);
    // A peer whose region is not known yet (its Redis was empty when this instance connected) is asked again, in the same round trip.
    const peerHead = async (p: (typeof peers)[number]) => {
      if (!p.client.isReady) return undefined;
      if (p.region !== undefined) return head(p.client);
      const [h, region] = await Promise.all([head(p.client), within(p.client.get(regionKey), pullDeadlineMs).catch(() => null)]);
      p.region ??= region ?? undefined;
      return h;
    };
    const [mine, ...theirs] = await Promise.all([local.isReady ? head(local) : Promise.resolve(undefined), ...peers.map(peerHead)]);
    let best: number | undefined;
    let bestHead = mine;
    theirs.forEach((h, i) => {
      // An ended marker counts like any state: brought in, it makes the local claim fail (the session ended elsewhere).
      if (!h) return;
      const newer = !bestHead || h.generation > bestHead.generation ||
        // Same generation, same origin: the origin region's own Redis holds its latest writes; a copy may lag.
        (h.generation === bestHead.generation && h.region === bestHead.region && peers[i].region === h.region && h.region !== options.region);
      if (newer) {
        best = i;
        bestHead = h;
      }
    });
    if (best === undefined) return;
    try {
      const remaining = pullDeadlineMs - (now() - started);
      const full = await readFull(peers[best].client, token, remaining);
      if (!full) return;
      const applied = Number(await within(scripts.apply.run(local, [keys.state(token), keys.items(token)], applyArgs(full)), Math.max(50, pullDeadlineMs - (now() - started))));
      if (applied === 1) pulls.imported++;
    } catch {
      pulls.failed++;
    }
  }

  const changed = (token: string, state?: "live" | "detached" | "ended", generation?: number) => {
    if (!closed) tracker.changed(token, now(), state, generation);
  };
  const forget = (token: string) => tracker.forget(token);

  return {
    wrap(store: ResumeStore): ResumeStore {
      return {
        async create(token, state) {
          const lease = await store.create(token, state);
          changed(token, "live", lease.generation);
          return lease;
        },
        async claim(token, userId, route) {
          await pull(token);
          const result = await store.claim(token, userId, route);
          if (result.ok) changed(token, "live", result.lease.generation);
          return result;
        },
        detached: (userId, route) => store.detached(userId, route),
        async setConfig(lease, config) {
          const result = await store.setConfig(lease, config);
          if (result === "ok") changed(lease.token);
          else if (result === "replaced") forget(lease.token);
          return result;
        },
        async append(lease, item) {
          const result = await store.append(lease, item);
          if (result === "ok") changed(lease.token);
          else if (result === "replaced") forget(lease.token);
          return result;
        },
        async detach(lease) {
          await store.detach(lease);
          changed(lease.token, "detached");
        },
        async end(lease) {
          await store.end(lease);
          changed(lease.token, "ended");
        },
        async refresh(leases) {
          const result = await store.refresh(leases);
          const t = now();
          const replaced = new Set(result.replaced);
          const missing = new Set(result.missing);
          for (const lease of leases) {
            if (replaced.has(lease.token)) forget(lease.token);
            else if (!missing.has(lease.token)) tracker.alive(lease.token, t);
          }
          return result;
        },
        async restore(lease, state) {
          const result = await store.restore(lease, state);
          // Only a rewrite changed anything to copy; a session another connection holds is theirs to copy.
          if (result === "ok") changed(lease.token, "live", lease.generation);
          else if (result === "replaced") forget(lease.token);
          return result;
        },
      };
    },
    stats(): ReplicationStats {
      return {
        region: options.region,
        tracked: tracker.sizes().known,
        pulls: { ...pulls },
        peers: peers.map((p, i) => {
          const s = tracker.sizes(i);
          return {
            peer: p.name, region: p.region, up: p.client.isReady, dirty: s.dirty, inFlight: s.inFlight, copies: p.copies,
            refusedAsOlder: p.refusedAsOlder, touches: p.touches, failures: p.failures, bytes: p.bytes, lagMs: [...p.lags],
          };
        }),
      };
    },
    async close() {
      closed = true;
      clearInterval(timer);
      // Also stops a client's reconnect loop to a peer that is away.
      await Promise.all([local, ...peers.map((p) => p.client)].map(async (client) => {
        try {
          await client.disconnect();
        } catch {
          // not connected
        }
      }));
    },
  };
}

/** The shared state with its resume store replicated; closing it stops the replication first. */
export function withReplication(state: SharedState, replication: Replication): SharedState {
  return {
    ...state,
    resume: replication.wrap(state.resume),
    describe: () => `${state.describe()}; ${describeReplication(replication.stats())}`,
    async close() {
      await replication.close();
      await state.close();
    },
  };
}

/** One line for the operators' /healthz: each peer's state, backlog, copies and lag. */
export function describeReplication(stats: ReplicationStats): string {
  const p95 = (values: number[]) => (values.length === 0 ? "-" : `${[...values].sort((x, y) => x - y)[Math.ceil(0.95 * values.length) - 1]} ms`);
  return `region ${stats.region}, replicated to ${stats.peers.map((p) =>
    `${p.peer}${p.region ? ` (${p.region})` : ""} ${p.up ? "up" : "DOWN"}: ${p.dirty} waiting, ${p.copies} copies, ${p.refusedAsOlder} refused as older, ${p.failures} failures, lag p95 ${p95(p.lagMs)}`).join("; ")}`;
}
