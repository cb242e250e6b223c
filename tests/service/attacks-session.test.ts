/**
 * A hostile client's attacks on one session's bookkeeping, kept as regression tests against the real
 * proxy and the emulator: what Azure bills for a response cut short is still metered (the client
 * closing just before response.done, a forced rotation), what cannot be metered is counted, and a
 * priming timeout does not leave the client's own acknowledgements and errors swallowed.
 */
import { mintToken, connect, startStack, type Client, type StackOptions, type TestStack } from "../support/stack";

const stacks: TestStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});
async function stack(options: StackOptions = {}): Promise<TestStack> {
  const s = await startStack(options);
  stacks.push(s);
  return s;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The metric's value (summed over its series) once it is above zero, or 0 after `ms`. */
async function metric(s: TestStack, pattern: RegExp, ms = 3000): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await (await fetch(`http://127.0.0.1:${s.proxy.adminPort}/metrics`)).text();
    const sum = text.split("\n").filter((l) => pattern.test(l)).reduce((acc, l) => acc + Number(l.split(" ").at(-1)), 0);
    if (sum > 0 || Date.now() > deadline) return sum;
    await sleep(50);
  }
}
const OUTPUT_AUDIO_TOKENS = /^voice_tokens_total\{[^}]*kind="output_audio"/;
const COST = /^voice_cost_usd_total\{/;

/** A second of speech, committed, and a response asked for; resolves once `deltas` audio deltas of it arrived. */
async function startResponse(client: Client, deltas: number): Promise<void> {
  client.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(48_000).toString("base64") });
  client.send({ type: "input_audio_buffer.commit" });
  client.send({ type: "response.create" });
  const deadline = Date.now() + 5000;
  while (client.events.filter((e) => e.type === "response.audio.delta").length < deltas && Date.now() < deadline) await sleep(10);
}

test("closing just before response.done does not escape metering: the response is cancelled and its usage metered", async () => {
  const s = await stack({ emulators: [{ responseAudioMs: 3000, chunkMs: 50, firstAudioDelayMs: 10 }] });
  const client = await connect(s.wsUrl(), await mintToken({ sub: "escaper" }));
  await client.waitFor("session.created");
  await startResponse(client, 20); // most of a second of the answer received
  expect(client.events.some((e) => e.type === "response.done")).toBe(false);
  client.ws.close();
  await client.closed;
  expect(await metric(s, OUTPUT_AUDIO_TOKENS)).toBeGreaterThan(0);
  expect(await metric(s, COST)).toBeGreaterThan(0);
  expect(s.emulators[0].stats().received["response.cancel"]).toBe(1);
}, 60_000);

test("a forced rotation meters the response it cuts short on the old upstream", async () => {
  const s = await stack({
    emulators: [{ responseAudioMs: 4000, chunkMs: 50, firstAudioDelayMs: 10 }],
    deps: { limits: { rotateMs: 400, rotateQuietMaxMs: 200 } },
  });
  const client = await connect(s.wsUrl(), await mintToken({ sub: "rotated" }));
  await client.waitFor("session.created");
  await startResponse(client, 1);
  // The rotation happens mid-response (no quiet point within rotateQuietMaxMs): the old upstream's response is cut.
  const deadline = Date.now() + 5000;
  while (s.proxy.sessions()[0]?.stats().rotations === 0 && Date.now() < deadline) await sleep(20);
  expect(s.proxy.sessions()[0].stats().rotations).toBeGreaterThanOrEqual(1);
  expect(client.events.some((e) => e.type === "response.done")).toBe(false);
  expect(await metric(s, OUTPUT_AUDIO_TOKENS)).toBeGreaterThan(0);
  client.ws.close();
});

test("a response lost with its upstream (failover) is counted as unmetered, not dropped silently", async () => {
  const s = await stack({ emulators: [{ responseAudioMs: 2000, chunkMs: 50, faults: { dropOnResponse: true } }, {}] });
  const client = await connect(s.wsUrl(), await mintToken({ sub: "dropped" }));
  await client.waitFor("session.created");
  await startResponse(client, 1);
  await client.waitFor("proxy.resumed", 5000);
  expect(await metric(s, /^voice_errors_total\{[^}]*code="response_unmetered"/)).toBe(1);
  client.ws.close();
});

test("after a priming timeout the client's own acknowledgements and errors reach it", async () => {
  const s = await stack({ deps: { limits: { primeTimeoutMs: 300 } } });
  const token = await mintToken({ sub: "primed" });
  const first = await connect(s.wsUrl(), token);
  const resume = String((await first.waitFor("proxy.session")).resume_token);
  await first.waitFor("session.created");
  first.send({ type: "session.update", session: { instructions: "Be brief." } });
  for (const text of ["one", "two"]) {
    const from = first.events.length;
    first.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text }] } });
    await first.waitFor("conversation.item.created", 3000, from);
  }
  first.ws.close();
  await first.closed;

  // The upstream is slow: the resumed session's priming (a session.update and two items) is not acknowledged in time.
  s.emulators[0].setFaults({ unacknowledged: true });
  const second = await connect(`${s.wsUrl()}&resume=${resume}`, token);
  await second.waitFor("proxy.resumed", 3000);
  s.emulators[0].setFaults({ unacknowledged: false });
  const from = second.events.length;
  second.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text: "mine" }] } });
  await expect(second.waitFor("conversation.item.created", 2000, from)).resolves.toMatchObject({ item: { content: [{ text: "mine" }] } });
  second.send({ type: "no.such.event" });
  await expect(second.waitFor("error", 2000, from)).resolves.toMatchObject({ error: { code: "unknown_event" } });
  second.ws.close();
});

test("resumes are counted by outcome (voice.session.resumes): resumed, and a token the store does not know", async () => {
  const s = await stack();
  const token = await mintToken({ sub: "counted" });
  const first = await connect(s.wsUrl(), token);
  const resume = String((await first.waitFor("proxy.session")).resume_token);
  await first.waitFor("session.created");
  first.ws.close();
  await first.closed;
  const second = await connect(`${s.wsUrl()}&resume=${resume}`, token);
  await second.waitFor("proxy.resumed", 3000);
  expect(await metric(s, /^voice_session_resumes_total\{[^}]*outcome="resumed"/)).toBe(1);
  second.ws.close();
  await second.closed;
  const stranger = await connect(`${s.wsUrl()}&resume=${"f".repeat(resume.length)}`, token);
  expect((await stranger.waitFor("proxy.session")).resume_status).toBe("not_resumable");
  expect(await metric(s, /^voice_session_resumes_total\{[^}]*outcome="not_resumable"/)).toBe(1);
  stranger.ws.close();
});
