import { FakeClock } from "./clock";
import { Rotation, type RotationHost } from "./rotation";

interface FakeLink {
  id: number;
}

/** A session as rotation sees it: opening, priming and quiet points under the test's control. */
function harness(options: { rotateMs?: number; quietMaxMs?: number } = {}) {
  const clock = new FakeClock();
  const log: string[] = [];
  let next = 0;
  const state = { live: true, ended: false, quiet: false, items: 3, primeDone: undefined as undefined | (() => void), openFails: false, loseOnAttach: false };
  const host: RotationHost<FakeLink> = {
    live: () => state.live,
    ended: () => state.ended,
    open: async () => {
      if (state.openFails) throw new Error("no upstream");
      const link = { id: ++next };
      log.push(`open ${link.id}`);
      return link;
    },
    attach: (link) => {
      log.push(`attach ${link.id}`);
      if (state.loseOnAttach) rotation.lost(link);
    },
    prime: (link, done) => {
      log.push(`prime ${link.id}`);
      state.primeDone = done;
    },
    itemsAdded: () => state.items,
    quiet: () => state.quiet,
    switchTo: (link, sentItems) => log.push(`switch ${link.id} after ${sentItems} items`),
    discard: (link) => log.push(`discard ${link.id}`),
    logger: { warn: (_obj, msg) => log.push(`warn ${msg}`) },
  };
  const rotation = new Rotation(clock, { rotateMs: options.rotateMs ?? 60_000, quietMaxMs: options.quietMaxMs ?? 10_000 }, host);
  return { clock, log, state, rotation };
}

const flush = () => new Promise((r) => setImmediate(r));

test("after the interval a new upstream is opened and primed; the switch waits for a quiet point, with the items priming sent", async () => {
  const { clock, log, state, rotation } = harness();
  rotation.schedule();
  clock.advance(60_000);
  await flush();
  expect(log).toEqual(["open 1", "attach 1", "prime 1"]);
  expect(rotation.pending).toEqual({ id: 1 });
  state.items = 5; // items added while priming go at the switch (core.ts sends the difference)
  state.primeDone!();
  rotation.quietPoint(); // not quiet yet: an answer is in flight
  expect(log).toHaveLength(3);
  state.quiet = true;
  rotation.quietPoint();
  expect(log[3]).toBe("switch 1 after 3 items");
  expect(rotation.pending).toBeUndefined();
  // The next rotation is scheduled from the switch.
  clock.advance(60_000);
  await flush();
  expect(log.slice(4)).toEqual(["open 2", "attach 2", "prime 2"]);
});

test("primed at a quiet moment: the switch is at once", async () => {
  const { clock, log, state, rotation } = harness();
  state.quiet = true;
  rotation.schedule();
  clock.advance(60_000);
  await flush();
  state.primeDone!();
  expect(log).toContain("switch 1 after 3 items");
});

test("no quiet point within quietMaxMs: the switch is forced", async () => {
  const { clock, log, state, rotation } = harness();
  rotation.schedule();
  clock.advance(60_000);
  await flush();
  state.primeDone!();
  clock.advance(9_999);
  expect(log).not.toContain("switch 1 after 3 items");
  clock.advance(1);
  expect(log).toContain("switch 1 after 3 items");
});

test("no switch before the target is primed, nor once the session is not live", async () => {
  const { clock, log, state, rotation } = harness();
  state.quiet = true;
  rotation.schedule();
  clock.advance(60_000);
  await flush();
  rotation.quietPoint(); // priming not acknowledged yet
  expect(log.some((l) => l.startsWith("switch"))).toBe(false);
  state.live = false;
  state.primeDone!();
  clock.advance(10_000);
  expect(log.some((l) => l.startsWith("switch"))).toBe(false);
});

test("cancelled (a failover or a drain takes over): the target is discarded and nothing more is scheduled", async () => {
  const { clock, log, state, rotation } = harness();
  rotation.schedule();
  clock.advance(60_000);
  await flush();
  state.primeDone!();
  rotation.cancel();
  expect(log).toContain("discard 1");
  clock.advance(200_000);
  await flush();
  expect(log.filter((l) => l.startsWith("open"))).toEqual(["open 1"]);
});

test("no upstream to rotate to, or the target lost: stay on the current one and try again an interval later", async () => {
  const { clock, log, state, rotation } = harness();
  state.openFails = true;
  rotation.schedule();
  clock.advance(60_000);
  await flush();
  expect(log).toEqual(["warn rotation: no upstream; staying on the current one"]);
  state.openFails = false;
  state.loseOnAttach = true;
  clock.advance(60_000);
  await flush();
  expect(log.slice(1)).toEqual(["open 1", "attach 1"]); // lost while its early frames arrived: not primed
  expect(rotation.pending).toBeUndefined();
  state.loseOnAttach = false;
  clock.advance(60_000);
  await flush();
  expect(log.slice(3)).toEqual(["open 2", "attach 2", "prime 2"]);
  expect(rotation.lost({ id: 99 })).toBe(false);
});

test("rotateMs 0: never", async () => {
  const { clock, log, rotation } = harness({ rotateMs: 0 });
  rotation.schedule();
  clock.advance(10 * 60_000);
  await flush();
  expect(log).toEqual([]);
});
