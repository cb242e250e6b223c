/**
 * The session core with fake legs and a fake clock: resume priming, rotation at a quiet point with no
 * frame lost or reordered, failover, drain, limits across resumes, idle, fencing. No sockets, no timers.
 */
import { FakeClock } from "./clock";
import type { ConversationItem } from "./conversation";
import { DEFAULT_SESSION_LIMITS, Session, type SessionDeps, type SessionLimits, type UpstreamLink } from "./core";
import type { Outcome } from "./frames";
import type { Leg, LegHandlers } from "./legs";

class FakeLeg implements Leg {
  sent: string[] = [];
  closed?: { code: number; reason: string };
  terminated = false;
  open = true;
  handlers?: LegHandlers;
  buffered = 0;
  paused = false;
  pings = 0;
  constructor(readonly name = "leg") {}
  send(data: Buffer | string) {
    this.sent.push(String(data));
  }
  bufferedAmount() {
    return this.buffered;
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  ping() {
    this.pings++;
  }
  close(code: number, reason: string) {
    this.closed = { code, reason };
    this.open = false;
  }
  terminate() {
    this.terminated = true;
    this.open = false;
  }
  isOpen() {
    return this.open;
  }
  attach(handlers: LegHandlers) {
    this.handlers = handlers;
  }
  detach() {
    this.handlers = undefined;
  }
  /** An event arrives on this leg. */
  receive(event: Record<string, unknown>) {
    this.handlers?.message(Buffer.from(JSON.stringify(event)), false);
  }
  pong() {
    this.handlers?.pong();
  }
  drop(code = 1006) {
    this.open = false;
    this.handlers?.close(code);
  }
  types(): string[] {
    return this.sent.map((s) => JSON.parse(s).type as string);
  }
  events(): Array<Record<string, unknown>> {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

const flush = () => new Promise((r) => setImmediate(r));

interface Harness {
  session: Session;
  clock: FakeClock;
  client: FakeLeg;
  upstreams: FakeLeg[];
  outcomes: Outcome[];
  stored: ConversationItem[];
  configs: Array<Record<string, unknown>>;
  owned: { value: boolean };
  outcomesByUpstream: Array<[string, string]>;
}

function harness(options: { limits?: Partial<SessionLimits>; resumed?: SessionDeps["resumed"]; startedAt?: number; refuse?: number } = {}): Harness {
  const clock = new FakeClock(1_000_000);
  const client = new FakeLeg("client");
  const upstreams: FakeLeg[] = [];
  const outcomes: Outcome[] = [];
  const stored: ConversationItem[] = [];
  const configs: Array<Record<string, unknown>> = [];
  const owned = { value: true };
  const outcomesByUpstream: Array<[string, string]> = [];
  let refusals = options.refuse ?? 0;
  const session = new Session({
    sessionId: "s1",
    resumeToken: "tok",
    dialect: "preview",
    client,
    clock,
    // Pings only where a test is about them: the fake peers do not answer by themselves.
    limits: { ...DEFAULT_SESSION_LIMITS, sessionMaxMs: 45 * 60_000, rotateMs: 0, idleMs: 0, pingIntervalMs: 1e9, ...options.limits },
    async connect(): Promise<UpstreamLink> {
      if (refusals > 0) {
        refusals--;
        throw new Error("refused");
      }
      const leg = new FakeLeg(`up${upstreams.length}`);
      upstreams.push(leg);
      return { leg, name: leg.name, region: "r" };
    },
    upstreamOutcome: (name, outcome) => outcomesByUpstream.push([name, outcome]),
    upstreamReleased: () => undefined,
    store: {
      setConfig: async (config) => {
        configs.push(config);
        return owned.value;
      },
      append: async (item) => {
        stored.push(item);
        return owned.value;
      },
    },
    telemetry: { latency: () => undefined, audioSeconds: () => undefined, responseDone: () => undefined, transcription: () => undefined, error: () => undefined, failover: () => undefined, sessionEnded: () => undefined },
    logger: { info: () => undefined, warn: () => undefined },
    startedAt: options.startedAt ?? clock.now(),
    resumeStatus: options.resumed ? "resumed" : "new",
    resumed: options.resumed,
    onEnd: (outcome) => outcomes.push(outcome),
  });
  return { session, clock, client, upstreams, outcomes, stored, configs, owned, outcomesByUpstream };
}

const audio = (n: number) => ({ type: "input_audio_buffer.append", audio: `AAAA${n}` });
const delta = (n: number) => ({ type: "response.audio.delta", delta: `BBBB${n}` });

/** A complete turn on an upstream: user transcript, response audio, transcript, done. */
function respond(up: FakeLeg, n: number) {
  up.receive({ type: "input_audio_buffer.committed" });
  up.receive({ type: "conversation.item.input_audio_transcription.completed", transcript: `answer ${n}` });
  up.receive({ type: "response.created" });
  up.receive(delta(n));
  up.receive({ type: "response.audio_transcript.done", transcript: `question ${n}` });
  up.receive({ type: "response.done", response: { status: "completed" } });
}

test("a fresh session: proxy.session first, events queued until the upstream is there, then in order", async () => {
  const h = harness();
  h.session.start();
  expect(h.client.events()[0]).toMatchObject({ type: "proxy.session", session_id: "s1", resume_token: "tok", resume_status: "new" });
  h.client.receive({ type: "session.update", session: { instructions: "be kind" } });
  h.client.receive(audio(1));
  await flush();
  const [up] = h.upstreams;
  up.receive({ type: "session.created", session: {} });
  expect(up.types()).toEqual(["session.update", "input_audio_buffer.append"]);
  expect(h.client.types()).toEqual(["proxy.session", "session.created"]);
  expect(h.configs).toEqual([{ instructions: "be kind" }]);
});

test("resume: the new upstream gets the configuration and conversation as text, acknowledgements are swallowed, proxy.resumed comes before the client's events go on", async () => {
  const h = harness({
    resumed: { config: { instructions: "interview", voice: "alloy" }, items: [{ kind: "message", role: "user", text: "hello" }, { kind: "message", role: "assistant", text: "hi, tell me about you" }], dropped: 2 },
    startedAt: 1_000_000 - 10 * 60_000,
  });
  h.session.start();
  expect(h.client.events()[0]).toMatchObject({ type: "proxy.session", resume_status: "resumed", expires_in_ms: 35 * 60_000 });
  h.client.receive(audio(1));
  await flush();
  const [up] = h.upstreams;
  expect(up.events()).toEqual([
    { type: "session.update", session: { instructions: "interview", voice: "alloy" } },
    { type: "conversation.item.create", item: { type: "message", role: "system", content: [{ type: "input_text", text: "(The 2 earliest items of this conversation are not repeated here.)" }] } },
    { type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: "hello" }] } },
    { type: "conversation.item.create", item: { type: "message", role: "assistant", content: [{ type: "text", text: "hi, tell me about you" }] } },
  ]);
  up.receive({ type: "session.created" });
  up.receive({ type: "session.updated" });
  for (let i = 0; i < 3; i++) up.receive({ type: "conversation.item.created" });
  expect(h.client.types()).toEqual(["proxy.session", "session.created", "proxy.resumed"]);
  expect(h.client.events()[2]).toMatchObject({ resumed_items: 2, elapsed_ms: 10 * 60_000 });
  expect(up.types().at(-1)).toBe("input_audio_buffer.append"); // only now
  // The 45 minutes count across resumes: 35 left.
  h.clock.advance(35 * 60_000);
  expect(h.client.closed?.code).toBe(4000);
  expect(h.outcomes).toEqual(["ended"]);
});

test("rotation: a new upstream is primed while the old one streams, the switch waits for response.done, no frame is lost or reordered", async () => {
  // (The fake upstream stays silent for the minute before the rotation: not a stall here.)
  const h = harness({ limits: { rotateMs: 60_000, upstreamSilenceMs: 120_000 } });
  h.session.start();
  await flush();
  const [old] = h.upstreams;
  old.receive({ type: "session.created" });
  h.client.receive({ type: "session.update", session: { instructions: "interview" } });
  respond(old, 1);
  // A response is streaming when the rotation starts.
  old.receive({ type: "response.created" });
  old.receive(delta(2));
  h.clock.advance(60_000);
  await flush();
  const next = h.upstreams[1];
  expect(next.types()).toEqual(["session.update", "conversation.item.create", "conversation.item.create"]);
  next.receive({ type: "session.created" });
  next.receive({ type: "session.updated" });
  next.receive({ type: "conversation.item.created" });
  next.receive({ type: "conversation.item.created" });
  // Still streaming: the old upstream keeps the session; the client keeps sending audio to it.
  h.client.receive(audio(3));
  old.receive(delta(3));
  old.receive({ type: "response.audio_transcript.done", transcript: "question 2" });
  expect(next.types().filter((t) => t === "input_audio_buffer.append")).toEqual([]);
  old.receive({ type: "response.done", response: {} });
  // Switched: the item added meanwhile goes to the new upstream, then the pre-roll (audio the old
  // upstream's VAD may not have reported as speech yet: the start of an utterance), then new events.
  expect(old.closed?.code).toBe(1000);
  expect(next.types().slice(3)).toEqual(["conversation.item.create", "input_audio_buffer.append"]);
  expect(next.events()[4]).toEqual(audio(3));
  h.client.receive(audio(4));
  expect(next.events().at(-1)).toEqual(audio(4));
  next.receive({ type: "conversation.item.created" }); // the delta item's acknowledgement: not the client's
  next.receive(delta(4));
  const toClient = h.client.events().filter((e) => e.type === "response.audio.delta").map((e) => e.delta);
  expect(toClient).toEqual(["BBBB1", "BBBB2", "BBBB3", "BBBB4"]);
  expect(h.client.types()).not.toContain("conversation.item.created");
  expect(h.client.closed).toBeUndefined();
  expect(h.session.stats().rotations).toBe(1);
});

test("rotation that never finds a quiet point switches after rotateQuietMaxMs", async () => {
  const h = harness({ limits: { rotateMs: 1000, rotateQuietMaxMs: 5000, pingIntervalMs: 1e9, upstreamSilenceMs: 60_000 } });
  h.session.start();
  await flush();
  const [old] = h.upstreams;
  old.receive({ type: "session.created" });
  old.receive({ type: "response.created" });
  h.clock.advance(1000);
  await flush();
  const next = h.upstreams[1];
  next.receive({ type: "session.created" });
  h.clock.advance(4999);
  expect(old.closed).toBeUndefined();
  h.clock.advance(1);
  expect(h.session.stats().upstream).toBe("up1");
  // The old upstream's response is billed: it is cancelled, and the link kept until its response.done (metered).
  expect(old.types()).toContain("response.cancel");
  expect(old.closed).toBeUndefined();
  old.receive({ type: "response.done", response: { status: "cancelled", usage: { total_tokens: 1 } } });
  expect(old.closed?.code).toBe(1000);
});

test("failover: the upstream drops, a new one is primed, uncommitted audio replayed, the client is told and stays", async () => {
  const h = harness();
  h.session.start();
  await flush();
  const [first] = h.upstreams;
  first.receive({ type: "session.created" });
  respond(first, 1);
  first.receive({ type: "input_audio_buffer.speech_started" }); // the candidate is answering
  h.client.receive(audio(9));
  first.drop(1006);
  h.client.receive(audio(10)); // while failing over: queued
  await flush();
  const second = h.upstreams[1];
  expect(second.types()).toEqual(["conversation.item.create", "conversation.item.create", "input_audio_buffer.append"]);
  second.receive({ type: "session.created" });
  second.receive({ type: "conversation.item.created" });
  second.receive({ type: "conversation.item.created" });
  expect(second.events().slice(-2)).toEqual([audio(9), audio(10)]);
  expect(h.client.events().at(-1)).toMatchObject({ type: "proxy.resumed", reason: "upstream_failover", resumed_items: 2 });
  expect(h.outcomesByUpstream).toContainEqual(["up0", "lost"]);
  expect(h.client.closed).toBeUndefined();
});

test("an upstream that sends nothing after the upgrade counts as stalled and is replaced", async () => {
  const h = harness({ limits: { firstEventMs: 2000 } });
  h.session.start();
  await flush();
  h.clock.advance(2000);
  await flush();
  expect(h.upstreams[0].terminated).toBe(true);
  expect(h.outcomesByUpstream).toEqual([["up0", "stall"]]);
  h.upstreams[1].receive({ type: "session.created" });
  expect(h.outcomesByUpstream).toEqual([["up0", "stall"], ["up1", "ok"]]);
});

test("no upstream at all: an error event, 1013, and the session stays resumable", async () => {
  const h = harness({ refuse: 1 });
  h.session.start();
  await flush();
  expect(h.client.events().at(-1)).toMatchObject({ type: "error", error: { code: "upstream_unavailable" } });
  expect(h.client.closed?.code).toBe(1013);
  expect(h.outcomes).toEqual(["detached"]);
});

test("drain waits for the response in flight (bounded), then proxy.reconnect with the token and 1012", async () => {
  const h = harness({ limits: { drainQuietMaxMs: 10_000 } });
  h.session.start();
  await flush();
  const [up] = h.upstreams;
  up.receive({ type: "session.created" });
  up.receive({ type: "response.created" });
  let flushed = false;
  let toldBeforeFlush = false;
  const drained = h.session.drain(async () => {
    // The client hears proxy.reconnect before the hand-over: it stops sending to this instance.
    toldBeforeFlush = h.client.types().at(-1) === "proxy.reconnect";
    flushed = true;
  });
  await flush();
  expect(h.client.closed).toBeUndefined();
  up.receive(delta(1));
  up.receive({ type: "response.done", response: {} });
  await drained;
  expect(flushed).toBe(true);
  expect(toldBeforeFlush).toBe(true);
  expect(h.client.types().slice(-1)).toEqual(["proxy.reconnect"]);
  expect(h.client.events().at(-1)).toMatchObject({ resume_token: "tok" });
  expect(h.client.closed?.code).toBe(1012);
  expect(h.outcomes).toEqual(["detached"]);

  const stuck = harness({ limits: { drainQuietMaxMs: 3000 } });
  stuck.session.start();
  await flush();
  stuck.upstreams[0].receive({ type: "response.created" });
  const done = stuck.session.drain(async () => undefined);
  stuck.clock.advance(3000);
  await done;
  expect(stuck.client.closed?.code).toBe(1012);
});

test("events that arrive after proxy.reconnect (sent before the client read it) are not forwarded; proxy.unforwarded counts them before the close", async () => {
  const h = harness({ limits: { drainQuietMaxMs: 10_000 } });
  h.session.start();
  await flush();
  const [up] = h.upstreams;
  up.receive({ type: "session.created" });
  h.client.receive({ type: "session.update", session: { turn_detection: null } });
  up.receive({ type: "session.updated" });
  let release: () => void = () => undefined;
  const drained = h.session.drain(() => new Promise<void>((r) => (release = r)));
  await flush();
  expect(h.client.types().at(-1)).toBe("proxy.reconnect");
  const sentBefore = up.sent.length;
  h.client.receive(audio(1)); // the user started speaking as proxy.reconnect went out
  h.client.receive(audio(2));
  expect(up.sent.length).toBe(sentBefore);
  release();
  await drained;
  expect(h.client.events().slice(-1)).toEqual([{ type: "proxy.unforwarded", session_id: expect.any(String), count: 2 }]);
  expect(h.client.closed?.code).toBe(1012);
});

test("a silent client is warned, then closed; it stays resumable", async () => {
  const h = harness({ limits: { idleMs: 60_000, idleNoticeMs: 10_000, pingIntervalMs: 1e9 } });
  h.session.start();
  await flush();
  h.upstreams[0].receive({ type: "session.created" });
  h.clock.advance(30_000);
  h.client.receive(audio(1)); // activity resets the clock
  h.clock.advance(55_000);
  expect(h.client.events().at(-1)).toMatchObject({ type: "proxy.session.expiring", reason: "idle" });
  h.clock.advance(5_000);
  expect(h.client.closed).toEqual({ code: 1000, reason: "idle: no events from the client" });
  expect(h.outcomes).toEqual(["detached"]);
});

test("a write that finds the session taken over closes this connection with 4001 and leaves the state alone", async () => {
  const h = harness();
  h.session.start();
  await flush();
  h.upstreams[0].receive({ type: "session.created" });
  h.owned.value = false;
  h.client.receive({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] } });
  await flush();
  expect(h.client.closed?.code).toBe(4001);
  expect(h.outcomes).toEqual(["replaced"]);
});

test("a client that stops answering pings is cut; a normal close ends the session", async () => {
  const h = harness({ limits: { pingIntervalMs: 1000 } });
  h.session.start();
  await flush();
  h.upstreams[0].receive({ type: "session.created" });
  h.clock.advance(1000);
  h.upstreams[0].pong();
  h.clock.advance(1000);
  expect(h.client.terminated).toBe(true);
  expect(h.outcomes).toEqual(["detached"]);

  const n = harness();
  n.session.start();
  await flush();
  n.client.drop(1000);
  expect(n.outcomes).toEqual(["ended"]);
  expect(n.upstreams[0].closed?.code).toBe(1000);
});

test("input audio is kept for a replay only during an utterance (server VAD) or between manual commits", async () => {
  const h = harness();
  h.session.start();
  await flush();
  const [first] = h.upstreams;
  first.receive({ type: "session.created" });
  for (let i = 0; i < 5000; i++) h.client.receive(audio(i)); // silence between turns
  first.drop(1006);
  await flush();
  // Only a pre-roll (the start of an utterance server VAD has not reported yet): the latest frames, in order.
  const replayed = h.upstreams[1].events().filter((e) => e.type === "input_audio_buffer.append");
  const frameBytes = JSON.stringify(audio(4999)).length;
  expect(replayed.length).toBeLessThanOrEqual(Math.ceil((48 * 1024) / frameBytes));
  expect(replayed).toEqual(Array.from({ length: replayed.length }, (_, k) => audio(5000 - replayed.length + k)));

  const manual = harness();
  manual.session.start();
  await flush();
  manual.upstreams[0].receive({ type: "session.created" });
  manual.client.receive({ type: "session.update", session: { turn_detection: null } });
  manual.client.receive(audio(1));
  manual.client.receive(audio(2));
  manual.upstreams[0].drop(1006);
  await flush();
  expect(manual.upstreams[1].events().filter((e) => e.type === "input_audio_buffer.append")).toEqual([audio(1), audio(2)]);
});

test("the conversation kept is text only and bounded", async () => {
  const h = harness({ limits: {} });
  h.session.start();
  await flush();
  const [up] = h.upstreams;
  up.receive({ type: "session.created" });
  h.client.receive({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_audio", audio: "UklGRg==" }] } });
  respond(up, 1);
  h.client.receive({ type: "conversation.item.create", item: { type: "function_call_output", call_id: "c1", output: "{\"ok\":true}" } });
  up.receive({ type: "response.function_call_arguments.done", call_id: "c2", name: "lookup", arguments: "{}" });
  expect(h.stored).toEqual([
    { kind: "message", role: "user", text: "answer 1" },
    { kind: "message", role: "assistant", text: "question 1" },
    { kind: "function_call_output", callId: "c1", output: "{\"ok\":true}" },
    { kind: "function_call", callId: "c2", name: "lookup", arguments: "{}" },
  ]);
  expect(JSON.stringify(h.stored)).not.toContain("UklGRg");
});

test("a session.update over the stored-configuration bound is refused with an error naming it, neither forwarded nor stored: a later resume primes what the upstream has", async () => {
  const h = harness();
  h.session.start();
  await flush();
  const [up] = h.upstreams;
  up.receive({ type: "session.created" });
  h.client.receive({ type: "session.update", session: { instructions: "short" } });
  h.client.receive({ type: "session.update", session: { instructions: "x".repeat(70_000) } });
  await flush();
  const errors = h.client.events().filter((e) => e.type === "error");
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ error: { code: "session_config_too_large" } });
  expect(String((errors[0].error as { message: string }).message)).toContain("65536-byte limit (RESUME_CONFIG_MAX_BYTES)");
  // The upstream got only the update the store holds.
  expect(up.events().filter((e) => e.type === "session.update")).toEqual([{ type: "session.update", session: { instructions: "short" } }]);
  expect(h.configs).toEqual([{ instructions: "short" }]);
  expect(h.session.snapshot().config).toEqual({ instructions: "short" });
  expect(h.client.closed).toBeUndefined();
});

test("a conversation item whose stored form is over the per-item bound (a 900,000-character call_id) is refused, not forwarded, not stored", async () => {
  const h = harness();
  h.session.start();
  await flush();
  const [up] = h.upstreams;
  up.receive({ type: "session.created" });
  h.client.receive({ type: "conversation.item.create", item: { type: "function_call_output", call_id: "c".repeat(900_000), output: "1" } });
  await flush();
  expect(h.client.events().find((e) => e.type === "error")).toMatchObject({ error: { code: "conversation_item_too_large" } });
  expect(up.types()).not.toContain("conversation.item.create");
  expect(h.stored).toEqual([]);
});

// ---- survival: what is in flight is never lost to a rotation, a stall, a failover or a drain -------------

test("rotation under server VAD waits for the automatic answer and the user's transcript, not just the commit", async () => {
  const h = harness({ limits: { rotateMs: 60_000 } });
  h.session.start();
  await flush();
  const [old] = h.upstreams;
  old.receive({ type: "session.created" });
  h.client.receive({ type: "session.update", session: { input_audio_transcription: { model: "whisper-1" } } });
  old.receive({ type: "session.updated" });
  h.clock.advance(59_000);
  // The user speaks; server VAD commits: the answer and the transcript are still owed by the old upstream.
  old.receive({ type: "input_audio_buffer.speech_started" });
  h.client.receive(audio(1));
  old.receive({ type: "input_audio_buffer.committed" });
  h.clock.advance(1_000);
  await flush();
  const next = h.upstreams[1];
  next.receive({ type: "session.created" });
  next.receive({ type: "session.updated" });
  expect(old.closed).toBeUndefined();
  old.receive({ type: "response.created", response: { id: "resp_1" } });
  old.receive(delta(1));
  old.receive({ type: "response.audio_transcript.done", transcript: "question 1" });
  old.receive({ type: "response.done", response: {} });
  expect(old.closed).toBeUndefined(); // the transcript of the user's words is still due
  old.receive({ type: "conversation.item.input_audio_transcription.completed", transcript: "answer 1" });
  expect(old.closed?.code).toBe(1000);
  expect(h.session.stats().rotations).toBe(1);
  expect(h.client.events().filter((e) => e.type === "conversation.item.input_audio_transcription.completed")).toHaveLength(1);
  expect(h.client.events().filter((e) => e.type === "response.done")).toHaveLength(1);
});

test("rotation does not switch between response.create and response.created", async () => {
  const h = harness({ limits: { rotateMs: 60_000 } });
  h.session.start();
  await flush();
  const [old] = h.upstreams;
  old.receive({ type: "session.created" });
  h.client.receive({ type: "session.update", session: { instructions: "x" } });
  old.receive({ type: "session.updated" });
  h.clock.advance(60_000);
  await flush();
  const next = h.upstreams[1];
  next.receive({ type: "session.created" });
  h.client.receive({ type: "response.create" });
  next.receive({ type: "session.updated" }); // primed: the answer asked of the old upstream is still owed
  expect(old.closed).toBeUndefined();
  old.receive({ type: "response.created", response: { id: "r" } });
  old.receive({ type: "response.done", response: {} });
  expect(old.closed?.code).toBe(1000);
  expect(next.types()).not.toContain("response.create");
});

test("a stalled upstream mid-answer is failed over within upstreamSilenceMs, and the client is told the answer was cut", async () => {
  const h = harness({ limits: { upstreamSilenceMs: 3000 } });
  h.session.start();
  await flush();
  const [first] = h.upstreams;
  first.receive({ type: "session.created" });
  h.client.receive({ type: "response.create" });
  first.receive({ type: "response.created", response: { id: "resp_9" } });
  first.receive(delta(1));
  h.clock.advance(2500);
  expect(first.terminated).toBe(false);
  h.clock.advance(1000); // silent for 3 s while the answer is due
  expect(first.terminated).toBe(true);
  expect(h.outcomesByUpstream).toContainEqual(["up0", "stall"]);
  await flush();
  h.upstreams[1].receive({ type: "session.created" });
  expect(h.client.events().at(-1)).toMatchObject({ type: "proxy.resumed", reason: "upstream_failover", response_cut: true, cut_response_id: "resp_9" });
  // Quiet upstreams are not stalls: nothing is due.
  h.clock.advance(60_000);
  expect(h.upstreams[1].terminated).toBe(false);
});

test("manual commit: held audio goes only at the upstream's confirmation; a commit the lost upstream never confirmed is replayed with its audio", async () => {
  const h = harness();
  h.session.start();
  await flush();
  const [first] = h.upstreams;
  first.receive({ type: "session.created" });
  h.client.receive({ type: "session.update", session: { turn_detection: null } });
  first.receive({ type: "session.updated" });
  h.client.receive(audio(1));
  h.client.receive(audio(2));
  h.client.receive({ type: "input_audio_buffer.commit" });
  h.client.receive(audio(3)); // the next utterance begins
  first.drop(1006); // before input_audio_buffer.committed
  await flush();
  const second = h.upstreams[1];
  second.receive({ type: "session.created" });
  second.receive({ type: "session.updated" });
  expect(second.events().filter((e) => e.type !== "session.update")).toEqual([audio(1), audio(2), { type: "input_audio_buffer.commit" }, audio(3)]);
  // Confirmed and answered on the new upstream: a later failover replays only the utterance in progress.
  second.receive({ type: "input_audio_buffer.committed" });
  h.client.receive({ type: "response.create" });
  second.receive({ type: "response.created", response: { id: "r" } });
  second.receive({ type: "response.done", response: {} });
  second.drop(1006);
  await flush();
  expect(h.upstreams[2].events().filter((e) => e.type !== "session.update")).toEqual([audio(3)]);
});

test("drain waits for a manual-commit utterance in progress and looks again after its writes", async () => {
  const h = harness({ limits: { drainQuietMaxMs: 30_000 } });
  h.session.start();
  await flush();
  const [up] = h.upstreams;
  up.receive({ type: "session.created" });
  h.client.receive({ type: "session.update", session: { turn_detection: null } });
  up.receive({ type: "session.updated" });
  h.client.receive(audio(1)); // the user is speaking
  let handedOver = false;
  const drained = h.session.drain(async () => void (handedOver = true));
  await flush();
  h.clock.advance(5_000);
  expect(h.client.closed).toBeUndefined();
  h.client.receive({ type: "input_audio_buffer.commit" });
  h.client.receive({ type: "response.create" });
  up.receive({ type: "input_audio_buffer.committed" });
  up.receive({ type: "response.created", response: { id: "r1" } });
  up.receive(delta(1));
  await flush();
  expect(h.client.closed).toBeUndefined();
  up.receive({ type: "response.done", response: {} });
  await drained;
  expect(handedOver).toBe(true);
  expect(h.client.types().slice(-1)).toEqual(["proxy.reconnect"]);
  expect(h.client.closed?.code).toBe(1012);
});
