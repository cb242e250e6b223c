/**
 * Every session metered (issue 12): a scripted session through the proxy against the emulator; the cost
 * the proxy emits equals the usage the client saw, priced by hand at the Voice Live Pro rates the
 * gpt-realtime upstream is billed at (cost/catalogs/voice-live-gpt-realtime.json).
 */
import { runTurns } from "../../service/src/dev/turn";
import { mintToken, startStack, type TestStack } from "../support/stack";

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

// USD per 1M tokens, Voice Live Pro (the catalog's values, written out here).
const PRO = { audioIn: 35.2, audioOut: 70.4, textIn: 4.4, textOut: 17.6, cachedAudio: 0.44, cachedText: 1.375 };

interface Usage {
  input_token_details: { text_tokens: number; audio_tokens: number; cached_tokens_details: { text_tokens: number; audio_tokens: number } };
  output_token_details: { text_tokens: number; audio_tokens: number };
}

function byHand(u: Usage): number {
  const cached = u.input_token_details.cached_tokens_details;
  return ((u.input_token_details.audio_tokens - cached.audio_tokens) * PRO.audioIn
    + (u.input_token_details.text_tokens - cached.text_tokens) * PRO.textIn
    + cached.audio_tokens * PRO.cachedAudio
    + cached.text_tokens * PRO.cachedText
    + u.output_token_details.audio_tokens * PRO.audioOut
    + u.output_token_details.text_tokens * PRO.textOut) / 1e6;
}

test("the metered cost of a three-turn session equals its usage priced by hand; tokens by kind; the session's total in its last log line", async () => {
  stack = await startStack();
  const result = await runTurns({ url: stack.wsUrl(), token: await mintToken({ sub: "metered" }), repeat: 3 });
  const usages = result.turns.map((t) => t.usage as Usage);
  // The third response re-reads the conversation: part of its input is cached.
  expect(usages[2].input_token_details.cached_tokens_details.audio_tokens).toBeGreaterThan(0);
  const expected = usages.reduce((sum, u) => sum + byHand(u), 0);
  await new Promise((r) => setTimeout(r, 100));
  const metrics = await (await fetch(`http://127.0.0.1:${stack.proxy.adminPort}/metrics`)).text();
  const line = metrics.split("\n").find((l) => l.startsWith("voice_cost_usd_total{") && l.includes('upstream="vl0"') && l.includes('model="gpt-realtime"'));
  const cost = Number(line?.split(" ").at(-1));
  expect(cost).toBeCloseTo(expected, 12);
  const outputAudio = usages.reduce((sum, u) => sum + u.output_token_details.audio_tokens, 0);
  expect(metrics).toMatch(new RegExp(`voice_tokens_total\\{[^}]*kind="output_audio"[^}]*\\} ${outputAudio}\\b`));
  const ended = stack.logs().split("\n").filter((l) => l.includes("session ended")).map((l) => JSON.parse(l));
  expect(ended).toHaveLength(1);
  expect(ended[0].usd).toBeCloseTo(expected, 6);
  expect(ended[0].responses).toBe(3);
});

test("transcription usage is counted by kind; a usage object a hostile upstream garbles is counted as malformed and breaks nothing", async () => {
  const { WebSocketServer } = await import("ws");
  const hostile = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((r) => hostile.once("listening", r));
  hostile.on("connection", (ws) => {
    ws.send(JSON.stringify({ type: "session.created", session: { id: "s" } }));
    ws.on("message", (data) => {
      if (!String(data).includes("response.create")) return;
      for (const usage of [{ input_tokens: "lots", output_token_details: null }, { input_token_details: { audio_tokens: -5, cached_tokens_details: [] } }, 42, { output_tokens: Number.MAX_SAFE_INTEGER }]) {
        ws.send(JSON.stringify({ type: "response.done", response: { status: "completed", usage } }));
      }
      ws.send(JSON.stringify({ type: "response.done", response: { status: "completed", usage: { input_token_details: { text_tokens: 100, audio_tokens: 0, cached_tokens_details: { text_tokens: 0, audio_tokens: 0 } }, output_token_details: { text_tokens: 10, audio_tokens: 0 } } } }));
    });
  });
  try {
    stack = await startStack({
      upstreams: () => [{ name: "odd", url: `http://127.0.0.1:${(hostile.address() as { port: number }).port}`, kind: "voice-live", priority: 1, auth: "key", apiKeyEnv: "UPSTREAM_LOCAL_API_KEY", model: "gpt-realtime" }],
    });
    const { connect } = await import("../support/stack");
    const client = await connect(stack.wsUrl(), await mintToken({ sub: "odd" }));
    await client.waitFor("session.created");
    client.send({ type: "response.create" });
    const deadline = Date.now() + 3000;
    while (client.events.filter((e) => e.type === "response.done").length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(client.events.filter((e) => e.type === "response.done")).toHaveLength(5); // all forwarded, garbled or not
    const metrics = await (await fetch(`http://127.0.0.1:${stack.proxy.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/voice_errors_total\{code="usage_malformed"[^}]*\} [1-9]/);
    // Nothing is NaN or negative; the well-formed response is priced: 100 x 4.40 + 10 x 17.60 per 1M.
    expect(metrics).not.toMatch(/NaN|Infinity/);
    const cost = Number(metrics.split("\n").find((l) => l.startsWith("voice_cost_usd_total{"))?.split(" ").at(-1));
    expect(cost).toBeGreaterThanOrEqual((100 * 4.4 + 10 * 17.6) / 1e6);
    expect(Number.isFinite(cost)).toBe(true);
    expect(client.ws.readyState).toBe(client.ws.OPEN); // the session goes on
    client.ws.close();
  } finally {
    for (const ws of hostile.clients) ws.terminate();
    hostile.close();
  }
});

test("input transcription usage is metered by kind", async () => {
  stack = await startStack();
  const { connect } = await import("../support/stack");
  const client = await connect(stack.wsUrl(), await mintToken({ sub: "transcribed" }));
  await client.waitFor("session.created");
  client.send({ type: "session.update", session: { input_audio_transcription: { model: "gpt-4o-transcribe" } } });
  client.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(96_000).toString("base64") }); // 2 s
  client.send({ type: "input_audio_buffer.commit" });
  await client.waitFor("conversation.item.input_audio_transcription.completed");
  const metrics = await (await fetch(`http://127.0.0.1:${stack.proxy.adminPort}/metrics`)).text();
  expect(metrics).toMatch(/voice_tokens_total\{kind="transcription_audio"[^}]*\} 20\b/); // 2 s x 10 tokens/s
  client.ws.close();
});
