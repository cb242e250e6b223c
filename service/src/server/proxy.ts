/**
 * The HTTP server: health endpoints, metrics, and the one place that admits or refuses a WebSocket
 * upgrade. Admission runs in a fixed order before any upstream work:
 *   path -> origin (403) -> Front Door id (403) -> token (401) -> draining / instance capacity (503)
 *   -> model allowed (403) -> per-user limit (429, atomic in the registry)
 */
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type ServerOptions as TlsOptions } from "node:https";
import { hostname } from "node:os";
import type { Duplex } from "node:stream";
import type { JWTVerifyGetKey } from "jose";
import pino, { type Logger } from "pino";
import { WebSocketServer } from "ws";
import { CLIENT_PATHS, ConnectStage, MetricAttribute, Refusal, type RefusalCode } from "../../../contracts";
import type { ServiceConfig } from "../config";
import { refuseUpgrade, sendJson } from "./http";
import { answerHttp } from "./page";
import type { SessionRegistry } from "../registry/types";
import { AuthError, createVerifier, extractToken } from "./auth";
import { DEFAULT_LIMITS, Relay, type RelayLimits } from "./relay";
import { createTelemetry, type Telemetry } from "./telemetry";
import { parseRoute, UpstreamSelector } from "./upstream";

/** Largest client message: audio is sent in chunks of tens of ms; 1 MiB is ~16 s of base64 PCM16. */
export const CLIENT_MAX_PAYLOAD = 1024 * 1024;

export interface ProxyDeps {
  registry: SessionRegistry;
  logger?: Logger;
  tls?: TlsOptions;
  /** Host to listen on (default: all interfaces in a container, loopback in tests). */
  host?: string;
  /** Overrides for tests: shorter timers and limits. */
  limits?: Partial<RelayLimits>;
  /** Test hook: a local JWKS instead of fetching AUTH_JWKS_URL. */
  jwks?: JWTVerifyGetKey;
  instanceId?: string;
}

export interface Proxy {
  port: number;
  server: Server;
  telemetry: Telemetry;
  relays(): Relay[];
  /** Stop admitting, tell every client to reconnect and close it with 1012. */
  drain(): Promise<void>;
  /** Drain, give clients `graceMs` to finish the close handshake, then cut what is left and stop. */
  close(graceMs?: number): Promise<void>;
}

export async function startProxy(config: ServiceConfig, deps: ProxyDeps): Promise<Proxy> {
  const logger = deps.logger ?? pino({ name: "voice-proxy" });
  const instanceId = deps.instanceId ?? `${hostname()}-${process.pid}`;
  const verify = createVerifier(config.auth, deps.jwks);
  const selector = new UpstreamSelector(config.upstreams);
  const relays = new Set<Relay>();
  let draining = false;
  const telemetry = await createTelemetry({ connectionString: config.appInsightsConnectionString, activeSessions: () => relays.size });
  const limits: RelayLimits = { ...DEFAULT_LIMITS, sessionMaxMs: config.sessionMaxMinutes * 60_000, ...deps.limits };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (answerHttp(req, res, config)) return; // CORS for the health endpoints, the test page (page.ts)
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/healthz") return sendJson(res, 200, { status: "ok", sessions: relays.size });
    if (req.method === "GET" && path === "/readyz") {
      const ready = !draining && config.upstreams.length > 0 && relays.size < config.maxSessionsPerInstance;
      return sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : draining ? "draining" : "full", sessions: relays.size });
    }
    if (req.method === "GET" && path === "/metrics") return telemetry.handleMetrics(req, res);
    sendJson(res, parseRoute(req.url ?? "/") ? 426 : 404, { error: { code: "not_found", message: `WebSocket endpoints: ${[...CLIENT_PATHS].join(", ")}` } });
  };
  const server = deps.tls ? createHttpsServer(deps.tls, onRequest) : createHttpServer(onRequest);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: CLIENT_MAX_PAYLOAD,
    // The browser client authenticates with a subprotocol and needs `realtime` echoed back.
    handleProtocols: (protocols) => (protocols.has("realtime") ? "realtime" : false),
  });

  const refuse = (socket: Duplex, code: RefusalCode, message: string) => {
    telemetry.connectFailure(code, { [MetricAttribute.stage]: ConnectStage.client });
    refuseUpgrade(socket, Refusal[code].status, code, message);
  };

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    telemetry.connectAttempt({ [MetricAttribute.stage]: ConnectStage.client });
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
    if (config.frontDoorId !== undefined && req.headers["x-azure-fdid"] !== config.frontDoorId) {
      return refuse(socket, "front_door_required", "connect through the Front Door endpoint");
    }
    let userId: string;
    try {
      ({ userId } = await verify(extractToken(req)));
    } catch (error) {
      if (error instanceof AuthError) {
        return refuse(socket, error.reason, error.message);
      }
      throw error;
    }
    if (draining) return refuse(socket, "draining", "this instance is restarting; reconnect");
    if (relays.size >= config.maxSessionsPerInstance) return refuse(socket, "instance_full", "this instance is at capacity; try again");
    const allowed = selector.allowedModels(route);
    if (route.model !== undefined && !allowed.includes(route.model)) {
      return refuse(socket, "model_not_allowed", `"${route.model}" is not available here; allowed: ${allowed.join(", ") || "none"}`);
    }
    if (allowed.length === 0) return refuse(socket, "model_not_allowed", `no upstream serves ${route.path}`);

    const sessionId = randomUUID();
    const admitted = await deps.registry.acquire({ sessionId, userId, instanceId, startedAt: Date.now() }, config.maxSessionsPerUser);
    if (!admitted.ok) {
      return refuse(socket, "user_session_limit", `you already have ${admitted.active} open sessions (limit ${admitted.limit})`);
    }
    if (!socket.writable || draining) {
      await deps.registry.release(sessionId);
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => {
      const relay = new Relay(client, {
        sessionId, userId, route, selector, registry: deps.registry, telemetry, limits,
        logger: logger.child({ sessionId, userId }),
        onEnd: (ended) => relays.delete(ended),
      });
      relays.add(relay);
      relay.start();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, deps.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  logger.info({ port, upstreams: config.upstreams.map((u) => u.name), instanceId }, "voice proxy listening");

  return {
    port,
    server,
    telemetry,
    relays: () => [...relays],
    async drain() {
      draining = true;
      for (const relay of [...relays]) relay.drain();
    },
    async close(graceMs = 1000) {
      draining = true;
      for (const relay of [...relays]) relay.drain();
      const deadline = Date.now() + graceMs;
      while ([...wss.clients].some((c) => c.readyState !== c.CLOSED) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      await telemetry.shutdown();
    },
  };
}

