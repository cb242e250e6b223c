/**
 * The alert gates (stacks/sizing.ts): windows and minimums derived from a stack's traffic, checked on
 * hand-computed values, then on the three shipped stacks' own traffic models.
 */
import { loadStackConfigFile } from "../../stacks/config";
import {
  busiestWindowArrivals, frontDoor5xxGate, latencyAlertWindow, ratioAlertGate, sizeStack, stackArrivals,
} from "../../stacks/sizing";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const flat = (perMinute: number) => new Array<number>(1440).fill(perMinute);

test("busiest window: the largest sum of consecutive minutes, across midnight too", () => {
  const day = new Array<number>(1440).fill(0);
  day[100] = 3; day[101] = 1; day[102] = 5; // 9 in minutes 100-102
  day[1439] = 4; day[0] = 4; // 8 across midnight
  expect(busiestWindowArrivals(day, 3)).toBe(9);
  expect(busiestWindowArrivals(day, 2)).toBe(8);
  expect(busiestWindowArrivals(day, 1)).toBe(5);
  expect(() => busiestWindowArrivals(day, 0)).toThrow(/window must be/);
});

test("ratio gate: the shortest window holding 20 attempts at the busiest moment, two events at least", () => {
  // 4 a minute: 20 in 5 minutes.
  expect(ratioAlertGate(flat(4), 5)).toEqual({ windowMinutes: 5, minEvents: 2, busiestAttempts: 20 });
  // 1 a minute: 5, 10, 15 fall short; 30 in 30 minutes.
  expect(ratioAlertGate(flat(1), 5)).toEqual({ windowMinutes: 30, minEvents: 2, busiestAttempts: 30 });
  // Not shorter than the configured window.
  expect(ratioAlertGate(flat(4), 15).windowMinutes).toBe(15);
  // 0.1 a minute never brings 20 in an hour: the longest window (6 attempts), still two events.
  const sparse = ratioAlertGate(flat(0.1), 5);
  expect(sparse.windowMinutes).toBe(60);
  expect(sparse.busiestAttempts).toBeCloseTo(6, 9);
  // No stated volume: the longest window.
  expect(ratioAlertGate(undefined, 5)).toEqual({ windowMinutes: 60, minEvents: 2 });
});

test("Front Door gate: one 5xx is never above the percent; outages only where traffic is thin", () => {
  // 5%: one of 21 requests is 4.76%, one of 20 is 5% (not above): 21 requests; 1.5 a minute brings 22.5 in 15 minutes.
  expect(frontDoor5xxGate(flat(1.5), 5)).toEqual({ windowMinutes: 15, minRequests: 21, percent: 5, busiestRequests: 22.5 });
  // 4.2 a minute brings 21 in 5 minutes.
  expect(frontDoor5xxGate(flat(4.2), 5).windowMinutes).toBe(5);
  // 10%: 11 requests.
  expect(frontDoor5xxGate(flat(10), 10).minRequests).toBe(11);
  // 0.1 a minute (6 an hour): at least 2 requests, more than half of them 5xx.
  expect(frontDoor5xxGate(flat(0.1), 5)).toMatchObject({ windowMinutes: 60, minRequests: 2, percent: 50 });
  expect(frontDoor5xxGate(undefined, 5)).toEqual({ windowMinutes: 60, minRequests: 2, percent: 50 });
  expect(() => frontDoor5xxGate(flat(1), 0)).toThrow(/percent/);
});

test("latency window: the shortest holding 20 turns at the busiest moment", () => {
  expect(latencyAlertWindow(4, 5)).toBe(5); // 20 turns in 5 minutes
  expect(latencyAlertWindow(2.3, 5)).toBe(10); // 11.5 in 5, 23 in 10
  expect(latencyAlertWindow(0.2, 5)).toBe(60); // 12 in an hour: the longest
  expect(latencyAlertWindow(undefined, 15)).toBe(15);
});

test("the shipped stacks: windows their own traffic fills (1,000, 20 and 50 interviews a day)", () => {
  const gates = Object.fromEntries(["prod", "staging", "small"].map((stack) => [stack, sizeStack(loadStackConfigFile(stack, root)).alertGates]));
  const prodArrivals = stackArrivals(loadStackConfigFile("prod", root))!;
  // prod: 1,000 a day over 10 business hours, the busiest hour twice the mean: 200 in its busiest hour.
  expect(busiestWindowArrivals(prodArrivals, 60)).toBeCloseTo(200, 6);
  // Its busiest 5 minutes bring fewer than 20 upgrades (the old gate could never open), 10 minutes more.
  expect(busiestWindowArrivals(prodArrivals, 5)).toBeLessThan(20);
  expect(gates.prod.connectFailures.windowMinutes).toBe(10);
  expect(gates.prod.platformErrors.windowMinutes).toBe(10);
  expect(gates.prod.frontDoor5xx).toMatchObject({ windowMinutes: 15, minRequests: 21, percent: 5 });
  // staging (20 a day: 4 in its busiest hour) and small (50 a day: 10) never bring 20 in an hour.
  for (const stack of ["staging", "small"]) {
    expect(gates[stack].connectFailures.windowMinutes).toBe(60);
    expect(gates[stack].frontDoor5xx).toMatchObject({ windowMinutes: 60, minRequests: 2, percent: 50 });
  }
  expect(gates.staging.connectFailures.busiestAttempts).toBeCloseTo(4, 6);
  expect(gates.small.connectFailures.busiestAttempts).toBeCloseTo(10, 6);
});
