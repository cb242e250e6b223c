/**
 * A realtime client that runs full turns (session.update, 1 s of audio, commit, response.create, wait
 * for response.done) and measures the time from response.create to the first audio delta. Used by
 * `npm start`'s printed command, the tests and the benchmark.
 *
 *   node service/dist/dev/turn.js --url 'ws://127.0.0.1:3000/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime' --token T [--repeat N]
 */
import type { ClientOptions } from "ws";
import { AUDIO_DELTA_EVENTS, BYTES_PER_SECOND, ProxyEvent, RealtimeEvent, TRANSCRIPT_DELTA_EVENTS } from "../../../contracts";
import { connectClient, UpgradeRefused, type RecordingClient } from "./client";
import { toneChunk } from "../emulator/protocol";

export interface TurnOptions {
  url: string;
  token?: string;
  /** Turns on one connection. */
  repeat?: number;
  /** Audio sent per turn. */
  audioMs?: number;
  /** Receives one readable line per event (omit for silence). */
  log?: (line: string) => void;
  /** Gives up after this long per turn. */
  timeoutMs?: number;
  wsOptions?: ClientOptions;
}

export interface TurnResult {
  firstAudioMs: number;
  audioSeconds: number;
  transcript: string;
  usage: unknown;
}

export interface TurnsResult {
  sessionId?: string;
  turns: TurnResult[];
}

export class TurnError extends Error {
  constructor(message: string, readonly closeCode?: number) {
    super(message);
  }
}

export async function runTurns(options: TurnOptions): Promise<TurnsResult> {
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 15_000;
  let client: RecordingClient;
  try {
    client = await connectClient(options.url, { ...options.wsOptions, token: options.token });
  } catch (error) {
    throw new TurnError(error instanceof UpgradeRefused ? error.message : `connection failed: ${(error as Error).message}`);
  }
  const result: TurnsResult = { turns: [] };
  let current: { sentAt: number; firstAudioAt?: number; audioBytes: number; transcript: string } | null = null;
  const onEvent = (event: Record<string, unknown>) => {
    const type = String(event.type);
    if (AUDIO_DELTA_EVENTS.has(type) && current) {
      current.firstAudioAt ??= performance.now();
      current.audioBytes += Buffer.byteLength(String(event.delta), "base64");
    } else if (TRANSCRIPT_DELTA_EVENTS.has(type) && current) {
      current.transcript += String(event.delta);
    }
    if (type === ProxyEvent.session) result.sessionId = String(event.session_id);
    log(describe(event));
  };
  // Events that arrived with the upgrade (proxy.session, session.created) were recorded before now.
  for (const event of client.events) onEvent(event);
  client.onEvent = onEvent;
  const next = async (type: string, from: number) => {
    try {
      return await client.waitFor(type, timeoutMs, from);
    } catch (error) {
      const closed = await Promise.race([client.closed, Promise.resolve(undefined)]);
      throw new TurnError((error as Error).message, closed?.code);
    }
  };
  const send = (event: Record<string, unknown>) => client.send(event);

  try {
    await next(RealtimeEvent.sessionCreated, 0);
    let mark = client.events.length;
    send({ type: RealtimeEvent.sessionUpdate, session: { instructions: "You are interviewing a candidate for a backend role.", voice: "alloy" } });
    await next(RealtimeEvent.sessionUpdated, mark);
    const audioMs = options.audioMs ?? 1000;
    const chunkMs = 100;
    const samples = (BYTES_PER_SECOND / 2) * (chunkMs / 1000);
    for (let turn = 0; turn < (options.repeat ?? 1); turn++) {
      for (let sent = 0; sent < audioMs; sent += chunkMs) {
        send({ type: RealtimeEvent.inputAudioAppend, audio: toneChunk((sent / chunkMs) * samples, samples).toString("base64") });
      }
      send({ type: RealtimeEvent.inputAudioCommit });
      current = { sentAt: performance.now(), audioBytes: 0, transcript: "" };
      mark = client.events.length;
      send({ type: RealtimeEvent.responseCreate });
      const done = await next(RealtimeEvent.responseDone, mark);
      const response = done.response as { usage?: unknown } | undefined;
      if (current.firstAudioAt === undefined) throw new TurnError("response.done without audio");
      result.turns.push({
        firstAudioMs: current.firstAudioAt - current.sentAt,
        audioSeconds: current.audioBytes / BYTES_PER_SECOND,
        transcript: current.transcript,
        usage: response?.usage,
      });
    }
    return result;
  } finally {
    if (client.ws.readyState === client.ws.OPEN || client.ws.readyState === client.ws.CONNECTING) client.ws.close(1000);
  }
}

/** One compact line per event; audio payloads are summarised, never printed. */
function describe(event: Record<string, unknown>): string {
  const type = String(event.type);
  if (AUDIO_DELTA_EVENTS.has(type)) return `< ${type} (${Buffer.byteLength(String(event.delta), "base64")} bytes)`;
  if (TRANSCRIPT_DELTA_EVENTS.has(type)) return `< ${type} ${JSON.stringify(event.delta)}`;
  if (type === RealtimeEvent.error) return `< error ${JSON.stringify(event.error)}\n  ! ${(event.error as { message?: string } | undefined)?.message ?? "error"}`;
  return `< ${type}`;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function parseArgs(argv: string[]): { url: string; token?: string; repeat: number; quiet: boolean } {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (key === "--quiet") flags.add(key);
    else if (key.startsWith("--") && i + 1 < argv.length) args.set(key, argv[++i]);
    else throw new Error(`unexpected argument "${key}"`);
  }
  const url = args.get("--url");
  if (!url || !/^wss?:\/\//.test(url)) throw new Error("--url ws://host:port/path?... is required");
  const repeat = Number(args.get("--repeat") ?? 1);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error("--repeat must be a positive whole number");
  return { url, token: args.get("--token"), repeat, quiet: flags.has("--quiet") };
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`turn: ${(error as Error).message}`);
    process.exit(2);
  }
  try {
    const result = await runTurns({ url: parsed.url, token: parsed.token, repeat: parsed.repeat,
      log: parsed.quiet ? undefined : (line) => console.log(line) });
    const last = result.turns[result.turns.length - 1];
    console.log("");
    console.log(`session:      ${result.sessionId ?? "(direct, no proxy session)"}`);
    console.log(`transcript:   ${last.transcript}`);
    console.log(`audio back:   ${last.audioSeconds.toFixed(2)} s`);
    console.log(`usage:        ${JSON.stringify(last.usage)}`);
    const latencies = result.turns.map((t) => t.firstAudioMs);
    if (latencies.length === 1) {
      console.log(`first audio:  ${latencies[0].toFixed(1)} ms after response.create`);
    } else {
      console.log(`first audio over ${latencies.length} turns: min ${Math.min(...latencies).toFixed(1)} ms, ` +
        `median ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms`);
    }
  } catch (error) {
    console.error(`turn failed: ${(error as Error).message}`);
    process.exit(1);
  }
}

if (require.main === module) void main();
