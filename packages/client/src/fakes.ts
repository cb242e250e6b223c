/**
 * Test doubles for the client core: a clock whose time moves only when told, and a socket factory
 * whose sockets are driven by the test as the server would (open, events, close codes, refusals).
 * Used by the unit tests beside this file; not part of the library's surface.
 */
import type { SocketCloseEvent, SocketFactory, SocketHandlers, SocketRequest } from "./socket";
import type { Clock } from "./voiceClient";

export class FakeClock implements Clock {
  private time = 0;
  private nextId = 1;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward, firing due timers in order (timers set by a firing timer fire too, if due). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}

export class FakeSocket {
  readonly sent: string[] = [];
  closedByClient?: { code?: number; reason?: string };
  bufferedAmount = 0;
  private done = false;

  constructor(readonly request: SocketRequest, private readonly handlers: SocketHandlers) {}

  /** Events the client sent, parsed. */
  get events(): Array<Record<string, unknown> & { type: string }> {
    return this.sent.map((text) => JSON.parse(text));
  }

  open(): void {
    this.handlers.open();
  }

  serverSends(event: Record<string, unknown>): void {
    this.handlers.message(JSON.stringify(event));
  }

  serverSendsRaw(text: string): void {
    this.handlers.message(text);
  }

  serverCloses(code: number, reason = "", extra: Partial<SocketCloseEvent> = {}): void {
    if (this.done) return;
    this.done = true;
    this.handlers.close({ code, reason, ...extra });
  }

  /** A refused upgrade as `ws` reports it. */
  refuse(httpStatus: number, body = ""): void {
    this.serverCloses(1006, `upgrade refused: HTTP ${httpStatus}`, { httpStatus, body });
  }

  /** The proxy's usual opening: upgrade, proxy.session, the upstream's session.created. */
  accept(session: { sessionId?: string; resumeToken?: string; resumeStatus?: string } = {}): void {
    this.open();
    this.serverSends({
      type: "proxy.session", session_id: session.sessionId ?? "s-1", expires_in_ms: 2_700_000,
      ...(session.resumeToken !== undefined ? { resume_token: session.resumeToken } : {}),
      ...(session.resumeStatus !== undefined ? { resume_status: session.resumeStatus } : {}),
    });
    if (session.resumeStatus !== "resumed") this.serverSends({ type: "session.created", session: { id: "sess_1" } });
  }

  get url(): URL {
    return new URL(this.request.url);
  }

  handle() {
    const socket = this;
    return {
      send: (text: string) => {
        if (socket.done || socket.closedByClient) throw new Error("send on a closed fake socket");
        socket.sent.push(text);
      },
      close: (code?: number, reason?: string) => {
        socket.closedByClient = { code, reason };
      },
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
    };
  }
}

export class FakeSockets implements SocketFactory {
  readonly opened: FakeSocket[] = [];

  constructor(readonly canSetHeaders = true) {}

  open(request: SocketRequest, handlers: SocketHandlers) {
    const socket = new FakeSocket(request, handlers);
    this.opened.push(socket);
    return socket.handle();
  }

  get last(): FakeSocket {
    const socket = this.opened[this.opened.length - 1];
    if (!socket) throw new Error("no socket opened yet");
    return socket;
  }
}

/** A random source that returns the given values in turn (then the last one forever). */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)];
}
