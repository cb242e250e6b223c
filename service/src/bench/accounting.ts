/**
 * What a receiver learns from the stamped frames of its streams: one-way delay within the measurement
 * window, and frames that arrived, arrived twice, or arrived out of order. Loss itself is the sender's
 * count minus the receiver's, taken after the senders stop and the path drained (`lossOf`): over TCP
 * a frame is either delivered in order or lost with its session, so gaps only explain where.
 */
import { Histogram, type HistogramData } from "./histogram";
import type { Stamp } from "./audioFrames";

/** Time window (monotonic ns) whose frames count towards delay: warm-up and drain are left out. */
export interface Window {
  startNs: bigint;
  endNs: bigint;
}

export interface ReceiverCounts {
  /** Distinct frames received (duplicates not counted). */
  received: number;
  /** Frames whose sequence number was not above the previous one in their stream. */
  duplicatesOrReordered: number;
  /** Sequence numbers skipped: frames missing at the moment a later one arrived. */
  gaps: number;
  /** Frames sent inside the window and received (the delay histogram's population). */
  inWindow: number;
}

export interface ReceiverData extends ReceiverCounts {
  delay: HistogramData;
}

/** One stream per session and direction: the next sequence number it expects. */
export class StreamState {
  next = 0;
  /** Where the stamp sat in the last frame (see readStamp's hint). */
  hint?: number;
}

export class Receiver {
  readonly delay = new Histogram();
  readonly counts: ReceiverCounts = { received: 0, duplicatesOrReordered: 0, gaps: 0, inWindow: 0 };
  window?: Window;

  /** Accounts one stamped frame received at `nowNs` on `stream`. */
  onFrame(stream: StreamState, stamp: Stamp, nowNs: bigint): void {
    if (stamp.seq < stream.next) {
      this.counts.duplicatesOrReordered++;
      return;
    }
    if (stamp.seq > stream.next) this.counts.gaps += stamp.seq - stream.next;
    stream.next = stamp.seq + 1;
    this.counts.received++;
    const window = this.window;
    if (window && stamp.sentNs >= window.startNs && stamp.sentNs < window.endNs) {
      this.counts.inWindow++;
      // ns -> µs; a negative delay is kept as such (the histogram counts it apart): it means the clocks differ.
      this.delay.record(Number(nowNs - stamp.sentNs) / 1000);
    }
  }

  toData(): ReceiverData {
    return { ...this.counts, delay: this.delay.toData() };
  }
}

/** Frames the senders wrote that no receiver got (never negative: a receiver cannot invent frames). */
export function lossOf(sent: number, received: number): { lost: number; lostPercent: number } {
  const lost = Math.max(0, sent - received);
  return { lost, lostPercent: sent === 0 ? 0 : (100 * lost) / sent };
}
