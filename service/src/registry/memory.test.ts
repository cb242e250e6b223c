/** The in-process registry: per-user limit and TTL pruning. */
import { createMemoryRegistry } from "./memory";

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
