/** From a run's rows to per-stack sessionsPerReplica. */
import { derive, parseReplica } from "./derive";

const ok = { generatorBound: false, noisy: false, hopSaturated: false };
const rows = [
  { hop: "proxy-tls", frameMs: 40, sessions: 250, opened: 250, addedP99Ms: 1.2, framesLost: 0, sessionsFailed: 0, verdict: ok, hopRssPerSessionKB: 150, hopRssIdleMB: 85 },
  { hop: "proxy-tls", frameMs: 40, sessions: 500, opened: 500, addedP99Ms: 3.9, framesLost: 0, sessionsFailed: 0, verdict: ok, hopRssPerSessionKB: 110, hopRssIdleMB: 86, hopRssMarginalKB: 70 },
  { hop: "proxy-tls", frameMs: 40, sessions: 750, opened: 750, addedP99Ms: 12, framesLost: 0, sessionsFailed: 0, verdict: ok },
];

describe("derive", () => {
  test("replica shapes parse, and bad ones say what is expected", () => {
    expect(parseReplica("prod=1:2")).toEqual({ name: "prod", vcpu: 1, memoryGiB: 2 });
    expect(parseReplica("staging=0.5:1")).toEqual({ name: "staging", vcpu: 0.5, memoryGiB: 1 });
    expect(() => parseReplica("prod=1")).toThrow(/NAME=VCPU:GIB/);
  });

  test("500 sessions per core at the target, 30% headroom: 233 for 1 vCPU and 116 for 0.5 vCPU", () => {
    const d = derive(rows, { hop: "proxy-tls", frameMs: [40], targetP99Ms: 5, headroomPercent: 30, replicas: [parseReplica("prod=1:2"), parseReplica("staging=0.5:1")] });
    expect(d.capacity).toMatchObject({ sessionsAtTarget: 500, kind: "bracketed" });
    expect(d.rssPerSessionBytes).toBe(70_000); // the marginal figure
    // prod: 500 x 1 x 0.7 = 350 -> largest target with ceil(1.5 t) <= 350 is 233 (limit 350).
    expect(d.replicas[0]).toMatchObject({ name: "prod", sessionsPerReplica: 233, maxSessionsPerInstance: 350, limitedBy: "cpu" });
    // staging: 500 x 0.5 x 0.7 = 175 -> 116 (limit 174).
    expect(d.replicas[1]).toMatchObject({ name: "staging", sessionsPerReplica: 116, maxSessionsPerInstance: 174 });
  });

  test("the frame size with the smallest capacity decides; one with none stops the derivation", () => {
    const hundred = rows.map((r) => ({ ...r, frameMs: 100, addedP99Ms: r.sessions === 250 ? 2 : 8 }));
    const d = derive([...rows, ...hundred], { hop: "proxy-tls", frameMs: [40, 100], targetP99Ms: 5, headroomPercent: 30, replicas: [parseReplica("prod=1:2")] });
    expect(d.perFrameSize.map((c) => c.sessionsAtTarget)).toEqual([500, 250]);
    expect(d.capacity.frameMs).toBe(100);
    expect(d.replicas[0].sessionsPerReplica).toBe(116); // 250 x 0.7 = 175 -> 116
    const none = rows.map((r) => ({ ...r, frameMs: 100, addedP99Ms: 8 }));
    expect(() => derive([...rows, ...none], { hop: "proxy-tls", frameMs: [40, 100], targetP99Ms: 5, headroomPercent: 30, replicas: [] })).toThrow(/at 100 ms frames/);
  });

  test("no tested count met the target: no number is made up", () => {
    expect(() => derive(rows.map((r) => ({ ...r, addedP99Ms: 9 })), { hop: "proxy-tls", frameMs: [40], targetP99Ms: 5, headroomPercent: 30, replicas: [] }))
      .toThrow(/no tested number of proxy-tls sessions met the target at 40 ms frames \(250: added p99 9.00 ms > 5 ms\)/);
  });
});
