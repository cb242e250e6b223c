/**
 * Shared session state, the same for every proxy instance: who holds which session (admission limits)
 * and what a session needs to be resumed (configuration, conversation as text, time used). In-process
 * when REDIS_URL is absent (one instance only), Redis otherwise. The proxy talks only to these
 * interfaces, so its logic is tested with the in-process ones and the Redis ones against a real
 * redis-server.
 */
import type { ConversationItem } from "../session/conversation";

export interface SessionRecord {
  sessionId: string;
  userId: string;
  /** The proxy instance (replica) holding the client socket. */
  instanceId: string;
  /** Epoch milliseconds of the session's first admission. */
  startedAt: number;
}

export type AcquireResult =
  | { ok: true }
  | { ok: false; reason: "user_limit"; active: number; limit: number };

/** The shared store did not answer in time or is unreachable: callers fall back to local limits. */
export class RegistryUnavailable extends Error {}

export interface SessionRegistry {
  /** Atomically admit the session if the user holds fewer than `maxPerUser` live sessions (re-admitting one it holds is allowed). */
  acquire(record: SessionRecord, maxPerUser: number): Promise<AcquireResult>;
  /** Counts a session admitted on local limits while the store was away (written by the next heartbeat). */
  adopt(record: SessionRecord): void;
  /**
   * Stop heartbeating a session another instance took over, without touching the shared entry (it is
   * the new owner's now); otherwise this instance would keep re-registering it after it ended.
   */
  forget(sessionId: string): void;
  /** Forget the session; safe to call twice. */
  release(sessionId: string): Promise<void>;
  /**
   * Marks every session this instance holds alive, registering again any the store lost (a restarted,
   * empty Redis, or memberships expired while it was frozen). Re-registration keeps the per-user limit:
   * a session that would take its user over `maxPerUser` is not registered and is returned in
   * `overLimit` (the caller closes it); between sessions of one user the newest (by first admission)
   * gives way. Sessions not refreshed within the TTL drop out of every count.
   */
  heartbeat(maxPerUser: number): Promise<{ overLimit: string[] }>;
  /** Live sessions across every instance sharing this registry. */
  activeCount(): Promise<number>;
  /** False while the shared store is unreachable (admission then runs on this instance's limits). */
  healthy(): boolean;
  close(): Promise<void>;
}

export type WriteResult = "ok" | "replaced" | "missing";
export type RestoreResult = "ok" | "replaced" | "detached";

/** A connection's hold on a resumable session; writes with a stale generation are refused (fencing). */
export interface Lease {
  token: string;
  generation: number;
}

export interface ResumeState {
  sessionId: string;
  userId: string;
  /** The client path and model the session was opened on: a resume must use the same. */
  path: string;
  model: string;
  startedAt: number;
  config?: Record<string, unknown>;
  items: ConversationItem[];
  dropped: number;
}

export type ClaimResult =
  /** `rewrite`: the stored form was outdated or over the bounds (what is returned is within them): write it again whole. */
  | { ok: true; lease: Lease; state: ResumeState; rewrite: boolean }
  | { ok: false; reason: "not_found" | "other_user" | "other_route" };

export interface ResumeStore {
  /** A new resumable session, owned by the caller (generation 1). */
  create(token: string, state: Omit<ResumeState, "items" | "dropped" | "config">): Promise<Lease>;
  /** Takes the session over (from a connection gone, or still open: the latest connection wins). */
  claim(token: string, userId: string, route: { path: string; model: string }): Promise<ClaimResult>;
  /** Tokens of the user's detached sessions (no connection holds them) on this path and model. */
  detached(userId: string, route: { path: string; model: string }): Promise<string[]>;
  /**
   * "replaced": another connection holds the session now (a higher generation). "missing": the store has
   * no state for it (Redis restarted empty, or its keys expired while Redis was frozen): not a takeover,
   * the live connection writes its whole state again (`restore`).
   */
  setConfig(lease: Lease, config: Record<string, unknown>): Promise<WriteResult>;
  append(lease: Lease, item: ConversationItem): Promise<WriteResult>;
  /**
   * No connection holds the session: it stays resumable for the resume TTL. Past the user's detached
   * bound the user's oldest detached session stops being resumable.
   */
  detach(lease: Lease): Promise<void>;
  /** The session ended: its state is deleted (a marker of its generation stays one registry TTL, so an older connection learns it was replaced). */
  end(lease: Lease): Promise<void>;
  /**
   * Keeps the given live sessions' state. `replaced`: tokens another connection has taken over;
   * `missing`: tokens whose state the store lost (an emptied Redis), to be written again with `restore`.
   */
  refresh(leases: Lease[]): Promise<{ replaced: string[]; missing: string[] }>;
  /**
   * Writes a live session's whole state again, under its current lease, unless another connection took
   * the session meanwhile ("replaced": nothing written) or this one handed it over ("detached": nothing
   * written; the hand-over writes what it needs first).
   */
  restore(lease: Lease, state: ResumeState): Promise<RestoreResult>;
}

export interface SharedState {
  registry: SessionRegistry;
  resume: ResumeStore;
  /** "memory", or the Redis connection's state. */
  describe(): string;
  /** Calls `listener` each time the store comes back after losing its connection (the caller heartbeats at once). */
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
}
