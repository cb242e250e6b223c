/**
 * The voice client: one logical session over as many WebSocket connections as it takes. It connects
 * with the user's token, reconnects after an unexpected close (exponential backoff with jitter, bounded
 * attempts), carries the resume token the proxy hands out (`proxy.session`, `proxy.reconnect`) into the
 * next connection (`?resume=`), holds outgoing events (bounded) while it cannot send, and surfaces what
 * happens as events.
 *
 * It owns no socket and no timer of its own making: a `SocketFactory` (socket.ts) and a `Clock` are
 * given to it, so every path here is tested with fakes and a fake clock (voiceClient.test.ts), and the
 * same code runs in browsers and in Node.
 *
 * When does it send? Only once the session is ready: after `session.created` on a new session, or after
 * `proxy.resumed` on a resumed one. Until then events wait in the outbox, so a proxy that is still
 * opening or priming its upstream session never has to queue them (its queue is bounded and overflowing
 * it ends the session with 1008).
 */
import {
  CloseCode, ProxyEvent, RealtimeEvent, REALTIME_SUBPROTOCOL, RESUME_QUERY, TOKEN_SUBPROTOCOL_PREFIX,
  type ResumeStatus,
} from "../../../contracts/protocol";
import { AnswerTracker } from "./answers";
import { audioCharsOf, DEFAULT_OUTBOX, Outbox, type DropCounts, type OutboxLimits } from "./outbox";
import { backoffDelay, closeAction, DEFAULT_RECONNECT, validatePolicy, type CloseAction, type ReconnectPolicy } from "./policy";
import type { SocketCloseEvent, SocketFactory, SocketHandle } from "./socket";

export type TokenSource = string | (() => string | Promise<string>);

/** Where the user's token goes: a header (Node only), a subprotocol (browsers), or the query (logged by proxies: last resort). */
export type TokenPlacement = "header" | "protocol" | "query";

export interface VoiceClientOptions {
  /** ws(s)://host/voice-live/realtime?api-version=...&model=... (or /openai/v1/realtime?model=...). */
  url: string;
  /** The user's token, or a function called before every attempt (to refresh an expiring token). */
  token?: TokenSource;
  /** Default: `header` where the socket can send headers, else `protocol`. */
  tokenIn?: TokenPlacement;
  /** `false`: never reconnect. */
  reconnect?: Partial<ReconnectPolicy> | false;
  outbox?: Partial<OutboxLimits>;
  /** An attempt that has not completed the upgrade by then is abandoned and retried. */
  connectTimeoutMs?: number;
  /** An open connection without `session.created` / `proxy.resumed` by then is abandoned and retried. */
  readyTimeoutMs?: number;
  /** After `proxy.reconnect`, the server's close (1012) is awaited this long before reconnecting anyway. */
  drainCloseTimeoutMs?: number;
  /** Above this many bytes unsent on the socket, events wait in the outbox (bounded) instead. */
  socketHighWaterBytes?: number;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface VoiceClientDeps {
  sockets: SocketFactory;
  clock: Clock;
  /** In [0, 1): the jitter's source. */
  random: () => number;
}

export interface ClientTimeouts {
  connectTimeoutMs: number;
  readyTimeoutMs: number;
  drainCloseTimeoutMs: number;
  socketHighWaterBytes: number;
  flushPollMs: number;
}

export const DEFAULT_TIMEOUTS: ClientTimeouts = {
  connectTimeoutMs: 10_000,
  readyTimeoutMs: 15_000,
  drainCloseTimeoutMs: 10_000,
  socketHighWaterBytes: 1024 * 1024,
  /** How often a held outbox is retried while the socket's own buffer is above the high-water mark. */
  flushPollMs: 50,
};

/**
 * - `idle`: not started; `connecting`: upgrade in progress; `open`: upgraded, session not ready yet;
 * - `ready`: events are sent; `draining`: the server asked for a reconnect, its close is awaited;
 * - `waiting`: between attempts; `closed`: final, nothing more happens.
 */
export type ClientState = "idle" | "connecting" | "open" | "ready" | "draining" | "waiting" | "closed";

export type ServerEvent = Record<string, unknown> & { type: string };

export interface SessionInfo {
  sessionId: string;
  /** How this connection's session began (undefined when the server does not say: not our proxy). */
  resumeStatus: ResumeStatus | undefined;
  /** A resume token was presented on this connection. */
  resumeRequested: boolean;
  /** The server gave a resume token: a later reconnect can continue this session. */
  resumable: boolean;
  expiresInMs?: number;
}

export interface VoiceClientEvents {
  state: { state: ClientState; previous: ClientState };
  /** `proxy.session` arrived on a connection. */
  session: SessionInfo;
  /** `proxy.resumed`: the conversation continues on a new upstream session. */
  resumed: { sessionId: string; resumedItems: number; elapsedMs: number };
  /** Events flow: the first time, and after every reconnect. `resumed: false` after a reconnect = a new conversation. */
  ready: { sessionId?: string; reconnected: boolean; resumed: boolean };
  reconnecting: { attempt: number; delayMs: number; code: number; reason: string; httpStatus?: number };
  /** Outgoing events dropped from the outbox (cumulative counts). */
  dropped: DropCounts;
  /** Every server event, parsed, in order (the proxy's own `proxy.*` events included). */
  event: ServerEvent;
  /** Final: the session is over and no reconnect follows. */
  closed: { code: number; reason: string; httpStatus?: number; body?: string; byClient: boolean; attempts: number };
  warning: { message: string };
  /** An answer the session owed was cut (an upstream failover, a lost connection): it was asked for again. */
  answerRetried: { responseId?: string; reason: "upstream_failover" | "reconnect" };
}

type Listener<K extends keyof VoiceClientEvents> = (payload: VoiceClientEvents[K]) => void;

export class VoiceClientError extends Error {
  constructor(message: string, readonly close: VoiceClientEvents["closed"]) {
    super(message);
  }
}

export interface VoiceClientStats {
  state: ClientState;
  /** Connections attempted, the first one included. */
  attempts: number;
  reconnects: number;
  resumes: number;
  dropped: DropCounts;
  /** Events held in the outbox now. */
  held: number;
  heldAudioChars: number;
}

interface Connection {
  socket?: SocketHandle;
  opened: boolean;
  ready: boolean;
  closed: boolean;
  resumeRequested: boolean;
  resumeStatus?: ResumeStatus;
  /** Set when the client gave up on this socket itself; says what to do next. */
  abandoned?: { reason: string; action: CloseAction };
}

export class VoiceClient {
  private state: ClientState = "idle";
  private current?: Connection;
  private phaseTimer?: unknown;
  private flushTimer?: unknown;
  /** Consecutive failed attempts since the session was last ready. */
  private failures = 0;
  private attempts = 0;
  private reconnects = 0;
  private readonly recent: string[] = [];
  private resumes = 0;
  private everReady = false;
  private resumeToken?: string;
  private sessionIdValue?: string;
  private lastSessionUpdate?: string;
  private sessionUpdateDelivered = false;
  private readonly outbox: Outbox;
  private readonly answers = new AnswerTracker();
  private readonly policy: ReconnectPolicy | false;
  private readonly timeouts: ClientTimeouts;
  private readonly listeners = new Map<keyof VoiceClientEvents, Set<(payload: never) => void>>();
  private waiters: { resolve: (info: VoiceClientEvents["ready"]) => void; reject: (error: Error) => void }[] = [];

  constructor(private readonly options: VoiceClientOptions, private readonly deps: VoiceClientDeps) {
    if (!/^wss?:\/\//.test(options.url)) throw new TypeError(`url must start with ws:// or wss://, got "${options.url}"`);
    if (options.tokenIn === "header" && !deps.sockets.canSetHeaders) {
      throw new TypeError('tokenIn "header" needs a socket that can send headers (Node); browsers use "protocol"');
    }
    this.policy = options.reconnect === false ? false : validatePolicy({ ...DEFAULT_RECONNECT, ...options.reconnect });
    this.outbox = new Outbox({ ...DEFAULT_OUTBOX, ...options.outbox });
    this.timeouts = {
      ...DEFAULT_TIMEOUTS,
      ...definedOnly({
        connectTimeoutMs: options.connectTimeoutMs,
        readyTimeoutMs: options.readyTimeoutMs,
        drainCloseTimeoutMs: options.drainCloseTimeoutMs,
        socketHighWaterBytes: options.socketHighWaterBytes,
      }),
    };
  }

  get currentState(): ClientState {
    return this.state;
  }

  get sessionId(): string | undefined {
    return this.sessionIdValue;
  }

  stats(): VoiceClientStats {
    return {
      state: this.state,
      attempts: this.attempts,
      reconnects: this.reconnects,
      resumes: this.resumes,
      dropped: { ...this.outbox.dropped },
      held: this.outbox.size,
      heldAudioChars: this.outbox.heldAudioChars,
    };
  }

  on<K extends keyof VoiceClientEvents>(type: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  /** Starts the session; resolves when it is first ready, rejects if it ends before. */
  connect(): Promise<VoiceClientEvents["ready"]> {
    if (this.state === "closed") return Promise.reject(new Error("the client is closed"));
    const ready = new Promise<VoiceClientEvents["ready"]>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.state === "idle") void this.attempt();
    else if (this.state === "ready") this.settleWaiters({ sessionId: this.sessionIdValue, reconnected: this.everReady, resumed: false });
    return ready;
  }

  /**
   * Sends a realtime event, or holds it (bounded) until the session is ready again. Returns false
   * only once the client is closed.
   */
  send(event: Record<string, unknown> & { type: string }): boolean {
    if (this.state === "closed") return false;
    const text = JSON.stringify(event);
    if (event.type === RealtimeEvent.sessionUpdate) {
      this.lastSessionUpdate = text;
      this.sessionUpdateDelivered = false;
    }
    if (this.canWrite() && this.outbox.size === 0) {
      this.write(text);
      return true;
    }
    if (this.outbox.push(text, audioCharsOf(event))) this.emit("dropped", { ...this.outbox.dropped });
    if (this.state === "ready") this.scheduleFlush();
    return true;
  }

  /** Appends base64 PCM16 (24 kHz mono) to the input audio buffer. */
  appendAudio(base64Pcm16: string): boolean {
    return this.send({ type: RealtimeEvent.inputAudioAppend, audio: base64Pcm16 });
  }

  /** Ends the session for good (1000: the server may forget it); no reconnect follows. */
  close(reason = "client closed"): void {
    if (this.state === "closed") return;
    const conn = this.current;
    this.current = undefined;
    if (conn && !conn.closed) {
      conn.closed = true;
      conn.socket?.close(CloseCode.normal, reason);
    }
    this.finish({ code: CloseCode.normal, reason, byClient: true, attempts: this.attempts });
  }

  // --- connections ------------------------------------------------------------------------------

  private async attempt(): Promise<void> {
    this.setState("connecting");
    const number = ++this.attempts;
    let token: string | undefined;
    try {
      token = typeof this.options.token === "function" ? await this.options.token() : this.options.token;
    } catch (error) {
      if (this.state !== "connecting" || number !== this.attempts) return;
      const conn: Connection = { opened: false, ready: false, closed: false, resumeRequested: false };
      this.current = conn;
      this.onClose(conn, { code: 1006, reason: `the token could not be obtained: ${(error as Error).message}` });
      return;
    }
    // close() may have run while the token was being fetched.
    if (this.state !== "connecting" || number !== this.attempts) return;

    const tokenIn = this.options.tokenIn ?? (this.deps.sockets.canSetHeaders ? "header" : "protocol");
    const conn: Connection = { opened: false, ready: false, closed: false, resumeRequested: this.resumeToken !== undefined };
    this.current = conn;
    const request = connectRequest(this.options.url, token, tokenIn, this.resumeToken);
    this.setPhaseTimer(this.timeouts.connectTimeoutMs, () => this.abandon(conn, "connect timeout", "retry"));
    conn.socket = this.deps.sockets.open(request, {
      open: () => this.onOpen(conn),
      message: (text) => this.onMessage(conn, text),
      close: (event) => this.onClose(conn, event),
    });
  }

  private onOpen(conn: Connection): void {
    if (conn !== this.current || conn.closed) return;
    conn.opened = true;
    this.setState("open");
    this.setPhaseTimer(this.timeouts.readyTimeoutMs, () => this.abandon(conn, "no session within the ready timeout", "retry"));
  }

  private onMessage(conn: Connection, text: string): void {
    if (conn !== this.current || conn.closed) return;
    let event: ServerEvent;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || typeof (parsed as { type?: unknown }).type !== "string") throw new Error("no type");
      event = parsed as ServerEvent;
    } catch {
      this.emit("warning", { message: `ignored a frame that is not a realtime event (${text.length} characters)` });
      return;
    }
    switch (event.type) {
      case ProxyEvent.session: {
        const token = typeof event.resume_token === "string" && event.resume_token ? event.resume_token : undefined;
        // A session without a token cannot be resumed; an older token belongs to a session that is gone.
        this.resumeToken = token;
        this.sessionIdValue = String(event.session_id);
        conn.resumeStatus = isResumeStatus(event.resume_status) ? event.resume_status : undefined;
        this.emit("session", {
          sessionId: this.sessionIdValue,
          resumeStatus: conn.resumeStatus,
          resumeRequested: conn.resumeRequested,
          resumable: token !== undefined,
          expiresInMs: typeof event.expires_in_ms === "number" ? event.expires_in_ms : undefined,
        });
        break;
      }
      case ProxyEvent.resumed:
        if (conn.ready) {
          // The proxy replaced the upstream under this connection; it says whether an answer was cut.
          const responseId = this.answers.cutResponseId;
          const again = this.answers.received(event);
          if (again !== undefined) {
            this.write(again);
            this.emit("answerRetried", { responseId, reason: "upstream_failover" });
          }
        } else {
          this.resumes++;
          this.emit("resumed", {
            sessionId: String(event.session_id),
            resumedItems: Number(event.resumed_items ?? 0),
            elapsedMs: Number(event.elapsed_ms ?? 0),
          });
          this.markReady(conn, true);
        }
        break;
      case RealtimeEvent.responseCreated:
      case RealtimeEvent.responseDone:
        this.answers.received(event);
        break;
      case RealtimeEvent.sessionCreated:
        // On a resumed session the conversation is there only once `proxy.resumed` says so.
        if (!conn.ready && conn.resumeStatus !== "resumed") this.markReady(conn, false);
        break;
      case ProxyEvent.unforwarded: {
        // The server did not forward our last `count` events (sent as it asked us to reconnect): they go
        // first on the next connection, so an utterance begun at that moment is not cut.
        const count = typeof event.count === "number" && event.count > 0 ? Math.floor(event.count) : 0;
        const unsent = this.recent.slice(-count);
        // A response.create among them was never received: it goes again from the outbox, not also as a retry.
        if (unsent.some((text) => RESPONSE_CREATE.test(text.slice(0, 64)))) this.answers.withdrawn();
        this.outbox.unshiftAll(unsent.map((text) => ({ text, audioChars: audioCharsOf(JSON.parse(text) as { type?: unknown; audio?: unknown }) })));
        break;
      }
      case ProxyEvent.reconnect:
        if (typeof event.resume_token === "string" && event.resume_token) this.resumeToken = event.resume_token;
        // Nothing more goes to this instance: it is flushing the session for the next one.
        this.clearFlushTimer();
        this.setState("draining");
        this.setPhaseTimer(this.timeouts.drainCloseTimeoutMs, () => this.abandon(conn, "no close after proxy.reconnect", "now"));
        break;
    }
    this.emit("event", event);
  }

  private markReady(conn: Connection, resumed: boolean): void {
    conn.ready = true;
    this.clearPhaseTimer();
    this.failures = 0;
    const reconnected = this.everReady;
    this.everReady = true;
    // A new conversation after a reconnect: the last configuration comes back before anything else.
    if (reconnected && !resumed && this.sessionUpdateDelivered && this.lastSessionUpdate) this.write(this.lastSessionUpdate);
    // An answer owed when the last connection was lost is asked for again, before what waited meanwhile.
    const responseId = this.answers.cutResponseId;
    const again = reconnected ? this.answers.afterReconnect(resumed) : undefined;
    this.setState("ready");
    if (again !== undefined) {
      this.write(again);
      this.emit("answerRetried", { responseId, reason: "reconnect" });
    }
    this.flush();
    const info = { sessionId: this.sessionIdValue, reconnected, resumed };
    this.emit("ready", info);
    this.settleWaiters(info);
  }

  /** Give up on a socket ourselves (timeouts); its own close event, if it ever comes, is ignored. */
  private abandon(conn: Connection, reason: string, action: CloseAction): void {
    if (conn !== this.current || conn.closed) return;
    conn.abandoned = { reason, action };
    // No close code: the server sees 1005, not a normal end, and keeps the session resumable.
    conn.socket?.close();
    this.onClose(conn, { code: 1006, reason });
  }

  private onClose(conn: Connection, event: SocketCloseEvent): void {
    if (conn.closed) return;
    conn.closed = true;
    if (conn !== this.current || this.state === "closed") return;
    this.current = undefined;
    this.clearPhaseTimer();
    this.clearFlushTimer();
    let action = conn.abandoned?.action ?? closeAction({ code: event.code, httpStatus: event.httpStatus, opened: conn.opened });
    // Told to reconnect (proxy.reconnect): any close but a final one means "now".
    if (this.state === "draining" && action === "retry") action = "now";
    const ending = { code: event.code, reason: event.reason, httpStatus: event.httpStatus, body: event.body, byClient: false, attempts: this.attempts };
    if (action === "stop" || this.policy === false) return this.finish(ending);
    const retry = ++this.failures;
    if (retry > this.policy.maxAttempts) {
      return this.finish({ ...ending, reason: `gave up after ${this.policy.maxAttempts} reconnect attempts (last: ${event.code} ${event.reason})` });
    }
    const delayMs = action === "now" && retry === 1
      ? Math.floor(this.deps.random() * this.policy.restartSpreadMs)
      : backoffDelay(retry, this.policy, this.deps.random);
    this.reconnects++;
    this.setState("waiting");
    this.emit("reconnecting", { attempt: retry, delayMs, code: event.code, reason: event.reason, httpStatus: event.httpStatus });
    this.setPhaseTimer(delayMs, () => void this.attempt());
  }

  private finish(ending: VoiceClientEvents["closed"]): void {
    this.clearPhaseTimer();
    this.clearFlushTimer();
    this.setState("closed");
    this.outbox.clear();
    this.emit("closed", ending);
    const error = new VoiceClientError(`voice session ended: ${ending.code} ${ending.reason}${ending.httpStatus ? ` (HTTP ${ending.httpStatus})` : ""}`, ending);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  // --- sending ----------------------------------------------------------------------------------

  private canWrite(): boolean {
    return this.state === "ready" && this.current?.socket !== undefined && this.current.socket.bufferedAmount <= this.timeouts.socketHighWaterBytes;
  }

  private write(text: string): void {
    this.current?.socket?.send(text);
    // The last events sent, for a server that says it did not forward some (proxy.unforwarded).
    this.recent.push(text);
    if (this.recent.length > RECENT_SENT) this.recent.shift();
    if (text === this.lastSessionUpdate) this.sessionUpdateDelivered = true;
    else if (RESPONSE_CREATE.test(text.slice(0, 64))) this.answers.sent(RealtimeEvent.responseCreate, text);
  }

  private flush(): void {
    while (this.outbox.size > 0 && this.canWrite()) this.write(this.outbox.shift()!);
    if (this.outbox.size > 0 && this.state === "ready") this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = this.deps.clock.setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.timeouts.flushPollMs);
  }

  // --- plumbing ---------------------------------------------------------------------------------

  private settleWaiters(info: VoiceClientEvents["ready"]): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.resolve(info);
  }

  private setState(state: ClientState): void {
    if (state === this.state) return;
    const previous = this.state;
    this.state = state;
    this.emit("state", { state, previous });
  }

  private setPhaseTimer(ms: number, fn: () => void): void {
    this.clearPhaseTimer();
    this.phaseTimer = this.deps.clock.setTimeout(() => {
      this.phaseTimer = undefined;
      fn();
    }, ms);
  }

  private clearPhaseTimer(): void {
    if (this.phaseTimer !== undefined) this.deps.clock.clearTimeout(this.phaseTimer);
    this.phaseTimer = undefined;
  }

  private clearFlushTimer(): void {
    if (this.flushTimer !== undefined) this.deps.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private emit<K extends keyof VoiceClientEvents>(type: K, payload: VoiceClientEvents[K]): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) {
      try {
        (listener as Listener<K>)(payload);
      } catch (error) {
        // A throwing listener must not break the session's bookkeeping; it is reported once.
        if (type !== "warning") this.emit("warning", { message: `a "${type}" listener threw: ${(error as Error).message}` });
      }
    }
  }
}

/** The URL, subprotocols and headers of one attempt. Pure. */
export function connectRequest(url: string, token: string | undefined, tokenIn: TokenPlacement, resumeToken: string | undefined) {
  const target = new URL(url);
  target.searchParams.delete(RESUME_QUERY);
  if (resumeToken !== undefined) target.searchParams.set(RESUME_QUERY, resumeToken);
  const headers: Record<string, string> = {};
  const protocols: string[] = [];
  if (token) {
    if (tokenIn === "header") headers.authorization = `Bearer ${token}`;
    else if (tokenIn === "protocol") protocols.push(REALTIME_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`);
    else target.searchParams.set("token", token);
  }
  return { url: target.toString(), protocols, headers };
}

/** A response.create, told from its first bytes (audio frames, most of what is sent, are never parsed). */
const RESPONSE_CREATE = /^\{\s*"type"\s*:\s*"response\.create"/;
/**
 * Events kept after sending, for proxy.unforwarded: what the server did not forward is what was sent
 * in the moment between its proxy.reconnect and our reading it (a few frames); 64 is 3.2 s of 50 ms audio.
 */
const RECENT_SENT = 64;

const RESUME_STATUSES: ReadonlySet<string> = new Set<ResumeStatus>(["new", "resumed", "ambiguous", "not_resumable"]);
function isResumeStatus(value: unknown): value is ResumeStatus {
  return typeof value === "string" && RESUME_STATUSES.has(value);
}

function definedOnly<T extends Record<string, number | undefined>>(values: T): Partial<{ [K in keyof T]: number }> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<{ [K in keyof T]: number }>;
}
