/**
 * The only place the client touches a real WebSocket. The client core sees a `SocketFactory`: open a
 * connection with these handlers, get back something to send on and close. Two implementations: the
 * global WebSocket (browsers, Node 22+) and `ws` (Node 20, which has no global WebSocket). Tests give
 * the core a fake factory instead.
 */

export interface SocketRequest {
  url: string;
  /** Subprotocols offered (the browser's only way to carry a token without the URL). */
  protocols: string[];
  /** Request headers; only honoured when the factory `canSetHeaders`. */
  headers: Record<string, string>;
}

export interface SocketCloseEvent {
  code: number;
  reason: string;
  /** Status of a refused upgrade, where the implementation can see it (`ws`; browsers cannot). */
  httpStatus?: number;
  /** Body of a refused upgrade (the proxy answers `{ error: { code, message } }`), first 4 KiB. */
  body?: string;
}

export interface SocketHandlers {
  open(): void;
  /** Text frames only: the realtime protocol is JSON text; binary frames are not part of it. */
  message(text: string): void;
  /** Called exactly once per socket, whatever ended it (also a failed connect). */
  close(event: SocketCloseEvent): void;
}

export interface SocketHandle {
  send(text: string): void;
  /** No code: an abnormal end from the server's point of view (1005), so the session stays resumable. */
  close(code?: number, reason?: string): void;
  /** Bytes accepted by send() and not yet written to the network. */
  readonly bufferedAmount: number;
}

export interface SocketFactory {
  /** Whether request headers are sent (Node's `ws`); browsers' WebSocket cannot send any. */
  readonly canSetHeaders: boolean;
  open(request: SocketRequest, handlers: SocketHandlers): SocketHandle;
}

/** The W3C WebSocket surface used here (what browsers, Node 22+ and undici provide). */
interface W3CWebSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
type W3CWebSocketConstructor = new (url: string, protocols?: string[]) => W3CWebSocket;

/** A factory over a W3C WebSocket constructor (default: the global one). */
export function w3cSocketFactory(Ctor: W3CWebSocketConstructor): SocketFactory {
  return {
    canSetHeaders: false,
    open(request, handlers) {
      const socket = new Ctor(request.url, request.protocols);
      socket.binaryType = "arraybuffer";
      let closed = false;
      socket.onopen = () => handlers.open();
      socket.onmessage = (event) => {
        if (typeof event.data === "string") handlers.message(event.data);
      };
      socket.onclose = (event) => {
        if (closed) return;
        closed = true;
        handlers.close({ code: event.code, reason: event.reason });
      };
      // An error is always followed by a close event, which carries what there is to know.
      socket.onerror = () => undefined;
      return {
        send: (text) => socket.send(text),
        close: (code, reason) => (code === undefined ? socket.close() : socket.close(code, reason)),
        get bufferedAmount() {
          return socket.bufferedAmount;
        },
      };
    },
  };
}

/** Largest refusal body read from a refused upgrade. */
const REFUSAL_BODY_MAX = 4096;

/** A factory over the `ws` package (Node): sends headers and reports a refused upgrade's status. */
export function wsSocketFactory(): SocketFactory {
  // Required lazily: a browser bundle never reaches this line, and `ws` is not loaded where the
  // global WebSocket serves.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WebSocket } = require("ws") as typeof import("ws");
  return {
    canSetHeaders: true,
    open(request, handlers) {
      const socket = new WebSocket(request.url, request.protocols, { headers: request.headers, maxPayload: 16 * 1024 * 1024 });
      let closed = false;
      let refusal: { httpStatus: number; body: string } | undefined;
      const finish = (event: SocketCloseEvent) => {
        if (closed) return;
        closed = true;
        handlers.close(event);
      };
      socket.on("open", () => handlers.open());
      socket.on("message", (data, isBinary) => {
        if (!isBinary) handlers.message(data.toString());
      });
      socket.on("unexpected-response", (_req, res) => {
        let body = "";
        const done = () => {
          refusal = { httpStatus: res.statusCode ?? 0, body };
          finish({ code: 1006, reason: `upgrade refused: HTTP ${refusal.httpStatus}`, ...refusal });
          // With this listener `ws` leaves the handshake to us: abort it (its own close event is then ignored).
          socket.terminate();
        };
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body = (body + chunk).slice(0, REFUSAL_BODY_MAX);
        });
        res.on("end", done);
        res.on("error", done);
      });
      // `ws` throws an unhandled error without a listener; the close that follows says what happened.
      socket.on("error", () => undefined);
      socket.on("close", (code, reason) => finish({ code, reason: reason.toString() }));
      return {
        send: (text) => socket.send(text),
        close: (code, reason) => {
          if (refusal) return;
          if (socket.readyState === socket.CONNECTING) return socket.terminate();
          if (code === undefined) socket.close();
          else socket.close(code, reason);
        },
        get bufferedAmount() {
          return socket.bufferedAmount;
        },
      };
    },
  };
}

/** The global WebSocket where there is one (browsers, Node 22+), else `ws` (Node 20). */
export function defaultSocketFactory(): SocketFactory {
  const Ctor = (globalThis as { WebSocket?: W3CWebSocketConstructor }).WebSocket;
  return Ctor ? w3cSocketFactory(Ctor) : wsSocketFactory();
}
