/** A retired link's response in flight: cancelled, its response.done metered, or counted as unmetered after the bound. */
import { FakeClock } from "./clock";
import type { Leg, LegHandlers } from "./legs";
import { settleResponse, SETTLE_MAX_MS } from "./settle";

function fakeLeg() {
  const leg = {
    sent: [] as string[],
    handlers: undefined as LegHandlers | undefined,
    closed: undefined as number | undefined,
    resumed: false,
    send: (d: Buffer | string) => void leg.sent.push(String(d)),
    bufferedAmount: () => 0,
    pause: () => undefined,
    resume: () => void (leg.resumed = true),
    ping: () => undefined,
    close: (code: number) => void (leg.closed = code),
    terminate: () => undefined,
    isOpen: () => leg.closed === undefined,
    attach: (h: LegHandlers) => void (leg.handlers = h),
    detach: () => void (leg.handlers = undefined),
    receive: (event: object) => leg.handlers?.message(Buffer.from(JSON.stringify(event)), false),
  };
  return leg as typeof leg & Leg;
}

function run() {
  const clock = new FakeClock();
  const leg = fakeLeg();
  const metered: string[] = [];
  const unmetered: string[] = [];
  settleResponse(leg, clock, { done: (f) => metered.push(String(f)), unmetered: (why) => unmetered.push(why) });
  return { clock, leg, metered, unmetered };
}

test("the response is cancelled; its response.done (with usage) is metered, then the link closes", () => {
  const { leg, metered, unmetered } = run();
  expect(leg.sent.map((s) => JSON.parse(s).type)).toEqual(["response.cancel"]);
  expect(leg.resumed).toBe(true); // a paused leg (client not reading) must still deliver the done
  leg.receive({ type: "response.audio.delta", delta: "AAAA" });
  expect(leg.closed).toBeUndefined();
  leg.receive({ type: "response.done", response: { status: "cancelled", usage: { total_tokens: 42 } } });
  expect(metered).toHaveLength(1);
  expect(JSON.parse(metered[0]).response.usage.total_tokens).toBe(42);
  expect(leg.closed).toBe(1000);
  expect(unmetered).toEqual([]);
});

test("no response.done within the bound: the link closes and the response is counted as unmetered", () => {
  const { clock, leg, metered, unmetered } = run();
  clock.advance(SETTLE_MAX_MS - 1);
  expect(leg.closed).toBeUndefined();
  clock.advance(1);
  expect(leg.closed).toBe(1000);
  expect(metered).toEqual([]);
  expect(unmetered).toEqual(["timeout"]);
  leg.receive({ type: "response.done" }); // too late: nothing twice
  expect(metered).toEqual([]);
});

test("the upstream goes away first: counted as unmetered once", () => {
  const { leg, unmetered } = run();
  leg.handlers?.close(1006);
  expect(unmetered).toEqual(["lost"]);
});
