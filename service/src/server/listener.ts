/**
 * The listening side: the HTTP server (health endpoints, the test page, the token check), the bound on
 * sockets that have not become sessions, and upgrade handling: a malformed handshake is refused at once,
 * the rest goes through admission (admission.ts), and an admitted socket is upgraded by `ws` and handed
 * to the session table. Also the operators' listener (ADMIN_PORT).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type ServerOptions as TlsOptions } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import { CLIENT_PATHS, ConnectStage, MetricAttribute, Refusal, TOKEN_CHECK_PATH, type RefusalCode } from "../../../contracts";
import type { ServiceConfig } from "../config";
import type { Clock } from "../session/clock";
import { handshakeProblem } from "./admission";
import type { createVerifier } from "./auth";
import { retryAfterSeconds } from "./connectionQuota";
import { answerHealth, type HealthView } from "./healthEndpoints";
import { refuseUpgrade, sendJson } from "./http";
import { answerHttp } from "./page";
import type { Telemetry } from "./telemetry";
import { answerTokenCheck } from "./tokenCheck";
import { parseRoute } from "./upstream";

/** Largest client message: audio is sent in chunks of tens of ms; 1 MiB is ~16 s of base64 PCM16. */
export const CLIENT_MAX_PAYLOAD = 1024 * 1024;

export interface ListenerDeps {
  config: ServiceConfig;
  tls?: TlsOptions;
  limits: { headersTimeoutMs: number; maxPendingConnections: number };
  healthView: HealthView;
  verify: ReturnType<typeof createVerifier>;
  telemetry: Telemetry;
  clock: Clock;
  logger: Logger;
}

export interface Listener {
  server: Server;
  wss: WebSocketServer;
  /** Refuses an upgrade with its status and a JSON body (and counts it). */
  refuse(socket: Duplex, code: RefusalCode, message: string, retryAfterMs?: number): void;
  /** Sends every upgrade that passes the handshake check to `admit`. */
  onUpgrade(admit: (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>): void;
  /** Upgrades an admitted socket; false when it closed first (ws answers some handshakes itself and never calls back). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, started: (client: WebSocket) => void): Promise<boolean>;
  listen(port: number, host: string): Promise<number>;
  /** Waits up to 1 s for the sessions' close handshakes, cuts the rest, stops listening. */
  close(): Promise<void>;
}

export function createListener({ config, tls, limits, healthView, verify, telemetry, clock, logger }: ListenerDeps): Listener {
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
  const server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
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

  const refuse: Listener["refuse"] = (socket, code, message, retryAfterMs) => {
    telemetry.connectFailure(code, { [MetricAttribute.stage]: ConnectStage.client });
    refuseUpgrade(socket, Refusal[code].status, code, message, retryAfterMs === undefined ? {} : { "Retry-After": String(retryAfterSeconds(retryAfterMs)) });
  };

  return {
    server,
    wss,
    refuse,
    onUpgrade(admit) {
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
    },
    upgrade(req, socket, head, started) {
      return new Promise<boolean>((resolve) => {
        const onClose = () => resolve(false);
        socket.once("close", onClose);
        wss.handleUpgrade(req, socket, head, (client) => {
          socket.off("close", onClose);
          // The session's socket is not a pending connection any more.
          pendingSockets.delete(socket as Socket);
          started(client);
          resolve(true);
        });
      });
    },
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve());
      });
      const address = server.address();
      return typeof address === "object" && address ? address.port : port;
    },
    async close() {
      const closeDeadline = clock.now() + 1_000;
      while ([...wss.clients].some((c) => c.readyState !== c.CLOSED) && clock.now() < closeDeadline) await new Promise((r) => setTimeout(r, 20));
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}

/** The operators' listener: detailed readiness and metrics, never reached through the public ingress. */
export async function listenAdmin(port: number, host: string, view: HealthView, logger: Logger): Promise<{ port: number; close(): Promise<void> }> {
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
