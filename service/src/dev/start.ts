/**
 * `npm start`: the local stack in one process, no Azure: the upstream emulator on a loopback port with its
 * own random key, the proxy in front of it on PORT (3000), a dev HS256 secret, and a ready token plus
 * one command that runs a full turn.
 */
import pino from "pino";
import { Env } from "../../../contracts";
import { DEFAULTS } from "../config";
import { exitOnSignals, LOG_REDACT } from "../server/main";
import { drainTimings } from "../session/drain";
import { startLocalStack } from "./localStack";

async function main(): Promise<void> {
  const logger = pino({ name: "voice-proxy", redact: LOG_REDACT, level: process.env.LOG_LEVEL ?? "warn" });
  const stack = await startLocalStack({
    logger,
    secret: process.env[Env.authJwtSecret],
    // The test page is on locally (TEST_PAGE=false turns it off); the image leaves it off.
    env: { ...process.env, [Env.port]: process.env[Env.port] ?? String(DEFAULTS.port), [Env.testPage]: process.env[Env.testPage] ?? "true" },
  });
  const token = await stack.token({ sub: "dev-user", name: "Dev User" });
  const port = stack.proxy.port;
  console.log(`voice proxy    http://127.0.0.1:${port}  (health: /healthz, /readyz, metrics: /metrics)`);
  console.log(`upstream       built-in emulator at ${stack.emulators[0].url} (its key stays in this process)`);
  console.log(`registry       ${stack.config.redisUrl ? `redis ${stack.config.redisUrl}` : "in-process"}`);
  console.log("");
  console.log(`dev token (1 h, user dev-user):\n${token}`);
  console.log("");
  if (stack.config.testPage) {
    // The token rides in the fragment, which the browser never sends to the server.
    console.log(`test page (microphone, playback, latency; the link fills in the token):\nhttp://127.0.0.1:${port}/#token=${token}`);
    console.log("");
  }
  console.log("run a full turn through the proxy with the client library (to watch a reconnect: add --turns 5 --pause-ms 3000 and");
  console.log("restart `npm start` meanwhile, with AUTH_JWT_SECRET set to 32+ characters so this token stays valid across the restart):");
  console.log(`node service/dist/service/src/client/demo.js --url '${stack.url()}' --token ${token}`);
  console.log("");
  console.log("Ctrl-C stops both.");
  process.on("exit", () => void stack.emulators.forEach((e) => void e.close()));
  exitOnSignals(stack.proxy, stack.state, logger, drainTimings(stack.config.terminationGraceSeconds, stack.config.drainDelaySeconds));
}

void main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
