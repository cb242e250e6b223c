/**
 * A response the upstream is still generating when its link is retired (the client closed, a forced
 * rotation switched upstreams, a drain) is billed by Azure all the same. Instead of closing the link at
 * once, the session hands it here: the response is cancelled (`response.cancel`: nothing more is
 * generated, so nothing more is billed), and the link is kept until the upstream's `response.done`
 * (status "cancelled" or "completed", with its usage), which is metered, or until a bound passes; a
 * response that could not be metered is counted, never dropped silently.
 */
import { RealtimeEvent } from "../../../contracts";
import type { Clock } from "./clock";
import { sniffType } from "./frames";
import type { Leg } from "./legs";

/** How long a retired link may wait for its response.done. Cancellation is answered within moments. */
export const SETTLE_MAX_MS = 5_000;

export interface SettleOutcome {
  /** The response's response.done frame: meter its usage. */
  done(frame: Buffer): void;
  /** No response.done within the bound (or the link went first): what Azure billed is unknown. */
  unmetered(why: "timeout" | "lost"): void;
}

/** Cancels the response in flight on `leg` and closes the leg once its response.done is in (or after `maxMs`). */
export function settleResponse(leg: Leg, clock: Pick<Clock, "after">, outcome: SettleOutcome, maxMs = SETTLE_MAX_MS): void {
  let finished = false;
  const finish = (frame?: Buffer, why: "timeout" | "lost" = "lost") => {
    if (finished) return;
    finished = true;
    timer.cancel();
    leg.detach();
    leg.close(1000, "session moved");
    if (frame) outcome.done(frame);
    else outcome.unmetered(why);
  };
  const timer = clock.after(maxMs, () => finish(undefined, "timeout"));
  leg.attach({
    message: (data, isBinary) => {
      if (!isBinary && sniffType(data) === RealtimeEvent.responseDone) finish(data);
    },
    close: () => finish(undefined, "lost"),
    pong: () => undefined,
    error: () => finish(undefined, "lost"),
  });
  leg.resume();
  leg.send(JSON.stringify({ type: RealtimeEvent.responseCancel }));
}
