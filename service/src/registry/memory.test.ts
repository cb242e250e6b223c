/** The in-process registry and resume store: per-user limit, TTL pruning, the detached bound, fencing. */
import { createMemoryRegistry, createMemoryResumeStore, DEFAULT_STATE_LIMITS } from "./memory";

test("in-process registry: per-user limit, TTL pruning of sessions whose release was lost", async () => {
  let now = 0;
  const registry = createMemoryRegistry({ ttlSeconds: 10, now: () => now });
  const rec = (id: string) => ({ sessionId: id, userId: "u", instanceId: "i", startedAt: 0 });
  expect(await registry.acquire(rec("a"), 1)).toEqual({ ok: true });
  expect(await registry.acquire(rec("b"), 1)).toEqual({ ok: false, reason: "user_limit", active: 1, limit: 1 });
  now = 11_000;
  expect(await registry.activeCount()).toBe(0);
  expect(await registry.acquire(rec("b"), 1)).toEqual({ ok: true });
});

const route = { path: "/openai/realtime", model: "gpt-realtime" };
const base = (sessionId: string, userId = "u") => ({ sessionId, userId, ...route, startedAt: 0 });

test("in-process resume store: a user keeps at most maxDetachedPerUser detached sessions, the oldest stop being resumable", async () => {
  let now = 0;
  const store = createMemoryResumeStore({ now: () => now, limits: { ...DEFAULT_STATE_LIMITS, maxDetachedPerUser: 2 } });
  for (const t of ["t1", "t2", "t3", "t4"]) {
    now += 1000;
    await store.detach(await store.create(t, base(t)));
  }
  await store.detach(await store.create("other", base("other", "v")));
  expect((await store.detached("u", route)).sort()).toEqual(["t3", "t4"]);
  expect(await store.claim("t1", "u", route)).toEqual({ ok: false, reason: "not_found" });
  expect(await store.detached("v", route)).toEqual(["other"]);
});

test("in-process resume store: a write finds the state missing (not a takeover) or held by a newer connection", async () => {
  const store = createMemoryResumeStore();
  const first = await store.create("t", base("s"));
  const item = { kind: "message" as const, role: "user" as const, text: "hi" };
  expect(await store.append(first, item)).toBe("ok");
  const claim = await store.claim("t", "u", route);
  expect(claim.ok).toBe(true);
  expect(await store.append(first, item)).toBe("replaced");
  expect(await store.setConfig({ token: "gone", generation: 1 }, {})).toBe("missing");
});
