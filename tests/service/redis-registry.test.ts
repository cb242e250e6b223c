import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { createRedisState } from "../../service/src/registry/redis";
import type { SessionRecord, SessionRegistry } from "../../service/src/registry/types";
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
