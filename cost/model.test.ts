/** Hand-computed expectations for the session model, the estimator, the catalogs and the budget. */
import { budgetFromEstimate, cacheableTokens, catalogById, catalogIds, estimate, figuresOf, parseCatalog, sessionCost, sessionParams, SEED_SIZING, type Catalog, type SessionParams } from ".";
import { CatalogError } from "./catalog";
import { resolveSheet } from "./catalogs";
import gptRealtimeFile from "./catalogs/azure-gpt-realtime-2025-08.json";
import seedFile from "./catalogs/seed.json";
import { REDIS_SKUS } from "../stacks/config";

const seed = catalogById("seed");
const cents = (x: number) => Math.round(x * 100) / 100;

/** A catalog with round numbers: $1/1M for every uncached token, $0.10/1M cached; 60 tokens/min in, 120 out; no cache increments. */
function small(overrides: Partial<Catalog["model"]> = {}, extra: Partial<Catalog> = {}): Catalog {
  const base = structuredClone(catalogById("azure-gpt-realtime-2025-08"));
  return parseCatalog({
    ...base,
    ...extra,
    id: "small",
    model: { name: "t", resendsContext: true, inputLimitTokens: 100000, inputLimitSource: "test", audioInputTokensPerMinute: 60, audioOutputTokensPerMinute: 120, tokenRateSource: "test", textInputTokensPerHour: 0, outputTextTokensPerSpokenMinute: 60, ...overrides },
    prices: Object.fromEntries(["audioInput", "audioOutput", "textInput", "textOutput", "audioCachedInput", "textCachedInput"].map((k) => [k, { value: k.includes("Cached") ? 0.1 : 1, unit: "per 1M tokens", source: "test", asOf: "2026-11-01", confidence: "high" }])),
  }, "small");
}
const half: SessionParams = { minutes: 2, userSpeakingShare: 0.5, modelSpeakingShare: 0.5, turnsPerMinute: 1, instructionsTokens: 10, cacheHitRate: 1, truncation: { type: "auto" }, transcription: false, interruptedShare: 0, unheardShareWhenInterrupted: 0 };

describe("the seed's linear method with the seed's catalog", () => {
  test("100 x 30 min: $0.1718 per interview, $17.18 a day", () => {
    // 45,000 x 0.40/1M + 36,000 x 0.80/1M + 25,000 x 5/1M = 0.018 + 0.0288 + 0.125
    const e = estimate({ catalog: seed, interviewsPerDay: 100, minutesPerInterview: 30 });
    expect(e.perInterview.audioInput).toBeCloseTo(0.018, 10);
    expect(e.perInterview.audioOutput).toBeCloseTo(0.0288, 10);
    expect(e.perInterview.text).toBeCloseTo(0.125, 10);
    expect(e.perInterview.transcription).toBe(0);
    expect(e.perInterview.total).toBeCloseTo(0.1718, 10);
    expect(cents(e.daily.api)).toBe(17.18);
    expect(cents(e.monthly.api)).toBe(515.4); // 30 days, as the seed counts
    expect(e.monthly.infrastructure).toBe(225);
  });
  test.each([[500, 85.9, 2577], [1000, 171.8, 5154], [5000, 859, 25770]])("%i a day: $%d a day, $%d a month", (perDay, daily, monthly) => {
    const e = estimate({ catalog: seed, interviewsPerDay: perDay, minutesPerInterview: 30 });
    expect(cents(e.daily.api)).toBe(daily);
    expect(cents(e.monthly.api)).toBe(monthly);
  });
  test("the notes name each printed figure that differs from the seed's own method, with both numbers", () => {
    const notes = estimate({ catalog: seed, interviewsPerDay: 100, minutesPerInterview: 30 }).notes.join("\n");
    expect(notes).toContain("printed $1.70/day and $51/month; its own method gives $17.18/day and $515.40/month");
    expect(notes).toContain("printed $85.00/day and $2550/month; its own method gives $859.00/day and $25770.00/month");
    expect(notes).toContain("(~$0.06/minute)\": at 1500 tokens/min that is $0.0006/minute");
    expect(notes).toContain("total at 1000/day printed $735 ($0.025/interview); with its own API method $5379.00 ($0.1793/interview)");
    // $2,160 / $0.1718 / 30 = 419 a day, and there is no PTU to buy for a realtime model.
    expect(notes).toContain("would break even at 419 interviews/day; but no realtime model can be provisioned");
  });
});

describe("the re-sent context model", () => {
  test("2 minutes, 1 turn a minute, half each: tokens by hand", () => {
    // Turn: user 0.5 min x 60 = 30 audio in; reply 0.5 x 120 = 60 audio out, 0.5 x 60 = 30 text out.
    // Response 1 reads: 10 instructions + 30 user audio; nothing cached.
    // Response 2 reads: 10 + (30 + 60 audio, 30 text) + 30 = 120 audio, 40 text; cached = response 1's input (30 audio, 10 text).
    const cost = sessionCost(small(), half);
    expect(cost.tokens).toMatchObject({ audioInput: 30 + 90, audioCachedInput: 30, audioOutput: 120, textInput: 10 + 30, textCachedInput: 10, textOutput: 60 });
    expect(cost.total).toBeCloseTo((120 + 120 + 40 + 60) / 1e6 + (40 * 0.1) / 1e6, 15);
  });

  test("the cache hit rate bills the missed share of the prefix at the full rate", () => {
    // Response 2's prefix is 30 audio + 10 text; at 50% hits 15 audio and 5 text are cached.
    const cost = sessionCost(small(), { ...half, cacheHitRate: 0.5 });
    expect(cost.tokens).toMatchObject({ audioInput: 30 + 120 - 15, audioCachedInput: 15, textInput: 10 + 40 - 5, textCachedInput: 5 });
    expect(cost.total).toBeCloseTo((135 + 120 + 45 + 60) / 1e6 + (20 * 0.1) / 1e6, 15);
  });

  test("prompt cache increments: nothing below 1,024 tokens, then steps of 128 (openai-dotnet#1045: 1,459 read, 1,408 cached)", () => {
    const c = catalogById("voice-live-gpt-realtime");
    expect([0, 1023, 1024, 1151, 1152, 1459].map((n) => cacheableTokens(c, n))).toEqual([0, 0, 1024, 1024, 1152, 1408]);
  });

  // Turns of 30 user audio + 60 reply audio + 30 reply text = 120 tokens; 10 instructions; input limit
  // 310, so 300 tokens of room after the instructions. Six responses:
  //   k1: 30a 10t (nothing cached)   k2: 120a 40t (cached 30a 10t)   k3: 210a 70t (cached 120a 40t)
  //   k4: 3 turns + 30 = 390 > 300: cut.
  test("auto truncation: past the limit every response cuts just enough and re-reads its history uncached", () => {
    // auto keeps floor((300 - 30) / 120) = 2 turns: k4, k5, k6 each read 210a 70t with only the 10 instruction tokens cached.
    const cost = sessionCost(small({ inputLimitTokens: 310 }), { ...half, minutes: 6 });
    expect(cost.truncatedResponses).toBe(3);
    expect(cost.tokens).toMatchObject({ audioInput: 990 - 150, audioCachedInput: 150, textInput: 330 - 80, textCachedInput: 80 });
    expect(cost.peakInputTokens).toBe(280);
  });

  test("retention ratio 0.5: cut down to half the room, then the cache holds until the next cut", () => {
    // keep floor((150 - 30) / 120) = 1 turn: k4 reads 120a 40t (10t cached); k5 grows to 210a 70t and
    // its prefix (k4's input) is cached; k6 cuts again.
    const cost = sessionCost(small({ inputLimitTokens: 310 }), { ...half, minutes: 6, truncation: { type: "retention_ratio", retentionRatio: 0.5 } });
    expect(cost.truncatedResponses).toBe(2);
    expect(cost.tokens).toMatchObject({ audioInput: 810 - 270, audioCachedInput: 270, textInput: 270 - 110, textCachedInput: 110 });
  });

  test("the 30-minute gpt-realtime figure of the previous model ($2.1250) is kept when its assumptions are restored", () => {
    // Speaking 35% / 45%, 2 turns a minute, 100% cache hits, no cache increments, no transcription.
    const c = parseCatalog({ ...structuredClone(catalogById("azure-gpt-realtime-2025-08")), model: { ...catalogById("azure-gpt-realtime-2025-08").model, cache: undefined } }, "old");
    const cost = sessionCost(c, { minutes: 30, userSpeakingShare: 0.35, modelSpeakingShare: 0.45, turnsPerMinute: 2, instructionsTokens: 1200, cacheHitRate: 1, truncation: { type: "auto" }, transcription: false, interruptedShare: 0, unheardShareWhenInterrupted: 0 });
    expect(cost.tokens).toMatchObject({ audioInput: 22230, audioOutput: 16200, textOutput: 2700 });
    expect(cost.tokens.textInput + cost.tokens.textOutput).toBeCloseTo(6555, 6);
    expect(cost.tokens.audioCachedInput + cost.tokens.textCachedInput).toBeCloseTo(795615, 6);
    expect(cost.total).toBeCloseTo(2.125, 4);
    expect(cost.truncatedResponses).toBe(0); // 26,400 tokens at the end: inside 28,672
  });

  test("speaking shares that add up to more than the interview are refused", () => {
    expect(() => sessionCost(small(), { ...half, userSpeakingShare: 0.6, modelSpeakingShare: 0.5 })).toThrow(/add up to more/);
  });
});

describe("a 3-minute expected interview priced by hand, one per catalog (docs/cost-model.md)", () => {
  // Candidate 55%, model 20%, 1 turn a minute, 1,200 instruction tokens, 95% cache hits, no interruptions:
  // a turn is 330 user audio, 240 reply audio, 40 reply text.
  //   k1 reads 330a 1,200t, nothing cached.
  //   k2 reads 900a 1,240t; prefix 1,530 -> 1,408 servable (1,024 + 3 x 128): 0.95 x 1,200 = 1,140 text, 0.95 x 208 = 197.6 audio cached.
  //   k3 reads 1,470a 1,280t; prefix 2,140 -> 2,048 servable: 0.95 x 1,240 = 1,178 text, 0.95 x 808 = 767.6 audio cached.
  // Uncached audio 330 + 702.4 + 702.4 = 1,734.8; uncached text 1,200 + 100 + 102 = 1,402; cached audio 965.2,
  // cached text 2,318; output 720 audio, 120 text. The candidate speaks 1.65 min: Voice Live transcribes it as
  // 990 Azure Speech tokens (600 a minute); Azure OpenAI's gpt-4o-mini-transcribe as 1,650 audio tokens and 330 text.
  const tokens = { audioInput: 1734.8, audioCachedInput: 965.2, audioOutput: 720, textInput: 1402, textCachedInput: 2318, textOutput: 120 };
  test.each([
    // uncached audio, cached audio, out audio, uncached text, out text, cached text, transcription
    ["voice-live-gpt-realtime", (1734.8 * 35.2 + 965.2 * 0.44 + 720 * 70.4 + 1402 * 4.4 + 120 * 17.6 + 2318 * 1.375 + 990 * 17) / 1e6, 990, 0],
    ["voice-live-gpt-realtime-mini", (1734.8 * 11 + 965.2 * 0.33 + 720 * 22 + 1402 * 0.66 + 120 * 2.64 + 2318 * 0.33 + 990 * 15) / 1e6, 990, 0],
    ["azure-gpt-realtime-2025-08", (1734.8 * 32 + 965.2 * 0.4 + 720 * 64 + 1402 * 4 + 120 * 16 + 2318 * 0.4 + 1650 * 3 + 330 * 5) / 1e6, 1650, 330],
    ["azure-gpt-realtime-mini-2025-10", (1734.8 * 10 + 965.2 * 0.3 + 720 * 20 + 1402 * 0.6 + 120 * 2.4 + 2318 * 0.06 + 1650 * 3 + 330 * 5) / 1e6, 1650, 330],
    ["azure-gpt-4o-realtime-preview-2024-12", (1734.8 * 40 + 965.2 * 2.5 + 720 * 80 + 1402 * 5 + 120 * 20 + 2318 * 2.5 + 1650 * 3 + 330 * 5) / 1e6, 1650, 330],
  ])("%s", (id, usd, transcriptionAudio, transcriptionText) => {
    const c = catalogById(id as string);
    const cost = sessionCost(c, sessionParams(c, 3, { interruptedShare: 0 }));
    for (const [k, v] of Object.entries(tokens)) expect(cost.tokens[k as keyof typeof tokens]).toBeCloseTo(v, 9);
    expect(cost.tokens.transcriptionAudio).toBeCloseTo(transcriptionAudio as number, 9);
    expect(cost.tokens.transcriptionText).toBeCloseTo(transcriptionText as number, 9);
    expect(cost.total).toBeCloseTo(usd as number, 12);
  });
  test("Voice Live Pro is $0.140476 for these three minutes", () => {
    const c = catalogById("voice-live-gpt-realtime");
    expect(sessionCost(c, sessionParams(c, 3, { interruptedShare: 0 })).total).toBeCloseTo(0.140475698, 9);
  });
});

describe("the estimator", () => {
  test("interview lengths are priced one by one and weighted, not at the mean length", () => {
    const c = catalogById("voice-live-gpt-realtime");
    const mixed = estimate({ catalog: c, interviewsPerDay: 10, durations: [{ minutes: 30, share: 0.7 }, { minutes: 45, share: 0.3 }] });
    const at = (m: number) => sessionCost(c, sessionParams(c, m)).total;
    expect(mixed.perInterview.total).toBeCloseTo(0.7 * at(30) + 0.3 * at(45), 12);
    expect(mixed.perInterview.total).toBeGreaterThan(at(34.5)); // the cost grows faster than the length
    expect(mixed.input.minutesPerInterview).toBeCloseTo(34.5, 12);
    expect(() => estimate({ catalog: c, interviewsPerDay: 10, durations: [{ minutes: 30, share: 0.7 }] })).toThrow(/sum to 1/);
  });

  test("a catalog mix weights each catalog's cost by its share of sessions", () => {
    const pro = catalogById("voice-live-gpt-realtime");
    const std = catalogById("voice-live-gpt-realtime-mini");
    const e = estimate({ catalog: pro, mix: [{ catalog: pro, share: 0.5, upstreams: ["a"] }, { catalog: std, share: 0.5, upstreams: ["b"] }], interviewsPerDay: 10, minutesPerInterview: 30 });
    expect(e.perInterview.total).toBeCloseTo(0.5 * sessionCost(pro, sessionParams(pro, 30)).total + 0.5 * sessionCost(std, sessionParams(std, 30)).total, 12);
  });

  test("infrastructure by hand: 1,000 x 30 min a day, 2 replicas of 1 vCPU / 2 GiB, Standard C1, Front Door", () => {
    const c = catalogById("voice-live-gpt-realtime");
    const e = estimate({ catalog: c, interviewsPerDay: 1000, minutesPerInterview: 30, sizing: { ...SEED_SIZING, cpu: 1, memoryGiB: 2 }, keyVaultSecrets: 3 });
    const i = e.monthly.infrastructureBreakdown;
    const extra = Math.max(0, e.capacity.replicasNeeded - 2);
    const hours = 2 * 30.42 * 24 + extra * 10 * 30.42; // always-on + extra during the 10 busy hours
    expect(i.replicaHoursPerMonth).toBeCloseTo(hours, 9);
    expect(i.containerApps).toBeCloseTo((hours * 3600 - 180000) * 0.000024 + (hours * 3600 * 2 - 360000) * 0.000003, 9);
    // 30,420 interviews; model speaks 20% of 30 min = 6 min at 64,000 B/s = 23.04 MB each to clients;
    // the microphone streams 30 min = 115.2 MB each to the origin.
    expect(i.frontDoorGB.toClient).toBeCloseTo(30420 * 6 * 60 * 64000 / 1e9, 9);
    expect(i.frontDoorGB.toOrigin).toBeCloseTo(30420 * 30 * 60 * 64000 / 1e9, 9);
    expect(i.frontDoor).toBeCloseTo(35 + (700.8768 + 3504.384) * 0.083 + (30420 * 3 / 1e4) * 0.009, 6);
    expect(i.redis).toBe(100.74);
    expect(i.containerRegistry).toBeCloseTo(0.167 * 30.42, 12);
    expect(i.keyVault).toBeCloseTo((3 * hours / 1e4) * 0.03, 12);
    expect(i.monitoring).toBeCloseTo((30420 * 0.002 - 5) * 2.3, 9);
    expect(i.total).toBeCloseTo(i.containerApps + i.frontDoor + i.redis + i.containerRegistry + i.keyVault + i.monitoring, 9);
  });

  test("every Redis SKU the stack config accepts is priced in every metered catalog (Balanced_B1 no longer crashes)", () => {
    const unpriced = catalogIds().map(catalogById).flatMap((c) => (c.infrastructure.mode === "metered" ? REDIS_SKUS.filter((sku) => !(c.infrastructure as { redisMonthly: Record<string, unknown> }).redisMonthly[sku]).map((sku) => `${c.id}: ${sku}`) : []));
    expect(unpriced).toEqual([]);
    const e = estimate({ catalog: catalogById("voice-live-gpt-realtime"), interviewsPerDay: 10, minutesPerInterview: 30, sizing: { ...SEED_SIZING, redisSku: "Balanced_B1" } });
    expect(e.monthly.infrastructureBreakdown.redis).toBe(51);
    expect(() => estimate({ catalog: catalogById("voice-live-gpt-realtime"), interviewsPerDay: 10, minutesPerInterview: 30, sizing: { ...SEED_SIZING, redisSku: "Nope_X9" } })).toThrow(/no price for Redis SKU "Nope_X9"/);
  });
});

describe("PTU only where the catalog says the model can be provisioned", () => {
  test("no shipped realtime catalog offers PTU: the estimate says so with the source", () => {
    for (const id of catalogIds()) {
      const e = estimate({ catalog: catalogById(id), interviewsPerDay: 100, minutesPerInterview: 30 });
      expect(e.ptu.available).toBe(false);
      if (!e.ptu.available) expect(e.ptu.reason).toMatch(/^not available for this model: .*provision/);
    }
  });

  // The small catalog's 2-minute half/half interview (no cache increments, no transcription) costs
  // $0.000344 (above); a PTU at 0.000344 x 1,000 x 30.42 = $10.46448 a month pays for 1,000 interviews a day.
  const ptuCatalog = (tokensPerMinutePerPtu: number) => small({}, {
    ptu: { available: true, minimumPtus: 1, incrementPtus: 1, source: "test", monthlyPerPtu: { value: 0.000344 * 1000 * 30.42, unit: "per PTU-month", source: "test", asOf: "2026-11-01", confidence: "low" }, tokensPerMinutePerPtu: { value: tokensPerMinutePerPtu, unit: "tokens/min", source: "test", asOf: "2026-11-01", confidence: "low" } },
  });
  const session = { userSpeakingShare: 0.5, modelSpeakingShare: 0.5, turnsPerMinute: 1, instructionsTokens: 10, cacheHitRate: 1, transcription: false, interruptedShare: 0 };
  test("break-even = PTU cost / pay-as-you-go cost per interview, when the PTUs carry that volume", () => {
    const e = estimate({ catalog: ptuCatalog(1e6), interviewsPerDay: 500, minutesPerInterview: 2, session });
    expect(e.perInterview.total).toBeCloseTo(0.000344, 12);
    if (!e.ptu.available) throw new Error("PTU expected");
    expect(e.ptu.breakEvenInterviewsPerDay).toBeCloseTo(1000, 6);
    expect(e.ptu.ptus).toBe(1);
    expect(e.ptu.cheaperThanPayAsYouGo).toBe(false); // 500 a day is below 1,000
  });
  test("a PTU that carries less than it costs never breaks even", () => {
    // 380 tokens over 2 minutes = 190 a minute per open session; one token a minute per PTU carries almost nothing.
    const e = estimate({ catalog: ptuCatalog(1), interviewsPerDay: 500, minutesPerInterview: 2, session });
    if (!e.ptu.available) throw new Error("PTU expected");
    expect(e.ptu.breakEvenInterviewsPerDay).toBeUndefined();
    expect(e.ptu.ptus).toBe(Math.ceil(e.capacity.billedTokensPerMinute / 1));
  });
});

test("budget: the estimator's monthly total plus headroom, rounded up to whole dollars", () => {
  const sizing = { ...SEED_SIZING, cpu: 1, memoryGiB: 2 };
  const e = estimate({ catalog: catalogById("voice-live-gpt-realtime"), interviewsPerDay: 1000, minutesPerInterview: 30, sizing });
  const b = budgetFromEstimate(e, 20);
  expect(b.monthlyTotal).toBeCloseTo(e.monthly.total, 9);
  expect(b.amount).toBe(Math.ceil(e.monthly.total * 1.2));
  expect(b.lines.at(-1)).toBe(`monthly total $${e.monthly.total.toFixed(2)} + 20% headroom = $${b.amount}`);
});

describe("catalogs", () => {
  const good = () => structuredClone(seedFile) as any;
  test.each([
    ["a negative price", (c: any) => (c.prices.audioInput.value = -1), "prices.audioInput.value"],
    ["a price without a source", (c: any) => delete c.prices.textOutput.source, "prices.textOutput.source"],
    ["a price without a confidence", (c: any) => delete c.prices.textOutput.confidence, "prices.textOutput.confidence"],
    ["a bad date", (c: any) => (c.prices.textInput.asOf = "last year"), "prices.textInput.asOf"],
    ["a share above 1", (c: any) => (c.sessionDefaults.userSpeakingShare = 1.5), "sessionDefaults.userSpeakingShare"],
    ["PTU offered without a capacity", (c: any) => (c.ptu = { available: true, minimumPtus: 15, incrementPtus: 5, source: "x", monthlyPerPtu: c.prices.textInput }), "ptu.tokensPerMinutePerPtu"],
  ])("%s is rejected with the field", (_name, breakIt, field) => {
    const catalog = good();
    breakIt(catalog);
    expect(() => parseCatalog(catalog, "bad.json")).toThrow(CatalogError);
    expect(() => parseCatalog(catalog, "bad.json")).toThrow(new RegExp(`bad\\.json[\\s\\S]*${field.replace(/\./g, "\\.")}`));
  });
  test("unknown catalog ids and sheets name the available ones", () => {
    expect(() => catalogById("nope")).toThrow(/unknown catalog "nope"; available: .*seed/);
    expect(() => resolveSheet({ ...gptRealtimeFile, infrastructure: { sheet: "nope" } }, "x.json")).toThrow(/unknown infrastructure sheet "nope"; available: azure-infrastructure-2026/);
  });
  test("every shipped catalog parses; every figure has a source, a date and a confidence; none cites a file outside the repository", () => {
    expect(catalogIds()).toEqual(["azure-gpt-4o-realtime-preview-2024-12", "azure-gpt-realtime-2025-08", "azure-gpt-realtime-mini-2025-10", "seed", "voice-live-gpt-realtime", "voice-live-gpt-realtime-mini"]);
    for (const id of catalogIds()) {
      const c = catalogById(id);
      expect(c.id).toBe(id);
      for (const f of figuresOf(c)) {
        expect(f.source.length).toBeGreaterThan(10);
        expect(f.source).not.toMatch(/shared\/notes|notes\/azure\.md/);
      }
      expect(c.model.inputLimitSource).not.toMatch(/shared\/notes/);
    }
  });
  test("Voice Live prices by tier: gpt-realtime is Pro, gpt-realtime-mini Standard (1.1 x the direct audio prices)", () => {
    const pro = catalogById("voice-live-gpt-realtime");
    const std = catalogById("voice-live-gpt-realtime-mini");
    expect([pro.tier, std.tier]).toEqual(["pro", "standard"]);
    expect(pro.prices.audioInput.value).toBeCloseTo(1.1 * catalogById("azure-gpt-realtime-2025-08").prices.audioInput.value, 12);
    expect(std.prices.audioOutput.value).toBeCloseTo(1.1 * catalogById("azure-gpt-realtime-mini-2025-10").prices.audioOutput.value, 12);
    expect(pro.prices.audioInput.source).toContain("Voice Live API Pro - LLM Audio Input Tokens");
    // gpt-realtime's documented input limit; gpt-4o-realtime-preview (2024-12-17) takes 16,000.
    expect(pro.model.inputLimitTokens).toBe(28672);
    expect(catalogById("azure-gpt-4o-realtime-preview-2024-12").model.inputLimitTokens).toBe(16000);
  });
});
