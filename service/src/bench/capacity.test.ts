/** From rows to capacity at the target, and from capacity to sessionsPerReplica, by hand. */
import { instanceSessionLimit } from "../../../contracts";
import { capacityAtTarget, sessionsPerReplica, type CapacityRow } from "./capacity";

const ok = { generatorBound: false, noisy: false, hopSaturated: false };
const row = (sessions: number, over: Partial<CapacityRow> = {}): CapacityRow => ({
  hop: "proxy", frameMs: 40, sessions, opened: sessions, addedP99Ms: 1, framesLost: 0, sessionsFailed: 0, verdict: ok,
  hopCpuCores: sessions / 1000, hopRssPerSessionKB: 50, hopRssIdleMB: 80, ...over,
});

describe("capacity at the latency target", () => {
  test("the largest count that passes with every smaller one, bracketed by the first that misses", () => {
    const c = capacityAtTarget([row(750, { addedP99Ms: 7.5 }), row(250), row(500), row(1000)], 40, 5);
    expect(c).toMatchObject({ sessionsAtTarget: 500, kind: "bracketed", next: { sessions: 750, reason: "added p99 7.50 ms > 5 ms" } });
    expect(c.rssPerSessionBytes).toBe(50_000);
    expect(c.baseRssBytes).toBe(80_000_000);
  });

  test("a lost frame or a failed session misses the target whatever the delay", () => {
    expect(capacityAtTarget([row(250), row(500, { framesLost: 1 })], 40, 5)).toMatchObject({ sessionsAtTarget: 250, next: { reason: "1 frames lost" } });
    expect(capacityAtTarget([row(250, { sessionsFailed: 3 })], 40, 5)).toMatchObject({ sessionsAtTarget: 0, kind: "bracketed" });
  });

  test("a generator-bound or noisy row proves nothing: the capacity is a lower bound", () => {
    const c = capacityAtTarget([row(250), row(500, { verdict: { ...ok, generatorBound: true } })], 40, 5);
    expect(c).toMatchObject({ sessionsAtTarget: 250, kind: "lower bound", next: { sessions: 500, reason: "load generator was the bottleneck" } });
    const untested = capacityAtTarget([row(250), row(500)], 40, 5);
    expect(untested).toMatchObject({ sessionsAtTarget: 500, kind: "lower bound" });
    expect(untested.next).toBeUndefined();
    expect(capacityAtTarget([row(250, { verdict: { ...ok, noisy: true } })], 40, 5).kind).toBe("lower bound");
  });

  test("a disturbed run below a clean pass does not hide the pass; a miss still stops the scan", () => {
    const disturbed = { verdict: { ...ok, noisy: true } };
    expect(capacityAtTarget([row(300, disturbed), row(500), row(700, { verdict: { ...ok, generatorBound: true } })], 40, 5))
      .toMatchObject({ sessionsAtTarget: 500, kind: "lower bound", next: { sessions: 700 } });
    expect(capacityAtTarget([row(300, { addedP99Ms: 9 }), row(500)], 40, 5)).toMatchObject({ sessionsAtTarget: 0, kind: "bracketed", next: { sessions: 300 } });
  });

  test("other hops and frame sizes are not the proxy's capacity", () => {
    expect(capacityAtTarget([row(250, { hop: "nginx" }), row(500, { frameMs: 100 })], 40, 5).sessionsAtTarget).toBe(0);
  });
});

describe("sessionsPerReplica", () => {
  const measured = { sessionsPerCore: 1000, rssPerSessionBytes: 60_000, baseRssBytes: 100e6 };

  test("1 vCPU, 2 GiB, 30% headroom: 700 sessions of CPU, so a target of 466 (its 1.5x instance limit, 699, fits)", () => {
    const d = sessionsPerReplica(measured, { vcpu: 1, memoryGiB: 2 }, 30);
    expect(d.cpuBound).toBe(700);
    // (2 GiB x 0.75 - 100 MB) / 60 KB x 0.7 = (1,610,612,736 - 100,000,000) / 60,000 x 0.7 = 17,623
    expect(d.memoryBound).toBe(17_623);
    expect(d).toMatchObject({ sessionsPerReplica: 466, maxSessionsPerInstance: 699, limitedBy: "cpu", usableCores: 1 });
    expect(instanceSessionLimit(467)).toBe(701); // one more would not fit
  });

  test("0.5 vCPU halves the CPU bound; 2 vCPU does not double it (one event loop)", () => {
    expect(sessionsPerReplica(measured, { vcpu: 0.5, memoryGiB: 1 }, 30)).toMatchObject({ cpuBound: 350, sessionsPerReplica: 233 });
    expect(sessionsPerReplica(measured, { vcpu: 2, memoryGiB: 4 }, 30)).toMatchObject({ cpuBound: 700, usableCores: 1, sessionsPerReplica: 466 });
  });

  test("memory bounds a replica with large sessions; the schema's 1,000 bounds a huge capacity", () => {
    const heavy = sessionsPerReplica({ ...measured, rssPerSessionBytes: 2_000_000 }, { vcpu: 1, memoryGiB: 2 }, 0);
    // (1,610,612,736 - 100,000,000) / 2,000,000 = 755 sessions of memory -> target 503 (limit 755)
    expect(heavy).toMatchObject({ memoryBound: 755, sessionsPerReplica: 503, limitedBy: "memory" });
    expect(sessionsPerReplica({ ...measured, sessionsPerCore: 5000 }, { vcpu: 1, memoryGiB: 2 }, 0)).toMatchObject({ sessionsPerReplica: 1000, limitedBy: "schema" });
  });

  test("no capacity, no replica and impossible headroom are refused", () => {
    expect(() => sessionsPerReplica({ ...measured, sessionsPerCore: 0 }, { vcpu: 1, memoryGiB: 2 }, 30)).toThrow(/above 0/);
    expect(() => sessionsPerReplica(measured, { vcpu: 0, memoryGiB: 2 }, 30)).toThrow(/vCPU/);
    expect(() => sessionsPerReplica(measured, { vcpu: 1, memoryGiB: 2 }, 100)).toThrow(/headroom/);
  });
});
