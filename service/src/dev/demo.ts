/**
 * The demo `npm start` prints: full turns through the proxy with the client library (so a restart of
 * the proxy between turns shows the reconnect, and the resume once the proxy hands out tokens).
 *
 *   node service/dist/service/src/dev/demo.js --url 'ws://127.0.0.1:3000/voice-live/realtime?...' --token T [--turns N] [--pause-ms MS]
 */
import { AUDIO_DELTA_EVENTS, BYTES_PER_SECOND, RealtimeEvent, TRANSCRIPT_DELTA_EVENTS } from "../../../contracts/protocol";
import { toneChunk } from "../emulator/protocol";
import { createVoiceClient, wsSocketFactory } from "../../../packages/client/src";
import type { ServerEvent, VoiceClient } from "../../../packages/client/src";

export interface DemoOptions {
  url: string;
  token?: string;
  turns: number;
  pauseMs: number;
  turnTimeoutMs: number;
  log: (line: string) => void;
}

export interface DemoTurn {
  firstAudioMs: number;
  audioSeconds: number;
  transcript: string;
}

/** Runs the turns; resolves with each turn's figures, rejects on a turn that does not complete. */
export async function runDemo(
  options: DemoOptions,
  // `ws` even where Node has a global WebSocket (22+): it sends the token as a header and reports a
  // refused upgrade's status, so a bad token ends the demo at once instead of after every retry.
  client: VoiceClient = createVoiceClient({ url: options.url, token: options.token }, { sockets: wsSocketFactory() }),
): Promise<DemoTurn[]> {
  const { log } = options;
  const chunkMs = 100;
  const samples = (BYTES_PER_SECOND / 2) * (chunkMs / 1000);
  interface Turn {
    sentAt: number; firstAudioAt?: number; bytes: number; transcript: string;
    /** The request went out on a connection (not held by the client while away). */
    written: boolean;
    resent: boolean;
    done: (ok: boolean, why?: string) => void;
  }
  let current: Turn | undefined;
  const speak = () => {
    for (let sent = 0; sent < 1000; sent += chunkMs) client.appendAudio(toneChunk((sent / chunkMs) * samples, samples).toString("base64"));
    client.send({ type: RealtimeEvent.inputAudioCommit });
  };
  const ask = (turn: Turn) => {
    Object.assign(turn, { sentAt: performance.now(), firstAudioAt: undefined, bytes: 0, transcript: "" });
    client.send({ type: RealtimeEvent.responseCreate });
    turn.written = client.stats().held === 0;
  };
  client.on("event", (event: ServerEvent) => {
    if (AUDIO_DELTA_EVENTS.has(event.type)) {
      if (current) {
        current.firstAudioAt ??= performance.now();
        current.bytes += Math.floor((String(event.delta).length * 3) / 4);
      }
      return;
    }
    if (TRANSCRIPT_DELTA_EVENTS.has(event.type)) {
      if (current) current.transcript += String(event.delta);
      return;
    }
    log(`< ${event.type}${event.type === RealtimeEvent.error ? ` ${JSON.stringify(event.error)}` : ""}`);
    if (event.type === RealtimeEvent.responseDone) current?.done(true);
  });
  client.on("session", (s) => log(`  session ${s.sessionId} (${s.resumeStatus ?? "?"}${s.resumable ? ", resumable" : ", no resume token"})`));
  client.on("reconnecting", (r) => log(`  connection closed (${r.code}${r.httpStatus ? `, HTTP ${r.httpStatus}` : ""} ${r.reason}); reconnect #${r.attempt} in ${r.delayMs} ms`));
  client.on("resumed", (r) => log(`  resumed: ${r.resumedItems} conversation items, ${(r.elapsedMs / 1000).toFixed(1)} s used`));
  client.on("ready", (r) => {
    if (r.reconnected && !r.resumed) log("  reconnected to a NEW session: the conversation so far is lost");
    // A turn cut off by the reconnect is sent again, once, in full: a resumed session keeps the
    // conversation as text only (the audio of the turn in flight went with the old upstream session). A
    // turn the client held while away has just gone out on the new connection: nothing to repeat.
    if (r.reconnected && current?.written && !current.resent) {
      current.resent = true;
      log("  the turn in flight was interrupted: sending it again");
      speak();
      ask(current);
    }
  });
  client.on("dropped", (d) => log(`  dropped while away: ${d.audioChunks} audio chunks, ${d.events} events`));
  client.on("closed", (c) => current?.done(false, `session ended: ${c.code} ${c.reason}${c.httpStatus ? ` (HTTP ${c.httpStatus})` : ""}`));

  const turns: DemoTurn[] = [];
  try {
    await client.connect();
    client.send({ type: RealtimeEvent.sessionUpdate, session: { instructions: "You are interviewing a candidate for a backend role.", voice: "alloy" } });
    for (let turn = 0; turn < options.turns; turn++) {
      if (turn > 0 && options.pauseMs > 0) await new Promise((r) => setTimeout(r, options.pauseMs));
      speak();
      const finished = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no response.done within ${options.turnTimeoutMs} ms`)), options.turnTimeoutMs);
        current = { sentAt: 0, bytes: 0, transcript: "", written: false, resent: false, done: (ok, why) => {
          clearTimeout(timer);
          if (ok) resolve();
          else reject(new Error(why));
        } };
      });
      ask(current!);
      await finished;
      const turnState = current!;
      current = undefined;
      if (turnState.firstAudioAt === undefined) throw new Error("response.done without audio");
      turns.push({ firstAudioMs: turnState.firstAudioAt - turnState.sentAt, audioSeconds: turnState.bytes / BYTES_PER_SECOND, transcript: turnState.transcript });
      log(`  turn ${turn + 1}: "${turnState.transcript}" (${(turnState.bytes / BYTES_PER_SECOND).toFixed(2)} s of audio, first audio ${(turnState.firstAudioAt - turnState.sentAt).toFixed(1)} ms after response.create)`);
    }
    return turns;
  } finally {
    current = undefined;
    client.close();
  }
}

export function parseDemoArgs(argv: string[]): Omit<DemoOptions, "log"> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith("--") || i + 1 >= argv.length) throw new Error(`unexpected argument "${key}"`);
    args.set(key, argv[++i]);
  }
  for (const key of args.keys()) {
    if (!["--url", "--token", "--turns", "--pause-ms"].includes(key)) throw new Error(`unknown option ${key}`);
  }
  const url = args.get("--url");
  if (!url || !/^wss?:\/\//.test(url)) throw new Error("--url ws(s)://host:port/path?... is required");
  const turns = Number(args.get("--turns") ?? 1);
  const pauseMs = Number(args.get("--pause-ms") ?? 0);
  if (!Number.isInteger(turns) || turns < 1 || turns > 1000) throw new Error("--turns must be a whole number from 1 to 1000");
  if (!Number.isFinite(pauseMs) || pauseMs < 0) throw new Error("--pause-ms must be >= 0");
  return { url, token: args.get("--token") ?? process.env.VOICE_TOKEN, turns, pauseMs, turnTimeoutMs: 30_000 };
}

async function main(): Promise<void> {
  let options: Omit<DemoOptions, "log">;
  try {
    options = parseDemoArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`demo: ${(error as Error).message}`);
    process.exit(2);
  }
  try {
    const turns = await runDemo({ ...options, log: (line) => console.log(line) });
    const latencies = turns.map((t) => t.firstAudioMs.toFixed(1)).join(", ");
    console.log(`\nfirst audio:  ${latencies} ms after response.create`);
  } catch (error) {
    console.error(`demo failed: ${(error as Error).message}`);
    process.exit(1);
  }
}

if (require.main === module) void main();
