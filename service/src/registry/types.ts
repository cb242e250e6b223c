/**
 * The session registry: who holds which session, shared by every proxy instance.
 * In-process when REDIS_URL is absent (one instance only), Redis otherwise. The proxy talks only to
 * this interface, so admission logic is tested with the in-process one and the Redis one is tested
 * against a real redis-server.
 */
export interface SessionRecord {
  sessionId: string;
  userId: string;
  /** The proxy instance (replica) holding the client socket. */
  instanceId: string;
  /** Upstream entry name the session is relayed to, once known. */
  upstream?: string;
  /** Epoch milliseconds. */
  startedAt: number;
}

export type AcquireResult =
  | { ok: true }
  | { ok: false; reason: "user_limit"; active: number; limit: number };

export interface SessionRegistry {
  /** Atomically admit the session if the user holds fewer than `maxPerUser` live sessions. */
  acquire(record: SessionRecord, maxPerUser: number): Promise<AcquireResult>;
  /** Mark the session alive; sessions not heartbeated within the registry's TTL are pruned. */
  heartbeat(sessionId: string): Promise<void>;
  /** Forget the session; safe to call twice. */
  release(sessionId: string): Promise<void>;
  /** Live sessions across every instance sharing this registry. */
  activeCount(): Promise<number>;
  close(): Promise<void>;
}
