/**
 * Transparent upstream rotation: every `rotateMs` a new upstream is opened and primed with the
 * conversation while the current one carries on; the session moves to it at the next quiet point
 * (turns.ts: nothing the current upstream still owes the client), or after `quietMaxMs` without one.
 * This module decides when; the session (core.ts) owns the links and does the switch's sends. Timers
 * come from the injected clock, so it is tested with a fake clock and a fake host (rotation.test.ts).
 */
import type { Clock, Timer } from "./clock";

export interface RotationLimits {
  /** Interval between rotations (0: never). */
  rotateMs: number;
  /** Longest wait for a quiet point once the new upstream is primed; then the switch is forced. */
  quietMaxMs: number;
}

/** What rotation asks of the session; `L` is the session's upstream link. */
export interface RotationHost<L> {
  /** The session is live on an upstream (a rotation may start, a switch may happen). */
  live(): boolean;
  ended(): boolean;
  /** Opens a new upstream link; undefined when the session moved on meanwhile (the link is then released). Throws when none is available. */
  open(): Promise<L | undefined>;
  /** Starts delivering the new link's events (frames that came early arrive now: it may be lost at once). */
  attach(link: L): void;
  /** Sends the conversation to the new link; `done` once it is acknowledged (or the wait for it is over). */
  prime(link: L, done: () => void): void;
  /** Items ever added to the conversation: those added after priming are sent at the switch. */
  itemsAdded(): number;
  /** Nothing the current upstream still owes the client, nothing waiting to be sent. */
  quiet(): boolean;
  /** Makes `link` the session's upstream; `sentItems` is what priming already sent it. */
  switchTo(link: L, sentItems: number): void;
  /** Closes a primed or priming link that will not be used. */
  discard(link: L): void;
  logger: { warn(obj: object, msg: string): void };
}

interface Target<L> {
  link: L;
  /** Set once the link is primed: items of the conversation priming sent it. */
  sentItems?: number;
}

export class Rotation<L> {
  private timer?: Timer;
  private quietTimer?: Timer;
  private target?: Target<L>;

  constructor(private readonly clock: Pick<Clock, "after">, private readonly limits: RotationLimits, private readonly host: RotationHost<L>) {}

  /** The rotation target being opened or primed, if any. */
  get pending(): L | undefined {
    return this.target?.link;
  }

  /** Starts the interval again (a new upstream became active). */
  schedule(): void {
    this.timer?.cancel();
    if (this.limits.rotateMs <= 0 || this.host.ended()) return;
    this.timer = this.clock.after(this.limits.rotateMs, () => void this.rotate());
  }

  /** No rotation now (a failover or a drain takes over): the target, if any, is discarded. */
  cancel(): void {
    this.timer?.cancel();
    this.quietTimer?.cancel();
    this.quietTimer = undefined;
    const target = this.target;
    this.target = undefined;
    if (target) this.host.discard(target.link);
  }

  /** The session ended: timers stop; the session closes the target itself. */
  stop(): void {
    this.timer?.cancel();
    this.quietTimer?.cancel();
    this.target = undefined;
  }

  /** `link` was lost: when it was the target, the session stays where it is and tries again after an interval. */
  lost(link: L): boolean {
    if (this.target?.link !== link) return false;
    this.target = undefined;
    this.schedule();
    return true;
  }

  /** An event after which the current upstream may owe nothing more: switch now if it is quiet. */
  quietPoint(): void {
    const target = this.target;
    if (target?.sentItems !== undefined && this.host.quiet()) this.switch(target);
  }

  /** Opens and primes a new upstream while the current one carries on. */
  private async rotate(): Promise<void> {
    if (!this.host.live() || this.target) return;
    let link: L | undefined;
    try {
      link = await this.host.open();
    } catch (error) {
      this.host.logger.warn({ err: (error as Error).message }, "rotation: no upstream; staying on the current one");
      this.schedule();
      return;
    }
    if (!link) return;
    const target: Target<L> = { link };
    this.target = target;
    this.host.attach(link);
    if (this.target !== target) return; // lost while its early frames were delivered
    const sentItems = this.host.itemsAdded();
    this.host.prime(link, () => {
      if (this.target !== target) return;
      this.quietTimer = this.clock.after(this.limits.quietMaxMs, () => this.switch(target));
      target.sentItems = sentItems;
      this.quietPoint();
    });
  }

  private switch(target: Target<L>): void {
    if (this.target !== target || target.sentItems === undefined || !this.host.live()) return;
    this.quietTimer?.cancel();
    this.quietTimer = undefined;
    this.target = undefined;
    this.host.switchTo(target.link, target.sentItems);
    this.schedule();
  }
}
