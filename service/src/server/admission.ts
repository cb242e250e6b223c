/**
 * The one place that admits or refuses a session, in a fixed order before any upstream work:
 *   handshake (400, listener.ts) -> path (404) -> origin (403) -> Front Door id (403) -> token (401)
 *   -> draining / instance capacity (503, the slot reserved before anything is awaited)
 *   -> model allowed (403) -> api-version (400) -> the user's rate (429) -> an upstream's quota (429)
 *   -> resume (token, or implicit) -> per-user limit (429, atomic in the registry) -> upgrade
 * What an admission took (resume state, the registry slot) is given back when it does not end in a session.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { RESUME_HEADER, RESUME_QUERY, RESUME_TOKEN_PATTERN, type RefusalCode, type ResumeStatus } from "../../../contracts";
import type { ServiceConfig } from "../config";
import { RegistryUnavailable, type Lease, type ResumeState, type SharedState } from "../registry/types";
import type { Clock } from "../session/clock";
import { AuthError, extractToken, type createVerifier } from "./auth";
import type { ConnectionQuota } from "./connectionQuota";
import { tenantOf } from "./costRecord";
import type { AdmittedSession, SessionTable } from "./sessions";
import type { Telemetry } from "./telemetry";
import { apiVersionProblem, parseRoute, type ClientRoute, type UpstreamSelector } from "./upstream";
import type { UpstreamConnector } from "./upstreamConnector";

/** A WebSocket handshake ws would refuse after admission (RFC 6455 4.2.1): checked before any slot is taken. */
export function handshakeProblem(req: IncomingMessage): string | undefined {
  if (req.method !== "GET") return "a WebSocket upgrade is a GET";
  if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket") return "Upgrade: websocket is required";
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string" || !/^[+/0-9A-Za-z]{22}==$/.test(key.trim())) return "Sec-WebSocket-Key is missing or malformed";
  const version = req.headers["sec-websocket-version"];
  if (version !== "13" && version !== "8") return "Sec-WebSocket-Version must be 13";
  return undefined;
}

/** The resume token a reconnecting client presents: "none", a well-formed one, or "malformed" (never looked up). */
export function resumeTokenOf(req: IncomingMessage): string | "malformed" | undefined {
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

export type Refuse = (socket: Duplex, code: RefusalCode, message: string, retryAfterMs?: number) => void;

export interface AdmissionDeps {
  config: ServiceConfig;
  state: SharedState;
  verify: ReturnType<typeof createVerifier>;
  selector: UpstreamSelector;
  quota: ConnectionQuota;
  connector: UpstreamConnector;
  sessions: SessionTable;
  instanceId: string;
  clock: Clock;
  logger: Logger;
  telemetry: Pick<Telemetry, "resume">;
  refuse: Refuse;
  draining(): boolean;
  /** Upgrades the socket and starts the session; false when the socket went first. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, admitted: AdmittedSession): Promise<boolean>;
}

export interface Admission {
  admit(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  /** Sessions held plus admissions under way: what the instance's capacity counts. */
  open(): number;
}

export function createAdmission(deps: AdmissionDeps): Admission {
  const { config, verify, selector, quota, connector, sessions, instanceId, clock, logger, refuse } = deps;
  const { registry, resume } = deps.state;
  /** Admissions past the capacity check that have not become sessions yet: they count against the limit. */
  let admitting = 0;
  const open = () => sessions.size + admitting;

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
    if (deps.draining()) return refuse(socket, "draining", "this instance is restarting; reconnect");
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
      const reserved = await connector.reserve({ ...route, model });
      if (!reserved.ok) return refuse(socket, "upstream_busy", "every upstream has used its quota of new connections for now; try again", reserved.retryAfterMs);
      await admitSession(req, socket, head, { ...route, model }, userId, reserved.name, tenant);
    } finally {
      admitting--;
    }
  }

  /** The resume state this connection continues, if any: by its token, or implicitly (openai 7's reconnect). */
  async function claimResume(req: IncomingMessage, userId: string, routeKey: { path: string; model: string }): Promise<{ resumeStatus: ResumeStatus; claimed?: { lease: Lease; state: ResumeState; rewrite?: boolean }; storeUp: boolean }> {
    let resumeStatus: ResumeStatus = "new";
    let claimed: { lease: Lease; state: ResumeState; rewrite?: boolean } | undefined;
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
      logger.warn({ err: error.message }, "shared state unavailable: no resume for this session");
      return { resumeStatus: resumeTokenOf(req) ? "not_resumable" : "new", storeUp: false };
    }
    return { resumeStatus: claimed ? "resumed" : resumeStatus, claimed, storeUp: true };
  }

  /** Resume or create the session's shared state, take the user's slot, upgrade. True when a session runs. */
  async function admitSession(req: IncomingMessage, socket: Duplex, head: Buffer, route: ClientRoute & { model: string }, userId: string, reserved: string, tenant?: string): Promise<boolean> {
    const { resumeStatus, claimed, storeUp } = await claimResume(req, userId, { path: route.path, model: route.model });
    if (resumeStatus !== "new") deps.telemetry.resume(resumeStatus);
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
      const local = sessions.userSessions(userId, sessionId);
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
    if (!socket.writable || deps.draining()) {
      await abandon("gone");
      if (deps.draining()) refuse(socket, "draining", "this instance is restarting; reconnect");
      return false;
    }
    const upgraded = await deps.upgrade(req, socket, head, { sessionId, userId, route, lease, startedAt, resumeStatus, claimed: claimed?.state, dirty, reserved, tenant });
    if (!upgraded) await abandon("gone");
    return upgraded;
  }

  return { admit, open };
}
