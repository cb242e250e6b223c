/** The quota of new connections: a one-minute sliding window, locally and shared through a real redis-server. */
import { FakeClock } from "../session/clock";
import { startRedisServer, type RedisServer } from "../../../tests/support/redisServer";
import { ConnectionQuota, createRedisWindow, LocalWindow, retryAfterSeconds, WINDOW_MS } from "./connectionQuota";

test("local window: 30 a minute, the 31st waits until the first leaves the window", () => {
  const clock = new FakeClock();
  const window = new LocalWindow(clock);
  for (let i = 0; i < 30; i++) {
    expect(window.takeNow("upstream:a", 30)).toEqual({ ok: true });
    clock.advance(1000);
  }
  // 30 s after the first: it leaves the window at 60 s.
  expect(window.takeNow("upstream:a", 30)).toEqual({ ok: false, retryAfterMs: 30_000 });
  expect(window.takeNow("upstream:b", 30)).toEqual({ ok: true });
  clock.advance(30_000);
  expect(window.takeNow("upstream:a", 30)).toEqual({ ok: true });
  expect(window.takeNow("upstream:a", 30)).toMatchObject({ ok: false });
});

test("local window: keys are bounded (a flood of distinct users cannot grow it without end)", () => {
  const clock = new FakeClock();
  const window = new LocalWindow(clock, 100);
  for (let i = 0; i < 1000; i++) window.takeNow(`user:${i}`, 1);
  expect((window as unknown as { events: Map<string, number[]> }).events.size).toBeLessThanOrEqual(100);
});

test("the quota remembers which upstream is full (readiness) and picks the first with room", async () => {
  const clock = new FakeClock();
  const quota = new ConnectionQuota(new LocalWindow(clock), { userPerMinute: 2, upstreamPerMinute: (n) => (n === "a" ? 1 : 2) }, clock);
  expect(await quota.first(["a", "b"])).toEqual({ ok: true, name: "a" });
  expect(await quota.first(["a", "b"])).toEqual({ ok: true, name: "b" });
  expect(quota.hasRoom("a")).toBe(false);
  expect(await quota.first(["a", "b"])).toEqual({ ok: true, name: "b" });
  expect(await quota.first(["a", "b"])).toEqual({ ok: false, retryAfterMs: WINDOW_MS });
  expect(quota.hasRoom("b")).toBe(false);
  clock.advance(WINDOW_MS);
  expect(await quota.first(["a", "b"])).toEqual({ ok: true, name: "a" });
  expect(quota.hasRoom("a")).toBe(true);
  // Per user: a user id of any length is one key of one size.
  expect(await quota.user("x".repeat(100_000))).toEqual({ ok: true });
  expect(await quota.user("x".repeat(100_000))).toEqual({ ok: true });
  expect(await quota.user("x".repeat(100_000))).toMatchObject({ ok: false });
  expect(retryAfterSeconds(1)).toBe(1);
  expect(retryAfterSeconds(30_001)).toBe(31);
});

describe("shared through Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    redis.thaw();
    await redis.stop();
  });

  test("takes made while the instances still connect wait for Redis: together they never pass the window", async () => {
    const clock = { now: () => Date.now() };
    const [one, two] = await Promise.all([0, 1].map(() => createRedisWindow(redis.url, { clock, prefix: "q0:" })));
    try {
      // At once, before either client is ready: counted locally, each instance would admit 4 (8 in all).
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).take("upstream:a", 4)));
      expect(results.filter((r) => r.ok)).toHaveLength(4);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  test("a Redis that is not there does not add the deadline to every take: after the first refused connection, the local window at once", async () => {
    const clock = { now: () => Date.now() };
    const closed = await startRedisServer();
    const url = closed.url;
    await closed.stop(); // a port where nothing listens: connections are refused
    const window = await createRedisWindow(url, { clock, prefix: "q9:", commandTimeoutMs: 1000 });
    try {
      await window.take("upstream:a", 5); // may wait for the first attempt to fail
      const started = Date.now();
      for (let i = 0; i < 3; i++) expect(await window.take("upstream:a", 5)).toEqual({ ok: true });
      expect(Date.now() - started).toBeLessThan(500);
      expect(window.shared()).toBe(false);
    } finally {
      await window.close();
    }
  });

  test("two instances share one window; while Redis is frozen each counts on its own, within the command deadline", async () => {
    const clock = { now: () => Date.now() };
    const [one, two] = await Promise.all([0, 1].map(() => createRedisWindow(redis.url, { clock, prefix: "q1:", commandTimeoutMs: 200, coolDownMs: 500 })));
    try {
      const deadline = Date.now() + 3000;
      while (!(one.shared() && two.shared()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).take("upstream:a", 6)));
      expect(results.filter((r) => r.ok)).toHaveLength(6);
      const refused = results.find((r) => !r.ok) as { retryAfterMs: number };
      expect(refused.retryAfterMs).toBeGreaterThan(50_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(WINDOW_MS);

      redis.freeze();
      const started = Date.now();
      expect(await one.take("upstream:frozen", 1)).toEqual({ ok: true }); // the local window, after the deadline
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await one.take("upstream:frozen", 1)).toMatchObject({ ok: false });
      expect(one.shared()).toBe(false);
      redis.thaw();
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
