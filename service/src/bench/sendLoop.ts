/**
 * The timer edge of a cadence: wakes when the next frame is due, sends every frame whose time has come,
 * and records each frame's lag (due -> written) so a late sender is seen as such.
 */
import type { CadenceSchedule } from "./cadence";
import type { Histogram } from "./histogram";

export function runSendLoop(
  schedule: CadenceSchedule,
  send: (stream: number, seq: number) => void,
  lagMicros: Histogram,
): { done: Promise<void>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const tick = () => {
    timer = undefined;
    if (stopped) return;
    schedule.take(performance.now(), (stream, seq, dueMs) => {
      lagMicros.record((performance.now() - dueMs) * 1000);
      send(stream, seq);
    });
    const next = schedule.nextDue();
    if (next === undefined) return finish();
    timer = setTimeout(tick, Math.max(0, next - performance.now()));
  };
  tick();
  return {
    done,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      finish();
    },
  };
}
