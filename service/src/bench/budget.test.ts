/** The time budget: waits and repeats only while the remaining runs still fit. */
import { TimeBudget } from "./budget";

describe("time budget", () => {
  test("an estimate until runs are measured, then their mean", () => {
    const budget = new TimeBudget(300_000, 15_000, 0);
    expect(budget.perRunMs()).toBe(15_000);
    budget.ran(10_000);
    budget.ran(20_000);
    expect(budget.perRunMs()).toBe(15_000);
    budget.ran(30_000);
    expect(budget.perRunMs()).toBe(20_000);
  });

  test("waits shrink and repeats stop as the remaining runs fill the budget", () => {
    const budget = new TimeBudget(300_000, 20_000, 0);
    // At 100 s with 8 runs to come (160 s): 40 s of slack.
    expect(budget.slackMs(100_000, 8)).toBe(40_000);
    expect(budget.quietWaitMs(100_000, 8, 20_000)).toBe(20_000);
    expect(budget.quietWaitMs(100_000, 8, 60_000)).toBe(40_000);
    expect(budget.canRepeat(100_000, 8)).toBe(true); // 9 runs: 180 s, fits in 200 s
    expect(budget.canRepeat(130_000, 8)).toBe(false); // 180 s does not fit in 170 s
    expect(budget.quietWaitMs(250_000, 8, 20_000)).toBe(0); // already over
  });

  test("0 means unbounded", () => {
    const budget = new TimeBudget(0, 20_000, 0);
    expect(budget.canRepeat(1e9, 100)).toBe(true);
    expect(budget.quietWaitMs(1e9, 100, 20_000)).toBe(20_000);
  });
});
