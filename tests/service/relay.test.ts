/** The session against a misbehaving upstream and a misbehaving client: failover, errors, close codes, bounds. */
import { createServer } from "node:net";
import { WebSocketServer } from "ws";
import { runTurns } from "../../service/src/dev/turn";
import { connect, LOCAL_KEY_ENV, mintToken, startStack, type TestStack } from "../support/stack";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Breakers that set an upstream aside for 200 ms, so a test sees it come back. */
const fastBreakers = { baseOpenMs: 200, maxOpenMs: 400 };
let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** Once the faults are gone and the breakers' short open period is over (readiness says so), a new session is served. */
async function healthyAfterwards(s: TestStack): Promise<void> {
  for (const e of s.emulators) e.setFaults({ refuse: false, rateLimit: false, stall: false, dropAfterMs: undefined, dropOnResponse: false });
  const deadline = Date.now() + 5000;
  const setAside = async () => Object.values(((await (await fetch(`http://127.0.0.1:${s.proxy.adminPort}/readyz`)).json()) as { upstreams: Record<string, { state: string }> }).upstreams).some((u) => u.state === "open");
  while ((await setAside()) && Date.now() < deadline) await sleep(50);
  const result = await runTurns({ url: s.wsUrl(), token: await mintToken({ sub: `next-${Math.random()}` }) });
  expect(result.turns[0].audioSeconds).toBeGreaterThan(0);
}

test("a full turn passes verbatim, in order, with usage intact", async () => {
  stack = await startStack();
  const result = await runTurns({ url: stack.wsUrl(), token: await mintToken(), repeat: 2 });
  expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  expect(result.turns).toHaveLength(2);
  expect(result.turns[1].audioSeconds).toBeCloseTo(0.4, 2);
  // 2nd response: instructions + user audio 1 s (10) + reply 1 (text + 0.4 s × 20 = 8) + user audio (10); its
  // prefix is below Azure's 1,024-token cache minimum, so nothing is cached (tests/service/emulator.test.ts).
  const usage = result.turns[1].usage as { input_token_details: { audio_tokens: number; cached_tokens: number } };
  expect(usage.input_token_details.audio_tokens).toBe(28);
  expect(usage.input_token_details.cached_tokens).toBe(0);
  expect(stack.emulators[0].stats().received["input_audio_buffer.append"]).toBe(20);
});

test("the first upstream refuses: failover to the next priority, counted", async () => {
  stack = await startStack({ emulators: [{ faults: { refuse: true } }, {}] });
  const client = await connect(stack.wsUrl(), await mintToken());
  await client.waitFor("session.created");
  expect(stack.emulators[1].stats().open).toBe(1);
  const metrics = await (await fetch(`http://127.0.0.1:${stack.proxy.adminPort}/metrics`)).text();
  expect(metrics).toMatch(/voice_upstream_failovers(_total)?\{[^}]*from="vl0"[^}]*\} 1/);
  client.ws.close();
});

test.each([
  ["refuses connections", { refuse: true }],
  ["answers 429", { rateLimit: true }],
])("every upstream %s: an error event, then 1013; the proxy stays healthy", async (_name, faults) => {
  stack = await startStack({ emulators: [{ faults }, { faults }], deps: { health: fastBreakers } });
  const client = await connect(stack.wsUrl(), await mintToken());
  expect(await client.closed).toMatchObject({ code: 1013 });
  const error = client.events.find((e) => e.type === "error") as { error: { code: string } };
  expect(error.error.code).toBe("upstream_unavailable");
  // Both Voice Live upstreams are set aside after a 429 (readiness shows it); the next session does not wait on them.
  if ("rateLimit" in faults) {
    const { upstreams } = (await (await fetch(`http://127.0.0.1:${stack.proxy.adminPort}/readyz`)).json()) as { upstreams: Record<string, { state: string }> };
    expect([upstreams.vl0.state, upstreams.vl1.state]).toEqual(["open", "open"]);
  }
  await healthyAfterwards(stack);
});

/** One turn: a second of audio, commit, response; resolves with the response.done. */
async function turn(client: Awaited<ReturnType<typeof connect>>, timeoutMs = 5000) {
  const from = client.events.length;
  client.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(48_000).toString("base64") });
  client.send({ type: "input_audio_buffer.commit" });
  client.send({ type: "response.create" });
  return client.waitFor("response.done", timeoutMs, from);
}

test("the upstream drops mid-response: the session fails over, primed with the conversation, and the client stays connected", async () => {
  stack = await startStack({ emulators: [{}] });
  const client = await connect(stack.wsUrl(), await mintToken());
  await client.waitFor("session.created");
  client.send({ type: "session.update", session: { instructions: "Interview for a backend role.", input_audio_transcription: { model: "whisper-1" } } });
  await turn(client);
  stack.emulators[0].setFaults({ dropOnResponse: true });
  const lostFrom = client.events.length;
  client.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(48_000).toString("base64") });
  client.send({ type: "input_audio_buffer.commit" });
  client.send({ type: "response.create" });
  const resumed = await client.waitFor("proxy.resumed", 5000, lostFrom);
  expect(resumed).toMatchObject({ reason: "upstream_failover", resumed_items: 3 });
  stack.emulators[0].setFaults({ dropOnResponse: false });
  const done = await turn(client);
  expect((done.response as { status: string }).status).toBe("completed");
  // The new upstream session got the earlier turns as text before the next response.
  const items = stack.emulators[0].stats().items;
  expect(items.map((i) => i.role)).toEqual(["user", "assistant", "user"]);
  expect(items[0].text).toMatch(/^This is my answer number 1/);
  expect(items[1].text).toBe("Thanks, that is helpful.");
  expect(client.events.filter((e) => e.type === "session.created")).toHaveLength(1); // the new upstream's is not the client's
  const metrics = await (await fetch(`http://127.0.0.1:${stack.proxy.adminPort}/metrics`)).text();
  expect(metrics).toMatch(/voice_upstream_failovers(_total)?\{[^}]*from="vl0"[^}]*to="vl0"[^}]*\} 1/);
  client.ws.close();
});

test("an upstream that keeps dropping: after the allowed failovers, an error event and 1013", async () => {
  stack = await startStack({ emulators: [{ faults: { dropAfterMs: 30 } }], deps: { limits: { maxFailovers: 2 }, health: fastBreakers } });
  const client = await connect(stack.wsUrl(), await mintToken());
  expect(await client.closed).toMatchObject({ code: 1013 });
  expect(client.events.find((e) => e.type === "error")).toMatchObject({ error: { code: "upstream_lost" } });
  await healthyAfterwards(stack);
});

test("the upstream stalls (no events, no pongs): detected, failed over, set aside, then 1013 when no upstream is left", async () => {
  stack = await startStack({ emulators: [{ faults: { stall: true } }], deps: { limits: { pingIntervalMs: 150, firstEventMs: 300 }, health: fastBreakers } });
  const client = await connect(stack.wsUrl(), await mintToken());
  const started = Date.now();
  expect(await client.closed).toMatchObject({ code: 1013 });
  expect(Date.now() - started).toBeLessThan(3000);
  expect(client.events.find((e) => e.type === "error")).toMatchObject({ error: { code: "upstream_unavailable" } });
  await healthyAfterwards(stack);
});

test("a client that stops reading while the upstream floods audio: buffers stay bounded, then the session ends", async () => {
  // An upstream that sends audio as fast as the proxy reads it (paced audio would take minutes to fill
  // loopback's kernel buffers).
  const flood = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((r) => flood.once("listening", r));
  const frame = JSON.stringify({ type: "response.audio.delta", response_id: "r", item_id: "i", output_index: 0, content_index: 0, delta: "A".repeat(32 * 1024) });
  let sent = 0;
  flood.on("connection", (ws) => {
    ws.send(JSON.stringify({ type: "session.created", session: { id: "s", model: "gpt-realtime" } }));
    const pump = () => {
      while (ws.readyState === ws.OPEN && ws.bufferedAmount < 256 * 1024 && sent < 4000) {
        ws.send(frame);
        sent++;
      }
      if (ws.readyState === ws.OPEN && sent < 4000) setTimeout(pump, 5);
    };
    pump();
  });
  const highWaterBytes = 256 * 1024;
  try {
    stack = await startStack({
      upstreams: () => [{ name: "flood", url: `http://127.0.0.1:${(flood.address() as { port: number }).port}`, kind: "voice-live", priority: 1, auth: "key", apiKeyEnv: LOCAL_KEY_ENV, model: "gpt-realtime" }],
      deps: { limits: { highWaterBytes, lowWaterBytes: 64 * 1024, stuckMs: 1500 } },
    });
    const client = await connect(stack.wsUrl(), await mintToken());
    // Stop reading at once: kernel buffers fill, then the proxy's send buffer, then it pauses the upstream.
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await sleep(50);
    const relay = stack.proxy.sessions()[0];
    let maxBuffered = 0;
    let paused = false;
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && stack.proxy.sessions().length > 0) {
      const s = relay.stats();
      maxBuffered = Math.max(maxBuffered, s.clientBuffered);
      paused ||= s.upstreamPaused;
      await sleep(10);
    }
    expect(paused).toBe(true);
    // At most one frame beyond the mark: 4,000 frames (128 MB) were available to send.
    expect(maxBuffered).toBeLessThan(highWaterBytes + frame.length + 1024);
    expect(sent).toBeLessThan(4000);
    expect(stack.proxy.sessions()).toHaveLength(0); // stuck past stuckMs: ended, memory released
  } finally {
    for (const ws of flood.clients) ws.terminate();
    flood.close();
  }
});

test("malformed client input gets error events; the session and a concurrent one carry on", async () => {
  stack = await startStack();
  const other = await connect(stack.wsUrl(), await mintToken({ sub: "bystander" }));
  const client = await connect(stack.wsUrl(), await mintToken({ sub: "fuzzer" }));
  await client.waitFor("session.created");
  client.ws.send("this is not json");
  client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  client.ws.send(JSON.stringify([1, 2]));
  client.send({ type: "no.such.event" }); // forwarded: the upstream answers with its own error
  for (let i = 0; i < 500; i++) client.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(960).toString("base64") });
  client.send({ type: "input_audio_buffer.commit" });
  client.send({ type: "response.create" });
  await client.waitFor("response.done", 10_000);
  const codes = client.events.filter((e) => e.type === "error").map((e) => (e.error as { code: string }).code);
  expect(codes).toEqual(expect.arrayContaining(["invalid_json", "binary_not_supported", "invalid_event", "unknown_event"]));
  other.send({ type: "session.update", session: { voice: "echo" } });
  expect(await other.waitFor("session.updated")).toBeDefined();
  other.ws.close();
  client.ws.close();
});

test("an oversized frame closes that session with 1009, nobody else's", async () => {
  stack = await startStack();
  const other = await connect(stack.wsUrl(), await mintToken({ sub: "bystander" }));
  const client = await connect(stack.wsUrl(), await mintToken({ sub: "big" }));
  await client.waitFor("session.created");
  client.send({ type: "input_audio_buffer.append", audio: "A".repeat(2 * 1024 * 1024) });
  expect(await client.closed).toMatchObject({ code: 1009 });
  other.send({ type: "session.update", session: {} });
  await other.waitFor("session.updated");
  other.ws.close();
});

test("session time limit: proxy.session.expiring, then 4000", async () => {
  stack = await startStack({ deps: { limits: { sessionMaxMs: 600, expiringNoticeMs: 300 } } });
  const client = await connect(stack.wsUrl(), await mintToken());
  const session = await client.waitFor("proxy.session");
  const expiring = await client.waitFor("proxy.session.expiring");
  expect(expiring).toMatchObject({ session_id: session.session_id, remaining_ms: 300 });
  expect(await client.closed).toMatchObject({ code: 4000 });
});

test("client events sent before the upstream opens are queued and delivered in order", async () => {
  stack = await startStack({ emulators: [{ faults: { refuse: true } }, {}] });
  const client = await connect(stack.wsUrl(), await mintToken());
  // Sent at once, while the proxy is still failing over to the second upstream.
  client.send({ type: "session.update", session: { instructions: "first" } });
  client.send({ type: "session.update", session: { instructions: "second" } });
  await client.waitFor("session.updated");
  await sleep(100);
  const updates = client.events.filter((e) => e.type === "session.updated") as Array<{ session: { instructions: string } }>;
  expect(updates.map((u) => u.session.instructions)).toEqual(["first", "second"]);
  client.ws.close();
});

test("the queue before the upstream opens is bounded: overflow is an error event and 1008", async () => {
  // An upstream that accepts TCP and never answers the upgrade: the session waits, its events queue.
  const blackhole = createServer(() => undefined);
  await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", () => r()));
  const port = (blackhole.address() as { port: number }).port;
  try {
    stack = await startStack({
      upstreams: () => [{ name: "slow", url: `http://127.0.0.1:${port}`, kind: "voice-live", priority: 1, auth: "key", apiKeyEnv: LOCAL_KEY_ENV, model: "gpt-realtime" }],
      deps: { limits: { queueMaxMessages: 10, upstreamConnectTimeoutMs: 10_000 } },
    });
    const client = await connect(stack.wsUrl(), await mintToken());
    for (let i = 0; i < 10; i++) client.send({ type: "session.update", session: {} });
    await sleep(100);
    expect(stack.proxy.sessions()[0].stats().queuedBytes).toBeGreaterThan(0);
    client.send({ type: "session.update", session: {} }); // the 11th
    expect(await client.closed).toMatchObject({ code: 1008 });
    expect(client.events.find((e) => e.type === "error")).toMatchObject({ error: { code: "queue_overflow" } });
  } finally {
    blackhole.close();
  }
});
