/** The autoscaling simulation against hand-computed days, and the defect it was written to show. */
import { arrivalsPerMinute, meanOpenSessions } from "../cost/traffic";
import { compareScaleRules, simulateScaling, volumeForPeakSessions, type ScaleSimulationInput } from "./scaleSimulation";

// One flat busy hour (08:00-09:00) of 600 interviews of 30 minutes: 10 starts a minute, 300 open at the plateau.
const flatHour: ScaleSimulationInput = {
  day: { interviewsPerDay: 600, busyHoursPerDay: 1, peakHourFactor: 1 },
  minutesPerInterview: 30, minReplicas: 1, maxReplicas: 10, httpConcurrentRequests: 50, maxSessionsPerInstance: 75,
};

test("HTTP rule alone: 10 upgrades a minute is 0.17 a second, one replica, and 450 of 600 sessions refused", () => {
  const day = simulateScaling(flatHour);
  expect(day.peakReplicas).toBe(1);
  expect(day.peakOpenSessions).toBeCloseTo(75, 6);
  // 75 admitted in the first 7.5 minutes, 75 more when those end at 30-37.5 minutes: 150 of 600.
  expect(day.refusedSessions).toBeCloseTo(450, 6);
  expect(day.startedSessions).toBeCloseTo(600, 6);
  expect(day.replicaHours).toBeCloseTo(24, 6);
});

test("both rules: replicas follow open sessions (300 / 50 = 6), nothing refused, back to the minimum after the day", () => {
  const day = simulateScaling({ ...flatHour, sessionsPerReplica: 50 });
  expect(day.peakReplicas).toBe(6);
  expect(day.refusedSessions).toBeCloseTo(0, 9);
  expect(day.peakOpenSessions).toBeCloseTo(300, 6);
  expect(day.replicasByMinute[8 * 60 - 1]).toBe(1);
  expect(day.replicasByMinute[23 * 60]).toBe(1);
  // Scale-ins as sessions end move the removed replicas' sessions (they resume elsewhere).
  expect(day.movedByScaleIn).toBeGreaterThan(0);
});

test("with nothing refused, open sessions are the cost model's meanOpenSessions (Little's law), minute by minute", () => {
  const day = simulateScaling({ ...flatHour, day: { interviewsPerDay: 1000 }, maxReplicas: 50, sessionsPerReplica: 50 });
  const mean = meanOpenSessions(arrivalsPerMinute({ interviewsPerDay: 1000 }), 30);
  expect(day.refusedSessions).toBeCloseTo(0, 9);
  for (const minute of [8 * 60 + 10, 12 * 60, 13 * 60 + 7, 17 * 60 + 59]) expect(day.openByMinute[minute]).toBeCloseTo(mean[minute], 6);
});

test("a scale-in waits for the 300 s stabilization window: replicas stay up 5 minutes after the rules ask for fewer", () => {
  const day = simulateScaling({ ...flatHour, sessionsPerReplica: 50 });
  // Arrivals stop at 09:00; the last sessions end at 09:30, when the sessions rule asks for 1 replica.
  const wanting = (minute: number) => Math.max(1, Math.ceil(day.openByMinute[minute] / 50));
  const firstDrop = day.replicasByMinute.findIndex((r, m) => m > 9 * 60 && r < 6);
  expect(firstDrop).toBeGreaterThan(9 * 60);
  // At the first scale-in, the rule had wanted fewer for at least 5 minutes.
  for (let m = firstDrop - 5; m < firstDrop; m++) expect(wanting(m)).toBeLessThan(6);
  expect(wanting(firstDrop - 6)).toBe(6);
});

test("a fast ramp outruns the 30 s polling, and a slow replica start costs more refusals", () => {
  // 100 starts a minute: 25 a step; one replica (75) is full before the sessions rule's second poll.
  const ramp = { ...flatHour, day: { interviewsPerDay: 6000, busyHoursPerDay: 1, peakHourFactor: 1 }, maxReplicas: 60, sessionsPerReplica: 50 };
  const instant = simulateScaling(ramp).refusedSessions;
  expect(instant).toBeCloseTo(25, 6);
  expect(simulateScaling({ ...ramp, replicaStartSeconds: 120 }).refusedSessions).toBeGreaterThan(instant + 50);
});

test("the issue's case: prod's 2..50 replicas at the volume its capacity promises (2,500 open)", () => {
  const perDay = volumeForPeakSessions(2500, 30);
  expect(Math.max(...meanOpenSessions(arrivalsPerMinute({ interviewsPerDay: perDay }), 30))).toBeGreaterThanOrEqual(2500);
  const { httpOnly, bothRules } = compareScaleRules({
    day: { interviewsPerDay: perDay }, minutesPerInterview: 30, minReplicas: 2, maxReplicas: 50,
    httpConcurrentRequests: 50, sessionsPerReplica: 50, maxSessionsPerInstance: 75,
  });
  // ~1.4 upgrades a second at peak never reaches 50 a replica: 2 replicas, 150 sessions, most users refused.
  expect(httpOnly.peakReplicas).toBe(2);
  expect(httpOnly.peakOpenSessions).toBeCloseTo(150, 6);
  expect(httpOnly.refusedSessions / httpOnly.startedSessions).toBeGreaterThan(0.8);
  expect(bothRules.peakReplicas).toBe(50);
  expect(bothRules.refusedSessions).toBeCloseTo(0, 6);
});

test("bad inputs are refused", () => {
  expect(() => simulateScaling({ ...flatHour, minReplicas: 5, maxReplicas: 2 })).toThrow(RangeError);
  expect(() => simulateScaling({ ...flatHour, httpConcurrentRequests: 0 })).toThrow(RangeError);
  expect(() => simulateScaling({ ...flatHour, sessionsPerReplica: 0 })).toThrow(RangeError);
  expect(() => simulateScaling({ ...flatHour, minutesPerInterview: Number.NaN })).toThrow(RangeError);
});
