/**
 * Messages between the bench (parent) and the upstream peer (child process), over Node's IPC channel
 * with `serialization: "advanced"` so monotonic timestamps travel as bigint.
 */
import type { ReceiverData, Window } from "./accounting";
import type { HistogramData } from "./histogram";

export type ToPeer =
  | { type: "clock" }
  | { type: "stream"; frameMs: number; durationMs: number; window: Window; turnMs: number }
  | { type: "report" }
  | { type: "close" };

export interface PeerReport {
  /** WebSocket sessions open now, and those that closed before the bench closed them. */
  open: number;
  accepted: number;
  closedEarly: number;
  refused: number;
  /** Downlink frames written, and of those, stamped inside the window. */
  sent: number;
  sentInWindow: number;
  /** Bytes of downlink audio events written inside the window. */
  bytesInWindow: number;
  /** Uplink as the peer received it. */
  uplink: ReceiverData;
  /** Send lag of the peer's downlink loop, µs. */
  sendLag: HistogramData;
  streaming: boolean;
}

export type FromPeer =
  | { type: "ready"; port: number }
  | { type: "clock"; ns: bigint }
  | { type: "streaming"; sessions: number }
  | { type: "report"; report: PeerReport };

/** Environment of the peer process: its api-key, and (for a TLS upstream like Azure's) its certificate and key files. */
export const PEER_KEY_ENV = "BENCH_PEER_API_KEY";
export const PEER_TLS_CERT_ENV = "BENCH_PEER_TLS_CERT_FILE";
export const PEER_TLS_KEY_ENV = "BENCH_PEER_TLS_KEY_FILE";
