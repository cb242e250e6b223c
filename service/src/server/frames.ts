/**
 * Pure helpers of the relay: what type an event is without parsing it, and how a failure maps to the
 * close code the client sees.
 */
import { CloseCode } from "../../../contracts";

// Audio frames are produced by SDKs and by Azure with `type` as the first or second key; looking at the
// first 200 bytes keeps the sniff O(1) whatever the size of the base64 payload behind it.
const TYPE_PATTERN = /"type"\s*:\s*"([^"\\]{1,100})"/;

/**
 * The event's `type`, read from the start of the frame. May be wrong only for a frame whose first
 * `"type"` key belongs to a nested object; such a frame is then treated as a control event and parsed,
 * which is correct, only slower.
 */
export function sniffType(frame: Buffer | string): string | undefined {
  const head = typeof frame === "string" ? frame.slice(0, 200) : frame.subarray(0, 200).toString("latin1");
  return TYPE_PATTERN.exec(head)?.[1];
}

export type Ending =
  | { kind: "client_closed"; code: number }
  | { kind: "upstream_closed"; code: number }
  | { kind: "upstream_lost" }
  | { kind: "upstream_unavailable" }
  | { kind: "client_too_big" }
  | { kind: "client_overflow" }
  | { kind: "peer_timeout"; leg: "client" | "upstream" }
  | { kind: "time_limit" }
  | { kind: "draining" }
  | { kind: "internal" };

/** The code and reason the client is closed with, for each way a session can end. */
export function clientCloseFor(ending: Ending): { code: number; reason: string } {
  switch (ending.kind) {
    case "client_closed":
      return { code: CloseCode.normal, reason: "client closed" };
    case "upstream_closed":
      // A normal close upstream is a normal end; 1008/1009 are the client's doing and kept; anything
      // else (1011, 1012, 1013, 1001, ...) means "try again" to the client.
      if (ending.code === 1000) return { code: CloseCode.normal, reason: "upstream closed the session" };
      if (ending.code === 1008 || ending.code === 1009) return { code: ending.code, reason: "upstream refused the session's input" };
      return { code: CloseCode.tryAgainLater, reason: "upstream ended the session" };
    case "upstream_lost":
      return { code: CloseCode.tryAgainLater, reason: "upstream connection lost" };
    case "upstream_unavailable":
      return { code: CloseCode.tryAgainLater, reason: "no upstream available" };
    case "client_too_big":
      return { code: CloseCode.tooBig, reason: "message too big" };
    case "client_overflow":
      return { code: CloseCode.policy, reason: "client sent faster than the session can relay" };
    case "peer_timeout":
      return ending.leg === "upstream"
        ? { code: CloseCode.tryAgainLater, reason: "upstream stopped responding" }
        : { code: CloseCode.policy, reason: "client stopped responding" };
    case "time_limit":
      return { code: CloseCode.sessionTimeLimit, reason: "session time limit reached" };
    case "draining":
      return { code: CloseCode.restart, reason: "server restarting: reconnect" };
    case "internal":
      return { code: CloseCode.internal, reason: "internal error" };
  }
}

/** A proxy-originated event (prefixed `proxy.`) or realtime `error` event, serialised. */
export function proxyEvent(type: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ type, ...fields });
}

export function errorEvent(code: string, message: string, eventId?: string): string {
  return JSON.stringify({ type: "error", error: { type: "proxy_error", code, message, event_id: eventId ?? null } });
}
