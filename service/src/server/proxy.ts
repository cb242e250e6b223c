/**
 * The HTTP server: health endpoints, metrics, and the one place that admits or refuses a WebSocket
 * upgrade. Admission runs in a fixed order before any upstream work:
 *   handshake (400) -> path (404) -> origin (403) -> Front Door id (403) -> token (401)
 *   -> draining / instance capacity (503, the slot reserved before anything is awaited)
 *   -> model allowed (403) -> resume (token, or implicit) -> per-user limit (429, atomic in the registry)
 * Then the session (session/core.ts) runs on the upgraded socket, wired here to the upstreams, the
 * shared store and telemetry.
 */
import { DRAIN_FLUSH_MS, drainTimings } from "../session/drain";
import { randomBytes, randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type ServerOptions as TlsOptions } from "node:https";
import type { Socket } from "node:net";
import { hostname } from "node:os";
import type { Duplex } from "node:stream";
import type { JWTVerifyGetKey } from "jose";
import pino, { type Logger } from "pino";
import { costRecord, tenantOf } from "./costRecord";
import { WebSocketServer } from "ws";
import {
  CLIENT_PATHS, ConnectStage, connectionsPerMinuteOf, dialectFor, servedModel as servedModelOf, MetricAttribute, Refusal, TOKEN_CHECK_PATH, RESUME_HEADER, RESUME_QUERY, RESUME_TOKEN_PATTERN,
  type RefusalCode, type ResumeStatus,
} from "../../../contracts";
import {
  addToTotals, catalogById, DEFAULT_CATALOG_ID, emptyTotals, findCatalogForUpstream, meterResponseUsage, meterTranscriptionUsage,
  type SessionMeterTotals,
} from "../../../cost";
import type { ServiceConfig } from "../config";
import { RegistryUnavailable, type Lease, type ResumeState, type SharedState, type WriteResult } from "../registry/types";
import { realClock, type Clock } from "../session/clock";
import { DEFAULT_SESSION_LIMITS, NoUpstreamAvailable, Session, type SessionLimits, type SessionStore, type UpstreamLink } from "../session/core";
import { wsLeg } from "../session/legs";
import { answerHttp } from "./page";
import { AuthError, createVerifier, extractToken } from "./auth";
import { answerTokenCheck } from "./tokenCheck";
import { ConnectionQuota, createRedisWindow, LocalWindow, retryAfterSeconds } from "./connectionQuota";
import { answerHealth, type HealthView } from "./healthEndpoints";
import { refuseUpgrade, sendJson } from "./http";
import { createTelemetry, type Telemetry } from "./telemetry";
import { apiVersionProblem, connectUpstream, parseRoute, UpstreamConnectError, UpstreamSelector, type ClientRoute } from "./upstream";
import { connectFailureKind, UpstreamHealth, type HealthOptions } from "./upstreamHealth";

/** Shared-state writes one session may have in flight (see startSession). */
const MAX_WRITES_IN_FLIGHT = 16;

/** Largest client message: audio is sent in chunks of tens of ms; 1 MiB is ~16 s of base64 PCM16. */
export const CLIENT_MAX_PAYLOAD = 1024 * 1024;

export interface ProxyLimits extends SessionLimits {
  upstreamConnectTimeoutMs: number;
  upstreamMaxPayload: number;
  /** The instance heartbeat: registry memberships and resume state of every session, in one round trip each. */
  heartbeatMs: number;
  /** Between failing readiness and telling clients to reconnect: time for the load balancer to stop sending new upgrades here. */
  drainDelayMs: number;
  /** Connections that have not upgraded (or finished a request) yet; past this the oldest is dropped. */
  maxPendingConnections: number;
  /** Headers of a request must arrive within this (slowloris). */
  headersTimeoutMs: number;
  /**
   * When the upstreams' quota of new connections is used up, an admission or a failover waits this long
   * at most for room; past it the admission is refused (429 with Retry-After) and the failover fails.
   */
  quotaWaitMs: number;
}

export const DEFAULT_PROXY_LIMITS: Omit<ProxyLimits, keyof SessionLimits> = {
  upstreamConnectTimeoutMs: 5_000,
  upstreamMaxPayload: 16 * 1024 * 1024,
  heartbeatMs: 5_000,
  drainDelayMs: 10_000,
  maxPendingConnections: 256,
  headersTimeoutMs: 10_000,
  quotaWaitMs: 1_000,
};

export interface ProxyDeps {
  state: SharedState;
  logger?: Logger;
  tls?: TlsOptions;
  /** Host to listen on; default the config's (HOST). */
  host?: string;
  /** Overrides for tests: shorter timers and limits. */
  limits?: Partial<ProxyLimits>;
  health?: Partial<HealthOptions>;
  /** Test hook: a local JWKS instead of fetching AUTH_JWKS_URL. */
  jwks?: JWTVerifyGetKey;
  instanceId?: string;
  clock?: Clock;
  /** Test hook: the quota of new connections (default: in Redis when REDIS_URL is set, else in-process). */
  quota?: ConnectionQuota;
}

export interface Proxy {
  port: number;
  /** The operators' listener (/metrics, detailed /readyz), when ADMIN_PORT is set. */
  adminPort?: number;
  server: Server;
  telemetry: Telemetry;
  health: UpstreamHealth;
  sessions(): Session[];
  /** Readiness fails at once; after drainDelayMs each session is told to reconnect at a quiet point and closed with 1012. */
  drain(): Promise<void>;
  /** Drain (bounded by `graceMs`), cut what is left, stop listening. */
  close(graceMs?: number): Promise<void>;
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

/** A WebSocket handshake ws would refuse after admission (RFC 6455 4.2.1): checked before any slot is taken. */
function handshakeProblem(req: IncomingMessage): string | undefined {
  if (req.method !== "GET") return "a WebSocket upgrade is a GET";
  if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket") return "Upgrade: websocket is required";
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string" || !/^[+/0-9A-Za-z]{22}==$/.test(key.trim())) return "Sec-WebSocket-Key is missing or malformed";
  const version = req.headers["sec-websocket-version"];
  if (version !== "13" && version !== "8") return "Sec-WebSocket-Version must be 13";
  return undefined;
}

/** The resume token a reconnecting client presents: "none", a well-formed one, or "malformed" (never looked up). */
function resumeTokenOf(req: IncomingMessage): string | "malformed" | undefined {
  const header = req.headers[RESUME_HEADER];
  let token: string | null | undefined = typeof header === "string" && header ? header : undefined;
  if (token === undefined) {
    try {
      token = new URL(req.url ?? "/", "http://proxy").searchParams.get(RESUME_QUERY);
    } catch {
      token = undefined;
    }
  }
  if (!token) return undefined;
  // Checked before it becomes part of a Redis key: "<token>:items" would name another key.
  return RESUME_TOKEN_PATTERN.test(token) ? token : "malformed";
}

export async function startProxy(config: ServiceConfig, deps: ProxyDeps): Promise<Proxy> {
  const logger = deps.logger ?? pino({ name: "voice-proxy" });
  const clock = deps.clock ?? realClock;
  const instanceId = deps.instanceId ?? `${hostname()}-${process.pid}`;
  const verify = createVerifier(config.auth, deps.jwks);
  const health = new UpstreamHealth(config.upstreams.map((u) => u.name), clock, { failureThreshold: 2, baseOpenMs: 2_000, maxOpenMs: 60_000, ...deps.health });
  const selector = new UpstreamSelector(config.upstreams, health);
  const { registry, resume } = deps.state;
  const held = new Map<string, Held>();
  /** Admissions past the capacity check that have not become sessions yet: they count against the limit. */
  let admitting = 0;
  let draining = false;
  // Every step of a drain fits in the platform's grace (session/drain.ts).
  const drainPlan = drainTimings(config.terminationGraceSeconds, config.drainDelaySeconds);
  const limits: ProxyLimits = {
    ...DEFAULT_SESSION_LIMITS, ...DEFAULT_PROXY_LIMITS,
    sessionMaxMs: config.sessionMaxMinutes * 60_000,
    rotateMs: config.upstreamRotateMinutes * 60_000,
    idleMs: config.sessionIdleMinutes * 60_000,
    drainDelayMs: drainPlan.delayMs,
    drainQuietMaxMs: drainPlan.quietMaxMs,
    ...deps.limits,
  };
  const telemetry = await createTelemetry({ connectionString: config.appInsightsConnectionString, activeSessions: () => held.size });
  const open = () => held.size + admitting;

  const quota = deps.quota ?? (await createQuota(config, clock, logger));
  /** An upstream can take a new session: its breaker is not open and its quota of new connections has room. */
  const canTake = (name: string) => health.state(name) !== "open" && quota.hasRoom(name);
  const healthView: HealthView = {
    notReady: () => (draining ? "draining" : !config.upstreams.some((u) => canTake(u.name)) ? "no_upstream" : open() >= config.maxSessionsPerInstance ? "full" : undefined),
    details: () => ({
      sessions: held.size, registry: deps.state.describe(),
      upstreams: Object.fromEntries(Object.entries(health.snapshot()).map(([name, h]) => [name, { ...h, quotaRoom: quota.hasRoom(name) }])),
    }),
    metrics: (req, res) => telemetry.handleMetrics(req, res),
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (answerHttp(req, res, config)) return; // CORS for the health endpoints, the test page (page.ts)
      if (answerHealth(req, res, healthView, false)) return;
      if (req.method === "POST" && (req.url ?? "/").split("?")[0] === TOKEN_CHECK_PATH) return answerTokenCheck(req, res, verify);
      sendJson(res, parseRoute(req.url ?? "/") ? 426 : 404, { error: { code: "not_found", message: `WebSocket endpoints: ${[...CLIENT_PATHS].join(", ")}` } });
    } catch (error) {
      logger.error({ err: (error as Error).message }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: "internal error" } });
      else res.destroy();
    }
  };
  const server = deps.tls ? createHttpsServer(deps.tls, onRequest) : createHttpServer(onRequest);
  // Slow or silent clients may not hold sockets: headers within the timeout, and a bound on sockets that
  // have not become sessions (the oldest goes first, so a flood cannot lock real users out).
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.headersTimeoutMs * 2;
  const pendingSockets = new Set<Socket>();
  let evictions = 0;
  let evictionLogAt = 0;
  server.on("connection", (socket: Socket) => {
    pendingSockets.add(socket);
    socket.once("close", () => pendingSockets.delete(socket));
    if (pendingSockets.size > limits.maxPendingConnections) {
      const oldest = pendingSockets.values().next().value as Socket;
      pendingSockets.delete(oldest);
      oldest.destroy();
      evictions++;
      if (clock.now() - evictionLogAt > 10_000) {
        evictionLogAt = clock.now();
        logger.warn({ evictions, pending: pendingSockets.size }, "too many connections without a session: dropping the oldest");
      }
    }
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: CLIENT_MAX_PAYLOAD,
    // The browser client authenticates with a subprotocol and needs `realtime` echoed back.
    handleProtocols: (protocols) => (protocols.has("realtime") ? "realtime" : false),
  });

  const refuse = (socket: Duplex, code: RefusalCode, message: string, retryAfterMs?: number) => {
    telemetry.connectFailure(code, { [MetricAttribute.stage]: ConnectStage.client });
    refuseUpgrade(socket, Refusal[code].status, code, message, retryAfterMs === undefined ? {} : { "Retry-After": String(retryAfterSeconds(retryAfterMs)) });
  };

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    telemetry.connectAttempt({ [MetricAttribute.stage]: ConnectStage.client });
    const problem = handshakeProblem(req);
    if (problem) return refuse(socket, "bad_handshake", problem);
    admit(req, socket, head).catch((error: Error) => {
      logger.error({ err: error.message }, "admission failed");
      refuse(socket, "admission_unavailable", "the session could not be admitted; try again");
    });
  });

  async function admit(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const route = parseRoute(req.url ?? "/");
    if (!route) return refuse(socket, "not_found", "no realtime endpoint at this path");
    const origin = req.headers.origin;
    if (config.allowedOrigins.length > 0 && origin !== undefined && !config.allowedOrigins.includes(origin)) {
      return refuse(socket, "origin_not_allowed", `origin ${origin} is not allowed`);
    }
    if (config.frontDoorIds.length > 0 && !config.frontDoorIds.includes(String(req.headers["x-azure-fdid"] ?? ""))) {
      return refuse(socket, "front_door_required", "connect through the Front Door endpoint");
    }
    let userId: string;
    let tenant: string | undefined;
    try {
      let claims: Record<string, unknown>;
      ({ userId, claims } = await verify(extractToken(req)));
      tenant = tenantOf(claims);
    } catch (error) {
      if (error instanceof AuthError) return refuse(socket, error.reason, error.message);
      throw error;
    }
    if (draining) return refuse(socket, "draining", "this instance is restarting; reconnect");
    if (open() >= config.maxSessionsPerInstance) return refuse(socket, "instance_full", "this instance is at capacity; try again");
    const allowed = selector.allowedModels(route);
    if (route.model !== undefined && !allowed.includes(route.model)) {
      return refuse(socket, "model_not_allowed", `"${route.model}" is not available here; allowed: ${allowed.join(", ") || "none"}`);
    }
    if (allowed.length === 0) return refuse(socket, "model_not_allowed", `no upstream serves ${route.path}`);
    const badParameter = apiVersionProblem(route, config.upstreams);
    if (badParameter) return refuse(socket, "bad_parameter", badParameter);
    const model = route.model ?? allowed[0];
    // The slot is taken before the first await below: concurrent admissions cannot overshoot the limit.
    admitting++;
    try {
      // Quotas before anything else is touched (resume state, registry, upstream): the user's rate of
      // new sessions and resumes, then a new connection on an upstream that has room for one.
      const userRate = await quota.user(userId);
      if (!userRate.ok) return refuse(socket, "user_rate_limited", `too many new sessions or resumes; at most ${config.userConnectsPerMinute} a minute`, userRate.retryAfterMs);
      const reserved = await reserveUpstream({ ...route, model });
      if (!reserved.ok) return refuse(socket, "upstream_busy", "every upstream has used its quota of new connections for now; try again", reserved.retryAfterMs);
      await admitSession(req, socket, head, { ...route, model }, userId, reserved.name, tenant);
    } finally {
      admitting--;
    }
  }

  /** A new connection's place on an upstream that can take it, waiting up to quotaWaitMs for room. */
  async function reserveUpstream(route: ClientRoute): Promise<{ ok: true; name: string } | { ok: false; retryAfterMs: number }> {
    const names = () => selector.candidates(route).map((u) => u.name);
    let first = await quota.first(names());
    if (!first.ok && first.retryAfterMs <= limits.quotaWaitMs) {
      await new Promise<void>((r) => clock.after(first.ok ? 0 : first.retryAfterMs, r));
      first = await quota.first(names());
    }
    return first;
  }

  /** Resume or create the session's shared state, take the user's slot, upgrade. True when a session runs. */
  async function admitSession(req: IncomingMessage, socket: Duplex, head: Buffer, route: ClientRoute & { model: string }, userId: string, reserved: string, tenant?: string): Promise<boolean> {
    const routeKey = { path: route.path, model: route.model };
    let resumeStatus: ResumeStatus = "new";
    let claimed: { lease: Lease; state: ResumeState; rewrite?: boolean } | undefined;
    let storeUp = true;
    try {
      const token = resumeTokenOf(req);
      if (token === "malformed") {
        resumeStatus = "not_resumable";
      } else if (token) {
        const claim = await resume.claim(token, userId, routeKey);
        if (claim.ok) claimed = claim;
        else resumeStatus = "not_resumable";
      } else {
        // openai 7's own reconnect carries no token: the user's one detached session on this route is it.
        const tokens = await resume.detached(userId, routeKey);
        if (tokens.length > 1) resumeStatus = "ambiguous";
        else if (tokens.length === 1) {
          const claim = await resume.claim(tokens[0], userId, routeKey);
          if (claim.ok) claimed = claim;
        }
      }
    } catch (error) {
      if (!(error instanceof RegistryUnavailable)) throw error;
      storeUp = false;
      resumeStatus = resumeTokenOf(req) ? "not_resumable" : "new";
      logger.warn({ err: error.message }, "shared state unavailable: no resume for this session");
    }
    if (claimed) resumeStatus = "resumed";
    const sessionId = claimed?.state.sessionId ?? randomUUID();
    const startedAt = claimed?.state.startedAt ?? clock.now();
    const resumeToken = claimed?.lease.token ?? randomBytes(32).toString("base64url");
    let lease: Lease = claimed?.lease ?? { token: resumeToken, generation: 1 };
    // A claimed state in an outdated form, or over today's bounds, is written again whole (bounded) at the next heartbeat.
    let dirty = !storeUp || claimed?.rewrite === true;
    if (!claimed && storeUp) {
      try {
        lease = await resume.create(resumeToken, { sessionId, userId, path: route.path, model: route.model, startedAt });
      } catch (error) {
        if (!(error instanceof RegistryUnavailable)) throw error;
        dirty = true;
      }
    }

    const record = { sessionId, userId, instanceId, startedAt };
    let slot;
    try {
      slot = await registry.acquire(record, config.maxSessionsPerUser);
    } catch (error) {
      if (!(error instanceof RegistryUnavailable)) throw error;
      // Redis away: this instance's own count of the user's sessions is the limit; the registry learns
      // of the session at its next heartbeat once Redis answers.
      const local = [...held.values()].filter((h) => h.userId === userId && h.session.sessionId !== sessionId).length;
      slot = local < config.maxSessionsPerUser ? { ok: true as const } : { ok: false as const, reason: "user_limit" as const, active: local, limit: config.maxSessionsPerUser };
      if (slot.ok) registry.adopt(record);
    }
    const abandon = async (why: "limit" | "gone") => {
      if (!claimed) await resume.end(lease).catch(() => undefined);
      else await resume.detach(lease).catch(() => undefined);
      if (why === "gone" && slot.ok) await registry.release(sessionId).catch(() => undefined);
    };
    if (!slot.ok) {
      await abandon("limit");
      refuse(socket, "user_session_limit", `you already have ${slot.active} open sessions (limit ${slot.limit})`);
      return false;
    }
    if (!socket.writable || draining) {
      await abandon("gone");
      if (draining) refuse(socket, "draining", "this instance is restarting; reconnect");
      return false;
    }
    // ws answers some handshakes itself (and never calls back): the slot must not outlive the socket.
    const upgraded = await new Promise<boolean>((resolve) => {
      const onClose = () => resolve(false);
      socket.once("close", onClose);
      wss.handleUpgrade(req, socket, head, (client) => {
        socket.off("close", onClose);
        // The session's socket is not a pending connection any more.
        pendingSockets.delete(socket as Socket);
        startSession(client, { sessionId, userId, route, lease, startedAt, resumeStatus, claimed: claimed?.state, dirty, reserved, tenant });
        resolve(true);
      });
    });
    if (!upgraded) await abandon("gone");
    return upgraded;
  }

  function startSession(
    client: import("ws").WebSocket,
    s: { sessionId: string; userId: string; route: ClientRoute & { model: string }; lease: Lease; startedAt: number; resumeStatus: ResumeStatus; claimed?: ResumeState; dirty: boolean; reserved: string; tenant?: string },
  ): void {
    // The admission already took this session's first connection from that upstream's quota.
    let reserved: string | undefined = s.reserved;
    const sessionLogger = logger.child({ sessionId: s.sessionId, userId: s.userId });
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
      setConfig: (config) => guardWrite(() => resume.setConfig(entry.lease, config)),
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
        return connectForSession(s.route, exclude, signal, first);
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
      onEnd: (outcome, ending) => {
        // One cost record per connection, keyed by the session id a resume keeps (costRecord.ts).
        const record = costRecord({
          sessionId: s.sessionId, subject: s.userId, salt: config.costRecordSalt, claims: s.tenant ? { tid: s.tenant } : undefined, totals, ending: ending.kind, outcome,
          elapsedMinutes: (clock.now() - s.startedAt) / 60_000, resumed: s.resumeStatus !== "new", upstreamModels: [s.route.model],
        });
        telemetry.sessionCost(record);
        sessionLogger.info({ costRecord: record }, "session cost");
        if (held.get(s.sessionId) === entry) held.delete(s.sessionId);
        if (outcome === "replaced") {
          // The new connection owns the slot and the state now; this instance stops heartbeating them
          // (unless the new connection is here too, with the same session id).
          if (!held.has(s.sessionId)) registry.forget(s.sessionId);
          return;
        }
        const state = outcome === "ended" ? resume.end(entry.lease) : resume.detach(entry.lease);
        state.catch((error: Error) => sessionLogger.warn({ err: error.message }, "resume state not updated at the end"));
        registry.release(s.sessionId).catch((error: Error) => sessionLogger.warn({ err: error.message }, "registry release failed"));
      },
    });
    Object.assign(entry, { session, lease: s.lease, userId: s.userId, route: s.route, startedAt: s.startedAt, dirty: s.dirty });
    // A session this instance already holds (the same client reconnecting here) gives way to the new connection.
    const previous = held.get(s.sessionId);
    held.set(s.sessionId, entry);
    previous?.session.replaced();
    session.start();
  }

  /**
   * Opens an upstream for a session: best candidate first (the one `reserved` at admission before all),
   * each new connection taken from that upstream's quota (one without room is skipped; when none has
   * room, waits up to quotaWaitMs once), failures the upstream caused recorded in its breaker; `exclude`
   * only while others exist.
   */
  async function connectForSession(route: ClientRoute, exclude: ReadonlySet<string>, signal: AbortSignal, reserved?: string): Promise<UpstreamLink> {
    const ordered = () => {
      let candidates = selector.candidates(route, exclude);
      if (candidates.length === 0 && exclude.size > 0) candidates = selector.candidates(route);
      const first = candidates.find((u) => u.name === reserved);
      return first ? [first, ...candidates.filter((u) => u !== first)] : candidates;
    };
    let previous: string | undefined;
    for (let round = 0; round < 2 && !signal.aborted; round++) {
      let soonest = Infinity;
      for (const upstream of ordered()) {
        if (signal.aborted) break;
        if (upstream.name !== reserved) {
          const room = await quota.upstream(upstream.name);
          if (!room.ok) {
            soonest = Math.min(soonest, room.retryAfterMs);
            continue;
          }
        }
        reserved = undefined;
        const attrs = { [MetricAttribute.stage]: ConnectStage.upstream, [MetricAttribute.upstream]: upstream.name, [MetricAttribute.region]: upstream.region ?? upstream.name };
        telemetry.connectAttempt(attrs);
        if (previous) telemetry.failover(previous, upstream.name);
        health.attempt(upstream.name);
        try {
          const opened = await connectUpstream(upstream, route, { timeoutMs: limits.upstreamConnectTimeoutMs, maxPayload: limits.upstreamMaxPayload, signal });
          const leg = wsLeg(opened.ws, opened.early);
          opened.release();
          health.opened(upstream.name);
          return { leg, name: upstream.name, region: upstream.region ?? upstream.name };
        } catch (error) {
          const e = error as UpstreamConnectError;
          if (signal.aborted && !e.timedOut) throw new NoUpstreamAvailable("the session ended while connecting");
          const kind = connectFailureKind(e.status, e.timedOut);
          telemetry.connectFailure(e.status ? `http_${e.status}` : e.timedOut ? "timeout" : "network", attrs);
          logger.warn({ upstream: upstream.name, status: e.status, err: e.message }, "upstream connect failed");
          // The request's own shape was refused: no breaker learns from it, and no other upstream would differ.
          if (kind === "client") {
            health.inconclusive(upstream.name);
            throw new NoUpstreamAvailable(`upstream ${upstream.name} refused the request (HTTP ${e.status})`);
          }
          health.failure(upstream.name, kind, e.retryAfterMs);
          previous = upstream.name;
        }
      }
      // Every candidate was out of quota (none failed): wait once for the soonest to have room, if that is soon.
      if (previous !== undefined || soonest > limits.quotaWaitMs) break;
      await new Promise<void>((r) => clock.after(soonest, r));
    }
    throw new NoUpstreamAvailable(`no upstream for ${route.path} (${servedModelList(route)})`);
  }

  const servedModelList = (route: ClientRoute) => selector.allowedModels(route).join(", ") || "none";
  const meter = createMeter(config.upstreams, telemetry, logger);

  // The instance heartbeat: one round trip for every registry membership, one for every resume state.
  const heartbeat = clock.every(limits.heartbeatMs, () => void beat());
  // Redis back after losing the connection (a restart): the registry is whole again at once, not a heartbeat later.
  deps.state.onReconnect(() => void beat());
  let beating = false;
  async function beat(): Promise<void> {
    if (beating) return;
    beating = true;
    try {
      // Sessions re-registered over their user's limit (admitted on local limits while Redis was away, or
      // after Redis lost the memberships) are closed, newest first; they stay resumable.
      const { overLimit } = await registry.heartbeat(config.maxSessionsPerUser);
      for (const id of overLimit) held.get(id)?.session.end({ kind: "user_limit", limit: config.maxSessionsPerUser });
      const live = [...held.values()];
      const { replaced, missing } = await resume.refresh(live.map((h) => h.lease));
      for (const token of replaced) live.find((h) => h.lease.token === token)?.session.replaced();
      // State the store lost (an emptied Redis) or missed (writes during an outage) is written again whole.
      for (const h of live.filter((x) => !x.session.isEnded() && (x.dirty || missing.includes(x.lease.token)))) {
        await resume.restore(h.lease, { sessionId: h.session.sessionId, userId: h.userId, path: h.route.path, model: h.route.model!, startedAt: h.startedAt, ...h.session.snapshot() });
        h.dirty = false;
      }
    } catch (error) {
      if (!(error instanceof RegistryUnavailable)) logger.error({ err: (error as Error).message }, "heartbeat failed");
    } finally {
      beating = false;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, deps.host ?? config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const admin = config.adminPort === undefined ? undefined : await listenAdmin(config.adminPort, deps.host ?? config.host, healthView, logger);
  logger.info({ port, upstreams: config.upstreams.map((u) => u.name), instanceId, registry: deps.state.describe() }, "voice proxy listening");

  let drained: Promise<void> | undefined;
  const drain = () => {
    drained ??= (async () => {
      draining = true;
      // With sessions to hand over, wait for the load balancer to see readiness fail first.
      if (held.size > 0) await new Promise<void>((r) => clock.after(limits.drainDelayMs, r));
      // The state is detached before the client hears "reconnect": its next connection, anywhere, finds it.
      await Promise.all([...held.values()].map((h) => h.session.drain(() => withDeadline(h.session.flushWrites().then(() => resume.detach(h.lease)), DRAIN_FLUSH_MS))));
    })();
    return drained;
  };

  return {
    port,
    adminPort: admin?.port,
    server,
    telemetry,
    health,
    sessions: () => [...held.values()].map((h) => h.session),
    drain,
    async close(graceMs = limits.drainDelayMs + limits.drainQuietMaxMs + DRAIN_FLUSH_MS) {
      draining = true;
      await withDeadline(drain(), graceMs);
      heartbeat.cancel();
      for (const h of [...held.values()]) h.session.end({ kind: "draining" });
      const closeDeadline = clock.now() + 1_000;
      while ([...wss.clients].some((c) => c.readyState !== c.CLOSED) && clock.now() < closeDeadline) await new Promise((r) => setTimeout(r, 20));
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      await admin?.close();
      await quota.close();
      await telemetry.shutdown();
    },
  };
}

/** The quota of new connections: shared through Redis when REDIS_URL is set, in-process otherwise. */
async function createQuota(config: ServiceConfig, clock: Clock, logger: Logger): Promise<ConnectionQuota> {
  const perMinute = new Map(config.upstreams.map((u) => [u.name, connectionsPerMinuteOf(u)]));
  const options = { userPerMinute: config.userConnectsPerMinute, upstreamPerMinute: (name: string) => perMinute.get(name) ?? 1 };
  if (!config.redisUrl) return new ConnectionQuota(new LocalWindow(clock), options, clock);
  let lastLog = 0;
  const window = await createRedisWindow(config.redisUrl, {
    clock,
    onError: (error) => {
      if (clock.now() - lastLog < 10_000) return;
      lastLog = clock.now();
      logger.warn({ err: error.message }, "connection quota: redis not answering (each instance counts on its own meanwhile)");
    },
  });
  return new ConnectionQuota(window, options, clock);
}

/** The operators' listener: detailed readiness and metrics, never reached through the public ingress. */
async function listenAdmin(port: number, host: string, view: HealthView, logger: Logger): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpServer((req, res) => {
    if (!answerHealth(req, res, view, true)) sendJson(res, 404, { error: { code: "not_found", message: "admin endpoints: /healthz, /readyz, /metrics" } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  logger.info({ port: bound }, "admin endpoints listening");
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    }),
  };
}

function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
    promise.then(() => resolve(), () => resolve()).finally(() => clearTimeout(timer));
  });
}

/**
 * Metering: each response's (and transcription's) usage priced with the catalog of the upstream entry
 * that served it (cost/, the same choice and arithmetic the budget uses), emitted as voice.tokens and
 * voice.cost.usd by upstream and model, and added to the session's totals for its end-of-session log.
 */
function createMeter(upstreams: ServiceConfig["upstreams"], telemetry: Telemetry, logger: Logger) {
  const byName = new Map(upstreams.map((u) => [u.name, { model: servedModelOf(u), catalog: findCatalogForUpstream(u) }]));
  for (const [name, u] of byName) if (!u.catalog) logger.warn({ upstream: name, model: u.model }, "no pricing catalog for this upstream: its tokens are counted, not priced");
  const parse = (frame: Buffer): Record<string, unknown> | undefined => {
    try {
      const event = JSON.parse(frame.toString("utf8")) as unknown;
      return event && typeof event === "object" ? (event as Record<string, unknown>) : undefined;
    } catch {
      return undefined; // forwarded untouched; usage is telemetry
    }
  };
  const emit = (upstream: string, model: string, usd: number | undefined, tokens: Record<string, number>) => {
    for (const [kind, count] of Object.entries(tokens)) if (count > 0) telemetry.tokens(count, kind, upstream, model);
    if (usd !== undefined) telemetry.cost(usd, upstream, model);
  };
  return {
    /** Returns the session's totals with this response added. */
    response(frame: Buffer, upstream: string, totals: SessionMeterTotals): SessionMeterTotals {
      const u = byName.get(upstream);
      const usage = (parse(frame)?.response as Record<string, unknown> | undefined)?.usage;
      if (!u || usage === undefined || usage === null) return totals;
      const metered = meterResponseUsage(u.catalog ?? catalogById(DEFAULT_CATALOG_ID), usage);
      if (metered.malformed) telemetry.error("usage_malformed");
      emit(upstream, u.model, u.catalog ? metered.usd : undefined, metered.tokens);
      return addToTotals(totals, u.catalog ? metered : { ...metered, usd: 0 });
    },
    transcription(frame: Buffer, upstream: string, totals: SessionMeterTotals): SessionMeterTotals {
      const u = byName.get(upstream);
      const usage = parse(frame)?.usage;
      if (!u || usage === undefined || usage === null) return totals;
      const metered = meterTranscriptionUsage(u.catalog ?? catalogById(DEFAULT_CATALOG_ID), usage);
      emit(upstream, u.model, u.catalog && metered.priced ? metered.usd : undefined, metered.tokens);
      return addToTotals(totals, u.catalog ? metered : { ...metered, usd: 0 });
    },
  };
}
