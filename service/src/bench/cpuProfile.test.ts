/** The profile summary: self and inclusive time from a hand-built .cpuprofile. */
import { areaOf, flameGraphSvg, foldedStacks, summariseProfile, type CpuProfile } from "./cpuProfile";

const relay = "file:///app/service/dist/service/src/server/relay.js";
const ws = "file:///app/node_modules/ws/lib/receiver.js";
// (root) -> fromClient (relay) -> sniffType (frames) ; fromClient -> send (ws) ; (root) -> (idle) ; (root) -> (garbage collector)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 }, children: [2, 5, 6] },
    { id: 2, callFrame: { functionName: "fromClient", url: relay, lineNumber: 99 }, children: [3, 4] },
    { id: 3, callFrame: { functionName: "sniffType", url: "file:///app/service/dist/service/src/server/frames.js", lineNumber: 9 } },
    { id: 4, callFrame: { functionName: "send", url: ws, lineNumber: 0 } },
    { id: 5, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
    { id: 6, callFrame: { functionName: "(garbage collector)", url: "", lineNumber: -1 } },
  ],
  startTime: 0,
  endTime: 1000,
  // Sample i stands for the gap to sample i + 1: 2 -> 100 µs, 3 -> 200, 4 -> 300, 5 -> 1000, 6 -> 50, last one has no gap.
  samples: [2, 3, 4, 5, 6, 2],
  timeDeltas: [0, 100, 200, 300, 1000, 50],
};

describe("cpu profile summary", () => {
  test("self time per function and area, idle apart, and inclusive time of the service's functions", () => {
    const s = summariseProfile(profile);
    expect(s.totalMicros).toBe(1650);
    expect(s.busyMicros).toBe(650);
    expect(s.byFunction.slice(0, 2)).toEqual([
      { key: "(idle)", area: "idle", selfMicros: 1000 },
      { key: "send node_modules/ws/lib/receiver.js:1", area: "ws", selfMicros: 300 },
    ]);
    expect(Object.fromEntries(s.byArea.map((a) => [a.area, a.selfMicros]))).toEqual({
      idle: 1000, ws: 300, "service: server/frames": 200, "service: server/relay": 100, GC: 50,
    });
    // fromClient: its own 100 + sniffType 200 + ws send 300.
    expect(s.serviceInclusive[0]).toEqual({ key: "fromClient service/src/server/relay.js:100", inclusiveMicros: 600 });
  });

  test("a window keeps only the samples stamped inside it", () => {
    // Sample times: 0, 100, 300, 600, 1600, 1650 (startTime 0 plus the deltas).
    const s = summariseProfile(profile, { fromMicros: 100, toMicros: 600 });
    expect(s.totalMicros).toBe(500); // samples at 100 (sniffType, 200 µs) and 300 (ws send, 300 µs)
    expect(s.serviceInclusive).toEqual([
      { key: "fromClient service/src/server/relay.js:100", inclusiveMicros: 500 },
      { key: "sniffType service/src/server/frames.js:10", inclusiveMicros: 200 },
    ]);
  });

  test("areas of frames from Node, modules and the service", () => {
    expect(areaOf({ functionName: "writeGeneric", url: "node:internal/stream_base_commons", lineNumber: 1 })).toBe("node: stream_base_commons");
    expect(areaOf({ functionName: "add", url: "file:///x/node_modules/@opentelemetry/sdk-metrics/build/a.js", lineNumber: 1 })).toBe("telemetry (OpenTelemetry)");
    expect(areaOf({ functionName: "write", url: "file:///x/node_modules/pino/lib/proto.js", lineNumber: 1 })).toBe("pino");
    expect(areaOf({ functionName: "proxyEvent", url: "/app/contracts/protocol.ts", lineNumber: 1 })).toBe("contracts: protocol");
  });

  test("folded stacks leave idle out and feed a flame graph", () => {
    const folded = foldedStacks(profile);
    expect(folded).toBe([
      "fromClient service/src/server/relay.js:100 100",
      "fromClient service/src/server/relay.js:100;sniffType service/src/server/frames.js:10 200",
      "fromClient service/src/server/relay.js:100;send node_modules/ws/lib/receiver.js:1 300",
      "(garbage collector) 50",
    ].join("\n") + "\n");
    const svg = flameGraphSvg(folded, "t");
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain("<title>send node_modules/ws/lib/receiver.js:1 (46.2%)</title>");
  });
});
