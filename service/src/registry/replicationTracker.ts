/**
 * What this instance still has to copy to each peer region, and when: the bookkeeping of resume-state
 * replication (registry/replication.ts does the I/O). Pure: no sockets, no timers; time is passed in.
 *
 * Memory is bounded by the sessions this instance wrote, never by how long a peer is away:
 * - `known`: the sessions this instance changed whose local state still exists (live ones, detached ones
 *   for the resume TTL, ended ones for the marker's TTL). Entries leave when that time is over.
 * - per peer, `dirty`: tokens changed since their last copy there, a subset of `known`. A session that
 *   changes a hundred times while the peer is away is one entry (a set coalesces); a peer away for an
 *   hour holds at most `known`, and on its return each session is copied once, whole.
 */

export type TrackedState = "live" | "detached" | "ended";

export interface TrackerTiming {
  /** Least time between two copies of one session to one peer. */
  copyIntervalMs: number;
  /** A live session not confirmed (refresh) for this long is forgotten (its holder went away). */
  liveTtlMs: number;
  /** How long a detached session stays resumable. */
  resumeTtlMs: number;
  /** How long an ended session's marker stays (the registry TTL). */
  endedTtlMs: number;
  /** A live session unchanged for this long has its peer copy's TTL extended (a cheap touch, not a copy). */
  touchEveryMs: number;
}

/** After `failures` consecutive failures to reach a peer: 100 ms doubling to 5 s. */
export function peerBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(5_000, 100 * 2 ** (failures - 1));
}

/** The peer copy's TTL: a live session's copy outlives the local heartbeat TTL (peers see no heartbeats) by lasting a resume TTL. */
export function peerCopyTtlMs(state: string | undefined, localTtlMs: number, resumeTtlMs: number): number {
  const local = localTtlMs > 0 ? localTtlMs : resumeTtlMs;
  return state === "live" ? Math.max(local, resumeTtlMs) : local;
}

interface Known {
  state: TrackedState;
  expiresAt: number;
  /** The generation this instance holds (live sessions): a touch extends only that copy. */
  generation?: number;
}

interface PeerTrack {
  /** token -> when it became dirty (the start of the replication lag). */
  dirty: Map<string, number>;
  /** token -> dirty-since of the copy in flight. */
  inFlight: Map<string, number>;
  /** token -> when its last copy or touch started. */
  lastSent: Map<string, number>;
  failures: number;
  retryAt: number;
}

export class ReplicationTracker {
  private readonly known = new Map<string, Known>();
  private readonly peers: PeerTrack[];

  constructor(peerCount: number, private readonly timing: TrackerTiming) {
    this.peers = Array.from({ length: peerCount }, () => ({ dirty: new Map(), inFlight: new Map(), lastSent: new Map(), failures: 0, retryAt: 0 }));
  }

  /** The session's state changed locally (`state` when its kind changed): every peer needs a copy. */
  changed(token: string, now: number, state?: TrackedState, generation?: number): void {
    const current = this.known.get(token);
    const next = state ?? current?.state ?? "live";
    this.known.set(token, { state: next, expiresAt: now + this.lifetime(next), generation: generation ?? current?.generation });
    for (const peer of this.peers) if (!peer.dirty.has(token)) peer.dirty.set(token, now);
  }

  /** A live session's holder confirmed it (refresh): kept, no copy needed. */
  alive(token: string, now: number): void {
    const current = this.known.get(token);
    if (current?.state === "live") current.expiresAt = now + this.lifetime("live");
  }

  /** Another instance took the session over: it copies it from now on. */
  forget(token: string): void {
    this.known.delete(token);
    for (const peer of this.peers) {
      peer.dirty.delete(token);
      peer.lastSent.delete(token);
    }
  }

  /** Drops sessions whose local state has expired (nothing left to copy; the peers' copies expire too). */
  sweep(now: number): void {
    for (const [token, entry] of this.known) if (entry.expiresAt <= now) this.forget(token);
  }

  /** The peer is reachable again (or for the first time): every session known here is copied whole. */
  resync(peer: number, now: number): void {
    const track = this.peers[peer];
    for (const token of this.known.keys()) if (!track.dirty.has(token) && !track.inFlight.has(token)) track.dirty.set(token, now);
    track.failures = 0;
    track.retryAt = 0;
  }

  /** Whether the peer may be tried now (not backing off after failures). */
  ready(peer: number, now: number): boolean {
    return now >= this.peers[peer].retryAt;
  }

  /** Up to `limit` dirty sessions whose copy may start now; they move to in-flight. */
  takeDue(peer: number, now: number, limit: number): Array<{ token: string; since: number }> {
    const track = this.peers[peer];
    const out: Array<{ token: string; since: number }> = [];
    if (limit <= 0 || now < track.retryAt) return out;
    for (const [token, since] of track.dirty) {
      if (out.length >= limit) break;
      if (track.inFlight.has(token)) continue;
      const last = track.lastSent.get(token);
      if (last !== undefined && last + this.timing.copyIntervalMs > now) continue;
      track.dirty.delete(token);
      track.inFlight.set(token, since);
      track.lastSent.set(token, now);
      out.push({ token, since });
    }
    return out;
  }

  /** Live sessions, clean and not in flight, whose peer copy was last sent `touchEveryMs` ago: up to `limit`. */
  takeTouches(peer: number, now: number, limit: number): Array<{ token: string; generation: number }> {
    const track = this.peers[peer];
    const out: Array<{ token: string; generation: number }> = [];
    if (now < track.retryAt) return out;
    for (const [token, entry] of this.known) {
      if (out.length >= limit) break;
      if (entry.state !== "live" || entry.generation === undefined || track.dirty.has(token) || track.inFlight.has(token)) continue;
      const last = track.lastSent.get(token) ?? 0;
      if (last + this.timing.touchEveryMs > now) continue;
      track.lastSent.set(token, now);
      out.push({ token, generation: entry.generation });
    }
    return out;
  }

  /** The copy landed (or was refused as older than the peer's, or there was nothing to copy): returns the lag. */
  done(peer: number, token: string, now: number): number | undefined {
    const track = this.peers[peer];
    const since = track.inFlight.get(token);
    track.inFlight.delete(token);
    track.failures = 0;
    return since === undefined ? undefined : now - since;
  }

  /** The copy failed: the session stays dirty (its first dirty time kept) and the peer backs off. */
  failed(peer: number, token: string, now: number): void {
    const track = this.peers[peer];
    const since = track.inFlight.get(token) ?? now;
    track.inFlight.delete(token);
    if (this.known.has(token)) track.dirty.set(token, Math.min(since, track.dirty.get(token) ?? since));
    track.lastSent.delete(token);
    this.peerFailed(peer, now);
  }

  /** A peer call failed (a copy or a touch): back off. */
  peerFailed(peer: number, now: number): void {
    const track = this.peers[peer];
    track.failures++;
    track.retryAt = now + peerBackoffMs(track.failures);
  }

  /** A touch found the peer without this session's current copy: copy it whole. */
  needsCopy(peer: number, token: string, now: number): void {
    const track = this.peers[peer];
    if (this.known.has(token) && !track.dirty.has(token) && !track.inFlight.has(token)) track.dirty.set(token, now);
    track.lastSent.delete(token);
  }

  sizes(peer?: number): { known: number; dirty: number; inFlight: number; lastSent: number } {
    const of = (p: PeerTrack) => ({ dirty: p.dirty.size, inFlight: p.inFlight.size, lastSent: p.lastSent.size });
    const parts = peer === undefined ? this.peers.map(of) : [of(this.peers[peer])];
    return {
      known: this.known.size,
      dirty: parts.reduce((a, p) => a + p.dirty, 0),
      inFlight: parts.reduce((a, p) => a + p.inFlight, 0),
      lastSent: parts.reduce((a, p) => a + p.lastSent, 0),
    };
  }

  private lifetime(state: TrackedState): number {
    // A live session is kept while refreshes confirm it; twice the TTL rides out one late heartbeat.
    if (state === "live") return 2 * this.timing.liveTtlMs;
    return state === "detached" ? this.timing.resumeTtlMs : this.timing.endedTtlMs;
  }
}
