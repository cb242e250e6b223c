/** Capacity from the arrival curve at a stated percentile, and the upstream quotas counted both ways. */
import { catalogById, planCapacity, poissonQuantile, type CapacityInput } from ".";

const voiceLive = catalogById("voice-live-gpt-realtime").quota;
// A flat day (peak factor 1): 1,000 starts over 600 busy minutes = 1.6667 a minute; a 30-minute
// interview keeps 50 open on average (Little's law), Poisson around it: p99 = 67.
const flat: CapacityInput = {
  interviewsPerDay: 1000, durations: [{ minutes: 30, share: 1 }], peakHourFactor: 1, sessionsPerReplica: 50, minReplicas: 2, maxReplicas: 2,
  upstreamResources: 1, spokenTokensPerSessionMinute: 1000, billedTokensPerSessionMinute: 10000, quota: voiceLive,
};

test("the peak is the stated percentile of a Poisson count around the curve's busiest mean", () => {
  const plan = planCapacity(flat);
  expect(plan.peakMeanSessions).toBeCloseTo(50, 9);
  expect(plan.peakConcurrentSessions).toBe(67);
  expect(poissonQuantile(50, 0.99)).toBe(67);
  expect(planCapacity({ ...flat, percentile: 50 }).peakConcurrentSessions).toBe(50);
  // Starts in the busiest minute: 1.6667 on average, p99 of Poisson(1.6667) = 5.
  expect(plan.startsPerMinuteMean).toBeCloseTo(1000 / 600, 9);
  expect(plan.newConnectionsPerMinute).toBe(5);
  expect(plan.replicasNeeded).toBe(2); // ceil(67 / 50)
});

test("1,000 a day at the default curve (peak hour x2): the mean peak is ~100, p99 ~124, not 100", () => {
  const plan = planCapacity({ ...flat, peakHourFactor: undefined });
  expect(plan.peakMeanSessions).toBeGreaterThan(99);
  expect(plan.peakMeanSessions).toBeLessThan(102);
  expect(plan.peakConcurrentSessions).toBe(poissonQuantile(plan.peakMeanSessions, 0.99));
  expect(plan.peakConcurrentSessions).toBeGreaterThanOrEqual(123);
  expect(plan.peakConcurrentSessions).toBeLessThanOrEqual(126);
});

test("lengths mix: open sessions add up by share", () => {
  const plan = planCapacity({ ...flat, durations: [{ minutes: 30, share: 0.5 }, { minutes: 60, share: 0.5 }] });
  expect(plan.peakMeanSessions).toBeCloseTo(0.5 * 50 + 0.5 * 100, 9);
});

test("tokens a minute at the peak, spoken and re-sent, and the resources each quota asks for", () => {
  const plan = planCapacity(flat);
  expect(plan.spokenTokensPerMinute).toBe(67 * 1000);
  expect(plan.billedTokensPerMinute).toBe(67 * 10000);
  // 67,000 spoken tokens under 100,000: 1 resource; 670,000 re-sent: 7 resources.
  expect(plan.upstream).toMatchObject({ byConnections: 1, bySpokenTokens: 1, byBilledTokens: 7, neededAtLeast: 1, neededAtMost: 7 });
  expect(plan.upstream.tokensPerMinute?.value).toBe(100000);
  expect(plan.warnings).toEqual([expect.stringMatching(/^upstream quota: if re-sent \(cached\) input counts .* need 7 upstream resources per region; the stack has 1/)]);
});

describe("warnings at their thresholds", () => {
  test("replica capacity equal to the p99 peak: none; one session short: a warning", () => {
    const base = { ...flat, quota: undefined };
    expect(planCapacity({ ...base, maxReplicas: 2, sessionsPerReplica: 34 }).warnings).toEqual([]); // 68 >= 67
    expect(planCapacity({ ...base, maxReplicas: 67, sessionsPerReplica: 1 }).warnings).toEqual([]);
    expect(planCapacity({ ...base, maxReplicas: 66, sessionsPerReplica: 1 }).warnings).toEqual([expect.stringMatching(/^capacity: .* = 66 is below the p99 peak of 67/)]);
  });
  test("Front Door: more than 3,000 open WebSockets at p99", () => {
    const big = planCapacity({ ...flat, quota: undefined, interviewsPerDay: 60000, maxReplicas: 1000 });
    expect(big.peakConcurrentSessions).toBeGreaterThan(3000);
    expect(big.warnings).toEqual([expect.stringMatching(/^front door: the p99 peak of \d+ concurrent sessions exceeds 3000/)]);
  });
  test("spoken tokens above one resource's quota: the stack is short for sure", () => {
    const plan = planCapacity({ ...flat, spokenTokensPerSessionMinute: 2000, billedTokensPerSessionMinute: 2000 }); // 134,000 a minute
    expect(plan.upstreamResourcesNeeded).toBe(2);
    expect(plan.warnings).toEqual([expect.stringMatching(/^upstream quota: at the p99 peak, 5 new connections a minute and 134,000 spoken tokens a minute need 2 upstream resources per region/)]);
    expect(planCapacity({ ...flat, spokenTokensPerSessionMinute: 2000, billedTokensPerSessionMinute: 2000, upstreamResources: 2 }).warnings).toEqual([]);
  });
  test("rotations count as new connections only when the service rotates", () => {
    expect(planCapacity(flat).rotationsPerMinute).toBe(0);
    const rotating = planCapacity({ ...flat, rotateMinutes: 9 });
    expect(rotating.rotationsPerMinute).toBeCloseTo(67 / 9, 9);
    expect(rotating.newConnectionsPerMinute).toBe(Math.ceil(5 + 67 / 9)); // 13
  });
  test("interviews longer than Voice Live's 60-minute connection, without rotation", () => {
    expect(planCapacity({ ...flat, durations: [{ minutes: 70, share: 1 }], spokenTokensPerSessionMinute: 0, billedTokensPerSessionMinute: 0, maxReplicas: 10 }).warnings).toEqual([expect.stringMatching(/^upstream session limit: interviews of 70 min outlast the upstream's 60-minute/)]);
    expect(planCapacity({ ...flat, durations: [{ minutes: 70, share: 1 }], spokenTokensPerSessionMinute: 0, billedTokensPerSessionMinute: 0, maxReplicas: 10, rotateMinutes: 9 }).warnings.filter((w) => w.startsWith("upstream session"))).toEqual([]);
  });
});
