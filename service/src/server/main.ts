/**
 * Entry point of the image: configuration from the environment (validated once), the session registry
 * (Redis when REDIS_URL is set), the proxy, and the drain on SIGTERM.
 */
import pino from "pino";
import { ConfigError, loadConfig, type ServiceConfig } from "../config";
import { createMemoryState } from "../registry/memory";
import { createRedisState, DEFAULT_REGISTRY_TTL_SECONDS } from "../registry/redis";
import { createReplication, describeReplication, withReplication } from "../registry/replication";
import type { SharedState } from "../registry/types";
import { drainTimings, type DrainTimings } from "../session/drain";
import { startProxy, type Proxy } from "./proxy";

/** Keys and tokens never reach the logs, whatever a log call passes. */
export const LOG_REDACT = ["req.headers.authorization", "req.headers[\"api-key\"]", "headers.authorization", "headers[\"api-key\"]", "apiKey", "token"];

/**
 * The shared session state: Redis when REDIS_URL is set, in-process otherwise. Never waits for Redis to
 * answer: the proxy listens (and serves on its own limits) while Redis is down or refuses the password,
 * and joins when it answers; every connection error is logged, at most once every 10 s. With
 * PEER_REDIS_URLS, resume state is also copied to the other regions' Redis (registry/replication.ts).
 */
export async function createSharedState(config: ServiceConfig, logger: pino.Logger, options: { commandTimeoutMs?: number } = {}): Promise<SharedState> {
  if (!config.redisUrl) return createMemoryState({ resumeTtlSeconds: config.resumeTtlSeconds, limits: config.resumeState });
  let lastLog = 0;
  const state = await createRedisState(config.redisUrl, {
    region: config.region,
    commandTimeoutMs: options.commandTimeoutMs,
    resumeTtlSeconds: config.resumeTtlSeconds,
    limits: config.resumeState,
    onError: (error) => {
      if (Date.now() - lastLog < 10_000) return;
      lastLog = Date.now();
      logger.warn({ err: error.message }, "redis connection error (sessions are admitted on this instance's limits meanwhile)");
    },
  });
  if (config.peerRedisUrls.length === 0) return state;
  const replication = await createReplication({
    region: config.region, localUrl: config.redisUrl, peerUrls: config.peerRedisUrls, copyIntervalMs: config.peerCopyIntervalMs,
    liveTtlMs: DEFAULT_REGISTRY_TTL_SECONDS * 1000, resumeTtlMs: config.resumeTtlSeconds * 1000, limits: config.resumeState,
    onPeer: ({ peer, up, error }) => (up ? logger.info({ peer }, "peer region's redis reachable: copying resume state") : logger.warn({ peer, err: error }, "peer region's redis unreachable: copies wait (bounded)")),
  });
  // Once a minute in the logs (Log Analytics in Azure): each peer's state, backlog, copies and lag.
  const summary = setInterval(() => logger.info({ replication: describeReplication(replication.stats()) }, "resume-state replication"), 60_000);
  summary.unref();
  const replicated = withReplication(state, replication);
  return { ...replicated, close: () => (clearInterval(summary), replicated.close()) };
}

/**
 * SIGTERM/SIGINT: readiness fails at once, sessions are told to reconnect and closed with 1012 (they resume
 * on another instance), then the process exits, within the platform's termination grace period even when
 * Redis or a client does not answer.
 */
export function exitOnSignals(proxy: Proxy, state: SharedState, logger: pino.Logger, timings: Pick<DrainTimings, "closeMs" | "exitMs">): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, sessions: proxy.sessions().length }, "draining");
    setTimeout(() => {
      logger.error("drain did not finish in time: exiting");
      process.exit(1);
    }, timings.exitMs).unref();
    void (async () => {
      await proxy.close(timings.closeMs);
      await state.close().catch(() => undefined);
      process.exit(0);
    })();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

async function main(): Promise<void> {
  const logger = pino({ name: "voice-proxy", redact: LOG_REDACT });
  let config: ServiceConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const state = await createSharedState(config, logger);
  const proxy = await startProxy(config, { state, logger });
  exitOnSignals(proxy, state, logger, drainTimings(config.terminationGraceSeconds, config.drainDelaySeconds));
  // A bug must not take every other session down with the process: it is logged, and the process goes
  // on (the sockets of the code path that threw may be left to their timeouts).
  process.on("uncaughtException", (error) => logger.error({ err: error.stack }, "uncaught exception"));
  process.on("unhandledRejection", (error) => logger.error({ err: String(error) }, "unhandled rejection"));
}

if (require.main === module) void main();
