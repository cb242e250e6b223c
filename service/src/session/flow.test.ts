import { FakeClock } from "./clock";
import { Flow, FLOW_CHECK_MS } from "./flow";
import type { Leg } from "./legs";

/** A leg whose buffer the test sets. */
function leg() {
  const state = { buffered: 0, paused: false };
  const l = {
    bufferedAmount: () => state.buffered,
    pause: () => void (state.paused = true),
    resume: () => void (state.paused = false),
  } as unknown as Leg;
  return { leg: l, state };
}

const LIMITS = { highWaterBytes: 1000, lowWaterBytes: 200, stuckMs: 15_000 };

test("a client that reads slowly pauses the upstream until its buffer drains below the low-water mark", () => {
  const clock = new FakeClock();
  const client = leg();
  const upstream = leg();
  const stuck: string[] = [];
  const flow = new Flow(clock, LIMITS, client.leg, () => upstream.leg, (side) => stuck.push(side));
  client.state.buffered = 1001;
  flow.apply();
  expect(upstream.state.paused).toBe(true);
  client.state.buffered = 500; // below high water, not yet below low water
  clock.advance(FLOW_CHECK_MS);
  expect(upstream.state.paused).toBe(true);
  client.state.buffered = 199;
  clock.advance(FLOW_CHECK_MS);
  expect(upstream.state.paused).toBe(false);
  expect(flow.upstreamPaused).toBe(false);
  expect(clock.pending()).toBe(0); // nothing paused: no timer left
  expect(stuck).toEqual([]);
});

test("an upstream that stops reading pauses the client; stuck past stuckMs it is reported", () => {
  const clock = new FakeClock();
  const client = leg();
  const upstream = leg();
  const stuck: string[] = [];
  const flow = new Flow(clock, LIMITS, client.leg, () => upstream.leg, (side) => stuck.push(side));
  upstream.state.buffered = 5000;
  flow.apply();
  expect(client.state.paused).toBe(true);
  clock.advance(15_000);
  expect(stuck).toEqual([]);
  clock.advance(FLOW_CHECK_MS);
  expect(stuck[0]).toBe("upstream");
});

test("a client that stops reading is reported as the stuck side", () => {
  const clock = new FakeClock();
  const client = leg();
  const upstream = leg();
  const stuck: string[] = [];
  const flow = new Flow(clock, LIMITS, client.leg, () => upstream.leg, (side) => stuck.push(side));
  client.state.buffered = 5000;
  flow.apply();
  clock.advance(15_000 + FLOW_CHECK_MS);
  expect(stuck[0]).toBe("client");
  flow.stop();
  const reported = stuck.length;
  clock.advance(1_000);
  expect(stuck).toHaveLength(reported);
});
