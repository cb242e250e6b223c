/**
 * A proxy in front of one or more emulators, on loopback port 0, with captured logs; and token minting.
 */
import { Writable } from "node:stream";
import { SignJWT } from "jose";
import pino from "pino";
import { WebSocket, type ClientOptions } from "ws";
import { loadConfig } from "../../service/src/config";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../service/src/emulator";
import { createMemoryRegistry } from "../../service/src/registry/memory";
import type { SessionRegistry } from "../../service/src/registry/types";
import { LOG_REDACT } from "../../service/src/server/main";
import { startProxy, type Proxy, type ProxyDeps } from "../../service/src/server/proxy";

export const SECRET = "test-secret-of-at-least-thirty-two-characters";
export const UPSTREAM_KEY = "upstream-key-that-must-never-leak-9f8e7d";

export interface TestStack {
  proxy: Proxy;
  emulators: Emulator[];
  registry: SessionRegistry;
  logs: () => string;
  wsUrl: (path?: string) => string;
  stop: () => Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string>;
  emulators?: EmulatorOptions[];
  deps?: Partial<ProxyDeps>;
  /** Upstream entries; default one voice-live and one azure-openai entry per emulator, priority = index + 1. */
  upstreams?: (emulators: Emulator[]) => unknown[];
}

export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const emulators = await Promise.all((options.emulators ?? [{}]).map((o) => startEmulator({ apiKey: UPSTREAM_KEY, firstAudioDelayMs: 20, responseAudioMs: 400, chunkMs: 50, ...o })));
  const upstreams = options.upstreams?.(emulators) ?? emulators.flatMap((e, i) => [
    { name: `vl${i}`, url: e.url, kind: "voice-live", priority: i + 1, auth: "key", apiKeyEnv: "UPSTREAM_KEY", model: "gpt-realtime", region: `region${i}` },
    { name: `aoai${i}`, url: e.url, kind: "azure-openai", priority: i + 1, auth: "key", apiKeyEnv: "UPSTREAM_KEY", deployment: "gpt-realtime", region: `region${i}` },
  ]);
  const config = loadConfig({
    PORT: "0",
    AUTH_JWT_SECRET: SECRET,
    UPSTREAMS: JSON.stringify(upstreams),
    UPSTREAM_KEY,
    ...options.env,
  });
  let logged = "";
  const sink = new Writable({ write(chunk, _enc, done) { logged += chunk.toString(); done(); } });
  const logger = pino({ level: "debug", redact: LOG_REDACT }, sink);
  const registry = options.deps?.registry ?? createMemoryRegistry();
  const proxy = await startProxy(config, { registry, logger, host: "127.0.0.1", ...options.deps });
  const scheme = options.deps?.tls ? "wss" : "ws";
  return {
    proxy,
    emulators,
    registry,
    logs: () => logged,
    wsUrl: (path = "/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime") => `${scheme}://127.0.0.1:${proxy.port}${path}`,
    async stop() {
      await proxy.close();
      await Promise.all(emulators.map((e) => e.close()));
    },
  };
}

export function mintToken(claims: { sub?: string; exp?: number | string; nbf?: number | string } = {}, secret = SECRET): Promise<string> {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
  if (claims.sub !== "") jwt = jwt.setSubject(claims.sub ?? "user-1");
  jwt = jwt.setExpirationTime(claims.exp ?? "10m");
  if (claims.nbf !== undefined) jwt = jwt.setNotBefore(claims.nbf);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** A connected client that records every event and the close. */
export interface Client {
  ws: WebSocket;
  events: Array<Record<string, unknown>>;
  raw: string[];
  closed: Promise<{ code: number; reason: string }>;
  waitFor(type: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(event: Record<string, unknown>): void;
}

export function connect(url: string, token?: string, options: ClientOptions = {}): Promise<Client> {
  const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers };
  const ws = new WebSocket(url, { ...options, headers });
  const events: Client["events"] = [];
  const raw: string[] = [];
  const listeners = new Set<() => void>();
  ws.on("message", (data) => {
    const text = data.toString();
    raw.push(text);
    try {
      events.push(JSON.parse(text));
    } catch {
      events.push({ type: "(unparsable)" });
    }
    for (const l of listeners) l();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  const client: Client = {
    ws, events, raw, closed,
    waitFor(type, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find((e) => e.type === type);
          if (found) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${type} within ${timeoutMs} ms; got ${events.map((e) => e.type).join(", ")}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    send: (event) => ws.send(JSON.stringify(event)),
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(body || "{}") })));
    });
    ws.once("error", reject);
  });
}

/** The HTTP status and JSON body of a refused upgrade. */
export async function refusal(url: string, token?: string, options: ClientOptions = {}): Promise<{ status: number; code: string; message: string }> {
  try {
    const client = await connect(url, token, options);
    client.ws.close();
    throw new Error("the upgrade was accepted");
  } catch (error) {
    const e = error as { status?: number; body?: { error?: { code: string; message: string } } };
    if (e.status === undefined) throw error;
    return { status: e.status, code: e.body?.error?.code ?? "", message: e.body?.error?.message ?? "" };
  }
}
