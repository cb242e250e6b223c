/** A row from measured counts: CPU per frame and per MB, RSS per session, loss, failures, added delay. */
import { Histogram } from "./histogram";
import type { GeneratorReport } from "./loadGenerator";
import type { PeerReport } from "./ipc";
import { addBaselines, formatTable, summarise, type PhaseMeasurements } from "./report";

function delays(...micros: number[]) {
  const h = new Histogram();
  for (const m of micros) h.record(m);
  return h.toData();
}
const quiet = new Histogram().toData();

const generator: GeneratorReport = {
  opened: 98, closedEarly: 1, closeReasons: { "close 1013": 1 },
  sent: 10_000, sentInWindow: 8_000, bytesInWindow: 8_000 * 2_600,
  downlink: { received: 9_990, duplicatesOrReordered: 0, gaps: 0, inWindow: 4, delay: delays(100, 200, 300, 4_000) },
  sendLag: delays(500), loopDelayP99Micros: 800,
};
const peer: PeerReport = {
  open: 97, accepted: 98, closedEarly: 0, refused: 0, streaming: false,
  sent: 10_000, sentInWindow: 8_000, bytesInWindow: 8_000 * 2_700,
  uplink: { received: 10_000, duplicatesOrReordered: 0, gaps: 0, inWindow: 2, delay: delays(150, 250) },
  sendLag: quiet,
};
const phase: PhaseMeasurements = {
  hop: "proxy", frameMs: 40, sessions: 100, windowSeconds: 8, opened: 98, openFailures: { "HTTP 503": 2 }, openSeconds: 1,
  generator, peer, generatorCpuSeconds: 2, peerCpuSeconds: 1.6, hopCpuSeconds: 3.2, hopSystemSeconds: 0.8,
  generatorCoresBusy: [0.5], hopCoreBusy: 0.41, hopRssIdleBytes: 80e6, hopRssLoadedBytes: 85.88e6,
};

describe("bench row", () => {
  test("CPU per frame and per MB, cores used, RSS per open session, loss and failures, from the counts", () => {
    const row = summarise(phase);
    expect(row.hopCpuCores).toBeCloseTo(0.4, 10); // 3.2 s over 8 s
    expect(row.hopKernelShare).toBe(0.25);
    expect(row.hopCpuMicrosPerFrame).toBeCloseTo(200, 10); // 3.2 s / 16,000 frames
    expect(row.hopCpuMsPerMB).toBeCloseTo(3200 / 42.4, 10); // 3,200 ms / (8,000 x 2,600 + 8,000 x 2,700 bytes = 42.4 MB)
    expect(row.framesPerSecond).toBe(2000);
    expect(row.hopRssPerSessionKB).toBeCloseTo(60, 10); // 5.88 MB / 98 open sessions
    expect(row.downlink).toMatchObject({ sent: 10_000, received: 9_990, lost: 10 });
    expect(row.uplink.lost).toBe(0);
    expect(row.framesLost).toBe(10);
    expect(row.sessionsFailed).toBe(3); // 2 never opened, 1 ended early
    expect(row.failureReasons).toEqual({ "HTTP 503": 2, "ended: close 1013": 1 });
    expect(row.delay.frames).toBe(6);
    expect(row.delay.maxMs).toBe(4);
    expect(row.generator).toMatchObject({ cpuCores: 0.25, peerCpuCores: 0.2, sendLagP99Ms: 0.5, loopDelayP99Ms: 0.8 });
    expect(row.verdict).toEqual({ generatorBound: false, hopSaturated: false, noisy: false, notes: [] });
  });

  test("the direct path has no hop figures, and the others are compared with it", () => {
    const direct = summarise({ ...phase, hop: "direct", hopCpuSeconds: undefined, hopCoreBusy: undefined, hopRssIdleBytes: undefined, hopRssLoadedBytes: undefined,
      generator: { ...generator, downlink: { ...generator.downlink, delay: delays(100, 100, 100, 1_000) } } });
    expect(direct.hopCpuMicrosPerFrame).toBeUndefined();
    const [base, proxy] = addBaselines([direct, summarise(phase)]);
    expect(base.addedP99Ms).toBeUndefined();
    expect(proxy.addedP99Ms).toBeCloseTo(4 - 1, 10); // p99 4 ms through the proxy, 1 ms direct
    // 200 sessions at 97.88 MB against 98 at 85.88 MB: 12 MB for 102 more sessions.
    const bigger = summarise({ ...phase, sessions: 200, opened: 200, hopRssLoadedBytes: 97.88e6 });
    expect(addBaselines([direct, summarise(phase), bigger])[2].hopRssMarginalKB).toBeCloseTo(12e3 / 102, 10);
    // A direct row the generator limited is no baseline.
    const boundBase = { ...direct, verdict: { ...direct.verdict, generatorBound: true } };
    const [, unjudged] = addBaselines([boundBase, summarise(phase)]);
    expect(unjudged.addedP99Ms).toBeUndefined();
    expect(unjudged.verdict.notes).toContain("no reliable direct baseline");
    const table = formatTable([base, proxy]);
    expect(table.split("\n")).toHaveLength(4);
    expect(table).toContain("| 40 ms | 98 of 100 | proxy | 2000 | 200.0 µs |");
  });
});
