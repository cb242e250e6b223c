/** Whose bottleneck: the generator's, the hop's, or someone else's. */
import { judge, type Observation } from "./verdict";

const calm: Observation = {
  generatorCoresBusy: [0.5],
  generatorProcesses: [{ name: "load generator", cpuCores: 0.3, sendLagP99Ms: 1.2 }, { name: "upstream peer", cpuCores: 0.2, sendLagP99Ms: 1.1 }],
  hop: { cpuCores: 0.4, coreBusy: 0.42 },
};

describe("verdict", () => {
  test("a calm run describes the hop", () => {
    expect(judge(calm)).toEqual({ generatorBound: false, hopSaturated: false, noisy: false, notes: [] });
  });

  test("a busy generator core, a process at a full core, or a late send loop makes the row the generator's", () => {
    const busyProcesses = [{ name: "load generator", cpuCores: 0.5 }, { name: "upstream peer", cpuCores: 0.4 }];
    expect(judge({ ...calm, generatorCoresBusy: [0.93], generatorProcesses: busyProcesses }))
      .toEqual({ generatorBound: true, hopSaturated: false, noisy: false, notes: ["load generator's core 93% busy"] });
    expect(judge({ ...calm, generatorCoresBusy: [0.95, 0.1], generatorProcesses: [{ name: "upstream peer", cpuCores: 0.91 }] }))
      .toEqual({ generatorBound: true, hopSaturated: false, noisy: false, notes: ["load generator's core 95% busy", "upstream peer used 0.91 core"] });
    const late = judge({ ...calm, generatorProcesses: [{ name: "load generator", cpuCores: 0.3, sendLagP99Ms: 12.5 }, { name: "upstream peer", cpuCores: 0.2 }] });
    expect(late.generatorBound).toBe(true);
    expect(late.notes).toContain("load generator send lag p99 12.5 ms");
  });

  test("a send lag within Node's timer granularity (1-3 ms) is not a bottleneck", () => {
    expect(judge({ ...calm, generatorProcesses: [{ name: "load generator", cpuCores: 0.3, sendLagP99Ms: 3 }] }).generatorBound).toBe(false);
  });

  test("the hop at a full core is saturated, not the generator", () => {
    expect(judge({ ...calm, hop: { cpuCores: 0.97, coreBusy: 0.99 } })).toMatchObject({ generatorBound: false, hopSaturated: true, noisy: false });
  });

  test("others on the hop's core or on the generator's core make the row noisy", () => {
    expect(judge({ ...calm, hop: { cpuCores: 0.4, coreBusy: 0.6 } })).toMatchObject({ noisy: true, notes: ["other processes used 20% of the hop's core"] });
    // Generator 0.3 + peer 0.2 = 0.5 of a core that was 0.7 busy: 20% someone else's.
    expect(judge({ ...calm, generatorCoresBusy: [0.7] })).toMatchObject({ noisy: true, generatorBound: false, notes: ["other processes used 20% of the load generator's core"] });
  });

  test("the direct path has no hop to judge", () => {
    expect(judge({ ...calm, hop: undefined }).hopSaturated).toBe(false);
  });
});
