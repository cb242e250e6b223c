/** Delay and loss accounting from stamped frames. */
import { lossOf, Receiver, StreamState } from "./accounting";

const ms = (n: number) => BigInt(Math.round(n * 1e6)); // ms -> ns

describe("receiver accounting", () => {
  test("one-way delay is receive time minus the stamped send time, in µs, only for frames sent inside the window", () => {
    const receiver = new Receiver();
    receiver.window = { startNs: ms(1000), endNs: ms(2000) };
    const stream = new StreamState();
    receiver.onFrame(stream, { sentNs: ms(999), seq: 0 }, ms(1005)); // warm-up: counted, no delay
    receiver.onFrame(stream, { sentNs: ms(1000), seq: 1 }, ms(1000.25)); // 250 µs
    receiver.onFrame(stream, { sentNs: ms(1500), seq: 2 }, ms(1503)); // 3 ms
    receiver.onFrame(stream, { sentNs: ms(2000), seq: 3 }, ms(2000.1)); // after the window
    expect(receiver.counts).toEqual({ received: 4, duplicatesOrReordered: 0, gaps: 0, inWindow: 2 });
    expect(receiver.delay.total).toBe(2);
    expect(receiver.delay.min).toBe(250);
    expect(receiver.delay.max).toBe(3000);
  });

  test("gaps and repeats are seen per stream, and a repeat is not counted as received", () => {
    const receiver = new Receiver();
    const a = new StreamState();
    const b = new StreamState();
    for (const seq of [0, 1, 4, 5]) receiver.onFrame(a, { sentNs: 0n, seq }, 1n); // 2 and 3 missing
    for (const seq of [0, 1, 1, 0, 2]) receiver.onFrame(b, { sentNs: 0n, seq }, 1n); // two repeats
    expect(receiver.counts).toMatchObject({ received: 7, gaps: 2, duplicatesOrReordered: 2 });
  });

  test("a receive time before the send time is a clock problem, not a delay", () => {
    const receiver = new Receiver();
    receiver.window = { startNs: 0n, endNs: ms(10) };
    receiver.onFrame(new StreamState(), { sentNs: ms(5), seq: 0 }, ms(4));
    expect(receiver.delay.negative).toBe(1);
    expect(receiver.delay.total).toBe(0);
  });

  test("loss is what was sent and never received", () => {
    expect(lossOf(1000, 1000)).toEqual({ lost: 0, lostPercent: 0 });
    expect(lossOf(1000, 990)).toEqual({ lost: 10, lostPercent: 1 });
    expect(lossOf(0, 0)).toEqual({ lost: 0, lostPercent: 0 });
    expect(lossOf(5, 7).lost).toBe(0);
  });

  test("the data that crosses processes carries the counts and the histogram", () => {
    const receiver = new Receiver();
    receiver.window = { startNs: 0n, endNs: ms(10) };
    receiver.onFrame(new StreamState(), { sentNs: ms(1), seq: 0 }, ms(2));
    expect(receiver.toData()).toMatchObject({ received: 1, inWindow: 1, delay: { total: 1, min: 1000, max: 1000 } });
  });
});
