import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { createRedisState } from "../../service/src/registry/redis";
import type { ResumeStore, SessionRecord, SessionRegistry } from "../../service/src/registry/types";
import { startRedisServer, type RedisServer } from "../support/redisServer";

let redis: RedisServer;
const opened: SessionRegistry[] = [];
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(opened.map((r) => r.close()));
  await Promise.all(closers.map((c) => c()));
  await redis.stop();
});

/** Each test gets its own key prefix so tests share one redis-server without seeing each other. */
async function registry(prefix: string, ttlSeconds = 30): Promise<SessionRegistry> {
  const state = await createRedisState(redis.url, { prefix, ttlSeconds });
  opened.push(state.registry);
  closers.push(() => state.close());
  return state.registry;
}

function session(userId: string, instanceId = "replica-a"): SessionRecord {
  return { sessionId: randomUUID(), userId, instanceId, startedAt: Date.now() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("admits up to the per-user limit, refuses the next, admits again after a release", async () => {
  const r = await registry("t1:");
  const a = session("alice");
  const b = session("alice");
  const c = session("alice");
  expect(await r.acquire(a, 2)).toEqual({ ok: true });
  expect(await r.acquire(b, 2)).toEqual({ ok: true });
  expect(await r.acquire(c, 2)).toEqual({ ok: false, reason: "user_limit", active: 2, limit: 2 });
  // Another user is not affected by alice's limit.
  expect(await r.acquire(session("bob"), 2)).toEqual({ ok: true });
  expect(await r.activeCount()).toBe(3);

  await r.release(a.sessionId);
  await r.release(a.sessionId); // safe twice
  expect(await r.activeCount()).toBe(2);
  expect(await r.acquire(c, 2)).toEqual({ ok: true });
});

test("the limit holds across instances racing for the same user", async () => {
  const one = await registry("t2:");
  const two = await registry("t2:");
  const attempts = Array.from({ length: 20 }, (_, i) =>
    (i % 2 ? one : two).acquire(session("carol", i % 2 ? "replica-a" : "replica-b"), 2),
  );
  const results = await Promise.all(attempts);
  expect(results.filter((x) => x.ok)).toHaveLength(2);
  expect(await one.activeCount()).toBe(2);
});

test("a crashed instance's sessions expire from every count after the TTL; heartbeats keep live ones", async () => {
  const crashed = await registry("t3:", 1);
  const survivor = await registry("t3:", 1);
  await crashed.acquire(session("dave", "replica-crashed"), 1);
  const live = session("erin", "replica-live");
  await survivor.acquire(live, 1);
  expect(await survivor.activeCount()).toBe(2);

  // The crashed instance never heartbeats or releases again; the survivor keeps its session alive.
  for (let i = 0; i < 3; i++) {
    await sleep(500);
    await survivor.heartbeat(1);
  }
  expect(await survivor.activeCount()).toBe(1);
  // dave's slot is free again although nobody released it.
  expect(await survivor.acquire(session("dave", "replica-live"), 1)).toEqual({ ok: true });

  const raw = createClient({ url: redis.url });
  await raw.connect();
  try {
    // The session hash carries the record and expires on its own.
    const held = await raw.hGetAll(`t3:session:${live.sessionId}`);
    expect(held).toMatchObject({ userId: "erin", instanceId: "replica-live" });
    expect(await raw.pTTL(`t3:session:${live.sessionId}`)).toBeGreaterThan(0);
  } finally {
    await raw.quit();
  }
});

test("a heartbeat after release does not resurrect the session", async () => {
  const r = await registry("t4:");
  const s = session("frank");
  await r.acquire(s, 1);
  await r.release(s.sessionId);
  await r.heartbeat(1);
  expect(await r.activeCount()).toBe(0);
});

test("scripts are reloaded after the server forgets them (restart or failover)", async () => {
  const r = await registry("t5:");
  await r.acquire(session("gina"), 5);
  const raw = createClient({ url: redis.url });
  await raw.connect();
  try {
    await raw.scriptFlush();
  } finally {
    await raw.quit();
  }
  expect(await r.acquire(session("gina"), 5)).toEqual({ ok: true });
  expect(await r.activeCount()).toBe(2);
});

// ---- shared state a hostile user cannot grow or slow down for everyone -------------------------------

const route = { path: "/openai/realtime", model: "gpt-realtime" };
async function resumeStore(prefix: string, options: Parameters<typeof createRedisState>[1] = {}): Promise<ResumeStore> {
  const state = await createRedisState(redis.url, { prefix, ...options });
  closers.push(() => state.close());
  return state.resume;
}
async function rawClient() {
  const raw = createClient({ url: redis.url });
  await raw.connect();
  closers.push(() => raw.quit().then(() => undefined));
  return raw;
}

test("re-registration keeps the per-user limit: the newest session by first admission gives way, whichever instance heartbeats first", async () => {
  const x = await registry("t6:");
  const y = await registry("t6:");
  const a = { ...session("hank", "x"), startedAt: 1000 };
  const b = { ...session("hank", "x"), startedAt: 2000 };
  const c = { ...session("hank", "y"), startedAt: 3000 };
  expect(await x.acquire(a, 2)).toEqual({ ok: true });
  expect(await x.acquire(b, 2)).toEqual({ ok: true });
  // y admitted c on its own limits while Redis was away: its heartbeat must not take hank to 3.
  y.adopt(c);
  expect(await y.heartbeat(2)).toEqual({ overLimit: [c.sessionId] });
  expect(await x.activeCount()).toBe(2);
  // Redis restarted empty; y heartbeats first (c gets in), then x: b is older than c, so c gives way.
  const raw = await rawClient();
  await raw.del(await raw.keys("t6:*"));
  y.adopt(c);
  expect(await y.heartbeat(2)).toEqual({ overLimit: [] });
  expect(await x.heartbeat(2)).toEqual({ overLimit: [] });
  expect(await raw.zRange("t6:user:hank:sessions", 0, -1)).toEqual(expect.arrayContaining([a.sessionId, b.sessionId]));
  expect(await y.heartbeat(2)).toEqual({ overLimit: [c.sessionId] });
  expect(await raw.zCard("t6:user:hank:sessions")).toBe(2);
  expect(await x.activeCount()).toBe(2);
});

test("a write to a state Redis lost is 'missing' (not a takeover); a newer connection, or its normal end, is 'replaced'", async () => {
  const store = await resumeStore("t7:");
  const raw = await rawClient();
  const item = { kind: "message" as const, role: "user" as const, text: "hello" };
  const lease = await store.create("tok-a", { sessionId: "s-a", userId: "ivy", ...route, startedAt: 1 });
  expect(await store.append(lease, item)).toBe("ok");
  await raw.del(["t7:resume:tok-a", "t7:resume:tok-a:items"]); // Redis restarted empty, or the keys expired while frozen
  expect(await store.append(lease, item)).toBe("missing");
  expect(await store.setConfig(lease, { instructions: "x" })).toBe("missing");
  expect(await store.refresh([lease])).toEqual({ replaced: [], missing: ["tok-a"] });
  await store.restore(lease, { sessionId: "s-a", userId: "ivy", ...route, startedAt: 1, items: [item], dropped: 0 });
  expect(await store.append(lease, item)).toBe("ok");
  const claim = await store.claim("tok-a", "ivy", route);
  if (!claim.ok) throw new Error("claim failed");
  expect(claim.state.items).toEqual([item, item]);
  expect(await store.append(lease, item)).toBe("replaced");
  // The newer connection ends the session: the older one still learns it was replaced (it does not write the state back).
  await store.end(claim.lease);
  expect(await store.append(lease, item)).toBe("replaced");
  expect(await store.refresh([lease])).toEqual({ replaced: ["tok-a"], missing: [] });
  expect(await store.claim("tok-a", "ivy", route)).toEqual({ ok: false, reason: "not_found" });
});

test("restore never writes over another connection's session, nor over one this connection handed over", async () => {
  const store = await resumeStore("t7r:");
  const item = (text: string) => ({ kind: "message" as const, role: "user" as const, text });
  const whole = (items: ReturnType<typeof item>[]) => ({ sessionId: "s-r", userId: "ivy", ...route, startedAt: 1, items, dropped: 0 });
  const old = await store.create("tok-r", { sessionId: "s-r", userId: "ivy", ...route, startedAt: 1 });
  expect(await store.restore(old, whole([item("one")]))).toBe("ok");
  // A drain hands the session over; a late heartbeat of the old connection does not make it live again.
  await store.detach(old);
  expect(await store.restore(old, whole([item("one")]))).toBe("detached");
  expect(await store.detached("ivy", route)).toEqual(["tok-r"]);
  // The client resumed elsewhere: the old connection's restore (a heartbeat that was slow) is refused,
  // the new connection's state and its writes stand.
  const claim = await store.claim("tok-r", "ivy", route);
  if (!claim.ok) throw new Error("claim failed");
  expect(await store.append(claim.lease, item("two"))).toBe("ok");
  expect(await store.restore(old, whole([item("stale")]))).toBe("replaced");
  expect(await store.append(claim.lease, item("three"))).toBe("ok");
  const again = await store.claim("tok-r", "ivy", route);
  if (!again.ok) throw new Error("claim failed");
  expect(again.state.items.map((i) => (i as { text: string }).text)).toEqual(["one", "two", "three"]);
});

test("a user's detached sessions are bounded: past maxDetachedPerUser the oldest stop being resumable and leave Redis", async () => {
  const store = await resumeStore("t8:");
  const raw = await rawClient();
  const tokens: string[] = [];
  for (let i = 0; i < 7; i++) {
    const token = `tok-${i}`;
    tokens.push(token);
    const lease = await store.create(token, { sessionId: `s-${i}`, userId: "jade", ...route, startedAt: i });
    await store.append(lease, { kind: "message", role: "user", text: `turn ${i}` });
    await store.detach(lease);
    await sleep(2); // distinct detach times
  }
  // The default bound: twice MAX_SESSIONS_PER_USER's default (2).
  expect((await store.detached("jade", route)).sort()).toEqual(tokens.slice(3));
  const stateKeys = (await raw.keys("t8:resume:*")).filter((k) => !k.endsWith(":items"));
  expect(stateKeys.sort()).toEqual(tokens.slice(3).map((t) => `t8:resume:${t}`));
  expect(await raw.exists("t8:resume:tok-0:items")).toBe(0);
});

test("a claim reads the items in bounded pages, never the whole list in one reply, and skips items over the per-item bound", async () => {
  const prefix = "t9:";
  const store = await resumeStore(prefix, { claimPageItems: 8 });
  const raw = await rawClient();
  // A state as the previous version wrote it ("<chars>:<json>" items, no byte counter), with 20 items of
  // 900,000 characters among ordinary ones: what a hostile client could leave in Redis before the byte bounds.
  const key = `${prefix}resume:legacy`;
  await raw.hSet(key, { sessionId: "s-l", userId: "kim", path: route.path, model: route.model, startedAt: "1", generation: "1", state: "detached", chars: "0", dropped: "0" });
  const huge = JSON.stringify({ kind: "function_call_output", callId: "x".repeat(900_000), output: "" });
  const small = (n: number) => JSON.stringify({ kind: "message", role: "user", text: `turn ${n}` });
  await raw.rPush(`${key}:items`, [`4:${small(0)}`, ...Array.from({ length: 20 }, () => `0:${huge}`), `4:${small(1)}`, small(2)]);
  const monitor = raw.duplicate();
  await monitor.connect();
  const commands: string[] = [];
  await monitor.monitor((line) => commands.push(line));
  // Another user's PING meanwhile (figures are reported, not asserted: the machine is shared).
  const pinger = raw.duplicate();
  await pinger.connect();
  let pinging = true;
  const pings: number[] = [];
  const loop = (async () => {
    while (pinging) {
      const t = performance.now();
      await pinger.ping();
      pings.push(performance.now() - t);
    }
  })();
  const claim = await store.claim("legacy", "kim", route);
  pinging = false;
  await loop;
  await pinger.quit();
  await sleep(50);
  await monitor.disconnect();
  if (!claim.ok) throw new Error("claim failed");
  expect(claim.state.items).toEqual([0, 1, 2].map((n) => JSON.parse(small(n))));
  expect(claim.rewrite).toBe(true);
  const ranges = commands.filter((c) => /"lrange"/i.test(c) && c.includes(`${key}:items`)).map((c) => c.match(/"(-?\d+)" "(-?\d+)"$/)!.slice(1).map(Number));
  expect(ranges.length).toBeGreaterThan(1);
  for (const [start, stop] of ranges) {
    expect(stop).toBeGreaterThanOrEqual(start); // never "0 -1"
    expect(stop - start + 1).toBeLessThanOrEqual(8);
  }
  if (process.env.REPORT_FIGURES) console.log(`claim of a legacy 18 MB state: ${ranges.length} pages; other client's PING max ${Math.max(...pings).toFixed(1)} ms over ${pings.length} pings`);
});
