/** Hand-computed expectations, to the cent. */
import { budgetFromEstimate, catalogById, estimate, parseCatalog, planCapacity, sessionCost, sessionParams, SEED_SIZING } from ".";
import { CatalogError } from "./catalog";
import gptRealtimeFile from "./catalogs/azure-gpt-realtime-2025-08.json";
import seedFile from "./catalogs/seed.json";

const seed = catalogById("seed");
const cents = (x: number) => Math.round(x * 100) / 100;

describe("the seed's linear method with the seed's catalog", () => {
  test("100 x 30 min: $0.1718 per interview, $17.18 a day", () => {
    // 45,000 x 0.40/1M + 36,000 x 0.80/1M + 25,000 x 5/1M = 0.018 + 0.0288 + 0.125
    const e = estimate({ catalog: seed, interviewsPerDay: 100, minutesPerInterview: 30 });
    expect(e.perInterview.audioInput).toBeCloseTo(0.018, 10);
    expect(e.perInterview.audioOutput).toBeCloseTo(0.0288, 10);
    expect(e.perInterview.text).toBeCloseTo(0.125, 10);
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
  });
});

describe("the re-sent context model", () => {
  // A catalog with round numbers: $1/1M for every uncached token, $0.10/1M cached; 60 tokens/min in, 120 out.
  const small = parseCatalog({
    ...structuredClone(gptRealtimeFile),
    id: "small",
    model: { name: "t", resendsContext: true, contextWindowTokens: 100000, audioInputTokensPerMinute: 60, audioOutputTokensPerMinute: 120, textInputTokensPerHour: 0, outputTextTokensPerSpokenMinute: 60 },
    prices: Object.fromEntries(["audioInput", "audioOutput", "textInput", "textOutput", "audioCachedInput", "textCachedInput"].map((k) => [k, { value: k.includes("Cached") ? 0.1 : 1, unit: "per 1M tokens", source: "test", asOf: "2026-11-01" }])),
  }, "small");

  test("2 minutes, 1 turn a minute, half each: tokens by hand", () => {
    // Turn: user 0.5 min x 60 = 30 audio in; reply 0.5 x 120 = 60 audio out, 0.5 x 60 = 30 text out.
    // Response 1 reads: 10 instructions + 30 user audio; nothing cached.
    // Response 2 reads: 10 + (30 + 60 audio, 30 text) + 30 = 120 audio, 40 text; cached = response 1's input (30 audio, 10 text).
    const cost = sessionCost(small, { minutes: 2, userSpeakingShare: 0.5, modelSpeakingShare: 0.5, turnsPerMinute: 1, instructionsTokens: 10 });
    expect(cost.tokens).toEqual({ audioInput: 30 + 90, audioCachedInput: 30, audioOutput: 120, textInput: 10 + 30, textCachedInput: 10, textOutput: 60 });
    expect(cost.total).toBeCloseTo((120 + 120 + 40 + 60) / 1e6 + (40 * 0.1) / 1e6, 15);
  });

  test("the context window caps what each response reads", () => {
    const capped = parseCatalog({ ...small, id: "capped", model: { ...small.model, contextWindowTokens: 100 } }, "capped");
    const cost = sessionCost(capped, { minutes: 10, userSpeakingShare: 0.5, modelSpeakingShare: 0.5, turnsPerMinute: 1, instructionsTokens: 10 });
    // Every response reads at most 100 tokens: 10 responses x 100 = 1,000 input tokens at most.
    const input = cost.tokens.audioInput + cost.tokens.audioCachedInput + cost.tokens.textInput + cost.tokens.textCachedInput;
    expect(input).toBeLessThanOrEqual(1000 + 1e-9);
    expect(input).toBeGreaterThan(900);
  });

  test("the default catalog: input grows faster than linearly with interview length", () => {
    const catalog = catalogById("azure-gpt-realtime-2025-08");
    const ten = sessionCost(catalog, sessionParams(catalog, 10));
    const thirty = sessionCost(catalog, sessionParams(catalog, 30));
    expect(thirty.audioOutput / ten.audioOutput).toBeCloseTo(3, 5);
    expect(thirty.cached / ten.cached).toBeGreaterThan(6);
  });
});

test("PTU break-even: monthly PTU cost over the per-interview cost", () => {
  const e = estimate({ catalog: seed, interviewsPerDay: 100, minutesPerInterview: 30, ptus: 2 });
  expect(e.ptu.monthlyCost).toBe(4320);
  expect(e.ptu.breakEvenInterviewsPerMonth).toBeCloseTo(4320 / 0.1718, 6); // 25,145.5
  expect(e.ptu.breakEvenInterviewsPerDay).toBeCloseTo(4320 / 0.1718 / 30, 6); // 838.2
  expect(e.ptu.cheaperThanPayAsYouGo).toBe(false);
});

describe("capacity warnings at their thresholds", () => {
  // 1,000/day over 10 busy hours, peak x2: 3.333 starts/min; x 30 min = 100 concurrent.
  const base = { interviewsPerDay: 1000, minutesPerInterview: 30, sessionsPerReplica: 50, minReplicas: 2, maxReplicas: 2, upstreamResources: 10, rotateMinutes: 0 };
  test("replica capacity equal to the peak: no warning; one session short: warning", () => {
    expect(planCapacity(base)).toMatchObject({ peakConcurrentSessions: 100, replicasNeeded: 2, warnings: [] });
    expect(planCapacity({ ...base, sessionsPerReplica: 49 }).warnings).toEqual([expect.stringMatching(/^capacity: .* = 98 is below the expected peak of 100/)]);
  });
  test("Front Door: 3,000 concurrent is fine, 3,001 is not", () => {
    // 30,000/day -> 3,000 concurrent at 30 min
    const at = planCapacity({ ...base, interviewsPerDay: 30000, maxReplicas: 100, upstreamResources: 1000 });
    expect(at.peakConcurrentSessions).toBe(3000);
    expect(at.warnings).toEqual([]);
    const over = planCapacity({ ...base, interviewsPerDay: 30000, minutesPerInterview: 30.01, maxReplicas: 100, upstreamResources: 1000 });
    expect(over.peakConcurrentSessions).toBe(3001);
    expect(over.warnings).toEqual([expect.stringMatching(/^front door: .*3001.*exceeds 3000/)]);
  });
  test("upstream quota: 30 new connections a minute per resource, rotations included", () => {
    // 100 concurrent / 9-min rotation = 11.1 + 3.33 starts = 15 per minute; tokens 100 x 1,800 = 180,000 -> 2 resources.
    const plan = planCapacity({ ...base, upstreamResources: 1, rotateMinutes: 9 });
    expect(plan.newConnectionsPerMinute).toBe(15);
    expect(plan.upstreamResourcesNeeded).toBe(2);
    expect(plan.warnings[0]).toMatch(/^upstream quota: 15 new connections a minute/);
    expect(planCapacity({ ...base, upstreamResources: 2, rotateMinutes: 9 }).warnings).toEqual([]);
  });
});

test("budget: the estimator's monthly total plus headroom, rounded up to whole dollars", () => {
  const sizing = { ...SEED_SIZING, cpu: 1, memoryGiB: 2 };
  const e = estimate({ catalog: catalogById("azure-gpt-realtime-2025-08"), interviewsPerDay: 1000, minutesPerInterview: 30, sizing });
  const b = budgetFromEstimate(e, 20);
  expect(b.monthlyTotal).toBeCloseTo(e.monthly.total, 9);
  expect(b.amount).toBe(Math.ceil(e.monthly.total * 1.2));
  expect(b.lines.at(-1)).toBe(`monthly total $${e.monthly.total.toFixed(2)} + 20% headroom = $${b.amount}`);
});

describe("malformed catalogs are rejected with the field that is wrong", () => {
  const good = () => structuredClone(seedFile) as any;
  test.each([
    ["a negative price", (c: any) => (c.prices.audioInput.value = -1), "prices.audioInput.value"],
    ["a price without a source", (c: any) => delete c.prices.textOutput.source, "prices.textOutput.source"],
    ["a bad date", (c: any) => (c.prices.textInput.asOf = "last year"), "prices.textInput.asOf"],
    ["a share above 1", (c: any) => (c.sessionDefaults.userSpeakingShare = 1.5), "sessionDefaults.userSpeakingShare"],
  ])("%s", (_name, breakIt, field) => {
    const catalog = good();
    breakIt(catalog);
    expect(() => parseCatalog(catalog, "bad.json")).toThrow(CatalogError);
    expect(() => parseCatalog(catalog, "bad.json")).toThrow(new RegExp(`bad\\.json[\\s\\S]*${field.replace(/\./g, "\\.")}`));
  });
  test("unknown catalog ids name the available ones", () => {
    expect(() => catalogById("nope")).toThrow(/unknown catalog "nope"; available: .*seed/);
  });
  test("every shipped catalog parses", () => {
    for (const id of ["seed", "azure-gpt-realtime-2025-08", "azure-gpt-4o-realtime-preview-2024-12"]) expect(catalogById(id).id).toBe(id);
  });
});

