/** Real-time cadence: streams spread over the period, frames handed out in due order, none twice. */
import { CadenceSchedule } from "./cadence";

describe("cadence", () => {
  test("four streams at 40 ms are spread 10 ms apart and each sends every 40 ms", () => {
    const schedule = new CadenceSchedule(4, 40, 1000, 80);
    expect(schedule.total).toBe(8);
    const sent: Array<[number, number, number]> = [];
    schedule.take(Infinity, (stream, seq, due) => sent.push([stream, seq, due]));
    expect(sent).toEqual([
      [0, 0, 1000], [1, 0, 1010], [2, 0, 1020], [3, 0, 1030],
      [0, 1, 1040], [1, 1, 1050], [2, 1, 1060], [3, 1, 1070],
    ]);
    expect(schedule.done).toBe(true);
    expect(schedule.nextDue()).toBeUndefined();
  });

  test("taking in ticks hands out exactly the frames due by each tick, and nothing early", () => {
    const schedule = new CadenceSchedule(3, 100, 0, 1000);
    let count = 0;
    expect(schedule.take(-1, () => count++)).toBe(0);
    for (let now = 0; now <= 1000; now += 7) {
      schedule.take(now, (_stream, _seq, due) => {
        expect(due).toBeLessThanOrEqual(now);
        count++;
      });
    }
    expect(count).toBe(30);
  });

  test("a late caller gets every missed frame at once (audio queued by a real client is sent, not dropped)", () => {
    const schedule = new CadenceSchedule(2, 40, 0, 400);
    expect(schedule.take(199, () => undefined)).toBe(10); // due at 0, 20, ..., 180
    expect(schedule.nextDue()).toBe(200);
  });

  test("no streams, no frames; a bad period is refused", () => {
    expect(new CadenceSchedule(0, 40, 0, 1000).done).toBe(true);
    expect(() => new CadenceSchedule(1, 0, 0, 1000)).toThrow(/period/);
  });
});
