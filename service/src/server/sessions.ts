/**
 * The sessions this instance holds, from the upgraded socket to the end: each session core (session/core.ts)
 * wired to its upstreams, its shared state and telemetry; the one close path (`onEnd`: cost record, the
 * registry slot, the resume state kept or ended); the instance heartbeat that keeps memberships and
 * resume state alive and repairs what the store lost; the drain that hands every session over.
 */
import type { WebSocket } from "ws";
import type { Logger } from "pino";
import { dialectFor, type ResumeStatus } from "../../../contracts";
import { emptyTotals } from "../../../cost";
import type { ServiceConfig } from "../config";
import { RegistryUnavailable, type Lease, type RestoreResult, type ResumeState, type SharedState, type WriteResult } from "../registry/types";
import type { Clock } from "../session/clock";
import { Session, type SessionStore } from "../session/core";
import { DRAIN_FLUSH_MS } from "../session/drain";
import { wsLeg } from "../session/legs";
import { costRecord, pseudonymousUserId } from "./costRecord";
import type { Meter } from "./meter";
import type { ProxyLimits } from "./proxy";
import type { Telemetry } from "./telemetry";
import type { ClientRoute } from "./upstream";
import type { UpstreamConnector } from "./upstreamConnector";
import type { UpstreamHealth } from "./upstreamHealth";

/** Shared-state writes one session may have in flight (see start). */
const MAX_WRITES_IN_FLIGHT = 16;

/** What admission hands over with an upgraded socket. */
export interface AdmittedSession {
  sessionId: string;
  userId: string;
  route: ClientRoute & { model: string };
  lease: Lease;
  startedAt: number;
  resumeStatus: ResumeStatus;
  claimed?: ResumeState;
  /** The shared state is behind (written during an outage, or claimed in an outdated form): rewrite it whole. */
  dirty: boolean;
  /** The upstream whose quota admission took this session's first connection from. */
  reserved: string;
  tenant?: string;
}

interface Held {
  session: Session;
  lease: Lease;
  userId: string;
  route: ClientRoute;
  startedAt: number;
  /** A write to the shared state failed: the whole state is written again once it answers. */
  dirty: boolean;
}

export interface SessionTableDeps {
  config: ServiceConfig;
  limits: ProxyLimits;
  state: SharedState;
  clock: Clock;
  logger: Logger;
  telemetry: Telemetry;
  health: UpstreamHealth;
  connector: UpstreamConnector;
  meter: Meter;
}

export class SessionTable {
  private readonly held = new Map<string, Held>();
  private beating = false;

  constructor(private readonly deps: SessionTableDeps) {}

  get size(): number {
    return this.held.size;
  }

  sessions(): Session[] {
    return [...this.held.values()].map((h) => h.session);
  }

  /** This instance's own count of a user's sessions other than `sessionId` (the limit while Redis is away). */
  userSessions(userId: string, sessionId: string): number {
    return [...this.held.values()].filter((h) => h.userId === userId && h.session.sessionId !== sessionId).length;
  }

  /** Runs a session on an upgraded socket. */
  start(client: WebSocket, s: AdmittedSession): void {
    const { config, limits, clock, logger, telemetry, health, connector, meter } = this.deps;
    const { registry, resume } = this.deps.state;
    // The admission already took this session's first connection from that upstream's quota.
    let reserved: string | undefined = s.reserved;
    // Logs never carry the token's subject: with COST_RECORD_SALT they carry the same pseudonymous user
    // as the cost records (an operator finds a user's sessions by computing it), without it only the session.
    const sessionLogger = logger.child(config.costRecordSalt ? { sessionId: s.sessionId, user: pseudonymousUserId(s.userId, config.costRecordSalt) } : { sessionId: s.sessionId });
    let totals = emptyTotals();
    const entry = {} as Held;
    // Writes in flight per session are bounded: a client flooding conversation items cannot flood Redis.
    // Past the bound the session is marked dirty and its whole state is written once at the next heartbeat.
    let inFlight = 0;
    const guardWrite = async (write: () => Promise<WriteResult>): Promise<boolean> => {
      if (inFlight >= MAX_WRITES_IN_FLIGHT) {
        entry.dirty = true;
        return true;
      }
      inFlight++;
      try {
        const result = await write();
        // State the store lost (restarted empty, or expired while frozen) is not a takeover: the next
        // heartbeat writes it again whole from this connection. Only a higher generation ends the session.
        if (result === "missing") entry.dirty = true;
        return result !== "replaced";
      } catch (error) {
        if (!(error instanceof RegistryUnavailable)) throw error;
        entry.dirty = true;
        return true;
      } finally {
        inFlight--;
      }
    };
    const store: SessionStore = {
      setConfig: (sessionConfig) => guardWrite(() => resume.setConfig(entry.lease, sessionConfig)),
      append: (item) => guardWrite(() => resume.append(entry.lease, item)),
    };
    const session = new Session({
      sessionId: s.sessionId,
      resumeToken: s.lease.token,
      dialect: dialectFor(s.route.path, s.route.apiVersion),
      client: wsLeg(client),
      clock,
      limits,
      conversationLimits: config.resumeState,
      connect: (exclude, signal) => {
        const first = reserved;
        reserved = undefined;
        return connector.connect(s.route, exclude, signal, first);
      },
      upstreamOutcome: (name, outcome) => {
        if (outcome === "ok") health.success(name);
        else health.failure(name, outcome);
      },
      upstreamReleased: (name) => health.closed(name),
      store,
      telemetry: {
        latency: (ms, voice, region) => telemetry.latency(ms, voice, region),
        audioSeconds: (seconds, direction) => telemetry.audioSeconds(seconds, direction),
        responseDone: (frame, upstream) => void (totals = meter.response(frame, upstream, totals)),
        transcription: (frame, upstream) => void (totals = meter.transcription(frame, upstream, totals)),
        summary: () => ({ usd: Number(totals.usd.toFixed(6)), tokens: totals.tokens, responses: totals.responses }),
        error: (code) => telemetry.error(code),
        failover: (from, to) => telemetry.failover(from, to),
        sessionEnded: (ms) => telemetry.sessionEnded(ms),
      },
      logger: sessionLogger,
      startedAt: s.startedAt,
      resumeStatus: s.resumeStatus,
      resumed: s.claimed ? { config: s.claimed.config, items: s.claimed.items, dropped: s.claimed.dropped } : undefined,
      // The one close path of a held session, whatever ended it.
      onEnd: (outcome, ending) => {
        // One cost record per connection, keyed by the session id a resume keeps (costRecord.ts).
        const record = costRecord({
          sessionId: s.sessionId, subject: s.userId, salt: config.costRecordSalt, claims: s.tenant ? { tid: s.tenant } : undefined, totals, ending: ending.kind, outcome,
          elapsedMinutes: (clock.now() - s.startedAt) / 60_000, resumed: s.resumeStatus !== "new", upstreamModels: [s.route.model],
        });
        telemetry.sessionCost(record);
        sessionLogger.info({ costRecord: record }, "session cost");
        if (this.held.get(s.sessionId) === entry) this.held.delete(s.sessionId);
        if (outcome === "replaced") {
          // The new connection owns the slot and the state now; this instance stops heartbeating them
          // (unless the new connection is here too, with the same session id).
          if (!this.held.has(s.sessionId)) registry.forget(s.sessionId);
          return;
        }
        const state = outcome === "ended" ? resume.end(entry.lease) : resume.detach(entry.lease);
        state.catch((error: Error) => sessionLogger.warn({ err: error.message }, "resume state not updated at the end"));
        registry.release(s.sessionId).catch((error: Error) => sessionLogger.warn({ err: error.message }, "registry release failed"));
      },
    });
    Object.assign(entry, { session, lease: s.lease, userId: s.userId, route: s.route, startedAt: s.startedAt, dirty: s.dirty });
    // A session this instance already holds (the same client reconnecting here) gives way to the new connection.
    const previous = this.held.get(s.sessionId);
    this.held.set(s.sessionId, entry);
    previous?.session.replaced();
    session.start();
  }

  /**
   * The instance heartbeat: one round trip for every registry membership, one for every resume state.
   * Sessions re-registered over their user's limit (admitted on local limits while Redis was away, or
   * after Redis lost the memberships) are closed, newest first; they stay resumable. State the store
   * lost (an emptied Redis) or missed (writes during an outage) is written again whole.
   */
  async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    const { config, logger } = this.deps;
    const { registry, resume } = this.deps.state;
    try {
      const { overLimit } = await registry.heartbeat(config.maxSessionsPerUser);
      for (const id of overLimit) this.held.get(id)?.session.end({ kind: "user_limit", limit: config.maxSessionsPerUser });
      const live = [...this.held.values()];
      const { replaced, missing } = await resume.refresh(live.map((h) => h.lease));
      for (const token of replaced) live.find((h) => h.lease.token === token)?.session.replaced();
      for (const h of live.filter((x) => x.dirty || missing.includes(x.lease.token))) {
        // Asked again at each step: the restores before it took time, in which the session may have ended.
        if (h.session.isEnded()) continue;
        if ((await this.restore(h)) === "replaced") h.session.replaced();
      }
    } catch (error) {
      if (!(error instanceof RegistryUnavailable)) logger.error({ err: (error as Error).message }, "heartbeat failed");
    } finally {
      this.beating = false;
    }
  }

  /** The session's whole state written again (fenced: never over another connection's, nor once handed over). */
  private async restore(h: Held): Promise<RestoreResult> {
    const result = await this.deps.state.resume.restore(h.lease, { sessionId: h.session.sessionId, userId: h.userId, path: h.route.path, model: h.route.model!, startedAt: h.startedAt, ...h.session.snapshot() });
    h.dirty = false;
    return result;
  }

  /**
   * Every session told to reconnect at its quiet point (session/core.ts); the state is detached before
   * the connection closes with 1012 (the client library reconnects at the close), so its next
   * connection, anywhere, finds it.
   */
  async drain(): Promise<void> {
    const { resume } = this.deps.state;
    // A session whose writes missed (dirty) writes its whole state before it detaches: the next connection gets all of it.
    const handOver = async (h: Held) => {
      await h.session.flushWrites();
      if (h.dirty && (await this.restore(h)) !== "ok") return;
      await resume.detach(h.lease);
    };
    await Promise.all([...this.held.values()].map((h) => h.session.drain(() => withDeadline(handOver(h), DRAIN_FLUSH_MS))));
  }

  /** What a drain left (past its bound) is cut: each session closes with 1012 through its close path. */
  endAll(): void {
    for (const h of [...this.held.values()]) h.session.end({ kind: "draining" });
  }
}

export function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
    promise.then(() => resolve(), () => resolve()).finally(() => clearTimeout(timer));
  });
}
