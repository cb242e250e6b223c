/**
 * The in-process session registry (REDIS_URL absent: one instance only). Same semantics as the Redis
 * one: memberships expire one TTL after their last heartbeat, so a session whose release was lost
 * still frees its user's slot.
 */
import type { AcquireResult, SessionRecord, SessionRegistry } from "./types";

export function createMemoryRegistry(options: { ttlSeconds?: number; now?: () => number } = {}): SessionRegistry {
  const ttlMs = (options.ttlSeconds ?? 45) * 1000;
  const now = options.now ?? (() => Date.now());
  const sessions = new Map<string, { record: SessionRecord; seenAt: number }>();

  const prune = () => {
    const cutoff = now() - ttlMs;
    for (const [id, entry] of sessions) if (entry.seenAt < cutoff) sessions.delete(id);
  };

  return {
    async acquire(record: SessionRecord, maxPerUser: number): Promise<AcquireResult> {
      prune();
      if (sessions.has(record.sessionId)) return { ok: true };
      let active = 0;
      for (const { record: held } of sessions.values()) if (held.userId === record.userId) active++;
      if (active >= maxPerUser) return { ok: false, reason: "user_limit", active, limit: maxPerUser };
      sessions.set(record.sessionId, { record, seenAt: now() });
      return { ok: true };
    },
    async heartbeat(sessionId: string): Promise<void> {
      const entry = sessions.get(sessionId);
      if (entry) entry.seenAt = now();
    },
    async release(sessionId: string): Promise<void> {
      sessions.delete(sessionId);
    },
    async activeCount(): Promise<number> {
      prune();
      return sessions.size;
    },
    async close(): Promise<void> {
      sessions.clear();
    },
  };
}
