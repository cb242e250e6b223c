/** Low / expected / high from stated ranges, and which parameter moves the total most. */
import { catalogById, defaultRanges, estimate, estimateRange, INTERVIEW_RANGES, SEED_SIZING, type EstimateInput } from ".";
import { chartData, wrap } from "./chart";

const catalog = catalogById("voice-live-gpt-realtime");
const base: EstimateInput = { catalog, interviewsPerDay: 1000, durations: [{ minutes: 30, share: 0.7 }, { minutes: 45, share: 0.3 }], sizing: { ...SEED_SIZING, cpu: 1, memoryGiB: 2 }, rotateMinutes: 9 };
const ranges = defaultRanges(base.durations!, 45);
const r = estimateRange(base, ranges);

test("the expected end is the estimate at every parameter's expected value", () => {
  const direct = estimate({ ...base, session: { cacheHitRate: INTERVIEW_RANGES.cacheHitRate.expected, userSpeakingShare: 0.55, modelSpeakingShare: 0.2, turnsPerMinute: 1, truncation: { type: "auto" } } });
  expect(r.expected.monthly.total).toBeCloseTo(direct.monthly.total, 9);
});

test("each parameter alone, at its low and its high value, the others expected", () => {
  const s = Object.fromEntries(r.sensitivity.map((x) => [x.parameter, x]));
  const at = (session: object, durations = base.durations) => estimate({ ...base, durations, session: { cacheHitRate: 0.95, truncation: { type: "auto" }, ...session } }).monthly.total;
  expect(s.cacheHitRate.monthly).toEqual({ low: expect.closeTo(at({ cacheHitRate: 0.6 }), 6), high: expect.closeTo(at({ cacheHitRate: 1 }), 6) });
  expect(s.durations.monthly).toEqual({ low: expect.closeTo(at({}, [{ minutes: 30, share: 1 }]), 6), high: expect.closeTo(at({}, [{ minutes: 45, share: 1 }]), 6) });
  expect(s.turnsPerMinute.monthly.high).toBeCloseTo(at({ turnsPerMinute: 2 }), 6);
  expect(s.speakingShares.values).toEqual({ low: "candidate 60% / model 15%", expected: "candidate 55% / model 20%", high: "candidate 35% / model 45%" });
  // Fewer cache hits, longer interviews, more turns, a talkative model: each costs more.
  expect(s.cacheHitRate.monthly.low).toBeGreaterThan(s.cacheHitRate.monthly.high);
  expect(s.durations.monthly.high).toBeGreaterThan(s.durations.monthly.low);
  expect(s.turnsPerMinute.monthly.high).toBeGreaterThan(s.turnsPerMinute.monthly.low);
  expect(s.speakingShares.monthly.high).toBeGreaterThan(s.speakingShares.monthly.low);
});

test("sorted by how much each moves the monthly total; the envelope brackets every single move", () => {
  const swings = r.sensitivity.map((x) => x.swing);
  expect(swings).toEqual([...swings].sort((a, b) => b - a));
  expect(r.sensitivity[0].parameter).toBe("speakingShares"); // with rotation the re-sent context (what the cache discounts) stays small
  for (const x of r.sensitivity) {
    expect(r.low.monthly.total).toBeLessThanOrEqual(Math.min(x.monthly.low, x.monthly.high) + 1e-6);
    expect(r.high.monthly.total).toBeGreaterThanOrEqual(Math.max(x.monthly.low, x.monthly.high) - 1e-6);
  }
  // The envelope's ends are the cheaper / dearer end of each parameter together.
  expect(r.low.input.session).toMatchObject({ cacheHitRate: 1, userSpeakingShare: 0.6, modelSpeakingShare: 0.15, turnsPerMinute: 0.5 });
  expect(r.high.input.session).toMatchObject({ cacheHitRate: 0.6, userSpeakingShare: 0.35, modelSpeakingShare: 0.45, turnsPerMinute: 2 }); // truncation: no difference under rotation
  expect(r.high.input.durations).toEqual([{ minutes: 45, share: 1 }]);
});

test("truncation matters only once the conversation reaches the input limit", () => {
  const s = r.sensitivity.find((x) => x.parameter === "truncation")!;
  expect(s.swing).toBe(0); // with rotation every 9 minutes the expected interview peaks at ~12k tokens even at 45 minutes
  // Without rotation, a talkative interview reaches the 28,224-token truncation point.
  const talkative = estimateRange({ ...base, rotateMinutes: undefined, session: { userSpeakingShare: 0.35, modelSpeakingShare: 0.45, turnsPerMinute: 2 } }, { ...ranges, speakingShares: { low: INTERVIEW_RANGES.speakingShares.high, expected: INTERVIEW_RANGES.speakingShares.high, high: INTERVIEW_RANGES.speakingShares.high }, turnsPerMinute: { low: 2, expected: 2, high: 2 } });
  const t = talkative.sensitivity.find((x) => x.parameter === "truncation")!;
  expect(t.monthly.high).toBeGreaterThan(t.monthly.low * 1.5); // auto re-reads ~28k tokens uncached every turn past the limit
});

test("the chart's rows: the p10-p90 band brackets the expected (mean) line; no PTU series where PTU does not exist", () => {
  const { rows, ptu } = chartData({ base, maxInterviewsPerDay: 2000, title: "t", subtitle: "s" }, 4);
  expect(rows.map((x) => x.interviewsPerDay)).toEqual([0, 500, 1000, 1500, 2000]);
  for (const row of rows) {
    expect(row.low).toBeLessThanOrEqual(row.expected + 1e-6);
    expect(row.expected).toBeLessThanOrEqual(row.high + 1e-6);
    expect(row.ptu).toBeUndefined();
  }
  expect(rows[4].high - rows[4].low).toBeGreaterThan(rows[2].high - rows[2].low); // the band widens with volume
  expect(ptu).toMatchObject({ available: false, reason: expect.stringMatching(/^not available for this model/) });
});

test("subtitle lines are wrapped to fit the chart", () => {
  expect(wrap("aaa bbb ccc ddd", 7)).toEqual(["aaa bbb", "ccc ddd"]);
  expect(wrap("a".repeat(12), 5)).toEqual(["a".repeat(12)]); // a word longer than the width stays whole
});
