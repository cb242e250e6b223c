/**
 * A leg is one side of a session (the client, or an upstream) as the session core sees it: send, flow
 * control, ping and close. The core owns no sockets; the `ws` adapter below is the only place that does.
 */
import type { RawData, WebSocket } from "ws";

export interface LegHandlers {
  message(data: Buffer, isBinary: boolean): void;
  /** The leg closed: its code (1006 when the connection dropped without a close frame). */
  close(code: number): void;
  pong(): void;
  /** A protocol error on the leg (e.g. a frame above its max payload). */
  error(code: string | undefined): void;
}

export interface Leg {
  send(data: Buffer | string): void;
  bufferedAmount(): number;
  pause(): void;
  resume(): void;
  ping(): void;
  close(code: number, reason: string): void;
  /** Cut without a close handshake (a peer that stopped reading or answering). */
  terminate(): void;
  isOpen(): boolean;
  /** Start delivering events to the core (frames that arrived before are delivered first, in order). */
  attach(handlers: LegHandlers): void;
  /** Stop delivering events (a leg being retired). */
  detach(): void;
}

/** Realtime events are text frames; one options object for every send (no allocation per frame). */
const TEXT = { binary: false } as const;

/** Adapts a `ws` socket; `early` holds frames that arrived before the core attached. */
export function wsLeg(ws: WebSocket, early: Array<{ data: RawData; isBinary: boolean }> = []): Leg {
  let handlers: LegHandlers | undefined;
  const pending = early;
  const toBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
  const onMessage = (data: RawData, isBinary: boolean) => {
    if (handlers) handlers.message(toBuffer(data), isBinary);
    else pending.push({ data, isBinary });
  };
  let closedCode: number | undefined;
  const onClose = (code: number) => {
    closedCode = code;
    handlers?.close(code);
  };
  const onPong = () => handlers?.pong();
  const onError = (error: Error & { code?: string }) => handlers?.error(error.code);
  ws.on("message", onMessage);
  ws.on("close", onClose);
  ws.on("pong", onPong);
  ws.on("error", onError);
  return {
    send: (data) => {
      if (ws.readyState === ws.OPEN) ws.send(data, TEXT);
    },
    bufferedAmount: () => ws.bufferedAmount,
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    ping: () => {
      if (ws.readyState === ws.OPEN) ws.ping();
    },
    close: (code, reason) => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    },
    terminate: () => ws.terminate(),
    isOpen: () => ws.readyState === ws.OPEN,
    attach(next) {
      handlers = next;
      while (pending.length > 0 && handlers === next) {
        const { data, isBinary } = pending.shift()!;
        next.message(toBuffer(data), isBinary);
      }
      if (closedCode !== undefined) next.close(closedCode);
    },
    detach() {
      handlers = undefined;
      ws.off("message", onMessage);
      pending.length = 0;
    },
  };
}
