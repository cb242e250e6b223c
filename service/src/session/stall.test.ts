import { FakeClock } from "./clock";
import { LinkWatch, silenceCheckEveryMs, watchSilence } from "./stall";

describe("LinkWatch", () => {
  test("an upstream that sends nothing within firstEventMs is a stall; one that did is not", () => {
    const clock = new FakeClock();
    const stalls: string[] = [];
    new LinkWatch(clock, 5_000, () => stalls.push("silent"));
    const talking = new LinkWatch(clock, 5_000, () => stalls.push("talking"));
    clock.advance(4_000);
    expect(talking.event()).toBe(true); // the first event: the upstream answered
    expect(talking.event()).toBe(false);
    clock.advance(1_000);
    expect(stalls).toEqual(["silent"]);
  });

  test("a ping left unanswered until the next one is a stall; no further ping is sent", () => {
    const clock = new FakeClock();
    const watch = new LinkWatch(clock, 5_000, () => undefined);
    let pings = 0;
    const send = () => pings++;
    expect(watch.ping(send)).toBe(true);
    watch.pong();
    expect(watch.ping(send)).toBe(true);
    expect(watch.ping(send)).toBe(false);
    expect(pings).toBe(2);
  });

  test("stopped: the first-event bound no longer fires", () => {
    const clock = new FakeClock();
    let stalled = false;
    const watch = new LinkWatch(clock, 1_000, () => (stalled = true));
    watch.stop();
    clock.advance(2_000);
    expect(stalled).toBe(false);
    expect(clock.pending()).toBe(0);
  });
});

describe("watchSilence", () => {
  test("checks at a fifth of the bound (at least every 100 ms)", () => {
    expect(silenceCheckEveryMs(5_000)).toBe(1_000);
    expect(silenceCheckEveryMs(200)).toBe(100);
  });

  test("an event due and silence past the bound: the stalled subject is reported within a fifth of the bound", () => {
    const clock = new FakeClock();
    let lastHeardAt = 0;
    let due = false;
    const found: Array<{ at: number; subject: string }> = [];
    const timer = watchSilence(clock, 5_000, (now) => (due && now - lastHeardAt >= 5_000 ? "upstream-a" : undefined), (subject) => found.push({ at: clock.now(), subject }));
    clock.advance(20_000); // nothing due: silence is fine
    expect(found).toEqual([]);
    due = true;
    lastHeardAt = clock.now();
    clock.advance(5_999);
    expect(found).toEqual([{ at: 25_000, subject: "upstream-a" }]);
    timer.cancel();
    clock.advance(10_000);
    expect(found).toHaveLength(1);
  });
});
