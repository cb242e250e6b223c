/**
 * A local upstream that speaks the realtime protocol like Azure Voice Live and Azure OpenAI do, in both
 * dialects (preview event names for Voice Live and preview api-versions, GA names otherwise), so `npm start` and the tests run without Azure. Responses carry real
 * PCM16 audio paced in real time and a usage object computed from what was actually sent and generated.
 * Faults (refuse, 429, drop, stall) are switchable at run time. With `serverVad`, it commits an utterance
 * by itself (non-zero samples are speech, zeros silence) and answers it, as server VAD does. It reports
 * every committed utterance by a digest of its speech frames, so a test can tell a turn that arrived whole
 * from one that lost or repeated a frame.
 */
import { createHash, randomUUID, type Hash } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket, type RawData } from "ws";
import { CLIENT_PATHS, ClientPath, dialectFor, DialectEvents, SAMPLE_RATE, type Dialect } from "../../../contracts";
import {
  audioSecondsOf, cachedPrefixOf, inputAudioTokens, outputAudioTokens, replyText, responseUsage,
  sumContext, textTokens, toneChunk, type ContextItem,
} from "./protocol";
import { refuseUpgrade, sendJson } from "../server/http";

export interface EmulatorFaults {
  /** Upgrade refused: the socket is destroyed without an answer. */
  refuse: boolean;
  /** Upgrade answered 429 with a JSON body and Retry-After. */
  rateLimit: boolean;
  /** After this many ms of an open session, the TCP socket is destroyed (no close frame). */
  dropAfterMs?: number;
  /** Destroy the socket in the middle of the next response's audio. */
  dropOnResponse?: boolean;
  /** Accept, then go silent: no events, stop reading (so pings go unanswered). */
  stall: boolean;
  /** A slow upstream: session.update and conversation.item.create are applied but not acknowledged (yet). */
  unacknowledged?: boolean;
  /** Go silent (as `stall`) in the middle of the next response's audio, the connection left open. */
  stallOnResponse?: boolean;
}

export interface EmulatorOptions {
  host?: string;
  port?: number;
  /** When set: `api-key` header or query, or `Authorization: Bearer`, must equal it; else 401. */
  apiKey?: string;
  /** Model "thinking" time before the first audio delta. */
  firstAudioDelayMs?: number;
  /** Length of generated audio per response. */
  responseAudioMs?: number;
  /** Audio delta size; deltas are paced in real time. */
  chunkMs?: number;
  /**
   * Server VAD is emulated: with turn_detection server_vad (create_response true by default, as Azure's),
   * speech (a frame with a non-zero sample) starts an utterance and silence_duration_ms of silent audio
   * commits it, then the answer follows. Off: only the client's commits end a turn.
   */
  serverVad?: boolean;
  /**
   * Usage on the Voice Live path as Voice Live's API reference documents it (no
   * `input_token_details.cached_tokens_details`). Off by default: @azure/ai-voicelive 1.1.0 parses usage
   * strictly and stalls without that field (measured), so a service its official SDK works with sends it.
   * The meter takes both shapes.
   */
  documentedVoiceLiveUsage?: boolean;
  faults?: Partial<EmulatorFaults>;
  /**
   * Like an Azure resource's quota of new connections (Voice Live S0: 30 a minute): past it an upgrade
   * is answered 429 with Retry-After (seconds until the oldest leaves the one-minute window).
   */
  connectionsPerMinute?: number;
  /** When set, an api-version outside this list is answered 400, as Azure answers an unsupported one. */
  apiVersions?: string[];
  logger?: { info(...args: unknown[]): void; warn(...args: unknown[]): void };
}

export interface EmulatorStats {
  connections: number;
  open: number;
  /** Client event type -> count. */
  received: Record<string, number>;
  lastHeaders?: Record<string, string | string[] | undefined>;
  lastUrl?: string;
  /** Upgrades answered 429 because the connection quota was used up. */
  quotaRefusals: number;
  /** Conversation items clients created, in order (the last 2,000): what a resumed session was primed with. */
  items: Array<{ session: string; role: string; text: string }>;
  /** Committed utterances (the last 5,000): sha1 over the speech frames' base64 text, in order, and their count. */
  turns: Array<{ session: string; digest: string; speechFrames: number }>;
  /** Responses completed / cut short (cancelled, or the connection lost under them). */
  responses: { completed: number; cut: number };
}

export interface Emulator {
  url: string;
  port: number;
  setFaults(faults: Partial<EmulatorFaults>): void;
  /** Answer length and thinking time from now on (open sessions included). */
  configure(options: Partial<Pick<EmulatorOptions, "responseAudioMs" | "firstAudioDelayMs">>): void;
  stats(): EmulatorStats;
  close(): Promise<void>;
}

const DEFAULT_INSTRUCTIONS = "You are a friendly interviewer. Ask one question at a time.";

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const settings = {
    firstAudioDelayMs: options.firstAudioDelayMs ?? 150,
    responseAudioMs: options.responseAudioMs ?? 2000,
    chunkMs: options.chunkMs ?? 100,
    serverVad: options.serverVad ?? false,
    documentedVoiceLiveUsage: options.documentedVoiceLiveUsage ?? false,
  };
  let faults: EmulatorFaults = { refuse: false, rateLimit: false, stall: false, ...options.faults };
  const stats: EmulatorStats = { connections: 0, open: 0, received: {}, items: [], quotaRefusals: 0, turns: [], responses: { completed: 0, cut: 0 } };
  const accepted: number[] = [];
  const sockets = new Set<WebSocket>();

  const server = createServer((_req, res) => sendJson(res, 426, { error: { code: "upgrade_required", message: "connect with a WebSocket" } }));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    stats.connections++;
    stats.lastHeaders = { ...req.headers };
    stats.lastUrl = req.url;
    socket.on("error", () => socket.destroy());
    if (faults.refuse) return void socket.destroy();
    if (faults.rateLimit) {
      return refuseUpgrade(socket, 429, "rate_limit_exceeded", "too many new connections", { "Retry-After": "1" });
    }
    const url = new URL(req.url ?? "/", "http://emulator");
    if (!CLIENT_PATHS.has(url.pathname)) return refuseUpgrade(socket, 404, "not_found", `no realtime endpoint at ${url.pathname}`);
    if (options.apiKey !== undefined) {
      const presented = req.headers["api-key"] ?? url.searchParams.get("api-key") ??
        /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (presented !== options.apiKey) return refuseUpgrade(socket, 401, "unauthorized", "missing or wrong api key");
    }
    const apiVersion = url.searchParams.get("api-version");
    if (options.apiVersions && apiVersion !== null && url.pathname !== ClientPath.openaiV1 && !options.apiVersions.includes(apiVersion)) {
      return refuseUpgrade(socket, 400, "invalid_api_version", `unsupported api-version "${apiVersion}"`);
    }
    if (options.connectionsPerMinute !== undefined) {
      const now = Date.now();
      while (accepted.length > 0 && accepted[0] <= now - 60_000) accepted.shift();
      if (accepted.length >= options.connectionsPerMinute) {
        stats.quotaRefusals++;
        const seconds = Math.max(1, Math.ceil((accepted[0] + 60_000 - now) / 1000));
        return refuseUpgrade(socket, 429, "too_many_requests", "new connections per minute exceeded", { "Retry-After": String(seconds) });
      }
      accepted.push(now);
    }
    const model = url.pathname === ClientPath.openai ? url.searchParams.get("deployment") : url.searchParams.get("model");
    if (!model) {
      const name = url.pathname === ClientPath.openai ? "deployment" : "model";
      return refuseUpgrade(socket, 400, "missing_parameter", `query parameter "${name}" is required`);
    }
    if (url.pathname !== ClientPath.openaiV1 && !url.searchParams.get("api-version")) {
      return refuseUpgrade(socket, 400, "missing_parameter", 'query parameter "api-version" is required');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      stats.open++;
      ws.once("close", () => {
        sockets.delete(ws);
        stats.open--;
      });
      new EmulatedSession(ws, socket, model, dialectFor(url.pathname, url.searchParams.get("api-version")), {
        // Read at each use: `configure` changes the answers of open sessions too.
        get firstAudioDelayMs() {
          return settings.firstAudioDelayMs;
        },
        get responseAudioMs() {
          return settings.responseAudioMs;
        },
        chunkMs: settings.chunkMs,
        serverVad: settings.serverVad,
        faults: () => faults,
        count: (type) => (stats.received[type] = (stats.received[type] ?? 0) + 1),
        itemCreated: (item) => {
          stats.items.push(item);
          if (stats.items.length > 2000) stats.items.shift();
        },
        committed: (turn) => {
          stats.turns.push(turn);
          if (stats.turns.length > 5000) stats.turns.shift();
        },
        responseEnded: (completed) => void (completed ? stats.responses.completed++ : stats.responses.cut++),
      }, url.pathname === ClientPath.voiceLive && settings.documentedVoiceLiveUsage);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("emulator: no TCP address");
  const host = options.host ?? "127.0.0.1";
  options.logger?.info(`emulator listening on http://${host}:${address.port}`);

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    setFaults(next) {
      faults = { ...faults, ...next };
    },
    configure(next) {
      if (next.responseAudioMs !== undefined) settings.responseAudioMs = next.responseAudioMs;
      if (next.firstAudioDelayMs !== undefined) settings.firstAudioDelayMs = next.firstAudioDelayMs;
    },
    stats: () => ({ ...stats, received: { ...stats.received }, items: [...stats.items], turns: [...stats.turns], responses: { ...stats.responses } }),
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface SessionSettings {
  firstAudioDelayMs: number;
  responseAudioMs: number;
  chunkMs: number;
  serverVad?: boolean;
  faults: () => EmulatorFaults;
  count: (type: string) => void;
  itemCreated: (item: { session: string; role: string; text: string }) => void;
  committed: (turn: { session: string; digest: string; speechFrames: number }) => void;
  responseEnded: (completed: boolean) => void;
}

type Json = Record<string, unknown>;

/** One client connection: the conversation, the input buffer and at most one response in flight. */
class EmulatedSession {
  private readonly id = `sess_${randomUUID().replace(/-/g, "").slice(0, 20)}`;
  private readonly session: Json;
  private inputBytes = 0;
  private readonly items: ContextItem[] = [];
  /** The previous response's input: its instructions and how many items it read (the cache's candidate prefix). */
  private previousInput?: { instructions: number; items: number };
  private responding: { cancel: () => void } | null = null;
  private turn = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stalled = false;
  private userTurns = 0;
  /** The input buffer's speech frames (digest and count), and server VAD's state. */
  private speech: { hash: Hash; frames: number } = { hash: createHash("sha1"), frames: 0 };
  private speaking = false;
  private silentMs = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    model: string,
    private readonly dialect: Dialect,
    private readonly settings: SessionSettings,
    /** Connected on Voice Live's path: usage in Voice Live's documented shape. */
    private readonly voiceLive = false,
  ) {
    this.session = {
      id: this.id,
      object: "realtime.session",
      model,
      modalities: ["audio", "text"],
      output_modalities: ["audio"],
      instructions: DEFAULT_INSTRUCTIONS,
      voice: "alloy",
      input_audio_format: "pcm16",
      output_audio_format: "pcm16",
      input_audio_sampling_rate: SAMPLE_RATE,
      input_audio_transcription: null,
      turn_detection: { type: "server_vad", threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: settings.serverVad === true },
      tools: [],
      tool_choice: "auto",
      temperature: 0.8,
      max_response_output_tokens: "inf",
      expires_at: Math.floor(Date.now() / 1000) + 3600,
    };
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("close", () => this.dispose());
    ws.on("error", () => this.dispose());
    const faults = settings.faults();
    if (faults.stall) {
      this.stall();
      return;
    }
    if (faults.dropAfterMs !== undefined) this.later(faults.dropAfterMs, () => this.socket.destroy());
    this.send({ type: "session.created", session: this.session });
  }

  /** Stop reading and writing: the TCP connection stays open but nothing moves, pings included. */
  private stall(): void {
    this.stalled = true;
    this.socket.pause();
    this.socket.removeAllListeners("data");
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.stalled) return;
    if (isBinary) return this.error("invalid_request_error", "binary_not_supported", "send events as JSON text frames");
    let event: Json;
    try {
      const parsed: unknown = JSON.parse(data.toString());
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      event = parsed as Json;
    } catch {
      return this.error("invalid_request_error", "invalid_json", "the event is not a JSON object");
    }
    const type = typeof event.type === "string" ? event.type : "";
    const eventId = typeof event.event_id === "string" ? event.event_id : undefined;
    this.settings.count(type || "(none)");
    switch (type) {
      case "session.update": {
        if (this.settings.faults().unacknowledged) return;
        const update = event.session;
        if (typeof update !== "object" || update === null) {
          return this.error("invalid_request_error", "missing_required_parameter", "session.update needs a session object", eventId);
        }
        Object.assign(this.session, update, { id: this.id });
        return this.send({ type: "session.updated", session: this.session });
      }
      case "input_audio_buffer.append": {
        const audio = event.audio;
        if (typeof audio !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(audio) || audio.length % 4 !== 0) {
          return this.error("invalid_request_error", "invalid_value", "audio must be base64 PCM16", eventId);
        }
        const pcm = Buffer.from(audio, "base64");
        this.inputBytes += pcm.length;
        const speech = pcm.some((byte) => byte !== 0);
        if (speech) {
          this.speech.hash.update(audio);
          this.speech.frames++;
        }
        if (this.settings.serverVad) this.detectTurn(speech, audioSecondsOf(pcm.length) * 1000);
        return;
      }
      case "input_audio_buffer.clear":
        this.inputBytes = 0;
        this.speech = { hash: createHash("sha1"), frames: 0 };
        return this.send({ type: "input_audio_buffer.cleared" });
      case "input_audio_buffer.commit":
        return this.commit(eventId);
      case "conversation.item.create":
        if (this.settings.faults().unacknowledged) return;
        return this.createItem(event.item, eventId);
      case "response.create":
        return this.respond(eventId);
      case "response.cancel":
        if (this.responding) this.responding.cancel();
        return;
      default:
        return this.error("invalid_request_error", "unknown_event", `unknown event type "${type}"`, eventId);
    }
  }

  private commit(eventId?: string): void {
    if (this.inputBytes === 0) {
      return this.error("invalid_request_error", "input_audio_buffer_commit_empty", "the input audio buffer is empty", eventId);
    }
    const seconds = audioSecondsOf(this.inputBytes);
    this.inputBytes = 0;
    this.speaking = false;
    this.silentMs = 0;
    this.settings.committed({ session: this.id, digest: this.speech.hash.digest("hex"), speechFrames: this.speech.frames });
    this.speech = { hash: createHash("sha1"), frames: 0 };
    const itemId = `item_${randomUUID().slice(0, 8)}`;
    const previous = this.items.length ? `item_prev_${this.items.length}` : null;
    this.items.push({ textTokens: 0, audioTokens: inputAudioTokens(seconds) });
    this.send({ type: "input_audio_buffer.committed", previous_item_id: previous, item_id: itemId });
    this.send({
      type: DialectEvents[this.dialect].itemCreated,
      previous_item_id: previous,
      item: { id: itemId, object: "realtime.item", type: "message", role: "user", status: "completed",
        content: [{ type: "input_audio", transcript: null }] },
    });
    // With input transcription on, the user's words follow as text (a stand-in sentence: the emulator
    // does not recognise speech).
    if (this.session.input_audio_transcription) {
      this.userTurns++;
      const transcript = `This is my answer number ${this.userTurns}, ${seconds.toFixed(1)} seconds long.`;
      // Usage as the GA transcription models report it (token-billed: audio in, text out).
      const audioTokens = inputAudioTokens(seconds);
      this.send({ type: "conversation.item.input_audio_transcription.completed", item_id: itemId, content_index: 0, transcript,
        usage: { type: "tokens", input_tokens: audioTokens, output_tokens: textTokens(transcript), input_token_details: { audio_tokens: audioTokens, text_tokens: 0 } } });
    }
  }

  /** Server VAD: speech starts an utterance; silence_duration_ms of silence ends it, commits it and (create_response) answers it. */
  private detectTurn(speech: boolean, frameMs: number): void {
    const detection = this.session.turn_detection as Json | null;
    if (!detection || detection.type !== "server_vad") return;
    if (speech) {
      this.silentMs = 0;
      if (!this.speaking) {
        this.speaking = true;
        this.send({ type: "input_audio_buffer.speech_started", audio_start_ms: 0, item_id: `item_${randomUUID().slice(0, 8)}` });
      }
      return;
    }
    if (!this.speaking) return;
    this.silentMs += frameMs;
    const silenceMs = typeof detection.silence_duration_ms === "number" ? detection.silence_duration_ms : 500;
    if (this.silentMs < silenceMs) return;
    this.speaking = false;
    this.silentMs = 0;
    this.send({ type: "input_audio_buffer.speech_stopped", audio_end_ms: 0 });
    this.commit();
    if (detection.create_response !== false && !this.responding) this.respond();
  }

  private createItem(item: unknown, eventId?: string): void {
    if (typeof item !== "object" || item === null) {
      return this.error("invalid_request_error", "missing_required_parameter", "conversation.item.create needs an item", eventId);
    }
    const content = (item as Json).content;
    const text = Array.isArray(content)
      ? content.map((part) => (typeof part?.text === "string" ? part.text : "")).join(" ")
      : "";
    const itemId = `item_${randomUUID().slice(0, 8)}`;
    this.items.push({ textTokens: textTokens(text), audioTokens: 0 });
    const role = (item as Json).role;
    this.settings.itemCreated({ session: this.id, role: typeof role === "string" ? role : String((item as Json).type), text });
    this.send({ type: DialectEvents[this.dialect].itemCreated, previous_item_id: null, item: { ...(item as Json), id: itemId, status: "completed" } });
  }

  private respond(eventId?: string): void {
    if (this.responding) {
      return this.error("invalid_request_error", "conversation_already_has_active_response", "a response is in progress", eventId);
    }
    const names = DialectEvents[this.dialect];
    const responseId = `resp_${randomUUID().slice(0, 12)}`;
    const itemId = `item_${randomUUID().slice(0, 8)}`;
    const text = replyText(this.turn++);
    const instructions = textTokens(String(this.session.instructions ?? ""));
    const context = sumContext(instructions, this.items);
    const previous = this.previousInput;
    // Azure's cache rules (protocol.ts): only a prefix the previous response read, unchanged instructions first.
    const cached = previous && previous.instructions === instructions ? cachedPrefixOf(instructions, this.items.slice(0, previous.items)) : { text: 0, audio: 0 };
    const readItems = this.items.length;
    const totalChunks = Math.max(1, Math.round(this.settings.responseAudioMs / this.settings.chunkMs));
    const samplesPerChunk = Math.round((SAMPLE_RATE * this.settings.chunkMs) / 1000);
    const words = text.split(" ");
    const item = { id: itemId, object: "realtime.item", type: "message", role: "assistant", status: "in_progress",
      content: [{ type: "audio", transcript: "" }] };
    const response = { id: responseId, object: "realtime.response", status: "in_progress", status_details: null,
      output: [] as unknown[], usage: null as unknown, conversation_id: "conv_1",
      modalities: ["audio", "text"], voice: this.session.voice, output_audio_format: "pcm16" };

    this.send({ type: "response.created", response });
    this.send({ type: "response.output_item.added", response_id: responseId, output_index: 0, item });
    this.send({ type: names.itemCreated, previous_item_id: null, item });
    this.send({ type: "response.content_part.added", response_id: responseId, item_id: itemId, output_index: 0,
      content_index: 0, part: { type: "audio", transcript: "" } });

    let chunk = 0;
    let cancelled = false;
    const finish = (status: "completed" | "cancelled") => {
      this.responding = null;
      this.settings.responseEnded(status === "completed");
      const seconds = (chunk * samplesPerChunk) / SAMPLE_RATE;
      const spoken = status === "completed" ? text : words.slice(0, Math.ceil((chunk / totalChunks) * words.length)).join(" ");
      const output = { text: textTokens(spoken), audio: outputAudioTokens(seconds) };
      this.items.push({ textTokens: output.text, audioTokens: output.audio });
      this.previousInput = { instructions, items: readItems };
      const usage = responseUsage(context, cached, output, { voiceLive: this.voiceLive });
      const doneItem = { ...item, status: status === "completed" ? "completed" : "incomplete",
        content: [{ type: "audio", transcript: spoken }] };
      const base = { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 };
      this.send({ type: names.audioDone, ...base });
      this.send({ type: names.transcriptDone, ...base, transcript: spoken });
      this.send({ type: "response.content_part.done", ...base, part: { type: "audio", transcript: spoken } });
      this.send({ type: "response.output_item.done", response_id: responseId, output_index: 0, item: doneItem });
      if (this.dialect === "ga") this.send({ type: "conversation.item.done", item: doneItem });
      this.send({ type: "response.done", response: { ...response, status, output: [doneItem], usage } });
    };
    const tick = () => {
      if (cancelled) return;
      if (this.settings.faults().dropOnResponse && chunk === Math.floor(totalChunks / 2)) {
        this.settings.responseEnded(false);
        this.responding = null;
        return void this.socket.destroy();
      }
      if (this.settings.faults().stallOnResponse && chunk === Math.floor(totalChunks / 2)) {
        this.settings.responseEnded(false);
        this.responding = null;
        return this.stall();
      }
      const base = { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 };
      const wordsNow = Math.ceil(((chunk + 1) / totalChunks) * words.length);
      const wordsBefore = Math.ceil((chunk / totalChunks) * words.length);
      if (wordsNow > wordsBefore) {
        this.send({ type: names.transcriptDelta, ...base, delta: (wordsBefore ? " " : "") + words.slice(wordsBefore, wordsNow).join(" ") });
      }
      this.send({ type: names.audioDelta, ...base, delta: toneChunk(chunk * samplesPerChunk, samplesPerChunk).toString("base64") });
      chunk++;
      if (chunk >= totalChunks) finish("completed");
      else this.later(this.settings.chunkMs, tick);
    };
    this.responding = {
      cancel: () => {
        cancelled = true;
        finish("cancelled");
      },
    };
    this.later(this.settings.firstAudioDelayMs, tick);
  }

  private error(type: string, code: string, message: string, eventId?: string): void {
    this.send({ type: "error", error: { type, code, message, param: null, event_id: eventId ?? null } });
  }

  private send(event: Json): void {
    if (this.stalled || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify({ event_id: `event_${randomUUID().slice(0, 12)}`, ...event }));
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.responding) this.settings.responseEnded(false);
    this.responding = null;
  }
}
