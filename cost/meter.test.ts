/** Metering usage objects as the wire carries them, priced by hand; and what a hostile upstream sends. */
import { addToTotals, catalogById, emptyTotals, MAX_TOKENS_PER_FIELD, meterResponseUsage, meterTranscriptionUsage, TOKEN_KINDS } from ".";

const pro = catalogById("voice-live-gpt-realtime");
const mini = catalogById("azure-gpt-realtime-mini-2025-10");
const preview = catalogById("azure-gpt-4o-realtime-preview-2024-12");

/** gpt-realtime-mini's first response in openai/openai-dotnet#1045 (2026-03-23), as the wire carries it. */
const dotnet = {
  total_tokens: 1855,
  input_tokens: 1459,
  output_tokens: 396,
  input_token_details: { text_tokens: 1349, audio_tokens: 110, cached_tokens: 1408, cached_tokens_details: { text_tokens: 1344, audio_tokens: 64 } },
  output_token_details: { text_tokens: 97, audio_tokens: 299 },
};

describe("response.done usage", () => {
  test("uncached input is each kind less its cached part; every kind at its price", () => {
    const m = meterResponseUsage(pro, dotnet);
    expect(m.tokens).toEqual({ input_audio: 46, input_text: 5, cached_audio: 64, cached_text: 1344, output_audio: 299, output_text: 97 });
    // Voice Live Pro: 46 x 35.20 + 5 x 4.40 + 64 x 0.44 + 1,344 x 1.375 + 299 x 70.40 + 97 x 17.60 = 26,274.16 per 1M
    expect(m.usd).toBeCloseTo(0.02627416, 12);
    expect(m.malformed).toBe(false);
    // Azure OpenAI gpt-realtime-mini: 46 x 10 + 5 x 0.60 + 64 x 0.30 + 1,344 x 0.06 + 299 x 20 + 97 x 2.40 = 6,775.64 per 1M
    expect(meterResponseUsage(mini, dotnet).usd).toBeCloseTo(0.00677564, 12);
  });

  test("the usage block of 'Help me understand the realtime usage block' (community.openai.com) on gpt-4o-realtime-preview", () => {
    const usage = { total_tokens: 821, input_tokens: 789, output_tokens: 32, input_token_details: { text_tokens: 313, audio_tokens: 476, cached_tokens: 640, cached_tokens_details: { text_tokens: 256, audio_tokens: 384 } }, output_token_details: { text_tokens: 9, audio_tokens: 23 } };
    // 57 x 5 + 92 x 40 + 256 x 2.5 + 384 x 2.5 + 9 x 20 + 23 x 80 = 7,585 per 1M
    expect(meterResponseUsage(preview, usage)).toEqual({ usd: expect.closeTo(0.007585, 12), tokens: { input_audio: 92, input_text: 57, cached_audio: 384, cached_text: 256, output_audio: 23, output_text: 9 }, malformed: false });
  });

  test("the meter and the estimate price the same tokens the same way", () => {
    const m = meterResponseUsage(pro, dotnet);
    const p = pro.prices;
    const byHand = (46 * p.audioInput.value + 5 * p.textInput.value + 64 * p.audioCachedInput.value + 1344 * p.textCachedInput.value + 299 * p.audioOutput.value + 97 * p.textOutput.value) / 1e6;
    expect(m.usd).toBeCloseTo(byHand, 15);
  });

  test("Voice Live's documented usage (TokenDetails: cached_tokens, text_tokens, audio_tokens; no cached_tokens_details) is metered, not flagged", () => {
    // The shape of the Voice Live API reference 2026-01-01-preview (RealtimeUsage / TokenDetails), typed from it.
    const usage = { total_tokens: 160, input_tokens: 150, output_tokens: 10, input_token_details: { cached_tokens: 120, text_tokens: 100, audio_tokens: 50 }, output_token_details: { text_tokens: 2, audio_tokens: 8 } };
    const m = meterResponseUsage(pro, usage);
    expect(m.malformed).toBe(false);
    // The cache serves a prefix that opens with text: 100 cached text, the other 20 cached audio.
    expect(m.tokens).toEqual({ cached_text: 100, cached_audio: 20, input_text: 0, input_audio: 30, output_text: 2, output_audio: 8 });
    expect(m.usd).toBeCloseTo((100 * 1.375 + 20 * 0.44 + 30 * 35.2 + 2 * 17.6 + 8 * 70.4) / 1e6, 15);
  });

  test("parts missing: the dearer reading is billed and the message is flagged", () => {
    // No details: all input as audio, all output as audio.
    expect(meterResponseUsage(pro, { input_tokens: 100, output_tokens: 10 })).toEqual({ usd: expect.closeTo((100 * 35.2 + 10 * 70.4) / 1e6, 15), tokens: { input_audio: 100, input_text: 0, cached_audio: 0, cached_text: 0, output_audio: 10, output_text: 0 }, malformed: true });
    // A details object that does not explain the cached total is malformed.
    const m = meterResponseUsage(pro, { input_tokens: 150, input_token_details: { text_tokens: 100, audio_tokens: 50, cached_tokens: 120, cached_tokens_details: { text_tokens: 10 } } });
    expect(m.malformed).toBe(true);
    // Cached more than the input of its kind: capped.
    expect(meterResponseUsage(pro, { input_tokens: 10, input_token_details: { text_tokens: 10, audio_tokens: 0, cached_tokens: 500, cached_tokens_details: { text_tokens: 500, audio_tokens: 0 } } }).tokens).toMatchObject({ cached_text: 10, input_text: 0, cached_audio: 0 });
    // Details larger than the total: the details are billed.
    expect(meterResponseUsage(pro, { input_tokens: 5, input_token_details: { text_tokens: 100, audio_tokens: 0 } }).tokens.input_text).toBe(100);
  });

  test("no usage or an empty one costs nothing; a well-formed zero is not malformed", () => {
    expect(meterResponseUsage(pro, undefined)).toEqual({ usd: 0, tokens: { input_audio: 0, input_text: 0, cached_audio: 0, cached_text: 0, output_audio: 0, output_text: 0 }, malformed: false });
    expect(meterResponseUsage(pro, { input_tokens: 0, output_tokens: 0, input_token_details: { text_tokens: 0, audio_tokens: 0, cached_tokens: 0, cached_tokens_details: { text_tokens: 0, audio_tokens: 0 } }, output_token_details: { text_tokens: 0, audio_tokens: 0 } }).malformed).toBe(false);
  });

  test("a hostile upstream: never throws, never NaN or Infinity, never negative, counts capped", () => {
    const hostile: unknown[] = [
      null, "usage", 42, [], [1, 2], true, { input_tokens: "100" }, { input_tokens: NaN }, { input_tokens: -5 }, { input_tokens: Infinity },
      { input_tokens: 1e300, output_tokens: 1e300 }, { input_token_details: "x" }, { input_token_details: { cached_tokens_details: 7 } },
      { output_token_details: { audio_tokens: -1, text_tokens: "2" } }, { input_tokens: 10, input_token_details: { text_tokens: null, audio_tokens: undefined } },
      Object.create(null), { __proto__: { input_tokens: 5 } }, { input_tokens: 2 ** 53, input_token_details: { cached_tokens: 2 ** 60 } },
    ];
    for (const usage of hostile) {
      const m = meterResponseUsage(pro, usage);
      expect(Number.isFinite(m.usd)).toBe(true);
      expect(m.usd).toBeGreaterThanOrEqual(0);
      for (const k of TOKEN_KINDS) {
        expect(Number.isFinite(m.tokens[k])).toBe(true);
        expect(m.tokens[k]).toBeGreaterThanOrEqual(0);
        expect(m.tokens[k]).toBeLessThanOrEqual(2 * MAX_TOKENS_PER_FIELD);
      }
    }
    expect(meterResponseUsage(pro, "usage").malformed).toBe(true);
    expect(meterResponseUsage(pro, { input_tokens: 1e300 }).tokens.input_audio).toBe(MAX_TOKENS_PER_FIELD);
  });

  test("random garbage, 2,000 objects from a fixed seed: always a finite, non-negative cost", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values = [0, 1, -1, 1.5, 1e9, 1e308, NaN, Infinity, -Infinity, "7", null, undefined, {}, [], true];
    const pick = () => values[Math.floor(rand() * values.length)];
    const gen = (depth: number): unknown => {
      if (depth > 2 || rand() < 0.3) return pick();
      const o: Record<string, unknown> = {};
      for (const k of ["input_tokens", "output_tokens", "input_token_details", "output_token_details", "text_tokens", "audio_tokens", "cached_tokens", "cached_tokens_details"]) if (rand() < 0.6) o[k] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 2000; i++) {
      const m = meterResponseUsage(pro, gen(0));
      expect(Number.isFinite(m.usd) && m.usd >= 0).toBe(true);
    }
  });
});

describe("input transcription usage", () => {
  const aoai = catalogById("azure-gpt-realtime-2025-08");
  test("token usage at the catalog's transcription rates (gpt-4o-mini-transcribe: $3 audio, $1.25 text in, $5 text out per 1M)", () => {
    const m = meterTranscriptionUsage(aoai, { type: "tokens", total_tokens: 1210, input_tokens: 1010, input_token_details: { audio_tokens: 1000, text_tokens: 10 }, output_tokens: 200 });
    expect(m).toEqual({ usd: expect.closeTo((1000 * 3 + 10 * 1.25 + 200 * 5) / 1e6, 15), tokens: { transcription_audio: 1000, transcription_text_in: 10, transcription_text_out: 200 }, seconds: 0, priced: true, malformed: false });
  });
  test("duration usage: minutes x the catalog's audio tokens a minute x its price (Voice Live Azure Speech: 600/min at $17/1M)", () => {
    const m = meterTranscriptionUsage(pro, { type: "duration", seconds: 90 });
    expect(m.usd).toBeCloseTo((1.5 * 600 * 17) / 1e6, 15);
    expect(m.seconds).toBe(90);
  });
  test("a catalog without transcription prices: counted, not priced; garbage never throws", () => {
    const m = meterTranscriptionUsage(catalogById("seed"), { type: "tokens", input_tokens: 100, output_tokens: 5 });
    expect(m).toMatchObject({ usd: 0, priced: false });
    for (const u of [null, "x", { type: "duration", seconds: -1 }, { type: "duration" }, { type: "weird", input_tokens: 1e300 }, { seconds: NaN }]) {
      const r = meterTranscriptionUsage(pro, u);
      expect(Number.isFinite(r.usd) && r.usd >= 0).toBe(true);
    }
    expect(meterTranscriptionUsage(pro, { type: "duration" }).malformed).toBe(true);
  });
});

test("session totals add responses and transcriptions", () => {
  let t = emptyTotals();
  t = addToTotals(t, meterResponseUsage(pro, dotnet));
  t = addToTotals(t, meterResponseUsage(pro, dotnet));
  t = addToTotals(t, meterTranscriptionUsage(pro, { type: "duration", seconds: 60 }));
  t = addToTotals(t, meterResponseUsage(pro, "garbage"));
  expect(t.responses).toBe(3);
  expect(t.transcriptions).toBe(1);
  expect(t.malformed).toBe(1);
  expect(t.tokens.cached_text).toBe(2688);
  expect(t.tokens.transcription_audio).toBe(600);
  expect(t.usd).toBeCloseTo(2 * 0.02627416 + (600 * 17) / 1e6, 12);
});
