/**
 * The timer edge of a cadence: wakes when the next frame is due and sends every frame whose time has
 * come, telling the sender how late each one is (due -> now, µs) so a late sender is seen as such.
 */
import type { CadenceSchedule } from "./cadence";

export function runSendLoop(
  schedule: CadenceSchedule,
  send: (stream: number, seq: number, lagMicros: number) => void,
): { done: Promise<void>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const tick = () => {
    timer = undefined;
    if (stopped) return;
    schedule.take(performance.now(), (stream, seq, dueMs) => send(stream, seq, (performance.now() - dueMs) * 1000));
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
