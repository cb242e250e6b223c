import { drainTimings } from "./drain";

describe("drainTimings", () => {
  test("60 s grace, 10 s delay (the shipped stacks): 45 s for answers in progress, exit 1 s before SIGKILL", () => {
    // 60 s - 2 s flush - 1 s close - 2 s margin = 55 s usable; 10 s delay; 45 s to finish what is in progress.
    expect(drainTimings(60, 10)).toEqual({ delayMs: 10_000, quietMaxMs: 45_000, closeMs: 57_000, exitMs: 59_000 });
  });
  test("Container Apps' default 30 s grace: a 15 s answer still fits", () => {
    expect(drainTimings(30, 10)).toEqual({ delayMs: 10_000, quietMaxMs: 15_000, closeMs: 27_000, exitMs: 29_000 });
  });
  test("a short grace shortens the delay before the answers' wait, never below zero", () => {
    expect(drainTimings(10, 10)).toEqual({ delayMs: 2_500, quietMaxMs: 2_500, closeMs: 7_000, exitMs: 9_000 });
    expect(drainTimings(3, 1)).toEqual({ delayMs: 0, quietMaxMs: 0, closeMs: 2_000, exitMs: 2_000 });
  });
  test("bad input is named", () => {
    expect(() => drainTimings(0, 10)).toThrow(/termination grace must be at least 1 s, got 0/);
    expect(() => drainTimings(60, -1)).toThrow(/drain delay must be >= 0 s, got -1/);
  });
});
