/**
 * Flow control between a session's two legs: a leg whose outgoing buffer passes the high-water mark stops
 * the other leg from being read until it drains below the low-water mark, so the proxy never holds more
 * than about one high-water mark per direction. A side that stays stuck past `stuckMs` is reported: a
 * client that stopped reading ends its session; an upstream that stopped reading is treated as lost.
 * Timers come from the injected clock (flow.test.ts).
 */
import type { Clock, Timer } from "./clock";
import type { Leg } from "./legs";

export interface FlowLimits {
  highWaterBytes: number;
  lowWaterBytes: number;
  stuckMs: number;
}

/** How often a paused flow looks at the buffers again. */
export const FLOW_CHECK_MS = 50;

export class Flow {
  /** The upstream is not read: the client's buffer is full. */
  upstreamPaused = false;
  /** The client is not read: the upstream's buffer is full. */
  clientPaused = false;
  private stuckSince?: number;
  private timer?: Timer;

  /**
   * `upstream()` is the session's current upstream leg (it changes with rotation and failover);
   * `onStuck("client")`: the client stopped reading; `onStuck("upstream")`: the upstream did.
   */
  constructor(
    private readonly clock: Clock,
    private readonly limits: FlowLimits,
    private readonly client: Leg,
    private readonly upstream: () => Leg | undefined,
    private readonly onStuck: (side: "client" | "upstream") => void,
  ) {}

  /** After each send: pause the reading side when the other's buffer passed the high-water mark. */
  apply(): void {
    const { highWaterBytes } = this.limits;
    const upstream = this.upstream();
    if (this.client.bufferedAmount() > highWaterBytes && !this.upstreamPaused && upstream) {
      upstream.pause();
      this.upstreamPaused = true;
    }
    if ((upstream?.bufferedAmount() ?? 0) > highWaterBytes && !this.clientPaused) {
      this.client.pause();
      this.clientPaused = true;
    }
    if ((this.upstreamPaused || this.clientPaused) && !this.timer) {
      this.stuckSince ??= this.clock.now();
      this.timer = this.clock.every(FLOW_CHECK_MS, () => this.check());
    }
  }

  stop(): void {
    this.timer?.cancel();
  }

  private check(): void {
    const { lowWaterBytes, stuckMs } = this.limits;
    const upstream = this.upstream();
    if (this.upstreamPaused && this.client.bufferedAmount() < lowWaterBytes) {
      upstream?.resume();
      this.upstreamPaused = false;
    }
    if (this.clientPaused && (upstream?.bufferedAmount() ?? 0) < lowWaterBytes) {
      this.client.resume();
      this.clientPaused = false;
    }
    if (!this.upstreamPaused && !this.clientPaused) {
      this.timer?.cancel();
      this.timer = undefined;
      this.stuckSince = undefined;
    } else if (this.stuckSince !== undefined && this.clock.now() - this.stuckSince > stuckMs) {
      this.onStuck(this.upstreamPaused ? "client" : "upstream");
    }
  }
}
