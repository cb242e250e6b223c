/** The day's arrival curve and the Poisson spread, against hand-computed values. */
import { arrivalsPerMinute, meanOpenSessions, peakConcurrency, poissonQuantile } from "./traffic";

test("a day's starts sum to the daily volume, all inside business hours", () => {
  const day = arrivalsPerMinute({ interviewsPerDay: 1000 });
  expect(day).toHaveLength(1440);
  expect(day.reduce((a, b) => a + b, 0)).toBeCloseTo(1000, 9);
  expect(day.slice(0, 8 * 60).every((x) => x === 0)).toBe(true);
  expect(day.slice(18 * 60).every((x) => x === 0)).toBe(true);
});

test("the busiest hour carries peakHourFactor x the mean busy hour", () => {
  for (const factor of [1, 1.5, 2, 3]) {
    const day = arrivalsPerMinute({ interviewsPerDay: 1000, peakHourFactor: factor });
    let best = 0;
    for (let t = 0; t + 60 <= 1440; t++) best = Math.max(best, day.slice(t, t + 60).reduce((a, b) => a + b, 0));
    expect(best).toBeCloseTo((1000 / 10) * factor, 3);
  }
  // Flat: 100 an hour, 1.6667 a minute.
  expect(arrivalsPerMinute({ interviewsPerDay: 1000, peakHourFactor: 1 })[9 * 60]).toBeCloseTo(1000 / 600, 9);
});

test("open sessions: starts of the last D minutes (Little's law on the flat profile)", () => {
  const open = meanOpenSessions(arrivalsPerMinute({ interviewsPerDay: 1000, peakHourFactor: 1 }), 30);
  expect(open[12 * 60]).toBeCloseTo((1000 / 600) * 30, 9); // 50
  expect(open[8 * 60 + 9]).toBeCloseTo((1000 / 600) * 10, 9); // 10 minutes into the day
});

test("Poisson quantiles: known values", () => {
  // P(X <= 2 | 1) = 0.9197, P(X <= 1 | 1) = 0.7358
  expect(poissonQuantile(1, 0.9)).toBe(2);
  expect(poissonQuantile(1, 0.7)).toBe(1);
  // Poisson(100): P(X <= 123) = 0.9893, P(X <= 124) = 0.9912 -> p99 = 124
  expect(poissonQuantile(100, 0.99)).toBe(124);
  // Large means stay finite and near mean + 2.326 sqrt(mean).
  const q = poissonQuantile(5000, 0.99);
  expect(q).toBeGreaterThan(5000 + 2.2 * Math.sqrt(5000));
  expect(q).toBeLessThan(5000 + 2.45 * Math.sqrt(5000));
  expect(poissonQuantile(0, 0.99)).toBe(0);
});

test("peak concurrency at 1,000 a day, 30 minutes, peak factor 2: mean ~100, p99 above it", () => {
  const peak = peakConcurrency({ interviewsPerDay: 1000 }, 30);
  expect(peak.mean).toBeGreaterThan(98);
  expect(peak.mean).toBeLessThan(101);
  expect(peak.atPercentile).toBeGreaterThanOrEqual(poissonQuantile(98, 0.99));
  expect(peak.minuteOfDay).toBeGreaterThan(12 * 60);
  expect(peak.minuteOfDay).toBeLessThan(14 * 60);
});
