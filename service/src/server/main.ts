/**
 * Entry point of the image: configuration from the environment (validated once), the session registry
 * (Redis when REDIS_URL is set), the proxy, and the drain on SIGTERM.
 */
import pino from "pino";
import { ConfigError, loadConfig, type ServiceConfig } from "../config";
import { createMemoryRegistry } from "../registry/memory";
import { createRedisRegistry } from "../registry/redis";
import type { SessionRegistry } from "../registry/types";
import { startProxy, type Proxy } from "./proxy";

/** Keys and tokens never reach the logs, whatever a log call passes. */
export const LOG_REDACT = ["req.headers.authorization", "req.headers[\"api-key\"]", "headers.authorization", "headers[\"api-key\"]", "apiKey", "token"];

export async function createRegistry(config: ServiceConfig, logger: pino.Logger): Promise<SessionRegistry> {
  if (!config.redisUrl) return createMemoryRegistry();
  return createRedisRegistry(config.redisUrl, { onError: (error) => logger.warn({ err: error.message }, "redis connection error") });
}

/** Drains on SIGTERM/SIGINT: new sessions get 503, open ones `proxy.reconnect` and 1012; then exit. */
export function exitOnSignals(proxy: Proxy, registry: SessionRegistry, logger: pino.Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, sessions: proxy.relays().length }, "draining");
    void (async () => {
      await proxy.close();
      await registry.close().catch(() => undefined);
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
  const registry = await createRegistry(config, logger);
  const proxy = await startProxy(config, { registry, logger });
  exitOnSignals(proxy, registry, logger);
  // A bug in one session must not take the others down; it is logged and that session ends.
  process.on("uncaughtException", (error) => logger.error({ err: error.stack }, "uncaught exception"));
  process.on("unhandledRejection", (error) => logger.error({ err: String(error) }, "unhandled rejection"));
}

if (require.main === module) void main();
