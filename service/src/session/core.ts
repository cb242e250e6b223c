/**
 * One client session: the client leg, the upstream leg(s) it is relayed to, and everything that keeps it
 * going when an upstream does not: resume priming, failover, and the links' lifecycle. The decisions it
 * asks of its parts: what is in flight in the turns (turns.ts), when to rotate (rotation.ts), when a
 * drain may hand over (DrainWait in drain.ts), when an upstream stalled (stall.ts), when to stop reading
 * a leg (flow.ts), how to retire a responding link (settle.ts). It owns no sockets and no timers of its
 * own (legs and clock are injected), so every path is unit-tested with fakes; the proxy wires it to `ws`
 * sockets, the shared store and telemetry (server/sessions.ts).
 *
 * Frames pass verbatim. Audio frames (most of the bytes) are recognised from their first bytes and never
 * parsed; control events are parsed to validate them and to keep the conversation as text.
 */
import { AUDIO_DELTA_EVENTS, BASE64_CHARS_PER_SECOND, CloseCode, ProxyEvent, RealtimeEvent, ResumeLimitError, type Dialect, type ResumeStatus } from "../../../contracts";
import type { Clock, Timer } from "./clock";
import {
  CAPTURED_UPSTREAM_EVENTS, Conversation, itemFromClient, itemFromUpstream, primingEvents, PRIMING_ACKS,
  type ConversationItem, type ConversationLimits, DEFAULT_CONVERSATION_LIMITS,
} from "./conversation";
import { DrainWait } from "./drain";
import { Flow } from "./flow";
import { clientCloseFor, outcomeOf, sniffType, type Ending, type Outcome } from "./frames";
import type { Leg } from "./legs";
import { Rotation } from "./rotation";
import { settleResponse, type SettleOutcome } from "./settle";
import { LinkWatch, watchSilence } from "./stall";
import { Turns, turnModeOf, type CutAnswer } from "./turns";

export interface SessionLimits {
  /** Session time limit, counted from the first admission (across resumes). */
  sessionMaxMs: number;
  /** Warning before the limit. */
  expiringNoticeMs: number;
  /** A client that sends nothing for this long is closed (0: never). */
  idleMs: number;
  /** Warning before the idle close. */
  idleNoticeMs: number;
  pingIntervalMs: number;
  /** An upstream must send its first event this soon after the upgrade, else it counts as stalled. */
  firstEventMs: number;
  /** Longest wait for a new upstream to acknowledge the configuration and conversation. */
  primeTimeoutMs: number;
  /** Transparent upstream rotation interval (0: never). */
  rotateMs: number;
  /** Longest wait for a quiet point before a rotation switches anyway. */
  rotateQuietMaxMs: number;
  /** Longest wait for a quiet point before a drain tells the client to reconnect anyway (drainTimings in drain.ts). */
  drainQuietMaxMs: number;
  /** While an upstream event is due (a commit's confirmation, an answer, its next delta), this much silence is a stall. */
  upstreamSilenceMs: number;
  /** Client events held while no upstream is ready. */
  queueMaxMessages: number;
  queueMaxBytes: number;
  /**
   * Input audio kept to replay to a new upstream (rotation, failover): each utterance from its first
   * frame until the upstream confirmed its commit (and transcribed it, when the session transcribes);
   * with server VAD only a short pre-roll while the user is silent (turns.ts).
   */
  uncommittedAudioMaxBytes: number;
  /** Above this many bytes buffered towards a leg, stop reading the other leg. */
  highWaterBytes: number;
  /** Resume reading once the buffer drained below this. */
  lowWaterBytes: number;
  /** A leg that stays above the high-water mark this long is not reading: the session ends. */
  stuckMs: number;
  /** Failovers allowed within `failoverWindowMs` before the session gives up with 1013. */
  maxFailovers: number;
  failoverWindowMs: number;
}

export const DEFAULT_SESSION_LIMITS: Omit<SessionLimits, "sessionMaxMs" | "rotateMs" | "idleMs"> = {
  expiringNoticeMs: 60_000,
  idleNoticeMs: 30_000,
  // Container Apps and Front Door cut idle connections after 4-5 minutes; 30 s keeps both legs warm
  // and finds a dead peer within a minute.
  pingIntervalMs: 30_000,
  firstEventMs: 5_000,
  primeTimeoutMs: 5_000,
  rotateQuietMaxMs: 60_000,
  // drainTimings(60, 10).quietMaxMs: the proxy sets it from the platform's grace.
  drainQuietMaxMs: 45_000,
  // Realtime upstreams answer a request within milliseconds and stream faster than real time: 5 s of
  // silence while an event is due is a stall, found long before the 30 s ping.
  upstreamSilenceMs: 5_000,
  queueMaxMessages: 512,
  queueMaxBytes: 4 * 1024 * 1024,
  // 8 s of base64 PCM16: the tail of a long answer; older audio of the utterance is dropped first.
  uncommittedAudioMaxBytes: 512 * 1024,
  highWaterBytes: 1024 * 1024,
  lowWaterBytes: 256 * 1024,
  stuckMs: 15_000,
  maxFailovers: 3,
  failoverWindowMs: 60_000,
};

/** An open upstream connection, as the proxy's connector hands it over. */
export interface UpstreamLink {
  leg: Leg;
  name: string;
  region: string;
}

export class NoUpstreamAvailable extends Error {}

export interface SessionTelemetry {
  latency(ms: number, voice: string, region: string): void;
  audioSeconds(seconds: number, direction: "in" | "out"): void;
  /** A response.done frame: the usage inside is metered by the caller. */
  responseDone(frame: Buffer, upstream: string): void;
  /** An input transcription's completion (its usage, when the upstream reports one, is metered too). */
  transcription(frame: Buffer, upstream: string): void;
  /** What the end-of-session log line carries besides the ending (e.g. the session's metered totals). */
  summary?(): Record<string, unknown>;
  error(code: string): void;
  failover(from: string, to: string): void;
  sessionEnded(durationMs: number): void;
}

/** The session's shared state, bound to this connection's lease: false when another connection took it over. */
export interface SessionStore {
  setConfig(config: Record<string, unknown>): Promise<boolean>;
  append(item: ConversationItem): Promise<boolean>;
}

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SessionDeps {
  sessionId: string;
  resumeToken: string;
  dialect: Dialect;
  client: Leg;
  clock: Clock;
  limits: SessionLimits;
  conversationLimits?: ConversationLimits;
  /** Opens an upstream for this session's route, avoiding `exclude` while others are usable. */
  connect(exclude: ReadonlySet<string>, signal: AbortSignal): Promise<UpstreamLink>;
  /** How an upstream behaved after its upgrade: it answered, stalled, or was lost mid-session. */
  upstreamOutcome(name: string, outcome: "ok" | "stall" | "lost"): void;
  /** An upstream link is no longer used by this session (load accounting). */
  upstreamReleased(name: string): void;
  store: SessionStore;
  telemetry: SessionTelemetry;
  logger: Logger;
  /** Epoch ms of the session's first admission. */
  startedAt: number;
  resumeStatus: ResumeStatus;
  /** What an earlier connection of this session left: the first upstream is primed with it. */
  resumed?: { config?: Record<string, unknown>; items: ConversationItem[]; dropped: number };
  onEnd(outcome: Outcome, ending: Ending): void;
}

interface Link {
  up: UpstreamLink;
  /** Acknowledgements of priming events still to come (they are not the client's business). */
  acksDue: number;
  /** Still being primed: the client's events wait. */
  priming: boolean;
  /** Its first event and its pings (stall.ts). */
  watch: LinkWatch;
  /** The client sees this upstream's session.created (the first upstream of a connection only). */
  forwardSessionCreated: boolean;
  timers: Timer[];
  /** Called once every priming event is acknowledged. */
  onPrimed?: () => void;
}

export interface SessionStats {
  phase: string;
  upstream?: string;
  queuedBytes: number;
  clientBuffered: number;
  upstreamBuffered: number;
  upstreamPaused: boolean;
  clientPaused: boolean;
  items: number;
  rotations: number;
  failovers: number;
}

type Json = Record<string, unknown>;

export class Session {
  private phase: "connecting" | "live" | "ended" = "connecting";
  private active?: Link;
  private queue: Array<{ frame: Buffer; audio: boolean }> = [];
  private queuedBytes = 0;
  private readonly turns: Turns;
  private readonly conversation: Conversation;
  /** Items ever added to the conversation: what a rotation has already sent is counted against it. */
  private itemsAdded = 0;
  private readonly timers: Timer[] = [];
  private clientAlive = true;
  private lastClientEventAt: number;
  private idleNoticeSent = false;
  private turnStartedAt?: number;
  private voice = "default";
  private readonly flow: Flow;
  private readonly rotation: Rotation<Link>;
  private readonly failoverTimes: number[] = [];
  private rotations = 0;
  private failovers = 0;
  private audioBytes = { in: 0, out: 0 };
  private connecting?: AbortController;
  private drainWait?: DrainWait;
  /** A failover cut this answer: the client is told in proxy.resumed, and asks again. */
  private cutAnswer?: CutAnswer;
  private readonly connectedAt: number;
  /** This connection resumed a session: the first ready upstream is announced with proxy.resumed. */
  private announceResume: boolean;
  /** proxy.reconnect was sent: the client's events from then on are counted, not forwarded (proxy.unforwarded). */
  private handingOver = false;
  private unforwarded = 0;

  constructor(private readonly deps: SessionDeps) {
    this.conversation = new Conversation(deps.conversationLimits ?? DEFAULT_CONVERSATION_LIMITS, deps.resumed);
    this.announceResume = deps.resumed !== undefined;
    this.connectedAt = deps.clock.now();
    this.lastClientEventAt = this.connectedAt;
    this.turns = new Turns({ heldAudioMaxBytes: deps.limits.uncommittedAudioMaxBytes, prerollBytes: PREROLL_BYTES, silenceMs: deps.limits.upstreamSilenceMs }, this.connectedAt);
    this.turns.mode = turnModeOf(this.conversation.config);
    this.flow = new Flow(deps.clock, deps.limits, deps.client, () => this.active?.up.leg, (side) => {
      if (side === "client") return this.end({ kind: "client_timeout" });
      // The upstream stopped reading our sends: treat it as lost.
      if (this.active) this.linkLost(this.active, 1006, "stall");
    });
    this.rotation = new Rotation(deps.clock, { rotateMs: deps.limits.rotateMs, quietMaxMs: deps.limits.rotateQuietMaxMs }, {
      live: () => this.phase === "live" && this.active !== undefined,
      ended: () => this.phase === "ended",
      open: () => this.openRotationTarget(),
      attach: (link) => this.attach(link),
      prime: (link, done) => this.prime(link, this.conversation.snapshot(), done),
      itemsAdded: () => this.itemsAdded,
      quiet: () => this.turns.quietForSwitch() && this.queue.length === 0,
      switchTo: (link, sentItems) => this.switchTo(link, sentItems),
      discard: (link) => this.retire(link, "close"),
      logger: deps.logger,
    });
  }

  get sessionId(): string {
    return this.deps.sessionId;
  }

  stats(): SessionStats {
    return {
      phase: this.phase,
      upstream: this.active?.up.name,
      queuedBytes: this.queuedBytes,
      clientBuffered: this.deps.client.bufferedAmount(),
      upstreamBuffered: this.active?.up.leg.bufferedAmount() ?? 0,
      upstreamPaused: this.flow.upstreamPaused,
      clientPaused: this.flow.clientPaused,
      items: this.conversation.items.length,
      rotations: this.rotations,
      failovers: this.failovers,
    };
  }

  /** Time used so far, counted from the first admission. */
  elapsedMs(): number {
    return Math.max(0, this.deps.clock.now() - this.deps.startedAt);
  }

  /** The conversation as this connection knows it (for rewriting a store that lost it). */
  snapshot(): { config?: Json; items: ConversationItem[]; dropped: number } {
    return this.conversation.snapshot();
  }

  start(): void {
    const { client, clock, limits } = this.deps;
    client.attach({
      message: (data, isBinary) => this.fromClient(data, isBinary),
      close: (code) => this.end({ kind: "client_closed", code }),
      pong: () => (this.clientAlive = true),
      error: (code) => this.end(code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? { kind: "client_too_big" } : { kind: "client_closed", code: 1006 }),
    });
    const remaining = limits.sessionMaxMs - this.elapsedMs();
    this.sendClient({
      type: ProxyEvent.session, session_id: this.deps.sessionId, resume_token: this.deps.resumeToken,
      expires_in_ms: Math.max(0, remaining), resume_status: this.deps.resumeStatus,
    });
    if (remaining <= 0) return this.end({ kind: "time_limit" });
    if (remaining > limits.expiringNoticeMs) {
      this.timers.push(clock.after(remaining - limits.expiringNoticeMs, () => this.sendClient({
        type: ProxyEvent.expiring, session_id: this.deps.sessionId, remaining_ms: limits.expiringNoticeMs, reason: "time_limit" })));
    }
    this.timers.push(clock.after(remaining, () => this.end({ kind: "time_limit" })));
    this.timers.push(clock.every(limits.pingIntervalMs, () => this.ping()));
    // An upstream that owes an event and stays silent is failed over like a dead one (not only at the next ping).
    this.timers.push(watchSilence(clock, limits.upstreamSilenceMs, (now) => (this.phase === "live" && this.active && !this.active.priming && this.turns.stalled(now) ? this.active : undefined), (link) => {
      this.deps.logger.warn({ upstream: link.up.name, silentMs: limits.upstreamSilenceMs }, "upstream silent while an event is due");
      this.linkLost(link, 1006, "stall");
    }));
    if (limits.idleMs > 0) this.timers.push(clock.every(Math.max(50, Math.min(5_000, limits.idleNoticeMs / 2, limits.idleMs / 4)), () => this.checkIdle()));
    void this.openFirst();
  }

  /**
   * The instance is going away: at a quiet point (no utterance, commit, transcript or answer in progress;
   * waited for at most `drainQuietMaxMs`) the client is told to reconnect with its token, the state is
   * handed over (`flush`), then the connection is closed with 1012. The state is written through as events
   * pass; its writes in flight are awaited, and the quiet point is checked again after them (an answer
   * may have been asked for meanwhile).
   */
  async drain(flush: () => Promise<void>): Promise<void> {
    if (this.phase === "ended") return;
    this.rotation.cancel();
    this.drainWait = new DrainWait(this.deps.clock, this.deps.limits.drainQuietMaxMs);
    const handOver = await this.drainWait.until({ quiet: () => this.drainQuiet(), ended: () => this.isEnded(), settle: () => this.flushWrites() });
    if (!handOver) return;
    // Told at once, before the state's last writes: the client library stops sending at proxy.reconnect
    // and reconnects at the close, so audio it records meanwhile waits for the next connection instead
    // of going to an upstream that is about to close.
    this.sendClient({ type: ProxyEvent.reconnect, session_id: this.deps.sessionId, resume_token: this.deps.resumeToken, reason: "server restarting" });
    this.handingOver = true;
    await flush();
    if (this.isEnded()) return;
    this.end({ kind: "draining" });
  }

  isEnded(): boolean {
    return this.phase === "ended";
  }

  /** Another connection claimed this session: close without touching the shared state. */
  replaced(): void {
    this.end({ kind: "replaced" });
  }

  // ---- upstream connections ------------------------------------------------------------------

  private async openFirst(): Promise<void> {
    const link = await this.connectLink(new Set(), true);
    if (!link) return;
    this.activate(link, this.announceResume);
  }

  /** Opens an upstream link; undefined when none is available (the session then ends with 1013). */
  private async connectLink(exclude: ReadonlySet<string>, forwardSessionCreated: boolean): Promise<Link | undefined> {
    this.connecting = new AbortController();
    try {
      const up = await this.deps.connect(exclude, this.connecting.signal);
      if (this.phase === "ended") {
        up.leg.terminate();
        this.deps.upstreamReleased(up.name);
        return undefined;
      }
      return this.newLink(up, forwardSessionCreated);
    } catch (error) {
      if (this.phase !== "ended") {
        this.deps.logger.warn({ err: (error as Error).message }, "no upstream available");
        this.deps.telemetry.error("upstream_unavailable");
        this.sendError("upstream_unavailable", "no upstream available; try again");
        this.end({ kind: "upstream_unavailable" });
      }
      return undefined;
    } finally {
      this.connecting = undefined;
    }
  }

  /** A link for an open upstream: one that sends nothing within firstEventMs counts as stalled (stall.ts). */
  private newLink(up: UpstreamLink, forwardSessionCreated: boolean): Link {
    const watch = new LinkWatch(this.deps.clock, this.deps.limits.firstEventMs, () => this.linkLost(link, 1006, "stall"));
    const link: Link = { up, acksDue: 0, priming: false, forwardSessionCreated, timers: [], watch };
    return link;
  }

  /** Starts delivering a link's events (after it became the active or pending link: early frames arrive at once). */
  private attach(link: Link): void {
    link.up.leg.attach({
      message: (data, isBinary) => this.fromUpstream(link, data, isBinary),
      close: (code) => this.linkLost(link, code),
      pong: () => link.watch.pong(),
      error: () => this.linkLost(link, 1006),
    });
  }

  /** Makes `link` the session's upstream, priming it first when there is a conversation to carry over. */
  private activate(link: Link, prime: boolean, notice?: string): void {
    this.active = link;
    this.attach(link);
    if (this.active !== link) return; // lost while its early frames were delivered
    if (prime) this.prime(link, this.conversation.snapshot(), () => this.ready(notice));
    else this.ready(notice);
    this.rotation.schedule();
  }

  private prime(link: Link, state: { config?: Json; items: ConversationItem[]; dropped: number }, done: () => void): void {
    const events = primingEvents(state, this.deps.dialect);
    link.priming = true;
    link.acksDue = events.length;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      link.priming = false;
      timer.cancel();
      done();
    };
    const timer = this.deps.clock.after(this.deps.limits.primeTimeoutMs, () => {
      this.deps.logger.warn({ upstream: link.up.name, unacknowledged: link.acksDue }, "priming not acknowledged in time; going on");
      // Priming is over: acknowledgements still counted would swallow the client's own (and its errors).
      link.acksDue = 0;
      finish();
    });
    link.timers.push(timer);
    link.onPrimed = finish;
    for (const event of events) link.up.leg.send(event);
    if (events.length === 0) finish();
  }

  /** The active upstream may take the client's events: replay what waited, tell the client when it resumed. */
  private ready(notice?: string): void {
    if (this.phase === "ended" || !this.active) return;
    if (this.phase === "connecting") this.phase = "live";
    if (this.announceResume || notice) {
      const cut = this.cutAnswer;
      this.sendClient({
        type: ProxyEvent.resumed, session_id: this.deps.sessionId, resumed_items: this.conversation.items.length,
        elapsed_ms: this.elapsedMs(), ...(notice ? { reason: notice } : {}),
        ...(cut ? { response_cut: true, ...(cut.responseId ? { cut_response_id: cut.responseId } : {}) } : {}),
      });
      this.announceResume = false;
      this.cutAnswer = undefined;
    }
    const queued = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (const { frame, audio } of queued) this.sendUpstream(this.active, frame, audio);
    this.flow.apply();
  }

  private linkLost(link: Link, code: number, reason: "stall" | "lost" = "lost"): void {
    if (link !== this.active && link !== this.rotation.pending) return;
    this.retire(link, "terminate");
    if (this.phase === "ended") return;
    this.deps.upstreamOutcome(link.up.name, reason);
    if (this.rotation.lost(link)) {
      this.deps.logger.warn({ upstream: link.up.name, reason }, "rotation target lost; staying on the current upstream");
      return;
    }
    this.active = undefined;
    if (code === CloseCode.policy || code === CloseCode.tooBig) return this.end({ kind: "upstream_refused_input", code });
    void this.failover(link, reason);
  }

  /** The upstream died under a live session: continue on another through the same priming path. */
  private async failover(lost: Link, reason: string): Promise<void> {
    const now = this.deps.clock.now();
    this.failoverTimes.push(now);
    while (this.failoverTimes.length > 0 && now - this.failoverTimes[0] > this.deps.limits.failoverWindowMs) this.failoverTimes.shift();
    if (this.failoverTimes.length > this.deps.limits.maxFailovers) {
      this.deps.telemetry.error("upstream_lost");
      this.sendError("upstream_lost", "the upstream connection was lost repeatedly; try again");
      return this.end({ kind: "upstream_unavailable" });
    }
    this.rotation.cancel();
    const cut = this.turns.cut(this.deps.clock.now());
    if (cut) this.cutAnswer = cut;
    this.deps.logger.warn({ upstream: lost.up.name, reason, answerCut: cut !== undefined }, "upstream lost: failing over");
    const link = await this.connectLink(new Set([lost.up.name]), false);
    if (!link) return;
    this.failovers++;
    this.deps.telemetry.failover(lost.up.name, link.up.name);
    // Priming goes first (sent at once by activate), then the utterances the lost upstream never
    // confirmed, each with its commit, then what the client sent meanwhile (queued until primed).
    this.activate(link, true, "upstream_failover");
    if (this.active === link) for (const frame of this.turns.replay()) link.up.leg.send(frame);
  }

  /** `responding`: the link owes a billed response (only the active one can: rotation waits for a quiet point or is forced). */
  private retire(link: Link, how: "close" | "terminate", responding = link === this.active && this.turns.answerInFlight()): void {
    for (const t of link.timers) t.cancel();
    link.timers = [];
    link.watch.stop();
    this.deps.upstreamReleased(link.up.name);
    // A response still being generated (or asked for) is billed: cancel it and meter its response.done (settle.ts).
    if (responding && how === "close") return settleResponse(link.up.leg, this.deps.clock, this.settleOutcome(link.up.name));
    if (responding) this.deps.telemetry.error("response_unmetered"); // the link is gone: its usage with it
    link.up.leg.detach();
    if (how === "close") link.up.leg.close(CloseCode.normal, "session moved");
    else link.up.leg.terminate();
  }

  private settleOutcome(upstream: string): SettleOutcome {
    return {
      done: (frame) => this.deps.telemetry.responseDone(frame, upstream),
      unmetered: () => this.deps.telemetry.error("response_unmetered"),
    };
  }

  // ---- rotation (when: rotation.ts; the links and the switch's sends: here) --------------------

  /** A rotation target: undefined when the session moved on while it was opened (the link is released). */
  private async openRotationTarget(): Promise<Link | undefined> {
    const connecting = new AbortController();
    this.connecting = connecting;
    let up: UpstreamLink;
    try {
      up = await this.deps.connect(new Set(), connecting.signal);
    } finally {
      if (this.connecting === connecting) this.connecting = undefined;
    }
    if (this.phase !== "live" || !this.active) {
      up.leg.terminate();
      this.deps.upstreamReleased(up.name);
      return undefined;
    }
    return this.newLink(up, false);
  }

  private drainQuiet(): boolean {
    return this.turns.quietForDrain() && this.queue.length === 0;
  }

  /** After an event that may end what is in progress: a pending rotation or drain looks for its quiet point. */
  private quietPoint(): void {
    this.rotation.quietPoint();
    this.drainWait?.quietPoint();
  }

  /** The switch: items added since priming, the input audio not yet committed, then the client's events go to the new upstream. */
  private switchTo(link: Link, sentItems: number): void {
    const old = this.active!;
    const newer = this.itemsAdded - sentItems;
    const delta = newer > 0 ? this.conversation.items.slice(-Math.min(newer, this.conversation.items.length)) : [];
    const events = primingEvents({ items: delta, dropped: 0 }, this.deps.dialect);
    link.acksDue += events.length;
    for (const event of events) link.up.leg.send(event);
    const owed = this.turns.answerInFlight(); // a forced switch (no quiet point in time) retires a responding upstream
    this.active = link;
    this.retire(old, "close", owed);
    // At a quiet point only the utterance in progress (manual commit) or the pre-roll (server VAD) is held:
    // it continues on the new upstream.
    for (const frame of this.turns.replay()) link.up.leg.send(frame);
    this.rotations++;
    this.deps.logger.info({ from: old.up.name, to: link.up.name }, "upstream rotated");
  }

  // ---- client -> upstream --------------------------------------------------------------------

  private fromClient(data: Buffer, isBinary: boolean): void {
    if (this.phase === "ended") return;
    // Sent before the client read proxy.reconnect: not for an upstream about to close. The client sends
    // them again on its next connection (proxy.unforwarded at the close says how many).
    if (this.handingOver) {
      this.unforwarded++;
      return;
    }
    this.lastClientEventAt = this.deps.clock.now();
    this.idleNoticeSent = false;
    if (isBinary) {
      this.deps.telemetry.error("binary_frame");
      return this.sendError("binary_not_supported", "send realtime events as JSON text frames; audio goes base64 in input_audio_buffer.append");
    }
    const type = sniffType(data);
    const audio = type === RealtimeEvent.inputAudioAppend;
    if (audio) {
      this.audioBytes.in += data.length;
    } else {
      // Control events are small: parse them to validate and to keep the conversation; forward the original bytes.
      let event: Json;
      try {
        event = JSON.parse(data.toString("utf8")) as Json;
      } catch {
        this.deps.telemetry.error("invalid_json");
        return this.sendError("invalid_json", "the message is not valid JSON");
      }
      if (typeof event !== "object" || event === null || Array.isArray(event) || typeof event.type !== "string") {
        this.deps.telemetry.error("invalid_event");
        return this.sendError("invalid_event", "a realtime event is a JSON object with a string `type`");
      }
      // Unknown types are forwarded: the protocol grows, and the upstream is the judge of its events.
      if (!this.observeClientEvent(event.type, event)) return;
    }
    this.forward(data, audio);
  }

  /**
   * Keeps what a resume needs from a client event. False: the event is refused (over a resume-state
   * bound; the client gets an `error` naming it) and is not forwarded, so the upstream never holds
   * what a resume could not give back.
   */
  private observeClientEvent(type: string, event: Json): boolean {
    switch (type) {
      case RealtimeEvent.responseCreate:
        this.turnStartedAt = this.deps.clock.now();
        break;
      case RealtimeEvent.sessionUpdate: {
        const result = this.conversation.update(event.session);
        if (result && "refusal" in result) return this.refuse(result.refusal);
        const voice = (event.session as Json | undefined)?.voice;
        if (typeof voice === "string") this.voice = voice;
        if (result) this.write(this.deps.store.setConfig(result.config));
        this.turns.mode = turnModeOf(this.conversation.config);
        break;
      }
      case RealtimeEvent.itemCreate: {
        const item = itemFromClient(event);
        const refusal = item && this.conversation.refusal(item);
        if (refusal) return this.refuse(refusal);
        if (item) this.remember(item);
        break;
      }
    }
    return true;
  }

  private refuse(refusal: { code: string; message: string }): false {
    this.deps.telemetry.error(refusal.code);
    this.sendError(refusal.code, refusal.message);
    return false;
  }

  /** What the turn tracker learns from a client event as it goes upstream (the commit frame is kept for a replay). */
  private sendUpstream(link: Link, frame: Buffer, audio: boolean): void {
    link.up.leg.send(frame);
    if (audio) return this.turns.clientAudio(frame);
    const type = sniffType(frame);
    const now = this.deps.clock.now();
    if (type === RealtimeEvent.inputAudioCommit) this.turns.clientCommit(frame, now);
    else if (type === RealtimeEvent.inputAudioClear) this.turns.clientClear();
    else if (type === RealtimeEvent.responseCreate) this.turns.clientResponseCreate(now);
  }

  /** To the active upstream, or held (bounded) while there is none ready. Audio sent is kept until confirmed, for a replay. */
  private forward(frame: Buffer, audio: boolean): void {
    const link = this.active;
    if (!link || link.priming || this.phase === "connecting") {
      const { queueMaxMessages, queueMaxBytes } = this.deps.limits;
      if (this.queue.length >= queueMaxMessages || this.queuedBytes + frame.length > queueMaxBytes) {
        this.deps.telemetry.error("queue_overflow");
        this.sendError("queue_overflow", "too many events before the upstream session opened");
        return this.end({ kind: "client_overflow" });
      }
      this.queue.push({ frame, audio });
      this.queuedBytes += frame.length;
      return;
    }
    this.sendUpstream(link, frame, audio);
    this.flow.apply();
  }

  // ---- upstream -> client --------------------------------------------------------------------

  private fromUpstream(link: Link, data: Buffer, isBinary: boolean): void {
    if (this.phase === "ended" || (link !== this.active && link !== this.rotation.pending)) return;
    if (link.watch.event()) this.deps.upstreamOutcome(link.up.name, "ok");
    const type = isBinary ? undefined : sniffType(data);
    if (link === this.active) this.turns.heard(this.deps.clock.now());
    if (type !== undefined && AUDIO_DELTA_EVENTS.has(type)) {
      if (link !== this.active) return;
      if (this.turnStartedAt !== undefined) {
        this.deps.telemetry.latency(this.deps.clock.now() - this.turnStartedAt, this.voice, link.up.region);
        this.turnStartedAt = undefined;
      }
      this.audioBytes.out += data.length;
      return this.toClient(data, false);
    }
    if (type !== undefined && this.swallowed(link, type)) return;
    if (link !== this.active) return; // a rotation target speaks only to acknowledge its priming
    switch (type) {
      case RealtimeEvent.sessionCreated:
        if (!link.forwardSessionCreated) return;
        link.forwardSessionCreated = false;
        break;
      case RealtimeEvent.responseCreated:
        this.turns.responseCreated(fieldOf(data, "response", "id"));
        break;
      case RealtimeEvent.responseDone:
        this.turns.responseDone();
        this.deps.telemetry.responseDone(data, link.up.name);
        this.flushAudioSeconds();
        break;
      case "input_audio_buffer.speech_started":
        this.turns.speechStarted();
        break;
      case RealtimeEvent.inputAudioCommitted:
        this.turns.committed();
        // Server VAD ended the user's turn: latency counts from here.
        this.turnStartedAt ??= this.deps.clock.now();
        break;
      case TRANSCRIPTION_COMPLETED:
      case TRANSCRIPTION_FAILED:
        this.turns.transcribed();
        break;
      case RealtimeEvent.error:
        this.turns.upstreamError(fieldOf(data, "error", "code"));
        break;
    }
    if (type !== undefined && CAPTURED_UPSTREAM_EVENTS.has(type)) this.captureUpstream(type, data);
    if (type === TRANSCRIPTION_COMPLETED) this.deps.telemetry.transcription(data, link.up.name);
    this.toClient(data, isBinary);
    if (type !== undefined && QUIET_POINT_EVENTS.has(type)) this.quietPoint();
  }

  /** Acknowledgements of priming (and their trailing item.done) are the proxy's, not the client's. */
  private swallowed(link: Link, type: string): boolean {
    if (link.acksDue > 0 && (PRIMING_ACKS.has(type) || type === RealtimeEvent.error)) {
      link.acksDue--;
      if (type === RealtimeEvent.error) this.deps.logger.warn({ upstream: link.up.name }, "the upstream refused a priming event");
      if (link.acksDue === 0) link.onPrimed?.();
      return true;
    }
    if (link.priming && type === "conversation.item.done") return true;
    if (link !== this.active && type === RealtimeEvent.sessionCreated) return true;
    return false;
  }

  private captureUpstream(type: string, data: Buffer): void {
    try {
      const item = itemFromUpstream(type, JSON.parse(data.toString("utf8")) as Json);
      if (item) this.remember(item);
    } catch {
      // Forwarded as it is; the conversation just lacks it.
    }
  }

  private remember(item: ConversationItem): void {
    this.conversation.add(item);
    this.itemsAdded++;
    this.write(this.deps.store.append(item));
  }

  private pendingWrites = new Set<Promise<unknown>>();

  /** Shared-state writes run in the background; one that finds the session taken over closes it. */
  private write(result: Promise<boolean>): void {
    const tracked = result.then(
      (owned) => {
        if (!owned) this.replaced();
      },
      (error: Error) => this.deps.logger.warn({ err: error.message }, "resume state not written"),
    ).finally(() => this.pendingWrites.delete(tracked));
    this.pendingWrites.add(tracked);
  }

  /** Resolves when the writes issued so far have settled. */
  async flushWrites(): Promise<void> {
    await Promise.all([...this.pendingWrites]);
  }

  private toClient(data: Buffer, isBinary: boolean): void {
    const { client } = this.deps;
    // Realtime upstreams send text frames only; anything binary is not the protocol and is dropped.
    if (!client.isOpen() || isBinary) return;
    client.send(data);
    this.flow.apply();
  }

  private flushAudioSeconds(): void {
    const { telemetry } = this.deps;
    if (this.audioBytes.in > 0) telemetry.audioSeconds(this.audioBytes.in / BASE64_CHARS_PER_SECOND, "in");
    if (this.audioBytes.out > 0) telemetry.audioSeconds(this.audioBytes.out / BASE64_CHARS_PER_SECOND, "out");
    this.audioBytes = { in: 0, out: 0 };
  }

  // ---- liveness, idle (flow control: flow.ts) ---------------------------------------------------

  private ping(): void {
    if (!this.clientAlive) return this.end({ kind: "client_timeout" });
    this.clientAlive = false;
    this.deps.client.ping();
    for (const link of [this.active, this.rotation.pending]) {
      if (link && !link.watch.ping(() => link.up.leg.ping())) this.linkLost(link, 1006, "stall");
    }
    this.flushAudioSeconds();
  }

  private checkIdle(): void {
    const { idleMs, idleNoticeMs } = this.deps.limits;
    const quietFor = this.deps.clock.now() - this.lastClientEventAt;
    if (quietFor >= idleMs) return this.end({ kind: "idle" });
    if (!this.idleNoticeSent && quietFor >= idleMs - idleNoticeMs) {
      this.idleNoticeSent = true;
      this.sendClient({ type: ProxyEvent.expiring, session_id: this.deps.sessionId, remaining_ms: idleMs - quietFor, reason: "idle" });
    }
  }

  private sendClient(event: Json): void {
    if (this.deps.client.isOpen()) this.deps.client.send(JSON.stringify(event));
  }

  private sendError(code: string, message: string): void {
    this.sendClient({ type: "error", error: { type: "proxy_error", code, message, event_id: null } });
  }

  // ---- the one close path --------------------------------------------------------------------

  /** Ends the session for any reason, once; safe to call any number of times. */
  end(ending: Ending): void {
    if (this.phase === "ended") return;
    this.phase = "ended";
    this.connecting?.abort();
    for (const t of this.timers) t.cancel();
    this.flow.stop();
    const pending = this.rotation.pending;
    this.rotation.stop();
    this.drainWait?.stop();
    const { code, reason } = clientCloseFor(ending);
    if (this.unforwarded > 0) this.sendClient({ type: ProxyEvent.unforwarded, session_id: this.deps.sessionId, count: this.unforwarded });
    if (ending.kind === "time_limit") this.sendError("session_time_limit", reason);
    if (ending.kind === "user_limit") this.sendError(ResumeLimitError.userSessionLimit, reason);
    if (ending.kind === "client_timeout") this.deps.client.terminate();
    else this.deps.client.close(code, reason);
    for (const link of [this.active, pending]) if (link) this.retire(link, ending.kind === "upstream_unavailable" ? "terminate" : "close");
    this.active = undefined;
    this.queue = [];
    this.queuedBytes = 0;
    this.flushAudioSeconds();
    const durationMs = this.deps.clock.now() - this.connectedAt;
    this.deps.telemetry.sessionEnded(durationMs);
    this.deps.logger.info({ ending: ending.kind, code, durationMs, rotations: this.rotations, failovers: this.failovers, items: this.conversation.items.length, ...this.deps.telemetry.summary?.() }, "session ended");
    this.deps.onEnd(outcomeOf(ending), ending);
  }
}

const TRANSCRIPTION_COMPLETED = "conversation.item.input_audio_transcription.completed";
const TRANSCRIPTION_FAILED = "conversation.item.input_audio_transcription.failed";
/** After these the upstream may owe nothing more: a pending rotation or drain looks for its quiet point. */
const QUIET_POINT_EVENTS: ReadonlySet<string> = new Set([
  RealtimeEvent.responseDone, RealtimeEvent.inputAudioCommitted, RealtimeEvent.error, TRANSCRIPTION_COMPLETED, TRANSCRIPTION_FAILED,
]);
/** With server VAD, the input audio kept while the user is silent: the start of the next utterance (prefix_padding_ms is 300 ms by default). */
const PREROLL_BYTES = 48 * 1024;

/** One string field of a small control event (response.created's id, an error's code); undefined when absent or not JSON. */
function fieldOf(data: Buffer, outer: string, inner: string): string | undefined {
  try {
    const value = ((JSON.parse(data.toString("utf8")) as Json)[outer] as Json | undefined)?.[inner];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
