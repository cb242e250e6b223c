/** The upstream emulator on its own: both dialects, usage arithmetic, pacing, faults, bad requests. */
import { runTurns } from "../../service/src/dev/turn";
import { startEmulator, type Emulator } from "../../service/src/emulator";
import { cachedPrefixOf, responseUsage } from "../../service/src/emulator/protocol";
import { connect, refusal } from "../support/stack";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ apiKey: "k", firstAudioDelayMs: 20, responseAudioMs: 1000, chunkMs: 50, documentedVoiceLiveUsage: true });
});
afterAll(() => emu.close());
const ws = (path: string) => emu.url.replace("http", "ws") + path;

test("usage: 1 s in, 1 s out; the second response re-reads the conversation; Voice Live's usage shape; nothing cached below 1,024 tokens", async () => {
  const result = await runTurns({ url: ws("/voice-live/realtime?api-version=2025-10-01&model=m"), token: "k", repeat: 2 });
  const [first, second] = result.turns.map((t) => t.usage as ReturnType<typeof responseUsage>);
  // instructions "You are interviewing a candidate for a backend role." = 52 chars = 13 text tokens; 1 s in = 10 audio tokens.
  // Voice Live's TokenDetails is { cached_tokens, text_tokens, audio_tokens } (API reference 2026-01-01-preview).
  expect(first.input_token_details).toEqual({ cached_tokens: 0, text_tokens: 13, audio_tokens: 10 });
  // reply 1: 1 s = 20 audio tokens, "Thanks, that is helpful." = 24 chars = 6 text tokens
  expect(first.output_token_details).toEqual({ text_tokens: 6, audio_tokens: 20 });
  // The 23-token prefix is below the cache's 1,024-token minimum: nothing cached.
  expect(second.input_token_details).toEqual({ cached_tokens: 0, text_tokens: 19, audio_tokens: 40 });
  expect(second.total_tokens).toBe(second.input_tokens + second.output_tokens);
  // Azure OpenAI's shape keeps the per-kind split.
  const openai = await runTurns({ url: ws("/openai/v1/realtime?model=m"), token: "k" });
  expect((openai.turns[0].usage as ReturnType<typeof responseUsage>).input_token_details.cached_tokens_details).toEqual({ text_tokens: 0, audio_tokens: 0 });
});

test("the prompt cache's rule: a prefix from 1,024 tokens, in 128-token steps, split by kind in order", () => {
  // "Prompt caching" (learn.microsoft.com/azure/ai-foundry/openai/how-to/prompt-caching): 1,024-token minimum, 128-token increments.
  const at = (n: number) => cachedPrefixOf(n, []).text;
  expect([1023, 1024, 1151, 1152, 1459].map(at)).toEqual([0, 1024, 1024, 1152, 1408]);
  // 1,000 instruction tokens, then an item of 10 text and 300 audio: 1,310 -> 1,280 servable = 1,010 text + 270 audio.
  expect(cachedPrefixOf(1000, [{ textTokens: 10, audioTokens: 300 }])).toEqual({ text: 1010, audio: 270 });
});

test("audio is paced in real time and is real PCM16", async () => {
  const started = performance.now();
  const result = await runTurns({ url: ws("/openai/v1/realtime?model=m"), token: "k" });
  expect(performance.now() - started).toBeGreaterThanOrEqual(800);
  expect(result.turns[0].audioSeconds).toBeCloseTo(1, 5);
});

test("dialects: preview names for Voice Live and preview api-versions, GA names otherwise", async () => {
  const types = async (path: string) => {
    const client = await connect(ws(path), "k");
    client.send({ type: "input_audio_buffer.append", audio: Buffer.alloc(4800).toString("base64") });
    client.send({ type: "input_audio_buffer.commit" });
    client.send({ type: "response.create" });
    await client.waitFor("response.done");
    client.ws.close();
    return client.events.map((e) => e.type);
  };
  expect(await types("/voice-live/realtime?api-version=2025-10-01&model=m")).toEqual(expect.arrayContaining(["response.audio.delta", "response.audio_transcript.delta", "conversation.item.created"]));
  expect(await types("/openai/realtime?api-version=2024-10-01-preview&deployment=d")).toContain("response.audio.delta");
  const ga = await types("/openai/realtime?api-version=2025-08-28&deployment=d");
  expect(ga).toEqual(expect.arrayContaining(["response.output_audio.delta", "response.output_audio_transcript.delta", "conversation.item.added", "conversation.item.done"]));
  expect(ga).not.toContain("response.audio.delta");
});

test("bad requests get error events and the session stays open", async () => {
  const client = await connect(ws("/voice-live/realtime?api-version=2025-10-01&model=m"), "k");
  client.ws.send("{oops");
  client.send({ type: "input_audio_buffer.append", audio: "%%%" });
  client.send({ type: "input_audio_buffer.commit" });
  client.send({ type: "made.up", event_id: "e9" });
  client.send({ type: "session.update", session: { voice: "echo" } });
  await client.waitFor("session.updated");
  const codes = client.events.filter((e) => e.type === "error").map((e) => (e.error as { code: string; event_id: string | null }));
  expect(codes.map((c) => c.code)).toEqual(["invalid_json", "invalid_value", "input_audio_buffer_commit_empty", "unknown_event"]);
  expect(codes[3].event_id).toBe("e9");
  client.ws.close();
});

test("refusals: api key, path, model; faults: refuse, 429, drop, stall", async () => {
  expect(await refusal(ws("/voice-live/realtime?api-version=1&model=m"), "wrong")).toMatchObject({ status: 401 });
  expect(await refusal(ws("/elsewhere?model=m"), "k")).toMatchObject({ status: 404 });
  expect(await refusal(ws("/openai/realtime?api-version=1"), "k")).toMatchObject({ status: 400, message: expect.stringContaining("deployment") });
  emu.setFaults({ rateLimit: true });
  expect(await refusal(ws("/voice-live/realtime?api-version=1&model=m"), "k")).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
  emu.setFaults({ rateLimit: false, refuse: true });
  await expect(connect(ws("/voice-live/realtime?api-version=1&model=m"), "k")).rejects.toThrow(/socket hang up|ECONNRESET/);
  emu.setFaults({ refuse: false, dropAfterMs: 100 });
  const dropped = await connect(ws("/voice-live/realtime?api-version=1&model=m"), "k");
  expect((await dropped.closed).code).toBe(1006);
  emu.setFaults({ dropAfterMs: undefined, stall: true });
  const stalled = await connect(ws("/voice-live/realtime?api-version=1&model=m"), "k");
  let pong = false;
  stalled.ws.on("pong", () => (pong = true));
  stalled.ws.ping();
  await new Promise((r) => setTimeout(r, 300));
  expect(pong).toBe(false);
  expect(stalled.events).toEqual([]);
  stalled.ws.terminate();
  emu.setFaults({ stall: false });
});
