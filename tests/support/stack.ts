/**
 * The local stack (service/src/dev/localStack.ts) with test settings: fast emulators, a fixed secret and
 * upstream key to look for in logs and traffic, and captured logs. Clients are the recording client.
 */
import { Writable } from "node:stream";
import pino from "pino";
import type { ClientOptions } from "ws";
import { connectClient, refusalOf, type RecordingClient } from "../../service/src/dev/client";
import { LOCAL_KEY_ENV, mintDevToken, startLocalStack, type LocalStackOptions } from "../../service/src/dev/localStack";
import type { Emulator } from "../../service/src/emulator";
import type { SharedState } from "../../service/src/registry/types";
import { LOG_REDACT } from "../../service/src/server/main";
import type { Proxy } from "../../service/src/server/proxy";

export const SECRET = "test-secret-of-at-least-thirty-two-characters";
export const UPSTREAM_KEY = "upstream-key-that-must-never-leak-9f8e7d";
export { LOCAL_KEY_ENV };

export interface TestStack {
  proxy: Proxy;
  emulators: Emulator[];
  state: SharedState;
  logs: () => string;
  wsUrl: (path?: string) => string;
  stop: () => Promise<void>;
}

export type StackOptions = Omit<LocalStackOptions, "secret" | "upstreamKey" | "logger">;

export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  let logged = "";
  const sink = new Writable({ write(chunk, _enc, done) { logged += chunk.toString(); done(); } });
  const logger = pino({ level: "debug", redact: LOG_REDACT }, sink);
  const emulators = (options.emulators ?? [{}]).map((o) => ({ firstAudioDelayMs: 20, responseAudioMs: 400, chunkMs: 50, ...o }));
  const stack = await startLocalStack({ ...options, emulators, secret: SECRET, upstreamKey: UPSTREAM_KEY, logger });
  return { proxy: stack.proxy, emulators: stack.emulators, state: stack.state, logs: () => logged, wsUrl: stack.url, stop: stack.stop };
}

export function mintToken(claims: Parameters<typeof mintDevToken>[1] = {}, secret = SECRET): Promise<string> {
  return mintDevToken(secret, { sub: "user-1", exp: "10m", ...claims });
}

export type Client = RecordingClient;

export function connect(url: string, token?: string, options: ClientOptions = {}): Promise<Client> {
  return connectClient(url, { ...options, token });
}

export function refusal(url: string, token?: string, options: ClientOptions = {}): Promise<{ status: number; code: string; message: string }> {
  return refusalOf(url, { ...options, token });
}
