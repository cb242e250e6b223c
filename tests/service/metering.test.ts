/**
 * Every session metered: scripted sessions through the proxy against the emulator; the cost the proxy
 * emits equals the usage the client saw, priced by hand at the Voice Live Pro rates the gpt-realtime
 * upstream is billed at (cost/catalogs/voice-live-gpt-realtime.json), and a 30-minute interview with
 * rotation meters within 2% of the cost model for the same session.
 */
import { catalogById, priceTokens } from "../../cost";
import { runConversation, type ConversationTurn } from "../../cost/conversation";
import { conversationRules, interviewTurns, runTokens, sessionParams } from "../../cost/session";
import { realClock, type Clock } from "../../service/src/session/clock";
import { runTurns } from "../../service/src/dev/turn";
import { mintToken, startStack, type TestStack } from "../support/stack";

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

// USD per 1M tokens, Voice Live Pro (the catalog's values, written out here).
const PRO = { audioIn: 35.2, audioOut: 70.4, textIn: 4.4, textOut: 17.6, cachedAudio: 0.44, cachedText: 1.375, speechIn: 17 };

/** Voice Live's documented usage: TokenDetails { cached_tokens, text_tokens, audio_tokens } (API reference 2026-01-01-preview). */
interface Usage {
  input_token_details: { text_tokens: number; audio_tokens: number; cached_tokens: number; cached_tokens_details?: unknown };
  output_token_details: { text_tokens: number; audio_tokens: number };
}

/** Priced by hand: cached tokens are text up to the input's text, the rest audio (the prefix opens with the instructions). */
function byHand(u: Usage): number {
  const d = u.input_token_details;
  const cachedText = Math.min(d.cached_tokens, d.text_tokens);
  const cachedAudio = d.cached_tokens - cachedText;
  return ((d.audio_tokens - cachedAudio) * PRO.audioIn + (d.text_tokens - cachedText) * PRO.textIn + cachedAudio * PRO.cachedAudio + cachedText * PRO.cachedText
    + u.output_token_details.audio_tokens * PRO.audioOut + u.output_token_details.text_tokens * PRO.textOut) / 1e6;
}

const metricSum = (metrics: string, name: string, filter = "") => metrics.split("\n").filter((l) => l.startsWith(`${name}{`) && l.includes(filter)).reduce((s, l) => s + Number(l.split(" ").at(-1)), 0);

test("the metered cost of a three-turn session equals its usage priced by hand; tokens by kind; Voice Live's usage is not malformed; the session's total in its last log line", async () => {
  stack = await startStack({ emulators: [{ documentedVoiceLiveUsage: true }] });
  const result = await runTurns({ url: stack.wsUrl(), token: await mintToken({ sub: "metered" }), repeat: 3 });
  const usages = result.turns.map((t) => t.usage as Usage);
  expect(usages[0].input_token_details.cached_tokens_details).toBeUndefined(); // Voice Live's shape
  const expected = usages.reduce((sum, u) => sum + byHand(u), 0);
  await new Promise((r) => setTimeout(r, 100));
  const metrics = await (await fetch(`http://127.0.0.1:${stack.proxy.adminPort}/metrics`)).text();
  expect(metricSum(metrics, "voice_cost_usd_total", 'upstream="vl0"')).toBeCloseTo(expected, 12);
  expect(metrics).not.toMatch(/voice_errors_total\{code="usage_malformed"/);
  const outputAudio = usages.reduce((sum, u) => sum + u.output_token_details.audio_tokens, 0);
  expect(metrics).toMatch(new RegExp(`voice_tokens_total\\{[^}]*kind="output_audio"[^}]*\\} ${outputAudio}\\b`));
  const ended = stack.logs().split("\n").filter((l) => l.includes("session ended")).map((l) => JSON.parse(l));
  expect(ended).toHaveLength(1);
  expect(ended[0].usd).toBeCloseTo(expected, 6);
  expect(ended[0].responses).toBe(3);
});

/**
 * A 30-minute interview, time-compressed: the candidate speaks 33 s (55%) a minute and the model answers
 * for 12 s (20%), one response a minute, ~1,200 tokens of instructions, input transcription on. The
 * proxy rotates its upstream every 9 minutes (prod's UPSTREAM_ROTATE_MINUTES): its rotation timer runs
 * on interview time (the test fires it once 9, 18 and 27 interview minutes have been spoken), every
 * other timer on the wall clock. The emulator applies Azure's cache rule and Voice Live's usage shape.
 * The model (cost/conversation.ts) is given the session's shape as the client saw it (what was said,
 * the reply sizes, where the connection changed) and must price it within 2% of what the proxy metered.
 */
test("a scripted 30-minute interview with rotation meters within 2% of the model for the same session", async () => {
  const ROTATE_MS = 9 * 60_000;
  const rotations: Array<() => void> = [];
  const clock: Clock = { ...realClock, after: (ms, fn) => (ms === ROTATE_MS ? (rotations.push(fn), { cancel: () => rotations.splice(rotations.indexOf(fn) >>> 0, 1) }) : realClock.after(ms, fn)) };
  stack = await startStack({ emulators: [{ documentedVoiceLiveUsage: true, firstAudioDelayMs: 5, responseAudioMs: 12_000, chunkMs: 12_000 }], deps: { clock, limits: { rotateMs: ROTATE_MS } } });
  const { connect } = await import("../support/stack");
  const client = await connect(stack.wsUrl(), await mintToken({ sub: "interviewee" }));
  await client.waitFor("session.created");
  const instructions = "Interview the candidate for a backend engineering role, one question at a time. ".repeat(60); // 4,800 chars
  client.send({ type: "session.update", session: { instructions, input_audio_transcription: { model: "azure-speech" }, turn_detection: null } });
  await client.waitFor("session.updated");
  const second = Buffer.alloc(48_000).toString("base64"); // 1 s of PCM16 silence at 24 kHz
  const turns: ConversationTurn[] = [];
  const usages: Usage[] = [];
  const rotated = () => stack!.logs().split("\n").filter((l) => l.includes("upstream rotated")).length;
  for (let k = 0; k < 30; k++) {
    if (k > 0 && k % 9 === 0) {
      // Nine interview minutes since the last connection: the rotation timer fires, between turns.
      const before = rotated();
      rotations.splice(0).forEach((fire) => fire());
      for (const deadline = Date.now() + 10_000; rotated() === before && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 10));
      expect(rotated()).toBe(before + 1);
    }
    const mark = client.events.length;
    for (let s = 0; s < 33; s++) client.send({ type: "input_audio_buffer.append", audio: second });
    client.send({ type: "input_audio_buffer.commit" });
    client.send({ type: "response.create" });
    const transcribed = await client.waitFor("conversation.item.input_audio_transcription.completed", 10_000, mark);
    const done = await client.waitFor("response.done", 10_000, mark);
    const usage = (done.response as { usage: Usage }).usage;
    usages.push(usage);
    const t = transcribed.usage as { input_tokens: number; output_tokens: number };
    turns.push({ userAudio: t.input_tokens, userTranscript: t.output_tokens, replyAudio: usage.output_token_details.audio_tokens, replyText: usage.output_token_details.text_tokens });
  }
  client.ws.close();
  await new Promise((r) => setTimeout(r, 200));
  // Where the connection changed, as the client sees it: a response that reads no audio but its own
  // utterance (the history came as text); the model's schedule for 30 minutes at one response a minute.
  const newConnectionAt = usages.map((u, k) => (k > 0 && u.input_token_details.audio_tokens === turns[k].userAudio ? k : -1)).filter((k) => k > 0);
  const catalog = catalogById("voice-live-gpt-realtime");
  expect(newConnectionAt).toEqual(interviewTurns(catalog, sessionParams(catalog, 30, { rotateMinutes: 9 })).newConnectionAt); // [9, 18, 27]
  const rules = conversationRules(catalog, { instructionsTokens: usages[0].input_token_details.text_tokens, truncation: { type: "auto" }, cacheHitRate: 1 });
  const userAudio = turns.reduce((s, t) => s + t.userAudio, 0);
  const model = priceTokens(catalog, runTokens(catalog, runConversation(turns, rules, newConnectionAt), userAudio)).total;

  const metrics = await (await fetch(`http://127.0.0.1:${stack.proxy.adminPort}/metrics`)).text();
  const metered = metricSum(metrics, "voice_cost_usd_total");
  expect(metrics).not.toMatch(/voice_errors_total\{code="usage_malformed"/);
  if (process.env.METERING_FIGURES) console.log(JSON.stringify({ metered, model, withoutRotation: priceTokens(catalog, runTokens(catalog, runConversation(turns, rules, []), userAudio)).total, newConnectionAt }));
  expect(Math.abs(metered - model) / model).toBeLessThan(0.02);
  // The check has teeth: the same session priced without the rotations' priming misses by far more than 2%.
  const withoutRotation = priceTokens(catalog, runTokens(catalog, runConversation(turns, rules, []), userAudio)).total;
  expect(Math.abs(metered - withoutRotation) / metered).toBeGreaterThan(0.05);
  // And the meter itself agrees with the usage the client saw, priced by hand (+ transcription at the Speech rate).
  expect(metered).toBeCloseTo(usages.reduce((s, u) => s + byHand(u), 0) + (userAudio * PRO.speechIn) / 1e6, 9);
}, 90_000);

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
