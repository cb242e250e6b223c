/**
 * The client core with fake sockets and a fake clock: what goes on the wire, when, and what the
 * application is told, through normal turns, drains, losses, refusals and give-ups.
 */
import { FakeClock, FakeSockets, sequence } from "./fakes";
import { VoiceClient, type VoiceClientEvents, type VoiceClientOptions } from "./voiceClient";

const URL_ = "wss://voice.example.com/voice-live/realtime?api-version=2025-10-01&model=gpt-realtime";
const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(options: Partial<VoiceClientOptions> = {}, random = sequence(0.5), canSetHeaders = true) {
  const clock = new FakeClock();
  const sockets = new FakeSockets(canSetHeaders);
  const client = new VoiceClient({ url: URL_, token: "user-token", ...options }, { sockets, clock, random });
  const seen: Array<{ [K in keyof VoiceClientEvents]: [K, VoiceClientEvents[K]] }[keyof VoiceClientEvents]> = [];
  for (const type of ["state", "session", "resumed", "ready", "reconnecting", "dropped", "closed", "warning"] as const) {
    client.on(type, (payload) => seen.push([type, payload] as never));
  }
  const of = <K extends keyof VoiceClientEvents>(type: K) => seen.filter(([t]) => t === type).map(([, p]) => p as VoiceClientEvents[K]);
  return { clock, sockets, client, seen, of };
}

const append = (n: number) => ({ type: "input_audio_buffer.append", audio: `AAA${n}` });

describe("connecting", () => {
  test("Node: the token goes as a bearer header; the URL is the one given, with no resume on a first connect", async () => {
    const { client, sockets } = setup();
    const ready = client.connect();
    await settle();
    expect(sockets.last.request.headers).toEqual({ authorization: "Bearer user-token" });
    expect(sockets.last.request.protocols).toEqual([]);
    expect(sockets.last.url.searchParams.get("resume")).toBeNull();
    expect(sockets.last.url.searchParams.get("model")).toBe("gpt-realtime");
    sockets.last.accept({ resumeToken: "r-1", resumeStatus: "new" });
    await expect(ready).resolves.toEqual({ sessionId: "s-1", reconnected: false, resumed: false });
  });

  test("browser: the token rides in the subprotocol the proxy reads, never in the URL", async () => {
    const { client, sockets } = setup({}, sequence(0.5), false);
    void client.connect();
    await settle();
    expect(sockets.last.request.protocols).toEqual(["realtime", "openai-insecure-api-key.user-token"]);
    expect(sockets.last.request.headers).toEqual({});
    expect(sockets.last.request.url).not.toContain("user-token");
  });

  test('tokenIn "header" without header support is refused at construction', () => {
    expect(() => setup({ tokenIn: "header" }, sequence(0.5), false)).toThrow(/browsers use "protocol"/);
  });

  test("a token function is called before every attempt, so a refreshed token is used on reconnect", async () => {
    let n = 0;
    const { client, sockets, clock } = setup({ token: async () => `token-${++n}` });
    void client.connect();
    await settle();
    sockets.last.accept({ resumeToken: "r-1" });
    sockets.last.serverCloses(1006);
    clock.advance(10_000);
    await settle();
    expect(sockets.opened.map((s) => s.request.headers.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
  });

  test("a token function that fails counts as a failed attempt and is retried with backoff", async () => {
    let calls = 0;
    const { client, sockets, clock, of } = setup({ token: async () => {
      if (++calls === 1) throw new Error("identity provider down");
      return "late-token";
    }, reconnect: { initialDelayMs: 100, jitter: 0 } });
    void client.connect();
    await settle();
    expect(sockets.opened).toHaveLength(0);
    expect(of("reconnecting")).toEqual([expect.objectContaining({ attempt: 1, delayMs: 100, reason: expect.stringMatching(/identity provider down/) })]);
    clock.advance(100);
    await settle();
    expect(sockets.last.request.headers.authorization).toBe("Bearer late-token");
  });

  test("events sent before the session is ready wait, then go out in order once session.created arrives", async () => {
    const { client, sockets } = setup();
    void client.connect();
    client.send({ type: "session.update", session: { voice: "alloy" } });
    client.appendAudio("AAAA");
    await settle();
    sockets.last.open();
    sockets.last.serverSends({ type: "proxy.session", session_id: "s-1", resume_token: "r-1", resume_status: "new" });
    expect(sockets.last.sent).toEqual([]);
    sockets.last.serverSends({ type: "session.created", session: {} });
    expect(sockets.last.events.map((e) => e.type)).toEqual(["session.update", "input_audio_buffer.append"]);
    client.send({ type: "input_audio_buffer.commit" });
    expect(sockets.last.events.map((e) => e.type)).toEqual(["session.update", "input_audio_buffer.append", "input_audio_buffer.commit"]);
  });

  test("every server event is surfaced in order, proxy events included; a frame that is not an event is a warning", async () => {
    const { client, sockets, of } = setup();
    const types: string[] = [];
    client.on("event", (e) => types.push(e.type));
    void client.connect();
    await settle();
    sockets.last.accept({ resumeToken: "r-1" });
    sockets.last.serverSendsRaw("not json");
    sockets.last.serverSends({ type: "response.audio.delta", delta: "AAAA" });
    expect(types).toEqual(["proxy.session", "session.created", "response.audio.delta"]);
    expect(of("warning")).toHaveLength(1);
  });

  test("a listener that throws does not break the session", async () => {
    const { client, sockets, of } = setup();
    client.on("event", () => {
      throw new Error("app bug");
    });
    const ready = client.connect();
    await settle();
    sockets.last.accept();
    await expect(ready).resolves.toMatchObject({ sessionId: "s-1" });
    expect(of("warning")[0].message).toMatch(/app bug/);
  });
});

describe("reconnecting", () => {
  test("1012 with a resume token: reconnect at once (within the restart spread) with ?resume=<token>; held audio goes out only after proxy.resumed", async () => {
    const { client, sockets, clock, of } = setup({ reconnect: { restartSpreadMs: 400 } }, sequence(0.25));
    void client.connect();
    await settle();
    sockets.last.accept({ resumeToken: "tok-1", resumeStatus: "new" });
    sockets.last.serverCloses(1012, "server restarting: reconnect");
    expect(of("reconnecting")).toEqual([{ attempt: 1, delayMs: 100, code: 1012, reason: "server restarting: reconnect", httpStatus: undefined }]);
    client.appendAudio("AAA1");
    client.appendAudio("AAA2");
    clock.advance(99);
    await settle();
    expect(sockets.opened).toHaveLength(1);
    clock.advance(1);
    await settle();
    const second = sockets.last;
    expect(sockets.opened).toHaveLength(2);
    expect(second.url.searchParams.get("resume")).toBe("tok-1");
    expect(second.request.headers.authorization).toBe("Bearer user-token");
    second.accept({ sessionId: "s-1", resumeToken: "tok-2", resumeStatus: "resumed" });
    expect(second.sent).toEqual([]);
    second.serverSends({ type: "proxy.resumed", session_id: "s-1", resumed_items: 4, elapsed_ms: 60_000 });
    expect(second.events).toEqual([append(1), append(2)].map((e, i) => ({ ...e, audio: `AAA${i + 1}` })));
    expect(of("resumed")).toEqual([{ sessionId: "s-1", resumedItems: 4, elapsedMs: 60_000 }]);
    expect(of("ready").at(-1)).toEqual({ sessionId: "s-1", reconnected: true, resumed: true });
    expect(client.stats()).toMatchObject({ attempts: 2, reconnects: 1, resumes: 1, held: 0 });
  });

  test("the newest resume token is the one presented (proxy.reconnect replaces the one from proxy.session)", async () => {
    const { client, sockets, clock } = setup();
    void client.connect();
    await settle();
    sockets.last.accept({ resumeToken: "old" });
    sockets.last.serverSends({ type: "proxy.reconnect", session_id: "s-1", resume_token: "fresh", reason: "server restarting" });
    sockets.last.serverCloses(1012);
    clock.advance(1_000);
    await settle();
    expect(sockets.last.url.searchParams.get("resume")).toBe("fresh");
  });

  test("proxy.reconnect: nothing more is sent to the draining instance; if its close never comes, the client reconnects anyway", async () => {
    const { client, sockets, clock, of } = setup({ drainCloseTimeoutMs: 3_000 });
    void client.connect();
    await settle();
    const first = sockets.last;
    first.accept({ resumeToken: "tok-1" });
    first.serverSends({ type: "proxy.reconnect", session_id: "s-1", resume_token: "tok-1", reason: "server restarting" });
    expect(client.currentState).toBe("draining");
    client.appendAudio("AAA1");
    expect(first.sent).toEqual([]);
    clock.advance(2_999);
    expect(first.closedByClient).toBeUndefined();
    clock.advance(1);
    // Abandoned without a close code: the server sees no normal end and keeps the session.
    expect(first.closedByClient).toEqual({ code: undefined, reason: undefined });
    expect(of("reconnecting")[0]).toMatchObject({ attempt: 1, code: 1006 });
    clock.advance(1_000);
    await settle();
    expect(sockets.last).not.toBe(first);
    expect(sockets.last.url.searchParams.get("resume")).toBe("tok-1");
    // A late close from the abandoned socket changes nothing.
    first.serverCloses(1012);
    expect(sockets.opened).toHaveLength(2);
  });

  test("proxy.unforwarded: the events the draining instance did not forward go first on the next connection, in order", async () => {
    const { client, sockets, clock } = setup({}, sequence(0));
    void client.connect();
    await settle();
    const first = sockets.last;
    first.accept({ sessionId: "s-1", resumeToken: "tok-1" });
    client.appendAudio("AAA1");
    client.appendAudio("AAA2"); // the user starts speaking as the server asks for the reconnect
    client.appendAudio("AAA3");
    first.serverSends({ type: "proxy.reconnect", session_id: "s-1", resume_token: "tok-1", reason: "server restarting" });
    client.appendAudio("AAA4"); // held: the client knows now
    first.serverSends({ type: "proxy.unforwarded", session_id: "s-1", count: 2 });
    first.serverCloses(1012, "server restarting");
    clock.advance(0);
    await settle();
    const second = sockets.last;
    second.accept({ sessionId: "s-1", resumeToken: "tok-1", resumeStatus: "resumed" });
    second.serverSends({ type: "proxy.resumed", session_id: "s-1", resumed_items: 1, elapsed_ms: 1_000 });
    expect(second.events.map((e) => e.audio)).toEqual(["AAA2", "AAA3", "AAA4"]);
  });

  test("proxy.unforwarded with a response.create among them: it is sent again once, not also retried as a cut answer", async () => {
    const { client, sockets, clock } = setup({}, sequence(0));
    void client.connect();
    await settle();
    const first = sockets.last;
    first.accept({ sessionId: "s-1", resumeToken: "tok-1" });
    client.send({ type: "input_audio_buffer.commit" });
    client.send({ type: "response.create" });
    first.serverSends({ type: "proxy.reconnect", session_id: "s-1", resume_token: "tok-1", reason: "server restarting" });
    first.serverSends({ type: "proxy.unforwarded", session_id: "s-1", count: 2 });
    first.serverCloses(1012, "server restarting");
    clock.advance(0);
    await settle();
    const second = sockets.last;
    second.accept({ sessionId: "s-1", resumeToken: "tok-1", resumeStatus: "resumed" });
    second.serverSends({ type: "proxy.resumed", session_id: "s-1", resumed_items: 1, elapsed_ms: 1_000 });
    expect(second.events.map((e) => e.type)).toEqual(["input_audio_buffer.commit", "response.create"]);
  });

  test("unexpected closes back off exponentially with jitter, and the client gives up after maxAttempts", async () => {
    const policy = { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0.5 };
    const { client, sockets, clock, of } = setup({ reconnect: policy }, sequence(0, 1, 0.5, 0));
    const ready = client.connect();
    await settle();
    sockets.last.serverCloses(1006);
    for (let i = 0; i < 4; i++) {
      clock.advance(1_000);
      await settle();
      sockets.last.serverCloses(i % 2 ? 1011 : 1013);
    }
    // ceilings 100, 200, 400, 800; delay = ceiling * (0.5 + 0.5 * random)
    expect(of("reconnecting").map((r) => r.delayMs)).toEqual([50, 200, 300, 400]);
    expect(sockets.opened).toHaveLength(5);
    expect(of("closed")).toEqual([expect.objectContaining({ code: 1011, byClient: false, attempts: 5, reason: expect.stringMatching(/gave up after 4/) })]);
    await expect(ready).rejects.toThrow(/gave up after 4/);
    clock.advance(60_000);
    await settle();
    expect(sockets.opened).toHaveLength(5);
  });

  test("a session that became ready resets the attempt count", async () => {
    const { client, sockets, clock, of } = setup({ reconnect: { maxAttempts: 2, initialDelayMs: 100, jitter: 0 } });
    void client.connect();
    await settle();
    for (let round = 0; round < 3; round++) {
      sockets.last.serverCloses(1006); // attempt fails before ready
      clock.advance(10_000);
      await settle();
      sockets.last.accept();
      sockets.last.serverCloses(1006); // a ready session drops
      clock.advance(10_000);
      await settle();
    }
    expect(of("closed")).toEqual([]);
    expect(of("reconnecting").map((r) => r.attempt)).toEqual([1, 1, 2, 1, 2, 1]);
  });

  test.each([
    [1000, "normal end"],
    [1008, "policy"],
    [1009, "too big"],
    [4000, "session time limit"],
    [4001, "replaced by another connection"],
  ])("close %i (%s): no reconnect", async (code, reason) => {
    const { client, sockets, clock, of } = setup();
    void client.connect();
    await settle();
    sockets.last.accept({ resumeToken: "r-1" });
    sockets.last.serverCloses(code, reason);
    clock.advance(60_000);
    await settle();
    expect(sockets.opened).toHaveLength(1);
    expect(of("closed")).toEqual([{ code, reason, httpStatus: undefined, body: undefined, byClient: false, attempts: 1 }]);
    expect(client.send({ type: "response.create" })).toBe(false);
  });

  test("an upgrade refused 401 is final and connect() says why; 503 (draining, capacity) is retried", async () => {
    const a = setup();
    const ready = a.client.connect();
    await settle();
    a.sockets.last.refuse(401, '{"error":{"code":"token_expired"}}');
    await expect(ready).rejects.toThrow(/HTTP 401/);
    expect(a.of("closed")[0]).toMatchObject({ httpStatus: 401, body: '{"error":{"code":"token_expired"}}' });

    const b = setup();
    void b.client.connect();
    await settle();
    b.sockets.last.refuse(503);
    b.clock.advance(10_000);
    await settle();
    expect(b.sockets.opened).toHaveLength(2);
  });

  test("resume refused (token expired or unknown): a new session gets the last session.update again before the held events", async () => {
    const { client, sockets, clock, of } = setup();
    void client.connect();
    await settle();
    sockets.last.accept({ resumeToken: "r-1" });
    client.send({ type: "session.update", session: { instructions: "Interview for a backend role." } });
    sockets.last.serverCloses(1006);
    client.appendAudio("AAA1");
    clock.advance(10_000);
    await settle();
    expect(sockets.last.url.searchParams.get("resume")).toBe("r-1");
    sockets.last.accept({ sessionId: "s-2", resumeToken: "r-2", resumeStatus: "not_resumable" });
    expect(sockets.last.events).toEqual([
      { type: "session.update", session: { instructions: "Interview for a backend role." } },
      { type: "input_audio_buffer.append", audio: "AAA1" },
    ]);
    expect(of("session").at(-1)).toEqual({ sessionId: "s-2", resumeStatus: "not_resumable", resumeRequested: true, resumable: true, expiresInMs: 2_700_000 });
    expect(of("ready").at(-1)).toEqual({ sessionId: "s-2", reconnected: true, resumed: false });
  });

  test("a session without a resume token (a proxy without resume) reconnects without ?resume=", async () => {
    const { client, sockets, clock, of } = setup();
    void client.connect();
    await settle();
    sockets.last.accept({});
    expect(of("session")[0].resumable).toBe(false);
    sockets.last.serverCloses(1012);
    clock.advance(1_000);
    await settle();
    expect(sockets.last.url.searchParams.get("resume")).toBeNull();
  });

  test("a connect that never completes is abandoned at the connect timeout and retried", async () => {
    const { client, sockets, clock } = setup({ connectTimeoutMs: 2_000, reconnect: { initialDelayMs: 100, jitter: 0 } });
    void client.connect();
    await settle();
    clock.advance(2_000);
    expect(sockets.opened[0].closedByClient).toBeDefined();
    clock.advance(100);
    await settle();
    expect(sockets.opened).toHaveLength(2);
  });

  test("an open connection that never becomes ready is abandoned at the ready timeout", async () => {
    const { client, sockets, clock } = setup({ readyTimeoutMs: 5_000 });
    void client.connect();
    await settle();
    sockets.last.open();
    sockets.last.serverSends({ type: "proxy.session", session_id: "s-1", resume_token: "r-1", resume_status: "resumed" });
    clock.advance(5_000);
    expect(sockets.last.closedByClient).toBeDefined();
    expect(client.currentState).toBe("waiting");
  });

  test("reconnect: false ends the session at the first unexpected close", async () => {
    const { client, sockets, of } = setup({ reconnect: false });
    void client.connect();
    await settle();
    sockets.last.accept();
    sockets.last.serverCloses(1012);
    expect(of("closed")).toHaveLength(1);
    expect(of("reconnecting")).toEqual([]);
  });

  test("close() while waiting to reconnect: no further attempt; close() while open: 1000 to the server", async () => {
    const a = setup();
    void a.client.connect().catch(() => undefined);
    await settle();
    a.sockets.last.accept();
    a.sockets.last.serverCloses(1006);
    a.client.close();
    a.clock.advance(60_000);
    await settle();
    expect(a.sockets.opened).toHaveLength(1);
    expect(a.of("closed")).toEqual([{ code: 1000, reason: "client closed", byClient: true, attempts: 1 }]);

    const b = setup();
    void b.client.connect();
    await settle();
    b.sockets.last.accept();
    b.client.close("done");
    expect(b.sockets.last.closedByClient).toEqual({ code: 1000, reason: "done" });
    b.sockets.last.serverCloses(1000);
    expect(b.of("closed")).toHaveLength(1);
  });
});

describe("holding events while away", () => {
  test("audio past the bound: the oldest chunks are dropped and counted, the newest arrive in order", async () => {
    const { client, sockets, clock, of } = setup({ outbox: { maxAudioChars: 12, maxEvents: 10 } });
    void client.connect();
    await settle();
    sockets.last.accept({ resumeToken: "r-1" });
    sockets.last.serverCloses(1006);
    for (let i = 1; i <= 5; i++) client.appendAudio(`AAA${i}`); // 4 characters each: 3 fit
    client.send({ type: "input_audio_buffer.commit" });
    expect(of("dropped").at(-1)).toEqual({ audioChunks: 2, audioChars: 8, events: 0 });
    clock.advance(10_000);
    await settle();
    sockets.last.accept({ resumeToken: "r-2", resumeStatus: "resumed" });
    sockets.last.serverSends({ type: "proxy.resumed", session_id: "s-1", resumed_items: 1, elapsed_ms: 1 });
    expect(sockets.last.events.map((e) => e.audio ?? e.type)).toEqual(["AAA3", "AAA4", "AAA5", "input_audio_buffer.commit"]);
    expect(client.stats().dropped).toEqual({ audioChunks: 2, audioChars: 8, events: 0 });
  });

  test("a socket that stops draining: events wait in the outbox (bounded) and follow in order once it drains", async () => {
    const { client, sockets, clock } = setup({ socketHighWaterBytes: 100 });
    void client.connect();
    await settle();
    sockets.last.accept();
    client.appendAudio("AAA1");
    sockets.last.bufferedAmount = 101;
    client.appendAudio("AAA2");
    client.appendAudio("AAA3");
    expect(sockets.last.sent).toHaveLength(1);
    expect(client.stats().held).toBe(2);
    clock.advance(50);
    expect(sockets.last.sent).toHaveLength(1);
    sockets.last.bufferedAmount = 0;
    clock.advance(50);
    expect(sockets.last.events.map((e) => e.audio)).toEqual(["AAA1", "AAA2", "AAA3"]);
  });
});

describe("answers cut under the session", () => {
  const ask = { type: "response.create", response: { instructions: "ask about the last project" } };

  test("proxy.resumed with response_cut on the same connection: the same response.create goes again, once", async () => {
    const { client, sockets } = setup();
    const retried: Array<VoiceClientEvents["answerRetried"]> = [];
    client.on("answerRetried", (e) => retried.push(e));
    void client.connect();
    await settle();
    const socket = sockets.last;
    socket.accept({ resumeToken: "tok-1", resumeStatus: "new" });
    client.send(ask);
    socket.serverSends({ type: "response.created", response: { id: "resp_1" } });
    socket.serverSends({ type: "proxy.resumed", session_id: "s", resumed_items: 2, elapsed_ms: 1, reason: "upstream_failover", response_cut: true, cut_response_id: "resp_1" });
    expect(socket.events.filter((e) => e.type === "response.create")).toEqual([ask, ask]);
    expect(retried).toEqual([{ responseId: "resp_1", reason: "upstream_failover" }]);
    // A failover with nothing cut sends nothing.
    socket.serverSends({ type: "response.done", response: {} });
    socket.serverSends({ type: "proxy.resumed", session_id: "s", resumed_items: 2, elapsed_ms: 1, reason: "upstream_failover" });
    expect(socket.events.filter((e) => e.type === "response.create")).toHaveLength(2);
  });

  test("a connection lost while an answer was owed: asked again on the resumed session, before what waited", async () => {
    const { client, sockets, clock } = setup({ reconnect: { restartSpreadMs: 0 } });
    void client.connect();
    await settle();
    sockets.last.accept({ resumeToken: "tok-1", resumeStatus: "new" });
    client.send(ask);
    sockets.last.serverCloses(1006, "");
    client.appendAudio("AAA9");
    clock.advance(10_000);
    await settle();
    const second = sockets.last;
    second.accept({ sessionId: "s-1", resumeToken: "tok-2", resumeStatus: "resumed" });
    second.serverSends({ type: "proxy.resumed", session_id: "s-1", resumed_items: 2, elapsed_ms: 1 });
    expect(second.events).toEqual([ask, append(9)]);
  });
});
