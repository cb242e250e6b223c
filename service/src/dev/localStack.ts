/**
 * The local stack: upstream emulator(s), the proxy in front of them, and dev tokens, on loopback with no
 * Azure. `npm start`, the benchmark and the tests all start it through here, so they exercise the
 * same wiring. The emulators' key plays the part of an Azure key: it stays in this process.
 */
import { randomBytes } from "node:crypto";
import pino, { type Logger } from "pino";
import { SignJWT } from "jose";
import { ClientPath, DEFAULT_API_VERSION, Env } from "../../../contracts";
import { loadConfig, type ServiceConfig } from "../config";
import { startEmulator, type Emulator, type EmulatorOptions } from "../emulator";
import type { SharedState } from "../registry/types";
import { createSharedState, LOG_REDACT } from "../server/main";
import { startProxy, type Proxy, type ProxyDeps } from "../server/proxy";

/** The environment variable the local upstreams' key is passed in. */
export const LOCAL_KEY_ENV = "UPSTREAM_LOCAL_API_KEY";
export const LOCAL_MODEL = "gpt-realtime";

/** One Voice Live and one Azure OpenAI entry per emulator; emulator i has priority i + 1. */
export function localUpstreams(emulatorUrls: string[]): unknown[] {
  return emulatorUrls.flatMap((url, i) => [
    { name: `vl${i}`, url, kind: "voice-live", priority: i + 1, auth: "key", apiKeyEnv: LOCAL_KEY_ENV, model: LOCAL_MODEL, region: `local${i}` },
    { name: `aoai${i}`, url, kind: "azure-openai", priority: i + 1, auth: "key", apiKeyEnv: LOCAL_KEY_ENV, deployment: LOCAL_MODEL, region: `local${i}` },
  ]);
}

/** The proxy's environment for the local upstreams (also what the benchmark passes to its proxy process). */
export function localEnv(options: { upstreams: unknown[]; upstreamKey: string; secret: string; port?: string }): Record<string, string> {
  return {
    [Env.port]: options.port ?? "0",
    // The operators' listener (metrics, detailed readiness) on a free port of its own.
    [Env.adminPort]: "0",
    [Env.authJwtSecret]: options.secret,
    [Env.upstreams]: JSON.stringify(options.upstreams),
    [LOCAL_KEY_ENV]: options.upstreamKey,
  };
}

/** An HS256 user token, as an identity provider would issue it. */
export function mintDevToken(secret: string, claims: { sub?: string; exp?: number | string; nbf?: number | string; name?: string } = {}): Promise<string> {
  let jwt = new SignJWT(claims.name ? { name: claims.name } : {}).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
  if (claims.sub !== "") jwt = jwt.setSubject(claims.sub ?? "dev-user");
  jwt = jwt.setExpirationTime(claims.exp ?? "1h");
  if (claims.nbf !== undefined) jwt = jwt.setNotBefore(claims.nbf);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** The Voice Live path a local client connects to. */
export const LOCAL_VOICE_LIVE_PATH = `${ClientPath.voiceLive}?api-version=${DEFAULT_API_VERSION["voice-live"]}&model=${LOCAL_MODEL}`;

export interface LocalStackOptions {
  /** One emulator per entry (default one). */
  emulators?: EmulatorOptions[];
  /** Upstream entries for the proxy (default `localUpstreams`). */
  upstreams?: (emulators: Emulator[]) => unknown[];
  /** Environment for the proxy (limits, REDIS_URL, PORT, auth, ...) over the local defaults; the local upstreams and their key are always set. */
  env?: Record<string, string | undefined>;
  secret?: string;
  upstreamKey?: string;
  logger?: Logger;
  /** Proxy dependencies (registry, TLS, test limits, ...). */
  deps?: Partial<ProxyDeps>;
}

export interface LocalStack {
  proxy: Proxy;
  emulators: Emulator[];
  state: SharedState;
  config: ServiceConfig;
  secret: string;
  upstreamKey: string;
  /** ws(s)://127.0.0.1:<proxy port><path>. */
  url(path?: string): string;
  token(claims?: Parameters<typeof mintDevToken>[1]): Promise<string>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const upstreamKey = options.upstreamKey ?? randomBytes(24).toString("hex");
  const secret = options.secret ?? randomBytes(32).toString("hex");
  const logger = options.logger ?? pino({ name: "voice-proxy", redact: LOG_REDACT, level: "warn" });
  const emulators = await Promise.all((options.emulators ?? [{}]).map((o) => startEmulator({ apiKey: upstreamKey, ...o })));
  let state: SharedState | undefined;
  try {
    const upstreams = options.upstreams?.(emulators) ?? localUpstreams(emulators.map((e) => e.url));
    const local = localEnv({ upstreams, upstreamKey, secret });
    const config = loadConfig({ ...local, ...options.env, [Env.upstreams]: local[Env.upstreams], [LOCAL_KEY_ENV]: upstreamKey });
    state = options.deps?.state ?? (await createSharedState(config, logger));
    const shared = state;
    // No load balancer to take this instance out of rotation first: a drain tells clients at once.
    const proxy = await startProxy(config, { state: shared, logger, host: "127.0.0.1", ...options.deps, limits: { drainDelayMs: 0, ...options.deps?.limits } });
    const scheme = options.deps?.tls ? "wss" : "ws";
    return {
      proxy, emulators, state: shared, config, secret, upstreamKey,
      url: (path = LOCAL_VOICE_LIVE_PATH) => `${scheme}://127.0.0.1:${proxy.port}${path}`,
      token: (claims) => mintDevToken(secret, claims),
      async stop() {
        await proxy.close();
        await Promise.all(emulators.map((e) => e.close()));
        if (!options.deps?.state) await shared.close();
      },
    };
  } catch (error) {
    // A stack that fails to start (a port taken, a bad setting) leaves nothing running behind it.
    await Promise.all(emulators.map((e) => e.close()));
    if (!options.deps?.state) await state?.close();
    throw error;
  }
}
