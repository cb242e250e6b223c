/**
 * The in-process registry and resume store (REDIS_URL absent: one instance only). Same semantics as the
 * Redis ones: memberships expire one TTL after their last heartbeat, detached sessions stay resumable
 * for the resume TTL, the latest connection to claim a session owns it.
 */
import { defaultMaxDetachedPerUser, RESUME_STATE_DEFAULTS, SESSION_DEFAULTS, type ResumeStateLimits } from "../../../contracts";
import { Conversation } from "../session/conversation";
import type { AcquireResult, ClaimResult, Lease, ResumeState, ResumeStore, SessionRecord, SessionRegistry, SharedState, WriteResult } from "./types";

export interface MemoryOptions {
  ttlSeconds?: number;
  resumeTtlSeconds?: number;
  now?: () => number;
  /** Resume-state bounds (bytes) and the detached sessions a user keeps. */
  limits?: ResumeStateLimits;
}

export const DEFAULT_RESUME_TTL_SECONDS = 120;

/** Resume-state bounds when none are given: the contract's, with the default per-user limit's detached bound. */
export const DEFAULT_STATE_LIMITS: ResumeStateLimits = { ...RESUME_STATE_DEFAULTS, maxDetachedPerUser: defaultMaxDetachedPerUser(SESSION_DEFAULTS.maxPerUser) };

export function createMemoryRegistry(options: MemoryOptions = {}): SessionRegistry {
  const ttlMs = (options.ttlSeconds ?? 15) * 1000;
  const now = options.now ?? (() => Date.now());
  const sessions = new Map<string, { record: SessionRecord; seenAt: number }>();
  const prune = () => {
    const cutoff = now() - ttlMs;
    for (const [id, entry] of sessions) if (entry.seenAt < cutoff) sessions.delete(id);
  };
  return {
    async acquire(record: SessionRecord, maxPerUser: number): Promise<AcquireResult> {
      prune();
      const held = sessions.get(record.sessionId);
      if (held) {
        held.record = record;
        held.seenAt = now();
        return { ok: true };
      }
      let active = 0;
      for (const { record: r } of sessions.values()) if (r.userId === record.userId) active++;
      if (active >= maxPerUser) return { ok: false, reason: "user_limit", active, limit: maxPerUser };
      sessions.set(record.sessionId, { record, seenAt: now() });
      return { ok: true };
    },
    // One process holds every session: the entry already belongs to the connection that took it over.
    forget(): void {},
    adopt(record: SessionRecord): void {
      sessions.set(record.sessionId, { record, seenAt: now() });
    },
    async release(sessionId: string): Promise<void> {
      sessions.delete(sessionId);
    },
    // One process admits every session through acquire: nothing can be over the limit here.
    async heartbeat() {
      for (const entry of sessions.values()) entry.seenAt = now();
      return { overLimit: [] };
    },
    async activeCount(): Promise<number> {
      prune();
      return sessions.size;
    },
    healthy: () => true,
    async close(): Promise<void> {
      sessions.clear();
    },
  };
}

interface Held {
  state: Omit<ResumeState, "items" | "dropped" | "config">;
  conversation: Conversation;
  generation: number;
  detachedAt?: number;
}

export function createMemoryResumeStore(options: MemoryOptions = {}): ResumeStore {
  const now = options.now ?? (() => Date.now());
  const resumeTtlMs = (options.resumeTtlSeconds ?? DEFAULT_RESUME_TTL_SECONDS) * 1000;
  const limits = options.limits ?? DEFAULT_STATE_LIMITS;
  const held = new Map<string, Held>();
  const prune = () => {
    for (const [token, h] of held) if (h.detachedAt !== undefined && now() - h.detachedAt > resumeTtlMs) held.delete(token);
  };
  const writeResult = (lease: Lease): WriteResult => (held.has(lease.token) ? "replaced" : "missing");
  const owned = (lease: Lease): Held | undefined => {
    const h = held.get(lease.token);
    return h && h.generation === lease.generation ? h : undefined;
  };
  return {
    async create(token, state) {
      held.set(token, { state, conversation: new Conversation(limits), generation: 1 });
      return { token, generation: 1 };
    },
    async claim(token, userId, route): Promise<ClaimResult> {
      prune();
      const h = held.get(token);
      if (!h) return { ok: false, reason: "not_found" };
      if (h.state.userId !== userId) return { ok: false, reason: "other_user" };
      if (h.state.path !== route.path || h.state.model !== route.model) return { ok: false, reason: "other_route" };
      h.generation++;
      h.detachedAt = undefined;
      const snapshot = h.conversation.snapshot();
      return { ok: true, lease: { token, generation: h.generation }, state: { ...h.state, ...snapshot }, rewrite: false };
    },
    async detached(userId, route) {
      prune();
      return [...held.entries()]
        .filter(([, h]) => h.detachedAt !== undefined && h.state.userId === userId && h.state.path === route.path && h.state.model === route.model)
        .map(([token]) => token);
    },
    async setConfig(lease, config) {
      const h = owned(lease);
      if (!h) return writeResult(lease);
      h.conversation.config = config;
      return "ok";
    },
    async append(lease, item) {
      const h = owned(lease);
      if (!h) return writeResult(lease);
      h.conversation.add(item);
      return "ok";
    },
    async detach(lease) {
      const h = owned(lease);
      if (!h) return;
      h.detachedAt = now();
      // Past the user's detached bound, the oldest detached sessions stop being resumable.
      prune();
      const mine = [...held.entries()]
        .filter(([, x]) => x.detachedAt !== undefined && x.state.userId === h.state.userId)
        .sort(([, a], [, b]) => a.detachedAt! - b.detachedAt!);
      for (const [token] of mine.slice(0, Math.max(0, mine.length - limits.maxDetachedPerUser))) if (token !== lease.token) held.delete(token);
    },
    async end(lease) {
      if (owned(lease)) held.delete(lease.token);
    },
    async refresh(leases) {
      return { replaced: leases.filter((l) => held.has(l.token) && !owned(l)).map((l) => l.token), missing: leases.filter((l) => !held.has(l.token)).map((l) => l.token) };
    },
    async restore(lease, state) {
      const current = held.get(lease.token);
      if (current && current.generation !== lease.generation) return "replaced";
      if (current?.detachedAt !== undefined) return "detached";
      const { items, dropped, config, ...rest } = state;
      held.set(lease.token, { state: rest, conversation: new Conversation(limits, { items, dropped, config }), generation: lease.generation });
      return "ok";
    },
  };
}

export function createMemoryState(options: MemoryOptions = {}): SharedState {
  const registry = createMemoryRegistry(options);
  // Never disconnects: no reconnect to report.
  return { registry, resume: createMemoryResumeStore(options), describe: () => "in-process", onReconnect: () => undefined, close: () => registry.close() };
}
