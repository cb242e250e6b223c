/**
 * Resume-state replication between two regions' Redis (service/src/registry/replication.ts), against two
 * real redis-servers: copies arrive whole, a stale copy never overwrites a newer generation, a peer that
 * was down gets everything again when it returns, a resume in the other region brings in a newer copy,
 * and what is kept while a peer is away is bounded by the sessions, not by the outage.
 */
import { createClient } from "redis";
import { createRedisState } from "../../service/src/registry/redis";
import { createReplication, withReplication, type Replication } from "../../service/src/registry/replication";
import type { Lease, ResumeStore, SharedState } from "../../service/src/registry/types";
import { startRedisServer, type RedisServer } from "../support/redisServer";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const route = { path: "/openai/realtime", model: "gpt-realtime" };
const text = (t: string) => ({ kind: "message" as const, role: "user" as const, text: t });

let a: RedisServer;
let b: RedisServer;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  [a, b] = await Promise.all([startRedisServer(), startRedisServer()]);
});
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  await Promise.all([a.stop(), b.stop()]);
});

interface Region {
  state: SharedState;
  resume: ResumeStore;
  replication?: Replication;
}

/** One region's store on `own`, replicating to `peers` (none: a plain store). */
async function region(name: string, own: RedisServer, peers: RedisServer[], prefix: string, options: { copyIntervalMs?: number; liveTtlMs?: number } = {}): Promise<Region> {
  const plain = await createRedisState(own.url, { prefix, region: name, ttlSeconds: (options.liveTtlMs ?? 15_000) / 1000 });
  if (peers.length === 0) {
    closers.push(() => plain.close());
    return { state: plain, resume: plain.resume };
  }
  const replication = await createReplication({
    region: name, localUrl: own.url, peerUrls: peers.map((p) => p.url), prefix, copyIntervalMs: options.copyIntervalMs ?? 50,
    liveTtlMs: options.liveTtlMs, pullDeadlineMs: 400, commandTimeoutMs: 500,
  });
  const state = withReplication(plain, replication);
  closers.push(() => state.close());
  return { state, resume: state.resume, replication };
}

async function raw(server: RedisServer) {
  const client = createClient({ url: server.url });
  client.on("error", () => undefined);
  await client.connect();
  closers.push(() => client.disconnect().catch(() => undefined));
  return client;
}

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(25);
  }
}

const itemsIn = (client: Awaited<ReturnType<typeof raw>>, prefix: string, token: string) =>
  client.lRange(`${prefix}resume:${token}:items`, 0, -1).then((l) => l.map((v) => (JSON.parse(v) as { text: string }).text));

test("a session's state is copied whole to the peer, with its generation and region, and resumes there", async () => {
  const p = "copy:";
  const east = await region("east", a, [b], p);
  const west = await region("west", b, [], p);
  const lease = await east.resume.create("t1", { sessionId: "s1", userId: "u1", ...route, startedAt: 1 });
  await east.resume.setConfig(lease, { instructions: "be brief" });
  for (let i = 0; i < 5; i++) await east.resume.append(lease, text(`turn ${i}`));
  const peer = await raw(b);
  expect(await eventually(() => itemsIn(peer, p, "t1"), (l) => l.length === 5)).toEqual(["turn 0", "turn 1", "turn 2", "turn 3", "turn 4"]);
  expect(await peer.hmGet(`${p}resume:t1`, ["generation", "region", "state", "userId"])).toEqual(["1", "east", "live", "u1"]);
  // A live session's copy outlives the local heartbeat TTL (15 s): peers see no heartbeats.
  expect(await peer.pTTL(`${p}resume:t1`)).toBeGreaterThan(60_000);
  const claim = await west.resume.claim("t1", "u1", route);
  expect(claim).toMatchObject({ ok: true, lease: { generation: 2 }, state: { sessionId: "s1", config: { instructions: "be brief" } } });
  expect(claim.ok && claim.state.items.map((i) => (i as { text: string }).text)).toHaveLength(5);
  expect(await peer.hGet(`${p}resume:t1`, "region")).toBe("west");
  expect(east.replication!.stats().peers[0]).toMatchObject({ up: true, failures: 0 });
});

test("a stale copy never overwrites a newer generation: the old region's late writes are refused on the peer", async () => {
  const p = "stale:";
  const east = await region("east", a, [b], p);
  const west = await region("west", b, [a], p);
  const lease = await east.resume.create("t2", { sessionId: "s2", userId: "u2", ...route, startedAt: 1 });
  await east.resume.append(lease, text("before"));
  const peerB = await raw(b);
  await eventually(() => itemsIn(peerB, p, "t2"), (l) => l.length === 1);
  // West resumes the session (generation 2): east's holder, still writing with generation 1, is refused.
  const claim = await west.resume.claim("t2", "u2", route);
  expect(claim.ok && claim.lease.generation).toBe(2);
  await west.resume.append((claim as { lease: { token: string; generation: number } }).lease, text("in west"));
  // West's copy reaches east: east's holder learns it was replaced.
  const peerA = await raw(a);
  await eventually(() => peerA.hGet(`${p}resume:t2`, "generation"), (g) => g === "2");
  expect(await east.resume.append(lease, text("late in east"))).toBe("replaced");

  // East cut off from west's copies: its holder writes on at generation 1 and copies that to west, where
  // generation 2 lives: the copy is refused, west's conversation stays.
  const lease3 = await east.resume.create("t3", { sessionId: "s3", userId: "u3", ...route, startedAt: 1 });
  await eventually(() => peerB.hGet(`${p}resume:t3`, "generation"), (g) => g === "1");
  const plainWest = await region("west", b, [], p); // west without replication back: east keeps generation 1
  const c3 = await plainWest.resume.claim("t3", "u3", route);
  expect(c3.ok).toBe(true);
  await plainWest.resume.append((c3 as { lease: { token: string; generation: number } }).lease, text("west's"));
  expect(await east.resume.append(lease3, text("east's stale"))).toBe("ok"); // east does not know
  const refusedBefore = east.replication!.stats().peers[0].refusedAsOlder;
  await eventually(async () => east.replication!.stats().peers[0].refusedAsOlder, (n) => n > refusedBefore);
  expect(await itemsIn(peerB, p, "t3")).toEqual(["west's"]);
  expect(await peerB.hmGet(`${p}resume:t3`, ["generation", "region"])).toEqual(["2", "west"]);
});

test("two regions cut off from each other that both resumed a session (same generation): neither copy overwrites the other", async () => {
  const p = "split:";
  const east = await region("east", a, [b], p);
  const lease = await east.resume.create("t7", { sessionId: "s7", userId: "u7", ...route, startedAt: 1 });
  await east.resume.append(lease, text("shared"));
  const peerB = await raw(b);
  await eventually(() => itemsIn(peerB, p, "t7"), (l) => l.length === 1);
  // Each side claims its own copy: generation 2 in east and generation 2 in west.
  const claimEast = await (await region("east", a, [], p)).resume.claim("t7", "u7", route);
  const claimWest = await (await region("west", b, [], p)).resume.claim("t7", "u7", route);
  expect([claimEast.ok && claimEast.lease.generation, claimWest.ok && claimWest.lease.generation]).toEqual([2, 2]);
  const refusedBefore = east.replication!.stats().peers[0].refusedAsOlder;
  expect(await east.resume.append((claimEast as { lease: Lease }).lease, text("east only"))).toBe("ok");
  await eventually(async () => east.replication!.stats().peers[0].refusedAsOlder, (n) => n > refusedBefore);
  expect(await itemsIn(peerB, p, "t7")).toEqual(["shared"]);
  expect(await peerB.hGet(`${p}resume:t7`, "region")).toBe("west");
});

test("a resume in the other region brings in the peer's newer copy before claiming (the copy had not arrived yet)", async () => {
  const p = "pull:";
  // East copies nothing (a copy interval longer than the test): only the pull can find the state.
  const east = await region("east", a, [], p);
  const west = await region("west", b, [a], p);
  const lease = await east.resume.create("t4", { sessionId: "s4", userId: "u4", ...route, startedAt: 7 });
  for (let i = 0; i < 3; i++) await east.resume.append(lease, text(`e${i}`));
  const claim = await west.resume.claim("t4", "u4", route);
  expect(claim).toMatchObject({ ok: true, lease: { generation: 2 }, state: { sessionId: "s4", startedAt: 7 } });
  expect(claim.ok && claim.state.items).toHaveLength(3);
  expect(west.replication!.stats().pulls).toMatchObject({ imported: 1 });
  // Another user's token finds nothing, from the copy either.
  expect(await west.resume.claim("t4", "someone-else", route)).toMatchObject({ ok: false, reason: "other_user" });
});

test("a session that ended in its region is not resumed elsewhere from an older copy: the ended marker is brought in", async () => {
  const p = "ended:";
  const east = await region("east", a, [b], p);
  const lease = await east.resume.create("t6", { sessionId: "s6", userId: "u6", ...route, startedAt: 1 });
  await east.resume.append(lease, text("hello"));
  const peerB = await raw(b);
  await eventually(() => itemsIn(peerB, p, "t6"), (l) => l.length === 1);
  // It ends in east, and the copy of its end has not reached west (written past the replication).
  const plainEast = await region("east", a, [], p);
  await plainEast.resume.end(lease);
  const west = await region("west", b, [a], p);
  await eventually(async () => west.replication!.stats().peers[0].up, (up) => up);
  expect(await west.resume.claim("t6", "u6", route)).toMatchObject({ ok: false, reason: "not_found" });
  expect(west.replication!.stats().pulls.imported).toBe(1);
});

test("a resume is not held up by an unreachable peer longer than the pull deadline", async () => {
  const p = "frozen:";
  const frozen = await startRedisServer();
  closers.push(() => frozen.stop());
  const west = await region("west", b, [frozen], p);
  await eventually(async () => west.replication!.stats().peers[0].up, (up) => up);
  frozen.freeze();
  const lease = await west.resume.create("t5", { sessionId: "s5", userId: "u5", ...route, startedAt: 1 });
  await west.resume.detach(lease);
  const started = Date.now();
  const claim = await west.resume.claim("t5", "u5", route);
  const took = Date.now() - started;
  expect(claim.ok).toBe(true);
  // The pull's deadline is 400 ms; the rest is the local claim on a shared machine.
  expect(took).toBeLessThan(3000);
  frozen.thaw();
});

test("a peer down, then back empty: every session written meanwhile is copied again, whole; what waits is bounded by the sessions", async () => {
  const p = "outage:";
  const peer = await startRedisServer();
  closers.push(() => peer.stop());
  const east = await region("east", a, [peer], p, { liveTtlMs: 2000 });
  await eventually(async () => east.replication!.stats().peers[0].up, (up) => up);
  // Five sessions copied before the outage, unchanged after it: the restarted peer must get them back too.
  const early: Lease[] = [];
  for (let s = 0; s < 5; s++) {
    const lease = await east.resume.create(`pre${s}`, { sessionId: `ps${s}`, userId: `pu${s}`, ...route, startedAt: 1 });
    await east.resume.append(lease, text(`pre${s}`));
    early.push(lease);
  }
  const before = await raw(peer);
  expect(await eventually(() => before.exists(early.map((l) => `${p}resume:${l.token}:items`)), (n) => n === 5)).toBe(5);
  process.kill(peer.pid, "SIGKILL");
  await eventually(async () => east.replication!.stats().peers[0].up, (up) => !up);
  const leases: Lease[] = [];
  for (let s = 0; s < 20; s++) {
    const lease = await east.resume.create(`o${s}`, { sessionId: `os${s}`, userId: `ou${s}`, ...route, startedAt: 1 });
    for (let i = 0; i < 10; i++) await east.resume.append(lease, text(`o${s}-${i}`));
    leases.push(lease);
  }
  // 10 short sessions that end while the peer is away: their ended markers expire (2 s) and leave the tracker.
  for (let s = 0; s < 10; s++) await east.resume.end(await east.resume.create(`gone${s}`, { sessionId: `g${s}`, userId: `gu${s}`, ...route, startedAt: 1 }));
  const during = east.replication!.stats();
  // One entry per session, however many writes: 200 appends, 30 sessions.
  expect(during.tracked).toBe(35);
  expect(during.peers[0].dirty + during.peers[0].inFlight).toBeLessThanOrEqual(35);
  // The live sessions are confirmed by their holder's refresh; the ended ones are not.
  for (let t = 0; t < 6; t++) {
    await east.resume.refresh([...early, ...leases]);
    await sleep(500);
  }
  expect(east.replication!.stats().tracked).toBe(25);
  // The holder keeps confirming them, as the proxy's heartbeat does.
  const heartbeat = setInterval(() => void east.resume.refresh([...early, ...leases]).catch(() => undefined), 500);
  closers.push(async () => clearInterval(heartbeat));
  // The peer returns, empty (a restarted Redis), on the same port.
  const back = await startRedisServer(peer.port);
  closers.push(() => back.stop());
  const client = await raw(back);
  const copied = await eventually(async () => {
    let n = 0;
    for (let s = 0; s < 20; s++) if ((await client.lLen(`${p}resume:o${s}:items`)) === 10) n++;
    return n;
  }, (n) => n === 20, 10_000);
  if (copied !== 20) console.log(JSON.stringify({ ...east.replication!.stats(), peers: east.replication!.stats().peers.map((x) => ({ ...x, lagMs: x.lagMs.length })) }));
  expect(copied).toBe(20);
  expect(await eventually(() => client.exists(early.map((l) => `${p}resume:${l.token}:items`)), (n) => n === 5)).toBe(5);
  expect(await client.exists(`${p}resume:gone0`)).toBe(0);
  expect(east.replication!.stats().peers[0]).toMatchObject({ up: true, dirty: 0 });
});
