/**
 * `npm start`: the whole local stack in one process, no Azure. The upstream emulator on a loopback
 * port with its own random key (held only here, as an Azure key would be), the proxy in front of it on
 * PORT (3000), a dev HS256 secret, and a ready token plus one command that runs a full turn.
 */
import { randomBytes } from "node:crypto";
import pino from "pino";
import { SignJWT } from "jose";
import { loadConfig } from "../config";
import { startEmulator } from "../emulator";
import { createRegistry, exitOnSignals, LOG_REDACT } from "../server/main";
import { startProxy } from "../server/proxy";

async function main(): Promise<void> {
  const logger = pino({ name: "voice-proxy", redact: LOG_REDACT, level: process.env.LOG_LEVEL ?? "warn" });
  const emulatorKey = randomBytes(24).toString("hex");
  const emulator = await startEmulator({ apiKey: emulatorKey });
  const secret = process.env.AUTH_JWT_SECRET ?? randomBytes(32).toString("hex");
  const config = loadConfig({
    ...process.env,
    AUTH_JWT_SECRET: secret,
    UPSTREAMS: JSON.stringify([
      { name: "local", url: emulator.url, kind: "voice-live", priority: 1, auth: "key", apiKeyEnv: "UPSTREAM_LOCAL_API_KEY", model: "gpt-realtime", region: "local" },
      { name: "local-aoai", url: emulator.url, kind: "azure-openai", priority: 1, auth: "key", apiKeyEnv: "UPSTREAM_LOCAL_API_KEY", deployment: "gpt-realtime", region: "local" },
    ]),
    UPSTREAM_LOCAL_API_KEY: emulatorKey,
  });
  const registry = await createRegistry(config, logger);
  const proxy = await startProxy(config, { registry, logger, host: "127.0.0.1" });
  const token = await new SignJWT({ name: "Dev User" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("dev-user")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(secret));

  const url = `ws://127.0.0.1:${proxy.port}/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime`;
  console.log(`voice proxy    http://127.0.0.1:${proxy.port}  (health: /healthz, /readyz, metrics: /metrics)`);
  console.log(`upstream       built-in emulator at ${emulator.url} (its key stays in this process)`);
  console.log(`registry       ${config.redisUrl ? `redis ${config.redisUrl}` : "in-process"}`);
  console.log("");
  console.log(`dev token (1 h, user dev-user):\n${token}`);
  console.log("");
  console.log("run a full turn through the proxy:");
  console.log(`node service/dist/dev/turn.js --url '${url}' --token ${token}`);
  console.log("");
  console.log("Ctrl-C stops both.");
  process.on("exit", () => void emulator.close());
  exitOnSignals(proxy, registry, logger);
}

void main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
