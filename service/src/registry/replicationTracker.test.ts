/** The replication bookkeeping: coalescing, the per-session interval, backoff, resync, and its bounds. */
import { peerBackoffMs, peerCopyTtlMs, ReplicationTracker } from "./replicationTracker";

const timing = { copyIntervalMs: 250, liveTtlMs: 15_000, resumeTtlMs: 120_000, endedTtlMs: 15_000, touchEveryMs: 40_000 };

test("a session changed many times is one copy, and not copied again within the interval", () => {
  const t = new ReplicationTracker(1, timing);
  for (let i = 0; i < 100; i++) t.changed("s1", 1000 + i);
  expect(t.sizes(0).dirty).toBe(1);
  expect(t.takeDue(0, 1100, 8)).toEqual([{ token: "s1", since: 1000 }]);
  expect(t.done(0, "s1", 1150)).toBe(150);
  t.changed("s1", 1200);
  expect(t.takeDue(0, 1200, 8)).toEqual([]); // 100 ms after the last copy started
  expect(t.takeDue(0, 1350, 8).map((d) => d.token)).toEqual(["s1"]);
});

test("a change while a copy is in flight makes it dirty again; a failed copy keeps its first dirty time and backs the peer off", () => {
  const t = new ReplicationTracker(2, timing);
  t.changed("s1", 0);
  t.takeDue(0, 0, 8);
  t.changed("s1", 10); // peer 0: dirty again while in flight; peer 1: still dirty from 0
  expect(t.sizes(0)).toMatchObject({ dirty: 1, inFlight: 1 });
  expect(t.takeDue(0, 300, 8)).toEqual([]); // in flight
  t.failed(0, "s1", 20);
  expect(t.ready(0, 20)).toBe(false);
  expect(t.ready(0, 20 + peerBackoffMs(1))).toBe(true);
  expect(t.takeDue(0, 400, 8)).toEqual([{ token: "s1", since: 0 }]);
  expect(t.takeDue(1, 400, 8)).toEqual([{ token: "s1", since: 0 }]);
});

test("backoff doubles from 100 ms to 5 s; live copies last at least a resume TTL on the peer", () => {
  expect([0, 1, 2, 3, 7, 50].map(peerBackoffMs)).toEqual([0, 100, 200, 400, 5000, 5000]);
  expect(peerCopyTtlMs("live", 14_000, 120_000)).toBe(120_000);
  expect(peerCopyTtlMs("detached", 90_000, 120_000)).toBe(90_000);
  expect(peerCopyTtlMs("ended", 9_000, 120_000)).toBe(9_000);
});

test("memory is bounded by the sessions whose local state exists, however long a peer is away", () => {
  const t = new ReplicationTracker(1, timing);
  // An hour with the peer away: 3,600 sessions start and end, a few hundred items each.
  for (let s = 0; s < 3600; s++) {
    const at = s * 1000;
    t.changed(`s${s}`, at, "live", 1);
    for (let i = 0; i < 300; i++) t.changed(`s${s}`, at + i);
    t.changed(`s${s}`, at + 900, "ended");
    t.failed(0, `s${s}`, at); // nothing in flight: only the backoff
    t.sweep(at + 999);
    // Ended markers last 15 s: never more than ~16 sessions tracked, whatever the hour's total.
    expect(t.sizes(0).known).toBeLessThanOrEqual(16);
    expect(t.sizes(0).dirty).toBeLessThanOrEqual(t.sizes(0).known);
  }
  t.sweep(3600 * 1000 + 16_000);
  expect(t.sizes(0)).toEqual({ known: 0, dirty: 0, inFlight: 0, lastSent: 0 });
});

test("a peer back after an outage gets every tracked session again; live ones are kept by refresh, forgotten when taken over", () => {
  const t = new ReplicationTracker(1, timing);
  t.changed("a", 0, "live", 1);
  t.changed("b", 0, "detached");
  for (const { token } of t.takeDue(0, 0, 8)) t.done(0, token, 5);
  expect(t.sizes(0).dirty).toBe(0);
  t.resync(0, 10);
  expect(t.sizes(0).dirty).toBe(2);
  t.alive("a", 29_000); // a live session confirmed keeps its entry past 2 x TTL from its last change
  t.sweep(31_000);
  expect(t.sizes().known).toBe(2);
  t.forget("a");
  expect(t.sizes()).toMatchObject({ known: 1, dirty: 1 });
});

test("touches: live sessions with a generation, unchanged for touchEveryMs, not dirty", () => {
  const t = new ReplicationTracker(1, timing);
  t.changed("a", 0, "live", 3);
  t.changed("b", 0, "detached");
  expect(t.takeTouches(0, 50_000, 10)).toEqual([]); // a is dirty (never copied)
  for (const { token } of t.takeDue(0, 0, 8)) t.done(0, token, 5);
  expect(t.takeTouches(0, 20_000, 10)).toEqual([]);
  expect(t.takeTouches(0, 40_001, 10)).toEqual([{ token: "a", generation: 3 }]);
  t.needsCopy(0, "a", 40_002); // the peer lost it: a whole copy
  expect(t.takeDue(0, 40_002, 8).map((d) => d.token)).toEqual(["a"]);
});

test("the operators' line names each peer's state, backlog and lag", () => {
  // Imported here to keep the tracker's tests free of I/O modules at the top.
  const { describeReplication } = jest.requireActual<typeof import("./replication")>("./replication");
  expect(describeReplication({
    region: "se", tracked: 3, pulls: { asked: 0, imported: 0, failed: 0 },
    peers: [{ peer: "redis-us:10000", region: "us", up: false, dirty: 2, inFlight: 0, copies: 40, refusedAsOlder: 1, touches: 0, failures: 5, bytes: 1, lagMs: [10, 20, 30, 400] }],
  })).toBe("region se, replicated to redis-us:10000 (us) DOWN: 2 waiting, 40 copies, 1 refused as older, 5 failures, lag p95 400 ms");
});
