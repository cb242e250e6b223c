/**
 * One session: the client leg, the upstream leg, and everything between them. Events pass both ways
 * verbatim and in order; audio frames are never parsed. All endings go through `end()`, once.
 *
 * Client first, upstream second: the client's upgrade is accepted at once (after admission), its
 * early events are queued (bounded) while the upstream opens, and the official SDKs see the upstream's
 * own `session.created` as their first realtime event. An upstream that cannot be reached becomes an
 * `error` event and close code 1013, which the SDKs with reconnect logic treat as "try again".
 */
import type { Logger } from "pino";
import type { RawData, WebSocket } from "ws";
import type { UpstreamConfig } from "../config";
import type { SessionRegistry } from "../registry/types";
import { AUDIO_EVENTS, BASE64_CHARS_PER_SECOND, ProxyEvent, RealtimeEvent } from "../../../contracts";
import { clientCloseFor, errorEvent, proxyEvent, sniffType, type Ending } from "./frames";
import type { Telemetry } from "./telemetry";
import { connectUpstream, upstreamHeaders, upstreamUrl, type ClientRoute, type OpenUpstream, type UpstreamSelector } from "./upstream";

export interface RelayLimits {
  /** Session time limit, counted from admission. */
  sessionMaxMs: number;
  /** Warning before the limit. */
  expiringNoticeMs: number;
  pingIntervalMs: number;
  upstreamConnectTimeoutMs: number;
  upstreamMaxPayload: number;
  /** Client events held while the upstream opens. */
  queueMaxMessages: number;
  queueMaxBytes: number;
  /** Above this many bytes buffered towards a leg, stop reading the other leg. */
  highWaterBytes: number;
  /** Resume reading once the buffer drained below this. */
  lowWaterBytes: number;
  /** A leg that stays above the high-water mark this long is not reading: the session ends. */
  stuckMs: number;
  heartbeatMs: number;
}

export const DEFAULT_LIMITS: Omit<RelayLimits, "sessionMaxMs"> = {
  expiringNoticeMs: 60_000,
  // Container Apps and Front Door cut idle connections after 4-5 minutes; 30 s keeps both legs warm
  // and finds a dead peer within a minute.
  pingIntervalMs: 30_000,
  upstreamConnectTimeoutMs: 5_000,
  upstreamMaxPayload: 16 * 1024 * 1024,
  queueMaxMessages: 256,
  queueMaxBytes: 4 * 1024 * 1024,
  highWaterBytes: 1024 * 1024,
  lowWaterBytes: 256 * 1024,
  stuckMs: 15_000,
  heartbeatMs: 15_000,
};

export interface RelayContext {
  sessionId: string;
  userId: string;
  route: ClientRoute;
  selector: UpstreamSelector;
  registry: SessionRegistry;
  telemetry: Telemetry;
  logger: Logger;
  limits: RelayLimits;
  onEnd: (relay: Relay) => void;
}

/** Gauges the tests and /healthz read: what this session holds in memory right now. */
export interface RelayStats {
  queuedBytes: number;
  clientBuffered: number;
  upstreamBuffered: number;
  upstreamPaused: boolean;
  clientPaused: boolean;
}

export class Relay {
  private upstream?: WebSocket;
  private upstreamConfig?: UpstreamConfig;
  private queue: RawData[] = [];
  private queuedBytes = 0;
  private ended = false;
  private readonly startedAt = Date.now();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly alive = { client: true, upstream: true };
  private turnStartedAt?: number;
  private voice = "default";
  private upstreamPaused = false;
  private clientPaused = false;
  private stuckSince?: number;
  private flowTimer?: NodeJS.Timeout;
  private readonly connecting = new AbortController();

  constructor(private readonly client: WebSocket, private readonly ctx: RelayContext) {}

  stats(): RelayStats {
    return {
      queuedBytes: this.queuedBytes,
      clientBuffered: this.client.bufferedAmount,
      upstreamBuffered: this.upstream?.bufferedAmount ?? 0,
      upstreamPaused: this.upstreamPaused,
      clientPaused: this.clientPaused,
    };
  }

  get sessionId(): string {
    return this.ctx.sessionId;
  }

  start(): void {
    const { client, ctx } = this;
    client.on("message", (data, isBinary) => this.fromClient(data, isBinary));
    client.on("pong", () => (this.alive.client = true));
    client.on("close", (code) => this.end({ kind: "client_closed", code }));
    client.on("error", (error: Error & { code?: string }) => {
      this.end(error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? { kind: "client_too_big" } : { kind: "client_closed", code: 1006 });
    });
    client.send(proxyEvent(ProxyEvent.session, { session_id: ctx.sessionId, expires_in_ms: ctx.limits.sessionMaxMs }));

    const { limits } = ctx;
    if (limits.sessionMaxMs > limits.expiringNoticeMs) {
      this.timers.push(setTimeout(() => this.sendClient(proxyEvent(ProxyEvent.expiring, {
        session_id: ctx.sessionId, remaining_ms: limits.expiringNoticeMs })), limits.sessionMaxMs - limits.expiringNoticeMs));
    }
    this.timers.push(setTimeout(() => this.end({ kind: "time_limit" }), limits.sessionMaxMs));
    this.timers.push(setInterval(() => this.ping(), limits.pingIntervalMs));
    this.timers.push(setInterval(() => {
      ctx.registry.heartbeat(ctx.sessionId).catch((error: Error) => ctx.logger.warn({ err: error.message }, "registry heartbeat failed"));
    }, limits.heartbeatMs));
    void this.openUpstream();
  }

  /** Tell the client to come back (the instance is going away), then close with 1012. */
  drain(): void {
    this.sendClient(proxyEvent(ProxyEvent.reconnect, { session_id: this.ctx.sessionId, reason: "server restarting" }));
    this.end({ kind: "draining" });
  }

  private async openUpstream(): Promise<void> {
    const { ctx } = this;
    const candidates = ctx.selector.candidates(ctx.route);
    let previous: string | undefined;
    for (const upstream of candidates) {
      if (this.ended) return;
      const attrs = { stage: "upstream", upstream: upstream.name, region: upstream.region ?? upstream.name };
      ctx.telemetry.connectAttempt(attrs);
      if (previous) ctx.telemetry.failover(previous, upstream.name);
      try {
        const opened = await connectUpstream(upstreamUrl(upstream, ctx.route), await upstreamHeaders(upstream), {
          name: upstream.name, timeoutMs: ctx.limits.upstreamConnectTimeoutMs, maxPayload: ctx.limits.upstreamMaxPayload,
          signal: this.connecting.signal,
        });
        if (this.ended) {
          opened.ws.terminate();
          return;
        }
        this.attachUpstream(opened, upstream);
        return;
      } catch (error) {
        const status = (error as { status?: number }).status;
        ctx.telemetry.connectFailure(status ? `http_${status}` : "network", attrs);
        ctx.logger.warn({ upstream: upstream.name, status, err: (error as Error).message }, "upstream connect failed");
        previous = upstream.name;
      }
    }
    this.end({ kind: "upstream_unavailable" });
  }

  private attachUpstream(opened: OpenUpstream, config: UpstreamConfig): void {
    const { ws } = opened;
    this.upstream = ws;
    this.upstreamConfig = config;
    opened.stopBuffering();
    ws.on("message", (data, isBinary) => this.fromUpstream(data, isBinary));
    for (const { data, isBinary } of opened.early) this.fromUpstream(data, isBinary);
    ws.on("pong", () => (this.alive.upstream = true));
    ws.on("close", (code) => this.end(code === 1006 ? { kind: "upstream_lost" } : { kind: "upstream_closed", code }));
    ws.on("error", () => this.end({ kind: "upstream_lost" }));
    this.ctx.logger.info({ upstream: config.name }, "upstream open");
    for (const data of this.queue) ws.send(data, { binary: false });
    this.queue = [];
    this.queuedBytes = 0;
  }

  private fromClient(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.ctx.telemetry.error("binary_frame");
      this.sendClient(errorEvent("binary_not_supported", "send realtime events as JSON text frames; audio goes base64 in input_audio_buffer.append"));
      return;
    }
    const frame = data as Buffer;
    const type = sniffType(frame);
    if (type === undefined || !AUDIO_EVENTS.has(type)) {
      // Control events are small: parse them to validate and observe; forward the original bytes.
      let event: { type?: unknown; event_id?: unknown; session?: { voice?: unknown } };
      try {
        event = JSON.parse(frame.toString("utf8"));
      } catch {
        this.ctx.telemetry.error("invalid_json");
        this.sendClient(errorEvent("invalid_json", "the message is not valid JSON"));
        return;
      }
      if (typeof event !== "object" || event === null || typeof event.type !== "string") {
        this.ctx.telemetry.error("invalid_event");
        this.sendClient(errorEvent("invalid_event", "a realtime event is a JSON object with a string `type`"));
        return;
      }
      if (event.type === RealtimeEvent.responseCreate) this.turnStartedAt = performance.now();
      if (event.type === RealtimeEvent.sessionUpdate && typeof event.session?.voice === "string") this.voice = event.session.voice;
      // Unknown types are forwarded: the protocol grows, and the upstream is the judge of its events.
    } else if (type === RealtimeEvent.inputAudioAppend) {
      this.ctx.telemetry.audioSeconds(frame.length / BASE64_CHARS_PER_SECOND, "in");
    }
    if (!this.upstream) {
      if (this.queue.length >= this.ctx.limits.queueMaxMessages || this.queuedBytes + frame.length > this.ctx.limits.queueMaxBytes) {
        this.ctx.telemetry.error("queue_overflow");
        this.sendClient(errorEvent("queue_overflow", "too many events before the upstream session opened"));
        this.end({ kind: "client_overflow" });
        return;
      }
      this.queue.push(frame);
      this.queuedBytes += frame.length;
      return;
    }
    this.upstream.send(frame, { binary: false });
    this.applyBackpressure();
  }

  private fromUpstream(data: RawData, isBinary: boolean): void {
    const frame = data as Buffer;
    if (!isBinary) {
      const type = sniffType(frame);
      if (type !== undefined && AUDIO_EVENTS.has(type)) {
        if (this.turnStartedAt !== undefined) {
          const region = this.upstreamConfig?.region ?? this.upstreamConfig?.name ?? "unknown";
          this.ctx.telemetry.latency(performance.now() - this.turnStartedAt, this.voice, region);
          this.turnStartedAt = undefined;
        }
        this.ctx.telemetry.audioSeconds(frame.length / BASE64_CHARS_PER_SECOND, "out");
      } else if (type === RealtimeEvent.inputAudioCommitted && this.turnStartedAt === undefined) {
        // Server VAD ended the user's turn: latency counts from here.
        this.turnStartedAt = performance.now();
      } else if (type === RealtimeEvent.responseDone) {
        this.recordUsage(frame);
      }
    }
    this.client.send(frame, { binary: isBinary });
    this.applyBackpressure();
  }

  private recordUsage(frame: Buffer): void {
    try {
      const usage = (JSON.parse(frame.toString("utf8")) as { response?: { usage?: Usage } }).response?.usage;
      if (!usage) return;
      const input = usage.input_token_details ?? {};
      const output = usage.output_token_details ?? {};
      const cached = input.cached_tokens_details ?? {};
      const t = this.ctx.telemetry;
      t.tokens((input.audio_tokens ?? 0) - (cached.audio_tokens ?? 0), "input_audio");
      t.tokens((input.text_tokens ?? 0) - (cached.text_tokens ?? 0), "input_text");
      t.tokens(cached.audio_tokens ?? 0, "cached_audio");
      t.tokens(cached.text_tokens ?? 0, "cached_text");
      t.tokens(output.audio_tokens ?? 0, "output_audio");
      t.tokens(output.text_tokens ?? 0, "output_text");
    } catch {
      // Usage is telemetry: a response.done the proxy cannot read is still forwarded untouched.
    }
  }

  /**
   * Flow control: a leg whose outgoing buffer passes the high-water mark stops the other leg from
   * being read, so the proxy never holds more than about one high-water mark per direction. A leg
   * that stays stuck (a client that stopped reading) ends the session.
   */
  private applyBackpressure(): void {
    const { highWaterBytes } = this.ctx.limits;
    const clientFull = this.client.bufferedAmount > highWaterBytes;
    const upstreamFull = (this.upstream?.bufferedAmount ?? 0) > highWaterBytes;
    if (clientFull && !this.upstreamPaused && this.upstream) {
      this.upstream.pause();
      this.upstreamPaused = true;
    }
    if (upstreamFull && !this.clientPaused) {
      this.client.pause();
      this.clientPaused = true;
    }
    if ((this.upstreamPaused || this.clientPaused) && !this.flowTimer) {
      this.stuckSince ??= Date.now();
      this.flowTimer = setInterval(() => this.checkFlow(), 50);
    }
  }

  private checkFlow(): void {
    const { lowWaterBytes, stuckMs } = this.ctx.limits;
    if (this.upstreamPaused && this.client.bufferedAmount < lowWaterBytes) {
      this.upstream?.resume();
      this.upstreamPaused = false;
    }
    if (this.clientPaused && (this.upstream?.bufferedAmount ?? 0) < lowWaterBytes) {
      this.client.resume();
      this.clientPaused = false;
    }
    if (!this.upstreamPaused && !this.clientPaused) {
      clearInterval(this.flowTimer);
      this.flowTimer = undefined;
      this.stuckSince = undefined;
    } else if (this.stuckSince !== undefined && Date.now() - this.stuckSince > stuckMs) {
      this.end({ kind: "peer_timeout", leg: this.upstreamPaused ? "client" : "upstream" });
    }
  }

  private ping(): void {
    for (const leg of ["client", "upstream"] as const) {
      const socket = leg === "client" ? this.client : this.upstream;
      if (!socket) continue;
      if (!this.alive[leg]) return this.end({ kind: "peer_timeout", leg });
      this.alive[leg] = false;
      socket.ping();
    }
  }

  private sendClient(message: string): void {
    if (this.client.readyState === this.client.OPEN) this.client.send(message);
  }

  /** The one close path, for both legs and every reason; safe to call any number of times. */
  end(ending: Ending): void {
    if (this.ended) return;
    this.ended = true;
    this.connecting.abort();
    for (const timer of this.timers) clearTimeout(timer);
    if (this.flowTimer) clearInterval(this.flowTimer);
    const { code, reason } = clientCloseFor(ending);
    if (ending.kind === "upstream_unavailable" || ending.kind === "upstream_lost" || (ending.kind === "peer_timeout" && ending.leg === "upstream")) {
      this.ctx.telemetry.error(ending.kind);
      this.sendClient(errorEvent(ending.kind, reason));
    }
    if (ending.kind === "time_limit") this.sendClient(errorEvent("session_time_limit", reason));
    if (this.client.readyState === this.client.OPEN || this.client.readyState === this.client.CONNECTING) {
      if (ending.kind === "peer_timeout" && ending.leg === "client") this.client.terminate();
      else this.client.close(code, reason);
    }
    if (this.upstream) {
      this.upstream.removeAllListeners("message");
      if (ending.kind === "upstream_lost" || ending.kind === "peer_timeout") this.upstream.terminate();
      else if (this.upstream.readyState === this.upstream.OPEN) this.upstream.close(1000);
    }
    this.queue = [];
    this.queuedBytes = 0;
    const durationMs = Date.now() - this.startedAt;
    this.ctx.telemetry.sessionEnded(durationMs);
    this.ctx.logger.info({ ending: ending.kind, code, durationMs, upstream: this.upstreamConfig?.name }, "session ended");
    this.ctx.registry.release(this.ctx.sessionId).catch((error: Error) => this.ctx.logger.warn({ err: error.message }, "registry release failed"));
    this.ctx.onEnd(this);
  }
}

interface Usage {
  input_token_details?: { text_tokens?: number; audio_tokens?: number; cached_tokens_details?: { text_tokens?: number; audio_tokens?: number } };
  output_token_details?: { text_tokens?: number; audio_tokens?: number };
}
