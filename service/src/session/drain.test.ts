import { FakeClock } from "./clock";
import { DrainWait, drainTimings } from "./drain";

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

describe("DrainWait", () => {
  const flush = () => new Promise((r) => setImmediate(r));

  test("quiet already: hands over after the writes in flight settled", async () => {
    const clock = new FakeClock();
    const steps: string[] = [];
    const wait = new DrainWait(clock, 10_000);
    const result = await wait.until({ quiet: () => true, ended: () => false, settle: async () => void steps.push("settled") });
    expect(result).toBe(true);
    expect(steps).toEqual(["settled"]);
  });

  test("waits for the quiet point, then looks again after the writes (an answer asked for meanwhile waits too)", async () => {
    const clock = new FakeClock();
    let quiet = false;
    let settles = 0;
    const wait = new DrainWait(clock, 10_000);
    let result: boolean | undefined;
    void wait.until({
      quiet: () => quiet, ended: () => false,
      settle: async () => {
        // The first settle finds a new answer requested while the writes were in flight.
        if (++settles === 1) quiet = false;
      },
    }).then((r) => (result = r));
    await flush();
    wait.quietPoint(); // not quiet: nothing happens
    await flush();
    expect(settles).toBe(0);
    quiet = true;
    wait.quietPoint();
    await flush();
    expect(settles).toBe(1);
    expect(result).toBeUndefined();
    quiet = true;
    wait.quietPoint();
    await flush();
    expect(settles).toBe(2);
    expect(result).toBe(true);
  });

  test("no quiet point within maxMs: hands over at the deadline", async () => {
    const clock = new FakeClock();
    const wait = new DrainWait(clock, 10_000);
    let result: boolean | undefined;
    void wait.until({ quiet: () => false, ended: () => false, settle: async () => undefined }).then((r) => (result = r));
    await flush();
    clock.advance(9_999);
    await flush();
    expect(result).toBeUndefined();
    clock.advance(1);
    await flush();
    await flush();
    expect(result).toBe(true);
  });

  test("the session ended while waiting: nothing to hand over", async () => {
    const clock = new FakeClock();
    let ended = false;
    const wait = new DrainWait(clock, 10_000);
    let result: boolean | undefined;
    void wait.until({ quiet: () => false, ended: () => ended, settle: async () => undefined }).then((r) => (result = r));
    await flush();
    ended = true;
    wait.stop();
    await flush();
    expect(result).toBe(false);
  });
});
