/**
 * The proxy instance: the composition of its parts, and its shutdown.
 *   listener.ts    the HTTP server, upgrade handling, the bound on sockets without a session
 *   admission.ts   the one place that admits or refuses a session (the order of the checks is there)
 *   sessions.ts    the sessions held: each session core wired to upstreams, state and telemetry; the one
 *                  close path; the heartbeat; the drain
 *   upstreamConnector.ts  which upstream a session's connection goes to, and opening it
 * Shutdown: readiness fails at once (draining), then after drainDelayMs every session is handed over at
 * its quiet point (session/core.ts), what is left past the bound is cut, and the listeners stop.
 */
import { hostname } from "node:os";
import type { ServerOptions as TlsOptions } from "node:https";
import type { Server } from "node:http";
import type { JWTVerifyGetKey } from "jose";
import pino, { type Logger } from "pino";
import { connectionsPerMinuteOf } from "../../../contracts";
import type { ServiceConfig } from "../config";
import type { SharedState } from "../registry/types";
import { realClock, type Clock } from "../session/clock";
import { DEFAULT_SESSION_LIMITS, type Session, type SessionLimits } from "../session/core";
import { DRAIN_FLUSH_MS, drainTimings } from "../session/drain";
import { createAdmission } from "./admission";
import { createVerifier } from "./auth";
import { ConnectionQuota, createRedisWindow, LocalWindow } from "./connectionQuota";
import type { HealthView } from "./healthEndpoints";
import { createListener, listenAdmin } from "./listener";
import { createMeter } from "./meter";
import { SessionTable, withDeadline } from "./sessions";
import { createTelemetry, type Telemetry } from "./telemetry";
import { UpstreamSelector } from "./upstream";
import { createUpstreamConnector } from "./upstreamConnector";
import { UpstreamHealth, type HealthOptions } from "./upstreamHealth";

export { CLIENT_MAX_PAYLOAD } from "./listener";

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

/** The session and proxy limits: defaults, the drain timings derived from the platform's grace, the config, then test overrides. */
export function proxyLimits(config: ServiceConfig, overrides: Partial<ProxyLimits> = {}): ProxyLimits {
  // Every step of a drain fits in the platform's grace (session/drain.ts).
  const drainPlan = drainTimings(config.terminationGraceSeconds, config.drainDelaySeconds);
  return {
    ...DEFAULT_SESSION_LIMITS, ...DEFAULT_PROXY_LIMITS,
    sessionMaxMs: config.sessionMaxMinutes * 60_000,
    rotateMs: config.upstreamRotateMinutes * 60_000,
    idleMs: config.sessionIdleMinutes * 60_000,
    drainDelayMs: drainPlan.delayMs,
    drainQuietMaxMs: drainPlan.quietMaxMs,
    ...overrides,
  };
}

export async function startProxy(config: ServiceConfig, deps: ProxyDeps): Promise<Proxy> {
  const logger = deps.logger ?? pino({ name: "voice-proxy" });
  const clock = deps.clock ?? realClock;
  const instanceId = deps.instanceId ?? `${hostname()}-${process.pid}`;
  const host = deps.host ?? config.host;
  const limits = proxyLimits(config, deps.limits);
  const verify = createVerifier(config.auth, deps.jwks);
  const health = new UpstreamHealth(config.upstreams.map((u) => u.name), clock, { failureThreshold: 2, baseOpenMs: 2_000, maxOpenMs: 60_000, ...deps.health });
  const selector = new UpstreamSelector(config.upstreams, health);
  let draining = false;
  // Telemetry reads the number of sessions when it exports; the session table, made below, needs telemetry.
  let sessions: SessionTable | undefined;
  const telemetry = await createTelemetry({ connectionString: config.appInsightsConnectionString, activeSessions: () => sessions?.size ?? 0 });
  const quota = deps.quota ?? (await createQuota(config, clock, logger));
  const connector = createUpstreamConnector({ selector, health, quota, telemetry, logger, clock, limits });
  const table = new SessionTable({ config, limits, state: deps.state, clock, logger, telemetry, health, connector, meter: createMeter(config.upstreams, telemetry, logger) });
  sessions = table;

  /** An upstream can take a new session: its breaker is not open and its quota of new connections has room. */
  const canTake = (name: string) => health.state(name) !== "open" && quota.hasRoom(name);
  // Read once the instance listens (admission is made below): sessions held and admissions under way count.
  const healthView: HealthView = {
    notReady: () => (draining ? "draining" : !config.upstreams.some((u) => canTake(u.name)) ? "no_upstream" : admission.open() >= config.maxSessionsPerInstance ? "full" : undefined),
    details: () => ({
      sessions: table.size, registry: deps.state.describe(),
      upstreams: Object.fromEntries(Object.entries(health.snapshot()).map(([name, h]) => [name, { ...h, quotaRoom: quota.hasRoom(name) }])),
    }),
    metrics: (req, res) => telemetry.handleMetrics(req, res),
  };
  const listener = createListener({ config, tls: deps.tls, limits, healthView, verify, telemetry, clock, logger });
  const admission = createAdmission({
    config, state: deps.state, verify, selector, quota, connector, sessions: table, instanceId, clock, logger, telemetry,
    refuse: listener.refuse,
    draining: () => draining,
    upgrade: (req, socket, head, admitted) => listener.upgrade(req, socket, head, (client) => table.start(client, admitted)),
  });
  listener.onUpgrade(admission.admit);

  const heartbeat = clock.every(limits.heartbeatMs, () => void table.beat());
  // Redis back after losing the connection (a restart): the registry is whole again at once, not a heartbeat later.
  deps.state.onReconnect(() => void table.beat());

  const port = await listener.listen(config.port, host);
  const admin = config.adminPort === undefined ? undefined : await listenAdmin(config.adminPort, host, healthView, logger);
  logger.info({ port, upstreams: config.upstreams.map((u) => u.name), instanceId, registry: deps.state.describe() }, "voice proxy listening");

  let drained: Promise<void> | undefined;
  const drain = () => {
    drained ??= (async () => {
      draining = true;
      // With sessions to hand over, wait for the load balancer to see readiness fail first.
      if (table.size > 0) await new Promise<void>((r) => clock.after(limits.drainDelayMs, r));
      await table.drain();
    })();
    return drained;
  };

  return {
    port,
    adminPort: admin?.port,
    server: listener.server,
    telemetry,
    health,
    sessions: () => table.sessions(),
    drain,
    async close(graceMs = limits.drainDelayMs + limits.drainQuietMaxMs + DRAIN_FLUSH_MS) {
      draining = true;
      await withDeadline(drain(), graceMs);
      heartbeat.cancel();
      table.endAll();
      await listener.close();
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

