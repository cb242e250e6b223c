/**
 * Pure helpers of the session: what type an event is without parsing it, how each way a session ends
 * maps to the close code the client sees, and whether the session stays resumable.
 */
import { CloseCode } from "../../../contracts";

// Audio frames are produced by SDKs and by Azure with `type` as the first or second key; looking at the
// first 200 bytes keeps the sniff O(1) whatever the size of the base64 payload behind it.
const TYPE_PATTERN = /"type"\s*:\s*"([^"\\]{1,100})"/;
const TYPE_KEY = Buffer.from('"type"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * The event's `type`, read from the start of the frame. May be wrong only for a frame whose first
 * `"type"` key belongs to a nested object; such a frame is then treated as a control event and parsed,
 * which is correct, only slower. Buffers are scanned byte by byte (every relayed frame passes here):
 * only the type itself becomes a string.
 */
export function sniffType(frame: Buffer | string): string | undefined {
  if (typeof frame === "string") return TYPE_PATTERN.exec(frame.slice(0, 200))?.[1];
  const end = Math.min(frame.length, 200);
  const key = frame.subarray(0, end).indexOf(TYPE_KEY);
  if (key < 0) return undefined;
  let i = key + TYPE_KEY.length;
  while (i < end && isSpace(frame[i])) i++;
  if (frame[i] !== 0x3a) return undefined; // ':'
  i++;
  while (i < end && isSpace(frame[i])) i++;
  if (frame[i] !== QUOTE) return undefined;
  const start = ++i;
  while (i < end && i - start <= 100 && frame[i] !== QUOTE && frame[i] !== BACKSLASH) i++;
  if (i >= end || frame[i] !== QUOTE || i === start || i - start > 100) return undefined;
  return frame.toString("latin1", start, i);
}

export type Ending =
  /** The client closed: 1000 ends the session, anything else (1001, 1006, ...) leaves it resumable. */
  | { kind: "client_closed"; code: number }
  /** The upstream closed with 1008/1009: the client's input was refused. */
  | { kind: "upstream_refused_input"; code: number }
  /** No upstream could be reached (or too many failovers in a row). */
  | { kind: "upstream_unavailable" }
  | { kind: "client_too_big" }
  | { kind: "client_overflow" }
  /** The client stopped answering pings or reading. */
  | { kind: "client_timeout" }
  | { kind: "time_limit" }
  | { kind: "idle" }
  | { kind: "draining" }
  /** Another connection resumed this session. */
  | { kind: "replaced" }
  /** The user holds more sessions than allowed (learnt when the shared registry answers again): the newest go. */
  | { kind: "user_limit"; limit: number }
  | { kind: "internal" };

/** What becomes of the session's shared state: deleted, kept for a resume, or left to its new owner. */
export type Outcome = "ended" | "detached" | "replaced";

/** The code and reason the client is closed with, for each way a session can end. */
export function clientCloseFor(ending: Ending): { code: number; reason: string } {
  switch (ending.kind) {
    case "client_closed":
      return { code: CloseCode.normal, reason: "client closed" };
    case "upstream_refused_input":
      return { code: ending.code, reason: "upstream refused the session's input" };
    case "upstream_unavailable":
      return { code: CloseCode.tryAgainLater, reason: "no upstream available" };
    case "client_too_big":
      return { code: CloseCode.tooBig, reason: "message too big" };
    case "client_overflow":
      return { code: CloseCode.policy, reason: "client sent faster than the session can relay" };
    case "client_timeout":
      return { code: CloseCode.policy, reason: "client stopped responding" };
    case "time_limit":
      return { code: CloseCode.sessionTimeLimit, reason: "session time limit reached" };
    case "idle":
      return { code: CloseCode.normal, reason: "idle: no events from the client" };
    case "draining":
      return { code: CloseCode.restart, reason: "server restarting: reconnect" };
    case "replaced":
      return { code: CloseCode.replaced, reason: "resumed on another connection" };
    case "user_limit":
      return { code: CloseCode.policy, reason: `too many open sessions for this user (limit ${ending.limit})` };
    case "internal":
      return { code: CloseCode.internal, reason: "internal error" };
  }
}

/** Which endings leave the session resumable (the client may come back with its token). */
export function outcomeOf(ending: Ending): Outcome {
  switch (ending.kind) {
    case "client_closed":
      return ending.code === CloseCode.normal ? "ended" : "detached";
    case "replaced":
      return "replaced";
    case "upstream_unavailable":
    case "user_limit":
    case "client_timeout":
    case "idle":
    case "draining":
    case "internal":
      return "detached";
    case "upstream_refused_input":
    case "client_too_big":
    case "client_overflow":
    case "time_limit":
      return "ended";
  }
}
